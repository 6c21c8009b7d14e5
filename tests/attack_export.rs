//! Attacks on the billing export's promise, "each payment exactly once, whatever fails" (issue 13, part 3),
//! through the real binary: a kill or a full disk between the export's entry and its file, a full or
//! closed standard output, and a cashier trying to export or to prepare a deposit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};

use common::{City, PIN};

/// A city whose drawer D1 holds two cash payments (30.00 and 45.00), closed and approved; its business date.
fn day_to_export() -> (City, String) {
    let city = City::new();
    city.ana_with_drawer();
    for (account, amount) in [("100200-01", "30.00"), ("PC00001234", "45.00")] {
        city.as_user("ana", PIN).args(&["pay", "--account", account, "--amount", amount, "--tender", &format!("cash={amount}")]).expect_ok();
    }
    city.as_user("ana", PIN).args(&["drawer", "close", "--count", "20x8,10x4,5x5,1x10,0.25x40"]).expect_ok();
    city.as_user("lee", PIN).args(&["batch", "approve", "D1"]).approver("sam", PIN).expect_ok();
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    let date: String = conn.query_row("SELECT business_date FROM receipts ORDER BY number LIMIT 1", [], |r| r.get(0)).unwrap();
    (city, date)
}

fn exports(city: &City) -> i64 {
    city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'payments_exported'")
}

/// The data rows of a posting file's text (header checked).
fn rows(text: &str) -> Vec<&str> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("account,kind,amount,receipt,date,tender,batch"), "{text}");
    lines.collect()
}

/// Runs `citytill --data-dir … ARGS` as lee, standard output going to `stdout`.
fn lee_to(city: &City, args: &[&str], stdout: Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_citytill"))
        .arg("--data-dir")
        .arg(city.data())
        .args(["--user", "lee"])
        .args(args)
        .env("CITYTILL_PIN", PIN)
        .env("CITYTILL_PIN_KEY_FILE", city.pin_key_file())
        .env_remove("CITYTILL_TEST_FAULT")
        .stdout(stdout)
        .stderr(Stdio::piped())
        .spawn()
        .expect("run citytill")
}

// Proves a kill between the export's entry and its file leaves no billing file whose payments the ledger does not count as exported, and that running the same command again writes the file with each payment once, identical on every further run and to `--again FILE-ID`, with one export entry in all.
#[test]
fn a_kill_between_entry_and_file_exports_each_payment_once() {
    let (city, date) = day_to_export();
    let out = city.path("postings.csv");
    let killed = city.as_user("lee", PIN).args(&["export", "payments", "--date", &date, "--out", &out]).env("CITYTILL_TEST_FAULT", "export-after-commit:kill").run();
    assert_ne!(killed.code, 0, "the injected kill happened: {}{}", killed.stdout, killed.stderr);
    if std::path::Path::new(&out).exists() {
        assert_eq!(exports(&city), 1, "a billing file exists, so its payments must be recorded as exported");
    }
    assert_eq!(exports(&city), 1, "the entry commits before the file is written");

    city.as_user("lee", PIN).args(&["export", "payments", "--date", &date, "--out", &out]).expect_ok();
    let first = std::fs::read_to_string(&out).unwrap();
    assert_eq!(rows(&first).len(), 2, "both payments, once: {first}");
    city.as_user("lee", PIN).args(&["export", "payments", "--date", &date, "--out", &out]).expect_ok();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), first, "a further run writes the identical file");
    let file = city.sql_i64("SELECT seq FROM journal WHERE kind = 'payments_exported'").to_string();
    let again = city.path("again.csv");
    city.as_user("lee", PIN).args(&["export", "payments", "--again", &file, "--out", &again]).expect_ok();
    assert_eq!(std::fs::read_to_string(&again).unwrap(), first, "--again writes the identical file");
    assert_eq!(exports(&city), 1, "one export entry, never a second set");
    city.ok(&["verify"], &[]);
}

