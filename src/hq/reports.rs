//! Head-office outputs for finance and billing: the payment posting file (each payment exported exactly
//! once) and the consolidated day report across terminals.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use postgres::Client;

use crate::domain::events::{Event, LineTarget};
use crate::domain::tender::TenderKind;
use crate::hq::admin::server;
use crate::hq::error::{HqError, HqResult};
use crate::money::Money;

/// Serialises exports so two runs cannot both claim the same entries.
const EXPORT_LOCK_KEY: i64 = 0x0C17_7112;
const PAYMENT_KINDS: [&str; 4] = ["payment_taken", "payment_voided", "payment_refunded", "check_returned"];

/// One line of the billing system's posting file. `amount` is signed: payments positive, reversals negative.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PostingLine {
    pub terminal: String,
    pub seq: i64,
    pub receipt: String,
    pub business_date: String,
    /// payment, void, refund, returned_check, returned_check_fee
    pub kind: String,
    /// payable or fee
    pub target: String,
    /// Payable number or fee code.
    pub number: String,
    pub amount: Money,
}

/// An export: its batch number (None for a reprint) and its lines, in terminal and sequence order.
#[derive(Debug, serde::Serialize)]
pub struct Export {
    pub batch: Option<i64>,
    pub entries: usize,
    pub lines: Vec<PostingLine>,
}

impl Export {
    /// The posting file: a CSV with a header, amounts as plain decimals.
    pub fn to_csv(&self) -> HqResult<Vec<u8>> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| HqError::Invalid(format!("export: {e}"));
        writer.write_record(["batch", "terminal", "seq", "receipt", "business_date", "kind", "target", "number", "amount"]).map_err(fail)?;
        let batch = self.batch.map(|b| b.to_string()).unwrap_or_else(|| "reprint".into());
        for line in &self.lines {
            writer
                .write_record([&batch, &line.terminal, &line.seq.to_string(), &line.receipt, &line.business_date, &line.kind, &line.target, &line.number, &line.amount.to_string()])
                .map_err(fail)?;
        }
        writer.into_inner().map_err(|e| HqError::Invalid(format!("export: {e}")))
    }
}

/// Exports the payments of `date` not exported before, marking them exported only if `deliver` (which
/// writes the file) succeeds; with `reprint`, every payment of that date again, marking nothing.
pub fn export_payments(client: &mut Client, date: NaiveDate, reprint: bool, deliver: impl FnOnce(&Export) -> HqResult<()>) -> HqResult<Export> {
    let date_text = date.format("%Y-%m-%d").to_string();
    let kinds: Vec<String> = PAYMENT_KINDS.iter().map(|k| k.to_string()).collect();
    let mut tx = client.transaction().map_err(server)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&EXPORT_LOCK_KEY]).map_err(server)?;
    let (batch, rows) = if reprint {
        let rows = tx
            .query(
                "SELECT terminal, seq, business_date, payload FROM citytill.entries
                  WHERE business_date = $1 AND kind = ANY($2) ORDER BY terminal, seq",
                &[&date_text, &kinds],
            )
            .map_err(server)?;
        (None, rows)
    } else {
        let batch: i64 = tx.query_one("SELECT nextval('citytill.export_batch')", &[]).map_err(server)?.get(0);
        let rows = tx
            .query(
                "WITH claimed AS (
                     INSERT INTO citytill.exports(terminal, seq, batch)
                     SELECT e.terminal, e.seq, $3 FROM citytill.entries e
                      WHERE e.business_date = $1 AND e.kind = ANY($2)
                     ON CONFLICT (terminal, seq) DO NOTHING
                     RETURNING terminal, seq)
                 SELECT e.terminal, e.seq, e.business_date, e.payload FROM citytill.entries e JOIN claimed c USING (terminal, seq)
                  ORDER BY e.terminal, e.seq",
                &[&date_text, &kinds, &batch],
            )
            .map_err(server)?;
        (Some(batch), rows)
    };
    let mut lines = Vec::new();
    for row in &rows {
        let (terminal, seq, business_date, payload): (String, i64, String, String) = (row.get(0), row.get(1), row.get(2), row.get(3));
        let event: Event = serde_json::from_str(&payload).map_err(|e| HqError::Invalid(format!("entry {terminal}/{seq}: payload: {e}")))?;
        let mut push = |receipt: &str, kind: &str, target: &str, number: &str, amount: Money| {
            lines.push(PostingLine { terminal: terminal.clone(), seq, receipt: receipt.into(), business_date: business_date.clone(), kind: kind.into(), target: target.into(), number: number.into(), amount });
        };
        posting_lines(&event, &mut push);
    }
    let export = Export { batch, entries: rows.len(), lines };
    deliver(&export)?;
    tx.commit().map_err(server)?;
    Ok(export)
}

