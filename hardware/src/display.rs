//! The customer-facing pole display (2 × 20 VFD): what the customer sees while the cashier works.
//!
//! Two command sets, from the published references:
//! - **Epson DM-D** (DM-D110/D210/D30) in ESC/POS display mode — Epson, *DM-D110 Specification*, "ESC @
//!   Initialize display" (settings reset, screen cleared, cursor home); the ESC/POS display command table as
//!   printed in POS-X *XP8200* and Posiflex *PD-300* manuals ("EPSON command mode"): `HOM` 0x0B home,
//!   `US $ x y` (1F 24, 1 ≤ x ≤ 20, 1 ≤ y ≤ 2) cursor to a position, `CLR` 0x0C clear, `US MD1` (1F 01)
//!   overwrite mode, `US C n` (1F 43) cursor on/off, `US X n` (1F 58, 1 ≤ n ≤ 4) brightness, `ESC t n`
//!   (1B 74) character table, n = 19 PC858 (the Euro table). The same bytes are in LCDproc's
//!   `server/drivers/serialPOS_epson.c` and node-escpos' `packages/screen/src/commands.ts`.
//! - **CD5220** (Partner Tech, offered as an emulation by many generic poles) — *CD5220 User's Manual*, as
//!   implemented in LCDproc's `server/drivers/serialPOS_cd5220.c`: `ESC @` initialise, `ESC Q A` + 20
//!   characters + CR writes the upper line, `ESC Q B` … CR the lower, `ESC * n` (1 ≤ n ≤ 4) brightness,
//!   `ESC _ n` cursor on/off.
//!
//! A display sends nothing back, so its status can only be "the port opened and the bytes went out": it is
//! reported as unknown (never "ok"), and IT checks it by eye with `devices test display`. Text is folded to
//! what the display can show (never a control byte, so text cannot inject commands) and each line is padded
//! or cut to exactly 20 columns, so an update always overwrites the whole screen. The worker keeps only the
//! newest screen asked for: a flood of updates never queues, and the window never waits.

use crate::config::ResolvedDevice;
use crate::device::{self, DeviceError, DeviceEvent, DeviceKind, DeviceState, DeviceStatus, EventSink, JobId, SharedStatus, Worker};
use crate::profile::DisplayProfile;
use crate::reconnect::{Connect, Reconnect};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Characters per line (both command sets address 20 columns × 2 lines).
pub const COLUMNS: usize = 20;

/// What the display's status says, since it cannot answer.
pub const SILENT: &str = "a customer display sends nothing back: check it by eye (citytill devices test display)";

/// The display's command set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommandSet {
    /// Epson DM-D series in ESC/POS display mode (and poles in "Epson mode").
    Epson,
    /// The CD5220 command set.
    Cd5220,
}

/// What the display can show beyond ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Charset {
    /// Plain ASCII: accented letters lose their accents, other characters become `?`.
    #[default]
    Ascii,
    /// Code page 858 (`ESC t 19`), like the receipt printer.
    Pc858,
}

/// The two lines the customer sees (fitted to [`COLUMNS`] when sent).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DisplayLines {
    pub upper: String,
    pub lower: String,
}

impl DisplayLines {
    pub fn new(upper: impl Into<String>, lower: impl Into<String>) -> Self {
        Self { upper: upper.into(), lower: lower.into() }
    }

    /// The lines exactly as a display with `charset` shows them: folded, padded or cut to [`COLUMNS`].
    pub fn fitted(&self, charset: Charset) -> [String; 2] {
        [fit(&self.upper, charset), fit(&self.lower, charset)]
    }
}

/// A label on the left and an amount right-aligned in [`COLUMNS`] (`Due           234.16`); the label is cut
/// before the amount ever is, and a gap of one space is kept.
pub fn amount_line(label: &str, amount: &str) -> String {
    let amount: String = amount.chars().take(COLUMNS).collect();
    let room = COLUMNS.saturating_sub(amount.chars().count() + 1);
    let label: String = label.chars().take(room).collect::<String>().trim_end().to_string();
    let gap = COLUMNS - label.chars().count() - amount.chars().count();
    format!("{label}{}{amount}", " ".repeat(gap))
}

