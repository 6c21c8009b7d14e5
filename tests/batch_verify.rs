//! Verify proves the finance projections too: an edit to batches, items, deposits, exported payments or
//! the closed date made behind the app's back is found; a ledger from before schema 2 upgrades cleanly;
//! and a closed day's batches stay as they were approved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};

/// A city with an approved, deposited, exported mail batch and a closed day.
fn closed_day() -> (City, String) {
    let city = City::new();
    city.ana_with_drawer();
    let paid = city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=84.12", "--json"]).expect_ok().json();
    let date = paid["business_date"].as_str().unwrap().to_string();
    city.as_user("ana", PIN).args(&["drawer", "close", "--count", "20x9,10x3,5x4,1x14,0.25x40,0.10x1,0.01x2"]).expect_ok();
    city.as_user("lee", PIN).args(&["batch", "open", "mail", "--control-total", "45.00", "--items", "1"]).expect_ok();
    city.as_user("ana", PIN).args(&["batch", "add", "M1", "--account", "PC00001234", "--amount", "45.00"]).expect_ok();
    city.as_user("ana", PIN).args(&["batch", "balance", "M1"]).expect_ok();
    for batch in ["M1", "D1"] {
        city.as_user("lee", PIN).args(&["batch", "approve", batch]).approver("sam", PIN).expect_ok();
    }
    city.as_user("lee", PIN).args(&["deposit", "create", "--date", &date]).expect_ok();
    city.as_user("lee", PIN).args(&["export", "payments", "--date", &date, "--out", &city.path("out.csv")]).expect_ok();
    city.as_user("lee", PIN).args(&["day", "close", "--date", &date]).expect_ok();
    city.ok(&["verify"], &[]);
    (city, date)
}

// Proves a closed day's approved batch cannot be reopened, rejected or added to: its date stays balanced.
#[test]
fn a_closed_days_batches_are_final() {
    let (city, date) = closed_day();
    city.as_user("lee", PIN).args(&["batch", "reopen", "M1", "--reason", "late correction"]).approver("sue", PIN).expect_refused(&format!("M1 belongs to {date}, a closed business day"), 0);
    city.as_user("ana", PIN).args(&["batch", "reject", "D1", "--reason", "late correction"]).approver("sue", PIN).expect_refused("a closed business day", 0);
    city.as_user("ana", PIN).args(&["batch", "add", "M1", "--account", "100200-01", "--amount", "1"]).expect_refused("a closed business day", 0);
}

// Proves every edit to the finance projections made behind the app's back is reported by verify.
#[test]
fn verify_finds_edits_to_the_finance_projections() {
    let (city, _) = closed_day();
    for sql in [
        "UPDATE batches SET state = 'open' WHERE id = 'M1'",
        "UPDATE batches SET deposit = NULL WHERE id = 'D1'",
        "UPDATE batch_items SET amount_cents = 4400 WHERE batch = 'M1'",
        "DELETE FROM exported_payments WHERE reference = 'M1-0001'",
        "UPDATE deposits SET total_cents = total_cents + 1",
        "UPDATE meta SET value = '2000-01-01' WHERE key = 'closed_through'",
    ] {
        let copy = city.path("copy.sqlite");
        std::fs::copy(city.ledger(), &copy).unwrap();
        let conn = rusqlite::Connection::open(city.ledger()).unwrap();
        assert_eq!(conn.execute(sql, []).unwrap(), 1, "{sql}");
        drop(conn);
        let run = city.run(&["verify"], &[]);
        assert_ne!(run.code, 0, "verify missed: {sql}");
        assert!(run.stdout.contains("PROBLEM"), "{sql}: {}", run.stdout);
        std::fs::copy(&copy, city.ledger()).unwrap();
        let _ = std::fs::remove_file(city.data().join("ledger.sqlite-wal"));
        let _ = std::fs::remove_file(city.data().join("ledger.sqlite-shm"));
        city.ok(&["verify"], &[]);
    }
}

// Proves a ledger written before schema 2 (drawers, no batch tables) upgrades to counter batches that verify agrees with.
#[test]
fn a_schema_1_ledger_upgrades_cleanly() {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=84.12"]).expect_ok();
    city.as_user("ben", PIN).args(&["drawer", "open", "--float", "10.00", "--count", "10x1"]).expect_ok();
    city.as_user("ben", PIN).args(&["drawer", "close", "--count", "10x1"]).expect_ok();
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    conn.execute_batch(SCHEMA_2_TABLES).unwrap();
    conn.execute_batch(
        "DROP TABLE exported_payments; DROP TABLE deposits; DROP TABLE batch_items; DROP TABLE batches;
         DELETE FROM accounts WHERE code IN ('1001', '1002', '2150'); PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    city.ok(&["verify"], &[]);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM batches WHERE kind = 'counter'"), 2);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM batches WHERE id = 'D2' AND state = 'balanced'"), 1);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM accounts WHERE code IN ('1001', '1002', '2150')"), 3);
}

