//! The `citytill hq ...` and `citytill sync ...` commands against a real PostgreSQL: import, export
//! (each payment exactly once), day report, verify's exit code, sync once/status, and the bench.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pg;

use citytill::domain::events::{Event, LineTarget, PaymentLine};
use citytill::domain::payable::PayableKind;
use citytill::domain::tender::{Tender, TenderKind};
use citytill::Money;

/// Where a command runs: its data dir, and the head office its terminal syncs to (if any).
struct Context {
    data_dir: std::path::PathBuf,
    hq_url: Option<String>,
}

fn context(data_dir: &std::path::Path, hq_url: Option<&str>) -> Context {
    Context { data_dir: data_dir.to_path_buf(), hq_url: hq_url.map(str::to_string) }
}

/// A command the binary refused: its exit code and what it said on standard error.
#[derive(Debug)]
struct Refused {
    code: i32,
    stderr: String,
}

impl Refused {
    fn exit_code(&self) -> i32 {
        self.code
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.stderr)
    }
}

/// Runs the real `citytill --data-dir DIR --json ARGS...`: its standard output, or its refusal.
fn citytill(ctx: &Context, args: &[&str]) -> Result<String, Refused> {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_citytill"));
    command.arg("--data-dir").arg(&ctx.data_dir).arg("--json").args(args).stdin(std::process::Stdio::null());
    command.env("CITYTILL_PIN_KEY_FILE", ctx.data_dir.join("test-pin.key"));
    match &ctx.hq_url {
        Some(url) => command.env(citytill::hq::settings::URL_VARIABLE, url),
        None => command.env_remove(citytill::hq::settings::URL_VARIABLE),
    };
    let output = command.output().unwrap();
    match output.status.code() {
        Some(0) => Ok(String::from_utf8(output.stdout).unwrap()),
        code => Err(Refused { code: code.unwrap_or(-1), stderr: String::from_utf8_lossy(&output.stderr).into_owned() }),
    }
}

fn hq(ctx: &Context, args: &[&str]) -> Result<String, Refused> {
    citytill(ctx, &[&["hq"], args].concat())
}

fn sync(ctx: &Context, args: &[&str]) -> Result<String, Refused> {
    citytill(ctx, &[&["sync"], args].concat())
}

