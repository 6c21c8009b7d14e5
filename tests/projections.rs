//! `entry_refs` and the day/drawer indexes (migration 8): what refunds, returned checks, drawer counts,
//! drops, closes and batch approvals read back comes from a projection kept with each entry, which answers
//! as the journal scan it replaced did, is rebuilt by the migration from an older ledger, and is proved by
//! `verify`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};

/// Every kind `entry_refs` files, with the payload field naming its subject.
const FILED: &[(&str, &str)] = &[
    ("payment_refunded", "$.receipt"),
    ("check_returned", "$.receipt"),
    ("batch_approved", "$.batch"),
    ("drawer_opened", "$.drawer_id"),
    ("drawer_counted", "$.drawer_id"),
    ("cash_dropped", "$.drawer_id"),
    ("drawer_closed", "$.drawer_id"),
];

/// A day with every filed kind: payments (check and cash), a void, two partial refunds of one receipt, a
/// returned check, a drop, a count over the limit then an approved close, a mail batch approved, reopened
/// and approved again, the counter batch approved and a deposit. Returns the city and its business date.
fn history() -> (City, String) {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    let paid = ana().args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", "check=100.00,routing=021000021,account=99887766,number=554", "--json"]).expect_ok().json();
    let date = paid["business_date"].as_str().unwrap().to_string();
    ana().args(&["pay", "--account", "BL-0000042", "--tender", "cash=120.00"]).expect_ok();
    ana().args(&["pay", "--account", "100200-01", "--amount", "50.00", "--tender", "cash=50.00"]).expect_ok();
    ana().approver("sam", PIN).args(&["void", "T01-000003", "--reason", "wrong account"]).expect_ok();
    ana().approver("sam", PIN).args(&["refund", "T01-000002", "--amount", "20.00", "--reason", "duplicate payment"]).expect_ok();
    ana().approver("sam", PIN).args(&["refund", "T01-000002", "--amount", "30.00", "--reason", "second duplicate"]).expect_ok();
    city.as_user("lee", PIN).approver("sam", PIN).args(&["nsf", "T01-000001", "--fee", "NSF"]).expect_ok();
    ana().args(&["drawer", "drop", "40"]).expect_ok();
    // Counted 10.00 short: recorded, then closed on that count with a supervisor's approval.
    let pending = ana().args(&["drawer", "close", "--count", "20x6,10x3,5x4,1x10,0.25x40", "--checks", "1=100.00", "--json"]).run();
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'drawer_counted'"), 1, "{}{}", pending.stdout, pending.stderr);
    if city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'drawer_closed'") == 0 {
        ana().approver("sam", PIN).args(&["drawer", "close", "--reason", "miscounted fives"]).expect_ok();
    }
    let lee = || city.as_user("lee", PIN);
    lee().args(&["batch", "open", "mail", "--control-total", "45.00", "--items", "1"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--account", "PC00001234", "--amount", "45.00"]).expect_ok();
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();
    lee().args(&["batch", "reopen", "M1", "--reason", "stub misread"]).approver("sue", PIN).expect_ok();
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();
    lee().args(&["batch", "approve", "D1"]).approver("sam", PIN).expect_ok();
    lee().args(&["deposit", "create", "--date", &date]).expect_ok();
    city.ok(&["verify"], &[]);
    (city, date)
}

/// The rows a journal scan files per kind and subject (what the replaced queries read), in key order.
fn scanned(conn: &rusqlite::Connection) -> Vec<(String, String, i64)> {
    let mut out = Vec::new();
    for (kind, field) in FILED {
        let sql = format!("SELECT kind, CAST(json_extract(payload, '{field}') AS TEXT), seq FROM journal WHERE kind = ?1");
        let mut statement = conn.prepare(&sql).unwrap();
        out.extend(statement.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap));
    }
    out.sort();
    out
}

fn filed(conn: &rusqlite::Connection) -> Vec<(String, String, i64)> {
    let mut statement = conn.prepare("SELECT kind, subject, seq FROM entry_refs ORDER BY kind, subject, seq").unwrap();
    let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    rows.map(Result::unwrap).collect()
}

/// Every report a day's close reads, as text.
fn reports(city: &City, date: &str) -> Vec<String> {
    ["day", "drawer", "over-short", "nsf", "deposit", "exceptions", "gl"].iter().map(|report| city.as_user("sam", PIN).args(&["report", report, "--date", date]).expect_ok().stdout).collect()
}

// Proves entry_refs files exactly the entries the old json_extract scans found (two refunds of one receipt,
// the returned check, the drawer's open, count, drop and close, both approvals of a reopened batch), and that
// the operations reading it answer from it: a third refund sees both earlier ones, and the reopened batch's
// last approval is the one reversed.
#[test]
fn entry_refs_answer_as_the_journal_scan_did() {
    let (city, _) = history();
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    let (scan, refs) = (scanned(&conn), filed(&conn));
    assert_eq!(refs, scan);
    for (kind, _) in FILED {
        assert!(refs.iter().any(|(k, ..)| k == kind), "the history has no {kind} entry to compare");
    }
    assert_eq!(refs.iter().filter(|(k, s, _)| k == "payment_refunded" && s == "T01-000002").count(), 2);
    assert_eq!(refs.iter().filter(|(k, s, _)| k == "batch_approved" && s == "M1").count(), 2);
    drop(conn);
    // 120.00 paid, 50.00 refunded in two parts: 70.00 is left, which the refund finds through both earlier ones.
    let ana = || city.as_user("ana", PIN).approver("sam", PIN);
    ana().args(&["refund", "T01-000002", "--amount", "70.01", "--reason", "too much"]).expect_refused("more than the 70.00 still refundable", 0);
    city.ana_with_drawer();
    ana().args(&["refund", "T01-000002", "--amount", "70.00", "--reason", "the rest"]).expect_ok();
    assert_eq!(city.sql_i64("SELECT refunded_cents FROM receipts WHERE number = 2"), 12000);
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = 'BL-0000042'"), 12000);
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    assert_eq!(filed(&conn), scanned(&conn));
    drop(conn);
    city.ok(&["verify"], &[]);
}

