//! Lockbox and online payments: a bank lockbox file or a web/IVR settlement file becomes one batch (kind
//! `lockbox` or `online`) whose control total and count are the file's own; items whose account is unknown or
//! closed wait on the exceptions list until a lead applies them to an account or refunds them. The batch then
//! balances and is approved by a second person exactly like a mail batch (`ops::batch`).

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::effects::lockbox_exception_ref;
use crate::domain::events::{BatchItem, Event, LockboxException};
use crate::domain::payable::status_blocks_payment;
use crate::domain::states::ExceptionState;
use crate::domain::tender::Tender;
use crate::error::{Error, Result};
use crate::ledger::{Ledger, Writer};
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::batch::{self, LEAD_ROLES};
use crate::ops::lockbox_file::{LockboxFile, LockboxTemplate};
use crate::ops::query;
use crate::ops::reversal::require_reason;

/// What an import made.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Imported {
    pub batch: String,
    pub kind: String,
    pub items: i64,
    pub total: Money,
    pub exceptions: i64,
    pub exceptions_total: Money,
    pub control_items: i64,
    pub control_total: Money,
    pub deposit_date: Option<String>,
    pub sha256: String,
}

/// One exception with what became of it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExceptionRow {
    pub reference: String,
    pub batch: String,
    pub line: i64,
    pub account: String,
    pub amount: Money,
    pub file_reference: Option<String>,
    pub problem: String,
    pub state: ExceptionState,
    pub applied_to: Option<String>,
    pub reason: Option<String>,
}

/// Reads nothing itself: `file` was read whole by its template. Refuses a file imported before (same SHA-256).
pub fn import(ledger: &mut Ledger, actor: &Actor, template: &LockboxTemplate, source: &str, file: &LockboxFile) -> Result<Imported> {
    actor.require(LEAD_ROLES, "import lockbox and online payment files")?;
    let kind = template.kind().map_err(|e| Error::Invalid(e.into()))?;
    let tender_kind = template.tender_kind().map_err(|e| Error::Invalid(e.into()))?;
    crate::domain::text::check("FILE", source).map_err(|e| Error::Invalid(e.into()))?;
    ledger.write(|w| {
        if let Some(batch) = imported_as(w.conn(), &file.sha256)? {
            return Err(Error::refused("FILE", format!("{source} was imported already as batch {batch} (same SHA-256 {}); nothing posted twice", &file.sha256[..16])));
        }
        let count: i64 = w.conn().query_row("SELECT COUNT(*) FROM batches WHERE kind = ?1", [kind.as_str()], |r| r.get(0))?;
        let batch = format!("{}{}", kind.prefix(), count + 1);
        w.append(
            Some(&actor.name),
            None,
            &Event::BatchOpened { batch: batch.clone(), batch_kind: kind, preparer: actor.name.clone(), control_total: file.control_amount, control_items: file.control_count },
        )?;
        let mut good = Vec::new();
        let mut exceptions = Vec::new();
        for item in &file.items {
            match payable_for(w.conn(), &item.account)? {
                Ok(payable) => good.push((item, payable)),
                Err(problem) => exceptions.push(LockboxException {
                    exception: exceptions.len() as i64 + 1,
                    line: item.line,
                    account: item.account.clone(),
                    amount: item.amount,
                    reference: item.reference.clone(),
                    problem,
                }),
            }
        }
        let exceptions_total = Money::sum(exceptions.iter().map(|e| e.amount)).unwrap_or(Money::ZERO);
        let exception_count = exceptions.len() as i64;
        let deposit_date = file.deposit_date.map(|d| d.to_string());
        w.append(
            Some(&actor.name),
            None,
            &Event::LockboxImported {
                batch: batch.clone(),
                source: source.to_string(),
                sha256: file.sha256.clone(),
                template: template.name.clone(),
                tender: tender_kind,
                deposit_date: deposit_date.clone(),
                exceptions,
            },
        )?;
        let mut total = Money::ZERO;
        for (number, (item, payable)) in good.iter().enumerate() {
            let mut tender = Tender::new(tender_kind, item.amount);
            tender.number = item.reference.clone();
            let item = BatchItem {
                item: number as i64 + 1,
                payable: payable.number.clone(),
                payable_kind: payable.kind,
                amount: item.amount,
                tender,
                stub: Some(format!("line {}", item.line)),
                entered_by: actor.name.clone(),
            };
            total = total.plus(item.amount)?;
            w.append(Some(&actor.name), None, &Event::BatchItemAdded { batch: batch.clone(), item })?;
        }
        Ok(Imported {
            batch,
            kind: kind.as_str().into(),
            items: good.len() as i64,
            total,
            exceptions: exception_count,
            exceptions_total,
            control_items: file.control_count,
            control_total: file.control_amount,
            deposit_date,
            sha256: file.sha256.clone(),
        })
    })
}

