//! The remittance scanner: serial lines → MICR check data, stub scanlines, or rejections.

use crate::config::ResolvedDevice;
use crate::device::{DeviceError, DeviceEvent, DeviceKind, DeviceStatus, EventSink, ScanData};
use crate::linereader::{LineOutcome, LineReader};
use crate::micr::{self, Format};
use crate::reader::{InputDevice, InputHandler};
use std::sync::mpsc::Receiver;
use std::time::Instant;

/// What one scanned line is (pure): a MICR line that parses, a digit scanline, other text, or an error.
pub fn classify(line: &str, format: Option<Format>) -> Result<ScanData, String> {
    let trimmed = line.trim();
    if micr::looks_like_micr(trimmed, format) {
        return micr::parse(trimmed, format).map(ScanData::Micr).map_err(|e| e.to_string());
    }
    let digits_only = !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit() || c == ' ');
    if digits_only {
        return Ok(ScanData::Stub(trimmed.to_string()));
    }
    Ok(ScanData::Unknown(trimmed.to_string()))
}

struct ScanHandler {
    lines: LineReader,
    format: Option<Format>,
}

impl InputHandler for ScanHandler {
    fn feed(&mut self, bytes: &[u8], _now: Instant, events: &EventSink) {
        for outcome in self.lines.feed(bytes) {
            let event = match outcome {
                LineOutcome::Line(line) => match classify(&line, self.format) {
                    Ok(data) => DeviceEvent::Data(data),
                    Err(reason) => DeviceEvent::InputRejected { device: DeviceKind::Scanner, reason },
                },
                LineOutcome::TooLong { length } => DeviceEvent::InputRejected { device: DeviceKind::Scanner, reason: format!("scanner line: {length} bytes, longer than the limit") },
                LineOutcome::NotText { byte } => DeviceEvent::InputRejected { device: DeviceKind::Scanner, reason: format!("scanner line: byte {byte:#04x} is not text") },
            };
            events.send(event);
        }
    }

    fn idle(&mut self, _now: Instant, _events: &EventSink) {}
}

/// Handle to the scanner worker; events carry `DeviceEvent::Data(ScanData::..)`.
pub struct Scanner {
    device: InputDevice,
}

impl Scanner {
    /// Starts reading the scanner's line.
    pub fn open(resolved: &ResolvedDevice) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let profile = resolved.profile.scanner.clone().ok_or(DeviceError::Unsupported { device: "scanner", what: "scanning", profile: resolved.profile.name.clone() })?;
        let format = profile.micr_format.as_deref().map(Format::from_code).transpose().map_err(|e| DeviceError::Failed { device: "scanner", problem: e.to_string() })?;
        let handler = ScanHandler { lines: LineReader::new(profile.max_line_bytes), format };
        let (device, events) = InputDevice::start(DeviceKind::Scanner, resolved.transport.clone(), resolved.entry.timeouts, handler)?;
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

    // MICR lines become Micr, digit lines Stub, text Unknown, and bad MICR an error with the reason.
    #[test]
    fn classifies() {
        assert!(matches!(classify("T021000021T 1234567890U 0123", None), Ok(ScanData::Micr(_))));
        assert_eq!(classify("0034 5678", None), Ok(ScanData::Stub("0034 5678".into())));
        assert_eq!(classify("hello", None), Ok(ScanData::Unknown("hello".into())));
        assert_eq!(classify("T112000025T 1234U", None), Err("routing number 112000025: checksum fails".into()));
    }

    // Lines from readers set to MagTek's parsed format or to the Honeywell / Axiohm symbol sets are taken as MICR
    // lines (not unknown text), so they fill the check's fields.
    #[test]
    fn classifies_other_formats() {
        for line in ["PTTR122000218;AC999-222-3;CK11045", "A122000218A 123456789C 1321", ")122000218) 123456789( 1321"] {
            assert!(matches!(classify(line, None), Ok(ScanData::Micr(_))), "{line}: {:?}", classify(line, None));
        }
        let honeywell = Some(Format::Honeywell);
        assert!(matches!(classify("A122000218A 123456789C 1321", honeywell), Ok(ScanData::Micr(_))));
    }
}
