//! `citytill verify`: SQLite's integrity check, the hash chain, gap-free sequences, balanced postings
//! (recomputed from each payload), and a replay of the journal that must reproduce every projection.

//!
//! The replay's threads and entry checks are here; `model` folds entries into the projections the journal
//! requires, and `compare` compares them with the tables.

mod compare;
mod model;
#[allow(unsafe_code)]
mod scan;
mod since_seal;

pub use since_seal::{verify_since_seal, SealStart, SinceSeal};

use std::sync::Arc;

use rusqlite::Connection;

use crate::domain::effects::effects;
use crate::domain::events::Event;
use crate::domain::postings::{postings, Posting};
use crate::error::{Error, Result};
use crate::ledger::journal::{ChainHasher, EntryFields, GENESIS_HASH};
use crate::ledger::payload;
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
/// At most this many threads read and check entries while the main thread folds them.
const MAX_CHECKERS: usize = 8;
/// Address space verify's connections may map (SQLite caps it at its compile-time maximum, 2 GiB by default).
const MMAP_BYTES: i64 = 1 << 40;
/// More problems than this are counted, not listed.
const MAX_LISTED: usize = 200;

/// How verify divides the journal among threads: `checkers` threads take turns at ranges of `chunk`
/// sequence numbers.
#[derive(Clone, Copy, Debug)]
pub struct Split {
    pub checkers: i64,
    pub chunk: i64,
}

impl Split {
    /// Checking entries is most of verify's work, so it gets every core but the one that folds them,
    /// and at least two checkers (on two cores the fold and the integrity check are lighter than either).
    pub fn for_this_machine() -> Split {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Split { checkers: cores.saturating_sub(1).clamp(2, MAX_CHECKERS) as i64, chunk: CHUNK }
    }
}

pub fn verify(ledger: &Ledger) -> Result<Report> {
    verify_split(ledger, Split::for_this_machine())
}

