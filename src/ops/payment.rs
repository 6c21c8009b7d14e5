//! Taking a payment: lines (payables, fee codes), tenders, change from cash, overpayment as credit,
//! a gap-free receipt number — validated in full, then recorded as one journal entry.

use crate::config::Settings;
use crate::domain::convenience_fee;
use crate::domain::events::{Event, LineTarget, PaymentLine};
use crate::domain::ids::{ReceiptNo, Role};
use crate::domain::payable::status_blocks_payment;
use crate::domain::tender::{Tender, TenderKind};
use crate::domain::text;
use crate::error::{Error, Result};
use crate::ledger::{Ledger, Writer};
use crate::money::Money;
use crate::money::MoneyError;
use crate::ops::auth::Actor;
use crate::ops::query;

pub use crate::ops::cart::{Cart, CartItem, CartLine};

/// What the customer is paying: a payable (amount None = its whole balance) or a fee (None = the fixed amount).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineRequest {
    Payable { number: String, amount: Option<Money> },
    Fee { code: String, amount: Option<Money> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    pub lines: Vec<LineRequest>,
    pub tenders: Vec<Tender>,
}

/// The recorded payment, as the receipt and the `--json` output show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PaymentResult {
    pub receipt: String,
    pub seq: i64,
    pub total: Money,
    pub tendered: Money,
    pub change: Money,
    pub credit: Money,
    /// The convenience fee included in `total` (its own receipt line); left out of the JSON when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub convenience_fee: Money,
    pub business_date: String,
    pub at: String,
}

fn is_zero(money: &Money) -> bool {
    money.is_zero()
}

pub const CASHIER_ROLES: &[Role] = &[Role::Cashier, Role::Lead, Role::Supervisor, Role::Admin];

/// Validates and records a payment. Nothing is written unless every line and tender is acceptable.
pub fn pay(ledger: &mut Ledger, settings: &Settings, actor: &Actor, request: &PaymentRequest) -> Result<PaymentResult> {
    actor.require(CASHIER_ROLES, "take payments")?;
    check_text(request)?;
    ledger.write(|w| record_payment(w, settings, actor, request))
}

/// What `pay_unless_implausible` did.
#[derive(Clone, Debug)]
pub enum Checked {
    Paid(PaymentResult),
    /// Nothing recorded: the cash looks implausible; the question to put to the cashier before paying confirmed.
    Confirm(String),
}

/// The counter's payment: as `pay`, but unless `confirmed` a payment whose cash looks implausible (see
/// `implausible_cash`) is not recorded and the question to ask comes back instead.
pub fn pay_unless_implausible(ledger: &mut Ledger, settings: &Settings, actor: &Actor, request: &PaymentRequest, confirmed: bool) -> Result<Checked> {
    actor.require(CASHIER_ROLES, "take payments")?;
    check_text(request)?;
    ledger.write(|w| {
        if !confirmed {
            let drawer = query::open_drawer(w.conn(), &actor.name)?;
            let mut lines = resolve_lines(w, settings, &request.lines)?;
            let principal = Money::sum(lines.iter().map(PaymentLine::amount)).ok_or(Error::invalid("amount", "total overflows"))?;
            add_convenience_fee(settings, &mut lines, principal, &request.tenders);
            let total = Money::sum(lines.iter().map(PaymentLine::amount)).ok_or(Error::invalid("amount", "total overflows"))?;
            let tendered = Money::sum(request.tenders.iter().map(|t| t.amount)).ok_or(Error::invalid("tender", "total overflows"))?;
            let change = change_due(settings, &request.tenders, total, tendered)?;
            check_change_covered(w, drawer.id, change)?;
            if let Some(question) = implausible_cash(settings, total, tendered, change) {
                return Ok(Checked::Confirm(question));
            }
        }
        record_payment(w, settings, actor, request).map(Checked::Paid)
    })
}

/// Why the cash of a payment looks implausible enough to ask before recording it: change more than a drawer
/// holds (`limits.drawer_cash_limit`), or more than `limits.tender_confirm_multiple` times the amount due
/// handed over. The question never carries what the drawer should hold (the close is blind).
pub fn implausible_cash(settings: &Settings, total: Money, tendered: Money, change: Money) -> Option<String> {
    let limits = &settings.limits;
    let multiple = limits.tender_confirm_multiple;
    let over_multiple = multiple > 0 && i128::from(tendered.cents()) > i128::from(total.cents()) * i128::from(multiple);
    if change > limits.drawer_cash_limit {
        Some(format!(
            "{} tendered on {} due means {} in change, more than a drawer holds. Check the notes handed over: Enter records it, Esc takes the tender back.",
            tendered.grouped(),
            total.grouped(),
            change.grouped()
        ))
    } else if over_multiple {
        Some(format!(
            "{} tendered on {} due is more than {multiple} times the amount due ({} change). Check the amount typed: Enter records it, Esc takes the tender back.",
            tendered.grouped(),
            total.grouped(),
            change.grouped()
        ))
    } else {
        None
    }
}

