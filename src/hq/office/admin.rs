//! Head-office administration: versioned schema setup, terminal roles, and publishing reference data.

use std::io::Read;
use std::path::Path;

use postgres::Client;

use crate::domain::ids::TerminalId;
use crate::domain::payable::{FeeRow, PayableRow};
use crate::hq::error::{HqError, HqResult};
use crate::hq::office::schema::{MIGRATIONS, PUBLISH_LOCK_KEY, TERMINAL_GROUP};
use crate::money::Money;

/// Serialises concurrent `hq init` runs on one database.
const INIT_LOCK_KEY: i64 = 0x0C17_7100;

/// What `hq init` did.
#[derive(Debug, serde::Serialize)]
pub struct InitReport {
    pub from_version: i64,
    pub to_version: i64,
}

/// Creates or upgrades the head-office schema in one transaction; running it again changes nothing.
pub fn init(client: &mut Client) -> HqResult<InitReport> {
    let encoding: String = client.query_one("SHOW server_encoding", &[]).map_err(server)?.get(0);
    if encoding != "UTF8" {
        return Err(HqError::Invalid(format!("database encoding is {encoding}; head office needs UTF8 (hashes are over UTF-8 text)")));
    }
    let mut tx = client.transaction().map_err(server)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK_KEY]).map_err(server)?;
    tx.batch_execute(
        "CREATE SCHEMA IF NOT EXISTS citytill;
         CREATE TABLE IF NOT EXISTS citytill.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());
         REVOKE ALL ON citytill.schema_version FROM PUBLIC;",
    )
    .map_err(server)?;
    let from_version: i64 = tx.query_one("SELECT COALESCE(max(version), 0)::bigint FROM citytill.schema_version", &[]).map_err(server)?.get(0);
    let known = MIGRATIONS.len() as i64;
    if from_version > known {
        return Err(HqError::Invalid(format!("head-office schema is version {from_version}, newer than this CityTill ({known})")));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(from_version as usize) {
        tx.batch_execute(sql).map_err(server)?;
        tx.execute("INSERT INTO citytill.schema_version(version) VALUES ($1)", &[&(index as i32 + 1)]).map_err(server)?;
    }
    tx.commit().map_err(server)?;
    Ok(InitReport { from_version, to_version: known })
}

/// A registered terminal and, right after `add_terminal`, its one-time password.
#[derive(Debug, serde::Serialize)]
pub struct TerminalAccount {
    pub terminal: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// The login role name a terminal gets by default: `citytill_t07` for T07.
pub fn default_role(terminal: &TerminalId) -> String {
    format!("citytill_{}", terminal.as_str().to_ascii_lowercase())
}

/// Creates the terminal's login role (member of `citytill_terminal` only) with a random password and maps it to the terminal.
pub fn add_terminal(client: &mut Client, terminal: &TerminalId, role: Option<&str>) -> HqResult<TerminalAccount> {
    let role = role.map_or_else(|| default_role(terminal), str::to_string);
    if role.is_empty() || role.len() > 63 || !role.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(HqError::Invalid(format!("role: '{role}' must be 1 to 63 lower-case letters, digits or '_'")));
    }
    let password = random_password()?;
    let mut tx = client.transaction().map_err(server)?;
    let exists: bool = tx.query_one("SELECT EXISTS (SELECT 1 FROM citytill.terminals WHERE terminal = $1)", &[&terminal.as_str()]).map_err(server)?.get(0);
    if exists {
        return Err(HqError::Invalid(format!("terminal: {terminal} is already registered at head office")));
    }
    // Role names and the hex password are validated above, so formatting them into DDL is safe.
    tx.batch_execute(&format!("CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {TERMINAL_GROUP}")).map_err(server)?;
    tx.execute("INSERT INTO citytill.terminals(terminal, role_name) VALUES ($1, $2)", &[&terminal.as_str(), &role]).map_err(server)?;
    tx.commit().map_err(server)?;
    Ok(TerminalAccount { terminal: terminal.to_string(), role, password: Some(password) })
}

/// One terminal's sync position at head office.
#[derive(Debug, serde::Serialize)]
pub struct TerminalState {
    pub terminal: String,
    pub role: String,
    pub acked_seq: i64,
    pub last_push_at: Option<String>,
}

