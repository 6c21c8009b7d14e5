//! Input-only device workers (scanner, counter): a bounded read loop with offline detection and reconnect.

use crate::config::Timeouts;
use crate::device::{DeviceError, DeviceEvent, DeviceKind, DeviceState, DeviceStatus, EventSink, SharedStatus, Worker};
use crate::reconnect::{Connect, Reconnect};
use crate::transport::TransportSpec;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// What an input device does with the bytes it receives.
pub trait InputHandler: Send + 'static {
    /// New bytes arrived at `now`.
    fn feed(&mut self, bytes: &[u8], now: Instant, events: &EventSink);
    /// Called when nothing arrived for a poll interval.
    fn idle(&mut self, now: Instant, events: &EventSink);
    /// Bytes to send back to the device after `feed`/`idle` (a counter's ACK/NAK); none by default.
    fn take_reply(&mut self) -> Vec<u8> {
        Vec::new()
    }
}

/// Handle to an input worker; dropping it stops the worker (waiting at most one step) and releases the port.
pub struct InputDevice {
    status: SharedStatus,
    worker: Worker,
}

impl InputDevice {
    /// Starts a worker reading `spec` and passing bytes to `handler`.
    pub fn start(kind: DeviceKind, spec: TransportSpec, timeouts: Timeouts, handler: impl InputHandler) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let (events, receiver) = EventSink::channel();
        let status = SharedStatus::default();
        let mut worker = ReadLoop { kind, line: Reconnect::new(spec, kind, &timeouts), timeouts, events, status: status.clone() };
        let mut handler = handler;
        let worker = Worker::spawn(kind.name(), timeouts.stop_wait(), move |stop| worker.run(stop, &mut handler))?;
        Ok((Self { status, worker }, receiver))
    }

    /// Latest known status.
    pub fn status(&self) -> DeviceStatus {
        self.status.get()
    }

    /// The status once the line has been opened or has failed (at most `timeout`); unread after that.
    pub fn wait_read(&self, timeout: Duration) -> DeviceStatus {
        self.status.wait_read(timeout)
    }
}

impl Drop for InputDevice {
    fn drop(&mut self) {
        self.worker.stop();
    }
}

struct ReadLoop {
    kind: DeviceKind,
    line: Reconnect,
    timeouts: Timeouts,
    events: EventSink,
    status: SharedStatus,
}

impl ReadLoop {
    fn run(&mut self, stop: &AtomicBool, handler: &mut dyn InputHandler) {
        let poll = Duration::from_millis(self.timeouts.poll_interval_ms.clamp(10, 1000));
        let mut buf = [0u8; 512];
        while !stop.load(Ordering::Relaxed) {
            if !self.connect() {
                std::thread::sleep(poll.min(Duration::from_millis(50)));
                continue;
            }
            let read = self.line.link.as_mut().map(|link| link.read_timeout(&mut buf, poll));
            match read {
                Some(Ok(0)) | None => handler.idle(Instant::now(), &self.events),
                Some(Ok(n)) => handler.feed(&buf[..n], Instant::now(), &self.events),
                Some(Err(err)) => self.lost(err.to_string()),
            }
            let reply = handler.take_reply();
            if !reply.is_empty() {
                let written = self.line.link.as_mut().map(|link| link.write_all(&reply));
                if let Some(Err(err)) = written {
                    self.lost(err.to_string());
                }
            }
        }
        self.status.update(|s| s.state = DeviceState::Closed);
    }

    fn connect(&mut self) -> bool {
        match self.line.connect() {
            Connect::Ready => true,
            Connect::Waiting => false,
            Connect::Opened => {
                self.line.succeeded();
                self.status.record_reading(|s| {
                    s.online = true;
                    s.state = DeviceState::Idle;
                    s.last_error = None;
                });
                self.events.send(DeviceEvent::Online { device: self.kind });
                true
            }
            Connect::Failed(reason) => {
                self.lost(reason);
                false
            }
        }
    }

    fn lost(&mut self, reason: String) {
        self.line.lost(&self.status, &self.events, reason);
    }
}
