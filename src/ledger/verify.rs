//! `citytill verify`: SQLite's integrity check, the hash chain, gap-free sequences, balanced postings
//! (recomputed from each payload), and a replay of the journal that must reproduce every projection.

use std::collections::BTreeMap;

use rusqlite::Connection;

use crate::domain::effects::{effects, Effect};
use crate::domain::events::Event;
use crate::domain::postings::postings;
use crate::error::{Error, Result};
use crate::ledger::journal::{posting_records, GENESIS_HASH};
use crate::ledger::{read_entries, Ledger};

/// What verify found. `problems` empty means clean.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub ok: bool,
    pub entries: i64,
    pub postings: i64,
    pub receipts: i64,
    pub problems: Vec<String>,
}

/// The projections as the journal says they must be.
#[derive(Default)]
struct Model {
    payables: BTreeMap<String, (String, String, String, String, i64)>,
    fees: BTreeMap<String, (String, Option<i64>, String)>,
    users: BTreeMap<String, (String, bool)>,
    drawers: BTreeMap<i64, (String, String, i64, String)>,
    drawer_totals: BTreeMap<(i64, &'static str), i64>,
    receipts: BTreeMap<String, ReceiptModel>,
    receipt_payables: BTreeMap<(String, String), i64>,
    last_receipt: i64,
    batches: BTreeMap<String, BatchModel>,
    batch_items: BTreeMap<(String, i64), BatchItemModel>,
    deposits: BTreeMap<String, (String, i64, i64, i64)>,
    exported: BTreeMap<String, i64>,
    closed_through: Option<String>,
}

/// A batch item row: payable, amount, tender, entered by, seq, state.
type BatchItemModel = (String, i64, String, String, i64, String);

#[derive(PartialEq, Debug)]
struct BatchModel {
    kind: String,
    drawer_id: Option<i64>,
    business_date: String,
    preparer: String,
    control: i64,
    control_items: i64,
    state: String,
    approver: Option<String>,
    reason: Option<String>,
    deposit: Option<String>,
}

#[derive(PartialEq, Debug)]
struct ReceiptModel {
    number: i64,
    seq: i64,
    drawer_id: i64,
    cashier: String,
    business_date: String,
    total: i64,
    status: String,
    refunded: i64,
    reprints: i64,
}

const CHUNK: usize = 5_000;
/// More problems than this are counted, not listed.
const MAX_LISTED: usize = 200;

pub fn verify(ledger: &Ledger) -> Result<Report> {
    let conn = ledger.conn();
    let mut report = Report::default();
    // SQLite's integrity check reads the whole file; it runs on a second connection (and core) while
    // this thread replays the journal.
    let path = ledger.path().to_path_buf();
    let integrity = std::thread::spawn(move || integrity_check(&path));
    // One read transaction: the replay and the projections it is compared with are the same snapshot.
    conn.execute_batch("BEGIN DEFERRED")?;
    let replayed = replay(ledger, conn, &mut report);
    let _ = conn.execute_batch("COMMIT");
    replayed?;
    match integrity.join() {
        Ok(Ok(lines)) if lines == ["ok"] => {}
        Ok(Ok(lines)) => report.problems.extend(lines.into_iter().map(|line| format!("sqlite integrity: {line}"))),
        Ok(Err(error)) => report.problems.push(format!("sqlite integrity: could not run: {error}")),
        Err(_) => report.problems.push("sqlite integrity: the check stopped unexpectedly".into()),
    }
    if report.problems.len() > MAX_LISTED {
        let more = report.problems.len() - MAX_LISTED;
        report.problems.truncate(MAX_LISTED);
        report.problems.push(format!("... and {more} more problems"));
    }
    report.ok = report.problems.is_empty();
    Ok(report)
}

fn integrity_check(path: &std::path::Path) -> rusqlite::Result<Vec<String>> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(crate::ledger::LOCK_TIMEOUT)?;
    let mut statement = conn.prepare("PRAGMA integrity_check")?;
    let lines = statement.query_map([], |r| r.get(0))?.collect();
    lines
}

