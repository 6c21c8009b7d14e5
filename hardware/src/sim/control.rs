//! Simulator control: the actions trainers and tests inject, and the channel that carries them (a Unix socket,
//! or on Windows a loopback TCP port whose number is in `control.port`).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

/// Longest control line accepted.
pub const MAX_CONTROL_LINE: usize = 4096;
/// Longest wait for the simulator to answer a control request.
pub const CONTROL_TIMEOUT_MS: u64 = 5000;

/// Why a simulator could not be started or controlled.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SimError {
    #[error("simulator {what}: {problem}")]
    Io { what: String, problem: String },
    #[error("simulator action {device} {action:?}: {problem}")]
    BadAction { device: String, action: String, problem: String },
    #[error("simulator refused: {0}")]
    Refused(String),
}

/// One injected fault or scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    PrinterPaperOut,
    PrinterPaperOutAfter(usize),
    PrinterPaperNearEnd,
    PrinterPaperOk,
    PrinterCoverOpen,
    PrinterCoverClose,
    PrinterOffline,
    PrinterOnline,
    PrinterUnplug,
    PrinterPlug,
    /// A check with this MICR line (in the printer's characters, e.g. `A021000021A 1234567890C 0123`) is put in the slip/MICR path.
    PrinterInsertCheck(String),
    /// A form without magnetic ink is put in the slip station.
    PrinterInsertSlip,
    /// The slip or check is taken out.
    PrinterRemoveSlip,
    DrawerStuck,
    DrawerUnstick,
    DrawerOpen,
    DrawerClose,
    /// The drawer's sensor reads open only this many ms after a kick (pulse + travel).
    DrawerTravel(u64),
    ScannerMicr(String),
    ScannerStub(String),
    ScannerRaw(Vec<u8>),
    CounterReport(Vec<(i64, u32)>),
    CounterRaw(Vec<u8>),
    /// Answers with the two lines the customer display shows.
    DisplayShow,
}

fn unquote(text: &str) -> String {
    let t = text.trim();
    t.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(t).to_string()
}

/// Parses `"20x5,10x3,0.25x4"` (dollars × pieces) into (cents, pieces) rows.
pub fn parse_rows(text: &str) -> Result<Vec<(i64, u32)>, String> {
    text.split(',')
        .map(|row| {
            let (denomination, pieces) = row.trim().split_once('x').ok_or(format!("row {row:?}: expected DENOMINATIONxPIECES"))?;
            let cents = crate::Money::parse_device("denomination", denomination).map_err(|e| e.to_string())?.cents();
            let pieces = pieces.parse::<u32>().map_err(|e| format!("row {row:?}: pieces: {e}"))?;
            Ok((cents, pieces))
        })
        .collect()
}

impl Action {
    /// Parses `device` and `action` (first word the verb, the rest its argument, quotes optional).
    pub fn parse(device: &str, action: &str) -> Result<Self, SimError> {
        let (verb, argument) = action.trim().split_once(' ').map_or((action.trim(), String::new()), |(v, a)| (v, unquote(a)));
        let bad = |problem: &str| SimError::BadAction { device: device.to_string(), action: action.to_string(), problem: problem.to_string() };
        let parsed = match (device, verb) {
            ("printer", "paper-out") => Self::PrinterPaperOut,
            ("printer", "paper-out-after") => Self::PrinterPaperOutAfter(argument.parse().map_err(|_| bad("expected a number of characters"))?),
            ("printer", "paper-near-end") => Self::PrinterPaperNearEnd,
            ("printer", "paper-ok") => Self::PrinterPaperOk,
            ("printer", "cover-open") => Self::PrinterCoverOpen,
            ("printer", "cover-close") => Self::PrinterCoverClose,
            ("printer", "offline") => Self::PrinterOffline,
            ("printer", "online") => Self::PrinterOnline,
            ("printer", "unplug") => Self::PrinterUnplug,
            ("printer", "plug") => Self::PrinterPlug,
            ("printer", "insert-check") if !argument.is_empty() => Self::PrinterInsertCheck(argument),
            ("printer", "insert-slip") => Self::PrinterInsertSlip,
            ("printer", "remove-slip") => Self::PrinterRemoveSlip,
            ("drawer", "stuck") => Self::DrawerStuck,
            ("drawer", "unstick") => Self::DrawerUnstick,
            ("drawer", "open") => Self::DrawerOpen,
            ("drawer", "close") => Self::DrawerClose,
            ("drawer", "travel") => Self::DrawerTravel(argument.parse().map_err(|_| bad("expected milliseconds"))?),
            ("scanner", "micr") if !argument.is_empty() => Self::ScannerMicr(argument),
            ("scanner", "stub") if !argument.is_empty() => Self::ScannerStub(argument),
            ("scanner", "raw") => Self::ScannerRaw(argument.into_bytes()),
            ("scanner", "garbage") => Self::ScannerRaw(b"\x01\x02\xff\xfe garbage \x7f\r".to_vec()),
            ("scanner", "long") => Self::ScannerRaw([vec![b'9'; 2000], b"\r".to_vec()].concat()),
            ("counter", "report") => Self::CounterReport(parse_rows(&argument).map_err(|p| bad(&p))?),
            ("counter", "garbage") => Self::CounterRaw(b"\x1b@\xff\xfeTOTAL PCS: x\r\nTOTAL AMT: ??\r\n".to_vec()),
            ("counter", "truncated") => {
                let full = crate::counter::render_report(&[(2000, 5), (1000, 3)], "SIM-1");
                Self::CounterRaw(full[..full.len() / 2].to_vec())
            }
            ("display", "show") => Self::DisplayShow,
            _ => return Err(bad(ACTIONS_HELP)),
        };
        Ok(parsed)
    }
}