/// Text centred in [`COLUMNS`] (cut when longer).
pub fn centred(text: &str) -> String {
    let text: String = text.trim().chars().take(COLUMNS).collect();
    let left = (COLUMNS - text.chars().count()) / 2;
    format!("{}{text}", " ".repeat(left))
}

/// One line as the display shows it: characters folded to `charset`, then padded with spaces or cut to [`COLUMNS`].
pub fn fit(text: &str, charset: Charset) -> String {
    let folded = fold(text, charset);
    let mut line: String = folded.chars().take(COLUMNS).collect();
    let short = COLUMNS - line.chars().count();
    line.extend(std::iter::repeat_n(' ', short));
    line
}

/// Text rewritten to characters `charset` has; control characters become `?` (never sent as commands).
pub fn fold(text: &str, charset: Charset) -> String {
    let text: String = text.chars().map(|c| if c == '\t' || c == '\n' || c == '\r' { ' ' } else { c }).collect();
    let pc858 = crate::codepage::transliterate(&text);
    match charset {
        Charset::Pc858 => pc858,
        Charset::Ascii => pc858.chars().map(ascii_fold).collect(),
    }
}

/// An ASCII stand-in for a PC858 character.
fn ascii_fold(c: char) -> &'static str {
    if (' '..='~').contains(&c) {
        return ASCII[c as usize - 0x20];
    }
    match c {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ª' => "a",
        'Æ' => "AE",
        'æ' => "ae",
        'Ç' => "C",
        'ç' | '¢' => "c",
        'È' | 'É' | 'Ê' | 'Ë' => "E",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'Ì' | 'Í' | 'Î' | 'Ï' => "I",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'Ð' => "D",
        'ð' => "d",
        'Ñ' => "N",
        'ñ' => "n",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'º' | '°' => "o",
        'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
        'ù' | 'ú' | 'û' | 'ü' | 'µ' => "u",
        'Ý' => "Y",
        'ý' | 'ÿ' => "y",
        'Þ' => "Th",
        'þ' => "th",
        'ß' => "ss",
        '€' => "EUR",
        '£' => "GBP",
        '¥' => "JPY",
        '×' => "x",
        '÷' => "/",
        '±' => "+/-",
        '«' => "<<",
        '»' => ">>",
        '\u{A0}' => " ",
        '\u{AD}' | '─' | '‗' => "-",
        '·' => ".",
        '¿' => "?",
        '¡' => "!",
        '©' => "(C)",
        '®' => "(R)",
        '½' => "1/2",
        '¼' => "1/4",
        '¾' => "3/4",
        '¹' => "1",
        '²' => "2",
        '³' => "3",
        _ => "?",
    }
}

/// Printable ASCII as one-character strings (so [`ascii_fold`] can return `&'static str` for every case).
const ASCII: [&str; 95] = [
    " ", "!", "\"", "#", "$", "%", "&", "'", "(", ")", "*", "+", ",", "-", ".", "/", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ":", ";", "<", "=", ">", "?", "@", "A", "B", "C", "D", "E", "F",
    "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z", "[", "\\", "]", "^", "_", "`", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
    "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z", "{", "|", "}", "~",
];

/// The bytes of one fitted line: PC858 (a superset of ASCII), never a control byte.
fn line_bytes(line: &str) -> Vec<u8> {
    line.chars().map(|c| crate::codepage::pc858_byte(c).unwrap_or(b'?')).collect()
}

/// Bytes that put the display in a known state: initialise (clears, cursor home), then for Epson overwrite
/// mode, cursor off and the character table; the brightness when the profile sets one.
pub fn encode_init(profile: &DisplayProfile) -> Vec<u8> {
    let mut bytes = vec![0x1B, 0x40];
    match profile.commands {
        CommandSet::Epson => {
            bytes.extend([0x1F, 0x01, 0x1F, 0x43, 0x00]);
            if profile.charset == Charset::Pc858 {
                bytes.extend([0x1B, 0x74, crate::codepage::PC858_PAGE]);
            }
            if let Some(level) = profile.brightness {
                bytes.extend([0x1F, 0x58, level.clamp(1, 4)]);
            }
        }
        CommandSet::Cd5220 => {
            bytes.extend([0x1B, 0x5F, 0x00]);
            if let Some(level) = profile.brightness {
                bytes.extend([0x1B, 0x2A, level.clamp(1, 4)]);
            }
        }
    }
    bytes
}

