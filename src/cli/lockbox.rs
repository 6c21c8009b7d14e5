//! `citytill lockbox ...`: import a bank lockbox or web/IVR settlement file through its template as one batch,
//! list the exceptions (unknown or closed accounts) and resolve them, list the templates.

use std::path::{Path, PathBuf};

use crate::cli::context::Context;
use crate::cli::output;
use citytill::domain::payable::PayableKind;
use citytill::error::{Error, Result};
use citytill::ops::lockbox_file::{self, LockboxTemplate};
use citytill::ops::{lockbox, lockbox_redirect};

/// The largest file `lockbox import` reads (a day's lockbox is far smaller).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(clap::Subcommand, Debug)]
pub enum LockboxCommand {
    /// Read a lockbox or online-payments file as one batch, held until it balances and a second person approves.
    Import {
        file: PathBuf,
        /// The city's ([lockbox] templates), a shipped one (bai-lockbox, online-csv), NAME.toml in <data dir>/lockbox, or a file.
        #[arg(long)]
        template: String,
    },
    /// Items whose account is unknown or closed, and what became of them (open ones only unless --all, which
    /// also lists approved batches' resolved ones).
    Exceptions {
        #[arg(long)]
        batch: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Resolve an exception (like L1-E2): --apply-to ACCOUNT or --refund, with a --reason.
    Resolve {
        item: String,
        #[arg(long)]
        apply_to: Option<String>,
        #[arg(long)]
        refund: bool,
        #[arg(long)]
        reason: String,
        /// The account's kind (utility, license, citation, permit, invoice, tax), confirming that the item goes
        /// to another kind of account than it was paid for.
        #[arg(long)]
        kind_change: Option<String>,
    },
    /// The city's templates and the shipped ones.
    Templates,
}

pub fn run(ctx: &Context, command: LockboxCommand) -> Result<()> {
    match command {
        LockboxCommand::Import { file, template } => {
            let template = LockboxTemplate::find(&template, ctx.settings.lockbox.as_ref(), &ctx.data_dir).map_err(|e| Error::Invalid(e.into()))?;
            let bytes = read_file(&file)?;
            let source = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let parsed = template.read(&bytes, ctx.settings.limits.max_amount).map_err(|e| Error::invalid(&source, &e))?;
            let (mut ledger, actor) = ctx.login()?;
            let done = lockbox::import(&mut ledger, &actor, &template, &source, &parsed)?;
            if ctx.json {
                return output::json(&done);
            }
            crate::outln!(
                "Batch {} ({}) from {source}: {} items held ({}), {} exception(s) ({}); the file's control: {} in {} items.",
                done.batch,
                done.kind,
                done.items,
                done.total,
                done.exceptions,
                done.exceptions_total,
                done.control_total,
                done.control_items
            )?;
            Ok(())
        }
        LockboxCommand::Exceptions { batch, all } => {
            let ledger = ctx.read_ledger()?;
            let rows: Vec<_> = lockbox::exceptions(&*ledger.read()?, batch.as_deref(), all)?.into_iter().filter(|r| all || r.state == citytill::domain::states::ExceptionState::Open).collect();
            if ctx.json {
                return output::json(&rows);
            }
            crate::outln!("{:<8} {:>5} {:<20} {:>12} {:<9} problem / resolution", "item", "line", "account", "amount", "state")?;
            for r in &rows {
                let how = match (&r.applied_to, &r.reason) {
                    (Some(account), Some(reason)) => format!("applied to {account}: {reason}"),
                    (None, Some(reason)) => format!("refunded: {reason}"),
                    _ => r.problem.clone(),
                };
                let account = citytill::domain::text::printable(&r.account);
                crate::outln!("{:<8} {:>5} {:<20} {:>12} {:<9} {}", r.reference, r.line, account, r.amount.grouped(), r.state, citytill::domain::text::printable(&how))?;
            }
            Ok(())
        }
        LockboxCommand::Resolve { item, apply_to, refund, reason, kind_change } => {
            if apply_to.is_some() == refund {
                return Err(Error::invalid("--apply-to", "give --apply-to ACCOUNT or --refund, one of them"));
            }
            let kind_change = kind_change.map(|k| PayableKind::parse(&k).map_err(|e| Error::invalid("--kind-change", &e))).transpose()?;
            let (mut ledger, actor) = ctx.login()?;
            let line = match &apply_to {
                Some(account) => lockbox_redirect::apply(&mut ledger, &actor, &item, account, &reason, kind_change)?,
                None => lockbox::resolve(&mut ledger, &actor, &item, None, &reason)?,
            };
            if ctx.json {
                return output::json(&serde_json::json!({ "resolved": item.trim().to_ascii_uppercase(), "result": line }));
            }
            crate::outln!("{line}")?;
            Ok(())
        }
        LockboxCommand::Templates => {
            let mut templates = lockbox_file::city_templates(ctx.settings.lockbox.as_ref(), &ctx.data_dir).map_err(|e| Error::Invalid(e.into()))?;
            templates.extend(lockbox_file::shipped());
            for t in &templates {
                crate::outln!("{:<12} {:<6} {:<8} {}", t.name, t.format, t.batch_kind, t.description)?;
            }
            Ok(())
        }
    }
}

/// A file read whole, bounded in size.
pub(crate) fn read_file(file: &Path) -> Result<Vec<u8>> {
    let size = std::fs::metadata(file).map_err(|e| Error::invalid("FILE", format!("{}: {e}", file.display())))?.len();
    if size > MAX_FILE_BYTES {
        return Err(Error::invalid("FILE", format!("{} is {size} bytes; at most {MAX_FILE_BYTES} are read", file.display())));
    }
    std::fs::read(file).map_err(|e| Error::invalid("FILE", format!("{}: {e}", file.display())))
}
