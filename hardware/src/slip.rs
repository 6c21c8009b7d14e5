//! Epson TM-H6000-class slip station and MICR reader, spoken on the printer's own link: slip status
//! (`DLE EOT 5`), the insertion wait (`ESC f`), reading a check's MICR line (`FS a 0`, answered
//! `5F status data… 00`), and printing on an inserted slip (endorsement, validation) with `ESC c 0 n` + FF.
//!
//! Taken from Epson's ESC/POS specifications of its MICR/slip printers (found with the search tool):
//! - TM-H5000II Specification, `FS a 0` "Read check paper": a normal end sends "header + reading status
//!   (normal end) + data + NULL", anything else "header + reading status + NULL"; Header `<5F>H`, NUL
//!   `<00>H`. Reading status: bits 0–1 the font (00 E13B, 01 CMC7), bit 4 rereading not possible, bit 5
//!   reading not normal, bit 6 fixed on, bit 7 fixed off. Appendix E: the `FS a 0` / `FS b` header is
//!   `<01011111>B`, and status identification must wait until the NUL. On an abnormal end the printer ejects
//!   the paper. (easymanua.ls/epson/tm-h5000ii-series/manual p. 210 and 223)
//! - TM-U375 / TM-U925 Specifications, `DLE EOT 5` "slip paper status": bit 2 off = slip selected, bit 3 on =
//!   waiting for slip insertion, bits 5 and 6 on (`60H`) = no slip or validation paper at the cut-sheet
//!   sensor; bits 1 and 4 fixed on, 0 and 7 fixed off (the DLE EOT pattern `0xx1xx10`).
//! - TM-H5000II `ESC f t1 t2` "Set slip paper waiting time": wait `t1` minutes (0 = forever, so never sent)
//!   for the slip, start `t2` × 0.1 s after it is detected; when the wait runs out the printer cancels slip
//!   mode and selects the roll. `DLE ENQ 3` cancels the slip waiting state (and clears the buffers).
//! - `ESC c 0 n` selects the paper: 4 slip, 8 validation, 2 roll; FF prints and ejects the slip.
//! - TM-H5000 `FS a 2` ejects the check.
//!
//! Which letters the printer puts in the `FS a 0` data for the four E-13B symbols is in none of the Epson pages
//! found (searched again for issue 15: the TM-H5000II Specification's FS a 0 / FS ( f pages 197–206 give the
//! framing, status and detailed-information codes but no character table; Epson's "Application Development
//! Guide, MICR (EPSON TM Series)" ver. 3.00, §3.3.1, easymanua.ls/epson/tm-h2000/manual p. 15, says its OPOS
//! driver hands fields over with the UPOS "MICR Character Substitution" letters `t o a d`). So no letters are
//! assumed: the data is read like any reader's line (`micr::parse` detects the symbol set — `t o a d`, `T U $ -`,
//! `A B C D`, `) ( & '`, ⑆⑈⑇⑉), and the simulator sends the `A B C D` set.

use crate::escpos_bytes::{EJECT_SLIP, SELECT_ROLL, SELECT_SLIP};
use crate::micr::{self, Micr};
use crate::transport::{drain_input, Link, TransportError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// `DLE EOT 5`: slip paper status.
pub const SLIP_STATUS: [u8; 3] = [0x10, 0x04, 0x05];
/// `FS a 0 n` with n = 0: read the check's MICR line in the E-13B font.
pub const READ_MICR_E13B: [u8; 4] = [0x1C, 0x61, 0x30, 0x00];
/// `FS a 2`: eject the check.
pub const EJECT_CHECK: [u8; 3] = [0x1C, 0x61, 0x32];
/// `DLE ENQ 3`: cancel the slip waiting state.
pub const CANCEL_SLIP_WAIT: [u8; 3] = [0x10, 0x05, 0x03];
/// `ESC c 0 8`: the validation station.
pub const SELECT_VALIDATION: [u8; 4] = [0x1B, 0x63, 0x30, 0x08];
/// The first byte of an `FS a 0` / `FS b` answer.
pub const MICR_HEADER: u8 = 0x5F;
/// Most data characters an `FS a 0` answer carries (Epson: 67 bytes of receive space hold a whole answer).
pub const MAX_MICR_DATA: usize = 64;
/// How often the slip status is asked while waiting for a slip.
pub const SLIP_POLL: Duration = Duration::from_millis(100);

/// `ESC f t1 t2`: wait `minutes` (1..=15; 0 would wait forever) for the slip, start 1 s after it is in.
pub fn insertion_wait(wait: Duration) -> [u8; 4] {
    let minutes = u8::try_from(wait.as_secs().div_ceil(60)).unwrap_or(15).clamp(1, 15);
    [0x1B, 0x66, minutes, 10]
}

/// The slip station as `DLE EOT 5` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlipStatus {
    /// The slip (not the roll) is the selected paper.
    pub selected: bool,
    /// The printer is waiting for a slip to be inserted.
    pub waiting: bool,
    /// The cut-sheet sensor sees paper (a slip or check is in).
    pub paper: bool,
}

