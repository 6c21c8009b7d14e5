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
        let mut command = match &self.wine {
            Some((wine, prefix)) => {
                let mut c = Command::new(wine);
                c.arg(&self.exe).env("WINEPREFIX", prefix).env("WINEDEBUG", "-all");
                c
            }
            None => Command::new(&self.exe),
        };
        command.arg("--data-dir").arg(self.path(&dir.join("data"))).args(args);
        for key in ["CITYTILL_USER", "CITYTILL_PIN", "CITYTILL_APPROVER_PIN", "CITYTILL_DATA_DIR", "CITYTILL_NOW"] {
            command.env_remove(key);
        }
        // The PIN key lives beside the data dir, not in it; under wine it is named by its Z: path.
        command.env("CITYTILL_PIN_KEY_FILE", self.path(&dir.join("keys").join("pin.key")));
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("start citytill");
        let text = |b: &[u8]| String::from_utf8_lossy(b).replace("\r\n", "\n");
        (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
    }

    fn ok(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
        let (code, stdout, stderr) = self.run(dir, args, env);
        assert_eq!(code, 0, "{} {args:?}: {stdout}{stderr}", self.exe.display());
        stdout
    }
}

fn wine_runner() -> Result<Runner, String> {
    let exe = std::env::var_os("CITYTILL_WINDOWS_EXE").filter(|p| !p.is_empty()).map(PathBuf::from).ok_or("CITYTILL_WINDOWS_EXE is not set (.ci/run sets it after building for Windows)")?;
    if !exe.is_file() {
        return Err(format!("{} does not exist", exe.display()));
    }
    if !exe.with_file_name("bcryptprimitives.dll").is_file() {
        return Err(format!("no bcryptprimitives.dll shim beside {} (build tests/windows/bcryptprimitives.c with mingw)", exe.display()));
    }
    let wine = ["/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"].into_iter().map(PathBuf::from).find(|p| p.is_file()).ok_or("wine64 is not installed")?;
    let prefix = std::env::temp_dir().join(format!("citytill-wine-{}", std::process::id()));
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
/// verify, the drawer report and the payments export, run by `runner` in a fresh folder.
fn counter_day(runner: &Runner) -> Day {
    let temp = tempfile::tempdir().unwrap();
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

// The Windows build under wine keeps the same ledger rules as the Linux build: the same counter day gives the
// same voided receipt, reinstated balance, blind-close figures, clean verify, drawer report and export.
#[test]
fn windows_build_under_wine_matches_linux() {
    let wine = match wine_runner() {
        Ok(runner) => runner,
        Err(why) if std::env::var("CITYTILL_REQUIRE_WINE").is_ok_and(|v| v == "1") => panic!("CITYTILL_REQUIRE_WINE=1 but: {why}"),
        Err(why) => {
            eprintln!("skipped: the Windows build under wine: {why}");
            return;
        }
    };
    let linux = Runner { wine: None, exe: PathBuf::from(env!("CARGO_BIN_EXE_citytill")) };
    let on_windows = counter_day(&wine);
    if let Some((_, prefix)) = &wine.wine {
        let _ = std::fs::remove_dir_all(prefix);
    }
    assert_eq!(on_windows.receipt_status, "voided");
    assert_eq!(on_windows.balance_after_void, 8412, "the void reinstated the balance");
    assert_eq!(on_windows.verify, 0, "verify is clean on Windows");
    assert_eq!(on_windows, counter_day(&linux));
}
