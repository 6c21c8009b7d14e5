//! The simulated customer display: decodes the bytes a 2 × 20 pole display receives — Epson DM-D (ESC/POS
//! display mode) and CD5220 commands alike, as their manuals define them (see `crate::display`) — into the two
//! lines it would show.

use crate::display::COLUMNS;

/// Most bytes of an unfinished command kept between reads (`ESC Q A` + 20 characters + CR is 24).
const MAX_PENDING: usize = 64;

/// What the display shows and how it got there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayModel {
    chars: [[char; COLUMNS]; 2],
    /// Cursor column and line, 0-based.
    x: usize,
    y: usize,
    /// Brightness 1–4 as last set (4 after initialising).
    pub brightness: u8,
    /// The character table last selected with `ESC t n`.
    pub code_table: u8,
    /// How many `ESC @` it received.
    pub initialised: u32,
    /// Bytes of a command not yet complete.
    pending: Vec<u8>,
}

impl Default for DisplayModel {
    fn default() -> Self {
        Self { chars: [[' '; COLUMNS]; 2], x: 0, y: 0, brightness: 4, code_table: 0, initialised: 0, pending: Vec::new() }
    }
}

/// How much of `bytes` one command takes: `Some(n)` when complete, `None` while more bytes are needed.
fn command_len(bytes: &[u8]) -> Option<usize> {
    let need = |n: usize| (bytes.len() >= n).then_some(n);
    match bytes {
        [0x1B, 0x51, 0x41 | 0x42, rest @ ..] => rest.iter().position(|b| *b == 0x0D).map(|end| end + 4),
        [0x1B, 0x51] => None,
        [0x1B, 0x51, _, ..] => Some(3),
        [0x1B, 0x40, ..] => Some(2),
        [0x1B, 0x74 | 0x2A | 0x5F | 0x3D | 0x52 | 0x25, ..] => need(3),
        [0x1B, 0x6C, ..] => need(4),
        [0x1B] => None,
        [0x1B, _, ..] => Some(2),
        [0x1F, 0x24, ..] => need(4),
        [0x1F, 0x43 | 0x58 | 0x45 | 0x72, ..] => need(3),
        [0x1F] => None,
        [0x1F, _, ..] => Some(2),
        [] => None,
        [_, ..] => Some(1),
    }
}

impl DisplayModel {
    /// The two lines shown now (20 characters each).
    pub fn lines(&self) -> [String; 2] {
        [self.chars[0].iter().collect(), self.chars[1].iter().collect()]
    }

    /// Takes bytes as the display would; an unfinished command waits for the rest (bounded).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        let mut at = 0;
        while let Some(len) = command_len(&self.pending[at..]) {
            let command = self.pending[at..at + len].to_vec();
            self.apply(&command);
            at += len;
        }
        self.pending.drain(..at);
        if self.pending.len() > MAX_PENDING {
            // A command that never ends (a lost CR): drop it like a display's buffer overflowing.
            self.pending.clear();
        }
    }

    fn clear(&mut self) {
        self.chars = [[' '; COLUMNS]; 2];
        (self.x, self.y) = (0, 0);
    }

    /// A character at the cursor; overwrite mode: past the right end the cursor goes to the other line's start.
    fn put(&mut self, byte: u8) {
        self.chars[self.y][self.x] = crate::codepage::pc858_char(byte);
        self.x += 1;
        if self.x == COLUMNS {
            self.x = 0;
            self.y = (self.y + 1) % 2;
        }
    }

    fn apply(&mut self, command: &[u8]) {
        match command {
            [0x1B, 0x40] => {
                self.clear();
                self.brightness = 4;
                self.code_table = 0;
                self.initialised += 1;
            }
            [0x1B, 0x51, line @ (0x41 | 0x42), text @ .., 0x0D] => {
                // CD5220: the line is replaced by up to 20 characters, the rest blank.
                let row = usize::from(*line == 0x42);
                self.chars[row] = [' '; COLUMNS];
                for (column, byte) in text.iter().take(COLUMNS).enumerate() {
                    self.chars[row][column] = crate::codepage::pc858_char(*byte);
                }
            }
            [0x1B, 0x74, table] => self.code_table = *table,
            [0x1B, 0x2A, level] | [0x1F, 0x58, level] => self.brightness = (*level).clamp(1, 4),
            // 1-based column and line; out of range is ignored, as the manuals say.
            [0x1B, 0x6C, x, y] | [0x1F, 0x24, x, y] if (1..=COLUMNS).contains(&usize::from(*x)) && (1..=2).contains(y) => {
                (self.x, self.y) = (usize::from(*x) - 1, usize::from(*y) - 1);
            }
            [0x0C] => self.clear(),
            [0x0B] => (self.x, self.y) = (0, 0),
            [0x0D] => self.x = 0,
            [0x0A] => self.y = (self.y + 1).min(1),
            [0x1F, 0x0A] => self.y = self.y.saturating_sub(1),
            [0x1F, 0x42] => (self.x, self.y) = (0, 1),
            [0x1F, 0x0D] => self.x = COLUMNS - 1,
            [0x08] => self.x = self.x.saturating_sub(1),
            [0x09] => self.x = (self.x + 1).min(COLUMNS - 1),
            [0x18] => {
                self.chars[self.y] = [' '; COLUMNS];
                self.x = 0;
            }
            [byte] if *byte >= 0x20 => self.put(*byte),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display::{encode_init, encode_lines, CommandSet, DisplayLines};
    use crate::profile::DisplayProfile;

    // What the encoder sends in either command set, even split in odd places, shows the same two lines on the
    // simulated display, and a second screen replaces the first entirely.
    #[test]
    fn decodes_both_command_sets() {
        for commands in [CommandSet::Epson, CommandSet::Cd5220] {
            let profile = DisplayProfile { commands, charset: crate::display::Charset::Pc858, brightness: Some(2) };
            let mut model = DisplayModel::default();
            let mut bytes = encode_init(&profile);
            bytes.extend(encode_lines(&profile, &DisplayLines::new("A much longer first line", "B")));
            bytes.extend(encode_lines(&profile, &DisplayLines::new("Due 1.00", "Café")));
            for chunk in bytes.chunks(7) {
                model.feed(chunk);
            }
            assert_eq!(model.lines(), ["Due 1.00            ".to_string(), "Café                ".to_string()], "{commands:?}");
            assert_eq!((model.brightness, model.initialised), (2, 1));
        }
    }
}
