//! verify's comparison of the projection tables with the model, row by row.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::Connection;

use crate::error::{Error, Result};

use super::model::{BatchModel, Keyed, Model, PayableModel, ReceiptModel, Receipts, RECEIPT_COLUMNS};
use super::{read_only, scan};

/// The model's side of `compare`: its rows by key.
trait Expected<K, V> {
    fn lookup(&self, key: &K) -> Option<&V>;
    fn count(&self) -> usize;
    /// Every row, for listing the missing ones (only when a table is short).
    fn entries(&self) -> Vec<(K, &V)>;
}

impl<K: Ord + Clone, V> Expected<K, V> for BTreeMap<K, V> {
    fn lookup(&self, key: &K) -> Option<&V> {
        self.get(key)
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn entries(&self) -> Vec<(K, &V)> {
        self.iter().map(|(key, value)| (key.clone(), value)).collect()
    }
}

impl<V> Expected<String, V> for Keyed<V> {
    fn lookup(&self, key: &String) -> Option<&V> {
        self.get(key)
    }
    fn count(&self) -> usize {
        self.rows.len()
    }
    fn entries(&self) -> Vec<(String, &V)> {
        self.rows.iter().map(|(key, value)| (key.to_string(), value)).collect()
    }
}

/// Compares one table's rows (unique keys) with the model, reporting each difference. Rows are looked
/// up in the model as they stream by; only when counts disagree are the missing keys searched for.
fn compare<K: Eq + std::hash::Hash + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
    table: &str,
    actual: Vec<(K, V)>,
    expected: &impl Expected<K, V>,
    problems: &mut Vec<String>,
) {
    let mut known = 0;
    for (key, found) in &actual {
        match expected.lookup(key) {
            None => problems.push(format!("{table} {key:?}: present but no journal entry made it")),
            Some(value) if value != found => problems.push(format!("{table} {key:?}: is {found:?}, the journal says {value:?}")),
            Some(_) => {}
        }
        known += usize::from(expected.lookup(key).is_some());
    }
    if known != expected.count() {
        let present: HashSet<&K> = actual.iter().map(|(key, _)| key).collect();
        for (key, value) in expected.entries().into_iter().filter(|(key, _)| !present.contains(key)) {
            problems.push(format!("{table} {key:?}: missing (the journal says {value:?})"));
        }
    }
}

/// Compares every projection with the model. The receipts (one row per payment) and their lines are the
/// bulk of it: the receipt lines and the upper half of the receipts are compared on a second connection and
/// core while this thread compares the rest, when that connection sees the same ledger: projections change
/// only in the transaction of a journal entry, so the same last entry means the same projections. If an
/// entry was committed in between, everything is compared here.
pub(super) fn compare_projections(conn: &Connection, path: &std::path::Path, last_seq: i64, model: &mut Model, problems: &mut Vec<String>) -> Result<()> {
    let split = model.receipts.rows.len() as i64 / 2;
    let (lower, upper, lines) = std::thread::scope(|scope| -> Result<_> {
        let (payables, receipt_lines, receipts) = (&model.payables, &model.receipt_lines, &model.receipts);
        let elsewhere = scope.spawn(move || -> Result<Option<(ReceiptPass, Vec<String>)>> {
            let other = read_only(path)?;
            other.execute_batch("BEGIN DEFERRED")?;
            let seen: i64 = other.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?;
            if seen != last_seq {
                return Ok(None);
            }
            let mut found = Vec::new();
            compare_receipt_lines(&other, payables, receipt_lines, &mut found)?;
            let upper = compare_receipt_rows(&other, receipts, split, i64::MAX)?;
            Ok(Some((upper, found)))
        });
        compare_tables(conn, model, problems)?;
        let lower = compare_receipt_rows(conn, &model.receipts, i64::MIN, split)?;
        match elsewhere.join() {
            Ok(Ok(Some((upper, lines)))) => Ok((lower, upper, Some(lines))),
            Ok(Ok(None)) => Ok((lower, compare_receipt_rows(conn, &model.receipts, split, i64::MAX)?, None)),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(Error::Invariant("verify: the receipt comparison stopped unexpectedly".into())),
        }
    })?;
    let lines = match lines {
        Some(lines) => lines,
        None => {
            let mut found = Vec::new();
            compare_receipt_lines(conn, &model.payables, &model.receipt_lines, &mut found)?;
            found
        }
    };
    problems.extend(lower.problems.into_iter().chain(upper.problems));
    finish_receipts(&mut model.receipts, [lower.present, upper.present], lower.unmatched.into_iter().chain(upper.unmatched), problems);
    problems.extend(lines);
    compare_batches(conn, model, problems)
}

