//! The billing-system posting file (for cities without a head office): one CSV row per payment line of
//! the approved batches of a date, each payment exported exactly once however often the export runs, and
//! the refunds and returned checks of exported payments as negative rows, each exactly once too.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rusqlite::{params, Connection};

use crate::domain::events::{counter_batch, BatchItem, Event, LineTarget, PaymentLine};
use crate::domain::tender::TenderKind;
use crate::error::{Error, Result};
use crate::ledger::schema::receipt_key;
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::batch;
use crate::ops::payment::CASHIER_ROLES;

/// The posting file's header, in the order the billing system imports.
pub const HEADER: &str = "account,kind,amount,receipt,date,tender,batch";

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

/// What an export wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportResult {
    pub date: String,
    pub payments: usize,
    pub rows: Vec<ExportRow>,
    pub total: Money,
}

/// Exports the not-yet-exported payments of `date`'s approved batches, and every refund or returned check
/// not exported yet (of any date) whose payment is exported (before, or in this file). With `out`, the file is written and
/// synced before the export entry commits (a failed commit removes it); without, the caller prints the rows.
pub fn payments(ledger: &mut Ledger, actor: &Actor, date: &str, out: Option<&Path>) -> Result<ExportResult> {
    actor.require(CASHIER_ROLES, "export payments")?;
    let terminal = ledger.terminal().to_string();
    ledger.write(|w| {
        let (references, rows) = pending(w.conn(), &terminal, date)?;
        let total = Money::from_cents(rows.iter().map(|r| r.amount.cents()).sum());
        if let Some(path) = out {
            write_file(path, &rows)?;
        }
        if !references.is_empty() {
            let event = Event::PaymentsExported { date: date.to_string(), references: references.clone(), total };
            if let Err(error) = w.append(Some(&actor.name), None, &event) {
                if let Some(path) = out {
                    let _ = std::fs::remove_file(path);
                }
                return Err(error);
            }
        }
        Ok(ExportResult { date: date.to_string(), payments: references.len(), rows, total })
    })
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

fn write_file(path: &Path, rows: &[ExportRow]) -> Result<()> {
    let text = csv_text(rows)?;
    let mut file = std::fs::File::create(path).map_err(|e| Error::file(path, e))?;
    file.write_all(text.as_bytes()).map_err(|e| Error::file(path, e))?;
    file.sync_all().map_err(|e| Error::file(path, e))
}

/// Payments of approved batches of `date` not exported before: (references, rows).
fn pending(conn: &Connection, terminal: &str, date: &str) -> Result<(Vec<String>, Vec<ExportRow>)> {
    let mut references = Vec::new();
    let mut rows = Vec::new();
    let already = |reference: &str| -> Result<bool> {
        Ok(conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM exported_payments WHERE reference = ?1)")?.query_row([reference], |r| r.get(0))?)
    };
    for summary in batch::list(conn, Some(date))?.into_iter().filter(|b| b.state == "approved") {
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
                for item in batch::items_in_state(conn, &summary.batch, "posted")? {
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
    Ok((references, rows))
}

/// Refunds and returned checks not exported before whose payment is exported (earlier, or among
/// `references`, this file's): their rows and references are added. A reversal of a payment not exported
/// yet waits and goes out with it, so billing ends with the same balance whichever came first.
fn reversals(conn: &Connection, terminal: &str, references: &mut Vec<String>, rows: &mut Vec<ExportRow>) -> Result<()> {
    let in_this_file: HashSet<String> = references.iter().cloned().collect();
    let exported = |reference: &str| -> Result<bool> {
        Ok(in_this_file.contains(reference)
            || conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM exported_payments WHERE reference = ?1)")?.query_row([reference], |r| r.get(0))?)
    };
    let mut statement =
        conn.prepare_cached(
            "SELECT j.seq, j.business_date, j.payload FROM journal j
             WHERE j.seq IN (SELECT seq FROM entry_refs WHERE kind IN ('payment_refunded', 'check_returned')) ORDER BY j.seq",
        )?;
    let found: Vec<(i64, String, String)> = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (seq, date, payload) in found {
        let event: Event = serde_json::from_str(&payload).map_err(|e| Error::Invariant(format!("entry {seq}: payload unreadable: {e}")))?;
        let Some((receipt, reference)) = reversal_reference(&event, seq) else { continue };
        if exported(&reference)? || !exported(receipt)? {
            continue;
        }
        let (drawer_id, payment): (i64, String) = conn
            .prepare_cached("SELECT r.drawer_id, j.payload FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.number = ?2 AND r.receipt = ?1")?
            .query_row(params![receipt, receipt_key(receipt)], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let Ok(Event::PaymentTaken { lines, .. }) = serde_json::from_str(&payment) else {
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
        Ok(ExportRow {
            account: number.to_string(),
            kind: kind_of(number)?,
            amount,
            receipt: reference.clone(),
            date: date.to_string(),
            tender: tender.as_str().to_string(),
            batch: batch.to_string(),
        })
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
    let found: Vec<(String, String, String)> =
        statement.query_map(params![drawer_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (receipt, date, payload) in found {
        match serde_json::from_str(&payload) {
            Ok(Event::PaymentTaken { lines, tenders, .. }) => out.push((receipt, date, lines, tenders.iter().map(|t| t.kind).collect())),
            _ => return Err(Error::Invariant(format!("receipt {receipt}: payment entry unreadable"))),
        }
    }
    Ok(out)
}
