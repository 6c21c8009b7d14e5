//! Cash drawer: open/closed from a sensor with configurable polarity, "left open" timing, and the serial drawer worker.

use crate::config::{ResolvedDevice, Timeouts};
use crate::device::{enqueue, next_job_id, Backoff, DeviceError, DeviceEvent, DeviceKind, DeviceState, DeviceStatus, EventSink, JobId, SharedStatus, Worker, COMMAND_QUEUE_LEN, STOP_CHECK};
use crate::drawer_serial::{ChargeTimer, KickDecision, KickQueue};
use crate::escpos_bytes::{drawer_kick, DrawerPin};
use crate::profile::{DrawerProfile, DrawerVia};
use crate::transport::{self, drain_input, Link, ModemLine, TransportError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
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
        let profile: &DrawerProfile = resolved.profile.drawer.as_ref().ok_or(DeviceError::Unsupported {
            device: "drawer",
            what: "a drawer section",
            profile: resolved.profile.name.clone(),
        })?;
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

/// Reads a drawer's open sensor. Pseudo-terminals have no modem lines, so the sensor sits behind this trait.
pub trait DrawerSensor: Send {
    /// Whether the sensor input is HIGH, within `timeout`.
    fn sensor_high(&mut self, link: &mut dyn Link, timeout: Duration) -> Result<bool, TransportError>;
}

/// Sensor read by sending a query and getting '1' (HIGH) or '0' (LOW) back.
pub struct QuerySensor {
    pub query: Vec<u8>,
}

impl DrawerSensor for QuerySensor {
    fn sensor_high(&mut self, link: &mut dyn Link, timeout: Duration) -> Result<bool, TransportError> {
        drain_input(link, 4096)?;
        link.write_all(&self.query)?;
        let deadline = Instant::now() + timeout;
        let mut byte = [0u8; 1];
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            if link.read_timeout(&mut byte, left.max(Duration::from_millis(1)))? == 1 && matches!(byte[0], b'0' | b'1') {
                return Ok(byte[0] == b'1');
            }
        }
        Err(TransportError::Io { target: link.describe(), problem: format!("no drawer sensor reply within {} ms", timeout.as_millis()) })
    }
}

/// Sensor wired to a modem status line of a real serial port.
pub struct ModemLineSensor {
    pub line: ModemLine,
}

impl DrawerSensor for ModemLineSensor {
    fn sensor_high(&mut self, link: &mut dyn Link, _timeout: Duration) -> Result<bool, TransportError> {
        link.modem_line(self.line)
    }
}

enum DrawerCommand {
    Open(JobId),
}

/// A drawer on its own serial line, owned by one worker thread (stopped, bounded, when this is dropped).
pub struct SerialDrawer {
    commands: SyncSender<DrawerCommand>,
    status: SharedStatus,
    worker: Worker,
}

impl SerialDrawer {
    /// Starts the worker; events arrive on the returned receiver. The drawer switch is read from the profile's
    /// modem line (`sensor_line`) or by its status query.
    pub fn open(resolved: &ResolvedDevice) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let settings = DrawerSettings::from_resolved(resolved)?;
        Self::open_with_sensor(resolved, crate::drawer_serial::sensor_for(&settings))
    }

    /// Starts the worker reading the drawer switch through `sensor` (tests stand one in for a modem line, which a
    /// pseudo-terminal does not have).
    pub fn open_with_sensor(resolved: &ResolvedDevice, sensor: Box<dyn DrawerSensor>) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let settings = DrawerSettings::from_resolved(resolved)?;
        let (events, receiver) = EventSink::channel();
        let (commands, command_rx) = std::sync::mpsc::sync_channel(COMMAND_QUEUE_LEN);
        let status = SharedStatus::default();
        let mut worker = DrawerWorker::new(resolved, settings, events, status.clone(), sensor);
        let worker = Worker::spawn("drawer", resolved.entry.timeouts.stop_wait(), move |stop| worker.run(&command_rx, stop))?;
        Ok((Self { commands, status, worker }, receiver))
    }

    /// Fires the solenoid; completion or failure arrives as an event.
    pub fn kick(&self) -> Result<JobId, DeviceError> {
        let job = next_job_id();
        enqueue(&self.commands, DrawerCommand::Open(job), DeviceKind::Drawer)?;
        Ok(job)
    }

    /// Latest known status.
    pub fn status(&self) -> DeviceStatus {
        self.status.get()
    }

    /// The status once the drawer has been read (at most `timeout`); unread (`read: false`) after that.
    pub fn wait_read(&self, timeout: Duration) -> DeviceStatus {
        self.status.wait_read(timeout)
    }
}

