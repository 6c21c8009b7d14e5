//! Ledgers written by earlier releases: each release leaves one in `tests/fixtures/` (never edited, only
//! added), and every later build must open it, upgrade its schema, verify it, and leave every journal byte
//! and chain hash exactly as that release wrote them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use citytill::ledger::verify::verify;
use citytill::ledger::Ledger;
use sha2::{Digest, Sha256};

/// The journal as a release wrote it: entries, the chain's head, and one digest over every stored column.
#[derive(Debug, PartialEq)]
struct Fingerprint {
    entries: i64,
    head: String,
    digest: String,
}

fn fingerprint(conn: &rusqlite::Connection) -> Fingerprint {
    let mut hasher = Sha256::new();
    let mut statement = conn.prepare("SELECT seq, terminal, at, business_date, COALESCE(user_name, ''), COALESCE(approver, ''), kind, payload, prev_hash, hash FROM journal ORDER BY seq").unwrap();
    let mut rows = statement.query([]).unwrap();
    let (mut entries, mut head) = (0, String::new());
    while let Some(row) = rows.next().unwrap() {
        entries = row.get::<_, i64>(0).unwrap();
        hasher.update(entries.to_le_bytes());
        for column in 1..10 {
            let text: String = row.get(column).unwrap();
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text.as_bytes());
        }
        head = row.get(9).unwrap();
    }
    Fingerprint { entries, head, digest: hex(&hasher.finalize()) }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Reads `ledger-<release>.txt`: `entries N`, `head H`, `digest D`, one per line.
fn recorded(release: &str) -> Fingerprint {
    let text = std::fs::read_to_string(fixtures().join(format!("ledger-{release}.txt"))).unwrap();
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string())).unwrap_or_else(|| panic!("{name} missing"));
    Fingerprint { entries: field("entries ").parse().unwrap(), head: field("head "), digest: field("digest ") }
}

// Proves a ledger written by release 0.1.0 (payments, voids, refunds, returned checks, drops, drawers,
// batches, deposits and day closes over several business days) opens in this build, is upgraded to this
// build's schema, verifies clean (every payload decodes and replays to the same projections), and keeps
// every journal byte and chain hash exactly as 0.1.0 wrote them.
#[test]
fn ledger_written_by_release_0_1_0_upgrades_and_verifies_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    std::fs::copy(fixtures().join("ledger-0.1.0.sqlite"), &path).unwrap();
    let want = recorded("0.1.0");
    let before = fingerprint(&rusqlite::Connection::open(&path).unwrap());
    assert_eq!(before, want, "the committed fixture is not the one its fingerprint describes");

    let ledger = Ledger::open(&path).unwrap();
    let report = verify(&ledger).unwrap();
    assert!(report.ok, "verify found problems in 0.1.0's ledger: {:?}", report.problems);
    assert_eq!(report.entries, want.entries);
    assert_eq!(fingerprint(&ledger.read().unwrap()), want, "opening and upgrading changed the journal");
    let version: i64 = ledger.read().unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version as usize, citytill::ledger::schema::MIGRATIONS.len(), "the ledger was not upgraded to this build's schema");
}

// Writes this release's fixture when it is missing (run once per release with `--ignored`, then commit the
// two files). An existing fixture is never rewritten: it is what that release wrote.
#[test]
#[ignore]
fn write_this_releases_fixture() {
    let release = env!("CARGO_PKG_VERSION");
    let target = fixtures().join(format!("ledger-{release}.sqlite"));
    if target.exists() {
        eprintln!("{} exists; fixtures are never rewritten", target.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scratch = dir.path().join("ledger.sqlite");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_citytill"))
        .args(["bench", "--journal-entries", "1500", "--write-journal"])
        .arg(&scratch)
        .env("CITYTILL_PIN_KEY_FILE", dir.path().join("pin.key"))
        .status()
        .unwrap();
    assert!(status.success(), "citytill bench --write-journal failed");
    std::fs::create_dir_all(fixtures()).unwrap();
    let conn = rusqlite::Connection::open(&scratch).unwrap();
    conn.execute("VACUUM INTO ?1", [target.to_str().unwrap()]).unwrap();
    let print = fingerprint(&rusqlite::Connection::open(&target).unwrap());
    let text = format!("entries {}\nhead {}\ndigest {}\n", print.entries, print.head, print.digest);
    std::fs::write(fixtures().join(format!("ledger-{release}.txt")), text).unwrap();
}
