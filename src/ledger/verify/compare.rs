//! verify's comparison of the projection tables with the model, row by row.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};

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
fn compare<K: Eq + std::hash::Hash + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(table: &str, actual: Vec<(K, V)>, expected: &impl Expected<K, V>, problems: &mut Vec<String>) {
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
/// bulk of it, so a second connection on a second core compares the receipt lines and then takes turns with
/// this thread (which first compares the smaller tables) at ranges of receipts, when that connection sees
/// the same ledger: projections change only in the transaction of a journal entry, so the same last entry
/// means the same projections. If an entry was committed in between, everything is compared here.
pub(super) fn compare_projections(conn: &Connection, path: &std::path::Path, last_seq: i64, model: &mut Model, problems: &mut Vec<String>) -> Result<()> {
    let ranges = ReceiptRanges { next: AtomicI64::new(0), last: model.receipts.rows.len() as i64 };
    let (here, there) = std::thread::scope(|scope| -> Result<_> {
        let (payables, receipt_lines, receipts, ranges) = (&model.payables, &model.receipt_lines, &model.receipts, &ranges);
        let elsewhere = scope.spawn(move || -> Result<Option<(ReceiptPass, Vec<String>)>> {
            let other = read_only(path)?;
            other.execute_batch("BEGIN DEFERRED")?;
            let seen: i64 = other.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?;
            if seen != last_seq {
                return Ok(None);
            }
            let mut found = Vec::new();
            compare_receipt_lines(&other, payables, receipt_lines, &mut found)?;
            Ok(Some((compare_receipt_rows(&other, receipts, ranges)?, found)))
        });
        compare_tables(conn, model, problems)?;
        let here = compare_receipt_rows(conn, &model.receipts, ranges)?;
        match elsewhere.join() {
            Ok(Ok(there)) => Ok((here, there)),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(Error::Invariant("verify: the receipt comparison stopped unexpectedly".into())),
        }
    })?;
    let (there, lines) = match there {
        Some(done) => done,
        None => {
            let mut found = Vec::new();
            compare_receipt_lines(conn, &model.payables, &model.receipt_lines, &mut found)?;
            (ReceiptPass::new(0), found)
        }
    };
    finish_receipts(&mut model.receipts, here, there, problems);
    problems.extend(lines);
    compare_batches(conn, model, problems)
}

/// The payables everyone sees while a committed import waits to be merged.
const VISIBLE_PAYABLES: &str = "SELECT number, kind, name, address, status, balance_cents FROM payables p
     WHERE NOT EXISTS (SELECT 1 FROM payables_staged s WHERE s.number = p.number AND s.import IN (SELECT id FROM imports WHERE state = 'committed'))
     UNION ALL
     SELECT number, kind, name, address, status, balance_cents FROM payables_staged WHERE import IN (SELECT id FROM imports WHERE state = 'committed')";

/// Payables, fees, users, drawers and drawer totals.
fn compare_tables(conn: &Connection, model: &Model, problems: &mut Vec<String>) -> Result<()> {
    // What everyone sees: a committed import's rows not merged yet stand in for the payables rows.
    let unmerged: bool = conn.query_row(&format!("SELECT EXISTS({})", crate::ledger::apply::COMMITTED), [], |r| r.get(0))?;
    let sql = if unmerged { VISIBLE_PAYABLES.to_string() } else { "SELECT number, kind, name, address, status, balance_cents FROM payables".to_string() };
    let payables: Vec<(String, PayableModel)> = collect(conn, &sql, |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))))?;
    compare("payable", payables, &model.payables, problems);
    let fees = collect(conn, "SELECT code, description, amount_cents, gl_account FROM fees", |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
    compare("fee", fees, &model.fees, problems);
    let users: Vec<(String, super::model::UserModel)> = collect(conn, "SELECT name, role, active, pin_commit FROM users", |r| Ok((r.get(0)?, (r.get(1)?, r.get::<_, i64>(2)? == 1, r.get(3)?))))?;
    compare("user", users, &model.users, problems);
    // The stored hash must be the one the journal committed to: a hash copied or written behind the app's back is not.
    let hashes: Vec<(String, (String, Option<String>))> = collect(conn, "SELECT name, pin_hash, pin_commit FROM users", |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    for (name, (hash, commit)) in hashes {
        if let Some(commit) = commit.filter(|commit| *commit != crate::ledger::pin_commit(&hash)) {
            problems.push(format!("user {name:?}: the stored PIN hash is not the one the journal committed to ({})", &commit[..commit.len().min(12)]));
        }
    }
    let drawers = collect(conn, "SELECT id, cashier, business_date, float_cents, state FROM drawers", |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))))?;
    compare("drawer", drawers, &model.drawers, problems);
    let totals: Vec<((i64, String), i64)> = collect(conn, "SELECT drawer_id, tender, amount_cents FROM drawer_totals", |r| Ok(((r.get(0)?, r.get::<_, String>(1)?), r.get(2)?)))?;
    let model_totals: BTreeMap<(i64, String), i64> = model.drawer_totals.iter().map(|((id, tender), cents)| ((*id, tender.to_string()), *cents)).collect();
    compare("drawer total", totals, &model_totals, problems);
    Ok(())
}

