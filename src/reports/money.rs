//! The day's money: cash receipts by tender and by payable kind, and the GL distribution (debits and
//! credits per GL account, which must balance).

use std::collections::BTreeMap;

use rusqlite::{params, Connection};

use crate::domain::events::{BatchItem, Event, LineTarget, PaymentLine};
use crate::domain::funds::Funds;
use crate::domain::tender::TenderKind;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::reports::{entries, Document, Section};

fn money(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

/// Cash receipts of the day: counter payments (less same-day voids) and mail/drop-box items posted by
/// approval (less reopened approvals), by tender (cash net of change) and by what was paid.
pub fn day(conn: &Connection, date: &str) -> Result<Document> {
    let mut by_tender: BTreeMap<TenderKind, (i64, i64)> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut add_line = |line: &PaymentLine, sign: i64| {
        let key = match &line.target {
            LineTarget::Payable { kind, .. } => kind.as_str().to_string(),
            LineTarget::Fee { code, .. } => format!("fee {code}"),
        };
        let entry = by_kind.entry(key).or_default();
        entry.0 += sign;
        entry.1 += sign * line.amount().cents();
    };
    let mut adjustments: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let kinds = ["payment_taken", "payment_voided", "batch_approved", "batch_reopened", "payment_refunded", "check_returned"];
    for entry in entries(conn, &kinds, date, false)? {
        match &entry.event {
            Event::PaymentTaken { lines, tenders, change, .. } | Event::PaymentVoided { lines, tenders, change, .. } => {
                let sign = if matches!(entry.event, Event::PaymentTaken { .. }) { 1 } else { -1 };
                for tender in tenders {
                    let row = by_tender.entry(tender.kind).or_default();
                    row.0 += sign;
                    row.1 += sign * tender.amount.cents();
                }
                by_tender.entry(TenderKind::Cash).or_default().1 -= sign * change.cents();
                lines.iter().for_each(|line| add_line(line, sign));
                if sign < 0 {
                    let voids = adjustments.entry("voids (netted above)").or_default();
                    voids.0 += 1;
                    voids.1 += lines.iter().map(|l| l.amount().cents()).sum::<i64>();
                }
            }
            Event::BatchApproved { batch, posted, .. } | Event::BatchReopened { batch, reversed: posted, .. } => {
                let sign = if matches!(entry.event, Event::BatchApproved { .. }) { 1 } else { -1 };
                for item in posted {
                    let tender = batch_item(conn, batch, item.item)?.tender.kind;
                    let row = by_tender.entry(tender).or_default();
                    row.0 += sign;
                    row.1 += sign * item.line.amount().cents();
                    add_line(&item.line, sign);
                }
            }
            Event::PaymentRefunded { amount, .. } => {
                let row = adjustments.entry("refunds (cash out)").or_default();
                row.0 += 1;
                row.1 += amount.cents();
            }
            Event::CheckReturned { check_amount, .. } => {
                let row = adjustments.entry("returned checks").or_default();
                row.0 += 1;
                row.1 += check_amount.cents();
            }
            _ => {}
        }
    }
    let mut tender_section = Section::new("Receipts by tender", &["tender", "count", "amount"]);
    for (tender, (count, cents)) in &by_tender {
        tender_section.row(vec![tender.as_str().into(), count.to_string(), money(*cents)]);
    }
    let tender_total: i64 = by_tender.values().map(|v| v.1).sum();
    tender_section.totals = Some(vec!["total".into(), String::new(), money(tender_total)]);
    let mut kind_section = Section::new("Receipts by payable kind", &["kind", "lines", "amount"]);
    for (kind, (count, cents)) in &by_kind {
        kind_section.row(vec![kind.clone(), count.to_string(), money(*cents)]);
    }
    let kind_total: i64 = by_kind.values().map(|v| v.1).sum();
    kind_section.totals = Some(vec!["total".into(), String::new(), money(kind_total)]);
    if kind_total != tender_total {
        kind_section.notes.push(format!("OUT OF BALANCE: tenders {} vs lines {}", money(tender_total), money(kind_total)));
    }
    let mut adjustment_section = Section::new("Adjustments", &["adjustment", "count", "amount"]);
    for (name, (count, cents)) in &adjustments {
        adjustment_section.row(vec![name.to_string(), count.to_string(), money(*cents)]);
    }
    Ok(Document {
        report: "day".into(),
        title: "Day cash receipts".into(),
        date: date.into(),
        lines: vec![format!("Collected: {}", money(tender_total))],
        sections: vec![tender_section, kind_section, adjustment_section],
    })
}

/// A batch item as entered (its tender and stub), from the journal entry that added it.
pub fn batch_item(conn: &Connection, batch: &str, item: i64) -> Result<BatchItem> {
    let payload: String =
        conn.prepare_cached("SELECT j.payload FROM batch_items i JOIN journal j ON j.seq = i.seq WHERE i.batch = ?1 AND i.item = ?2")?.query_row(params![batch, item], |r| r.get(0))?;
    match crate::ledger::payload::decode_tagged(&payload) {
        Ok(Event::BatchItemAdded { item, .. }) => Ok(item),
        _ => Err(Error::Invariant(format!("batch {batch} item {item}: entry unreadable"))),
    }
}

/// Debits and credits per GL account for every entry of the business date; with funds set up, the same
/// again per fund (`gl_by_fund`).
pub fn gl(conn: &Connection, date: &str, funds: &Funds) -> Result<Document> {
    let mut statement = conn.prepare_cached(
        "SELECT p.account, COALESCE(a.name, ''), SUM(p.debit_cents), SUM(p.credit_cents)
         FROM postings p JOIN journal j ON j.seq = p.seq LEFT JOIN accounts a ON a.code = p.account
         WHERE j.business_date = ?1 GROUP BY p.account ORDER BY p.account",
    )?;
    let rows: Vec<(String, String, i64, i64)> = statement.query_map([date], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut section = Section::new("GL distribution", &["account", "name", "debits", "credits", "net"]);
    for (account, name, debits, credits) in &rows {
        section.row(vec![account.clone(), name.clone(), money(*debits), money(*credits), money(debits - credits)]);
    }
    let debits: i64 = rows.iter().map(|r| r.2).sum();
    let credits: i64 = rows.iter().map(|r| r.3).sum();
    section.totals = Some(vec!["total".into(), String::new(), money(debits), money(credits), money(debits - credits)]);
    section.notes.push(if debits == credits { "Balanced: debits equal credits.".into() } else { "OUT OF BALANCE: debits differ from credits.".into() });
    let mut sections = vec![section];
    if !funds.is_single() {
        sections.push(gl_by_fund(conn, date, funds, (debits, credits))?);
    }
    Ok(Document { report: "gl".into(), title: "GL distribution".into(), date: date.into(), lines: Vec::new(), sections })
}

/// The day's postings by fund and account, each derived from its entry (`Funds::postings_by_fund`: the
/// lines' payable kinds and fee codes, the deposit's banks); each fund's subtotal, and totals that equal
/// the plain distribution's (`plain`), which the note states.
fn gl_by_fund(conn: &Connection, date: &str, funds: &Funds, plain: (i64, i64)) -> Result<Section> {
    let mut statement = conn.prepare_cached("SELECT j.seq, j.payload FROM journal j WHERE j.business_date = ?1 AND EXISTS (SELECT 1 FROM postings p WHERE p.seq = j.seq) ORDER BY j.seq")?;
    let rows: Vec<(i64, String)> = statement.query_map([date], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut events = Vec::with_capacity(rows.len());
    for (seq, payload) in rows {
        events.push(crate::ledger::payload::decode_tagged(&payload).map_err(|e| Error::Invariant(format!("entry {seq}: payload unreadable: {e}")))?);
    }
    let names: BTreeMap<String, String> = conn.prepare_cached("SELECT code, name FROM accounts")?.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    Ok(fund_section(&events, funds, &names, plain))
}

/// The "GL by fund" section of `events` (the entries of a day that carry postings, in any order): each
/// posting's fund from `Funds::postings_by_fund`, per fund its accounts and a subtotal, and totals compared
/// with the plain distribution's (`plain`: debits, credits). Head office builds its section with it too.
pub fn fund_section(events: &[Event], funds: &Funds, names: &BTreeMap<String, String>, plain: (i64, i64)) -> Section {
    let mut sums: BTreeMap<(usize, String), (i64, i64)> = BTreeMap::new();
    let order = funds.codes();
    for event in events {
        for (fund, posting) in funds.postings_by_fund(event) {
            let rank = order.iter().position(|f| *f == fund).unwrap_or(0);
            let row = sums.entry((rank, posting.account.to_string())).or_default();
            row.0 += posting.debit.cents();
            row.1 += posting.credit.cents();
        }
    }
    let mut section = Section::new("GL by fund", &["fund", "account", "name", "debits", "credits", "net"]);
    let (mut debits, mut credits) = (0, 0);
    for (rank, fund) in order.iter().enumerate() {
        let accounts: Vec<(&String, &(i64, i64))> = sums.iter().filter(|((r, _), _)| *r == rank).map(|((_, a), v)| (a, v)).collect();
        if accounts.is_empty() {
            continue;
        }
        for (account, (d, c)) in &accounts {
            section.row(vec![fund.to_string(), account.to_string(), names.get(*account).cloned().unwrap_or_default(), money(*d), money(*c), money(d - c)]);
        }
        let (d, c) = accounts.iter().fold((0, 0), |(d, c), (_, v)| (d + v.0, c + v.1));
        section.row(vec![fund.to_string(), "total".into(), funds.name_of(fund).to_string(), money(d), money(c), money(d - c)]);
        debits += d;
        credits += c;
    }
    section.totals = Some(vec!["all funds".into(), String::new(), String::new(), money(debits), money(credits), money(debits - credits)]);
    section.notes.push(if (debits, credits) == plain { "Adds up to the GL distribution above.".into() } else { "DIFFERS from the GL distribution above.".into() });
    section
}
