//! Redirecting a lockbox or online file's exception to another account: the account is read first (its
//! name, kind, status and balance, shown before anything is recorded; an unknown or closed one refused), and
//! applying it to an account of another kind than the item's own (a water payment to a parking citation)
//! needs that change confirmed — checked again inside the writing transaction, so a confirmation given for
//! one account never carries over to another.

use rusqlite::Connection;

use crate::domain::payable::PayableKind;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::batch::LEAD_ROLES;
use crate::ops::lockbox::{self, ExceptionRow};

/// The account an exception would be applied to, beside what the item was for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Redirect {
    pub number: String,
    pub name: String,
    pub kind: PayableKind,
    pub status: String,
    pub balance: Money,
    /// The kind of account the item was for: the account as the file gave it, when that account exists
    /// (closed), else the one kind every other item of its file is for; None when neither says.
    pub original_kind: Option<PayableKind>,
}

impl Redirect {
    /// Applying the item here changes its kind (and so, with funds, the fund it belongs to).
    pub fn changes_kind(&self) -> bool {
        self.original_kind.is_some_and(|kind| kind != self.kind)
    }
}

/// Reads the account `account` for exception `reference`: refused (naming `--apply-to`) when the account is
/// unknown or its status refuses payments, or the exception is not an open one.
pub fn target(conn: &Connection, actor: &Actor, reference: &str, account: &str) -> Result<Redirect> {
    actor.require(LEAD_ROLES, "resolve lockbox exceptions")?;
    let row = open_exception(conn, reference)?;
    crate::domain::card_data::refuse("--apply-to", account).map_err(|e| Error::Invalid(e.into()))?;
    crate::domain::text::check("--apply-to", account).map_err(|e| Error::Invalid(e.into()))?;
    let payable = lockbox::payable_for(conn, account.trim())?.map_err(|problem| Error::refused("--apply-to", format!("'{}': {problem}", account.trim())))?;
    Ok(Redirect { number: payable.number, name: payable.name, kind: payable.kind, status: payable.status, balance: payable.balance, original_kind: original_kind(conn, &row)? })
}

/// Applies exception `reference` to `account` with a reason, as `lockbox::resolve` does; when the account's
/// kind differs from the item's, `confirmed_kind` must name the account's kind (the change the person saw).
pub fn apply(ledger: &mut Ledger, actor: &Actor, reference: &str, account: &str, reason: &str, confirmed_kind: Option<PayableKind>) -> Result<String> {
    let check = |conn: &Connection, row: &ExceptionRow, payable: &crate::domain::payable::PayableRow| -> Result<()> {
        match original_kind(conn, row)? {
            Some(kind) if kind != payable.kind && confirmed_kind != Some(payable.kind) => Err(Error::refused(
                "--apply-to",
                format!(
                    "{} is a {} account and {} was paid for a {} account; confirm the change of kind first (--kind-change {})",
                    payable.number,
                    payable.kind.as_str(),
                    row.reference,
                    kind.as_str(),
                    payable.kind.as_str()
                ),
            )),
            _ => Ok(()),
        }
    };
    lockbox::resolve_with(ledger, actor, reference, Some(account), reason, &check)
}

fn open_exception(conn: &Connection, reference: &str) -> Result<ExceptionRow> {
    let reference = reference.trim().to_ascii_uppercase();
    let batch = reference.rsplit_once("-E").map(|(b, _)| b.to_string()).unwrap_or_default();
    lockbox::exceptions(conn, Some(&batch), true)?
        .into_iter()
        .find(|r| r.reference == reference && r.state == crate::domain::states::ExceptionState::Open)
        .ok_or_else(|| Error::not_found("ITEM", format!("no open exception {reference} (see `citytill lockbox exceptions`)")))
}

/// What kind of account the exception's item was for (see `Redirect::original_kind`).
fn original_kind(conn: &Connection, row: &ExceptionRow) -> Result<Option<PayableKind>> {
    let unpadded = row.account.trim_start_matches('0');
    for number in [row.account.trim(), unpadded].into_iter().filter(|n| !n.is_empty()) {
        if let Some(payable) = crate::ops::query::payable(conn, number)? {
            return Ok(Some(payable.kind));
        }
    }
    let mut statement = conn.prepare_cached("SELECT DISTINCT p.kind FROM batch_items i JOIN payables p ON p.number = i.payable WHERE i.batch = ?1 AND i.state <> 'removed'")?;
    let kinds: Vec<String> = statement.query_map([&row.batch], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(match kinds.as_slice() {
        [one] => PayableKind::parse(one).ok(),
        _ => None,
    })
}
