//! Day-end close for the office: refused while any drawer is open or any batch unapproved (naming them);
//! once closed, nothing more is posted to that business date — later entries go to the next day.

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension};

use crate::domain::events::Event;
use crate::domain::ids::Role;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::ops::auth::Actor;

/// What the close recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DayCloseResult {
    pub date: String,
    pub drawers: i64,
    pub batches: i64,
    pub next_business_date: String,
    /// The hash of the last entry before the close (recorded in the close entry).
    pub chain_head: String,
    /// The close entry's seal (`ops::seal`), printed: it witnesses every entry through the close.
    pub seal: String,
}

/// Drawers of `?1` or before not yet closed (id, line), through the `drawers_unclosed` partial index.
pub const OPEN_DRAWERS_SQL: &str = "SELECT id, 'drawer ' || id || ' (' || cashier || ') is ' || state FROM drawers WHERE business_date <= ?1 AND state <> 'closed'";
/// Batches of `?1` or before not yet approved, through the `batches_unapproved` partial index.
pub const UNAPPROVED_BATCHES_SQL: &str = "SELECT 'batch ' || id || ' is ' || state FROM batches WHERE business_date <= ?1 AND state <> 'approved' ORDER BY business_date, id";

/// Closes the office's business through `date`.
pub fn close(ledger: &mut Ledger, actor: &Actor, date: NaiveDate) -> Result<DayCloseResult> {
    actor.require(&[Role::Lead, Role::Supervisor, Role::Admin], "close the business day")?;
    let text = date.to_string();
    let result = ledger.write(|w| {
        let current = w.business_date()?;
        if date >= current.succ_opt().unwrap_or(current) {
            return Err(Error::refused("--date", format!("{text} has not begun; the business date is {current}")));
        }
        let closed: Option<String> = w.conn().query_row("SELECT value FROM meta WHERE key = 'closed_through'", [], |r| r.get(0)).ok();
        if closed.as_deref().is_some_and(|c| c >= text.as_str()) {
            return Err(Error::refused("--date", format!("{text} is already closed (closed through {})", closed.unwrap_or_default())));
        }
        // Both read the partial indexes of what is still open (migration 11), not every day since the first;
        // the drawers are put in id order here, as ORDER BY id would have SQLite walk the whole table.
        let mut open: Vec<(i64, String)> = w.conn().prepare_cached(OPEN_DRAWERS_SQL)?.query_map([&text], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        open.sort();
        let unapproved: Vec<String> = w.conn().prepare_cached(UNAPPROVED_BATCHES_SQL)?.query_map([&text], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let blockers: Vec<String> = open.into_iter().map(|(_, line)| line).chain(unapproved).collect();
        if !blockers.is_empty() {
            let shown: Vec<&str> = blockers.iter().take(10).map(String::as_str).collect();
            let more = if blockers.len() > 10 { format!(" and {} more", blockers.len() - 10) } else { String::new() };
            return Err(Error::refused("day", format!("{text} cannot close — {}{more}", shown.join(", "))));
        }
        let count = |sql: &str| -> Result<i64> { Ok(w.conn().query_row(sql, params![text], |r| r.get(0))?) };
        let drawers = count("SELECT COUNT(*) FROM drawers WHERE business_date = ?1")?;
        let batches = count("SELECT COUNT(*) FROM batches WHERE business_date = ?1")?;
        // The day's chain head goes into the close entry, and the close entry's own seal onto the printout.
        let chain_head: Option<String> = w.conn().query_row("SELECT hash FROM journal ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).optional()?;
        let entry = w.append(Some(&actor.name), None, &Event::DayClosed { date: text.clone(), drawers, batches, chain_head: chain_head.clone() })?;
        Ok(DayCloseResult {
            date: text.clone(),
            drawers,
            batches,
            next_business_date: w.business_date()?.to_string(),
            chain_head: chain_head.unwrap_or_else(|| crate::ledger::journal::GENESIS_HASH.to_string()),
            seal: crate::ops::seal::seal(entry.seq, &entry.hash),
        })
    })?;
    Ok(result)
}
