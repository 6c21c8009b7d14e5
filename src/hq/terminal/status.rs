//! Sync status for the status bar and `citytill sync status`: read from the ledger's own `meta` bookkeeping.

use chrono::DateTime;

use crate::hq::error::HqResult;
use crate::ledger::Ledger;

/// The `meta` keys sync keeps in the terminal's ledger (mutable bookkeeping; the journal is never touched).
pub mod meta_keys {
    /// Highest sequence number head office has acknowledged.
    pub const ACKED_SEQ: &str = crate::ledger::HQ_ACKED_SEQ;
    pub const ACKED_HASH: &str = "hq_acked_hash";
    /// Version of the last reference data applied.
    pub const REF_VERSION: &str = "hq_ref_version";
    pub const LAST_SUCCESS: &str = "hq_last_success";
    pub const LAST_ERROR: &str = "hq_last_error";
    pub const LAST_ERROR_AT: &str = "hq_last_error_at";
    /// Published settings are stored as `hq_setting.KEY`.
    pub const SETTING_PREFIX: &str = "hq_setting.";
}

/// What the window's status bar shows about head office.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SyncStatus {
    /// "standalone" (no head office configured), "connected" (last attempt worked) or "offline".
    pub mode: String,
    /// Journal entries head office has not acknowledged yet.
    pub pending: i64,
    /// Age of the oldest unacknowledged entry, in seconds.
    pub oldest_pending_age_s: Option<i64>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub acked_seq: i64,
    pub ref_version: i64,
}

impl SyncStatus {
    /// Before the ledger has been read (or when it cannot be).
    pub fn unknown(mode: &str) -> SyncStatus {
        SyncStatus { mode: mode.into(), pending: 0, oldest_pending_age_s: None, last_success: None, last_error: None, acked_seq: 0, ref_version: 0 }
    }

    /// One line for the status bar.
    pub fn summary(&self) -> String {
        match self.mode.as_str() {
            "standalone" => "Standalone: no head office configured; everything is kept on this terminal".into(),
            mode => {
                let age = self.oldest_pending_age_s.map(|s| format!(", oldest {}", human_age(s))).unwrap_or_default();
                format!("Head office {mode}: {} pending{age}", self.pending)
            }
        }
    }
}

fn human_age(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s => format!("{} h", s / 3_600),
    }
}

/// Reads the status from the ledger; `configured` is whether head office is set up at all.
pub fn local_status(ledger: &Ledger, configured: bool) -> HqResult<SyncStatus> {
    let number = |key: &str| -> HqResult<i64> { Ok(ledger.meta(key)?.and_then(|v| v.parse().ok()).unwrap_or(0)) };
    let acked_seq = number(meta_keys::ACKED_SEQ)?;
    let pending = (ledger.last_seq()? - acked_seq).max(0);
    let oldest_pending_age_s = match ledger.entries_after(acked_seq, 1)?.first() {
        Some(oldest) => DateTime::parse_from_rfc3339(&oldest.at).ok().map(|at| (ledger.clock().now() - at.to_utc()).num_seconds().max(0)),
        None => None,
    };
    let last_success = ledger.meta(meta_keys::LAST_SUCCESS)?;
    let last_error = ledger.meta(meta_keys::LAST_ERROR)?;
    let mode = match (configured, &last_success, &last_error) {
        (false, _, _) => "standalone",
        (true, Some(_), None) => "connected",
        _ => "offline",
    };
    Ok(SyncStatus { mode: mode.into(), pending, oldest_pending_age_s, last_success, last_error, acked_seq, ref_version: number(meta_keys::REF_VERSION)? })
}

/// Sets (Some) or removes (None) meta keys in one transaction.
pub fn set_meta(ledger: &mut Ledger, values: &[(&str, Option<&str>)]) -> HqResult<()> {
    ledger.write(|w| {
        for (key, value) in values {
            match value {
                Some(value) => w.conn().prepare_cached("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?.execute([key, value])?,
                None => w.conn().prepare_cached("DELETE FROM meta WHERE key = ?1")?.execute([key])?,
            };
        }
        Ok(())
    })?;
    Ok(())
}
