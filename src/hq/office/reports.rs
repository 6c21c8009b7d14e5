//! Head-office outputs for finance and billing: the payment posting file (each payment and each refund or
//! returned check exported exactly once) and the consolidated day report across terminals.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use postgres::{Client, Transaction};

use crate::domain::events::{counter_batch, Event};
use crate::domain::tender::TenderKind;
use crate::hq::error::{HqError, HqResult};
use crate::hq::office::admin::server;
use crate::money::Money;
use crate::ops::export::{self, ExportRow};

/// Serialises exports so two runs cannot both claim the same entries.
const EXPORT_LOCK_KEY: i64 = 0x0C17_7112;

/// An export: its batch number (None for a reprint), how many entries it claimed, and its rows — the same
/// rows, columns and references as the terminal's own `citytill export payments` (`ops::export`).
#[derive(Debug, serde::Serialize)]
pub struct Export {
    pub batch: Option<i64>,
    pub entries: usize,
    pub rows: Vec<ExportRow>,
}

impl Export {
    /// The posting file: `ops::export::HEADER` then one row per payment line, amounts as plain decimals.
    pub fn to_csv(&self) -> HqResult<Vec<u8>> {
        export::csv_text(&self.rows).map(String::into_bytes).map_err(|e| HqError::Invalid(format!("export: {e}")))
    }
}

/// One terminal's batch of the export date whose latest state is approved.
struct ApprovedBatch {
    terminal: String,
    batch: String,
    /// The drawer of a counter batch; None for a mail or drop-box batch.
    drawer_id: Option<i64>,
    business_date: String,
    opened_seq: i64,
    approved_seq: i64,
}

/// One entry an export claims (`citytill.exports` holds it once) and the rows it contributes.
struct Candidate {
    terminal: String,
    seq: i64,
    rows: Vec<ExportRow>,
}

/// Exports the payments of `date`'s approved batches not exported before — exactly what the terminal's
/// `export payments` writes: each counter receipt not voided (claimed by its `payment_taken` entry) and each
/// posted item of a mail or drop-box batch (claimed by the `batch_approved` entry that posted it), every
/// line at its whole amount (applied + credit) — then every refund and returned check not exported yet whose
/// payment is exported (claimed by its own entry), as the terminal's reversal rows. The claims commit only
/// if `deliver` (which writes the file) succeeds; with `reprint`, that date's payments and reversals again,
/// claiming nothing.
pub fn export_payments(client: &mut Client, date: NaiveDate, reprint: bool, deliver: impl FnOnce(&Export) -> HqResult<()>) -> HqResult<Export> {
    let date_text = date.format("%Y-%m-%d").to_string();
    let mut tx = client.transaction().map_err(server)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&EXPORT_LOCK_KEY]).map_err(server)?;
    let mut candidates = Vec::new();
    for batch in approved_batches(&mut tx, &date_text)? {
        match batch.drawer_id {
            Some(drawer_id) => counter_payments(&mut tx, &batch, drawer_id, &mut candidates)?,
            None => candidates.push(remittance_items(&mut tx, &batch)?),
        }
    }
    let found = crate::hq::office::autopay_export::settled(&mut tx, &date_text)?;
    candidates.extend(found.into_iter().map(|(terminal, seq, rows)| Candidate { terminal, seq, rows }));
    let (batch, chosen) = if reprint {
        let payments: HashSet<(String, i64)> = candidates.iter().map(|c| (c.terminal.clone(), c.seq)).collect();
        let reversals = reversals(&mut tx, Some(&date_text), &payments)?;
        candidates.extend(reversals);
        let returns = crate::hq::office::autopay_export::returns(&mut tx, Some(&date_text), &payments)?;
        candidates.extend(returns.into_iter().map(|(terminal, seq, rows)| Candidate { terminal, seq, rows }));
        (None, candidates)
    } else {
        let batch: i64 = tx.query_one("SELECT nextval('citytill.export_batch')", &[]).map_err(server)?.get(0);
        let mut chosen = claim(&mut tx, batch, candidates)?;
        // After the payments' claims, so a reversal of a payment in this file goes out with it.
        let reversals = reversals(&mut tx, None, &HashSet::new())?;
        chosen.extend(claim(&mut tx, batch, reversals)?);
        let returns = crate::hq::office::autopay_export::returns(&mut tx, None, &HashSet::new())?;
        chosen.extend(claim(&mut tx, batch, returns.into_iter().map(|(terminal, seq, rows)| Candidate { terminal, seq, rows }).collect())?);
        (Some(batch), chosen)
    };
    let export = Export { batch, entries: chosen.len(), rows: chosen.into_iter().flat_map(|c| c.rows).collect() };
    deliver(&export)?;
    tx.commit().map_err(server)?;
    Ok(export)
}

