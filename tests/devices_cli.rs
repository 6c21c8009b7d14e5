//! `citytill scan` and `citytill devices` through the real binary: parsing with clear refusals, and the
//! simulators driven from another process over their control socket.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::City;

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
