//! High-level operations behind `citytill devices ...`: list ports, status of each device, test one device.

use crate::config::{ConfigError, DevicesConfig};
use crate::device::{DeviceError, DeviceEvent, DeviceKind, DeviceStatus};
use crate::drawer::{Drawer, DrawerSettings, SerialDrawer};
use crate::printer::Printer;
use crate::profile::DrawerVia;
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
    pub status: Option<DeviceStatus>,
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

/// Starts the drawer: through a new printer worker, or its own serial worker.
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

fn settle_ms(config: &DevicesConfig, kind: DeviceKind) -> u64 {
    config.entry(kind).map_or(1000, |e| e.timeouts.status_timeout_ms * 3 + e.timeouts.poll_interval_ms + e.timeouts.connect_timeout_ms)
}

fn probe(config: &DevicesConfig, kind: DeviceKind) -> Result<DeviceStatus, DeviceError> {
    let wait = Duration::from_millis(settle_ms(config, kind));
    let online_or_offline = |e: &DeviceEvent| matches!(e, DeviceEvent::Online { .. } | DeviceEvent::Offline { .. }).then_some(());
    let status = match kind {
        DeviceKind::Printer => {
            let (printer, events) = open_printer(config)?;
            wait_for(&events, wait, online_or_offline);
            printer.status()
        }
        DeviceKind::Drawer => {
            let (drawer, events, printer) = open_drawer(config)?;
            wait_for(&events, wait, online_or_offline);
            match (&drawer, printer) {
                (Drawer::Serial(serial), _) => serial.status(),
                (_, Some(printer)) => printer.status(),
                _ => DeviceStatus::default(),
            }
        }
        DeviceKind::Scanner => crate::scanner::Scanner::open(&config.resolve(kind)?).map(|(s, e)| {
            wait_for(&e, wait, online_or_offline);
            s.status()
        })?,
        DeviceKind::Counter => crate::counter_device::Counter::open(&config.resolve(kind)?).map(|(c, e)| {
            wait_for(&e, wait, online_or_offline);
            c.status()
        })?,
    };
    Ok(status)
}

/// Opens each configured device briefly and reports its state (bounded by its timeouts).
pub fn status(config: &DevicesConfig) -> Vec<DeviceReport> {
    [DeviceKind::Printer, DeviceKind::Drawer, DeviceKind::Scanner, DeviceKind::Counter]
        .into_iter()
        .filter_map(|kind| {
            let entry = config.entry(kind)?;
            let result = probe(config, kind);
            Some(DeviceReport {
                device: kind,
                profile: Some(entry.profile.clone()),
                transport: Some(entry.transport.clone()),
                status: result.as_ref().ok().cloned(),
                error: result.err().map(|e| e.to_string()),
            })
        })
        .collect()
}

fn job_outcome(events: &Receiver<DeviceEvent>, job: u64, timeout: Duration) -> Result<String, String> {
    let outcome = wait_for(events, timeout, |e| match e {
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    });
    match outcome {
        Some(Ok(())) => Ok(format!("job {job} completed")),
        Some(Err(reason)) => Err(reason),
        None => Err(format!("no answer within {} ms", timeout.as_millis())),
    }
}

/// `devices test printer|drawer|scanner|counter`: test page, kick, read one line, read one report.
pub fn test_device(config: &DevicesConfig, which: DeviceKind, timeout_ms: u64) -> Result<String, DeviceError> {
    let timeout = Duration::from_millis(timeout_ms);
    let failed = |problem: String| DeviceError::Failed { device: which.name(), problem };
    match which {
        DeviceKind::Printer => {
            let (printer, events) = open_printer(config)?;
            let job = printer.test_page()?;
            job_outcome(&events, job, timeout).map_err(failed)
        }
        DeviceKind::Drawer => {
            let (drawer, events, _printer) = open_drawer(config)?;
            let job = drawer.kick()?;
            job_outcome(&events, job, timeout).map_err(failed)
        }
        DeviceKind::Scanner => {
            let (_scanner, events) = crate::scanner::Scanner::open(&config.resolve(which)?)?;
            let read = wait_for(&events, timeout, |e| match e {
                DeviceEvent::Data(data) => Some(Ok(format!("{data:?}"))),
                DeviceEvent::InputRejected { reason, .. } => Some(Err(reason.clone())),
                _ => None,
            });
            read.unwrap_or_else(|| Err(format!("no line within {timeout_ms} ms"))).map_err(failed)
        }
        DeviceKind::Counter => {
            let (_counter, events) = crate::counter_device::Counter::open(&config.resolve(which)?)?;
            let read = wait_for(&events, timeout, |e| match e {
                DeviceEvent::CounterReport(report) => Some(Ok(format!("{report:?}"))),
                DeviceEvent::InputRejected { reason, .. } => Some(Err(reason.clone())),
                _ => None,
            });
            read.unwrap_or_else(|| Err(format!("no report within {timeout_ms} ms"))).map_err(failed)
        }
    }
}

/// Loads a devices config from a file, for the CLI.
pub fn load_config(path: &std::path::Path) -> Result<DevicesConfig, ConfigError> {
    DevicesConfig::load(path)
}
