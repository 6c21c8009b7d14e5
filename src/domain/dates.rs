//! Business dates as people type them (YYYY-MM-DD): one parser, so every command and screen refuses a bad
//! date with the same sentence, naming the field it came from.

use chrono::NaiveDate;

use crate::error::{Error, Result};

/// `text` as a calendar date `YYYY-MM-DD` (surrounding blanks ignored); a bad one is refused naming `field`.
pub fn parse_day(field: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| Error::invalid(field, format!("'{}' is not a date like 2026-11-24", crate::domain::text::printable(text))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves a real date parses (blanks trimmed) and an impossible or malformed one is refused naming the field.
    #[test]
    fn parses_and_refuses_naming_the_field() {
        assert_eq!(parse_day("--date", " 2026-02-28 ").unwrap().to_string(), "2026-02-28");
        for bad in ["2026-02-30", "02/28/2026", "", "2026-2-28x"] {
            let error = parse_day("Business date", bad).unwrap_err().to_string();
            assert!(error.starts_with("Business date: '"), "{error}");
            assert!(error.ends_with("is not a date like 2026-11-24"), "{error}");
        }
    }
}
