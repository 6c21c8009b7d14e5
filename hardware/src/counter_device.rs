//! The money counter worker: collects a report from the serial line, emits it only when it adds up, and answers
//! ACK/NAK when the counter's profile asks for a handshake.

use crate::config::ResolvedDevice;
use crate::counter::{blank, line_ends, only_ignorable, parse_report, report_end, strip_escpos, AckAfter, CounterTemplate};
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
    /// Line handshake: bytes of `buffer` whose lines have been answered.
    answered: usize,
    /// ACK/NAK bytes waiting to go to the counter.
    reply: Vec<u8>,
    /// The buffer holds what came after a judged report in the same burst (footer lines, feeds).
    after_report: bool,
}

impl ReportAssembler {
    /// An assembler for one template; `report_idle_ms` ends a report that stopped early.
    pub fn new(template: CounterTemplate, report_idle_ms: u64) -> Self {
        Self { template, buffer: Vec::new(), last_byte_at: None, idle: Duration::from_millis(report_idle_ms), answered: 0, reply: Vec::new(), after_report: false }
    }

    fn answer(&mut self, after: AckAfter, ok: bool) {
        let handshake = &self.template.handshake;
        if handshake.after == after {
            self.reply.extend_from_slice(if ok { &handshake.ack } else { &handshake.nak });
        }
    }

    /// Line handshake: ACK each newly completed line that holds only allowed bytes, NAK one that does not.
    fn answer_lines(&mut self) {
        if self.template.handshake.after != AckAfter::Line {
            return;
        }
        let mut start = self.answered;
        let ends: Vec<usize> = line_ends(&self.buffer[self.answered..]).into_iter().map(|e| e + self.answered).collect();
        for end in ends {
            let ok = strip_escpos(&self.buffer[start..end], &self.template).is_ok();
            self.answer(AckAfter::Line, ok);
            start = end;
        }
        self.answered = start;
    }

    /// Judges the first `end` bytes as one report; the rest stays for the next one.
    fn judge(&mut self, end: usize) -> DeviceEvent {
        let bytes: Vec<u8> = self.buffer.drain(..end.min(self.buffer.len())).collect();
        self.answered = self.answered.saturating_sub(bytes.len());
        let result = parse_report(&bytes, &self.template);
        self.answer(AckAfter::Report, result.is_ok());
        match result {
            Ok(report) => DeviceEvent::CounterReport(report),
            Err(err) => DeviceEvent::InputRejected { device: DeviceKind::Counter, reason: err.to_string() },
        }
    }

    /// Feeds bytes; returns an event when a report is complete (accepted or rejected).
    pub fn feed(&mut self, bytes: &[u8], now: Instant) -> Option<DeviceEvent> {
        self.last_byte_at = Some(now);
        if self.buffer.is_empty() {
            self.after_report = false;
        }
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() > self.template.max_report_bytes {
            let length = self.buffer.len();
            self.buffer.clear();
            self.answered = 0;
            self.answer(AckAfter::Line, false);
            self.answer(AckAfter::Report, false);
            return Some(DeviceEvent::InputRejected { device: DeviceKind::Counter, reason: format!("counter report: more than {} bytes ({length})", self.template.max_report_bytes) });
        }
        self.answer_lines();
        let event = report_end(&self.buffer, &self.template).map(|end| self.judge(end));
        if event.is_some() && !self.buffer.is_empty() {
            self.after_report = true;
        }
        event
    }

    /// After a quiet time, a partial report is judged (and rejected as truncated); blank lines and ESC/POS feeds,
    /// and ignored footer lines sent right after a report, are dropped without a word.
    pub fn idle(&mut self, now: Instant) -> Option<DeviceEvent> {
        let quiet = self.last_byte_at.is_some_and(|at| now.duration_since(at) >= self.idle);
        if !quiet || self.buffer.is_empty() {
            return None;
        }
        self.last_byte_at = None;
        if self.buffer.ends_with(b"\r") {
            // A CR-only counter's last line: the quiet time says no LF is coming.
            self.buffer.push(b'\n');
            self.answer_lines();
            if let Some(end) = report_end(&self.buffer, &self.template) {
                return Some(self.judge(end));
            }
        }
        if blank(&self.buffer, &self.template) || (self.after_report && only_ignorable(&self.buffer, &self.template)) {
            self.buffer.clear();
            self.answered = 0;
            return None;
        }
        let end = self.buffer.len();
        Some(self.judge(end))
    }