// Proves the admin flow end to end: init twice, import (a bad row refuses the file, naming line and field),
// terminals sync payments, the export lists each payment exactly once, the day report balances, and
// `hq verify` fails with exit code 1 once head office is altered.
#[test]
fn admin_commands_end_to_end() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("cli");
    let work = tempfile::tempdir().unwrap();
    let admin_ctx = context(work.path(), None);
    hq(&admin_ctx, &["init", "--database", &url]).unwrap();
    hq(&admin_ctx, &["terminal", "add", "T07", "--role", &format!("{}_t07", url.rsplit('/').next().unwrap()), "--database", &url]).unwrap();
    let bad = work.path().join("bad.csv");
    std::fs::write(&bad, "kind,number,name,address,status,balance\nutility,U-1,A,B,active,1.00\nutility,U-2,A,B,active,12.345\n").unwrap();
    let error = hq(&admin_ctx, &["import", "payables", bad.to_str().unwrap(), "--database", &url]).unwrap_err();
    assert!(error.to_string().contains("line 3, column balance"), "{error}");
    let good = work.path().join("payables.csv");
    std::fs::write(&good, "kind,number,name,address,status,balance\nutility,U-1,Ana,1 Elm,active,50.00\ncitation,C-9,Bo,2 Oak,open,35.00\n").unwrap();
    hq(&admin_ctx, &["import", "payables", good.to_str().unwrap(), "--database", &url]).unwrap();

    // Two terminals: T01 through `sync once` (settings in the context), T02 through the library.
    let t1 = pg::add_terminal(&url, "T01");
    let t2 = pg::add_terminal(&url, "T02");
    let mut ledgers = Vec::new();
    for (terminal, settings) in [("T01", &t1), ("T02", &t2)] {
        let (dir, mut ledger) = pg::ledger(terminal);
        pg::append_entries(&mut ledger, 1);
        let ctx = context(dir.path(), Some(&settings.database_url));
        sync(&ctx, &["--once"]).unwrap();
        pay(&mut ledger, "U-1", 2_000);
        pay(&mut ledger, "C-9", 3_500);
        let approved = Event::BatchApproved { batch: "D1".into(), approver: "sam".into(), posted: vec![] };
        ledger.write(|w| w.append(Some("lee"), Some("sam"), &approved)).unwrap();
        sync(&ctx, &["once"]).unwrap();
        sync(&ctx, &["status"]).unwrap();
        let status = citytill::hq::terminal::status::local_status(&ledger, true).unwrap();
        assert_eq!((status.mode.as_str(), status.pending), ("connected", 0), "{status:?}");
        ledgers.push((dir, ledger));
    }
    let date = ledgers[0].1.entries_after(0, 1).unwrap()[0].business_date.clone();
    let out = work.path().join("payments.csv");
    hq(&admin_ctx, &["export", "payments", "--date", &date, "--out", out.to_str().unwrap(), "--database", &url]).unwrap();
    let file = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = file.lines().skip(1).collect();
    assert_eq!(lines.len(), 4, "{file}");
    assert!(file.starts_with("account,kind,amount,receipt,date,tender,batch\n"), "{file}");
    assert!(lines.iter().any(|l| l.starts_with("U-1,utility,20.00,T02-") && l.ends_with(",cash,T02-D1")), "{file}");
    assert_eq!(lines.iter().filter(|l| l.ends_with(",cash,T01-D1")).count(), 2, "each terminal's D1 named with its terminal: {file}");
    hq(&admin_ctx, &["export", "payments", "--date", &date, "--out", out.to_str().unwrap(), "--database", &url]).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 1, "a second export has no payment again");
    hq(&admin_ctx, &["export", "payments", "--date", &date, "--reprint", "--out", out.to_str().unwrap(), "--database", &url]).unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().skip(1).collect::<Vec<_>>(), lines, "a reprint repeats the rows");

    let report = citytill::hq::office::reports::day_report(&mut pg::admin_client(&url), chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap()).unwrap();
    assert!(report.balanced);
    assert_eq!(report.terminals.iter().map(|t| t.payments).collect::<Vec<_>>(), [2, 2]);
    assert_eq!(report.terminals[0].tenders.get("cash"), Some(&Money::from_cents(5_500)));
    hq(&admin_ctx, &["report", "day", "--date", &date, "--database", &url]).unwrap();
    assert!(hq(&admin_ctx, &["report", "day", "--date", "24/11/2026", "--database", &url]).unwrap_err().to_string().contains("--date"));

    hq(&admin_ctx, &["verify", "--database", &url]).unwrap();
    pg::admin_client(&url)
        .batch_execute(
            "ALTER TABLE citytill.postings DISABLE TRIGGER postings_append_only;
             UPDATE citytill.postings SET debit_cents = debit_cents + 1 WHERE terminal = 'T02' AND seq = 1 AND line = 1;
             ALTER TABLE citytill.postings ENABLE TRIGGER postings_append_only;",
        )
        .unwrap();
    let failed = hq(&admin_ctx, &["verify", "--database", &url]).unwrap_err();
    assert_eq!(failed.exit_code(), 1);
}

fn pay(ledger: &mut citytill::ledger::Ledger, payable: &str, cents: i64) {
    let number = ledger.read().unwrap().query_row("SELECT COUNT(*) + 1 FROM receipts", [], |r| r.get::<_, i64>(0)).unwrap();
    let event = Event::PaymentTaken {
        receipt: format!("{}-{number:06}", ledger.terminal()),
        number,
        drawer_id: 1,
        cashier: "ana".into(),
        lines: vec![PaymentLine { target: LineTarget::Payable { number: payable.into(), kind: PayableKind::Utility }, applied: Money::from_cents(cents), credit: Money::ZERO }],
        tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(cents))],
        change: Money::ZERO,
    };
    ledger.write(|w| w.append(Some("ana"), None, &event)).unwrap();
}

