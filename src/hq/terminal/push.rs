//! One push over the wire and its acknowledgement: a batch of journal entries sent as one head-office
//! transaction, head office's answer, and recording what it acknowledged (in `meta` and beside the ledger).
//! Both the one-by-one sync (`client`) and the pipelined one (`pipeline`) build on it; it knows neither.

use std::time::Duration;

use postgres::Client;

use crate::hq::error::{HqError, HqResult};
use crate::hq::push_sql::PUSH_ROWS_CALL;
use crate::hq::settings::HqSettings;
use crate::hq::terminal::status::{meta_keys, set_meta};
use crate::ledger::journal::JournalRecord;
use crate::ledger::Ledger;

/// Head office's answer to one push.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct PushReply {
    pub terminal: String,
    /// Highest sequence number head office holds contiguously for this terminal.
    pub acked_seq: i64,
    pub last_hash: String,
    /// Entries stored by this push.
    pub accepted: i64,
    /// Entries head office already held with the same content (acknowledged again).
    pub duplicates: i64,
    pub rejected: Option<Rejection>,
}

/// The first entry head office would not take, and whether it recorded an alarm for it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Rejection {
    pub seq: i64,
    /// `conflict` (re-sent with different content), `hash_mismatch`, `chain_broken`, `unbalanced`, `gap`...
    pub reason: String,
    pub alarm: bool,
}

/// What one `sync_once` did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SyncOutcome {
    pub terminal: String,
    pub pushed: i64,
    pub duplicates: i64,
    pub acked_seq: i64,
    pub pending: i64,
    pub pulled_rows: i64,
    pub ref_version: i64,
}

/// Runs one JSON-returning sync function and decodes its answer.
pub(crate) fn call<T: serde::de::DeserializeOwned>(client: &mut Client, settings: &HqSettings, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> HqResult<T> {
    let row = client.query_one(sql, params).map_err(|e| HqError::from_pg(&e, &settings.redacted_url(), &settings.database_url))?;
    let text: String = row.get(0);
    serde_json::from_str(&text).map_err(|e| HqError::Server { url: settings.redacted_url(), message: format!("unexpected answer: {e}") })
}

/// Sends `entries` (in sequence order) as one head-office transaction: one binary array per column.
pub fn push_batch(client: &mut Client, settings: &HqSettings, terminal: &str, entries: &[JournalRecord]) -> HqResult<PushReply> {
    push_batch_after(client, settings, terminal, entries, None)
}

/// `push_batch`, stating what the terminal believes head office holds before this batch (`after`): if head
/// office holds less — a batch sent ahead of this one did not land — it stores nothing and answers so.
pub fn push_batch_after(client: &mut Client, settings: &HqSettings, terminal: &str, entries: &[JournalRecord], after: Option<i64>) -> HqResult<PushReply> {
    let column = |field: fn(&JournalRecord) -> &str| entries.iter().map(field).collect::<Vec<&str>>();
    let optional = |field: fn(&JournalRecord) -> Option<&str>| entries.iter().map(field).collect::<Vec<Option<&str>>>();
    let seqs: Vec<i64> = entries.iter().map(|r| r.seq).collect();
    let postings = entries.iter().enumerate().flat_map(|(index, r)| r.postings.iter().map(move |p| (index as i64 + 1, p)));
    let (mut owners, mut lines, mut accounts, mut debits, mut credits) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (owner, posting) in postings {
        owners.push(owner);
        lines.push(posting.line);
        accounts.push(posting.account.as_str());
        debits.push(posting.debit_cents);
        credits.push(posting.credit_cents);
    }
    call(
        client,
        settings,
        PUSH_ROWS_CALL,
        &[
            &terminal,
            &column(|r| &r.terminal),
            &seqs,
            &column(|r| &r.at),
            &column(|r| &r.business_date),
            &optional(|r| r.user.as_deref()),
            &optional(|r| r.approver.as_deref()),
            &column(|r| &r.kind),
            &column(|r| &r.payload),
            &column(|r| &r.prev_hash),
            &column(|r| &r.hash),
            &owners,
            &lines,
            &accounts,
            &debits,
            &credits,
            &after,
        ],
    )
}

/// How often a long push records head office's acknowledgement in the ledger (each record is a durable
/// SQLite commit; the last one is always recorded). Exactly-once does not depend on it: every round starts
/// from what head office says it holds.
pub(crate) const ACK_RECORD_INTERVAL: Duration = Duration::from_secs(1);

pub(crate) fn record_ack(ledger: &mut Ledger, seq: i64, hash: &str) -> HqResult<()> {
    // Beside the ledger too, where restoring an older ledger file or losing its WAL cannot take it back.
    crate::ledger::ack_witness::record(ledger.path(), seq, hash).map_err(HqError::Local)?;
    let seq = seq.to_string();
    set_meta(ledger, &[(meta_keys::ACKED_SEQ, Some(seq.as_str())), (meta_keys::ACKED_HASH, Some(hash))])
}