/// Batches opened on `date` (a drawer's counter batch by its `drawer_opened`, a remittance batch by its
/// `batch_opened`) whose latest state change is an approval, in terminal and opening order. Batch ids are
/// per terminal; the state changes are looked up only after the opening entry of the same terminal.
fn approved_batches(tx: &mut Transaction<'_>, date: &str) -> HqResult<Vec<ApprovedBatch>> {
    let rows = tx
        .query(
            "WITH opened AS (
                 SELECT o.terminal, o.seq, o.business_date,
                        CASE WHEN o.kind = 'drawer_opened' THEN (o.payload::json->>'drawer_id')::bigint END AS drawer_id,
                        CASE WHEN o.kind = 'drawer_opened' THEN 'D' || (o.payload::json->>'drawer_id') ELSE o.payload::json->>'batch' END AS batch
                   FROM citytill.entries o
                  WHERE o.business_date = $1 AND o.kind IN ('drawer_opened', 'batch_opened')
             )
             SELECT o.terminal, o.batch, o.drawer_id, o.business_date, o.seq, s.seq
               FROM opened o
               CROSS JOIN LATERAL (
                   SELECT e.seq, e.kind FROM citytill.entries e
                    WHERE e.terminal = o.terminal AND e.seq > o.seq
                      AND e.kind IN ('drawer_closed', 'batch_balanced', 'batch_approved', 'batch_rejected', 'batch_reopened')
                      AND CASE WHEN e.kind = 'drawer_closed' THEN 'D' || (e.payload::json->>'drawer_id') ELSE e.payload::json->>'batch' END = o.batch
                    ORDER BY e.seq DESC LIMIT 1) s
              WHERE s.kind = 'batch_approved'
              ORDER BY o.terminal, o.seq",
            &[&date],
        )
        .map_err(server)?;
    Ok(rows.iter().map(|r| ApprovedBatch { terminal: r.get(0), batch: r.get(1), drawer_id: r.get(2), business_date: r.get(3), opened_seq: r.get(4), approved_seq: r.get(5) }).collect())
}

/// A counter batch's receipts not voided, one candidate per `payment_taken`. A drawer's payments and voids
/// all lie between its opening and its batch's approval (a void needs the drawer open, approval a closed one).
fn counter_payments(tx: &mut Transaction<'_>, batch: &ApprovedBatch, drawer_id: i64, out: &mut Vec<Candidate>) -> HqResult<()> {
    let rows = tx
        .query(
            "SELECT p.seq, p.business_date, p.payload FROM citytill.entries p
              WHERE p.terminal = $1 AND p.seq > $2 AND p.seq < $3 AND p.kind = 'payment_taken'
                AND (p.payload::json->>'drawer_id')::bigint = $4
                AND NOT EXISTS (SELECT 1 FROM citytill.entries v
                                 WHERE v.terminal = p.terminal AND v.seq > p.seq AND v.seq < $3 AND v.kind = 'payment_voided'
                                   AND v.payload::json->>'receipt' = p.payload::json->>'receipt')
              ORDER BY p.seq",
            &[&batch.terminal, &batch.opened_seq, &batch.approved_seq, &drawer_id],
        )
        .map_err(server)?;
    for row in &rows {
        let (seq, business_date, payload): (i64, String, String) = (row.get(0), row.get(1), row.get(2));
        let Event::PaymentTaken { receipt, lines, tenders, .. } = read(&batch.terminal, seq, &payload)? else {
            return Err(HqError::Invalid(format!("entry {}/{seq}: payload: not a payment", batch.terminal)));
        };
        let tender = export::tender_text(&tenders.iter().map(|t| t.kind).collect::<Vec<_>>());
        let file_batch = export::file_batch(&batch.terminal, &batch.batch);
        let rows = lines.iter().map(|line| export::row(line, &receipt, &business_date, &tender, &file_batch)).collect();
        out.push(Candidate { terminal: batch.terminal.clone(), seq, rows });
    }
    Ok(())
}