/// Replays the journal into the model, checking every entry, then compares the projections.
fn replay(ledger: &Ledger, conn: &Connection, report: &mut Report) -> Result<()> {
    let mut model = Model::default();
    // Entries up to the snapshot's last one are immutable, so CHECKERS threads, each on its own
    // connection, read and check alternate ranges of them (hash, sequence, postings, payload) on the
    // other core while this thread links the ranges into one chain and folds them into the model.
    let last_seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?;
    let ranges = (last_seq + CHUNK as i64 - 1) / CHUNK as i64;
    let terminal = ledger.terminal().to_string();
    let mut receivers = Vec::new();
    let mut checkers = Vec::new();
    for index in 0..CHECKERS {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<CheckedRange>>(2);
        let (path, terminal) = (ledger.path().to_path_buf(), terminal.clone());
        checkers.push(std::thread::spawn(move || check_ranges(&path, &terminal, last_seq, index, &sender)));
        receivers.push(receiver);
    }
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    for range in 0..ranges {
        let Ok(checked) = receivers[(range % CHECKERS as i64) as usize].recv() else { break };
        let checked = checked?;
        if let Some(first) = checked.entries.first() {
            if first.seq != expected_seq {
                report.problems.push(format!("entry {}: sequence gap: expected {expected_seq}", first.seq));
            }
            if checked.first_prev_hash != prev_hash {
                report.problems.push(format!("entry {}: hash chain broken: prev_hash does not match the previous entry", first.seq));
            }
        }
        for entry in checked.entries {
            report.problems.extend(entry.problems);
            if let Some(event) = &entry.event {
                for effect in effects(event) {
                    if let Err(text) = model.fold(entry.seq, &entry.business_date, &effect) {
                        report.problems.push(format!("entry {}: {text}", entry.seq));
                    }
                }
            }
            report.entries += 1;
            report.postings += entry.postings;
            expected_seq = entry.seq + 1;
        }
        if let Some(last_hash) = checked.last_hash {
            prev_hash = last_hash;
        }
    }
    drop(receivers);
    for checker in checkers {
        checker.join().map_err(|_| Error::Invariant("verify: an entry checker stopped unexpectedly".into()))??;
    }
    let (debits, credits): (i64, i64) =
        conn.query_row("SELECT COALESCE(SUM(debit_cents), 0), COALESCE(SUM(credit_cents), 0) FROM postings", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    if debits != credits {
        report.problems.push(format!("ledger total: debits {debits} != credits {credits}"));
    }
    let orphans: i64 = conn.query_row("SELECT COUNT(*) FROM postings WHERE seq NOT IN (SELECT seq FROM journal)", [], |r| r.get(0))?;
    if orphans > 0 {
        report.problems.push(format!("{orphans} postings belong to no journal entry"));
    }
    report.receipts = model.last_receipt;
    compare_projections(conn, &model, &mut report.problems)
}

/// Threads that read and check entries while the main thread folds them.
const CHECKERS: usize = 2;

/// One journal entry after the checker's pass: its parsed event and whatever was wrong with it.
struct Checked {
    seq: i64,
    business_date: String,
    event: Option<Event>,
    postings: i64,
    problems: Vec<String>,
}

/// One range of entries, checked within itself; the main thread links ranges by these two hashes.
struct CheckedRange {
    entries: Vec<Checked>,
    first_prev_hash: String,
    last_hash: Option<String>,
}

/// Checks ranges `index`, `index + CHECKERS`, ... (CHUNK sequence numbers each) up to `last_seq`:
/// gap-free sequence and hash chain inside the range, terminal, hash, balanced postings, readable
/// payload, and postings the payload requires.
fn check_ranges(path: &std::path::Path, terminal: &str, last_seq: i64, index: usize, sender: &std::sync::mpsc::SyncSender<Result<CheckedRange>>) -> Result<()> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(crate::ledger::LOCK_TIMEOUT)?;
    let mut range = index as i64;
    while range * (CHUNK as i64) < last_seq {
        let (from, to) = (range * CHUNK as i64, ((range + 1) * CHUNK as i64).min(last_seq));
        let checked = read_entries(&conn, from, CHUNK).map(|records| check_range(records, terminal, to));
        if sender.send(checked).is_err() {
            break;
        }
        range += CHECKERS as i64;
    }
    Ok(())
}

fn check_range(records: Vec<crate::ledger::journal::JournalRecord>, terminal: &str, to: i64) -> CheckedRange {
    let first_prev_hash = records.first().map(|r| r.prev_hash.clone()).unwrap_or_default();
    let mut last_hash: Option<String> = None;
    let mut entries = Vec::with_capacity(records.len());
    for record in records.into_iter().take_while(|r| r.seq <= to) {
        let mut problems = Vec::new();
        let mut problem = |text: String| problems.push(format!("entry {}: {text}", record.seq));
        if let (Some(previous), Some(hash)) = (entries.last().map(|e: &Checked| e.seq), &last_hash) {
            if record.seq != previous + 1 {
                problem(format!("sequence gap: expected {}", previous + 1));
            }
            if &record.prev_hash != hash {
                problem("hash chain broken: prev_hash does not match the previous entry".into());
            }
        }
        if record.terminal != terminal {
            problem(format!("terminal '{}' is not this ledger's '{terminal}'", record.terminal));
        }
        if record.compute_hash() != record.hash {
            problem("hash mismatch: the entry was altered after it was written".into());
        }
        let debits: i64 = record.postings.iter().map(|p| p.debit_cents).sum();
        let credits: i64 = record.postings.iter().map(|p| p.credit_cents).sum();
        if debits != credits {
            problem(format!("debits {debits} != credits {credits}"));
        }
        let event = match serde_json::from_str::<Event>(&record.payload) {
            Ok(event) => {
                if event.kind() != record.kind {
                    problem(format!("kind '{}' does not match its payload '{}'", record.kind, event.kind()));
                }
                if posting_records(&postings(&event)) != record.postings {
                    problem("postings differ from those the payload requires".into());
                }
                Some(event)
            }
            Err(error) => {
                problem(format!("payload unreadable: {error}"));
                None
            }
        };
        last_hash = Some(record.hash);
        entries.push(Checked { seq: record.seq, business_date: record.business_date, event, postings: record.postings.len() as i64, problems });
    }
    CheckedRange { entries, first_prev_hash, last_hash }
}

