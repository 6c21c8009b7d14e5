//! `citytill bank ...`: import a BAI2 statement for reconciliation (`report bank` shows the matching), or read
//! one without recording it.

use std::path::PathBuf;

use crate::cli::context::Context;
use crate::cli::output;
use citytill::error::{Error, Result};
use citytill::ops::{bai2, bank};

#[derive(clap::Subcommand, Debug)]
pub enum BankCommand {
    /// Record a BAI2 statement's credits (refused whole on any problem, and the second time).
    Import { file: PathBuf },
    /// Read a BAI2 statement and print its credits, recording nothing.
    Read { file: PathBuf },
}

pub fn run(ctx: &Context, command: BankCommand) -> Result<()> {
    match command {
        BankCommand::Import { file } => {
            let bytes = crate::cli::lockbox::read_file(&file)?;
            let source = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let (mut ledger, actor) = ctx.login()?;
            let done = bank::import(&mut ledger, &actor, &source, &bytes)?;
            if ctx.json {
                return output::json(&done);
            }
            crate::outln!(
                "Statement {source} recorded: {} credit(s), {} ({} group(s), {} account(s)); see `citytill report bank --date D`.",
                done.credits,
                done.total,
                done.statement.groups,
                done.statement.accounts
            )?;
            Ok(())
        }
        BankCommand::Read { file } => {
            let bytes = crate::cli::lockbox::read_file(&file)?;
            let source = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let text = std::str::from_utf8(&bytes).map_err(|_| Error::invalid(&source, "not text (a byte that is not UTF-8)"))?;
            let statement = bai2::read(text).map_err(|e| Error::invalid(&source, &e))?;
            output::json(&statement)
        }
    }
}
