//! `citytill verify`: SQLite's integrity check, the hash chain, gap-free sequences, balanced postings
//! (recomputed from each payload), and a replay of the journal that must reproduce every projection.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection};

use crate::domain::effects::{effects, Effect};
use crate::domain::events::Event;
use crate::domain::postings::{postings, Posting};
use crate::error::{Error, Result};
use crate::ledger::journal::{ChainHasher, EntryFields, GENESIS_HASH};
use crate::ledger::Ledger;

/// What verify found. `problems` empty means clean.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub ok: bool,
    pub entries: i64,
    pub postings: i64,
    pub receipts: i64,
    pub problems: Vec<String>,
}

/// Sequence numbers per range handed to a checker thread.
const CHUNK: i64 = 5_000;
/// Threads that read and check entries while the main thread folds them.
const CHECKERS: i64 = 2;
/// Address space verify's connections may map (SQLite caps it at its compile-time maximum, 2 GiB by default).
const MMAP_BYTES: i64 = 1 << 40;
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

/// A read-only connection of verify's own. It maps the file into memory: the whole ledger is read (by the
/// integrity check, and the journal again by the checkers), and a copying `read` per page cost a tenth of
/// verify's time. (A disk error while mapped ends the process instead of returning an error; verify is an
/// administrator's command, never run inside the counter window.)
fn read_only(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(crate::ledger::LOCK_TIMEOUT)?;
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    Ok(conn)
}

fn integrity_check(path: &std::path::Path) -> rusqlite::Result<Vec<String>> {
    let conn = read_only(path)?;
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
    let ranges = (last_seq + CHUNK - 1) / CHUNK;
    let terminal = ledger.terminal().to_string();
    let mut receivers = Vec::new();
    let mut checkers = Vec::new();
    for index in 0..CHECKERS {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<CheckedRange>>(2);
        let (path, terminal) = (ledger.path().to_path_buf(), terminal.clone());
        checkers.push(std::thread::spawn(move || check_ranges(&path, &terminal, last_seq, index, &sender)));
        receivers.push(receiver);
    }
    let mut prev_hash = GENESIS_HASH.as_bytes().to_vec();
    let mut expected_seq = 1;
    let (mut debits, mut credits, mut orphans) = (0i64, 0i64, 0i64);
    for range in 0..ranges {
        let Ok(checked) = receivers[(range % CHECKERS) as usize].recv() else { break };
        let checked = checked?;
        if let Some(first) = checked.entries.first() {
            if first.seq != expected_seq {
                report.problems.push(format!("entry {}: sequence gap: expected {expected_seq}", first.seq));
            }
            if checked.first_prev_hash != prev_hash {
                report.problems.push(format!("entry {}: hash chain broken: prev_hash does not match the previous entry", first.seq));
            }
        }
        (debits, credits, orphans) = (debits + checked.debits, credits + checked.credits, orphans + checked.orphans);
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
    if debits != credits {
        report.problems.push(format!("ledger total: debits {debits} != credits {credits}"));
    }
    // Postings inside the checked ranges were matched to their entries there; these lie outside them.
    orphans += conn.query_row("SELECT COUNT(*) FROM postings WHERE seq < 1 OR seq > ?1", [last_seq], |r| r.get::<_, i64>(0))?;
    if orphans > 0 {
        report.problems.push(format!("{orphans} postings belong to no journal entry"));
    }
    report.receipts = model.last_receipt;
    compare_projections(conn, ledger.path(), last_seq, &mut model, &mut report.problems)
}

/// One journal entry after the checker's pass: its parsed event and whatever was wrong with it.
struct Checked {
    seq: i64,
    business_date: Arc<str>,
    event: Option<Event>,
    postings: i64,
    problems: Vec<String>,
}

/// One range of entries, checked within itself; the main thread links ranges by these two hashes.
struct CheckedRange {
    entries: Vec<Checked>,
    first_prev_hash: Vec<u8>,
    last_hash: Option<Vec<u8>>,
    debits: i64,
    credits: i64,
    /// Postings in the range whose sequence number has no entry.
    orphans: i64,
}

/// Checks ranges `index`, `index + CHECKERS`, ... (CHUNK sequence numbers each) up to `last_seq`.
fn check_ranges(path: &std::path::Path, terminal: &str, last_seq: i64, index: i64, sender: &std::sync::mpsc::SyncSender<Result<CheckedRange>>) -> Result<()> {
    let conn = read_only(path)?;
    let mut range = index;
    while range * CHUNK < last_seq {
        let (after, to) = (range * CHUNK, ((range + 1) * CHUNK).min(last_seq));
        if sender.send(check_range(&conn, terminal, after, to)).is_err() {
            break;
        }
        range += CHECKERS;
    }
    Ok(())
}

/// A stored posting row, borrowed from the row being read.
struct StoredPosting<'a> {
    seq: i64,
    line: i64,
    account: &'a [u8],
    debit: i64,
    credit: i64,
}

