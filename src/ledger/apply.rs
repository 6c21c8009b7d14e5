//! Executes an event's projection effects as SQL inside the writing transaction.

use rusqlite::{params, Connection};

use crate::domain::effects::{effects, Effect};
use crate::domain::events::Event;
use crate::error::{Error, Result};
use crate::ledger::journal::JournalRecord;
use crate::ledger::schema::receipt_key;

/// The imports whose staged rows are visible (committed, not merged yet).
pub const COMMITTED: &str = "SELECT id FROM imports WHERE state = 'committed'";

/// Applies every effect of `event` (recorded as `record`) to the projection tables.
pub fn apply_event(conn: &Connection, record: &JournalRecord, event: &Event) -> Result<()> {
    if let Event::PayablesStaged { import, rows, .. } = event {
        // The same rows as its `StagePayable` effects, in multi-row statements: a million-row import
        // stages a million rows, and one statement per row was most of its staging time.
        return stage_rows(conn, record, *import, rows);
    }
    for effect in effects(event) {
        apply_effect(conn, record, &effect)?;
    }
    Ok(())
}

/// Rows per multi-row INSERT when staging (7 parameters a row, well under SQLite's limit).
const STAGE_BATCH: usize = 100;

/// Stages `rows` under `import`: what `Effect::StagePayable` does for each row.
fn stage_rows(conn: &Connection, record: &JournalRecord, import: i64, rows: &[crate::domain::payable::PayableRow]) -> Result<()> {
    conn.prepare_cached("INSERT OR IGNORE INTO imports(id, state) VALUES (?1, 'staging')")?.execute([import])?;
    for batch in rows.chunks(STAGE_BATCH) {
        let values = vec!["(?, ?, ?, ?, ?, ?, ?)"; batch.len()].join(", ");
        let mut statement = conn.prepare_cached(&format!("INSERT INTO payables_staged(import, number, kind, name, address, status, balance_cents) VALUES {values}"))?;
        let mut index = 0;
        let mut bind = |value: &dyn rusqlite::ToSql| -> rusqlite::Result<()> {
            index += 1;
            statement.raw_bind_parameter(index, value)
        };
        for row in batch {
            bind(&import)?;
            bind(&row.number)?;
            bind(&row.kind.as_str())?;
            bind(&row.name)?;
            bind(&row.address)?;
            bind(&row.status)?;
            bind(&row.balance)?;
        }
        let changed = statement.raw_execute()?;
        if changed != batch.len() {
            return Err(Error::Invariant(format!("entry {} ({}): staged {changed} rows, expected {}", record.seq, record.kind, batch.len())));
        }
    }
    Ok(())
}

