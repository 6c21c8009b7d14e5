//! Tenders — how a payment is paid — built by typed constructors (`Tender::check`, `Tender::card`...) that
//! check each field (card-data refusal on every one) and say which field failed; the command line's
//! `kind=amount,key=value` text is read into the same constructors.

use citytill_hardware::micr::transit_ok;

use crate::domain::accounts;
use crate::domain::text;
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

    /// Cash handed over.
    pub fn cash(amount: Money) -> Tender {
        Tender::new(TenderKind::Cash, amount)
    }

    /// A check: routing (ABA checksum, or a Canadian ddddd-ddd transit), account (only its last 4 are kept)
    /// and check number; an empty field is not given.
    pub fn check(amount: Money, routing: &str, account: &str, number: &str) -> Result<Tender, TenderError> {
        Tender::from_fields(TenderKind::Check, amount, &TenderFields { routing: routing.into(), account: account.into(), number: number.into(), ..TenderFields::default() })
    }

    /// A check as its MICR line was read (the reader keeps only the account's last 4).
    pub fn from_micr(amount: Money, micr: &citytill_hardware::micr::Micr) -> Result<Tender, TenderError> {
        Tender::check(amount, &micr.routing, &micr.account_last4, micr.check_number.as_deref().unwrap_or_default())
    }

    /// A money order by its serial number.
    pub fn money_order(amount: Money, serial: &str) -> Result<Tender, TenderError> {
        Tender::from_fields(TenderKind::MoneyOrder, amount, &TenderFields { number: serial.into(), ..TenderFields::default() })
    }

    /// A card payment as the card terminal reports it: brand, last 4 (required, exactly 4 digits), auth code
    /// and terminal reference — never the card number.
    pub fn card(amount: Money, brand: &str, last4: &str, auth: &str, reference: &str) -> Result<Tender, TenderError> {
        Tender::from_fields(TenderKind::Card, amount, &TenderFields { brand: brand.into(), last4: last4.into(), auth: auth.into(), reference: reference.into(), ..TenderFields::default() })
    }

    /// An ACH / EFT payment by its reference.
    pub fn ach(amount: Money, reference: &str) -> Result<Tender, TenderError> {
        Tender::from_fields(TenderKind::Ach, amount, &TenderFields { reference: reference.into(), ..TenderFields::default() })
    }

    /// The one constructor behind the typed ones: each field `kind` takes is checked (a full card number or a
    /// control character in any field is refused), the first bad one named in the error; a field `kind` does
    /// not take must be empty.
    pub fn from_fields(kind: TenderKind, amount: Money, fields: &TenderFields) -> Result<Tender, TenderError> {
        let mut tender = Tender::new(kind, amount);
        for field in TenderField::ALL {
            let value = fields.get(field).trim();
            let error = |message: String| TenderError { kind, field, message };
            if value.chars().any(text::is_unsafe) {
                return Err(error(format!("{} has control characters; write it on one line", field.name())));
            }
            if contains_card_number(value) {
                return Err(error(format!("{} looks like a card number; CityTill never stores card numbers (record only brand, last 4, auth and terminal reference)", field.name())));
            }
            if value.is_empty() {
                continue;
            }
            if !field.applies_to(kind) {
                return Err(error(format!("'{}' is not a detail a {} tender takes", field.as_str(), kind.as_str())));
            }
            let given = Some(value.to_string());
            match field {
                TenderField::Routing if !transit_ok(value) => return Err(error(format!("routing number '{value}' is not 9 digits with a valid checksum (or a Canadian ddddd-ddd transit)"))),
                TenderField::Routing => tender.routing = given,
                TenderField::Account => tender.account_last4 = Some(last_four(value).map_err(error)?),
                TenderField::Last4 if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) => {
                    return Err(error(format!("last4 '{value}' must be exactly the last 4 digits of the card")));
                }
                TenderField::Last4 => tender.last4 = given,
                _ if value.chars().count() > 40 => return Err(error(format!("{} is too long (at most 40 characters)", field.name()))),
                TenderField::Number => tender.number = given,
                TenderField::Brand => tender.brand = Some(value.to_ascii_lowercase()),
                TenderField::Auth => tender.auth = given,
                TenderField::Reference => tender.reference = given,
            }
        }
        if kind == TenderKind::Card && tender.last4.is_none() {
            return Err(TenderError { kind, field: TenderField::Last4, message: "last4 is required (the card's last 4 digits from the terminal)".into() });
        }
        Ok(tender)
    }

    /// Reads the command line's `cash=100.00` or `check=50.00,routing=021000021,account=12345678,number=1001`
    /// into `from_fields` (the window fills the same fields from its inputs).
    pub fn parse(text: &str, max: Money) -> Result<Tender, String> {
        refuse_card_numbers(text)?;
        let mut parts = text.split(',');
        let head = parts.next().unwrap_or_default();
        let (kind, amount) = head.split_once('=').ok_or_else(|| format!("tender: '{head}' must be KIND=AMOUNT, like cash=20.00"))?;
        let kind = TenderKind::parse(kind)?;
        let field = format!("tender {}", kind.as_str());
        let amount = Money::parse_positive(&field, amount, max).map_err(|e| e.to_string())?;
        let mut fields = TenderFields::default();
        for (index, part) in parts.enumerate() {
            if index == 0 && part.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                // `cash=1,234.56` or `cash=12,00`: the comma separates a tender's details, so it cannot group digits.
                return Err(format!("{field}: write the amount without commas (',' separates a tender's details)"));
            }
            let (key, value) = part.split_once('=').ok_or_else(|| format!("{field}: '{part}' must be key=value"))?;
            let key = key.trim();
            let detail = TenderField::ALL.into_iter().find(|f| f.as_str() == key || (key == "ref" && *f == TenderField::Reference));
            match detail {
                Some(detail) if detail.applies_to(kind) => *fields.get_mut(detail) = value.trim().to_string(),
                _ => return Err(format!("{field}: '{key}' is not a detail a {} tender takes", kind.as_str())),
            }
        }
        Tender::from_fields(kind, amount, &fields).map_err(|e| e.to_string())
    }
}