/// Decodes a `DLE EOT 5` reply; None when the fixed bits say it is not one.
pub fn decode_slip_status(byte: u8) -> Option<SlipStatus> {
    (byte & 0x93 == 0x12).then_some(SlipStatus { selected: byte & 0x04 == 0, waiting: byte & 0x08 != 0, paper: byte & 0x60 == 0 })
}

/// Which station a slip job prints on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Station {
    /// The slip station (a check's back: endorsement).
    Slip,
    /// The validation station (a form's validation line).
    Validation,
}

impl Station {
    fn select(self) -> [u8; 4] {
        match self {
            Station::Slip => SELECT_SLIP,
            Station::Validation => SELECT_VALIDATION,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Station::Slip => "slip",
            Station::Validation => "validation",
        }
    }
}

/// A complete `FS a 0` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MicrReply {
    /// Reading ended normally: the characters read.
    Read(String),
    /// Reading did not end normally (no MICR ink, no check, timeout): the reading status byte.
    NotRead(u8),
}

/// Parses an `FS a 0` answer from the bytes received so far: `Ok(None)` while incomplete. Bytes before the
/// header (a late real-time status reply) are skipped.
pub fn parse_micr_reply(bytes: &[u8]) -> Result<Option<MicrReply>, String> {
    let Some(start) = bytes.iter().position(|b| *b == MICR_HEADER) else { return Ok(None) };
    let Some(&status) = bytes.get(start + 1) else { return Ok(None) };
    if status & 0xC0 != 0x40 {
        return Err(format!("MICR reply: reading status {status:#04x} is not one (bit 6 must be on, bit 7 off)"));
    }
    let data = &bytes[start + 2..];
    let Some(end) = data.iter().position(|b| *b == 0) else {
        return if data.len() > MAX_MICR_DATA { Err(format!("MICR reply: no NUL within {MAX_MICR_DATA} characters")) } else { Ok(None) };
    };
    if status & 0x20 != 0 {
        return Ok(Some(MicrReply::NotRead(status)));
    }
    if end > MAX_MICR_DATA || data[..end].iter().any(|b| !(0x20..0x7F).contains(b)) {
        return Err("MICR reply: the data is not a MICR line (control bytes or too long)".into());
    }
    Ok(Some(MicrReply::Read(String::from_utf8_lossy(&data[..end]).into_owned())))
}

/// Why a slip or MICR operation failed.
#[derive(Debug)]
pub enum SlipError {
    /// The link failed: the printer is offline.
    Link(TransportError),
    /// The printer answered, but not with what was asked for, or not in time.
    Failed(String),
}

impl std::fmt::Display for SlipError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SlipError::Link(err) => write!(f, "printer offline: {err}"),
            SlipError::Failed(problem) => f.write_str(problem),
        }
    }
}

impl From<TransportError> for SlipError {
    fn from(err: TransportError) -> Self {
        SlipError::Link(err)
    }
}

