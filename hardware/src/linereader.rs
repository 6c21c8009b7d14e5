//! Splits a serial byte stream into CR/LF-terminated lines with a bound on length (pure).

/// One result of feeding bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome {
    /// A complete line without its terminator.
    Line(String),
    /// A line longer than the bound was discarded; `length` bytes were seen.
    TooLong { length: usize },
    /// A line with bytes that are not printable text was discarded.
    NotText { byte: u8 },
}

/// Assembles lines; never holds more than `max_line_bytes`.
#[derive(Debug, Clone)]
pub struct LineReader {
    max_line_bytes: usize,
    buffer: Vec<u8>,
    seen: usize,
}

impl LineReader {
    /// A reader that discards lines longer than `max_line_bytes`.
    pub fn new(max_line_bytes: usize) -> Self {
        Self { max_line_bytes: max_line_bytes.max(1), buffer: Vec::new(), seen: 0 }
    }

    /// Feeds bytes; returns each line (or rejection) completed by them. Empty lines are skipped.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<LineOutcome> {
        let mut out = Vec::new();
        for &byte in bytes {
            if byte == b'\r' || byte == b'\n' {
                if let Some(outcome) = self.finish() {
                    out.push(outcome);
                }
                continue;
            }
            self.seen += 1;
            if self.buffer.len() < self.max_line_bytes {
                self.buffer.push(byte);
            }
        }
        out
    }

    fn finish(&mut self) -> Option<LineOutcome> {
        let seen = std::mem::take(&mut self.seen);
        let bytes = std::mem::take(&mut self.buffer);
        if seen == 0 {
            return None;
        }
        if seen > self.max_line_bytes {
            return Some(LineOutcome::TooLong { length: seen });
        }
        match String::from_utf8(bytes) {
            Ok(text) => match text.chars().find(|c| c.is_control()) {
                Some(c) => Some(LineOutcome::NotText { byte: u8::try_from(u32::from(c)).unwrap_or(0xFF) }),
                None => Some(LineOutcome::Line(text)),
            },
            Err(err) => Some(LineOutcome::NotText { byte: err.as_bytes().get(err.utf8_error().valid_up_to()).copied().unwrap_or(0xFF) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // CR, LF and CRLF all end lines; a line split across reads is joined.
    #[test]
    fn terminators_and_split_reads() {
        let mut reader = LineReader::new(64);
        assert_eq!(reader.feed(b"abc\r\nde"), vec![LineOutcome::Line("abc".into())]);
        assert_eq!(reader.feed(b"f\rg\n"), vec![LineOutcome::Line("def".into()), LineOutcome::Line("g".into())]);
    }

    // An over-long line is discarded with its length, and the next line is read normally.
    #[test]
    fn over_long_then_recovers() {
        let mut reader = LineReader::new(4);
        assert_eq!(reader.feed(b"123456789\rok\r"), vec![LineOutcome::TooLong { length: 9 }, LineOutcome::Line("ok".into())]);
    }

    // Control bytes and invalid UTF-8 make a line rejected, not passed on.
    #[test]
    fn garbage_rejected() {
        let mut reader = LineReader::new(64);
        assert_eq!(reader.feed(b"a\x01b\r\xff\xfe\rok\r"), vec![LineOutcome::NotText { byte: 1 }, LineOutcome::NotText { byte: 0xff }, LineOutcome::Line("ok".into())]);
    }
}