/// A detail field of a tender, as the window shows it and the command line names it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum TenderField {
    Routing,
    Account,
    Number,
    Brand,
    Last4,
    Auth,
    Reference,
}

impl TenderField {
    pub const ALL: [TenderField; 7] = [TenderField::Routing, TenderField::Account, TenderField::Number, TenderField::Brand, TenderField::Last4, TenderField::Auth, TenderField::Reference];

    /// The fields a tender of `kind` takes, in the order they are keyed (Tab goes through them so).
    pub fn of(kind: TenderKind) -> &'static [TenderField] {
        match kind {
            TenderKind::Cash => &[],
            TenderKind::Check => &[TenderField::Routing, TenderField::Account, TenderField::Number],
            TenderKind::MoneyOrder => &[TenderField::Number],
            TenderKind::Card => &[TenderField::Brand, TenderField::Last4, TenderField::Auth, TenderField::Reference],
            TenderKind::Ach => &[TenderField::Reference],
        }
    }

    pub fn applies_to(self, kind: TenderKind) -> bool {
        TenderField::of(kind).contains(&self)
    }

    /// The key in the command line's `kind=amount,key=value` text.
    pub fn as_str(self) -> &'static str {
        match self {
            TenderField::Routing => "routing",
            TenderField::Account => "account",
            TenderField::Number => "number",
            TenderField::Brand => "brand",
            TenderField::Last4 => "last4",
            TenderField::Auth => "auth",
            TenderField::Reference => "reference",
        }
    }

    /// The field in words, as errors name it.
    pub fn name(self) -> &'static str {
        match self {
            TenderField::Routing => "routing number",
            TenderField::Account => "account number",
            TenderField::Number => "number",
            TenderField::Brand => "card brand",
            TenderField::Last4 => "last 4",
            TenderField::Auth => "auth code",
            TenderField::Reference => "reference",
        }
    }
}

