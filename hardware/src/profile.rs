//! Device profiles: TOML files in `hardware/profiles/`, embedded in the binary, or loaded from a path.

use crate::counter::CounterTemplate;
use crate::device::DeviceKind;
use crate::encode::{CutMode, PrintOptions};
use crate::transport::{Flow, Parity};
use serde::{Deserialize, Serialize};
use std::path::Path;
use thiserror::Error;

/// Why a profile could not be found or read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProfileError {
    #[error("profile {name:?}: not an embedded profile ({known}) and not a readable file: {problem}")]
    NotFound { name: String, known: String, problem: String },
    #[error("profile {name}: {problem}")]
    Invalid { name: String, problem: String },
    #[error("profile {name}: is a {found} profile, expected {expected}")]
    WrongKind { name: String, found: &'static str, expected: &'static str },
}

/// Profiles shipped inside the binary, by name.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("tm-t88", include_str!("../profiles/printer-tm-t88.toml")),
    ("tm-t88-512", include_str!("../profiles/printer-tm-t88-512.toml")),
    ("printer-80mm", include_str!("../profiles/printer-80mm.toml")),
    ("printer-80mm-42", include_str!("../profiles/printer-80mm-42.toml")),
    ("printer-58mm", include_str!("../profiles/printer-58mm.toml")),
    ("tm-h6000", include_str!("../profiles/printer-tm-h6000.toml")),
    ("star-escpos", include_str!("../profiles/printer-star-escpos.toml")),
    ("magtek-micr", include_str!("../profiles/scanner-magtek-micr.toml")),
    ("bill-counter", include_str!("../profiles/counter-bill-generic.toml")),
    ("drawer-printer-pin2", include_str!("../profiles/drawer-printer-pin2.toml")),
    ("drawer-printer-pin5", include_str!("../profiles/drawer-printer-pin5.toml")),
    ("drawer-printer-nosensor", include_str!("../profiles/drawer-printer-nosensor.toml")),
    ("drawer-serial", include_str!("../profiles/drawer-serial.toml")),
    ("drawer-apg-serialpro", include_str!("../profiles/drawer-apg-serialpro.toml")),
    ("epson-dm-d", include_str!("../profiles/display-epson-dm-d.toml")),
    ("cd5220", include_str!("../profiles/display-cd5220.toml")),
];

/// A receipt printer's capabilities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterProfile {
    /// Characters per line in font A (12 dots wide on Epson-compatible printers).
    pub columns: usize,
    /// Printable width in dots (TM-T88 at 576 or 512, 58 mm at 384); absent = columns × 12.
    #[serde(default)]
    pub dots: Option<u32>,
    /// Whether the printer takes `DLE DC4 fn=8` (clear buffers), used to drop a half-received job after
    /// paper out; without it the partial job is ended with a VOID line, a feed and a cut.
    #[serde(default)]
    pub clear_buffer: bool,
    #[serde(default)]
    pub cut: CutMode,
    #[serde(default = "default_feed_lines")]
    pub feed_lines_before_cut: u8,
    /// A slip/validation station (endorse, validate; `slip.rs`).
    #[serde(default)]
    pub slip_station: bool,
    /// A MICR reader in the slip path (`Printer::read_check`, `FS a 0`).
    #[serde(default)]
    pub micr: bool,
}

fn default_feed_lines() -> u8 {
    4
}

/// Width of one font A character in dots (12 × 24 on Epson-compatible printers).
pub const FONT_A_DOTS: u32 = 12;

impl PrinterProfile {
    /// Encoder options for this printer.
    pub fn print_options(&self) -> PrintOptions {
        PrintOptions { columns: self.columns, cut: self.cut, feed_lines_before_cut: self.feed_lines_before_cut, dots: self.print_dots() }
    }

    /// The printable width in dots.
    pub fn print_dots(&self) -> u32 {
        self.dots.unwrap_or_else(|| u32::try_from(self.columns).unwrap_or(0).saturating_mul(FONT_A_DOTS))
    }

    /// Why this printer section cannot be right, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if !crate::receipt::SUPPORTED_COLUMNS.contains(&self.columns) {
            return Some(format!("columns {}: must be 32, 42 or 48", self.columns));
        }
        let needed = u32::try_from(self.columns).unwrap_or(u32::MAX).saturating_mul(FONT_A_DOTS);
        if self.print_dots() < needed {
            return Some(format!("dots {}: {} columns of font A need {needed} dots", self.print_dots(), self.columns));
        }
        None
    }
}

/// How the drawer is opened and how its sensor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DrawerVia {
    Printer,
    Serial,
}

/// A cash drawer's wiring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrawerProfile {
    pub via: DrawerVia,
    #[serde(default = "default_pin")]
    pub pin: u8,
    #[serde(default = "default_pulse_on_ms")]
    pub pulse_on_ms: u32,
    #[serde(default = "default_pulse_off_ms")]
    pub pulse_off_ms: u32,
    /// Polarity: true when a HIGH sensor (DLE EOT pin 3, or a serial "1") means open.
    #[serde(default)]
    pub open_when_high: bool,
    #[serde(default = "default_left_open_ms")]
    pub left_open_after_ms: u64,
    /// Whether the drawer has an open sensor wired (DK pin 3, or the serial controller's). Without one a
    /// kick is not confirmed and "left open" is never reported.
    #[serde(default = "default_sensor")]
    pub sensor: bool,
    /// How long after a kick the sensor must read open: the pulse itself plus the drawer's travel.
    #[serde(default = "default_confirm_open_ms")]
    pub confirm_open_ms: u64,
    /// Serial drawers: bytes that fire the solenoid.
    #[serde(default)]
    pub open_command: Vec<u8>,
    /// Serial drawers: bytes that ask for the sensor ('1' high / '0' low comes back).
    #[serde(default)]
    pub status_query: Vec<u8>,
    /// Serial drawers: the modem line the drawer switch is on (`cts`, `ri`, `dsr`, `dcd`); set, it replaces the query.
    #[serde(default)]
    pub sensor_line: Option<crate::transport::ModemLine>,
    /// Serial drawers: solenoid charge time after the port opens and between opens, ms (APG SerialPRO: 12000, 6000).
    #[serde(default)]
    pub charge_first_ms: u64,
    #[serde(default)]
    pub charge_between_ms: u64,
}

