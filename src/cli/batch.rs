//! `citytill batch ...`: open mail/drop-box batches, add items (stub scanline + MICR, or keyed),
//! remove, balance, approve, reject, reopen, list.

use std::path::PathBuf;

use citytill_hardware::{micr, scanline};

use crate::cli::context::Context;
use crate::cli::output;
use citytill::domain::card_data;
use citytill::domain::events::BatchKind;
use citytill::domain::tender::{Tender, TenderKind};
use citytill::error::{Error, Result};
use citytill::money::Money;
use citytill::ops::batch::{self, BatchSummary, ItemRequest};
use citytill::ops::stub::{StubRead, StubTemplates};

#[derive(clap::Subcommand, Debug)]
pub enum BatchCommand {
    /// Open a mail or drop-box batch with the adding-machine tape's control total and item count.
    Open {
        /// mail | drop-box
        kind: String,
        #[arg(long, allow_negative_numbers = true)]
        control_total: String,
        #[arg(long, allow_negative_numbers = true)]
        items: String,
    },
    /// Add a remittance item: scan the stub (with its template) and the check's MICR line, or key it.
    Add {
        batch: String,
        /// The stub's OCR scanline.
        #[arg(long)]
        stub: Option<String>,
        /// The scanline template (TOML) the stub is read with (default: the city's `[scanline]` templates).
        #[arg(long)]
        template: Option<PathBuf>,
        /// The check's MICR line (a check tender; only the last 4 of the account are kept).
        #[arg(long)]
        micr: Option<String>,
        /// Keyed account number (instead of a stub).
        #[arg(long)]
        account: Option<String>,
        /// The amount paid (default: the stub's amount due).
        #[arg(long, allow_negative_numbers = true)]
        amount: Option<String>,
        /// Tender when there is no MICR line, like money_order=25.00,number=77 (default: a keyed check).
        #[arg(long)]
        tender: Option<String>,
    },
    /// Take a held item out of an open batch (reversing entry).
    Remove {
        batch: String,
        #[arg(long)]
        item: i64,
        #[arg(long)]
        reason: String,
    },
    /// Mark the batch balanced (items match the control total and count).
    Balance { batch: String },
    /// Approve a balanced batch (needs --approver, who prepared nothing in it); posts its items.
    Approve { batch: String },
    /// Reject a batch with a reason (needs --approver).
    Reject {
        batch: String,
        #[arg(long)]
        reason: String,
    },
    /// Reopen a rejected or approved batch for correction (an approved one needs --approver).
    Reopen {
        batch: String,
        #[arg(long)]
        reason: String,
    },
    /// List batches (of one business date with --date).
    List {
        #[arg(long)]
        date: Option<String>,
    },
}

pub fn run(ctx: &Context, command: BatchCommand) -> Result<()> {
    let max = ctx.settings.limits.max_amount;
    match command {
        BatchCommand::Open { kind, control_total, items } => {
            let kind = BatchKind::parse(&kind).map_err(|e| Error::Invalid(e.into()))?;
            let control_total = Money::parse_positive("--control-total", &control_total, max)?;
            let items: i64 = items.trim().parse().map_err(|_| Error::invalid("--items", format!("'{items}' is not a whole number of items")))?;
            let (mut ledger, actor) = ctx.login()?;
            let id = batch::open(&mut ledger, &actor, kind, control_total, items)?;
            let summary = batch::summary(&*ledger.read()?, &id)?;
            show(ctx, &summary, &format!("Batch {id} open: control {control_total} in {items} items."))
        }
        BatchCommand::Add { batch: id, stub, template, micr, account, amount, tender } => {
            let request = item_request(ctx, stub, template, micr, account, amount, tender, max)?;
            let (mut ledger, actor) = ctx.login()?;
            let reference = batch::add(&mut ledger, &actor, &id, request)?;
            let summary = batch::summary(&*ledger.read()?, &id)?;
            if ctx.json {
                return output::json(&serde_json::json!({ "item": reference, "batch": summary }));
            }
            crate::outln!("Item {reference} held in batch {}: {} in {} items (control {} in {}).", summary.batch, summary.total, summary.items, summary.control_total, summary.control_items)?;
            Ok(())
        }
        BatchCommand::Remove { batch: id, item, reason } => {
            let (mut ledger, actor) = ctx.login()?;
            batch::remove(&mut ledger, &actor, &id, item, &reason)?;
            let summary = batch::summary(&*ledger.read()?, &id)?;
            show(ctx, &summary, &format!("Item {item} removed from batch {}.", summary.batch))
        }
        BatchCommand::Balance { batch: id } => {
            let (mut ledger, actor) = ctx.login()?;
            let summary = batch::balance(&mut ledger, &actor, &id)?;
            show(ctx, &summary, &format!("Batch {} balanced: {} in {} items.", summary.batch, summary.total, summary.items))
        }
        BatchCommand::Approve { batch: id } => {
            let (mut ledger, actor) = ctx.login()?;
            let approver = ctx.approve(&mut ledger, &actor, "batch approval")?;
            let summary = batch::approve(&mut ledger, &actor, &approver, &id)?;
            show(ctx, &summary, &format!("Batch {} approved by {}; {} posted.", summary.batch, approver.name, summary.total))
        }
        BatchCommand::Reject { batch: id, reason } => {
            let (mut ledger, actor) = ctx.login()?;
            let approver = ctx.approve(&mut ledger, &actor, "batch rejection")?;
            let summary = batch::reject(&mut ledger, &actor, &approver, &id, &reason)?;
            show(ctx, &summary, &format!("Batch {} rejected by {}.", summary.batch, approver.name))
        }
        BatchCommand::Reopen { batch: id, reason } => {
            let (mut ledger, actor) = ctx.login()?;
            let approver = match ctx.approver {
                Some(_) => Some(ctx.approve(&mut ledger, &actor, "batch reopen")?),
                None => None,
            };
            let summary = batch::reopen(&mut ledger, &actor, approver.as_ref(), &id, &reason)?;
            show(ctx, &summary, &format!("Batch {} reopened.", summary.batch))
        }
        BatchCommand::List { date } => {
            let date = date.map(|d| parse_date(&d)).transpose()?;
            let ledger = ctx.read_ledger()?;
            let batches = batch::list(&*ledger.read()?, date.as_deref())?;
            if ctx.json {
                return output::json(&batches);
            }
            crate::outln!("{:<6} {:<9} {:<10} {:<8} {:<9} {:>12} {:>6} {:>12} {:>6}  deposit", "batch", "kind", "date", "preparer", "state", "control", "items", "total", "items")?;
            for b in &batches {
                crate::outln!(
                    "{:<6} {:<9} {:<10} {:<8} {:<9} {:>12} {:>6} {:>12} {:>6}  {}",
                    b.batch,
                    b.kind,
                    b.business_date,
                    b.preparer,
                    b.state,
                    b.control_total.grouped(),
                    b.control_items,
                    b.total.grouped(),
                    b.items,
                    b.deposit.as_deref().unwrap_or("")
                )?;
            }
            Ok(())
        }
    }
}