fn apply_effect(conn: &Connection, record: &JournalRecord, effect: &Effect<'_>) -> Result<()> {
    let changed = match effect {
        Effect::UpsertPayable(row) => conn
            .prepare_cached(
                "INSERT INTO payables(number, kind, name, address, status, balance_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(number) DO UPDATE SET kind = excluded.kind, name = excluded.name, address = excluded.address,
                 status = excluded.status, balance_cents = excluded.balance_cents",
            )?
            .execute(params![row.number, row.kind.as_str(), row.name, row.address, row.status, row.balance])
            .and_then(|changed| {
                // A later import overrides a committed import's row still waiting to be merged.
                conn.prepare_cached(&format!("DELETE FROM payables_staged WHERE number = ?1 AND import IN ({COMMITTED})"))?.execute([&row.number])?;
                Ok(changed)
            })?,
        Effect::PayableBalance { number, delta } => {
            // The visible row: a committed import's staged row not merged yet, else the payables row.
            let staged =
                conn.prepare_cached(&format!("UPDATE payables_staged SET balance_cents = balance_cents + ?2 WHERE number = ?1 AND import IN ({COMMITTED})"))?.execute(params![number, delta])?;
            match staged {
                0 => conn.prepare_cached("UPDATE payables SET balance_cents = balance_cents + ?2 WHERE number = ?1")?.execute(params![number, delta])?,
                changed => changed,
            }
        }
        Effect::StagePayable { import, row } => {
            conn.prepare_cached("INSERT OR IGNORE INTO imports(id, state) VALUES (?1, 'staging')")?.execute([import])?;
            conn.prepare_cached("INSERT INTO payables_staged(import, number, kind, name, address, status, balance_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(params![
                import,
                row.number,
                row.kind.as_str(),
                row.name,
                row.address,
                row.status,
                row.balance
            ])?
        }
        Effect::CommitImport { import } => {
            // Rows of an earlier committed import that this one also holds are superseded here.
            conn.prepare_cached(&format!("DELETE FROM payables_staged WHERE import IN ({COMMITTED}) AND number IN (SELECT number FROM payables_staged WHERE import = ?1)"))?.execute([import])?;
            conn.prepare_cached("UPDATE imports SET state = 'committed' WHERE id = ?1 AND state = 'staging'")?.execute([import])?
        }
        Effect::UpsertFee(row) => {
            conn.prepare_cached("INSERT OR IGNORE INTO accounts(code, name, class) VALUES (?1, ?2, ?3)")?.execute(params![
                row.gl_account,
                crate::domain::accounts::fee_account_name(&row.gl_account),
                crate::domain::accounts::FEE_ACCOUNT_KIND.as_str()
            ])?;
            conn.prepare_cached(
                "INSERT INTO fees(code, description, amount_cents, gl_account) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(code) DO UPDATE SET description = excluded.description, amount_cents = excluded.amount_cents,
                 gl_account = excluded.gl_account",
            )?
            .execute(params![row.code, row.description, row.amount, row.gl_account])?
        }
        Effect::UpsertUser { name, role } => conn
            .prepare_cached(
                "INSERT INTO users(name, role, active, pin_hash) VALUES (?1, ?2, 1, '')
                 ON CONFLICT(name) DO UPDATE SET role = excluded.role, active = 1",
            )?
            .execute(params![name, role.as_str()])?,
        Effect::DeactivateUser { name } => conn.prepare_cached("UPDATE users SET active = 0 WHERE name = ?1")?.execute([name])?,
        Effect::SetPinCommit { name, commit } => conn.prepare_cached("UPDATE users SET pin_commit = ?2 WHERE name = ?1")?.execute(params![name, commit])?,
        Effect::OpenDrawer { drawer_id, cashier, float } => conn
            .prepare_cached("INSERT INTO drawers(id, cashier, business_date, float_cents, state) VALUES (?1, ?2, ?3, ?4, 'open')")?
            .execute(params![drawer_id, cashier, record.business_date, float])?,
        Effect::DrawerTotal { drawer_id, tender, delta } => conn
            .prepare_cached(
                "INSERT INTO drawer_totals(drawer_id, tender, amount_cents) VALUES (?1, ?2, ?3)
                 ON CONFLICT(drawer_id, tender) DO UPDATE SET amount_cents = amount_cents + excluded.amount_cents",
            )?
            .execute(params![drawer_id, tender.as_str(), delta])?,
        Effect::CountDrawer { drawer_id } => conn.prepare_cached("UPDATE drawers SET state = 'counted' WHERE id = ?1 AND state = 'open'")?.execute([drawer_id])?,
        Effect::CloseDrawer { drawer_id } => conn.prepare_cached("UPDATE drawers SET state = 'closed' WHERE id = ?1 AND state IN ('open', 'counted')")?.execute([drawer_id])?,
        Effect::IssueReceipt { number, receipt, drawer_id, cashier, total } => conn
            .prepare_cached(
                "INSERT INTO receipts(number, receipt, seq, drawer_id, cashier, business_date, total_cents, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'paid')",
            )?
            .execute(params![number, receipt, record.seq, drawer_id, cashier, record.business_date, total])?,
        Effect::ReceiptPayable { receipt, payable, amount } => conn
            .prepare_cached(
                "INSERT INTO receipt_payables(receipt_number, payable, amount_cents) VALUES (?1, ?2, ?3)
                 ON CONFLICT(payable, receipt_number) DO UPDATE SET amount_cents = amount_cents + excluded.amount_cents",
            )?
            .execute(params![receipt, payable, amount])?,
        Effect::ReceiptStatus { receipt, status } => {
            conn.prepare_cached("UPDATE receipts SET status = ?2 WHERE number = ?3 AND receipt = ?1")?.execute(params![receipt, status, receipt_key(receipt)])?
        }
        Effect::ReceiptRefunded { receipt, amount } => conn
            .prepare_cached(
                "UPDATE receipts SET refunded_cents = refunded_cents + ?2,
                 status = CASE WHEN refunded_cents + ?2 >= total_cents THEN 'refunded' ELSE 'partially_refunded' END
                 WHERE number = ?3 AND receipt = ?1",
            )?
            .execute(params![receipt, amount, receipt_key(receipt)])?,
        Effect::ReceiptReprinted { receipt } => {
            conn.prepare_cached("UPDATE receipts SET reprints = reprints + 1 WHERE number = ?2 AND receipt = ?1")?.execute(params![receipt, receipt_key(receipt)])?
        }
        Effect::OpenBatch { batch, kind, drawer_id, preparer, control_total, control_items } => conn
            .prepare_cached(
                "INSERT INTO batches(id, kind, drawer_id, business_date, preparer, control_cents, control_items, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open')",
            )?
            .execute(params![batch, kind.as_str(), drawer_id, record.business_date, preparer, control_total, control_items])?,
        Effect::BatchState { batch, state, approver, reason } => {
            conn.prepare_cached("UPDATE batches SET state = ?2, approver = ?3, reason = ?4 WHERE id = ?1")?.execute(params![batch, state, approver, reason])?
        }
        Effect::AddBatchItem { batch, item } => conn
            .prepare_cached(
                "INSERT INTO batch_items(batch, item, payable, amount_cents, tender, entered_by, seq, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'held')",
            )?
            .execute(params![batch, item.item, item.payable, item.amount, item.tender.kind.as_str(), item.entered_by, record.seq])?,
        Effect::BatchItemState { batch, item, state } => conn.prepare_cached("UPDATE batch_items SET state = ?3 WHERE batch = ?1 AND item = ?2")?.execute(params![batch, item, state])?,
        Effect::RecordDeposit { deposit, total, batches } => conn
            .prepare_cached("INSERT INTO deposits(number, business_date, seq, total_cents, batches) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![deposit, record.business_date, record.seq, total, batches])?,
        Effect::BatchDeposited { batch, deposit } => conn.prepare_cached("UPDATE batches SET deposit = ?2 WHERE id = ?1 AND deposit IS NULL")?.execute(params![batch, deposit])?,
        Effect::CloseDay { date } => conn.prepare_cached("INSERT INTO meta(key, value) VALUES ('closed_through', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value")?.execute([date])?,
        Effect::ExportPayment { reference } => conn.prepare_cached("INSERT INTO exported_payments(reference, seq) VALUES (?1, ?2)")?.execute(params![reference, record.seq])?,
        Effect::EntryRef { kind, subject } => conn.prepare_cached("INSERT INTO entry_refs(kind, subject, seq) VALUES (?1, ?2, ?3)")?.execute(params![kind, subject, record.seq])?,
    };
    if changed != 1 {
        return Err(Error::Invariant(format!("entry {} ({}): effect {effect:?} changed {changed} rows, expected 1", record.seq, record.kind)));
    }
    Ok(())
}
