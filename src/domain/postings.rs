//! The double-entry postings of each event: a pure function, so `verify` can recompute and compare them.

use crate::domain::accounts;
use crate::domain::events::{Event, PaymentLine, PostedItem};
use crate::domain::tender::{Tender, TenderKind};
use crate::money::Money;

/// One debit or credit line against a GL account.
/// The account borrows from the event or the chart (`verify` computes these for every entry).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct Posting<'a> {
    pub account: &'a str,
    pub debit: Money,
    pub credit: Money,
}

fn debit(account: &str, amount: Money) -> Posting<'_> {
    Posting { account, debit: amount, credit: Money::ZERO }
}

fn credit(account: &str, amount: Money) -> Posting<'_> {
    Posting { account, debit: Money::ZERO, credit: amount }
}

/// Both sides summed: (debits, credits), or None on overflow.
pub fn totals(postings: &[Posting<'_>]) -> Option<(Money, Money)> {
    Some((Money::sum(postings.iter().map(|p| p.debit))?, Money::sum(postings.iter().map(|p| p.credit))?))
}

/// The postings an event makes; zero-amount lines are left out. Events with no money movement have none.
pub fn postings(event: &Event) -> Vec<Posting<'_>> {
    let mut out = match event {
        Event::DrawerOpened { float, .. } => vec![debit(accounts::CASH_IN_DRAWER, *float), credit(accounts::CHANGE_FUND, *float)],
        Event::PaymentTaken { lines, tenders, change, .. } => payment(lines, tenders, *change),
        Event::PaymentVoided { lines, tenders, change, .. } => payment(lines, tenders, *change).into_iter().map(reverse).collect(),
        Event::PaymentRefunded { amount, allocations, .. } => {
            let mut out: Vec<Posting> = allocations.iter().map(|a| debit(&a.account, a.amount)).collect();
            out.push(credit(accounts::CASH_IN_DRAWER, *amount));
            out
        }
        Event::CheckReturned { check_amount, allocations, fee_amount, fee_gl_account, fee_receivable_account, .. } => {
            let mut out: Vec<Posting> = allocations.iter().map(|a| debit(&a.account, a.amount)).collect();
            out.push(credit(accounts::UNDEPOSITED_FUNDS, *check_amount));
            out.push(debit(fee_receivable_account, *fee_amount));
            out.push(credit(fee_gl_account, *fee_amount));
            out
        }
        Event::CashDropped { amount, .. } => vec![debit(accounts::UNDEPOSITED_FUNDS, *amount), credit(accounts::CASH_IN_DRAWER, *amount)],
        Event::PaidIn { amount, .. } => vec![debit(accounts::CASH_IN_DRAWER, *amount), credit(accounts::CHANGE_FUND, *amount)],
        Event::PaidOut { amount, .. } => vec![debit(accounts::PAID_OUT_EXPENSE, *amount), credit(accounts::CASH_IN_DRAWER, *amount)],
        Event::DrawerClosed { counted, over_short, float_kept, .. } => drawer_close(counted, over_short, *float_kept),
        Event::BatchItemAdded { item, .. } => {
            vec![debit(accounts::UNDEPOSITED_FUNDS, item.amount), credit(accounts::REMITTANCE_SUSPENSE, item.amount)]
        }
        Event::BatchItemRemoved { item, .. } => {
            vec![debit(accounts::REMITTANCE_SUSPENSE, item.amount), credit(accounts::UNDEPOSITED_FUNDS, item.amount)]
        }
        Event::BatchApproved { posted, .. } => post_items(posted),
        Event::BatchReopened { reversed, .. } => post_items(reversed).into_iter().map(reverse).collect(),
        Event::DepositCreated { slip, .. } => {
            let mut out: Vec<Posting> = slip.lines.iter().map(|l| debit(&l.bank_account, l.amount)).collect();
            let total = Money::from_cents(slip.lines.iter().map(|l| l.amount.cents()).sum());
            out.push(credit(accounts::UNDEPOSITED_FUNDS, total));
            out
        }
        // Released: each debit is owed by the bank and waits in suspense until it settles.
        Event::AutopayRunApproved { total, .. } => vec![debit(accounts::ACH_RECEIVABLE, *total), credit(accounts::REMITTANCE_SUSPENSE, *total)],
        Event::AutopaySettled { posted, .. } => {
            let mut out = Vec::new();
            let mut total = 0;
            for item in posted {
                total += item.line.amount().cents();
                out.push(debit(accounts::REMITTANCE_SUSPENSE, item.line.amount()));
                out.push(credit(item.line.account(), item.line.applied));
                out.push(credit(accounts::CUSTOMER_CREDIT, item.line.credit));
            }
            out.push(debit(accounts::BANK_OPERATING, Money::from_cents(total)));
            out.push(credit(accounts::ACH_RECEIVABLE, Money::from_cents(total)));
            out
        }
        Event::AutopayReturned { returns, .. } => {
            let mut out = Vec::new();
            for item in returns {
                if item.settled {
                    out.extend(item.allocations.iter().map(|a| debit(&a.account, a.amount)));
                    out.push(credit(accounts::BANK_OPERATING, item.amount));
                } else {
                    out.push(debit(accounts::REMITTANCE_SUSPENSE, item.amount));
                    out.push(credit(accounts::ACH_RECEIVABLE, item.amount));
                }
                out.push(debit(&item.fee_receivable_account, item.fee_amount));
                out.push(credit(&item.fee_gl_account, item.fee_amount));
            }
            out
        }
        _ => Vec::new(),
    };
    out.retain(|p| !(p.debit.is_zero() && p.credit.is_zero()));
    out
}

