//! Kill -9 during posting: a child process posts payments and reports each acknowledged receipt; the
//! parent kills it at random moments, reopens the ledger and verifies it. 0 acknowledged payments lost,
//! 0 partial entries. 200 kills in the normal suite, 1,000 with CITYTILL_LONG_TESTS=1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use citytill::config::Settings;
use citytill::domain::denominations::DenominationCount;
use citytill::domain::events::Event;
use citytill::domain::ids::{Role, TerminalId};
use citytill::domain::payable::{PayableKind, PayableRow};
use citytill::domain::tender::{Tender, TenderKind};
use citytill::ledger::{verify, Ledger};
use citytill::money::Money;
use citytill::ops::auth::Actor;
use citytill::ops::payment::{pay, LineRequest, PaymentRequest};
use citytill::ops::{drawer, import, query};

const CHILD_ENV: &str = "CITYTILL_CRASH_CHILD_LEDGER";

fn cashier() -> Actor {
    Actor { name: "ana".into(), role: Role::Cashier }
}

fn prepare(path: &Path) {
    let mut ledger = Ledger::create(path, &TerminalId::parse("T01").unwrap()).unwrap();
    ledger.write(|w| w.append(None, None, &Event::UserAdded { name: "ana".into(), role: Role::Cashier }).map(|_| ())).unwrap();
    let rows = (0..50)
        .map(|i| PayableRow {
            kind: PayableKind::Utility,
            number: format!("A-{i}"),
            name: format!("Holder {i}"),
            address: "1 Main St".into(),
            status: "active".into(),
            balance: Money::from_cents(1_000_000),
        })
        .collect();
    import::upsert_payables(&mut ledger, None, "crash", rows).unwrap();
    drawer::open(&mut ledger, &cashier(), vec![DenominationCount { denomination: Money::from_cents(2000), pieces: 5 }]).unwrap();
}

/// The child: posts payments forever, printing each receipt only after `pay` returned (= committed).
#[test]
fn crash_child() {
    let Ok(path) = std::env::var(CHILD_ENV) else { return };
    let mut ledger = Ledger::open(Path::new(&path)).unwrap();
    let settings = Settings::default();
    let mut index = 0u64;
    loop {
        index += 1;
        let request = PaymentRequest {
            lines: vec![LineRequest::Payable { number: format!("A-{}", index % 50), amount: Some(Money::from_cents(100 + (index % 900) as i64)) }],
            tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(1000))],
        };
        let result = pay(&mut ledger, &settings, &cashier(), &request).unwrap();
        println!("ACK {}", result.receipt);
    }
}

// Proves no acknowledged payment is ever lost and no entry is ever half-written across SIGKILLs at random moments.
#[test]
fn kill_nine_loses_no_acknowledged_payment() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let kills = if std::env::var("CITYTILL_LONG_TESTS").is_ok() { 1000 } else { 200 };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    prepare(&path);
    let exe = std::env::current_exe().unwrap();
    let mut acknowledged: Vec<String> = Vec::new();
    let mut seed = 0x2545F4914F6CDD1Du64;
    let mut killed_mid_run = 0;
    for round in 0..kills {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = Command::new(&exe).args(["--exact", "crash_child", "--nocapture", "--test-threads=1"]).env(CHILD_ENV, &path).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        // Wait for the first acknowledgement, then let it run a random 0–40 ms before SIGKILL.
        let reader = std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).filter_map(|l| l.strip_prefix("ACK ").map(str::to_string)).collect::<Vec<_>>());
        let started = Instant::now();
        let before = Ledger::open(&path).unwrap().last_seq().unwrap();
        while Ledger::open(&path).unwrap().last_seq().unwrap() == before && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_micros(seed % 40_000));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        if status.code().is_none() {
            killed_mid_run += 1;
        }
        acknowledged.extend(reader.join().unwrap());
        let ledger = Ledger::open(&path).unwrap();
        let report = verify::verify(&ledger).unwrap();
        assert!(report.ok, "round {round}: verify found {:?}", report.problems);
        if round % 20 == 19 || round == kills - 1 {
            for receipt in &acknowledged {
                assert!(query::receipt(&ledger.read().unwrap(), receipt).is_ok(), "round {round}: acknowledged {receipt} was lost");
            }
        }
    }
    let ledger = Ledger::open(&path).unwrap();
    let receipts: i64 = ledger.read().unwrap().query_row("SELECT COUNT(*) FROM receipts", [], |r| r.get(0)).unwrap();
    let max: i64 = ledger.read().unwrap().query_row("SELECT COALESCE(MAX(number), 0) FROM receipts", [], |r| r.get(0)).unwrap();
    assert_eq!(receipts, max, "receipt numbers have a gap");
    assert!(receipts as usize >= acknowledged.len());
    assert!(acknowledged.len() >= kills, "each round should acknowledge at least one payment");
    assert_eq!(killed_mid_run, kills, "every child died by the signal");
    let integrity: String = ledger.read().unwrap().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}