/// Asks `DLE EOT 5` and reads its answer within `timeout` (other bytes are skipped).
pub fn slip_status(link: &mut dyn Link, timeout: Duration) -> Result<SlipStatus, SlipError> {
    drain_input(link, 4096)?;
    link.write_all(&SLIP_STATUS)?;
    let deadline = Instant::now() + timeout;
    let mut byte = [0u8; 1];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if link.read_timeout(&mut byte, left.max(Duration::from_millis(1)))? == 1 {
            if let Some(status) = decode_slip_status(byte[0]) {
                return Ok(status);
            }
        }
    }
    Err(SlipError::Failed(format!("no slip status reply to DLE EOT 5 within {} ms (is this a printer with a slip station?)", timeout.as_millis())))
}

/// Reads the check in the MICR path: `ESC f` (the printer's own wait), `FS a 0 0`, then the answer, waiting
/// at most `wait` for the check to be inserted and read (or until `stop`). A check that reads but does not
/// parse is refused with the reason (never its account number), and ejected.
pub fn read_check(link: &mut dyn Link, wait: Duration, stop: &AtomicBool) -> Result<Micr, SlipError> {
    drain_input(link, 4096)?;
    link.write_all(&[insertion_wait(wait).as_slice(), &READ_MICR_E13B].concat())?;
    let deadline = Instant::now() + wait;
    let mut received = Vec::new();
    let mut buf = [0u8; 128];
    let reply = loop {
        if let Some(reply) = parse_micr_reply(&received).map_err(SlipError::Failed)? {
            break reply;
        }
        let Some(left) = deadline.checked_duration_since(Instant::now()).filter(|_| !stop.load(Ordering::Relaxed)) else {
            link.write_all(&CANCEL_SLIP_WAIT)?;
            return Err(SlipError::Failed(format!("no check was read within {} s: insert the check face up, MICR line first, and try again", wait.as_secs())));
        };
        let n = link.read_timeout(&mut buf, left.min(SLIP_POLL).max(Duration::from_millis(1)))?;
        received.extend_from_slice(&buf[..n]);
    };
    match reply {
        MicrReply::NotRead(status) => Err(SlipError::Failed(format!("the check's MICR line could not be read (reading status {status:#04x}); the printer ejected it: reinsert it or key the check"))),
        MicrReply::Read(line) => match micr::parse(&line, None) {
            Ok(check) => Ok(check),
            Err(err) => {
                link.write_all(&EJECT_CHECK)?;
                Err(SlipError::Failed(format!("the check's MICR line was read but is refused: {err}; it was ejected")))
            }
        },
    }
}

/// Prints `lines` on a slip: selects the station (the printer then waits for the slip), polls `DLE EOT 5`
/// until the slip is in (at most `wait`), prints, ejects with FF and returns to the roll. A slip not
/// inserted in time cancels the wait (`DLE ENQ 3`) and fails, nothing printed.
pub fn print_on_slip(link: &mut dyn Link, station: Station, lines: &[String], wait: Duration, status_timeout: Duration, stop: &AtomicBool) -> Result<(), SlipError> {
    drain_input(link, 4096)?;
    link.write_all(&[insertion_wait(wait).as_slice(), &station.select()].concat())?;
    let deadline = Instant::now() + wait;
    loop {
        let status = slip_status(link, status_timeout)?;
        if status.paper && !status.waiting {
            break;
        }
        if Instant::now() >= deadline || stop.load(Ordering::Relaxed) {
            link.write_all(&CANCEL_SLIP_WAIT)?;
            return Err(SlipError::Failed(format!("no {} paper was inserted within {} s; nothing was printed", station.name(), wait.as_secs())));
        }
        std::thread::sleep(SLIP_POLL);
    }
    link.write_all(&slip_bytes(lines))?;
    Ok(())
}

/// The slip's text (transliterated, no control bytes), FF to print and eject, then the roll again.
pub fn slip_bytes(lines: &[String]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend(crate::codepage::transliterate(line).chars().filter(|c| (' '..='~').contains(c)).map(|c| c as u8));
        bytes.push(0x0A);
    }
    bytes.push(EJECT_SLIP);
    bytes.extend_from_slice(&SELECT_ROLL);
    bytes
}

