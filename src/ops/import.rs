//! CSV import of payables and fee codes: every row validated first; any bad row rejects the whole file.

use std::path::Path;

use rusqlite::{params, OptionalExtension};

use crate::domain::accounts;
use crate::domain::events::Event;
use crate::domain::ids::Role;
use crate::domain::payable::{FeeRow, PayableKind, PayableRow};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;

/// Rows per journal entry: keeps payloads small while a million-row file stays a thousand entries.
pub const ROWS_PER_ENTRY: usize = 1_000;
/// At most this many bad rows are listed.
const MAX_LISTED: usize = 100;

pub const PAYABLES_HEADER: [&str; 6] = ["kind", "number", "name", "address", "status", "balance"];
pub const FEES_HEADER: [&str; 4] = ["code", "description", "amount", "gl_account"];

/// Reads and validates a payables CSV; Err lists every bad row as `line N, column C: problem`.
pub fn read_payables(path: &Path, max: Money) -> Result<Vec<PayableRow>> {
    let file = std::fs::File::open(path).map_err(|e| Error::file(path, e))?;
    parse_payables(file, &path.display().to_string(), max)
}

/// The one payables reader, for the terminal's import and head office's publishing alike (`name` is what
/// its messages call the input).
pub fn parse_payables(input: impl std::io::Read, name: &str, max: Money) -> Result<Vec<PayableRow>> {
    read_rows(input, name, &PAYABLES_HEADER, |record, problems| {
        let kind = PayableKind::parse(&record[0]).map_err(|e| problems.push(("kind", e))).ok();
        let number = text_field(&record[1], "number", 40, problems);
        let name = text_field(&record[2], "name", 120, problems);
        let address = text_field_allow_empty(&record[3], "address", 200, problems);
        let status = text_field(&record[4], "status", 30, problems);
        let balance = Money::parse_signed("balance", &record[5])
            .map_err(|e| e.to_string())
            .and_then(|m| if m.cents().abs() > max.cents() { Err(format!("balance: {m} is beyond the maximum {max}")) } else { Ok(m) })
            .map_err(|e| problems.push(("balance", e)))
            .ok();
        if let Some(number) = &number {
            if !number.chars().all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c)) {
                problems.push(("number", format!("'{number}' may hold only letters, digits and - _ / .")));
            }
        }
        Some(PayableRow { kind: kind?, number: number?, name: name?, address: address?, status: status?.to_ascii_lowercase(), balance: balance? })
    })
    .and_then(|rows| no_duplicates(rows, |r: &PayableRow| r.number.clone(), "number"))
}

/// Reads and validates a fee schedule CSV (empty amount = variable fee).
pub fn read_fees(path: &Path, max: Money) -> Result<Vec<FeeRow>> {
    let file = std::fs::File::open(path).map_err(|e| Error::file(path, e))?;
    parse_fees(file, &path.display().to_string(), max)
}

/// The one fee-schedule reader, for the terminal and head office alike.
pub fn parse_fees(input: impl std::io::Read, name: &str, max: Money) -> Result<Vec<FeeRow>> {
    read_rows(input, name, &FEES_HEADER, |record, problems| {
        let code = text_field(&record[0], "code", 20, problems).map(|c| c.to_ascii_uppercase());
        if code.as_deref() == Some(crate::domain::convenience_fee::CODE) {
            problems.push(("code", format!("'{}' is reserved for the convenience fee ([convenience_fee] in citytill.toml)", crate::domain::convenience_fee::CODE)));
        }
        let description = text_field(&record[1], "description", 120, problems);
        let amount = if record[2].trim().is_empty() { Some(None) } else { Money::parse_positive("amount", &record[2], max).map(Some).map_err(|e| problems.push(("amount", e.to_string()))).ok() };
        let gl_account = text_field(&record[3], "gl_account", 16, problems);
        if let Some(gl) = &gl_account {
            if !accounts::valid_code(gl) {
                problems.push(("gl_account", format!("'{gl}' is not an account code (2-16 letters, digits, '.', '-')")));
            }
        }
        Some(FeeRow { code: code?, description: description?, amount: amount?, gl_account: gl_account? })
    })
    .and_then(|rows| no_duplicates(rows, |r: &FeeRow| r.code.clone(), "code"))
}

fn text_field(value: &str, column: &'static str, max_len: usize, problems: &mut Vec<(&'static str, String)>) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        problems.push((column, "is empty".into()));
        return None;
    }
    text_field_allow_empty(value, column, max_len, problems)
}

