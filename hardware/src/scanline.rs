//! Remittance stub scanlines: a TOML template (fields + check digits) and the parser it drives.

use crate::Money;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use std::path::Path;
use thiserror::Error;

/// Longest scanline accepted.
pub const MAX_LENGTH: usize = 128;
/// The field whose digits are an amount with implied decimals.
pub const AMOUNT_FIELD: &str = "amount_due";

/// Why a template could not be loaded or a line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScanlineError {
    #[error("template {path}: {problem}")]
    Read { path: String, problem: String },
    #[error("template: {0}")]
    Toml(String),
    #[error("template {template}: {problem}")]
    Template { template: String, problem: String },
    #[error("scanline: {length} digits, template {template} expects {expected}")]
    Length { template: String, length: usize, expected: usize },
    #[error("scanline: character {character:?} at position {position} is not a digit")]
    NotDigit { character: char, position: usize },
    #[error("scanline: check digit at position {position} is {found}, expected {expected}")]
    CheckDigit { position: usize, found: char, expected: char },
    #[error("field {field}: {problem}")]
    Field { field: String, problem: String },
}

/// Which side weights start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

/// Sum of products, or sum of the digits of each product (Luhn style).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SumKind {
    Digits,
    Products,
}

/// `complement` = (modulus − sum mod modulus) mod modulus; `remainder` = sum mod modulus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultKind {
    Complement,
    Remainder,
}

/// One field of the line, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    pub start: usize,
    pub length: usize,
    #[serde(default)]
    pub decimals: Option<u32>,
}

/// One check digit and the positions it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    pub position: usize,
    pub range: [usize; 2],
    pub modulus: u32,
    pub weights: Vec<u32>,
    pub from: Side,
    pub sum: SumKind,
    pub result: ResultKind,
    #[serde(default = "default_ten")]
    pub ten: String,
}

fn default_ten() -> String {
    "0".to_string()
}

/// A billing system's scanline layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    pub length: usize,
    #[serde(rename = "field", default)]
    pub fields: Vec<FieldSpec>,
    #[serde(rename = "check", default)]
    pub checks: Vec<CheckSpec>,
}

/// A parsed stub: every template field by name, the amount due in cents, and the check result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stub {
    pub template: String,
    pub fields: Vec<(String, String)>,
    pub amount_due_cents: Option<i64>,
    pub check_digits_ok: bool,
}

impl Stub {
    /// The raw digits of a field by name.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Serialize for Stub {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len() + 1))?;
        for (name, value) in &self.fields {
            if name == AMOUNT_FIELD {
                map.serialize_entry(name, &self.amount_due_cents.map(|c| Money::from_cents(c).to_string()))?;
            } else {
                map.serialize_entry(name, value)?;
            }
        }
        map.serialize_entry("check_digits_ok", &self.check_digits_ok)?;
        map.end()
    }
}

/// A TOML error as one line: "line 2: unknown field `lenght`, expected one of ..." (toml's own is a drawing).
fn one_line(text: &str, error: &toml::de::Error) -> String {
    match error.span() {
        Some(span) => format!("line {}: {}", text[..span.start.min(text.len())].matches('\n').count() + 1, error.message().trim()),
        None => error.message().trim().replace('\n', " "),
    }
}

