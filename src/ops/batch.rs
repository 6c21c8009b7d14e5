//! Batches: every drawer session's counter batch and the lead's mail and drop-box batches (control total
//! and item count from the adding-machine tape) — open → balanced → approved | rejected → reopened.
//! Remittance items are held in suspense and reach the customer accounts only when the batch is approved.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::events::{BatchItem, BatchKind, Event, LineTarget, PaymentLine, PostedItem};
use crate::domain::ids::Role;
use crate::domain::payable::status_blocks_payment;
use crate::domain::states::{BatchItemState, BatchState, DrawerState};
use crate::domain::tender::Tender;
use crate::error::{Error, Result};
use crate::ledger::{Ledger, Writer};
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::payment::CASHIER_ROLES;
use crate::ops::query;
use crate::ops::reversal::require_reason;

/// Most items one remittance batch may hold (a long adding-machine tape).
pub const MAX_ITEMS: i64 = 5_000;
pub(crate) const LEAD_ROLES: &[Role] = &[Role::Lead, Role::Supervisor, Role::Admin];

/// A batch as the projection holds it, with its live items counted.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BatchSummary {
    pub batch: String,
    pub kind: String,
    pub drawer_id: Option<i64>,
    pub business_date: String,
    pub preparer: String,
    pub state: BatchState,
    pub control_total: Money,
    pub control_items: i64,
    pub items: i64,
    pub total: Money,
    pub approver: Option<String>,
    pub reason: Option<String>,
    pub deposit: Option<String>,
    /// Its business date has been closed by `day close`.
    pub closed: bool,
}

/// The states a batch may be approved, rejected and reopened from (the window enables its buttons by them).
pub const APPROVABLE: &[BatchState] = &[BatchState::Balanced];
pub const REJECTABLE: &[BatchState] = &[BatchState::Open, BatchState::Balanced];
pub const REOPENABLE: &[BatchState] = &[BatchState::Rejected, BatchState::Approved];

/// One remittance item to add: the account (from the stub or keyed), its amount, and the tender.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRequest {
    pub payable: String,
    pub amount: Money,
    pub tender: Tender,
    pub stub: Option<String>,
}

/// Opens a mail or drop-box batch with the tape's control total and item count.
pub fn open(ledger: &mut Ledger, actor: &Actor, kind: BatchKind, control_total: Money, control_items: i64) -> Result<String> {
    actor.require(LEAD_ROLES, "open remittance batches")?;
    if kind == BatchKind::Counter {
        return Err(Error::invalid("batch kind", "a counter batch opens with its drawer"));
    }
    if control_total.is_zero() || control_total.is_negative() {
        return Err(Error::invalid("--control-total", "must be more than zero"));
    }
    if !(1..=MAX_ITEMS).contains(&control_items) {
        return Err(Error::invalid("--items", format!("{control_items} is not 1 to {MAX_ITEMS}")));
    }
    ledger.write(|w| {
        let count: i64 = w.conn().query_row("SELECT COUNT(*) FROM batches WHERE kind = ?1", [kind.as_str()], |r| r.get(0))?;
        let batch = format!("{}{}", kind.prefix(), count + 1);
        let event = Event::BatchOpened { batch: batch.clone(), batch_kind: kind, preparer: actor.name.clone(), control_total, control_items };
        w.append(Some(&actor.name), None, &event)?;
        Ok(batch)
    })
}