/// Receipt numbers per range.
const RECEIPT_RANGE: i64 = 16_384;

/// The ranges of receipt numbers two threads take in turn: (after, to], the first open below and the last
/// open above, so rows with numbers outside the model's are compared too.
struct ReceiptRanges {
    next: AtomicI64,
    /// The model's last receipt number.
    last: i64,
}

impl ReceiptRanges {
    /// The next range not yet taken, with its index.
    fn take(&self) -> Option<(i64, i64, i64)> {
        let index = self.next.fetch_add(1, Ordering::Relaxed);
        let start = index.checked_mul(RECEIPT_RANGE)?;
        // The range that reaches `last` ends at i64::MAX; none follows it.
        if index > 0 && start >= self.last {
            return None;
        }
        let after = if index == 0 { i64::MIN } else { start };
        let to = if start + RECEIPT_RANGE >= self.last { i64::MAX } else { start + RECEIPT_RANGE };
        Some((index, after, to))
    }
}

/// What one thread found over the receipt ranges it took: the model's rows it saw, the rows whose number
/// did not lead to their receipt (looked up by text afterwards), and the differences, each with its range.
struct ReceiptPass {
    present: Vec<bool>,
    unmatched: Vec<(i64, String, ReceiptModel)>,
    problems: Vec<(i64, String)>,
}

impl ReceiptPass {
    fn new(receipts: usize) -> ReceiptPass {
        ReceiptPass { present: vec![false; receipts], unmatched: Vec::new(), problems: Vec::new() }
    }
}

/// Compares receipt rows range by range until none are left, as the rows stream by in number order, which
/// is the model's order, without copying rows that match.
fn compare_receipt_rows(conn: &Connection, receipts: &Receipts, ranges: &ReceiptRanges) -> Result<ReceiptPass> {
    let mut pass = ReceiptPass::new(receipts.rows.len());
    let sql = format!("{RECEIPT_COLUMNS} WHERE number > ?1 AND number <= ?2");
    while let Some((range, after, to)) = ranges.take() {
        let mut rows = scan::Scan::new(conn, &sql, &[after, to])?;
        while let Some(row) = rows.next()? {
            let stored = row.bytes(0)?;
            match receipts.by_number(row.int(1)).filter(|at| receipts.rows[*at as usize].0.as_bytes() == stored) {
                None => pass.unmatched.push((range, String::from_utf8_lossy(stored).into_owned(), ReceiptModel::read(&row)?)),
                Some(at) => {
                    let (receipt, expected) = &receipts.rows[at as usize];
                    if !expected.matches(&row) {
                        pass.problems.push((range, format!("receipt {:?}: is {:?}, the journal says {expected:?}", &**receipt, ReceiptModel::read(&row)?)));
                    }
                    pass.present[at as usize] = true;
                }
            }
        }
    }
    Ok(pass)
}

