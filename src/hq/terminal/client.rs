//! The terminal side of sync: push the journal in bounded batches, record head office's acknowledgement
//! in the ledger's `meta`, then pull changed reference data and apply it as journaled imports.

use postgres::Client;

use crate::domain::events::Event;
use crate::domain::payable::{FeeRow, PayableKind, PayableRow};
use crate::hq::connect::connect;
use crate::hq::error::{HqError, HqResult};
use crate::hq::settings::HqSettings;
use crate::hq::terminal::pipeline;
use crate::hq::terminal::push::{call, record_ack};
pub use crate::hq::terminal::push::{push_batch, push_batch_after, PushReply, Rejection, SyncOutcome};
use crate::hq::terminal::status::{meta_keys, set_meta};
use crate::ledger::journal::GENESIS_HASH;
use crate::ledger::Ledger;
use crate::money::Money;

/// Where head office stands for the caller's terminal.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct HqState {
    pub terminal: String,
    pub acked_seq: i64,
    pub last_hash: String,
}

#[derive(serde::Deserialize)]
struct PullPage {
    rows: Vec<PulledRow>,
    version: i64,
    more: bool,
}

#[derive(serde::Deserialize)]
struct PulledRow {
    #[serde(rename = "type")]
    kind: String,
    row: serde_json::Value,
}

pub fn state(client: &mut Client, settings: &HqSettings) -> HqResult<HqState> {
    call(client, settings, "SELECT citytill.sync_state()::text", &[])
}

/// Connects, pushes everything head office lacks, then (when nothing is pending) pulls reference data.
/// The outcome — success or the error, passwords scrubbed — is recorded in the ledger's meta for the status bar.
pub fn sync_once(ledger: &mut Ledger, settings: &HqSettings) -> HqResult<SyncOutcome> {
    let result = connect(settings).and_then(|mut client| sync_with(&mut client, ledger, settings));
    let now = ledger.clock().now().to_rfc3339();
    let recorded = match &result {
        Ok(_) => set_meta(ledger, &[(meta_keys::LAST_SUCCESS, Some(now.as_str())), (meta_keys::LAST_ERROR, None), (meta_keys::LAST_ERROR_AT, None)]),
        Err(error) => {
            let message = error.to_string();
            set_meta(ledger, &[(meta_keys::LAST_ERROR, Some(message.as_str())), (meta_keys::LAST_ERROR_AT, Some(now.as_str()))])
        }
    };
    let outcome = result?;
    recorded?;
    Ok(outcome)
}

/// `sync_once` on an open connection (tests drive it through a proxy they can cut).
pub fn sync_with(client: &mut Client, ledger: &mut Ledger, settings: &HqSettings) -> HqResult<SyncOutcome> {
    let mut outcome = SyncOutcome { terminal: ledger.terminal().to_string(), ..SyncOutcome::default() };
    let acked = reconcile_state(client, ledger, settings)?;
    let acked = push_all(client, ledger, settings, acked, &mut outcome)?;
    outcome.ref_version = ref_version(ledger)?;
    outcome.acked_seq = acked;
    outcome.pending = ledger.last_seq()? - acked;
    if outcome.pending == 0 {
        // Pull only when head office holds all our payments, so the balances it publishes already include them.
        let (rows, version) = pull(client, ledger, settings)?;
        outcome.pulled_rows = rows;
        outcome.ref_version = version;
        if rows > 0 {
            // The pull journaled what it applied: send those entries too, so the round ends with nothing pending.
            outcome.acked_seq = push_all(client, ledger, settings, acked, &mut outcome)?;
        }
        outcome.pending = ledger.last_seq()? - outcome.acked_seq;
    }
    Ok(outcome)
}

/// Pushes every entry after `acked` in bounded batches, recording the acknowledgement at least every
/// `ACK_RECORD_INTERVAL` and at the end (also when a batch fails); returns the new acknowledged sequence.
fn push_all(client: &mut Client, ledger: &mut Ledger, settings: &HqSettings, acked: i64, outcome: &mut SyncOutcome) -> HqResult<i64> {
    let mut unrecorded = None;
    let result = pipeline::push_batches(client, ledger, settings, acked, outcome, &mut unrecorded);
    if let Some((seq, hash)) = unrecorded {
        let recorded = record_ack(ledger, seq, &hash);
        if result.is_ok() {
            recorded?;
        }
    }
    result
}

