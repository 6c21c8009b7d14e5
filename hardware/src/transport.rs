//! Transports to devices — serial, TCP, device/file node — behind one `Link` trait with bounded waits.

use crate::claim::Claim;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;
use thiserror::Error;

/// Why a transport could not be described, opened or used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    #[error("transport {spec:?}: {problem}")]
    Spec { spec: String, problem: String },
    #[error("{target}: already claimed by {owner} in this program")]
    AlreadyClaimed { target: String, owner: String },
    #[error("{target}: cannot open: {problem}")]
    Open { target: String, problem: String },
    #[error("{target}: {problem}")]
    Io { target: String, problem: String },
    #[error("{target}: connection closed by the device")]
    Closed { target: String },
    #[error("{target}: reading is not supported on this transport")]
    Unsupported { target: String },
}

/// Parity setting of a serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    None,
    Odd,
    Even,
}

/// Flow control of a serial line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    None,
    Software,
    Hardware,
}

/// Serial line settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialSettings {
    pub path: String,
    pub baud: u32,
    pub parity: Parity,
    pub flow: Flow,
}

/// Where a device is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportSpec {
    Serial(SerialSettings),
    Tcp {
        host: String,
        port: u16,
    },
    File {
        path: String,
    },
    /// A printer installed in Windows, by its name, fed RAW through the print spooler (Windows only).
    Spooler {
        printer: String,
    },
    /// In-process simulator (the app starts it).
    Sim,
    /// A drawer kicked through the receipt printer.
    ViaPrinter,
}

impl TransportSpec {
    /// Parses `serial:/dev/ttyUSB0?baud=9600&parity=none&flow=none` (on Windows `serial:COM3` or
    /// `serial:\\.\COM10`), `tcp:host:9100`,
    /// `file:/dev/usb/lp0`, `sim:` or `printer`.
    pub fn parse(spec: &str) -> Result<Self, TransportError> {
        let fail = |problem: &str| TransportError::Spec { spec: spec.to_string(), problem: problem.to_string() };
        let spec_trimmed = spec.trim();
        if spec_trimmed == "printer" {
            return Ok(Self::ViaPrinter);
        }
        let (scheme, rest) = spec_trimmed.split_once(':').ok_or_else(|| fail("expected serial:, tcp:, file:, sim: or printer"))?;
        match scheme {
            "serial" => parse_serial(rest).map_err(|p| fail(&p)),
            "tcp" => parse_tcp(rest).map_err(|p| fail(&p)),
            "file" if !rest.is_empty() => Ok(Self::File { path: rest.to_string() }),
            "file" => Err(fail("file: needs a path")),
            "sim" => Ok(Self::Sim),
            "spooler" if !rest.trim().is_empty() => Ok(Self::Spooler { printer: rest.trim().to_string() }),
            "spooler" => Err(fail("spooler: needs the Windows printer's name")),
            _ => Err(fail("unknown scheme: expected serial, tcp, file, spooler, sim or printer")),
        }
    }

    /// The spec written back in its text form.
    pub fn to_spec_string(&self) -> String {
        match self {
            Self::Serial(s) => format!("serial:{}?baud={}&parity={}&flow={}", s.path, s.baud, parity_name(s.parity), flow_name(s.flow)),
            Self::Tcp { host, port } => format!("tcp:{host}:{port}"),
            Self::File { path } => format!("file:{path}"),
            Self::Spooler { printer } => format!("spooler:{printer}"),
            Self::Sim => "sim:".to_string(),
            Self::ViaPrinter => "printer".to_string(),
        }
    }
}

fn parity_name(parity: Parity) -> &'static str {
    match parity {
        Parity::None => "none",
        Parity::Odd => "odd",
        Parity::Even => "even",
    }
}

fn flow_name(flow: Flow) -> &'static str {
    match flow {
        Flow::None => "none",
        Flow::Software => "software",
        Flow::Hardware => "hardware",
    }
}

