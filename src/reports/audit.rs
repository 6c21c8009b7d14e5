//! Audit reports: exceptions (voids, refunds, no-sales, paid-outs/ins, refused approvals, batch
//! rejections and corrections) with both users and reasons; receipt-number gaps; returned checks.

use rusqlite::Connection;

use crate::domain::events::Event;
use crate::error::Result;
use crate::money::Money;
use crate::reports::{entries, time_of, Document, Section};

const EXCEPTION_KINDS: &[&str] =
    &["payment_voided", "payment_refunded", "no_sale", "paid_out", "paid_in", "approval_refused", "batch_rejected", "batch_reopened", "batch_item_removed", "clock_warning", "user_unlocked"];

/// Every exception of the day with who did it, who approved it and why.
pub fn exceptions(conn: &Connection, date: &str) -> Result<Document> {
    let mut section = Section::new("Exceptions", &["seq", "time", "kind", "reference", "amount", "user", "approver", "reason"]);
    let mut totals: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
    for entry in entries(conn, EXCEPTION_KINDS, date, false)? {
        let (reference, amount, reason) = match &entry.event {
            Event::PaymentVoided { receipt, reason, lines, .. } => (receipt.clone(), Money::sum(lines.iter().map(|l| l.amount())), reason.clone()),
            Event::PaymentRefunded { receipt, reason, amount, .. } => (receipt.clone(), Some(*amount), reason.clone()),
            Event::NoSale { drawer_id, reason } => (format!("drawer {drawer_id}"), None, reason.clone()),
            Event::PaidOut { drawer_id, amount, reason } | Event::PaidIn { drawer_id, amount, reason } => (format!("drawer {drawer_id}"), Some(*amount), reason.clone()),
            Event::ApprovalRefused { action, reason, .. } => (action.clone(), None, reason.clone()),
            Event::BatchRejected { batch, reason, .. } => (batch.clone(), None, reason.clone()),
            Event::BatchReopened { batch, reason, reversed } => (batch.clone(), Money::sum(reversed.iter().map(|p| p.line.amount())), reason.clone()),
            Event::BatchItemRemoved { batch, item, reason } => (item.reference(batch), Some(item.amount), reason.clone()),
            Event::ClockWarning { message, .. } => ("clock".into(), None, message.clone()),
            Event::UserUnlocked { name } => (name.clone(), None, "lockout lifted by an admin".into()),
            _ => continue,
        };
        let kind = entry.event.kind().to_string();
        let total = totals.entry(kind.clone()).or_default();
        total.0 += 1;
        total.1 += amount.map_or(0, |m| m.cents());
        section.row(vec![
            entry.seq.to_string(),
            time_of(&entry.at),
            kind,
            reference,
            amount.map(|m| m.to_string()).unwrap_or_default(),
            entry.user.unwrap_or_default(),
            entry.approver.unwrap_or_default(),
            reason,
        ]);
    }
    let mut summary = Section::new("Exceptions by kind", &["kind", "count", "amount"]);
    for (kind, (count, cents)) in totals {
        summary.row(vec![kind, count.to_string(), Money::from_cents(cents).to_string()]);
    }
    Ok(Document { report: "exceptions".into(), title: "Exceptions: voids, refunds, no-sales, paid-outs".into(), date: date.into(), lines: Vec::new(), sections: vec![summary, section] })
}