/// Payables, fees, users, drawers and drawer totals.
fn compare_tables(conn: &Connection, model: &Model, problems: &mut Vec<String>) -> Result<()> {
    let payables: Vec<(String, PayableModel)> = collect(conn, "SELECT number, kind, name, address, status, balance_cents FROM payables", |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
    })?;
    compare("payable", payables, &model.payables, problems);
    let fees = collect(conn, "SELECT code, description, amount_cents, gl_account FROM fees", |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
    compare("fee", fees, &model.fees, problems);
    let users = collect(conn, "SELECT name, role, active FROM users", |r| Ok((r.get(0)?, (r.get(1)?, r.get::<_, i64>(2)? == 1))))?;
    compare("user", users, &model.users, problems);
    let drawers = collect(conn, "SELECT id, cashier, business_date, float_cents, state FROM drawers", |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
    })?;
    compare("drawer", drawers, &model.drawers, problems);
    let totals: Vec<((i64, String), i64)> = collect(conn, "SELECT drawer_id, tender, amount_cents FROM drawer_totals", |r| Ok(((r.get(0)?, r.get::<_, String>(1)?), r.get(2)?)))?;
    let model_totals: BTreeMap<(i64, String), i64> = model.drawer_totals.iter().map(|((id, tender), cents)| ((*id, tender.to_string()), *cents)).collect();
    compare("drawer total", totals, &model_totals, problems);
    Ok(())
}

/// One pass over a range of receipt rows: the model's rows it found, the rows whose number did not lead to
/// their receipt (looked up by text afterwards), and the differences.
struct ReceiptPass {
    present: Vec<bool>,
    unmatched: Vec<(String, ReceiptModel)>,
    problems: Vec<String>,
}

/// Receipts with `after < number <= to`, compared as the rows stream by in number order, which is the
/// model's order, without copying rows that match.
fn compare_receipt_rows(conn: &Connection, receipts: &Receipts, after: i64, to: i64) -> Result<ReceiptPass> {
    let mut pass = ReceiptPass { present: vec![false; receipts.rows.len()], unmatched: Vec::new(), problems: Vec::new() };
    let mut rows = scan::Scan::new(conn, &format!("{RECEIPT_COLUMNS} WHERE number > ?1 AND number <= ?2"), &[after, to])?;
    while let Some(row) = rows.next()? {
        let stored = row.bytes(0)?;
        match receipts.by_number(row.int(1)).filter(|at| receipts.rows[*at as usize].0.as_bytes() == stored) {
            None => pass.unmatched.push((String::from_utf8_lossy(stored).into_owned(), ReceiptModel::read(&row)?)),
            Some(at) => {
                let expected = &receipts.rows[at as usize].1;
                if !expected.matches(&row) {
                    pass.problems.push(format!("receipt {:?}: is {:?}, the journal says {expected:?}", &*receipts.rows[at as usize].0, ReceiptModel::read(&row)?));
                }
                pass.present[at as usize] = true;
            }
        }
    }
    Ok(pass)
}

/// Looks up the unmatched receipt rows by their text, then lists the model's receipts no row held.
fn finish_receipts(receipts: &mut Receipts, passes: [Vec<bool>; 2], unmatched: impl Iterator<Item = (String, ReceiptModel)>, problems: &mut Vec<String>) {
    let [mut present, other] = passes;
    present.iter_mut().zip(other).for_each(|(seen, also)| *seen |= also);
    for (receipt, found) in unmatched {
        match receipts.position(&receipt) {
            None => problems.push(format!("receipt {receipt:?}: present but no journal entry made it")),
            Some(at) => {
                let expected = &receipts.rows[at as usize].1;
                if *expected != found {
                    problems.push(format!("receipt {receipt:?}: is {found:?}, the journal says {expected:?}"));
                }
                present[at as usize] = true;
            }
        }
    }
    for ((receipt, expected), _) in receipts.rows.iter().zip(&present).filter(|(_, present)| !**present) {
        problems.push(format!("receipt {:?}: missing (the journal says {expected:?})", &**receipt));
    }
}

