//! `citytill devices ...` and `citytill scan ...`: peripherals from the command line — list, status,
//! test, run the simulators, inject simulator faults, and parse MICR lines and bill stubs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use citytill_hardware::config::DevicesConfig;
use citytill_hardware::device::DeviceKind;
use citytill_hardware::{commands, micr, sim};

use crate::cli::context::Context;
use crate::cli::output;
use citytill::error::{Error, Result};

#[derive(clap::Subcommand, Debug)]
pub enum DevicesCommand {
    /// Serial ports found on this machine.
    List,
    /// Each configured device's state (from settings [devices], or --config FILE).
    Status {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Exercise one device: printer (test page), drawer (kick, and say which way its open sensor reads —
    /// run it with the drawer closed), scanner (read one line), counter (read one report), display (show a test pattern
    /// on the customer display), slip (print on a form put in the slip station).
    Test {
        device: String,
        #[arg(long)]
        config: Option<PathBuf>,
        /// How long to wait for the device.
        #[arg(long, default_value_t = 10_000)]
        timeout_ms: u64,
    },
    /// Read one check with the printer's MICR reader (TM-H6000, `micr = true`): insert it when asked.
    ReadCheck {
        #[arg(long)]
        config: Option<PathBuf>,
        /// How long to wait for the check.
        #[arg(long, default_value_t = 30_000)]
        timeout_ms: u64,
    },
    /// Start every simulator (printer on TCP and pty, drawer, scanner, counter, customer display) and print their paths.
    Simulate {
        /// Where simulators write devices.toml, printed jobs and their control socket (default: DATA_DIR/sim).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Stop after this many seconds (default: run until killed).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Send a simulator an action, e.g. `printer paper-out`, `scanner micr "T021000021T 123456789U 1001"`.
    Sim {
        device: String,
        action: Vec<String>,
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum ScanCommand {
    /// Parse a check's MICR line (routing checksum verified; account masked).
    Micr {
        line: String,
        /// The reader's format: MagTek 0000–0007 (00, 01, 02 = 0000, 0001, 0002), 0100/0101 parsed, 0200/0201 with error labels; honeywell; axiohm; unicode (default: detect).
        #[arg(long)]
        format: Option<String>,
    },
    /// Parse a bill stub's scanline with a template (check digits verified; default: the city's `[scanline]` templates).
    Stub {
        line: String,
        #[arg(long)]
        template: Option<PathBuf>,
    },
}

/// The `[devices]` settings (or `--config FILE`), checked.
pub(crate) fn devices_config(ctx: &Context, file: Option<&Path>) -> Result<DevicesConfig> {
    let config = match (file, &ctx.settings.devices) {
        (Some(path), _) => DevicesConfig::load(path),
        (None, Some(config)) => Ok(config.clone()),
        (None, None) => Ok(DevicesConfig::default()),
    };
    config.map_err(|e| Error::invalid("[devices]", e.to_string()))
}

/// Simulators this command started for `sim:` transports (and the folder they run in when it is not DATA_DIR/sim);
/// they stop when it is dropped.
struct OwnSimulators {
    simulators: Option<sim::Simulators>,
    _dir: Option<tempfile::TempDir>,
}

/// `sim:` transports started as in-process simulators in DATA_DIR/sim, as the window does (kept alive by the second
/// value). When the window's simulators are running there (the demo is open), this command's own run in a
/// throwaway folder instead, so the window keeps its control channel (`devices sim`).
fn with_simulators(ctx: &Context, config: DevicesConfig) -> Result<(DevicesConfig, OwnSimulators)> {
    let shared = sim_dir(ctx, None);
    let own = if sim::running(&shared) { Some(tempfile::tempdir().map_err(|e| Error::file(&std::env::temp_dir(), e))?) } else { None };
    let dir = own.as_ref().map_or(shared, |d| d.path().to_path_buf());
    let (config, simulators) = sim::materialize(&config, &dir).map_err(|e| Error::refused("[devices]", e.to_string()))?;
    Ok((config, OwnSimulators { simulators, _dir: own }))
}

fn sim_dir(ctx: &Context, dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| ctx.data_dir.join("sim"))
}

pub fn devices(ctx: &Context, command: DevicesCommand) -> Result<()> {
    match command {
        DevicesCommand::List => {
            let ports = commands::list_ports().map_err(|e| Error::Refused(e.to_string().into()))?;
            if ctx.json {
                return output::json(&ports);
            }
            if ports.is_empty() {
                crate::outln!("No serial ports found.")?;
            }
            for port in ports {
                crate::outln!("{}", serde_json::to_string(&port).unwrap_or_default())?;
            }
        }
        DevicesCommand::Status { config } => {
            let (config, simulators) = with_simulators(ctx, devices_config(ctx, config.as_deref())?)?;
            let reports = commands::status(&config);
            if ctx.json {
                return output::json(&reports);
            }
            if reports.is_empty() {
                crate::outln!("No devices configured (see [devices] in citytill.toml and hardware/README.md).")?;
            }
            for report in reports {
                let drawer = report.status.as_ref().and_then(|s| s.drawer_open).map(|open| if open { ", drawer open" } else { ", drawer closed" }).unwrap_or_default();
                crate::outln!("{:<8} {}{drawer}  ({} on {})", report.device.name(), report.summary, report.profile.unwrap_or_default(), report.transport.unwrap_or_default())?;
            }
            if simulators.simulators.is_some() {
                crate::outln!("Devices with transport \"sim:\" are simulators started for this command (the window starts its own while it is open).")?;
            }
        }
        DevicesCommand::Test { device, config, timeout_ms } if device == "slip" => {
            let (config, _simulators) = with_simulators(ctx, devices_config(ctx, config.as_deref())?)?;
            let result = commands::test_slip(&config, timeout_ms).map_err(|e| Error::refused("slip", e.to_string()))?;
            crate::outln!("{result}")?;
        }
        DevicesCommand::ReadCheck { config, timeout_ms } => {
            let (config, _simulators) = with_simulators(ctx, devices_config(ctx, config.as_deref())?)?;
            let check = commands::read_check(&config, timeout_ms).map_err(|e| Error::refused("read-check", e.to_string()))?;
            if ctx.json {
                return output::json(&check);
            }
            crate::outln!("routing {}  account {}  check {}", check.routing, check.account_masked, check.check_number.as_deref().unwrap_or("-"))?;
        }
        DevicesCommand::Test { device, config, timeout_ms } => {
            let kind = match device.as_str() {
                "printer" => DeviceKind::Printer,
                "drawer" => DeviceKind::Drawer,
                "scanner" => DeviceKind::Scanner,
                "counter" => DeviceKind::Counter,
                "display" => DeviceKind::Display,
                other => return Err(Error::invalid("device", format!("'{other}' is not one of printer, drawer, scanner, counter, display, slip"))),
            };
            let (config, _simulators) = with_simulators(ctx, devices_config(ctx, config.as_deref())?)?;
            let result = commands::test_device(&config, kind, timeout_ms).map_err(|e| Error::refused(device, e.to_string()))?;
            crate::outln!("{result}")?;
        }
        DevicesCommand::Simulate { dir, seconds } => {
            let dir = sim_dir(ctx, dir);
            let simulators = sim::Simulators::start(&dir).map_err(|e| Error::refused("simulate", e.to_string()))?;
            let paths = serde_json::json!({
                "dir": dir,
                "devices_toml": dir.join("devices.toml"),
                "printer_tcp": simulators.printer_tcp.to_string(),
                "printer_pty": simulators.printer_pty,
                "drawer_pty": simulators.drawer_pty,
                "scanner_pty": simulators.scanner_pty,
                "counter_pty": simulators.counter_pty,
                "display_pty": simulators.display_pty,
                "display_txt": dir.join("display.txt"),
                "printed": simulators.printed_dir(),
                "control_socket": simulators.control_address(),
            });
            output::json(&paths)?;
            let deadline = seconds.map(|s| std::time::Instant::now() + Duration::from_secs(s));
            while deadline.is_none_or(|d| std::time::Instant::now() < d) {
                std::thread::sleep(Duration::from_millis(200));
            }
            drop(simulators);
        }
        DevicesCommand::Sim { device, action, dir } => {
            let answer = sim::control(&sim_dir(ctx, dir), &device, &action.join(" ")).map_err(|e| Error::Refused(format!("sim {device}: {e}").into()))?;
            crate::outln!("ok {answer}")?;
        }
    }
    Ok(())
}

pub fn scan(ctx: &Context, command: ScanCommand) -> Result<()> {
    match command {
        ScanCommand::Micr { line, format } => {
            let format = format.map(|f| micr::Format::from_code(&f)).transpose().map_err(|e| Error::invalid("--format", e.to_string()))?;
            let parsed = micr::parse(&line, format).map_err(|e| Error::invalid("micr", e.to_string()))?;
            if ctx.json {
                return output::json(&parsed);
            }
            crate::outln!(
                "routing {}  account {}  check {}  amount {}",
                parsed.routing,
                parsed.account_masked,
                parsed.check_number.as_deref().unwrap_or("-"),
                parsed.amount_cents.map(|c| citytill::Money::from_cents(c).to_string()).unwrap_or_else(|| "-".into())
            )?;
        }
        ScanCommand::Stub { line, template } => {
            let stub = match crate::cli::batch::stub_templates(ctx, template.as_deref())?.read(&line) {
                citytill::ops::stub::StubRead::Stub { stub, .. } => stub,
                citytill::ops::stub::StubRead::Bad(problem) | citytill::ops::stub::StubRead::NoTemplate(problem) => return Err(Error::invalid("stub", &problem)),
            };
            if ctx.json {
                return output::json(&stub);
            }
            for (name, value) in &stub.fields {
                crate::outln!("{name:<16} {value}")?;
            }
            crate::outln!("check digits     ok")?;
        }
    }
    Ok(())
}
