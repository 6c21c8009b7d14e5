//! `Money`: an exact amount of dollars and cents — rust_decimal at scale 2 in memory, integer cents on disk.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rust_decimal::Decimal;

/// The largest amount any single field may carry by default (1,000,000.00).
pub const DEFAULT_MAX_CENTS: i64 = 100_000_000;

/// An exact money amount with exactly two decimal places. Never a float.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// Why a piece of text is not an acceptable amount; the caller names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{field}: '{text}' is not an amount (expected digits like 84.12)")]
    NotANumber { field: String, text: String },
    #[error("{field}: '{text}' has a comma out of place (group thousands as 1,234.56, or write no commas)")]
    MisplacedComma { field: String, text: String },
    #[error("{field}: '{text}' has more than 2 decimal places")]
    TooManyDecimals { field: String, text: String },
    #[error("{field}: {text} is negative; a positive amount is required")]
    Negative { field: String, text: String },
    #[error("{field}: amount must be greater than zero")]
    Zero { field: String },
    #[error("{field}: {text} is over the maximum of {max}")]
    OverMaximum { field: String, text: String, max: Money },
    #[error("{field}: '{text}' is far too large to be an amount")]
    TooLarge { field: String, text: String },
    #[error("amount arithmetic overflowed")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    /// The amount as a Decimal with scale 2 (for display and interchange).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Parses user text ("84.12", "84", "1,234.50", "$5") as a non-negative amount up to `max`.
    pub fn parse_field(field: &str, text: &str, max: Money) -> Result<Money, MoneyError> {
        let money = Money::parse_signed(field, text)?;
        if money.0 < 0 {
            return Err(MoneyError::Negative { field: field.into(), text: shown(text) });
        }
        if money > max {
            return Err(MoneyError::OverMaximum { field: field.into(), text: shown(text), max });
        }
        Ok(money)
    }

    /// Like `parse_field` but zero is refused too.
    pub fn parse_positive(field: &str, text: &str, max: Money) -> Result<Money, MoneyError> {
        let money = Money::parse_field(field, text, max)?;
        if money.is_zero() {
            return Err(MoneyError::Zero { field: field.into() });
        }
        Ok(money)
    }

    /// Parses a possibly negative amount with at most two decimals.
    pub fn parse_signed(field: &str, text: &str) -> Result<Money, MoneyError> {
        let not_a_number = || MoneyError::NotANumber { field: field.into(), text: shown(text) };
        let cleaned = without_grouping_commas(text.trim().trim_start_matches('$'))
            .ok_or_else(|| MoneyError::MisplacedComma { field: field.into(), text: shown(text) })?;
        let valid_chars = !cleaned.is_empty()
            && cleaned.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'))
            && cleaned.chars().any(|c| c.is_ascii_digit());
        if !valid_chars {
            return Err(not_a_number());
        }
        let decimal = Decimal::from_str(&cleaned).map_err(|_| not_a_number())?;
        if decimal.scale() > 2 && decimal.normalize().scale() > 2 {
            return Err(MoneyError::TooManyDecimals { field: field.into(), text: shown(text) });
        }
        Money::from_decimal(decimal).ok_or_else(|| MoneyError::TooLarge { field: field.into(), text: shown(text) })
    }

    /// Converts a Decimal with at most 2 significant decimal places.
    pub fn from_decimal(decimal: Decimal) -> Option<Money> {
        let scaled = decimal.checked_mul(Decimal::new(100, 0))?;
        if scaled.fract() != Decimal::ZERO {
            return None;
        }
        i64::try_from(scaled.trunc().mantissa() / 10i128.pow(scaled.trunc().scale())).ok().map(Money)
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.0.checked_sub(other.0).map(Money)
    }

    pub fn checked_mul(self, count: i64) -> Option<Money> {
        self.0.checked_mul(count).map(Money)
    }

    /// Adds, reporting overflow as an error (amounts are bounded, so this is a corrupted-input guard).
    pub fn plus(self, other: Money) -> Result<Money, MoneyError> {
        self.checked_add(other).ok_or(MoneyError::Overflow)
    }

    pub fn minus(self, other: Money) -> Result<Money, MoneyError> {
        self.checked_sub(other).ok_or(MoneyError::Overflow)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn min(self, other: Money) -> Money {
        Money(self.0.min(other.0))
    }

    pub fn max(self, other: Money) -> Money {
        Money(self.0.max(other.0))
    }

    pub fn neg(self) -> Money {
        Money(-self.0)
    }

    /// Sums amounts, or None on overflow.
    pub fn sum<I: IntoIterator<Item = Money>>(items: I) -> Option<Money> {
        items.into_iter().try_fold(Money::ZERO, |acc, m| acc.checked_add(m))
    }

    /// "1,234.56" style text with thousands separators, for receipts and the window.
    pub fn grouped(self) -> String {
        let plain = self.to_string();
        let (sign, rest) = plain.strip_prefix('-').map_or(("", plain.as_str()), |r| ("-", r));
        let (whole, fraction) = rest.split_once('.').unwrap_or((rest, "00"));
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{sign}{grouped}.{fraction}")
    }
}