/// Receipt lines (which payables a receipt paid, and how much), keyed by receipt number and payable.
fn compare_receipt_lines(conn: &Connection, payables: &Keyed<PayableModel>, receipt_lines: &HashMap<(i64, u32), i64>, problems: &mut Vec<String>) -> Result<()> {
    let mut rows = scan::Scan::new(conn, "SELECT payable, receipt_number, amount_cents FROM receipt_payables", &[])?;
    let mut seen = 0;
    let mut payable_at: Option<(String, Option<u32>)> = None;
    while let Some(row) = rows.next()? {
        let (stored, number, amount) = (row.bytes(0)?, row.int(1), row.int(2));
        // Rows come grouped by payable.
        if payable_at.as_ref().is_none_or(|(known, _)| known.as_bytes() != stored) {
            let payable = String::from_utf8_lossy(stored).into_owned();
            let at = payables.position(&payable).filter(|_| payable.as_bytes() == stored);
            payable_at = Some((payable, at));
        }
        let payable = payable_at.as_ref().map_or("", |(payable, _)| payable.as_str());
        let on = payable_at.as_ref().and_then(|(_, at)| *at);
        match on.and_then(|on| receipt_lines.get(&(number, on))) {
            None => problems.push(format!("receipt line ({number}, {payable:?}): present but no journal entry made it")),
            Some(expected) => {
                if *expected != amount {
                    problems.push(format!("receipt line ({number}, {payable:?}): is {amount:?}, the journal says {expected:?}"));
                }
                seen += 1;
            }
        }
    }
    if seen != receipt_lines.len() {
        let present: HashSet<(i64, String)> = collect(conn, "SELECT receipt_number, payable FROM receipt_payables", |r| Ok((r.get(0)?, r.get(1)?)))?.into_iter().collect();
        let mut missing: Vec<String> = receipt_lines
            .iter()
            .map(|((number, on), expected)| (*number, payables.rows[*on as usize].0.to_string(), expected))
            .filter(|(number, payable, _)| !present.contains(&(*number, payable.clone())))
            .map(|(number, payable, expected)| format!("receipt line ({number}, {payable:?}): missing (the journal says {expected:?})"))
            .collect();
        missing.sort();
        problems.extend(missing);
    }
    Ok(())
}

/// Batches, their items, deposits, exported payments and the closed business date.
fn compare_batches(conn: &Connection, model: &Model, problems: &mut Vec<String>) -> Result<()> {
    let batches = collect(
        conn,
        "SELECT id, kind, drawer_id, business_date, preparer, control_cents, control_items, state, approver, reason, deposit FROM batches",
        |r| {
            Ok((
                r.get(0)?,
                BatchModel {
                    kind: r.get(1)?,
                    drawer_id: r.get(2)?,
                    business_date: r.get(3)?,
                    preparer: r.get(4)?,
                    control: r.get(5)?,
                    control_items: r.get(6)?,
                    state: r.get(7)?,
                    approver: r.get(8)?,
                    reason: r.get(9)?,
                    deposit: r.get(10)?,
                },
            ))
        },
    )?;
    compare("batch", batches, &model.batches, problems);
    let items = collect(conn, "SELECT batch, item, payable, amount_cents, tender, entered_by, seq, state FROM batch_items", |r| {
        Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
    })?;
    compare("batch item", items, &model.batch_items, problems);
    let deposits = collect(conn, "SELECT number, business_date, seq, total_cents, batches FROM deposits", |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
    })?;
    compare("deposit", deposits, &model.deposits, problems);
    let exported: Vec<(String, i64)> = collect(conn, "SELECT reference, seq FROM exported_payments", |r| Ok((r.get(0)?, r.get(1)?)))?;
    compare("exported payment", exported, &model.exported, problems);
    let closed: Vec<(String, String)> = collect(conn, "SELECT key, value FROM meta WHERE key = 'closed_through'", |r| Ok((r.get(0)?, r.get(1)?)))?;
    let expected: BTreeMap<String, String> = model.closed_through.iter().map(|d| ("closed_through".to_string(), d.clone())).collect();
    compare("meta", closed, &expected, problems);
    Ok(())
}

fn collect<K, V>(conn: &Connection, sql: &str, row: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(K, V)>) -> Result<Vec<(K, V)>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map([], |r| row(r))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
