//! The receipt printer worker: owns the link, runs print/kick/endorse jobs, polls DLE EOT, reconnects with backoff.

use crate::config::{ResolvedDevice, Timeouts};
use crate::device::{enqueue, next_job_id, DeviceError, DeviceEvent, DeviceKind, DeviceState, DeviceStatus, EventSink, JobId, ScanData, SharedStatus, Worker, COMMAND_QUEUE_LEN, STOP_CHECK};
use crate::drawer_wiring::{DrawerSettings, DrawerWatch, CONFIRM_STEP};
use crate::encode::{encode_receipt_segments, encode_test_page, endorsement_lines, EncodeError, Endorsement};
use crate::escpos_bytes::{status_request, CLEAR_BUFFERS, CLEAR_RESPONSE, PARTIAL_CUT};
use crate::profile::PrinterProfile;
use crate::receipt::Receipt;
use crate::reconnect::{Connect, Reconnect};
use crate::slip::{self, validation_lines, SlipError, Station};
use crate::status::{decode_offline_cause, decode_paper, decode_printer, PrinterSnapshot};
use crate::transport::{drain_input, Link, TransportError, TransportSpec};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

/// Bytes sent between two status checks, so a paper-out mid-job is caught early.
/// Chunks end only between whole commands, so a status request is never read as a command's parameter.
pub const CHUNK_BYTES: usize = 256;

enum Job {
    Print(Vec<Vec<u8>>),
    Kick([u8; 5]),
    /// Read the inserted check's MICR line (`FS a 0`); the line arrives as `Data(ScanData::Micr)`.
    ReadCheck,
    /// Wait for a slip at the station, print these lines on it, eject.
    Slip(Station, Vec<String>),
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
        let profile = resolved.profile.printer.clone().ok_or(DeviceError::Unsupported { device: "printer", what: "printing", profile: resolved.profile.name.clone() })?;
        let (events, receiver) = EventSink::channel();
        let (commands, command_rx) = std::sync::mpsc::sync_channel(COMMAND_QUEUE_LEN);
        let status = SharedStatus::default();
        let timeouts = resolved.entry.timeouts;
        let mut worker = PrinterWorker::new(resolved.transport.clone(), timeouts, drawer.clone(), events, status.clone());
        worker.clear_buffer = profile.clear_buffer;
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

    /// Endorses a check on the slip station (printers whose profile has one): waits (at most the job
    /// timeout) for the check to be inserted, prints the endorsement, ejects it.
    pub fn endorse(&self, endorsement: &Endorsement) -> Result<JobId, DeviceError> {
        self.require_slip()?;
        self.submit(Job::Slip(Station::Slip, endorsement_lines(endorsement, self.profile.columns)))
    }

    /// Prints a validation line (PAID date amount receipt) on a form at the validation station.
    pub fn validate(&self, receipt_number: &str, date: &str, amount_cents: i64) -> Result<JobId, DeviceError> {
        self.require_slip()?;
        self.submit(Job::Slip(Station::Validation, validation_lines(receipt_number, date, amount_cents, self.profile.columns)))
    }

    /// Prints `lines` on a slip or form at `station` once it is inserted (at most the job timeout), ejects it.
    pub fn print_on_slip(&self, station: Station, lines: Vec<String>) -> Result<JobId, DeviceError> {
        self.require_slip()?;
        self.submit(Job::Slip(station, lines))
    }

    /// Reads the MICR line of the check inserted in the printer's MICR path (profiles with `micr = true`);
    /// the parsed check arrives as `DeviceEvent::Data(ScanData::Micr)` before the job's completion.
    pub fn read_check(&self) -> Result<JobId, DeviceError> {
        if !self.profile.micr {
            return Err(DeviceError::Unsupported { device: "printer", what: "reading checks (micr = false)", profile: self.profile_name.clone() });
        }
        self.submit(Job::ReadCheck)
    }

