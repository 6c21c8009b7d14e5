//! The receipt printer worker: owns the link, runs print/kick/endorse jobs, polls DLE EOT, reconnects with backoff.

use crate::config::{ResolvedDevice, Timeouts};
use crate::device::{enqueue, next_job_id, Backoff, DeviceError, DeviceEvent, DeviceKind, DeviceState, DeviceStatus, EventSink, JobId, SharedStatus, Worker, COMMAND_QUEUE_LEN, STOP_CHECK};
use crate::drawer::{DrawerSettings, DrawerWatch};
use crate::encode::{encode_endorsement_segments, encode_receipt_segments, encode_test_page, EncodeError, Endorsement};
use crate::escpos_bytes::status_request;
use crate::profile::PrinterProfile;
use crate::receipt::Receipt;
use crate::status::{decode_offline_cause, decode_paper, decode_printer, PrinterSnapshot};
use crate::transport::{self, drain_input, Link, TransportError, TransportSpec};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// Bytes sent between two status checks, so a paper-out mid-job is caught early.
/// Chunks end only between whole commands, so a status request is never read as a command's parameter.
pub const CHUNK_BYTES: usize = 256;

enum Job {
    Print(Vec<Vec<u8>>),
    Kick([u8; 5]),
}

struct Command {
    job: JobId,
    work: Job,
}

/// Handle to the printer worker. Dropping it stops the worker (even while drawer kickers still exist)
/// and releases the port, waiting at most one worker step.
pub struct Printer {
    commands: SyncSender<Command>,
    status: SharedStatus,
    profile: PrinterProfile,
    profile_name: String,
    drawer: Option<DrawerSettings>,
    timeouts: Timeouts,
    worker: Worker,
}

/// A cloneable "open the drawer" handle for a drawer wired to the printer. It does not keep the
/// printer's worker alive: once the [`Printer`] is dropped, a kick is refused as "worker stopped".
#[derive(Clone)]
pub struct DrawerKicker {
    commands: SyncSender<Command>,
    status: SharedStatus,
    kick: [u8; 5],
}

impl DrawerKicker {
    /// Queues the 5-byte kick; completion or "drawer did not open" arrives on the printer's events.
    pub fn kick(&self) -> Result<JobId, DeviceError> {
        let job = next_job_id();
        enqueue(&self.commands, Command { job, work: Job::Kick(self.kick) }, DeviceKind::Printer)?;
        Ok(job)
    }

    /// The printer's status (the drawer sensor is read through it).
    pub fn status(&self) -> DeviceStatus {
        self.status.get()
    }

    /// The printer's status once it has been read, waiting at most `timeout`.
    pub fn wait_read(&self, timeout: Duration) -> DeviceStatus {
        self.status.wait_read(timeout)
    }
}

impl Printer {
    /// Starts the worker for a resolved printer; `drawer` is the drawer wired to it, if any.
    pub fn open(resolved: &ResolvedDevice, drawer: Option<DrawerSettings>) -> Result<(Self, Receiver<DeviceEvent>), DeviceError> {
        let profile = resolved.profile.printer.clone().ok_or(DeviceError::Unsupported {
            device: "printer",
            what: "printing",
            profile: resolved.profile.name.clone(),
        })?;
        let (events, receiver) = EventSink::channel();
        let (commands, command_rx) = std::sync::mpsc::sync_channel(COMMAND_QUEUE_LEN);
        let status = SharedStatus::default();
        let timeouts = resolved.entry.timeouts;
        let mut worker = PrinterWorker::new(resolved.transport.clone(), timeouts, drawer.clone(), events, status.clone());
        let worker = Worker::spawn("printer", timeouts.stop_wait(), move |stop| worker.run(&command_rx, stop))?;
        let printer = Self { commands, status, profile, profile_name: resolved.profile.name.clone(), drawer, timeouts, worker };
        Ok((printer, receiver))
    }

