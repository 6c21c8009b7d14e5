//! Where the command line sends a receipt — the configured receipt printer (kicking the drawer by the
//! window's rule when a payment puts money in it) or stdout — and what came of it. It runs only after the
//! payment or reprint is committed: a printer that fails is reported, never a reason to undo the record.

use std::io::Write;
use std::time::{Duration, Instant};

use citytill_hardware::device::{DeviceEvent, DeviceKind, JobId};
use citytill_hardware::receipt::{layout, Receipt};
use citytill_hardware::set::DeviceSet;
use citytill_hardware::sim;

use crate::cli::context::Context;
use crate::cli::devices::devices_config;

/// Columns of the receipt text written to stdout (the narrowest common paper width's default).
pub const STDOUT_COLUMNS: usize = 42;

/// `--print-to`: the receipt printer of settings `[devices]`, or the text on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PrintTo {
    Printer,
    Stdout,
}

/// What happened to the receipt and the drawer (the `--json` keys `printed`, `printed_to`,
/// `print_error`, `drawer_kicked`, `kick_error`; `receipt_text` with `--print-to stdout --json`).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PrintReport {
    pub printed: bool,
    pub printed_to: Option<&'static str>,
    pub print_error: Option<String>,
    /// None when no kick was due (no drawer tender and no change, a reprint, or no printing asked).
    pub drawer_kicked: Option<bool>,
    pub kick_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_text: Option<String>,
}

/// The destination: as asked, else the printer when settings `[devices]` configure one, else stdout.
pub fn destination(ctx: &Context, asked: Option<PrintTo>) -> PrintTo {
    asked.unwrap_or_else(|| match devices_config(ctx, None) {
        Ok(config) if config.printer.is_none() => PrintTo::Stdout,
        _ => PrintTo::Printer,
    })
}

/// Sends `receipt` where `to` says (kicking the drawer too when `kick`); the text goes to stdout at once
/// unless `--json` asked for it inside the JSON. Problems are warned on stderr and returned in the report.
pub fn deliver(ctx: &Context, receipt: &Receipt, to: PrintTo, kick: bool) -> PrintReport {
    let report = match to {
        PrintTo::Stdout => {
            let text = layout(receipt, STDOUT_COLUMNS).join("\n");
            if ctx.json {
                PrintReport { printed: true, printed_to: Some("stdout"), receipt_text: Some(text), ..PrintReport::default() }
            } else {
                match crate::outln!("{text}") {
                    Ok(()) => PrintReport { printed: true, printed_to: Some("stdout"), ..PrintReport::default() },
                    Err(error) => PrintReport { printed_to: Some("stdout"), print_error: Some(error.to_string()), ..PrintReport::default() },
                }
            }
        }
        PrintTo::Printer => on_devices(ctx, receipt, kick),
    };
    if !ctx.json && report.printed_to == Some("printer") {
        let drawer = if report.drawer_kicked == Some(true) { "; drawer opened" } else { "" };
        // Only a confirmation for the person: the outcome itself is in the report (and the JSON).
        let _ = if report.printed {
            crate::outln!("Receipt {} printed{drawer}.", receipt.receipt_number)
        } else if !drawer.is_empty() {
            crate::outln!("Drawer opened.")
        } else {
            Ok(())
        };
    }
    if let Some(error) = &report.print_error {
        let _ = writeln!(
            std::io::stderr(),
            "citytill: warning: receipt {} was not printed: {error} (the record stands; `citytill receipt reprint {}` prints it again)",
            receipt.receipt_number,
            receipt.receipt_number
        );
    }
    if let Some(error) = &report.kick_error {
        let _ = writeln!(std::io::stderr(), "citytill: warning: the drawer was not opened: {error}");
    }
    report
}

/// Prints on the configured printer and kicks the drawer, through the same device set the window opens
/// (`sim:` transports start in-process simulators in DATA_DIR/sim, as the window does); every wait is bounded.
fn on_devices(ctx: &Context, receipt: &Receipt, kick: bool) -> PrintReport {
    let mut report = PrintReport { printed_to: Some("printer"), drawer_kicked: kick.then_some(false), ..PrintReport::default() };
    let config = match devices_config(ctx, None) {
        Ok(config) => config,
        Err(e) => {
            report.print_error = Some(e.to_string());
            report.kick_error = kick.then(|| e.to_string());
            return report;
        }
    };
    let (config, _simulators) = match sim::materialize(&config, &ctx.data_dir.join("sim")) {
        Ok(materialized) => materialized,
        Err(e) => {
            report.print_error = Some(e.to_string());
            report.kick_error = kick.then(|| e.to_string());
            return report;
        }
    };
    let kinds: &[DeviceKind] = if kick { &[DeviceKind::Printer, DeviceKind::Drawer] } else { &[DeviceKind::Printer] };
    let mut set = DeviceSet::open_only(&config, kinds);
    let events = set.take_events();
    let print_job = set.print(receipt);
    let kick_job = if kick { Some(set.kick()) } else { None };
    let bound = |kind: DeviceKind| config.entry(kind).map_or(Duration::ZERO, |e| e.timeouts.first_reading() + Duration::from_millis(e.timeouts.job_timeout_ms));
    let total = bound(DeviceKind::Printer).max(bound(DeviceKind::Drawer));
    let deadline = Instant::now() + total;
    let mut waiting: Vec<JobId> = [print_job.as_ref().ok(), kick_job.as_ref().and_then(|k| k.as_ref().ok())].into_iter().flatten().copied().collect();
    let mut outcomes: Vec<(JobId, Result<(), String>)> = Vec::new();
    while !waiting.is_empty() {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
        let Ok(event) = events.recv_timeout(left) else { break };
        let outcome = match event {
            DeviceEvent::JobCompleted { job, .. } => (job, Ok(())),
            DeviceEvent::JobFailed { job, reason, .. } => (job, Err(reason)),
            _ => continue,
        };
        waiting.retain(|j| *j != outcome.0);
        outcomes.push(outcome);
    }
    let result_of = |queued: Result<JobId, String>| -> Result<(), String> {
        let job = queued?;
        outcomes.iter().find(|(j, _)| *j == job).map_or_else(|| Err(format!("no answer from the device within {} ms", total.as_millis())), |(_, r)| r.clone())
    };
    match result_of(print_job) {
        Ok(()) => report.printed = true,
        Err(e) => report.print_error = Some(e),
    }
    if let Some(kicked) = kick_job {
        match result_of(kicked) {
            Ok(()) => report.drawer_kicked = Some(true),
            Err(e) => report.kick_error = Some(e),
        }
    }
    report
}
