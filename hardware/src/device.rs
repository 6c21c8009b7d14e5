//! The device model shared by all workers (after UnifiedPOS): kinds, states, events, and the event sink.

use crate::counter::CounterReport;
use crate::micr::Micr;
use crate::status::PaperState;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};

/// Most events waiting for the window; beyond that new events are counted and dropped, never blocking a device.
pub const EVENT_QUEUE_LEN: usize = 1024;
/// Most commands waiting for a worker.
pub const COMMAND_QUEUE_LEN: usize = 64;

/// Which peripheral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    Printer,
    Drawer,
    Scanner,
    Counter,
}

impl DeviceKind {
    /// Lower-case name ("printer", ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Printer => "printer",
            Self::Drawer => "drawer",
            Self::Scanner => "scanner",
            Self::Counter => "counter",
        }
    }
}

/// Device state machine (UnifiedPOS): closed → idle ⇄ busy, error when the device fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceState {
    #[default]
    Closed,
    Idle,
    Busy,
    Error,
}

/// Identifies one output job (print, kick, endorsement) in completion events.
pub type JobId = u64;

/// What a scanner read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanData {
    /// A check MICR line that parsed.
    Micr(Micr),
    /// A digit line (remittance stub scanline); the app parses it with its template.
    Stub(String),
    /// A line that is neither (kept so the window can show it).
    Unknown(String),
}

/// Everything a device tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    State { device: DeviceKind, state: DeviceState },
    Online { device: DeviceKind },
    Offline { device: DeviceKind, reason: String },
    Data(ScanData),
    CounterReport(CounterReport),
    /// A line or report from a device that was rejected; the reader keeps going.
    InputRejected { device: DeviceKind, reason: String },
    JobCompleted { device: DeviceKind, job: JobId },
    JobFailed { device: DeviceKind, job: JobId, reason: String },
    Paper(PaperState),
    Cover { open: bool },
    Drawer { open: bool },
    DrawerLeftOpen { open_for_ms: u64 },
}

/// The sending side of a device's event channel: never blocks, counts what it had to drop.
#[derive(Debug, Clone)]
pub struct EventSink {
    sender: SyncSender<DeviceEvent>,
    dropped: Arc<AtomicU64>,
}

impl EventSink {
    /// A sink and its receiver, bounded at [`EVENT_QUEUE_LEN`].
    pub fn channel() -> (Self, Receiver<DeviceEvent>) {
        let (sender, receiver) = std::sync::mpsc::sync_channel(EVENT_QUEUE_LEN);
        (Self { sender, dropped: Arc::new(AtomicU64::new(0)) }, receiver)
    }

    /// Sends an event; if nobody reads and the queue is full, the event is dropped and counted.
    pub fn send(&self, event: DeviceEvent) {
        match self.sender.try_send(event) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// A device's latest known status, readable from any thread.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DeviceStatus {
    pub state: DeviceState,
    pub online: bool,
    pub paper: PaperState,
    pub cover_open: bool,
    pub drawer_open: Option<bool>,
    pub last_error: Option<String>,
}

/// Shared, lock-poison-tolerant holder of a [`DeviceStatus`].
#[derive(Debug, Clone, Default)]
pub struct SharedStatus(Arc<Mutex<DeviceStatus>>);

impl SharedStatus {
    /// A copy of the current status.
    pub fn get(&self) -> DeviceStatus {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Changes the status in place.
    pub fn update(&self, change: impl FnOnce(&mut DeviceStatus)) {
        change(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Records that the device's link was lost and, on the online → offline edge only, tells the app.
    pub fn mark_offline(&self, events: &EventSink, device: DeviceKind, reason: String) {
        let was_online = self.get().online;
        self.update(|s| {
            s.online = false;
            s.state = DeviceState::Error;
            s.last_error = Some(reason.clone());
        });
        if was_online {
            events.send(DeviceEvent::Offline { device, reason });
        }
    }
}

/// Doubling reconnect delay between `initial_ms` and `max_ms`.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    initial_ms: u64,
    max_ms: u64,
    next_ms: u64,
}

impl Backoff {
    /// A backoff starting at `initial_ms`, capped at `max_ms`.
    pub fn new(initial_ms: u64, max_ms: u64) -> Self {
        Self { initial_ms: initial_ms.max(1), max_ms: max_ms.max(initial_ms.max(1)), next_ms: initial_ms.max(1) }
    }

    /// The delay to wait now; the following one doubles.
    pub fn next_delay_ms(&mut self) -> u64 {
        let delay = self.next_ms;
        self.next_ms = (self.next_ms.saturating_mul(2)).min(self.max_ms);
        delay
    }

    /// Back to the initial delay after a success.
    pub fn reset(&mut self) {
        self.next_ms = self.initial_ms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Backoff doubles up to its cap and starts over after a reset.
    #[test]
    fn backoff_doubles_and_caps() {
        let mut backoff = Backoff::new(100, 350);
        let delays: Vec<u64> = (0..4).map(|_| backoff.next_delay_ms()).collect();
        assert_eq!(delays, vec![100, 200, 350, 350]);
        backoff.reset();
        assert_eq!(backoff.next_delay_ms(), 100);
    }

    // A full event queue drops and counts instead of blocking the device worker.
    #[test]
    fn full_queue_counts_drops() {
        let (sink, _receiver) = EventSink::channel();
        for _ in 0..EVENT_QUEUE_LEN + 3 {
            sink.send(DeviceEvent::Cover { open: true });
        }
        assert_eq!(sink.dropped(), 3);
    }
}

/// Why a command could not be given to a device.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Encode(#[from] crate::encode::EncodeError),
    #[error(transparent)]
    Command(#[from] crate::escpos_bytes::CommandError),
    #[error(transparent)]
    Transport(#[from] crate::transport::TransportError),
    #[error("{device}: command queue full ({max} waiting)")]
    QueueFull { device: &'static str, max: usize },
    #[error("{device}: worker stopped")]
    Stopped { device: &'static str },
    #[error("{device}: {what} is not supported by profile {profile}")]
    Unsupported { device: &'static str, what: &'static str, profile: String },
    #[error("{device}: {problem}")]
    Failed { device: &'static str, problem: String },
}

/// Queues a command on a bounded worker channel with clear errors.
pub(crate) fn enqueue<T>(sender: &SyncSender<T>, command: T, device: DeviceKind) -> Result<(), DeviceError> {
    sender.try_send(command).map_err(|e| match e {
        TrySendError::Full(_) => DeviceError::QueueFull { device: device.name(), max: COMMAND_QUEUE_LEN },
        TrySendError::Disconnected(_) => DeviceError::Stopped { device: device.name() },
    })
}
