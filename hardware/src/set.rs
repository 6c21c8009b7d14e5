//! The configured peripherals opened together, the one way the window and the command line both use:
//! one worker per port, a printer-wired drawer kicked through the printer's worker, events merged into
//! one feed, and each device's first reading awaited with a bound.

use crate::config::{DevicesConfig, ResolvedDevice};
use crate::counter_device::Counter;
use crate::device::{DeviceError, DeviceEvent, DeviceKind, DeviceStatus, JobId};
use crate::display::Display;
use crate::drawer::{Drawer, DrawerSettings, SerialDrawer};
use crate::printer::Printer;
use crate::profile::DrawerVia;
use crate::receipt::Receipt;
use crate::scanner::Scanner;
use crate::transport::TransportSpec;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Every device kind, in the order they are listed.
pub const ALL_KINDS: [DeviceKind; 5] = [DeviceKind::Printer, DeviceKind::Drawer, DeviceKind::Scanner, DeviceKind::Counter, DeviceKind::Display];

/// The opened peripherals. Absent devices are `None`; why a configured one is absent is in `problems`.
#[derive(Default)]
pub struct DeviceSet {
    printer: Option<Printer>,
    drawer: Option<Drawer>,
    scanner: Option<Scanner>,
    counter: Option<Counter>,
    display: Option<Display>,
    /// One line per device that is configured but could not be opened.
    pub problems: Vec<(DeviceKind, String)>,
    receivers: Vec<Receiver<DeviceEvent>>,
}

impl std::fmt::Debug for DeviceSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceSet").field("problems", &self.problems).finish_non_exhaustive()
    }
}

/// The settings of a drawer that is kicked through the printer, if `drawer` is one.
fn wired_to_printer(resolved: &ResolvedDevice) -> Result<Option<DrawerSettings>, DeviceError> {
    let settings = DrawerSettings::from_resolved(resolved)?;
    Ok((resolved.transport == TransportSpec::ViaPrinter || settings.via == DrawerVia::Printer).then_some(settings))
}

impl DeviceSet {
    /// Opens every configured device; each failure is kept as a problem line, never fatal.
    pub fn open(config: &DevicesConfig) -> DeviceSet {
        Self::open_only(config, &ALL_KINDS)
    }

    /// Opens the configured devices among `kinds` (a printer-wired drawer brings its printer along).
    pub fn open_only(config: &DevicesConfig, kinds: &[DeviceKind]) -> DeviceSet {
        let mut set = DeviceSet::default();
        let wanted = |kind: DeviceKind| kinds.contains(&kind) && config.entry(kind).is_some();
        let mut via_printer = None;
        if wanted(DeviceKind::Drawer) {
            match config.resolve(DeviceKind::Drawer).map_err(DeviceError::from).and_then(|r| wired_to_printer(&r).map(|w| (r, w))) {
                Ok((_, Some(settings))) => via_printer = Some(settings),
                Ok((resolved, None)) => match SerialDrawer::open(&resolved) {
                    Ok((drawer, events)) => {
                        set.drawer = Some(Drawer::Serial(drawer));
                        set.receivers.push(events);
                    }
                    Err(e) => set.problems.push((DeviceKind::Drawer, e.to_string())),
                },
                Err(e) => set.problems.push((DeviceKind::Drawer, e.to_string())),
            }
        }
        if wanted(DeviceKind::Printer) || via_printer.is_some() {
            let opened = config.resolve(DeviceKind::Printer).map_err(DeviceError::from).and_then(|r| Printer::open(&r, via_printer.clone()));
            match opened {
                Ok((printer, events)) => {
                    if via_printer.is_some() {
                        match printer.kicker() {
                            Ok(kicker) => set.drawer = Some(Drawer::ViaPrinter(kicker)),
                            Err(e) => set.problems.push((DeviceKind::Drawer, e.to_string())),
                        }
                    }
                    set.printer = Some(printer);
                    set.receivers.push(events);
                }
                Err(e) => {
                    if via_printer.is_some() {
                        set.problems.push((DeviceKind::Drawer, format!("drawer (wired to the printer): {e}")));
                    }
                    if wanted(DeviceKind::Printer) {
                        set.problems.push((DeviceKind::Printer, e.to_string()));
                    }
                }
            }
        }
        if wanted(DeviceKind::Scanner) {
            match config.resolve(DeviceKind::Scanner).map_err(DeviceError::from).and_then(|r| Scanner::open(&r)) {
                Ok((scanner, events)) => {
                    set.scanner = Some(scanner);
                    set.receivers.push(events);
                }
                Err(e) => set.problems.push((DeviceKind::Scanner, e.to_string())),
            }
        }
        if wanted(DeviceKind::Counter) {
            match config.resolve(DeviceKind::Counter).map_err(DeviceError::from).and_then(|r| Counter::open(&r)) {
                Ok((counter, events)) => {
                    set.counter = Some(counter);
                    set.receivers.push(events);
                }
                Err(e) => set.problems.push((DeviceKind::Counter, e.to_string())),
            }
        }
        if wanted(DeviceKind::Display) {
            match config.resolve(DeviceKind::Display).map_err(DeviceError::from).and_then(|r| Display::open(&r)) {
                Ok((display, events)) => {
                    set.display = Some(display);
                    set.receivers.push(events);
                }
                Err(e) => set.problems.push((DeviceKind::Display, e.to_string())),
            }
        }
        set
    }