/// Head office's verdict on what this ledger holds (`citytill.sync_check`, schema 5).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct CheckReply {
    pub ok: bool,
    /// `terminal_behind`, `terminal_differs` or `wrong_terminal` when not ok.
    pub reason: Option<String>,
    /// Whether this call recorded a new alarm (an open one for the same disagreement is not repeated).
    pub alarm: bool,
}

/// Tells head office what this ledger holds against what it acknowledged; head office records any
/// disagreement as an alarm itself (the terminal is only the messenger of its own state).
pub fn check(client: &mut Client, settings: &HqSettings, ledger: &Ledger, acked_seq: i64) -> HqResult<CheckReply> {
    let last_seq = ledger.last_seq()?;
    let at = acked_seq.min(last_seq);
    let hash = match at {
        0 => GENESIS_HASH.to_string(),
        seq => ledger.entries_after(seq - 1, 1)?.first().map(|r| r.hash.clone()).unwrap_or_default(),
    };
    let terminal = ledger.terminal().to_string();
    let sql = "SELECT citytill.sync_check($1, $2, $3, $4)::text";
    match client.query_one(sql, &[&terminal, &acked_seq, &last_seq, &hash]) {
        Ok(row) => serde_json::from_str(&row.get::<_, String>(0)).map_err(|e| HqError::Server { url: settings.redacted_url(), message: format!("unexpected answer: {e}") }),
        // Head office not upgraded yet (schema < 5): no witness there; the terminal's own checks still run.
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_FUNCTION) => Ok(CheckReply { ok: true, reason: None, alarm: false }),
        Err(e) => Err(HqError::from_pg(&e, &settings.redacted_url(), &settings.database_url)),
    }
}

/// Learns what head office holds and checks it is a prefix of this ledger; returns the sequence to push after.
/// Any disagreement is first reported to head office (an alarm there), then refused here, sending nothing.
fn reconcile_state(client: &mut Client, ledger: &mut Ledger, settings: &HqSettings) -> HqResult<i64> {
    let state = state(client, settings)?;
    let verdict = check(client, settings, ledger, state.acked_seq)?;
    if state.terminal != ledger.terminal().as_str() {
        return Err(HqError::config("hq.database_url", format!("this role is registered for terminal {}, but this ledger is terminal {}", state.terminal, ledger.terminal())));
    }
    let last_seq = ledger.last_seq()?;
    if state.acked_seq > last_seq {
        // Remember what head office holds: from now on this terminal refuses to issue entries (and receipt
        // numbers) head office already has from it (`Ledger::write` checks `hq_acked_seq`).
        record_ack(ledger, state.acked_seq, &state.last_hash)?;
        return Err(HqError::Invalid(format!(
            "head office holds {} entries of terminal {} but this ledger has {last_seq}: was it restored from an old backup or did it lose its WAL? \
             Nothing was sent; head office has recorded an alarm, and this terminal issues no receipt until IT restores the missing entries",
            state.acked_seq, state.terminal
        )));
    }
    if !verdict.ok {
        return Err(HqError::Rejected {
            seq: state.acked_seq,
            reason: format!("this ledger's entry differs from head office's copy ({}; alarm recorded at head office)", verdict.reason.unwrap_or_default()),
        });
    }
    let local_hash = match state.acked_seq {
        0 => GENESIS_HASH.to_string(),
        seq => ledger.entries_after(seq - 1, 1)?.first().map(|r| r.hash.clone()).unwrap_or_default(),
    };
    if local_hash != state.last_hash {
        return Err(HqError::Rejected { seq: state.acked_seq, reason: "this ledger's entry differs from head office's copy".into() });
    }
    let recorded = ledger.meta(meta_keys::ACKED_SEQ)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    if recorded != state.acked_seq {
        record_ack(ledger, state.acked_seq, &state.last_hash)?;
    }
    Ok(state.acked_seq)
}