impl Template {
    /// Reads and validates a template from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Self, ScanlineError> {
        let template: Template = toml::from_str(text).map_err(|e| ScanlineError::Toml(one_line(text, &e)))?;
        template.validate()?;
        Ok(template)
    }

    /// Reads and validates a template file.
    pub fn from_path(path: &Path) -> Result<Self, ScanlineError> {
        let read_error = |problem: String| ScanlineError::Read { path: path.display().to_string(), problem };
        let text = std::fs::read_to_string(path).map_err(|e| read_error(e.to_string()))?;
        Self::from_toml_str(&text).map_err(|e| match e {
            ScanlineError::Toml(problem) => read_error(problem),
            other => read_error(other.to_string()),
        })
    }

    fn problem(&self, problem: String) -> ScanlineError {
        ScanlineError::Template { template: self.name.clone(), problem }
    }

    fn validate(&self) -> Result<(), ScanlineError> {
        if self.length == 0 || self.length > MAX_LENGTH {
            return Err(self.problem(format!("length {} must be 1..={MAX_LENGTH}", self.length)));
        }
        let inside = |start: usize, end: usize| start >= 1 && start <= end && end <= self.length;
        for field in &self.fields {
            if field.length == 0 || !inside(field.start, field.start + field.length - 1) {
                return Err(self.problem(format!("field {}: positions outside the line", field.name)));
            }
            if field.decimals.is_some_and(|d| d > 2) {
                return Err(self.problem(format!("field {}: decimals must be 0, 1 or 2", field.name)));
            }
        }
        for check in &self.checks {
            self.validate_check(check, inside(check.range[0], check.range[1]) && inside(check.position, check.position))?;
        }
        Ok(())
    }

    fn validate_check(&self, check: &CheckSpec, positions_ok: bool) -> Result<(), ScanlineError> {
        let at = check.position;
        if !positions_ok {
            return Err(self.problem(format!("check at {at}: positions outside the line")));
        }
        if check.modulus != 10 && check.modulus != 11 {
            return Err(self.problem(format!("check at {at}: modulus {} must be 10 or 11", check.modulus)));
        }
        if check.weights.is_empty() || check.weights.iter().any(|w| *w > 100) {
            return Err(self.problem(format!("check at {at}: weights must be 1 to 100 each, at least one")));
        }
        if check.ten != "0" && check.ten != "X" {
            return Err(self.problem(format!("check at {at}: ten must be \"0\" or \"X\"")));
        }
        Ok(())
    }

    /// Parses a line and requires every check digit to hold.
    pub fn parse(&self, line: &str) -> Result<Stub, ScanlineError> {
        let digits = self.digits(line)?;
        self.verify_checks(&digits)?;
        self.fields(&digits, true)
    }

    /// Parses a line but reports failing check digits as `check_digits_ok = false` instead of an error.
    pub fn inspect(&self, line: &str) -> Result<Stub, ScanlineError> {
        let digits = self.digits(line)?;
        let ok = self.verify_checks(&digits).is_ok();
        self.fields(&digits, ok)
    }

    /// The line's characters after dropping spaces; all digits (or `X` where a mod-11 check allows it).
    fn digits(&self, line: &str) -> Result<Vec<char>, ScanlineError> {
        let chars: Vec<char> = line.trim().chars().filter(|c| *c != ' ').take(MAX_LENGTH + 1).collect();
        for (index, c) in chars.iter().enumerate() {
            let x_allowed = *c == 'X' && self.checks.iter().any(|k| k.position == index + 1 && k.ten == "X");
            if !c.is_ascii_digit() && !x_allowed {
                return Err(ScanlineError::NotDigit { character: *c, position: index + 1 });
            }
        }
        if chars.len() != self.length {
            return Err(ScanlineError::Length { template: self.name.clone(), length: chars.len(), expected: self.length });
        }
        Ok(chars)
    }

    fn verify_checks(&self, digits: &[char]) -> Result<(), ScanlineError> {
        for check in &self.checks {
            let expected = compute_check(check, digits);
            let found = digits[check.position - 1];
            if found != expected {
                return Err(ScanlineError::CheckDigit { position: check.position, found, expected });
            }
        }
        Ok(())
    }

    fn fields(&self, digits: &[char], check_digits_ok: bool) -> Result<Stub, ScanlineError> {
        let mut fields = Vec::new();
        let mut amount_due_cents = None;
        for spec in &self.fields {
            let value: String = digits[spec.start - 1..spec.start - 1 + spec.length].iter().collect();
            if spec.name == AMOUNT_FIELD {
                let cents = Money::from_implied_decimals("amount", &value, spec.decimals.unwrap_or(2))
                    .map(Money::cents)
                    .map_err(|e| ScanlineError::Field { field: spec.name.clone(), problem: e.to_string() })?;
                amount_due_cents = Some(cents);
            }
            fields.push((spec.name.clone(), value));
        }
        Ok(Stub { template: self.name.clone(), fields, amount_due_cents, check_digits_ok })
    }
}

