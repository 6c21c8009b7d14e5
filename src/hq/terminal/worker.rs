//! The background sync worker: a std thread that syncs on an interval with capped exponential backoff
//! and publishes a status snapshot. The counter never waits for it: `status()` only copies a snapshot.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::config::Settings;
use crate::hq::settings::HqSettings;
use crate::hq::terminal::client::sync_once;
use crate::hq::terminal::status::{local_status, SyncStatus};
use crate::ledger::Ledger;
use crate::ledger::LEDGER_FILE;

#[derive(Default)]
struct Signal {
    stop: bool,
    nudged: bool,
}

struct Shared {
    status: Mutex<SyncStatus>,
    signal: Mutex<Signal>,
    wake: Condvar,
}

/// Handle to the running worker; dropping it stops the thread.
pub struct SyncWorker {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<()>>,
}

impl SyncWorker {
    /// Starts syncing `data_dir`'s ledger. With no `[hq]` settings (or invalid ones) no thread starts and
    /// the status says standalone (or carries the settings error).
    pub fn spawn(data_dir: PathBuf, settings: &Settings) -> SyncWorker {
        match HqSettings::from_settings(settings.hq.as_ref()) {
            Ok(Some(hq)) => SyncWorker::spawn_with(data_dir, hq),
            Ok(None) => SyncWorker::idle(SyncStatus::unknown("standalone")),
            Err(error) => {
                let mut status = SyncStatus::unknown("offline");
                status.last_error = Some(error.to_string());
                SyncWorker::idle(status)
            }
        }
    }

    /// Starts syncing with explicit head-office settings.
    pub fn spawn_with(data_dir: PathBuf, hq: HqSettings) -> SyncWorker {
        let shared = Arc::new(Shared { status: Mutex::new(SyncStatus::unknown("offline")), signal: Mutex::new(Signal::default()), wake: Condvar::new() });
        let thread_shared = Arc::clone(&shared);
        let handle = std::thread::Builder::new().name("citytill-sync".into()).spawn(move || run(&thread_shared, &data_dir.join(LEDGER_FILE), &hq));
        match handle {
            Ok(handle) => SyncWorker { shared, handle: Some(handle) },
            Err(error) => {
                let mut status = SyncStatus::unknown("offline");
                status.last_error = Some(format!("sync worker could not start: {error}"));
                SyncWorker::idle(status)
            }
        }
    }

    fn idle(status: SyncStatus) -> SyncWorker {
        SyncWorker { shared: Arc::new(Shared { status: Mutex::new(status), signal: Mutex::new(Signal::default()), wake: Condvar::new() }), handle: None }
    }

    /// The latest snapshot (never blocks on the network).
    pub fn status(&self) -> SyncStatus {
        match self.shared.status.lock() {
            Ok(status) => status.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Asks for a sync round now (e.g. right after a payment), without waiting for it.
    pub fn nudge(&self) {
        if let Ok(mut signal) = self.shared.signal.lock() {
            signal.nudged = true;
            self.shared.wake.notify_all();
        }
    }

    /// Stops the thread after its current round (each round's waits are bounded by the connection timeouts).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Ok(mut signal) = self.shared.signal.lock() {
            signal.stop = true;
            self.shared.wake.notify_all();
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The pause before the next round: the interval after success, else doubling from the initial backoff up to the cap.
pub fn next_delay_ms(hq: &HqSettings, consecutive_failures: u32) -> u64 {
    if consecutive_failures == 0 {
        return hq.interval_ms;
    }
    let factor = 1u64.checked_shl(consecutive_failures.saturating_sub(1).min(32)).unwrap_or(u64::MAX);
    hq.backoff_initial_ms.saturating_mul(factor).min(hq.backoff_max_ms)
}

fn run(shared: &Shared, ledger_path: &std::path::Path, hq: &HqSettings) {
    let mut failures: u32 = 0;
    loop {
        let (status, ok) = round(ledger_path, hq);
        failures = if ok { 0 } else { failures.saturating_add(1) };
        if let Ok(mut current) = shared.status.lock() {
            *current = status;
        }
        let delay = Duration::from_millis(next_delay_ms(hq, failures));
        let Ok(mut signal) = shared.signal.lock() else { return };
        if !signal.stop && !signal.nudged {
            signal = match shared.wake.wait_timeout(signal, delay) {
                Ok((signal, _)) => signal,
                Err(_) => return,
            };
        }
        if signal.stop {
            return;
        }
        signal.nudged = false;
    }
}

/// One sync round on a fresh ledger handle; returns the status to show and whether it succeeded.
fn round(ledger_path: &std::path::Path, hq: &HqSettings) -> (SyncStatus, bool) {
    let mut ledger = match Ledger::open(ledger_path) {
        Ok(ledger) => ledger,
        Err(error) => {
            let mut status = SyncStatus::unknown("offline");
            status.last_error = Some(error.to_string());
            return (status, false);
        }
    };
    let result = sync_once(&mut ledger, hq);
    let ok = result.is_ok();
    let mut status = local_status(&ledger, true).unwrap_or_else(|e| {
        let mut status = SyncStatus::unknown("offline");
        status.last_error = Some(e.to_string());
        status
    });
    match result {
        Ok(_) => status.mode = "connected".into(),
        Err(error) => {
            // Unreachable, refused or rejected: the counter keeps working locally either way; last_error says which.
            status.mode = "offline".into();
            status.last_error = Some(error.to_string());
        }
    }
    (status, ok)
}
