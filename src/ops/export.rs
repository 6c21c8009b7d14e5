//! The billing-system posting file (for cities without a head office): one CSV row per payment line of
//! the approved batches of a date, each payment exported exactly once however often the export runs, and
//! the refunds and returned checks of exported payments as negative rows, each exactly once too.
//!
//! The export is an outbox: its journal entry (`PaymentsExported`, whose sequence number is the file's id)
//! commits first, naming in order every payment it covers; the file is then written from that entry
//! (`rows_of`), so a kill, a full disk or a closed pipe after the commit loses nothing: the same command,
//! or `--again FILE-ID`, writes the identical file again, and never a second set of the same payments.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::events::{counter_batch, BatchItem, Event, LineTarget, PaymentLine};
use crate::domain::ids::Role;
use crate::domain::states::{BatchItemState, BatchState};
use crate::domain::tender::TenderKind;
use crate::error::{Error, Result};
use crate::ledger::schema::receipt_key;
use crate::ledger::Ledger;
use crate::money::Money;
use crate::money::MoneyError;
use crate::ops::auth::Actor;
use crate::ops::batch;

/// The posting file's header, in the order the billing system imports.
pub const HEADER: &str = "account,kind,amount,receipt,date,tender,batch";

/// Who may export to the billing system and prepare deposits: the office (lead, supervisor, admin), not the counter.
pub const OFFICE_ROLES: &[Role] = &[Role::Lead, Role::Supervisor, Role::Admin];

/// One row of the posting file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExportRow {
    pub account: String,
    pub kind: String,
    pub amount: Money,
    pub receipt: String,
    pub date: String,
    pub tender: String,
    pub batch: String,
}

/// One posting file: the export entry it is written from, and its rows.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportResult {
    pub date: String,
    /// The file's id: the sequence number of its journal entry (None: nothing to export, no entry made).
    pub file: Option<i64>,
    /// True when no new payment was waiting and this is an earlier file of the date, written again.
    pub again: bool,
    pub payments: usize,
    pub rows: Vec<ExportRow>,
    pub total: Money,
}

/// Exports the not-yet-exported payments of `date`'s approved batches, and every refund or returned check
/// not exported yet (of any date) whose payment is exported (before, or in this file): the export entry
/// commits first, and the rows returned are rebuilt from it (checked equal to those found, inside the
/// same transaction). When nothing new is waiting and the date was exported before, the date's last file
/// is returned again from its entry, so running the same command after a failure rewrites the same file.
/// The caller writes the rows (`write_file`, or standard output).
pub fn payments(ledger: &mut Ledger, actor: &Actor, date: &str) -> Result<ExportResult> {
    actor.require(OFFICE_ROLES, "export payments")?;
    let terminal = ledger.terminal().to_string();
    ledger.write(|w| {
        let (references, rows) = pending(w.conn(), &terminal, date)?;
        if references.is_empty() {
            return match last_file_of(w.conn(), date)? {
                Some(seq) => file(w.conn(), &terminal, seq).map(|found| ExportResult { again: true, ..found }),
                None => Ok(ExportResult { date: date.to_string(), file: None, again: false, payments: 0, rows, total: Money::ZERO }),
            };
        }
        let total = rows.iter().map(|r| r.amount).sum::<Result<Money, MoneyError>>()?;
        let event = Event::PaymentsExported { date: date.to_string(), references: references.clone(), total };
        let record = w.append(Some(&actor.name), None, &event)?;
        let rebuilt = rows_of(w.conn(), &terminal, &references)?;
        if rebuilt != rows {
            return Err(Error::Invariant(format!("export of {date}: the rows rebuilt from the entry differ from those found")));
        }
        crate::fault::point("export-commit")?;
        Ok(ExportResult { date: date.to_string(), file: Some(record.seq), again: false, payments: references.len(), rows, total })
    })
}

/// The file of export entry `seq`, rebuilt from the entry (`export payments --again SEQ`); writes nothing.
pub fn again(ledger: &Ledger, actor: &Actor, seq: i64) -> Result<ExportResult> {
    actor.require(OFFICE_ROLES, "export payments")?;
    file(ledger.conn(), ledger.terminal().as_str(), seq).map(|found| ExportResult { again: true, ..found })
}