/// The billing lines one payment event makes.
fn posting_lines(event: &Event, push: &mut impl FnMut(&str, &str, &str, &str, Money)) {
    let target = |line: &LineTarget| match line {
        LineTarget::Payable { number, .. } => ("payable", number.clone()),
        LineTarget::Fee { code, .. } => ("fee", code.clone()),
    };
    match event {
        Event::PaymentTaken { receipt, lines, .. } => {
            for line in lines {
                let (kind, number) = target(&line.target);
                push(receipt, "payment", kind, &number, line.applied);
            }
        }
        Event::PaymentVoided { receipt, lines, .. } => {
            for line in lines {
                let (kind, number) = target(&line.target);
                push(receipt, "void", kind, &number, line.applied.neg());
            }
        }
        Event::PaymentRefunded { receipt, allocations, .. } => {
            for allocation in allocations.iter().filter(|a| a.payable.is_some()) {
                push(receipt, "refund", "payable", allocation.payable.as_deref().unwrap_or(""), allocation.amount.neg());
            }
        }
        Event::CheckReturned { receipt, allocations, fee_code, fee_amount, fee_charged_to, .. } => {
            for allocation in allocations.iter().filter(|a| a.payable.is_some()) {
                push(receipt, "returned_check", "payable", allocation.payable.as_deref().unwrap_or(""), allocation.amount.neg());
            }
            if let Some(number) = fee_charged_to {
                push(receipt, "returned_check_fee", "payable", number, *fee_amount);
            } else if !fee_amount.is_zero() {
                push(receipt, "returned_check_fee", "fee", fee_code, *fee_amount);
            }
        }
        _ => {}
    }
}

/// One terminal's day.
#[derive(Debug, Default, serde::Serialize)]
pub struct TerminalDay {
    pub terminal: String,
    pub entries: i64,
    pub payments: i64,
    pub voids: i64,
    /// Net collected per tender (change given back is taken off cash; voids reverse).
    pub tenders: BTreeMap<String, Money>,
}

/// Debits and credits per GL account.
#[derive(Debug, serde::Serialize)]
pub struct AccountTotal {
    pub account: String,
    pub debit: Money,
    pub credit: Money,
}

/// The consolidated day across terminals.
#[derive(Debug, serde::Serialize)]
pub struct DayReport {
    pub date: String,
    pub terminals: Vec<TerminalDay>,
    pub accounts: Vec<AccountTotal>,
    pub total_debit: Money,
    pub total_credit: Money,
    pub balanced: bool,
}

pub fn day_report(client: &mut Client, date: NaiveDate) -> HqResult<DayReport> {
    let date_text = date.format("%Y-%m-%d").to_string();
    let mut terminals: BTreeMap<String, TerminalDay> = BTreeMap::new();
    let rows = client
        .query("SELECT terminal, kind, payload FROM citytill.entries WHERE business_date = $1 ORDER BY terminal, seq", &[&date_text])
        .map_err(server)?;
    for row in &rows {
        let (terminal, kind, payload): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let day = terminals.entry(terminal.clone()).or_insert_with(|| TerminalDay { terminal: terminal.clone(), ..TerminalDay::default() });
        day.entries += 1;
        if kind != "payment_taken" && kind != "payment_voided" {
            continue;
        }
        let event: Event = serde_json::from_str(&payload).map_err(|e| HqError::Invalid(format!("entry of {terminal}: payload: {e}")))?;
        let (tenders, change, sign) = match &event {
            Event::PaymentTaken { tenders, change, .. } => (tenders, *change, 1),
            Event::PaymentVoided { tenders, change, .. } => (tenders, *change, -1),
            _ => continue,
        };
        if sign > 0 { day.payments += 1 } else { day.voids += 1 }
        for tender in tenders {
            add(&mut day.tenders, tender.kind.as_str(), tender.amount.cents() * sign);
        }
        add(&mut day.tenders, TenderKind::Cash.as_str(), -change.cents() * sign);
    }
    let accounts: Vec<AccountTotal> = client
        .query(
            "SELECT p.account, sum(p.debit_cents)::bigint, sum(p.credit_cents)::bigint
               FROM citytill.postings p JOIN citytill.entries e USING (terminal, seq)
              WHERE e.business_date = $1 GROUP BY p.account ORDER BY p.account",
            &[&date_text],
        )
        .map_err(server)?
        .iter()
        .map(|r| AccountTotal { account: r.get(0), debit: Money::from_cents(r.get(1)), credit: Money::from_cents(r.get(2)) })
        .collect();
    let total_debit = Money::from_cents(accounts.iter().map(|a| a.debit.cents()).sum());
    let total_credit = Money::from_cents(accounts.iter().map(|a| a.credit.cents()).sum());
    Ok(DayReport { date: date_text, terminals: terminals.into_values().collect(), accounts, total_debit, total_credit, balanced: total_debit == total_credit })
}

fn add(totals: &mut BTreeMap<String, Money>, key: &str, cents: i64) {
    let entry = totals.entry(key.to_string()).or_insert(Money::ZERO);
    *entry = Money::from_cents(entry.cents() + cents);
}
