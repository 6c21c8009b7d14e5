//! The `[devices]` settings section: which profile and transport each peripheral uses, and its timeouts.

use crate::device::DeviceKind;
use crate::profile::{Profile, ProfileError};
use crate::transport::{OpenTimeouts, TransportError, TransportSpec};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

/// Why the devices configuration is unusable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    #[error("devices config {path}: {problem}")]
    Read { path: String, problem: String },
    #[error("devices config: {0}")]
    Toml(String),
    #[error("devices.{device}: {source}")]
    Profile { device: &'static str, source: ProfileError },
    #[error("devices.{device}: {source}")]
    Transport { device: &'static str, source: TransportError },
    #[error("devices.{device}: not configured")]
    NotConfigured { device: &'static str },
    #[error("devices.{device}.{field}: {problem}")]
    Field { device: &'static str, field: &'static str, problem: String },
}

/// Scheduling slack added to computed bounds (thread wake-ups, the 20 ms drawer-confirmation sleeps).
const STEP_SLACK_MS: u64 = 250;

/// Every wait on a device, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Timeouts {
    /// Longest wait for one status reply (DLE EOT, drawer sensor); no reply = offline.
    pub status_timeout_ms: u64,
    pub write_timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// How often an idle device is polled for status.
    pub poll_interval_ms: u64,
    pub reconnect_initial_ms: u64,
    pub reconnect_max_ms: u64,
    /// Longest a whole print job may take.
    pub job_timeout_ms: u64,
    /// Quiet time after which a partial counter report is judged (and rejected if incomplete).
    pub report_idle_ms: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            status_timeout_ms: 500,
            write_timeout_ms: 2000,
            connect_timeout_ms: 2000,
            poll_interval_ms: 500,
            reconnect_initial_ms: 250,
            reconnect_max_ms: 5000,
            job_timeout_ms: 30_000,
            report_idle_ms: 1000,
        }
    }
}

impl Timeouts {
    /// The subset used when opening a link.
    pub fn open(&self) -> OpenTimeouts {
        OpenTimeouts { connect_timeout_ms: self.connect_timeout_ms, write_timeout_ms: self.write_timeout_ms }
    }

    /// Longest one worker step may take: open the link, write, and ask three status questions (DLE EOT 1, 2, 4).
    pub fn step(&self) -> Duration {
        let status = self.status_timeout_ms.saturating_mul(3);
        Duration::from_millis(self.connect_timeout_ms.saturating_add(self.write_timeout_ms).saturating_add(status).saturating_add(STEP_SLACK_MS))
    }

    /// How long to wait for a device's first reading (one step; a connect failure is a reading too).
    pub fn first_reading(&self) -> Duration {
        self.step()
    }

    /// How long dropping a device handle waits for its worker to stop (one step, or one read poll).
    pub fn stop_wait(&self) -> Duration {
        self.step().max(Duration::from_millis(self.poll_interval_ms.min(1000).saturating_add(STEP_SLACK_MS)))
    }
}

/// One configured peripheral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceEntry {
    /// Embedded profile name (e.g. "tm-t88") or a path to a profile TOML.
    pub profile: String,
    /// `serial:/dev/ttyUSB0?baud=9600&parity=none&flow=none` (`serial:COM3` on Windows), `tcp:host:9100`, `file:/dev/usb/lp0`,
    /// `spooler:PRINTER NAME` (Windows), `sim:`, or `printer` (drawers).
    pub transport: String,
    #[serde(default)]
    pub timeouts: Timeouts,
    /// Drawer polarity override: true when a HIGH sensor means open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_when_high: Option<bool>,
    /// Drawer kick overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kick_pin: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse_on_ms: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pulse_off_ms: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_open_after_ms: Option<u64>,
    /// Drawer: whether an open sensor is wired (false = kicks are not confirmed, no left-open watch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensor: Option<bool>,
    /// Drawer: how long after a kick the sensor must read open (pulse + travel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_open_ms: Option<u64>,
    /// Display: brightness 1 (dimmest) to 4, over the profile's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brightness: Option<u8>,
}

impl DeviceEntry {
    /// An entry with default timeouts and no overrides.
    pub fn new(profile: &str, transport: &str) -> Self {
        Self {
            profile: profile.to_string(),
            transport: transport.to_string(),
            timeouts: Timeouts::default(),
            open_when_high: None,
            kick_pin: None,
            pulse_on_ms: None,
            pulse_off_ms: None,
            left_open_after_ms: None,
            sensor: None,
            confirm_open_ms: None,
            brightness: None,
        }
    }
}

/// The `[devices]` section. Default: nothing configured.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DevicesConfig {
    pub printer: Option<DeviceEntry>,
    pub drawer: Option<DeviceEntry>,
    pub scanner: Option<DeviceEntry>,
    pub counter: Option<DeviceEntry>,
    /// The customer-facing pole display.
    pub display: Option<DeviceEntry>,
}