fn text<'a>(row: &'a rusqlite::Row<'_>, index: usize) -> rusqlite::Result<&'a str> {
    row.get_ref(index)?.as_str().map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e)))
}

/// A text column's bytes, not checked for UTF-8: the entry columns are hashed and compared as bytes.
fn bytes<'a>(row: &'a rusqlite::Row<'_>, index: usize) -> rusqlite::Result<&'a [u8]> {
    row.get_ref(index)?.as_bytes().map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e)))
}

fn optional_bytes<'a>(row: &'a rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<&'a [u8]>> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        _ => bytes(row, index).map(Some),
    }
}

fn stored_posting<'a>(row: &'a rusqlite::Row<'_>) -> rusqlite::Result<StoredPosting<'a>> {
    Ok(StoredPosting { seq: row.get(0)?, line: row.get(1)?, account: bytes(row, 2)?, debit: row.get(3)?, credit: row.get(4)? })
}

/// Checks entries `after < seq <= to` as they stream from the database, each against itself and its
/// predecessor: gap-free sequence, hash chain, terminal, hash (over the stored postings), balanced
/// postings, readable payload of the stated kind, and the postings that payload requires.
fn check_range(conn: &Connection, terminal: &str, after: i64, to: i64) -> Result<CheckedRange> {
    let mut journal = conn.prepare_cached(
        "SELECT seq, terminal, at, business_date, user_name, approver, kind, payload, prev_hash, hash
         FROM journal WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
    )?;
    let mut posting_rows =
        conn.prepare_cached("SELECT seq, line, account, debit_cents, credit_cents FROM postings WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, line")?;
    let mut rows = journal.query(params![after, to])?;
    let mut lines = posting_rows.query(params![after, to])?;
    let mut line = lines.next()?;
    let mut checked = CheckedRange { entries: Vec::with_capacity(CHUNK as usize), first_prev_hash: Vec::new(), last_hash: None, debits: 0, credits: 0, orphans: 0 };
    let mut last_hash = Vec::new();
    let mut business_date: Arc<str> = Arc::from("");
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let fields = EntryFields {
            seq,
            terminal: bytes(row, 1)?,
            at: bytes(row, 2)?,
            business_date: bytes(row, 3)?,
            user: optional_bytes(row, 4)?,
            approver: optional_bytes(row, 5)?,
            kind: bytes(row, 6)?,
            payload: bytes(row, 7)?,
            prev_hash: bytes(row, 8)?,
        };
        let hash = bytes(row, 9)?;
        let mut problems = Vec::new();
        let mut problem = |what: String| problems.push(format!("entry {seq}: {what}"));
        match checked.entries.last() {
            None => checked.first_prev_hash = fields.prev_hash.to_vec(),
            Some(previous) => {
                if seq != previous.seq + 1 {
                    problem(format!("sequence gap: expected {}", previous.seq + 1));
                }
                if fields.prev_hash != last_hash {
                    problem("hash chain broken: prev_hash does not match the previous entry".into());
                }
            }
        }
        if fields.terminal != terminal.as_bytes() {
            problem(format!("terminal '{}' is not this ledger's '{terminal}'", String::from_utf8_lossy(fields.terminal)));
        }
        // UTF-8 is checked once for the whole payload, so the JSON reading need not check it string by string.
        let read = std::str::from_utf8(fields.payload).map_err(|e| e.to_string());
        let event = match read.and_then(|text| serde_json::from_str::<Event>(text).map_err(|e| e.to_string())) {
            Ok(event) => {
                if event.kind().as_bytes() != fields.kind {
                    problem(format!("kind '{}' does not match its payload '{}'", String::from_utf8_lossy(fields.kind), event.kind()));
                }
                Some(event)
            }
            Err(error) => {
                problem(format!("payload unreadable: {error}"));
                None
            }
        };
        let required: Vec<Posting> = event.as_ref().map(postings).unwrap_or_default();
        let mut hasher = ChainHasher::entry(&fields);
        let (mut count, mut debits, mut credits, mut as_required) = (0usize, 0i64, 0i64, true);
        while let Some(posting_row) = line {
            let posting = stored_posting(posting_row)?;
            if posting.seq > seq {
                break;
            }
            if posting.seq < seq {
                checked.orphans += 1;
            } else {
                hasher.posting(posting.line, posting.account, posting.debit, posting.credit);
                debits += posting.debit;
                credits += posting.credit;
                as_required &= required.get(count).is_some_and(|p| {
                    posting.line == count as i64 + 1 && p.account.as_bytes() == posting.account && p.debit.cents() == posting.debit && p.credit.cents() == posting.credit
                });
                count += 1;
            }
            line = lines.next()?;
        }
        if hasher.finish() != hash {
            problem("hash mismatch: the entry was altered after it was written".into());
        }
        if debits != credits {
            problem(format!("debits {debits} != credits {credits}"));
        }
        if event.is_some() && !(as_required && count == required.len()) {
            problem("postings differ from those the payload requires".into());
        }
        checked.debits += debits;
        checked.credits += credits;
        if business_date.as_bytes() != fields.business_date {
            business_date = Arc::from(String::from_utf8_lossy(fields.business_date));
            if business_date.as_bytes() != fields.business_date {
                problems.push(format!("entry {seq}: business date is not UTF-8 text"));
            }
        }
        last_hash.clear();
        last_hash.extend_from_slice(hash);
        checked.entries.push(Checked { seq, business_date: business_date.clone(), event, postings: count as i64, problems });
    }
    while line.is_some() {
        checked.orphans += 1;
        line = lines.next()?;
    }
    if !checked.entries.is_empty() {
        checked.last_hash = Some(last_hash);
    }
    Ok(checked)
}

