//! Tenders — how a payment is paid — parsed from `kind=amount,key=value` text with card-data refusal (`card_data`).

use citytill_hardware::micr::transit_ok;

use crate::domain::accounts;
use crate::money::Money;

/// The ways of paying that a city counter accepts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderKind {
    Cash,
    Check,
    MoneyOrder,
    Card,
    Ach,
}

impl TenderKind {
    pub const ALL: [TenderKind; 5] = [TenderKind::Cash, TenderKind::Check, TenderKind::MoneyOrder, TenderKind::Card, TenderKind::Ach];

    pub fn parse(text: &str) -> Result<TenderKind, String> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "cash" => Ok(TenderKind::Cash),
            "check" | "cheque" => Ok(TenderKind::Check),
            "money_order" | "mo" => Ok(TenderKind::MoneyOrder),
            "card" => Ok(TenderKind::Card),
            "ach" | "eft" => Ok(TenderKind::Ach),
            other => Err(format!("tender: '{other}' is not one of cash, check, money_order, card, ach")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TenderKind::Cash => "cash",
            TenderKind::Check => "check",
            TenderKind::MoneyOrder => "money_order",
            TenderKind::Card => "card",
            TenderKind::Ach => "ach",
        }
    }

    /// Whether this tender is paper or coin the cashier puts in the cash drawer (cash, checks, money orders).
    pub fn goes_in_drawer(self) -> bool {
        matches!(self, TenderKind::Cash | TenderKind::Check | TenderKind::MoneyOrder)
    }

    /// The GL account the tender is debited to while it sits in (or clears through) the drawer.
    pub fn account(self) -> &'static str {
        match self {
            TenderKind::Cash => accounts::CASH_IN_DRAWER,
            TenderKind::Check => accounts::CHECKS_IN_DRAWER,
            TenderKind::MoneyOrder => accounts::MONEY_ORDERS_IN_DRAWER,
            TenderKind::Card => accounts::CARD_CLEARING,
            TenderKind::Ach => accounts::ACH_CLEARING,
        }
    }
}

/// Whether a payment opens the cash drawer — the same rule for the window and the command line: some
/// tender goes in the drawer, or change is given.
pub fn opens_drawer(kinds: impl IntoIterator<Item = TenderKind>, change: Money) -> bool {
    kinds.into_iter().any(TenderKind::goes_in_drawer) || !change.is_zero()
}

/// One tender of a payment. Holds only what may be stored: no full card or bank account numbers.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct Tender {
    pub kind: TenderKind,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<String>,
    /// Last four digits of the check's account number, never more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_last4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Last four digits of the card, never more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last4: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl Tender {
    pub fn new(kind: TenderKind, amount: Money) -> Tender {
        Tender { kind, amount, routing: None, account_last4: None, number: None, brand: None, last4: None, auth: None, reference: None }
    }

    /// Parses `cash=100.00` or `check=50.00,routing=021000021,account=12345678,number=1001`.
    pub fn parse(text: &str, max: Money) -> Result<Tender, String> {
        refuse_card_numbers(text)?;
        let mut parts = text.split(',');
        let head = parts.next().unwrap_or_default();
        let (kind, amount) = head.split_once('=').ok_or_else(|| format!("tender: '{head}' must be KIND=AMOUNT, like cash=20.00"))?;
        let kind = TenderKind::parse(kind)?;
        let field = format!("tender {}", kind.as_str());
        let amount = Money::parse_positive(&field, amount, max).map_err(|e| e.to_string())?;
        let mut tender = Tender::new(kind, amount);
        for (index, part) in parts.enumerate() {
            if index == 0 && part.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                // `cash=1,234.56` or `cash=12,00`: the comma separates a tender's details, so it cannot group digits.
                return Err(format!("{field}: write the amount without commas (',' separates a tender's details)"));
            }
            let (key, value) = part.split_once('=').ok_or_else(|| format!("{field}: '{part}' must be key=value"))?;
            tender.set(&field, key.trim(), value.trim())?;
        }
        tender.validate(&field)?;
        Ok(tender)
    }

    fn set(&mut self, field: &str, key: &str, value: &str) -> Result<(), String> {
        let value_text = Some(value.to_string());
        match (self.kind, key) {
            (TenderKind::Check, "routing") => self.routing = value_text,
            (TenderKind::Check, "account") => self.account_last4 = Some(last_four(field, "account", value)?),
            (TenderKind::Check | TenderKind::MoneyOrder, "number") => self.number = value_text,
            (TenderKind::Card, "brand") => self.brand = Some(value.to_ascii_lowercase()),
            (TenderKind::Card, "last4") => self.last4 = value_text,
            (TenderKind::Card, "auth") => self.auth = value_text,
            (TenderKind::Card | TenderKind::Ach, "ref" | "reference") => self.reference = value_text,
            (_, other) => return Err(format!("{field}: '{other}' is not a detail a {} tender takes", self.kind.as_str())),
        }
        Ok(())
    }

    fn validate(&self, field: &str) -> Result<(), String> {
        if let Some(routing) = &self.routing {
            if !transit_ok(routing) {
                return Err(format!("{field}: routing number '{routing}' is not 9 digits with a valid checksum (or a Canadian ddddd-ddd transit)"));
            }
        }
        if let Some(last4) = &self.last4 {
            if last4.len() != 4 || !last4.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("{field}: last4 '{last4}' must be exactly the last 4 digits of the card"));
            }
        }
        if self.kind == TenderKind::Card && self.last4.is_none() {
            return Err(format!("{field}: last4 is required (the card's last 4 digits from the terminal)"));
        }
        for text in [&self.number, &self.auth, &self.reference, &self.brand].into_iter().flatten() {
            if text.len() > 40 || text.chars().any(|c| c.is_control()) {
                return Err(format!("{field}: '{text}' is too long or has control characters"));
            }
        }
        Ok(())
    }
}

