//! Payables (what a customer can pay) and fee codes (unbilled items from the fee schedule).

use crate::domain::accounts;
use crate::money::Money;

/// The kinds of payable a city counter takes payments for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayableKind {
    Utility,
    License,
    Citation,
    Permit,
    Invoice,
    Tax,
}

impl PayableKind {
    pub const ALL: [PayableKind; 6] = [PayableKind::Utility, PayableKind::License, PayableKind::Citation, PayableKind::Permit, PayableKind::Invoice, PayableKind::Tax];

    pub fn parse(text: &str) -> Result<PayableKind, String> {
        PayableKind::ALL.into_iter().find(|kind| kind.as_str() == text.trim().to_ascii_lowercase()).ok_or_else(|| format!("'{text}' is not one of utility, license, citation, permit, invoice, tax"))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PayableKind::Utility => "utility",
            PayableKind::License => "license",
            PayableKind::Citation => "citation",
            PayableKind::Permit => "permit",
            PayableKind::Invoice => "invoice",
            PayableKind::Tax => "tax",
        }
    }

    /// The GL receivable account that a payment on this kind of payable credits.
    pub fn receivable_account(self) -> &'static str {
        match self {
            PayableKind::Utility => accounts::RECEIVABLE_UTILITY,
            PayableKind::License => accounts::RECEIVABLE_LICENSE,
            PayableKind::Citation => accounts::RECEIVABLE_CITATION,
            PayableKind::Permit => accounts::RECEIVABLE_PERMIT,
            PayableKind::Invoice => accounts::RECEIVABLE_INVOICE,
            PayableKind::Tax => accounts::RECEIVABLE_TAX,
        }
    }
}

/// One payable as imported or published: the full row, so replaying it rebuilds the projection.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct PayableRow {
    pub kind: PayableKind,
    pub number: String,
    pub name: String,
    pub address: String,
    pub status: String,
    pub balance: Money,
}

/// One fee-schedule item; `amount` None means a variable amount keyed at the counter.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct FeeRow {
    pub code: String,
    pub description: String,
    pub amount: Option<Money>,
    pub gl_account: String,
}

impl PayableRow {
    /// Every text column read strictly (no control characters, no card number), naming the column: how a
    /// row from head office's billing file or a terminal's pull is checked, like a CSV import's.
    pub fn check_text(&self) -> Result<(), String> {
        [("number", &self.number), ("name", &self.name), ("address", &self.address), ("status", &self.status)].into_iter().try_for_each(|(column, value)| crate::domain::text::check(column, value))
    }
}

impl FeeRow {
    /// Every text column read strictly, naming the column (see `PayableRow::check_text`).
    pub fn check_text(&self) -> Result<(), String> {
        [("code", &self.code), ("description", &self.description), ("gl_account", &self.gl_account)].into_iter().try_for_each(|(column, value)| crate::domain::text::check(column, value))
    }
}

/// Statuses that block taking a payment at the counter (the record must be fixed first).
pub fn status_blocks_payment(status: &str) -> bool {
    matches!(status.to_ascii_lowercase().as_str(), "closed" | "void" | "cancelled")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a payable or fee row from head office is refused for a card number or control character, naming the column.
    #[test]
    fn rows_from_head_office_are_read_strictly() {
        let row =
            |name: &str, address: &str| PayableRow { kind: PayableKind::Utility, number: "X-1".into(), name: name.into(), address: address.into(), status: "active".into(), balance: Money::ZERO };
        assert_eq!(row("Ann Lee", "1 A St").check_text(), Ok(()));
        assert!(row("Ann 4111/1111/1111/1111", "1 A St").check_text().unwrap_err().starts_with("name: looks like a card number"));
        assert!(row("Ann Lee", "４１１１ １１１１ １１１１ １１１１").check_text().unwrap_err().starts_with("address: looks like a card number"));
        assert!(row("Ann\u{1b}[2J", "1 A St").check_text().unwrap_err().starts_with("name: has control characters"));
        let fee = FeeRow { code: "DOG".into(), description: "Dog 4111.1111.1111.1111".into(), amount: None, gl_account: "4210".into() };
        assert!(fee.check_text().unwrap_err().starts_with("description: looks like a card number"));
    }
}
