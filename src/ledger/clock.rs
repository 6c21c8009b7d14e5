//! Time at the counter: where "now" comes from, the city's time zone (business dates never follow the
//! process's `TZ`), and the guard that keeps entry times from going backwards and notices clock jumps.

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// The meta key holding the city's IANA time zone (written by `init --time-zone`).
pub const TIME_ZONE_KEY: &str = "time_zone";
/// A clock jump larger than this (either way, in minutes) is shown when no setting says otherwise.
pub const DEFAULT_JUMP_MINUTES: i64 = 10;

/// Where "now" comes from: the system clock at the counter, a fixed instant in tests and simulations.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(at) => at,
        }
    }

    /// The calendar date in the city's zone at this clock's now.
    pub fn today(self, zone: Tz) -> NaiveDate {
        date_in(self.now(), zone)
    }
}

/// The calendar date of `at` in `zone`.
pub fn date_in(at: DateTime<Utc>, zone: Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// Parses an IANA zone name ("America/Chicago"), naming the field on failure.
pub fn parse_zone(field: &str, name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| format!("{field}: '{}' is not an IANA time zone name (e.g. America/Chicago)", name.trim()))
}

/// The machine's configured zone (/etc/localtime), not the process's `TZ`; UTC if it cannot be read.
pub fn machine_zone() -> Tz {
    iana_time_zone::get_timezone().ok().and_then(|name| name.parse::<Tz>().ok()).unwrap_or(Tz::UTC)
}

/// Clock warnings raised while writing, waiting to be shown (the CLI prints them to stderr, the window
/// in its status line). They are journaled as `clock_warning` entries too; this queue is only the display.
static NOTICES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Takes the clock warnings not yet shown.
pub fn take_notices() -> Vec<String> {
    NOTICES.lock().map(|mut notices| std::mem::take(&mut *notices)).unwrap_or_default()
}

fn post_notice(text: &str) {
    tracing::warn!(target: "citytill", "{text}");
    if let Ok(mut notices) = NOTICES.lock() {
        // A window nobody reads from keeps only the latest few (every warning is in the journal anyway).
        if notices.len() >= 16 {
            notices.remove(0);
        }
        notices.push(text.to_string());
    }
}

/// What the guard decided for one entry: its time, and the warning to journal before it (if any).
pub struct Stamp {
    pub at: DateTime<Utc>,
    pub warning: Option<(String, String, String)>,
    /// The reading to keep in `meta.clock_anchor` for the next process (`BootReading::text`), if due.
    pub save_anchor: Option<String>,
}

/// The meta key holding the last process's clock reading against the boot clock.
pub const ANCHOR_KEY: &str = "clock_anchor";

/// The wall clock read together with the boot clock (Linux: `boot_id` and `/proc/uptime`, which runs
/// on through suspend and no one can set), so a later process on the same boot can tell how far the
/// wall clock should have moved, and notice a clock moved between two commands.
#[derive(Clone, Debug, PartialEq)]
pub struct BootReading {
    boot: String,
    /// Hundredths of a second since boot.
    uptime: i64,
    wall: DateTime<Utc>,
}

impl BootReading {
    pub fn now(wall: DateTime<Utc>) -> Option<BootReading> {
        // Kept as the SHA-256 of the boot id: 64 hex characters, never a digit run that reads like a card number.
        let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let boot = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(boot.trim().as_bytes()));
        let uptime = std::fs::read_to_string("/proc/uptime").ok()?;
        Some(BootReading { boot, uptime: centiseconds(uptime.split_whitespace().next()?)?, wall })
    }

    pub fn text(&self) -> String {
        // Labelled fields: no space or dash joins the uptime's digits to the date's (the card-number detector
        // joins digit groups across those, and a stored reading must never look like a card number).
        format!("{};uptime={};wall={}", self.boot, self.uptime, self.wall.format(FORMAT))
    }

    pub fn parse(text: &str) -> Option<BootReading> {
        let mut parts = text.split(';');
        let boot = parts.next()?;
        let uptime = parts.next()?.strip_prefix("uptime=")?.parse().ok()?;
        let wall = parse_at(parts.next()?.strip_prefix("wall=")?)?;
        Some(BootReading { boot: boot.to_string(), uptime, wall })
    }

    /// How far `self.wall` is from where `earlier`'s wall clock should have moved, on the same boot.
    fn drift_since(&self, earlier: &BootReading) -> Option<chrono::Duration> {
        (self.boot == earlier.boot).then(|| (self.wall - earlier.wall) - chrono::Duration::milliseconds((self.uptime - earlier.uptime) * 10))
    }
}

