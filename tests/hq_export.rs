//! Head office's billing posting file against a real PostgreSQL: for the same day's payments it carries
//! exactly the rows the terminal's own `citytill export payments` writes, each payment exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pg;

use citytill::hq::office::admin;
use citytill::hq::office::reports;
use common::{City, PIN};

const ROUTING: &str = "021000021";

/// A posting file's header and its rows sorted (order-insensitive comparison).
fn parse(csv_text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let mut rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    rows.sort();
    (header, rows)
}

/// Head office's export of `date` (claiming what it writes, or a reprint), as CSV text.
fn hq_export(url: &str, date: &str, reprint: bool) -> String {
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    let export = reports::export_payments(&mut pg::admin_client(url), date, reprint, |_| Ok(())).unwrap();
    String::from_utf8(export.to_csv().unwrap()).unwrap()
}

/// A terminal T01 registered at a fresh head office that holds its billing file: (admin URL, T01's URL).
fn city_at_head_office(name: &str, city: &City) -> (String, String) {
    let cluster = pg::cluster().expect("checked by the caller");
    let url = cluster.fresh_hq(name);
    let csv = std::fs::read(city.path("payables.csv")).unwrap();
    admin::publish_payables(&mut pg::admin_client(&url), &admin::parse_payables(csv.as_slice(), "payables.csv").unwrap()).unwrap();
    let t01 = join(&url, city, "T01");
    (url, t01)
}

/// Registers `city` (terminal `id`) at head office `url` and syncs it once; returns its URL.
fn join(url: &str, city: &City, id: &str) -> String {
    let terminal = pg::add_terminal(url, id);
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &terminal.database_url)]);
    terminal.database_url
}

/// A day at T01: counter payments (partial, an overpayment with credit, a fee, a check, a voided one) in
/// drawer 1, closed and approved as batch D1, and a mail batch M1 (one item over its balance) approved.
/// Returns the business date and the receipts of the overpayment and of the check.
fn run_day(city: &City) -> (String, String, String) {
    let ana = || city.as_user("ana", PIN);
    let lee = || city.as_user("lee", PIN);
    city.ana_with_drawer();
    let first = ana().args(&["pay", "--account", "100200-01", "--amount", "30.00", "--tender", "cash=30.00", "--json"]).expect_ok().json();
    let over = ana().args(&["pay", "--account", "BL-0000042", "--amount", "150.00", "--tender", "cash=150.00", "--json"]).expect_ok().json();
    assert_eq!(over["credit"], "30.00", "{over}");
    ana().args(&["pay", "--fee", "DOG", "--tender", "cash=15.00"]).expect_ok();
    let check = ana().args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", &format!("check=100.00,routing={ROUTING},account=99887766,number=554"), "--json"]).expect_ok().json();
    let voided = ana().args(&["pay", "--account", "PC00001234", "--amount", "20.00", "--tender", "cash=20.00", "--json"]).expect_ok().json();
    ana().args(&["void", voided["receipt"].as_str().unwrap(), "--reason", "wrong citation"]).approver("sam", PIN).expect_ok();
    // 170.00 float + 30.00 + 150.00 + 15.00 cash, counted exactly; the one check.
    ana().args(&["drawer", "close", "--count", "20x14,10x3,5x4,1x25,0.25x40", "--checks", "1=100.00"]).expect_ok();
    lee().args(&["batch", "approve", "D1"]).approver("sam", PIN).expect_ok();
    lee().args(&["batch", "open", "mail", "--control-total", "105.00", "--items", "2"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--account", "PC00001234", "--amount", "45.00"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--account", "100200-01", "--amount", "60.00", "--tender", "money_order=60.00,number=MO-7"]).expect_ok();
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();
    let text = |v: &serde_json::Value, key: &str| v[key].as_str().unwrap().to_string();
    (text(&first, "business_date"), text(&over, "receipt"), text(&check, "receipt"))
}

/// The terminal's own export of `date`, parsed.
fn terminal_export(city: &City, date: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let out = city.path("terminal.csv");
    city.as_user("lee", PIN).args(&["export", "payments", "--date", date, "--out", &out]).expect_ok();
    parse(&std::fs::read_to_string(&out).unwrap())
}

