//! High-level operations behind `citytill devices ...`: list ports, status of each device, test one device.

use crate::config::{ConfigError, DevicesConfig};
use crate::device::{DeviceError, DeviceEvent, DeviceKind, DeviceState, DeviceStatus};
use crate::drawer::{Drawer, DrawerSettings, SerialDrawer};
use crate::printer::Printer;
use crate::profile::DrawerVia;
use crate::set::{job_outcome, DeviceSet, ALL_KINDS};
use crate::transport::TransportSpec;
use serde::Serialize;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// A serial port found on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortInfo {
    pub name: String,
    pub kind: String,
}

/// Serial ports the OS knows (from /sys without libudev).
pub fn list_ports() -> Result<Vec<PortInfo>, DeviceError> {
    let ports = serialport::available_ports().map_err(|e| DeviceError::Failed { device: "ports", problem: e.to_string() })?;
    Ok(ports
        .into_iter()
        .map(|p| {
            let kind = match p.port_type {
                serialport::SerialPortType::UsbPort(usb) => format!("usb {:04x}:{:04x} {}", usb.vid, usb.pid, usb.product.unwrap_or_default()),
                serialport::SerialPortType::PciPort => "pci".into(),
                serialport::SerialPortType::BluetoothPort => "bluetooth".into(),
                serialport::SerialPortType::Unknown => "unknown".into(),
            };
            PortInfo { name: p.port_name, kind: kind.trim().to_string() }
        })
        .collect())
}

/// What `devices status` shows for one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceReport {
    pub device: DeviceKind,
    pub profile: Option<String>,
    pub transport: Option<String>,
    /// The device's first reading; None when it could not be opened or was not read in time.
    pub status: Option<DeviceStatus>,
    /// "ok", "busy", "offline: ...", "error: ...", "not read yet ..." or why it could not be opened.
    pub summary: String,
    pub error: Option<String>,
}

/// The drawer settings of a drawer wired to the printer, if the config has one.
fn printer_drawer(config: &DevicesConfig) -> Result<Option<DrawerSettings>, DeviceError> {
    if config.drawer.is_none() {
        return Ok(None);
    }
    let resolved = config.resolve(DeviceKind::Drawer)?;
    let settings = DrawerSettings::from_resolved(&resolved)?;
    Ok((resolved.transport == TransportSpec::ViaPrinter || settings.via == DrawerVia::Printer).then_some(settings))
}

/// Starts the printer worker (with its drawer, when the drawer is kicked through it).
pub fn open_printer(config: &DevicesConfig) -> Result<(Printer, Receiver<DeviceEvent>), DeviceError> {
    let resolved = config.resolve(DeviceKind::Printer)?;
    Printer::open(&resolved, printer_drawer(config)?)
}

/// Starts the drawer: through a new printer worker, or its own serial worker. Keep the returned printer
/// for as long as the drawer is used (dropping it stops the worker the kicks go through).
pub fn open_drawer(config: &DevicesConfig) -> Result<(Drawer, Receiver<DeviceEvent>, Option<Printer>), DeviceError> {
    if printer_drawer(config)?.is_some() {
        let (printer, events) = open_printer(config)?;
        return Ok((Drawer::ViaPrinter(printer.kicker()?), events, Some(printer)));
    }
    let (drawer, events) = SerialDrawer::open(&config.resolve(DeviceKind::Drawer)?)?;
    Ok((Drawer::Serial(drawer), events, None))
}

/// Waits for the first event `pick` accepts, up to `timeout`.
pub fn wait_for<T>(events: &Receiver<DeviceEvent>, timeout: Duration, mut pick: impl FnMut(&DeviceEvent) -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(event) => {
                if let Some(found) = pick(&event) {
                    return Some(found);
                }
            }
            Err(_) => return None,
        }
    }
    None
}

/// How long `devices status` waits for one device's first reading (its timeouts; the printer's for a wired drawer).
fn first_reading(config: &DevicesConfig, kind: DeviceKind) -> Duration {
    let own = config.entry(kind).map(|e| e.timeouts.first_reading()).unwrap_or_default();
    let printer = config.printer.as_ref().map(|e| e.timeouts.first_reading()).unwrap_or_default();
    if kind == DeviceKind::Drawer && printer_drawer(config).ok().flatten().is_some() {
        own.max(printer)
    } else {
        own
    }
}

/// One word (or line) on a read status: what the cashier or IT needs to know.
pub fn summary(status: &DeviceStatus) -> String {
    if !status.read {
        return "not read yet".into();
    }
    if let (true, Some(why)) = (status.online, status.unknown.as_deref()) {
        return format!("unknown: {why}");
    }
    match (status.online, status.state, status.last_error.as_deref()) {
        (false, _, Some(error)) => format!("offline: {error}"),
        (false, _, None) => "offline".into(),
        (true, DeviceState::Error, Some(error)) => format!("error: {error}"),
        (true, DeviceState::Error, None) => "error".into(),
        (true, DeviceState::Busy, _) => "busy".into(),
        (true, DeviceState::Idle | DeviceState::Closed, _) => "ok".into(),
    }
}

