//! Corrections by reversing entries: same-day void, refund, and returned check (NSF) — each with a
//! reason and a second person's approval. Nothing recorded is ever edited or deleted.

use crate::domain::accounts;
use crate::domain::events::{Allocation, Event, PaymentLine};
use crate::domain::ids::Role;
use crate::domain::states::{DrawerState, ReceiptStatus};
use crate::domain::tender::{Tender, TenderKind};
use crate::error::{Error, Result};
use crate::ledger::{Ledger, Writer};
use crate::money::Money;
use crate::money::MoneyError;
use crate::ops::auth::Actor;
use crate::ops::query::{self, ReceiptInfo};

/// The lines, tenders and change of the payment a receipt was issued for.
fn original(info: &ReceiptInfo) -> Result<(Vec<PaymentLine>, Vec<Tender>, Money, i64)> {
    match &info.payment {
        Event::PaymentTaken { lines, tenders, change, drawer_id, .. } => Ok((lines.clone(), tenders.clone(), *change, *drawer_id)),
        other => Err(Error::Invariant(format!("receipt {} points at a {} entry", info.receipt, other.kind()))),
    }
}

/// A reason for a correction, cash move or no-sale: 3 to 200 characters on one line, no card number.
pub fn require_reason(reason: &str) -> Result<String> {
    crate::domain::text::check("--reason", reason).map_err(|e| Error::Invalid(e.into()))?;
    let reason = reason.trim();
    if reason.chars().count() < 3 || reason.chars().count() > 200 {
        return Err(Error::invalid("--reason", "say why in 3 to 200 characters"));
    }
    Ok(reason.to_string())
}

/// Voids a payment taken today whose drawer is still open: every posting and balance is reversed.
pub fn void(ledger: &mut Ledger, actor: &Actor, approver: &Actor, receipt: &str, reason: &str) -> Result<String> {
    let reason = require_reason(reason)?;
    check_second_person(actor, approver)?;
    ledger.write(|w| {
        let info = query::receipt(w.conn(), receipt)?;
        if info.status != ReceiptStatus::Paid {
            return Err(Error::refused("receipt", format!("{} is {}; only a paid receipt can be voided", info.receipt, info.status)));
        }
        let today = w.business_date()?.to_string();
        if info.business_date != today {
            return Err(Error::refused("receipt", format!("{} is from {}; a void must be the same day — use a refund", info.receipt, info.business_date)));
        }
        let (lines, tenders, change, drawer_id) = original(&info)?;
        let drawer = query::drawer_by_id(w.conn(), drawer_id)?;
        if drawer.as_ref().is_none_or(|d| d.state != DrawerState::Open) {
            return Err(Error::refused("receipt", format!("{}'s drawer is no longer open; use a refund", info.receipt)));
        }
        w.append(Some(&actor.name), Some(&approver.name), &Event::PaymentVoided { receipt: info.receipt.clone(), reason, drawer_id, lines, tenders, change })?;
        Ok(info.receipt)
    })
}

/// Refunds part or all of a payment in cash from the refunding cashier's open drawer.
pub fn refund(ledger: &mut Ledger, actor: &Actor, approver: &Actor, receipt: &str, amount: Money, reason: &str) -> Result<String> {
    let reason = require_reason(reason)?;
    check_second_person(actor, approver)?;
    if amount.is_zero() || amount.is_negative() {
        return Err(Error::invalid("--amount", "a refund must be more than zero"));
    }
    ledger.write(|w| {
        let info = query::receipt(w.conn(), receipt)?;
        if !matches!(info.status, ReceiptStatus::Paid | ReceiptStatus::PartiallyRefunded) {
            return Err(Error::refused("receipt", format!("{} is {}; it cannot be refunded", info.receipt, info.status)));
        }
        let (lines, _, _, _) = original(&info)?;
        let refundable = refundable(&info, &lines)?;
        if amount > refundable {
            return Err(Error::invalid("--amount", format!("{amount} is more than the {refundable} still refundable on {}", info.receipt)));
        }
        let drawer = query::open_drawer(w.conn(), &actor.name)?;
        let cash = query::expected_for(w.conn(), drawer.id, TenderKind::Cash)?;
        if amount > cash {
            return Err(Error::refused("--amount", format!("the drawer cannot cover a cash refund of {amount}")));
        }
        let paid_lines: Vec<PaymentLine> = lines.into_iter().filter(|l| !is_convenience_fee(l)).collect();
        let allocations = allocate(w, &info.receipt, &paid_lines, amount)?;
        w.append(Some(&actor.name), Some(&approver.name), &Event::PaymentRefunded { receipt: info.receipt.clone(), reason, drawer_id: drawer.id, amount, allocations })?;
        Ok(info.receipt)
    })
}