/// A checked entry: its profile loaded and its transport parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDevice {
    pub kind: DeviceKind,
    pub profile: Profile,
    pub transport: TransportSpec,
    pub entry: DeviceEntry,
}

impl DevicesConfig {
    /// Parses the section's TOML (the keys `printer`, `drawer`, `scanner`, `counter`, `display` at top level).
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string()))
    }

    /// Reads a devices TOML file (e.g. the `devices.toml` the simulators write).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: path.display().to_string(), problem: e.to_string() })?;
        Self::from_toml_str(&text)
    }

    /// The TOML text of this section.
    pub fn to_toml_string(&self) -> Result<String, ConfigError> {
        toml::to_string(self).map_err(|e| ConfigError::Toml(e.to_string()))
    }

    /// The entry of one device, if configured.
    pub fn entry(&self, kind: DeviceKind) -> Option<&DeviceEntry> {
        match kind {
            DeviceKind::Printer => self.printer.as_ref(),
            DeviceKind::Drawer => self.drawer.as_ref(),
            DeviceKind::Scanner => self.scanner.as_ref(),
            DeviceKind::Counter => self.counter.as_ref(),
            DeviceKind::Display => self.display.as_ref(),
        }
    }

    /// Loads the profile and parses the transport of one device.
    pub fn resolve(&self, kind: DeviceKind) -> Result<ResolvedDevice, ConfigError> {
        let device = kind.name();
        let entry = self.entry(kind).ok_or(ConfigError::NotConfigured { device })?;
        let profile = Profile::load_kind(&entry.profile, kind).map_err(|source| ConfigError::Profile { device, source })?;
        if let Some(counter) = &profile.counter {
            counter.validate().map_err(|problem| ConfigError::Field { device, field: "profile", problem: format!("{}: [counter] {problem}", entry.profile) })?;
        }
        let transport = TransportSpec::parse(&entry.transport).map_err(|source| ConfigError::Transport { device, source })?;
        if transport == TransportSpec::ViaPrinter && kind != DeviceKind::Drawer {
            return Err(ConfigError::Field { device, field: "transport", problem: "\"printer\" is only for drawers".into() });
        }
        if let Some(level) = entry.brightness.filter(|b| !(1..=4).contains(b)) {
            return Err(ConfigError::Field { device, field: "brightness", problem: format!("{level}: must be 1 (dimmest) to 4 (brightest)") });
        }
        Ok(ResolvedDevice { kind, profile, transport, entry: entry.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // An empty section means no devices; a written config reads back equal.
    #[test]
    fn default_and_round_trip() {
        assert_eq!(DevicesConfig::from_toml_str("").unwrap(), DevicesConfig::default());
        let config = DevicesConfig {
            printer: Some(DeviceEntry::new("tm-t88", "tcp:192.168.1.50:9100")),
            drawer: Some(DeviceEntry { open_when_high: Some(true), ..DeviceEntry::new("drawer-printer-pin2", "printer") }),
            ..DevicesConfig::default()
        };
        let text = config.to_toml_string().unwrap();
        assert_eq!(DevicesConfig::from_toml_str(&text).unwrap(), config);
    }

    // A counter profile given as a file is loaded from settings, and its line patterns are checked then: a
    // pattern with an unknown field is refused naming the setting, before any report arrives.
    #[test]
    fn counter_profile_file_is_checked_on_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.toml");
        let text = "name = \"x\"\nkind = \"counter\"\n[counter]\ncurrency = \"USD\"\ndenominations_cents = [2000]\nrow_patterns = [\"{denomination} {pieces}\"]\n";
        std::fs::write(&good, text).unwrap();
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, text.replace("{pieces}", "{count}")).unwrap();
        let config = |path: &Path| DevicesConfig { counter: Some(DeviceEntry::new(path.to_str().unwrap(), "sim:")), ..DevicesConfig::default() };
        let resolved = config(&good).resolve(DeviceKind::Counter).unwrap();
        assert_eq!(resolved.profile.counter.unwrap().row_patterns, vec!["{denomination} {pieces}".to_string()]);
        let err = config(&bad).resolve(DeviceKind::Counter).unwrap_err().to_string();
        assert!(err.starts_with("devices.counter.profile: ") && err.contains("unknown field {count}"), "{err}");
    }

    // Resolving names the device and field at fault.
    #[test]
    fn resolve_errors() {
        let config = DevicesConfig::from_toml_str("[printer]\nprofile = \"tm-t88\"\ntransport = \"usb:1\"\n").unwrap();
        let err = config.resolve(DeviceKind::Printer).unwrap_err();
        assert!(err.to_string().starts_with("devices.printer: transport \"usb:1\""), "{err}");
        assert_eq!(config.resolve(DeviceKind::Scanner).unwrap_err().to_string(), "devices.scanner: not configured");
        let typo = DevicesConfig::from_toml_str("[printer]\nprofile = \"x\"\ntransport = \"sim:\"\ntimeout_ms = 5\n");
        assert!(typo.is_err());
    }
}