/// Refuses change the drawer cannot give: more than the cash it held before this payment (the notes handed
/// over cannot make their own change). The refusal names the change, never what the drawer holds.
fn check_change_covered(w: &Writer<'_>, drawer_id: i64, change: Money) -> Result<()> {
    if change.is_zero() {
        return Ok(());
    }
    if change > query::expected_for(w.conn(), drawer_id, TenderKind::Cash)? {
        return Err(Error::refused("tender", format!("the drawer cannot cover {} in change; ask for smaller notes or another tender", change.grouped())));
    }
    Ok(())
}

/// The request's free text read strictly whoever built it (command line or window): no card number, no
/// control characters, each refusal naming the field.
fn check_text(request: &PaymentRequest) -> Result<()> {
    for line in &request.lines {
        match line {
            LineRequest::Payable { number, .. } => text::check("--account", number),
            LineRequest::Fee { code, .. } => text::check("--fee", code),
        }
        .map_err(|e| Error::Invalid(e.into()))?;
    }
    for tender in &request.tenders {
        let details = [&tender.routing, &tender.number, &tender.brand, &tender.last4, &tender.auth, &tender.reference];
        for value in details.into_iter().flatten() {
            text::check(&format!("tender {}", tender.kind.as_str()), value).map_err(|e| Error::Invalid(e.into()))?;
        }
    }
    Ok(())
}

/// The payment inside an open transaction (shared with mail batches, which post several at once).
pub fn record_payment(w: &mut Writer<'_>, settings: &Settings, actor: &Actor, request: &PaymentRequest) -> Result<PaymentResult> {
    let limits = &settings.limits;
    if request.lines.is_empty() {
        return Err(Error::invalid("lines", "a payment needs at least one account or fee"));
    }
    if request.tenders.is_empty() {
        return Err(Error::invalid("tender", "a payment needs at least one tender"));
    }
    if request.lines.len() > limits.max_lines || request.tenders.len() > limits.max_lines {
        return Err(Error::invalid("lines", format!("at most {} lines and {} tenders per payment", limits.max_lines, limits.max_lines)));
    }
    let drawer = query::open_drawer(w.conn(), &actor.name)?;
    let mut lines = resolve_lines(w, settings, &request.lines)?;
    let principal = Money::sum(lines.iter().map(PaymentLine::amount)).ok_or(Error::invalid("amount", "total overflows"))?;
    let fee = add_convenience_fee(settings, &mut lines, principal, &request.tenders);
    let total = Money::sum(lines.iter().map(PaymentLine::amount)).ok_or(Error::invalid("amount", "total overflows"))?;
    let tendered = Money::sum(request.tenders.iter().map(|t| t.amount)).ok_or(Error::invalid("tender", "total overflows"))?;
    if tendered < total && !fee.is_zero() {
        return Err(Error::invalid("tender", format!("{tendered} tendered is less than the {total} due (with a {fee} convenience fee on the card or ACH part)")));
    }
    if total > limits.max_amount || tendered > limits.max_amount {
        return Err(Error::invalid("amount", format!("a payment may not exceed {}", limits.max_amount)));
    }
    let change = change_due(settings, &request.tenders, total, tendered)?;
    check_change_covered(w, drawer.id, change)?;
    let credit = Money::sum(lines.iter().map(|l| l.credit)).unwrap_or(Money::ZERO);
    let number: i64 = w.conn().query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM receipts", [], |r| r.get(0))?;
    let receipt = ReceiptNo { terminal: w.terminal().clone(), number }.to_string();
    let event = Event::PaymentTaken { receipt: receipt.clone(), number, drawer_id: drawer.id, cashier: actor.name.clone(), lines, tenders: request.tenders.clone(), change };
    let record = w.append(Some(&actor.name), None, &event)?;
    Ok(PaymentResult { receipt, seq: record.seq, total, tendered, change, credit, convenience_fee: fee, business_date: record.business_date, at: record.at })
}

/// Adds the convenience fee the tenders carry (`[convenience_fee]`, the same rule the cart shows) as a fee
/// line of its own, and returns it (zero, and no line, when the fees are off or no card or ACH pays).
fn add_convenience_fee(settings: &Settings, lines: &mut Vec<PaymentLine>, principal: Money, tenders: &[crate::domain::tender::Tender]) -> Money {
    let fees = settings.convenience_fees();
    let fee = fees.fee_for_tenders(principal, tenders);
    if !fee.is_zero() {
        let target = LineTarget::Fee { code: convenience_fee::CODE.into(), description: fees.description.clone(), gl_account: fees.gl_account.clone() };
        lines.push(PaymentLine { target, applied: fee, credit: Money::ZERO });
    }
    fee
}