/// Computes the check character for `check` over `digits` (1-based positions in the spec).
pub fn compute_check(check: &CheckSpec, digits: &[char]) -> char {
    let covered: Vec<u32> = digits[check.range[0] - 1..check.range[1]].iter().map(|c| c.to_digit(10).unwrap_or(0)).collect();
    let weight_at = |i: usize| check.weights[i % check.weights.len()];
    let n = covered.len();
    let mut sum: u64 = 0;
    for (index, digit) in covered.iter().enumerate() {
        let from_start = if check.from == Side::Left { index } else { n - 1 - index };
        let product = digit * weight_at(from_start);
        sum += u64::from(match check.sum {
            SumKind::Digits => product.to_string().bytes().map(|b| u32::from(b - b'0')).sum(),
            SumKind::Products => product,
        });
    }
    let modulus = u64::from(check.modulus);
    let value = match check.result {
        ResultKind::Complement => (modulus - sum % modulus) % modulus,
        ResultKind::Remainder => sum % modulus,
    };
    match value {
        10 if check.ten == "X" => 'X',
        10 => '0',
        v => char::from(b'0' + v as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CITY: &str = include_str!("../profiles/scanline-city-utility.toml");

    // The public 42-digit example parses and its check digit 8 holds.
    #[test]
    fn public_vector() {
        let template = Template::from_toml_str(CITY).unwrap();
        let stub = template.parse("003456789011102960000000000100000000010008").unwrap();
        assert!(stub.check_digits_ok);
        assert_eq!(stub.field("account"), Some("00345678901"));
        assert_eq!(stub.field("date"), Some("110296"));
        assert_eq!(stub.amount_due_cents, Some(1000));
    }

    // Changing any single digit makes the line fail with a message naming the check position.
    #[test]
    fn wrong_check_digit() {
        let template = Template::from_toml_str(CITY).unwrap();
        let err = template.parse("003456789011102960000000000100000000010007").unwrap_err();
        assert_eq!(err.to_string(), "scanline: check digit at position 42 is 7, expected 8");
        let err = template.parse("103456789011102960000000000100000000010008").unwrap_err();
        assert!(matches!(err, ScanlineError::CheckDigit { .. }));
        let stub = template.inspect("103456789011102960000000000100000000010008").unwrap();
        assert!(!stub.check_digits_ok);
    }

    // Luhn as a template (mod 10, weights 2,1 from the right, digit sum) accepts 79927398713.
    #[test]
    fn luhn_template() {
        let text = "name = \"luhn\"\nlength = 11\n[[check]]\nposition = 11\nrange = [1, 10]\nmodulus = 10\nweights = [2, 1]\nfrom = \"right\"\nsum = \"digits\"\nresult = \"complement\"\n";
        let template = Template::from_toml_str(text).unwrap();
        assert!(template.parse("79927398713").is_ok());
        assert!(template.parse("79927398710").is_err());
    }

    // Mod 11 with ten = "X": ISBN-10 style weights produce an X check character.
    #[test]
    fn mod11_ten_as_x() {
        let text = "name = \"isbn\"\nlength = 10\n[[check]]\nposition = 10\nrange = [1, 9]\nmodulus = 11\nweights = [10, 9, 8, 7, 6, 5, 4, 3, 2]\nfrom = \"left\"\nsum = \"products\"\nresult = \"complement\"\nten = \"X\"\n";
        let template = Template::from_toml_str(text).unwrap();
        assert!(template.parse("080442957X").is_ok());
        assert!(template.parse("0804429570").is_err());
    }

    // Wrong lengths, letters and bad templates are clear errors.
    #[test]
    fn rejects_bad_input() {
        let template = Template::from_toml_str(CITY).unwrap();
        assert!(matches!(template.parse("0034"), Err(ScanlineError::Length { length: 4, expected: 42, .. })));
        assert!(matches!(template.parse("00345A"), Err(ScanlineError::NotDigit { position: 6, .. })));
        let bad = "name = \"x\"\nlength = 5\n[[field]]\nname = \"a\"\nstart = 4\nlength = 3\n";
        assert!(Template::from_toml_str(bad).unwrap_err().to_string().contains("field a"));
    }
}