/// "1234.56" → 123456.
fn centiseconds(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    let fraction: String = fraction.chars().chain("00".chars()).take(2).collect();
    Some(whole.parse::<i64>().ok()? * 100 + fraction.parse::<i64>().ok()?)
}

/// Keeps entry times monotonic and notices jumps. Per open ledger (per process).
#[derive(Debug)]
pub struct ClockGuard {
    /// A wall-clock reading and the monotonic instant it was taken at: a later reading far from
    /// `wall + elapsed` means the clock was moved.
    anchor: Option<(Instant, DateTime<Utc>)>,
    /// The system reading when we last warned that the clock was behind the ledger (warn once per setback).
    warned_behind: Option<DateTime<Utc>>,
    /// Whether this process has left its boot-clock reading in the ledger for the next one.
    anchor_saved: bool,
    pub jump_minutes: i64,
}

impl Default for ClockGuard {
    fn default() -> ClockGuard {
        ClockGuard { anchor: None, warned_behind: None, anchor_saved: false, jump_minutes: DEFAULT_JUMP_MINUTES }
    }
}

fn span(duration: chrono::Duration) -> String {
    let seconds = duration.num_seconds().abs();
    if seconds >= 3600 {
        format!("{}h{:02}m", seconds / 3600, (seconds % 3600) / 60)
    } else {
        format!("{}m{:02}s", seconds / 60, seconds % 60)
    }
}

impl ClockGuard {
    /// The time for the next entry given the clock's reading `system` and the last entry's time `last`:
    /// never earlier than `last`. A reading behind `last`, or a jump of more than `jump_minutes` since the
    /// previous reading in this process, yields a warning (system time, last entry time, message).
    ///
    /// `saved` is the previous process's boot-clock reading (`meta.clock_anchor`), asked for only while
    /// `wants_saved_anchor`: the first entry of a process compares against it, so a clock moved between two
    /// commands is noticed too.
    pub fn stamp(&mut self, system: DateTime<Utc>, last: Option<DateTime<Utc>>, saved: Option<&str>) -> Stamp {
        let mut message = None;
        let limit = chrono::Duration::minutes(self.jump_minutes.max(1));
        let reading = if self.anchor_saved { None } else { BootReading::now(system) };
        let (jump, when) = match self.anchor {
            Some((instant, wall)) => (Some(system - (wall + chrono::Duration::from_std(instant.elapsed()).unwrap_or_default())), "while CityTill ran"),
            None => (reading.as_ref().zip(saved.and_then(BootReading::parse)).and_then(|(now, earlier)| now.drift_since(&earlier)), "since the last command"),
        };
        if let Some(jump) = jump.filter(|jump| *jump > limit || -*jump > limit) {
            let way = if jump > chrono::Duration::zero() { "forward" } else { "back" };
            message = Some(format!("clock: the clock jumped {way} by {} {when}; check the time", span(jump)));
            // The next process compares with the clock as it is now, not as it was before the jump.
            self.anchor_saved = false;
        }
        self.anchor = Some((Instant::now(), system));
        let save_anchor = if self.anchor_saved { None } else { reading.or_else(|| BootReading::now(system)).map(|r| r.text()) };
        self.anchor_saved = true;
        let mut at = system;
        match last {
            Some(last) if system < last => {
                at = last;
                if self.warned_behind.is_none_or(|warned| system < warned) {
                    self.warned_behind = Some(system);
                    message = Some(format!(
                        "clock: the clock reads {}, {} before the last entry ({}); entries keep the last entry's time until the clock is right",
                        system.format("%Y-%m-%d %H:%M:%S UTC"),
                        span(last - system),
                        last.format("%Y-%m-%d %H:%M:%S UTC")
                    ));
                }
            }
            _ => self.warned_behind = None,
        }
        let warning = message.map(|text| {
            post_notice(&text);
            (system.format(FORMAT).to_string(), last.unwrap_or(at).format(FORMAT).to_string(), text)
        });
        Stamp { at, warning, save_anchor }
    }