/// A remittance batch's posted items, one candidate (its approval entry) with a row per item, read from the
/// `batch_item_added` entries the approval posted (the item carries the tender and the reference).
fn remittance_items(tx: &mut Transaction<'_>, batch: &ApprovedBatch) -> HqResult<Candidate> {
    let approval = tx.query_one("SELECT payload FROM citytill.entries WHERE terminal = $1 AND seq = $2", &[&batch.terminal, &batch.approved_seq]).map_err(server)?;
    let Event::BatchApproved { posted, .. } = read(&batch.terminal, batch.approved_seq, &approval.get::<_, String>(0))? else {
        return Err(HqError::Invalid(format!("entry {}/{}: payload: not a batch approval", batch.terminal, batch.approved_seq)));
    };
    let added = tx
        .query(
            "SELECT seq, payload FROM citytill.entries
              WHERE terminal = $1 AND seq > $2 AND seq < $3 AND kind = 'batch_item_added' AND payload::json->>'batch' = $4",
            &[&batch.terminal, &batch.opened_seq, &batch.approved_seq, &batch.batch],
        )
        .map_err(server)?;
    let mut items = BTreeMap::new();
    for row in &added {
        let seq: i64 = row.get(0);
        if let Event::BatchItemAdded { item, .. } = read(&batch.terminal, seq, &row.get::<_, String>(1))? {
            items.insert(item.item, item);
        }
    }
    let mut rows = Vec::new();
    for posted_item in &posted {
        let item = items
            .get(&posted_item.item)
            .ok_or_else(|| HqError::Invalid(format!("entry {}/{}: batch {} item {}: no entry added it", batch.terminal, batch.approved_seq, batch.batch, posted_item.item)))?;
        rows.push(export::item_row(item, &batch.terminal, &batch.batch, &batch.business_date));
    }
    Ok(Candidate { terminal: batch.terminal.clone(), seq: batch.approved_seq, rows })
}

/// Claims the candidates' entries in `citytill.exports` for export `batch`; returns those this run claimed.
fn claim(tx: &mut Transaction<'_>, batch: i64, candidates: Vec<Candidate>) -> HqResult<Vec<Candidate>> {
    if candidates.is_empty() {
        return Ok(candidates);
    }
    let terminals: Vec<&str> = candidates.iter().map(|c| c.terminal.as_str()).collect();
    let seqs: Vec<i64> = candidates.iter().map(|c| c.seq).collect();
    let claimed: HashSet<(String, i64)> = tx
        .query(
            "INSERT INTO citytill.exports(terminal, seq, batch)
             SELECT c.terminal, c.seq, $3 FROM unnest($1::text[], $2::bigint[]) AS c(terminal, seq)
             ON CONFLICT (terminal, seq) DO NOTHING
             RETURNING terminal, seq",
            &[&terminals, &seqs, &batch],
        )
        .map_err(server)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    Ok(candidates.into_iter().filter(|c| claimed.contains(&(c.terminal.clone(), c.seq))).collect())
}