/// Rows under a text key, in insertion order, found through a hash index: the large tables (payables,
/// receipts, exported payments) cost one hash per lookup instead of string compares down a tree.
struct Keyed<V> {
    index: HashMap<Box<str>, u32>,
    rows: Vec<(Box<str>, V)>,
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed { index: HashMap::new(), rows: Vec::new() }
    }
}

impl<V> Keyed<V> {
    fn position(&self, key: &str) -> Option<u32> {
        self.index.get(key).copied()
    }

    fn get(&self, key: &str) -> Option<&V> {
        self.position(key).map(|at| &self.rows[at as usize].1)
    }

    fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        self.position(key).map(|at| &mut self.rows[at as usize].1)
    }

    /// Inserts or replaces; returns whether the key was already there.
    fn put(&mut self, key: &str, value: V) -> bool {
        match self.position(key) {
            Some(at) => {
                self.rows[at as usize].1 = value;
                true
            }
            None => {
                self.index.insert(key.into(), self.rows.len() as u32);
                self.rows.push((key.into(), value));
                false
            }
        }
    }
}

/// Receipts in the order they were issued (which is number order), with an index by receipt text
/// built only as far as a lookup needs it: a payment's lines and most voids name a receipt just issued.
#[derive(Default)]
struct Receipts {
    rows: Vec<(Box<str>, ReceiptModel)>,
    index: HashMap<Box<str>, u32>,
    indexed: usize,
}

impl Receipts {
    fn position(&mut self, receipt: &str) -> Option<u32> {
        let recent = self.rows.len().saturating_sub(8)..self.rows.len();
        if let Some(at) = recent.rev().find(|at| &*self.rows[*at].0 == receipt) {
            return Some(at as u32);
        }
        self.index_all();
        self.index.get(receipt).copied()
    }

    fn index_all(&mut self) {
        while let Some((receipt, _)) = self.rows.get(self.indexed) {
            self.index.insert(receipt.clone(), self.indexed as u32);
            self.indexed += 1;
        }
    }

    /// The receipt with this number: where numbering is gap-free (checked while folding), row number - 1.
    fn by_number(&self, number: i64) -> Option<u32> {
        let direct = usize::try_from(number - 1).ok().filter(|at| self.rows.get(*at).is_some_and(|(_, r)| r.number == number));
        direct.or_else(|| self.rows.binary_search_by_key(&number, |(_, r)| r.number).ok()).map(|at| at as u32)
    }
}

/// The projections as the journal says they must be.
#[derive(Default)]
struct Model {
    payables: Keyed<PayableModel>,
    fees: BTreeMap<String, (String, Option<i64>, String)>,
    users: BTreeMap<String, (String, bool)>,
    drawers: BTreeMap<i64, (String, String, i64, String)>,
    drawer_totals: BTreeMap<(i64, &'static str), i64>,
    receipts: Receipts,
    /// Amount per (receipt number, payable position in `payables`).
    receipt_lines: HashMap<(i64, u32), i64>,
    last_receipt: i64,
    /// Cashier names, shared by their receipts.
    cashiers: Vec<Arc<str>>,
    batches: BTreeMap<String, BatchModel>,
    batch_items: BTreeMap<(String, i64), BatchItemModel>,
    deposits: BTreeMap<String, (String, i64, i64, i64)>,
    exported: Keyed<i64>,
    closed_through: Option<String>,
}

/// A payable row: kind, name, address, status, balance.
type PayableModel = (String, String, String, String, i64);

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
    drawer_id: Option<i64>,
    cashier: Arc<str>,
    business_date: Arc<str>,
    total: i64,
    status: Cow<'static, str>,
    refunded: i64,
    reprints: i64,
}