pub fn terminals(client: &mut Client) -> HqResult<Vec<TerminalState>> {
    let rows = client
        .query(
            "SELECT terminal, role_name::text, acked_seq, to_char(last_push_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
               FROM citytill.terminals ORDER BY terminal",
            &[],
        )
        .map_err(server)?;
    Ok(rows.iter().map(|r| TerminalState { terminal: r.get(0), role: r.get(1), acked_seq: r.get(2), last_push_at: r.get(3) }).collect())
}

/// One recorded alarm (a rejected push or a terminal that disagrees with head office) and its resolution.
#[derive(Debug, serde::Serialize)]
pub struct Alarm {
    pub id: i64,
    pub at: String,
    pub terminal: String,
    pub seq: Option<i64>,
    pub reason: String,
    pub detail: String,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

pub fn alarms(client: &mut Client) -> HqResult<Vec<Alarm>> {
    let rows = client
        .query(
            "SELECT a.id, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), a.terminal, a.seq, a.reason, a.detail::text,
                    to_char(r.resolved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.resolved_by::text, r.reason
               FROM citytill.alarms a LEFT JOIN citytill.alarm_resolutions r ON r.alarm_id = a.id ORDER BY a.id",
            &[],
        )
        .map_err(server)?;
    Ok(rows
        .iter()
        .map(|r| Alarm { id: r.get(0), at: r.get(1), terminal: r.get(2), seq: r.get(3), reason: r.get(4), detail: r.get(5), resolved_at: r.get(6), resolved_by: r.get(7), resolution: r.get(8) })
        .collect())
}

/// Resolves an open alarm with the administrator's reason, recorded append-only with who and when.
pub fn resolve_alarm(client: &mut Client, id: i64, reason: &str) -> HqResult<Alarm> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(HqError::Invalid("--reason: say why the alarm is resolved (1 to 500 characters)".into()));
    }
    if reason.chars().any(char::is_control) {
        return Err(HqError::Invalid("--reason: must not hold control characters".into()));
    }
    crate::domain::tender::refuse_card_numbers(reason).map_err(|e| HqError::Invalid(format!("--reason: {e}")))?;
    let mut tx = client.transaction().map_err(server)?;
    let found: Option<bool> = tx
        .query_opt("SELECT EXISTS (SELECT 1 FROM citytill.alarm_resolutions WHERE alarm_id = a.id) FROM citytill.alarms a WHERE a.id = $1 FOR UPDATE OF a", &[&id])
        .map_err(server)?
        .map(|r| r.get(0));
    match found {
        None => return Err(HqError::Invalid(format!("alarm: there is no alarm {id} (see `citytill hq alarms`)"))),
        Some(true) => return Err(HqError::Invalid(format!("alarm: alarm {id} is already resolved"))),
        Some(false) => {}
    }
    tx.execute("INSERT INTO citytill.alarm_resolutions(alarm_id, reason) VALUES ($1, $2)", &[&id, &reason]).map_err(server)?;
    tx.commit().map_err(server)?;
    alarms(client)?.into_iter().find(|a| a.id == id).ok_or_else(|| HqError::Invalid(format!("alarm: alarm {id} vanished")))
}

/// Reads the billing system's payables file (`kind,number,name,address,status,balance`); any bad row refuses
/// the whole file. The terminal's own reader (`ops::import`): the same limits, card-number and duplicate checks.
pub fn read_payables(path: &Path) -> HqResult<Vec<PayableRow>> {
    crate::ops::import::read_payables(path, max_amount()).map_err(|e| HqError::Invalid(e.to_string()))
}

pub fn parse_payables(input: impl Read, name: &str) -> HqResult<Vec<PayableRow>> {
    crate::ops::import::parse_payables(input, name, max_amount()).map_err(|e| HqError::Invalid(e.to_string()))
}

/// The largest amount a published row may carry (the terminals' default limit).
fn max_amount() -> Money {
    Money::from_cents(crate::money::DEFAULT_MAX_CENTS)
}

