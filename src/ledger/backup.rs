//! `citytill backup FILE`: a consistent copy through SQLite's online backup API, safe while the app runs.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::Backup;
use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::ledger::Ledger;

/// Copies the ledger to `target` (mode 0600, refusing to overwrite) and checks the copy's integrity.
pub fn backup(ledger: &Ledger, target: &Path) -> Result<i64> {
    crate::private_file::open(std::fs::OpenOptions::new().write(true).create_new(true), target).map_err(|e| Error::file(target, e))?;
    let mut copy = Connection::open(target)?;
    {
        let backup = Backup::new(ledger.conn(), &mut copy)?;
        // 1024 pages a step with a short pause lets the counter keep writing during a large copy.
        backup.run_to_completion(1024, Duration::from_millis(5), None)?;
    }
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(Error::Invariant(format!("backup {}: integrity check says {check}", target.display())));
    }
    Ok(copy.query_row("SELECT COALESCE(MAX(seq), 0) FROM journal", [], |r| r.get(0))?)
}
