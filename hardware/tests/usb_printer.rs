//! USB printers on a device node (`file:`): a node that answers DLE EOT is read like any printer; one that
//! cannot answer is reported "unknown" (never "ok") and its drawer is not watched.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::commands::{open_printer, summary, wait_for};
use citytill_hardware::config::{DeviceEntry, DevicesConfig, Timeouts};
use citytill_hardware::device::DeviceEvent;
use citytill_hardware::receipt::{Receipt, ReceiptItem};
use citytill_hardware::sim::{Action, Simulators};
use citytill_hardware::status::PaperState;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(5);

fn fast() -> Timeouts {
    Timeouts { status_timeout_ms: 200, poll_interval_ms: 50, reconnect_initial_ms: 100, reconnect_max_ms: 500, ..Timeouts::default() }
}

fn receipt() -> Receipt {
    Receipt { header: vec!["CITY OF SPRINGFIELD".into()], receipt_number: "R-9".into(), items: vec![ReceiptItem { description: "Dog licence".into(), amount_cents: 1500 }], ..Receipt::default() }
}

fn job_result(events: &Receiver<DeviceEvent>, job: u64) -> Option<Result<(), String>> {
    wait_for(events, BOUND, |e| match e {
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    })
}

/// Every event that arrives within `window`.
fn events_for(events: &Receiver<DeviceEvent>, window: Duration) -> Vec<DeviceEvent> {
    let deadline = Instant::now() + window;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(event) => seen.push(event),
            Err(_) => break,
        }
    }
    seen
}

// Proves a FIFO standing in for a printer without a back channel (it only ever gives back what was written to
// it, never a DLE EOT answer) is reported "unknown" and still takes jobs. Before the fix it read "ok".
#[test]
fn fifo_without_answers_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("lp-fifo");
    let made = std::process::Command::new("mkfifo").arg(&node).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available here");
        return;
    }
    let config = DevicesConfig { printer: Some(DeviceEntry { timeouts: fast(), ..DeviceEntry::new("printer-58mm", &format!("file:{}", node.display())) }), ..DevicesConfig::default() };
    let (printer, events) = open_printer(&config).unwrap();
    let text = summary(&printer.wait_read(BOUND));
    assert!(text.starts_with("unknown: ") && text.contains("does not answer status requests"), "{text}");
    let job = printer.print(&receipt()).unwrap();
    assert_eq!(job_result(&events, job), Some(Ok(())));
}

// Proves a device node that never answers (a plain file standing in for a write-only printer) is reported
// "unknown", never "ok", with no drawer reading and no DrawerLeftOpen however long it runs, while jobs still
// go out. Before the fix it read "ok" with the drawer open, and "left open" fired after left_open_after_ms.
#[test]
fn silent_node_is_unknown_and_drawer_is_not_watched() {
    let dir = tempfile::tempdir().unwrap();
    let node = dir.path().join("lp0");
    std::fs::write(&node, b"").unwrap();
    let config = DevicesConfig {
        printer: Some(DeviceEntry { timeouts: fast(), ..DeviceEntry::new("tm-t88", &format!("file:{}", node.display())) }),
        drawer: Some(DeviceEntry { left_open_after_ms: Some(200), timeouts: fast(), ..DeviceEntry::new("drawer-printer-pin2", "printer") }),
        ..DevicesConfig::default()
    };
    let (printer, events) = open_printer(&config).unwrap();
    let seen = events_for(&events, Duration::from_millis(1500));
    assert!(!seen.iter().any(|e| matches!(e, DeviceEvent::DrawerLeftOpen { .. } | DeviceEvent::Drawer { .. })), "{seen:?}");
    let status = printer.wait_read(BOUND);
    let text = summary(&status);
    assert!(text.starts_with("unknown: "), "{text}");
    assert!(text.contains("does not answer status requests") && text.contains("drawer watching is off"), "{text}");
    assert_eq!(status.drawer_open, None);
    let job = printer.print(&receipt()).unwrap();
    assert_eq!(job_result(&events, job), Some(Ok(())));
    let written = std::fs::read(&node).unwrap();
    let start = written.windows(2).position(|w| w == [0x1B, 0x40]).expect("the job starts with ESC @");
    assert!(written[start..].windows(11).any(|w| w == b"Dog licence"), "the job reached the node");
}

// Proves a bidirectional device node (a pty standing in for Linux usblp's /dev/usb/lp0) is opened read-write
// and its DLE EOT replies are read back: the status is a real reading, and paper out fails a job. Before the
// fix `file:` was write-only, so the printer always looked "ok" and the job "printed" with no paper.
#[test]
fn answering_node_is_read_like_a_printer() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    // Put the pty in raw mode (as usblp is: no line discipline) and let other openers in.
    let mut raw = serialport::new(sims.printer_pty.as_str(), 9600).open_native().unwrap();
    raw.set_exclusive(false).unwrap();
    drop(raw);
    let config = DevicesConfig { printer: Some(DeviceEntry { timeouts: fast(), ..DeviceEntry::new("tm-t88", &format!("file:{}", sims.printer_pty)) }), ..DevicesConfig::default() };
    let (printer, events) = open_printer(&config).unwrap();
    let status = printer.wait_read(BOUND);
    assert_eq!(summary(&status), "ok");
    sims.apply(&Action::PrinterPaperOut).unwrap();
    assert!(wait_for(&events, BOUND, |e| (*e == DeviceEvent::Paper(PaperState::Out)).then_some(())).is_some(), "paper out is read back");
    let job = printer.print(&receipt()).unwrap();
    assert_eq!(job_result(&events, job), Some(Err("paper out".to_string())));
    sims.apply(&Action::PrinterPaperOk).unwrap();
    let job = printer.print(&receipt()).unwrap();
    assert_eq!(job_result(&events, job), Some(Ok(())));
    assert_eq!(sims.jobs_printed(), 1);
}
