//! The bill counter worker: collects a report from the serial line and emits it only when it adds up.

use crate::config::ResolvedDevice;
use crate::counter::{parse_report, CounterTemplate};
use crate::device::{DeviceError, DeviceEvent, DeviceKind, DeviceStatus, EventSink};
use crate::reader::{InputDevice, InputHandler};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Collects bytes until the total-amount line ends, or judges what it has after a quiet time.
pub struct ReportAssembler {
    template: CounterTemplate,
    buffer: Vec<u8>,
    last_byte_at: Option<Instant>,
    idle: Duration,
}

impl ReportAssembler {
    /// An assembler for one template; `report_idle_ms` ends a report that stopped early.
    pub fn new(template: CounterTemplate, report_idle_ms: u64) -> Self {
        Self { template, buffer: Vec::new(), last_byte_at: None, idle: Duration::from_millis(report_idle_ms) }
    }

    fn total_line_done(&self) -> bool {
        let text = String::from_utf8_lossy(&self.buffer);
        let Some(position) = text.rfind(self.template.total_amount_prefix.as_str()) else { return false };
        text[position..].contains('\n')
    }

    fn judge(&mut self) -> DeviceEvent {
        let bytes = std::mem::take(&mut self.buffer);
        self.last_byte_at = None;
        match parse_report(&bytes, &self.template) {
            Ok(report) => DeviceEvent::CounterReport(report),
            Err(err) => DeviceEvent::InputRejected { device: DeviceKind::Counter, reason: err.to_string() },
        }
    }

    /// Feeds bytes; returns an event when a report is complete (accepted or rejected).
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Option<DeviceEvent> {
        self.last_byte_at = Some(now);
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() > self.template.max_report_bytes {
            let length = self.buffer.len();
            self.buffer.clear();
            return Some(DeviceEvent::InputRejected { device: DeviceKind::Counter, reason: format!("counter report: more than {} bytes ({length})", self.template.max_report_bytes) });
        }
        self.total_line_done().then(|| self.judge())
    }

    /// After a quiet time, a partial report is judged (and rejected as truncated).
    pub fn idle(&mut self, now: Instant) -> Option<DeviceEvent> {
        let quiet = self.last_byte_at.is_some_and(|at| now.duration_since(at) >= self.idle);
        (quiet && !self.buffer.is_empty()).then(|| self.judge())
    }
}

impl InputHandler for ReportAssembler {
    fn feed(&mut self, bytes: &[u8], now: Instant, events: &EventSink) {
        if let Some(event) = ReportAssembler::feed(self, bytes, now) {
            events.send(event);
        }
    }

    fn idle(&mut self, now: Instant, events: &EventSink) {
        if let Some(event) = ReportAssembler::idle(self, now) {
            events.send(event);
        }
    }
}

/// Handle to the counter worker; reports arrive as `DeviceEvent::CounterReport`.
pub struct Counter {
    device: InputDevice,
}

impl Counter {
    /// Starts reading the counter's line.
    pub fn open(resolved: &ResolvedDevice) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let template = resolved.profile.counter.clone().ok_or(DeviceError::Unsupported { device: "counter", what: "reports", profile: resolved.profile.name.clone() })?;
        let assembler = ReportAssembler::new(template, resolved.entry.timeouts.report_idle_ms);
        let (device, events) = InputDevice::start(DeviceKind::Counter, resolved.transport.clone(), resolved.entry.timeouts, assembler)?;
        Ok((Self { device }, events))
    }

    /// Latest known status.
    pub fn status(&self) -> DeviceStatus {
        self.device.status()
    }

    /// The status once the line has been opened or has failed (at most `timeout`).
    pub fn wait_read(&self, timeout: std::time::Duration) -> DeviceStatus {
        self.device.wait_read(timeout)
    }
}
