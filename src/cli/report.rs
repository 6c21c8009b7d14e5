//! `citytill report | deposit | day | export`: reports in four formats, the deposit and its slip, the
//! office's day close, and the billing-system posting file.

use std::path::{Path, PathBuf};

use crate::cli::batch::parse_date;
use crate::cli::context::Context;
use crate::cli::output;
use citytill::error::{Error, Result};
use citytill::ops::deposit::BankRouting;
use citytill::ops::{day, deposit, export};
use citytill::reports::{self, Format};

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// drawer | day | gl | deposit | exceptions | gaps | over-short | nsf | bank
    pub name: String,
    /// Business date (default: the current business date).
    #[arg(long)]
    pub date: Option<String>,
    /// text | csv | json | pdf (default text; --json means json).
    #[arg(long)]
    pub format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug)]
pub enum DepositCommand {
    /// Put the date's approved batches into one deposit and print its slip.
    Create {
        #[arg(long)]
        date: Option<String>,
        /// Also write the slip as a PDF page.
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum DayCommand {
    /// Close the office's business date (refused while a drawer is open or a batch unapproved).
    Close {
        #[arg(long)]
        date: String,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum ExportCommand {
    /// Write the billing system's posting file for the date's approved batches (each payment once).
    /// Run again for the same date with nothing new, it writes the date's last file again, identically.
    Payments {
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write file FILE-ID (the number `export` printed) again, identically, from its journal entry.
        #[arg(long, value_name = "FILE-ID", conflicts_with = "date")]
        again: Option<i64>,
    },
}

fn date_or_today(ctx: &Context, date: Option<String>) -> Result<String> {
    match date {
        Some(text) => parse_date(&text),
        None => Ok(ctx.read_ledger()?.business_date()?.to_string()),
    }
}

pub fn report(ctx: &Context, args: ReportArgs) -> Result<()> {
    let format = match (&args.format, ctx.json) {
        (Some(text), _) => Format::parse(text)?,
        (None, true) => Format::Json,
        (None, false) => Format::Text,
    };
    if args.name == "bank" {
        let date = date_or_today(ctx, args.date)?;
        let ledger = ctx.read_ledger()?;
        let document = reports::bank::report(&*ledger.read()?, &date, ctx.settings.policy.bank_match_days)?;
        return emit(args.out.as_deref(), &reports::render(&document, format)?);
    }
    if !reports::NAMES.contains(&args.name.as_str()) {
        return Err(Error::invalid("report", format!("'{}' is not one of {}", args.name, reports::NAMES.join(", "))));
    }
    let date = date_or_today(ctx, args.date)?;
    // Signed in (--user), a supervisor sees what open drawers should hold; nobody else does (blind close).
    let (ledger, viewer) = match &ctx.user {
        Some(_) => ctx.login().map(|(ledger, actor)| (ledger, Some(actor)))?,
        None => (ctx.read_ledger()?, None),
    };
    let document = reports::build(&ledger, &args.name, &date, viewer.as_ref())?;
    let bytes = reports::render(&document, format)?;
    emit(args.out.as_deref(), &bytes)
}

fn emit(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => citytill::files::write_private(path, bytes),
        None => output::write(bytes),
    }
}

pub fn deposit(ctx: &Context, command: DepositCommand) -> Result<()> {
    let DepositCommand::Create { date, pdf } = command;
    // Who may is checked before anything else is looked at.
    let (mut ledger, actor) = ctx.login()?;
    actor.require(export::OFFICE_ROLES, "prepare deposits")?;
    let date = match date {
        Some(text) => parse_date(&text)?,
        None => ledger.business_date()?.to_string(),
    };
    let routing = BankRouting::load(&ctx.data_dir)?;
    let result = deposit::create(&mut ledger, &actor, &routing, &date)?;
    if let Some(path) = pdf {
        let document = reports::deposit::slip_document(&result.deposit, &result.batches, &result.slip);
        emit(Some(&path), &reports::pdf::document(&document))?;
    }
    if ctx.json {
        return output::json(&result);
    }
    crate::out!("{}", reports::deposit::slip_text(&result.deposit, &result.batches, &result.slip))?;
    if result.funds.iter().any(|part| part.fund != routing.funds.default) {
        crate::outln!("By fund:")?;
        for part in &result.funds {
            crate::outln!("  {:<24} {:<12} bank {:<8} {:>14}", part.name, part.tender.as_str(), part.bank_account, part.amount.grouped())?;
        }
    }
    Ok(())
}

pub fn day(ctx: &Context, command: DayCommand) -> Result<()> {
    let DayCommand::Close { date } = command;
    let date = chrono::NaiveDate::parse_from_str(&parse_date(&date)?, "%Y-%m-%d").map_err(|e| Error::invalid("--date", e.to_string()))?;
    let (mut ledger, actor) = ctx.login()?;
    let result = day::close(&mut ledger, &actor, date)?;
    if ctx.json {
        return output::json(&result);
    }
    crate::outln!("Business date {} closed ({} drawers, {} batches); new entries go to {}.", result.date, result.drawers, result.batches, result.next_business_date)?;
    crate::outln!("Day chain head {}\nSeal {}  (keep this tape: `citytill verify --seal {}` proves the journal unchanged)", result.chain_head, result.seal, result.seal)?;
    Ok(())
}

/// `export payments`: the export entry commits first (`ops::export`), then the file is written from it to
/// `--out` (whole or not at all) or to standard output. Whatever fails after the commit, the same command
/// or `--again FILE-ID` writes the identical file; the error says so.
pub fn export(ctx: &Context, command: ExportCommand) -> Result<()> {
    let ExportCommand::Payments { date, out, again } = command;
    // Who may is checked before anything else is looked at.
    let (mut ledger, actor) = ctx.login()?;
    actor.require(export::OFFICE_ROLES, "export payments")?;
    if let Some(path) = &out {
        citytill::files::check_target(path)?;
    }
    let result = match again {
        Some(seq) => export::again(&ledger, &actor, seq)?,
        None => {
            let date = match date {
                Some(text) => parse_date(&text)?,
                None => ledger.business_date()?.to_string(),
            };
            export::payments(&mut ledger, &actor, &date)?
        }
    };
    let recorded = |error: Error| match (result.file, error) {
        (Some(seq), Error::File { path, message }) => {
            Error::File { path, message: format!("{message}; the export is recorded as file {seq}: `citytill export payments --again {seq}` writes it again") }
        }
        (_, error) => error,
    };
    citytill::fault::point("export-after-commit").map_err(recorded)?;
    match &out {
        Some(path) => export::write_file(path, &result.rows).map_err(recorded)?,
        None if !ctx.json => output::write(export::csv_text(&result.rows)?.as_bytes()).map_err(recorded)?,
        None => {}
    }
    if ctx.json {
        return output::json(&result).map_err(recorded);
    }
    if let Some(path) = out {
        let what = match (result.file, result.again) {
            (Some(seq), true) => format!("Nothing new for {}: wrote file {seq} again", result.date),
            (Some(seq), false) => format!("Exported file {seq}"),
            (None, _) => format!("Nothing to export for {}", result.date),
        };
        crate::outln!("{what}: {} payments ({} rows, {}) to {}.", result.payments, result.rows.len(), result.total, path.display())?;
    }
    Ok(())
}