/// Keeps only the last four digits of an account number (the rest is never stored).
fn last_four(field: &str, key: &str, value: &str) -> Result<String, String> {
    let digits: String = value.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return Err(format!("{field}: {key} must have at least 4 digits"));
    }
    Ok(digits[digits.len() - 4..].to_string())
}

pub use crate::domain::card_data::contains_card_number;

/// Refuses tender text holding a full card number (see `card_data` for how it is found).
pub fn refuse_card_numbers(text: &str) -> Result<(), String> {
    if contains_card_number(text) {
        return Err("card: a full card number was given; CityTill records only brand, last4, auth and terminal reference".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max() -> Money {
        Money::from_cents(crate::money::DEFAULT_MAX_CENTS)
    }

    // Proves a check tender keeps only the last 4 of the account and verifies the routing checksum.
    #[test]
    fn check_tender_masks_account_and_checks_routing() {
        let tender = Tender::parse("check=50.00,routing=021000021,account=123456789,number=1001", max()).unwrap();
        assert_eq!(tender.account_last4.as_deref(), Some("6789"));
        assert_eq!(tender.amount, Money::from_cents(5000));
        let error = Tender::parse("check=50.00,routing=112000025", max()).unwrap_err();
        assert!(error.contains("routing number '112000025'"), "{error}");
    }

    // Proves a Canadian cheque's transit (ddddd-ddd, read by the check reader from the MICR line) is accepted as a
    // check tender's routing, while a malformed one is still refused.
    #[test]
    fn canadian_transit_is_a_routing() {
        let tender = Tender::parse("check=50.00,routing=12345-001,account=1234567,number=12", max()).unwrap();
        assert_eq!(tender.routing.as_deref(), Some("12345-001"));
        assert!(Tender::parse("check=50.00,routing=1234-50012", max()).unwrap_err().contains("routing number '1234-50012'"));
    }

    // Proves a comma inside a tender's amount gets a refusal that says so (the comma separates details).
    #[test]
    fn commas_in_a_tender_amount_are_refused_plainly() {
        for text in ["cash=1,234.56", "cash=12,00"] {
            assert!(Tender::parse(text, max()).unwrap_err().starts_with("tender cash: write the amount without commas"), "{text}");
        }
        assert!(Tender::parse("check=50.00,021000021", max()).unwrap_err().contains("without commas"));
        assert!(Tender::parse("check=50.00,number=7,021000021", max()).unwrap_err().contains("must be key=value"));
    }

    // Proves any tender text that holds a full (Luhn-valid) card number is refused outright.
    #[test]
    fn full_card_numbers_are_refused() {
        for text in ["card=20.00,brand=visa,last4=4242,auth=4242424242424242", "card=20.00,last4=4111 1111 1111 1111", "card=5,ref=5500-0000-0000-0004"] {
            assert!(Tender::parse(text, max()).unwrap_err().starts_with("card: a full card number"), "{text}");
        }
        assert!(Tender::parse("card=20.00,brand=visa,last4=4242,auth=A1B2C3", max()).is_ok());
        assert!(Tender::parse("card=20.00,brand=visa,last4=42424", max()).unwrap_err().contains("last4"));
        assert!(!contains_card_number("T01-000042 2026-11-24 1234567890"));
    }
}
