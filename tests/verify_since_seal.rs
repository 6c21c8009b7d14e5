//! `citytill verify --since-seal` through the real binary: it checks only the entries from the last sealed
//! day close on, finds an entry tampered with after the seal, and says plainly that entries before the seal
//! were not re-checked (the full `verify` finds a tamper there); with no sealed day it verifies everything.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, ADMIN_PIN, PIN};

/// A city with a paid, closed and approved counter day, the day closed (sealed), then two entries after
/// the seal (a user added: `user_added` and `pin_set`). Returns the day close's sequence number.
fn sealed_city() -> (City, i64) {
    let city = City::new();
    city.ana_with_drawer();
    let paid = city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=84.12", "--json"]).expect_ok().json();
    let date = paid["business_date"].as_str().unwrap().to_string();
    city.as_user("ana", PIN).args(&["drawer", "close", "--count", "20x9,10x3,5x4,1x14,0.25x40,0.10x1,0.01x2"]).expect_ok();
    city.as_user("lee", PIN).args(&["batch", "approve", "D1"]).approver("sam", PIN).expect_ok();
    city.as_user("lee", PIN).args(&["day", "close", "--date", &date]).expect_ok();
    let sealed = city.sql_i64("SELECT seq FROM journal WHERE kind = 'day_closed'");
    city.ok(&["user", "add", "zoe", "--role", "cashier", "--user", "boss"], &[("CITYTILL_PIN", ADMIN_PIN), ("CITYTILL_NEW_PIN", PIN)]);
    assert!(city.journal_len() > sealed, "entries follow the seal");
    (city, sealed)
}

/// Edits the ledger behind the app's back (the append-only triggers dropped, as with the sqlite3 shell).
fn tamper(city: &City, sql: &str) {
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    conn.execute_batch(&format!("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; {sql}")).unwrap();
}

// Proves a clean ledger passes `--since-seal`, which checks the entries from the day close to the last and
// names what it left to the full verify.
#[test]
fn clean_ledger_passes_from_the_seal() {
    let (city, sealed) = sealed_city();
    let last = city.journal_len();
    let run = city.ok(&["verify", "--since-seal"], &[]);
    assert!(run.stdout.contains(&format!("Checked entries {sealed}-{last} from the day close")), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("Not re-checked: entries 1-{}", sealed - 1)), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("{} entries", last - sealed + 1)), "{}", run.stdout);
    let json = city.run(&["--json", "verify", "--since-seal"], &[]).json();
    assert_eq!(json["ok"], true, "{json}");
    assert_eq!(json["since"]["seq"], sealed, "{json}");
    assert_eq!(json["entries"], last - sealed + 1, "{json}");
}

// Proves an entry tampered with after the seal fails `--since-seal` with a non-zero exit naming the entry.
#[test]
fn tamper_after_the_seal_is_found() {
    let (city, sealed) = sealed_city();
    let added = city.sql_i64("SELECT seq FROM journal WHERE kind = 'user_added' AND payload LIKE '%zoe%'");
    assert!(added > sealed);
    tamper(&city, &format!("UPDATE journal SET payload = replace(payload, 'zoe', 'zed') WHERE seq = {added}"));
    let run = city.run(&["verify", "--since-seal"], &[]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("PROBLEM: entry {added}: hash mismatch")), "{}", run.stdout);
}

// Proves the seal entry itself is checked: a day close whose recorded chain head was changed fails.
#[test]
fn tamper_of_the_seal_itself_is_found() {
    let (city, sealed) = sealed_city();
    tamper(&city, &format!("UPDATE journal SET payload = replace(payload, '\"chain_head\":\"', '\"chain_head\":\"0') WHERE seq = {sealed}"));
    let run = city.run(&["verify", "--since-seal"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains(&format!("entry {sealed}: hash mismatch")), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("entry {sealed}: day close: its sealed chain head is not the entry before it")), "{}", run.stdout);
}

// Proves an entry tampered with before the seal passes `--since-seal` (which says it did not re-check
// those entries) while the full `verify` finds it.
#[test]
fn tamper_before_the_seal_is_left_to_the_full_verify() {
    let (city, sealed) = sealed_city();
    let payment = city.sql_i64("SELECT seq FROM journal WHERE kind = 'payment_taken'");
    assert!(payment < sealed);
    tamper(&city, &format!("UPDATE journal SET payload = replace(payload, 'ana', 'ann') WHERE seq = {payment}"));
    let run = city.ok(&["verify", "--since-seal"], &[]);
    assert!(run.stdout.contains(&format!("Not re-checked: entries 1-{}", sealed - 1)), "{}", run.stdout);
    assert!(run.stdout.contains("covered by that seal"), "{}", run.stdout);
    let full = city.run(&["verify"], &[]);
    assert_eq!(full.code, 1, "{}", full.stdout);
    assert!(full.stdout.contains(&format!("PROBLEM: entry {payment}: hash mismatch")), "{}", full.stdout);
}

// Proves a ledger with no sealed day falls back to the full verify and says so, finding what it finds.
#[test]
fn no_seal_yet_verifies_everything() {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=84.12"]).expect_ok();
    let run = city.ok(&["verify", "--since-seal"], &[]);
    assert!(run.stdout.contains("No sealed day yet"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("Ledger verified: {} entries", city.journal_len())), "{}", run.stdout);
    tamper(&city, "UPDATE journal SET payload = replace(payload, 'ana', 'ann') WHERE kind = 'payment_taken'");
    let run = city.run(&["verify", "--since-seal"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("No sealed day yet") && run.stdout.contains("hash mismatch"), "{}", run.stdout);
}

// Proves `--since-seal` holds an entry head office acknowledged after the seal to the hash in the
// acknowledgement witness beside the ledger: the right hash passes (and is said to be checked), a rewritten
// entry (its hash no longer the acknowledged one) fails naming the entry.
#[test]
fn acknowledged_entry_after_the_seal_is_held_to_its_hash() {
    let (city, _) = sealed_city();
    let last = city.journal_len();
    let hash: String = rusqlite::Connection::open(city.ledger()).unwrap().query_row("SELECT hash FROM journal WHERE seq = ?1", [last], |r| r.get(0)).unwrap();
    let witness = format!("{}.hq-acked", city.ledger().display());
    std::fs::write(&witness, format!("{last} {hash}\n")).unwrap();
    let run = city.ok(&["verify", "--since-seal"], &[]);
    assert!(run.stdout.contains(&format!("Entry {last}, the last head office acknowledged")), "{}", run.stdout);
    std::fs::write(&witness, format!("{last} {}\n", "0".repeat(64))).unwrap();
    let run = city.run(&["verify", "--since-seal"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains(&format!("PROBLEM: entry {last}: its hash is not the one head office acknowledged")), "{}", run.stdout);
}
