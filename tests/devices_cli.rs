//! `citytill scan`, `citytill devices` and printing from `pay`/`receipt reprint` through the real binary:
//! parsing with clear refusals, the simulators driven from another process over their control socket,
//! device commands that always finish (run under a hard time limit so a hang fails instead of hanging),
//! and status that reports only real readings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use citytill_hardware::config::{DeviceEntry, DevicesConfig};
use common::{City, Run, PIN};

/// Longest any device command may run in these tests before it counts as hung.
const HARD_LIMIT: Duration = Duration::from_secs(20);

/// The simulators running in another process (`devices simulate`), killed when dropped.
struct Sims {
    child: Child,
    dir: PathBuf,
}

impl Sims {
    fn start(city: &City) -> Sims {
        let dir = city.dir.path().join("sim");
        let child = Command::new(env!("CARGO_BIN_EXE_citytill"))
            .args(["--data-dir", &city.data().display().to_string(), "devices", "simulate", "--seconds", "120", "--dir", &dir.display().to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("start simulators");
        let started = Instant::now();
        while !(dir.join("control.sock").exists() && dir.join("devices.toml").exists()) && started.elapsed() < HARD_LIMIT {
            std::thread::sleep(Duration::from_millis(50));
        }
        Sims { child, dir }
    }

    fn config(&self) -> DevicesConfig {
        DevicesConfig::load(&self.dir.join("devices.toml")).expect("simulators' devices.toml")
    }

    /// The pty the printer simulator also listens on (named in devices.toml's first line).
    fn printer_pty(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("devices.toml")).unwrap();
        text.lines().next().and_then(|l| l.split("serial:").nth(1)).expect("printer pty in devices.toml").trim().to_string()
    }

    fn control(&self, city: &City, device: &str, action: &str) {
        city.ok(&["devices", "sim", device, action, "--dir", &self.dir.display().to_string()], &[]);
    }

    /// Texts of the jobs the printer simulator rendered so far.
    fn printed(&self) -> Vec<String> {
        let mut paths: Vec<PathBuf> =
            std::fs::read_dir(self.dir.join("printed")).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "txt")).collect()).unwrap_or_default();
        paths.sort();
        paths.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect()
    }
}