fn text_field_allow_empty(value: &str, column: &'static str, max_len: usize, problems: &mut Vec<(&'static str, String)>) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > max_len || value.chars().any(char::is_control) {
        problems.push((column, format!("longer than {max_len} characters or has control characters")));
        return None;
    }
    if crate::domain::tender::contains_card_number(value) {
        problems.push((column, "looks like a card number; card numbers are never stored".into()));
        return None;
    }
    Some(value.to_string())
}

fn read_rows<T>(input: impl std::io::Read, name: &str, header: &[&str], parse: impl Fn(&csv::StringRecord, &mut Vec<(&'static str, String)>) -> Option<T>) -> Result<Vec<T>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(input);
    let found: Vec<String> = reader.headers().map_err(|e| Error::invalid(name, e.to_string()))?.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    if found != header {
        return Err(Error::invalid(name, format!("line 1: header must be '{}', found '{}'", header.join(","), found.join(","))));
    }
    let mut rows = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                bad.push(format!("line {line}: {error}"));
                continue;
            }
        };
        if record.len() != header.len() {
            bad.push(format!("line {line}: has {} columns, expected {}", record.len(), header.len()));
            continue;
        }
        let mut problems = Vec::new();
        match parse(&record, &mut problems) {
            Some(row) if problems.is_empty() => rows.push(row),
            _ => bad.extend(problems.into_iter().map(|(column, problem)| format!("line {line}, column {column}: {problem}"))),
        }
    }
    if bad.is_empty() && rows.is_empty() {
        bad.push("no data rows".into());
    }
    if !bad.is_empty() {
        let count = bad.len();
        bad.truncate(MAX_LISTED);
        return Err(Error::invalid(name, format!("{count} problem(s), nothing imported:\n  {}", bad.join("\n  "))));
    }
    Ok(rows)
}

fn no_duplicates<T>(rows: Vec<T>, key: impl Fn(&T) -> String, column: &str) -> Result<Vec<T>> {
    let mut seen = std::collections::HashMap::new();
    let mut bad = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        if let Some(first) = seen.insert(key(row), index) {
            bad.push(format!("line {}, column {column}: '{}' repeats line {}", index + 2, key(row), first + 2));
        }
    }
    if bad.is_empty() {
        Ok(rows)
    } else {
        Err(Error::Invalid(format!("{} duplicate(s), nothing imported:\n  {}", bad.len(), bad.join("\n  ")).into()))
    }
}

/// Rows staged, or merged, by an import's first transaction; each next one stages or merges more or
/// fewer rows so that it holds the write lock about `CHUNK_TARGET` (between `MIN_CHUNK` and
/// `MAX_CHUNK` rows): a payment never waits longer than about one such transaction, and a fast machine
/// is not held to a slow one's chunk size (fewer, larger transactions: fewer syncs and word-index segments).
pub const STAGE_ROWS: usize = 5_000;
const MIN_CHUNK: usize = 1_000;
const MAX_CHUNK: usize = 50_000;
const CHUNK_TARGET: std::time::Duration = std::time::Duration::from_millis(80);
/// The pause between an import's transactions, in which a payment waiting for the write lock takes it.
const BETWEEN_CHUNKS: std::time::Duration = std::time::Duration::from_millis(2);
/// Page cache (KiB) while importing: the import walks the payables, staging and word-index trees, and
/// SQLite's default 2 MB cache read many of their pages again from the file system in each transaction.
const IMPORT_CACHE_KIB: i64 = 131_072;
/// WAL pages between automatic checkpoints while importing (SQLite's default is 1,000): each
/// checkpoint copies every page the last transactions touched, and an import touches the same index
/// pages in transaction after transaction. Checkpoints do not hold the write lock.
const IMPORT_CHECKPOINT_PAGES: i64 = 16_384;

/// The next transaction's rows, given how long one of `rows` rows held the write lock.
fn next_chunk(rows: usize, took: std::time::Duration) -> usize {
    let per_row = took.as_secs_f64() / rows.max(1) as f64;
    let fits = if per_row > 0.0 { (CHUNK_TARGET.as_secs_f64() / per_row) as usize } else { MAX_CHUNK };
    // Grows at most twofold a step, so one fast transaction on a machine that then slows down costs little.
    fits.min(rows * 2).clamp(MIN_CHUNK, MAX_CHUNK) / ROWS_PER_ENTRY * ROWS_PER_ENTRY
}

