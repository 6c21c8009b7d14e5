//! Head office and autopay against a real PostgreSQL: settled and returned autopay debits pushed by a terminal
//! move the balances head office publishes (and another terminal pulls) exactly as they moved the ledger's,
//! and what head office holds of the entries never carries the full bank account number.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pg;

use std::collections::BTreeMap;

use citytill::hq::office::admin;
use citytill::ledger::Ledger;
use common::{City, PIN};

const NUMBER: &str = "987654321012";

fn balances(ledger: &Ledger) -> BTreeMap<String, i64> {
    let reader = ledger.read().unwrap();
    let mut statement = reader.prepare("SELECT number, balance_cents FROM payables ORDER BY number").unwrap();
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

// Proves an autopay month — prenote, debit, settlement, a return with its fee — pushed to head office leaves every
// published (and pulled) balance equal to the paying ledger's, and no entry head office holds has the bank number.
#[test]
fn autopay_balances_reach_head_office() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("autopay");
    let city = City::new();
    let settings = city.data().join("citytill.toml");
    let mut text = std::fs::read_to_string(&settings).unwrap();
    text.push_str(&format!(
        "\n[autopay]\nkey_file = \"{}\"\nimmediate_destination = \"021000021\"\nimmediate_destination_name = \"First Bank\"\nimmediate_origin = \"1234567890\"\nimmediate_origin_name = \"City\"\ncompany_name = \"City Util\"\ncompany_id = \"1234567890\"\n",
        city.dir.path().join("keys").join("autopay.key").display()
    ));
    std::fs::write(&settings, text).unwrap();
    let csv = std::fs::read(city.path("payables.csv")).unwrap();
    admin::publish_payables(&mut pg::admin_client(&url), &admin::parse_payables(csv.as_slice(), "payables.csv").unwrap()).unwrap();
    let t01 = pg::add_terminal(&url, "T01");
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01.database_url)]);

    let lee = || city.as_user("lee", PIN);
    for (account, routing, number) in [("100200-01", "011000015", NUMBER), ("BL-0000042", "021000021", "55443322")] {
        lee().args(&["autopay", "enrol", "--account", account, "--routing", routing, "--bank-account", number, "--rule", "full", "--draft-day", "5"]).approver("sam", PIN).expect_ok();
    }
    lee().args(&["autopay", "run", "--date", "2026-12-01"]).expect_ok();
    lee().args(&["autopay", "approve", "AR1", "--out", &city.path("ar1.ach")]).approver("sam", PIN).expect_ok();
    lee().args(&["autopay", "run", "--date", "2026-12-05"]).expect_ok();
    lee().args(&["autopay", "approve", "AR2", "--out", &city.path("ar2.ach")]).approver("sam", PIN).expect_ok();
    lee().args(&["autopay", "settle", "--date", "2026-12-08"]).expect_ok();
    let file = std::fs::read_to_string(city.path("ar2.ach")).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    let entry = lines[2];
    let returns = [
        lines[0].to_string(),
        lines[1].to_string(),
        format!("626{}011000010000001", &entry[3..79]),
        format!("{:<79}011000010000001", format!("799R01{}      {}", &entry[79..94], &entry[3..11])),
        lines[4].to_string(),
        lines[5].to_string(),
    ];
    city.write("returns.ach", &(returns.join("\n") + "\n"));
    lee().args(&["autopay", "returns", &city.path("returns.ach")]).approver("sam", PIN).expect_ok();

    let local = balances(&Ledger::open(&city.ledger()).unwrap());
    assert_eq!(local.get("100200-01"), Some(&(8_412 + 2_500)), "returned with the fee");
    assert_eq!(local.get("BL-0000042"), Some(&0), "settled");
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &t01.database_url)]);
    let mut client = pg::admin_client(&url);
    let published: BTreeMap<String, i64> = client.query("SELECT number, balance_cents FROM citytill.payable_balances", &[]).unwrap().into_iter().map(|r| (r.get(0), r.get(1))).collect();
    for number in ["100200-01", "BL-0000042"] {
        assert_eq!(published.get(number), local.get(number), "head office publishes {number}");
    }
    let observer_settings = pg::add_terminal(&url, "T02");
    let (_dir, mut observer) = pg::ledger("T02");
    pg::settle(&mut observer, &observer_settings);
    let pulled = balances(&observer);
    assert_eq!(pulled.get("100200-01"), local.get("100200-01"));
    assert_eq!(pulled.get("BL-0000042"), local.get("BL-0000042"));
    let held: i64 = client.query_one("SELECT COUNT(*) FROM citytill.entries WHERE payload LIKE '%' || $1 || '%'", &[&NUMBER]).unwrap().get(0);
    let autopay: i64 = client.query_one("SELECT COUNT(*) FROM citytill.entries WHERE kind LIKE 'autopay_%'", &[]).unwrap().get(0);
    assert_eq!((held, autopay), (0, 8), "head office holds the autopay entries, never the number");

    // Head office's billing file carries the same autopay rows as the terminal's, each once.
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
    let export = citytill::hq::office::reports::export_payments(&mut pg::admin_client(&url), date, false, |_| Ok(())).unwrap();
    let hq_rows: Vec<String> = export.rows.iter().map(|r| format!("{},{},{},{},{}", r.account, r.amount, r.receipt, r.tender, r.batch)).collect();
    city.as_user("lee", PIN).args(&["export", "payments", "--date", "2026-12-08", "--out", &city.path("billing.csv")]).expect_ok();
    let terminal_rows: Vec<String> = std::fs::read_to_string(city.path("billing.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{},{}", c[0], c[2], c[3], c[5], c[6])
        })
        .collect();
    assert_eq!(hq_rows, terminal_rows);
    assert_eq!(hq_rows.len(), 4, "two settled debits, one return and its fee: {hq_rows:?}");
    let again = citytill::hq::office::reports::export_payments(&mut pg::admin_client(&url), date, false, |_| Ok(())).unwrap();
    assert!(again.rows.is_empty(), "nothing exported twice: {:?}", again.rows);
}
