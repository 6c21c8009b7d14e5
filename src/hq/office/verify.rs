//! `citytill hq verify`: every terminal's journal at head office is complete (matches its acknowledgement),
//! gap-free, hash-chained (hashes recomputed here with the ledger's own code) and balanced, and no alarm
//! is left unresolved.

use postgres::Client;

use crate::hq::error::HqResult;
use crate::hq::office::admin::server;
use crate::ledger::journal::{JournalRecord, PostingRecord, GENESIS_HASH};

const CHUNK_ENTRIES: i64 = 5_000;
/// More problems than this per terminal are counted, not listed.
const MAX_LISTED: usize = 100;

/// One terminal's result.
#[derive(Debug, serde::Serialize)]
pub struct TerminalCheck {
    pub terminal: String,
    pub entries: i64,
    pub acked_seq: i64,
    pub problems: Vec<String>,
    pub problems_not_listed: usize,
}

/// The whole head office: `ok` only if every terminal is clean.
#[derive(Debug, serde::Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    pub terminals: Vec<TerminalCheck>,
    pub entries: i64,
    /// Alarms on record, resolved or not.
    pub alarms: i64,
    /// Whether every terminal's journal at head office is intact (complete, chained, balanced).
    pub journals_ok: bool,
    /// Alarms nobody has resolved yet (`hq alarms resolve`): each makes `ok` false, because each is a
    /// disagreement between a terminal and its witness that someone must explain.
    pub open_alarms: Vec<crate::hq::office::admin::Alarm>,
}

pub fn verify(client: &mut Client) -> HqResult<VerifyReport> {
    let terminals: Vec<(String, i64, String)> =
        client.query("SELECT terminal, acked_seq, last_hash FROM citytill.terminals ORDER BY terminal", &[]).map_err(server)?.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    let mut checks = Vec::new();
    for (terminal, acked_seq, last_hash) in terminals {
        checks.push(check_terminal(client, &terminal, acked_seq, &last_hash)?);
    }
    let alarms: i64 = client.query_one("SELECT count(*) FROM citytill.alarms", &[]).map_err(server)?.get(0);
    let open_alarms: Vec<_> = crate::hq::office::admin::alarms(client)?.into_iter().filter(|a| a.resolved_at.is_none()).collect();
    let entries = checks.iter().map(|c| c.entries).sum();
    let journals_ok = checks.iter().all(|c| c.problems.is_empty());
    Ok(VerifyReport { ok: journals_ok && open_alarms.is_empty(), terminals: checks, entries, alarms, journals_ok, open_alarms })
}

fn check_terminal(client: &mut Client, terminal: &str, acked_seq: i64, last_hash: &str) -> HqResult<TerminalCheck> {
    let mut check = TerminalCheck { terminal: terminal.to_string(), entries: 0, acked_seq, problems: Vec::new(), problems_not_listed: 0 };
    let mut expected_seq = 1;
    let mut prev_hash = GENESIS_HASH.to_string();
    loop {
        let records = read_chunk(client, terminal, expected_seq - 1)?;
        if records.is_empty() {
            break;
        }
        for record in &records {
            check.entries += 1;
            if record.seq != expected_seq {
                problem(&mut check, format!("entry {}: gap, expected {expected_seq}", record.seq));
            }
            if record.terminal != terminal {
                problem(&mut check, format!("entry {}: says terminal '{}'", record.seq, record.terminal));
            }
            if record.prev_hash != prev_hash {
                problem(&mut check, format!("entry {}: hash chain broken (prev_hash does not match entry {})", record.seq, record.seq - 1));
            }
            if record.compute_hash() != record.hash {
                problem(&mut check, format!("entry {}: content does not match its hash (altered at head office?)", record.seq));
            }
            let debits: i64 = record.postings.iter().map(|p| p.debit_cents).sum();
            let credits: i64 = record.postings.iter().map(|p| p.credit_cents).sum();
            if debits != credits {
                problem(&mut check, format!("entry {}: postings unbalanced, debits {debits} != credits {credits}", record.seq));
            }
            prev_hash = record.hash.clone();
            expected_seq = record.seq + 1;
        }
    }
    if check.entries != acked_seq || expected_seq - 1 != acked_seq {
        let text = format!("holds {} entries up to {} but acknowledged {acked_seq}", check.entries, expected_seq - 1);
        problem(&mut check, text);
    }
    if prev_hash != last_hash {
        problem(&mut check, "last hash differs from the acknowledged hash".into());
    }
    Ok(check)
}

fn problem(check: &mut TerminalCheck, text: String) {
    if check.problems.len() < MAX_LISTED {
        check.problems.push(text);
    } else {
        check.problems_not_listed += 1;
    }
}

/// Entries after `after` (at most a chunk) with their postings, in order.
pub fn read_chunk(client: &mut Client, terminal: &str, after: i64) -> HqResult<Vec<JournalRecord>> {
    let rows = client
        .query(
            "SELECT terminal, seq, at, business_date, user_name, approver, kind, payload, prev_hash, hash
               FROM citytill.entries WHERE terminal = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&terminal, &after, &CHUNK_ENTRIES],
        )
        .map_err(server)?;
    let mut records: Vec<JournalRecord> = rows
        .iter()
        .map(|r| JournalRecord {
            terminal: r.get(0),
            seq: r.get(1),
            at: r.get(2),
            business_date: r.get(3),
            user: r.get(4),
            approver: r.get(5),
            kind: r.get(6),
            payload: r.get(7),
            postings: Vec::new(),
            prev_hash: r.get(8),
            hash: r.get(9),
        })
        .collect();
    let (Some(first), Some(last)) = (records.first().map(|r| r.seq), records.last().map(|r| r.seq)) else {
        return Ok(records);
    };
    let lines = client
        .query(
            "SELECT seq, line, account, debit_cents, credit_cents FROM citytill.postings
              WHERE terminal = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq, line",
            &[&terminal, &first, &last],
        )
        .map_err(server)?;
    let mut index = 0;
    for line in &lines {
        let seq: i64 = line.get(0);
        while index < records.len() && records[index].seq < seq {
            index += 1;
        }
        if let Some(record) = records.get_mut(index).filter(|r| r.seq == seq) {
            record.postings.push(PostingRecord { line: line.get(1), account: line.get(2), debit_cents: line.get(3), credit_cents: line.get(4) });
        }
    }
    Ok(records)
}
