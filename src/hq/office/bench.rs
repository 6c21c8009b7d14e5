//! `citytill bench --hq URL`: push N journal entries through the real sync path and compare the rate with
//! PostgreSQL `COPY` of the same rows, in a scratch database created (and dropped) for the run.

use std::io::Write;
use std::time::Instant;

use postgres::Client;

use crate::domain::events::Event;
use crate::domain::ids::TerminalId;
use crate::error::{Error, Result};
use crate::hq::connect::{config, connect, connect_with};
use crate::hq::error::{HqError, HqResult};
use crate::hq::office::admin::{add_terminal, init, server};
use crate::hq::settings::HqSettings;
use crate::hq::terminal::client::sync_with;
use crate::ledger::journal::JournalRecord;
use crate::ledger::Ledger;
use crate::money::Money;

/// Entries per push in the bench: the largest batch head office accepts (`hq.batch_entries` = 5000; the
/// terminal default is 500, which favours short transactions over throughput).
pub const BENCH_BATCH_ENTRIES: usize = 5_000;

#[derive(Debug, serde::Serialize)]
pub struct HqBench {
    pub entries: usize,
    pub batch_entries: usize,
    pub push_seconds: f64,
    pub push_entries_per_s: f64,
    pub copy_seconds: f64,
    /// Journal rows per second by COPY (entries and their postings loaded into tables shaped like head office's).
    pub copy_rows_per_s: f64,
    /// push_entries_per_s / copy_rows_per_s; the target is >= 0.5.
    pub ratio_vs_copy: f64,
}

/// Entries `citytill bench --hq URL` pushes (the issue's benchmark).
pub const ISSUE_ENTRIES: usize = 100_000;

impl HqBench {
    /// The figures as JSON for `bench::Report.hq`.
    pub fn to_value(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self).map_err(|e| Error::invalid("bench", format!("head-office figures: {e}")))
    }
}

/// One line for the text report, from `bench::Report.hq` (missing figures read as 0).
pub fn describe(value: &serde_json::Value) -> String {
    let number = |key: &str| value.get(key).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
    format!(
        "head-office push {:>10.0} entries/s  (PostgreSQL COPY {:.0} rows/s, ratio {:.2}; target >= 0.50) over {:.0} entries, {:.0} per push",
        number("push_entries_per_s"),
        number("copy_rows_per_s"),
        number("ratio_vs_copy"),
        number("entries"),
        number("batch_entries"),
    )
}

/// Runs the bench against the server at `url` (needs CREATEDB and CREATEROLE; everything it creates is dropped).
pub fn run(url: &str, entries: usize) -> Result<HqBench> {
    let settings = HqSettings::for_url(url)?;
    let mut admin = connect(&settings)?;
    let suffix = format!("{}_{}", std::process::id(), chrono::Utc::now().timestamp_micros() % 1_000_000_000);
    let database = format!("citytill_bench_{suffix}");
    let role = format!("citytill_bench_{suffix}");
    admin.batch_execute(&format!("CREATE DATABASE {database} ENCODING 'UTF8' TEMPLATE template0")).map_err(server)?;
    let outcome = measure(&settings, &database, &role, entries);
    let mut cleanup = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).map_err(server);
    if cleanup.is_ok() {
        cleanup = admin.batch_execute(&format!("DROP ROLE IF EXISTS {role}")).map_err(server);
    }
    let bench = outcome?;
    cleanup?;
    Ok(bench)
}

fn measure(settings: &HqSettings, database: &str, role: &str, entries: usize) -> Result<HqBench> {
    let mut bench_config = config(settings)?;
    bench_config.dbname(database);
    let mut admin = connect_with(settings, bench_config.clone())?;
    init(&mut admin)?;
    let terminal = TerminalId::parse("BENCH").map_err(|e| Error::Invalid(e.into()))?;
    let account = add_terminal(&mut admin, &terminal, Some(role))?;
    let dir = tempfile::tempdir().map_err(|e| Error::invalid("bench", format!("temp dir: {e}")))?;
    let mut ledger = Ledger::create(&dir.path().join("ledger.sqlite"), &terminal)?;
    fill(&mut ledger, entries)?;
    let records = ledger.entries_after(0, entries + 1)?;

    // The terminal's own URL (the sync path opens a second connection from it for a backlog).
    let mut terminal_settings = settings.clone();
    terminal_settings.database_url = scratch_url(&settings.database_url, role, account.password.as_deref().unwrap_or(""), database);
    terminal_settings.batch_entries = BENCH_BATCH_ENTRIES;
    let mut client = connect(&terminal_settings)?;
    let started = Instant::now();
    let outcome = sync_with(&mut client, &mut ledger, &terminal_settings)?;
    let push_seconds = started.elapsed().as_secs_f64();
    if outcome.acked_seq != records.len() as i64 {
        return Err(Error::Invariant(format!("bench: head office acknowledged {} of {} entries", outcome.acked_seq, records.len())));
    }
    drop(client);

    let copy_seconds = copy(&mut admin, &records)?;
    let push_entries_per_s = records.len() as f64 / push_seconds.max(1e-9);
    let copy_rows_per_s = records.len() as f64 / copy_seconds.max(1e-9);
    Ok(HqBench { entries: records.len(), batch_entries: BENCH_BATCH_ENTRIES, push_seconds, push_entries_per_s, copy_seconds, copy_rows_per_s, ratio_vs_copy: push_entries_per_s / copy_rows_per_s })
}