fn parse_serial(rest: &str) -> Result<TransportSpec, String> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err("serial: needs a device path".into());
    }
    let mut settings = SerialSettings { path: com_port_name(path).unwrap_or_else(|| path.to_string()), baud: 9600, parity: Parity::None, flow: Flow::None };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').ok_or(format!("option {pair:?}: expected key=value"))?;
        match key {
            "baud" => settings.baud = value.parse().ok().filter(|b| (50..=4_000_000).contains(b)).ok_or(format!("baud {value:?}: not a baud rate"))?,
            "parity" => {
                settings.parity = match value {
                    "none" => Parity::None,
                    "odd" => Parity::Odd,
                    "even" => Parity::Even,
                    _ => return Err(format!("parity {value:?}: expected none, odd or even")),
                }
            }
            "flow" => {
                settings.flow = match value {
                    "none" => Flow::None,
                    "software" | "xonxoff" => Flow::Software,
                    "hardware" | "rtscts" => Flow::Hardware,
                    _ => return Err(format!("flow {value:?}: expected none, software or hardware")),
                }
            }
            _ => return Err(format!("option {key:?}: unknown (baud, parity, flow)")),
        }
    }
    Ok(TransportSpec::Serial(settings))
}

/// A Windows COM port named `COM3`, `com3` or `\\.\COM10`, as the one name `COM3`/`COM10` (the serial
/// library adds the `\\.\` prefix Windows needs from COM10 on), so one port is never claimed under two names.
fn com_port_name(path: &str) -> Option<String> {
    let name = path.strip_prefix(r"\\.\").unwrap_or(path);
    let number = name.get(..3).filter(|p| p.eq_ignore_ascii_case("com")).and(name.get(3..))?;
    let number: u16 = number.parse().ok().filter(|n| *n > 0 && !number.starts_with('0') && !number.starts_with('+'))?;
    Some(format!("COM{number}"))
}

fn parse_tcp(rest: &str) -> Result<TransportSpec, String> {
    let (host, port) = rest.rsplit_once(':').ok_or("tcp: expected host:port")?;
    let port = port.parse::<u16>().ok().filter(|p| *p > 0).ok_or(format!("port {port:?}: not a port number"))?;
    if host.is_empty() {
        return Err("tcp: host missing".into());
    }
    Ok(TransportSpec::Tcp { host: host.to_string(), port })
}

/// A bidirectional byte stream to one device; every wait is bounded.
pub trait Link: Send {
    /// Writes all bytes (bounded by the link's write timeout).
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError>;
    /// Reads what arrives within `timeout`; `Ok(0)` means nothing arrived.
    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;
    /// Reads a modem status line (CTS/DSR/DCD), where the transport has them.
    fn modem_line(&mut self, line: ModemLine) -> Result<bool, TransportError> {
        let _ = line;
        Err(TransportError::Unsupported { target: self.describe() })
    }
    /// Whether the device can answer at all (a node opened write-only, the Windows spooler cannot).
    fn can_read(&self) -> bool {
        true
    }
    /// Whether a readable link may still never answer (a device node without a back channel): the printer
    /// then reports its status as unknown instead of offline.
    fn may_be_mute(&self) -> bool {
        false
    }
    /// Human name of the target, for messages.
    fn describe(&self) -> String;
}

/// Serial modem status inputs (absent on pseudo-terminals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModemLine {
    Cts,
    Dsr,
    Dcd,
    /// Ring indicator (APG SerialPRO drawers can report the drawer switch on it).
    Ri,
}

fn io_error(target: &str, err: impl ToString) -> TransportError {
    TransportError::Io { target: target.to_string(), problem: err.to_string() }
}

/// Serial port link (exclusive: claimed in-process and locked against other programs).
pub struct SerialLink {
    port: Box<dyn serialport::SerialPort>,
    target: String,
    write_timeout: Duration,
    _claim: Claim,
}