    fn require_slip(&self) -> Result<(), DeviceError> {
        if self.profile.slip_station {
            return Ok(());
        }
        Err(EncodeError::NoSlipStation { profile: self.profile_name.clone() }.into())
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

/// What one status poll found.
#[derive(Debug, Clone, Copy)]
enum Reading {
    Snapshot(PrinterSnapshot),
    /// The link cannot carry status (write-only, or it never answered): nothing is known.
    Unknown,
}

/// The line that ends a job the printer got only part of, before the reprint.
pub const INCOMPLETE_LINE: &str = "*** INCOMPLETE - VOID - REPRINTED BELOW ***";

struct PrinterWorker {
    line: Reconnect,
    timeouts: Timeouts,
    /// The drawer's open sensor watch (None: no drawer, or a drawer without a sensor).
    drawer: Option<DrawerWatch>,
    /// How long a kick waits for the sensor to read open.
    drawer_confirm: Duration,
    /// Why this link's status cannot be read, once that is known (cleared when the link is reopened).
    mute: Option<String>,
    /// Whether this link has answered a status request since it was opened.
    answered: bool,
    /// The profile says the printer takes DLE DC4 fn 8 (clear buffers).
    clear_buffer: bool,
    /// A job stopped part-way (paper out, cover, link lost): the printer may hold or have printed part of it.
    partial: bool,
    last: Option<PrinterSnapshot>,
    events: EventSink,
    status: SharedStatus,
}

impl PrinterWorker {
    fn new(spec: TransportSpec, timeouts: Timeouts, drawer: Option<DrawerSettings>, events: EventSink, status: SharedStatus) -> Self {
        Self {
            line: Reconnect::new(spec, DeviceKind::Printer, &timeouts),
            timeouts,
            drawer: drawer.as_ref().filter(|d| d.sensor).map(|d| DrawerWatch::new(d.open_when_high, d.left_open_after_ms)),
            drawer_confirm: Duration::from_millis(drawer.as_ref().map_or(0, |d| d.confirm_open_ms)),
            mute: None,
            answered: false,
            clear_buffer: false,
            partial: false,
            last: None,
            events,
            status,
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
        match self.line.connect() {
            Connect::Ready => true,
            Connect::Waiting => false,
            Connect::Opened => {
                self.mute = self.line.link.as_ref().filter(|link| !link.can_read()).map(|link| format!("{} cannot be read back (opened write-only)", link.describe()));
                self.answered = false;
                true
            }
            Connect::Failed(reason) => {
                self.lost(reason);
                false
            }
        }
    }

    fn lost(&mut self, reason: String) {
        self.mute = None;
        self.last = None;
        self.line.lost(&self.status, &self.events, reason);
    }

    /// Asks DLE EOT 1, 2, 4; None (and offline) when the printer does not answer in time. A device node
    /// that has never answered since it was opened is taken to have no back channel: its status is unknown.
    fn snapshot(&mut self) -> Option<Reading> {
        if self.mute.is_some() {
            return Some(Reading::Unknown);
        }
        let timeout = Duration::from_millis(self.timeouts.status_timeout_ms);
        let link = self.line.link.as_mut()?;
        match query_snapshot(link.as_mut(), timeout) {
            Ok(snapshot) => {
                self.answered = true;
                Some(Reading::Snapshot(snapshot))
            }
            Err(TransportError::Io { target, problem }) if link.may_be_mute() && !self.answered && problem.starts_with("no status reply") => {
                self.mute = Some(format!("{target} does not answer status requests (no DLE EOT reply within {} ms)", timeout.as_millis()));
                Some(Reading::Unknown)
            }
            Err(err) => {
                self.lost(err.to_string());
                None
            }
        }
    }

    fn poll(&mut self) -> Option<Reading> {
        if !self.connect() {
            return None;
        }
        let reading = self.snapshot()?;
        self.line.succeeded();
        match reading {
            Reading::Snapshot(snapshot) => self.apply(snapshot),
            Reading::Unknown => self.apply_unknown(),
        }
        Some(reading)
    }

    /// The link is open but cannot report: status "unknown" with the reason, and no drawer watching
    /// (a drawer that cannot be read must never be reported open, or left open).
    fn apply_unknown(&mut self) {
        let was_online = self.status.get().online;
        let why = self.mute.clone().unwrap_or_default();
        let drawer_note = if self.drawer.is_some() { "; drawer watching is off" } else { "" };
        self.status.record_reading(|s| {
            s.online = true;
            s.paper = crate::status::PaperState::Ok;
            s.cover_open = false;
            s.drawer_open = None;
            if s.state != DeviceState::Busy {
                s.state = DeviceState::Idle;
            }
            s.last_error = None;
            s.unknown = Some(format!("{why}: paper, cover and drawer cannot be checked{drawer_note}"));
        });
        if !was_online {
            self.events.send(DeviceEvent::Online { device: DeviceKind::Printer });
        }
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
            s.unknown = None;
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
            Job::ReadCheck => self.read_check(stop),
            Job::Slip(station, lines) => self.print_on_slip(station, &lines, stop),
        };
        let event = match outcome {
            Ok(()) => DeviceEvent::JobCompleted { device: DeviceKind::Printer, job: command.job },
            Err(reason) => DeviceEvent::JobFailed { device: DeviceKind::Printer, job: command.job, reason },
        };
        self.events.send(event);
        let blocked = self.last.and_then(|s| s.job_blocker()).is_some() || self.line.link.is_none();
        self.set_state(if blocked { DeviceState::Error } else { DeviceState::Idle });
    }

    /// Fails with the blocker's reason ("paper out", "cover open", "printer offline"...); a link that cannot
    /// report is ready as long as it takes bytes.
    fn ready(&mut self) -> Result<(), String> {
        if !self.connect() {
            return Err(format!("printer offline: {}", self.status.get().last_error.unwrap_or_default()));
        }
        match self.poll() {
            None => Err(format!("printer offline: no status reply within {} ms", self.timeouts.status_timeout_ms)),
            Some(Reading::Unknown) => Ok(()),
            Some(Reading::Snapshot(snapshot)) => snapshot.job_blocker().map_or(Ok(()), |reason| Err(reason.to_string())),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let result = self.line.link.as_mut().map(|link| link.write_all(bytes));
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
        self.end_partial_job()?;
        for chunk in chunk_segments(segments, CHUNK_BYTES) {
            if stop.load(Ordering::Relaxed) {
                return Err("printer closed before the job finished".into());
            }
            if Instant::now() > deadline {
                return Err(format!("job timed out after {} ms", self.timeouts.job_timeout_ms));
            }
            if let Err(reason) = self.write(&chunk).and_then(|()| self.ready()) {
                self.stopped_part_way();
                return Err(reason);
            }
        }
        Ok(())
    }

    /// A job stopped after some of it was sent. The printer keeps what it received and, once paper is
    /// loaded, prints it joined to whatever comes next. Where the printer takes `DLE DC4 fn 8` (a real-time
    /// command, executed even while it is stopped), the rest of the job is dropped from its buffers now.
    /// Then the VOID trailer goes out at once: the stopped printer holds it behind what it kept and prints it
    /// first once paper is loaded, so the partial piece is ended and cut even when this process ends before
    /// the reprint (`pay --print` then `receipt reprint` are two processes). Found with emupos: before, the
    /// trailer waited for this worker's next job and a reprint from another process was joined to the piece.
    fn stopped_part_way(&mut self) {
        self.partial = true;
        if self.line.link.is_none() {
            return;
        }
        if self.clear_buffer && self.mute.is_none() {
            let timeout = Duration::from_millis(self.timeouts.status_timeout_ms);
            let cleared = self.line.link.as_mut().map(|link| clear_buffers(link.as_mut(), timeout));
            match cleared {
                // A printer that has just answered DLE EOT but gives no Clear response does not take fn 8 (an
                // older model, or emupos): its buffer is not cleared, and the trailer still ends the piece.
                Some(Err(TransportError::Io { problem, .. })) if problem.starts_with("no Clear response") => {}
                Some(Err(err)) => {
                    self.lost(err.to_string());
                    return;
                }
                _ => {}
            }
        }
        if self.write(&incomplete_trailer()).is_ok() {
            self.partial = false;
        }
    }

    /// Before the next job after a stopped one: end the partial receipt on the paper with a VOID line, a
    /// feed and a cut, so the reprint (which starts with ESC @) is a receipt of its own, never joined to it.
    fn end_partial_job(&mut self) -> Result<(), String> {
        if !self.partial {
            return Ok(());
        }
        self.write(&incomplete_trailer())?;
        self.partial = false;
        self.ready()
    }

    /// The link to the printer after a good status check, for a slip or MICR exchange.
    fn slip_link(&mut self) -> Result<&mut Box<dyn Link>, String> {
        self.ready()?;
        if let Some(why) = &self.mute {
            return Err(format!("{why}: the slip station and MICR reader need a link that answers"));
        }
        self.line.link.as_mut().ok_or_else(|| "printer offline".to_string())
    }

    fn slip_failed(&mut self, err: SlipError) -> String {
        if let SlipError::Link(link) = &err {
            self.lost(link.to_string());
        }
        err.to_string()
    }

    fn read_check(&mut self, stop: &AtomicBool) -> Result<(), String> {
        let wait = Duration::from_millis(self.timeouts.job_timeout_ms);
        let read = slip::read_check(self.slip_link()?.as_mut(), wait, stop);
        match read {
            Ok(check) => {
                self.events.send(DeviceEvent::Data(ScanData::Micr(check)));
                Ok(())
            }
            Err(err) => Err(self.slip_failed(err)),
        }
    }

    fn print_on_slip(&mut self, station: Station, lines: &[String], stop: &AtomicBool) -> Result<(), String> {
        let (wait, status_timeout) = (Duration::from_millis(self.timeouts.job_timeout_ms), Duration::from_millis(self.timeouts.status_timeout_ms));
        let printed = slip::print_on_slip(self.slip_link()?.as_mut(), station, lines, wait, status_timeout, stop);
        printed.map_err(|err| self.slip_failed(err))
    }

    fn kick(&mut self, kick: &[u8; 5]) -> Result<(), String> {
        self.ready()?;
        self.write(kick)?;
        if self.drawer.is_none() || self.mute.is_some() {
            // No sensor, or a link that cannot report: the kick went out and nothing more can be known.
            return Ok(());
        }
        let deadline = Instant::now() + self.drawer_confirm;
        loop {
            std::thread::sleep(CONFIRM_STEP);
            self.ready()?;
            if self.drawer.as_ref().and_then(DrawerWatch::last_open) == Some(true) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("drawer did not open within {} ms (stuck or jammed)", self.drawer_confirm.as_millis()));
            }
        }
    }
}

/// Sends `DLE DC4 fn 8` and waits (bounded) for its Clear response `37 25 00`; other bytes are skipped.
pub fn clear_buffers(link: &mut dyn Link, timeout: Duration) -> Result<(), TransportError> {
    drain_input(link, 4096)?;
    link.write_all(&CLEAR_BUFFERS)?;
    let deadline = Instant::now() + timeout;
    let mut seen = 0;
    let mut byte = [0u8; 1];
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        if link.read_timeout(&mut byte, left.max(Duration::from_millis(1)))? == 1 {
            seen = if byte[0] == CLEAR_RESPONSE[seen] { seen + 1 } else { usize::from(byte[0] == CLEAR_RESPONSE[0]) };
            if seen == CLEAR_RESPONSE.len() {
                return Ok(());
            }
        }
    }
    Err(TransportError::Io { target: link.describe(), problem: format!("no Clear response to DLE DC4 fn 8 within {} ms", timeout.as_millis()) })
}

