//! Paper out in the middle of a job: the printer keeps what it received, so before the reprint CityTill
//! clears its buffers (DLE DC4 fn 8, where the model has it) or ends the partial job with a VOID line and
//! a cut; the reprint is a receipt of its own, starting from ESC @.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::commands::{open_printer, wait_for};
use citytill_hardware::config::{DeviceEntry, DevicesConfig};
use citytill_hardware::device::DeviceEvent;
use citytill_hardware::receipt::{AmountLine, Receipt, ReceiptItem};
use citytill_hardware::sim::{Action, Simulators};
use std::sync::mpsc::Receiver;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(5);

fn receipt(number: &str, items: usize) -> Receipt {
    Receipt {
        header: vec!["CITY OF SPRINGFIELD".into()],
        receipt_number: number.into(),
        items: (0..items).map(|i| ReceiptItem { description: format!("Item {i}"), amount_cents: 100 }).collect(),
        totals: vec![AmountLine { label: "TOTAL".into(), amount_cents: 100 * items as i64 }],
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

fn printed(dir: &std::path::Path, n: u32) -> (String, Vec<u8>) {
    let text = std::fs::read_to_string(dir.join(format!("printed/{n:04}.txt"))).unwrap_or_default();
    let bin = std::fs::read(dir.join(format!("printed/{n:04}.bin"))).unwrap_or_default();
    (text, bin)
}

/// Runs paper-out mid-job then a reprint on `profile`; returns (partial piece, reprint piece, buffer clears).
fn paper_out_then_reprint(profile: &str) -> (String, (String, Vec<u8>), u32) {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start(dir.path()).unwrap();
    let mut config: DevicesConfig = sims.config();
    config.printer = config.printer.map(|p| DeviceEntry { profile: profile.into(), transport: format!("serial:{}", sims.printer_pty), ..p });
    let (printer, events) = open_printer(&config).unwrap();
    sims.apply(&Action::PrinterPaperOutAfter(300)).unwrap();
    let job = printer.print(&receipt("R-77", 60)).unwrap();
    assert_eq!(job_result(&events, job), Some(Err("paper out".to_string())));
    sims.apply(&Action::PrinterPaperOk).unwrap();
    let reprint = printer.print(&receipt("R-77", 60)).unwrap();
    assert_eq!(job_result(&events, reprint), Some(Ok(())));
    assert_eq!(sims.jobs_printed(), 2, "the partial receipt and the reprint are two pieces of paper");
    (printed(dir.path(), 1).0, printed(dir.path(), 2), sims.printer_buffer_clears())
}

// Proves, on a TM-T88 (which takes DLE DC4 fn 8), that a job cut short by paper out is cleared from the
// printer's buffers at once, the partial piece on the paper is ended with a VOID line and a cut, and the
// reprint is a whole receipt of its own starting with ESC @. Before the fix the rest of the first job
// printed after reloading, joined to the reprint with no cut between (one piece, two headers).
#[test]
fn clear_buffer_then_reprint_on_its_own() {
    let (partial, (reprint, reprint_bin), clears) = paper_out_then_reprint("tm-t88");
    assert_eq!(clears, 1, "DLE DC4 fn 8 was sent once");
    assert!(partial.contains("CITY OF SPRINGFIELD") && partial.trim_end().ends_with("*** INCOMPLETE - VOID - REPRINTED BELOW ***"), "{partial}");
    assert!(!partial.contains("Item 59"), "the rest of the first job was dropped from the buffer: {partial}");
    assert_eq!(reprint.matches("CITY OF SPRINGFIELD").count(), 1, "{reprint}");
    assert!(reprint.contains("Item 0") && reprint.contains("Item 59") && !reprint.contains("INCOMPLETE"), "{reprint}");
    assert_eq!(&reprint_bin[..2], &[0x1B, 0x40], "the reprint starts from ESC @");
}

// Proves, on a generic 80 mm printer (no DLE DC4 fn 8), that the held rest of the cut-short job prints after
// reloading but is ended with a VOID line and a cut before the reprint, so the reprint stands alone.
// Before the fix the rest printed joined to the reprint with no cut and no VOID mark.
#[test]
fn no_clear_buffer_ends_partial_with_void_and_cut() {
    let (partial, (reprint, reprint_bin), clears) = paper_out_then_reprint("printer-80mm");
    assert_eq!(clears, 0, "a printer without fn 8 is never sent it");
    assert!(partial.trim_end().ends_with("*** INCOMPLETE - VOID - REPRINTED BELOW ***"), "{partial}");
    assert_eq!(partial.matches("CITY OF SPRINGFIELD").count(), 1, "{partial}");
    assert_eq!(reprint.matches("CITY OF SPRINGFIELD").count(), 1, "{reprint}");
    assert!(reprint.contains("Item 59") && !reprint.contains("INCOMPLETE"), "{reprint}");
    assert_eq!(&reprint_bin[..2], &[0x1B, 0x40]);
}

// Proves the partial piece is ended even when the worker that printed it is gone before the reprint (the command
// line: `pay --print` fails on paper out and exits, `receipt reprint` runs later in another process): the VOID
// line and cut go out with the failure, the stopped printer holds them, and the reprint from a new worker is a
// receipt of its own. Before the fix the trailer waited for the same worker's next job, so it never went out and
// the rest of the first job was joined to the reprint (found with the emupos oracle, tests/emupos_oracle.rs).
#[test]
fn reprint_from_another_worker_is_not_joined() {
    for profile in ["printer-80mm", "tm-t88"] {
        let dir = tempfile::tempdir().unwrap();
        let sims = Simulators::start(dir.path()).unwrap();
        let mut config: DevicesConfig = sims.config();
        config.printer = config.printer.map(|p| DeviceEntry { profile: profile.into(), transport: format!("serial:{}", sims.printer_pty), ..p });
        {
            let (printer, events) = open_printer(&config).unwrap();
            sims.apply(&Action::PrinterPaperOutAfter(300)).unwrap();
            let job = printer.print(&receipt("R-78", 60)).unwrap();
            assert_eq!(job_result(&events, job), Some(Err("paper out".to_string())), "{profile}");
        }
        sims.apply(&Action::PrinterPaperOk).unwrap();
        let (printer, events) = open_printer(&config).unwrap();
        let reprint = printer.print(&receipt("R-78", 60)).unwrap();
        assert_eq!(job_result(&events, reprint), Some(Ok(())), "{profile}");
        assert_eq!(sims.jobs_printed(), 2, "{profile}: the partial receipt and the reprint are two pieces of paper");
        let (partial, (reprint, reprint_bin)) = (printed(dir.path(), 1).0, printed(dir.path(), 2));
        assert!(partial.trim_end().ends_with("*** INCOMPLETE - VOID - REPRINTED BELOW ***"), "{profile}: {partial}");
        assert_eq!(reprint.matches("CITY OF SPRINGFIELD").count(), 1, "{profile}: {reprint}");
        assert!(reprint.contains("Item 59") && !reprint.contains("INCOMPLETE"), "{profile}: {reprint}");
        assert_eq!(&reprint_bin[..2], &[0x1B, 0x40], "{profile}");
    }
}
