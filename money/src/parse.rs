//! Reading amounts from text — a cashier's field, a settings file, a journal payload, a device's report —
//! with each refusal naming the field and never repeating a card number.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::Money;

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
        let cleaned = without_grouping_commas(text.trim().trim_start_matches('$')).ok_or_else(|| MoneyError::MisplacedComma { field: field.into(), text: shown(text) })?;
        let valid_chars = !cleaned.is_empty() && cleaned.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')) && cleaned.chars().any(|c| c.is_ascii_digit());
        if !valid_chars {
            return Err(not_a_number());
        }
        let decimal = Decimal::from_str(&cleaned).map_err(|_| not_a_number())?;
        if decimal.scale() > 2 && decimal.normalize().scale() > 2 {
            return Err(MoneyError::TooManyDecimals { field: field.into(), text: shown(text) });
        }
        Money::from_decimal(decimal).ok_or_else(|| MoneyError::TooLarge { field: field.into(), text: shown(text) })
    }

    /// Parses an amount a device printed or sent (a money counter's report, a simulator's row): the rules of
    /// `parse_signed`, and more strictly, digits before the point (`.5` is refused: a dropped digit) and at
    /// most two decimals as written (`1.230` is refused: a device that prints three decimals is misread).
    pub fn parse_device(field: &str, text: &str) -> Result<Money, MoneyError> {
        let body = text.trim().trim_start_matches('$');
        let body = body.strip_prefix('-').unwrap_or(body);
        let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
        if whole.is_empty() {
            return Err(MoneyError::NotANumber { field: field.into(), text: shown(text) });
        }
        if fraction.len() > 2 && fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::TooManyDecimals { field: field.into(), text: shown(text) });
        }
        Money::parse_signed(field, text)
    }

    /// Reads a run of ASCII digits with `decimals` (0, 1 or 2) implied decimals: `"0000012345"`, 2 → 123.45.
    pub fn from_implied_decimals(field: &str, digits: &str, decimals: u32) -> Result<Money, MoneyError> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MoneyError::NotANumber { field: field.into(), text: shown(digits) });
        }
        if decimals > 2 {
            return Err(MoneyError::TooManyDecimals { field: field.into(), text: shown(digits) });
        }
        let too_large = || MoneyError::TooLarge { field: field.into(), text: shown(digits) };
        let value: i64 = digits.parse().map_err(|_| too_large())?;
        value.checked_mul(10_i64.pow(2 - decimals)).map(Money).ok_or_else(too_large)
    }

    /// Converts a Decimal with at most 2 significant decimal places.
    pub fn from_decimal(decimal: Decimal) -> Option<Money> {
        let scaled = decimal.checked_mul(Decimal::new(100, 0))?;
        if scaled.fract() != Decimal::ZERO {
            return None;
        }
        i64::try_from(scaled.trunc().mantissa() / 10i128.pow(scaled.trunc().scale())).ok().map(Money)
    }

    /// The form `Display` writes (`-?digits.dd`), read straight into cents; None for anything else
    /// (which `parse_signed` then reads or refuses). Journal payloads hold millions of these.
    pub(crate) fn parse_canonical(text: &str) -> Option<Money> {
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
/// 40 characters), so a refusal line and the log never carry one. No amount has 13 digits (the most any
/// field takes is 1,000,000.00), and every card number has at least 13, so text with 13 or more digits of
/// any script is never shown — a wider net than the Luhn-checked `domain::card_data`, which this crate
/// cannot see.
fn shown(text: &str) -> String {
    let text = text.trim();
    if text.chars().filter(|c| c.is_numeric()).count() >= 13 {
        return "[not shown: looks like a card number]".into();
    }
    let unsafe_char = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let mut shown: String = text.chars().take(40).map(|c| if unsafe_char(c) { '?' } else { c }).collect();
    if text.chars().count() > 40 {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DEFAULT_MAX_CENTS;

    fn max() -> Money {
        Money::from_cents(DEFAULT_MAX_CENTS)
    }

    // Proves accepted amount texts become the exact cent values a cashier means.
    #[test]
    fn parses_amount_text_exactly() {
        for (text, cents) in
            [("84.12", 8412), ("84", 8400), ("0.5", 50), ("1,234.50", 123450), ("123,456.78", 12_345_678), ("1,000,000.00", 100_000_000), ("$5", 500), (" 7.00 ", 700), ("1000000.00", 100_000_000)]
        {
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
        for text in ["4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111.00", "４１１１１１１１１１１１１１１１"] {
            let message = Money::parse_positive("--amount", text, max()).unwrap_err().to_string();
            assert!(message.starts_with("--amount: ") && !message.contains("1111") && !message.contains("１１"), "{message}");
        }
        let message = Money::parse_positive("--amount", "1\u{1b}[2J", max()).unwrap_err().to_string();
        assert!(!message.contains('\u{1b}'), "{message}");
        let message = Money::parse_positive("--amount", "12\u{202E}34x", max()).unwrap_err().to_string();
        assert!(!message.contains('\u{202E}'), "{message}");
    }

    // Proves the canonical fast path reads exactly what parse_signed reads, and hands the rest to it.
    #[test]
    fn deserializing_matches_parse_signed() {
        for text in ["0.00", "-0.00", "84.12", "-1.00", "1000000.00", "92233720368547758.07", "007.50", "1.5", "1", "$5", "1,234.50", "-", ".50", "1.234", "abc", " 2.00"] {
            let parsed: Result<Money, _> = serde_json::from_str(&format!("\"{text}\""));
            let expected = Money::parse_signed("amount", text);
            assert_eq!(parsed.as_ref().ok(), expected.as_ref().ok(), "{text}");
            assert_eq!(parsed.is_err(), expected.is_err(), "{text}");
        }
        assert!(serde_json::from_str::<Money>("12").is_err(), "a JSON number is not an amount");
    }

    // Proves display, parsing and decimal conversion round trip for positive and negative values.
    #[test]
    fn formats_round_trip() {
        for cents in [0, 1, -1, 99, -100, 123456789, -100000] {
            let money = Money::from_cents(cents);
            assert_eq!(Money::parse_signed("x", &money.to_string()), Ok(money));
            assert_eq!(Money::parse_device("x", &money.to_string()), Ok(money));
            assert_eq!(Money::from_decimal(money.to_decimal()), Some(money));
        }
        assert_eq!(Money::from_decimal(Decimal::new(1234, 3)), None);
        assert_eq!(Money::parse_signed("x", "1.230").map(Money::cents), Ok(123));
    }

    // Proves a device's amount text is read as the hardware crate read it (the strings its parser took and
    // refused), with the stricter comma rule of the cashier's fields.
    #[test]
    fn device_amounts_keep_both_parsers_rules() {
        for (text, cents) in [("12", 1200), ("12.3", 1230), ("1,234.56", 123456), ("-0.05", -5), ("0.25", 25), ("$20", 2000)] {
            assert_eq!(Money::parse_device("denomination", text).map(Money::cents), Ok(cents), "{text}");
        }
        for (text, problem) in [
            ("1.234", "more than 2 decimal places"),
            ("1.230", "more than 2 decimal places"),
            ("abc", "is not an amount"),
            (".5", "is not an amount"),
            ("99999999999999999999", "far too large"),
            ("1,2,3", "comma out of place"),
            ("1.2.3", "is not an amount"),
        ] {
            let message = Money::parse_device("denomination", text).map(|_| ()).unwrap_err().to_string();
            assert!(message.starts_with("denomination: ") && message.contains(problem), "{text}: {message}");
        }
    }

    // Proves implied decimals scale the digits exactly and anything but digits is refused.
    #[test]
    fn implied_decimals() {
        assert_eq!(Money::from_implied_decimals("amount_due", "0000012345", 2), Ok(Money::from_cents(12345)));
        assert_eq!(Money::from_implied_decimals("amount_due", "12", 0), Ok(Money::from_cents(1200)));
        assert_eq!(Money::from_implied_decimals("amount_due", "125", 1), Ok(Money::from_cents(1250)));
        assert!(Money::from_implied_decimals("amount_due", "12a", 2).unwrap_err().to_string().starts_with("amount_due: "));
        assert!(Money::from_implied_decimals("amount_due", "", 2).is_err());
        assert!(Money::from_implied_decimals("amount_due", "12", 3).is_err());
        assert!(Money::from_implied_decimals("amount_due", "99999999999999999999", 2).is_err());
    }
}