/// The batch a file with this fingerprint became, if it was imported.
pub fn imported_as(conn: &Connection, sha256: &str) -> Result<Option<String>> {
    let payload: Option<String> = conn
        .query_row("SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind = 'lockbox_imported' AND r.subject = ?1 LIMIT 1", [format!("sha256:{sha256}")], |r| r.get(0))
        .optional()?;
    Ok(payload.and_then(|p| match crate::ledger::payload::decode_tagged(&p) {
        Ok(Event::LockboxImported { batch, .. }) => Some(batch),
        _ => None,
    }))
}

/// The `LockboxImported` entry of a batch, if it came from a file.
fn imported(conn: &Connection, batch: &str) -> Result<Option<Event>> {
    let payload: Option<String> =
        conn.query_row("SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind = 'lockbox_imported' AND r.subject = ?1 LIMIT 1", [batch], |r| r.get(0)).optional()?;
    Ok(payload.and_then(|p| crate::ledger::payload::decode_tagged(&p).ok()))
}

/// The payable an item is for (as written, or without a stub's leading zeros), or why it cannot take it.
pub(crate) fn payable_for(conn: &Connection, account: &str) -> Result<std::result::Result<crate::domain::payable::PayableRow, String>> {
    let unpadded = account.trim_start_matches('0');
    let found = match query::payable(conn, account)? {
        Some(payable) => Some(payable),
        None if !unpadded.is_empty() && unpadded != account => query::payable(conn, unpadded)?,
        None => None,
    };
    Ok(match found {
        None => Err("unknown account".into()),
        Some(payable) if status_blocks_payment(&payable.status) => Err(format!("account {} is {}", payable.number, payable.status)),
        Some(payable) => Ok(payable),
    })
}

