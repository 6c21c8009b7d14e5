//! The local SQLite ledger: opening it durably (WAL, synchronous=FULL, 0600), migrations, and the one
//! write path — `Ledger::write` — through which every journal entry, its postings and its projection
//! effects commit together or not at all.

pub mod ack_witness;
pub mod apply;
pub mod backup;
pub mod clock;
pub mod journal;
pub mod payload;
pub mod schema;
mod states_sql;
pub mod verify;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use chrono_tz::Tz;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::domain::accounts;
use crate::domain::card_data;
use crate::domain::events::Event;
use crate::domain::ids::TerminalId;
use crate::domain::postings::{postings, totals};
use crate::error::{Error, Result};
use journal::{posting_records, JournalRecord, GENESIS_HASH};

pub use clock::Clock;
use clock::{ClockGuard, TIME_ZONE_KEY};

/// The ledger's file name inside a data directory.
pub const LEDGER_FILE: &str = "ledger.sqlite";

/// How long a writer waits for another process's write lock before giving up.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// The meta key holding the highest journal sequence number head office has acknowledged (written by
/// `hq`'s push; read here because what head office holds limits what the terminal may still change).
pub const HQ_ACKED_SEQ: &str = "hq_acked_seq";

/// An open ledger file. One per process; SQLite's write lock serialises writers across processes.
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    terminal: TerminalId,
    clock: Clock,
    /// Head office's acknowledged sequence as the witness file beside the ledger recorded it at open.
    acked_witness: i64,
    /// The city's time zone (meta `time_zone`): business dates are dates there, whatever `TZ` says.
    zone: Tz,
    guard: ClockGuard,
    /// The secret PINs are hashed with (loaded from the PIN key file by `ops::auth::PinKey`).
    pin_key: Option<Vec<u8>>,
    /// How many `Reader`s are alive: the connection is query-only while this is above zero.
    readers: std::cell::Cell<u32>,
}

/// A read-only view of the ledger (`Ledger::read`): it derefs to the connection so the library's query
/// functions take it as they are, but SQLite refuses any write made while one is alive. The window and the
/// command line get no other way to the connection (`Ledger::conn` is the library's own).
pub struct Reader<'a> {
    ledger: &'a Ledger,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.ledger.conn
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let left = self.ledger.readers.get().saturating_sub(1);
        self.ledger.readers.set(left);
        if left == 0 {
            // Failing to lift query_only leaves the next write refused loudly (SQLITE_READONLY), never wrong.
            let _ = self.ledger.conn.pragma_update(None, "query_only", false);
        }
    }
}

