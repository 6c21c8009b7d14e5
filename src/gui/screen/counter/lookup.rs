//! Lookups on the ledger thread: what a submitted line or scanned stub finds (one payable, a fee, or a list).

use citytill::domain::payable::{FeeRow, PayableRow};
use citytill::ledger::Reader;
use citytill::ops::query;
use citytill::Money;

/// What the lookup found.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
    /// Exactly one payable; with the stub's amount due when scanned.
    Payable(PayableRow, Option<Money>),
    Fee(FeeRow),
    Many(Vec<PayableRow>),
    Nothing(String),
    /// A receipt of this ledger (open it on the Receipts screen).
    Receipt(String),
}

/// A scanned stub: the first account candidate that exists, at the stub's amount.
pub fn stub(reader: &Reader, accounts: Vec<String>, amount: Option<Money>) -> citytill::Result<Found> {
    for account in &accounts {
        if let Some(row) = query::payable(reader, account)? {
            return Ok(Found::Payable(row, amount));
        }
    }
    Ok(Found::Nothing(accounts.first().cloned().unwrap_or_default()))
}

/// Typed words: an exact number or fee code wins; one search hit is taken; several are listed.
pub fn words(reader: &Reader, text: &str, limit: usize) -> citytill::Result<Found> {
    if let Some(row) = query::payable(reader, text)? {
        return Ok(Found::Payable(row, None));
    }
    if let Some(fee) = query::fee(reader, text)? {
        return Ok(Found::Fee(fee));
    }
    let mut rows = query::search_payables(reader, text, limit)?;
    Ok(match rows.len() {
        0 => Found::Nothing(text.to_string()),
        1 => Found::Payable(rows.remove(0), None),
        _ => Found::Many(rows),
    })
}

/// A line shaped like a receipt number (T01-000042, but also a license BL-1234567): an account or fee first,
/// then the receipt when `receipt` is allowed (this terminal's prefix, or scanned) and exists, then a search.
/// A miss is `Nothing`: it never leaves the counter.
pub fn receipt_shaped(reader: &Reader, text: &str, receipt: Option<&str>, limit: usize) -> citytill::Result<Found> {
    if let Some(row) = query::payable(reader, text)? {
        return Ok(Found::Payable(row, None));
    }
    if let Some(receipt) = receipt {
        match query::receipt(reader, receipt) {
            Ok(info) => return Ok(Found::Receipt(info.receipt)),
            Err(citytill::Error::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
    }
    words(reader, text, limit)
}
