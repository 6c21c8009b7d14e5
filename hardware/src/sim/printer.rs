//! Simulated ESC/POS printer: parses the byte stream, renders jobs as text, answers DLE EOT, honours faults.

use crate::codepage::pc858_char;
use std::path::{Path, PathBuf};

/// Faults a trainer or test can inject.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrinterFaults {
    pub paper_near_end: bool,
    pub paper_out: bool,
    pub cover_open: bool,
    pub offline: bool,
    /// Silent: no answers at all, as if the cable were pulled.
    pub unplugged: bool,
    /// Paper runs out after this many more printed characters.
    pub paper_out_after: Option<usize>,
}

/// The cash drawer shared by the printer's DK port and the serial drawer simulator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrawerModel {
    pub open: bool,
    pub stuck: bool,
    pub kicks: u32,
    /// How long a kicked drawer takes to travel far enough for its sensor to read open (0 = at once).
    pub travel_ms: u64,
    /// When the drawer was kicked, while it is still travelling.
    travelling_since: Option<std::time::Instant>,
}

impl DrawerModel {
    /// A kick opens the drawer (after its travel time) unless it is stuck.
    pub fn kick(&mut self) {
        self.kicks += 1;
        if self.stuck {
            return;
        }
        if self.travel_ms == 0 {
            self.open = true;
        } else {
            self.travelling_since = Some(std::time::Instant::now());
        }
    }

    /// Whether the sensor reads open now (a travelling drawer opens once its travel time has passed).
    pub fn sensor_open(&mut self) -> bool {
        if let Some(since) = self.travelling_since {
            if since.elapsed() >= std::time::Duration::from_millis(self.travel_ms) {
                self.open = true;
                self.travelling_since = None;
            }
        }
        self.open
    }
}

/// A TM-H6000's slip / MICR path as the simulator plays it (see `slip.rs` for the manual's framing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlipModel {
    /// Paper at the cut-sheet sensor (a check or a form).
    pub paper: bool,
    /// The MICR line on the inserted check, in the printer's characters (None: a form, or no magnetic ink).
    pub micr: Option<String>,
    /// The last `ESC c 0 n` (2 roll, 4 slip, 8 validation).
    pub station: u8,
    /// Waiting for a slip after the slip or validation station was selected.
    pub waiting_slip: bool,
    /// `FS a 0` arrived with no check in: answered when one is inserted.
    pub waiting_micr: bool,
    /// `FS a 0` commands received.
    pub micr_reads: u32,
    /// Bytes to send without being asked (the MICR answer once a check is inserted).
    outbox: Vec<u8>,
}

impl SlipModel {
    fn slip_selected(&self) -> bool {
        self.station & 0x0C != 0
    }

    /// The `DLE EOT 5` byte: bit 2 slip not selected, bit 3 waiting for insertion, bits 5+6 no paper.
    pub fn status_byte(&self) -> u8 {
        let mut byte = 0x12;
        if !self.slip_selected() {
            byte |= 0x04;
        }
        if self.waiting_slip {
            byte |= 0x08;
        }
        if !self.paper {
            byte |= 0x60;
        }
        byte
    }

    /// A check (with `micr`) or a form is put in: a waiting slip station takes it, a waiting MICR read reads it.
    pub fn insert(&mut self, micr: Option<String>) {
        self.paper = true;
        self.micr = micr;
        self.waiting_slip = false;
        if std::mem::take(&mut self.waiting_micr) {
            self.read_micr();
        }
    }

    /// Paper taken out (or ejected).
    pub fn remove(&mut self) {
        self.paper = false;
        self.micr = None;
    }

    /// `FS a 0` with a check in: header 5F, status 50 (E13B, normal end), the characters, NUL; no ink: 5F 70 00
    /// and the check is ejected, as Epson's `FS a 0` describes.
    fn read_micr(&mut self) {
        match self.micr.clone() {
            Some(line) => {
                self.outbox.extend_from_slice(&[crate::slip::MICR_HEADER, 0x50]);
                self.outbox.extend(line.bytes().take(crate::slip::MAX_MICR_DATA));
                self.outbox.push(0x00);
            }
            None => {
                self.outbox.extend_from_slice(&[crate::slip::MICR_HEADER, 0x70, 0x00]);
                self.remove();
            }
        }
    }

    /// What the printer sends on its own (taken once).
    pub fn take_outbox(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.outbox)
    }
}

