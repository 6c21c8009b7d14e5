//! The cashier's drawer day: open with a counted float, drops, paid-in/out, no-sale, and the blind
//! close — the count is recorded before the expected amounts are computed and shown.

use crate::config::Settings;
use crate::domain::denominations::{self, DenominationCount};
use crate::domain::events::{Event, TenderAmount};
use crate::domain::states::DrawerState;
use crate::domain::tender::TenderKind;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::payment::CASHIER_ROLES;
use crate::ops::query;
use crate::ops::reversal::require_reason;

/// Opens the actor's drawer with a float counted by denomination.
pub fn open(ledger: &mut Ledger, actor: &Actor, count: Vec<DenominationCount>) -> Result<(i64, Money)> {
    actor.require(CASHIER_ROLES, "open a drawer")?;
    let float = denominations::total(&count).ok_or_else(|| Error::invalid("--count", "total overflows"))?;
    ledger.write(|w| {
        if let Some(drawer) = query::current_drawer(w.conn(), &actor.name)? {
            return Err(Error::refused("drawer", format!("{} already has drawer {} {}; one drawer per cashier", actor.name, drawer.id, drawer.state)));
        }
        let drawer_id: i64 = w.conn().query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM drawers", [], |r| r.get(0))?;
        w.append(Some(&actor.name), None, &Event::DrawerOpened { drawer_id, cashier: actor.name.clone(), float, count })?;
        Ok((drawer_id, float))
    })
}

/// Cash out of the drawer for a non-sale reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CashMove {
    Drop,
    PaidIn,
    PaidOut,
}

/// Records a drop to the safe, a paid-in or a paid-out (the last two with reason and approver). Nothing it
/// returns or says carries the cash the drawer should hold: the close is blind.
pub fn cash_move(ledger: &mut Ledger, actor: &Actor, approver: Option<&Actor>, kind: CashMove, amount: Money, reason: Option<&str>) -> Result<()> {
    actor.require(CASHIER_ROLES, "move cash")?;
    if amount.is_zero() || amount.is_negative() {
        return Err(Error::invalid("amount", "must be more than zero"));
    }
    let reason = match (kind, reason) {
        (CashMove::Drop, _) => None,
        (_, Some(reason)) => Some(require_reason(reason)?),
        (_, None) => return Err(Error::invalid("--reason", "a paid-in or paid-out needs a reason")),
    };
    let approver_name = match (kind, approver) {
        (CashMove::Drop, _) => None,
        (_, Some(approver)) if approver.name != actor.name && approver.role.can_approve() => Some(approver.name.clone()),
        (_, _) => return Err(Error::auth("approver", "a paid-in or paid-out needs a different supervisor's approval")),
    };
    ledger.write(|w| {
        let drawer = query::open_drawer(w.conn(), &actor.name)?;
        let cash = query::expected_for(w.conn(), drawer.id, TenderKind::Cash)?;
        if kind != CashMove::PaidIn && amount > cash {
            return Err(Error::refused("amount", format!("{amount} is more cash than this drawer should hold; recount it, or move less")));
        }
        let event = match kind {
            CashMove::Drop => Event::CashDropped { drawer_id: drawer.id, amount },
            CashMove::PaidIn => Event::PaidIn { drawer_id: drawer.id, amount, reason: reason.clone().unwrap_or_default() },
            CashMove::PaidOut => Event::PaidOut { drawer_id: drawer.id, amount, reason: reason.clone().unwrap_or_default() },
        };
        w.append(Some(&actor.name), approver_name.as_deref(), &event)?;
        Ok(())
    })
}

/// Opens the drawer without a payment; logged with a reason (and an approver where the policy says so).
pub fn no_sale(ledger: &mut Ledger, settings: &Settings, actor: &Actor, approver: Option<&Actor>, reason: &str) -> Result<()> {
    actor.require(CASHIER_ROLES, "open the drawer")?;
    let reason = require_reason(reason)?;
    if settings.policy.no_sale_requires_approval && approver.is_none_or(|a| a.name == actor.name || !a.role.can_approve()) {
        return Err(Error::auth("approver", "a no-sale needs a different supervisor's approval (policy)"));
    }
    ledger.write(|w| {
        let drawer = query::open_drawer(w.conn(), &actor.name)?;
        w.append(Some(&actor.name), approver.map(|a| a.name.as_str()), &Event::NoSale { drawer_id: drawer.id, reason })?;
        Ok(())
    })
}