fn show(ctx: &Context, summary: &BatchSummary, line: &str) -> Result<()> {
    if ctx.json {
        return output::json(summary);
    }
    crate::outln!("{line}")?;
    Ok(())
}

/// The stub templates a command reads with: `--template FILE` alone, else the city's `[scanline]` settings.
pub(crate) fn stub_templates(ctx: &Context, template: Option<&std::path::Path>) -> Result<StubTemplates> {
    match template {
        Some(path) => {
            let template = scanline::Template::from_path(path).map_err(|e| Error::invalid("--template", e.to_string()))?;
            StubTemplates::only(template).map_err(|e| Error::invalid("--template", &e))
        }
        None => StubTemplates::from_settings(ctx.settings.scanline.as_ref(), &ctx.data_dir).map_err(|e| Error::Invalid(e.into())),
    }
}

/// A `YYYY-MM-DD` date, validated.
pub fn parse_date(text: &str) -> Result<String> {
    citytill::domain::dates::parse_day("--date", text).map(|d| d.to_string())
}

/// Validates the scanned or keyed item at the edge: stub through its template (or the city's), check through MICR.
#[allow(clippy::too_many_arguments)]
fn item_request(
    ctx: &Context,
    stub: Option<String>,
    template: Option<PathBuf>,
    micr_line: Option<String>,
    account: Option<String>,
    amount: Option<String>,
    tender: Option<String>,
    max: Money,
) -> Result<ItemRequest> {
    let (payable, due) = match (stub.as_deref(), template, account) {
        (Some(line), template, None) => {
            citytill::domain::text::check("--stub", line).map_err(|e| Error::Invalid(e.into()))?;
            let templates = stub_templates(ctx, template.as_deref())?;
            match templates.read(line) {
                StubRead::Stub { accounts, amount, .. } => (accounts[0].clone(), amount),
                StubRead::Bad(problem) | StubRead::NoTemplate(problem) => return Err(Error::invalid("--stub", &problem)),
            }
        }
        (None, _, Some(number)) => {
            card_data::refuse("--account", &number).map_err(|e| Error::Invalid(e.into()))?;
            (number.trim().to_string(), None)
        }
        (Some(_), _, Some(_)) => return Err(Error::invalid("--account", "give a --stub or a keyed --account, not both")),
        (None, _, None) => return Err(Error::invalid("--stub", "scan the stub or key --account")),
    };
    let amount = match (amount, due) {
        (Some(text), _) => Money::parse_positive("--amount", &text, max)?,
        (None, Some(due)) if !due.is_zero() => due,
        (None, _) => return Err(Error::invalid("--amount", "required when the stub shows no amount due")),
    };
    let tender = match (micr_line, tender) {
        (Some(line), None) => {
            let check = micr::parse(&line, None).map_err(|e| Error::invalid("--micr", e.to_string()))?;
            if let Some(cents) = check.amount_cents.filter(|c| *c != amount.cents()) {
                return Err(Error::invalid("--micr", format!("the check is encoded for {}, the item is {amount}", Money::from_cents(cents))));
            }
            Tender::from_micr(amount, &check).map_err(|e| Error::invalid("--micr", &e.message))?
        }
        (None, Some(text)) => Tender::parse(&text, max).map_err(|e| Error::Invalid(e.into()))?,
        (None, None) => Tender::new(TenderKind::Check, amount),
        (Some(_), Some(_)) => return Err(Error::invalid("--tender", "a --micr line already makes the item a check")),
    };
    Ok(ItemRequest { payable, amount, tender, stub })
}
