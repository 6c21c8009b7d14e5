//! The real window under Xvfb, driven by xdotool (scripts/xvfb-e2e.sh): sign in, pay an account in cash,
//! and check that the simulated printer received the receipt and the drawer was kicked and opened.
//!
//! Needs xvfb-run, xauth and xdotool. Without them the test says so and passes, unless
//! CITYTILL_REQUIRE_XVFB=1 (CI), where a missing tool fails it. Built only with the `window` feature.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "window")]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn have(tool: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success())
}

/// `xvfb-run -a` picks a free display number racily: two tests starting Xvfb at once may both take the same
/// one and one window fails with XOpenDisplayFailed. The tests here take turns.
fn one_display_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static DISPLAY: std::sync::Mutex<()> = std::sync::Mutex::new(());
    DISPLAY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn printed_receipts(dir: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(dir.join("sim/printed")) else { return String::new() };
    entries.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "txt")).map(|e| std::fs::read_to_string(e.path()).unwrap_or_default()).collect()
}

// Proves the whole counter path in the real window: login by keyboard, a cash payment, the receipt (marked
// TRAINING, with the change) at the simulated printer, and the drawer kicked (job done, sensor reports open).
#[test]
fn real_window_cash_payment_prints_and_kicks() {
    let required = std::env::var("CITYTILL_REQUIRE_XVFB").is_ok_and(|v| v == "1");
    let missing: Vec<&str> = ["xvfb-run", "xauth", "xdotool"].into_iter().filter(|t| !have(t)).collect();
    if !missing.is_empty() {
        assert!(!required, "CITYTILL_REQUIRE_XVFB=1 but {missing:?} missing: apt-get install -y xvfb xauth xdotool");
        eprintln!("SKIPPED real_window_cash_payment_prints_and_kicks: {missing:?} not installed (set CITYTILL_REQUIRE_XVFB=1 to make this fail)");
        return;
    }
    let _display = one_display_at_a_time();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("demo");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/xvfb-e2e.sh");
    let output = Command::new("timeout")
        .args(["180", "xvfb-run", "-a", "-s", "-screen 0 1280x800x24"])
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_citytill"))
        .arg(&dir)
        .env("CITYTILL_PIN_KEY_FILE", work.path().join("pin.key"))
        .output()
        .unwrap();
    let log = std::fs::read_to_string(dir.join("citytill.log")).unwrap_or_default();
    let report = format!("script stdout:\n{}\nstderr:\n{}\nlog:\n{log}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{report}");
    let receipt = printed_receipts(&dir);
    assert!(receipt.contains("Receipt: TRN1-000001"), "no receipt at the simulated printer: {receipt:?}\n{report}");
    assert!(receipt.contains("TRAINING") && receipt.contains("CHANGE") && receipt.contains("CASH"), "{receipt}");
    // After the payment: its drawer kick job completes and the simulated drawer's sensor reports it open
    // (the script closed the drawer after the float count, so this opening is the payment's).
    let mut after_payment = String::new();
    for _ in 0..30 {
        let log = std::fs::read_to_string(dir.join("citytill.log")).unwrap_or_default();
        after_payment = log.split_once("payment TRN1-000001 recorded").map(|(_, rest)| rest.to_string()).unwrap_or_default();
        if after_payment.contains("Drawer { open: true }") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let kick_job = after_payment.split_once("drawer Queued(").and_then(|(_, rest)| rest.split_once(')')).map(|(job, _)| job.to_string());
    let kick_job = kick_job.unwrap_or_else(|| panic!("the payment queued no drawer kick:\n{report}"));
    assert!(after_payment.contains(&format!("JobCompleted {{ device: Drawer, job: {kick_job} }}")), "the drawer kick never completed:\n{report}");
    assert!(after_payment.contains("Drawer { open: true }"), "the simulated drawer never reported open after the payment:\n{report}");
}

// Proves the real window fits a 1024×768 counter screen: started on one (no window manager to do it), it
// shrinks from its 1280×800 to the screen and sits at the corner, so no tab, button or status bar is past the edge.
#[test]
fn real_window_fits_a_1024_by_768_screen() {
    let required = std::env::var("CITYTILL_REQUIRE_XVFB").is_ok_and(|v| v == "1");
    let missing: Vec<&str> = ["xvfb-run", "xauth", "xdotool"].into_iter().filter(|t| !have(t)).collect();
    if !missing.is_empty() {
        assert!(!required, "CITYTILL_REQUIRE_XVFB=1 but {missing:?} missing: apt-get install -y xvfb xauth xdotool");
        eprintln!("SKIPPED real_window_fits_a_1024_by_768_screen: {missing:?} not installed (set CITYTILL_REQUIRE_XVFB=1 to make this fail)");
        return;
    }
    let _display = one_display_at_a_time();
    let work = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/xvfb-geometry.sh");
    let output = Command::new("timeout")
        .args(["180", "xvfb-run", "-a", "-s", "-screen 0 1024x768x24"])
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_citytill"))
        .arg(work.path().join("demo"))
        .env("CITYTILL_PIN_KEY_FILE", work.path().join("pin.key"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&output.stderr));
    let value = |name: &str| -> i64 { stdout.lines().find_map(|l| l.strip_prefix(&format!("{name}="))).and_then(|v| v.trim().parse().ok()).unwrap_or_else(|| panic!("no {name} in:\n{stdout}")) };
    let (x, y, width, height) = (value("X"), value("Y"), value("WIDTH"), value("HEIGHT"));
    assert!(width <= 1024 && height <= 768, "the window is {width}×{height} on a 1024×768 screen");
    assert!(x >= 0 && y >= 0 && x + width <= 1024 && y + height <= 768, "the window at ({x},{y}) {width}×{height} runs past a 1024×768 screen");
}

/// "253.26" as cents.
fn cents(amount: &str) -> i64 {
    let (units, hundredths) = amount.trim().split_once('.').unwrap_or((amount.trim(), "00"));
    units.parse::<i64>().unwrap() * 100 + hundredths.parse::<i64>().unwrap()
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// Runs the citytill CLI on `dir` and parses its JSON output.
fn cli_json(dir: &Path, pin_key: &Path, args: &[&str]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_citytill")).arg("--data-dir").arg(dir).args(args).env("CITYTILL_PIN_KEY_FILE", pin_key).output().unwrap();
    assert!(output.status.success(), "citytill {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("citytill {args:?}: {e}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// The rows of the report section whose heading is `heading` (or, ending in '-', starts with it).
fn rows(report: &serde_json::Value, heading: &str) -> Vec<Vec<String>> {
    let sections = report["sections"].as_array().unwrap();
    let matches = |h: &str| if let Some(prefix) = heading.strip_suffix('-') { h.starts_with(prefix) } else { h == heading };
    let section = sections.iter().find(|s| matches(s["heading"].as_str().unwrap_or_default())).unwrap_or_else(|| panic!("no section {heading:?} in {report:#}"));
    section["rows"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap_or_default().to_string()).collect()).collect()
}

// Proves a cashier's whole day typed into the real window on a 1024×768 screen (scripts/xvfb-day.sh: sign in,
// float, cash with change, a name search picked by keyboard paid by a check's MICR line, a cash-and-check split
// with a stray second Enter and its check's routing, account and number typed into their own fields with Tab, a drop to the safe, a void approved by a supervisor, a blind close) is on the ledger as the cashier meant it: the ledger verifies clean, the day report has one
// 100.00 cash receipt and the two checks with the void netted out, the Z report closed with nothing over or
// short, the void names its approver and reason, and each receipt carries the tenders typed.
#[test]
fn real_window_cashier_day_at_1024_by_768() {
    let required = std::env::var("CITYTILL_REQUIRE_XVFB").is_ok_and(|v| v == "1");
    let missing: Vec<&str> = ["xvfb-run", "xauth", "xdotool"].into_iter().filter(|t| !have(t)).collect();
    if !missing.is_empty() {
        assert!(!required, "CITYTILL_REQUIRE_XVFB=1 but {missing:?} missing: apt-get install -y xvfb xauth xdotool");
        eprintln!("SKIPPED real_window_cashier_day_at_1024_by_768: {missing:?} not installed (set CITYTILL_REQUIRE_XVFB=1 to make this fail)");
        return;
    }
    let _display = one_display_at_a_time();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("demo");
    let pin_key = work.path().join("pin.key");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/xvfb-day.sh");
    let output = Command::new("timeout")
        .args(["300", "xvfb-run", "-a", "-s", "-screen 0 1024x768x24"])
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_citytill"))
        .arg(&dir)
        .env("CITYTILL_PIN_KEY_FILE", &pin_key)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let report = format!("script stdout:\n{stdout}\nstderr:\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && stdout.contains("day done"), "{report}");
    // "A 0001000003 7.06 cash; B 0001000005 80.12 check; C 0001000004 253.26 split"
    let plan = stdout.lines().find(|l| l.starts_with("A ")).unwrap_or_else(|| panic!("no plan line:\n{report}"));
    let words: Vec<&str> = plan.split([' ', ';']).filter(|w| !w.is_empty()).collect();
    let (a, b, c) = (cents(words[2]), cents(words[6]), cents(words[10]));

    let verify = Command::new(env!("CARGO_BIN_EXE_citytill")).arg("--data-dir").arg(&dir).arg("verify").env("CITYTILL_PIN_KEY_FILE", &pin_key).output().unwrap();
    assert!(verify.status.success(), "verify: {}{}", String::from_utf8_lossy(&verify.stdout), String::from_utf8_lossy(&verify.stderr));

    let day = cli_json(&dir, &pin_key, &["report", "day", "--json"]);
    let by_tender = rows(&day, "Receipts by tender");
    assert_eq!(by_tender, vec![vec!["cash".to_string(), "1".into(), "100.00".into()], vec!["check".into(), "2".into(), money(b + c - 10_000)]], "{day:#}\n{report}");
    assert!(rows(&day, "Adjustments").contains(&vec!["voids (netted above)".to_string(), "1".into(), money(a)]), "{day:#}");

    let drawer = cli_json(&dir, &pin_key, &["report", "drawer", "--json"]);
    let z = drawer["sections"].as_array().unwrap().iter().find(|s| s["heading"].as_str().unwrap_or_default().starts_with("Z report")).unwrap_or_else(|| panic!("no Z report: {drawer:#}"));
    assert!(z["heading"].as_str().unwrap().ends_with("ana - closed"), "{z:#}");
    let z_rows = rows(&drawer, "Z report -");
    assert_eq!(z_rows[0], vec!["cash".to_string(), "100.00".into(), "100.00".into(), "0.00".into()], "float 100 + split's 100 cash - the 100 drop; the voided cash is out");
    assert_eq!(z_rows[1], vec!["check".to_string(), money(b + c - 10_000), money(b + c - 10_000), "0.00".into()]);

    let exceptions = cli_json(&dir, &pin_key, &["report", "exceptions", "--json"]);
    let voids: Vec<Vec<String>> = rows(&exceptions, "Exceptions").into_iter().filter(|r| r[2] == "payment_voided").collect();
    assert_eq!(voids.len(), 1, "{exceptions:#}");
    assert_eq!(&voids[0][3..], &["TRN1-000001".to_string(), money(a), "ana".into(), "sam".into(), "paid the wrong account".into()]);

    let first = cli_json(&dir, &pin_key, &["receipt", "show", "TRN1-000001", "--json"]);
    assert_eq!((first["status"].as_str(), first["payment"]["change"].as_str()), (Some("voided"), Some(money(2_000 - a).as_str())), "{first:#}");
    let second = cli_json(&dir, &pin_key, &["receipt", "show", "TRN1-000002", "--json"]);
    let tenders = |receipt: &serde_json::Value| -> Vec<(String, String)> {
        receipt["payment"]["tenders"].as_array().unwrap().iter().map(|t| (t["kind"].as_str().unwrap().to_string(), t["amount"].as_str().unwrap().to_string())).collect()
    };
    assert_eq!(tenders(&second), vec![("check".to_string(), money(b))], "{second:#}");
    assert_eq!(second["payment"]["lines"][0]["target"]["number"].as_str(), Some(words[5]), "the name search picked another account: {second:#}");
    let third = cli_json(&dir, &pin_key, &["receipt", "show", "TRN1-000003", "--json"]);
    assert_eq!(tenders(&third), vec![("cash".to_string(), "100.00".to_string()), ("check".to_string(), money(c - 10_000))], "{third:#}");
    assert_eq!(third["payment"]["change"].as_str(), Some("0.00"), "the second Enter tendered money never received: {third:#}");
    let check = &third["payment"]["tenders"][1];
    let details = |key: &str| check[key].as_str().map(str::to_string);
    assert_eq!((details("routing"), details("account_last4"), details("number")), (Some("021000021".into()), Some("7777".into()), Some("0789".into())), "the typed check fields: {third:#}");
}