/// The detail fields of a tender as typed (the window's inputs, or the command line's key=value pairs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenderFields {
    pub routing: String,
    pub account: String,
    pub number: String,
    pub brand: String,
    pub last4: String,
    pub auth: String,
    pub reference: String,
}

impl TenderFields {
    pub fn get(&self, field: TenderField) -> &str {
        match field {
            TenderField::Routing => &self.routing,
            TenderField::Account => &self.account,
            TenderField::Number => &self.number,
            TenderField::Brand => &self.brand,
            TenderField::Last4 => &self.last4,
            TenderField::Auth => &self.auth,
            TenderField::Reference => &self.reference,
        }
    }

    pub fn get_mut(&mut self, field: TenderField) -> &mut String {
        match field {
            TenderField::Routing => &mut self.routing,
            TenderField::Account => &mut self.account,
            TenderField::Number => &mut self.number,
            TenderField::Brand => &mut self.brand,
            TenderField::Last4 => &mut self.last4,
            TenderField::Auth => &mut self.auth,
            TenderField::Reference => &mut self.reference,
        }
    }
}

/// Why a tender's field was refused: which tender, which field, and the problem (never a card number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenderError {
    pub kind: TenderKind,
    pub field: TenderField,
    pub message: String,
}

impl std::fmt::Display for TenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tender {}: {}", self.kind.as_str(), self.message)
    }
}

impl std::error::Error for TenderError {}

/// Keeps only the last four digits of an account number (the rest is never stored).
fn last_four(value: &str) -> Result<String, String> {
    if !value.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-') {
        return Err(format!("account number '{value}' must be digits only"));
    }
    let digits: String = value.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return Err("account number must have at least 4 digits".to_string());
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

    // Proves each typed constructor names the field that failed: a bad routing checksum, an account with
    // letters, a last 4 that is not 4 digits, and a full card number in any field (refused without echoing it).
    #[test]
    fn typed_constructors_name_the_failing_field() {
        let amount = Money::from_cents(5000);
        let check = Tender::check(amount, "021000021", "99912345678", "1001").unwrap();
        assert_eq!((check.routing.as_deref(), check.account_last4.as_deref(), check.number.as_deref()), (Some("021000021"), Some("5678"), Some("1001")));
        assert_eq!(Tender::check(amount, "112000025", "1234", "1").unwrap_err().field, TenderField::Routing);
        assert_eq!(Tender::check(amount, "021000021", "12AB5678", "1").unwrap_err().field, TenderField::Account);
        assert_eq!(Tender::card(amount, "visa", "42424", "A1", "").unwrap_err().field, TenderField::Last4);
        assert_eq!(Tender::card(amount, "visa", "", "A1", "").unwrap_err().field, TenderField::Last4);
        for (field, error) in [
            (TenderField::Last4, Tender::card(amount, "visa", "4111111111111111", "", "").unwrap_err()),
            (TenderField::Reference, Tender::card(amount, "visa", "1111", "A1", "5500 0000 0000 0004").unwrap_err()),
            (TenderField::Number, Tender::money_order(amount, "4111-1111-1111-1111").unwrap_err()),
            (TenderField::Reference, Tender::ach(amount, "4242424242424242").unwrap_err()),
        ] {
            assert_eq!(error.field, field);
            assert!(error.message.contains("looks like a card number") && !contains_card_number(&error.to_string()), "{error}");
        }
        let micr = citytill_hardware::micr::parse("T021000021T 123456789U 1001", None).unwrap();
        assert_eq!(Tender::from_micr(amount, &micr).unwrap(), Tender::check(amount, "021000021", "6789", "1001").unwrap());
        let card = Tender::card(amount, "VISA", "4242", "A1B2C3", "TRM-1").unwrap();
        assert_eq!(card, Tender::parse("card=50.00,brand=VISA,last4=4242,auth=A1B2C3,ref=TRM-1", max()).unwrap(), "the CLI's text reads into the same tender");
    }
}
