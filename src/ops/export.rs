//! The billing-system posting file (for cities without a head office): one CSV row per payment line of
//! the approved batches of a date, each payment exported exactly once however often the export runs.

use std::io::Write;
use std::path::Path;

use rusqlite::{params, Connection};

use crate::domain::events::{Event, LineTarget, PaymentLine};
use crate::domain::tender::TenderKind;
use crate::error::{Error, Result};
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

/// Exports the not-yet-exported payments of `date`'s approved batches. With `out`, the file is written and
/// synced before the export entry commits (a failed commit removes it); without, the caller prints the rows.
pub fn payments(ledger: &mut Ledger, actor: &Actor, date: &str, out: Option<&Path>) -> Result<ExportResult> {
    actor.require(CASHIER_ROLES, "export payments")?;
    ledger.write(|w| {
        let (references, rows) = pending(w.conn(), date)?;
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
        writer.write_record([&row.account, &row.kind, &amount, &row.receipt, &row.date, &row.tender, &row.batch]).map_err(csv_error)?;
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
fn pending(conn: &Connection, date: &str) -> Result<(Vec<String>, Vec<ExportRow>)> {
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
                    rows.extend(lines.iter().map(|line| row(line, &receipt, &business_date, &tender, &summary.batch)));
                    references.push(receipt);
                }
            }
            None => {
                for item in batch::items_in_state(conn, &summary.batch, "posted")? {
                    let reference = item.reference(&summary.batch);
                    if already(&reference)? {
                        continue;
                    }
                    rows.push(ExportRow {
                        account: item.payable.clone(),
                        kind: item.payable_kind.as_str().into(),
                        amount: item.amount,
                        receipt: reference.clone(),
                        date: summary.business_date.clone(),
                        tender: item.tender.kind.as_str().into(),
                        batch: summary.batch.clone(),
                    });
                    references.push(reference);
                }
            }
        }
    }
    Ok((references, rows))
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
