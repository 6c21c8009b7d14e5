//! `citytill report | deposit | day | export`: reports in four formats, the deposit and its slip, the
//! office's day close, and the billing-system posting file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::batch::parse_date;
use crate::cli::context::Context;
use crate::cli::output;
use crate::error::{Error, Result};
use crate::ops::deposit::BankRouting;
use crate::ops::{day, deposit, export};
use crate::reports::{self, Format};

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// drawer | day | gl | deposit | exceptions | gaps | over-short | nsf
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
    Payments {
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn date_or_today(ctx: &Context, date: Option<String>) -> Result<String> {
    match date {
        Some(text) => parse_date(&text),
        None => Ok(ctx.open_ledger()?.business_date()?.to_string()),
    }
}

pub fn report(ctx: &Context, args: ReportArgs) -> Result<()> {
    let format = match (&args.format, ctx.json) {
        (Some(text), _) => Format::parse(text)?,
        (None, true) => Format::Json,
        (None, false) => Format::Text,
    };
    if !reports::NAMES.contains(&args.name.as_str()) {
        return Err(Error::Invalid(format!("report: '{}' is not one of {}", args.name, reports::NAMES.join(", "))));
    }
    let date = date_or_today(ctx, args.date)?;
    // Signed in (--user), a supervisor sees what open drawers should hold; nobody else does (blind close).
    let (ledger, viewer) = match &ctx.user {
        Some(_) => ctx.login().map(|(ledger, actor)| (ledger, Some(actor)))?,
        None => (ctx.open_ledger()?, None),
    };
    let document = reports::build(&ledger, &args.name, &date, viewer.as_ref())?;
    let bytes = reports::render(&document, format)?;
    emit(args.out.as_deref(), &bytes)
}

fn emit(out: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => {
            let mut file = std::fs::File::create(path).map_err(|e| Error::file(path, e))?;
            file.write_all(bytes).map_err(|e| Error::file(path, e))?;
            file.sync_all().map_err(|e| Error::file(path, e))
        }
        None => std::io::stdout().write_all(bytes).map_err(|e| Error::Invariant(format!("stdout: {e}"))),
    }
}

pub fn deposit(ctx: &Context, command: DepositCommand) -> Result<()> {
    let DepositCommand::Create { date, pdf } = command;
    let date = date_or_today(ctx, date)?;
    let routing = BankRouting::load(&ctx.data_dir)?;
    let (mut ledger, actor) = ctx.login()?;
    let result = deposit::create(&mut ledger, &actor, &routing, &date)?;
    if let Some(path) = pdf {
        let document = reports::deposit::slip_document(&result.deposit, &result.batches, &result.slip);
        emit(Some(&path), &reports::pdf::document(&document))?;
    }
    if ctx.json {
        return output::json(&result);
    }
    print!("{}", reports::deposit::slip_text(&result.deposit, &result.batches, &result.slip));
    Ok(())
}

pub fn day(ctx: &Context, command: DayCommand) -> Result<()> {
    let DayCommand::Close { date } = command;
    let date = chrono::NaiveDate::parse_from_str(&parse_date(&date)?, "%Y-%m-%d").map_err(|e| Error::Invalid(format!("--date: {e}")))?;
    let (mut ledger, actor) = ctx.login()?;
    let result = day::close(&mut ledger, &actor, date)?;
    if ctx.json {
        return output::json(&result);
    }
    println!("Business date {} closed ({} drawers, {} batches); new entries go to {}.", result.date, result.drawers, result.batches, result.next_business_date);
    println!("Day chain head {}\nSeal {}  (keep this tape: `citytill verify --seal {}` proves the journal unchanged)", result.chain_head, result.seal, result.seal);
    Ok(())
}

pub fn export(ctx: &Context, command: ExportCommand) -> Result<()> {
    let ExportCommand::Payments { date, out } = command;
    let date = date_or_today(ctx, date)?;
    let (mut ledger, actor) = ctx.login()?;
    let result = export::payments(&mut ledger, &actor, &date, out.as_deref())?;
    if ctx.json {
        return output::json(&result);
    }
    match out {
        Some(path) => println!("Exported {} payments ({} rows, {}) to {}.", result.payments, result.rows.len(), result.total, path.display()),
        None => print!("{}", export::csv_text(&result.rows)?),
    }
    Ok(())
}
