//! A forward-only query read through SQLite's C API, for verify's scans of every journal and posting row.
//!
//! rusqlite checks each column it hands out (index against the column count, then the stored type, then
//! the value and its length: four calls into SQLite per column) and that was a tenth of verify's time
//! over 25 columns per payment. Here a column is one or two calls: `int` reads an INTEGER, `bytes` a
//! TEXT column's bytes. The tables are STRICT with NOT NULL columns, and `PRAGMA integrity_check`
//! (run by verify beside the scans) reports any row that breaks them; a column read as the wrong type
//! is converted by SQLite, never undefined. The only `unsafe` code in CityTill is in this file.

use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;

use rusqlite::{ffi, Connection};

use crate::error::{Error, Result};

/// One prepared statement with its integer parameters bound, stepped row by row.
pub struct Scan<'c> {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    /// SQLite restarts a finished statement when stepped again; this keeps it finished.
    done: bool,
    /// The statement's column count: a column index at or past it is undefined in SQLite's C API, so every
    /// read checks it first.
    columns: c_int,
    _conn: PhantomData<&'c Connection>,
}

/// The current row; its columns borrow the statement until the next step.
pub struct Row<'s> {
    stmt: *mut ffi::sqlite3_stmt,
    columns: c_int,
    _scan: PhantomData<&'s mut ()>,
}

impl<'c> Scan<'c> {
    /// Prepares `sql` on `conn` and binds `params` to ?1, ?2, ...
    pub fn new(conn: &'c Connection, sql: &str, params: &[i64]) -> Result<Scan<'c>> {
        let text = CString::new(sql).map_err(|_| Error::Invariant("verify: a query contains a NUL byte".into()))?;
        // SAFETY: the handle is the live connection `conn`, borrowed for 'c, and this statement is
        // finalized in Drop before that borrow ends. rusqlite is not used on this statement.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        // SAFETY: `text` is NUL-terminated and outlives the call; `stmt` receives the new statement.
        let rc = unsafe { ffi::sqlite3_prepare_v2(db, text.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
        let mut scan = Scan { stmt, db, done: false, columns: 0, _conn: PhantomData };
        if rc != ffi::SQLITE_OK {
            return Err(scan.error(rc));
        }
        if scan.stmt.is_null() {
            return Err(Error::Invariant("verify: an empty query".into()));
        }
        // SAFETY: `stmt` is a valid prepared statement (checked non-null above).
        scan.columns = unsafe { ffi::sqlite3_column_count(scan.stmt) };
        for (index, value) in params.iter().enumerate() {
            let position = c_int::try_from(index + 1).map_err(|_| Error::Invariant("verify: too many parameters".into()))?;
            // SAFETY: `stmt` is a prepared statement that has not been stepped.
            let rc = unsafe { ffi::sqlite3_bind_int64(scan.stmt, position, *value) };
            if rc != ffi::SQLITE_OK {
                return Err(scan.error(rc));
            }
        }
        Ok(scan)
    }

    /// Steps to the next row: None once the query is done.
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        if self.done {
            return Ok(None);
        }
        // SAFETY: `stmt` is a valid prepared statement owned by self.
        match unsafe { ffi::sqlite3_step(self.stmt) } {
            ffi::SQLITE_ROW => Ok(Some(Row { stmt: self.stmt, columns: self.columns, _scan: PhantomData })),
            ffi::SQLITE_DONE => {
                self.done = true;
                Ok(None)
            }
            rc => {
                self.done = true;
                Err(self.error(rc))
            }
        }
    }

    fn error(&self, rc: c_int) -> Error {
        // SAFETY: `db` is the live connection; sqlite3_errmsg returns a NUL-terminated string it owns,
        // copied here before any other call on the connection.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(self.db)) }.to_string_lossy().into_owned();
        Error::Sql(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), Some(message)))
    }
}

impl Drop for Scan<'_> {
    fn drop(&mut self) {
        // SAFETY: `stmt` is null (prepare failed; finalize accepts null) or owned by self and not used again.
        unsafe { ffi::sqlite3_finalize(self.stmt) };
    }
}

impl<'s> Row<'s> {
    /// Whether `column` is one of the statement's columns (SQLite leaves any other index undefined).
    fn has(&self, column: c_int) -> bool {
        (0..self.columns).contains(&column)
    }

    /// An INTEGER column; 0 for an index the statement does not have (a programming error, which debug
    /// builds stop at, and which the checks that use the value then report, never undefined behaviour).
    pub fn int(&self, column: c_int) -> i64 {
        debug_assert!(self.has(column), "verify: column {column} of {}", self.columns);
        if !self.has(column) {
            return 0;
        }
        // SAFETY: the statement is on a row (Row exists only between a SQLITE_ROW step and the next step)
        // and `column` is one of its columns.
        unsafe { ffi::sqlite3_column_int64(self.stmt, column) }
    }