impl Drop for SerialDrawer {
    fn drop(&mut self) {
        self.worker.stop();
    }
}

struct DrawerWorker {
    spec: transport::TransportSpec,
    timeouts: Timeouts,
    settings: DrawerSettings,
    link: Option<Box<dyn Link>>,
    sensor: Box<dyn DrawerSensor>,
    watch: DrawerWatch,
    events: EventSink,
    status: SharedStatus,
    backoff: Backoff,
    next_connect: Instant,
    charge: ChargeTimer,
    queue: KickQueue,
}

impl DrawerWorker {
    fn new(resolved: &ResolvedDevice, settings: DrawerSettings, events: EventSink, status: SharedStatus, sensor: Box<dyn DrawerSensor>) -> Self {
        let timeouts = resolved.entry.timeouts;
        Self {
            spec: resolved.transport.clone(),
            timeouts,
            watch: DrawerWatch::new(settings.open_when_high, settings.left_open_after_ms),
            charge: ChargeTimer::new(settings.charge_first_ms, settings.charge_between_ms),
            queue: KickQueue::default(),
            settings,
            link: None,
            sensor,
            events,
            status,
            backoff: Backoff::new(timeouts.reconnect_initial_ms, timeouts.reconnect_max_ms),
            next_connect: Instant::now(),
        }
    }

    fn run(&mut self, commands: &Receiver<DrawerCommand>, stop: &AtomicBool) {
        let poll = Duration::from_millis(self.timeouts.poll_interval_ms.max(10));
        self.poll();
        let mut last_poll = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            match commands.recv_timeout(poll.min(STOP_CHECK)) {
                Ok(DrawerCommand::Open(job)) => self.request_open(job),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if let Some(job) = self.queue.due(&self.charge, Instant::now()) {
                self.open_drawer(job);
            }
            if last_poll.elapsed() >= poll {
                self.poll();
                last_poll = Instant::now();
            }
        }
        if let Some(job) = self.queue.take() {
            self.events.send(DeviceEvent::JobFailed { device: DeviceKind::Drawer, job, reason: "drawer closed before its solenoid had charged".into() });
        }
        self.status.update(|s| s.state = DeviceState::Closed);
    }

    fn connect(&mut self) -> bool {
        if self.link.is_some() {
            return true;
        }
        if Instant::now() < self.next_connect {
            return false;
        }
        match transport::open(&self.spec, "drawer", self.timeouts.open()) {
            Ok(link) => {
                self.link = Some(link);
                self.charge.powered(Instant::now());
                true
            }
            Err(err) => {
                self.lost(err.to_string());
                false
            }
        }
    }

    fn lost(&mut self, reason: String) {
        self.link = None;
        self.charge.unpowered();
        if let Some(job) = self.queue.take() {
            self.events.send(DeviceEvent::JobFailed { device: DeviceKind::Drawer, job, reason: format!("drawer offline: {reason}") });
        }
        self.next_connect = Instant::now() + Duration::from_millis(self.backoff.next_delay_ms());
        self.status.mark_offline(&self.events, DeviceKind::Drawer, reason);
    }

    fn read_sensor(&mut self) -> Option<bool> {
        let timeout = Duration::from_millis(self.timeouts.status_timeout_ms);
        let link = self.link.as_mut()?;
        match self.sensor.sensor_high(link.as_mut(), timeout) {
            Ok(high) => Some(high),
            Err(err) => {
                self.lost(err.to_string());
                None
            }
        }
    }

