//! What a line typed or scanned into the lookup field is: a receipt barcode, a remittance stub
//! scanline (account + amount due, check digit verified), a check MICR line, or search words.

use citytill::domain::ids::ReceiptNo;
use citytill::Money;
use citytill_hardware::scanline::Template;

/// The billing systems' stub layouts the window knows (hardware/profiles).
const TEMPLATES: &[&str] = &[
    include_str!("../../hardware/profiles/scanline-demo-30.toml"),
    include_str!("../../hardware/profiles/scanline-city-utility.toml"),
];

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

/// Classifies a line from the keyboard, a keyboard-wedge burst or a serial scanner.
pub fn classify(line: &str) -> Lookup {
    let text = line.trim();
    // Only the exact printed form (T01-000042) counts: citation numbers like PC-777 stay search words.
    if ReceiptNo::parse(text).is_ok_and(|receipt| receipt.to_string() == text.to_ascii_uppercase()) {
        return Lookup::Receipt(text.to_ascii_uppercase());
    }
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() >= 20 && digits.chars().all(|c| c.is_ascii_digit()) {
        return stub(&digits);
    }
    Lookup::Words(text.to_string())
}

fn stub(digits: &str) -> Lookup {
    for template in TEMPLATES.iter().filter_map(|text| Template::from_toml_str(text).ok()) {
        if template.length != digits.len() {
            continue;
        }
        return match template.parse(digits) {
            Ok(stub) => {
                let raw = stub.field("account").unwrap_or_default().to_string();
                let trimmed = raw.trim_start_matches('0').to_string();
                let mut accounts = vec![raw];
                if !trimmed.is_empty() && !accounts.contains(&trimmed) {
                    accounts.push(trimmed);
                }
                Lookup::Stub { accounts, amount: stub.amount_due_cents.map(Money::from_cents) }
            }
            Err(e) => Lookup::BadStub(format!("scan: {e} — rescan the stub or type the account number")),
        };
    }
    Lookup::Words(digits.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves receipt barcodes, valid stubs, stubs with a bad check digit and plain words are told apart.
    #[test]
    fn lines_are_classified() {
        assert_eq!(classify("t01-000042"), Lookup::Receipt("T01-000042".into()));
        assert_eq!(
            classify("000123456700004550240500000002"),
            Lookup::Stub { accounts: vec!["0001234567".into(), "1234567".into()], amount: Some(Money::from_cents(4550)) }
        );
        assert!(matches!(classify("000123456700004550240500000003"), Lookup::BadStub(message) if message.starts_with("scan:")));
        assert_eq!(classify("PC-777"), Lookup::Words("PC-777".into()));
        assert_eq!(classify("maple st"), Lookup::Words("maple st".into()));
        assert_eq!(classify("100200"), Lookup::Words("100200".into()));
    }
}
