//! Read-side lookups shared by the operations and the window: payables, fees, drawers, receipts, search.

use rusqlite::{params, Connection, OptionalExtension};

use crate::domain::events::Event;
use crate::domain::payable::{FeeRow, PayableKind, PayableRow};
use crate::domain::states::{DrawerState, ReceiptStatus};
use crate::domain::tender::TenderKind;
use crate::error::{Error, Result};
use crate::ledger::schema::receipt_key;
use crate::money::Money;

/// The payable `number` as everyone sees it: a committed import's row not merged yet, else the payables row.
pub fn payable(conn: &Connection, number: &str) -> Result<Option<PayableRow>> {
    let staged = conn
        .prepare_cached(
            "SELECT kind, number, name, address, status, balance_cents FROM payables_staged
             WHERE number = ?1 AND import IN (SELECT id FROM imports WHERE state = 'committed')",
        )?
        .query_row([number.trim()], payable_row)
        .optional()?;
    if staged.is_some() {
        return Ok(staged);
    }
    Ok(conn.prepare_cached("SELECT kind, number, name, address, status, balance_cents FROM payables WHERE number = ?1")?.query_row([number.trim()], payable_row).optional()?)
}

fn payable_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PayableRow> {
    let kind: String = r.get(0)?;
    Ok(PayableRow { kind: PayableKind::parse(&kind).unwrap_or(PayableKind::Invoice), number: r.get(1)?, name: r.get(2)?, address: r.get(3)?, status: r.get(4)?, balance: r.get(5)? })
}

/// Payables whose number, name or address contain all the words (prefix match), best first, at most `limit`.
pub fn search_payables(conn: &Connection, text: &str, limit: usize) -> Result<Vec<PayableRow>> {
    crate::domain::text::check("lookup", text).map_err(|e| Error::Invalid(e.into()))?;
    if let Some(exact) = payable(conn, text)? {
        return Ok(vec![exact]);
    }
    let words: Vec<String> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).take(8).map(|w| format!("\"{}\"*", w.to_lowercase())).collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut statement = conn.prepare_cached(
        // No ORDER BY rank: ranking every match of a common word costs more than the counter can wait;
        // results come in file order and the cashier narrows with another word.
        "SELECT p.kind, p.number, p.name, p.address, p.status, p.balance_cents FROM payables_fts f
         JOIN payables p ON p.rowid = f.rowid WHERE payables_fts MATCH ?1 LIMIT ?2",
    )?;
    let rows: Vec<PayableRow> = statement.query_map(params![words.join(" "), limit as i64], payable_row)?.collect::<rusqlite::Result<_>>()?;
    // A row of a committed import not merged yet shows as imported (the words still match the old text
    // until the merge, a few seconds after the import).
    rows.into_iter().map(|row| Ok(payable(conn, &row.number)?.unwrap_or(row))).collect()
}

pub fn fee(conn: &Connection, code: &str) -> Result<Option<FeeRow>> {
    Ok(conn
        .prepare_cached("SELECT code, description, amount_cents, gl_account FROM fees WHERE code = ?1")?
        .query_row([code.trim().to_ascii_uppercase()], |r| Ok(FeeRow { code: r.get(0)?, description: r.get(1)?, amount: r.get(2)?, gl_account: r.get(3)? }))
        .optional()?)
}