/// The file of export entry `seq`, its rows rebuilt from the references it names.
fn file(conn: &Connection, terminal: &str, seq: i64) -> Result<ExportResult> {
    let found: Option<(String, String)> = conn.query_row("SELECT kind, payload FROM journal WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    let Some((kind, payload)) = found else { return Err(Error::not_found("--again", format!("there is no entry {seq}"))) };
    if kind != "payments_exported" {
        return Err(Error::invalid("--again", format!("entry {seq} is a {kind}, not a billing export")));
    }
    let Ok(Event::PaymentsExported { date, references, total }) = crate::ledger::payload::decode_tagged(&payload) else {
        return Err(Error::Invariant(format!("entry {seq}: payload unreadable")));
    };
    let rows = rows_of(conn, terminal, &references)?;
    if rows.iter().map(|r| r.amount.cents()).sum::<i64>() != total.cents() {
        return Err(Error::Invariant(format!("entry {seq}: its rows do not add up to its total {total}")));
    }
    Ok(ExportResult { date, file: Some(seq), again: false, payments: references.len(), rows, total })
}

/// The last export entry of `date`, if any.
fn last_file_of(conn: &Connection, date: &str) -> Result<Option<i64>> {
    let mut statement = conn.prepare_cached("SELECT seq, payload FROM journal WHERE kind = 'payments_exported' ORDER BY seq DESC")?;
    let found: Vec<(i64, String)> = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    for (seq, payload) in found {
        if let Ok(Event::PaymentsExported { date: exported, .. }) = crate::ledger::payload::decode_tagged(&payload) {
            if exported == date {
                return Ok(Some(seq));
            }
        }
    }
    Ok(None)
}

/// Rebuilds, from the journal, the rows of the payments, items and reversals `references` names, in
/// their order: a receipt's payment lines, a remittance item, or a refund's or returned check's rows.
pub fn rows_of(conn: &Connection, terminal: &str, references: &[String]) -> Result<Vec<ExportRow>> {
    let mut rows = Vec::new();
    for reference in references {
        if let Some(found) = crate::ops::autopay_export::rows_of(conn, terminal, reference)? {
            rows.extend(found);
            continue;
        }
        if let Some((receipt, seq)) = reference.split_once(':').and_then(|(receipt, rest)| Some((receipt, rest.rsplit_once(':')?.1.parse::<i64>().ok()?))) {
            let (date, payload): (String, String) = conn.query_row("SELECT business_date, payload FROM journal WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let event: Event = crate::ledger::payload::decode_tagged(&payload).map_err(|e| Error::Invariant(format!("entry {seq}: payload unreadable: {e}")))?;
            let (drawer_id, lines) = payment_of(conn, receipt)?;
            rows.extend(reversal_rows(&event, seq, &date, &lines, &file_batch(terminal, &counter_batch(drawer_id))).map_err(Error::Invariant)?);
            continue;
        }
        let receipt: Option<(i64, String, String)> = conn
            .prepare_cached("SELECT r.drawer_id, r.business_date, j.payload FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.number = ?2 AND r.receipt = ?1")?
            .query_row(params![reference, receipt_key(reference)], |r| Ok((r.get::<_, Option<i64>>(0)?.unwrap_or(0), r.get(1)?, r.get(2)?)))
            .optional()?;
        if let Some((drawer_id, date, payload)) = receipt {
            let Ok(Event::PaymentTaken { lines, tenders, .. }) = crate::ledger::payload::decode_tagged(&payload) else {
                return Err(Error::Invariant(format!("receipt {reference}: payment entry unreadable")));
            };
            let tender = tender_text(&tenders.iter().map(|t| t.kind).collect::<Vec<_>>());
            let batch = file_batch(terminal, &counter_batch(drawer_id));
            rows.extend(lines.iter().map(|line| row(line, reference, &date, &tender, &batch)));
            continue;
        }
        let item = reference.rsplit_once('-').and_then(|(batch, item)| Some((batch, item.parse::<i64>().ok()?)));
        let Some((batch_id, number)) = item else { return Err(Error::Invariant(format!("export reference {reference}: neither a receipt, an item nor a reversal"))) };
        let found: Option<(String, String)> = conn
            .prepare_cached("SELECT b.business_date, j.payload FROM batch_items i JOIN batches b ON b.id = i.batch JOIN journal j ON j.seq = i.seq WHERE i.batch = ?1 AND i.item = ?2")?
            .query_row(params![batch_id, number], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((date, payload)) = found else { return Err(Error::Invariant(format!("export reference {reference}: no such receipt or item"))) };
        let Ok(Event::BatchItemAdded { item, .. }) = crate::ledger::payload::decode_tagged(&payload) else {
            return Err(Error::Invariant(format!("export reference {reference}: the item's entry is unreadable")));
        };
        rows.push(item_row(&item, terminal, batch_id, &date));
    }
    Ok(rows)
}

/// The drawer and lines of receipt `receipt`'s payment.
fn payment_of(conn: &Connection, receipt: &str) -> Result<(i64, Vec<PaymentLine>)> {
    let (drawer_id, payment): (Option<i64>, String) = conn
        .prepare_cached("SELECT r.drawer_id, j.payload FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.number = ?2 AND r.receipt = ?1")?
        .query_row(params![receipt, receipt_key(receipt)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let Ok(Event::PaymentTaken { lines, .. }) = crate::ledger::payload::decode_tagged(&payment) else {
        return Err(Error::Invariant(format!("receipt {receipt}: payment entry unreadable")));
    };
    Ok((drawer_id.unwrap_or(0), lines))
}

/// Writes the posting file of `rows` to `path`: whole or not at all, owner-only.
pub fn write_file(path: &Path, rows: &[ExportRow]) -> Result<()> {
    crate::files::write_private(path, csv_text(rows)?.as_bytes())
}

/// The CSV text of rows, header first.
pub fn csv_text(rows: &[ExportRow]) -> Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER.split(',')).map_err(csv_error)?;
    for row in rows {
        let amount = row.amount.to_string();
        // Text cells never start a spreadsheet formula (an account number may begin with '-'); the amount,
        // written by `Money`, stays a number.
        let text = |cell: &String| crate::domain::text::csv_cell(cell).into_owned();
        writer.write_record([text(&row.account), text(&row.kind), amount, text(&row.receipt), text(&row.date), text(&row.tender), text(&row.batch)]).map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(|e| Error::Invariant(format!("export csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Invariant(format!("export csv: {e}")))
}

fn csv_error(error: csv::Error) -> Error {
    Error::Invariant(format!("export csv: {error}"))
}

/// Payments of approved batches of `date` not exported before: (references, rows).
fn pending(conn: &Connection, terminal: &str, date: &str) -> Result<(Vec<String>, Vec<ExportRow>)> {
    let mut references = Vec::new();
    let mut rows = Vec::new();
    let already = |reference: &str| -> Result<bool> { Ok(conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM exported_payments WHERE reference = ?1)")?.query_row([reference], |r| r.get(0))?) };
    for summary in batch::list(conn, Some(date))?.into_iter().filter(|b| b.state == BatchState::Approved) {
        match summary.drawer_id {
            Some(drawer_id) => {
                for (receipt, business_date, lines, tenders) in drawer_payments(conn, drawer_id)? {
                    if already(&receipt)? {
                        continue;
                    }
                    let tender = tender_text(&tenders);
                    let batch = file_batch(terminal, &summary.batch);
                    rows.extend(lines.iter().map(|line| row(line, &receipt, &business_date, &tender, &batch)));
                    references.push(receipt);
                }
            }
            None => {
                for item in batch::items_in_state(conn, &summary.batch, BatchItemState::Posted)? {
                    let reference = item.reference(&summary.batch);
                    if already(&reference)? {
                        continue;
                    }
                    rows.push(item_row(&item, terminal, &summary.batch, &summary.business_date));
                    references.push(reference);
                }
            }
        }
    }
    reversals(conn, terminal, &mut references, &mut rows)?;
    crate::ops::autopay_export::pending(conn, terminal, date, &already, &mut references, &mut rows)?;
    Ok((references, rows))
}

/// Refunds and returned checks not exported before whose payment is exported (earlier, or among
/// `references`, this file's): their rows and references are added. A reversal of a payment not exported
/// yet waits and goes out with it, so billing ends with the same balance whichever came first.
fn reversals(conn: &Connection, terminal: &str, references: &mut Vec<String>, rows: &mut Vec<ExportRow>) -> Result<()> {
    let in_this_file: HashSet<String> = references.iter().cloned().collect();
    let exported = |reference: &str| -> Result<bool> {
        Ok(in_this_file.contains(reference) || conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM exported_payments WHERE reference = ?1)")?.query_row([reference], |r| r.get(0))?)
    };
    let mut statement = conn.prepare_cached(
        "SELECT j.seq, j.business_date, j.payload FROM journal j
             WHERE j.seq IN (SELECT seq FROM entry_refs WHERE kind IN ('payment_refunded', 'check_returned')) ORDER BY j.seq",
    )?;
    let found: Vec<(i64, String, String)> = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (seq, date, payload) in found {
        let event: Event = crate::ledger::payload::decode_tagged(&payload).map_err(|e| Error::Invariant(format!("entry {seq}: payload unreadable: {e}")))?;
        let Some((receipt, reference)) = reversal_reference(&event, seq) else { continue };
        if exported(&reference)? || !exported(receipt)? {
            continue;
        }
        let (drawer_id, payment): (i64, String) = conn
            .prepare_cached("SELECT r.drawer_id, j.payload FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.number = ?2 AND r.receipt = ?1")?
            .query_row(params![receipt, receipt_key(receipt)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let Ok(Event::PaymentTaken { lines, .. }) = crate::ledger::payload::decode_tagged(&payment) else {
            return Err(Error::Invariant(format!("receipt {receipt}: payment entry unreadable")));
        };
        let found = reversal_rows(&event, seq, &date, &lines, &file_batch(terminal, &counter_batch(drawer_id))).map_err(Error::Invariant)?;
        if !found.is_empty() {
            rows.extend(found);
            references.push(reference);
        }
    }
    Ok(())
}

/// A reversal's receipt and the reference it is exported under: the receipt, `refund` or `nsf`, and the
/// reversal's journal sequence, like `T01-000042:refund:317`. Receipts (`T01-000042`) and remittance item
/// references (`M1-0007`) hold no `:`, so it cannot collide with either; the sequence keeps two refunds of
/// one receipt apart. None for an event that is not a refund or returned check.
pub fn reversal_reference(event: &Event, seq: i64) -> Option<(&str, String)> {
    let (receipt, label) = match event {
        Event::PaymentRefunded { receipt, .. } => (receipt, "refund"),
        Event::CheckReturned { receipt, .. } => (receipt, "nsf"),
        _ => return None,
    };
    Some((receipt.as_str(), format!("{receipt}:{label}:{seq}")))
}

/// The rows of one refund or returned check (journal `seq`, business `date`) of a payment with `lines`,
/// exported in `batch`, kind = the payable's kind, tender `cash` for a refund and `check` for a returned
/// check. A row's amount is what the billing system applies as paid, as for payments: the amount taken
/// back from each payable (its allocations summed, applied and credit) is negative, and so is a
/// returned-check fee charged to an account (a charge raises the balance, as the ledger's own
/// `PayableBalance` does); the fee row's receipt is `…:nsf-fee:SEQ` so it stands apart from the check's.
/// Parts that touch no account (a fee line refunded, change owed back, a fee booked as income) make no
/// row: the billing system holds no balance for them.
pub fn reversal_rows(event: &Event, seq: i64, date: &str, lines: &[PaymentLine], batch: &str) -> std::result::Result<Vec<ExportRow>, String> {
    let Some((receipt, reference)) = reversal_reference(event, seq) else { return Ok(Vec::new()) };
    let (allocations, tender, fee) = match event {
        Event::PaymentRefunded { allocations, .. } => (allocations, TenderKind::Cash, None),
        Event::CheckReturned { allocations, fee_charged_to, fee_amount, .. } => (allocations, TenderKind::Check, fee_charged_to.as_deref().map(|n| (n, *fee_amount))),
        _ => return Ok(Vec::new()),
    };
    let kind_of = |number: &str| {
        lines
            .iter()
            .find_map(|line| match &line.target {
                LineTarget::Payable { number: paid, kind } if paid == number => Some(kind.as_str().to_string()),
                _ => None,
            })
            .ok_or_else(|| format!("{reference}: account {number} is not on the payment it reverses"))
    };
    let row = |number: &str, amount: Money| -> std::result::Result<ExportRow, String> {
        Ok(ExportRow { account: number.to_string(), kind: kind_of(number)?, amount, receipt: reference.clone(), date: date.to_string(), tender: tender.as_str().to_string(), batch: batch.to_string() })
    };
    let mut taken_back: Vec<(&str, i64)> = Vec::new();
    for allocation in allocations {
        let Some(number) = allocation.payable.as_deref() else { continue };
        match taken_back.iter_mut().find(|(n, _)| *n == number) {
            Some((_, cents)) => *cents += allocation.amount.cents(),
            None => taken_back.push((number, allocation.amount.cents())),
        }
    }
    let mut rows = Vec::new();
    for (number, cents) in taken_back.into_iter().filter(|(_, cents)| *cents != 0) {
        rows.push(row(number, Money::from_cents(-cents))?);
    }
    if let Some((number, amount)) = fee.filter(|(_, amount)| !amount.is_zero()) {
        let mut fee_row = row(number, amount.neg())?;
        fee_row.receipt = format!("{receipt}:nsf-fee:{seq}");
        rows.push(fee_row);
    }
    Ok(rows)
}

/// The row of one posted mail or drop-box item of `batch` (opened on `date`), under the item's reference
/// with its terminal first (`T01-M1-0007`)
/// (head office builds the same rows from the entries it holds).
pub fn item_row(item: &BatchItem, terminal: &str, batch: &str, date: &str) -> ExportRow {
    ExportRow {
        account: item.payable.clone(),
        kind: item.payable_kind.as_str().into(),
        amount: item.amount,
        receipt: format!("{terminal}-{}", item.reference(batch)),
        date: date.into(),
        tender: item.tender.kind.as_str().into(),
        batch: file_batch(terminal, batch),
    }
}

/// A batch as the posting file names it: batch ids (`D3`, `M1`) count per terminal, so the file puts the
/// terminal first (`T01-D3`) and one file from head office never holds two terminals' batches, or remittance
/// items (`T01-M1-0007`), under one name.
pub fn file_batch(terminal: &str, batch: &str) -> String {
    format!("{terminal}-{batch}")
}

/// The row of one payment line (head office builds the same rows from the entries it holds).
pub fn row(line: &PaymentLine, receipt: &str, date: &str, tender: &str, batch: &str) -> ExportRow {
    let (account, kind) = match &line.target {
        LineTarget::Payable { number, kind } => (number.clone(), kind.as_str().to_string()),
        LineTarget::Fee { code, .. } => (code.clone(), "fee".to_string()),
    };
    ExportRow { account, kind, amount: line.amount(), receipt: receipt.into(), date: date.into(), tender: tender.into(), batch: batch.into() }
}

/// The tender column: the payment's tender kinds, sorted, joined by `+`.
pub fn tender_text(tenders: &[TenderKind]) -> String {
    let mut kinds: Vec<&str> = tenders.iter().map(|t| t.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds.join("+")
}

type DrawerPayment = (String, String, Vec<PaymentLine>, Vec<TenderKind>);

/// A drawer's payments that stand (not voided): receipt, date, lines, tender kinds.
pub fn drawer_payments(conn: &Connection, drawer_id: i64) -> Result<Vec<DrawerPayment>> {
    let mut statement = conn.prepare_cached(
        "SELECT r.receipt, r.business_date, j.payload FROM receipts r JOIN journal j ON j.seq = r.seq
         WHERE r.drawer_id = ?1 AND r.status <> 'voided' ORDER BY r.number",
    )?;
    let found: Vec<(String, String, String)> = statement.query_map(params![drawer_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (receipt, date, payload) in found {
        match crate::ledger::payload::decode_tagged(&payload) {
            Ok(Event::PaymentTaken { lines, tenders, .. }) => out.push((receipt, date, lines, tenders.iter().map(|t| t.kind).collect())),
            _ => return Err(Error::Invariant(format!("receipt {receipt}: payment entry unreadable"))),
        }
    }
    Ok(out)
}
