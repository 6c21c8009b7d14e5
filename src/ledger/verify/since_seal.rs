//! `citytill verify --since-seal`: the daily check whose cost is the entries since the last sealed day,
//! not the journal's age. The last day close that seals its chain head (`DayClosed.chain_head`, the hash of
//! the entry before it, printed on the day's paper and held by head office) is the starting point: from it
//! to the last entry, every entry is checked as `verify` checks it (sequence, chain, hash, postings,
//! payload), and an entry head office acknowledged since (`ack_witness`) must still carry the hash it
//! acknowledged. What lies before the seal is covered by the seal, not re-read; projections and SQLite's
//! integrity check need the whole file and are left to the full `verify`.

use rusqlite::{Connection, OptionalExtension};

use crate::domain::events::Event;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::ledger::{ack_witness, payload};

use super::{check_range, Report, CHUNK, MAX_LISTED};

/// The seal a `--since-seal` check started from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SealStart {
    /// The day close entry whose recorded chain head starts the check.
    pub seq: i64,
    /// The business day it closed.
    pub date: String,
    /// The hash of the entry before it, as the day close recorded it.
    pub chain_head: String,
    /// The day close entry's own hash (its printout's seal is `seq:` and the first digits of it).
    pub hash: String,
    /// The entries checked: `seq` to the last.
    pub last_seq: i64,
    /// The entry head office acknowledged (`ack_witness`), when it lies in the checked range and its hash
    /// was compared with the one head office acknowledged.
    pub acked: Option<i64>,
}

/// What `verify_since_seal` did: checked from a seal, or (no sealed day yet) the whole journal.
#[derive(Debug, serde::Serialize)]
pub struct SinceSeal {
    #[serde(flatten)]
    pub report: Report,
    /// None: no day close seals a chain head yet, so the whole journal was verified instead.
    pub since: Option<SealStart>,
}

/// Verifies the journal from its last sealed day close, or the whole ledger when there is none.
pub fn verify_since_seal(ledger: &Ledger) -> Result<SinceSeal> {
    let conn = ledger.conn();
    conn.execute_batch("BEGIN DEFERRED")?;
    let checked = check_since_seal(ledger, conn);
    let _ = conn.execute_batch("COMMIT");
    match checked? {
        Some(checked) => Ok(checked),
        None => Ok(SinceSeal { report: super::verify(ledger)?, since: None }),
    }
}

/// The last day close with a chain head: read back from the journal's end among the entries dated from
/// `meta.closed_through` on (a day close is dated the day it was recorded, the closed day or later), so
/// finding it reads only the entries since that close.
fn last_seal(conn: &Connection) -> Result<Option<(i64, String, String)>> {
    let Some(closed) = conn.query_row("SELECT value FROM meta WHERE key = 'closed_through'", [], |r| r.get::<_, String>(0)).optional()? else {
        return Ok(None);
    };
    let mut statement = conn.prepare("SELECT seq, payload, hash FROM journal WHERE business_date >= ?1 AND kind = 'day_closed' ORDER BY seq DESC")?;
    let mut rows = statement.query([closed])?;
    while let Some(row) = rows.next()? {
        let (seq, text, hash): (i64, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        if let Ok(Event::DayClosed { date, chain_head: Some(_), .. }) = payload::decode("day_closed", &text) {
            return Ok(Some((seq, date, hash)));
        }
    }
    Ok(None)
}

fn check_since_seal(ledger: &Ledger, conn: &Connection) -> Result<Option<SinceSeal>> {
    let Some((seal_seq, date, hash)) = last_seal(conn)? else { return Ok(None) };
    let last_seq: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?;
    let terminal = ledger.terminal().to_string();
    let mut report = Report::default();
    let mut chain_head = String::new();
    let mut prev_hash: Option<Vec<u8>> = None;
    let mut expected_seq = seal_seq;
    let mut after = seal_seq - 1;
    while after < last_seq {
        let to = (after + CHUNK).min(last_seq);
        let checked = check_range(conn, &terminal, after, to)?;
        if let Some(first) = checked.entries.first() {
            if first.seq != expected_seq {
                report.problems.push(format!("entry {}: sequence gap: expected {expected_seq}", first.seq));
            }
            match &prev_hash {
                // The day close itself: its prev_hash is checked against its recorded chain head below
                // (`check_range` refuses a day close whose chain head is not the entry before it).
                None => {
                    if let Some(Event::DayClosed { chain_head: Some(head), .. }) = &first.event {
                        chain_head = head.clone();
                    }
                }
                Some(hash) if *hash != checked.first_prev_hash => report.problems.push(format!("entry {}: hash chain broken: prev_hash does not match the previous entry", first.seq)),
                Some(_) => {}
            }
        }
        if checked.orphans > 0 {
            report.problems.push(format!("{} postings between entries {} and {to} belong to no journal entry", checked.orphans, after + 1));
        }
        for entry in checked.entries {
            report.problems.extend(entry.problems);
            report.entries += 1;
            report.postings += entry.postings;
            expected_seq = entry.seq + 1;
        }
        if let Some(last_hash) = checked.last_hash {
            prev_hash = Some(last_hash);
        }
        after = to;
    }
    if expected_seq <= last_seq {
        report.problems.push(format!("entry {expected_seq}: sequence gap: entries {expected_seq} to {last_seq} are missing"));
    }
    // Head office's acknowledgement, kept beside the ledger, is a second witness: an entry it acknowledged
    // after the seal must still carry the hash head office holds.
    let mut acked_checked = None;
    if let Some((acked, acked_hash)) = ack_witness::read_entry(ledger.path()) {
        if acked > last_seq {
            report.problems.push(format!("entry {acked}: head office acknowledged it, but this journal ends at entry {last_seq}"));
        } else if acked >= seal_seq {
            acked_checked = Some(acked);
            let stored: Option<String> = conn.query_row("SELECT hash FROM journal WHERE seq = ?1", [acked], |r| r.get(0)).optional()?;
            if stored.as_deref() != Some(acked_hash.as_str()) {
                report.problems.push(format!("entry {acked}: its hash is not the one head office acknowledged (the journal was rewritten after sync)"));
            }
        }
    }
    if chain_head.is_empty() {
        report.problems.push(format!("entry {seal_seq}: the sealed day close is unreadable or no longer a day close"));
    }
    if report.problems.len() > MAX_LISTED {
        let more = report.problems.len() - MAX_LISTED;
        report.problems.truncate(MAX_LISTED);
        report.problems.push(format!("... and {more} more problems"));
    }
    report.ok = report.problems.is_empty();
    Ok(Some(SinceSeal { report, since: Some(SealStart { seq: seal_seq, date, chain_head, hash, last_seq, acked: acked_checked }) }))
}
