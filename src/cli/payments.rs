//! `citytill pay | void | refund | nsf | receipt | lookup`: the counter's money commands.

use crate::cli::context::Context;
use crate::cli::output;
use crate::cli::receipt_out::{self, PrintReport, PrintTo};
use citytill::error::{Error, Result};
use citytill::money::Money;
use citytill::ops::payment::{self, Cart};
use citytill::ops::{query, receipt_doc, reversal, setup};

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
    /// Print the receipt — on the receipt printer of settings [devices] (kicking the drawer when cash,
    /// checks or money orders go in it or change is due, as the window does), or as text on stdout when no
    /// printer is configured.
    #[arg(long)]
    pub print: bool,
    /// Where --print sends the receipt: printer | stdout (implies --print).
    #[arg(long, value_enum)]
    pub print_to: Option<PrintTo>,
    /// Record nothing: show what is due, by card and by ACH with their convenience fees ([convenience_fee]),
    /// so the customer hears the fee before paying (with --tender: what those tenders would be charged).
    #[arg(long)]
    pub quote: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum ReceiptCommand {
    /// Show a receipt.
    Show { receipt: String },
    /// Reprint a receipt, marked DUPLICATE (counted and journaled), on the receipt printer of settings
    /// [devices] — or as text on stdout when no printer is configured or with --print-to stdout.
    Reprint {
        receipt: String,
        #[arg(long, value_enum)]
        print_to: Option<PrintTo>,
    },
}

/// The command line's lines and tenders, read into the cart the window uses too.
fn parse_cart(ctx: &Context, args: &PayArgs) -> Result<Cart> {
    let max = ctx.settings.limits.max_amount;
    if args.amount.len() > args.account.len() {
        return Err(Error::invalid("--amount", format!("{} amounts for {} accounts; give one --amount per --account", args.amount.len(), args.account.len())));
    }
    let mut cart = Cart::with_convenience_fees(ctx.settings.convenience_fees());
    for (index, number) in args.account.iter().enumerate() {
        cart.add_account_text(number, args.amount.get(index).map(String::as_str), max).map_err(|e| Error::Invalid(e.into()))?;
    }
    for fee in &args.fee {
        cart.add_fee_text(fee, max).map_err(|e| Error::Invalid(e.into()))?;
    }
    for tender in &args.tender {
        cart.add_tender_text(tender, max).map_err(|e| Error::Invalid(e.into()))?;
    }
    Ok(cart)
}

/// Takes the payment (committed first), then prints where `--print`/`--print-to` say. A failed print or
/// kick is a warning and `printed: false` / `print_error` in the JSON — the exit status stays 0, because
/// the money was taken and running the command again would take it twice.
pub fn pay(ctx: &Context, args: PayArgs) -> Result<()> {
    let cart = parse_cart(ctx, &args)?;
    if args.quote {
        return quote(ctx, &cart);
    }
    let request = cart.request().map_err(|e| Error::Invalid(e.into()))?;
    let (mut ledger, actor) = ctx.login()?;
    let result = payment::pay(&mut ledger, &ctx.settings, &actor, &request)?;
    // The payment is recorded: a standard output that fails now must not keep the receipt from the printer.
    let said = if ctx.json {
        Ok(())
    } else if !result.convenience_fee.is_zero() {
        crate::outln!(
            "Receipt {}  total {} (convenience fee {})  tendered {}  CHANGE {}",
            result.receipt,
            result.total.grouped(),
            result.convenience_fee.grouped(),
            result.tendered.grouped(),
            result.change.grouped()
        )
    } else {
        crate::outln!("Receipt {}  total {}  tendered {}  CHANGE {}", result.receipt, result.total.grouped(), result.tendered.grouped(), result.change.grouped())
    };
    let printing = if args.print || args.print_to.is_some() {
        let to = receipt_out::destination(ctx, args.print_to);
        let info = query::receipt(&*ledger.read()?, &result.receipt)?;
        let document = receipt_doc::build(&ctx.settings, &info, false, setup::is_training(&ledger)?)?;
        drop(ledger);
        let kick = to == PrintTo::Printer && cart.opens_drawer(result.change);
        receipt_out::deliver(ctx, &document, to, kick)
    } else {
        PrintReport::default()
    };
    said?;
    if ctx.json {
        return output::json(&with_printing(&result, &printing)?);
    }
    Ok(())
}