/// The accepted actions, as shown in error messages and the README.
pub const ACTIONS_HELP: &str = "printer paper-out|paper-out-after N|paper-near-end|paper-ok|cover-open|cover-close|offline|online|unplug|plug|insert-check \"MICR\"|insert-slip|remove-slip; \
drawer stuck|unstick|open|close|travel MS; scanner micr \"LINE\"|stub \"LINE\"|raw \"TEXT\"|garbage|long; counter report \"20x5,10x3\"|garbage|truncated; display show";

/// Whether simulators (in any process) are running in `dir` now: their control channel accepts a connection.
pub fn running(dir: &Path) -> bool {
    channel::connect(dir).is_ok()
}

/// Sends one action to the simulators running in `dir` (from any process); returns their answer.
pub fn control(dir: &Path, device: &str, action: &str) -> Result<String, SimError> {
    Action::parse(device, action)?;
    let socket = channel::address(dir);
    let io = |problem: std::io::Error| SimError::Io { what: socket.display().to_string(), problem: problem.to_string() };
    let mut stream = channel::connect(dir).map_err(io)?;
    let timeout = Some(Duration::from_millis(CONTROL_TIMEOUT_MS));
    stream.set_read_timeout(timeout).map_err(io)?;
    stream.set_write_timeout(timeout).map_err(io)?;
    let request = format!("{device} {}\n", action.replace('\n', " "));
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut reply = String::new();
    BufReader::new(stream.take_limited()).read_line(&mut reply).map_err(io)?;
    let reply = reply.trim().to_string();
    match reply.strip_prefix("ok") {
        Some(rest) => Ok(rest.trim().to_string()),
        None => Err(SimError::Refused(reply.strip_prefix("error: ").unwrap_or(&reply).to_string())),
    }
}

/// Reading from a control stream never takes more than [`MAX_CONTROL_LINE`] bytes.
pub(crate) trait TakeLimited {
    fn take_limited(self) -> std::io::Take<channel::Stream>;
}

impl TakeLimited for channel::Stream {
    fn take_limited(self) -> std::io::Take<channel::Stream> {
        std::io::Read::take(self, MAX_CONTROL_LINE as u64)
    }
}

/// The control channel in `dir`: a Unix socket `control.sock` where there are Unix sockets.
#[cfg(unix)]
pub(crate) mod channel {
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::{Path, PathBuf};

    pub(crate) type Stream = UnixStream;
    pub(crate) type Listener = UnixListener;

    /// Where the channel is, for messages.
    pub(crate) fn address(dir: &Path) -> PathBuf {
        dir.join("control.sock")
    }

    pub(crate) fn bind(dir: &Path) -> std::io::Result<Listener> {
        let _ = std::fs::remove_file(address(dir));
        let listener = UnixListener::bind(address(dir))?;
        listener.set_nonblocking(true)?;
        Ok(listener)
    }

    pub(crate) fn connect(dir: &Path) -> std::io::Result<Stream> {
        UnixStream::connect(address(dir))
    }

    pub(crate) fn remove(dir: &Path) {
        let _ = std::fs::remove_file(address(dir));
    }
}

/// The control channel in `dir`: a TCP port on 127.0.0.1, its number written to `control.port`.
#[cfg(not(unix))]
pub(crate) mod channel {
    use std::net::{TcpListener, TcpStream};
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    pub(crate) type Stream = TcpStream;
    pub(crate) type Listener = TcpListener;

    /// Where the channel is, for messages.
    pub(crate) fn address(dir: &Path) -> PathBuf {
        dir.join("control.port")
    }

    pub(crate) fn bind(dir: &Path) -> std::io::Result<Listener> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        std::fs::write(address(dir), format!("{}\n", listener.local_addr()?.port()))?;
        Ok(listener)
    }

    pub(crate) fn connect(dir: &Path) -> std::io::Result<Stream> {
        let text = std::fs::read_to_string(address(dir))?;
        let port: u16 = text.trim().parse().map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "control.port does not hold a port number"))?;
        let timeout = Duration::from_millis(super::CONTROL_TIMEOUT_MS);
        TcpStream::connect_timeout(&std::net::SocketAddr::from(([127, 0, 0, 1], port)), timeout)
    }

    pub(crate) fn remove(dir: &Path) {
        let _ = std::fs::remove_file(address(dir));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every documented action parses; unknown ones list what is accepted.
    #[test]
    fn parses_actions() {
        assert_eq!(Action::parse("printer", "paper-out").unwrap(), Action::PrinterPaperOut);
        assert_eq!(Action::parse("scanner", "micr \"T021000021T 1234U\"").unwrap(), Action::ScannerMicr("T021000021T 1234U".into()));
        assert_eq!(Action::parse("counter", "report 20x5,0.25x4").unwrap(), Action::CounterReport(vec![(2000, 5), (25, 4)]));
        let err = Action::parse("printer", "explode").unwrap_err();
        assert!(err.to_string().contains("paper-near-end"), "{err}");
        assert!(Action::parse("counter", "report 20y5").is_err());
    }
}