/// Opens the configured devices together and reports each one after its first real reading — or says it
/// was "not read yet" when none came within its bound (connect + write + three status replies). Never a guess.
pub fn status(config: &DevicesConfig) -> Vec<DeviceReport> {
    let set = DeviceSet::open(config);
    let started = Instant::now();
    ALL_KINDS
        .into_iter()
        .filter_map(|kind| {
            let entry = config.entry(kind)?;
            let bound = first_reading(config, kind);
            let read = set.wait_read(kind, started + bound);
            let (status, summary, error) = match read {
                None => {
                    let problem = set.absent(kind);
                    (None, format!("not opened: {problem}"), Some(problem))
                }
                Some(status) if !status.read => {
                    let text = format!("not read yet (no reading within {} ms)", bound.as_millis());
                    (None, text.clone(), Some(text))
                }
                Some(status) => (Some(status.clone()), summary(&status), status.last_error.clone()),
            };
            Some(DeviceReport { device: kind, profile: Some(entry.profile.clone()), transport: Some(entry.transport.clone()), status, summary, error })
        })
        .collect()
}

/// `devices test printer|drawer|scanner|counter|display`: test page, kick, read one line, read one report, show
/// the test pattern.
/// Every wait is bounded by `timeout_ms`, and closing the devices afterwards by one worker step.
pub fn test_device(config: &DevicesConfig, which: DeviceKind, timeout_ms: u64) -> Result<String, DeviceError> {
    let timeout = Duration::from_millis(timeout_ms);
    let failed = |problem: String| DeviceError::Failed { device: which.name(), problem };
    let resolved = config.resolve(which)?;
    // A serial drawer just opened must charge before it fires (APG: 12 s): the kick waits for that on top.
    let charge = Duration::from_millis(resolved.profile.drawer.as_ref().map_or(0, |d| d.charge_first_ms));
    let mut set = DeviceSet::open_only(config, &[which]);
    let events = set.take_events();
    let absent = || failed(set.absent(which));
    match which {
        DeviceKind::Printer => {
            let job = set.printer().ok_or_else(absent)?.test_page()?;
            job_outcome(&events, job, timeout).map(|()| format!("job {job} completed")).map_err(failed)
        }
        DeviceKind::Drawer => {
            let settings = DrawerSettings::from_resolved(&config.resolve(which)?)?;
            test_drawer(set.drawer().ok_or_else(absent)?, &settings, &events, timeout + charge).map_err(failed)
        }
        DeviceKind::Scanner => {
            set.scanner().ok_or_else(absent)?;
            let read = wait_for(&events, timeout, |e| match e {
                DeviceEvent::Data(data) => Some(Ok(format!("{data:?}"))),
                DeviceEvent::InputRejected { reason, .. } => Some(Err(reason.clone())),
                _ => None,
            });
            read.unwrap_or_else(|| Err(format!("no line within {timeout_ms} ms"))).map_err(failed)
        }
        DeviceKind::Counter => {
            set.counter().ok_or_else(absent)?;
            let read = wait_for(&events, timeout, |e| match e {
                DeviceEvent::CounterReport(report) => Some(Ok(format!("{report:?}"))),
                DeviceEvent::InputRejected { reason, .. } => Some(Err(reason.clone())),
                _ => None,
            });
            read.unwrap_or_else(|| Err(format!("no report within {timeout_ms} ms"))).map_err(failed)
        }
        DeviceKind::Display => {
            let job = set.display().ok_or_else(absent)?.test_pattern()?;
            let [upper, lower] = crate::display::test_pattern().fitted(set.display().map_or_else(Default::default, |d| d.profile().charset));
            job_outcome(&events, job, timeout)
                .map(|()| format!("test pattern written (job {job}); the display should show \"{upper}\" above \"{lower}\" — a display sends nothing back, so check it by eye"))
                .map_err(failed)
        }
    }
}

/// The config with the printer's job timeout set to `timeout` (how long a slip or check may take to be inserted).
fn slip_config(config: &DevicesConfig, timeout: Duration) -> DevicesConfig {
    let mut config = config.clone();
    if let Some(printer) = config.printer.as_mut() {
        printer.timeouts.job_timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    }
    config
}