/// Approving a batch moves each held item out of suspense onto its receivable (and any overpayment to credit).
fn post_items(items: &[PostedItem]) -> Vec<Posting<'_>> {
    let mut out = Vec::new();
    for posted in items {
        out.push(debit(accounts::REMITTANCE_SUSPENSE, posted.line.amount()));
        out.push(credit(posted.line.account(), posted.line.applied));
        out.push(credit(accounts::CUSTOMER_CREDIT, posted.line.credit));
    }
    out
}

fn reverse(posting: Posting<'_>) -> Posting<'_> {
    Posting { account: posting.account, debit: posting.credit, credit: posting.debit }
}

fn payment<'a>(lines: &'a [PaymentLine], tenders: &[Tender], change: Money) -> Vec<Posting<'a>> {
    let mut out: Vec<Posting> = tenders.iter().map(|t| debit(t.kind.account(), t.amount)).collect();
    out.push(credit(accounts::CASH_IN_DRAWER, change));
    for line in lines {
        out.push(credit(line.account(), line.applied));
        out.push(credit(accounts::CUSTOMER_CREDIT, line.credit));
    }
    out
}

/// Over/short is booked against each tender's account; then counted cash (less the float kept) and
/// counted checks and money orders move to undeposited funds. Card and ACH stay in clearing.
fn drawer_close<'a>(counted: &'a [crate::domain::events::TenderAmount], over_short: &[crate::domain::events::TenderAmount], float_kept: Money) -> Vec<Posting<'a>> {
    let mut out = Vec::new();
    for difference in over_short {
        let account = difference.tender.account();
        if difference.amount.is_negative() {
            out.push(debit(accounts::CASH_OVER_SHORT, difference.amount.neg()));
            out.push(credit(account, difference.amount.neg()));
        } else {
            out.push(debit(account, difference.amount));
            out.push(credit(accounts::CASH_OVER_SHORT, difference.amount));
        }
    }
    for row in counted {
        match row.tender {
            TenderKind::Cash => {
                let kept = float_kept.min(row.amount);
                out.push(debit(accounts::CHANGE_FUND, kept));
                out.push(debit(accounts::UNDEPOSITED_FUNDS, row.amount.saturating_sub(kept)));
                out.push(credit(accounts::CASH_IN_DRAWER, row.amount));
            }
            TenderKind::Check | TenderKind::MoneyOrder => {
                out.push(debit(accounts::UNDEPOSITED_FUNDS, row.amount));
                out.push(credit(row.tender.account(), row.amount));
            }
            TenderKind::Card | TenderKind::Ach => {}
        }
    }
    out
}