/// Bytes that show `lines` (both lines whole, so nothing of the previous screen is left): Epson `HOM` + upper
/// line + `US $ 1 2` + lower line; CD5220 `ESC Q A` upper `CR` `ESC Q B` lower `CR`.
pub fn encode_lines(profile: &DisplayProfile, lines: &DisplayLines) -> Vec<u8> {
    let [upper, lower] = lines.fitted(profile.charset);
    let (upper, lower) = (line_bytes(&upper), line_bytes(&lower));
    let mut bytes = Vec::with_capacity(2 * COLUMNS + 10);
    match profile.commands {
        CommandSet::Epson => {
            bytes.push(0x0B);
            bytes.extend(upper);
            bytes.extend([0x1F, 0x24, 1, 2]);
            bytes.extend(lower);
        }
        CommandSet::Cd5220 => {
            bytes.extend([0x1B, 0x51, 0x41]);
            bytes.extend(upper);
            bytes.push(0x0D);
            bytes.extend([0x1B, 0x51, 0x42]);
            bytes.extend(lower);
            bytes.push(0x0D);
        }
    }
    bytes
}

/// What `devices test display` shows: a column ruler on top (all 20 columns lit) and a line of text below.
pub fn test_pattern() -> DisplayLines {
    DisplayLines::new("12345678901234567890", "Display test: 2 x 20")
}

/// How long the test pattern stays up before the display goes back to the screen asked for last (a newer
/// screen asked for replaces it at once).
pub const TEST_HOLD: Duration = Duration::from_secs(5);

/// What waits for the worker: the newest screen asked for and test jobs.
#[derive(Default)]
struct Pending {
    lines: Option<DisplayLines>,
    tests: Vec<(JobId, DisplayLines)>,
}

/// Handle to the display's worker; dropping it stops the worker (waiting at most one step) and releases the port.
pub struct Display {
    pending: Arc<Mutex<Pending>>,
    wake: SyncSender<()>,
    status: SharedStatus,
    worker: Worker,
    profile: DisplayProfile,
}

impl std::fmt::Debug for Display {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Display").field("profile", &self.profile).finish_non_exhaustive()
    }
}

impl Display {
    /// Starts the display's worker on its transport (`sim:` must have been materialized first).
    pub fn open(resolved: &ResolvedDevice) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let mut profile = resolved.profile.display.clone().ok_or(DeviceError::Unsupported { device: "display", what: "showing text", profile: resolved.profile.name.clone() })?;
        if let Some(level) = resolved.entry.brightness {
            profile.brightness = Some(level);
        }
        let (events, receiver) = EventSink::channel();
        let status = SharedStatus::default();
        let pending = Arc::new(Mutex::new(Pending::default()));
        let (wake, woken) = std::sync::mpsc::sync_channel(1);
        let timeouts = resolved.entry.timeouts;
        let mut run = WriteLoop {
            line: Reconnect::new(resolved.transport.clone(), DeviceKind::Display, &timeouts),
            profile: profile.clone(),
            events,
            status: status.clone(),
            shown: None,
            wanted: None,
            hold_until: None,
        };
        let shared = pending.clone();
        let worker = Worker::spawn("display", timeouts.stop_wait(), move |stop| run.run(stop, &shared, &woken))?;
        Ok((Self { pending, wake, status, worker, profile }, receiver))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn nudge(&self) -> Result<(), DeviceError> {
        match self.wake.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) => Ok(()),
            Err(TrySendError::Disconnected(())) => Err(DeviceError::Stopped { device: "display" }),
        }
    }

    /// Asks for `lines` to be shown; returns at once (a newer call replaces one not yet written).
    pub fn show(&self, lines: DisplayLines) -> Result<(), DeviceError> {
        self.lock().lines = Some(lines);
        self.nudge()
    }

    /// Writes the test pattern; its outcome comes as `JobCompleted`/`JobFailed` for the display.
    pub fn test_pattern(&self) -> Result<JobId, DeviceError> {
        let job = device::next_job_id();
        {
            let mut pending = self.lock();
            if pending.tests.len() >= device::COMMAND_QUEUE_LEN {
                return Err(DeviceError::QueueFull { device: "display", max: device::COMMAND_QUEUE_LEN });
            }
            pending.tests.push((job, test_pattern()));
        }
        self.nudge()?;
        Ok(job)
    }

    /// The profile in use (after the settings' overrides).
    pub fn profile(&self) -> &DisplayProfile {
        &self.profile
    }

    /// Latest known status (unknown while connected: a display does not answer).
    pub fn status(&self) -> DeviceStatus {
        self.status.get()
    }

    /// The status once the port has been opened or has failed (at most `timeout`).
    pub fn wait_read(&self, timeout: Duration) -> DeviceStatus {
        self.status.wait_read(timeout)
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.worker.stop();
    }
}