/// Adds a remittance item to an open mail or drop-box batch (held in suspense, not yet on the account).
pub fn add(ledger: &mut Ledger, actor: &Actor, batch: &str, request: ItemRequest) -> Result<String> {
    actor.require(CASHIER_ROLES, "enter remittance items")?;
    if request.amount.is_zero() || request.amount.is_negative() {
        return Err(Error::invalid("--amount", "an item must be more than zero"));
    }
    if request.tender.amount != request.amount {
        return Err(Error::invalid("--micr", format!("the check is for {}, the item for {}", request.tender.amount, request.amount)));
    }
    // The window hands scanned stubs and keyed accounts straight here: the same check as the command line's.
    if let Some(stub) = &request.stub {
        crate::domain::text::check("--stub", stub).map_err(|e| Error::Invalid(e.into()))?;
    }
    crate::domain::card_data::refuse("--account", &request.payable).map_err(|e| Error::Invalid(e.into()))?;
    ledger.write(|w| {
        let summary = summary(w.conn(), batch)?;
        if summary.kind == BatchKind::Counter.as_str() {
            return Err(Error::refused("batch", format!("{} is a counter batch; its payments are taken at the drawer", summary.batch)));
        }
        require_state(&summary, &[BatchState::Open], "adding items")?;
        if is_file_batch(&summary) {
            return Err(Error::refused("batch", format!("{} holds a file's items; resolve its exceptions with `citytill lockbox resolve`", summary.batch)));
        }
        // A stub's account field is zero-padded; the billing system's number may not be.
        let unpadded = request.payable.trim_start_matches('0');
        let found = match query::payable(w.conn(), &request.payable)? {
            Some(payable) => Some(payable),
            None if !unpadded.is_empty() => query::payable(w.conn(), unpadded)?,
            None => None,
        };
        let payable = found.ok_or_else(|| Error::invalid("account", format!("'{}' is not a known account, license, citation, permit or invoice number", request.payable)))?;
        if status_blocks_payment(&payable.status) {
            return Err(Error::refused("account", format!("{} is {}; it cannot take payments", payable.number, payable.status)));
        }
        let next: i64 = w.conn().query_row("SELECT COALESCE(MAX(item), 0) + 1 FROM batch_items WHERE batch = ?1", [&summary.batch], |r| r.get(0))?;
        if next > MAX_ITEMS {
            return Err(Error::refused("batch", format!("{} already holds {MAX_ITEMS} items", summary.batch)));
        }
        let item = BatchItem {
            item: next,
            payable: payable.number,
            payable_kind: payable.kind,
            amount: request.amount,
            tender: request.tender.clone(),
            stub: request.stub.clone(),
            entered_by: actor.name.clone(),
        };
        let reference = item.reference(&summary.batch);
        w.append(Some(&actor.name), None, &Event::BatchItemAdded { batch: summary.batch.clone(), item })?;
        Ok(reference)
    })
}

/// Takes a held item out of an open batch (a reversing entry; the item stays in the journal).
pub fn remove(ledger: &mut Ledger, actor: &Actor, batch: &str, item: i64, reason: &str) -> Result<()> {
    actor.require(CASHIER_ROLES, "correct remittance items")?;
    let reason = require_reason(reason)?;
    ledger.write(|w| {
        let summary = summary(w.conn(), batch)?;
        require_state(&summary, &[BatchState::Open], "removing items")?;
        if is_file_batch(&summary) {
            return Err(Error::refused("batch", format!("{} holds a file's items as the bank or processor sent them; reject the batch instead", summary.batch)));
        }
        let found = held_items(w.conn(), &summary.batch)?.into_iter().find(|i| i.item == item);
        let item = found.ok_or_else(|| Error::not_found("--item", format!("{} has no held item {item}", summary.batch)))?;
        w.append(Some(&actor.name), None, &Event::BatchItemRemoved { batch: summary.batch.clone(), item, reason })?;
        Ok(())
    })
}

/// A batch read from a lockbox or online file (`lockbox import`), not keyed.
pub fn is_file_batch(summary: &BatchSummary) -> bool {
    matches!(summary.kind.as_str(), "lockbox" | "online")
}

/// Whether `remove` takes corrections to this batch now: a mail or drop-box batch, open, on an open
/// business day (the window offers "Remove item" only then; `remove` itself applies the same rule).
pub fn takes_corrections(summary: &BatchSummary) -> bool {
    summary.drawer_id.is_none() && !is_file_batch(summary) && require_state(summary, &[BatchState::Open], "removing items").is_ok()
}