/// ESC @, a VOID line, a feed and a partial cut: ends whatever part of a job is on the paper.
pub fn incomplete_trailer() -> Vec<u8> {
    let mut bytes = vec![0x1B, 0x40, 0x0A];
    bytes.extend_from_slice(INCOMPLETE_LINE.as_bytes());
    bytes.extend_from_slice(&[0x0A, 0x1B, 0x64, 4]);
    bytes.extend_from_slice(&PARTIAL_CUT);
    bytes
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

    /// A link that records what is written and answers from a script.
    struct Scripted {
        written: Vec<u8>,
        replies: std::collections::VecDeque<u8>,
    }

    impl Link for Scripted {
        fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
            self.written.extend_from_slice(bytes);
            if bytes == CLEAR_BUFFERS {
                self.replies.extend([0x12, 0x37, 0x25, 0x00]);
            }
            Ok(())
        }
        fn read_timeout(&mut self, buf: &mut [u8], _timeout: Duration) -> Result<usize, TransportError> {
            match (buf.first_mut(), self.replies.pop_front()) {
                (Some(slot), Some(byte)) => {
                    *slot = byte;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
        fn describe(&self) -> String {
            "scripted".into()
        }
    }

    // The buffer clear is exactly Epson's DLE DC4 fn=8 (10 14 08 01 03 14 01 06 02 08) and waits for the
    // Clear response 37 25 00, skipping an unrelated byte before it; no response within the bound is an error.
    #[test]
    fn clear_buffers_bytes_and_response() {
        let mut link = Scripted { written: Vec::new(), replies: Default::default() };
        clear_buffers(&mut link, Duration::from_millis(50)).unwrap();
        assert_eq!(link.written, [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08]);
        struct Silent;
        impl Link for Silent {
            fn write_all(&mut self, _bytes: &[u8]) -> Result<(), TransportError> {
                Ok(())
            }
            fn read_timeout(&mut self, _buf: &mut [u8], _timeout: Duration) -> Result<usize, TransportError> {
                Ok(0)
            }
            fn describe(&self) -> String {
                "silent".into()
            }
        }
        let err = clear_buffers(&mut Silent, Duration::from_millis(20)).unwrap_err();
        assert!(err.to_string().contains("no Clear response"), "{err}");
    }

    // The VOID trailer starts from ESC @ and ends with ESC d 4 and GS V 66 0 (feed, then partial cut).
    #[test]
    fn incomplete_trailer_bytes() {
        let bytes = incomplete_trailer();
        assert_eq!(&bytes[..2], &[0x1B, 0x40]);
        assert!(bytes.windows(INCOMPLETE_LINE.len()).any(|w| w == INCOMPLETE_LINE.as_bytes()));
        assert_eq!(&bytes[bytes.len() - 7..], &[0x1B, 0x64, 4, 0x1D, 0x56, 0x42, 0]);
    }

    // Chunks never split a command and keep every byte in order.
    #[test]
    fn chunks_keep_commands_whole() {
        let segments = vec![vec![1; 100], vec![2; 100], vec![3; 100], vec![4; 400]];
        let chunks = chunk_segments(&segments, 256);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), vec![200, 100, 400]);
        assert_eq!(chunks.concat(), segments.concat());
    }
}