/// A convenience fee line (`[convenience_fee]`): a refund never gives it back (the processor kept its
/// charge); a void, which undoes the whole payment the same day, reverses it with the rest.
fn is_convenience_fee(line: &PaymentLine) -> bool {
    matches!(&line.target, crate::domain::events::LineTarget::Fee { code, .. } if code == crate::domain::convenience_fee::CODE)
}

/// What a refund may still give back: the receipt's total less earlier refunds and its convenience fee.
fn refundable(info: &ReceiptInfo, lines: &[PaymentLine]) -> Result<Money> {
    let fee = Money::from_cents(lines.iter().filter(|l| is_convenience_fee(l)).map(|l| l.amount().cents()).sum());
    Ok(Money::from_cents(info.total.minus(info.refunded)?.minus(fee)?.cents().max(0)))
}

/// Records a check the bank returned: the check's amount is reinstated on the accounts it paid and the
/// returned-check fee is charged (to the first account paid, else to returned-checks receivable).
pub fn returned_check(ledger: &mut Ledger, actor: &Actor, approver: &Actor, receipt: &str, fee_code: &str) -> Result<(String, Money, Money)> {
    actor.require(&[Role::Lead, Role::Supervisor, Role::Admin], "record returned checks")?;
    check_second_person(actor, approver)?;
    ledger.write(|w| {
        let info = query::receipt(w.conn(), receipt)?;
        if matches!(info.status, ReceiptStatus::Voided | ReceiptStatus::ReturnedCheck) {
            return Err(Error::refused("receipt", format!("{} is {}; there is no check to return", info.receipt, info.status)));
        }
        let (lines, tenders, _, _) = original(&info)?;
        let check_amount = tenders.iter().filter(|t| t.kind == TenderKind::Check).map(|t| t.amount).sum::<Result<Money, MoneyError>>()?;
        if check_amount.is_zero() {
            return Err(Error::refused("receipt", format!("{} was not paid by check", info.receipt)));
        }
        let fee = query::fee(w.conn(), fee_code)?.ok_or_else(|| Error::invalid("--fee", format!("'{fee_code}' is not in the fee schedule")))?;
        let fee_amount = fee.amount.ok_or_else(|| Error::invalid("--fee", format!("{} has no fixed amount; a returned-check fee must", fee.code)))?;
        let paid = info.total.minus(info.refunded)?;
        let mut allocations = allocate(w, &info.receipt, &lines, check_amount.min(paid))?;
        if check_amount > paid {
            // Cash change given against the check (or refunds since) is owed back by the customer.
            allocations.push(Allocation { account: accounts::RETURNED_CHECKS.into(), payable: None, amount: check_amount.minus(paid)? });
        }
        let charged = lines.iter().find_map(|l| match &l.target {
            crate::domain::events::LineTarget::Payable { number, kind } => Some((number.clone(), kind.receivable_account().to_string())),
            _ => None,
        });
        let (fee_charged_to, fee_receivable_account) = match charged {
            Some((number, account)) => (Some(number), account),
            None => (None, accounts::RETURNED_CHECKS.to_string()),
        };
        w.append(
            Some(&actor.name),
            Some(&approver.name),
            &Event::CheckReturned { receipt: info.receipt.clone(), check_amount, allocations, fee_code: fee.code, fee_amount, fee_gl_account: fee.gl_account, fee_charged_to, fee_receivable_account },
        )?;
        Ok((info.receipt, check_amount, fee_amount))
    })
}

