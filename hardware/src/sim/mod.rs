//! Simulators for every peripheral: pty (Unix) or loopback-TCP (everywhere) serial devices, a TCP printer, and a control channel.

pub mod control;
pub mod display;
mod line;
pub mod printer;

pub use control::{control, running, Action, SimError, ACTIONS_HELP};
pub use display::DisplayModel;
pub use printer::{DrawerModel, PrinterFaults, PrinterModel, SlipModel};

use crate::config::{DeviceEntry, DevicesConfig, Timeouts};
use control::channel;
use line::{Loopback, SimLine};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long simulator threads wait before checking whether to stop.
const TICK: Duration = Duration::from_millis(20);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn io_error(what: &str, err: impl ToString) -> SimError {
    SimError::Io { what: what.to_string(), problem: err.to_string() }
}

struct Shared {
    printer: Mutex<PrinterModel>,
    drawer: Mutex<DrawerModel>,
    scanner: Mutex<Box<dyn SimLine>>,
    counter: Mutex<Box<dyn SimLine>>,
    display: Mutex<DisplayModel>,
    /// Where the display's two lines are written after each change (`dir/display.txt`).
    display_file: PathBuf,
}

/// How the serial devices (drawer, scanner, counter and the printer's second line) reach the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Pseudo-terminals, opened by the app as `serial:` ports (Unix only).
    Pty,
    /// TCP ports on 127.0.0.1, opened by the app as `tcp:` (every platform; the only one on Windows).
    Loopback,
}

impl Lines {
    /// Ptys where there are ptys, loopback TCP elsewhere.
    pub const NATIVE: Lines = if cfg!(unix) { Lines::Pty } else { Lines::Loopback };
}

/// One simulated serial device: the simulator's end and the transport spec the app uses.
struct Opened {
    line: Box<dyn SimLine>,
    transport: String,
    /// The pty's path (empty for loopback).
    pty: String,
}

/// Slave ends of ptys, kept open so the masters never read EIO before the app connects (hardware.md).
#[cfg(unix)]
type Slaves = Vec<serialport::TTYPort>;
#[cfg(not(unix))]
type Slaves = Vec<()>;

fn open_line(lines: Lines, what: &str, slaves: &mut Slaves) -> Result<Opened, SimError> {
    match lines {
        #[cfg(unix)]
        Lines::Pty => {
            let (line, slave, pty) = line::pty::pair().map_err(|e| io_error(what, e))?;
            slaves.push(slave);
            Ok(Opened { line, transport: format!("serial:{pty}?baud=9600"), pty })
        }
        #[cfg(not(unix))]
        Lines::Pty => {
            let _ = slaves;
            Err(io_error(what, "pseudo-terminals exist only on Unix; use loopback lines"))
        }
        Lines::Loopback => {
            let (line, address) = Loopback::bind().map_err(|e| io_error(what, e))?;
            Ok(Opened { line: Box::new(line), transport: format!("tcp:{address}"), pty: String::new() })
        }
    }
}

/// All simulators; they stop and release their ports when dropped.
pub struct Simulators {
    dir: PathBuf,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    _slaves: Slaves,
    /// Transport specs the app uses for drawer, scanner, counter and display.
    transports: [String; 4],
    pub printer_tcp: SocketAddr,
    /// The printer's second line and the serial devices' ptys (empty strings on loopback lines).
    pub printer_pty: String,
    pub scanner_pty: String,
    pub counter_pty: String,
    pub drawer_pty: String,
    pub display_pty: String,
}

impl Simulators {
    /// Starts every simulator on this platform's lines ([`Lines::NATIVE`]), writes `dir/devices.toml`,
    /// renders printed jobs into `dir/printed/`.
    pub fn start(dir: &Path) -> Result<Self, SimError> {
        Self::start_on(dir, Lines::NATIVE)
    }