/// Merges two threads' passes in range order, looks up the unmatched rows by their text, then lists the
/// model's receipts no row held.
fn finish_receipts(receipts: &mut Receipts, here: ReceiptPass, there: ReceiptPass, problems: &mut Vec<String>) {
    let mut present = here.present;
    present.iter_mut().zip(there.present).for_each(|(seen, also)| *seen |= also);
    let mut found: Vec<(i64, String)> = here.problems.into_iter().chain(there.problems).collect();
    found.sort_by_key(|(range, _)| *range);
    problems.extend(found.into_iter().map(|(_, problem)| problem));
    let mut unmatched: Vec<(i64, String, ReceiptModel)> = here.unmatched.into_iter().chain(there.unmatched).collect();
    unmatched.sort_by_key(|(range, ..)| *range);
    for (_, receipt, found) in unmatched {
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
    let batches = collect(conn, "SELECT id, kind, drawer_id, business_date, preparer, control_cents, control_items, state, approver, reason, deposit FROM batches", |r| {
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
    })?;
    compare("batch", batches, &model.batches, problems);
    let items = collect(conn, "SELECT batch, item, payable, amount_cents, tender, entered_by, seq, state FROM batch_items", |r| {
        Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
    })?;
    compare("batch item", items, &model.batch_items, problems);
    let deposits = collect(conn, "SELECT number, business_date, seq, total_cents, batches FROM deposits", |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))))?;
    compare("deposit", deposits, &model.deposits, problems);
    let exported: Vec<(String, i64)> = collect(conn, "SELECT reference, seq FROM exported_payments", |r| Ok((r.get(0)?, r.get(1)?)))?;
    compare("exported payment", exported, &model.exported, problems);
    let closed: Vec<(String, String)> = collect(conn, "SELECT key, value FROM meta WHERE key = 'closed_through'", |r| Ok((r.get(0)?, r.get(1)?)))?;
    let expected: BTreeMap<String, String> = model.closed_through.iter().map(|d| ("closed_through".to_string(), d.clone())).collect();
    compare("meta", closed, &expected, problems);
    let refs: Vec<((String, String, i64), ())> = collect(conn, "SELECT kind, subject, seq FROM entry_refs", |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), ())))?;
    compare("entry ref", refs, &model.entry_refs, problems);
    // One sealed bank account per autopay enrolment, none without one (the number itself needs the key).
    let sealed: Vec<(String, ())> = collect(conn, "SELECT enrolment, NULL FROM autopay_accounts", |r| Ok((r.get(0)?, ())))?;
    let enrolled: BTreeMap<String, ()> = model.entry_refs.keys().filter(|(kind, _, _)| kind == "autopay_enrolled").map(|(_, subject, _)| (subject.clone(), ())).collect();
    compare("autopay account", sealed, &enrolled, problems);
    Ok(())
}

fn collect<K, V>(conn: &Connection, sql: &str, row: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(K, V)>) -> Result<Vec<(K, V)>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map([], |r| row(r))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves the receipt ranges two threads take cover every possible number exactly once, in order, from
    /// i64::MIN to i64::MAX, whatever the model's last receipt number.
    #[test]
    fn receipt_ranges_cover_every_number_once() {
        for last in [0, 1, RECEIPT_RANGE - 1, RECEIPT_RANGE, RECEIPT_RANGE + 1, 200_000] {
            let ranges = ReceiptRanges { next: AtomicI64::new(0), last };
            let taken: Vec<(i64, i64, i64)> = std::iter::from_fn(|| ranges.take()).collect();
            assert_eq!(taken.first().map(|r| r.1), Some(i64::MIN), "last {last}");
            assert_eq!(taken.last().map(|r| r.2), Some(i64::MAX), "last {last}");
            for pair in taken.windows(2) {
                assert_eq!(pair[0].2, pair[1].1, "last {last}: ranges must meet: {pair:?}");
                assert_eq!(pair[0].0 + 1, pair[1].0, "last {last}: indexes in order");
            }
            assert!(taken.iter().all(|(_, after, to)| after < to), "last {last}: {taken:?}");
            assert_eq!(ranges.take(), None, "last {last}: nothing after the last range");
        }
    }
}
