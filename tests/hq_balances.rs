//! Head office's published balances against a real PostgreSQL: after a terminal's day is pushed, every
//! payable's balance that terminals pull equals the balance in the ledger that took the payments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pg;

use std::collections::BTreeMap;

use citytill::hq::office::admin;
use citytill::ledger::Ledger;
use common::{City, PIN};

const ROUTING: &str = "021000021";

/// Every payable's balance in a ledger, by number.
fn balances(ledger: &Ledger) -> BTreeMap<String, i64> {
    let reader = ledger.read().unwrap();
    let mut statement = reader.prepare("SELECT number, balance_cents FROM payables ORDER BY number").unwrap();
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// What head office publishes (the view `sync_pull` serves), by number.
fn published(admin_url: &str) -> BTreeMap<String, i64> {
    let mut client = pg::admin_client(admin_url);
    let rows = client.query("SELECT number, balance_cents FROM citytill.payable_balances ORDER BY number", &[]).unwrap();
    rows.into_iter().map(|r| (r.get(0), r.get(1))).collect()
}

/// The paying terminal's head-office URL, and an observer terminal that only pulls.
struct Terminals {
    t01_url: String,
    observer_settings: citytill::hq::HqSettings,
    _observer_dir: tempfile::TempDir,
    observer: Ledger,
}

/// Publishes the terminal's billing file at head office, registers T01 and an observer T02, and has both pull it.
fn join_head_office(url: &str, city: &City) -> Terminals {
    let csv = std::fs::read(city.path("payables.csv")).unwrap();
    admin::publish_payables(&mut pg::admin_client(url), &admin::parse_payables(csv.as_slice(), "payables.csv").unwrap()).unwrap();
    let t01 = pg::add_terminal(url, "T01");
    sync_cli(city, &t01.database_url);
    let observer_settings = pg::add_terminal(url, "T02");
    let (observer_dir, mut observer) = pg::ledger("T02");
    pg::settle(&mut observer, &observer_settings);
    let before = balances(&observer);
    assert_eq!(before.get("100300-02"), Some(&25_000), "the observer pulled the billing file: {before:?}");
    Terminals { t01_url: t01.database_url, observer_settings, _observer_dir: observer_dir, observer }
}

/// `citytill sync --once` at the paying terminal.
fn sync_cli(city: &City, t01_url: &str) {
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", t01_url)]);
}

/// The scripted day at T01 through the real `citytill` commands; returns its ledger's balances afterwards.
fn run_day(city: &City) -> BTreeMap<String, i64> {
    let ana = || city.as_user("ana", PIN);
    let lee = || city.as_user("lee", PIN);
    city.ana_with_drawer();
    // A partial payment: 30.00 of 84.12.
    ana().args(&["pay", "--account", "100200-01", "--amount", "30.00", "--tender", "cash=30.00"]).expect_ok();
    // An overpayment: 150.00 on a 120.00 balance, 30.00 kept as customer credit; 40.00 of it refunded.
    let over = ana().args(&["pay", "--account", "BL-0000042", "--amount", "150.00", "--tender", "cash=150.00", "--json"]).expect_ok().json();
    assert_eq!(over["credit"], "30.00", "{over}");
    ana().args(&["refund", over["receipt"].as_str().unwrap(), "--amount", "40.00", "--reason", "paid twice"]).approver("sam", PIN).expect_ok();
    // A voided overpayment: 60.00 on a 45.00 citation.
    let voided = ana().args(&["pay", "--account", "PC00001234", "--amount", "60.00", "--tender", "cash=60.00", "--json"]).expect_ok().json();
    ana().args(&["void", voided["receipt"].as_str().unwrap(), "--reason", "wrong citation"]).approver("sam", PIN).expect_ok();
    // A check that comes back: 100.00 reinstated and the 25.00 fee charged to the account.
    let check = ana().args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", &format!("check=100.00,routing={ROUTING},account=99887766,number=554"), "--json"]).expect_ok().json();
    lee().args(&["nsf", check["receipt"].as_str().unwrap(), "--fee", "NSF"]).approver("sam", PIN).expect_ok();
    // A mail batch: one item exact, one over the balance (credit); approved, reopened, approved again.
    lee().args(&["batch", "open", "mail", "--control-total", "105.00", "--items", "2"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--account", "PC00001234", "--amount", "45.00"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--account", "100200-01", "--amount", "60.00"]).expect_ok();
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();
    lee().args(&["batch", "reopen", "M1", "--reason", "item 2 checked against the stub"]).approver("sue", PIN).expect_ok();
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();

    let local = balances(&Ledger::open(&city.ledger()).unwrap());
    let expected = [("100200-01", 8_412 - 3_000 - 6_000), ("BL-0000042", 12_000 - 15_000 + 4_000), ("PC00001234", 0), ("100300-02", 25_000 + 2_500)];
    for (number, cents) in expected {
        assert_eq!(local.get(number), Some(&cents), "the local ledger's own figure for {number}");
    }
    local
}

/// Asserts head office publishes `local` for every payable, the observer pulls exactly it, and so does T01.
fn assert_published_equals(url: &str, city: &City, terminals: &mut Terminals, local: &BTreeMap<String, i64>) {
    sync_cli(city, &terminals.t01_url);
    let hq = published(url);
    pg::settle(&mut terminals.observer, &terminals.observer_settings);
    let pulled = balances(&terminals.observer);
    let after_own_pull = balances(&Ledger::open(&city.ledger()).unwrap());
    for (number, cents) in local {
        assert_eq!(hq.get(number), Some(cents), "head office publishes {number}");
        assert_eq!(pulled.get(number), Some(cents), "another terminal pulls {number}");
        assert_eq!(after_own_pull.get(number), Some(cents), "the paying terminal keeps {number} after its own pull");
    }
    assert_eq!(&pulled, local, "the observer holds exactly the paying terminal's payables");
}

// Proves that after a day of partial payment, overpayment, void, refund, returned check with its fee charged to the account, and a mail batch approved, reopened and approved again is pushed, the balance head office publishes (and another terminal pulls) for every payable equals the balance in the ledger that took the payments.
#[test]
fn published_balances_equal_the_ledger_after_a_full_day() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("balances");
    let city = City::new();
    let mut terminals = join_head_office(&url, &city);
    let local = run_day(&city);
    assert_published_equals(&url, &city, &mut terminals, &local);
}

