//! What a line typed or scanned into the lookup field is: a receipt barcode, a remittance stub
//! scanline (account + amount due, check digit verified), a check MICR line, or search words.

use citytill::domain::ids::ReceiptNo;
use citytill::ops::stub::{StubRead, StubTemplates};
use citytill::Money;

/// The city's stub templates as read at start, or why stub scanning is off (ops::stub reads the stubs).
pub type Stubs = Result<StubTemplates, String>;

/// A classified lookup line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Shaped like a receipt number (T01-000042 — but a license BL-1234567 is too): the counter tries accounts
    /// first and opens Receipts only for this terminal's prefix or a scanned barcode, when the receipt exists.
    Receipt(String),
    /// A stub: account number candidates (as printed, and without leading zeros) and the amount due.
    Stub { accounts: Vec<String>, amount: Option<Money> },
    /// A stub-shaped line whose check digit failed: say so, never guess.
    BadStub(String),
    /// Anything else: number, name or address words.
    Words(String),
}

/// Classifies a line from the keyboard, a keyboard-wedge burst or a serial scanner. A line of 20 or more
/// digits is read as a stub (shorter ones are account numbers someone typed).
pub fn classify(stubs: &Stubs, line: &str) -> Lookup {
    let text = line.trim();
    // Only the exact printed form (T01-000042) counts: citation numbers like PC-777 stay search words.
    if ReceiptNo::parse(text).is_ok_and(|receipt| receipt.to_string() == text.to_ascii_uppercase()) {
        return Lookup::Receipt(text.to_ascii_uppercase());
    }
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() >= 20 && digits.chars().all(|c| c.is_ascii_digit()) {
        return stub(stubs, &digits);
    }
    Lookup::Words(text.to_string())
}

fn stub(stubs: &Stubs, digits: &str) -> Lookup {
    let stubs = match stubs {
        Ok(stubs) => stubs,
        Err(problem) => return Lookup::BadStub(format!("scan: stub scanning is off until IT fixes the settings — {problem}")),
    };
    match stubs.read(digits) {
        StubRead::Stub { accounts, amount, .. } => Lookup::Stub { accounts, amount },
        StubRead::Bad(problem) => Lookup::BadStub(format!("scan: {problem} — rescan the stub or type the account number")),
        StubRead::NoTemplate(_) => Lookup::Words(digits.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves receipt barcodes, valid stubs, stubs with a bad check digit and plain words are told apart.
    #[test]
    fn lines_are_classified() {
        let classify = |line: &str| classify(&Ok(StubTemplates::shipped()), line);
        assert_eq!(classify("t01-000042"), Lookup::Receipt("T01-000042".into()));
        assert_eq!(classify("000123456700004550240500000002"), Lookup::Stub { accounts: vec!["0001234567".into(), "1234567".into()], amount: Some(Money::from_cents(4550)) });
        assert!(matches!(classify("000123456700004550240500000003"), Lookup::BadStub(message) if message.starts_with("scan:")));
        assert_eq!(classify("PC-777"), Lookup::Words("PC-777".into()));
        assert_eq!(classify("maple st"), Lookup::Words("maple st".into()));
        assert_eq!(classify("100200"), Lookup::Words("100200".into()));
    }
}