/// Marks a batch balanced when its items match the control total and count (a counter batch: when its
/// drawer is closed). Out of balance is refused, naming both differences; nothing is written.
pub fn balance(ledger: &mut Ledger, actor: &Actor, batch: &str) -> Result<BatchSummary> {
    actor.require(CASHIER_ROLES, "balance batches")?;
    ledger.write(|w| {
        let summary = summary(w.conn(), batch)?;
        require_state(&summary, &[BatchState::Open], "balancing")?;
        if let Some(drawer_id) = summary.drawer_id {
            let drawer = query::drawer_by_id(w.conn(), drawer_id)?;
            if drawer.is_none_or(|d| d.state != DrawerState::Closed) {
                return Err(Error::refused("batch", format!("{} balances when drawer {drawer_id} is closed (blind count)", summary.batch)));
            }
        } else {
            // A file's batch: open exceptions block it; refunded ones count toward the file's totals.
            let (open, refunded_items, refunded_total) = if is_file_batch(&summary) { crate::ops::lockbox::balance_adjustment(w.conn(), &summary.batch)? } else { (0, 0, Money::ZERO) };
            if open > 0 {
                return Err(Error::refused("batch", format!("{} has {open} unresolved exception(s); see `citytill lockbox exceptions`", summary.batch)));
            }
            let mut summary = summary.clone();
            summary.items += refunded_items;
            summary.total = summary.total.plus(refunded_total)?;
            if summary.items != summary.control_items || summary.total != summary.control_total {
                return Err(Error::refused(
                    "batch",
                    format!(
                        "{} is out of balance — items total {} in {} items, the control tape says {} in {} items (difference {} and {} items)",
                        summary.batch,
                        summary.total,
                        summary.items,
                        summary.control_total,
                        summary.control_items,
                        summary.total.minus(summary.control_total)?,
                        summary.items - summary.control_items
                    ),
                ));
            }
        }
        w.append(Some(&actor.name), None, &Event::BatchBalanced { batch: summary.batch.clone(), items: summary.items, total: summary.total })?;
        summary_of(w.conn(), &summary.batch)
    })
}

/// Approves a balanced batch and posts its held items to the accounts. The approver (already checked by
/// PIN and role) may be neither the preparer nor anyone who entered an item; such a refusal is audited.
pub fn approve(ledger: &mut Ledger, actor: &Actor, approver: &Actor, batch: &str) -> Result<BatchSummary> {
    check_approver(ledger, actor, approver, batch, "batch approval")?;
    ledger.write(|w| {
        let summary = summary(w.conn(), batch)?;
        require_state(&summary, APPROVABLE, "approval")?;
        let posted = post_lines(w, &held_items(w.conn(), &summary.batch)?)?;
        w.append(Some(&actor.name), Some(&approver.name), &Event::BatchApproved { batch: summary.batch.clone(), approver: approver.name.clone(), posted })?;
        summary_of(w.conn(), &summary.batch)
    })
}

/// Rejects an unapproved batch with a reason; its items stay held (not on any account).
pub fn reject(ledger: &mut Ledger, actor: &Actor, approver: &Actor, batch: &str, reason: &str) -> Result<BatchSummary> {
    let reason = require_reason(reason)?;
    check_approver(ledger, actor, approver, batch, "batch rejection")?;
    ledger.write(|w| {
        let summary = summary(w.conn(), batch)?;
        require_state(&summary, REJECTABLE, "rejection")?;
        w.append(Some(&actor.name), Some(&approver.name), &Event::BatchRejected { batch: summary.batch.clone(), approver: approver.name.clone(), reason })?;
        summary_of(w.conn(), &summary.batch)
    })
}

/// Reopens a rejected or approved batch for correction. Reopening an approved batch needs a supervisor,
/// reverses the approval's postings, and is refused once the batch is deposited or exported — or once head
/// office has acknowledged the approval, since head office may have exported it to the billing system
/// already (and would export the batch's items again on its next approval).
pub fn reopen(ledger: &mut Ledger, actor: &Actor, approver: Option<&Actor>, batch: &str, reason: &str) -> Result<BatchSummary> {
    actor.require(LEAD_ROLES, "reopen batches")?;
    let reason = require_reason(reason)?;
    ledger.write(|w| {
        let summary = summary(w.conn(), batch)?;
        require_state(&summary, REOPENABLE, "reopening")?;
        let mut reversed = Vec::new();
        if summary.state == BatchState::Approved {
            if approver.is_none_or(|a| a.name == actor.name || !a.role.can_approve()) {
                return Err(Error::auth("approver", format!("reopening approved batch {} needs a different supervisor's approval", summary.batch)));
            }
            if let Some(deposit) = &summary.deposit {
                return Err(Error::refused("batch", format!("{} is in deposit {deposit}; correct it with a refund or returned check", summary.batch)));
            }
            let exported: i64 = w.conn().query_row("SELECT COUNT(*) FROM exported_payments WHERE reference LIKE ?1 || '-%'", [&summary.batch], |r| r.get(0))?;
            if exported > 0 {
                return Err(Error::refused("batch", format!("{} was exported to the billing system; correct it with a refund", summary.batch)));
            }
            let (approved_seq, posted) = last_approval(w.conn(), &summary.batch)?;
            let at_head_office: i64 =
                w.conn().query_row("SELECT value FROM meta WHERE key = ?1", [crate::ledger::HQ_ACKED_SEQ], |r| r.get::<_, String>(0)).optional()?.and_then(|seq| seq.parse().ok()).unwrap_or(0);
            if approved_seq <= at_head_office {
                return Err(Error::refused("batch", format!("{} reached head office approved, and head office may have exported it to the billing system; correct it with a refund", summary.batch)));
            }
            reversed = posted;
        }
        let approver_name = approver.filter(|_| summary.state == BatchState::Approved).map(|a| a.name.as_str());
        w.append(Some(&actor.name), approver_name, &Event::BatchReopened { batch: summary.batch.clone(), reason, reversed })?;
        summary_of(w.conn(), &summary.batch)
    })
}