struct WriteLoop {
    line: Reconnect,
    profile: DisplayProfile,
    events: EventSink,
    status: SharedStatus,
    /// What the display shows now (None after a (re)connect until something is written).
    shown: Option<DisplayLines>,
    /// The newest screen asked for; written again after the link comes back.
    wanted: Option<DisplayLines>,
    /// Until when a test pattern stays up (IT is looking at it).
    hold_until: Option<Instant>,
}

impl WriteLoop {
    fn run(&mut self, stop: &AtomicBool, pending: &Mutex<Pending>, woken: &Receiver<()>) {
        while !stop.load(Ordering::Relaxed) {
            match woken.recv_timeout(device::STOP_CHECK) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let (lines, tests) = {
                let mut pending = pending.lock().unwrap_or_else(PoisonError::into_inner);
                (pending.lines.take(), std::mem::take(&mut pending.tests))
            };
            if lines.is_some() {
                self.wanted = lines;
                self.hold_until = None;
            }
            for (job, pattern) in tests {
                self.line.retry_now();
                match self.write(&pattern) {
                    Ok(()) => {
                        self.hold_until = Some(Instant::now() + TEST_HOLD);
                        self.events.send(DeviceEvent::JobCompleted { device: DeviceKind::Display, job });
                    }
                    Err(reason) => self.events.send(DeviceEvent::JobFailed { device: DeviceKind::Display, job, reason }),
                }
            }
            if self.hold_until.is_some_and(|until| Instant::now() < until) {
                continue;
            }
            if let Some(wanted) = self.wanted.clone().filter(|w| self.shown.as_ref() != Some(w)) {
                let _ = self.write(&wanted);
            } else if self.line.due() {
                // Idle and offline: try the port again so the status recovers (the screen follows once asked).
                let _ = self.connect();
            }
        }
        self.status.update(|s| s.state = DeviceState::Closed);
    }

    /// Opens the link if needed (initialising the display), then writes `lines`.
    fn write(&mut self, lines: &DisplayLines) -> Result<(), String> {
        self.connect()?;
        let bytes = encode_lines(&self.profile, lines);
        let written = self.line.link.as_mut().map(|link| link.write_all(&bytes));
        match written {
            Some(Ok(())) => {
                self.shown = Some(lines.clone());
                Ok(())
            }
            Some(Err(err)) => {
                let reason = err.to_string();
                self.lost(reason.clone());
                Err(reason)
            }
            None => Err("display: not connected".into()),
        }
    }

    fn connect(&mut self) -> Result<(), String> {
        match self.line.connect() {
            Connect::Ready => return Ok(()),
            Connect::Waiting => return Err(self.status.get().last_error.unwrap_or_else(|| "display: waiting to reconnect".into())),
            Connect::Failed(reason) => {
                self.lost(reason.clone());
                return Err(reason);
            }
            Connect::Opened => {}
        }
        let init = encode_init(&self.profile);
        if let Some(Err(err)) = self.line.link.as_mut().map(|link| link.write_all(&init)) {
            let reason = err.to_string();
            self.lost(reason.clone());
            return Err(reason);
        }
        self.shown = None;
        self.line.succeeded();
        self.status.record_reading(|s| {
            s.online = true;
            s.state = DeviceState::Idle;
            s.last_error = None;
            s.unknown = Some(SILENT.into());
        });
        self.events.send(DeviceEvent::Online { device: DeviceKind::Display });
        Ok(())
    }

