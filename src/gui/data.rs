//! Ledger calls the window needs that `citytill::ops` does not offer as one function yet.
//!
//! TODO(ops): `record_reprint` belongs in `ops::payment` (the CLI does the same append inline in
//! cli/payments.rs); it goes through the ledger's `write`/`append` API, never SQL.

use citytill::domain::events::Event;
use citytill::ledger::Ledger;
use citytill::ops::auth::Actor;
use citytill::ops::query::{self, ReceiptInfo};

/// Journals a reprint (reprints are counted) and returns the receipt to print marked DUPLICATE.
pub fn record_reprint(ledger: &mut Ledger, actor: &Actor, receipt: &str) -> citytill::Result<ReceiptInfo> {
    let info = query::receipt(ledger.conn(), receipt)?;
    ledger.write(|w| w.append(Some(&actor.name), None, &Event::ReceiptReprinted { receipt: info.receipt.clone() }))?;
    query::receipt(ledger.conn(), &info.receipt)
}
