//! The terminal's billing export and reversals: refunds and returned checks of exported payments reach the
//! billing system in the next export, exactly once, and billing ends with the ledger's balances whether a
//! reversal came before or after its payment was exported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::{City, PIN};

const ROUTING: &str = "021000021";
const EXACT_FLOAT: &str = "20x5,10x3,5x4,1x10,0.25x40";

/// Runs `export payments --date date` at the terminal and returns its rows (header checked).
fn export(city: &City, date: &str) -> Vec<Vec<String>> {
    let out = city.path("out.csv");
    city.as_user("lee", PIN).args(&["export", "payments", "--date", date, "--out", &out]).expect_ok();
    let text = std::fs::read_to_string(&out).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["account", "kind", "amount", "receipt", "date", "tender", "batch"]);
    reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
}

fn cents(text: &str) -> i64 {
    let (whole, fraction) = text.trim_start_matches('-').split_once('.').unwrap();
    let value = whole.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap();
    if text.starts_with('-') {
        -value
    } else {
        value
    }
}

/// A row as (account, kind, amount, receipt, tender, batch), leaving out the date.
fn key(row: &[String]) -> (String, String, String, String, String, String) {
    (row[0].clone(), row[1].clone(), row[2].clone(), row[3].clone(), row[5].clone(), row[6].clone())
}

// Proves a refund and a returned check (with its fee charged to the account) of exported payments go out in the next export — of another date — as exactly their negative rows under their own references, a further export carries nothing new (it writes the same file again), verify stays clean, and a refund taken before its payment was exported goes out with it, so billing's balances (its file less every exported row) equal the ledger's.
#[test]
fn reversals_of_exported_payments_are_exported_once() {
    let city = City::new();
    let ana = || city.as_user("ana", PIN);
    let lee = || city.as_user("lee", PIN);
    city.ana_with_drawer();
    let over = ana().args(&["pay", "--account", "BL-0000042", "--amount", "150.00", "--tender", "cash=150.00", "--json"]).expect_ok().json();
    let check = ana().args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", &format!("check=100.00,routing={ROUTING},account=99887766,number=554"), "--json"]).expect_ok().json();
    let early = ana().args(&["pay", "--account", "100200-01", "--amount", "30.00", "--tender", "cash=30.00", "--json"]).expect_ok().json();
    let (over, check, early) = (over["receipt"].as_str().unwrap(), check["receipt"].as_str().unwrap(), early["receipt"].as_str().unwrap());
    // Refunded before anything is exported: 10.00 of the 30.00.
    ana().args(&["refund", early, "--amount", "10.00", "--reason", "keyed twice"]).approver("sam", PIN).expect_ok();
    let early_refund = city.sql_i64("SELECT MAX(seq) FROM journal");
    // 170.00 float + 150.00 + 30.00 − 10.00 cash, counted exactly; the one check.
    ana().args(&["drawer", "close", "--count", "20x13,10x3,5x4,1x20,0.25x40", "--checks", "1=100.00"]).expect_ok();
    lee().args(&["batch", "approve", "D1"]).approver("sam", PIN).expect_ok();
    let date = business_date(&city);

    let first = export(&city, &date);
    let mut first_keys: Vec<_> = first.iter().map(|r| key(r)).collect();
    first_keys.sort();
    let s = |t: &str| t.to_string();
    let mut expected = vec![
        (s("100200-01"), s("utility"), s("30.00"), s(early), s("cash"), s("T01-D1")),
        (s("100200-01"), s("utility"), s("-10.00"), format!("{early}:refund:{early_refund}"), s("cash"), s("T01-D1")),
        (s("100300-02"), s("utility"), s("100.00"), s(check), s("check"), s("T01-D1")),
        (s("BL-0000042"), s("license"), s("150.00"), s(over), s("cash"), s("T01-D1")),
    ];
    expected.sort();
    assert_eq!(first_keys, expected, "the payments, and the refund taken before export with its payment");

    // After export: 40.00 refunded from a new drawer (30.00 credit, then 10.00 applied), and the check returned with the 25.00 fee.
    ana().args(&["drawer", "open", "--float", "170.00", "--count", EXACT_FLOAT]).expect_ok();
    ana().args(&["refund", over, "--amount", "40.00", "--reason", "paid twice"]).approver("sam", PIN).expect_ok();
    let refund = city.sql_i64("SELECT MAX(seq) FROM journal");
    lee().args(&["nsf", check, "--fee", "NSF"]).approver("sam", PIN).expect_ok();
    let nsf = city.sql_i64("SELECT MAX(seq) FROM journal");

    let next_day = (chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap() + chrono::Days::new(1)).format("%Y-%m-%d").to_string();
    let second = export(&city, &next_day);
    let mut second_keys: Vec<_> = second.iter().map(|r| key(r)).collect();
    second_keys.sort();
    let mut expected = vec![
        (s("BL-0000042"), s("license"), s("-40.00"), format!("{over}:refund:{refund}"), s("cash"), s("T01-D1")),
        (s("100300-02"), s("utility"), s("-100.00"), format!("{check}:nsf:{nsf}"), s("check"), s("T01-D1")),
        (s("100300-02"), s("utility"), s("-25.00"), format!("{check}:nsf-fee:{nsf}"), s("check"), s("T01-D1")),
    ];
    expected.sort();
    assert_eq!(second_keys, expected, "exactly the reversal rows");
    assert!(second.iter().all(|r| r[4] == date), "dated by the reversal's business date: {second:?}");

    let entries = city.journal_len();
    assert_eq!(export(&city, &date), first, "a further export carries nothing new: it writes the date's file again, identically");
    assert_eq!(export(&city, &next_day), second, "so does the other date's");
    assert_eq!(city.journal_len(), entries, "and journals nothing");
    city.ok(&["verify"], &[]);
    let recorded = city.sql_i64("SELECT COUNT(*) FROM exported_payments WHERE reference LIKE '%:%'");
    assert_eq!(recorded, 3, "each reversal recorded once as exported");

    // Billing's balance: its file's figure less every exported row; it equals the ledger's for every account.
    let mut billing: BTreeMap<String, i64> = [("100200-01", 8_412), ("100300-02", 25_000), ("BL-0000042", 12_000)].into_iter().map(|(n, c)| (n.to_string(), c)).collect();
    for row in first.iter().chain(&second) {
        *billing.get_mut(&row[0]).unwrap() -= cents(&row[2]);
    }
    for (number, balance) in &billing {
        let ledger = city.sql_i64(&format!("SELECT balance_cents FROM payables WHERE number = '{number}'"));
        assert_eq!(*balance, ledger, "billing and the ledger agree on {number}");
    }
}

/// The business date the terminal's payments were taken on.
fn business_date(city: &City) -> String {
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    conn.query_row("SELECT business_date FROM receipts ORDER BY number LIMIT 1", [], |r| r.get(0)).unwrap()
}