// Proves that after a day of counter payments (one with overpayment credit, one voided) and an approved mail batch is pushed, head office's export of the date has the terminal's own export's header and exactly its rows (whole amounts, receipts and item references), and a second head-office export of the date has no rows.
#[test]
fn head_office_export_equals_the_terminal_export() {
    if pg::cluster().is_none() {
        return;
    }
    let city = City::new();
    let (url, t01_url) = city_at_head_office("export_same", &city);
    let (date, _, _) = run_day(&city);
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01_url)]);

    let hq = parse(&hq_export(&url, &date, false));
    let terminal = terminal_export(&city, &date);

    assert_eq!(hq.0, ["account", "kind", "amount", "receipt", "date", "tender", "batch"], "the billing system's header");
    assert_eq!(terminal.1.len(), 6, "4 counter payments and 2 mail items: {:?}", terminal.1);
    assert!(terminal.1.iter().any(|r| r[0] == "BL-0000042" && r[2] == "150.00"), "the whole overpayment: {:?}", terminal.1);
    assert!(terminal.1.iter().any(|r| r[0] == "100200-01" && r[2] == "60.00" && r[3] == "T01-M1-0002" && r[5] == "money_order" && r[6] == "T01-M1"), "{:?}", terminal.1);
    assert_eq!(hq, terminal, "head office writes the terminal's rows");

    let (_, again) = parse(&hq_export(&url, &date, false));
    assert!(again.is_empty(), "a second export has nothing: {again:?}");
    assert_eq!(parse(&hq_export(&url, &date, true)), terminal, "a reprint repeats the rows");
}

// Proves that two terminals whose batches and items count alike (D1, M1, items 0001 and 0002 at each) send head
// office one file that holds exactly both terminals' own files, in which no two rows of different payments
// share a receipt or item reference, and every batch is named with its terminal.
#[test]
fn two_terminals_batches_stay_apart_in_head_offices_file() {
    if pg::cluster().is_none() {
        return;
    }
    let (t01, t02) = (City::new(), City::terminal("T02"));
    let (url, t01_url) = city_at_head_office("export_two", &t01);
    let t02_url = join(&url, &t02, "T02");
    let (date, _, _) = run_day(&t01);
    let (other_date, _, _) = run_day(&t02);
    assert_eq!(date, other_date, "one business day");
    t01.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01_url)]);
    t02.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t02_url)]);

    let hq = parse(&hq_export(&url, &date, false));
    let (mut both, t02_rows) = (terminal_export(&t01, &date).1, terminal_export(&t02, &date).1);
    both.extend(t02_rows);
    both.sort();
    assert_eq!(hq.1, both, "head office's file is the two terminals' files");
    let mut items: Vec<&str> = hq.1.iter().filter(|r| r[3].contains("-M1-")).map(|r| r[3].as_str()).collect();
    items.sort_unstable();
    assert_eq!(items, ["T01-M1-0001", "T01-M1-0002", "T02-M1-0001", "T02-M1-0002"], "{:?}", hq.1);
    let mut batches: Vec<&str> = hq.1.iter().map(|r| r[6].as_str()).collect();
    batches.sort_unstable();
    batches.dedup();
    assert_eq!(batches, ["T01-D1", "T01-M1", "T02-D1", "T02-M1"], "{:?}", hq.1);
    // Each terminal's 4 counter receipts not voided and 2 items, one line each: 12 rows, 12 references.
    let mut receipts: Vec<&str> = hq.1.iter().map(|r| r[3].as_str()).collect();
    receipts.sort_unstable();
    receipts.dedup();
    assert_eq!((hq.1.len(), receipts.len()), (12, 12), "{:?}", hq.1);
}

// Proves a batch approved at the terminal can still be reopened while head office has not acknowledged the
// approval, but not once it has (head office may have exported it): the refusal names the reason and writes
// nothing, and head office's file carries the batch's items once.
#[test]
fn a_batch_head_office_holds_approved_is_not_reopened() {
    if pg::cluster().is_none() {
        return;
    }
    let city = City::new();
    let (url, t01_url) = city_at_head_office("export_reopen", &city);
    let (date, _, _) = run_day(&city);
    let lee = || city.as_user("lee", PIN);
    lee().args(&["batch", "reopen", "M1", "--reason", "stub 2 misread"]).approver("sue", PIN).expect_ok();
    city.as_user("ana", PIN).args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01_url)]);
    for batch in ["M1", "D1"] {
        lee().args(&["batch", "reopen", batch, "--reason", "after the push"]).approver("sue", PIN).expect_refused(&format!("batch: {batch} reached head office approved"), 0);
    }
    let (_, rows) = parse(&hq_export(&url, &date, false));
    let items: Vec<&str> = rows.iter().filter(|r| r[6] == "T01-M1").map(|r| r[3].as_str()).collect();
    assert_eq!(items.len(), 2, "each item once: {rows:?}");
}

