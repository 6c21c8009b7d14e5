//! A cash drawer's wiring (`DrawerSettings`, from its profile and config entry) and its open-sensor watch
//! (`DrawerWatch`): shared by the serial drawer worker (`drawer.rs`) and the printer, which kicks and reads a
//! drawer wired to it (`printer.rs`), so neither imports the other for them.

use crate::config::ResolvedDevice;
use crate::device::{DeviceError, DeviceEvent};
use crate::escpos_bytes::{drawer_kick, DrawerPin};
use crate::profile::{DrawerProfile, DrawerVia};
use crate::transport::ModemLine;
use std::time::{Duration, Instant};

/// A drawer's wiring after profile and config overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawerSettings {
    pub kick: [u8; 5],
    pub open_when_high: bool,
    pub left_open_after_ms: u64,
    pub open_command: Vec<u8>,
    pub status_query: Vec<u8>,
    pub via: DrawerVia,
    /// Whether an open sensor is wired; without one nothing is confirmed or watched.
    pub sensor: bool,
    /// How long after a kick the sensor must read open.
    pub confirm_open_ms: u64,
    /// Serial drawers: the modem line the drawer switch is wired to (APG: CTS or RI); None = ask with `status_query`.
    pub sensor_line: Option<ModemLine>,
    /// Serial drawers: solenoid charge time after the port opens, and between opens (APG: 12 s, 6 s).
    pub charge_first_ms: u64,
    pub charge_between_ms: u64,
}

/// What the status says about a drawer configured without an open sensor.
pub const NO_SENSOR: &str = "drawer has no open sensor (sensor = false): kicks are not confirmed and \"left open\" is not watched";

/// Longest confirmation wait accepted (a drawer that needs longer is stuck).
pub const MAX_CONFIRM_OPEN_MS: u64 = 10_000;

impl DrawerSettings {
    /// Settings from a resolved drawer entry (profile values, overridden by the entry).
    pub fn from_resolved(resolved: &ResolvedDevice) -> Result<Self, DeviceError> {
        let profile: &DrawerProfile = resolved.profile.drawer.as_ref().ok_or(DeviceError::Unsupported { device: "drawer", what: "a drawer section", profile: resolved.profile.name.clone() })?;
        let entry = &resolved.entry;
        let pin = DrawerPin::from_number(entry.kick_pin.unwrap_or(profile.pin))?;
        let kick = drawer_kick(pin, entry.pulse_on_ms.unwrap_or(profile.pulse_on_ms), entry.pulse_off_ms.unwrap_or(profile.pulse_off_ms))?;
        Ok(Self {
            kick,
            open_when_high: entry.open_when_high.unwrap_or(profile.open_when_high),
            left_open_after_ms: entry.left_open_after_ms.unwrap_or(profile.left_open_after_ms),
            open_command: profile.open_command.clone(),
            status_query: profile.status_query.clone(),
            via: profile.via,
            sensor: entry.sensor.unwrap_or(profile.sensor),
            confirm_open_ms: entry.confirm_open_ms.unwrap_or(profile.confirm_open_ms).min(MAX_CONFIRM_OPEN_MS),
            sensor_line: profile.sensor_line,
            charge_first_ms: profile.charge_first_ms,
            charge_between_ms: profile.charge_between_ms,
        })
    }
}

/// Turns sensor readings into open/closed edges and one "left open" event per opening (pure).
#[derive(Debug, Clone)]
pub struct DrawerWatch {
    open_when_high: bool,
    left_open_after_ms: u64,
    open: Option<bool>,
    open_since: Option<Instant>,
    left_open_reported: bool,
}

impl DrawerWatch {
    /// A watch with the drawer's polarity and left-open time.
    pub fn new(open_when_high: bool, left_open_after_ms: u64) -> Self {
        Self { open_when_high, left_open_after_ms, open: None, open_since: None, left_open_reported: false }
    }

    /// Whether a sensor reading means open.
    pub fn is_open(&self, sensor_high: bool) -> bool {
        sensor_high == self.open_when_high
    }

    /// Feeds one reading taken at `now`; returns the events it causes.
    pub fn observe(&mut self, sensor_high: bool, now: Instant) -> Vec<DeviceEvent> {
        let open = self.is_open(sensor_high);
        let mut events = Vec::new();
        if self.open != Some(open) {
            self.open = Some(open);
            self.open_since = open.then_some(now);
            self.left_open_reported = false;
            events.push(DeviceEvent::Drawer { open });
        }
        if let Some(since) = self.open_since {
            let open_for_ms = u64::try_from(now.duration_since(since).as_millis()).unwrap_or(u64::MAX);
            if open_for_ms >= self.left_open_after_ms && !self.left_open_reported {
                self.left_open_reported = true;
                events.push(DeviceEvent::DrawerLeftOpen { open_for_ms });
            }
        }
        events
    }

    /// The last known state.
    pub fn last_open(&self) -> Option<bool> {
        self.open
    }
}

/// Time between two sensor readings while waiting for a kicked drawer to open.
pub const CONFIRM_STEP: Duration = Duration::from_millis(20);

#[cfg(test)]
mod tests {
    use super::*;

    // Polarity decides what HIGH means, and edges are reported once each.
    #[test]
    fn polarity_and_edges() {
        let now = Instant::now();
        let mut watch = DrawerWatch::new(false, 60_000);
        assert_eq!(watch.observe(true, now), vec![DeviceEvent::Drawer { open: false }]);
        assert_eq!(watch.observe(true, now), vec![]);
        assert_eq!(watch.observe(false, now), vec![DeviceEvent::Drawer { open: true }]);
    }

    // "Left open" fires once after the configured time and again only after the next opening.
    #[test]
    fn left_open_once_per_opening() {
        let start = Instant::now();
        let mut watch = DrawerWatch::new(true, 1000);
        watch.observe(true, start);
        assert_eq!(watch.observe(true, start + Duration::from_millis(999)), vec![]);
        assert_eq!(watch.observe(true, start + Duration::from_millis(1500)), vec![DeviceEvent::DrawerLeftOpen { open_for_ms: 1500 }]);
        assert_eq!(watch.observe(true, start + Duration::from_millis(3000)), vec![]);
        watch.observe(false, start + Duration::from_millis(3100));
        watch.observe(true, start + Duration::from_millis(3200));
        assert_eq!(watch.observe(true, start + Duration::from_millis(4300)).len(), 1);
    }
}