/// Inserts or updates payables, all or nothing as anyone sees it, without holding the write lock for
/// long: the rows are staged out of sight in short transactions (see `STAGE_ROWS`; journaled as
/// `PayablesStaged` entries of `ROWS_PER_ENTRY` rows), then one short transaction journals
/// `PayablesImportCommitted`, which makes every staged row visible at once (lookups and payments read
/// a committed import's rows before the payables table), and the rows are then merged into `payables`
/// in short transactions. A failure while staging leaves nothing visible; a failure after the
/// commit leaves the import whole and visible, and the next import finishes the merge.
pub fn upsert_payables(ledger: &mut Ledger, actor: Option<&str>, source: &str, rows: Vec<PayableRow>) -> Result<usize> {
    let cache: i64 = ledger.conn().pragma_query_value(None, "cache_size", |r| r.get(0))?;
    let checkpoint: i64 = ledger.conn().pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
    ledger.conn().pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    ledger.conn().pragma_update(None, "wal_autocheckpoint", IMPORT_CHECKPOINT_PAGES)?;
    let imported = stage_commit_merge(ledger, actor, source, rows);
    // The connection may serve a counter for hours after: it gives the import's pages back.
    let restored = ledger.conn().pragma_update(None, "cache_size", cache).and_then(|()| ledger.conn().pragma_update(None, "wal_autocheckpoint", checkpoint));
    let count = imported?;
    restored?;
    Ok(count)
}

fn stage_commit_merge(ledger: &mut Ledger, actor: Option<&str>, source: &str, rows: Vec<PayableRow>) -> Result<usize> {
    let count = rows.len();
    merge_committed(ledger)?;
    let (mut import, mut part) = (0i64, 0i64);
    let (mut done, mut chunk) = (0, STAGE_ROWS);
    // Each entry takes its rows from the file's (no copy of a million rows).
    let mut rows = rows.into_iter();
    while done < count {
        let end = (done + chunk).min(count);
        let started = std::time::Instant::now();
        ledger.write(|w| {
            if import == 0 {
                import = w.conn().query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM journal", [], |r| r.get(0))?;
            }
            let mut left = end - done;
            while left > 0 {
                let entry: Vec<PayableRow> = rows.by_ref().take(left.min(ROWS_PER_ENTRY)).collect();
                if entry.is_empty() {
                    break;
                }
                left -= entry.len();
                part += 1;
                w.append(actor, None, &Event::PayablesStaged { import, source: source.to_string(), part, rows: entry })?;
            }
            Ok(())
        })?;
        chunk = next_chunk(end - done, started.elapsed());
        done = end;
        std::thread::sleep(BETWEEN_CHUNKS);
    }
    crate::fault::point("import-commit")?;
    let event = Event::PayablesImportCommitted { import, source: source.to_string(), parts: part, rows: count as i64 };
    ledger.write(|w| w.append(actor, None, &event).map(|_| ()))?;
    crate::fault::point("import-merge")?;
    merge_committed(ledger)?;
    Ok(count)
}

/// Moves committed imports' staged rows into `payables`, a range of numbers a transaction (sized as
/// `STAGE_ROWS` says). What anyone sees does not change (the staged rows were already the visible
/// ones), so nothing is journaled.
pub fn merge_committed(ledger: &mut Ledger) -> Result<()> {
    // A merge transaction is not synced to disk on its own (the next synced commit on any connection
    // syncs it): it journals nothing, and one lost to a power cut leaves its rows staged and visible,
    // merged again by the next import. Every journaled commit stays synchronous = FULL.
    ledger.conn().pragma_update(None, "synchronous", "NORMAL")?;
    let merged = merge_chunks(ledger);
    let restored = ledger.conn().pragma_update(None, "synchronous", "FULL");
    merged?;
    Ok(restored?)
}

fn merge_chunks(ledger: &mut Ledger) -> Result<()> {
    let mut chunk = STAGE_ROWS;
    loop {
        let started = std::time::Instant::now();
        let moved = ledger.write(|w| {
            let conn = w.conn();
            let import: Option<i64> = conn.query_row("SELECT id FROM imports WHERE state = 'committed' ORDER BY id LIMIT 1", [], |r| r.get(0)).optional()?;
            let Some(import) = import else { return Ok(None) };
            // The chunk is the staged numbers up to and including `last`: one range for the copy and the delete.
            let last: Option<String> = conn
                .prepare_cached("SELECT MAX(number) FROM (SELECT number FROM payables_staged WHERE import = ?1 ORDER BY number LIMIT ?2)")?
                .query_row(params![import, chunk as i64], |r| r.get(0))?;
            let Some(last) = last else {
                conn.prepare_cached("UPDATE imports SET state = 'merged' WHERE id = ?1")?.execute([import])?;
                return Ok(Some(0));
            };
            let moved = conn
                .prepare_cached(
                    "INSERT INTO payables(number, kind, name, address, status, balance_cents)
                     SELECT number, kind, name, address, status, balance_cents FROM payables_staged WHERE import = ?1 AND number <= ?2
                     ORDER BY number
                     ON CONFLICT(number) DO UPDATE SET kind = excluded.kind, name = excluded.name, address = excluded.address,
                     status = excluded.status, balance_cents = excluded.balance_cents",
                )?
                .execute(params![import, last])?;
            conn.prepare_cached("DELETE FROM payables_staged WHERE import = ?1 AND number <= ?2")?.execute(params![import, last])?;
            Ok(Some(moved))
        })?;
        let Some(moved) = moved else { return Ok(()) };
        if moved > 0 {
            chunk = next_chunk(moved, started.elapsed());
        }
        std::thread::sleep(BETWEEN_CHUNKS);
    }
}