impl ReceiptModel {
    /// The columns after `receipt` in `RECEIPT_COLUMNS`.
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReceiptModel> {
        Ok(ReceiptModel {
            number: row.get(1)?,
            seq: row.get(2)?,
            drawer_id: row.get(3)?,
            cashier: Arc::from(text(row, 4)?),
            business_date: Arc::from(text(row, 5)?),
            total: row.get(6)?,
            status: Cow::Owned(text(row, 7)?.to_string()),
            refunded: row.get(8)?,
            reprints: row.get(9)?,
        })
    }

    /// Whether the row holds this receipt, read without copying it.
    fn matches(&self, row: &rusqlite::Row<'_>) -> bool {
        let same = || -> rusqlite::Result<bool> {
            Ok(row.get::<_, i64>(1)? == self.number
                && row.get::<_, i64>(2)? == self.seq
                && row.get::<_, Option<i64>>(3)? == self.drawer_id
                && text(row, 4)? == &*self.cashier
                && text(row, 5)? == &*self.business_date
                && row.get::<_, i64>(6)? == self.total
                && text(row, 7)? == self.status
                && row.get::<_, i64>(8)? == self.refunded
                && row.get::<_, i64>(9)? == self.reprints)
        };
        same().unwrap_or(false)
    }
}

const RECEIPT_COLUMNS: &str = "SELECT receipt, number, seq, drawer_id, cashier, business_date, total_cents, status, refunded_cents, reprints FROM receipts";