/// The printer's state and the job being received.
#[derive(Debug)]
pub struct PrinterModel {
    out_dir: PathBuf,
    pub faults: PrinterFaults,
    pending: Vec<u8>,
    lines: Vec<String>,
    line: String,
    raw: Vec<u8>,
    jobs_written: u32,
    qr_data: String,
    /// Commands received while the paper is out or the cover is open: a real printer keeps them in its
    /// receive buffer and prints them once the fault is cleared (joined to whatever comes next).
    held: Vec<u8>,
    /// Buffer clears (`DLE DC4 fn 8`) received.
    pub buffer_clears: u32,
    /// Printable width in dots (576: an 80 mm TM-T88); a barcode wider than this prints nothing, as on a real printer.
    pub dots: u32,
    /// Code 128 module width from the last `GS w n`.
    module: u32,
    /// Most bytes kept for one job (bounded memory).
    max_job_bytes: usize,
    /// The slip station and MICR reader (a TM-H6000; other models never get these commands).
    pub slip: SlipModel,
}

/// How many bytes a command at the start of `bytes` needs, or None if more must arrive.
fn command_length(bytes: &[u8]) -> Option<usize> {
    let at = |i: usize| bytes.get(i).copied();
    match at(0)? {
        0x10 => match at(1)? {
            // DLE DC4 fn=8 d1..d7 (clear buffers) is 10 bytes; fn=1/2 (pulse, power off) are 5.
            0x14 if at(2)? == 8 => Some(10),
            0x14 => Some(5),
            _ => Some(3),
        },
        0x1B => match at(1)? {
            b'@' => Some(2),
            b'p' => Some(5),
            b'c' | b'f' => Some(4),
            _ => Some(3),
        },
        0x1D => match at(1)? {
            b'V' => Some(if at(2)? >= 65 { 4 } else { 3 }),
            b'k' => barcode_length(bytes),
            b'(' => Some(5 + usize::from(at(3)?) + 256 * usize::from(at(4)?)),
            _ => Some(3),
        },
        // FS a 0 n (read MICR) is 4 bytes; FS a 1 / FS a 2 (load, eject check) 3; FS b, FS c 2.
        0x1C => match at(1)? {
            b'a' => Some(if at(2)? == b'0' { 4 } else { 3 }),
            _ => Some(2),
        },
        _ => Some(1),
    }
}

fn barcode_length(bytes: &[u8]) -> Option<usize> {
    let m = *bytes.get(2)?;
    if m >= 65 {
        Some(4 + usize::from(*bytes.get(3)?))
    } else {
        bytes.iter().skip(3).position(|b| *b == 0).map(|p| p + 4).or(if bytes.len() > 260 { Some(bytes.len()) } else { None })
    }
}

/// Width in modules of a `GS k 73` symbol: 11 per symbol character (start, data, code-set switches, check)
/// plus 13 for the stop pattern.
fn code128_modules(data: &[u8]) -> u32 {
    let (mut symbols, mut i) = (1u32, 0);
    while i < data.len() {
        i += if data[i] == b'{' { 2 } else { 1 };
        symbols += 1;
    }
    11 * symbols + 13
}

impl PrinterModel {
    /// A printer that renders jobs into `out_dir` (NNNN.txt and NNNN.bin).
    pub fn new(out_dir: &Path) -> Self {
        Self {
            out_dir: out_dir.to_path_buf(),
            faults: PrinterFaults::default(),
            pending: Vec::new(),
            lines: Vec::new(),
            line: String::new(),
            raw: Vec::new(),
            jobs_written: 0,
            qr_data: String::new(),
            held: Vec::new(),
            buffer_clears: 0,
            dots: 576,
            module: 3,
            max_job_bytes: 1 << 20,
            slip: SlipModel { station: 2, ..SlipModel::default() },
        }
    }

    /// Jobs rendered so far.
    pub fn jobs_written(&self) -> u32 {
        self.jobs_written
    }

    fn can_print(&self) -> bool {
        let f = self.faults;
        !(f.paper_out || f.cover_open || f.offline || f.unplugged)
    }

    /// The one-byte answer to DLE EOT n.
    pub fn status_byte(&self, n: u8, drawer: &DrawerModel) -> u8 {
        let f = self.faults;
        let mut byte = 0x12;
        match n {
            1 => {
                if drawer.open {
                    byte |= 0x04;
                }
                if f.offline || f.paper_out || f.cover_open {
                    byte |= 0x08;
                }
            }
            2 => {
                if f.cover_open {
                    byte |= 0x04;
                }
                if f.paper_out {
                    byte |= 0x20;
                }
            }
            4 => {
                if f.paper_near_end || f.paper_out {
                    byte |= 0x0C;
                }
                if f.paper_out {
                    byte |= 0x60;
                }
            }
            5 => return self.slip.status_byte(),
            _ => {}
        }
        byte
    }

    /// Feeds received bytes; returns the bytes to send back (status answers).
    pub fn feed(&mut self, bytes: &[u8], drawer: &mut DrawerModel) -> Vec<u8> {
        if self.faults.unplugged {
            return Vec::new();
        }
        self.pending.extend_from_slice(bytes);
        let mut replies = Vec::new();
        while let Some(length) = command_length(&self.pending) {
            if length > self.pending.len() {
                if self.pending.len() > self.max_job_bytes {
                    self.pending.clear();
                }
                break;
            }
            let command: Vec<u8> = self.pending.drain(..length).collect();
            self.execute(&command, drawer, &mut replies);
        }
        replies
    }