impl Ledger {
    /// Creates a new ledger file for `terminal` (mode 0600); refuses if the file exists.
    pub fn create(path: &Path, terminal: &TerminalId) -> Result<Ledger> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
        }
        crate::private_file::open(std::fs::OpenOptions::new().write(true).create_new(true), path).map_err(|e| Error::file(path, e))?;
        let conn = Ledger::connect(path)?;
        migrate(&conn, path)?;
        ack_witness::forget(path);
        conn.execute("INSERT INTO meta(key, value) VALUES ('terminal', ?1)", [terminal.as_str()])?;
        // The chart's accounts a migration added are already there, from that migration's own SQL
        // (`schema::tests` proves it says the same as the chart).
        for account in accounts::CHART {
            conn.execute("INSERT OR IGNORE INTO accounts(code, name, class) VALUES (?1, ?2, ?3)", params![account.code, account.name, account.kind.as_str()])?;
        }
        let zone = clock::machine_zone();
        conn.execute("INSERT INTO meta(key, value) VALUES (?1, ?2)", params![TIME_ZONE_KEY, zone.name()])?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
            terminal: terminal.clone(),
            clock: Clock::System,
            zone,
            guard: ClockGuard::default(),
            pin_key: None,
            acked_witness: 0,
            readers: Default::default(),
        })
    }

    /// Opens an existing ledger, applies pending migrations and checks durability settings.
    pub fn open(path: &Path) -> Result<Ledger> {
        if !path.exists() {
            return Err(Error::NotFound(format!("no ledger at {} (run `citytill init` first)", path.display()).into()));
        }
        let conn = Ledger::connect(path)?;
        migrate(&conn, path)?;
        let terminal: String =
            conn.query_row("SELECT value FROM meta WHERE key = 'terminal'", [], |r| r.get(0)).optional()?.ok_or_else(|| Error::Invariant(format!("{} has no terminal id", path.display())))?;
        let terminal = TerminalId::parse(&terminal).map_err(Error::Invariant)?;
        let zone = city_zone(&conn)?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
            terminal,
            clock: Clock::System,
            zone,
            guard: ClockGuard::default(),
            pin_key: None,
            acked_witness: ack_witness::read(path),
            readers: Default::default(),
        })
    }

    /// Opens an existing ledger only to read it (verify, receipt show, lookup, reports): no migration, no
    /// permission change, nothing written, so a data directory that cannot be written (an auditor's copy,
    /// a read-only mount, a full disk) still reads. A ledger of an older schema is migrated first (opened
    /// as `open` does), which needs it writable; a newer one is refused.
    pub fn open_read_only(path: &Path) -> Result<Ledger> {
        if !path.exists() {
            return Err(Error::NotFound(format!("no ledger at {} (run `citytill init` first)", path.display()).into()));
        }
        let at = |source| Error::Database { path: path.display().to_string(), source };
        let conn = read_only_connection(path).map_err(at)?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).map_err(at)?;
        let known = schema::MIGRATIONS.len() as i64;
        if version < known {
            // An older ledger is migrated as any command does, where it can be written.
            drop(conn);
            return Ledger::open(path)
                .map_err(|error| Error::Refused(format!("{}: schema version {version}, this CityTill reads {known}, and it cannot be migrated here: {error}", path.display()).into()));
        }
        if version > known {
            return Err(Error::Invariant(format!("{} has schema version {version}, newer than this CityTill ({known})", path.display())));
        }
        let terminal: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'terminal'", [], |r| r.get(0))
            .optional()
            .map_err(at)?
            .ok_or_else(|| Error::Invariant(format!("{} has no terminal id", path.display())))?;
        let terminal = TerminalId::parse(&terminal).map_err(Error::Invariant)?;
        let zone = city_zone(&conn)?;
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
            terminal,
            clock: Clock::System,
            zone,
            guard: ClockGuard::default(),
            pin_key: None,
            acked_witness: ack_witness::read(path),
            readers: Default::default(),
        })
    }

    fn connect(path: &Path) -> Result<Connection> {
        let at = |source| Error::Database { path: path.display().to_string(), source };
        let mut conn = Connection::open(path).map_err(at)?;
        conn.busy_handler(Some(wait_for_lock)).map_err(at)?;
        let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0)).map_err(at)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Invariant(format!("journal_mode is '{mode}', not wal")));
        }
        conn.pragma_update(None, "synchronous", "FULL").map_err(at)?;
        let synchronous: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).map_err(at)?;
        if synchronous != 2 {
            return Err(Error::Invariant(format!("synchronous is {synchronous}, not FULL (2)")));
        }
        conn.pragma_update(None, "foreign_keys", "ON").map_err(at)?;
        // The WAL and shared-memory files inherit the database's mode; make sure it is owner-only.
        crate::private_file::restrict(path, false).map_err(|e| Error::file(path, e))?;
        Ok(conn)
    }

    pub fn terminal(&self) -> &TerminalId {
        &self.terminal
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, for this library's own queries and writes (`ops`, `reports`, `hq`). Everything
    /// outside the library (the window, the command line) reads through `read` and writes through `ops`.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Copies the write-ahead log into the database file and empties it, so the file alone is the ledger
    /// (before copying it whole, as the bench does).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        Ok(())
    }

    /// Bulk loading of a synthetic journal (the bench growing millions of entries): commits stop waiting
    /// for the disk (`synchronous=OFF`) until `set_bulk_load(false)` puts FULL back. Never on a real
    /// counter: a crash while on can lose the last commits.
    pub fn set_bulk_load(&mut self, bulk: bool) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", if bulk { "OFF" } else { "FULL" })?;
        Ok(())
    }

    /// A read-only view for queries: while it (or another) is alive, SQLite refuses any write on this
    /// connection (`PRAGMA query_only`), so what reads cannot write, whatever it runs. Writes go through
    /// `write`, which needs `&mut self` and so cannot overlap a `Reader`.
    ///
    /// Outside this library, this is the only way to the connection:
    /// ```no_run
    /// # fn f(ledger: &citytill::ledger::Ledger) -> citytill::Result<i64> {
    /// Ok(ledger.read()?.query_row("SELECT COUNT(*) FROM receipts", [], |r| r.get(0))?)
    /// # }
    /// ```
    /// ```compile_fail
    /// # fn f(ledger: &citytill::ledger::Ledger) {
    /// let _ = ledger.conn(); // private to the library: the window and the command line cannot reach it
    /// # }
    /// ```
    pub fn read(&self) -> Result<Reader<'_>> {
        if self.readers.get() == 0 {
            self.conn.pragma_update(None, "query_only", true)?;
        }
        self.readers.set(self.readers.get() + 1);
        Ok(Reader { ledger: self })
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Tests, the bench and the training simulator run on a fixed clock.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// The city's time zone.
    pub fn time_zone(&self) -> Tz {
        self.zone
    }

    /// Records the city's time zone (init); later business dates are dates in it.
    pub fn set_time_zone(&mut self, zone: Tz) -> Result<()> {
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", params![TIME_ZONE_KEY, zone.name()])?;
        self.zone = zone;
        Ok(())
    }

    /// A clock jump larger than this many minutes (either way) is warned about (setting `limits.clock_jump_minutes`).
    pub fn set_clock_jump_minutes(&mut self, minutes: i64) {
        self.guard.jump_minutes = minutes;
    }

    /// The secret PINs are hashed with (kept outside the data dir; see `ops::auth::PinKey`).
    pub fn set_pin_key(&mut self, key: Vec<u8>) {
        self.pin_key = Some(key);
    }

    pub fn pin_key(&self) -> Option<&[u8]> {
        self.pin_key.as_deref()
    }

    /// Now as the ledger sees it: the clock, but never before the last entry's time.
    pub fn now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        effective_now(&self.conn, self.clock)
    }

    /// The business date new entries get: today, unless today's business has been closed.
    pub fn business_date(&self) -> Result<NaiveDate> {
        business_date(&self.conn, self.now()?, self.zone)
    }

    /// Runs `work` in one IMMEDIATE transaction: everything it appends commits together, or nothing does.
    pub fn write<T>(&mut self, work: impl FnOnce(&mut Writer<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut writer = Writer { tx, terminal: &self.terminal, clock: self.clock, zone: self.zone, guard: &mut self.guard, acked_witness: self.acked_witness };
        let value = work(&mut writer)?;
        writer.tx.commit()?;
        Ok(value)
    }

    /// Journal entries with `seq > after`, in order, at most `limit` (for sync and verify).
    pub fn entries_after(&self, after: i64, limit: usize) -> Result<Vec<JournalRecord>> {
        read_entries(&self.conn, after, limit)
    }

    pub fn last_seq(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?)
    }

    /// Refuses, loudly, when this ledger holds fewer entries than head office acknowledged (see
    /// `refuse_numbers_head_office_holds`): commands that write call it first, so that is what they say.
    pub fn refuse_if_behind_head_office(&self) -> Result<()> {
        refuse_numbers_head_office_holds(&self.conn, &self.terminal, self.last_seq()?, self.acked_witness)
    }

    /// Reads a value from the meta table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }
}