/// Inserts or updates fee codes in one transaction (one journal entry).
pub fn upsert_fees(ledger: &mut Ledger, actor: Option<&str>, source: &str, rows: Vec<FeeRow>) -> Result<usize> {
    let count = rows.len();
    ledger.write(|w| w.append(actor, None, &Event::FeesImported { source: source.to_string(), rows }))?;
    Ok(count)
}

/// `citytill import payables|fees FILE` for a lead, supervisor or admin.
pub fn import_file(ledger: &mut Ledger, actor: &Actor, what: &str, path: &Path, max: Money) -> Result<usize> {
    actor.require(&[Role::Lead, Role::Supervisor, Role::Admin], "import reference data")?;
    let source = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    // The file's name is journaled as the import's source: it is free text like any other.
    crate::domain::text::check("file name", &source).map_err(|e| Error::Invalid(e.into()))?;
    match what {
        "payables" => upsert_payables(ledger, Some(&actor.name), &source, read_payables(path, max)?),
        "fees" => upsert_fees(ledger, Some(&actor.name), &source, read_fees(path, max)?),
        other => Err(Error::invalid("import", format!("'{other}' must be payables or fees"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a fee schedule may not claim the convenience fee's reserved code (refunds tell that line by it).
    #[test]
    fn the_convenience_fee_code_is_reserved() {
        let max = Money::from_cents(crate::money::DEFAULT_MAX_CENTS);
        let error = parse_fees("code,description,amount,gl_account\nconv-fee,Card fee,2.00,4900\n".as_bytes(), "fees.csv", max).unwrap_err().to_string();
        assert!(error.contains("reserved for the convenience fee"), "{error}");
        assert!(parse_fees("code,description,amount,gl_account\nDOG,Dog license,15.00,4210\n".as_bytes(), "fees.csv", max).is_ok());
    }

    // Proves a transaction that took four times the target is followed by one of about a quarter the rows, one far under the target by one at most twice as large, and that sizes stay whole journal entries within the bounds.
    #[test]
    fn chunks_follow_the_time_target() {
        assert_eq!(next_chunk(20_000, CHUNK_TARGET * 4), 5_000);
        assert_eq!(next_chunk(5_000, CHUNK_TARGET / 100), 10_000);
        assert_eq!(next_chunk(MAX_CHUNK, std::time::Duration::ZERO), MAX_CHUNK);
        assert_eq!(next_chunk(1_000, CHUNK_TARGET * 1_000), MIN_CHUNK);
        assert_eq!(next_chunk(7_000, CHUNK_TARGET) % ROWS_PER_ENTRY, 0);
    }

    // Proves an import gives its connection back as it found it: the default page cache, the default checkpoint interval and synchronous = FULL (the merge ran with NORMAL).
    #[test]
    fn an_import_restores_the_connection_settings() {
        let dir = tempfile::tempdir().unwrap();
        let terminal = crate::domain::ids::TerminalId::parse("T01").unwrap();
        let mut ledger = Ledger::create(&dir.path().join("ledger.sqlite"), &terminal).unwrap();
        let setting = |ledger: &Ledger, name: &str| -> i64 { ledger.conn().pragma_query_value(None, name, |r| r.get(0)).unwrap() };
        let before = (setting(&ledger, "cache_size"), setting(&ledger, "wal_autocheckpoint"));
        upsert_payables(&mut ledger, None, "test", crate::ops::synthetic::payables(3_000, 1)).unwrap();
        assert_eq!((setting(&ledger, "cache_size"), setting(&ledger, "wal_autocheckpoint")), before);
        assert_eq!(setting(&ledger, "synchronous"), 2);
        let merged: i64 = ledger.conn().query_row("SELECT COUNT(*) FROM payables", [], |r| r.get(0)).unwrap();
        let staged: i64 = ledger.conn().query_row("SELECT COUNT(*) FROM payables_staged", [], |r| r.get(0)).unwrap();
        assert_eq!((merged, staged), (3_000, 0), "every row merged, none left staged");
    }
}