/// `verify` with a chosen split (tests prove every split finds the same).
pub fn verify_split(ledger: &Ledger, split: Split) -> Result<Report> {
    let split = Split { checkers: split.checkers.max(1), chunk: split.chunk.max(1) };
    let conn = ledger.conn();
    let mut report = Report::default();
    // SQLite's integrity check reads the whole file; it runs on a second connection (and core) while
    // this thread replays the journal.
    let path = ledger.path().to_path_buf();
    let integrity = std::thread::spawn(move || integrity_check(&path));
    // One read transaction: the replay and the projections it is compared with are the same snapshot.
    conn.execute_batch("BEGIN DEFERRED")?;
    let replayed = replay(ledger, conn, split, &mut report);
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
    let conn = crate::ledger::read_only_connection(path)?;
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
fn replay(ledger: &Ledger, conn: &Connection, split: Split, report: &mut Report) -> Result<()> {
    let Split { checkers: threads, chunk } = split;
    let mut model = model::Model::default();
    // Entries up to the snapshot's last one are immutable, so `threads` checkers, each on its own
    // connection, read and check alternate ranges of them (hash, sequence, postings, payload) on the
    // other core while this thread links the ranges into one chain and folds them into the model.
    let last_seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?;
    let ranges = (last_seq + chunk - 1) / chunk;
    let terminal = ledger.terminal().to_string();
    let mut receivers = Vec::new();
    let mut checkers = Vec::new();
    for index in 0..threads {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Result<CheckedRange>>(2);
        let (path, terminal) = (ledger.path().to_path_buf(), terminal.clone());
        checkers.push(std::thread::spawn(move || check_ranges(&path, &terminal, last_seq, Turn { index, of: split }, &sender)));
        receivers.push(receiver);
    }
    let mut prev_hash = GENESIS_HASH.as_bytes().to_vec();
    let mut expected_seq = 1;
    let (mut debits, mut credits, mut orphans) = (0i64, 0i64, 0i64);
    for range in 0..ranges {
        let Ok(checked) = receivers[(range % threads) as usize].recv() else { break };
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
    compare::compare_projections(conn, ledger.path(), last_seq, &mut model, &mut report.problems)
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

/// One checker's share: ranges `index`, `index + checkers`, ...
struct Turn {
    index: i64,
    of: Split,
}

/// Checks the turn's ranges (`chunk` sequence numbers each) up to `last_seq`.
fn check_ranges(path: &std::path::Path, terminal: &str, last_seq: i64, turn: Turn, sender: &std::sync::mpsc::SyncSender<Result<CheckedRange>>) -> Result<()> {
    let conn = read_only(path)?;
    let Split { checkers, chunk } = turn.of;
    let mut range = turn.index;
    while range * chunk < last_seq {
        let (after, to) = (range * chunk, ((range + 1) * chunk).min(last_seq));
        if sender.send(check_range(&conn, terminal, after, to)).is_err() {
            break;
        }
        range += checkers;
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

fn stored_posting<'a>(row: &scan::Row<'a>) -> Result<StoredPosting<'a>> {
    Ok(StoredPosting { seq: row.int(0), line: row.int(1), account: row.bytes(2)?, debit: row.int(3), credit: row.int(4) })
}

/// Checks entries `after < seq <= to` as they stream from the database, each against itself and its
/// predecessor: gap-free sequence, hash chain, terminal, hash (over the stored postings), balanced
/// postings, readable payload of the stated kind, and the postings that payload requires.
fn check_range(conn: &Connection, terminal: &str, after: i64, to: i64) -> Result<CheckedRange> {
    let mut rows = scan::Scan::new(
        conn,
        "SELECT seq, terminal, at, business_date, user_name, approver, kind, payload, prev_hash, hash
         FROM journal WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
        &[after, to],
    )?;
    let mut lines = scan::Scan::new(conn, "SELECT seq, line, account, debit_cents, credit_cents FROM postings WHERE seq > ?1 AND seq <= ?2 ORDER BY seq, line", &[after, to])?;
    let mut line = lines.next()?;
    let mut checked = CheckedRange { entries: Vec::with_capacity((to - after).clamp(0, CHUNK) as usize), first_prev_hash: Vec::new(), last_hash: None, debits: 0, credits: 0, orphans: 0 };
    let mut last_hash = Vec::new();
    let mut business_date: Arc<str> = Arc::from("");
    while let Some(row) = rows.next()? {
        let seq = row.int(0);
        let fields = EntryFields {
            seq,
            terminal: row.bytes(1)?,
            at: row.bytes(2)?,
            business_date: row.bytes(3)?,
            user: row.optional_bytes(4)?,
            approver: row.optional_bytes(5)?,
            kind: row.bytes(6)?,
            payload: row.bytes(7)?,
            prev_hash: row.bytes(8)?,
        };
        let hash = row.bytes(9)?;
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
        // UTF-8 is checked once for the whole payload and kind, so the JSON reading need not check it string by string.
        let read = std::str::from_utf8(fields.payload).and_then(|payload| Ok((std::str::from_utf8(fields.kind)?, payload))).map_err(|e| e.to_string());
        let event = match read.and_then(|(kind, payload)| payload::decode(kind, payload).map_err(|e| e.to_string())) {
            Ok(event) => {
                if !payload::states_kind(fields.payload, fields.kind) {
                    problem(format!("kind '{}' does not match its payload's own kind", String::from_utf8_lossy(fields.kind)));
                }
                // A day close seals the chain head before it: the entry it chains to.
                if let Event::DayClosed { chain_head: Some(head), .. } = &event {
                    if head.as_bytes() != fields.prev_hash {
                        problem("day close: its sealed chain head is not the entry before it (the journal before it was rewritten)".into());
                    }
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
        while let Some(posting_row) = &line {
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
                as_required &= required
                    .get(count)
                    .is_some_and(|p| posting.line == count as i64 + 1 && p.account.as_bytes() == posting.account && p.debit.cents() == posting.debit && p.credit.cents() == posting.credit);
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