/// The city's time zone as the ledger records it; ledgers made before the zone was recorded use the
/// machine's zone (never the process's `TZ`).
pub fn city_zone(conn: &Connection) -> Result<Tz> {
    let zone: Option<String> = conn.query_row("SELECT value FROM meta WHERE key = ?1", [TIME_ZONE_KEY], |r| r.get(0)).optional()?;
    match zone {
        Some(name) => clock::parse_zone("meta time_zone", &name).map_err(Error::Invariant),
        None => Ok(clock::machine_zone()),
    }
}

/// The busy handler of the ledger's connections: tries again every millisecond, for `LOCK_TIMEOUT` in
/// all. SQLite's own busy timeout sleeps up to 100 ms between tries, so a payment queued behind an
/// import that commits in short chunks could keep missing the moment between two of them.
fn wait_for_lock(tries: i32) -> bool {
    if u128::try_from(tries).unwrap_or(u128::MAX) >= LOCK_TIMEOUT.as_millis() {
        return false;
    }
    std::thread::sleep(Duration::from_millis(1));
    true
}

/// The last journal sequence number of the ledger at `path`, read on a connection of its own that is closed
/// again at once (so it never holds the file open against a writer or a backup); None for an empty journal.
pub fn last_seq_at(path: &Path) -> Result<Option<i64>> {
    let conn = read_only_connection(path).map_err(|source| Error::Database { path: path.display().to_string(), source })?;
    Ok(conn.query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))?)
}

