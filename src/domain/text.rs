//! Free text at the edges: read strictly on the way in (no control characters, no card numbers, bounded
//! length, each refusal naming the field and never repeating the value) and neutralised on the way out
//! (no control character reaches a report, receipt or printer; no CSV cell starts a spreadsheet formula).

use std::borrow::Cow;

use crate::domain::card_data;

/// Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional overrides and
/// isolates that make text display in another order than it is stored ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks one free-text value from any source: nothing `is_unsafe` and no card number.
pub fn check(field: &str, text: &str) -> Result<(), String> {
    if text.chars().any(is_unsafe) {
        return Err(format!("{field}: has control characters (new lines, tabs, escapes); write it on one line"));
    }
    card_data::refuse(field, text)
}

/// A trimmed free-text value of `min` to `max` characters that passes `check`.
pub fn free_text(field: &str, text: &str, min: usize, max: usize) -> Result<String, String> {
    check(field, text)?;
    let text = text.trim();
    let length = text.chars().count();
    if length < min || length > max {
        return Err(format!("{field}: must be {min} to {max} characters, not {length}"));
    }
    Ok(text.to_string())
}

/// `text` with every control character replaced by `?` (line breaks too): safe for a report line, a
/// receipt or a printer, whatever was stored before input was checked.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| if is_unsafe(c) { '?' } else { c }).collect())
}

/// A CSV cell a spreadsheet will not run: a text cell starting with `=`, `+`, `-`, `@`, tab or carriage
/// return gets a leading `'` (the OWASP rule); a well-formed number such as `-12.00` or `-1,234.50` stays a
/// number. Control characters (a leading tab or CR included) are then replaced by `?`.
pub fn csv_cell(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(cell);
    if !risky {
        return printable(cell);
    }
    Cow::Owned(format!("'{}", printable(cell)))
}

/// `-?digits[.digits]` with optional correctly placed grouping commas: what reports write for amounts.
fn is_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let groups_ok = match whole.split(',').collect::<Vec<_>>().as_slice() {
        [single] => !single.is_empty() && single.bytes().all(|b| b.is_ascii_digit()),
        [first, rest @ ..] => (1..=3).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_digit()) && rest.iter().all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit())),
        [] => false,
    };
    groups_ok && !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves free text is refused for control characters and card numbers, naming the field, never the value.
    #[test]
    fn free_text_refusals_name_the_field() {
        assert_eq!(free_text("--reason", "  customer asked  ", 3, 200), Ok("customer asked".into()));
        let error = free_text("--reason", "line one\nline two", 3, 200).unwrap_err();
        assert!(error.starts_with("--reason: has control characters"), "{error}");
        assert!(free_text("--reason", "bell\u{7}", 3, 200).is_err());
        assert!(free_text("--reason", "esc\u{1b}[2J", 3, 200).is_err());
        assert!(free_text("--reason", "refund \u{202e}001 tnuocca", 3, 200).is_err(), "a right-to-left override is refused");
        assert!(free_text("--reason", "two\u{2028}lines", 3, 200).is_err());
        assert_eq!(printable("a\u{202e}b\u{85}c"), "a?b?c");
        let error = free_text("--reason", "card 4111 1111 1111 1111", 3, 200).unwrap_err();
        assert!(error.starts_with("--reason: looks like a card number") && !error.contains("4111"), "{error}");
        assert!(free_text("--reason", "ab", 3, 200).unwrap_err().contains("3 to 200"));
    }

    // Proves formula-leading text cells are neutralised while amounts stay numbers.
    #[test]
    fn csv_cells_never_start_a_formula() {
        for (cell, out) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'?cmd"),
            ("\r=1", "'?=1"),
            ("-12.00", "-12.00"),
            ("-1,234.50", "-1,234.50"),
            ("-5", "-5"),
            ("-1,23.00", "'-1,23.00"),
            ("84.12", "84.12"),
            ("plain", "plain"),
            ("a\u{1b}b", "a?b"),
        ] {
            assert_eq!(csv_cell(cell), out, "{cell:?}");
        }
    }
}