/// A business date's batches (the deposit's, the batches screen's), in the order `list` gives.
pub const DATE_BATCHES_SQL: &str = "SELECT id FROM batches WHERE business_date = ?1 ORDER BY business_date, kind, rowid";

/// Every batch, optionally of one business date, oldest first.
pub fn list(conn: &Connection, date: Option<&str>) -> Result<Vec<BatchSummary>> {
    // A date's batches through `batches_date` (`?1 IS NULL OR business_date = ?1` in one query walked them all).
    let mut statement = match date {
        Some(_) => conn.prepare_cached(DATE_BATCHES_SQL)?,
        None => conn.prepare_cached("SELECT id FROM batches ORDER BY business_date, kind, rowid")?,
    };
    let ids: Vec<String> = match date {
        Some(date) => statement.query_map([date], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?,
        None => statement.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?,
    };
    ids.iter().map(|id| summary_of(conn, id)).collect()
}

/// One batch by id (case-insensitive), or NotFound naming it.
pub fn summary(conn: &Connection, batch: &str) -> Result<BatchSummary> {
    summary_of(conn, &batch.trim().to_ascii_uppercase())
}

fn summary_of(conn: &Connection, batch: &str) -> Result<BatchSummary> {
    let row = conn
        .prepare_cached(
            "SELECT id, kind, drawer_id, business_date, preparer, state, control_cents, control_items, approver, reason, deposit,
             (SELECT value FROM meta WHERE key = 'closed_through') FROM batches WHERE id = ?1",
        )?
        .query_row([batch], |r| {
            Ok(BatchSummary {
                batch: r.get(0)?,
                kind: r.get(1)?,
                drawer_id: r.get(2)?,
                business_date: r.get(3)?,
                preparer: r.get(4)?,
                state: r.get(5)?,
                control_total: r.get(6)?,
                control_items: r.get(7)?,
                items: 0,
                total: Money::ZERO,
                approver: r.get(8)?,
                reason: r.get(9)?,
                deposit: r.get(10)?,
                closed: {
                    let date: String = r.get(3)?;
                    r.get::<_, Option<String>>(11)?.is_some_and(|closed| closed >= date)
                },
            })
        })
        .optional()?;
    let mut summary = row.ok_or_else(|| Error::not_found("batch", format!("'{batch}' not found (see `citytill batch list`)")))?;
    let (items, total): (i64, i64) = match summary.drawer_id {
        Some(drawer_id) => conn.query_row("SELECT COUNT(*), COALESCE(SUM(total_cents), 0) FROM receipts WHERE drawer_id = ?1 AND status <> 'voided'", [drawer_id], |r| Ok((r.get(0)?, r.get(1)?)))?,
        None => conn.query_row("SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM batch_items WHERE batch = ?1 AND state <> 'removed'", [batch], |r| Ok((r.get(0)?, r.get(1)?)))?,
    };
    summary.items = items;
    summary.total = Money::from_cents(total);
    Ok(summary)
}

/// A batch may change only while its business date is open (day close needs it approved, and stays true).
fn require_state(summary: &BatchSummary, states: &[BatchState], action: &str) -> Result<()> {
    if summary.closed {
        return Err(Error::refused("batch", format!("{} belongs to {}, a closed business day; correct it with a refund or returned check", summary.batch, summary.business_date)));
    }
    if states.contains(&summary.state) {
        return Ok(());
    }
    Err(Error::refused("batch", format!("{} is {}; {action} needs a batch that is {}", summary.batch, summary.state, states.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or "))))
}

/// Segregation of duties: the approver prepared nothing in the batch. A refusal is journaled with both names.
fn check_approver(ledger: &mut Ledger, actor: &Actor, approver: &Actor, batch: &str, action: &str) -> Result<()> {
    actor.require(CASHIER_ROLES, action)?;
    let summary = summary(ledger.conn(), batch)?;
    let entered: bool = ledger.conn().query_row("SELECT EXISTS(SELECT 1 FROM batch_items WHERE batch = ?1 AND entered_by = ?2)", params![summary.batch, approver.name], |r| r.get(0))?;
    let problem = if approver.name == actor.name || approver.name == summary.preparer || entered {
        Some(format!("approver: {} prepared batch {} and cannot give its {action}; a second person must", approver.name, summary.batch))
    } else if !approver.role.can_approve() {
        Some(format!("approver: {} is a {} and cannot give a {action}; a supervisor must", approver.name, approver.role.as_str()))
    } else {
        None
    };
    let Some(reason) = problem else { return Ok(()) };
    ledger.write(|w| {
        let refused = Event::ApprovalRefused { user: actor.name.clone(), approver: approver.name.clone(), action: action.into(), reason: reason.clone() };
        w.append(Some(&actor.name), Some(&approver.name), &refused)
    })?;
    Err(Error::Auth(reason.into()))
}

/// The batch's held items, in item order, as they were entered.
pub fn held_items(conn: &Connection, batch: &str) -> Result<Vec<BatchItem>> {
    items_in_state(conn, batch, BatchItemState::Held)
}

/// Items of a batch in one state, read back from the journal entries that added them.
pub fn items_in_state(conn: &Connection, batch: &str, state: BatchItemState) -> Result<Vec<BatchItem>> {
    let mut statement = conn.prepare_cached("SELECT j.payload FROM batch_items i JOIN journal j ON j.seq = i.seq WHERE i.batch = ?1 AND i.state = ?2 ORDER BY i.item")?;
    let payloads: Vec<String> = statement.query_map(params![batch, state], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    payloads
        .iter()
        .map(|payload| match crate::ledger::payload::decode_tagged(payload) {
            Ok(Event::BatchItemAdded { item, .. }) => Ok(item),
            _ => Err(Error::Invariant(format!("batch {batch}: an item's entry is unreadable"))),
        })
        .collect()
}

/// Splits each item into the part applied to its payable (what is outstanding, items earlier in the batch
/// counted first) and customer credit beyond it.
fn post_lines(w: &Writer<'_>, items: &[BatchItem]) -> Result<Vec<PostedItem>> {
    let mut used: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for item in items {
        let payable = query::payable(w.conn(), &item.payable)?.ok_or_else(|| Error::Invariant(format!("batch item {}: account {} vanished", item.item, item.payable)))?;
        let earlier = used.entry(payable.number.clone()).or_default();
        let outstanding = (payable.balance.cents() - *earlier).max(0);
        let applied = item.amount.cents().min(outstanding);
        *earlier += item.amount.cents();
        let line = PaymentLine { target: LineTarget::Payable { number: payable.number, kind: payable.kind }, applied: Money::from_cents(applied), credit: (item.amount - Money::from_cents(applied))? };
        out.push(PostedItem { item: item.item, line });
    }
    Ok(out)
}

/// The batch's latest approval: its journal sequence number and the items it posted (what a reopen reverses).
fn last_approval(conn: &Connection, batch: &str) -> Result<(i64, Vec<PostedItem>)> {
    let (seq, payload): (i64, String) = conn.query_row(
        "SELECT j.seq, j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq
         WHERE r.kind = 'batch_approved' AND r.subject = ?1 ORDER BY r.seq DESC LIMIT 1",
        [batch],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    match crate::ledger::payload::decode_tagged(&payload) {
        Ok(Event::BatchApproved { posted, .. }) => Ok((seq, posted)),
        _ => Err(Error::Invariant(format!("batch {batch}: its approval entry is unreadable"))),
    }
}