    /// Paper out or cover open: received commands wait in the buffer (real-time ones still run).
    fn stopped(&self) -> bool {
        self.faults.paper_out || self.faults.cover_open
    }

    /// The fault was cleared: the buffered commands print now, as a real printer does after paper is loaded.
    pub fn resume(&mut self, drawer: &mut DrawerModel) {
        if self.stopped() {
            return;
        }
        let held = std::mem::take(&mut self.held);
        self.pending.splice(0..0, held);
        let _ = self.feed(&[], drawer);
    }

    fn execute(&mut self, command: &[u8], drawer: &mut DrawerModel, replies: &mut Vec<u8>) {
        if let [0x10, 0x04, n] = command {
            drawer.sensor_open();
            replies.push(self.status_byte(*n, drawer));
            return;
        }
        // DLE DC4 fn=8: clear the receive and print buffers, answer "Clear response" 37h 25h 00h
        // (Epson ESC/POS reference, DLE DC4 (fn=8)). What is already on paper stays there.
        if command == crate::escpos_bytes::CLEAR_BUFFERS {
            self.held.clear();
            self.line.clear();
            self.buffer_clears += 1;
            replies.extend_from_slice(&crate::escpos_bytes::CLEAR_RESPONSE);
            return;
        }
        // DLE ENQ 3 cancels the slip waiting state (and the MICR wait).
        if command == crate::slip::CANCEL_SLIP_WAIT {
            (self.slip.waiting_slip, self.slip.waiting_micr, self.slip.station) = (false, false, 2);
            return;
        }
        if self.stopped() && !matches!(command, [0x10, ..]) {
            if self.held.len() < self.max_job_bytes {
                self.held.extend_from_slice(command);
            }
            return;
        }
        if self.raw.len() < self.max_job_bytes {
            self.raw.extend_from_slice(command);
        }
        match command {
            [0x1B, b'@'] => self.reset_job(),
            [0x1B, b'p', m, t1, _t2] if matches!(m, 0 | 1 | 48 | 49) && *t1 > 0 && !self.faults.offline => drawer.kick(),
            [0x10, 0x14, 1, _, _] if !self.faults.offline => drawer.kick(),
            [0x1B, b'd', n] => self.feed_lines(*n),
            [0x1D, b'V', ..] => self.finish_job("cut"),
            [0x0C] => {
                self.finish_job("slip");
                if self.slip.slip_selected() {
                    self.slip.remove();
                }
            }
            [0x1B, b'c', b'0', n] => {
                self.slip.station = *n;
                self.slip.waiting_slip = self.slip.slip_selected() && !self.slip.paper;
            }
            [0x1C, b'a', b'0', _] => {
                self.slip.micr_reads += 1;
                if self.slip.paper {
                    self.slip.read_micr();
                } else {
                    self.slip.waiting_micr = true;
                }
            }
            [0x1C, b'a', b'2'] => self.slip.remove(),
            [0x0A] => self.end_line(),
            [0x1D, b'w', n] => self.module = u32::from(*n),
            // "If the horizontal width exceeds the printing area, the printer only feeds the paper" (Epson GS k).
            [0x1D, b'k', 73, _, data @ ..] if code128_modules(data) * self.module > self.dots => self.symbol(String::new()),
            [0x1D, b'k', 73, _, data @ ..] => self.symbol(format!("[CODE128 {}]", crate::escpos_bytes::code128_text(data))),
            [0x1D, b'(', b'k', _, _, 49, 80, 48, data @ ..] => self.qr_data = String::from_utf8_lossy(data).into_owned(),
            [0x1D, b'(', b'k', _, _, 49, 81, 48] => self.symbol(format!("[QR {}]", self.qr_data)),
            [byte] if *byte >= 0x20 && *byte != 0x7F => self.text(*byte),
            _ => {}
        }
    }

    /// ESC @ clears the print buffer (the line not yet printed); lines already printed stay on the paper
    /// and come out with the next cut.
    fn reset_job(&mut self) {
        self.line.clear();
        if self.lines.is_empty() {
            self.raw = vec![0x1B, b'@'];
        } else if self.raw.len() < self.max_job_bytes {
            self.raw.extend_from_slice(&[0x1B, b'@']);
        }
    }

    fn text(&mut self, byte: u8) {
        if !self.can_print() {
            return;
        }
        if let Some(left) = self.faults.paper_out_after.as_mut() {
            if *left == 0 {
                self.faults.paper_out = true;
                self.faults.paper_out_after = None;
                self.held.push(byte);
                return;
            }
            *left -= 1;
        }
        if self.line.len() < 256 {
            self.line.push(pc858_char(byte));
        }
    }