    /// Starts every simulator with the serial devices on `lines`.
    pub fn start_on(dir: &Path, lines: Lines) -> Result<Self, SimError> {
        let printed = dir.join("printed");
        std::fs::create_dir_all(&printed).map_err(|e| io_error(&printed.display().to_string(), e))?;
        let mut slaves = Slaves::new();
        let printer_line = open_line(lines, "printer line", &mut slaves)?;
        let scanner = open_line(lines, "scanner line", &mut slaves)?;
        let counter = open_line(lines, "counter line", &mut slaves)?;
        let drawer = open_line(lines, "drawer line", &mut slaves)?;
        let display = open_line(lines, "display line", &mut slaves)?;
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| io_error("printer tcp", e))?;
        let printer_tcp = listener.local_addr().map_err(|e| io_error("printer tcp", e))?;
        let shared = Arc::new(Shared {
            printer: Mutex::new(PrinterModel::new(&printed)),
            drawer: Mutex::new(DrawerModel::default()),
            scanner: Mutex::new(scanner.line),
            counter: Mutex::new(counter.line),
            display: Mutex::new(DisplayModel::default()),
            display_file: dir.join("display.txt"),
        });
        let mut sims = Self {
            dir: dir.to_path_buf(),
            shared,
            stop: Arc::new(AtomicBool::new(false)),
            threads: Vec::new(),
            _slaves: slaves,
            transports: [drawer.transport, scanner.transport, counter.transport, display.transport],
            printer_tcp,
            printer_pty: printer_line.pty,
            scanner_pty: scanner.pty,
            counter_pty: counter.pty,
            drawer_pty: drawer.pty,
            display_pty: display.pty,
        };
        sims.spawn_threads(printer_line.line, drawer.line, display.line, listener)?;
        sims.write_config()?;
        Ok(sims)
    }

    fn spawn(&mut self, name: &str, body: impl FnOnce(Arc<Shared>, Arc<AtomicBool>) + Send + 'static) -> Result<(), SimError> {
        let (shared, stop) = (self.shared.clone(), self.stop.clone());
        let handle = std::thread::Builder::new().name(format!("sim-{name}")).spawn(move || body(shared, stop)).map_err(|e| io_error(name, e))?;
        self.threads.push(handle);
        Ok(())
    }

    fn spawn_threads(&mut self, printer: Box<dyn SimLine>, drawer: Box<dyn SimLine>, display: Box<dyn SimLine>, listener: TcpListener) -> Result<(), SimError> {
        let control = channel::bind(&self.dir).map_err(|e| io_error(&channel::address(&self.dir).display().to_string(), e))?;
        listener.set_nonblocking(true).map_err(|e| io_error("printer tcp", e))?;
        self.spawn("printer-pty", move |shared, stop| serve_pty(printer, &shared, &stop, printer_bytes, printer_outbox))?;
        self.spawn("drawer-pty", move |shared, stop| serve_pty(drawer, &shared, &stop, drawer_bytes, no_outbox))?;
        self.spawn("display-pty", move |shared, stop| serve_pty(display, &shared, &stop, display_bytes, no_outbox))?;
        self.spawn("printer-tcp", move |shared, stop| serve_tcp(&listener, &shared, &stop))?;
        self.spawn("control", move |shared, stop| serve_control(&control, &shared, &stop))
    }

    /// A devices config pointing at these simulators (printer over TCP; drawer, scanner, counter, display on their lines).
    pub fn config(&self) -> DevicesConfig {
        let [drawer, scanner, counter, display] = self.transports.clone();
        simulated_config([format!("tcp:{}", self.printer_tcp), drawer, scanner, counter, display])
    }

    fn write_config(&self) -> Result<(), SimError> {
        let path = self.dir.join("devices.toml");
        let text = self.config().to_toml_string().map_err(|e| io_error("devices.toml", e))?;
        let header = if self.printer_pty.is_empty() {
            "# Written by the CityTill simulators.\n".to_string()
        } else {
            format!("# Written by the CityTill simulators. The printer is also on a pty: serial:{}\n", self.printer_pty)
        };
        std::fs::write(&path, header + &text).map_err(|e| io_error(&path.display().to_string(), e))
    }

    /// Applies an action directly (in-process; other processes use [`control`]).
    pub fn apply(&self, action: &Action) -> Result<String, SimError> {
        apply(&self.shared, action)
    }

    /// The control channel's file: `control.sock` (Unix socket) or `control.port` (loopback port number, Windows).
    pub fn control_address(&self) -> PathBuf {
        channel::address(&self.dir)
    }

    /// The folder jobs are rendered into.
    pub fn printed_dir(&self) -> PathBuf {
        self.dir.join("printed")
    }

    /// Number of jobs rendered so far.
    pub fn jobs_printed(&self) -> u32 {
        lock(&self.shared.printer).jobs_written()
    }

    /// How many `DLE DC4 fn 8` (clear buffers) the printer has received.
    pub fn printer_buffer_clears(&self) -> u32 {
        lock(&self.shared.printer).buffer_clears
    }

    /// The slip station and MICR reader as the simulator sees them.
    pub fn slip(&self) -> printer::SlipModel {
        lock(&self.shared.printer).slip.clone()
    }

    /// The drawer as the simulator sees it.
    pub fn drawer(&self) -> DrawerModel {
        *lock(&self.shared.drawer)
    }

    /// The customer display as the simulator sees it; `.lines()` is what it shows.
    pub fn display(&self) -> DisplayModel {
        lock(&self.shared.display).clone()
    }
}