impl Model {
    fn fold(&mut self, seq: i64, business_date: &Arc<str>, effect: &Effect<'_>) -> std::result::Result<(), String> {
        match effect {
            Effect::UpsertPayable(row) => {
                self.payables.put(&row.number, (row.kind.as_str().into(), row.name.clone(), row.address.clone(), row.status.clone(), row.balance.cents()));
            }
            Effect::PayableBalance { number, delta } => {
                let payable = self.payables.get_mut(number).ok_or_else(|| format!("payment on unknown payable {number}"))?;
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
                self.drawers.insert(*drawer_id, (cashier.to_string(), business_date.to_string(), float.cents(), "open".into()));
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
                let follows = self.last_receipt;
                self.last_receipt = *number;
                let cashier = self.cashier(cashier);
                let model = ReceiptModel {
                    number: *number,
                    seq,
                    drawer_id: Some(*drawer_id),
                    cashier,
                    business_date: business_date.clone(),
                    total: total.cents(),
                    status: Cow::Borrowed("paid"),
                    refunded: 0,
                    reprints: 0,
                };
                self.receipts.rows.push((Box::from(*receipt), model));
                if *number != follows + 1 {
                    return Err(format!("receipt number gap: {receipt} follows receipt number {follows}"));
                }
            }
            Effect::ReceiptPayable { receipt, payable, amount } => {
                let on = self.payables.position(payable).ok_or_else(|| format!("receipt number {receipt} pays unknown payable {payable}"))?;
                *self.receipt_lines.entry((*receipt, on)).or_default() += amount.cents();
            }
            Effect::ReceiptStatus { receipt, status } => self.receipt(receipt)?.status = Cow::Borrowed(*status),
            Effect::ReceiptRefunded { receipt, amount } => {
                let model = self.receipt(receipt)?;
                model.refunded += amount.cents();
                model.status = Cow::Borrowed(if model.refunded >= model.total { "refunded" } else { "partially_refunded" });
            }
            Effect::ReceiptReprinted { receipt } => self.receipt(receipt)?.reprints += 1,
            Effect::OpenBatch { batch, kind, drawer_id, preparer, control_total, control_items } => {
                let row = BatchModel {
                    kind: kind.as_str().into(),
                    drawer_id: *drawer_id,
                    business_date: business_date.to_string(),
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
                self.deposits.insert(deposit.to_string(), (business_date.to_string(), seq, total.cents(), *batches));
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
                if self.exported.put(reference, seq) {
                    return Err(format!("payment {reference} exported twice"));
                }
            }
        }
        Ok(())
    }

    fn receipt(&mut self, receipt: &str) -> std::result::Result<&mut ReceiptModel, String> {
        match self.receipts.position(receipt) {
            Some(at) => Ok(&mut self.receipts.rows[at as usize].1),
            None => Err(format!("refers to unknown receipt {receipt}")),
        }
    }

    /// The shared name of a cashier (a city has a few dozen; the last one is nearly always it).
    fn cashier(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.cashiers.iter().rev().find(|known| &***known == name) {
            return known.clone();
        }
        let name: Arc<str> = Arc::from(name);
        self.cashiers.push(name.clone());
        name
    }
}

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

/// Compares every projection with the model. The receipt lines (one row per payment line) are compared on
/// a second connection and core while this thread compares the rest, when that connection sees the same
/// ledger: projections change only in the transaction of a journal entry, so the same last entry means the
/// same projections. If an entry was committed in between, they are compared here after the rest.
fn compare_projections(conn: &Connection, path: &std::path::Path, last_seq: i64, model: &mut Model, problems: &mut Vec<String>) -> Result<()> {
    std::thread::scope(|scope| {
        let (payables, receipt_lines) = (&model.payables, &model.receipt_lines);
        let elsewhere = scope.spawn(move || -> Result<Option<Vec<String>>> {
            let other = read_only(path)?;
            other.execute_batch("BEGIN DEFERRED")?;
            let seen: i64 = other.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?;
            if seen != last_seq {
                return Ok(None);
            }
            let mut found = Vec::new();
            compare_receipt_lines(&other, payables, receipt_lines, &mut found)?;
            Ok(Some(found))
        });
        let mut first = Vec::new();
        compare_tables(conn, model, &mut first)?;
        compare_receipt_rows(conn, &mut model.receipts, &mut first)?;
        let mut last = Vec::new();
        compare_batches(conn, model, &mut last)?;
        let lines = match elsewhere.join() {
            Ok(Ok(Some(found))) => found,
            Ok(Ok(None)) => {
                let mut found = Vec::new();
                compare_receipt_lines(conn, &model.payables, &model.receipt_lines, &mut found)?;
                found
            }
            Ok(Err(error)) => return Err(error),
            Err(_) => return Err(Error::Invariant("verify: the receipt-line comparison stopped unexpectedly".into())),
        };
        problems.extend(first.into_iter().chain(lines).chain(last));
        Ok(())
    })
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

/// Receipts: the largest projection (one row per payment), compared as the rows stream by in number
/// order, which is the model's order, without copying rows that match.
fn compare_receipt_rows(conn: &Connection, receipts: &mut Receipts, problems: &mut Vec<String>) -> Result<()> {
    let mut statement = conn.prepare(RECEIPT_COLUMNS)?;
    let mut rows = statement.query([])?;
    let mut present = vec![false; receipts.rows.len()];
    while let Some(row) = rows.next()? {
        let receipt = text(row, 0)?;
        let by_number = receipts.by_number(row.get(1)?).filter(|at| &*receipts.rows[*at as usize].0 == receipt);
        match by_number.or_else(|| receipts.position(receipt)) {
            None => problems.push(format!("receipt {receipt:?}: present but no journal entry made it")),
            Some(at) => {
                let expected = &receipts.rows[at as usize].1;
                if !expected.matches(row) {
                    problems.push(format!("receipt {receipt:?}: is {:?}, the journal says {expected:?}", ReceiptModel::read(row)?));
                }
                present[at as usize] = true;
            }
        }
    }
    for ((receipt, expected), _) in receipts.rows.iter().zip(&present).filter(|(_, present)| !**present) {
        problems.push(format!("receipt {:?}: missing (the journal says {expected:?})", &**receipt));
    }
    Ok(())
}

/// Receipt lines (which payables a receipt paid, and how much), keyed by receipt number and payable.
fn compare_receipt_lines(conn: &Connection, payables: &Keyed<PayableModel>, receipt_lines: &HashMap<(i64, u32), i64>, problems: &mut Vec<String>) -> Result<()> {
    let mut statement = conn.prepare("SELECT payable, receipt_number, amount_cents FROM receipt_payables")?;
    let mut rows = statement.query([])?;
    let mut seen = 0;
    let mut payable_at: Option<(String, Option<u32>)> = None;
    while let Some(row) = rows.next()? {
        let (payable, number, amount) = (text(row, 0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?);
        // Rows come grouped by payable.
        if payable_at.as_ref().is_none_or(|(known, _)| known != payable) {
            payable_at = Some((payable.to_string(), payables.position(payable)));
        }
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
