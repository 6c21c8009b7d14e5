//! verify's division of the journal among checker threads: whatever the number of checkers and the size
//! of their ranges, a real ledger file of 2,003 entries gives the same report — clean when untouched, and
//! the same problems, in the same order, when an entry is edited or deleted at a range boundary or inside one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill::domain::denominations::DenominationCount;
use citytill::domain::events::Event;
use citytill::domain::ids::{Role, TerminalId};
use citytill::domain::tender::{Tender, TenderKind};
use citytill::ledger::verify::{verify_split, Report, Split};
use citytill::ledger::Ledger;
use citytill::ops::auth::Actor;
use citytill::ops::payment::{self, LineRequest, PaymentRequest};
use citytill::ops::{drawer, import, synthetic};
use citytill::Money;

const PAYMENTS: usize = 2_000;

/// One checker over a single range, as a reference, then splits whose range boundaries fall on and
/// around the edited entries (701, 801, 1501).
const SPLITS: [Split; 5] =
    [Split { checkers: 1, chunk: 1_000_000 }, Split { checkers: 2, chunk: 100 }, Split { checkers: 3, chunk: 9 }, Split { checkers: 4, chunk: 250 }, Split { checkers: 8, chunk: 1 }];

/// A ledger of 2,000 counter payments on 300 payables, closed so its file holds everything.
fn ledger_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("base.sqlite");
    let mut ledger = Ledger::create(&path, &TerminalId::parse("V01").unwrap()).unwrap();
    let rows = synthetic::payables(300, 5);
    import::upsert_payables(&mut ledger, None, "test", rows.clone()).unwrap();
    let cashier = Actor { name: "vera".into(), role: Role::Cashier };
    ledger.write(|w| w.append(None, None, &Event::UserAdded { name: cashier.name.clone(), role: Role::Cashier }).map(|_| ())).unwrap();
    drawer::open(&mut ledger, &cashier, vec![DenominationCount { denomination: Money::from_cents(2000), pieces: 10 }]).unwrap();
    let settings = citytill::config::Settings::default();
    for start in (0..PAYMENTS).step_by(500) {
        ledger
            .write(|w| {
                for index in start..start + 500 {
                    let request = PaymentRequest {
                        lines: vec![LineRequest::Payable { number: rows[index % rows.len()].number.clone(), amount: Some(Money::from_cents(100 + index as i64)) }],
                        tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(5000))],
                    };
                    payment::record_payment(w, &settings, &cashier, &request)?;
                }
                Ok(())
            })
            .unwrap();
    }
    drop(ledger);
    path
}

fn reports(path: &std::path::Path) -> Vec<Report> {
    let ledger = Ledger::open(path).unwrap();
    SPLITS.iter().map(|split| verify_split(&ledger, *split).unwrap()).collect()
}

#[test]
fn every_split_of_the_journal_finds_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let base = ledger_file(dir.path());
    let stored: i64 = rusqlite::Connection::open(&base).unwrap().query_row("SELECT COUNT(*) FROM postings", [], |r| r.get(0)).unwrap();
    for report in reports(&base) {
        assert!(report.ok, "{:?}", report.problems);
        assert_eq!((report.entries, report.postings, report.receipts), (PAYMENTS as i64 + 4, stored, PAYMENTS as i64), "payments, the import (staged, committed), the cashier and her drawer");
    }
    let drop_triggers = "DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete; DROP TRIGGER postings_no_update; DROP TRIGGER postings_no_delete;";
    let cases = [
        ("an entry's prev_hash", "UPDATE journal SET prev_hash = hash WHERE seq = 701", "entry 701: hash chain broken"),
        ("a deleted entry", "PRAGMA foreign_keys = OFF; DELETE FROM postings WHERE seq = 801; DELETE FROM journal WHERE seq = 801", "entry 802: sequence gap: expected 801"),
        ("a payload's amount", "UPDATE journal SET payload = replace(payload, '\"change\":\"', '\"change\":\"1') WHERE seq = 1501", "entry 1501: hash mismatch"),
        ("the last entry deleted", "PRAGMA foreign_keys = OFF; DELETE FROM postings WHERE seq = 2003; DELETE FROM journal WHERE seq = 2003", "present but no journal entry"),
    ];
    for (index, (what, sql, needle)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("case{index}.sqlite"));
        std::fs::copy(&base, &path).unwrap();
        rusqlite::Connection::open(&path).unwrap().execute_batch(&format!("{drop_triggers} {sql}")).unwrap();
        let found = reports(&path);
        let reference = &found[0];
        assert!(!reference.ok && reference.problems.iter().any(|p| p.contains(needle)), "{what}: expected '{needle}' in {:?}", reference.problems);
        for (split, report) in SPLITS.iter().zip(&found).skip(1) {
            assert_eq!(report.problems, reference.problems, "{what}: {split:?} differs from one checker");
            assert_eq!((report.entries, report.postings), (reference.entries, reference.postings), "{what}: {split:?}");
        }
    }
}
