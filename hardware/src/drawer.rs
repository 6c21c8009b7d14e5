//! Cash drawer: open/closed from a sensor with configurable polarity, "left open" timing, and the serial drawer worker.

use crate::config::{ResolvedDevice, Timeouts};
use crate::device::{enqueue, next_job_id, DeviceError, DeviceEvent, DeviceKind, DeviceState, DeviceStatus, EventSink, JobId, SharedStatus, Worker, COMMAND_QUEUE_LEN, STOP_CHECK};
use crate::drawer_serial::{ChargeTimer, KickDecision, KickQueue};
pub use crate::drawer_wiring::{DrawerSettings, DrawerWatch, CONFIRM_STEP, MAX_CONFIRM_OPEN_MS, NO_SENSOR};
use crate::reconnect::{Connect, Reconnect};
use crate::transport::{drain_input, Link, ModemLine, TransportError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

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
    line: Reconnect,
    timeouts: Timeouts,
    settings: DrawerSettings,
    sensor: Box<dyn DrawerSensor>,
    watch: DrawerWatch,
    events: EventSink,
    status: SharedStatus,
    charge: ChargeTimer,
    queue: KickQueue,
}

impl DrawerWorker {
    fn new(resolved: &ResolvedDevice, settings: DrawerSettings, events: EventSink, status: SharedStatus, sensor: Box<dyn DrawerSensor>) -> Self {
        let timeouts = resolved.entry.timeouts;
        Self {
            line: Reconnect::new(resolved.transport.clone(), DeviceKind::Drawer, &timeouts),
            timeouts,
            watch: DrawerWatch::new(settings.open_when_high, settings.left_open_after_ms),
            charge: ChargeTimer::new(settings.charge_first_ms, settings.charge_between_ms),
            queue: KickQueue::default(),
            settings,
            sensor,
            events,
            status,
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
        match self.line.connect() {
            Connect::Ready => true,
            Connect::Waiting => false,
            Connect::Opened => {
                self.charge.powered(Instant::now());
                true
            }
            Connect::Failed(reason) => {
                self.lost(reason);
                false
            }
        }
    }

    fn lost(&mut self, reason: String) {
        self.charge.unpowered();
        if let Some(job) = self.queue.take() {
            self.events.send(DeviceEvent::JobFailed { device: DeviceKind::Drawer, job, reason: format!("drawer offline: {reason}") });
        }
        self.line.lost(&self.status, &self.events, reason);
    }

    fn read_sensor(&mut self) -> Option<bool> {
        let timeout = Duration::from_millis(self.timeouts.status_timeout_ms);
        let link = self.line.link.as_mut()?;
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
        self.line.succeeded();
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
        let written = self.line.link.as_mut().map(|link| link.write_all(&command));
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