// Proves that a refund and a returned check (fee charged to the account) of exported payments go out in head office's next export — of another date — as exactly the terminal's reversal rows, a further export has none, and once billing's new figures (its file less every exported row) are published, head office publishes the ledger's balance for every payable.
#[test]
fn head_office_exports_reversals_like_the_terminal() {
    if pg::cluster().is_none() {
        return;
    }
    let city = City::new();
    let (url, t01_url) = city_at_head_office("export_reversals", &city);
    let (date, over, check) = run_day(&city);
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01_url)]);
    let payments = parse(&hq_export(&url, &date, false));
    assert_eq!(payments, terminal_export(&city, &date), "the day's payments, as the terminal writes them");

    city.as_user("ana", PIN).args(&["drawer", "open", "--float", "170.00", "--count", "20x5,10x3,5x4,1x10,0.25x40"]).expect_ok();
    city.as_user("ana", PIN).args(&["refund", &over, "--amount", "40.00", "--reason", "paid twice"]).approver("sam", PIN).expect_ok();
    city.as_user("lee", PIN).args(&["nsf", &check, "--fee", "NSF"]).approver("sam", PIN).expect_ok();
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01_url)]);
    let next_day = (chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap() + chrono::Days::new(1)).format("%Y-%m-%d").to_string();
    let reversals = parse(&hq_export(&url, &next_day, false));
    assert_eq!(reversals, terminal_export(&city, &next_day), "the terminal's reversal rows");
    let amounts: Vec<(&str, &str)> = reversals.1.iter().map(|r| (r[0].as_str(), r[2].as_str())).collect();
    assert_eq!(amounts, [("100300-02", "-100.00"), ("100300-02", "-25.00"), ("BL-0000042", "-40.00")], "{reversals:?}");
    assert!(reversals.1.iter().all(|r| r[3].contains(":refund:") || r[3].contains(":nsf:") || r[3].contains(":nsf-fee:")), "{reversals:?}");
    assert!(parse(&hq_export(&url, &next_day, false)).1.is_empty(), "a further export carries nothing");
    assert!(parse(&hq_export(&url, &date, false)).1.is_empty(), "nor of the payments' date");

    // Billing imports every row and sends its new figures; head office then publishes the ledger's balances.
    let original = std::fs::read_to_string(city.path("payables.csv")).unwrap();
    let mut billed = String::from("kind,number,name,address,status,balance\n");
    for line in original.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let paid: i64 = payments.1.iter().chain(&reversals.1).filter(|r| r[0] == fields[1]).map(|r| cents(&r[2])).sum();
        billed.push_str(&format!("{},{},{},{},{},{}\n", fields[0], fields[1], fields[2], fields[3], fields[4], money(cents(fields[5]) - paid)));
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    admin::publish_payables(&mut pg::admin_client(&url), &admin::parse_payables(billed.as_bytes(), "billed.csv").unwrap()).unwrap();
    let ledger = rusqlite::Connection::open(city.ledger()).unwrap();
    let mut client = pg::admin_client(&url);
    for row in client.query("SELECT number, balance_cents FROM citytill.payable_balances ORDER BY number", &[]).unwrap() {
        let (number, published): (String, i64) = (row.get(0), row.get(1));
        let local: i64 = ledger.query_row("SELECT balance_cents FROM payables WHERE number = ?1", [&number], |r| r.get(0)).unwrap();
        assert_eq!(published, local, "head office publishes the ledger's balance for {number}");
    }
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

fn money(cents: i64) -> String {
    format!("{}{}.{:02}", if cents < 0 { "-" } else { "" }, cents.abs() / 100, cents.abs() % 100)
}

// Proves a lockbox file's batch (items, an exception applied to another account, a refunded one) reaches head office
// like a mail batch: after sync, head office's export of the date is exactly the terminal's, the lockbox items
// included under their batch references, and head office's balances are the ledger's.
#[test]
fn a_lockbox_batch_reaches_head_offices_export() {
    if pg::cluster().is_none() {
        return;
    }
    let city = City::new();
    let (url, t01_url) = city_at_head_office("export_lockbox", &city);
    let lee = || city.as_user("lee", PIN);
    let detail = |item: u32, cents: i64, account: &str| format!("6001{item:03}{cents:010}0210000211234567890{:>10}{account:<20}", 1000 + item);
    let file =
        ["100000001".to_string(), detail(1, 8412, "100200-01"), detail(2, 1000, "NOPE-1"), detail(3, 500, "BP-0000007"), "81234567261202000300000099 12".replace(' ', ""), "9000001".into()].join("\n");
    city.write("lockbox.txt", &file);
    lee().args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "bai-lockbox"]).expect_ok();
    lee().args(&["lockbox", "resolve", "L1-E1", "--apply-to", "PC00001234", "--kind-change", "citation", "--reason", "citation number on the coupon"]).expect_ok();
    lee().args(&["lockbox", "resolve", "L1-E2", "--refund", "--reason", "closed permit"]).expect_ok();
    lee().args(&["batch", "balance", "L1"]).expect_ok();
    let date = lee().args(&["batch", "approve", "L1", "--json"]).approver("sam", PIN).expect_ok().json()["business_date"].as_str().unwrap().to_string();
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01_url)]);

    let terminal = terminal_export(&city, &date);
    assert_eq!(terminal.1.len(), 2, "{:?}", terminal.1);
    assert!(terminal.1.iter().any(|r| r[0] == "PC00001234" && r[2] == "10.00" && r[3] == "T01-L1-0002" && r[6] == "T01-L1"), "{:?}", terminal.1);
    assert_eq!(parse(&hq_export(&url, &date, false)), terminal, "head office writes the terminal's rows");
    city.ok(&["verify"], &[]);
}
