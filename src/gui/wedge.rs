//! Keyboard-wedge readers in the window: every key press is timed, and a fast burst ending in Enter
//! (`citytill_hardware::wedge::BurstDetector`) is a scan, whichever field it was typed into.

use std::time::Instant;

use citytill_hardware::wedge::{BurstDetector, BurstRules};
use iced::keyboard::{key::Named, Key, Modifiers};

/// One key press that could be part of a scan: a printable character or Enter (`'\r'`), with when it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Keystroke {
    pub key: char,
    pub at: Instant,
}

/// The keystroke a key press means for the burst detector: Enter, or the one character it typed (not with
/// Ctrl/Alt/Cmd held, which are shortcuts, not text).
pub fn keystroke(key: &Key, modifiers: Modifiers, text: Option<&str>, at: Instant) -> Option<Keystroke> {
    if matches!(key, Key::Named(Named::Enter)) {
        return Some(Keystroke { key: '\r', at });
    }
    if modifiers.command() || modifiers.control() || modifiers.alt() {
        return None;
    }
    let mut chars = text?.chars();
    let (Some(key), None) = (chars.next(), chars.next()) else { return None };
    (!key.is_control()).then_some(Keystroke { key, at })
}

/// The window's burst detector, timing keystrokes from when the window started.
pub struct Wedge {
    detector: BurstDetector,
    epoch: Instant,
}

impl Default for Wedge {
    fn default() -> Self {
        Self { detector: BurstDetector::new(BurstRules::default()), epoch: Instant::now() }
    }
}

impl Wedge {
    /// Feeds one keystroke; the scanned line when it ends a fast burst.
    pub fn key(&mut self, stroke: Keystroke) -> Option<String> {
        let at_ms = u64::try_from(stroke.at.saturating_duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX);
        self.detector.key(stroke.key, at_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves Enter and typed characters become keystrokes, while shortcuts (Ctrl+D) and keys that type nothing
    // (arrows) do not feed the burst detector.
    #[test]
    fn key_presses_to_keystrokes() {
        let now = Instant::now();
        assert_eq!(keystroke(&Key::Named(Named::Enter), Modifiers::empty(), None, now).map(|k| k.key), Some('\r'));
        assert_eq!(keystroke(&Key::Character("7".into()), Modifiers::empty(), Some("7"), now).map(|k| k.key), Some('7'));
        assert_eq!(keystroke(&Key::Character("T".into()), Modifiers::SHIFT, Some("T"), now).map(|k| k.key), Some('T'));
        assert_eq!(keystroke(&Key::Character("d".into()), Modifiers::CTRL, Some("d"), now), None);
        assert_eq!(keystroke(&Key::Named(Named::ArrowUp), Modifiers::empty(), None, now), None);
    }
}
