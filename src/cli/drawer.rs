//! `citytill drawer ...`: open, drop, paid-in, paid-out, no-sale, close (blind count), status.

use crate::cli::context::Context;
use crate::cli::output;
use citytill::domain::denominations::{parse_count, total};
use citytill::error::{Error, Result};
use citytill::money::Money;
use citytill::ops::drawer::{self, CashMove, Count};

#[derive(clap::Subcommand, Debug)]
pub enum DrawerCommand {
    /// Open your drawer with a float counted by denomination, e.g. --count "20x5,10x3,5x4,1x10,0.25x40".
    Open {
        /// The float's total; must equal the count.
        #[arg(long)]
        float: String,
        #[arg(long)]
        count: String,
    },
    /// Take cash to the safe.
    Drop {
        #[arg(allow_negative_numbers = true)]
        amount: String,
    },
    /// Cash out for a non-payment reason (needs --approver).
    PaidOut {
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Cash in for a non-payment reason (needs --approver).
    PaidIn {
        #[arg(allow_negative_numbers = true)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Open the drawer without a payment (logged).
    NoSale {
        #[arg(long)]
        reason: String,
    },
    /// Blind close: count first; expected amounts are shown only after the count is recorded.
    Close {
        /// Cash by denomination. Leave out only when completing a close already counted (with --approver and --reason).
        #[arg(long)]
        count: Option<String>,
        /// Checks as COUNT=TOTAL, e.g. 3=412.50.
        #[arg(long)]
        checks: Option<String>,
        /// Money orders as COUNT=TOTAL.
        #[arg(long)]
        money_orders: Option<String>,
        /// The card terminal's batch total.
        #[arg(long)]
        card_batch: Option<String>,
        /// Why the drawer is over or short (needed beyond the limit).
        #[arg(long)]
        reason: Option<String>,
    },
}

pub fn run(ctx: &Context, command: DrawerCommand) -> Result<()> {
    let max = ctx.settings.limits.max_amount;
    let denominations = &ctx.settings.currency.denominations_cents;
    match command {
        DrawerCommand::Open { float, count } => {
            let float = Money::parse_positive("--float", &float, max)?;
            let count = parse_count("--count", &count, denominations).map_err(|e| Error::Invalid(e.into()))?;
            let counted = total(&count).unwrap_or(Money::ZERO);
            if counted != float {
                return Err(Error::invalid("--count", format!("the count totals {counted}, not the --float of {float}; recount")));
            }
            let (mut ledger, actor) = ctx.login()?;
            let (drawer_id, float) = drawer::open(&mut ledger, &actor, count)?;
            if ctx.json {
                return output::json(&serde_json::json!({ "drawer": drawer_id, "float": float }));
            }
            crate::outln!("Drawer {drawer_id} open for {} with a float of {float}.", actor.name)?;
        }
        DrawerCommand::Drop { amount } => move_cash(ctx, CashMove::Drop, &amount, None)?,
        DrawerCommand::PaidOut { amount, reason } => move_cash(ctx, CashMove::PaidOut, &amount, Some(&reason))?,
        DrawerCommand::PaidIn { amount, reason } => move_cash(ctx, CashMove::PaidIn, &amount, Some(&reason))?,
        DrawerCommand::NoSale { reason } => {
            let (mut ledger, actor) = ctx.login()?;
            let approver = match ctx.approver {
                Some(_) => Some(ctx.approve(&mut ledger, &actor, "no-sale")?),
                None => None,
            };
            drawer::no_sale(&mut ledger, &ctx.settings, &actor, approver.as_ref(), &reason)?;
            crate::outln!("No-sale recorded.")?;
        }
        DrawerCommand::Close { count, checks, money_orders, card_batch, reason } => {
            let count = match count {
                Some(text) => Some(Count {
                    cash: parse_count("--count", &text, denominations).map_err(|e| Error::Invalid(e.into()))?,
                    checks: checks.map(|t| count_total("--checks", &t, max)).transpose()?,
                    money_orders: money_orders.map(|t| count_total("--money-orders", &t, max)).transpose()?,
                    card_batch: card_batch.map(|t| Money::parse_field("--card-batch", &t, max)).transpose()?,
                }),
                None => None,
            };
            let (mut ledger, actor) = ctx.login()?;
            let approver = match ctx.approver {
                Some(_) => Some(ctx.approve(&mut ledger, &actor, "drawer over/short")?),
                None => None,
            };
            let result = drawer::close(&mut ledger, &ctx.settings, &actor, count, approver.as_ref(), reason.as_deref())?;
            if ctx.json {
                return output::json(&result);
            }
            crate::outln!("{:<12} {:>12} {:>12} {:>12}", "tender", "expected", "counted", "over/short")?;
            for (tender, expected) in &result.expected {
                let counted = result.counted.get(tender).copied().unwrap_or_default();
                let difference = result.over_short.get(tender).copied().unwrap_or_default();
                crate::outln!("{tender:<12} {:>12} {:>12} {:>12}", expected.grouped(), counted.grouped(), difference.grouped())?;
            }
            if result.closed {
                crate::outln!("Drawer {} closed.", result.drawer_id)?;
                if let Some(seal) = &result.seal {
                    crate::outln!("Seal {seal}")?;
                }
            } else {
                crate::outln!(
                    "Over/short is beyond the {} limit: the count is recorded; a supervisor completes the close with \
                     `citytill drawer close --approver NAME --reason TEXT`.",
                    ctx.settings.limits.over_short_approval
                )?;
            }
        }
    }
    Ok(())
}

fn move_cash(ctx: &Context, kind: CashMove, amount: &str, reason: Option<&str>) -> Result<()> {
    let amount = Money::parse_positive("amount", amount, ctx.settings.limits.max_amount)?;
    let (mut ledger, actor) = ctx.login()?;
    let approver = match kind {
        CashMove::Drop => None,
        _ => Some(ctx.approve(&mut ledger, &actor, if kind == CashMove::PaidIn { "paid-in" } else { "paid-out" })?),
    };
    // Never the cash the drawer should now hold: the cashier's close is blind.
    drawer::cash_move(&mut ledger, &actor, approver.as_ref(), kind, amount, reason)?;
    if ctx.json {
        return output::json(&serde_json::json!({ "amount": amount }));
    }
    crate::outln!("Recorded {amount}.")?;
    Ok(())
}

/// Parses `COUNT=TOTAL` (e.g. `3=412.50`).
fn count_total(field: &str, text: &str, max: Money) -> Result<(i64, Money)> {
    let (count, amount) = text.split_once('=').ok_or_else(|| Error::invalid(field, format!("'{text}' must be COUNT=TOTAL, like 3=412.50")))?;
    let count: i64 = count.trim().parse().ok().filter(|c| (0..=10_000).contains(c)).ok_or_else(|| Error::invalid(field, format!("'{count}' is not a number of items")))?;
    Ok((count, Money::parse_field(field, amount, max)?))
}