/// `devices read-check`: the printer's MICR reader (TM-H6000, `micr = true`) reads one check inserted within
/// `timeout_ms`; the parsed check (account masked), or why not.
pub fn read_check(config: &DevicesConfig, timeout_ms: u64) -> Result<crate::micr::Micr, DeviceError> {
    let timeout = Duration::from_millis(timeout_ms);
    let failed = |problem: String| DeviceError::Failed { device: "printer", problem };
    let (printer, events) = open_printer(&slip_config(config, timeout))?;
    let job = printer.read_check()?;
    let mut check = None;
    let outcome = wait_for(&events, timeout + printer.timeouts().step(), |e| match e {
        DeviceEvent::Data(crate::device::ScanData::Micr(read)) => {
            check = Some(read.clone());
            None
        }
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    });
    outcome.unwrap_or_else(|| Err(format!("no answer within {timeout_ms} ms"))).map_err(failed)?;
    check.ok_or_else(|| failed("the read ended without a MICR line".into()))
}

/// `devices test slip`: waits (at most `timeout_ms`) for a form in the slip station, prints a test line on it
/// and ejects it — the slip station and its insertion sensor work.
pub fn test_slip(config: &DevicesConfig, timeout_ms: u64) -> Result<String, DeviceError> {
    let timeout = Duration::from_millis(timeout_ms);
    let (printer, events) = open_printer(&slip_config(config, timeout))?;
    let profile = config.printer.as_ref().map(|p| p.profile.clone()).unwrap_or_default();
    let job = printer.print_on_slip(crate::slip::Station::Slip, vec!["CityTill slip test".into(), format!("profile {profile}")])?;
    job_outcome(&events, job, timeout + printer.timeouts().step()).map(|()| format!("slip printed and ejected (job {job})")).map_err(|problem| DeviceError::Failed { device: "printer", problem })
}

/// "HIGH" or "LOW".
fn level(high: bool) -> &'static str {
    if high {
        "HIGH"
    } else {
        "LOW"
    }
}

/// The raw sensor level behind a drawer reading: open = (HIGH == open_when_high), so HIGH = (open == open_when_high).
fn sensor_high(status: &DeviceStatus, open_when_high: bool) -> Option<bool> {
    status.drawer_open.map(|open| open == open_when_high)
}

/// `devices test drawer`: reads the sensor, kicks, reads it again and tells IT which way this drawer reads —
/// the manuals fix only the electrics (DK pin 3 pulled up, the drawer's switch to pin 6), not whether the
/// switch closes when the drawer opens or shuts. Fails when the drawer did not open as configured, saying
/// which setting would be right. Run it with the drawer closed.
fn test_drawer(drawer: &Drawer, settings: &DrawerSettings, events: &Receiver<DeviceEvent>, timeout: Duration) -> Result<String, String> {
    let before = drawer.wait_read(timeout);
    if !before.read || !before.online {
        return Err(before.last_error.unwrap_or_else(|| format!("no reading within {} ms", timeout.as_millis())));
    }
    let job = drawer.kick().map_err(|e| e.to_string())?;
    if !settings.sensor {
        job_outcome(events, job, timeout)?;
        return Ok(format!("kicked (job {job}); this drawer has no open sensor configured (sensor = false): check by eye that it opened"));
    }
    let (Some(high_before), None) = (sensor_high(&before, settings.open_when_high), before.unknown.as_deref()) else {
        job_outcome(events, job, timeout)?;
        let why = before.unknown.unwrap_or_else(|| "the drawer sensor is not read".into());
        return Ok(format!("kicked (job {job}); the sensor cannot be read ({why}): its polarity cannot be checked here"));
    };
    let outcome = job_outcome(events, job, timeout);
    // The confirmation polled the sensor; give a slow drawer one more reading to show its new level.
    let deadline = std::time::Instant::now() + Duration::from_millis(settings.confirm_open_ms).min(timeout);
    let mut high_after = sensor_high(&drawer.status(), settings.open_when_high);
    while high_after == Some(high_before) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        high_after = sensor_high(&drawer.status(), settings.open_when_high);
    }
    let Some(high_after) = high_after.filter(|after| *after != high_before) else {
        let why = outcome.err().map(|e| format!(" ({e})")).unwrap_or_default();
        return Err(format!(
            "the drawer did not open{why}: its sensor stayed {} after the kick. It is stuck or not connected, has no sensor wired \
             (then set sensor = false), or was open before the test (close it and run again)",
            level(high_before)
        ));
    };
    let found = format!("sensor {} before the kick, {} after: this drawer reads {} when open, so open_when_high = {high_after}", level(high_before), level(high_after), level(high_after));
    if high_after == settings.open_when_high && outcome.is_ok() {
        Ok(format!("kicked (job {job}); {found} (as configured)"))
    } else {
        Err(format!("the drawer did not open as configured (open_when_high = {}); {found}: set open_when_high = {high_after} in [devices.drawer]", settings.open_when_high))
    }
}

/// Loads a devices config from a file, for the CLI.
pub fn load_config(path: &std::path::Path) -> Result<DevicesConfig, ConfigError> {
    DevicesConfig::load(path)
}