    fn lost(&mut self, reason: String) {
        self.shown = None;
        self.line.lost(&self.status, &self.events, reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(commands: CommandSet, charset: Charset, brightness: Option<u8>) -> DisplayProfile {
        DisplayProfile { commands, charset, brightness }
    }

    // The Epson DM-D bytes are the manual's: ESC @ (1B 40) initialise, US MD1 (1F 01) overwrite, US C 0 (1F 43 00)
    // cursor off, ESC t 19 (1B 74 13) PC858, US X 2 (1F 58 02) brightness; a screen is HOM (0B) + 20 characters +
    // US $ 1 2 (1F 24 01 02) + 20 characters.
    #[test]
    fn epson_bytes_follow_the_manual() {
        let dmd = profile(CommandSet::Epson, Charset::Pc858, Some(2));
        assert_eq!(encode_init(&dmd), vec![0x1B, 0x40, 0x1F, 0x01, 0x1F, 0x43, 0x00, 0x1B, 0x74, 19, 0x1F, 0x58, 0x02]);
        let bytes = encode_lines(&dmd, &DisplayLines::new(amount_line("Due", "234.16"), "Thank you"));
        let mut expected = vec![0x0B];
        expected.extend(b"Due           234.16");
        expected.extend([0x1F, 0x24, 0x01, 0x02]);
        expected.extend(b"Thank you           ");
        assert_eq!(bytes, expected);
    }

    // The CD5220 bytes are the manual's: ESC @ initialise, ESC _ 0 cursor off, ESC * 4 brightness; a screen is
    // ESC Q A + 20 characters + CR, then ESC Q B + 20 characters + CR.
    #[test]
    fn cd5220_bytes_follow_the_manual() {
        let cd = profile(CommandSet::Cd5220, Charset::Ascii, Some(4));
        assert_eq!(encode_init(&cd), vec![0x1B, 0x40, 0x1B, 0x5F, 0x00, 0x1B, 0x2A, 0x04]);
        let bytes = encode_lines(&cd, &DisplayLines::new("Total", "12.00"));
        let mut expected = vec![0x1B, 0x51, 0x41];
        expected.extend(b"Total               \r");
        expected.extend([0x1B, 0x51, 0x42]);
        expected.extend(b"12.00               \r");
        assert_eq!(bytes, expected);
    }

    // Lines are exactly 20 columns: short ones padded, long ones cut; an amount stays whole and right-aligned
    // while its label is cut; centred text is centred.
    #[test]
    fn lines_fit_twenty_columns() {
        assert_eq!(fit("abc", Charset::Ascii), format!("abc{}", " ".repeat(17)));
        assert_eq!(fit("123456789012345678901234", Charset::Ascii), "12345678901234567890");
        assert_eq!(amount_line("Change", "0.00"), "Change          0.00");
        assert_eq!(amount_line("A very long label indeed", "1,234,567.89"), "A very  1,234,567.89");
        assert_eq!(amount_line("Due", "123456789012345678901234").len(), 20);
        assert_eq!(centred("Welcome"), "      Welcome");
    }

    // Text never carries control bytes (no command injection), and characters beyond the display's are folded:
    // PC858 keeps é and €, ASCII shows e and EUR; typographic dashes and quotes become ASCII in both.
    #[test]
    fn text_is_folded_and_never_a_command() {
        let epson = profile(CommandSet::Epson, Charset::Pc858, None);
        let bytes = encode_lines(&epson, &DisplayLines::new("a\x1B@\x0Cb", "\u{1F}$"));
        assert!(bytes[1..21].iter().all(|b| *b >= 0x20), "{bytes:?}");
        assert_eq!(fold("Café € “x” – Łódź", Charset::Pc858), "Café € \"x\" - Lódz");
        assert_eq!(fold("Café € “x” – Łódź", Charset::Ascii), "Cafe EUR \"x\" - Lodz");
        assert_eq!(line_bytes(&fit("é€", Charset::Pc858))[..2], [0x82, 0xD5]);
    }

    // A brightness outside 1–4 is refused when the profile is read, naming the field.
    #[test]
    fn brightness_is_checked() {
        let text = "name = \"x\"\nkind = \"display\"\n[display]\ncommands = \"epson\"\nbrightness = 7\n";
        let err = crate::profile::Profile::from_toml_str("x", text).unwrap_err().to_string();
        assert_eq!(err, "profile x: [display] brightness 7: must be 1 to 4");
    }
}
