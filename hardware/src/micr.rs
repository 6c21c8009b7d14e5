//! Check MICR (E-13B) lines from serial readers (MagTek formats 00/01/02) or Unicode glyphs → typed fields.

use crate::money::format_cents;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use thiserror::Error;

/// Longest MICR line accepted (a check line is about 65 characters).
pub const MAX_LINE_CHARS: usize = 128;

/// How a reader spells the E-13B symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// `T` transit, `U` on-us, `$` amount, `-` dash.
    #[serde(rename = "00")]
    F00,
    /// `t`, `o`, `a`, `d`.
    #[serde(rename = "01")]
    F01,
    /// `T`, `O`, `A`, `D`.
    #[serde(rename = "02")]
    F02,
    /// ⑆ ⑈ ⑇ ⑉ (U+2446..U+2449).
    #[serde(rename = "unicode")]
    Unicode,
}

impl Format {
    /// Parses "00", "01", "02" or "unicode".
    pub fn from_code(code: &str) -> Result<Self, MicrError> {
        match code {
            "00" => Ok(Self::F00),
            "01" => Ok(Self::F01),
            "02" => Ok(Self::F02),
            "unicode" => Ok(Self::Unicode),
            other => Err(MicrError::UnknownFormat { format: other.to_string() }),
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::F00 => "00",
            Self::F01 => "01",
            Self::F02 => "02",
            Self::Unicode => "unicode",
        }
    }

    /// Guesses the format from the symbols a line uses.
    pub fn detect(line: &str) -> Self {
        if line.chars().any(|c| ('\u{2446}'..='\u{2449}').contains(&c)) {
            Self::Unicode
        } else if line.chars().any(|c| matches!(c, 't' | 'o' | 'a' | 'd')) {
            Self::F01
        } else if line.chars().any(|c| matches!(c, 'O' | 'A' | 'D')) {
            Self::F02
        } else {
            Self::F00
        }
    }
}