    fn submit(&self, work: Job) -> Result<JobId, DeviceError> {
        let job = next_job_id();
        enqueue(&self.commands, Command { job, work }, DeviceKind::Printer)?;
        Ok(job)
    }

    /// Prints a receipt laid out for this printer's width; the outcome arrives as JobCompleted/JobFailed.
    pub fn print(&self, receipt: &Receipt) -> Result<JobId, DeviceError> {
        self.submit(Job::Print(encode_receipt_segments(receipt, &self.profile.print_options())?))
    }

    /// Sends ready-made ESC/POS bytes as one job (sent in one piece).
    pub fn print_bytes(&self, bytes: Vec<u8>) -> Result<JobId, DeviceError> {
        self.submit(Job::Print(vec![bytes]))
    }

    /// Prints the test page.
    pub fn test_page(&self) -> Result<JobId, DeviceError> {
        self.submit(Job::Print(encode_test_page(&self.profile_name, &self.profile.print_options())?))
    }

    /// Endorses a check on the slip station (printers whose profile has one).
    pub fn endorse(&self, endorsement: &Endorsement) -> Result<JobId, DeviceError> {
        if !self.profile.slip_station {
            return Err(EncodeError::NoSlipStation { profile: self.profile_name.clone() }.into());
        }
        self.submit(Job::Print(encode_endorsement_segments(endorsement, self.profile.columns)?))
    }

    /// Kicks the drawer wired to this printer.
    pub fn kick_drawer(&self) -> Result<JobId, DeviceError> {
        self.kicker()?.kick()
    }

    /// A cloneable kicker for the drawer wired to this printer.
    pub fn kicker(&self) -> Result<DrawerKicker, DeviceError> {
        let drawer = self.drawer.as_ref().ok_or(DeviceError::Failed { device: "printer", problem: "no drawer is configured on this printer".into() })?;
        Ok(DrawerKicker { commands: self.commands.clone(), status: self.status.clone(), kick: drawer.kick })
    }

    /// Latest known status (state, online, paper, cover, drawer).
    pub fn status(&self) -> DeviceStatus {
        self.status.get()
    }

    /// The status once the printer has been read (at most `timeout`); unread (`read: false`) after that.
    pub fn wait_read(&self, timeout: Duration) -> DeviceStatus {
        self.status.wait_read(timeout)
    }

    /// This printer's timeouts (how long a job or a first reading may take).
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Whether a drawer is wired to this printer.
    pub fn has_drawer(&self) -> bool {
        self.drawer.is_some()
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.worker.stop();
    }
}

struct PrinterWorker {
    spec: TransportSpec,
    timeouts: Timeouts,
    link: Option<Box<dyn Link>>,
    drawer: Option<DrawerWatch>,
    last: Option<PrinterSnapshot>,
    events: EventSink,
    status: SharedStatus,
    backoff: Backoff,
    next_connect: Instant,
}

impl PrinterWorker {
    fn new(spec: TransportSpec, timeouts: Timeouts, drawer: Option<DrawerSettings>, events: EventSink, status: SharedStatus) -> Self {
        Self {
            spec,
            timeouts,
            link: None,
            drawer: drawer.map(|d| DrawerWatch::new(d.open_when_high, d.left_open_after_ms)),
            last: None,
            events,
            status,
            backoff: Backoff::new(timeouts.reconnect_initial_ms, timeouts.reconnect_max_ms),
            next_connect: Instant::now(),
        }
    }

    fn run(&mut self, commands: &Receiver<Command>, stop: &AtomicBool) {
        let poll = Duration::from_millis(self.timeouts.poll_interval_ms.max(10));
        self.poll();
        let mut last_poll = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            match commands.recv_timeout(poll.min(STOP_CHECK)) {
                Ok(command) => self.run_job(command, stop),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if last_poll.elapsed() >= poll {
                self.poll();
                last_poll = Instant::now();
            }
        }
        self.status.update(|s| s.state = DeviceState::Closed);
    }

