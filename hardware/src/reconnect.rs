//! Reconnect with bounded backoff: the one way every device worker (printer, drawer, scanner/counter,
//! display) keeps its link — open when the wait is over, and on a loss drop the link, go offline and wait
//! twice as long next time, up to `reconnect_max_ms`.

use crate::config::Timeouts;
use crate::device::{Backoff, DeviceKind, EventSink, SharedStatus};
use crate::transport::{self, Link, OpenTimeouts, TransportSpec};
use std::time::{Duration, Instant};

/// What `Reconnect::connect` found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connect {
    /// The link was already up.
    Ready,
    /// A new link was just opened: the worker sets it up (initialise, power the solenoid, go online).
    Opened,
    /// No link, and the wait after the last failure is not over.
    Waiting,
    /// Opening failed with this reason; the worker reports it as a loss (`lost`).
    Failed(String),
}

/// A device's link and when to try it again.
pub struct Reconnect {
    /// The open link, if any (the worker reads and writes through it).
    pub link: Option<Box<dyn Link>>,
    spec: TransportSpec,
    kind: DeviceKind,
    open_timeout: OpenTimeouts,
    backoff: Backoff,
    next_attempt: Instant,
}

impl Reconnect {
    /// No link yet; the first `connect` tries at once.
    pub fn new(spec: TransportSpec, kind: DeviceKind, timeouts: &Timeouts) -> Self {
        let backoff = Backoff::new(timeouts.reconnect_initial_ms, timeouts.reconnect_max_ms);
        Self { link: None, spec, kind, open_timeout: timeouts.open(), backoff, next_attempt: Instant::now() }
    }

    /// Opens the link if there is none and the wait is over (every open is bounded by the open timeout).
    pub fn connect(&mut self) -> Connect {
        if self.link.is_some() {
            return Connect::Ready;
        }
        if Instant::now() < self.next_attempt {
            return Connect::Waiting;
        }
        match transport::open(&self.spec, self.kind.name(), self.open_timeout) {
            Ok(link) => {
                self.link = Some(link);
                Connect::Opened
            }
            Err(err) => Connect::Failed(err.to_string()),
        }
    }

    /// The link failed (or would not open): drop it, wait the next backoff delay before trying again, and
    /// mark the device offline with `reason`.
    pub fn lost(&mut self, status: &SharedStatus, events: &EventSink, reason: String) {
        self.link = None;
        self.next_attempt = Instant::now() + Duration::from_millis(self.backoff.next_delay_ms());
        status.mark_offline(events, self.kind, reason);
    }

    /// The device answered: the next loss waits the initial delay again.
    pub fn succeeded(&mut self) {
        self.backoff.reset();
    }

    /// Try at the next `connect` instead of waiting out the delay (someone is asking for the device now).
    pub fn retry_now(&mut self) {
        self.next_attempt = self.next_attempt.min(Instant::now());
    }

    /// True when there is no link and the wait is over.
    pub fn due(&self) -> bool {
        self.link.is_none() && Instant::now() >= self.next_attempt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::DeviceState;

    fn timeouts(initial_ms: u64, max_ms: u64) -> Timeouts {
        Timeouts { reconnect_initial_ms: initial_ms, reconnect_max_ms: max_ms, ..Timeouts::default() }
    }

    // Proves a link that will not open is retried only after the backoff delay, the delays double up to the
    // cap, the device is marked offline with the reason, and a success starts the delays over.
    #[test]
    fn waits_doubling_delays_then_starts_over_after_a_success() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lp0");
        let spec = TransportSpec::File { path: path.display().to_string() };
        let (events, _receiver) = EventSink::channel();
        let status = SharedStatus::default();
        // Delays of seconds, read from when the next attempt is due (not waited out), so a loaded machine
        // cannot blur 10 into 20: the slack between `before` and `lost` would have to reach a whole second.
        let mut line = Reconnect::new(spec, DeviceKind::Printer, &timeouts(10_000, 20_000));
        let delay_after_loss = |line: &mut Reconnect, reason: String| {
            let before = Instant::now();
            line.lost(&status, &events, reason);
            line.next_attempt.saturating_duration_since(before).as_secs()
        };
        let mut delays = Vec::new();
        for attempt in 0..3 {
            if attempt > 0 {
                line.retry_now();
            }
            let Connect::Failed(reason) = line.connect() else { panic!("a missing device node opened") };
            delays.push(delay_after_loss(&mut line, reason));
            assert_eq!(line.connect(), Connect::Waiting, "tried again before the delay");
        }
        // 10 s, 20 s, then 20 s again (the cap), not 40.
        assert_eq!(delays, [10, 20, 20]);
        let offline = status.get();
        assert!(!offline.online && offline.last_error.is_some(), "{offline:?}");
        std::fs::write(&path, b"").unwrap();
        line.retry_now();
        assert_eq!(line.connect(), Connect::Opened);
        assert_eq!(line.connect(), Connect::Ready);
        line.succeeded();
        assert_eq!(delay_after_loss(&mut line, "unplugged".into()), 10, "the delay started over at the initial wait");
        assert_ne!(status.get().state, DeviceState::Busy);
    }

    // Proves `retry_now` lets the next connect try at once instead of waiting out a long delay.
    #[test]
    fn retry_now_skips_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let spec = TransportSpec::File { path: dir.path().join("missing").display().to_string() };
        let (events, _receiver) = EventSink::channel();
        let mut line = Reconnect::new(spec, DeviceKind::Display, &timeouts(60_000, 60_000));
        line.lost(&SharedStatus::default(), &events, "gone".into());
        assert_eq!(line.connect(), Connect::Waiting);
        line.retry_now();
        assert!(matches!(line.connect(), Connect::Failed(_)));
    }
}
