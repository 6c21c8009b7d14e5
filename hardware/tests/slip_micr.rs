//! Epson TM-H6000 slip station and MICR reader over a real pseudo-terminal: the exact bytes CityTill sends
//! (`ESC f`, `FS a 0`, `ESC c 0 n`, `DLE EOT 5`, FF, `DLE ENQ 3`) and how it takes Epson's `5F status data 00`
//! answer, first against a test playing the printer byte by byte, then end to end through the printer worker
//! and the simulator playing a TM-H6000 with a check inserted.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::commands::{open_printer, wait_for};
use citytill_hardware::config::{DeviceEntry, DevicesConfig, Timeouts};
use citytill_hardware::device::{DeviceError, DeviceEvent, ScanData};
use citytill_hardware::encode::Endorsement;
use citytill_hardware::micr::Micr;
use citytill_hardware::sim::{Action, Simulators};
use citytill_hardware::slip::{self, Station};
use citytill_hardware::transport::{self, Link, OpenTimeouts, TransportSpec};
use serialport::{SerialPort, TTYPort};
use std::io::{Read, Write};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(5);
/// A check's MICR line as the printer sends it (E-13B symbols as letters: A transit, C on-us).
const CHECK: &str = "A021000021A 1234567890C 0123";

/// A pty pair: the test holds the master (it plays the printer), CityTill opens the slave by name as a serial
/// port (the pair's own slave end is closed first: CityTill locks the port for itself).
fn printer_line() -> (TTYPort, Box<dyn Link>) {
    let (master, slave) = TTYPort::pair().unwrap();
    let spec = TransportSpec::parse(&format!("serial:{}?baud=9600", slave.name().unwrap())).unwrap();
    drop(slave);
    let link = transport::open(&spec, "printer", OpenTimeouts { connect_timeout_ms: 2000, write_timeout_ms: 2000 }).unwrap();
    (master, link)
}

/// Reads exactly `n` bytes from the master (bounded).
fn receive(master: &mut TTYPort, n: usize) -> Vec<u8> {
    master.set_timeout(Duration::from_millis(50)).unwrap();
    let deadline = Instant::now() + BOUND;
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while got.len() < n && Instant::now() < deadline {
        if let Ok(k) = master.read(&mut buf[..n - got.len()]) {
            got.extend_from_slice(&buf[..k]);
        }
    }
    got
}

fn answer(master: &mut TTYPort, bytes: &[u8]) {
    master.write_all(bytes).unwrap();
    master.flush().unwrap();
}

// Proves the MICR read on the wire: CityTill sends ESC f 1 10 (wait at most a minute, never forever) and
// FS a 0 0 (E-13B), takes Epson's answer 5F 50 <line> 00 — here with a stale status byte before the header —
// and parses the routing, masked account and check number; an answer 5F 70 00 (reading not normal) is refused.
#[test]
fn micr_read_bytes_on_a_pty() {
    let (mut master, mut link) = printer_line();
    let reader = std::thread::spawn(move || {
        let first = slip::read_check(link.as_mut(), BOUND, &AtomicBool::new(false)).map_err(|e| e.to_string());
        let second = slip::read_check(link.as_mut(), BOUND, &AtomicBool::new(false)).map_err(|e| e.to_string());
        (first, second, link)
    });
    assert_eq!(receive(&mut master, 8), [0x1B, 0x66, 0x01, 0x0A, 0x1C, 0x61, 0x30, 0x00]);
    answer(&mut master, &[&[0x12u8, 0x5F, 0x50][..], CHECK.as_bytes(), &[0x00]].concat());
    assert_eq!(receive(&mut master, 8), [0x1B, 0x66, 0x01, 0x0A, 0x1C, 0x61, 0x30, 0x00]);
    answer(&mut master, &[0x5F, 0x70, 0x00]);
    let (first, second, _link) = reader.join().unwrap();
    let check: Micr = first.unwrap();
    assert_eq!((check.routing.as_str(), check.account_last4.as_str(), check.check_number.as_deref()), ("021000021", "7890", Some("0123")));
    let refused = second.unwrap_err();
    assert!(refused.contains("could not be read (reading status 0x70)"), "{refused}");
}