    fn set_state(&self, state: DeviceState) {
        self.status.update(|s| s.state = state);
        self.events.send(DeviceEvent::State { device: DeviceKind::Printer, state });
    }

    fn connect(&mut self) -> bool {
        if self.link.is_some() {
            return true;
        }
        if Instant::now() < self.next_connect {
            return false;
        }
        match transport::open(&self.spec, "printer", self.timeouts.open()) {
            Ok(link) => {
                self.link = Some(link);
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
        self.last = None;
        self.next_connect = Instant::now() + Duration::from_millis(self.backoff.next_delay_ms());
        self.status.mark_offline(&self.events, DeviceKind::Printer, reason);
    }

    /// Asks DLE EOT 1, 2, 4; None (and offline) when the printer does not answer in time.
    fn snapshot(&mut self) -> Option<PrinterSnapshot> {
        let timeout = Duration::from_millis(self.timeouts.status_timeout_ms);
        let link = self.link.as_mut()?;
        if !link.can_read() {
            return Some(PrinterSnapshot::default());
        }
        match query_snapshot(link.as_mut(), timeout) {
            Ok(snapshot) => Some(snapshot),
            Err(err) => {
                self.lost(err.to_string());
                None
            }
        }
    }

    fn poll(&mut self) -> Option<PrinterSnapshot> {
        if !self.connect() {
            return None;
        }
        let snapshot = self.snapshot()?;
        self.backoff.reset();
        self.apply(snapshot);
        Some(snapshot)
    }

    /// Updates the shared status, then emits only the edges (so whoever hears an event reads the new status).
    fn apply(&mut self, snapshot: PrinterSnapshot) {
        let previous = self.last.replace(snapshot);
        let was_online = self.status.get().online;
        let drawer_events = self.drawer.as_mut().map(|w| w.observe(snapshot.printer.drawer_pin3_high, Instant::now())).unwrap_or_default();
        let drawer_open = self.drawer.as_ref().and_then(DrawerWatch::last_open);
        let cover_open = snapshot.offline_cause.cover_open;
        let blocker = snapshot.job_blocker();
        self.status.record_reading(|s| {
            s.online = true;
            s.paper = snapshot.paper;
            s.cover_open = cover_open;
            s.drawer_open = drawer_open;
            if s.state != DeviceState::Busy {
                s.state = if blocker.is_some() { DeviceState::Error } else { DeviceState::Idle };
            }
            s.last_error = blocker.map(str::to_string);
        });
        if !was_online {
            self.events.send(DeviceEvent::Online { device: DeviceKind::Printer });
        }
        if previous.map(|p| p.paper) != Some(snapshot.paper) {
            self.events.send(DeviceEvent::Paper(snapshot.paper));
        }
        if previous.map(|p| p.offline_cause.cover_open) != Some(cover_open) {
            self.events.send(DeviceEvent::Cover { open: cover_open });
        }
        for event in drawer_events {
            self.events.send(event);
        }
    }

    fn run_job(&mut self, command: Command, stop: &AtomicBool) {
        self.set_state(DeviceState::Busy);
        let outcome = match command.work {
            Job::Print(segments) => self.print(&segments, stop),
            Job::Kick(kick) => self.kick(&kick),
        };
        let event = match outcome {
            Ok(()) => DeviceEvent::JobCompleted { device: DeviceKind::Printer, job: command.job },
            Err(reason) => DeviceEvent::JobFailed { device: DeviceKind::Printer, job: command.job, reason },
        };
        self.events.send(event);
        let blocked = self.last.and_then(|s| s.job_blocker()).is_some() || self.link.is_none();
        self.set_state(if blocked { DeviceState::Error } else { DeviceState::Idle });
    }

    /// Fails with the blocker's reason ("paper out", "cover open", "printer offline"...).
    fn ready(&mut self) -> Result<(), String> {
        if !self.connect() {
            return Err(format!("printer offline: {}", self.status.get().last_error.unwrap_or_default()));
        }
        let snapshot = self.poll().ok_or_else(|| format!("printer offline: no status reply within {} ms", self.timeouts.status_timeout_ms))?;
        snapshot.job_blocker().map_or(Ok(()), |reason| Err(reason.to_string()))
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let result = self.link.as_mut().map(|link| link.write_all(bytes));
        match result {
            Some(Ok(())) => Ok(()),
            Some(Err(err)) => {
                self.lost(err.to_string());
                Err(format!("printer offline: {err}"))
            }
            None => Err("printer offline".into()),
        }
    }

    fn print(&mut self, segments: &[Vec<u8>], stop: &AtomicBool) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_millis(self.timeouts.job_timeout_ms);
        self.ready()?;
        for chunk in chunk_segments(segments, CHUNK_BYTES) {
            if stop.load(Ordering::Relaxed) {
                return Err("printer closed before the job finished".into());
            }
            if Instant::now() > deadline {
                return Err(format!("job timed out after {} ms", self.timeouts.job_timeout_ms));
            }
            self.write(&chunk)?;
            self.ready()?;
        }
        Ok(())
    }

    fn kick(&mut self, kick: &[u8; 5]) -> Result<(), String> {
        self.ready()?;
        self.write(kick)?;
        if self.drawer.is_none() {
            return Ok(());
        }
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(20));
            self.ready()?;
            if self.drawer.as_ref().and_then(DrawerWatch::last_open) == Some(true) {
                return Ok(());
            }
        }
        Err("drawer did not open (stuck or jammed)".into())
    }
}

