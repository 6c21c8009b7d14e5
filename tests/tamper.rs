//! Tampering: SQL UPDATE/DELETE on the journal and postings is refused by the schema; an edit made
//! behind the app's back (triggers dropped, as with the sqlite3 shell) is found by `citytill verify`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};

fn busy_city() -> City {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=100.00"]).expect_ok();
    city.as_user("ana", PIN).args(&["pay", "--account", "BL-0000042", "--amount", "20", "--tender", "cash=20"]).expect_ok();
    city
}

fn exec(city: &City, sql: &str) -> Result<usize, String> {
    let conn = rusqlite::Connection::open(city.ledger()).map_err(|e| e.to_string())?;
    conn.execute_batch(sql).map(|_| 0).map_err(|e| e.to_string())
}

// Proves the schema itself refuses UPDATE and DELETE on journal entries and postings.
#[test]
fn schema_refuses_updates_and_deletes() {
    let city = busy_city();
    for sql in [
        "UPDATE journal SET payload = '{}' WHERE seq = 1",
        "DELETE FROM journal WHERE seq = 1",
        "UPDATE postings SET debit_cents = 1 WHERE seq = (SELECT MAX(seq) FROM postings)",
        "DELETE FROM postings",
    ] {
        let error = exec(&city, sql).expect_err(sql);
        assert!(error.contains("append-only"), "{sql}: {error}");
    }
    city.ok(&["verify"], &[]);
}

// Proves every kind of edit behind the app's back is reported by verify with exit 1.
#[test]
fn verify_finds_every_edit_behind_the_apps_back() {
    let drop_triggers = "PRAGMA foreign_keys = OFF; DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER postings_no_update; DROP TRIGGER postings_no_delete;";
    let cases = [
        ("a payment amount in the payload", "UPDATE journal SET payload = replace(payload, '\"8412\"', '\"8413\"') WHERE kind = 'payment_taken'; UPDATE journal SET payload = replace(payload, '84.12', '84.13') WHERE kind = 'payment_taken'", "hash mismatch"),
        ("a posting amount", "UPDATE postings SET credit_cents = credit_cents + 1 WHERE credit_cents > 0 AND seq = (SELECT MAX(seq) FROM postings)", "hash mismatch"),
        ("a deleted entry", "DELETE FROM postings WHERE seq = (SELECT MIN(seq) FROM journal WHERE kind = 'payment_taken'); DELETE FROM journal WHERE seq = (SELECT MIN(seq) FROM journal WHERE kind = 'payment_taken')", "sequence gap"),
        ("a projected balance", "UPDATE payables SET balance_cents = 0 WHERE number = '100300-02'", "payable \"100300-02\""),
        ("a receipt status", "UPDATE receipts SET status = 'voided' WHERE number = 1", "receipt \"T01-000001\""),
        ("a drawer total", "UPDATE drawer_totals SET amount_cents = amount_cents - 100", "drawer total"),
        ("a user's role", "UPDATE users SET role = 'admin' WHERE name = 'ana'", "user \"ana\""),
        ("a receipt line's amount", "UPDATE receipt_payables SET amount_cents = amount_cents + 1 WHERE payable = '100200-01'", "receipt line (1, \"100200-01\"): is"),
        ("a receipt line deleted", "DELETE FROM receipt_payables WHERE payable = 'BL-0000042'", "receipt line (2, \"BL-0000042\"): missing"),
        ("a receipt line added", "INSERT INTO receipt_payables(payable, receipt_number, amount_cents) VALUES ('100300-02', 1, 500)", "receipt line (1, \"100300-02\"): present but"),
        ("a receipt's text", "UPDATE receipts SET receipt = 'T01-000099' WHERE number = 2", "receipt \"T01-000099\": present but no journal entry"),
        ("a receipt renumbered", "UPDATE receipt_payables SET receipt_number = 7 WHERE receipt_number = 2; UPDATE receipts SET number = 7 WHERE number = 2", "receipt \"T01-000002\": is ReceiptModel { number: 7"),
        ("a receipt deleted", "DELETE FROM receipt_payables WHERE receipt_number = 2; DELETE FROM receipts WHERE number = 2", "receipt \"T01-000002\": missing"),
        ("a posting with no entry", "INSERT INTO postings(seq, line, account, debit_cents, credit_cents) VALUES (100000, 1, '1010', 5, 0)", "1 postings belong to no journal entry"),
        ("a posting added to an entry", "INSERT INTO postings(seq, line, account, debit_cents, credit_cents) SELECT MAX(seq), 9, '1010', 5, 0 FROM journal", "debits"),
    ];
    for (what, sql, needle) in cases {
        let city = busy_city();
        exec(&city, &format!("{drop_triggers} {sql}")).unwrap_or_else(|e| panic!("{what}: {e}"));
        let run = city.run(&["verify"], &[]);
        assert_eq!(run.code, 1, "{what}: verify should fail: {}", run.stdout);
        assert!(run.stdout.contains(needle), "{what}: expected '{needle}' in {}", run.stdout);
    }
}

// Proves a byte edited in the database file (not through SQL) is caught too.
#[test]
fn verify_finds_a_byte_changed_in_the_file() {
    let city = busy_city();
    // Fold the WAL into the main file so the bytes are there.
    exec(&city, "PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let mut bytes = std::fs::read(city.ledger()).unwrap();
    let needle = b"Maria Garcia";
    let places: Vec<usize> = bytes.windows(needle.len()).enumerate().filter(|(_, w)| *w == needle).map(|(i, _)| i).collect();
    assert!(!places.is_empty(), "text in file");
    for at in places {
        bytes[at] = b'N';
    }
    std::fs::write(city.ledger(), bytes).unwrap();
    let run = city.run(&["verify"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("PROBLEM"), "{}", run.stdout);
}