    /// The devices' event channels (taken once: the window forwards them, the command line merges them).
    pub fn take_receivers(&mut self) -> Vec<Receiver<DeviceEvent>> {
        std::mem::take(&mut self.receivers)
    }

    /// All devices' events on one channel (one forwarding thread per device; each ends with its worker).
    pub fn take_events(&mut self) -> Receiver<DeviceEvent> {
        merge(self.take_receivers())
    }

    pub fn printer(&self) -> Option<&Printer> {
        self.printer.as_ref()
    }

    pub fn drawer(&self) -> Option<&Drawer> {
        self.drawer.as_ref()
    }

    pub fn scanner(&self) -> Option<&Scanner> {
        self.scanner.as_ref()
    }

    pub fn counter(&self) -> Option<&Counter> {
        self.counter.as_ref()
    }

    pub fn display(&self) -> Option<&Display> {
        self.display.as_ref()
    }

    /// Queues a receipt on the printer.
    pub fn print(&self, receipt: &Receipt) -> Result<JobId, String> {
        let printer = self.printer.as_ref().ok_or_else(|| self.absent(DeviceKind::Printer))?;
        printer.print(receipt).map_err(|e| e.to_string())
    }

    /// Queues a drawer kick.
    pub fn kick(&self) -> Result<JobId, String> {
        let drawer = self.drawer.as_ref().ok_or_else(|| self.absent(DeviceKind::Drawer))?;
        drawer.kick().map_err(|e| e.to_string())
    }

    /// Why a device is not there: its opening problem, or "not configured".
    pub fn absent(&self, kind: DeviceKind) -> String {
        self.problems.iter().find(|(k, _)| *k == kind).map_or_else(|| format!("{}: not configured", kind.name()), |(_, p)| p.clone())
    }

    /// Latest known status of one device (None when it is not open).
    pub fn status(&self, kind: DeviceKind) -> Option<DeviceStatus> {
        match kind {
            DeviceKind::Printer => self.printer.as_ref().map(Printer::status),
            DeviceKind::Drawer => self.drawer.as_ref().map(Drawer::status),
            DeviceKind::Scanner => self.scanner.as_ref().map(Scanner::status),
            DeviceKind::Counter => self.counter.as_ref().map(Counter::status),
            DeviceKind::Display => self.display.as_ref().map(Display::status),
        }
    }

    /// One device's status once it has been read, waiting until `deadline` at most (None when it is not open).
    pub fn wait_read(&self, kind: DeviceKind, deadline: Instant) -> Option<DeviceStatus> {
        let left = deadline.saturating_duration_since(Instant::now());
        match kind {
            DeviceKind::Printer => self.printer.as_ref().map(|d| d.wait_read(left)),
            DeviceKind::Drawer => self.drawer.as_ref().map(|d| d.wait_read(left)),
            DeviceKind::Scanner => self.scanner.as_ref().map(|d| d.wait_read(left)),
            DeviceKind::Counter => self.counter.as_ref().map(|d| d.wait_read(left)),
            DeviceKind::Display => self.display.as_ref().map(|d| d.wait_read(left)),
        }
    }
}

/// Waits for the outcome of `job` among `events` (matching its device too), at most `timeout`.
pub fn job_outcome(events: &Receiver<DeviceEvent>, job: JobId, timeout: Duration) -> Result<(), String> {
    let outcome = crate::commands::wait_for(events, timeout, |e| match e {
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    });
    outcome.unwrap_or_else(|| Err(format!("no answer within {} ms", timeout.as_millis())))
}

/// Forwards several device channels into one; each forwarding thread ends when its device's worker does.
pub fn merge(receivers: Vec<Receiver<DeviceEvent>>) -> Receiver<DeviceEvent> {
    let (sink, merged) = crate::device::EventSink::channel();
    for events in receivers {
        let sink = sink.clone();
        let _ = std::thread::Builder::new().name("citytill-device-events".into()).spawn(move || {
            for event in events {
                sink.send(event);
            }
        });
    }
    merged
}