// Proves a ledger with history written before migration 8 upgrades to the same entry_refs a fresh ledger
// keeps, gives the same reports, keeps working (a refund reads the back-filled rows) and verifies clean.
#[test]
fn a_ledger_with_history_upgrades_to_the_same_projections() {
    let (city, date) = history();
    let before_reports = reports(&city, &date);
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    let before = filed(&conn);
    // The ledger as before migration 8 (entry_refs); every later migration (autopay's, the lockbox batches')
    // runs again after it, so each must be safe to.
    let older = 7;
    conn.execute_batch(&format!("DROP TABLE entry_refs; DROP INDEX journal_day; DROP INDEX receipts_drawer; DROP INDEX drawers_date; PRAGMA user_version = {older};")).unwrap();
    drop(conn);
    city.ok(&["verify"], &[]);
    assert_eq!(city.sql_i64("PRAGMA user_version"), citytill::ledger::schema::MIGRATIONS.len() as i64);
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    assert_eq!(filed(&conn), before);
    drop(conn);
    assert_eq!(reports(&city, &date), before_reports);
    city.as_user("ana", PIN).approver("sam", PIN).args(&["refund", "T01-000002", "--amount", "70.01", "--reason", "too much"]).expect_refused("more than the 70.00 still refundable", 0);
    city.ok(&["verify"], &[]);
}

// Proves verify reports an entry_refs row edited, deleted or added behind the app's back.
#[test]
fn verify_finds_edits_to_entry_refs() {
    let (city, _) = history();
    for sql in [
        "UPDATE entry_refs SET subject = 'T01-000001' WHERE kind = 'payment_refunded' AND seq = (SELECT MIN(seq) FROM entry_refs WHERE kind = 'payment_refunded')",
        "DELETE FROM entry_refs WHERE kind = 'cash_dropped'",
        "INSERT INTO entry_refs(kind, subject, seq) SELECT 'drawer_counted', '1', MAX(seq) FROM journal",
    ] {
        let copy = city.path("copy.sqlite");
        std::fs::copy(city.ledger(), &copy).unwrap();
        let conn = rusqlite::Connection::open(city.ledger()).unwrap();
        assert_eq!(conn.execute(sql, []).unwrap(), 1, "{sql}");
        drop(conn);
        let run = city.run(&["verify"], &[]);
        assert_eq!(run.code, 1, "verify missed: {sql}: {}", run.stdout);
        assert!(run.stdout.contains("entry ref ("), "{sql}: {}", run.stdout);
        std::fs::copy(&copy, city.ledger()).unwrap();
        let _ = std::fs::remove_file(city.data().join("ledger.sqlite-wal"));
        let _ = std::fs::remove_file(city.data().join("ledger.sqlite-shm"));
        city.ok(&["verify"], &[]);
    }
}

/// The plan SQLite picks for `sql`, one line per step.
fn plan(conn: &rusqlite::Connection, sql: &str) -> String {
    let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let count = statement.parameter_count();
    let params: Vec<String> = (0..count).map(|_| "2026-01-01".to_string()).collect();
    let rows = statement.query_map(rusqlite::params_from_iter(params.iter()), |r| r.get::<_, String>(3)).unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
}

// Proves the reads whose cost used to grow with the journal's age are planned on an index range, never a
// walk of the table: the history reports' entries of a period (journal_day), day close's open drawers and
// unapproved batches (the partial indexes of migration 11), and the gap report's batches and receipt-key
// range. A later change that makes SQLite scan again fails here, not only in the bench.
#[test]
fn period_reads_are_planned_on_an_index() {
    let (city, _) = history();
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    let expected = [
        (citytill::reports::ENTRIES_BETWEEN_SQL, "SEARCH journal USING INDEX journal_day (business_date>? AND business_date<?)"),
        (citytill::ops::day::OPEN_DRAWERS_SQL, "SEARCH drawers USING INDEX drawers_unclosed (business_date<?)"),
        (citytill::ops::day::UNAPPROVED_BATCHES_SQL, "SEARCH batches USING INDEX batches_unapproved (business_date<?)"),
        (citytill::ops::batch::DATE_BATCHES_SQL, "SEARCH batches USING INDEX batches_date (business_date=?)"),
        (citytill::reports::audit::PERIOD_BATCHES_SQL, "SEARCH batches USING INDEX batches_date (business_date>? AND business_date<?)"),
        (citytill::reports::audit::RECEIPTS_FROM_SQL, "SEARCH receipts USING INTEGER PRIMARY KEY (rowid>?)"),
    ];
    for (sql, step) in expected {
        let plan = plan(&conn, sql);
        assert!(plan.contains(step), "{sql}\nplanned as:\n{plan}");
        assert!(!plan.lines().any(|line| line.starts_with("SCAN") && !line.contains("json_each")), "{sql}\nplanned as:\n{plan}");
    }
}