/// Groups whole commands into chunks of about `max_bytes` (a longer single command is its own chunk).
pub fn chunk_segments(segments: &[Vec<u8>], max_bytes: usize) -> Vec<Vec<u8>> {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for segment in segments {
        if !current.is_empty() && current.len() + segment.len() > max_bytes {
            chunks.push(std::mem::take(&mut current));
        }
        current.extend_from_slice(segment);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Reads one valid status byte within `timeout`, skipping anything that is not a DLE EOT answer.
fn read_status_byte(link: &mut dyn Link, n: u8, timeout: Duration) -> Result<u8, TransportError> {
    link.write_all(&status_request(n))?;
    let deadline = Instant::now() + timeout;
    let mut byte = [0u8; 1];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if link.read_timeout(&mut byte, left.max(Duration::from_millis(1)))? == 1 && decode_paper(byte[0]).is_ok() {
            return Ok(byte[0]);
        }
    }
    Err(TransportError::Io { target: link.describe(), problem: format!("no status reply to DLE EOT {n} within {} ms", timeout.as_millis()) })
}

/// Drains stale input (an upstream pitfall: an old answer can look like the new one), then asks n = 1, 2, 4.
pub fn query_snapshot(link: &mut dyn Link, timeout: Duration) -> Result<PrinterSnapshot, TransportError> {
    drain_input(link, 4096)?;
    let printer = read_status_byte(link, 1, timeout)?;
    let offline = read_status_byte(link, 2, timeout)?;
    let paper = read_status_byte(link, 4, timeout)?;
    let bad = |e: crate::status::StatusError| TransportError::Io { target: link.describe(), problem: e.to_string() };
    Ok(PrinterSnapshot { printer: decode_printer(printer).map_err(bad)?, offline_cause: decode_offline_cause(offline).map_err(bad)?, paper: decode_paper(paper).map_err(bad)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Chunks never split a command and keep every byte in order.
    #[test]
    fn chunks_keep_commands_whole() {
        let segments = vec![vec![1; 100], vec![2; 100], vec![3; 100], vec![4; 400]];
        let chunks = chunk_segments(&segments, 256);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![200, 100, 400]);
        assert_eq!(chunks.concat(), segments.concat());
    }
}
