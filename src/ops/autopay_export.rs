//! Autopay in the billing posting file (`ops::export`): a settled debit is a payment row (tender `ach`,
//! reference `AR2-ACH0000003`: run and trace sequence), exported once like a receipt; a return of an exported
//! debit is a negative row (`AR2-ACH0000003:return:SEQ`) and its fee another (`…:return-fee:SEQ`), as for a
//! returned check. A debit returned before it settled was never posted and makes no row.

use std::collections::HashSet;

use rusqlite::Connection;

use crate::domain::events::{AutopayPosted, AutopayReturn, Event};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::ops::export::{file_batch, row, ExportRow};

fn debit_reference(run: &str, trace: i64) -> String {
    format!("{run}-ACH{trace:07}")
}

/// (seq, event) of every entry of `kind` filed under `subject` (or all, when None), in order.
fn entries(conn: &Connection, kind: &str, subject: Option<&str>) -> Result<Vec<(i64, String, Event)>> {
    let mut statement =
        conn.prepare_cached("SELECT j.seq, j.business_date, j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind = ?1 AND (?2 IS NULL OR r.subject = ?2) ORDER BY r.seq")?;
    let found: Vec<(i64, String, String)> = statement.query_map(rusqlite::params![kind, subject], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    found
        .into_iter()
        .map(|(seq, date, payload)| Ok((seq, date, crate::ledger::payload::decode_tagged(&payload).map_err(|e| Error::Invariant(format!("entry {seq}: payload unreadable: {e}")))?)))
        .collect()
}

pub fn settled_row(terminal: &str, run: &str, date: &str, posted: &AutopayPosted) -> ExportRow {
    row(&posted.line, &debit_reference(run, posted.trace), date, "ach", &file_batch(terminal, run))
}

/// The rows of one return (entry `seq`, business `date`) of a debit of `run`.
pub fn return_rows(terminal: &str, run: &str, seq: i64, date: &str, item: &AutopayReturn, kind: &str) -> Vec<ExportRow> {
    let reference = debit_reference(run, item.trace);
    let mut out = Vec::new();
    let taken: i64 = item.allocations.iter().map(|a| a.amount.cents()).sum();
    if let Some(account) = item.allocations.iter().find_map(|a| a.payable.clone()) {
        out.push(ExportRow {
            account,
            kind: kind.into(),
            amount: Money::from_cents(-taken),
            receipt: format!("{reference}:return:{seq}"),
            date: date.into(),
            tender: "ach".into(),
            batch: file_batch(terminal, run),
        });
    }
    if let Some(account) = &item.fee_charged_to {
        out.push(ExportRow {
            account: account.clone(),
            kind: kind.into(),
            amount: item.fee_amount.neg(),
            receipt: format!("{reference}:return-fee:{seq}"),
            date: date.into(),
            tender: "ach".into(),
            batch: file_batch(terminal, run),
        });
    }
    out
}

/// The payable kind a return's debit was on.
fn kind_of(conn: &Connection, enrolment: &str) -> Result<String> {
    let state = crate::ops::autopay::State::load(conn)?;
    Ok(state.enrolments.get(enrolment).map(|e| e.payable_kind.as_str().to_string()).unwrap_or_default())
}

/// Adds the autopay rows waiting for a file of `date`: debits settled on `date`, then returns (of any date)
/// of debits exported before or in this file. `exported` says whether a reference went out in an earlier file.
pub fn pending(conn: &Connection, terminal: &str, date: &str, exported: &dyn Fn(&str) -> Result<bool>, references: &mut Vec<String>, rows: &mut Vec<ExportRow>) -> Result<()> {
    let mut in_this_file = HashSet::new();
    for (_, _, event) in entries(conn, "autopay_settled", None)? {
        let Event::AutopaySettled { run, date: settled, posted } = event else { continue };
        if settled != date {
            continue;
        }
        for item in &posted {
            let reference = debit_reference(&run, item.trace);
            if exported(&reference)? {
                continue;
            }
            rows.push(settled_row(terminal, &run, &settled, item));
            in_this_file.insert(reference.clone());
            references.push(reference);
        }
    }
    let state = crate::ops::autopay::State::load(conn)?;
    for (seq, business_date, event) in entries(conn, "autopay_returned", None)? {
        let Event::AutopayReturned { returns, .. } = event else { continue };
        for item in returns.iter().filter(|r| r.settled) {
            let Some(run) = state.debits.get(&item.trace).map(|d| d.run.clone()) else { continue };
            let debit = debit_reference(&run, item.trace);
            let reference = format!("{debit}:return:{seq}");
            if exported(&reference)? || !(in_this_file.contains(&debit) || exported(&debit)?) {
                continue;
            }
            let kind = state.enrolments.get(&item.enrolment).map(|e| e.payable_kind.as_str()).unwrap_or_default();
            rows.extend(return_rows(terminal, &run, seq, &business_date, item, kind));
            references.push(reference);
        }
    }
    Ok(())
}

/// The rows of an autopay reference, rebuilt from its entries; None when `reference` is not autopay's.
pub fn rows_of(conn: &Connection, terminal: &str, reference: &str) -> Result<Option<Vec<ExportRow>>> {
    let (debit, rest) = match reference.split_once(':') {
        Some((debit, rest)) => (debit, Some(rest)),
        None => (reference, None),
    };
    let Some((run, trace)) = debit.split_once("-ACH").and_then(|(run, trace)| Some((run, trace.parse::<i64>().ok()?))) else { return Ok(None) };
    if !run.starts_with("AR") {
        return Ok(None);
    }
    let unknown = || Error::Invariant(format!("export reference {reference}: no such autopay debit or return"));
    match rest {
        None => {
            for (_, _, event) in entries(conn, "autopay_settled", Some(run))? {
                if let Event::AutopaySettled { date, posted, .. } = event {
                    if let Some(item) = posted.iter().find(|p| p.trace == trace) {
                        return Ok(Some(vec![settled_row(terminal, run, &date, item)]));
                    }
                }
            }
            Err(unknown())
        }
        Some(rest) => {
            let seq: i64 = rest.strip_prefix("return:").and_then(|s| s.parse().ok()).ok_or_else(unknown)?;
            let (date, payload): (String, String) = conn.query_row("SELECT business_date, payload FROM journal WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let Ok(Event::AutopayReturned { returns, .. }) = crate::ledger::payload::decode_tagged(&payload) else { return Err(unknown()) };
            let item = returns.iter().find(|r| r.trace == trace).ok_or_else(unknown)?;
            Ok(Some(return_rows(terminal, run, seq, &date, item, &kind_of(conn, &item.enrolment)?)))
        }
    }
}
