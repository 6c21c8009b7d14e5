//! `Money`: CityTill's one amount type — exact dollars and cents as integer cents, shared by the ledger
//! (the `citytill` crate, which re-exports it as `citytill::Money`) and the device drivers (`citytill-hardware`).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};

mod parse;
#[cfg(feature = "sqlite")]
mod sql;

pub use parse::MoneyError;

/// The largest amount any single field may carry by default (1,000,000.00).
pub const DEFAULT_MAX_CENTS: i64 = 100_000_000;

/// An exact money amount with exactly two decimal places. Never a float.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
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

    /// Adds, stopping at the largest (or smallest) amount instead of overflowing: for figures only shown
    /// (a total on screen), never for one that is stored.
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// Subtracts, stopping at the largest (or smallest) amount instead of overflowing (see `saturating_add`).
    pub fn saturating_sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
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

    #[allow(clippy::should_implement_trait)]
    pub fn neg(self) -> Money {
        Money(-self.0)
    }

    /// Sums amounts, or None on overflow.
    #[allow(clippy::should_implement_trait)]
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

// Arithmetic is checked: `a + b` and `a - b` are a `Result` (overflow is `MoneyError::Overflow`, never a
// wrapped or panicking amount), and a chain `a + b - c` carries the first overflow through, so `(a + b - c)?`.

impl Add for Money {
    type Output = Result<Money, MoneyError>;
    fn add(self, other: Money) -> Result<Money, MoneyError> {
        self.plus(other)
    }
}

impl Sub for Money {
    type Output = Result<Money, MoneyError>;
    fn sub(self, other: Money) -> Result<Money, MoneyError> {
        self.minus(other)
    }
}

impl Add<Money> for Result<Money, MoneyError> {
    type Output = Result<Money, MoneyError>;
    fn add(self, other: Money) -> Result<Money, MoneyError> {
        self?.plus(other)
    }
}

impl Sub<Money> for Result<Money, MoneyError> {
    type Output = Result<Money, MoneyError>;
    fn sub(self, other: Money) -> Result<Money, MoneyError> {
        self?.minus(other)
    }
}

/// `amounts.sum::<Result<Money, MoneyError>>()`: the total, or `Overflow`.
impl Sum<Money> for Result<Money, MoneyError> {
    fn sum<I: Iterator<Item = Money>>(items: I) -> Self {
        Money::sum(items).ok_or(MoneyError::Overflow)
    }
}

impl<'a> Sum<&'a Money> for Result<Money, MoneyError> {
    fn sum<I: Iterator<Item = &'a Money>>(items: I) -> Self {
        Money::sum(items.copied()).ok_or(MoneyError::Overflow)
    }
}

impl fmt::Display for Money {
    /// Plain decimal text with two places: "-1.00", "84.12". This is the JSON, CSV, receipt and device form.
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

#[cfg(test)]
mod tests {
    use super::*;

    // Proves + and - give the exact amount, chain, and turn overflow into an error instead of a wrapped amount.
    #[test]
    fn arithmetic_is_exact_and_checked() {
        let (a, b) = (Money::from_cents(8412), Money::from_cents(4550));
        assert_eq!(a + b, Ok(Money::from_cents(12_962)));
        assert_eq!(a - b, Ok(Money::from_cents(3862)));
        assert_eq!(b - a, Ok(Money::from_cents(-3862)));
        assert_eq!(a + b - Money::from_cents(62), Ok(Money::from_cents(12_900)));
        let most = Money::from_cents(i64::MAX);
        assert_eq!(most + Money::from_cents(1), Err(MoneyError::Overflow));
        assert_eq!(Money::from_cents(i64::MIN) - Money::from_cents(1), Err(MoneyError::Overflow));
        assert_eq!(most + Money::from_cents(1) - Money::from_cents(5), Err(MoneyError::Overflow), "the first overflow is carried");
        assert_eq!(most.saturating_add(a), most);
        assert_eq!(Money::from_cents(i64::MIN).saturating_sub(a), Money::from_cents(i64::MIN));
    }

    // Proves summing amounts gives the exact total, zero for none, and an error (not a wrap) on overflow.
    #[test]
    fn sums_are_checked() {
        let amounts = [Money::from_cents(100), Money::from_cents(250), Money::from_cents(-50)];
        assert_eq!(amounts.iter().sum::<Result<Money, MoneyError>>(), Ok(Money::from_cents(300)));
        assert_eq!(amounts.into_iter().sum::<Result<Money, MoneyError>>(), Ok(Money::from_cents(300)));
        assert_eq!(std::iter::empty::<Money>().sum::<Result<Money, MoneyError>>(), Ok(Money::ZERO));
        let huge = [Money::from_cents(i64::MAX), Money::from_cents(1)];
        assert_eq!(huge.iter().sum::<Result<Money, MoneyError>>(), Err(MoneyError::Overflow));
        assert_eq!(Money::sum(huge), None);
    }

    // Proves display and grouping keep the sign and always two decimals.
    #[test]
    fn formats_with_two_decimals() {
        assert_eq!(Money::from_cents(0).to_string(), "0.00");
        assert_eq!(Money::from_cents(5).to_string(), "0.05");
        assert_eq!(Money::from_cents(-1234).to_string(), "-12.34");
        assert_eq!(Money::from_cents(i64::MIN).to_string(), "-92233720368547758.08");
        assert_eq!(Money::from_cents(123456789).grouped(), "1,234,567.89");
        assert_eq!(Money::from_cents(-5).grouped(), "-0.05");
    }
}