// Proves a commit that fails (a full disk) writes no billing file and records nothing, and the next run exports both payments once; and a full disk while the file is written, after the commit, leaves no partial file, says how to write it again, and the same command then writes it.
#[test]
fn a_full_disk_at_commit_or_at_the_file_loses_nothing() {
    let (city, date) = day_to_export();
    let out = city.path("postings.csv");
    let failed = city.as_user("lee", PIN).args(&["export", "payments", "--date", &date, "--out", &out]).env("CITYTILL_TEST_FAULT", "export-commit:fail").run();
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    assert!(!std::path::Path::new(&out).exists(), "no billing file for an export that did not commit");
    assert_eq!(exports(&city), 0, "nothing recorded");

    let failed = city.as_user("lee", PIN).args(&["export", "payments", "--date", &date, "--out", &out]).env("CITYTILL_TEST_FAULT", "export-after-commit:fail").run();
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    assert!(failed.stderr.contains("--again"), "the error says how to write the file again: {}", failed.stderr);
    assert_eq!(failed.stderr.trim().lines().count(), 1, "{}", failed.stderr);
    assert!(!std::path::Path::new(&out).exists(), "no partial file");
    assert_eq!(std::fs::read_dir(city.dir.path()).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".tmp")).count(), 0, "no temp file left");
    city.as_user("lee", PIN).args(&["export", "payments", "--date", &date, "--out", &out]).expect_ok();
    assert_eq!(rows(&std::fs::read_to_string(&out).unwrap()).len(), 2);
    assert_eq!(exports(&city), 1);
}

// Proves `export payments > /dev/full` fails with one clear line and no panic, and loses nothing: the rerun to a working standard output prints both payments (the finding: it committed, panicked, and the rerun printed no rows).
#[test]
fn a_full_standard_output_loses_no_export() {
    let (city, date) = day_to_export();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("/dev/full");
    let output = lee_to(&city, &["export", "payments", "--date", &date], Stdio::from(full)).wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "a full standard output is an error");
    assert_ne!(output.status.code(), Some(101), "no panic: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.contains("standard output") && stderr.contains("No space left"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    let again = city.as_user("lee", PIN).args(&["export", "payments", "--date", &date]).expect_ok();
    assert_eq!(rows(&again.stdout).len(), 2, "the rerun prints the payments: {}", again.stdout);
    assert_eq!(exports(&city), 1);
}

// Proves a command whose standard output's reader has gone away (`citytill ... | head -1`) ends quietly with success, never a panic, for the export, lookup, reports and the receipt.
#[test]
fn a_closed_standard_output_ends_quietly() {
    let (city, date) = day_to_export();
    let receipt = city.sql_i64("SELECT MIN(number) FROM receipts");
    let receipt = format!("T01-{receipt:06}");
    for args in [
        vec!["export", "payments", "--date", &date],
        vec!["lookup", "Main"],
        vec!["report", "day", "--date", &date],
        vec!["report", "gl", "--date", &date, "--format", "csv"],
        vec!["receipt", "show", &receipt],
        vec!["batch", "list"],
    ] {
        let mut child = lee_to(&city, &args, Stdio::piped());
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{args:?} ends quietly: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

// Proves a cashier may neither export nor prepare a deposit, and is told so before anything else is checked (a bad date or a broken deposit.toml), with nothing journaled.
#[test]
fn a_cashier_may_not_export_or_deposit() {
    let (city, date) = day_to_export();
    city.as_user("ana", PIN).args(&["export", "payments", "--date", &date]).expect_refused("ana (cashier) may not export payments", 0);
    city.as_user("ana", PIN).args(&["export", "payments", "--date", "20261124"]).expect_refused("may not export payments", 0);
    city.as_user("ana", PIN).args(&["deposit", "create", "--date", &date]).expect_refused("ana (cashier) may not prepare deposits", 0);
    std::fs::write(city.data().join("deposit.toml"), "default_bank = \"1001\"\n[tender]\ncheck = \"4900\"\n").unwrap();
    city.as_user("ana", PIN).args(&["deposit", "create", "--date", &date]).expect_refused("may not prepare deposits", 0);
    assert_eq!(exports(&city), 0);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM deposits"), 0);
}