    fn end_line(&mut self) {
        if self.can_print() && self.lines.len() < 10_000 {
            self.lines.push(std::mem::take(&mut self.line));
        }
    }

    fn feed_lines(&mut self, n: u8) {
        self.end_line();
        for _ in 1..n {
            self.end_line();
        }
    }

    fn symbol(&mut self, text: String) {
        if self.can_print() {
            if !self.line.is_empty() {
                self.end_line();
            }
            self.line = text;
        }
    }

    fn finish_job(&mut self, _how: &str) {
        if !self.line.is_empty() {
            self.end_line();
        }
        let has_content = self.lines.iter().any(|l| !l.trim().is_empty());
        if self.can_print() && has_content {
            self.jobs_written += 1;
            let stem = self.out_dir.join(format!("{:04}", self.jobs_written));
            let mut text = self.lines.iter().map(|l| l.trim_end()).collect::<Vec<_>>().join("\n");
            text = text.trim_end().to_string();
            text.push('\n');
            let _ = std::fs::write(stem.with_extension("txt"), text);
            let _ = std::fs::write(stem.with_extension("bin"), &self.raw);
        }
        self.lines.clear();
        self.line.clear();
        self.raw.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The simulator answers DLE EOT with the worked values of hardware.md.
    #[test]
    fn worked_status_values() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = PrinterModel::new(dir.path());
        let drawer = DrawerModel::default();
        assert_eq!([1, 2, 3, 4].map(|n| model.status_byte(n, &drawer)), [0x12; 4]);
        model.faults.paper_out = true;
        assert_eq!((model.status_byte(4, &drawer), model.status_byte(2, &drawer)), (0x7E, 0x32));
        model.faults = PrinterFaults { paper_near_end: true, ..PrinterFaults::default() };
        assert_eq!(model.status_byte(4, &drawer), 0x1E);
        model.faults = PrinterFaults { cover_open: true, ..PrinterFaults::default() };
        assert_eq!((model.status_byte(2, &drawer), model.status_byte(1, &drawer)), (0x16, 0x1A));
    }

    // Only a complete 5-byte kick opens the drawer; the 3-byte form escpos emits does not (yet).
    #[test]
    fn drawer_needs_five_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = PrinterModel::new(dir.path());
        let mut drawer = DrawerModel::default();
        model.feed(&[0x1B, 0x70, 0x00], &mut drawer);
        assert!(!drawer.open);
        model.feed(&[0x32, 0x32], &mut drawer);
        assert!(drawer.open);
        let mut stuck = DrawerModel { stuck: true, ..DrawerModel::default() };
        model.feed(&[0x1B, 0x70, 0x00, 0x32, 0x32], &mut stuck);
        assert!(!stuck.open);
    }

    // A Code 128 wider than the paper prints nothing (only the feed), as Epson's GS k says; one that fits prints.
    #[test]
    fn too_wide_barcode_prints_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = PrinterModel::new(dir.path());
        let mut drawer = DrawerModel::default();
        let mut wide = vec![0x1D, 0x77, 2, 0x1D, 0x6B, 73, 42, b'{', b'B'];
        wide.extend_from_slice(&[b'A'; 40]);
        model.feed(&[b"\x1b@Wide\n".as_slice(), &wide, b"\n\x1dVA\x00"].concat(), &mut drawer);
        assert_eq!(std::fs::read_to_string(dir.path().join("0001.txt")).unwrap(), "Wide\n");
        let fits = crate::escpos_bytes::code128(&"A".repeat(20)).unwrap();
        model.feed(&[b"\x1b@Fits\n".as_slice(), &fits, b"\n\x1dVA\x00"].concat(), &mut drawer);
        assert!(std::fs::read_to_string(dir.path().join("0002.txt")).unwrap().contains("[CODE128 AAAAAAAAAAAAAAAAAAAA]"));
    }

    // A job split into arbitrary pieces is rendered to NNNN.txt with barcodes shown as text.
    #[test]
    fn renders_job() {
        let dir = tempfile::tempdir().unwrap();
        let mut model = PrinterModel::new(dir.path());
        let mut drawer = DrawerModel::default();
        let mut bytes = b"\x1b@\x1bt\x13Hello \xd5\nWorld\n".to_vec();
        bytes.extend(crate::escpos_bytes::code128("R-1").unwrap());
        bytes.extend(b"\n\x1dVA\x00");
        for piece in bytes.chunks(3) {
            model.feed(piece, &mut drawer);
        }
        let text = std::fs::read_to_string(dir.path().join("0001.txt")).unwrap();
        assert_eq!(text, "Hello €\nWorld\n[CODE128 R-1]\n");
    }
}