/// A connection that only reads the ledger at `path`. Reading a WAL database needs its `-shm` index,
/// which SQLite creates beside the file; where the directory cannot be written that fails. Then, if no
/// `-wal` file exists (every commit is in the database file, as after any clean shutdown), the file is
/// opened `immutable`: no writer can change it, since a writer would first have to create that `-wal`
/// in the same directory. A `-wal` that exists is read through its `-shm` as usual (SQLite opens a
/// read-only `-shm` read-only), or the error stands.
pub(crate) fn read_only_connection(path: &Path) -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(LOCK_TIMEOUT)?;
    let error = match conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => return Ok(conn),
        Err(error) => error,
    };
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        return Err(error);
    }
    drop(conn);
    let conn = Connection::open_with_flags(format!("file:{}?immutable=1", uri_path(path)), flags)?;
    conn.query_row("SELECT COUNT(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
    Ok(conn)
}

/// `path` percent-encoded for a `file:` URI (everything but letters, digits and `/-_.~`).
/// On Windows the path is its UTF-8 text with `/` separators, and a drive letter gets the leading `/`
/// SQLite's URI form wants (`/C:/...`).
fn uri_path(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = {
        let text = path.to_string_lossy().replace('\\', "/");
        if text.as_bytes().get(1) == Some(&b':') {
            format!("/{text}").into_bytes()
        } else {
            text.into_bytes()
        }
    };
    let mut out = String::new();
    for &byte in &bytes {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) || (cfg!(not(unix)) && byte == b':') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The commitment to a stored PIN hash that `pin_set` entries journal: SHA-256 of the PHC string, hex.
pub fn pin_commit(pin_hash: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(pin_hash.as_bytes()))
}

/// The last entry's time, if any.
fn last_at(conn: &Connection) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let at: Option<String> = conn.prepare_cached("SELECT at FROM journal ORDER BY seq DESC LIMIT 1")?.query_row([], |r| r.get(0)).optional()?;
    Ok(at.as_deref().and_then(clock::parse_at))
}

/// The clock's now, but never before the last entry's time.
fn effective_now(conn: &Connection, clock: Clock) -> Result<chrono::DateTime<chrono::Utc>> {
    let now = clock.now();
    Ok(last_at(conn)?.map_or(now, |last| last.max(now)))
}

/// The date of `now` in the city's zone, moved past any business date already closed (`closed_dates` is written by day close).
fn business_date(conn: &Connection, now: chrono::DateTime<chrono::Utc>, zone: Tz) -> Result<NaiveDate> {
    let today = clock::date_in(now, zone);
    let closed: Option<String> = conn.query_row("SELECT value FROM meta WHERE key = 'closed_through'", [], |r| r.get(0)).optional()?;
    let closed = closed.and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok());
    Ok(match closed {
        Some(closed) if closed >= today => closed.succ_opt().unwrap_or(closed),
        _ => today,
    })
}

/// The write side of one transaction.
pub struct Writer<'a> {
    tx: Transaction<'a>,
    terminal: &'a TerminalId,
    clock: Clock,
    acked_witness: i64,
    zone: Tz,
    guard: &'a mut ClockGuard,
}