impl Drop for Sims {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs citytill with `args` but kills it after `limit`: None means it hung.
fn run_bounded(city: &City, args: &[&str], env: &[(&str, &str)], limit: Duration) -> (Option<Run>, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_citytill"));
    command
        .arg("--data-dir")
        .arg(city.data())
        .args(args)
        .env_remove("CITYTILL_USER")
        .env_remove("CITYTILL_PIN")
        .env_remove("CITYTILL_DATA_DIR")
        .env("CITYTILL_PIN_KEY_FILE", city.pin_key_file())
        .env_remove("CITYTILL_NOW");
    for (key, value) in env {
        command.env(key, value);
    }
    let started = Instant::now();
    let mut child = command.stdout(std::fs::File::create(&out).unwrap()).stderr(std::fs::File::create(&err).unwrap()).spawn().expect("run citytill");
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
            return (Some(Run { code: status.code().unwrap_or(-1), stdout: read(&out), stderr: read(&err) }), started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return (None, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes `config` as a file and returns its path.
fn write_config(city: &City, name: &str, config: &DevicesConfig) -> String {
    city.write(name, &config.to_toml_string().unwrap());
    city.path(name)
}

/// The simulators' printer with a drawer on its DK port (`transport = "printer"`).
fn wired(sims: &Sims, open_when_high: bool) -> DevicesConfig {
    let simulated = sims.config();
    let printer = simulated.printer.clone().unwrap();
    let drawer = DeviceEntry { open_when_high: Some(open_when_high), timeouts: printer.timeouts, ..DeviceEntry::new("drawer-printer-pin2", "printer") };
    DevicesConfig { printer: Some(printer), drawer: Some(drawer), scanner: None, counter: None, display: None }
}

/// Adds `config` to the city's settings as its `[devices]` section.
fn configure_devices(city: &City, config: &DevicesConfig) {
    let settings = city.data().join("citytill.toml");
    let mut table = toml::Table::new();
    table.insert("devices".into(), toml::Value::try_from(config).unwrap());
    let text = std::fs::read_to_string(&settings).unwrap() + "\n" + &toml::to_string(&table).unwrap();
    std::fs::write(&settings, text).unwrap();
}

fn template() -> String {
    format!("{}/hardware/profiles/scanline-city-utility.toml", env!("CARGO_MANIFEST_DIR"))
}

// Proves a valid MICR line yields routing, last 4 of the account and check number; a bad checksum is one clear refusal.
#[test]
fn scan_micr_prints_fields_and_refuses_bad_routing() {
    let city = City::new();
    let parsed = city.ok(&["scan", "micr", "T021000021T 123456789U 1001", "--json"], &[]).json();
    assert_eq!(parsed["routing"], "021000021");
    assert_eq!(parsed["account_last4"], "6789");
    assert!(!parsed.to_string().contains("123456789\""), "full account leaked: {parsed}");
    let bad = city.run(&["scan", "micr", "T112000025T 123456789U 1001"], &[]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("112000025"), "{}", bad.stderr);
}

// Proves `scan micr` reads MagTek's four-digit format codes, its parsed-text format and a Canadian transit, and
// refuses a format code outside MagTek's table with one line naming --format.
#[test]
fn scan_micr_reads_magtek_codes_parsed_text_and_canadian_transits() {
    let city = City::new();
    let raw = city.ok(&["scan", "micr", "t122000218t 1234 5678 9o 1321", "--format", "0001", "--json"], &[]).json();
    assert_eq!((raw["routing"].as_str(), raw["check_number"].as_str(), raw["format"].as_str()), (Some("122000218"), Some("1321"), Some("0001")));
    let parsed = city.ok(&["scan", "micr", "PTTR122000218;AC999-222-3;CK11045/PENE", "--json"], &[]).json();
    assert_eq!((parsed["routing"].as_str(), parsed["account_last4"].as_str(), parsed["check_number"].as_str()), (Some("122000218"), Some("2223"), Some("11045")));
    let canadian = city.ok(&["scan", "micr", "T12345-001T 1234567U 0123", "--json"], &[]).json();
    assert_eq!(canadian["routing"], "12345-001");
    let bad = city.run(&["scan", "micr", "T021000021T 1234U", "--format", "0008"], &[]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.contains("--format: MICR format \"0008\": must be a MagTek format code"), "{}", bad.stderr);
}

// Proves a stub scanline parses with its template and one whose check digit fails is refused.
#[test]
fn scan_stub_checks_the_check_digit() {
    let city = City::new();
    let stub = city.ok(&["scan", "stub", "003456789011102960000000000100000000010008", "--template", &template(), "--json"], &[]).json();
    assert_eq!(stub["check_digits_ok"], true);
    let bad = city.run(&["scan", "stub", "003456789011102960000000000100000000010007", "--template", &template()], &[]);
    assert_ne!(bad.code, 0);
    assert!(bad.stderr.to_lowercase().contains("check"), "{}", bad.stderr);
}

// Proves `devices simulate` runs the simulators, `devices sim` injects paper-out from another process,
// and `devices test printer` then fails with the reason — and prints once paper is back.
#[test]
fn simulators_are_controlled_from_another_process() {
    let city = City::new();
    let dir = city.dir.path().join("sim");
    let mut simulate = Command::new(env!("CARGO_BIN_EXE_citytill"))
        .args(["--data-dir", &city.data().display().to_string(), "devices", "simulate", "--seconds", "60", "--dir", &dir.display().to_string()])
        .stdout(Stdio::null())
        .spawn()
        .expect("start simulators");
    let started = Instant::now();
    while !dir.join("control.sock").exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let config = dir.join("devices.toml").display().to_string();
    let sim_dir = dir.display().to_string();
    city.ok(&["devices", "sim", "printer", "paper-out", "--dir", &sim_dir], &[]);
    let failed = city.run(&["devices", "test", "printer", "--config", &config, "--timeout-ms", "5000"], &[]);
    city.ok(&["devices", "sim", "printer", "paper-ok", "--dir", &sim_dir], &[]);
    let printed = city.run(&["devices", "test", "printer", "--config", &config, "--timeout-ms", "5000"], &[]);
    let refused = city.run(&["devices", "sim", "printer", "explode", "--dir", &sim_dir], &[]);
    let _ = simulate.kill();
    let _ = simulate.wait();
    assert_ne!(failed.code, 0, "printing with no paper must fail: {}", failed.stdout);
    assert!(failed.stderr.contains("paper out"), "{}", failed.stderr);
    assert_eq!(printed.code, 0, "{}{}", printed.stdout, printed.stderr);
    let jobs = std::fs::read_dir(dir.join("printed")).map(|d| d.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "txt")).count()).unwrap_or(0);
    assert!(jobs >= 1, "no printed job rendered");
    assert_ne!(refused.code, 0);
}

// Proves `devices status --json` and `devices test drawer` finish, within the device timeouts, when the drawer
// is wired through the printer (`transport = "printer"`) — whichever way `open_when_high` reads the sensor.
// Before the fix both hung: the printer's worker waited for its command channel to close while the drawer's
// kick handle still held a sender.
#[test]
fn printer_wired_drawer_never_hangs() {
    let city = City::new();
    let sims = Sims::start(&city);
    for open_when_high in [true, false] {
        sims.control(&city, "drawer", "close");
        let config = write_config(&city, &format!("wired-{open_when_high}.toml"), &wired(&sims, open_when_high));
        let (status, took) = run_bounded(&city, &["devices", "status", "--json", "--config", &config], &[], HARD_LIMIT);
        let status = status.unwrap_or_else(|| panic!("devices status hung (open_when_high = {open_when_high})"));
        assert_eq!(status.code, 0, "{}{}", status.stdout, status.stderr);
        assert!(took < Duration::from_secs(8), "status took {took:?}");
        let reports = status.json();
        let drawer = reports.as_array().unwrap().iter().find(|r| r["device"] == "drawer").expect("drawer reported").clone();
        assert_eq!(drawer["status"]["read"], true, "{drawer}");
        assert_eq!(drawer["status"]["online"], true, "{drawer}");
        // The simulator's drawer is closed: pin 3 reads LOW, which is "closed" only when HIGH means open.
        assert_eq!(drawer["status"]["drawer_open"], !open_when_high, "{drawer}");

        let (test, took) = run_bounded(&city, &["devices", "test", "drawer", "--config", &config, "--timeout-ms", "3000"], &[], HARD_LIMIT);
        let test = test.unwrap_or_else(|| panic!("devices test drawer hung (open_when_high = {open_when_high})"));
        assert!(took < Duration::from_secs(8), "test drawer took {took:?}");
        if open_when_high {
            assert_eq!(test.code, 0, "the kick opens the drawer and it reads open: {}{}", test.stdout, test.stderr);
        } else {
            // Opened, the simulator's pin 3 goes HIGH — "closed" to this polarity: the kick is reported as not opening.
            assert_ne!(test.code, 0, "{}", test.stdout);
            assert!(test.stderr.contains("did not open"), "{}", test.stderr);
        }
    }
}

// Proves `citytill devices test drawer` tells IT which way their drawer's sensor reads: with the polarity
// right it exits 0 saying "(as configured)"; with it wrong it exits non-zero naming the setting that is right.
// Before the fix it printed only "job N completed" or "drawer did not open (stuck or jammed)".
#[test]
fn devices_test_drawer_tells_the_polarity() {
    let city = City::new();
    let sims = Sims::start(&city);
    let mut seen = Vec::new();
    for open_when_high in [true, false] {
        sims.control(&city, "drawer", "close");
        let config = write_config(&city, &format!("polarity-{open_when_high}.toml"), &wired(&sims, open_when_high));
        let (test, _) = run_bounded(&city, &["devices", "test", "drawer", "--config", &config, "--timeout-ms", "3000"], &[], HARD_LIMIT);
        let test = test.unwrap_or_else(|| panic!("devices test drawer hung (open_when_high = {open_when_high})"));
        seen.push((test.code, test.stdout.clone(), test.stderr.clone()));
    }
    let (code, stdout, stderr) = &seen[0];
    assert_eq!(*code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("reads HIGH when open, so open_when_high = true (as configured)"), "{stdout}");
    let (code, stdout, stderr) = &seen[1];
    assert_ne!(*code, 0, "{stdout}");
    assert!(stderr.contains("set open_when_high = true in [devices.drawer]"), "{stderr}");
}

// Proves `devices status` answers only after each device's first real reading: run after run, every
// simulated device (all healthy) is reported read, online and ok — never the "closed, online false"
// defaults of a worker that has not read anything yet (about one run in three before the fix).
#[test]
fn status_reports_real_readings_only() {
    let city = City::new();
    let sims = Sims::start(&city);
    let config = sims.dir.join("devices.toml").display().to_string();
    let mut reports = Vec::new();
    for _ in 0..10 {
        let (status, _) = run_bounded(&city, &["devices", "status", "--json", "--config", &config], &[], HARD_LIMIT);
        let status = status.expect("devices status hung");
        assert_eq!(status.code, 0, "{}", status.stderr);
        let run: Vec<serde_json::Value> = status.json().as_array().unwrap().clone();
        assert_eq!(run.len(), 5, "{run:?}");
        reports.extend(run);
    }
    let guesses: Vec<&serde_json::Value> = reports.iter().filter(|r| r["status"]["online"] != true || r["status"]["state"] != "idle").collect();
    assert!(guesses.is_empty(), "{} of {} reports were not a reading of a healthy device: {guesses:?}", guesses.len(), reports.len());
    for report in &reports {
        assert_eq!(report["status"]["read"], true, "{report}");
        // A customer display sends nothing back: connected is all that can be known, so never "ok".
        let expected = if report["device"] == "display" { format!("unknown: {}", citytill_hardware::display::SILENT) } else { "ok".to_string() };
        assert_eq!(report["summary"], expected.as_str(), "{report}");
    }
    let text = city.ok(&["devices", "status", "--config", &config], &[]);
    assert!(text.stdout.lines().any(|l| l.starts_with("printer") && l.contains(" ok")), "{}", text.stdout);
}

// Proves a device that gives no reading within its bound is reported "not read yet" (never a guess) and
// that status still finishes in time: a printer on a TCP port that accepts but never answers DLE EOT is a
// reading ("offline: no status reply"), and one that cannot be reached at all is one too.
#[test]
fn silent_or_absent_devices_are_reported_not_guessed() {
    let city = City::new();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let quick = |transport: String| {
        let mut entry = DeviceEntry::new("tm-t88", &transport);
        entry.timeouts.status_timeout_ms = 200;
        entry.timeouts.connect_timeout_ms = 500;
        entry
    };
    for (transport, expect) in [(format!("tcp:{}", silent.local_addr().unwrap()), "no status reply"), (format!("tcp:{closed_port}"), "cannot open")] {
        let config = write_config(&city, "silent.toml", &DevicesConfig { printer: Some(quick(transport.clone())), ..DevicesConfig::default() });
        let (status, took) = run_bounded(&city, &["devices", "status", "--json", "--config", &config], &[], HARD_LIMIT);
        let status = status.expect("devices status hung");
        assert!(took < Duration::from_secs(5), "{transport}: took {took:?}");
        let report = &status.json()[0];
        assert_eq!(report["status"]["read"], true, "{report}");
        assert_eq!(report["status"]["online"], false, "{report}");
        assert!(report["summary"].as_str().unwrap().starts_with("offline: ") && report["summary"].as_str().unwrap().contains(expect), "{report}");
    }
}

// Proves `devices test printer|drawer|scanner|counter` and `devices status` finish within their configured
// timeouts on every transport: TCP and pty printers, a printer on a file node, a serial and a printer-wired
// drawer, the pty scanner and counter (which wait for a line or report that never comes), and `sim:`.
#[test]
fn every_device_command_finishes_on_every_transport() {
    let city = City::new();
    let sims = Sims::start(&city);
    let simulated = sims.config();
    city.write("lp0", "");
    let mut file_printer = DeviceEntry::new("tm-t88", &format!("file:{}", city.path("lp0")));
    file_printer.timeouts = simulated.printer.as_ref().unwrap().timeouts;
    let pty_printer = DeviceEntry { transport: format!("serial:{}?baud=9600", sims.printer_pty()), ..simulated.printer.clone().unwrap() };
    let configs = [
        ("tcp", simulated.clone()),
        ("pty", DevicesConfig { printer: Some(pty_printer.clone()), ..simulated.clone() }),
        ("file", DevicesConfig { printer: Some(file_printer), drawer: None, ..simulated.clone() }),
        ("wired", wired(&sims, true)),
        ("wired-pty", DevicesConfig { printer: Some(pty_printer), ..wired(&sims, true) }),
        (
            "sim",
            DevicesConfig {
                printer: Some(DeviceEntry::new("tm-t88", "sim:")),
                drawer: Some(DeviceEntry::new("drawer-serial", "sim:")),
                scanner: Some(DeviceEntry::new("magtek-micr", "sim:")),
                counter: Some(DeviceEntry::new("bill-counter", "sim:")),
                display: Some(DeviceEntry::new("epson-dm-d", "sim:")),
            },
        ),
    ];
    let timeout_ms = 1500;
    for (name, config) in configs {
        let path = write_config(&city, &format!("{name}.toml"), &config);
        let (status, took) = run_bounded(&city, &["devices", "status", "--json", "--config", &path], &[], HARD_LIMIT);
        let status = status.unwrap_or_else(|| panic!("{name}: devices status hung"));
        assert_eq!(status.code, 0, "{name}: {}", status.stderr);
        assert!(took < Duration::from_secs(6), "{name}: status took {took:?}");
        for report in status.json().as_array().unwrap() {
            assert_eq!(report["status"]["read"], true, "{name}: {report}");
        }
        for device in ["printer", "drawer", "scanner", "counter"] {
            if (device == "scanner" || device == "counter") && config.scanner.is_none() {
                continue;
            }
            if device == "drawer" && config.drawer.is_none() {
                continue;
            }
            sims.control(&city, "drawer", "close");
            let (test, took) = run_bounded(&city, &["devices", "test", device, "--config", &path, "--timeout-ms", &timeout_ms.to_string()], &[], HARD_LIMIT);
            let test = test.unwrap_or_else(|| panic!("{name}: devices test {device} hung"));
            assert!(took < Duration::from_millis(timeout_ms) + Duration::from_secs(4), "{name}: test {device} took {took:?}");
            if device == "printer" || device == "drawer" {
                assert_eq!(test.code, 0, "{name}: test {device}: {}{}", test.stdout, test.stderr);
            } else {
                assert!(test.stderr.contains(&format!("no {} within {timeout_ms} ms", if device == "scanner" { "line" } else { "report" })), "{name}: {}", test.stderr);
            }
        }
    }
    assert!(!std::fs::read(city.path("lp0")).unwrap().is_empty(), "the file printer got the test page");
}

// Proves `pay --print` prints on the printer of settings [devices] and kicks the drawer for cash (not for a
// card-only payment), reporting `printed` and `drawer_kicked` in --json; that a print that fails (paper out)
// leaves the payment recorded, exits 0 with `printed: false` and the reason; and that `receipt reprint`
// prints a DUPLICATE on the printer, or as text with `--print-to stdout`.
#[test]
fn pay_and_reprint_print_on_the_configured_printer() {
    let city = City::new();
    let sims = Sims::start(&city);
    configure_devices(&city, &sims.config());
    city.ana_with_drawer();
    let ana = [("CITYTILL_PIN", PIN)];

    let (paid, _) = run_bounded(&city, &["--user", "ana", "pay", "--account", "100200-01", "--tender", "cash=100.00", "--print", "--json"], &ana, HARD_LIMIT);
    let paid = paid.expect("pay --print hung").json();
    assert_eq!((paid["printed"].clone(), paid["printed_to"].clone(), paid["drawer_kicked"].clone()), (true.into(), "printer".into(), true.into()), "{paid}");
    assert!(paid["print_error"].is_null(), "{paid}");
    let receipt = paid["receipt"].as_str().unwrap().to_string();
    assert!(sims.printed().iter().any(|job| job.contains(&receipt) && job.contains("CHANGE")), "no printed receipt {receipt}: {:?}", sims.printed());
    let status = city.ok(&["devices", "status", "--json"], &[]).json();
    assert_eq!(status.as_array().unwrap().iter().find(|r| r["device"] == "drawer").unwrap()["status"]["drawer_open"], true, "{status}");
    sims.control(&city, "drawer", "close");

    let card = city.as_user("ana", PIN).args(&["pay", "--account", "BL-0000042", "--tender", "card=120.00,brand=visa,last4=4242,auth=A1B2C3", "--print", "--json"]).expect_ok().json();
    assert_eq!(card["printed"], true, "{card}");
    assert!(card["drawer_kicked"].is_null(), "a card payment does not open the drawer: {card}");

    sims.control(&city, "printer", "paper-out");
    let journal = city.journal_len();
    let (failed, _) = run_bounded(&city, &["--user", "ana", "pay", "--account", "PC00001234", "--tender", "cash=45.00", "--print", "--json"], &ana, HARD_LIMIT);
    let failed = failed.expect("pay --print hung on paper out");
    assert_eq!(failed.code, 0, "the payment is recorded: {}", failed.stderr);
    let unprinted = failed.json();
    assert_eq!(unprinted["printed"], false, "{unprinted}");
    assert!(unprinted["print_error"].as_str().unwrap().contains("paper out"), "{unprinted}");
    assert!(failed.stderr.contains("not printed"), "{}", failed.stderr);
    assert!(city.journal_len() > journal, "the payment stands");
    let unprinted_receipt = unprinted["receipt"].as_str().unwrap().to_string();
    assert_eq!(city.ok(&["receipt", "show", &unprinted_receipt, "--json"], &[]).json()["status"], "paid");

    sims.control(&city, "printer", "paper-ok");
    let reprint = city.as_user("ana", PIN).args(&["receipt", "reprint", &unprinted_receipt, "--json"]).expect_ok().json();
    assert_eq!(reprint["printed"], true, "{reprint}");
    assert!(sims.printed().iter().any(|job| job.contains(&unprinted_receipt) && job.contains("DUPLICATE")), "{:?}", sims.printed());
    let text = city.as_user("ana", PIN).args(&["receipt", "reprint", &unprinted_receipt, "--print-to", "stdout"]).expect_ok();
    assert!(text.stdout.contains("DUPLICATE") && text.stdout.contains(&unprinted_receipt), "{}", text.stdout);
    assert_eq!(city.ok(&["receipt", "show", &unprinted_receipt, "--json"], &[]).json()["reprints"], 2);

    let jobs = sims.printed().len();
    let on_stdout = city.as_user("ana", PIN).args(&["pay", "--account", "100300-02", "--amount", "10.00", "--tender", "cash=10.00", "--print-to", "stdout", "--json"]).expect_ok().json();
    assert_eq!((on_stdout["printed"].clone(), on_stdout["printed_to"].clone()), (true.into(), "stdout".into()), "{on_stdout}");
    assert!(on_stdout["receipt_text"].as_str().unwrap().contains(on_stdout["receipt"].as_str().unwrap()), "{on_stdout}");
    assert!(on_stdout["drawer_kicked"].is_null(), "text on stdout touches no device: {on_stdout}");
    assert_eq!(sims.printed().len(), jobs, "nothing more was printed");
}

/// The simulators' printer as a TM-H6000 (receipt, slip station, MICR reader) on its pty.
fn tm_h6000(sims: &Sims) -> DevicesConfig {
    let printer = sims.config().printer.unwrap();
    let printer = DeviceEntry { profile: "tm-h6000".into(), transport: format!("serial:{}", sims.printer_pty()), ..printer };
    DevicesConfig { printer: Some(printer), drawer: None, scanner: None, counter: None, display: None }
}

// Proves `devices read-check` reads a check through a TM-H6000's MICR reader (the simulator answers FS a 0 the
// way Epson frames it once `devices sim printer insert-check` puts one in) and shows only the account's last
// four; `devices test slip` prints on a form put in the slip station and fails, bounded, when none is; a
// receipt-only TM-T88 refuses to read checks. Before, `micr = true` was never read and neither command existed.
#[test]
fn read_check_and_test_slip_on_a_tm_h6000() {
    let city = City::new();
    let sims = Sims::start(&city);
    let config = write_config(&city, "h6000.toml", &tm_h6000(&sims));
    let reading = {
        let (city_dir, config) = (city.data(), config.clone());
        let pin_key = city.pin_key_file();
        std::thread::spawn(move || {
            Command::new(env!("CARGO_BIN_EXE_citytill"))
                .arg("--data-dir")
                .arg(city_dir)
                .args(["devices", "read-check", "--json", "--config", &config, "--timeout-ms", "8000"])
                .env("CITYTILL_PIN_KEY_FILE", pin_key)
                .output()
                .expect("run read-check")
        })
    };
    std::thread::sleep(Duration::from_millis(700));
    sims.control(&city, "printer", "insert-check \"A021000021A 1234567890C 0123\"");
    let output = reading.join().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let check: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((check["routing"].as_str(), check["account_last4"].as_str(), check["check_number"].as_str()), (Some("021000021"), Some("7890"), Some("0123")));
    assert!(!stdout.contains("1234567890"), "full account leaked: {stdout}");

    sims.control(&city, "printer", "remove-slip");
    let (missed, took) = run_bounded(&city, &["devices", "test", "slip", "--config", &config, "--timeout-ms", "1000"], &[], HARD_LIMIT);
    let missed = missed.expect("devices test slip hung");
    assert_ne!(missed.code, 0);
    assert!(missed.stderr.contains("no slip paper was inserted within 1 s"), "{}", missed.stderr);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    sims.control(&city, "printer", "insert-slip");
    let printed = city.ok(&["devices", "test", "slip", "--config", &config, "--timeout-ms", "3000"], &[]);
    assert!(printed.stdout.contains("slip printed and ejected"), "{}", printed.stdout);
    let started = Instant::now();
    while !sims.printed().iter().any(|t| t.starts_with("CityTill slip test\nprofile tm-h6000")) && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(sims.printed().iter().any(|t| t.starts_with("CityTill slip test\nprofile tm-h6000")), "{:?}", sims.printed());

    let mut t88 = tm_h6000(&sims);
    t88.printer = t88.printer.map(|p| DeviceEntry { profile: "tm-t88".into(), ..p });
    let t88 = write_config(&city, "t88.toml", &t88);
    let refused = city.run(&["devices", "read-check", "--config", &t88, "--timeout-ms", "1000"], &[]);
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.contains("read-check:") && refused.stderr.contains("micr = false"), "{}", refused.stderr);
}

/// Runs `citytill --data-dir DIR ARGS` with no display (so `demo` stops where it would open its window), killed
/// after `HARD_LIMIT`; returns stdout and stderr.
fn run_on_dir(dir: &Path, pin_key: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new("timeout")
        .arg(HARD_LIMIT.as_secs().to_string())
        .arg(env!("CARGO_BIN_EXE_citytill"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("CITYTILL_DATA_DIR")
        .env("CITYTILL_PIN_KEY_FILE", pin_key)
        .output()
        .expect("run citytill");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

// Proves `citytill devices status` on the demo's data dir agrees with the demo window: it lists the same four
// simulated devices, each ok (it used to say "No devices configured" there), and a demo started again on the
// same dir still reads (the devices table is written once), printing where its data is.
#[test]
fn devices_status_on_the_demo_data_dir_lists_its_simulated_devices() {
    let work = tempfile::tempdir().unwrap();
    let (dir, pin_key) = (work.path().join("demo"), work.path().join("pin.key"));
    for run in ["Created a new", "Reusing the"] {
        let (_, stdout, stderr) = run_on_dir(&dir, &pin_key, &["demo"]);
        assert!(stdout.contains(run) && stdout.contains(&format!("TRAINING city in {}", dir.display())), "demo printed:\n{stdout}\n{stderr}");
        // Here it stops where the window would open: one clear line, not a crash.
        assert!(stderr.contains("no display") && !stderr.contains("panicked"), "{stderr}");
    }
    let (ok, stdout, stderr) = run_on_dir(&dir, &pin_key, &["devices", "status"]);
    assert!(ok, "devices status failed:\n{stdout}\n{stderr}");
    assert!(!stdout.contains("No devices configured"), "{stdout}");
    for (device, profile) in [("printer", "tm-t88"), ("drawer", "drawer-serial"), ("scanner", "magtek-micr"), ("counter", "bill-counter")] {
        let line = stdout.lines().find(|l| l.starts_with(device)).unwrap_or_else(|| panic!("no {device} in:\n{stdout}"));
        assert!(line.contains(" ok") && line.contains(profile), "{line}");
    }
    let display = stdout.lines().find(|l| l.starts_with("display")).unwrap_or_else(|| panic!("no display in:\n{stdout}"));
    assert!(display.contains(" unknown: ") && display.contains("(epson-dm-d on "), "{display}");
    assert!(stdout.contains("simulators started for this command"), "{stdout}");
}

// Proves `citytill demo` pointed at a counter's real (not training) city refuses, and leaves its settings without
// the demo's simulated devices.
#[test]
fn demo_refuses_a_real_city() {
    let city = City::new();
    let settings = std::fs::read_to_string(city.data().join("citytill.toml")).unwrap();
    let (ok, stdout, stderr) = run_on_dir(&city.data(), &city.pin_key_file(), &["demo"]);
    assert!(!ok, "demo ran on a real city:\n{stdout}\n{stderr}");
    assert!(stderr.contains("holds a real (not training) city"), "{stderr}");
    assert_eq!(std::fs::read_to_string(city.data().join("citytill.toml")).unwrap(), settings);
}

// Proves `devices status` with `sim:` devices, run while simulators already run in DATA_DIR/sim (the demo window's),
// starts its own elsewhere and leaves theirs reachable: `devices sim` still reaches them afterwards (before, the
// command took over and then deleted their control socket).
#[test]
fn status_leaves_running_simulators_their_control_channel() {
    let city = City::new();
    configure_devices(&city, &citytill_hardware::sim::sim_config());
    let dir = city.data().join("sim");
    let mut window_sims = Command::new(env!("CARGO_BIN_EXE_citytill"))
        .args(["--data-dir", &city.data().display().to_string(), "devices", "simulate", "--seconds", "60", "--dir", &dir.display().to_string()])
        .stdout(Stdio::null())
        .spawn()
        .expect("start simulators");
    let started = Instant::now();
    while !citytill_hardware::sim::running(&dir) && started.elapsed() < HARD_LIMIT {
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = city.ok(&["devices", "status"], &[]);
    assert_eq!(status.stdout.lines().filter(|l| l.contains(" ok")).count(), 4, "{}", status.stdout);
    let control = city.run(&["devices", "sim", "printer", "paper-out", "--dir", &dir.display().to_string()], &[]);
    let _ = window_sims.kill();
    let _ = window_sims.wait();
    assert_eq!(control.code, 0, "the running simulators lost their control channel: {}", control.stderr);
}

// Proves `devices test display` writes the test pattern on the customer display named in the settings (here the
// simulators' display, run by another process) and says to check it by eye; the simulated display then shows it
// (`devices sim display show`); and that a bad display setting is one clear line naming the field, exit non-zero.
#[test]
fn devices_test_display_shows_the_pattern_and_bad_settings_name_the_field() {
    let city = City::new();
    let sims = Sims::start(&city);
    let display = sims.config().display.expect("simulators' display");
    configure_devices(&city, &DevicesConfig { display: Some(display), ..DevicesConfig::default() });
    let (test, took) = run_bounded(&city, &["devices", "test", "display", "--timeout-ms", "3000"], &[], HARD_LIMIT);
    let test = test.expect("devices test display hung");
    assert_eq!(test.code, 0, "{}{}", test.stdout, test.stderr);
    assert!(took < Duration::from_secs(8), "took {took:?}");
    assert!(test.stdout.contains("test pattern written") && test.stdout.contains("check it by eye"), "{}", test.stdout);
    let shown = city.ok(&["devices", "sim", "display", "show", "--dir", &sims.dir.display().to_string()], &[]);
    assert!(shown.stdout.contains("[12345678901234567890] [Display test: 2 x 20]"), "{}", shown.stdout);
    assert_eq!(std::fs::read_to_string(sims.dir.join("display.txt")).unwrap(), "12345678901234567890\nDisplay test: 2 x 20\n");

    let bad = |name: &str, entry: &str| {
        let other = City::new();
        let settings = other.data().join("citytill.toml");
        std::fs::write(&settings, std::fs::read_to_string(&settings).unwrap() + "\n[devices.display]\n" + entry).unwrap();
        let run = other.run(&["devices", "test", "display"], &[]);
        assert_ne!(run.code, 0, "{name}: {}", run.stdout);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{name}: {}", run.stderr);
        run.stderr
    };
    let printer_profile = bad("printer profile", "profile = \"tm-t88\"\ntransport = \"sim:\"\n");
    assert!(printer_profile.contains("devices.display: profile tm-t88: is a printer profile, expected display"), "{printer_profile}");
    let brightness = bad("brightness", "profile = \"epson-dm-d\"\ntransport = \"sim:\"\nbrightness = 9\n");
    assert!(brightness.contains("devices.display.brightness: 9: must be 1 (dimmest) to 4 (brightest)"), "{brightness}");
    let transport = bad("transport", "profile = \"cd5220\"\ntransport = \"printer\"\n");
    assert!(transport.contains("devices.display.transport: \"printer\" is only for drawers"), "{transport}");
}