impl Model {
    fn fold(&mut self, seq: i64, business_date: &str, effect: &Effect<'_>) -> std::result::Result<(), String> {
        match effect {
            Effect::UpsertPayable(row) => {
                self.payables.insert(
                    row.number.clone(),
                    (row.kind.as_str().into(), row.name.clone(), row.address.clone(), row.status.clone(), row.balance.cents()),
                );
            }
            Effect::PayableBalance { number, delta } => {
                let payable = self.payables.get_mut(*number).ok_or_else(|| format!("payment on unknown payable {number}"))?;
                payable.4 += delta.cents();
            }
            Effect::UpsertFee(row) => {
                self.fees.insert(row.code.clone(), (row.description.clone(), row.amount.map(|m| m.cents()), row.gl_account.clone()));
            }
            Effect::UpsertUser { name, role } => {
                self.users.insert(name.to_string(), (role.as_str().into(), true));
            }
            Effect::DeactivateUser { name } => {
                self.users.get_mut(*name).ok_or_else(|| format!("deactivates unknown user {name}"))?.1 = false;
            }
            Effect::OpenDrawer { drawer_id, cashier, float } => {
                self.drawers.insert(*drawer_id, (cashier.to_string(), business_date.into(), float.cents(), "open".into()));
            }
            Effect::DrawerTotal { drawer_id, tender, delta } => {
                *self.drawer_totals.entry((*drawer_id, tender.as_str())).or_default() += delta.cents();
            }
            Effect::CountDrawer { drawer_id } => {
                self.drawers.get_mut(drawer_id).ok_or_else(|| format!("counts unknown drawer {drawer_id}"))?.3 = "counted".into();
            }
            Effect::CloseDrawer { drawer_id } => {
                self.drawers.get_mut(drawer_id).ok_or_else(|| format!("closes unknown drawer {drawer_id}"))?.3 = "closed".into();
            }
            Effect::IssueReceipt { number, receipt, drawer_id, cashier, total } => {
                if *number != self.last_receipt + 1 {
                    return Err(format!("receipt number gap: {receipt} follows receipt number {}", self.last_receipt));
                }
                self.last_receipt = *number;
                self.receipts.insert(
                    receipt.to_string(),
                    ReceiptModel {
                        number: *number,
                        seq,
                        drawer_id: *drawer_id,
                        cashier: cashier.to_string(),
                        business_date: business_date.into(),
                        total: total.cents(),
                        status: "paid".into(),
                        refunded: 0,
                        reprints: 0,
                    },
                );
            }
            Effect::ReceiptPayable { receipt, payable, amount } => {
                *self.receipt_payables.entry((receipt.to_string(), payable.to_string())).or_default() += amount.cents();
            }
            Effect::ReceiptStatus { receipt, status } => self.receipt(receipt)?.status = status.to_string(),
            Effect::ReceiptRefunded { receipt, amount } => {
                let model = self.receipt(receipt)?;
                model.refunded += amount.cents();
                model.status = if model.refunded >= model.total { "refunded" } else { "partially_refunded" }.into();
            }
            Effect::ReceiptReprinted { receipt } => self.receipt(receipt)?.reprints += 1,
            Effect::OpenBatch { batch, kind, drawer_id, preparer, control_total, control_items } => {
                let row = BatchModel {
                    kind: kind.as_str().into(),
                    drawer_id: *drawer_id,
                    business_date: business_date.into(),
                    preparer: preparer.to_string(),
                    control: control_total.cents(),
                    control_items: *control_items,
                    state: "open".into(),
                    approver: None,
                    reason: None,
                    deposit: None,
                };
                if self.batches.insert(batch.clone(), row).is_some() {
                    return Err(format!("batch {batch} opened twice"));
                }
            }
            Effect::BatchState { batch, state, approver, reason } => {
                let row = self.batches.get_mut(batch).ok_or_else(|| format!("refers to unknown batch {batch}"))?;
                row.state = state.to_string();
                row.approver = approver.map(str::to_string);
                row.reason = reason.map(str::to_string);
            }
            Effect::AddBatchItem { batch, item } => {
                let value = (item.payable.clone(), item.amount.cents(), item.tender.kind.as_str().to_string(), item.entered_by.clone(), seq, "held".to_string());
                if self.batch_items.insert((batch.to_string(), item.item), value).is_some() {
                    return Err(format!("batch {batch} item {} added twice", item.item));
                }
            }
            Effect::BatchItemState { batch, item, state } => {
                let row = self.batch_items.get_mut(&(batch.to_string(), *item)).ok_or_else(|| format!("refers to unknown item {item} of batch {batch}"))?;
                row.5 = state.to_string();
            }
            Effect::RecordDeposit { deposit, total, batches } => {
                self.deposits.insert(deposit.to_string(), (business_date.into(), seq, total.cents(), *batches));
            }
            Effect::BatchDeposited { batch, deposit } => {
                let row = self.batches.get_mut(*batch).ok_or_else(|| format!("deposits unknown batch {batch}"))?;
                if let Some(earlier) = &row.deposit {
                    return Err(format!("batch {batch} deposited twice ({earlier} and {deposit})"));
                }
                row.deposit = Some(deposit.to_string());
            }
            Effect::CloseDay { date } => self.closed_through = Some(date.to_string()),
            Effect::ExportPayment { reference } => {
                if self.exported.insert(reference.to_string(), seq).is_some() {
                    return Err(format!("payment {reference} exported twice"));
                }
            }
        }
        Ok(())
    }