// Proves a schema-2 ledger (postings and receipt lines as rowid tables, receipt lines keyed by receipt
// text) upgrades to schema 3 with every posting and receipt line kept, verify clean, and postings still
// append-only.
#[test]
fn a_schema_2_ledger_upgrades_to_keyed_postings_and_receipt_lines() {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=84.12"]).expect_ok();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--amount", "10.00", "--tender", "cash=10.00"]).expect_ok();
    let postings = city.sql_i64("SELECT SUM(debit_cents * 7 + credit_cents * 13 + seq * 3 + line) FROM postings");
    let count = city.sql_i64("SELECT COUNT(*) FROM postings");
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    conn.execute_batch(SCHEMA_2_TABLES).unwrap();
    conn.execute_batch("PRAGMA user_version = 2").unwrap();
    drop(conn);
    city.ok(&["verify"], &[]);
    assert_eq!(city.sql_i64("PRAGMA user_version"), citytill::ledger::schema::MIGRATIONS.len() as i64);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM postings"), count);
    assert_eq!(city.sql_i64("SELECT SUM(debit_cents * 7 + credit_cents * 13 + seq * 3 + line) FROM postings"), postings);
    assert_eq!(city.sql_i64("SELECT amount_cents FROM receipt_payables WHERE payable = '100200-01' AND receipt_number = 1"), 8412);
    assert_eq!(city.sql_i64("SELECT amount_cents FROM receipt_payables WHERE payable = '100200-01' AND receipt_number = 2"), 1000);
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    let refused = conn.execute_batch("DELETE FROM postings").expect_err("postings stay append-only");
    assert!(refused.to_string().contains("append-only"), "{refused}");
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM sqlite_schema WHERE name IN ('postings_account', 'receipt_payables_payable', 'receipts_date')"), 0);
    // Schema 5: receipts keep every row but lose the receipt text's index; lookups by text still work.
    // (Schema 8 indexes them by drawer, for a drawer's receipts.)
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM sqlite_schema WHERE tbl_name = 'receipts' AND type = 'index' AND name <> 'receipts_drawer'"), 0);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM receipts WHERE (number, receipt, total_cents) IN (VALUES (1, 'T01-000001', 8412), (2, 'T01-000002', 1000))"), 2);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    let shown = city.ok(&["receipt", "show", "t01-000002", "--json"], &[]).json();
    assert_eq!((shown["receipt"].as_str(), shown["total"].as_str()), (Some("T01-000002"), Some("10.00")));
    city.as_user("ana", PIN).args(&["void", "T01-000002", "--reason", "keyed twice"]).approver("sam", PIN).expect_ok();
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM receipts WHERE status = 'voided'"), 1);
    city.ok(&["verify"], &[]);
}

// Proves a migration is refused, and the ledger left as it was, when it would leave a row pointing at
// nothing: migrations run with foreign keys off (to rebuild tables) and check every reference before commit.
#[test]
fn a_migration_that_would_leave_a_dangling_reference_is_refused() {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=84.12"]).expect_ok();
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF; INSERT INTO receipt_payables(payable, receipt_number, amount_cents) VALUES ('100200-01', 99, 500); PRAGMA user_version = 4;").unwrap();
    drop(conn);
    let run = city.run(&["verify"], &[]);
    assert_ne!(run.code, 0, "a dangling receipt line must stop the upgrade: {}", run.stdout);
    assert!(run.stderr.contains("migration 5 would leave 1 rows pointing at nothing"), "{}", run.stderr);
    assert_eq!(city.sql_i64("PRAGMA user_version"), 4);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'receipts_v5'"), 0);
}

/// Rebuilds receipts, postings and receipt lines as schemas 1 and 2 had them (receipt text UNIQUE, rowid
/// tables with their indexes, receipt lines keyed by receipt text), rows kept, the receipts' date
/// index schema 4 dropped, and users without the columns schema 6 added.
const SCHEMA_2_TABLES: &str = "
    PRAGMA foreign_keys = OFF;
    CREATE TABLE r4 (number INTEGER PRIMARY KEY CHECK (number >= 1), receipt TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL REFERENCES journal(seq),
        drawer_id INTEGER, cashier TEXT NOT NULL, business_date TEXT NOT NULL, total_cents INTEGER NOT NULL, status TEXT NOT NULL,
        refunded_cents INTEGER NOT NULL DEFAULT 0, reprints INTEGER NOT NULL DEFAULT 0) STRICT;
    INSERT INTO r4 SELECT * FROM receipts; DROP TABLE receipts; ALTER TABLE r4 RENAME TO receipts;
    CREATE TABLE p2 (seq INTEGER NOT NULL REFERENCES journal(seq), line INTEGER NOT NULL, account TEXT NOT NULL REFERENCES accounts(code),
        debit_cents INTEGER NOT NULL CHECK (debit_cents >= 0), credit_cents INTEGER NOT NULL CHECK (credit_cents >= 0),
        CHECK ((debit_cents = 0) <> (credit_cents = 0)), PRIMARY KEY (seq, line)) STRICT;
    INSERT INTO p2 SELECT seq, line, account, debit_cents, credit_cents FROM postings;
    DROP TABLE postings; ALTER TABLE p2 RENAME TO postings; CREATE INDEX postings_account ON postings(account);
    CREATE TABLE rp2 (receipt TEXT NOT NULL REFERENCES receipts(receipt), payable TEXT NOT NULL, amount_cents INTEGER NOT NULL,
        PRIMARY KEY (receipt, payable)) STRICT;
    INSERT INTO rp2 SELECT r.receipt, p.payable, p.amount_cents FROM receipt_payables p JOIN receipts r ON r.number = p.receipt_number;
    DROP TABLE receipt_payables; ALTER TABLE rp2 RENAME TO receipt_payables; CREATE INDEX receipt_payables_payable ON receipt_payables(payable);
    CREATE INDEX receipts_date ON receipts(business_date);
    ALTER TABLE users DROP COLUMN pin_commit; ALTER TABLE users DROP COLUMN lockouts;
    DROP TABLE entry_refs; DROP INDEX journal_day; DROP INDEX drawers_date;";