impl SerialLink {
    /// Opens and exclusively claims a serial port.
    pub fn open(settings: &SerialSettings, owner: &str, write_timeout_ms: u64) -> Result<Self, TransportError> {
        let target = format!("serial port {}", settings.path);
        let claim = Claim::take(&target, owner)?;
        let parity = match settings.parity {
            Parity::None => serialport::Parity::None,
            Parity::Odd => serialport::Parity::Odd,
            Parity::Even => serialport::Parity::Even,
        };
        let flow = match settings.flow {
            Flow::None => serialport::FlowControl::None,
            Flow::Software => serialport::FlowControl::Software,
            Flow::Hardware => serialport::FlowControl::Hardware,
        };
        let port = serialport::new(settings.path.as_str(), settings.baud)
            .parity(parity)
            .flow_control(flow)
            .timeout(Duration::from_millis(write_timeout_ms.max(1)))
            .open()
            .map_err(|e| open_error(&target, &e))?;
        Ok(Self { port, target, write_timeout: Duration::from_millis(write_timeout_ms.max(1)), _claim: claim })
    }
}

fn open_error(target: &str, err: &serialport::Error) -> TransportError {
    let problem = if err.kind() == serialport::ErrorKind::NoDevice && err.description.contains("lock") { "in use by another program (exclusive lock held)".to_string() } else { err.to_string() };
    TransportError::Open { target: target.to_string(), problem }
}

impl Link for SerialLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.port.set_timeout(self.write_timeout).map_err(|e| io_error(&self.target, e))?;
        self.port.write_all(bytes).map_err(|e| io_error(&self.target, e))?;
        // Waiting for the bytes to leave (tcdrain) is best effort: the write above already put them in
        // the kernel's queue, and on pseudo-terminals tcdrain fails now and then for no lasting reason
        // (serialport reports it only as "flush failed"). A device that is really gone shows up as a
        // failed write or as a reply that never comes, and every read is bounded.
        for _ in 0..3 {
            if self.port.flush().is_ok() {
                break;
            }
        }
        Ok(())
    }

    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        self.port.set_timeout(timeout.max(Duration::from_millis(1))).map_err(|e| io_error(&self.target, e))?;
        match self.port.read(buf) {
            Ok(n) => Ok(n),
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(io_error(&self.target, e)),
        }
    }

    fn modem_line(&mut self, line: ModemLine) -> Result<bool, TransportError> {
        let result = match line {
            ModemLine::Cts => self.port.read_clear_to_send(),
            ModemLine::Dsr => self.port.read_data_set_ready(),
            ModemLine::Dcd => self.port.read_carrier_detect(),
            ModemLine::Ri => self.port.read_ring_indicator(),
        };
        result.map_err(|e| io_error(&self.target, e))
    }

    fn describe(&self) -> String {
        self.target.clone()
    }
}

/// TCP link (a network printer at host:9100).
pub struct TcpLink {
    stream: TcpStream,
    target: String,
    _claim: Claim,
}

impl TcpLink {
    /// Connects within `connect_timeout_ms` and claims host:port in this program.
    pub fn open(host: &str, port: u16, owner: &str, connect_timeout_ms: u64, write_timeout_ms: u64) -> Result<Self, TransportError> {
        let target = format!("tcp {host}:{port}");
        let claim = Claim::take(&target, owner)?;
        let open_error = |problem: String| TransportError::Open { target: target.clone(), problem };
        let address = (host, port).to_socket_addrs().map_err(|e| open_error(e.to_string()))?.next().ok_or_else(|| open_error("no address".into()))?;
        let stream = TcpStream::connect_timeout(&address, Duration::from_millis(connect_timeout_ms.max(1))).map_err(|e| open_error(e.to_string()))?;
        stream.set_write_timeout(Some(Duration::from_millis(write_timeout_ms.max(1)))).map_err(|e| open_error(e.to_string()))?;
        stream.set_nodelay(true).map_err(|e| open_error(e.to_string()))?;
        Ok(Self { stream, target, _claim: claim })
    }
}

impl Link for TcpLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.stream.write_all(bytes).map_err(|e| io_error(&self.target, e))
    }

    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        self.stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1)))).map_err(|e| io_error(&self.target, e))?;
        match self.stream.read(buf) {
            Ok(0) if !buf.is_empty() => Err(TransportError::Closed { target: self.target.clone() }),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock => Ok(0),
            Err(e) => Err(io_error(&self.target, e)),
        }
    }

    fn describe(&self) -> String {
        self.target.clone()
    }
}