/// The cashier's blind count: cash by denomination plus the other tenders' totals.
#[derive(Clone, Debug, Default)]
pub struct Count {
    pub cash: Vec<DenominationCount>,
    /// (number of checks, total) — money orders count with checks unless given apart.
    pub checks: Option<(i64, Money)>,
    pub money_orders: Option<(i64, Money)>,
    pub card_batch: Option<Money>,
}

/// The result shown after the count: per tender expected, counted and over/short.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CloseResult {
    pub drawer_id: i64,
    pub expected: std::collections::BTreeMap<&'static str, Money>,
    pub counted: std::collections::BTreeMap<&'static str, Money>,
    pub over_short: std::collections::BTreeMap<&'static str, Money>,
    pub approval_required: bool,
    pub closed: bool,
    /// The chain head after the close entry (`ops::seal`), printed on the Z report; None until closed.
    pub seal: Option<String>,
}

/// Records the blind count (first call) and closes the drawer when over/short is within the limit or
/// approved. A count, once recorded, stands: a later call (with approver and reason) closes on it.
pub fn close(ledger: &mut Ledger, settings: &Settings, actor: &Actor, count: Option<Count>, approver: Option<&Actor>, reason: Option<&str>) -> Result<CloseResult> {
    actor.require(CASHIER_ROLES, "close a drawer")?;
    let reason = reason.map(require_reason).transpose()?;
    let approver = approver.filter(|a| a.name != actor.name && a.role.can_approve());
    ledger.write(|w| {
        let drawer = query::current_drawer(w.conn(), &actor.name)?.ok_or_else(|| Error::refused("drawer", format!("{} has no open drawer to close", actor.name)))?;
        let expected = query::expected(w.conn(), drawer.id)?;
        let (cash_count, counted) = match (drawer.state, count) {
            (DrawerState::Open, Some(count)) => {
                let (cash_count, counted) = counted_amounts(&count, &expected)?;
                w.append(Some(&actor.name), None, &Event::DrawerCounted { drawer_id: drawer.id, cashier: actor.name.clone(), cash_count: cash_count.clone(), counted: counted.clone() })?;
                (cash_count, counted)
            }
            (DrawerState::Open, None) => return Err(Error::invalid("--count", "the blind count by denomination is required to close")),
            (_, Some(_)) => return Err(Error::refused("--count", "this drawer's count is already recorded; close it with --approver and --reason")),
            (_, None) => recorded_count(w.conn(), drawer.id)?,
        };
        let over_short = over_short(&expected, &counted)?;
        let limit = settings.limits.over_short_approval;
        let approval_required = over_short.iter().any(|d| d.amount.cents().abs() > limit.cents());
        let mut result = close_result(drawer.id, &expected, &counted, &over_short, approval_required);
        if approval_required && (approver.is_none() || reason.is_none()) {
            // The count stays recorded; the drawer waits for a supervisor.
            return Ok(result);
        }
        let float_kept = drawer.float;
        let entry = w.append(
            Some(&actor.name),
            if approval_required { approver.map(|a| a.name.as_str()) } else { None },
            &Event::DrawerClosed { drawer_id: drawer.id, cashier: actor.name.clone(), cash_count, counted, expected: amounts(&expected), over_short, float_kept, reason },
        )?;
        result.closed = true;
        result.seal = Some(crate::ops::seal::seal(entry.seq, &entry.hash));
        Ok(result)
    })
}

fn amounts(rows: &[(TenderKind, Money)]) -> Vec<TenderAmount> {
    rows.iter().map(|(tender, amount)| TenderAmount { tender: *tender, amount: *amount }).collect()
}

