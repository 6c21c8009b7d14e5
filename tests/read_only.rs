//! `Ledger::read` is the only way to the connection from outside the library (the window and the command
//! line use it), and what it hands out cannot write: SQLite refuses any write while a `Reader` lives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill::domain::events::Event;
use citytill::domain::ids::TerminalId;
use citytill::ledger::Ledger;

fn ledger(dir: &tempfile::TempDir) -> Ledger {
    Ledger::create(&dir.path().join("ledger.sqlite"), &TerminalId::parse("T01").unwrap()).unwrap()
}

/// Proves a write through a reader is refused by SQLite (journal and meta unchanged), that a second reader
/// dropped early does not lift the first one's protection, and that once every reader is gone the ledger's
/// own write path commits again.
#[test]
fn a_reader_cannot_write_and_the_ledger_writes_again_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = ledger(&dir);
    let before = ledger.last_seq().unwrap();
    {
        let reader = ledger.read().unwrap();
        let refused = reader.execute("INSERT INTO meta(key, value) VALUES ('sneaky', 'x')", []).unwrap_err();
        assert!(refused.to_string().contains("readonly") || refused.to_string().contains("read-only"), "{refused}");
        let nested = ledger.read().unwrap();
        assert!(nested.execute("DELETE FROM journal", []).is_err(), "a nested reader writes");
        drop(nested);
        assert!(reader.execute("UPDATE meta SET value = 'T99' WHERE key = 'terminal'", []).is_err(), "the first reader writes after a nested one dropped");
        let sneaky: i64 = reader.query_row("SELECT COUNT(*) FROM meta WHERE key = 'sneaky'", [], |r| r.get(0)).unwrap();
        assert_eq!(sneaky, 0);
    }
    let event = Event::ClockWarning { system: "2026-12-03T09:00:00Z".into(), last: "2026-12-03T09:00:00Z".into(), message: "test".into() };
    ledger.write(|w| w.append(Some("admin"), None, &event)).unwrap();
    assert_eq!(ledger.last_seq().unwrap(), before + 1, "the ledger's own write path works once the readers are gone");
    let terminal: String = ledger.read().unwrap().query_row("SELECT value FROM meta WHERE key = 'terminal'", [], |r| r.get(0)).unwrap();
    assert_eq!(terminal, "T01");
}