/// Device/file node link (e.g. `/dev/usb/lp0`). Linux `usblp` is bidirectional, so the node is opened
/// read-write (non-blocking) where it can be and DLE EOT replies are read back with a bounded wait; a node
/// that can only be opened for writing says so through `can_read`, and one that is readable but never
/// answers (a FIFO, a plain file, a printer without a back channel) is found out by the printer worker.
pub struct FileLink {
    file: File,
    target: String,
    readable: bool,
    write_timeout: Duration,
    _claim: Claim,
}

/// How long a non-blocking read or write on a device node sleeps before trying again.
const NODE_RETRY: Duration = Duration::from_millis(2);

#[cfg(unix)]
fn node_options(read: bool) -> OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = OpenOptions::new();
    options.read(read).append(true).create(false).custom_flags(libc::O_NONBLOCK);
    options
}

#[cfg(not(unix))]
fn node_options(read: bool) -> OpenOptions {
    // Without a non-blocking mode a read could wait forever, so elsewhere the node is written only.
    let _ = read;
    let mut options = OpenOptions::new();
    options.append(true).create(false);
    options
}

impl FileLink {
    /// Opens the node read-write (write-only where reading is refused) and claims it in this program.
    pub fn open(path: &str, owner: &str) -> Result<Self, TransportError> {
        Self::open_with(path, owner, 2000)
    }

    /// As [`FileLink::open`], with a bound on how long one write may wait for a busy device.
    pub fn open_with(path: &str, owner: &str, write_timeout_ms: u64) -> Result<Self, TransportError> {
        let target = format!("device {path}");
        let claim = Claim::take(&target, owner)?;
        let open_error = |e: std::io::Error| TransportError::Open { target: target.clone(), problem: e.to_string() };
        let (file, readable) = match node_options(cfg!(unix)).open(path) {
            Ok(file) => (file, cfg!(unix)),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => (node_options(false).open(path).map_err(open_error)?, false),
            Err(e) => return Err(open_error(e)),
        };
        // A plain file standing in for a printer: read from its end, never its earlier contents.
        let mut file = file;
        let _ = std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0));
        Ok(Self { file, target, readable, write_timeout: Duration::from_millis(write_timeout_ms.max(1)), _claim: claim })
    }
}

impl Link for FileLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let deadline = std::time::Instant::now() + self.write_timeout;
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.file.write(rest) {
                Ok(0) => return Err(io_error(&self.target, "the device took no bytes")),
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock && std::time::Instant::now() < deadline => std::thread::sleep(NODE_RETRY),
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return Err(io_error(&self.target, format!("device busy: took no bytes within {} ms", self.write_timeout.as_millis())));
                }
                Err(e) => return Err(io_error(&self.target, e)),
            }
        }
        self.file.flush().map_err(|e| io_error(&self.target, e))
    }

    /// Polls the non-blocking node until bytes arrive or `timeout` passes; end of file (a plain file) is "nothing".
    fn read_timeout(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        if !self.readable {
            return Err(TransportError::Unsupported { target: self.target.clone() });
        }
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match self.file.read(buf) {
                Ok(n) if n > 0 => return Ok(n),
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
                Err(e) => return Err(io_error(&self.target, e)),
            }
            if std::time::Instant::now() >= deadline {
                return Ok(0);
            }
            std::thread::sleep(NODE_RETRY);
        }
    }

    fn can_read(&self) -> bool {
        self.readable
    }

    fn may_be_mute(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        self.target.clone()
    }
}

/// Timeouts used when opening and writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenTimeouts {
    pub connect_timeout_ms: u64,
    pub write_timeout_ms: u64,
}