/// Refunds and returned checks whose payment is exported (claimed in `citytill.exports`, or in `payments`),
/// one candidate per reversal entry with the terminal's rows for it (`ops::export::reversal_rows`): for an
/// export, every one not claimed yet, whatever its date; for a reprint (`reprint_date`), those of that date.
/// A reversal of a payment not exported yet waits for it, as at the terminal.
fn reversals(tx: &mut Transaction<'_>, reprint_date: Option<&str>, payments: &HashSet<(String, i64)>) -> HqResult<Vec<Candidate>> {
    let found = match reprint_date {
        Some(date) => tx.query(
            "SELECT terminal, seq, business_date, payload FROM citytill.entries
              WHERE business_date = $1 AND kind IN ('payment_refunded', 'check_returned') ORDER BY terminal, seq",
            &[&date],
        ),
        // Every reversal entry is looked at (no index serves kind alone); the few not claimed yet are read.
        None => tx.query(
            "SELECT r.terminal, r.seq, r.business_date, r.payload FROM citytill.entries r
              WHERE r.kind IN ('payment_refunded', 'check_returned')
                AND NOT EXISTS (SELECT 1 FROM citytill.exports x WHERE x.terminal = r.terminal AND x.seq = r.seq)
              ORDER BY r.terminal, r.seq",
            &[],
        ),
    }
    .map_err(server)?;
    let mut out = Vec::new();
    for row in &found {
        let (terminal, seq, business_date, payload): (String, i64, String, String) = (row.get(0), row.get(1), row.get(2), row.get(3));
        let event = read(&terminal, seq, &payload)?;
        let Some((receipt, _)) = export::reversal_reference(&event, seq) else { continue };
        // The payment it reverses: the latest payment entry of that receipt before it (an index walk backwards).
        let payment = tx
            .query_opt(
                "SELECT p.seq, p.payload, EXISTS (SELECT 1 FROM citytill.exports x WHERE x.terminal = p.terminal AND x.seq = p.seq)
                   FROM citytill.entries p
                  WHERE p.terminal = $1 AND p.seq < $2 AND p.kind = 'payment_taken' AND p.payload::json->>'receipt' = $3
                  ORDER BY p.seq DESC LIMIT 1",
                &[&terminal, &seq, &receipt],
            )
            .map_err(server)?;
        let Some(payment) = payment else {
            return Err(HqError::Invalid(format!("entry {terminal}/{seq}: reverses receipt {receipt}, whose payment head office does not hold")));
        };
        let (payment_seq, payment_payload, claimed): (i64, String, bool) = (payment.get(0), payment.get(1), payment.get(2));
        if !claimed && !payments.contains(&(terminal.clone(), payment_seq)) {
            continue;
        }
        let Event::PaymentTaken { lines, drawer_id, .. } = read(&terminal, payment_seq, &payment_payload)? else {
            return Err(HqError::Invalid(format!("entry {terminal}/{payment_seq}: payload: not a payment")));
        };
        let rows = export::reversal_rows(&event, seq, &business_date, &lines, &export::file_batch(&terminal, &counter_batch(drawer_id)))
            .map_err(|e| HqError::Invalid(format!("entry {terminal}/{seq}: {e}")))?;
        if !rows.is_empty() {
            out.push(Candidate { terminal, seq, rows });
        }
    }
    Ok(out)
}

fn read(terminal: &str, seq: i64, payload: &str) -> HqResult<Event> {
    crate::ledger::payload::decode_tagged(payload).map_err(|e| HqError::Invalid(format!("entry {terminal}/{seq}: payload: {e}")))
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
    let rows = client.query("SELECT terminal, kind, payload FROM citytill.entries WHERE business_date = $1 ORDER BY terminal, seq", &[&date_text]).map_err(server)?;
    for row in &rows {
        let (terminal, kind, payload): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        let day = terminals.entry(terminal.clone()).or_insert_with(|| TerminalDay { terminal: terminal.clone(), ..TerminalDay::default() });
        day.entries += 1;
        if kind != "payment_taken" && kind != "payment_voided" {
            continue;
        }
        let event = crate::ledger::payload::decode(&kind, &payload).map_err(|e| HqError::Invalid(format!("entry of {terminal}: payload: {e}")))?;
        let (tenders, change, sign) = match &event {
            Event::PaymentTaken { tenders, change, .. } => (tenders, *change, 1),
            Event::PaymentVoided { tenders, change, .. } => (tenders, *change, -1),
            _ => continue,
        };
        if sign > 0 {
            day.payments += 1
        } else {
            day.voids += 1
        }
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
    let total_debit = accounts.iter().map(|a| a.debit).fold(Money::ZERO, Money::saturating_add);
    let total_credit = accounts.iter().map(|a| a.credit).fold(Money::ZERO, Money::saturating_add);
    Ok(DayReport { date: date_text, terminals: terminals.into_values().collect(), accounts, total_debit, total_credit, balanced: total_debit == total_credit })
}

fn add(totals: &mut BTreeMap<String, Money>, key: &str, cents: i64) {
    let entry = totals.entry(key.to_string()).or_insert(Money::ZERO);
    *entry = entry.saturating_add(Money::from_cents(cents));
}