    /// Takes the ACK/NAK bytes to send to the counter now.
    pub fn take_reply(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.reply)
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

    fn take_reply(&mut self) -> Vec<u8> {
        ReportAssembler::take_reply(self)
    }
}

/// Handle to the counter worker; reports arrive as `DeviceEvent::CounterReport`.
pub struct Counter {
    device: InputDevice,
}

impl Counter {
    /// Starts reading the counter's line (the profile's patterns were checked when it was loaded).
    pub fn open(resolved: &ResolvedDevice) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let template = resolved.profile.counter.clone().ok_or(DeviceError::Unsupported { device: "counter", what: "reports", profile: resolved.profile.name.clone() })?;
        template.validate().map_err(|problem| DeviceError::Failed { device: "counter", problem: format!("profile {}: {problem}", resolved.profile.name) })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counter::{render_report, Handshake};

    fn template(after: AckAfter) -> CounterTemplate {
        let template = crate::profile::Profile::load("bill-counter").unwrap().counter.unwrap();
        CounterTemplate { handshake: Handshake { after, ..Handshake::default() }, ..template }
    }

    // With a per-line handshake every complete line is answered as it arrives (ACK), a line with a byte the
    // profile does not allow gets a NAK, and a report split across reads is still judged once, when its total
    // line ends.
    #[test]
    fn line_handshake_answers_each_line() {
        let mut assembler = ReportAssembler::new(template(AckAfter::Line), 1000);
        let now = Instant::now();
        assert_eq!(assembler.feed(b"$20 5 100.00\r\nTOTAL P", now), None);
        assert_eq!(assembler.take_reply(), vec![0x06]);
        assert_eq!(assembler.feed(b"CS: 5\r\n\x7fnoise\r\n", now), None);
        assert_eq!(assembler.take_reply(), vec![0x06, 0x15]);
        assert!(matches!(assembler.feed(b"TOTAL AMT: 100.00\r\n", now), Some(DeviceEvent::InputRejected { .. })));
        assert_eq!(assembler.take_reply(), vec![0x06], "the line itself was readable");
    }

    // With a per-report handshake the counter gets one ACK for an accepted report, and nothing until then.
    #[test]
    fn report_handshake_acks_once() {
        let mut assembler = ReportAssembler::new(template(AckAfter::Report), 1000);
        let now = Instant::now();
        let bytes = render_report(&[(2000, 5)], "T");
        let (first, rest) = bytes.split_at(bytes.len() / 2);
        assert_eq!(assembler.feed(first, now), None);
        assert!(assembler.take_reply().is_empty());
        assert!(matches!(assembler.feed(rest, now), Some(DeviceEvent::CounterReport(_))));
        assert_eq!(assembler.take_reply(), vec![0x06]);
        let plain = ReportAssembler::new(template(AckAfter::None), 1000).take_reply();
        assert!(plain.is_empty());
    }

    // A counter that ends lines with CR alone: its last line is ended by the quiet time, so the report is read;
    // feed bytes after a report are dropped quietly, but a report that stopped in its header is refused as truncated.
    #[test]
    fn cr_only_lines_and_leftovers() {
        let mut assembler = ReportAssembler::new(template(AckAfter::None), 100);
        let start = Instant::now();
        assert_eq!(assembler.feed(b"$20 5 100.00\rTOTAL PCS: 5\rTOTAL AMT: 100.00\r", start), None);
        assert!(matches!(assembler.idle(start + Duration::from_millis(150)), Some(DeviceEvent::CounterReport(_))));
        assert!(matches!(assembler.feed(&render_report(&[(100, 1)], "T"), start), Some(DeviceEvent::CounterReport(_))));
        assert_eq!(assembler.idle(start + Duration::from_millis(150)), None, "the trailing ESC d 3 is no report");
        assert_eq!(assembler.feed(b"DENOM   PCS   AMOUNT\r\n$20", start), None);
        assert!(matches!(assembler.idle(start + Duration::from_millis(150)), Some(DeviceEvent::InputRejected { reason, .. }) if reason.contains("truncated")));
    }
}
