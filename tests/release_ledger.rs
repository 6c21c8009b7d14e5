//! A ledger written by the previous release (tests/golden/ledger/ledger.sqlite, made by make.sh beside it
//! with that release's binary, never rewritten) still verifies with today's code: its payload bytes and
//! chain hashes are read and recomputed as they were written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn golden_ledger() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/ledger/ledger.sqlite")
}

/// A data dir holding a copy of the golden ledger (SQLite may add files beside the one it opens).
fn copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(golden_ledger(), dir.path().join("ledger.sqlite")).unwrap();
    dir
}

/// Runs today's `citytill` on a copy of the golden ledger; (exit code, stdout).
fn citytill_on_copy(args: &[&str]) -> (i32, String) {
    let dir = copy();
    let output = Command::new(env!("CARGO_BIN_EXE_citytill"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(args)
        .env_remove("CITYTILL_DATA_DIR")
        .env_remove("CITYTILL_NOW")
        .env("CITYTILL_PIN_KEY_FILE", dir.path().join("pin.key"))
        .output()
        .unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

// Proves the previous release's ledger verifies clean with today's binary, in full and from its seal.
#[test]
fn previous_release_ledger_verifies() {
    let (code, out) = citytill_on_copy(&["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Ledger verified: 50 entries"), "{out}");
    let (code, out) = citytill_on_copy(&["verify", "--since-seal"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("from the day close of"), "{out}");
}

// Proves every payload the previous release wrote reads by its kind column and is written again byte for
// byte by today's serializer (so entries written from now on hash as the old ones did).
#[test]
fn previous_release_payloads_round_trip_byte_for_byte() {
    let dir = copy();
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite")).unwrap();
    let mut statement = conn.prepare("SELECT seq, kind, payload FROM journal ORDER BY seq").unwrap();
    let rows: Vec<(i64, String, String)> = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 50);
    for (seq, kind, payload) in rows {
        let event = citytill::ledger::payload::decode(&kind, &payload).unwrap_or_else(|e| panic!("entry {seq} ({kind}): {e}"));
        assert_eq!(event.kind(), kind, "entry {seq}");
        assert_eq!(serde_json::to_string(&event).unwrap(), payload, "entry {seq} ({kind})");
    }
}
