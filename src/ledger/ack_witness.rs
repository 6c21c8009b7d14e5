//! The acknowledgement witness: the highest sequence head office has acknowledged, kept in a small file
//! beside the ledger (`ledger.sqlite.hq-acked`) as well as in its `meta`. A ledger file restored from an
//! older backup, or cut short by a lost WAL, loses its own `meta` record with it; the file beside it does
//! not, so the terminal knows at start — before any sync — that it must not re-issue numbers head office
//! holds. (Restoring the whole directory defeats it; head office then raises `terminal_behind` at the next
//! contact.)

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The witness file of the ledger at `ledger`.
pub fn path_for(ledger: &Path) -> PathBuf {
    let mut name = ledger.as_os_str().to_os_string();
    name.push(".hq-acked");
    PathBuf::from(name)
}

/// The acknowledged sequence the file records; 0 when there is none (never synced) or it is unreadable.
pub fn read(ledger: &Path) -> i64 {
    std::fs::read_to_string(path_for(ledger)).ok().and_then(|text| text.split_whitespace().next().and_then(|seq| seq.parse().ok())).unwrap_or(0)
}

/// The acknowledged entry the file records, with the hash head office acknowledged for it; None when there
/// is none or it is unreadable.
pub fn read_entry(ledger: &Path) -> Option<(i64, String)> {
    let text = std::fs::read_to_string(path_for(ledger)).ok()?;
    let mut words = text.split_whitespace();
    let seq = words.next()?.parse().ok()?;
    Some((seq, words.next()?.to_string()))
}

/// Records `seq` (and its hash) durably: written to a temporary file (0600), synced, renamed over the old.
/// Never lowers what is recorded.
pub fn record(ledger: &Path, seq: i64, hash: &str) -> Result<()> {
    if seq <= read(ledger) {
        return Ok(());
    }
    let target = path_for(ledger);
    let temporary = target.with_extension("hq-acked.partial");
    let problem = |e: std::io::Error| Error::file(&target, e);
    let mut file = crate::private_file::open(std::fs::OpenOptions::new().write(true).create(true).truncate(true), &temporary).map_err(problem)?;
    file.write_all(format!("{seq} {hash}\n").as_bytes()).and_then(|()| file.sync_all()).map_err(problem)?;
    std::fs::rename(&temporary, &target).map_err(problem)
}

/// Removes the witness of a ledger being created afresh at `ledger` (a new journal starts a new count).
pub fn forget(ledger: &Path) {
    let _ = std::fs::remove_file(path_for(ledger));
}