// Proves the slip wait on the wire: ESC f, ESC c 0 4 (slip), then DLE EOT 5 until the status says paper in and
// not waiting (7A → 12), and only then the text, FF (print and eject) and ESC c 0 2 (back to the roll); and
// a slip never inserted ends with DLE ENQ 3 (cancel the wait) and nothing printed.
#[test]
fn slip_wait_and_print_bytes_on_a_pty() {
    let (mut master, mut link) = printer_line();
    let printer = std::thread::spawn(move || {
        let stop = AtomicBool::new(false);
        let lines = vec!["FOR DEPOSIT ONLY".to_string()];
        let printed = slip::print_on_slip(link.as_mut(), Station::Slip, &lines, BOUND, Duration::from_millis(500), &stop).map_err(|e| e.to_string());
        let missed = slip::print_on_slip(link.as_mut(), Station::Validation, &lines, Duration::from_millis(600), Duration::from_millis(200), &stop).map_err(|e| e.to_string());
        // The link lives until joined: a pty master cannot read what a closed slave wrote.
        (printed, missed, link)
    });
    assert_eq!(receive(&mut master, 11), [0x1B, 0x66, 0x01, 0x0A, 0x1B, 0x63, 0x30, 0x04, 0x10, 0x04, 0x05]);
    answer(&mut master, &[0x7A]);
    assert_eq!(receive(&mut master, 3), [0x10, 0x04, 0x05]);
    answer(&mut master, &[0x12]);
    let expected = [b"FOR DEPOSIT ONLY\n".as_slice(), &[0x0C, 0x1B, 0x63, 0x30, 0x02]].concat();
    assert_eq!(receive(&mut master, expected.len()), expected);
    assert_eq!(receive(&mut master, 11), [0x1B, 0x66, 0x01, 0x0A, 0x1B, 0x63, 0x30, 0x08, 0x10, 0x04, 0x05]);
    let deadline = Instant::now() + BOUND;
    let mut tail = Vec::new();
    while !tail.ends_with(&[0x10, 0x05, 0x03]) && Instant::now() < deadline {
        answer(&mut master, &[0x7A]);
        tail.extend(receive(&mut master, 3));
    }
    let (printed, missed, _link) = printer.join().unwrap();
    printed.unwrap();
    assert!(tail.ends_with(&[0x10, 0x05, 0x03]), "the wait is cancelled with DLE ENQ 3: {tail:02X?}");
    assert!(tail.chunks(3).all(|c| c == [0x10, 0x04, 0x05] || c == [0x10, 0x05, 0x03]), "nothing printed: {tail:02X?}");
    assert!(missed.unwrap_err().starts_with("no validation paper was inserted within"));
}

fn tm_h6000(sims: &Simulators) -> DevicesConfig {
    let mut config = sims.config();
    let timeouts = Timeouts { job_timeout_ms: 1500, status_timeout_ms: 300, poll_interval_ms: 100, ..Timeouts::default() };
    config.printer = config.printer.map(|p| DeviceEntry { profile: "tm-h6000".into(), transport: format!("serial:{}", sims.printer_pty), timeouts, ..p });
    config.drawer = None;
    config
}

fn job_result(events: &std::sync::mpsc::Receiver<DeviceEvent>, job: u64) -> Option<Result<(), String>> {
    wait_for(events, BOUND, |e| match e {
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    })
}

// Proves the TM-H6000 profile's `micr = true` is read end to end: the printer worker asks FS a 0, the simulated
// TM-H6000 answers once a check is inserted (Epson's framing), the check arrives as a MICR scan; the endorsement
// is printed on that check and ejects it; a validation with no form inserted fails after the bounded wait and
// leaves the printer on its roll; a TM-T88 (no MICR) refuses to read checks.
#[test]
fn tm_h6000_reads_endorses_and_validates_through_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let (printer, events) = open_printer(&tm_h6000(&sims)).unwrap();
    let job = printer.read_check().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(sims.slip().waiting_micr, "FS a 0 arrived and the printer waits for a check");
    sims.apply(&Action::PrinterInsertCheck(CHECK.into())).unwrap();
    let check = wait_for(&events, BOUND, |e| match e {
        DeviceEvent::Data(ScanData::Micr(check)) => Some(check.clone()),
        _ => None,
    });
    assert_eq!(check.map(|c| (c.routing, c.account_last4)), Some(("021000021".to_string(), "7890".to_string())));
    assert_eq!(job_result(&events, job), Some(Ok(())));

    let endorsement = Endorsement { payee: "City of Springfield".into(), receipt_number: "T01-000042".into(), date: "2026-12-03".into(), amount_cents: 4550 };
    let job = printer.endorse(&endorsement).unwrap();
    assert_eq!(job_result(&events, job), Some(Ok(())));
    let deadline = Instant::now() + BOUND;
    while sims.jobs_printed() < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(dir.path().join("printed/0001.txt")).unwrap();
    assert!(text.starts_with("FOR DEPOSIT ONLY\nCity of Springfield\nReceipt T01-000042\n2026-12-03 45.50"), "{text}");
    let bin = std::fs::read(dir.path().join("printed/0001.bin")).unwrap();
    // What the printer received for this piece of paper: the MICR read (ESC f, FS a 0 0), then the slip wait
    // (ESC f, ESC c 0 4), the endorsement and FF; DLE EOT 5 polls are real-time and never part of a job.
    let head = [0x1B, 0x66, 0x01, 0x0A, 0x1C, 0x61, 0x30, 0x00, 0x1B, 0x66, 0x01, 0x0A, 0x1B, 0x63, 0x30, 0x04];
    assert!(bin.starts_with(&head) && bin.ends_with(b"45.50\n\x0c"), "{bin:02X?}");
    assert!(!sims.slip().paper, "FF ejected the check");

    let job = printer.validate("T01-000042", "2026-12-03", 4550).unwrap();
    let failed = job_result(&events, job).unwrap().unwrap_err();
    assert!(failed.starts_with("no validation paper was inserted within 1 s"), "{failed}");
    let deadline = Instant::now() + BOUND;
    while sims.slip().waiting_slip && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let slip = sims.slip();
    assert!(!slip.waiting_slip && slip.station == 2, "DLE ENQ 3 cancelled the wait: {slip:?}");

    let mut t88 = tm_h6000(&sims);
    t88.printer = t88.printer.map(|p| DeviceEntry { profile: "tm-t88".into(), ..p });
    drop(printer);
    let (receipt_only, _events) = open_printer(&t88).unwrap();
    assert!(matches!(receipt_only.read_check(), Err(DeviceError::Unsupported { .. })));
    assert!(receipt_only.validate("T01-1", "2026-12-03", 100).is_err());
}
