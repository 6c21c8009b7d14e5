//! Round trips against the simulators over real pseudo-terminals, TCP on 127.0.0.1 and the control socket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::commands::{open_drawer, open_printer, test_device, wait_for};
use citytill_hardware::config::{DeviceEntry, DevicesConfig};
use citytill_hardware::counter_device::Counter;
use citytill_hardware::device::{DeviceEvent, DeviceKind, ScanData};
use citytill_hardware::receipt::{AmountLine, Barcode, Receipt, ReceiptItem};
use citytill_hardware::scanner::Scanner;
use citytill_hardware::sim::{control, Action, Simulators};
use citytill_hardware::status::PaperState;
use citytill_hardware::transport::{self, OpenTimeouts, TransportSpec};
use std::sync::mpsc::Receiver;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(5);

fn receipt(items: usize) -> Receipt {
    Receipt {
        header: vec!["CITY OF SPRINGFIELD".into()],
        receipt_number: "R-77".into(),
        items: (0..items).map(|i| ReceiptItem { description: format!("Item {i}"), amount_cents: 100 }).collect(),
        totals: vec![AmountLine { label: "TOTAL".into(), amount_cents: 100 * items as i64 }],
        barcode: Some(Barcode::Code128("R-77".into())),
        ..Receipt::default()
    }
}

fn job_result(events: &Receiver<DeviceEvent>, job: u64) -> Option<Result<(), String>> {
    wait_for(events, BOUND, |e| match e {
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    })
}

fn with_printer_pty(sims: &Simulators) -> DevicesConfig {
    let mut config = sims.config();
    config.printer = config.printer.map(|p| DeviceEntry { transport: format!("serial:{}", sims.printer_pty), ..p });
    config
}

// A receipt printed over a real pty comes back rendered as text with its barcode, through both pty and TCP.
#[test]
fn print_receipt_and_read_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    for config in [with_printer_pty(&sims), sims.config()] {
        let (printer, events) = open_printer(&config).unwrap();
        let job = printer.print(&receipt(3)).unwrap();
        assert_eq!(job_result(&events, job), Some(Ok(())));
    }
    for n in ["0001", "0002"] {
        let text = std::fs::read_to_string(dir.path().join(format!("printed/{n}.txt"))).unwrap();
        assert!(text.contains("CITY OF SPRINGFIELD") && text.contains("Item 2") && text.contains("[CODE128 R-77]"), "{text}");
        assert!(dir.path().join(format!("printed/{n}.bin")).exists());
    }
}

// Paper running out in the middle of a long job fails that job with "paper out", within the bound, and nothing is rendered.
#[test]
fn paper_out_mid_job_fails_job() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let (printer, events) = open_printer(&with_printer_pty(&sims)).unwrap();
    sims.apply(&Action::PrinterPaperOutAfter(300)).unwrap();
    let job = printer.print(&receipt(60)).unwrap();
    assert_eq!(job_result(&events, job), Some(Err("paper out".to_string())));
    assert_eq!(sims.jobs_printed(), 0);
    let again = printer.print(&receipt(1)).unwrap();
    assert_eq!(job_result(&events, again), Some(Err("paper out".to_string())), "jobs keep failing until paper is loaded");
    sims.apply(&Action::PrinterPaperOk).unwrap();
    let reprint = printer.print(&receipt(1)).unwrap();
    assert_eq!(job_result(&events, reprint), Some(Ok(())));
}

// Cover open and offline fail a job with their own reason; near end only warns and the job prints.
#[test]
fn faults_give_clear_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let (printer, events) = open_printer(&sims.config()).unwrap();
    for (fault, clear, reason) in [(Action::PrinterCoverOpen, Action::PrinterCoverClose, "cover open"), (Action::PrinterOffline, Action::PrinterOnline, "printer offline")] {
        sims.apply(&fault).unwrap();
        let job = printer.print(&receipt(1)).unwrap();
        assert_eq!(job_result(&events, job), Some(Err(reason.to_string())));
        sims.apply(&clear).unwrap();
    }
    sims.apply(&Action::PrinterPaperNearEnd).unwrap();
    let job = printer.print(&receipt(1)).unwrap();
    assert_eq!(job_result(&events, job), Some(Ok(())));
    assert_eq!(printer.status().paper, PaperState::NearEnd);
}

// An unplugged printer (no status answers) is reported offline within the bound, and online again after replugging.
#[test]
fn unplugged_goes_offline_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let (printer, events) = open_printer(&sims.config()).unwrap();
    assert!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Online { .. }).then_some(())).is_some());
    sims.apply(&Action::PrinterUnplug).unwrap();
    let reason = wait_for(&events, BOUND, |e| match e {
        DeviceEvent::Offline { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    assert!(reason.is_some_and(|r| r.contains("no status reply")));
    let job = printer.print(&receipt(1)).unwrap();
    assert!(matches!(job_result(&events, job), Some(Err(r)) if r.contains("offline")));
    sims.apply(&Action::PrinterPlug).unwrap();
    assert!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Online { .. }).then_some(())).is_some());
}

