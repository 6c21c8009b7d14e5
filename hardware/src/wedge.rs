//! Keyboard-wedge readers: recognising a fast burst of keystrokes ending in Enter as one scan.

/// Limits that tell a reader's burst from a person typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BurstRules {
    /// Longest gap between two keystrokes of one burst.
    pub max_gap_ms: u64,
    /// Fewest characters a scan has.
    pub min_chars: usize,
    /// Most characters kept (longer bursts are discarded, never truncated).
    pub max_chars: usize,
}

impl Default for BurstRules {
    fn default() -> Self {
        Self { max_gap_ms: 50, min_chars: 8, max_chars: 128 }
    }
}

/// Feeds keystrokes with their timestamps; returns the line when a burst ends in Enter.
#[derive(Debug, Clone, Default)]
pub struct BurstDetector {
    rules: BurstRules,
    buffer: String,
    last_key_ms: Option<u64>,
    overflowed: bool,
}

impl BurstDetector {
    /// A detector with the given limits.
    pub fn new(rules: BurstRules) -> Self {
        Self { rules, ..Self::default() }
    }

    /// One keystroke at `at_ms` (any monotonic clock). `'\r'` or `'\n'` ends the burst.
    /// Returns `Some(line)` only for a fast, complete, not over-long burst.
    pub fn key(&mut self, key: char, at_ms: u64) -> Option<String> {
        let slow = self.last_key_ms.is_some_and(|last| at_ms.saturating_sub(last) > self.rules.max_gap_ms);
        if slow {
            self.reset();
        }
        self.last_key_ms = Some(at_ms);
        if key == '\r' || key == '\n' {
            let line = std::mem::take(&mut self.buffer);
            let overflowed = std::mem::take(&mut self.overflowed);
            self.last_key_ms = None;
            let long_enough = line.chars().count() >= self.rules.min_chars;
            return (long_enough && !overflowed && !slow).then_some(line);
        }
        if self.buffer.chars().count() >= self.rules.max_chars {
            self.overflowed = true;
        } else {
            self.buffer.push(key);
        }
        None
    }

    /// Forgets a partial burst (e.g. when the focus changes).
    pub fn reset(&mut self) {
        self.buffer.clear();
        self.overflowed = false;
        self.last_key_ms = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(detector: &mut BurstDetector, text: &str, start_ms: u64, gap_ms: u64) -> Option<String> {
        let mut result = None;
        for (i, c) in text.chars().enumerate() {
            result = detector.key(c, start_ms + i as u64 * gap_ms);
        }
        result
    }

    // A fast burst ending in Enter is recognised as one scan.
    #[test]
    fn fast_burst_recognised() {
        let mut detector = BurstDetector::default();
        assert_eq!(feed(&mut detector, "T021000021T 1234U\r", 0, 5), Some("T021000021T 1234U".to_string()));
    }

    // A person typing slowly never produces a scan, even with Enter.
    #[test]
    fn slow_typing_ignored() {
        let mut detector = BurstDetector::default();
        assert_eq!(feed(&mut detector, "123456789\r", 0, 200), None);
    }

    // Short bursts and over-long bursts are dropped; the next burst still works.
    #[test]
    fn short_and_long_dropped() {
        let mut detector = BurstDetector::new(BurstRules { max_gap_ms: 50, min_chars: 4, max_chars: 10 });
        assert_eq!(feed(&mut detector, "12\r", 0, 1), None);
        assert_eq!(feed(&mut detector, "123456789012345\r", 100, 1), None);
        assert_eq!(feed(&mut detector, "12345\r", 300, 1), Some("12345".to_string()));
    }
}