    fn poll(&mut self) {
        if !self.connect() {
            return;
        }
        if !self.settings.sensor {
            let was_online = self.status.get().online;
            self.status.record_reading(|s| {
                s.online = true;
                s.state = DeviceState::Idle;
                s.drawer_open = None;
                s.last_error = None;
                s.unknown = Some(NO_SENSOR.into());
            });
            if !was_online {
                self.events.send(DeviceEvent::Online { device: DeviceKind::Drawer });
            }
            return;
        }
        let Some(high) = self.read_sensor() else { return };
        self.backoff.reset();
        let was_online = self.status.get().online;
        let events = self.watch.observe(high, Instant::now());
        let open = self.watch.last_open();
        self.status.record_reading(|s| {
            s.online = true;
            s.state = DeviceState::Idle;
            s.drawer_open = open;
            s.last_error = None;
        });
        if !was_online {
            self.events.send(DeviceEvent::Online { device: DeviceKind::Drawer });
        }
        for event in events {
            self.events.send(event);
        }
    }

    /// A kick: fired now, kept until the solenoid has charged, or refused when one is already waiting.
    fn request_open(&mut self, job: JobId) {
        if !self.connect() {
            return self.events.send(DeviceEvent::JobFailed { device: DeviceKind::Drawer, job, reason: "drawer offline".into() });
        }
        match self.queue.request(job, &self.charge, Instant::now()) {
            KickDecision::Fire => self.open_drawer(job),
            KickDecision::Queued { .. } => {}
            KickDecision::Refused(reason) => self.events.send(DeviceEvent::JobFailed { device: DeviceKind::Drawer, job, reason }),
        }
    }

    fn open_drawer(&mut self, job: JobId) {
        let fail = |this: &mut Self, reason: String| this.events.send(DeviceEvent::JobFailed { device: DeviceKind::Drawer, job, reason });
        if !self.connect() {
            return fail(self, "drawer offline".into());
        }
        let command = self.settings.open_command.clone();
        let written = self.link.as_mut().map(|link| link.write_all(&command));
        if let Some(Err(err)) = written {
            self.lost(err.to_string());
            return fail(self, format!("drawer offline: {err}"));
        }
        self.charge.fired(Instant::now());
        if confirm_open(self) {
            self.events.send(DeviceEvent::JobCompleted { device: DeviceKind::Drawer, job });
        } else {
            fail(self, "drawer did not open (stuck or jammed)".into());
        }
    }
}

/// Polls the sensor after a kick until it reads open or `confirm_open_ms` (pulse + travel) has passed;
/// a drawer without a sensor is not confirmed.
fn confirm_open(worker: &mut DrawerWorker) -> bool {
    if !worker.settings.sensor {
        return true;
    }
    let deadline = Instant::now() + Duration::from_millis(worker.settings.confirm_open_ms);
    loop {
        std::thread::sleep(CONFIRM_STEP);
        worker.poll();
        if worker.watch.last_open() == Some(true) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
    }
}

/// Time between two sensor readings while waiting for a kicked drawer to open.
pub const CONFIRM_STEP: Duration = Duration::from_millis(20);

/// The app's drawer: either kicked through the printer or on its own serial line.
pub enum Drawer {
    ViaPrinter(crate::printer::DrawerKicker),
    Serial(SerialDrawer),
}

impl Drawer {
    /// Opens the drawer; the result arrives as a job event (on the printer's channel for `ViaPrinter`).
    pub fn kick(&self) -> Result<JobId, DeviceError> {
        match self {
            Self::ViaPrinter(kicker) => kicker.kick(),
            Self::Serial(drawer) => drawer.kick(),
        }
    }

    /// Latest known status (a printer-wired drawer's is the printer's, which carries `drawer_open`).
    pub fn status(&self) -> DeviceStatus {
        match self {
            Self::ViaPrinter(kicker) => kicker.status(),
            Self::Serial(drawer) => drawer.status(),
        }
    }

    /// The status once read, waiting at most `timeout`.
    pub fn wait_read(&self, timeout: Duration) -> DeviceStatus {
        match self {
            Self::ViaPrinter(kicker) => kicker.wait_read(timeout),
            Self::Serial(drawer) => drawer.wait_read(timeout),
        }
    }
}

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