impl fmt::Display for Money {
    /// Plain decimal text with two places: "-1.00", "84.12". This is the JSON and CSV form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        struct Amount;
        impl serde::de::Visitor<'_> for Amount {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an amount as a decimal string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Money, E> {
                match Money::parse_canonical(text) {
                    Some(money) => Ok(money),
                    None => Money::parse_signed("amount", text).map_err(E::custom),
                }
            }
        }
        deserializer.deserialize_str(Amount)
    }
}

/// The amount text with its thousands commas taken out, or None when a comma is anywhere but between
/// groups of three digits of the whole part (`1,234.56` and `12,345,678` are read; `12,00`, `1,2,3`,
/// `1234,567` and `1.5,0` are not: a comma read wrongly would move the amount a hundredfold).
fn without_grouping_commas(text: &str) -> Option<String> {
    if !text.contains(',') {
        return Some(text.to_string());
    }
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let mut groups = whole.split(',');
    let first = groups.next().unwrap_or_default();
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    let well_grouped = (1..=3).contains(&first.len()) && digits(first) && groups.all(|g| g.len() == 3 && digits(g));
    if !well_grouped || fraction.contains(',') {
        return None;
    }
    Some(text.replace(',', ""))
}

/// The given text as an error may repeat it: never a card number (nor control characters, nor more than
/// 40 characters), so a refusal line and the log never carry one.
fn shown(text: &str) -> String {
    let text = text.trim();
    if crate::domain::card_data::contains_card_number(text) {
        return "[not shown: looks like a card number]".into();
    }
    let mut shown: String = crate::domain::text::printable(text).chars().take(40).collect();
    if text.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

impl Money {
    /// The form `Display` writes (`-?digits.dd`), read straight into cents; None for anything else
    /// (which `parse_signed` then reads or refuses). Journal payloads hold millions of these.
    fn parse_canonical(text: &str) -> Option<Money> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (units, cents) = digits.split_once('.')?;
        if units.is_empty() || units.len() > 16 || cents.len() != 2 || !units.bytes().chain(cents.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value = units.bytes().chain(cents.bytes()).try_fold(0i64, |acc, b| acc.checked_mul(10)?.checked_add(i64::from(b - b'0')))?;
        Some(Money(if negative { -value } else { value }))
    }
}

impl ToSql for Money {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Money {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(cents) => Ok(Money(cents)),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max() -> Money {
        Money::from_cents(DEFAULT_MAX_CENTS)
    }

    // Proves accepted amount texts become the exact cent values a cashier means.
    #[test]
    fn parses_amount_text_exactly() {
        for (text, cents) in [("84.12", 8412), ("84", 8400), ("0.5", 50), ("1,234.50", 123450), ("123,456.78", 12_345_678), ("1,000,000.00", 100_000_000), ("$5", 500), (" 7.00 ", 700), ("1000000.00", 100_000_000)] {
            assert_eq!(Money::parse_field("amount", text, max()).map(Money::cents), Ok(cents), "{text}");
        }
    }

    // Proves bad amounts are refused with an error that names the field and the problem.
    #[test]
    fn refuses_bad_amounts_naming_the_field() {
        let cases = [
            ("1.234", "more than 2 decimal places"),
            ("abc", "is not an amount"),
            ("", "is not an amount"),
            ("1.2.3", "is not an amount"),
            ("-5.00", "negative"),
            ("1000000.01", "over the maximum of 1000000.00"),
            ("1e5", "is not an amount"),
            ("12,00", "has a comma out of place"),
            ("1,2,3", "has a comma out of place"),
            ("1234,567.00", "has a comma out of place"),
            (",123", "has a comma out of place"),
            ("1,234.5,0", "has a comma out of place"),
            ("1,234,", "has a comma out of place"),
            ("12345678901234567890123", "far too large"),
            ("123456789012345678901234567890", "is not an amount"),
        ];
        for (text, problem) in cases {
            let message = Money::parse_field("tender cash", text, max()).map(|_| ()).unwrap_err().to_string();
            assert!(message.starts_with("tender cash:"), "{message}");
            assert!(message.contains(problem), "{text}: {message}");
        }
        assert!(Money::parse_positive("amount", "0.00", max()).unwrap_err().to_string().contains("greater than zero"));
        assert_eq!(Money::parse_signed("balance", "-1,234.50").map(Money::cents), Ok(-123450));
        assert_eq!(Money::parse_signed("balance", "12,345,678.00").map(Money::cents), Ok(1_234_567_800));
    }

    // Proves a refused amount that looks like a card number (or holds control characters) is never repeated.
    #[test]
    fn refusals_never_repeat_a_card_number() {
        for text in ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111.00"] {
            let message = Money::parse_positive("--amount", text, max()).unwrap_err().to_string();
            assert!(message.starts_with("--amount: ") && !message.contains("1111"), "{message}");
        }
        let message = Money::parse_positive("--amount", "1\u{1b}[2J", max()).unwrap_err().to_string();
        assert!(!message.contains('\u{1b}'), "{message}");
    }

    // Proves display, grouping and decimal round trips agree for positive and negative values.
    #[test]
    fn deserializing_matches_parse_signed() {
        // Proves the canonical fast path reads exactly what parse_signed reads, and hands the rest to it.
        for text in ["0.00", "-0.00", "84.12", "-1.00", "1000000.00", "92233720368547758.07", "007.50", "1.5", "1", "$5", "1,234.50", "-", ".50", "1.234", "abc", " 2.00"] {
            let parsed: Result<Money, _> = serde_json::from_str(&format!("\"{text}\""));
            let expected = Money::parse_signed("amount", text);
            assert_eq!(parsed.as_ref().ok(), expected.as_ref().ok(), "{text}");
            assert_eq!(parsed.is_err(), expected.is_err(), "{text}");
        }
        assert!(serde_json::from_str::<Money>("12").is_err(), "a JSON number is not an amount");
    }

    #[test]
    fn formats_round_trip() {
        for cents in [0, 1, -1, 99, -100, 123456789, -100000] {
            let money = Money::from_cents(cents);
            assert_eq!(Money::parse_signed("x", &money.to_string()), Ok(money));
            assert_eq!(Money::from_decimal(money.to_decimal()), Some(money));
        }
        assert_eq!(Money::from_cents(-100).to_string(), "-1.00");
        assert_eq!(Money::from_cents(123456789).grouped(), "1,234,567.89");
        assert_eq!(Money::from_cents(-5).grouped(), "-0.05");
        assert_eq!(Money::from_decimal(Decimal::new(1234, 3)), None);
        assert_eq!(Money::parse_signed("x", "1.230").map(Money::cents), Ok(123));
    }
}
