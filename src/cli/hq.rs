//! `citytill hq ...`: head-office administration — schema, terminal roles, publishing billing data,
//! the payment posting file, the consolidated day, GL and finance reports and `hq verify`.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::context::Context;
use crate::cli::output::say;
use citytill::domain::ids::TerminalId;
use citytill::error::{Error, Result};
use citytill::hq::connect::connect;
use citytill::hq::office::admin;
use citytill::hq::office::reports;
use citytill::hq::settings::{redact, HqSettings, SslMode};

/// The head-office administrator's connection (not a terminal's).
#[derive(clap::Args, Debug)]
pub struct Database {
    /// postgresql://admin@host/db (add ?sslmode=require or verify-full). Default: [hq] database_url / CITYTILL_HQ_URL.
    #[arg(long = "database", env = "CITYTILL_HQ_ADMIN_URL", hide_env_values = true)]
    pub url: Option<String>,
    /// PEM CA certificate(s) to trust with sslmode=verify-full (default: the public web roots).
    #[arg(long = "ca-file", env = "CITYTILL_HQ_CA_FILE")]
    pub ca_file: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug)]
pub enum HqCommand {
    /// Create or upgrade the head-office schema (idempotent, versioned).
    Init(Database),
    /// Register terminals and list their sync positions.
    #[command(subcommand)]
    Terminal(TerminalCommand),
    /// Publish billing data to the terminals.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Publish a setting to every terminal.
    Setting {
        key: String,
        value: String,
        #[command(flatten)]
        db: Database,
    },
    /// The billing system's posting file.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Reports across terminals.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Check every terminal's journal: complete, gap-free, hash chain valid, balanced. Exit code 1 if not.
    Verify(Database),
    /// Alarms: rejected pushes and terminals that disagree with head office; `resolve ID --reason TEXT`.
    Alarms(AlarmsArgs),
}

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlarmsArgs {
    #[command(subcommand)]
    pub command: Option<AlarmsCommand>,
    #[command(flatten)]
    pub db: Database,
}