/// Opens a link for `owner` (a device name used in "already claimed" messages).
pub fn open(spec: &TransportSpec, owner: &str, timeouts: OpenTimeouts) -> Result<Box<dyn Link>, TransportError> {
    match spec {
        TransportSpec::Serial(settings) => Ok(Box::new(SerialLink::open(settings, owner, timeouts.write_timeout_ms)?)),
        TransportSpec::Tcp { host, port } => Ok(Box::new(TcpLink::open(host, *port, owner, timeouts.connect_timeout_ms, timeouts.write_timeout_ms)?)),
        TransportSpec::File { path } => Ok(Box::new(FileLink::open_with(path, owner, timeouts.write_timeout_ms)?)),
        #[cfg(windows)]
        TransportSpec::Spooler { printer } => Ok(Box::new(crate::spooler::SpoolerLink::open(printer, owner)?)),
        #[cfg(not(windows))]
        TransportSpec::Spooler { printer } => {
            let _ = owner;
            Err(TransportError::Open { target: format!("Windows printer {printer:?}"), problem: "the Windows print spooler exists only on Windows".into() })
        }
        TransportSpec::Sim | TransportSpec::ViaPrinter => {
            Err(TransportError::Spec { spec: spec.to_spec_string(), problem: "not a direct link (resolve sim: through sim::resolve, printer through the printer handle)".into() })
        }
    }
}

/// Drops whatever is waiting in the input (bounded), so the next answer is the one asked for.
pub fn drain_input(link: &mut dyn Link, max_bytes: usize) -> Result<usize, TransportError> {
    let mut buf = [0u8; 256];
    let mut drained = 0;
    while drained < max_bytes {
        let n = link.read_timeout(&mut buf, Duration::from_millis(1))?;
        if n == 0 {
            break;
        }
        drained += n;
    }
    Ok(drained)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every documented spec form parses and prints back the same.
    #[test]
    fn specs_round_trip() {
        for spec in ["serial:/dev/ttyUSB0?baud=19200&parity=even&flow=hardware", "tcp:192.168.1.50:9100", "file:/dev/usb/lp0", "spooler:EPSON TM-T88V Receipt", "sim:", "printer"] {
            assert_eq!(TransportSpec::parse(spec).unwrap().to_spec_string(), spec);
        }
        let defaults = TransportSpec::parse("serial:/dev/ttyS0").unwrap();
        assert_eq!(defaults.to_spec_string(), "serial:/dev/ttyS0?baud=9600&parity=none&flow=none");
    }

    // Windows COM ports are accepted by their short and their \\.\ name, both stored as COMn; other paths are kept as written.
    #[test]
    fn com_port_names() {
        for (spec, path) in [("serial:COM3", "COM3"), ("serial:com3?baud=19200", "COM3"), (r"serial:\\.\COM10?baud=9600", "COM10"), (r"serial:\\.\com12", "COM12")] {
            match TransportSpec::parse(spec).unwrap() {
                TransportSpec::Serial(settings) => assert_eq!(settings.path, path, "{spec}"),
                other => panic!("{spec}: {other:?}"),
            }
        }
        assert_eq!(TransportSpec::parse(r"serial:\\.\COM10").unwrap().to_spec_string(), "serial:COM10?baud=9600&parity=none&flow=none");
        for kept in ["/dev/ttyS0", "COM", "COM0", "COMX", "COM03", r"\\server\COM3"] {
            match TransportSpec::parse(&format!("serial:{kept}")).unwrap() {
                TransportSpec::Serial(settings) => assert_eq!(settings.path, kept),
                other => panic!("{kept}: {other:?}"),
            }
        }
    }

    // Bad specs name the problem.
    #[test]
    fn bad_specs() {
        let err = TransportSpec::parse("serial:/dev/ttyS0?baud=fast").unwrap_err();
        assert!(err.to_string().contains("baud \"fast\""), "{err}");
        assert!(TransportSpec::parse("tcp:host").is_err());
        assert!(TransportSpec::parse("usb:1").is_err());
        assert!(TransportSpec::parse("file:").is_err());
        assert!(TransportSpec::parse("spooler: ").unwrap_err().to_string().contains("printer's name"));
    }
}