/// Publishes payables from the billing system: changed rows get a new version (terminals pull them), unchanged rows are left alone.
pub fn publish_payables(client: &mut Client, rows: &[PayableRow]) -> HqResult<u64> {
    let mut tx = client.transaction().map_err(server)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUBLISH_LOCK_KEY]).map_err(server)?;
    tx.batch_execute("CREATE TEMP TABLE incoming_payables (kind text, number text, name text, address text, status text, balance_cents bigint) ON COMMIT DROP").map_err(server)?;
    let mut csv_text = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    for row in rows {
        let balance = row.balance.cents().to_string();
        csv_text.write_record([row.kind.as_str(), &row.number, &row.name, &row.address, &row.status, &balance]).map_err(|e| HqError::Invalid(format!("payables: {e}")))?;
    }
    let bytes = csv_text.into_inner().map_err(|e| HqError::Invalid(format!("payables: {e}")))?;
    let mut writer = tx.copy_in("COPY incoming_payables FROM STDIN (FORMAT csv)").map_err(server)?;
    std::io::Write::write_all(&mut writer, &bytes).map_err(|e| HqError::Invalid(format!("payables: {e}")))?;
    writer.finish().map_err(server)?;
    let changed = tx
        .execute(
            "INSERT INTO citytill.published_payables AS p (kind, number, name, address, status, balance_cents, version)
             SELECT DISTINCT ON (number) kind, number, name, address, status, balance_cents, nextval('citytill.ref_version')
               FROM incoming_payables ORDER BY number
             ON CONFLICT (number) DO UPDATE SET kind = excluded.kind, name = excluded.name, address = excluded.address,
                 status = excluded.status, balance_cents = excluded.balance_cents, imported_at = now(), version = excluded.version
             WHERE (p.kind, p.name, p.address, p.status, p.balance_cents)
                   IS DISTINCT FROM (excluded.kind, excluded.name, excluded.address, excluded.status, excluded.balance_cents)",
            &[],
        )
        .map_err(server)?;
    tx.commit().map_err(server)?;
    Ok(changed)
}

/// Publishes fee-schedule rows (new or changed rows get a new version).
pub fn publish_fees(client: &mut Client, rows: &[FeeRow]) -> HqResult<u64> {
    let mut tx = client.transaction().map_err(server)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUBLISH_LOCK_KEY]).map_err(server)?;
    let mut changed = 0;
    for row in rows {
        let amount = row.amount.map(Money::cents);
        changed += tx
            .execute(
                "INSERT INTO citytill.published_fees AS f (code, description, amount_cents, gl_account, version)
                 VALUES ($1, $2, $3, $4, nextval('citytill.ref_version'))
                 ON CONFLICT (code) DO UPDATE SET description = excluded.description, amount_cents = excluded.amount_cents,
                     gl_account = excluded.gl_account, version = excluded.version
                 WHERE (f.description, f.amount_cents, f.gl_account) IS DISTINCT FROM (excluded.description, excluded.amount_cents, excluded.gl_account)",
                &[&row.code, &row.description, &amount, &row.gl_account],
            )
            .map_err(server)?;
    }
    tx.commit().map_err(server)?;
    Ok(changed)
}

/// Publishes one setting for every terminal (stored there in `meta` as `hq_setting.KEY`).
pub fn publish_setting(client: &mut Client, key: &str, value: &str) -> HqResult<u64> {
    if key.is_empty() || key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || "._".contains(c)) {
        return Err(HqError::Invalid(format!("key: '{key}' must be 1 to 64 letters, digits, '.' or '_'")));
    }
    let mut tx = client.transaction().map_err(server)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PUBLISH_LOCK_KEY]).map_err(server)?;
    let changed = tx
        .execute(
            "INSERT INTO citytill.published_settings AS s (key, value, version) VALUES ($1, $2, nextval('citytill.ref_version'))
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version WHERE s.value IS DISTINCT FROM excluded.value",
            &[&key, &value],
        )
        .map_err(server)?;
    tx.commit().map_err(server)?;
    Ok(changed)
}

/// 24 random bytes as hex, from the kernel's generator.
fn random_password() -> HqResult<String> {
    let mut bytes = [0u8; 24];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).map_err(|e| HqError::Invalid(format!("password: cannot read /dev/urandom: {e}")))?;
    Ok(hex::encode(bytes))
}

/// Maps a driver error on an admin connection (whose URL the caller reports) to an `HqError`.
pub(crate) fn server(error: postgres::Error) -> HqError {
    HqError::from_pg(&error, "(admin connection)", "")
}

/// Reads a fee schedule (`code,description,amount,gl_account`; empty amount = keyed at the counter), with the
/// terminal's own reader.
pub fn read_fees(path: &Path) -> HqResult<Vec<FeeRow>> {
    crate::ops::import::read_fees(path, max_amount()).map_err(|e| HqError::Invalid(e.to_string()))
}

/// The URL a terminal uses: the admin URL's host, port and database with the terminal's role and password.
pub fn terminal_url(admin_url: &str, role: &str, password: &str) -> String {
    let (scheme, rest) = admin_url.split_once("://").unwrap_or(("postgresql", admin_url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    format!("{scheme}://{role}:{password}@{host}")
}