    fn receipt(&mut self, receipt: &str) -> std::result::Result<&mut ReceiptModel, String> {
        self.receipts.get_mut(receipt).ok_or_else(|| format!("refers to unknown receipt {receipt}"))
    }
}

/// Compares one table's rows (unique keys) with the model, reporting each difference. Rows are looked
/// up in the model as they stream by; only when counts disagree are the missing keys searched for.
fn compare<K: Ord + std::fmt::Debug + Clone, V: PartialEq + std::fmt::Debug>(
    table: &str,
    actual: Vec<(K, V)>,
    expected: &BTreeMap<K, V>,
    problems: &mut Vec<String>,
) {
    let mut matched = 0;
    for (key, found) in &actual {
        match expected.get(key) {
            None => problems.push(format!("{table} {key:?}: present but no journal entry made it")),
            Some(value) if value != found => problems.push(format!("{table} {key:?}: is {found:?}, the journal says {value:?}")),
            Some(_) => {}
        }
        matched += usize::from(expected.contains_key(key));
    }
    if matched != expected.len() {
        let present: std::collections::BTreeSet<&K> = actual.iter().map(|(key, _)| key).collect();
        for (key, value) in expected.iter().filter(|(key, _)| !present.contains(key)) {
            problems.push(format!("{table} {key:?}: missing (the journal says {value:?})"));
        }
    }
}

fn compare_projections(conn: &Connection, model: &Model, problems: &mut Vec<String>) -> Result<()> {
    let payables = collect(conn, "SELECT number, kind, name, address, status, balance_cents FROM payables", |r| {
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
    let totals = collect(conn, "SELECT drawer_id, tender, amount_cents FROM drawer_totals", |r| Ok(((r.get(0)?, r.get::<_, String>(1)?), r.get(2)?)))?;
    let model_totals = model.drawer_totals.iter().map(|((id, tender), cents)| ((*id, tender.to_string()), *cents)).collect();
    compare("drawer total", totals, &model_totals, problems);
    let receipts = collect(
        conn,
        "SELECT receipt, number, seq, drawer_id, cashier, business_date, total_cents, status, refunded_cents, reprints FROM receipts",
        |r| {
            Ok((
                r.get(0)?,
                ReceiptModel {
                    number: r.get(1)?,
                    seq: r.get(2)?,
                    drawer_id: r.get(3)?,
                    cashier: r.get(4)?,
                    business_date: r.get(5)?,
                    total: r.get(6)?,
                    status: r.get(7)?,
                    refunded: r.get(8)?,
                    reprints: r.get(9)?,
                },
            ))
        },
    )?;
    compare("receipt", receipts, &model.receipts, problems);
    let lines = collect(conn, "SELECT receipt, payable, amount_cents FROM receipt_payables", |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
    compare("receipt line", lines, &model.receipt_payables, problems);
    compare_batches(conn, model, problems)
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
    let exported = collect(conn, "SELECT reference, seq FROM exported_payments", |r| Ok((r.get(0)?, r.get(1)?)))?;
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