impl Drop for Simulators {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
        channel::remove(&self.dir);
    }
}

fn printer_bytes(shared: &Shared, bytes: &[u8]) -> Vec<u8> {
    let mut drawer = lock(&shared.drawer);
    lock(&shared.printer).feed(bytes, &mut drawer)
}

/// Serial drawer: BEL fires the solenoid, '?' answers '1' (open, HIGH) or '0'.
fn drawer_bytes(shared: &Shared, bytes: &[u8]) -> Vec<u8> {
    let mut drawer = lock(&shared.drawer);
    let mut replies = Vec::new();
    for byte in bytes {
        match byte {
            0x07 => drawer.kick(),
            b'?' => replies.push(if drawer.sensor_open() { b'1' } else { b'0' }),
            _ => {}
        }
    }
    replies
}

/// Customer display: the bytes change what it shows; the two lines are also written to `display.txt` (a trainer
/// can watch it) whenever they change. It never answers.
fn display_bytes(shared: &Shared, bytes: &[u8]) -> Vec<u8> {
    let mut display = lock(&shared.display);
    let before = display.lines();
    display.feed(bytes);
    let after = display.lines();
    if after != before {
        let _ = std::fs::write(&shared.display_file, format!("{}\n{}\n", after[0], after[1]));
    }
    Vec::new()
}

/// What the printer sends unasked (a MICR answer once a check is inserted); nothing for other devices.
fn printer_outbox(shared: &Shared) -> Vec<u8> {
    lock(&shared.printer).slip.take_outbox()
}

fn no_outbox(_: &Shared) -> Vec<u8> {
    Vec::new()
}

fn serve_pty(mut master: Box<dyn SimLine>, shared: &Shared, stop: &AtomicBool, handle: fn(&Shared, &[u8]) -> Vec<u8>, outbox: fn(&Shared) -> Vec<u8>) {
    let mut buf = [0u8; 1024];
    while !stop.load(Ordering::Relaxed) {
        let mut replies = match master.read_tick(&mut buf, TICK) {
            Ok(n) if n > 0 => handle(shared, &buf[..n]),
            Ok(_) => Vec::new(),
            Err(_) => {
                std::thread::sleep(TICK);
                Vec::new()
            }
        };
        replies.extend(outbox(shared));
        if !replies.is_empty() {
            let _ = master.send(&replies);
        }
    }
}