// Proves `sync once` and `sync status` work standalone (no head office configured) and say so.
#[test]
fn standalone_sync_commands() {
    let (dir, mut ledger) = pg::ledger("T01");
    pg::append_entries(&mut ledger, 3);
    std::env::remove_var(citytill::hq::settings::URL_VARIABLE);
    let ctx = context(dir.path(), None);
    sync(&ctx, &["once"]).unwrap();
    sync(&ctx, &["status"]).unwrap();
    let status = citytill::hq::terminal::status::local_status(&ledger, false).unwrap();
    assert_eq!((status.mode.as_str(), status.pending), ("standalone", 3));
}

// Proves the command contract through the real binary: `citytill sync --once` pushes the journal
// (head office then equals the ledger) and `citytill sync status --json` reports pending 0 afterwards.
#[test]
fn binary_sync_once_then_status_json() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("binsync");
    let settings = pg::add_terminal(&url, "T11");
    let (dir, mut ledger) = pg::ledger("T11");
    pg::append_entries(&mut ledger, 25);
    drop(ledger);
    let citytill = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_citytill"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env(citytill::hq::settings::URL_VARIABLE, &settings.database_url)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(output.status.success(), "citytill {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let before: serde_json::Value = serde_json::from_str(&citytill(&["sync", "status", "--json"])).unwrap();
    assert_eq!(before["pending"].as_i64(), Some(25), "{before}");
    let pushed: serde_json::Value = serde_json::from_str(&citytill(&["--json", "sync", "--once"])).unwrap();
    assert_eq!((pushed["pushed"].as_i64(), pushed["pending"].as_i64()), (Some(25), Some(0)), "{pushed}");
    let after: serde_json::Value = serde_json::from_str(&citytill(&["sync", "status", "--json"])).unwrap();
    assert_eq!((after["mode"].as_str(), after["pending"].as_i64(), after["acked_seq"].as_i64()), (Some("connected"), Some(0), Some(25)), "{after}");
    assert!(after["last_error"].is_null(), "{after}");
    let ledger = citytill::ledger::Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
    pg::assert_hq_equals_ledger(&url, &ledger);
    let text = citytill(&["sync", "once"]);
    assert!(text.contains("0 pushed") && text.contains("0 pending"), "`sync once` is still accepted: {text}");
}