    /// A TEXT column's bytes (not checked for UTF-8). NULL reads as empty; use `optional_bytes` where
    /// NULL is allowed.
    pub fn bytes(&self, column: c_int) -> Result<&'s [u8]> {
        if !self.has(column) {
            return Err(Error::Invariant(format!("verify: column {column} of a {}-column query", self.columns)));
        }
        // SAFETY: the statement is on a row and `column` is one of its columns. sqlite3_column_text is called before sqlite3_column_bytes
        // (SQLite's documented order), and the pointer stays valid until the next step or finalize,
        // which the 's borrow of the Scan rules out while the slice lives.
        unsafe {
            let text = ffi::sqlite3_column_text(self.stmt, column);
            let length = ffi::sqlite3_column_bytes(self.stmt, column);
            if text.is_null() {
                if ffi::sqlite3_column_type(self.stmt, column) == ffi::SQLITE_NULL {
                    return Ok(&[]);
                }
                return Err(Error::Sql(rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_NOMEM), None)));
            }
            Ok(std::slice::from_raw_parts(text, usize::try_from(length).unwrap_or(0)))
        }
    }

    /// An INTEGER column that may be NULL.
    pub fn optional_int(&self, column: c_int) -> Option<i64> {
        if !self.has(column) {
            return None;
        }
        // SAFETY: the statement is on a row and `column` is one of its columns.
        if unsafe { ffi::sqlite3_column_type(self.stmt, column) } == ffi::SQLITE_NULL {
            return None;
        }
        Some(self.int(column))
    }

    /// A TEXT column that may be NULL.
    pub fn optional_bytes(&self, column: c_int) -> Result<Option<&'s [u8]>> {
        if !self.has(column) {
            return Err(Error::Invariant(format!("verify: column {column} of a {}-column query", self.columns)));
        }
        // SAFETY: the statement is on a row and `column` is one of its columns.
        if unsafe { ffi::sqlite3_column_type(self.stmt, column) } == ffi::SQLITE_NULL {
            return Ok(None);
        }
        self.bytes(column).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves a scan reads back exactly what was stored: integers, text bytes (including non-UTF-8 and
    /// empty text), NULL as None, every row once and in order, and that SQL errors come back as errors.
    #[test]
    fn scan_reads_rows_as_stored() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER NOT NULL, s TEXT, o TEXT)").unwrap();
        conn.execute("INSERT INTO t VALUES (1, 'one', NULL), (2, '', 'x'), (3, CAST(X'FF00FE' AS TEXT), 'yz'), (-7, 'seven', NULL)", []).unwrap();
        let mut scan = Scan::new(&conn, "SELECT n, s, o FROM t WHERE n <= ?1 ORDER BY n", &[3]).unwrap();
        let mut seen = Vec::new();
        while let Some(row) = scan.next().unwrap() {
            assert_eq!(row.optional_int(0), Some(row.int(0)));
            seen.push((row.int(0), row.bytes(1).unwrap().to_vec(), row.optional_bytes(2).unwrap().map(<[u8]>::to_vec)));
        }
        assert_eq!(seen, vec![(-7, b"seven".to_vec(), None), (1, b"one".to_vec(), None), (2, Vec::new(), Some(b"x".to_vec())), (3, vec![0xFF, 0x00, 0xFE], Some(b"yz".to_vec())),]);
        assert!(scan.next().unwrap().is_none(), "a finished scan stays finished");
        let mut nulls = Scan::new(&conn, "SELECT NULL", &[]).unwrap();
        assert_eq!(nulls.next().unwrap().map(|row| row.optional_int(0)), Some(None));
        let error = Scan::new(&conn, "SELECT nope FROM t", &[]).err().expect("an unknown column is an error");
        assert!(error.to_string().contains("nope"), "{error}");
    }

    /// Proves a column index the query does not have is refused (text) or reads as nothing (integers)
    /// instead of reaching SQLite, whose C API leaves it undefined.
    #[test]
    fn a_column_past_the_query_is_checked() {
        let conn = Connection::open_in_memory().unwrap();
        let mut scan = Scan::new(&conn, "SELECT 7, 'x'", &[]).unwrap();
        let row = scan.next().unwrap().expect("a row");
        assert_eq!((row.int(0), row.bytes(1).unwrap()), (7, &b"x"[..]));
        for column in [2, -1, 1_000_000] {
            assert!(row.bytes(column).is_err(), "bytes({column})");
            assert!(row.optional_bytes(column).is_err(), "optional_bytes({column})");
            assert_eq!(row.optional_int(column), None, "optional_int({column})");
        }
    }
}
