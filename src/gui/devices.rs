//! The counter's peripherals as the window owns them: opened from the `[devices]` settings (or the
//! simulators in demo mode), their events merged into one feed for a Subscription, and their status.
//!
//! Every call here only queues work on a device's own thread (bounded queues, `try_send`), so the UI
//! thread never waits on a printer, drawer, scanner or counter.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use citytill_hardware::config::DevicesConfig;
use citytill_hardware::device::{DeviceEvent, DeviceKind, DeviceState, DeviceStatus};
use citytill_hardware::display::DisplayLines;
use citytill_hardware::encode::Endorsement;
use citytill_hardware::receipt::Receipt;
use citytill_hardware::set::{DeviceSet, ALL_KINDS};
use citytill_hardware::sim::{self, Simulators};
use iced::futures::channel::mpsc;
use iced::futures::{SinkExt, StreamExt};

/// Most device events waiting for the window; beyond that they are dropped (devices never block).
pub const FEED_LEN: usize = 1024;

/// The opened peripherals (the same [`DeviceSet`] the command line uses). Why a configured device is
/// absent is in `problems`.
#[derive(Default)]
pub struct Devices {
    set: DeviceSet,
    /// One line per device that is configured but could not be opened.
    pub problems: Vec<String>,
    /// Where the simulators render printed jobs (demo mode), shown on the Devices screen.
    pub sim_dir: Option<std::path::PathBuf>,
    /// Simulated devices running in this process (demo mode, or `sim:` transports); dropped last.
    pub simulators: Option<Simulators>,
    /// The printer's profile has a slip station: checks can be endorsed and bill stubs validated on it.
    pub slip: Option<Slip>,
    feed: DeviceFeed,
}

/// The configured printer's slip station: how wide a line it prints and how long a job waits for the paper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slip {
    pub columns: usize,
    /// The printer's job timeout: the longest a slip job waits for the check or form to be put in.
    pub wait: std::time::Duration,
}

impl std::fmt::Debug for Devices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Devices").field("problems", &self.problems).finish_non_exhaustive()
    }
}

/// One device's line on the status bar and the Devices screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceLine {
    pub kind: DeviceKind,
    pub configured: bool,
    pub status: DeviceStatus,
}

impl DeviceLine {
    /// "ok", "offline", "busy", "error: ...", "not configured" — what the cashier needs to know.
    pub fn summary(&self) -> String {
        if !self.configured {
            return "not configured".into();
        }
        let status = &self.status;
        if !status.read {
            return "connecting".into();
        }
        if let Some(error) = status.last_error.as_deref().filter(|_| status.state == DeviceState::Error || !status.online) {
            return format!("offline: {error}");
        }
        match (status.state, status.online) {
            (DeviceState::Closed, _) => "connecting".into(),
            (_, false) => "offline".into(),
            (DeviceState::Busy, true) => "busy".into(),
            (DeviceState::Error, true) => "error".into(),
            // A customer display never answers: its port is open and the last write went out, nothing more is known.
            (DeviceState::Idle, true) if status.unknown.is_some() && self.kind == DeviceKind::Display => "connected".into(),
            // A link that cannot report (a USB node without a back channel): never "ok".
            (DeviceState::Idle, true) if status.unknown.is_some() => "status unknown".into(),
            (DeviceState::Idle, true) => "ok".into(),
        }
    }

    pub fn is_ok(&self) -> bool {
        !self.configured || (self.status.online && self.status.state != DeviceState::Error)
    }
}