impl Writer<'_> {
    /// Reads inside the transaction (validation sees exactly what will be committed against).
    pub(crate) fn conn(&self) -> &Connection {
        &self.tx
    }

    pub fn terminal(&self) -> &TerminalId {
        self.terminal
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn business_date(&self) -> Result<NaiveDate> {
        business_date(&self.tx, effective_now(&self.tx, self.clock)?, self.zone)
    }

    /// Now as the ledger sees it: the clock, but never before the last entry's time.
    pub fn now(&self) -> Result<chrono::DateTime<chrono::Utc>> {
        effective_now(&self.tx, self.clock)
    }

    /// Appends one journal entry: next gap-free sequence number, postings checked to balance, hash
    /// chained to the previous entry, projection effects applied — all inside this transaction.
    /// The entry's time is the clock's, but never before the last entry's: a clock set back gives the entry the
    /// last entry's time and journals a `clock_warning` first (as does a jump beyond the limit while running).
    pub fn append(&mut self, user: Option<&str>, approver: Option<&str>, event: &Event) -> Result<JournalRecord> {
        let last: Option<(i64, String, String)> =
            self.tx.prepare_cached("SELECT seq, hash, at FROM journal ORDER BY seq DESC LIMIT 1")?.query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()?;
        let (mut prev, last_at) = match last {
            Some((seq, hash, at)) => ((seq, hash), clock::parse_at(&at)),
            None => ((0, GENESIS_HASH.to_string()), None),
        };
        refuse_numbers_head_office_holds(&self.tx, self.terminal, prev.0, self.acked_witness)?;
        let saved: Option<String> =
            if self.guard.wants_saved_anchor() { self.tx.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([clock::ANCHOR_KEY], |r| r.get(0)).optional()? } else { None };
        let stamp = self.guard.stamp(self.clock.now(), last_at, saved.as_deref());
        if let Some(anchor) = &stamp.save_anchor {
            self.tx.prepare_cached("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?.execute(params![clock::ANCHOR_KEY, anchor])?;
        }
        if let Some((system, last, message)) = stamp.warning {
            let warning = self.append_at(None, None, &Event::ClockWarning { system, last, message }, stamp.at, prev)?;
            prev = (warning.seq, warning.hash);
        }
        self.append_at(user, approver, event, stamp.at, prev)
    }

    /// Appends after `prev` (the last entry's seq and hash) at time `at`.
    fn append_at(&mut self, user: Option<&str>, approver: Option<&str>, event: &Event, at: chrono::DateTime<chrono::Utc>, prev: (i64, String)) -> Result<JournalRecord> {
        let postings = postings(event);
        let (debits, credits) = totals(&postings).ok_or_else(|| Error::Invariant("posting total overflowed".into()))?;
        if debits != credits {
            return Err(Error::Invariant(format!("{} entry: debits {debits} != credits {credits}", event.kind())));
        }
        let (last_seq, prev_hash) = prev;
        let payload = serde_json::to_string(event).map_err(|e| Error::Invariant(format!("payload: {e}")))?;
        // Defence in depth behind every edge check: no entry holding a full card number is ever written
        // (and so never synced). The ledger's own hex hashes are not payload text.
        if [Some(payload.as_str()), user, approver].into_iter().flatten().any(card_data::ledger_text_holds_card_number) {
            return Err(Error::Invariant(format!("{} entry: holds what looks like a card number; nothing was written", event.kind())));
        }
        let mut record = JournalRecord {
            terminal: self.terminal.to_string(),
            seq: last_seq + 1,
            at: at.format(clock::FORMAT).to_string(),
            business_date: business_date(&self.tx, at, self.zone)?.to_string(),
            user: user.map(str::to_string),
            approver: approver.map(str::to_string),
            kind: event.kind().to_string(),
            payload,
            postings: posting_records(&postings),
            prev_hash,
            hash: String::new(),
        };
        record.hash = record.compute_hash();
        insert_record(&self.tx, &record)?;
        apply::apply_event(&self.tx, &record, event)?;
        Ok(record)
    }
}

/// A ledger that holds fewer entries than head office acknowledged (restored from an old backup, WAL
/// lost) would issue sequence and receipt numbers head office already holds from this terminal: refused,
/// loudly, until IT brings the missing entries back. (Sync records head office's `hq_acked_seq` even when
/// it refuses to push, so this holds from the first contact after a restore; the witness file beside the
/// ledger, `ack_witness`, makes it hold at once when only the ledger file was restored.)
fn refuse_numbers_head_office_holds(conn: &Connection, terminal: &TerminalId, last_seq: i64, acked_witness: i64) -> Result<()> {
    let acked: Option<String> = conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?.query_row([HQ_ACKED_SEQ], |r| r.get(0)).optional()?;
    match acked.and_then(|text| text.parse::<i64>().ok()).unwrap_or(0).max(acked_witness) {
        acked if acked > last_seq => Err(Error::refused(
            "ledger",
            format!(
                "head office already holds {acked} entries of terminal {terminal} but this ledger has only {last_seq} \
             (restored from an old backup, or its WAL was lost): it will not issue numbers head office holds — call IT"
            ),
        )),
        _ => Ok(()),
    }
}

fn insert_record(conn: &Connection, record: &JournalRecord) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO journal(seq, terminal, at, business_date, user_name, approver, kind, payload, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![record.seq, record.terminal, record.at, record.business_date, record.user, record.approver, record.kind, record.payload, record.prev_hash, record.hash])?;
    let mut insert = conn.prepare_cached("INSERT INTO postings(seq, line, account, debit_cents, credit_cents) VALUES (?1, ?2, ?3, ?4, ?5)")?;
    for posting in &record.postings {
        insert.execute(params![record.seq, posting.line, posting.account, posting.debit_cents, posting.credit_cents])?;
    }
    Ok(())
}