fn serve_tcp(listener: &TcpListener, shared: &Arc<Shared>, stop: &Arc<AtomicBool>) {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        connections.retain(|c| !c.is_finished());
        match listener.accept() {
            Ok((stream, _)) if connections.len() < 8 => {
                let (shared, stop) = (shared.clone(), stop.clone());
                connections.push(std::thread::spawn(move || serve_connection(stream, &shared, &stop)));
            }
            Ok(_) => {}
            Err(_) => std::thread::sleep(TICK),
        }
    }
    for connection in connections {
        let _ = connection.join();
    }
}

fn serve_connection(mut stream: TcpStream, shared: &Shared, stop: &AtomicBool) {
    if stream.set_nonblocking(false).and_then(|()| stream.set_read_timeout(Some(TICK))).is_err() {
        return;
    }
    let mut buf = [0u8; 1024];
    while !stop.load(Ordering::Relaxed) {
        let mut replies = match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => printer_bytes(shared, &buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => Vec::new(),
            Err(_) => return,
        };
        replies.extend(printer_outbox(shared));
        if !replies.is_empty() && stream.write_all(&replies).is_err() {
            return;
        }
    }
}

fn serve_control(listener: &channel::Listener, shared: &Shared, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => answer_control(stream, shared),
            Err(_) => std::thread::sleep(TICK),
        }
    }
}

fn answer_control(stream: channel::Stream, shared: &Shared) {
    let timeout = Some(Duration::from_millis(control::CONTROL_TIMEOUT_MS));
    if stream.set_nonblocking(false).and_then(|()| stream.set_read_timeout(timeout)).is_err() {
        return;
    }
    let mut line = String::new();
    let Ok(mut writer) = stream.try_clone() else { return };
    if BufReader::new(std::io::Read::take(stream, control::MAX_CONTROL_LINE as u64)).read_line(&mut line).is_err() {
        return;
    }
    let (device, action) = line.trim().split_once(' ').unwrap_or((line.trim(), ""));
    let reply = match Action::parse(device, action).and_then(|a| apply(shared, &a)) {
        Ok(message) => format!("ok {message}\n"),
        Err(err) => format!("error: {err}\n"),
    };
    let _ = writer.write_all(reply.as_bytes());
}

fn send(port: &Mutex<Box<dyn SimLine>>, bytes: &[u8], what: &str) -> Result<String, SimError> {
    lock(port).send(bytes).map_err(|e| io_error(what, e))?;
    Ok(format!("{what}: sent {} bytes", bytes.len()))
}

fn apply(shared: &Shared, action: &Action) -> Result<String, SimError> {
    match action {
        Action::PrinterInsertCheck(line) => lock(&shared.printer).slip.insert(Some(line.clone())),
        Action::PrinterInsertSlip => lock(&shared.printer).slip.insert(None),
        Action::PrinterRemoveSlip => lock(&shared.printer).slip.remove(),
        _ => return apply_faults(shared, action),
    }
    Ok(format!("printer: {action:?}"))
}

fn apply_faults(shared: &Shared, action: &Action) -> Result<String, SimError> {
    {
        let mut printer = lock(&shared.printer);
        let faults = &mut printer.faults;
        match action {
            Action::PrinterPaperOut => faults.paper_out = true,
            Action::PrinterPaperOutAfter(chars) => faults.paper_out_after = Some(*chars),
            Action::PrinterPaperNearEnd => faults.paper_near_end = true,
            Action::PrinterPaperOk => (faults.paper_out, faults.paper_near_end, faults.paper_out_after) = (false, false, None),
            Action::PrinterCoverOpen => faults.cover_open = true,
            Action::PrinterCoverClose => faults.cover_open = false,
            Action::PrinterOffline => faults.offline = true,
            Action::PrinterOnline => faults.offline = false,
            Action::PrinterUnplug => faults.unplugged = true,
            Action::PrinterPlug => faults.unplugged = false,
            _ => return apply_other(shared, action),
        }
    }
    if matches!(action, Action::PrinterPaperOk | Action::PrinterCoverClose) {
        let mut drawer = lock(&shared.drawer);
        lock(&shared.printer).resume(&mut drawer);
    }
    Ok(format!("printer: {action:?}"))
}

