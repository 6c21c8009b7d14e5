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

// The coin counter exchange NAKs a corrupted frame, then ACKs the resent good one.
#[test]
fn coin_counter_ack_nak() {
    use citytill_hardware::coin::{encode_frame, request_total, ACK, NAK, REQUEST};
    use std::io::{Read, Write};
    let (mut master, slave) = serialport::TTYPort::pair().unwrap();
    let path = serialport::SerialPort::name(&slave).unwrap();
    let device = std::thread::spawn(move || {
        let _keep_slave_open = slave;
        serialport::SerialPort::set_timeout(&mut master, Duration::from_secs(5)).unwrap();
        let mut byte = [0u8; 1];
        master.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], REQUEST);
        let mut bad = encode_frame(4275);
        let last = bad.len() - 1;
        bad[last] ^= 0x55;
        master.write_all(&bad).unwrap();
        master.read_exact(&mut byte).unwrap();
        assert_eq!(byte[0], NAK);
        master.write_all(&encode_frame(4275)).unwrap();
        master.read_exact(&mut byte).unwrap();
        byte[0] == ACK
    });
    let spec = TransportSpec::parse(&format!("serial:{path}")).unwrap();
    let mut link = transport::open(&spec, "coin", OpenTimeouts { connect_timeout_ms: 1000, write_timeout_ms: 1000 }).unwrap();
    assert_eq!(request_total(link.as_mut(), 2000, 3).unwrap(), 4275);
    assert!(device.join().unwrap());
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
