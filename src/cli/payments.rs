//! `citytill pay | void | refund | nsf | receipt | lookup`: the counter's money commands.

use crate::cli::context::Context;
use crate::cli::output;
use crate::domain::tender::{refuse_card_numbers, Tender};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::ops::payment::{self, LineRequest, PaymentRequest};
use crate::ops::{query, receipt_doc, reversal, setup};

#[derive(clap::Args, Debug)]
pub struct PayArgs {
    /// Account, license, citation, permit or invoice number (repeat for several).
    #[arg(long)]
    pub account: Vec<String>,
    /// Amount for each --account, in order (default: the whole balance).
    #[arg(long, allow_negative_numbers = true)]
    pub amount: Vec<String>,
    /// Fee code, with the amount for variable fees: CODE or CODE=AMOUNT.
    #[arg(long)]
    pub fee: Vec<String>,
    /// KIND=AMOUNT[,key=value...]: cash=100.00 | check=50.00,routing=...,account=...,number=... |
    /// money_order=20.00,number=... | card=20.00,brand=visa,last4=4242,auth=A1B2C3[,ref=...] | ach=10.00,ref=...
    #[arg(long)]
    pub tender: Vec<String>,
    /// Print the receipt text too.
    #[arg(long)]
    pub print: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum ReceiptCommand {
    /// Show a receipt.
    Show { receipt: String },
    /// Reprint a receipt, marked DUPLICATE (counted and journaled).
    Reprint { receipt: String },
}

fn parse_request(ctx: &Context, args: &PayArgs) -> Result<PaymentRequest> {
    let max = ctx.settings.limits.max_amount;
    if args.amount.len() > args.account.len() {
        return Err(Error::Invalid(format!("--amount: {} amounts for {} accounts; give one --amount per --account", args.amount.len(), args.account.len())));
    }
    let mut lines = Vec::new();
    for (index, number) in args.account.iter().enumerate() {
        refuse_card_numbers(number).map_err(Error::Invalid)?;
        let amount = args.amount.get(index).map(|a| Money::parse_positive("--amount", a, max)).transpose()?;
        lines.push(LineRequest::Payable { number: number.trim().to_string(), amount });
    }
    for fee in &args.fee {
        let (code, amount) = match fee.split_once('=') {
            Some((code, amount)) => (code, Some(Money::parse_positive(&format!("--fee {code}"), amount, max)?)),
            None => (fee.as_str(), None),
        };
        lines.push(LineRequest::Fee { code: code.trim().to_ascii_uppercase(), amount });
    }
    let tenders = args.tender.iter().map(|t| Tender::parse(t, max).map_err(Error::Invalid)).collect::<Result<Vec<_>>>()?;
    Ok(PaymentRequest { lines, tenders })
}

pub fn pay(ctx: &Context, args: PayArgs) -> Result<()> {
    let request = parse_request(ctx, &args)?;
    let (mut ledger, actor) = ctx.login()?;
    let result = payment::pay(&mut ledger, &ctx.settings, &actor, &request)?;
    if ctx.json {
        return output::json(&result);
    }
    crate::outln!("Receipt {}  total {}  tendered {}  CHANGE {}", result.receipt, result.total.grouped(), result.tendered.grouped(), result.change.grouped())?;
    if args.print {
        let info = query::receipt(ledger.conn(), &result.receipt)?;
        let document = receipt_doc::build(&ctx.settings, &info, false, setup::is_training(&ledger)?)?;
        crate::outln!("{}", citytill_hardware::receipt::layout(&document, 42).join("\n"))?;
    }
    Ok(())
}

fn approved(ctx: &Context, action: &str) -> Result<(crate::ledger::Ledger, crate::ops::auth::Actor, crate::ops::auth::Actor)> {
    let (mut ledger, actor) = ctx.login()?;
    let approver = ctx.approve(&mut ledger, &actor, action)?;
    Ok((ledger, actor, approver))
}

pub fn void(ctx: &Context, receipt: &str, reason: &str) -> Result<()> {
    let (mut ledger, actor, approver) = approved(ctx, "void")?;
    let receipt = reversal::void(&mut ledger, &actor, &approver, receipt, reason)?;
    crate::outln!("Receipt {receipt} voided (approved by {}).", approver.name)?;
    Ok(())
}

pub fn refund(ctx: &Context, receipt: &str, amount: &str, reason: &str) -> Result<()> {
    let amount = Money::parse_positive("--amount", amount, ctx.settings.limits.max_amount)?;
    let (mut ledger, actor, approver) = approved(ctx, "refund")?;
    let receipt = reversal::refund(&mut ledger, &actor, &approver, receipt, amount, reason)?;
    crate::outln!("Refunded {amount} on {receipt} in cash (approved by {}).", approver.name)?;
    Ok(())
}

pub fn nsf(ctx: &Context, receipt: &str, fee: Option<&str>) -> Result<()> {
    let fee = fee.unwrap_or(&ctx.settings.policy.returned_check_fee).to_string();
    let (mut ledger, actor, approver) = approved(ctx, "returned check")?;
    let (receipt, check, charged) = reversal::returned_check(&mut ledger, &actor, &approver, receipt, &fee)?;
    crate::outln!("Returned check on {receipt}: {check} reinstated, fee {charged} charged (approved by {}).", approver.name)?;
    Ok(())
}

pub fn receipt(ctx: &Context, command: ReceiptCommand) -> Result<()> {
    match command {
        ReceiptCommand::Show { receipt } => {
            let ledger = ctx.read_ledger()?;
            let info = query::receipt(ledger.conn(), &receipt)?;
            if ctx.json {
                let mut value = serde_json::to_value(&info).map_err(|e| Error::Invariant(e.to_string()))?;
                value["payment"] = serde_json::to_value(&info.payment).map_err(|e| Error::Invariant(e.to_string()))?;
                return output::json(&value);
            }
            let document = receipt_doc::build(&ctx.settings, &info, false, setup::is_training(&ledger)?)?;
            crate::outln!("{}", citytill_hardware::receipt::layout(&document, 42).join("\n"))?;
        }
        ReceiptCommand::Reprint { receipt } => {
            let (mut ledger, actor) = ctx.login()?;
            let document = receipt_doc::reprint(&mut ledger, &ctx.settings, &actor, &receipt)?;
            crate::outln!("{}", citytill_hardware::receipt::layout(&document, 42).join("\n"))?;
        }
    }
    Ok(())
}

pub fn lookup(ctx: &Context, text: &str) -> Result<()> {
    let ledger = ctx.read_ledger()?;
    let rows = query::search_payables(ledger.conn(), text, 20)?;
    if ctx.json {
        return output::json(&rows);
    }
    for row in &rows {
        crate::outln!("{:<14} {:<9} {:<28} {:<30} {:<10} {:>12}", row.number, row.kind.as_str(), row.name, row.address, row.status, row.balance.grouped())?;
    }
    if rows.is_empty() {
        crate::outln!("No payable matches '{text}'.")?;
    }
    Ok(())
}