fn apply_other(shared: &Shared, action: &Action) -> Result<String, SimError> {
    let mut drawer = lock(&shared.drawer);
    match action {
        Action::DrawerStuck => drawer.stuck = true,
        Action::DrawerUnstick => drawer.stuck = false,
        Action::DrawerOpen => drawer.open = true,
        Action::DrawerClose => drawer.open = false,
        Action::DrawerTravel(ms) => drawer.travel_ms = *ms,
        Action::ScannerMicr(line) | Action::ScannerStub(line) => return send(&shared.scanner, format!("{line}\r").as_bytes(), "scanner"),
        Action::ScannerRaw(bytes) => return send(&shared.scanner, bytes, "scanner"),
        Action::CounterReport(rows) => return send(&shared.counter, &crate::counter::render_report(rows, "SIM-1"), "counter"),
        Action::CounterRaw(bytes) => return send(&shared.counter, bytes, "counter"),
        Action::DisplayShow => {
            let [upper, lower] = lock(&shared.display).lines();
            return Ok(format!("display: [{upper}] [{lower}]"));
        }
        _ => {}
    }
    Ok(format!("drawer: {action:?}"))
}

/// Every device simulated, as a settings `[devices]` table names them: transport `sim:` (started by
/// [`materialize`]) with the profiles and timeouts of [`Simulators::config`].
pub fn sim_config() -> DevicesConfig {
    simulated_config(["sim:", "sim:", "sim:", "sim:", "sim:"].map(String::from))
}

/// The simulators' devices on these transports (printer, drawer, scanner, counter, display).
fn simulated_config([printer, drawer, scanner, counter, display]: [String; 5]) -> DevicesConfig {
    let timeouts = Timeouts { status_timeout_ms: 300, poll_interval_ms: 100, reconnect_initial_ms: 100, reconnect_max_ms: 1000, report_idle_ms: 500, ..Timeouts::default() };
    let entry = |profile: &str, transport: String| DeviceEntry { timeouts, ..DeviceEntry::new(profile, &transport) };
    DevicesConfig {
        printer: Some(entry("tm-t88", printer)),
        drawer: Some(entry("drawer-serial", drawer)),
        scanner: Some(entry("magtek-micr", scanner)),
        counter: Some(entry("bill-counter", counter)),
        display: Some(entry("epson-dm-d", display)),
    }
}

/// Replaces `sim:` transports with in-process simulators started in `dir` (kept alive by the returned value).
pub fn materialize(config: &DevicesConfig, dir: &Path) -> Result<(DevicesConfig, Option<Simulators>), SimError> {
    let uses_sim = |entry: &Option<DeviceEntry>| entry.as_ref().is_some_and(|e| e.transport.trim() == "sim:");
    if ![&config.printer, &config.drawer, &config.scanner, &config.counter, &config.display].into_iter().any(uses_sim) {
        return Ok((config.clone(), None));
    }
    let sims = Simulators::start(dir)?;
    let sim_config = sims.config();
    let pick = |mine: &Option<DeviceEntry>, theirs: &Option<DeviceEntry>| match (mine, theirs) {
        (Some(entry), Some(sim)) if uses_sim(mine) => Some(DeviceEntry { transport: sim.transport.clone(), ..entry.clone() }),
        _ => mine.clone(),
    };
    let resolved = DevicesConfig {
        printer: pick(&config.printer, &sim_config.printer),
        drawer: pick(&config.drawer, &sim_config.drawer),
        scanner: pick(&config.scanner, &sim_config.scanner),
        counter: pick(&config.counter, &sim_config.counter),
        display: pick(&config.display, &sim_config.display),
    };
    Ok((resolved, Some(sims)))
}