/// A new head-office database at schema version 2 (the balance rules before migration 3): its admin URL and client.
fn hq_at_schema_2(cluster: &pg::Cluster, database: &str) -> (String, postgres::Client) {
    postgres::Client::connect(&cluster.admin_url("postgres"), postgres::NoTls).unwrap().batch_execute(&format!("CREATE DATABASE {database}")).unwrap();
    let url = cluster.admin_url(database);
    let mut client = pg::admin_client(&url);
    let mut tx = client.transaction().unwrap();
    tx.batch_execute("CREATE SCHEMA citytill; CREATE TABLE citytill.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());").unwrap();
    for (version, sql) in (1..).zip(&citytill::hq::office::schema::MIGRATIONS[..2]) {
        tx.batch_execute(sql).unwrap();
        tx.execute("INSERT INTO citytill.schema_version(version) VALUES ($1)", &[&version]).unwrap();
    }
    tx.commit().unwrap();
    (url, client)
}

// Proves that upgrading a head office that took the same day under schema 2 (old balance rules) rebuilds its activity and re-publishes the changed payables, so every terminal then pulls the paying ledger's balances.
#[test]
fn upgrade_from_schema_2_rebuilds_published_balances() {
    let Some(cluster) = pg::cluster() else { return };
    let (url, mut client) = hq_at_schema_2(cluster, "hq_balances_schema2");
    let city = City::new();
    let mut terminals = join_head_office(&url, &city);
    let local = run_day(&city);
    sync_cli(&city, &terminals.t01_url);
    pg::settle(&mut terminals.observer, &terminals.observer_settings);
    assert_ne!(&published(&url), &local, "schema 2 derived other balances (else this test proves nothing)");
    let report = admin::init(&mut client).unwrap();
    assert_eq!((report.from_version, report.to_version), (2, citytill::hq::office::schema::MIGRATIONS.len() as i64));
    assert_published_equals(&url, &city, &mut terminals, &local);
}

// Proves the upgrade still completes when a batch posting held from schema 2 is JSON but not jsonb (a NUL in its reason): that entry's balance change is left out and raised as an alarm, the others are rebuilt.
#[test]
fn upgrade_leaves_out_and_alarms_a_payload_that_is_not_jsonb() {
    let Some(cluster) = pg::cluster() else { return };
    let (url, mut client) = hq_at_schema_2(cluster, "hq_balances_nul");
    let rows = admin::parse_payables("kind,number,name,address,status,balance\nutility,U-1,Ana Diaz,1 Elm St,active,100.00\n".as_bytes(), "b.csv").unwrap();
    admin::publish_payables(&mut client, &rows).unwrap();
    pg::add_terminal(&url, "T03");
    let item = r#"[{"item":1,"line":{"target":{"type":"payable","number":"U-1","kind":"utility"},"applied":"10.00","credit":"2.50"}}]"#;
    let approved = format!(r#"{{"kind":"batch_approved","batch":"M1","approver":"sam","posted":{item}}}"#);
    let reopened = format!(r#"{{"kind":"batch_reopened","batch":"M1","reason":"typo \u0000 here","reversed":{item}}}"#);
    for (seq, kind, payload) in [(1_i64, "batch_approved", approved), (2, "batch_reopened", reopened)] {
        client
            .execute(
                "INSERT INTO citytill.entries(terminal, seq, at, business_date, kind, payload, prev_hash, hash) VALUES ('T03', $1, 'now', '2026-12-01', $2, $3, 'x', 'y')",
                &[&seq, &kind, &payload],
            )
            .unwrap();
    }
    let report = admin::init(&mut client).unwrap();
    assert_eq!((report.from_version, report.to_version), (2, citytill::hq::office::schema::MIGRATIONS.len() as i64));
    assert_eq!(published(&url).get("U-1"), Some(&(10_000 - 1_250)), "the approval is rebuilt, the reopening left out");
    let alarm = client.query_one("SELECT seq, reason, detail->>'kind' FROM citytill.alarms", &[]).unwrap();
    assert_eq!((alarm.get::<_, i64>(0), alarm.get::<_, String>(1), alarm.get::<_, String>(2)), (2, "balance_not_derived".to_string(), "batch_reopened".to_string()));
}