/// Why a MICR line was refused. Messages name the field and the problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MicrError {
    #[error("MICR format {format:?}: must be 00, 01, 02 or unicode")]
    UnknownFormat { format: String },
    #[error("MICR line: empty")]
    Empty,
    #[error("MICR line: {length} characters, at most {max} allowed")]
    TooLong { length: usize, max: usize },
    #[error("MICR line: character {character:?} at position {position} is not valid in format {format}")]
    UnexpectedCharacter { character: char, position: usize, format: &'static str },
    #[error("transit field: expected 2 transit symbols, found {found}")]
    TransitSymbols { found: usize },
    #[error("{field}: unreadable character '?' at position {position}")]
    Unreadable { field: &'static str, position: usize },
    #[error("routing number {routing:?}: must be 9 digits")]
    RoutingLength { routing: String },
    #[error("routing number {routing}: checksum fails")]
    RoutingChecksum { routing: String },
    #[error("amount field: {problem}")]
    Amount { problem: &'static str },
    #[error("account: missing from the on-us field")]
    AccountMissing,
    #[error("on-us field: {groups} digit groups, expected at most 2 (account and check number)")]
    OnUsGroups { groups: usize },
    #[error("{field}: unexpected symbol at position {position}")]
    MisplacedSymbol { field: &'static str, position: usize },
}

/// A parsed check line. The full account number is never kept, only its masked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Micr {
    pub format: Format,
    pub routing: String,
    pub account_masked: String,
    pub account_last4: String,
    pub check_number: Option<String>,
    pub amount_cents: Option<i64>,
    pub aux_on_us: Option<String>,
}

impl Serialize for Micr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(7))?;
        map.serialize_entry("routing", &self.routing)?;
        map.serialize_entry("account_last4", &self.account_last4)?;
        map.serialize_entry("account_masked", &self.account_masked)?;
        map.serialize_entry("check_number", &self.check_number)?;
        map.serialize_entry("amount", &self.amount_cents.map(format_cents))?;
        map.serialize_entry("aux_on_us", &self.aux_on_us)?;
        map.serialize_entry("format", &self.format)?;
        map.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sym {
    Digit(u8),
    Transit,
    OnUs,
    Amount,
    Dash,
    Unreadable,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    sym: Sym,
    position: usize,
}

fn symbol(c: char, format: Format) -> Option<Sym> {
    let sym = match (c, format) {
        ('0'..='9', _) => Sym::Digit(c as u8 - b'0'),
        ('?', _) => Sym::Unreadable,
        ('\u{2446}', _) => Sym::Transit,
        ('\u{2447}', _) => Sym::Amount,
        ('\u{2448}', _) => Sym::OnUs,
        ('\u{2449}', _) => Sym::Dash,
        ('T', Format::F00 | Format::F02) | ('t', Format::F01) => Sym::Transit,
        ('U', Format::F00) | ('o', Format::F01) | ('O', Format::F02) => Sym::OnUs,
        ('$', Format::F00) | ('a', Format::F01) | ('A', Format::F02) => Sym::Amount,
        ('-', Format::F00) | ('d', Format::F01) | ('D', Format::F02) => Sym::Dash,
        _ => return None,
    };
    Some(sym)
}

fn tokenize(line: &str, format: Format) -> Result<Vec<Token>, MicrError> {
    let mut tokens = Vec::new();
    for (index, c) in line.chars().enumerate() {
        if c == ' ' {
            continue;
        }
        let sym = symbol(c, format).ok_or(MicrError::UnexpectedCharacter { character: c, position: index + 1, format: format.code() })?;
        tokens.push(Token { sym, position: index + 1 });
    }
    Ok(tokens)
}

/// `3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10)` for a 9-digit routing number.
pub fn routing_checksum_ok(routing: &str) -> bool {
    let digits: Vec<u32> = routing.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 9 || routing.len() != 9 {
        return false;
    }
    let weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
    digits.iter().zip(weights).map(|(d, w)| d * w).sum::<u32>() % 10 == 0
}

/// Reads a run of digits (and dashes, dropped) for `field`; '?' and other symbols are errors.
fn digits(field: &'static str, tokens: &[Token]) -> Result<String, MicrError> {
    let mut out = String::new();
    for token in tokens {
        match token.sym {
            Sym::Digit(d) => out.push(char::from(b'0' + d)),
            Sym::Dash => {}
            Sym::Unreadable => return Err(MicrError::Unreadable { field, position: token.position }),
            _ => return Err(MicrError::MisplacedSymbol { field, position: token.position }),
        }
    }
    Ok(out)
}

fn positions_of(tokens: &[Token], sym: Sym) -> Vec<usize> {
    tokens.iter().enumerate().filter(|(_, t)| t.sym == sym).map(|(i, _)| i).collect()
}

fn routing(tokens: &[Token]) -> Result<String, MicrError> {
    let routing = digits("routing number", tokens)?;
    if routing.len() != 9 || tokens.iter().any(|t| t.sym == Sym::Dash) {
        return Err(MicrError::RoutingLength { routing });
    }
    if !routing_checksum_ok(&routing) {
        return Err(MicrError::RoutingChecksum { routing });
    }
    Ok(routing)
}

/// Splits the right side into the on-us part and the optional amount.
fn split_amount(tokens: &[Token]) -> Result<(&[Token], Option<i64>), MicrError> {
    let marks = positions_of(tokens, Sym::Amount);
    match marks.as_slice() {
        [] => Ok((tokens, None)),
        [start, end] if *end == tokens.len() - 1 => {
            let amount = digits("amount field", &tokens[start + 1..*end])?;
            if amount.len() != 10 {
                return Err(MicrError::Amount { problem: "must be 10 digits between amount symbols" });
            }
            let cents = amount.parse::<i64>().map_err(|_| MicrError::Amount { problem: "not a number" })?;
            Ok((&tokens[..*start], Some(cents)))
        }
        [_, _] => Err(MicrError::Amount { problem: "must be the last field of the line" }),
        _ => Err(MicrError::Amount { problem: "expected 2 amount symbols" }),
    }
}

/// Account (the longest group) and check number (the other group, if any) from the on-us field.
fn on_us(tokens: &[Token]) -> Result<(String, Option<String>), MicrError> {
    let mut groups: Vec<String> = Vec::new();
    for chunk in tokens.split(|t| t.sym == Sym::OnUs) {
        let group = digits("on-us field", chunk)?;
        if !group.is_empty() {
            groups.push(group);
        }
    }
    match groups.len() {
        0 => Err(MicrError::AccountMissing),
        1 => Ok((groups.remove(0), None)),
        2 => {
            let account_index = usize::from(groups[1].len() > groups[0].len());
            let account = groups.remove(account_index);
            Ok((account, Some(groups.remove(0))))
        }
        n => Err(MicrError::OnUsGroups { groups: n }),
    }
}

fn aux_on_us(tokens: &[Token]) -> Result<Option<String>, MicrError> {
    let inner: Vec<Token> = tokens.iter().copied().filter(|t| t.sym != Sym::OnUs).collect();
    let aux = digits("auxiliary on-us field", &inner)?;
    Ok(if aux.is_empty() { None } else { Some(aux) })
}

/// Masks all but the last 4 digits: `1234567890` → `******7890`.
pub fn mask_account(account: &str) -> (String, String) {
    let count = account.chars().count();
    let last4: String = account.chars().skip(count.saturating_sub(4)).collect();
    (format!("{}{}", "*".repeat(count.saturating_sub(4)), last4), last4)
}

/// Parses one MICR line; `format` None guesses it from the symbols used.
pub fn parse(line: &str, format: Option<Format>) -> Result<Micr, MicrError> {
    let line = line.trim_matches(|c: char| c == '\r' || c == '\n' || c == ' ');
    let length = line.chars().count();
    if length == 0 {
        return Err(MicrError::Empty);
    }
    if length > MAX_LINE_CHARS {
        return Err(MicrError::TooLong { length, max: MAX_LINE_CHARS });
    }
    let format = format.unwrap_or_else(|| Format::detect(line));
    let tokens = tokenize(line, format)?;
    let transit = positions_of(&tokens, Sym::Transit);
    let [first, second] = transit.as_slice() else {
        return Err(MicrError::TransitSymbols { found: transit.len() });
    };
    let routing = routing(&tokens[first + 1..*second])?;
    let aux = aux_on_us(&tokens[..*first])?;
    let (on_us_tokens, amount_cents) = split_amount(&tokens[second + 1..])?;
    let (account, check) = on_us(on_us_tokens)?;
    let (account_masked, account_last4) = mask_account(&account);
    let check_number = check.or_else(|| aux.clone());
    Ok(Micr { format, routing, account_masked, account_last4, check_number, amount_cents, aux_on_us: aux })
}

/// Rewrites a reader line with the Unicode E-13B glyphs, for display.
pub fn to_unicode(line: &str, format: Format) -> String {
    line.chars()
        .map(|c| match symbol(c, format) {
            Some(Sym::Transit) => '\u{2446}',
            Some(Sym::Amount) => '\u{2447}',
            Some(Sym::OnUs) => '\u{2448}',
            Some(Sym::Dash) => '\u{2449}',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The public routing numbers pass the checksum and 112000025 fails it.
    #[test]
    fn routing_vectors() {
        for good in ["111000025", "021000021", "011000015", "122105155"] {
            assert!(routing_checksum_ok(good), "{good}");
        }
        assert!(!routing_checksum_ok("112000025"));
        assert!(!routing_checksum_ok("12345678"));
    }

    // A personal check in format 00 yields routing, masked account and check number.
    #[test]
    fn personal_check_format_00() {
        let micr = parse("T021000021T 1234567890U 0123", Some(Format::F00)).unwrap();
        assert_eq!(micr.routing, "021000021");
        assert_eq!(micr.account_masked, "******7890");
        assert_eq!(micr.account_last4, "7890");
        assert_eq!(micr.check_number.as_deref(), Some("0123"));
        assert_eq!(micr.amount_cents, None);
    }

    // The same check in formats 01, 02 and Unicode glyphs parses to the same fields.
    #[test]
    fn all_formats_agree() {
        let expected = parse("U000456U T111000025T 98765-4321U $0000012345$", None).unwrap();
        for line in [
            "o000456o t111000025t 98765d4321o a0000012345a",
            "O000456O T111000025T 98765D4321O A0000012345A",
            "⑈000456⑈ ⑆111000025⑆ 98765⑉4321⑈ ⑇0000012345⑇",
        ] {
            let micr = parse(line, None).unwrap();
            assert_eq!((micr.routing.as_str(), micr.account_last4.as_str()), ("111000025", "4321"), "{line}");
            assert_eq!(micr.amount_cents, Some(12345));
            assert_eq!(micr.check_number, expected.check_number);
            assert_eq!(micr.aux_on_us.as_deref(), Some("000456"));
        }
    }

    // Bad checksums and unreadable characters are refused with a message naming the field.
    #[test]
    fn clear_errors() {
        let err = parse("T112000025T 1234567890U 0123", None).unwrap_err();
        assert_eq!(err.to_string(), "routing number 112000025: checksum fails");
        let err = parse("T0210?0021T 1234567890U", None).unwrap_err();
        assert_eq!(err.to_string(), "routing number: unreadable character '?' at position 6");
        let err = parse("T021000021T 12345?7890U", None).unwrap_err();
        assert!(err.to_string().starts_with("on-us field: unreadable"), "{err}");
        assert_eq!(parse("021000021 1234U", None).unwrap_err(), MicrError::TransitSymbols { found: 0 });
        assert!(matches!(parse("T021000021T 1234U", Some(Format::F01)), Err(MicrError::UnexpectedCharacter { .. })));
    }

    // JSON carries the keys the CLI promises and never the full account.
    #[test]
    fn json_keys() {
        let micr = parse("T021000021T 1234567890U 0123 $0000001050$", None).unwrap();
        let json = serde_json::to_value(&micr).unwrap();
        assert_eq!(json["routing"], "021000021");
        assert_eq!(json["account_last4"], "7890");
        assert_eq!(json["check_number"], "0123");
        assert_eq!(json["amount"], "10.50");
        assert!(!json.to_string().contains("1234567890"));
    }
}