fn resolve_lines(w: &Writer<'_>, settings: &Settings, requests: &[LineRequest]) -> Result<Vec<PaymentLine>> {
    let mut lines: Vec<PaymentLine> = Vec::new();
    for request in requests {
        let line = match request {
            LineRequest::Payable { number, amount } => {
                let payable = query::payable(w.conn(), number)?.ok_or_else(|| Error::invalid("account", format!("'{number}' is not a known account, license, citation, permit or invoice number")))?;
                if status_blocks_payment(&payable.status) {
                    return Err(Error::refused("account", format!("{} is {}; it cannot take payments", payable.number, payable.status)));
                }
                // Lines already in this payment for the same payable use up its balance first.
                let earlier = lines.iter().filter(|l| l.payable_number() == Some(&payable.number)).map(|l| l.amount()).sum::<Result<Money, MoneyError>>()?;
                let outstanding = (payable.balance - earlier)?.max(Money::ZERO);
                let amount = amount.unwrap_or(outstanding);
                if amount.is_zero() || amount.is_negative() {
                    return Err(Error::invalid("amount", format!("account {} has nothing due; give an amount", payable.number)));
                }
                let applied = amount.min(outstanding);
                let credit = amount.minus(applied)?;
                if !credit.is_zero() && settings.policy.overpayment == "refuse" {
                    return Err(Error::refused("amount", format!("{amount} is more than the {outstanding} due on account {}; overpayments are not accepted", payable.number)));
                }
                PaymentLine { target: LineTarget::Payable { number: payable.number, kind: payable.kind }, applied, credit }
            }
            LineRequest::Fee { code, amount } => {
                let fee = query::fee(w.conn(), code)?.ok_or_else(|| Error::invalid("fee", format!("'{code}' is not in the fee schedule")))?;
                let amount = match (fee.amount, amount) {
                    (Some(fixed), None) => fixed,
                    (Some(fixed), Some(given)) if *given == fixed => fixed,
                    (Some(fixed), Some(given)) => return Err(Error::Invalid(format!("fee {}: {given} given but the fee is fixed at {fixed}", fee.code).into())),
                    (None, Some(given)) if !given.is_zero() => *given,
                    (None, _) => return Err(Error::Invalid(format!("fee {}: a variable fee needs an amount, like --fee {}=25.00", fee.code, fee.code).into())),
                };
                PaymentLine { target: LineTarget::Fee { code: fee.code, description: fee.description, gl_account: fee.gl_account }, applied: amount, credit: Money::ZERO }
            }
        };
        lines.push(line);
    }
    Ok(lines)
}

/// Change is tendered − due and must come from cash (and, if the policy allows, from a check written over the amount).
pub fn change_due(settings: &Settings, tenders: &[Tender], total: Money, tendered: Money) -> Result<Money> {
    if tendered < total {
        return Err(Error::invalid("tender", format!("{tendered} tendered is less than the {total} due")));
    }
    let change = tendered.minus(total)?;
    let can_give_change = |kind: TenderKind| kind == TenderKind::Cash || (kind == TenderKind::Check && settings.policy.check_over_amount);
    let change_sources = tenders.iter().filter(|t| can_give_change(t.kind)).map(|t| t.amount).sum::<Result<Money, MoneyError>>()?;
    if change > change_sources {
        let rule = if settings.policy.check_over_amount { "cash or check" } else { "cash" };
        return Err(Error::invalid("tender", format!("non-cash tenders exceed the {total} due by {}; only {rule} may exceed the amount due", change.minus(change_sources)?)));
    }
    Ok(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves when the counter asks before recording cash: change above the drawer cash limit, or more than the
    // set multiple of the amount due handed over; ordinary change, or the multiple set to 0, asks nothing.
    #[test]
    fn implausible_cash_asks_only_beyond_the_settings() {
        let mut settings = Settings::default();
        let m = Money::from_cents;
        assert!(implausible_cash(&settings, m(8412), m(10000), m(1588)).is_none());
        assert!(implausible_cash(&settings, m(1500), m(15000), m(13500)).is_none(), "exactly 10x is not over 10x");
        let question = implausible_cash(&settings, m(1500), m(20000), m(18500)).unwrap_or_default();
        assert!(question.contains("more than 10 times") && question.contains("200.00"), "{question}");
        let question = implausible_cash(&settings, m(300_000), m(600_000), m(300_000)).unwrap_or_default();
        assert!(question.contains("more than a drawer holds"), "{question}");
        settings.limits.tender_confirm_multiple = 0;
        assert!(implausible_cash(&settings, m(1500), m(20000), m(18500)).is_none());
    }
}