// The scanner worker turns MICR and stub lines into data, rejects garbage and over-long lines, and keeps reading.
#[test]
fn scanner_lines_garbage_and_long() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let (_scanner, events) = Scanner::open(&sims.config().resolve(DeviceKind::Scanner).unwrap()).unwrap();
    assert!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Online { .. }).then_some(())).is_some());
    for action in ["garbage", "long", "micr \"T021000021T 1234567890U 0123\"", "micr \"T112000025T 1234U\"", "stub 003456789011102960000000000100000000010008"] {
        sims.apply(&Action::parse("scanner", action).unwrap()).unwrap();
    }
    let mut seen = Vec::new();
    while seen.len() < 5 {
        let Some(event) = wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Data(_) | DeviceEvent::InputRejected { .. }).then(|| e.clone())) else { break };
        seen.push(event);
    }
    assert!(matches!(&seen[0], DeviceEvent::InputRejected { reason, .. } if reason.contains("not text")), "{seen:?}");
    assert!(matches!(&seen[1], DeviceEvent::InputRejected { reason, .. } if reason.contains("2000 bytes")), "{seen:?}");
    assert!(matches!(&seen[2], DeviceEvent::Data(ScanData::Micr(m)) if m.routing == "021000021" && m.account_last4 == "7890"));
    assert!(matches!(&seen[3], DeviceEvent::InputRejected { reason, .. } if reason == "routing number 112000025: checksum fails"));
    assert_eq!(seen[4], DeviceEvent::Data(ScanData::Stub("003456789011102960000000000100000000010008".into())));
}

// The counter worker emits a report only when it adds up; garbage and truncated reports are rejected, then a good one still works.
#[test]
fn counter_reports() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let (_counter, events) = Counter::open(&sims.config().resolve(DeviceKind::Counter).unwrap()).unwrap();
    assert!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Online { .. }).then_some(())).is_some());
    let next = || wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::CounterReport(_) | DeviceEvent::InputRejected { .. }).then(|| e.clone()));
    sims.apply(&Action::parse("counter", "garbage").unwrap()).unwrap();
    assert!(matches!(next(), Some(DeviceEvent::InputRejected { .. })));
    sims.apply(&Action::parse("counter", "truncated").unwrap()).unwrap();
    assert!(matches!(next(), Some(DeviceEvent::InputRejected { reason, .. }) if reason.contains("truncated")));
    sims.apply(&Action::parse("counter", "report 20x5,10x3,1x7").unwrap()).unwrap();
    match next() {
        Some(DeviceEvent::CounterReport(report)) => {
            assert_eq!(report.rows, vec![(2000, 5), (1000, 3), (100, 7)]);
            assert_eq!(report.total_cents, 13700);
        }
        other => panic!("expected a report, got {other:?}"),
    }
}

// A second claim of a port fails with a clear message, in-process and from the OS lock.
#[test]
fn second_claim_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let spec = TransportSpec::parse(&format!("serial:{}", sims.scanner_pty)).unwrap();
    let timeouts = OpenTimeouts { connect_timeout_ms: 1000, write_timeout_ms: 1000 };
    let _first = transport::open(&spec, "scanner", timeouts).unwrap();
    let err = transport::open(&spec, "counter", timeouts).err().unwrap();
    assert_eq!(err.to_string(), format!("serial port {}: already claimed by scanner in this program", sims.scanner_pty));
    let os_level = serialport::new(sims.scanner_pty.as_str(), 9600).open_native();
    assert!(os_level.is_err(), "another program cannot open the claimed port");
}

// The serial drawer opens on a kick, reports open/closed edges, warns when left open, and a stuck drawer fails the kick.
#[test]
fn serial_drawer_kick_left_open_and_stuck() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let mut config = sims.config();
    config.drawer = config.drawer.map(|d| DeviceEntry { left_open_after_ms: Some(300), ..d });
    let (drawer, events, _) = open_drawer(&config).unwrap();
    assert_eq!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Drawer { .. }).then(|| e.clone())), Some(DeviceEvent::Drawer { open: false }));
    let job = drawer.kick().unwrap();
    assert_eq!(job_result(&events, job), Some(Ok(())));
    assert!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::DrawerLeftOpen { .. }).then_some(())).is_some());
    sims.apply(&Action::DrawerClose).unwrap();
    assert!(wait_for(&events, BOUND, |e| (*e == DeviceEvent::Drawer { open: false }).then_some(())).is_some());
    sims.apply(&Action::DrawerStuck).unwrap();
    let job = drawer.kick().unwrap();
    assert_eq!(job_result(&events, job), Some(Err("drawer did not open (stuck or jammed)".into())));
}