fn default_pin() -> u8 {
    2
}
fn default_pulse_on_ms() -> u32 {
    100
}
fn default_pulse_off_ms() -> u32 {
    100
}
fn default_left_open_ms() -> u64 {
    60_000
}
fn default_sensor() -> bool {
    true
}
/// Pulse (up to ~200 ms) plus the drawer's travel until the sensor switch changes.
fn default_confirm_open_ms() -> u64 {
    500
}

/// A line scanner (MICR reader / scanline reader).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerProfile {
    /// MagTek format the reader is set to ("00", "01", "02"); absent = detect.
    #[serde(default)]
    pub micr_format: Option<String>,
    #[serde(default = "default_max_line_bytes")]
    pub max_line_bytes: usize,
}

fn default_max_line_bytes() -> usize {
    256
}

/// A customer-facing pole display (2 lines of [`crate::display::COLUMNS`] characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplayProfile {
    /// The command set the display is switched to: `epson` (DM-D ESC/POS mode) or `cd5220`.
    pub commands: crate::display::CommandSet,
    /// Characters the display can show beyond ASCII: `pc858` (selected with `ESC t 19`) or `ascii` (everything folded to ASCII).
    #[serde(default)]
    pub charset: crate::display::Charset,
    /// Brightness 1 (dimmest) to 4 (brightest); absent = the display's own setting.
    #[serde(default)]
    pub brightness: Option<u8>,
}

impl DisplayProfile {
    /// Why this display section cannot be right, if it cannot.
    pub fn problem(&self) -> Option<String> {
        self.brightness.filter(|b| !(1..=4).contains(b)).map(|b| format!("brightness {b}: must be 1 to 4"))
    }
}

/// Serial defaults for devices normally on a serial line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SerialDefaults {
    pub baud: u32,
    pub parity: Parity,
    pub flow: Flow,
}

/// One device profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub kind: DeviceKind,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub serial: Option<SerialDefaults>,
    #[serde(default)]
    pub printer: Option<PrinterProfile>,
    #[serde(default)]
    pub drawer: Option<DrawerProfile>,
    #[serde(default)]
    pub scanner: Option<ScannerProfile>,
    #[serde(default)]
    pub counter: Option<CounterTemplate>,
    #[serde(default)]
    pub display: Option<DisplayProfile>,
}

impl Profile {
    /// Parses and checks that the section for its kind is present.
    pub fn from_toml_str(name: &str, text: &str) -> Result<Self, ProfileError> {
        let invalid = |problem: String| ProfileError::Invalid { name: name.to_string(), problem };
        let profile: Profile = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if let Some(problem) = profile.printer.as_ref().and_then(PrinterProfile::problem) {
            return Err(invalid(format!("[printer] {problem}")));
        }
        if let Some(problem) = profile.display.as_ref().and_then(DisplayProfile::problem) {
            return Err(invalid(format!("[display] {problem}")));
        }
        let has_section = match profile.kind {
            DeviceKind::Printer => profile.printer.is_some(),
            DeviceKind::Drawer => profile.drawer.is_some(),
            DeviceKind::Scanner => profile.scanner.is_some(),
            DeviceKind::Counter => profile.counter.is_some(),
            DeviceKind::Display => profile.display.is_some(),
        };
        if !has_section {
            return Err(invalid(format!("[{}] section missing or invalid (printer columns must be 32, 42 or 48)", profile.kind.name())));
        }
        Ok(profile)
    }

    /// An embedded profile by name, else a TOML file at that path.
    pub fn load(name_or_path: &str) -> Result<Self, ProfileError> {
        if let Some((name, text)) = EMBEDDED.iter().find(|(name, _)| *name == name_or_path) {
            return Self::from_toml_str(name, text);
        }
        let text =
            std::fs::read_to_string(Path::new(name_or_path)).map_err(|e| ProfileError::NotFound { name: name_or_path.to_string(), known: embedded_names().join(", "), problem: e.to_string() })?;
        Self::from_toml_str(name_or_path, &text)
    }

    /// Loads and requires the profile to be of `kind`.
    pub fn load_kind(name_or_path: &str, kind: DeviceKind) -> Result<Self, ProfileError> {
        let profile = Self::load(name_or_path)?;
        if profile.kind != kind {
            return Err(ProfileError::WrongKind { name: profile.name, found: profile.kind.name(), expected: kind.name() });
        }
        Ok(profile)
    }
}

/// Names of the embedded profiles.
pub fn embedded_names() -> Vec<&'static str> {
    EMBEDDED.iter().map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every embedded profile parses and has the section its kind needs.
    #[test]
    fn embedded_profiles_load() {
        for name in embedded_names() {
            let profile = Profile::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(profile.name, name);
        }
    }

    // Unknown names and wrong kinds give clear errors.
    #[test]
    fn clear_errors() {
        let err = Profile::load("no-such-printer").unwrap_err();
        assert!(err.to_string().contains("tm-t88"), "{err}");
        let err = Profile::load_kind("tm-t88", DeviceKind::Scanner).unwrap_err();
        assert_eq!(err.to_string(), "profile tm-t88: is a printer profile, expected scanner");
    }
}
