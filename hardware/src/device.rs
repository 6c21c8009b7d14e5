//! The device model shared by all workers (after UnifiedPOS): kinds, states, events, and the event sink.

use crate::counter::CounterReport;
use crate::micr::Micr;
use crate::status::PaperState;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

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
    /// The customer-facing pole display.
    Display,
}

impl DeviceKind {
    /// Lower-case name ("printer", ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Printer => "printer",
            Self::Drawer => "drawer",
            Self::Scanner => "scanner",
            Self::Counter => "counter",
            Self::Display => "display",
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

static NEXT_JOB: AtomicU64 = AtomicU64::new(1);

/// A job id no other job of this program has (printer and serial drawer jobs share one event feed).
pub fn next_job_id() -> JobId {
    NEXT_JOB.fetch_add(1, Ordering::Relaxed)
}

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
    State {
        device: DeviceKind,
        state: DeviceState,
    },
    Online {
        device: DeviceKind,
    },
    Offline {
        device: DeviceKind,
        reason: String,
    },
    Data(ScanData),
    CounterReport(CounterReport),
    /// A line or report from a device that was rejected; the reader keeps going.
    InputRejected {
        device: DeviceKind,
        reason: String,
    },
    JobCompleted {
        device: DeviceKind,
        job: JobId,
    },
    JobFailed {
        device: DeviceKind,
        job: JobId,
        reason: String,
    },
    Paper(PaperState),
    Cover {
        open: bool,
    },
    Drawer {
        open: bool,
    },
    DrawerLeftOpen {
        open_for_ms: u64,
    },
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
///
/// `read` is false until the worker has really tried the device once (a status reply, an opened line,
/// or a failure with its reason): until then the other fields are defaults, not a reading.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DeviceStatus {
    pub read: bool,
    pub state: DeviceState,
    pub online: bool,
    pub paper: PaperState,
    pub cover_open: bool,
    pub drawer_open: Option<bool>,
    pub last_error: Option<String>,
    /// Set when the device cannot report its status (a write-only or silent link): why, in plain words.
    /// Paper, cover and drawer are then not readings, and the status is "unknown", never "ok".
    pub unknown: Option<String>,
}

/// Shared, lock-poison-tolerant holder of a [`DeviceStatus`]; readers may wait (bounded) for the first reading.
#[derive(Debug, Clone, Default)]
pub struct SharedStatus(Arc<(Mutex<DeviceStatus>, Condvar)>);

impl SharedStatus {
    /// A copy of the current status.
    pub fn get(&self) -> DeviceStatus {
        self.0 .0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Changes the status in place (not a reading: `read` stays as it was).
    pub fn update(&self, change: impl FnOnce(&mut DeviceStatus)) {
        change(&mut self.0 .0.lock().unwrap_or_else(PoisonError::into_inner));
        self.0 .1.notify_all();
    }

    /// Records what the device just answered (or how it failed): from now on the status is a reading.
    pub fn record_reading(&self, change: impl FnOnce(&mut DeviceStatus)) {
        self.update(|s| {
            change(s);
            s.read = true;
        });
    }

    /// The status once the device has been read, or — after `timeout` without a reading — the unread status.
    pub fn wait_read(&self, timeout: Duration) -> DeviceStatus {
        let deadline = Instant::now() + timeout;
        let mut status = self.0 .0.lock().unwrap_or_else(PoisonError::into_inner);
        while !status.read {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
            status = self.0 .1.wait_timeout(status, left).unwrap_or_else(PoisonError::into_inner).0;
        }
        status.clone()
    }

    /// Records that the device's link was lost and, on the online → offline edge only, tells the app.
    pub fn mark_offline(&self, events: &EventSink, device: DeviceKind, reason: String) {
        let was_online = self.get().online;
        self.record_reading(|s| {
            s.online = false;
            s.state = DeviceState::Error;
            s.last_error = Some(reason.clone());
        });
        if was_online {
            events.send(DeviceEvent::Offline { device, reason });
        }
    }
}

/// A device's worker thread, stopped by a flag rather than by its channels closing (a drawer kicker or any
/// other clone of a sender must not keep it alive), and waited for only so long.
#[derive(Debug)]
pub struct Worker {
    stop: Arc<AtomicBool>,
    done: Receiver<()>,
    handle: Option<JoinHandle<()>>,
    /// Longest wait for the thread to finish its current step after being told to stop.
    stop_wait: Duration,
}

impl Worker {
    /// Starts `body` on a named thread; `body` must return soon after its flag reads true.
    pub fn spawn(name: &str, stop_wait: Duration, body: impl FnOnce(&AtomicBool) + Send + 'static) -> Result<Self, DeviceError> {
        let stop = Arc::new(AtomicBool::new(false));
        let (done_tx, done) = std::sync::mpsc::sync_channel(1);
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name(format!("citytill-{name}"))
            .spawn(move || {
                body(&flag);
                let _ = done_tx.send(());
            })
            .map_err(|e| DeviceError::Failed { device: "worker", problem: format!("{name}: {e}") })?;
        Ok(Self { stop, done, handle: Some(handle), stop_wait })
    }

    /// Tells the thread to stop and waits at most `stop_wait` for it; a thread still busy after that is
    /// left to finish its (bounded) step on its own and releases its port when it does.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let Some(handle) = self.handle.take() else { return };
        match self.done.recv_timeout(self.stop_wait) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                let _ = handle.join();
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// How often a worker waiting for commands looks at its stop flag.
pub const STOP_CHECK: Duration = Duration::from_millis(50);

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

    // A status reader waits for the first reading (and no longer), and an unread status says so.
    #[test]
    fn wait_read_returns_the_reading_or_unread_after_the_bound() {
        let status = SharedStatus::default();
        let started = Instant::now();
        let unread = status.wait_read(Duration::from_millis(50));
        assert!(!unread.read && started.elapsed() >= Duration::from_millis(50));
        let writer = status.clone();
        let reader = std::thread::spawn(move || status.wait_read(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(30));
        writer.update(|s| s.state = DeviceState::Busy);
        writer.record_reading(|s| {
            s.online = true;
            s.state = DeviceState::Idle;
        });
        let read = reader.join().unwrap();
        assert!(read.read && read.online, "{read:?}");
        assert_eq!(read.state, DeviceState::Idle);
    }

    // Stopping a worker that is stuck in a long step returns after its stop wait instead of joining forever.
    #[test]
    fn stopping_a_busy_worker_is_bounded() {
        let mut quick = Worker::spawn("test-quick", Duration::from_secs(5), |stop| {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(5));
            }
        })
        .unwrap();
        let started = Instant::now();
        quick.stop();
        assert!(started.elapsed() < Duration::from_secs(1));
        let mut stuck = Worker::spawn("test-stuck", Duration::from_millis(100), |_| std::thread::sleep(Duration::from_secs(3))).unwrap();
        let started = Instant::now();
        stuck.stop();
        assert!(started.elapsed() < Duration::from_secs(1), "waited {:?}", started.elapsed());
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
