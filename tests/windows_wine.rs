//! The Windows build of `citytill.exe` under wine: the same counter day as on Linux, with the same outcomes.
//!
//! Runs when CITYTILL_WINDOWS_EXE names a Windows build (with the test-only `bcryptprimitives.dll` shim from
//! tests/windows/ beside it; .ci/run builds both) and wine64 is installed; otherwise it says why and skips.
//! CITYTILL_REQUIRE_WINE=1 turns the skip into a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

const ADMIN_PIN: &str = "246810";
const PIN: &str = "135790";

/// How one binary is started: directly (Linux) or through wine (Windows), with paths in its own form.
struct Runner {
    wine: Option<(PathBuf, PathBuf)>,
    exe: PathBuf,
}

impl Runner {
    /// A Linux path as the program sees it (wine maps the Unix root to drive Z:).
    fn path(&self, path: &Path) -> String {
        match self.wine {
            Some(_) => format!("Z:{}", path.display()).replace('/', "\\"),
            None => path.display().to_string(),
        }
    }

    fn run(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        self.run_in(Some(dir), args, env)
    }

    /// Runs with the data dir and PIN key under `dir`, or (None) where the program finds them by default.
    fn run_in(&self, dir: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut command = match &self.wine {
            Some((wine, prefix)) => {
                let mut c = Command::new(wine);
                c.arg(&self.exe).env("WINEPREFIX", prefix).env("WINEDEBUG", "-all");
                c
            }
            None => Command::new(&self.exe),
        };
        if let Some(dir) = dir {
            command.arg("--data-dir").arg(self.path(&dir.join("data")));
        }
        command.args(args);
        for key in ["CITYTILL_USER", "CITYTILL_PIN", "CITYTILL_APPROVER_PIN", "CITYTILL_DATA_DIR", "CITYTILL_NOW", "CITYTILL_PIN_KEY_FILE"] {
            command.env_remove(key);
        }
        // The PIN key lives beside the data dir, not in it; under wine it is named by its Z: path.
        if let Some(dir) = dir {
            command.env("CITYTILL_PIN_KEY_FILE", self.path(&dir.join("keys").join("pin.key")));
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("start citytill");
        let text = |b: &[u8]| String::from_utf8_lossy(b).replace("\r\n", "\n");
        (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
    }

    fn ok(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
        self.ok_in(Some(dir), args, env)
    }

    fn ok_in(&self, dir: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> String {
        let (code, stdout, stderr) = self.run_in(dir, args, env);
        assert_eq!(code, 0, "{} {args:?}: {stdout}{stderr}", self.exe.display());
        stdout
    }

    /// The wine prefix (C: is its drive_c), when under wine.
    fn prefix(&self) -> Option<&Path> {
        self.wine.as_ref().map(|(_, prefix)| prefix.as_path())
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let Some(prefix) = self.prefix() {
            let _ = std::fs::remove_dir_all(prefix);
        }
    }
}

/// A wine runner with its own prefix named after the test, or None (after saying why) when this machine cannot
/// run the Windows build; CITYTILL_REQUIRE_WINE=1 makes that a failure.
fn wine_or_skip(test: &str) -> Option<Runner> {
    match wine_runner(test) {
        Ok(runner) => Some(runner),
        Err(why) if std::env::var("CITYTILL_REQUIRE_WINE").is_ok_and(|v| v == "1") => panic!("CITYTILL_REQUIRE_WINE=1 but: {why}"),
        Err(why) => {
            eprintln!("skipped: the Windows build under wine: {why}");
            None
        }
    }
}

fn wine_runner(test: &str) -> Result<Runner, String> {
    let exe = std::env::var_os("CITYTILL_WINDOWS_EXE").filter(|p| !p.is_empty()).map(PathBuf::from).ok_or("CITYTILL_WINDOWS_EXE is not set (.ci/run sets it after building for Windows)")?;
    if !exe.is_file() {
        return Err(format!("{} does not exist", exe.display()));
    }
    if !exe.with_file_name("bcryptprimitives.dll").is_file() {
        return Err(format!("no bcryptprimitives.dll shim beside {} (build tests/windows/bcryptprimitives.c with mingw)", exe.display()));
    }
    let wine = ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"].into_iter().map(PathBuf::from).find(|p| p.is_file()).ok_or("wine64 is not installed")?;
    let prefix = std::env::temp_dir().join(format!("citytill-wine-{}-{test}", std::process::id()));
    Ok(Runner { wine: Some((wine, prefix)), exe })
}

fn ledger_i64(dir: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("data").join("ledger.sqlite")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The outcomes of one counter day, in the terms both platforms must agree on.
#[derive(Debug, PartialEq)]
struct Day {
    receipt_status: String,
    balance_after_void: i64,
    close: serde_json::Value,
    verify: i32,
    report: String,
    export_rows: usize,
    journal_kinds: String,
}

/// Init, import, drawer open, two payments, a void refused without a supervisor then approved, a blind close,
/// verify, the drawer report and the payments export, run by `runner` in a fresh folder whose name has spaces
/// and accents (as a Windows user's profile folder often has).
fn counter_day(runner: &Runner) -> Day {
    let temp = tempfile::Builder::new().prefix("José Núñez ").tempdir().unwrap();
    let dir = temp.path();
    runner.ok(dir, &["init", "--terminal", "T01", "--admin", "boss"], &[("CITYTILL_NEW_PIN", ADMIN_PIN)]);
    for (name, role) in [("ana", "cashier"), ("ben", "cashier"), ("sam", "supervisor")] {
        runner.ok(dir, &["user", "add", name, "--role", role, "--user", "boss"], &[("CITYTILL_PIN", ADMIN_PIN), ("CITYTILL_NEW_PIN", PIN)]);
    }
    std::fs::write(
        dir.join("payables.csv"),
        "kind,number,name,address,status,balance\nutility,100200-01,Maria Garcia,12 Oak Ave,active,84.12\nlicense,BL-0000042,Rossi Bakery,9 Main St,active,120.00\n",
    )
    .unwrap();
    let csv = runner.path(&dir.join("payables.csv"));
    runner.ok(dir, &["--user", "boss", "import", "payables", &csv], &[("CITYTILL_PIN", ADMIN_PIN)]);
    let ana = [("CITYTILL_PIN", PIN)];
    runner.ok(dir, &["--user", "ana", "drawer", "open", "--float", "170.00", "--count", "20x5,10x3,5x4,1x10,0.25x40"], &ana);
    runner.ok(dir, &["--user", "ana", "pay", "--account", "100200-01", "--tender", "cash=100.00"], &ana);
    runner.ok(dir, &["--user", "ana", "pay", "--account", "BL-0000042", "--tender", "cash=120.00"], &ana);
    let with_ben = [("CITYTILL_PIN", PIN), ("CITYTILL_APPROVER_PIN", PIN)];
    let (code, _, stderr) = runner.run(dir, &["--user", "ana", "--approver", "ben", "void", "T01-000001", "--reason", "keyed wrong account"], &with_ben);
    assert!(code != 0 && stderr.contains("cannot approve void"), "{}: a cashier approved a void: {stderr}", runner.exe.display());
    runner.ok(dir, &["--user", "ana", "--approver", "sam", "void", "T01-000001", "--reason", "keyed wrong account"], &with_ben);
    let shown: serde_json::Value = serde_json::from_str(&runner.ok(dir, &["receipt", "show", "T01-000001", "--json"], &[])).unwrap();
    let close = runner.ok(dir, &["--user", "ana", "drawer", "close", "--count", "100x2,50x1,20x2,1x10,0.25x40", "--json"], &ana);
    let mut close: serde_json::Value = serde_json::from_str(&close).unwrap();
    for key in ["at", "closed_at", "drawer", "drawer_id", "seq"] {
        close.as_object_mut().map(|o| o.remove(key));
    }
    let (verify, _, _) = runner.run(dir, &["verify"], &[]);
    let report = runner.ok(dir, &["--user", "sam", "report", "drawer"], &[("CITYTILL_PIN", PIN)]);
    let report = report.lines().filter(|l| !l.chars().any(|c| c == ':' && l.contains("20"))).collect::<Vec<_>>().join("\n");
    let out = dir.join("export.csv");
    runner.ok(dir, &["--user", "boss", "export", "payments", "--out", &runner.path(&out)], &[("CITYTILL_PIN", ADMIN_PIN)]);
    let export_rows = std::fs::read_to_string(&out).unwrap().lines().count();
    let conn = rusqlite::Connection::open(dir.join("data").join("ledger.sqlite")).unwrap();
    let kinds: Vec<String> = conn.prepare("SELECT kind FROM journal ORDER BY seq").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    Day {
        receipt_status: shown["status"].as_str().unwrap_or_default().to_string(),
        balance_after_void: ledger_i64(dir, "SELECT balance_cents FROM payables WHERE number = '100200-01'"),
        close,
        verify,
        report,
        export_rows,
        journal_kinds: kinds.join(","),
    }
}

// The Windows build under wine keeps the same ledger rules as the Linux build: the same counter day, in a folder
// whose name has spaces and accents, gives the same voided receipt, reinstated balance, blind-close figures,
// clean verify, drawer report and export.
#[test]
fn windows_build_under_wine_matches_linux() {
    let Some(wine) = wine_or_skip("day") else { return };
    let linux = Runner { wine: None, exe: PathBuf::from(env!("CARGO_BIN_EXE_citytill")) };
    let on_windows = counter_day(&wine);
    drop(wine);
    assert_eq!(on_windows.receipt_status, "voided");
    assert_eq!(on_windows.balance_after_void, 8412, "the void reinstated the balance");
    assert_eq!(on_windows.verify, 0, "verify is clean on Windows");
    assert_eq!(on_windows, counter_day(&linux));
}

/// The Unix mode bits wine shows for a file: wine keeps no access lists of its own, it maps a DACL onto the
/// mode (the user's ACE onto the owner and group bits, Everyone's onto the "other" bits) and back.
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

// The files and folders CityTill makes on Windows (data dir, ledger, settings, log, PIN key and its folder, an
// export outside the data dir) get an access list for the user alone: under wine, which starts every file
// readable by Everyone (0644/0755 from the umask), none of them keeps an "other" bit. A PIN key file that
// Everyone may read is refused, naming Everyone, and accepted again once it is the user's alone.
#[test]
fn windows_files_are_the_users_alone_under_wine() {
    let Some(wine) = wine_or_skip("acl") else { return };
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    wine.ok(dir, &["init", "--terminal", "T01", "--admin", "boss"], &[("CITYTILL_NEW_PIN", ADMIN_PIN)]);
    let boss = [("CITYTILL_PIN", ADMIN_PIN)];
    let out = dir.join("exports");
    std::fs::create_dir(&out).unwrap();
    wine.ok(dir, &["--user", "boss", "export", "payments", "--out", &wine.path(&out.join("payments.csv"))], &boss);
    let key = dir.join("keys").join("pin.key");
    let made = [
        dir.join("data"),
        dir.join("data").join("ledger.sqlite"),
        dir.join("data").join("citytill.toml"),
        dir.join("data").join("citytill.log"),
        dir.join("keys"),
        key.clone(),
        out.join("payments.csv"),
    ];
    for path in &made {
        assert_eq!(mode(path) & 0o007, 0, "{} is open to Everyone (mode {:o})", path.display(), mode(path));
    }
    // A copy of the key that Everyone may read (as IT's copy tool might leave it): wine reports an Everyone ACE.
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let (code, _, stderr) = wine.run(dir, &["--user", "boss", "export", "payments", "--out", &wine.path(&out.join("again.csv"))], &boss);
    assert!(code != 0 && stderr.contains("the PIN key file can be read by Everyone"), "a PIN key Everyone can read was used: {code} {stderr}");
    assert!(!out.join("again.csv").exists(), "the refused command wrote its export");
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    wine.ok(dir, &["--user", "boss", "export", "payments", "--out", &wine.path(&out.join("again.csv"))], &boss);
}

// With no --data-dir, the Windows build keeps its ledger under the user's %APPDATA% (found through `directories`,
// here for a profile named with a space and accents) and its PIN key beside it, outside the data dir; a counter
// day there (init, import, drawer open, pay, verify, report) works.
#[test]
fn windows_default_data_dir_under_an_accented_profile() {
    let Some(wine) = wine_or_skip("appdata") else { return };
    let (wine_bin, prefix) = wine.wine.clone().unwrap();
    let roaming = r"C:\users\José Núñez\AppData\Roaming";
    let status = Command::new(&wine_bin)
        .args(["reg", "add", r"HKCU\Software\Microsoft\Windows\CurrentVersion\Explorer\User Shell Folders", "/v", "AppData", "/t", "REG_EXPAND_SZ", "/d", roaming, "/f"])
        .env("WINEPREFIX", &prefix)
        .env("WINEDEBUG", "-all")
        .output()
        .expect("wine reg add");
    assert!(status.status.success(), "wine reg add: {}", String::from_utf8_lossy(&status.stderr));
    let temp = tempfile::Builder::new().prefix("José Núñez ").tempdir().unwrap();
    std::fs::write(temp.path().join("payables.csv"), "kind,number,name,address,status,balance\nutility,100200-01,Maria Garcia,12 Oak Ave,active,84.12\n").unwrap();
    let csv = wine.path(&temp.path().join("payables.csv"));
    let init = wine.ok_in(None, &["init", "--terminal", "T01", "--admin", "boss"], &[("CITYTILL_NEW_PIN", ADMIN_PIN)]);
    assert!(init.contains(r"José Núñez\AppData\Roaming\CityTill"), "init did not use %APPDATA%: {init}");
    wine.ok_in(None, &["user", "add", "ana", "--role", "cashier", "--user", "boss"], &[("CITYTILL_PIN", ADMIN_PIN), ("CITYTILL_NEW_PIN", PIN)]);
    wine.ok_in(None, &["--user", "boss", "import", "payables", &csv], &[("CITYTILL_PIN", ADMIN_PIN)]);
    let ana = [("CITYTILL_PIN", PIN)];
    wine.ok_in(None, &["--user", "ana", "drawer", "open", "--float", "100.00", "--count", "20x5"], &ana);
    let paid = wine.ok_in(None, &["--user", "ana", "pay", "--account", "100200-01", "--tender", "cash=100.00"], &ana);
    assert!(paid.contains("15.88"), "no change given: {paid}");
    wine.ok_in(None, &["verify"], &[]);
    let report = wine.ok_in(None, &["--user", "boss", "report", "drawer"], &[("CITYTILL_PIN", ADMIN_PIN)]);
    assert!(report.contains("84.12"), "the payment is not in the drawer report: {report}");
    let home = prefix.join("drive_c").join("users").join("José Núñez").join("AppData").join("Roaming").join("CityTill").join("citytill");
    let conn = rusqlite::Connection::open(home.join("data").join("ledger.sqlite")).unwrap();
    let balance: i64 = conn.query_row("SELECT balance_cents FROM payables WHERE number = '100200-01'", [], |r| r.get(0)).unwrap();
    assert_eq!(balance, 0, "the payment is not in the ledger under %APPDATA%");
    assert!(home.join("config").join("T01.pinkey").is_file(), "no PIN key under %APPDATA%\\CityTill\\citytill\\config");
}