impl Devices {
    /// Opens what `config` lists; each failure is kept as a problem line, never fatal.
    pub fn open(config: &DevicesConfig) -> Devices {
        let mut set = DeviceSet::open(config);
        let problems = set.problems.iter().map(|(_, problem)| problem.clone()).collect();
        let feed = DeviceFeed::merge(set.take_receivers());
        let slip = set.printer().and_then(|printer| {
            let profile = config.resolve(DeviceKind::Printer).ok()?.profile.printer?;
            profile.slip_station.then(|| Slip { columns: profile.columns, wait: std::time::Duration::from_millis(printer.timeouts().job_timeout_ms) })
        });
        Devices { set, problems, feed, slip, ..Devices::default() }
    }
    /// Opens the devices of the settings' `[devices]` (read when the settings loaded); `sim:` transports start
    /// simulators in `sim_dir`.
    pub fn from_settings(config: Option<&DevicesConfig>, sim_dir: &Path) -> Devices {
        let Some(config) = config else { return Devices::default() };
        match sim::materialize(config, sim_dir) {
            Ok((config, simulators)) => {
                let sim_dir = simulators.as_ref().map(|_| sim_dir.to_path_buf());
                Devices { simulators, sim_dir, ..Devices::open(&config) }
            }
            Err(e) => Devices { problems: vec![e.to_string()], ..Devices::open(config) },
        }
    }

    /// Training: every device simulated in `dir` (printed jobs land in `dir/printed/`).
    pub fn simulated(dir: &Path) -> Devices {
        Devices::simulated_with(dir, |_| {})
    }

    /// As `simulated`, with the simulators' config changed by `adjust` first (e.g. a slip printer's profile).
    pub fn simulated_with(dir: &Path, adjust: impl FnOnce(&mut DevicesConfig)) -> Devices {
        match Simulators::start(dir) {
            Ok(simulators) => {
                let mut config = simulators.config();
                adjust(&mut config);
                Devices { sim_dir: Some(dir.to_path_buf()), ..Devices::open(&config) }.with_simulators(simulators)
            }
            Err(e) => Devices { problems: vec![e.to_string()], ..Devices::default() },
        }
    }

    fn with_simulators(mut self, simulators: Simulators) -> Devices {
        self.simulators = Some(simulators);
        self
    }

    pub fn feed(&self) -> DeviceFeed {
        self.feed.clone()
    }

    /// Queues a receipt; the outcome arrives later as a job event.
    pub fn print(&self, receipt: &Receipt) -> Result<u64, String> {
        let printer = self.set.printer().ok_or("printer: not configured — the receipt was not printed")?;
        printer.print(receipt).map_err(|e| e.to_string())
    }

    /// Queues plain text lines (a report) on the receipt printer: wrapped to `PRINT_COLUMNS`, PC858, fed and cut.
    pub fn print_lines(&self, lines: &[String]) -> Result<u64, String> {
        let printer = self.set.printer().ok_or("printer: not configured — the report was not printed")?;
        printer.print_bytes(text_job(lines)).map_err(|e| e.to_string())
    }

    /// Queues the city's endorsement for the back of a check in the slip station (the printer waits for it at
    /// most `Slip::wait`); the outcome arrives later as a job event.
    pub fn endorse(&self, endorsement: &Endorsement) -> Result<u64, String> {
        let printer = self.set.printer().ok_or("printer: not configured — nothing was endorsed")?;
        printer.endorse(endorsement).map_err(|e| e.to_string())
    }

    /// Queues `lines` for a form (a bill stub) in the validation station; the outcome arrives as a job event.
    pub fn validate(&self, lines: Vec<String>) -> Result<u64, String> {
        let printer = self.set.printer().ok_or("printer: not configured — nothing was validated")?;
        printer.print_on_slip(citytill_hardware::slip::Station::Validation, lines).map_err(|e| e.to_string())
    }

    pub fn test_page(&self) -> Result<u64, String> {
        let printer = self.set.printer().ok_or("printer: not configured")?;
        printer.test_page().map_err(|e| e.to_string())
    }

    /// Opens the cash drawer (the kick is queued; "did not open" arrives as an event).
    pub fn kick(&self) -> Result<u64, String> {
        let drawer = self.set.drawer().ok_or("drawer: not configured — open it with the key")?;
        drawer.kick().map_err(|e| e.to_string())
    }

    /// Shows `lines` on the customer display (queued on its thread; the newest wins). No display: nothing happens.
    pub fn show_customer(&self, lines: DisplayLines) -> Result<(), String> {
        let Some(display) = self.set.display() else { return Ok(()) };
        display.show(lines).map_err(|e| e.to_string())
    }