/// Reads journal records (with their postings) after `after`, in sequence order.
pub fn read_entries(conn: &Connection, after: i64, limit: usize) -> Result<Vec<JournalRecord>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut entries = conn.prepare_cached(
        "SELECT seq, terminal, at, business_date, user_name, approver, kind, payload, prev_hash, hash
         FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut records: Vec<JournalRecord> = entries
        .query_map(params![after, limit], |r| {
            Ok(JournalRecord {
                seq: r.get(0)?,
                terminal: r.get(1)?,
                at: r.get(2)?,
                business_date: r.get(3)?,
                user: r.get(4)?,
                approver: r.get(5)?,
                kind: r.get(6)?,
                payload: r.get(7)?,
                postings: Vec::new(),
                prev_hash: r.get(8)?,
                hash: r.get(9)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if let (Some(first), Some(last)) = (records.first().map(|r| r.seq), records.last().map(|r| r.seq)) {
        let mut lines = conn.prepare_cached("SELECT seq, line, account, debit_cents, credit_cents FROM postings WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq, line")?;
        let mut rows = lines.query(params![first, last])?;
        let mut index = 0;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            while index < records.len() && records[index].seq < seq {
                index += 1;
            }
            if let Some(record) = records.get_mut(index).filter(|r| r.seq == seq) {
                record.postings.push(journal::PostingRecord { line: row.get(1)?, account: row.get(2)?, debit_cents: row.get(3)?, credit_cents: row.get(4)? });
            }
        }
    }
    Ok(records)
}

fn migrate(conn: &Connection, path: &Path) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = schema::MIGRATIONS.len() as i64;
    if version > known {
        return Err(Error::Invariant(format!("{} has schema version {version}, newer than this CityTill ({known})", path.display())));
    }
    if version == known {
        return Ok(());
    }
    // A migration that rebuilds a table (SQLite's 12-step procedure) must drop the old one, which foreign
    // keys would refuse while rows still point at it; they can only be switched off outside a transaction.
    // Each migration instead checks every reference before it commits, and is rolled back if one dangles.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = (|| -> Result<()> {
        for (index, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            let dangling: i64 = tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
            if dangling > 0 {
                return Err(Error::Invariant(format!("{}: migration {} would leave {dangling} rows pointing at nothing", path.display(), index + 1)));
            }
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
            tx.commit()?;
        }
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated
}