pub fn fees(conn: &Connection) -> Result<Vec<FeeRow>> {
    let mut statement = conn.prepare_cached("SELECT code, description, amount_cents, gl_account FROM fees ORDER BY code")?;
    let rows = statement.query_map([], |r| Ok(FeeRow { code: r.get(0)?, description: r.get(1)?, amount: r.get(2)?, gl_account: r.get(3)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A cashier's current drawer session.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Drawer {
    pub id: i64,
    pub cashier: String,
    pub business_date: String,
    pub float: Money,
    pub state: DrawerState,
}

/// The cashier's drawer that is not yet closed (open, or counted awaiting approval).
pub fn current_drawer(conn: &Connection, cashier: &str) -> Result<Option<Drawer>> {
    Ok(conn
        .prepare_cached("SELECT id, cashier, business_date, float_cents, state FROM drawers WHERE cashier = ?1 AND state <> 'closed'")?
        .query_row([cashier], |r| Ok(Drawer { id: r.get(0)?, cashier: r.get(1)?, business_date: r.get(2)?, float: r.get(3)?, state: r.get(4)? }))
        .optional()?)
}

pub fn drawer_by_id(conn: &Connection, id: i64) -> Result<Option<Drawer>> {
    Ok(conn
        .prepare_cached("SELECT id, cashier, business_date, float_cents, state FROM drawers WHERE id = ?1")?
        .query_row([id], |r| Ok(Drawer { id: r.get(0)?, cashier: r.get(1)?, business_date: r.get(2)?, float: r.get(3)?, state: r.get(4)? }))
        .optional()?)
}

/// The cashier's open drawer, or a refusal saying to open one.
pub fn open_drawer(conn: &Connection, cashier: &str) -> Result<Drawer> {
    match current_drawer(conn, cashier)? {
        Some(drawer) if drawer.state == DrawerState::Open => Ok(drawer),
        Some(_) => Err(Error::refused("drawer", format!("{cashier}'s drawer is counted and awaiting close approval"))),
        None => Err(Error::refused("drawer", format!("{cashier} has no open drawer; open one with a counted float first"))),
    }
}

/// What the drawer should hold per tender now (float + in − out), from the running projection.
pub fn expected(conn: &Connection, drawer_id: i64) -> Result<Vec<(TenderKind, Money)>> {
    let mut statement = conn.prepare_cached("SELECT tender, amount_cents FROM drawer_totals WHERE drawer_id = ?1")?;
    let rows = statement.query_map([drawer_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Money>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (tender, amount) = row?;
        out.push((TenderKind::parse(&tender).map_err(Error::Invariant)?, amount));
    }
    out.sort();
    Ok(out)
}

pub fn expected_for(conn: &Connection, drawer_id: i64, tender: TenderKind) -> Result<Money> {
    Ok(expected(conn, drawer_id)?.into_iter().find(|(t, _)| *t == tender).map_or(Money::ZERO, |(_, m)| m))
}

/// A receipt as the projection holds it, plus the payment event it was issued by.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReceiptInfo {
    pub receipt: String,
    pub seq: i64,
    pub drawer_id: i64,
    pub cashier: String,
    pub business_date: String,
    pub at: String,
    pub total: Money,
    pub status: ReceiptStatus,
    pub refunded: Money,
    pub reprints: i64,
    /// The chain head after the payment entry, as printed on the receipt (`ops::seal`): reprints show the original's.
    pub seal: String,
    #[serde(skip)]
    pub payment: Event,
}

pub fn receipt(conn: &Connection, receipt: &str) -> Result<ReceiptInfo> {
    let wanted = receipt.trim().to_ascii_uppercase();
    let found = conn
        .prepare_cached(
            "SELECT r.receipt, r.seq, r.drawer_id, r.cashier, r.business_date, j.at, r.total_cents, r.status, r.refunded_cents, r.reprints, j.payload, j.hash
             FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.number = ?2 AND r.receipt = ?1",
        )?
        .query_row(params![wanted, receipt_key(&wanted)], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?, r.get::<_, String>(10)?, r.get::<_, String>(11)?))
        })
        .optional()?;
    let Some((receipt, seq, drawer_id, cashier, business_date, at, total, status, refunded, reprints, payload, hash)) = found else {
        return Err(Error::not_found("receipt", format!("{receipt} not found on this terminal")));
    };
    let payment = crate::ledger::payload::decode_tagged(&payload).map_err(|e| Error::Invariant(format!("receipt {receipt}: payload unreadable: {e}")))?;
    Ok(ReceiptInfo { receipt, seq, drawer_id, cashier, business_date, at, total, status, refunded, reprints, seal: crate::ops::seal::seal(seq, &hash), payment })
}

/// Receipts matching an account number, a date, or an amount, newest first (the window's receipt search).
pub fn find_receipts(conn: &Connection, account: Option<&str>, date: Option<&str>, amount: Option<Money>, limit: usize) -> Result<Vec<String>> {
    // With an account, its receipt lines (keyed by payable) lead; otherwise receipts newest first.
    let mut statement = conn.prepare_cached(if account.is_some() {
        "SELECT r.receipt FROM receipt_payables p JOIN receipts r ON r.number = p.receipt_number
         WHERE p.payable = ?1 AND (?2 IS NULL OR r.business_date = ?2) AND (?3 IS NULL OR r.total_cents = ?3)
         ORDER BY r.number DESC LIMIT ?4"
    } else {
        "SELECT r.receipt FROM receipts r
         WHERE ?1 IS NULL AND (?2 IS NULL OR r.business_date = ?2) AND (?3 IS NULL OR r.total_cents = ?3)
         ORDER BY r.number DESC LIMIT ?4"
    })?;
    let rows = statement.query_map(params![account, date, amount, limit as i64], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One row of the window's receipt list: what a cashier reads to pick the right receipt.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReceiptRow {
    pub receipt: String,
    pub total: Money,
    /// The first account's holder (or the first fee's description on a fee-only receipt).
    pub payer: String,
    /// `paid`, `voided`, `refunded`, `partially refunded` or `returned check`.
    pub status: String,
    /// The tender kinds the receipt was paid with, in the order taken.
    pub tenders: Vec<TenderKind>,
}

/// The receipts `find_receipts` finds, each with its amount, payer and status. Every read is by a key: the
/// receipt by its number, its payment entry by `seq`, the payer's account by its number — no journal scan.
pub fn find_receipt_rows(conn: &Connection, account: Option<&str>, date: Option<&str>, amount: Option<Money>, limit: usize) -> Result<Vec<ReceiptRow>> {
    let mut rows = Vec::new();
    for receipt in find_receipts(conn, account, date, amount, limit)? {
        let info = self::receipt(conn, &receipt)?;
        let (payer, tenders) = match &info.payment {
            Event::PaymentTaken { lines, tenders, .. } => {
                let payer = match lines.iter().find_map(|line| line.payable_number()) {
                    Some(number) => payable(conn, number)?.map_or_else(|| number.to_string(), |row| row.name),
                    None => lines
                        .iter()
                        .find_map(|line| match &line.target {
                            crate::domain::events::LineTarget::Fee { description, .. } => Some(description.clone()),
                            crate::domain::events::LineTarget::Payable { .. } => None,
                        })
                        .unwrap_or_default(),
                };
                (payer, tenders.iter().map(|t| t.kind).collect())
            }
            _ => (String::new(), Vec::new()),
        };
        rows.push(ReceiptRow { status: status_words(&info), receipt: info.receipt, total: info.total, payer, tenders });
    }
    Ok(rows)
}

/// A receipt's state in a cashier's words (`partially_refunded` is "partially refunded").
pub fn status_words(info: &ReceiptInfo) -> String {
    info.status.as_str().replace('_', " ")
}