/// What a validation prints on the form at the validation station.
pub fn validation_lines(receipt_number: &str, date: &str, amount_cents: i64, columns: usize) -> Vec<String> {
    let line = format!("PAID {date} {} {receipt_number}", crate::Money::from_cents(amount_cents));
    vec![line.chars().take(columns.max(16)).collect()]
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves DLE EOT 5 is read bit by bit as Epson's table says, and a byte without the fixed bits is not one.
    #[test]
    fn slip_status_bits_follow_the_manual() {
        assert_eq!(decode_slip_status(0x12), Some(SlipStatus { selected: true, waiting: false, paper: true }));
        assert_eq!(decode_slip_status(0x7A), Some(SlipStatus { selected: true, waiting: true, paper: false }));
        assert_eq!(decode_slip_status(0x76), Some(SlipStatus { selected: false, waiting: false, paper: false }));
        assert_eq!(decode_slip_status(MICR_HEADER), None, "an FS a 0 header is never a status byte (Appendix E)");
        assert_eq!(decode_slip_status(0x02), None);
    }

    // Proves the FS a 0 framing: header 5F, status, data, NUL — complete only at the NUL, abnormal ends carry no
    // data, stale status bytes before the header are skipped, and a broken status or endless data is refused.
    #[test]
    fn micr_reply_framing() {
        let full = b"\x12\x5f\x50A021000021A 1234567890C 0123\x00";
        assert_eq!(parse_micr_reply(full), Ok(Some(MicrReply::Read("A021000021A 1234567890C 0123".into()))));
        for cut in 0..full.len() {
            assert_eq!(parse_micr_reply(&full[..cut]), Ok(None), "incomplete at {cut}");
        }
        assert_eq!(parse_micr_reply(&[0x5F, 0x70, 0x00]), Ok(Some(MicrReply::NotRead(0x70))));
        assert_eq!(parse_micr_reply(&[0x5F, 0x40, b'1', 0x00]), Ok(Some(MicrReply::Read("1".into()))), "bit 4 may be off (rereading possible)");
        assert!(parse_micr_reply(&[0x5F, 0x90, 0x00]).is_err());
        assert!(parse_micr_reply(&[&[0x5F, 0x50][..], &[b'1'; 70]].concat()).is_err());
        assert!(parse_micr_reply(&[0x5F, 0x50, 0x1B, 0x00]).is_err());
    }

    // Proves an FS a 0 answer (TM-H5000II Specification framing: 5F, status 50 = E13B read normally, data, NUL)
    // yields the check whichever symbol letters the printer uses — UPOS's `t o a d` (Epson's MICR application
    // guide) or `A B C D` — with the routing checksum verified and only the account's last four kept.
    #[test]
    fn micr_reply_data_parses_in_every_symbol_set() {
        for data in ["t021000021t 1234567890o 0123", "A021000021A 1234567890C 0123", "T021000021T 1234567890U 0123"] {
            let reply = [&[0x5F, 0x50][..], data.as_bytes(), &[0x00]].concat();
            let Ok(Some(MicrReply::Read(line))) = parse_micr_reply(&reply) else { panic!("{data}: not read") };
            let check = micr::parse(&line, None).unwrap_or_else(|e| panic!("{data}: {e}"));
            assert_eq!((check.routing.as_str(), check.account_last4.as_str(), check.check_number.as_deref()), ("021000021", "7890", Some("0123")), "{data}");
        }
    }

    // Proves ESC f never asks the printer to wait forever (t1 = 0) and stays in Epson's 1..15 minutes.
    #[test]
    fn insertion_wait_is_bounded() {
        assert_eq!(insertion_wait(Duration::from_secs(30)), [0x1B, 0x66, 1, 10]);
        assert_eq!(insertion_wait(Duration::ZERO), [0x1B, 0x66, 1, 10]);
        assert_eq!(insertion_wait(Duration::from_secs(3600)), [0x1B, 0x66, 15, 10]);
    }
}