/// Receipt numbers issued in the month through the date (first, last, count, and any number missing since
/// the last one issued before the month), and each remittance batch of the month's item numbers likewise.
/// Voided receipts and removed items are not gaps. Months follow each other without a hole: a number
/// missing between two months is reported with the later one.
pub fn gaps(conn: &Connection, terminal: &str, date: &str) -> Result<Document> {
    let from = crate::reports::month_start(date)?;
    let mut section = Section::new("Number series", &["series", "first", "last", "issued", "voided", "missing"]);
    let mut missing_lines = Vec::new();
    let receipts = receipts_between(conn, &from, date)?;
    let numbers: Vec<i64> = receipts.iter().map(|r| r.0).collect();
    let voided = receipts.iter().filter(|r| r.1 == "voided").count();
    let before: Option<i64> = match numbers.first() {
        Some(first) => conn.prepare_cached("SELECT MAX(number) FROM receipts WHERE number < ?1")?.query_row([first], |r| r.get(0))?,
        None => None,
    };
    let missing = missing_numbers(before.unwrap_or(0) + 1, &numbers);
    section.row(series_row(&format!("receipts {terminal}"), &numbers, voided, &missing));
    missing_lines.extend(missing.iter().map(|n| format!("MISSING receipt {terminal}-{n:06}")));
    let mut statement = conn.prepare_cached(PERIOD_BATCHES_SQL)?;
    let batches: Vec<String> = statement.query_map([&from, date], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    for batch in batches {
        let mut statement = conn.prepare_cached("SELECT item, state FROM batch_items WHERE batch = ?1 ORDER BY item")?;
        let items: Vec<(i64, String)> = statement.query_map([&batch], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        let numbers: Vec<i64> = items.iter().map(|r| r.0).collect();
        let removed = items.iter().filter(|r| r.1 == "removed").count();
        let missing = missing_numbers(1, &numbers);
        section.row(series_row(&format!("batch {batch} items"), &numbers, removed, &missing));
        missing_lines.extend(missing.iter().map(|n| format!("MISSING item {batch}-{n:04}")));
    }
    let total_missing = missing_lines.len();
    section.notes = missing_lines;
    section.notes.push(format!("{total_missing} number(s) missing."));
    Ok(Document { report: "gaps".into(), title: "Receipt-number gap report".into(), date: date.into(), lines: vec![format!("Numbers issued from {from} through {date}")], sections: vec![section] })
}

/// The remittance batches dated `?1` through `?2`, through the `batches_date` index.
pub const PERIOD_BATCHES_SQL: &str = "SELECT id FROM batches WHERE kind <> 'counter' AND business_date BETWEEN ?1 AND ?2 ORDER BY business_date, id";
/// Receipts from number `?1` on, in key order (read until the period ends).
pub const RECEIPTS_FROM_SQL: &str = "SELECT number, status, business_date FROM receipts WHERE number >= ?1 ORDER BY number";

/// The receipts dated `from` through `through` (number, status) in number order, read as one range of the
/// receipts key: numbers are issued in business-date order, so the range starts at the first receipt dated
/// `from` or later (found by bisecting the key, a few lookups) and the reading stops at the first dated after
/// `through`. Each row's date is still checked, so a receipt out of order is left out, never mis-dated in.
fn receipts_between(conn: &Connection, from: &str, through: &str) -> Result<Vec<(i64, String)>> {
    let Some(last) = conn.prepare_cached("SELECT MAX(number) FROM receipts")?.query_row([], |r| r.get::<_, Option<i64>>(0))? else {
        return Ok(Vec::new());
    };
    let mut at_or_after = conn.prepare_cached("SELECT number, business_date FROM receipts WHERE number >= ?1 ORDER BY number LIMIT 1")?;
    // The smallest number whose first receipt at or after it is dated `from` or later.
    let (mut low, mut high) = (1i64, last + 1);
    while low < high {
        let middle = low + (high - low) / 2;
        let found: Option<(i64, String)> = rusqlite::OptionalExtension::optional(at_or_after.query_row([middle], |r| Ok((r.get(0)?, r.get(1)?))))?;
        match found {
            Some((number, business_date)) if business_date.as_str() < from => low = number + 1,
            _ => high = middle,
        }
    }
    let mut statement = conn.prepare_cached(RECEIPTS_FROM_SQL)?;
    let mut rows = statement.query([low])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let business_date: String = row.get(2)?;
        if business_date.as_str() > through {
            break;
        }
        if business_date.as_str() >= from {
            out.push((row.get(0)?, row.get(1)?));
        }
    }
    Ok(out)
}

fn series_row(name: &str, numbers: &[i64], voided: usize, missing: &[i64]) -> Vec<String> {
    let first = numbers.first().map(i64::to_string).unwrap_or_default();
    let last = numbers.last().map(i64::to_string).unwrap_or_default();
    vec![name.into(), first, last, numbers.len().to_string(), voided.to_string(), missing.len().to_string()]
}

/// Numbers from `start` to the largest issued that were never issued.
fn missing_numbers(start: i64, sorted: &[i64]) -> Vec<i64> {
    let mut out = Vec::new();
    let mut expected = start;
    for &number in sorted {
        while expected < number && out.len() < 10_000 {
            out.push(expected);
            expected += 1;
        }
        expected = number + 1;
    }
    out
}

/// Returned checks recorded in the month through the date: receipt, check amount, fee, account charged, both users.
pub fn nsf(conn: &Connection, date: &str) -> Result<Document> {
    let from = crate::reports::month_start(date)?;
    let mut section = Section::new("Returned checks", &["date", "receipt", "check", "fee", "charged to", "user", "approver"]);
    let (mut checks, mut fees) = (0i64, 0i64);
    for entry in crate::reports::entries_between(conn, &["check_returned"], &from, date)? {
        if let Event::CheckReturned { receipt, check_amount, fee_amount, fee_charged_to, fee_code, .. } = &entry.event {
            checks += check_amount.cents();
            fees += fee_amount.cents();
            section.row(vec![
                entry.business_date.clone(),
                receipt.clone(),
                check_amount.to_string(),
                fee_amount.to_string(),
                fee_charged_to.clone().unwrap_or_else(|| format!("returned checks ({fee_code})")),
                entry.user.clone().unwrap_or_default(),
                entry.approver.clone().unwrap_or_default(),
            ]);
        }
    }
    section.totals = Some(vec!["total".into(), String::new(), Money::from_cents(checks).to_string(), Money::from_cents(fees).to_string()]);
    Ok(Document { report: "nsf".into(), title: "Returned checks (NSF)".into(), date: date.into(), lines: vec![format!("Recorded from {from} through {date}")], sections: vec![section] })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the gap finder reports exactly the numbers never issued below the largest one.
    #[test]
    fn missing_numbers_are_found() {
        assert_eq!(missing_numbers(1, &[1, 2, 3]), Vec::<i64>::new());
        assert_eq!(missing_numbers(1, &[2, 3, 6]), vec![1, 4, 5]);
        assert_eq!(missing_numbers(1, &[]), Vec::<i64>::new());
        // A month's series continues from the last number issued before it.
        assert_eq!(missing_numbers(41, &[43, 44]), vec![41, 42]);
    }
}