/// The corrections a receipt can take from `actor` — what a screen may offer, so no one types a supervisor's
/// PIN only to be refused: a void while the receipt is paid, of today and its drawer open; a refund while
/// something is left to refund and the actor has an open drawer to pay it from; a returned check when it was
/// paid by check, is not voided or already returned, and the actor is a lead, supervisor or admin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Corrections {
    pub void: bool,
    pub refund: bool,
    pub returned_check: bool,
}

pub fn corrections(ledger: &Ledger, actor: &Actor, info: &ReceiptInfo) -> Result<Corrections> {
    let conn = ledger.conn();
    let Ok((lines, tenders, _, drawer_id)) = original(info) else { return Ok(Corrections::default()) };
    let void = info.status == ReceiptStatus::Paid && info.business_date == ledger.business_date()?.to_string() && query::drawer_by_id(conn, drawer_id)?.is_some_and(|d| d.state == DrawerState::Open);
    let refund = matches!(info.status, ReceiptStatus::Paid | ReceiptStatus::PartiallyRefunded)
        && refundable(info, &lines)?.cents() > 0
        && query::current_drawer(conn, &actor.name)?.is_some_and(|d| d.state == DrawerState::Open);
    let returned_check = !matches!(info.status, ReceiptStatus::Voided | ReceiptStatus::ReturnedCheck)
        && tenders.iter().any(|t| t.kind == TenderKind::Check)
        && [Role::Lead, Role::Supervisor, Role::Admin].contains(&actor.role);
    Ok(Corrections { void, refund, returned_check })
}

fn check_second_person(actor: &Actor, approver: &Actor) -> Result<()> {
    if actor.name == approver.name || !approver.role.can_approve() {
        return Err(Error::auth("approver", format!("{} cannot approve {}'s correction; a different supervisor must", approver.name, actor.name)));
    }
    Ok(())
}

/// Spreads `amount` over the payment's lines, last line first (customer credit before the applied part),
/// skipping what earlier refunds already took back.
fn allocate(w: &Writer<'_>, receipt: &str, lines: &[PaymentLine], amount: Money) -> Result<Vec<Allocation>> {
    let mut taken = earlier_allocations(w, receipt)?;
    let mut left = amount.cents();
    let mut out = Vec::new();
    for line in lines.iter().rev() {
        let payable = line.payable_number().map(str::to_string);
        for (account, part) in [(accounts::CUSTOMER_CREDIT.to_string(), line.credit), (line.account().to_string(), line.applied)] {
            let key = (account.clone(), payable.clone());
            let used = taken.get(&key).copied().unwrap_or(0);
            let available = (part.cents() - used).max(0).min(left);
            if available > 0 {
                out.push(Allocation { account, payable: payable.clone(), amount: Money::from_cents(available) });
                *taken.entry(key).or_default() += available;
                left -= available;
            }
        }
    }
    if left != 0 {
        return Err(Error::Invariant(format!("receipt {receipt}: {} could not be allocated to its lines", Money::from_cents(left))));
    }
    Ok(out)
}

type AllocationKey = (String, Option<String>);

fn earlier_allocations(w: &Writer<'_>, receipt: &str) -> Result<std::collections::HashMap<AllocationKey, i64>> {
    let mut statement = w.conn().prepare_cached(
        "SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq
         WHERE r.kind IN ('payment_refunded', 'check_returned') AND r.subject = ?1 ORDER BY r.seq",
    )?;
    let payloads = statement.query_map([receipt], |r| r.get::<_, String>(0))?;
    let mut taken = std::collections::HashMap::new();
    for payload in payloads {
        let event: Event = crate::ledger::payload::decode_tagged(&payload?).map_err(|e| Error::Invariant(format!("refund payload: {e}")))?;
        if let Event::PaymentRefunded { allocations, .. } | Event::CheckReturned { allocations, .. } = event {
            for a in allocations {
                *taken.entry((a.account, a.payable)).or_default() += a.amount.cents();
            }
        }
    }
    Ok(taken)
}