#[derive(clap::Subcommand, Debug)]
pub enum AlarmsCommand {
    /// Mark alarm ID resolved, saying why (recorded with who and when; `hq verify` passes again once none is open).
    Resolve {
        id: i64,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum TerminalCommand {
    /// Create the terminal's login role (sync functions only) and print its connection settings once.
    Add {
        terminal: String,
        /// Role name; default citytill_<terminal>.
        #[arg(long)]
        role: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    List(Database),
}

#[derive(clap::Subcommand, Debug)]
pub enum ImportCommand {
    /// CSV from the billing system: kind,number,name,address,status,balance.
    Payables {
        file: PathBuf,
        #[command(flatten)]
        db: Database,
    },
    /// CSV fee schedule: code,description,amount,gl_account.
    Fees {
        file: PathBuf,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum ExportCommand {
    /// Payments of a business date not exported before (each payment appears in exactly one file).
    Payments {
        #[arg(long)]
        date: String,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print every payment of that date again (marked "reprint"), exporting nothing new.
        #[arg(long)]
        reprint: bool,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum ReportCommand {
    /// The consolidated day: per terminal and per GL account.
    Day {
        #[arg(long)]
        date: String,
        #[command(flatten)]
        db: Database,
    },
    /// The GL across terminals: per account, by fund ([funds] in citytill.toml) and the convenience-fee line.
    Gl(DocumentArgs),
    /// The finance office across terminals: autopay runs and debits, lockbox/online files and exceptions, bank matching.
    Finance(DocumentArgs),
}

/// A head-office report rendered like a terminal's `citytill report`.
#[derive(clap::Args, Debug)]
pub struct DocumentArgs {
    #[arg(long)]
    pub date: String,
    /// text | csv | json | pdf (default text; --json means json).
    #[arg(long)]
    pub format: Option<String>,
    /// Write to this file (owner-only) instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub db: Database,
}

pub fn run(command: HqCommand, ctx: &Context) -> Result<()> {
    match command {
        HqCommand::Init(db) => init(ctx, &db),
        HqCommand::Terminal(TerminalCommand::Add { terminal, role, db }) => add_terminal(ctx, &db, &terminal, role.as_deref()),
        HqCommand::Terminal(TerminalCommand::List(db)) => list_terminals(ctx, &db),
        HqCommand::Import(ImportCommand::Payables { file, db }) => import_payables(ctx, &db, &file),
        HqCommand::Import(ImportCommand::Fees { file, db }) => import_fees(ctx, &db, &file),
        HqCommand::Setting { key, value, db } => {
            let changed = admin::publish_setting(&mut connect(&settings(ctx, &db)?)?, &key, &value)?;
            say(ctx, &serde_json::json!({ "key": key, "changed": changed }), &format!("setting {key} published ({changed} changed)"))
        }
        HqCommand::Export(ExportCommand::Payments { date, out, reprint, db }) => export(ctx, &db, &date, out, reprint),
        HqCommand::Report(ReportCommand::Day { date, db }) => report_day(ctx, &db, &date),
        HqCommand::Report(ReportCommand::Gl(args)) => report_document(ctx, args, |client, date| citytill::hq::office::gl::gl(client, date, &ctx.settings.funds)),
        HqCommand::Report(ReportCommand::Finance(args)) => report_document(ctx, args, |client, date| citytill::hq::office::finance::finance(client, date, ctx.settings.policy.bank_match_days)),
        HqCommand::Verify(db) => verify(ctx, &db),
        HqCommand::Alarms(AlarmsArgs { command: None, db }) => {
            let alarms = admin::alarms(&mut connect(&settings(ctx, &db)?)?)?;
            let text: Vec<String> = alarms.iter().map(alarm_line).collect();
            say(ctx, &alarms, &if text.is_empty() { "no alarms".into() } else { text.join("\n") })
        }
        HqCommand::Alarms(AlarmsArgs { command: Some(AlarmsCommand::Resolve { id, reason, db }), .. }) => {
            let alarm = admin::resolve_alarm(&mut connect(&settings(ctx, &db)?)?, id, &reason)?;
            say(ctx, &alarm, &alarm_line(&alarm))
        }
    }
}

/// `7 2026-11-24T10:00:00Z T01 entry 42: terminal_behind OPEN` (or `resolved by ... : reason`).
fn alarm_line(alarm: &admin::Alarm) -> String {
    let entry = alarm.seq.map_or_else(|| "-".to_string(), |s| s.to_string());
    let state = match (&alarm.resolved_at, &alarm.resolved_by, &alarm.resolution) {
        (Some(at), by, reason) => format!("resolved {at} by {}: {}", by.as_deref().unwrap_or("?"), reason.as_deref().unwrap_or("")),
        _ => "OPEN".to_string(),
    };
    format!("{} {} {} entry {entry}: {} {state}", alarm.id, alarm.at, alarm.terminal, alarm.reason)
}

/// The admin URL from `--database`, else the `[hq]` settings; an error names both if neither is given.
fn settings(ctx: &Context, db: &Database) -> Result<HqSettings> {
    let mut settings = match &db.url {
        Some(url) => HqSettings::for_url(url)?,
        None => HqSettings::from_settings(ctx.settings.hq.as_ref())?.ok_or_else(|| Error::invalid("--database", "no head-office URL (give --database, CITYTILL_HQ_ADMIN_URL or [hq] database_url)"))?,
    };
    if let Some(file) = &db.ca_file {
        if settings.ssl_mode != SslMode::VerifyFull {
            return Err(Error::invalid("--ca-file", "is only used with sslmode=verify-full (add ?sslmode=verify-full to the URL)"));
        }
        settings.ca_file = Some(file.clone());
    }
    Ok(settings)
}

fn parse_date(text: &str) -> Result<NaiveDate> {
    citytill::domain::dates::parse_day("--date", text)
}

fn init(ctx: &Context, db: &Database) -> Result<()> {
    let settings = settings(ctx, db)?;
    let report = admin::init(&mut connect(&settings)?)?;
    let text = if report.from_version == report.to_version {
        format!("head-office schema at {} is already version {}", settings.redacted_url(), report.to_version)
    } else {
        format!("head-office schema at {} upgraded from version {} to {}", settings.redacted_url(), report.from_version, report.to_version)
    };
    say(ctx, &report, &text)
}

fn add_terminal(ctx: &Context, db: &Database, terminal: &str, role: Option<&str>) -> Result<()> {
    let settings = settings(ctx, db)?;
    let terminal = TerminalId::parse(terminal).map_err(|e| Error::Invalid(e.into()))?;
    let account = admin::add_terminal(&mut connect(&settings)?, &terminal, role)?;
    let url = admin::terminal_url(&settings.database_url, &account.role, account.password.as_deref().unwrap_or(""));
    let sslmode = serde_json::to_value(settings.ssl_mode).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    let text = format!(
        "# Terminal {} registered as role {}. Put this in the terminal's citytill.toml (chmod 600);\n\
         # the password is shown only now.\n[hq]\ndatabase_url = \"{url}\"\nsslmode = \"{sslmode}\"",
        account.terminal, account.role
    );
    say(ctx, &serde_json::json!({ "terminal": account.terminal, "role": account.role, "database_url": url, "sslmode": sslmode }), &text)
}

fn list_terminals(ctx: &Context, db: &Database) -> Result<()> {
    let terminals = admin::terminals(&mut connect(&settings(ctx, db)?)?)?;
    let lines: Vec<String> = terminals.iter().map(|t| format!("{:<8} {:<24} acked {:>8}  last push {}", t.terminal, t.role, t.acked_seq, t.last_push_at.as_deref().unwrap_or("never"))).collect();
    say(ctx, &terminals, &if lines.is_empty() { "no terminals registered".into() } else { lines.join("\n") })
}

fn import_payables(ctx: &Context, db: &Database, file: &std::path::Path) -> Result<()> {
    let rows = admin::read_payables(file)?;
    let changed = admin::publish_payables(&mut connect(&settings(ctx, db)?)?, &rows)?;
    say(ctx, &serde_json::json!({ "rows": rows.len(), "changed": changed }), &format!("{} payables read, {changed} new or changed published", rows.len()))
}

fn import_fees(ctx: &Context, db: &Database, file: &std::path::Path) -> Result<()> {
    let rows = admin::read_fees(file)?;
    let changed = admin::publish_fees(&mut connect(&settings(ctx, db)?)?, &rows)?;
    say(ctx, &serde_json::json!({ "rows": rows.len(), "changed": changed }), &format!("{} fees read, {changed} new or changed published", rows.len()))
}

fn export(ctx: &Context, db: &Database, date: &str, out: Option<PathBuf>, reprint: bool) -> Result<()> {
    let date = parse_date(date)?;
    let settings = settings(ctx, db)?;
    let mut client = connect(&settings)?;
    // The file is written (and synced) before the export is committed: a failed write exports nothing.
    let export = reports::export_payments(&mut client, date, reprint, |export| {
        let bytes = export.to_csv()?;
        match &out {
            Some(path) => write_file(path, &bytes),
            None => {
                crate::out!("{}", String::from_utf8_lossy(&bytes))?;
                Ok(())
            }
        }
    })?;
    if out.is_some() || ctx.json {
        let summary = serde_json::json!({ "batch": export.batch, "entries": export.entries, "rows": export.rows.len() });
        let batch = export.batch.map_or_else(|| "reprint".to_string(), |b| format!("batch {b}"));
        say(ctx, &summary, &format!("{batch}: {} payment entries, {} rows", export.entries, export.rows.len()))?;
    }
    Ok(())
}

fn write_file(path: &std::path::Path, bytes: &[u8]) -> citytill::hq::HqResult<()> {
    use std::io::Write;
    let problem = |e: std::io::Error| citytill::hq::HqError::Invalid(format!("--out {}: {e}", path.display()));
    let temporary = path.with_extension("partial");
    let mut file = std::fs::File::create(&temporary).map_err(problem)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(problem)?;
    std::fs::rename(&temporary, path).map_err(problem)
}

fn report_day(ctx: &Context, db: &Database, date: &str) -> Result<()> {
    let report = reports::day_report(&mut connect(&settings(ctx, db)?)?, parse_date(date)?)?;
    let mut lines = vec![format!("Day {} across {} terminal(s)", report.date, report.terminals.len())];
    for terminal in &report.terminals {
        let tenders: Vec<String> = terminal.tenders.iter().map(|(k, v)| format!("{k} {v}")).collect();
        lines.push(format!("  {:<8} {} entries, {} payments, {} voids; {}", terminal.terminal, terminal.entries, terminal.payments, terminal.voids, tenders.join(", ")));
    }
    for account in &report.accounts {
        lines.push(format!("  account {:<8} debit {:>14} credit {:>14}", account.account, account.debit, account.credit));
    }
    lines.push(format!("  total debit {} credit {} {}", report.total_debit, report.total_credit, if report.balanced { "(balanced)" } else { "(NOT BALANCED)" }));
    say(ctx, &report, &lines.join("\n"))
}

/// Checks every argument before connecting, builds the document, then renders it to --out or stdout.
fn report_document(ctx: &Context, args: DocumentArgs, build: impl FnOnce(&mut postgres::Client, NaiveDate) -> citytill::hq::HqResult<citytill::reports::Document>) -> Result<()> {
    let date = parse_date(&args.date)?;
    let format = match (&args.format, ctx.json) {
        (Some(text), _) => citytill::reports::Format::parse(text)?,
        (None, true) => citytill::reports::Format::Json,
        (None, false) => citytill::reports::Format::Text,
    };
    let settings = settings(ctx, &args.db)?;
    let document = build(&mut connect(&settings)?, date)?;
    let bytes = citytill::reports::render(&document, format)?;
    match &args.out {
        Some(path) => citytill::files::write_private(path, &bytes),
        None => crate::cli::output::write(&bytes),
    }
}

fn verify(ctx: &Context, db: &Database) -> Result<()> {
    let settings = settings(ctx, db)?;
    let report = citytill::hq::office::verify::verify(&mut connect(&settings)?)?;
    let mut lines = Vec::new();
    for terminal in &report.terminals {
        let state = if terminal.problems.is_empty() { "ok".to_string() } else { format!("{} problem(s)", terminal.problems.len() + terminal.problems_not_listed) };
        lines.push(format!("{:<8} {} entries, acknowledged {}: {state}", terminal.terminal, terminal.entries, terminal.acked_seq));
        lines.extend(terminal.problems.iter().map(|p| format!("  {p}")));
    }
    for alarm in &report.open_alarms {
        lines.push(format!("ALARM {}", alarm_line(alarm)));
    }
    lines.push(format!(
        "{} alarm(s) on record, {} open; {}",
        report.alarms,
        report.open_alarms.len(),
        if report.ok {
            "head office verified"
        } else if report.journals_ok {
            "VERIFY FAILED: resolve each open alarm with `citytill hq alarms resolve ID --reason TEXT`"
        } else {
            "VERIFY FAILED"
        }
    ));
    say(ctx, &report, &lines.join("\n"))?;
    if report.ok {
        Ok(())
    } else {
        let message = if report.journals_ok { format!("{} alarm(s) open", report.open_alarms.len()) } else { "journals at head office are not intact".into() };
        Err(Error::File { path: format!("hq verify {}", redact(&settings.database_url)), message })
    }
}