fn ref_version(ledger: &Ledger) -> HqResult<i64> {
    Ok(ledger.meta(meta_keys::REF_VERSION)?.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Pulls pages of changed reference data; each page is applied in one ledger transaction with its version.
fn pull(client: &mut Client, ledger: &mut Ledger, settings: &HqSettings) -> HqResult<(i64, i64)> {
    let mut since = ref_version(ledger)?;
    let limit = i32::try_from(settings.pull_rows).unwrap_or(i32::MAX);
    let mut pulled = 0;
    loop {
        let page: PullPage = call(client, settings, "SELECT citytill.sync_pull($1, $2)::text", &[&since, &limit])?;
        if page.rows.is_empty() {
            break;
        }
        pulled += page.rows.len() as i64;
        apply_page(ledger, &page)?;
        since = page.version;
        if !page.more {
            break;
        }
    }
    Ok((pulled, since))
}

fn apply_page(ledger: &mut Ledger, page: &PullPage) -> HqResult<()> {
    let mut payables = Vec::new();
    let mut fees = Vec::new();
    let mut settings = Vec::new();
    for pulled in &page.rows {
        match pulled.kind.as_str() {
            "payable" => payables.push(payable_row(&pulled.row)?),
            "fee" => fees.push(fee_row(&pulled.row)?),
            "setting" => {
                let (key, value) = (text(&pulled.row, "key")?, text(&pulled.row, "value")?);
                crate::domain::text::check("pulled setting", &format!("{key}={value}")).map_err(HqError::Invalid)?;
                settings.push((key, value));
            }
            other => return Err(HqError::Invalid(format!("pulled row type '{other}' is unknown to this CityTill"))),
        }
    }
    let source = format!("hq v{}", page.version);
    let version = page.version.to_string();
    ledger
        .write(|w| {
            if !payables.is_empty() {
                w.append(None, None, &Event::PayablesImported { source: source.clone(), part: 1, rows: payables })?;
            }
            if !fees.is_empty() {
                w.append(None, None, &Event::FeesImported { source: source.clone(), rows: fees })?;
            }
            let mut upsert = w.conn().prepare("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?;
            for (key, value) in &settings {
                upsert.execute([format!("{}{key}", meta_keys::SETTING_PREFIX), value.clone()])?;
            }
            upsert.execute([meta_keys::REF_VERSION.to_string(), version])?;
            Ok(())
        })
        .map_err(HqError::Local)
}

fn text(row: &serde_json::Value, key: &str) -> HqResult<String> {
    row.get(key).and_then(|v| v.as_str()).map(str::to_string).ok_or_else(|| HqError::Invalid(format!("pulled row: '{key}' missing or not text")))
}

fn cents(row: &serde_json::Value, key: &str) -> HqResult<Option<Money>> {
    match row.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => value.as_i64().map(|c| Some(Money::from_cents(c))).ok_or_else(|| HqError::Invalid(format!("pulled row: '{key}' is not integer cents"))),
    }
}

fn payable_row(row: &serde_json::Value) -> HqResult<PayableRow> {
    let kind = PayableKind::parse(&text(row, "kind")?).map_err(|e| HqError::Invalid(format!("pulled payable kind: {e}")))?;
    let balance = cents(row, "balance_cents")?.ok_or_else(|| HqError::Invalid("pulled payable: balance_cents missing".into()))?;
    let payable = PayableRow { kind, number: text(row, "number")?, name: text(row, "name")?, address: text(row, "address")?, status: text(row, "status")?, balance };
    payable.check_text().map_err(|e| HqError::Invalid(format!("pulled payable {e}")))?;
    Ok(payable)
}

fn fee_row(row: &serde_json::Value) -> HqResult<FeeRow> {
    let fee = FeeRow { code: text(row, "code")?, description: text(row, "description")?, amount: cents(row, "amount_cents")?, gl_account: text(row, "gl_account")? };
    fee.check_text().map_err(|e| HqError::Invalid(format!("pulled fee {e}")))?;
    Ok(fee)
}