// A drawer wired to the printer opens only through the full 5-byte kick and is seen open via DLE EOT 1.
#[test]
fn printer_drawer_kick() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let mut config = sims.config();
    config.drawer = Some(DeviceEntry { open_when_high: Some(true), ..DeviceEntry::new("drawer-printer-pin2", "printer") });
    let (printer, events) = open_printer(&config).unwrap();
    let job = printer.kick_drawer().unwrap();
    assert_eq!(job_result(&events, job), Some(Ok(())));
    assert!(sims.drawer().open);
    assert_eq!(sims.drawer().kicks, 1);
}

// The control socket accepts actions from "another process" and refuses unknown ones with the list of actions.
#[test]
fn control_socket_and_test_command() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    assert!(control(dir.path(), "printer", "cover-open").is_ok());
    let err = control(dir.path(), "printer", "explode").unwrap_err();
    assert!(err.to_string().contains("paper-out"), "{err}");
    let config = DevicesConfig::load(&dir.path().join("devices.toml")).unwrap();
    let failed = test_device(&config, DeviceKind::Printer, 5000).unwrap_err();
    assert!(failed.to_string().contains("cover open"), "{failed}");
    control(dir.path(), "printer", "cover-close").unwrap();
    assert!(test_device(&config, DeviceKind::Printer, 5000).is_ok());
    assert_eq!(sims.jobs_printed(), 1);
}

// A JetSort-style coin sorter set to "+ACK" (it shows "Comm Link Error" unless the host acknowledges each report
// within its wait) gets an ACK from the counter worker over a real serial line (pty) after an accepted report and
// a NAK after a garbled one; its profile is a TOML file given by path, not an embedded one.
#[test]
fn counter_handshake_acks_reports_over_a_pty() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("coin-sorter.toml");
    std::fs::write(
        &profile,
        r#"name = "coin-sorter-test"
kind = "counter"

[counter]
currency = "USD"
denominations_cents = [100, 25, 10, 5, 1]
row_patterns = ["{denomination_cents} {pieces} {amount}"]
total_patterns = ["COINS {pieces}", "VALUE {amount}"]
tolerated_bytes = [2, 3]

[counter.handshake]
after = "report"
"#,
    )
    .unwrap();
    // Like the simulators, keep the slave open (so the master never reads EIO) while the worker opens it by name.
    let (mut master, slave) = serialport::TTYPort::pair().unwrap();
    let path = serialport::SerialPort::name(&slave).unwrap();
    let config = DevicesConfig { counter: Some(DeviceEntry::new(profile.to_str().unwrap(), &format!("serial:{path}"))), ..DevicesConfig::default() };
    let (_counter, events) = Counter::open(&config.resolve(DeviceKind::Counter).unwrap()).unwrap();
    assert!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Online { .. }).then_some(())).is_some());
    serialport::SerialPort::set_timeout(&mut master, Duration::from_secs(3)).unwrap();
    let mut answer = [0u8; 1];
    // The sorter sends its report and waits for the host's answer before it sends anything else.
    master.write_all(b"\x0225C 40 10.00\r\n1C 7 0.07\r\nCOINS 47\r\nVALUE 10.07\r\n\x03").unwrap();
    master.read_exact(&mut answer).expect("the sorter got no answer: it would show Comm Link Error");
    assert_eq!(answer[0], 0x06, "ACK after an accepted report");
    let report = wait_for(&events, BOUND, |e| match e {
        DeviceEvent::CounterReport(report) => Some(report.clone()),
        _ => None,
    });
    assert_eq!(report.map(|r| (r.rows, r.total_cents)), Some((vec![(25, 40), (1, 7)], 1007)));
    master.write_all(b"25C 40 10.00\r\nCOINS 40\r\nVALUE 9.00\r\n").unwrap();
    master.read_exact(&mut answer).unwrap();
    assert_eq!(answer[0], 0x15, "NAK after a report whose totals do not add up");
}

// Dropping a printer while a kicker of its wired drawer still exists stops the worker within the bound
// (it used to wait forever for the command channel the kicker kept open), and the kicker then says so;
// the same holds for the drawer opened through `open_drawer` and for a whole `DeviceSet`.
#[test]
fn dropping_a_printer_with_a_live_kicker_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let mut config = sims.config();
    config.drawer = Some(DeviceEntry { open_when_high: Some(true), ..DeviceEntry::new("drawer-printer-pin2", "printer") });
    let (done_tx, done) = std::sync::mpsc::channel();
    let cfg = config.clone();
    std::thread::spawn(move || {
        let (printer, _events) = open_printer(&cfg).unwrap();
        let kicker = printer.kicker().unwrap();
        drop(printer);
        let after = kicker.kick();
        let (drawer, _events, printer) = open_drawer(&cfg).unwrap();
        drop(printer);
        drop(drawer);
        let set = citytill_hardware::set::DeviceSet::open(&cfg);
        drop(set);
        let _ = done_tx.send(after.map_err(|e| e.to_string()));
    });
    let after = done.recv_timeout(BOUND * 3).expect("dropping the printer hung while its drawer kicker was alive");
    assert_eq!(after, Err("printer: worker stopped".to_string()));
}