/// `pay --quote`: the lines' total (a balance or fixed fee where no amount was given) and what a card or an
/// ACH tender would be charged for it, convenience fee included; with tenders, the fee they carry. Read only.
fn quote(ctx: &Context, cart: &Cart) -> Result<()> {
    use citytill::domain::tender::TenderKind;
    use citytill::ops::payment::CartItem;
    if cart.is_empty() {
        return Err(Error::invalid("lines", "a quote needs at least one --account or --fee"));
    }
    let (ledger, _actor) = ctx.login()?;
    let mut due = 0i64;
    for line in cart.lines() {
        let given = line.amount().map_err(|e| Error::Invalid(e.into()))?;
        due += match (given, &line.item) {
            (Some(amount), _) => amount.cents(),
            (None, CartItem::Account(number)) => query::payable(&*ledger.read()?, number)?
                .ok_or_else(|| Error::invalid("account", format!("'{number}' is not a known account, license, citation, permit or invoice number")))?
                .balance
                .cents(),
            (None, CartItem::FeeCode(code)) => query::fee(&*ledger.read()?, code)?
                .ok_or_else(|| Error::invalid("fee", format!("'{code}' is not in the fee schedule")))?
                .amount
                .ok_or_else(|| Error::Invalid(format!("fee {code}: a variable fee needs an amount, like --fee {code}=25.00").into()))?
                .cents(),
            (None, _) => 0,
        };
    }
    let due = Money::from_cents(due);
    let fees = ctx.settings.convenience_fees();
    let by = |kind: TenderKind| {
        let fee = fees.fee_for(kind, due.cents());
        serde_json::json!({ "total": due.saturating_add(fee), "convenience_fee": fee })
    };
    let tendered_fee = fees.fee_for_tenders(due, cart.tenders());
    if ctx.json {
        let mut value = serde_json::json!({ "due": due, "card": by(TenderKind::Card), "ach": by(TenderKind::Ach) });
        if !cart.tenders().is_empty() {
            value["with_tenders"] = serde_json::json!({ "total": due.saturating_add(tendered_fee), "convenience_fee": tendered_fee });
        }
        return output::json(&value);
    }
    crate::outln!("Due {} (cash, check, money order)", due.grouped())?;
    for (label, kind) in [("card", TenderKind::Card), ("ACH", TenderKind::Ach)] {
        let fee = fees.fee_for(kind, due.cents());
        crate::outln!("By {label}: {} (convenience fee {})", due.saturating_add(fee).grouped(), fee.grouped())?;
    }
    if !cart.tenders().is_empty() {
        crate::outln!("With these tenders: {} (convenience fee {})", due.saturating_add(tendered_fee).grouped(), tendered_fee.grouped())?;
    }
    crate::outln!("Nothing recorded.")?;
    Ok(())
}

/// `value`'s JSON object with the printing outcome's keys added.
fn with_printing<T: serde::Serialize>(value: &T, printing: &PrintReport) -> Result<serde_json::Value> {
    let mut value = serde_json::to_value(value).map_err(|e| Error::Invariant(e.to_string()))?;
    if let (Some(object), serde_json::Value::Object(extra)) = (value.as_object_mut(), serde_json::to_value(printing).map_err(|e| Error::Invariant(e.to_string()))?) {
        object.extend(extra);
    }
    Ok(value)
}

fn approved(ctx: &Context, action: &str) -> Result<(citytill::ledger::Ledger, citytill::ops::auth::Actor, citytill::ops::auth::Actor)> {
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
            let info = query::receipt(&*ledger.read()?, &receipt)?;
            if ctx.json {
                let mut value = serde_json::to_value(&info).map_err(|e| Error::Invariant(e.to_string()))?;
                value["payment"] = serde_json::to_value(&info.payment).map_err(|e| Error::Invariant(e.to_string()))?;
                return output::json(&value);
            }
            let document = receipt_doc::build(&ctx.settings, &info, false, setup::is_training(&ledger)?)?;
            crate::outln!("{}", citytill_hardware::receipt::layout(&document, 42).join("\n"))?;
        }
        ReceiptCommand::Reprint { receipt, print_to } => {
            let (mut ledger, actor) = ctx.login()?;
            let document = receipt_doc::reprint(&mut ledger, &ctx.settings, &actor, &receipt)?;
            drop(ledger);
            let printing = receipt_out::deliver(ctx, &document, receipt_out::destination(ctx, print_to), false);
            if ctx.json {
                return output::json(&with_printing(&serde_json::json!({ "receipt": document.receipt_number, "duplicate": true }), &printing)?);
            }
        }
    }
    Ok(())
}

pub fn lookup(ctx: &Context, text: &str) -> Result<()> {
    let ledger = ctx.read_ledger()?;
    let rows = query::search_payables(&*ledger.read()?, text, 20)?;
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