// Proves `citytill sync --watch` keeps a counter without a window in step with head office: entries already
// written are pushed at once, an entry written while it runs is pushed within a few seconds (well inside
// the 60 s interval set here, so it was the new entry that woke it), and it reports each change on stdout.
#[test]
fn binary_sync_watch_pushes_new_entries_as_they_are_written() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("binwatch");
    let settings = pg::add_terminal(&url, "T12");
    let (dir, mut ledger) = pg::ledger("T12");
    pg::append_entries(&mut ledger, 10);
    std::fs::write(dir.path().join("citytill.toml"), "[hq]\ninterval_ms = 60000\n").unwrap();
    let mut watch = std::process::Command::new(env!("CARGO_BIN_EXE_citytill"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["sync", "--watch"])
        .env(citytill::hq::settings::URL_VARIABLE, &settings.database_url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let acked = |ledger: &citytill::ledger::Ledger| ledger.meta("hq_acked_seq").ok().flatten().and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let wait_for = |ledger: &citytill::ledger::Ledger, seq: i64| {
        let started = std::time::Instant::now();
        while acked(ledger) < seq && started.elapsed() < std::time::Duration::from_secs(20) {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        started.elapsed()
    };
    wait_for(&ledger, 10);
    assert_eq!(acked(&ledger), 10, "the entries written before the watch were pushed");
    pg::append_entries(&mut ledger, 3);
    let took = wait_for(&ledger, 13);
    assert_eq!(acked(&ledger), 13, "the new entries were pushed");
    assert!(took < std::time::Duration::from_secs(10), "pushed {took:?} after they were written, not at the 60 s interval");
    pg::assert_hq_equals_ledger(&url, &ledger);
    // The status line follows the round's snapshot within a quarter second; give it a second before stopping.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let _ = watch.kill();
    let output = watch.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("acknowledged through 13"), "each change is reported: {text}{}", String::from_utf8_lossy(&output.stderr));
}

// Proves head office reads the billing file with the terminal's own reader: a number twice (which head office
// used to publish as whichever row came first) is refused naming both lines, and so are a balance beyond the
// terminals' limit and a number with a space, while a credit balance (negative) is still read.
#[test]
fn head_office_reads_payables_as_strictly_as_a_terminal() {
    use citytill::hq::office::admin::parse_payables;
    let header = "kind,number,name,address,status,balance\n";
    let twice = format!("{header}utility,U-1,Ann Lee,1 Elm St,active,1.00\nutility,U-1,Bo Lee,2 Elm St,active,2.00\n");
    let error = parse_payables(twice.as_bytes(), "billing.csv").expect_err("a repeated number was read").to_string();
    assert!(error.contains("line 3, column number: 'U-1' repeats line 2"), "{error}");
    let huge = format!("{header}utility,U-2,Ann Lee,1 Elm St,active,99999999.00\n");
    let error = parse_payables(huge.as_bytes(), "billing.csv").expect_err("a balance beyond the limit was read").to_string();
    assert!(error.contains("line 2, column balance"), "{error}");
    let spaced = format!("{header}utility,U 3,Ann Lee,1 Elm St,active,1.00\n");
    assert!(parse_payables(spaced.as_bytes(), "billing.csv").is_err(), "a number with a space was read");
    let credit = format!("{header}utility,U-4,Ann Lee,1 Elm St,Active,-10.00\n");
    let rows = parse_payables(credit.as_bytes(), "billing.csv").expect("a credit balance");
    assert_eq!((rows[0].balance.cents(), rows[0].status.as_str()), (-1000, "active"));
}

// Proves the sync command line refuses what it cannot mean: no action, or `--once` with a subcommand; and
// that an admin `--ca-file` without sslmode=verify-full is refused, naming the flag.
#[test]
fn sync_and_admin_arguments_are_checked() {
    let (dir, _ledger) = pg::ledger("T01");
    let ctx = context(dir.path(), None);
    let none = sync(&ctx, &[]).unwrap_err();
    assert!(none.to_string().contains("--once"), "{none}");
    assert!(sync(&ctx, &["--once", "status"]).is_err(), "--once and a subcommand together are refused");
    let error = hq(&ctx, &["verify", "--database", "postgresql://admin@127.0.0.1:1/hq", "--ca-file", "/etc/citytill/hq-ca.pem"]).unwrap_err();
    assert!(error.to_string().contains("--ca-file") && error.to_string().contains("verify-full"), "{error}");
}

// Proves the bench runs end to end in a scratch database it drops, reporting both rates.
#[test]
fn bench_runs_and_cleans_up() {
    let Some(cluster) = pg::cluster() else { return };
    let bench = citytill::hq::office::bench::run(&cluster.admin_url("postgres"), 3_000).unwrap();
    assert_eq!(bench.entries, 3_000);
    assert!(bench.push_entries_per_s > 0.0 && bench.copy_rows_per_s > 0.0 && bench.ratio_vs_copy > 0.0, "{bench:?}");
    let left: i64 = pg::admin_client(&cluster.admin_url("postgres")).query_one("SELECT count(*) FROM pg_database WHERE datname LIKE 'citytill_bench_%'", &[]).unwrap().get(0);
    assert_eq!(left, 0);
}

// Measures the benchmark (100,000 entries pushed vs COPY of the same rows); run on demand:
// `cargo test --test hq_cli -- --ignored --nocapture bench_100k`.
#[test]
#[ignore]
fn bench_100k() {
    let Some(cluster) = pg::cluster() else { return };
    let entries = std::env::var("CITYTILL_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let bench = citytill::hq::office::bench::run(&cluster.admin_url("postgres"), entries).unwrap();
    println!("{}", serde_json::to_string_pretty(&bench).unwrap());
    assert_eq!(bench.entries, entries);
}