    /// Writes the test pattern on the customer display; its outcome arrives later as a job event.
    pub fn test_display(&self) -> Result<u64, String> {
        let display = self.set.display().ok_or("display: not configured")?;
        display.test_pattern().map_err(|e| e.to_string())
    }

    /// The current status of every device kind, configured or not.
    pub fn lines(&self) -> Vec<DeviceLine> {
        ALL_KINDS
            .into_iter()
            .map(|kind| {
                let status = self.set.status(kind);
                DeviceLine { kind, configured: status.is_some(), status: status.unwrap_or_default() }
            })
            .collect()
    }
}

/// Report lines are wrapped to the narrowest common paper width's default (42 columns, font A).
pub const PRINT_COLUMNS: usize = 42;

/// ESC/POS bytes for plain text lines: initialise, code page PC858, the lines, feed four, partial cut.
fn text_job(lines: &[String]) -> Vec<u8> {
    let mut bytes = vec![0x1B, 0x40, 0x1B, 0x74, citytill_hardware::codepage::PC858_PAGE];
    for line in lines {
        let text = citytill_hardware::codepage::transliterate(line);
        // Lines that fit keep their column alignment; longer ones wrap at spaces.
        let pieces = if text.chars().count() <= PRINT_COLUMNS { vec![text] } else { citytill_hardware::receipt::wrap(&text, PRINT_COLUMNS) };
        for piece in pieces {
            bytes.extend(citytill_hardware::codepage::encode_pc858(&piece));
            bytes.push(b'\n');
        }
    }
    bytes.extend([0x1B, 0x64, 4, 0x1D, 0x56, 0x01]);
    bytes
}

/// The merged device events, handed once to the window's Subscription.
#[derive(Clone, Default)]
pub struct DeviceFeed(Arc<Mutex<Option<mpsc::Receiver<DeviceEvent>>>>);

impl Hash for DeviceFeed {
    fn hash<H: Hasher>(&self, state: &mut H) {
        "citytill-device-feed".hash(state);
    }
}

impl DeviceFeed {
    /// One forwarding thread per device channel; events beyond [`FEED_LEN`] waiting are dropped.
    fn merge(receivers: Vec<std::sync::mpsc::Receiver<DeviceEvent>>) -> DeviceFeed {
        let (sender, receiver) = mpsc::channel(FEED_LEN);
        for events in receivers {
            let mut sender = sender.clone();
            let _ = std::thread::Builder::new().name("citytill-device-feed".into()).spawn(move || {
                for event in events {
                    if sender.try_send(event).is_err() && sender.is_closed() {
                        break;
                    }
                }
            });
        }
        DeviceFeed(Arc::new(Mutex::new(Some(receiver))))
    }

    pub fn take(&self) -> Option<mpsc::Receiver<DeviceEvent>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The Subscription stream: device events as they come (the feed is taken by the first subscriber).
pub fn stream(feed: &DeviceFeed) -> impl iced::futures::Stream<Item = DeviceEvent> + use<> {
    let receiver = feed.take();
    iced::stream::channel(64, async move |mut out: mpsc::Sender<DeviceEvent>| {
        let Some(mut receiver) = receiver else { return };
        while let Some(event) = receiver.next().await {
            if out.send(event).await.is_err() {
                break;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a printer whose link cannot report its status (write-only USB node) reads "status unknown" on the
    // status bar, never "ok", while an answering one reads "ok"; a customer display (which never answers) reads "connected".
    #[test]
    fn unknown_status_is_not_ok() {
        let answering = DeviceStatus { read: true, online: true, state: DeviceState::Idle, ..DeviceStatus::default() };
        let line = |status: DeviceStatus| DeviceLine { kind: DeviceKind::Printer, configured: true, status };
        assert_eq!(line(answering.clone()).summary(), "ok");
        let silent = DeviceStatus { unknown: Some("device /dev/usb/lp0 does not answer status requests".into()), ..answering };
        assert_eq!(line(silent.clone()).summary(), "status unknown");
        let display = DeviceLine { kind: DeviceKind::Display, configured: true, status: silent };
        assert_eq!(display.summary(), "connected");
    }
}