/// `admin_url` with the scratch role, its password and the scratch database (query parameters kept).
fn scratch_url(admin_url: &str, role: &str, password: &str, database: &str) -> String {
    let (scheme, rest) = admin_url.split_once("://").unwrap_or(("postgresql", admin_url));
    let (rest, query) = rest.split_once('?').map_or((rest, None), |(rest, query)| (rest, Some(query)));
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let query = query.map(|q| format!("?{q}")).unwrap_or_default();
    format!("{scheme}://{role}:{password}@{host}/{database}{query}")
}

/// Appends `entries` journal entries (a drawer, then cash drops and no-sales), 10,000 per transaction.
pub fn fill(ledger: &mut Ledger, entries: usize) -> Result<()> {
    let mut written = 0;
    while written < entries {
        let chunk = (entries - written).min(10_000);
        let start = written;
        ledger.write(|w| {
            for index in start..start + chunk {
                let event = match index {
                    0 => Event::DrawerOpened { drawer_id: 1, cashier: "bench".into(), float: Money::from_cents(20_000), count: vec![] },
                    i if i % 2 == 0 => Event::CashDropped { drawer_id: 1, amount: Money::from_cents(1 + (i as i64 % 5_000)) },
                    i => Event::NoSale { drawer_id: 1, reason: format!("bench {i}") },
                };
                w.append(Some("bench"), None, &event)?;
            }
            Ok(())
        })?;
        written += chunk;
    }
    Ok(())
}

/// COPYs the same rows into tables shaped like head office's (same columns, keys and indexes), timed.
fn copy(admin: &mut Client, records: &[JournalRecord]) -> HqResult<f64> {
    admin
        .batch_execute(
            "CREATE TABLE bench_entries (LIKE citytill.entries INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);
             CREATE TABLE bench_postings (LIKE citytill.postings INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING CONSTRAINTS);",
        )
        .map_err(server)?;
    let mut entries = Vec::new();
    let mut postings = Vec::new();
    for r in records {
        let user = r.user.as_deref().map_or_else(|| "\\N".to_string(), escape);
        let approver = r.approver.as_deref().map_or_else(|| "\\N".to_string(), escape);
        let fields = [escape(&r.terminal), r.seq.to_string(), escape(&r.at), escape(&r.business_date), user, approver, escape(&r.kind), escape(&r.payload), escape(&r.prev_hash), escape(&r.hash)];
        writeln!(entries, "{}", fields.join("\t")).map_err(io)?;
        for p in &r.postings {
            writeln!(postings, "{}\t{}\t{}\t{}\t{}\t{}", escape(&r.terminal), r.seq, p.line, escape(&p.account), p.debit_cents, p.credit_cents).map_err(io)?;
        }
    }
    let started = Instant::now();
    let mut tx = admin.transaction().map_err(server)?;
    let mut writer = tx.copy_in("COPY bench_entries (terminal, seq, at, business_date, user_name, approver, kind, payload, prev_hash, hash) FROM STDIN").map_err(server)?;
    writer.write_all(&entries).map_err(io)?;
    writer.finish().map_err(server)?;
    let mut writer = tx.copy_in("COPY bench_postings FROM STDIN").map_err(server)?;
    writer.write_all(&postings).map_err(io)?;
    writer.finish().map_err(server)?;
    tx.commit().map_err(server)?;
    Ok(started.elapsed().as_secs_f64())
}

/// COPY text format: backslash, tab, newline and carriage return escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r")
}

fn io(error: std::io::Error) -> HqError {
    HqError::Invalid(format!("bench: {error}"))
}
