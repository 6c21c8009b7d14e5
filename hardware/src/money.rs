//! Integer-cent amounts: formatting for paper and JSON, parsing of decimal text from devices.

use thiserror::Error;

/// Why a decimal amount from a device or a template could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AmountError {
    #[error("amount {text:?}: not a decimal number")]
    NotDecimal { text: String },
    #[error("amount {text:?}: more than {decimals} decimals")]
    TooManyDecimals { text: String, decimals: u32 },
    #[error("amount {text:?}: too large")]
    TooLarge { text: String },
}

/// Formats cents as a plain decimal with two places: `-1234` → `"-12.34"`.
pub fn format_cents(amount_cents: i64) -> String {
    let sign = if amount_cents < 0 { "-" } else { "" };
    let abs = amount_cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Parses `"12"`, `"12.3"`, `"12.34"` (optionally with a leading `-` and `,` thousands
/// separators) into cents. At most two decimals; no floats involved.
pub fn parse_decimal_cents(text: &str) -> Result<i64, AmountError> {
    let not_decimal = || AmountError::NotDecimal { text: text.to_string() };
    let cleaned: String = text.trim().chars().filter(|c| *c != ',').collect();
    let (negative, body) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
        return Err(not_decimal());
    }
    if fraction.len() > 2 {
        return Err(AmountError::TooManyDecimals { text: text.to_string(), decimals: 2 });
    }
    let too_large = || AmountError::TooLarge { text: text.to_string() };
    let whole_value: i64 = whole.parse().map_err(|_| too_large())?;
    let mut fraction_value: i64 = if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| not_decimal())? };
    if fraction.len() == 1 {
        fraction_value *= 10;
    }
    let cents = whole_value.checked_mul(100).and_then(|v| v.checked_add(fraction_value)).ok_or_else(too_large)?;
    Ok(if negative { -cents } else { cents })
}

/// Reads a run of ASCII digits with `decimals` implied decimals (e.g. `"0000012345"`, 2 → 12345 cents).
pub fn implied_decimal_cents(digits: &str, decimals: u32) -> Result<i64, AmountError> {
    let not_decimal = || AmountError::NotDecimal { text: digits.to_string() };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_decimal());
    }
    if decimals > 2 {
        return Err(AmountError::TooManyDecimals { text: digits.to_string(), decimals });
    }
    let too_large = || AmountError::TooLarge { text: digits.to_string() };
    let value: i64 = digits.parse().map_err(|_| too_large())?;
    value.checked_mul(10_i64.pow(2 - decimals)).ok_or_else(too_large)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Formatting keeps the sign and always two decimals.
    #[test]
    fn formats_cents() {
        assert_eq!(format_cents(0), "0.00");
        assert_eq!(format_cents(5), "0.05");
        assert_eq!(format_cents(-1234), "-12.34");
        assert_eq!(format_cents(i64::MIN), "-92233720368547758.08");
    }

    // Decimal text becomes exact cents; malformed text is refused with the text named.
    #[test]
    fn parses_decimals() {
        assert_eq!(parse_decimal_cents("12"), Ok(1200));
        assert_eq!(parse_decimal_cents("12.3"), Ok(1230));
        assert_eq!(parse_decimal_cents("1,234.56"), Ok(123456));
        assert_eq!(parse_decimal_cents("-0.05"), Ok(-5));
        assert!(parse_decimal_cents("1.234").is_err());
        assert!(parse_decimal_cents("abc").is_err());
        assert!(parse_decimal_cents(".5").is_err());
        assert!(parse_decimal_cents("99999999999999999999").is_err());
    }

    // Implied decimals scale the integer exactly.
    #[test]
    fn implied_decimals() {
        assert_eq!(implied_decimal_cents("0000012345", 2), Ok(12345));
        assert_eq!(implied_decimal_cents("12", 0), Ok(1200));
        assert!(implied_decimal_cents("12a", 2).is_err());
    }
}