/// The exceptions of one batch, or of every file batch not yet approved (`approved_too`: of every file batch
/// ever), oldest first, each with what became of it. An approved batch has none open: balancing needs them
/// resolved, so the daily list reads only the batches still in progress, however old the ledger.
pub fn exceptions(conn: &Connection, batch: Option<&str>, approved_too: bool) -> Result<Vec<ExceptionRow>> {
    let wanted = batch.map(|b| b.trim().to_ascii_uppercase());
    let mut statement = conn.prepare_cached(
        "SELECT j.payload FROM batches b JOIN entry_refs r ON r.kind = 'lockbox_imported' AND r.subject = b.id JOIN journal j ON j.seq = r.seq
         WHERE b.kind IN ('lockbox', 'online') AND (?1 IS NULL OR b.id = ?1) AND (?1 IS NOT NULL OR ?2 OR b.state <> 'approved') ORDER BY r.seq",
    )?;
    let payloads: Vec<String> = statement.query_map(params![wanted, approved_too], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for payload in payloads {
        let Ok(Event::LockboxImported { batch, exceptions, .. }) = crate::ledger::payload::decode_tagged(&payload) else {
            return Err(Error::Invariant("a lockbox import entry is unreadable".into()));
        };
        for exception in exceptions {
            let reference = lockbox_exception_ref(&batch, exception.exception);
            let resolved = resolution(conn, &reference)?;
            let (state, applied_to, reason) = match resolved {
                None => (ExceptionState::Open, None, None),
                Some((Some(account), reason)) => (ExceptionState::Applied, Some(account), Some(reason)),
                Some((None, reason)) => (ExceptionState::Refunded, None, Some(reason)),
            };
            out.push(ExceptionRow {
                reference,
                batch: batch.clone(),
                line: exception.line,
                account: exception.account,
                amount: exception.amount,
                file_reference: exception.reference,
                problem: exception.problem,
                state,
                applied_to,
                reason,
            });
        }
    }
    Ok(out)
}

/// How an exception was resolved: (the account it was applied to, or None for a refund; the reason).
fn resolution(conn: &Connection, reference: &str) -> Result<Option<(Option<String>, String)>> {
    let payload: Option<String> = conn
        .query_row("SELECT j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind = 'lockbox_exception_resolved' AND r.subject = ?1 LIMIT 1", [reference], |r| r.get(0))
        .optional()?;
    match payload.map(|p| crate::ledger::payload::decode_tagged(&p)) {
        None => Ok(None),
        Some(Ok(Event::LockboxExceptionResolved { apply_to, reason, .. })) => Ok(Some((apply_to, reason))),
        Some(_) => Err(Error::Invariant(format!("exception {reference}: its resolution entry is unreadable"))),
    }
}

/// For balancing a lockbox or online batch: (open exceptions, refunded exceptions, their total).
pub fn balance_adjustment(conn: &Connection, batch: &str) -> Result<(i64, i64, Money)> {
    let rows = exceptions(conn, Some(batch), true)?;
    let open = rows.iter().filter(|r| r.state == ExceptionState::Open).count() as i64;
    let refunded: Vec<&ExceptionRow> = rows.iter().filter(|r| r.state == ExceptionState::Refunded).collect();
    let total = Money::sum(refunded.iter().map(|r| r.amount)).unwrap_or(Money::ZERO);
    Ok((open, refunded.len() as i64, total))
}

/// Resolves exception `reference` (like `L1-E2`): applies its amount to `apply_to` as a new held item of its
/// batch, or (None) records that it is refunded to the remitter. Needs a lead, a reason and an open batch.
pub fn resolve(ledger: &mut Ledger, actor: &Actor, reference: &str, apply_to: Option<&str>, reason: &str) -> Result<String> {
    resolve_with(ledger, actor, reference, apply_to, reason, &|_, _, _| Ok(()))
}

/// What `resolve` does, with `check` run on the exception and the account it is applied to inside the
/// writing transaction (`lockbox_redirect::apply`: a change of kind must have been confirmed).
pub(crate) type TargetCheck<'a> = &'a dyn Fn(&Connection, &ExceptionRow, &crate::domain::payable::PayableRow) -> Result<()>;

pub(crate) fn resolve_with(ledger: &mut Ledger, actor: &Actor, reference: &str, apply_to: Option<&str>, reason: &str, check: TargetCheck<'_>) -> Result<String> {
    actor.require(LEAD_ROLES, "resolve lockbox exceptions")?;
    let reason = require_reason(reason)?;
    let reference = reference.trim().to_ascii_uppercase();
    let (batch_id, number) = reference
        .rsplit_once("-E")
        .and_then(|(b, n)| n.parse::<i64>().ok().map(|n| (b.to_string(), n)))
        .ok_or_else(|| Error::invalid("ITEM", format!("'{reference}' is not an exception like L1-E2 (see `citytill lockbox exceptions`)")))?;
    if let Some(account) = apply_to {
        crate::domain::card_data::refuse("--apply-to", account).map_err(|e| Error::Invalid(e.into()))?;
        crate::domain::text::check("--apply-to", account).map_err(|e| Error::Invalid(e.into()))?;
    }
    ledger.write(|w| {
        let row = exceptions(w.conn(), Some(&batch_id), true)?
            .into_iter()
            .find(|r| r.reference == reference)
            .ok_or_else(|| Error::not_found("ITEM", format!("no exception {reference} (see `citytill lockbox exceptions`)")))?;
        if row.state != ExceptionState::Open {
            return Err(Error::refused("ITEM", format!("{reference} is {} already", row.state)));
        }
        let summary = batch::summary(w.conn(), &batch_id)?;
        if summary.state != crate::domain::states::BatchState::Open || summary.closed {
            return Err(Error::refused("ITEM", format!("batch {} is {}; exceptions are resolved while it is open (reopen it first)", summary.batch, summary.state)));
        }
        let payable = match apply_to {
            Some(account) => Some(payable_for(w.conn(), account.trim())?.map_err(|problem| Error::refused("--apply-to", format!("'{}': {problem}", account.trim())))?),
            None => None,
        };
        if let Some(payable) = &payable {
            check(w.conn(), &row, payable)?;
        }
        let event =
            Event::LockboxExceptionResolved { batch: summary.batch.clone(), exception: number, apply_to: payable.as_ref().map(|p| p.number.clone()), amount: row.amount, reason: reason.clone() };
        w.append(Some(&actor.name), None, &event)?;
        match payable {
            Some(payable) => add_item(w, actor, &summary, &row, payable),
            None => Ok(format!("{reference} marked refunded ({}); it counts toward the file's totals", row.amount)),
        }
    })
}

fn add_item(w: &mut Writer<'_>, actor: &Actor, summary: &batch::BatchSummary, row: &ExceptionRow, payable: crate::domain::payable::PayableRow) -> Result<String> {
    let next: i64 = w.conn().query_row("SELECT COALESCE(MAX(item), 0) + 1 FROM batch_items WHERE batch = ?1", [&summary.batch], |r| r.get(0))?;
    let tender_kind = match imported(w.conn(), &summary.batch)? {
        Some(Event::LockboxImported { tender, .. }) => tender,
        _ => return Err(Error::Invariant(format!("batch {}: its lockbox import entry is unreadable", summary.batch))),
    };
    let mut tender = Tender::new(tender_kind, row.amount);
    tender.number = row.file_reference.clone();
    let item = BatchItem {
        item: next,
        payable: payable.number.clone(),
        payable_kind: payable.kind,
        amount: row.amount,
        tender,
        stub: Some(format!("line {} ({})", row.line, row.reference)),
        entered_by: actor.name.clone(),
    };
    let reference = item.reference(&summary.batch);
    w.append(Some(&actor.name), None, &Event::BatchItemAdded { batch: summary.batch.clone(), item })?;
    Ok(format!("{} applied to {} as item {reference}", row.reference, payable.number))
}