/// The counted amount per tender. Tenders the cashier does not count physically (ACH) count as expected.
fn counted_amounts(count: &Count, expected: &[(TenderKind, Money)]) -> Result<(Vec<DenominationCount>, Vec<TenderAmount>)> {
    let expected_of = |kind| expected.iter().find(|(t, _)| *t == kind).map_or(Money::ZERO, |(_, m)| *m);
    let cash = denominations::total(&count.cash).ok_or_else(|| Error::invalid("--count", "total overflows"))?;
    let mut counted = vec![TenderAmount { tender: TenderKind::Cash, amount: cash }];
    let require = |field: &str, kind: TenderKind, given: Option<Money>| -> Result<Option<TenderAmount>> {
        match given {
            Some(amount) => Ok(Some(TenderAmount { tender: kind, amount })),
            None if expected_of(kind).is_zero() => Ok(None),
            None => Err(Error::invalid(field, format!("required — this drawer took {} tenders; enter their count and total", kind.as_str()))),
        }
    };
    counted.extend(require("--checks", TenderKind::Check, count.checks.map(|(_, total)| total))?);
    counted.extend(require("--money-orders", TenderKind::MoneyOrder, count.money_orders.map(|(_, total)| total))?);
    counted.extend(require("--card-batch", TenderKind::Card, count.card_batch)?);
    let ach = expected_of(TenderKind::Ach);
    if !ach.is_zero() {
        counted.push(TenderAmount { tender: TenderKind::Ach, amount: ach });
    }
    Ok((count.cash.clone(), counted))
}

fn over_short(expected: &[(TenderKind, Money)], counted: &[TenderAmount]) -> Result<Vec<TenderAmount>> {
    let mut kinds: Vec<TenderKind> = expected.iter().map(|(t, _)| *t).chain(counted.iter().map(|c| c.tender)).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let e = expected.iter().find(|(t, _)| *t == kind).map_or(Money::ZERO, |(_, m)| *m);
            let c = counted.iter().find(|x| x.tender == kind).map_or(Money::ZERO, |x| x.amount);
            Ok(TenderAmount { tender: kind, amount: (c - e)? })
        })
        .collect()
}

fn close_result(drawer_id: i64, expected: &[(TenderKind, Money)], counted: &[TenderAmount], over_short: &[TenderAmount], approval_required: bool) -> CloseResult {
    let kinds: Vec<TenderKind> = over_short.iter().map(|d| d.tender).collect();
    let pick = |kind: TenderKind, rows: &[(TenderKind, Money)]| rows.iter().find(|(t, _)| *t == kind).map_or(Money::ZERO, |(_, m)| *m);
    let counted_rows: Vec<(TenderKind, Money)> = counted.iter().map(|c| (c.tender, c.amount)).collect();
    let over_rows: Vec<(TenderKind, Money)> = over_short.iter().map(|c| (c.tender, c.amount)).collect();
    CloseResult {
        drawer_id,
        expected: kinds.iter().map(|k| (k.as_str(), pick(*k, expected))).collect(),
        counted: kinds.iter().map(|k| (k.as_str(), pick(*k, &counted_rows))).collect(),
        over_short: kinds.iter().map(|k| (k.as_str(), pick(*k, &over_rows))).collect(),
        approval_required,
        closed: false,
        seal: None,
    }
}

fn recorded_count(conn: &rusqlite::Connection, drawer_id: i64) -> Result<(Vec<DenominationCount>, Vec<TenderAmount>)> {
    let payload: String = conn.query_row(
        "SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq
         WHERE r.kind = 'drawer_counted' AND r.subject = ?1 ORDER BY r.seq DESC LIMIT 1",
        [drawer_id.to_string()],
        |r| r.get(0),
    )?;
    match crate::ledger::payload::decode_tagged(&payload) {
        Ok(Event::DrawerCounted { cash_count, counted, .. }) => Ok((cash_count, counted)),
        _ => Err(Error::Invariant(format!("drawer {drawer_id}: recorded count unreadable"))),
    }
}