    /// Whether the next `stamp` wants the previous process's reading.
    pub fn wants_saved_anchor(&self) -> bool {
        self.anchor.is_none()
    }
}

/// The journal's time format.
pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// Reads a journal time.
pub fn parse_at(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|at| at.to_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_at(text).unwrap()
    }

    // Proves an entry never gets a time before the last entry's, a setback is warned about once, and a
    // forward jump within one process beyond the limit is warned about.
    #[test]
    fn entries_never_go_back_and_jumps_are_noticed() {
        let mut guard = ClockGuard::default();
        let last = at("2026-05-01T12:00:00Z");
        let first = guard.stamp(at("2026-05-01T11:00:00Z"), Some(last), None);
        assert_eq!(first.at, last);
        assert!(first.warning.as_ref().is_some_and(|w| w.2.contains("1h00m before the last entry")), "{:?}", first.warning);
        let second = guard.stamp(at("2026-05-01T11:00:01Z"), Some(last), None);
        assert_eq!((second.at, second.warning.is_none()), (last, true));
        let jumped = guard.stamp(at("2026-05-01T13:00:00Z"), Some(last), None);
        assert_eq!(jumped.at, at("2026-05-01T13:00:00Z"));
        assert!(jumped.warning.is_some_and(|w| w.2.contains("jumped forward")));
        let steady = guard.stamp(at("2026-05-01T13:00:00Z"), Some(last), None);
        assert!(steady.warning.is_none());
    }

    // Proves a reading kept by an earlier process on the same boot reveals a clock moved between the two
    // (forward or back), one on another boot says nothing, and the kept text parses back.
    #[test]
    fn a_clock_moved_between_processes_is_noticed() {
        let earlier = BootReading { boot: "b1".into(), uptime: 100_000, wall: at("2026-05-01T12:00:00Z") };
        assert_eq!(BootReading::parse(&earlier.text()), Some(earlier.clone()));
        let later = |wall: &str, boot: &str| BootReading { boot: boot.into(), uptime: 100_000 + 60 * 100, wall: at(wall) };
        assert_eq!(later("2026-05-01T12:01:00Z", "b1").drift_since(&earlier), Some(chrono::Duration::zero()));
        assert_eq!(later("2026-05-01T13:01:00Z", "b1").drift_since(&earlier), Some(chrono::Duration::hours(1)));
        assert_eq!(later("2026-05-01T11:01:00Z", "b1").drift_since(&earlier), Some(chrono::Duration::hours(-1)));
        assert_eq!(later("2026-05-01T13:01:00Z", "b2").drift_since(&earlier), None);
        assert_eq!(centiseconds("1234.5"), Some(123_450));
    }

    // Proves the business date follows the city's zone, not the process's: 23:30 in Chicago is the
    // next day in UTC and two days' boundary in Kiritimati.
    #[test]
    fn dates_follow_the_city_zone() {
        let instant = at("2026-05-02T04:30:00Z");
        assert_eq!(date_in(instant, parse_zone("z", "America/Chicago").unwrap()).to_string(), "2026-05-01");
        assert_eq!(date_in(instant, parse_zone("z", "Pacific/Kiritimati").unwrap()).to_string(), "2026-05-02");
        assert!(parse_zone("--time-zone", "Mars/Olympus").unwrap_err().starts_with("--time-zone:"));
    }
}
