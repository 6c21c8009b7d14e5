//! Money counter reports (bill counters, coin sorters): a data-driven profile says which bytes to drop, which
//! lines are denomination rows and totals, and whether to ACK/NAK; a report is used only when its totals add up.
//!
//! No counter maker publishes its serial "PC output" format, so a profile is written from a capture of the
//! counter's own output (see "Money counters" in `hardware/README.md`). Patterns are plain text with fields:
//! `{denomination}` (money, `$20`, `0.25`, `$.25`), `{denomination_cents}` (whole cents, `25`, `25c`), `{pieces}`
//! (`1,000`), `{amount}` (money), `{skip}` (one word), `{rest}` (the rest of the line); a space matches any run of
//! spaces or tabs (or none); every other character must be there (letters in any case).

use crate::Money;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// When the host acknowledges (a counter set to "+ACK", JetSort/JetScan style, shows a link error without it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AckAfter {
    /// Never answer (the counter is set to plain output).
    #[default]
    None,
    /// After each whole line: `ack` for a readable line, `nak` for one with a byte the profile does not allow.
    Line,
    /// After each whole report: `ack` when it is accepted, `nak` when it is rejected.
    Report,
}

/// The optional handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handshake {
    #[serde(default)]
    pub after: AckAfter,
    #[serde(default = "default_ack")]
    pub ack: Vec<u8>,
    #[serde(default = "default_nak")]
    pub nak: Vec<u8>,
}

impl Default for Handshake {
    fn default() -> Self {
        Self { after: AckAfter::None, ack: default_ack(), nak: default_nak() }
    }
}

fn default_ack() -> Vec<u8> {
    vec![0x06]
}

fn default_nak() -> Vec<u8> {
    vec![0x15]
}

/// How one money counter model writes its serial report (the `[counter]` section of a counter profile).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterTemplate {
    pub currency: String,
    /// Denominations this machine counts; a row with any other is refused.
    pub denominations_cents: Vec<i64>,
    /// Patterns of a denomination row; each needs a denomination field and `{pieces}`; `{amount}` is checked when given.
    #[serde(default = "default_row_patterns")]
    pub row_patterns: Vec<String>,
    /// Patterns of total lines; together they must give `{pieces}` and `{amount}` (one line may give both).
    /// The line that gives `{amount}` ends the report.
    #[serde(default = "default_total_patterns")]
    pub total_patterns: Vec<String>,
    /// Lines starting with one of these (case-insensitive) are headers or footers and ignored.
    #[serde(default)]
    pub ignore_prefixes: Vec<String>,
    /// Lines matching one of these patterns are ignored (e.g. `DATE: {rest}`).
    #[serde(default)]
    pub ignore_patterns: Vec<String>,
    /// Lines that match nothing: refuse the report (default, safest) or skip them.
    #[serde(default)]
    pub ignore_unknown_lines: bool,
    /// Control bytes dropped before reading (besides ESC/POS sequences, CR, LF and TAB), e.g. `[0, 12, 2, 3, 17, 19]`.
    #[serde(default = "default_tolerated_bytes")]
    pub tolerated_bytes: Vec<u8>,
    /// Drop bytes 0x80–0xFF (a code-page currency sign such as PC858 `€` = 0xD5) instead of refusing the report.
    #[serde(default)]
    pub tolerate_8bit: bool,
    /// Characters that may precede money (`$`, `€`, `EUR`…); stripped before reading a number.
    #[serde(default = "default_currency_symbols")]
    pub currency_symbols: Vec<String>,
    #[serde(default)]
    pub handshake: Handshake,
    #[serde(default = "default_max_rows")]
    pub max_rows: usize,
    #[serde(default = "default_max_report_bytes")]
    pub max_report_bytes: usize,
}

fn default_row_patterns() -> Vec<String> {
    vec!["{denomination} {pieces} {amount}".into()]
}

fn default_total_patterns() -> Vec<String> {
    vec!["TOTAL PCS: {pieces}".into(), "TOTAL AMT: {amount}".into()]
}

fn default_tolerated_bytes() -> Vec<u8> {
    vec![0x00, 0x0C]
}

fn default_currency_symbols() -> Vec<String> {
    vec!["$".into()]
}

fn default_max_rows() -> usize {
    32
}

fn default_max_report_bytes() -> usize {
    8192
}

impl CounterTemplate {
    /// Checks the patterns once (at profile load): each compiles, rows carry a denomination and pieces, and the
    /// totals give both pieces and amount.
    pub fn validate(&self) -> Result<(), String> {
        if self.denominations_cents.is_empty() || self.denominations_cents.iter().any(|d| *d <= 0) {
            return Err("denominations_cents: list the denominations, in cents, all positive".into());
        }
        if self.row_patterns.is_empty() {
            return Err("row_patterns: at least one pattern is needed".into());
        }
        for text in &self.row_patterns {
            let pattern = Pattern::compile(text).map_err(|p| format!("row_patterns {text:?}: {p}"))?;
            if !(pattern.has(Field::Denomination) || pattern.has(Field::DenominationCents)) || !pattern.has(Field::Pieces) {
                return Err(format!("row_patterns {text:?}: needs {{denomination}} (or {{denomination_cents}}) and {{pieces}}"));
            }
        }
        let totals: Vec<Pattern> = self.total_patterns.iter().map(|t| Pattern::compile(t).map_err(|p| format!("total_patterns {t:?}: {p}"))).collect::<Result<_, _>>()?;
        if !totals.iter().any(|p| p.has(Field::Pieces)) || !totals.iter().any(|p| p.has(Field::Amount)) {
            return Err("total_patterns: the totals must give {pieces} and {amount}".into());
        }
        for text in &self.ignore_patterns {
            Pattern::compile(text).map_err(|p| format!("ignore_patterns {text:?}: {p}"))?;
        }
        Ok(())
    }
}

/// A report that was read completely and adds up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterReport {
    pub currency: String,
    /// (denomination in cents, pieces), in report order.
    pub rows: Vec<(i64, u32)>,
    pub total_pieces: u64,
    pub total_cents: i64,
}

/// Why a report was rejected. A rejected report is never partly used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CounterError {
    #[error("counter report: {bytes} bytes, at most {max} allowed")]
    TooLong { bytes: usize, max: usize },
    #[error("counter report: garbled byte {byte:#04x} at offset {offset} (list it in the profile's tolerated_bytes if the counter always sends it)")]
    Garbled { byte: u8, offset: usize },
    #[error("counter report line {line}: not recognised: {text:?}")]
    UnrecognisedLine { line: usize, text: String },
    #[error("counter report line {line}: {field} {text:?}: {problem}")]
    BadValue { line: usize, field: &'static str, text: String, problem: String },
    #[error("counter report line {line}: {pieces} × {denomination_cents} cents ≠ row amount {amount_cents} cents")]
    RowMismatch { line: usize, pieces: u32, denomination_cents: i64, amount_cents: i64 },
    #[error("counter report line {line}: denomination {denomination_cents} cents appears twice")]
    DuplicateDenomination { line: usize, denomination_cents: i64 },
    #[error("counter report: truncated ({missing} missing)")]
    Truncated { missing: &'static str },
    #[error("counter report: more than {max} rows")]
    TooManyRows { max: usize },
    #[error("counter report: {field} {reported} ≠ sum of rows {computed}")]
    TotalMismatch { field: &'static str, reported: i64, computed: i64 },
    #[error("counter report line {line}: text after the total")]
    TrailingText { line: usize },
    #[error("counter profile: {0}")]
    Profile(String),
}

/// Removes ESC/POS command sequences and the template's tolerated bytes, keeping text, CR, LF and TAB. Other
/// control bytes (and 8-bit bytes unless tolerated) make the report garbled.
/// A CR followed by anything but LF (counters that end lines with CR only) ends a line too; a CR at the very end
/// is not yet a line end (its LF may still come; the counter worker ends it after a quiet time).
pub fn strip_escpos(bytes: &[u8], template: &CounterTemplate) -> Result<String, CounterError> {
    strip(bytes, template, false)
}

/// Like [`strip_escpos`] but drops bytes it would refuse (to find where a report ends, never to read it).
fn strip_lossy(bytes: &[u8], template: &CounterTemplate) -> String {
    strip(bytes, template, true).unwrap_or_default()
}

fn strip(bytes: &[u8], template: &CounterTemplate, lossy: bool) -> Result<String, CounterError> {
    let mut text = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let skip = match byte {
            0x1B => 2 + escape_params(bytes.get(i + 1).copied()),
            0x1D => 2 + group_params(bytes.get(i + 1).copied(), bytes.get(i + 2).copied()),
            b'\r' if bytes.get(i + 1).is_some_and(|next| *next != b'\n') => {
                text.push('\n');
                1
            }
            b'\r' | b'\n' | b'\t' | 0x20..=0x7E => {
                text.push(char::from(byte));
                1
            }
            _ if template.tolerated_bytes.contains(&byte) => 1,
            0x80..=0xFF if template.tolerate_8bit => 1,
            _ if lossy => 1,
            _ => return Err(CounterError::Garbled { byte, offset: i }),
        };
        i += skip;
    }
    Ok(text)
}

fn escape_params(command: Option<u8>) -> usize {
    match command {
        Some(b'@') => 0,
        Some(b'p') => 3,
        _ => 1,
    }
}

fn group_params(command: Option<u8>, first: Option<u8>) -> usize {
    match (command, first) {
        (Some(b'V'), Some(m)) if m >= 65 => 2,
        _ => 1,
    }
}

/// A field of a line pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Denomination,
    DenominationCents,
    Pieces,
    Amount,
    Skip,
    Rest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Element {
    Literal(char),
    Space,
    Field(Field),
}

/// A compiled line pattern (see the module comment for the syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    elements: Vec<Element>,
}

/// What a matched line gave.
#[derive(Debug, Default)]
struct Captures<'a> {
    denomination: Option<&'a str>,
    denomination_cents: Option<&'a str>,
    pieces: Option<&'a str>,
    amount: Option<&'a str>,
}

impl Pattern {
    fn compile(text: &str) -> Result<Self, String> {
        let mut elements = Vec::new();
        let mut rest = text.trim();
        while let Some(c) = rest.chars().next() {
            if c == '{' {
                let close = rest.find('}').ok_or("a '{' has no closing '}'")?;
                let field = match &rest[1..close] {
                    "denomination" => Field::Denomination,
                    "denomination_cents" => Field::DenominationCents,
                    "pieces" => Field::Pieces,
                    "amount" => Field::Amount,
                    "skip" => Field::Skip,
                    "rest" => Field::Rest,
                    other => return Err(format!("unknown field {{{other}}} (use denomination, denomination_cents, pieces, amount, skip, rest)")),
                };
                if elements.contains(&Element::Field(field)) && !matches!(field, Field::Skip) {
                    return Err(format!("field {{{}}} appears twice", &rest[1..close]));
                }
                elements.push(Element::Field(field));
                rest = &rest[close + 1..];
            } else if c.is_whitespace() {
                if elements.last() != Some(&Element::Space) {
                    elements.push(Element::Space);
                }
                rest = rest.trim_start();
            } else {
                elements.push(Element::Literal(c.to_ascii_uppercase()));
                rest = &rest[c.len_utf8()..];
            }
        }
        if elements.is_empty() {
            return Err("empty pattern".into());
        }
        Ok(Self { elements })
    }

    fn has(&self, field: Field) -> bool {
        self.elements.contains(&Element::Field(field))
    }

    /// Matches the whole (trimmed) line; fields take a run of non-space characters up to the next literal, and
    /// only characters that can be in them (so a header such as `DENOM PCS AMOUNT` is no row).
    fn matches<'a>(&self, line: &'a str, symbols: &[String]) -> Option<Captures<'a>> {
        let mut captures = Captures::default();
        let mut at = 0;
        for (index, element) in self.elements.iter().enumerate() {
            let rest = &line[at..];
            match element {
                Element::Space => at += rest.len() - rest.trim_start_matches([' ', '\t']).len(),
                Element::Literal(c) => {
                    let next = rest.chars().next()?;
                    if next.to_ascii_uppercase() != *c {
                        return None;
                    }
                    at += next.len_utf8();
                }
                Element::Field(Field::Rest) => at = line.len(),
                Element::Field(field) => {
                    let stop = match self.elements.get(index + 1) {
                        Some(Element::Literal(c)) => Some(*c),
                        _ => None,
                    };
                    let length = rest.find(|ch: char| ch.is_whitespace() || Some(ch.to_ascii_uppercase()) == stop).unwrap_or(rest.len());
                    if length == 0 {
                        return None;
                    }
                    let value = &rest[..length];
                    if !plausible(*field, value, symbols) {
                        return None;
                    }
                    match field {
                        Field::Denomination => captures.denomination = Some(value),
                        Field::DenominationCents => captures.denomination_cents = Some(value),
                        Field::Pieces => captures.pieces = Some(value),
                        Field::Amount => captures.amount = Some(value),
                        Field::Skip | Field::Rest => {}
                    }
                    at += length;
                }
            }
        }
        (at == line.len()).then_some(captures)
    }
}

/// Whether `value` can be the field: money is digits with `,` `.` and the currency symbols, counts are digits
/// with `,`, whole cents may end in `c` or `¢`.
fn plausible(field: Field, value: &str, symbols: &[String]) -> bool {
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    match field {
        Field::Denomination | Field::Amount => {
            let mut rest = value;
            for symbol in symbols {
                rest = rest.strip_prefix(symbol.as_str()).unwrap_or(rest);
                rest = rest.strip_suffix(symbol.as_str()).unwrap_or(rest);
            }
            has_digit && rest.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
        }
        Field::DenominationCents => has_digit && value.trim_end_matches(['c', 'C', '¢']).chars().all(|c| c.is_ascii_digit()),
        Field::Pieces => has_digit && value.chars().all(|c| c.is_ascii_digit() || c == ','),
        Field::Skip | Field::Rest => true,
    }
}

/// The compiled template used while reading one report.
struct Compiled<'t> {
    template: &'t CounterTemplate,
    rows: Vec<Pattern>,
    totals: Vec<Pattern>,
    ignore: Vec<Pattern>,
}

impl<'t> Compiled<'t> {
    fn new(template: &'t CounterTemplate) -> Result<Self, CounterError> {
        template.validate().map_err(CounterError::Profile)?;
        let compile = |list: &Vec<String>| list.iter().map(|t| Pattern::compile(t)).collect::<Result<Vec<_>, _>>().map_err(CounterError::Profile);
        Ok(Self { template, rows: compile(&template.row_patterns)?, totals: compile(&template.total_patterns)?, ignore: compile(&template.ignore_patterns)? })
    }

    fn ignored(&self, line: &str) -> bool {
        let upper = line.to_ascii_uppercase();
        self.template.ignore_prefixes.iter().any(|p| upper.starts_with(&p.to_ascii_uppercase())) || self.ignore.iter().any(|p| p.matches(line, &self.template.currency_symbols).is_some())
    }

    /// Money text: thousands commas and the template's currency symbols (before or after) removed.
    fn money(&self, line: usize, field: &'static str, text: &str) -> Result<i64, CounterError> {
        let mut value = text.trim();
        for symbol in &self.template.currency_symbols {
            value = value.strip_prefix(symbol.as_str()).unwrap_or(value);
            value = value.strip_suffix(symbol.as_str()).unwrap_or(value);
        }
        let value = if value.starts_with('.') { format!("0{value}") } else { value.to_string() };
        Money::parse_device("amount", &value).map(Money::cents).map_err(|e| bad(line, field, text, e))
    }

    fn count(line: usize, field: &'static str, text: &str) -> Result<u32, CounterError> {
        let digits: String = text.chars().filter(|c| *c != ',').collect();
        digits.parse::<u32>().map_err(|e| bad(line, field, text, e))
    }
}

struct Totals {
    pieces: Option<i64>,
    cents: Option<i64>,
}

/// Where a report in `bytes` ends: just after the terminator of the first complete line that gives the total
/// amount; None while that line has not come (a streaming reader keeps collecting).
pub fn report_end(bytes: &[u8], template: &CounterTemplate) -> Option<usize> {
    let compiled = Compiled::new(template).ok()?;
    let mut start = 0;
    for end in line_ends(bytes) {
        let text = strip_lossy(&bytes[start..end], template);
        let is_total = compiled.totals.iter().any(|p| p.has(Field::Amount) && p.matches(text.trim(), &template.currency_symbols).is_some());
        if is_total {
            return Some(end);
        }
        start = end;
    }
    None
}

/// Offsets just past each complete line's terminator: LF, CR LF, or a CR followed by something else (a CR at
/// the very end is not yet a line end).
pub fn line_ends(bytes: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    for (i, byte) in bytes.iter().enumerate() {
        match (byte, bytes.get(i + 1)) {
            (b'\n', _) => ends.push(i + 1),
            (b'\r', Some(next)) if *next != b'\n' => ends.push(i + 1),
            _ => {}
        }
    }
    ends
}

/// Whether `bytes` hold no text at all (only line ends, spaces, ESC/POS sequences or tolerated bytes).
pub fn blank(bytes: &[u8], template: &CounterTemplate) -> bool {
    strip_escpos(bytes, template).is_ok_and(|text| text.trim().is_empty())
}

/// Whether every line of `text` is blank or ignored (footer noise after a report, not a report of its own).
pub fn only_ignorable(bytes: &[u8], template: &CounterTemplate) -> bool {
    let (Ok(text), Ok(compiled)) = (strip_escpos(bytes, template), Compiled::new(template)) else { return false };
    text.lines().all(|line| line.trim().is_empty() || compiled.ignored(line.trim()))
}

/// Parses a complete report; the caller gets all rows or an error, never part of a report.
pub fn parse_report(bytes: &[u8], template: &CounterTemplate) -> Result<CounterReport, CounterError> {
    if bytes.len() > template.max_report_bytes {
        return Err(CounterError::TooLong { bytes: bytes.len(), max: template.max_report_bytes });
    }
    let compiled = Compiled::new(template)?;
    let text = strip_escpos(bytes, template)?;
    if !text.trim_end_matches(['\r', ' ']).ends_with('\n') && !text.trim().is_empty() {
        return Err(CounterError::Truncated { missing: "end of the last line" });
    }
    let mut rows: Vec<(i64, u32)> = Vec::new();
    let mut totals = Totals { pieces: None, cents: None };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || compiled.ignored(trimmed) {
            continue;
        }
        if totals.cents.is_some() {
            return Err(CounterError::TrailingText { line });
        }
        if read_total(&compiled, trimmed, line, &mut totals)? || read_row(&compiled, trimmed, line, &mut rows)? {
            continue;
        }
        if !template.ignore_unknown_lines {
            return Err(CounterError::UnrecognisedLine { line, text: trimmed.chars().take(80).collect() });
        }
    }
    finish(rows, totals, template)
}

fn bad(line: usize, field: &'static str, text: &str, problem: impl ToString) -> CounterError {
    CounterError::BadValue { line, field, text: text.to_string(), problem: problem.to_string() }
}

/// Reads a total line into `totals`; false when the line is not a total.
fn read_total(compiled: &Compiled, line_text: &str, line: usize, totals: &mut Totals) -> Result<bool, CounterError> {
    let Some(captures) = compiled.totals.iter().find_map(|p| p.matches(line_text, &compiled.template.currency_symbols)) else { return Ok(false) };
    if let Some(pieces) = captures.pieces {
        totals.pieces = Some(i64::from(Compiled::count(line, "total pieces", pieces)?));
    }
    if let Some(amount) = captures.amount {
        totals.cents = Some(compiled.money(line, "total amount", amount)?);
    }
    Ok(true)
}

/// Reads a denomination row into `rows`; false when the line is not a row.
fn read_row(compiled: &Compiled, line_text: &str, line: usize, rows: &mut Vec<(i64, u32)>) -> Result<bool, CounterError> {
    let Some(captures) = compiled.rows.iter().find_map(|p| p.matches(line_text, &compiled.template.currency_symbols)) else { return Ok(false) };
    let denomination_cents = match (captures.denomination, captures.denomination_cents) {
        (Some(text), _) => compiled.money(line, "denomination", text)?,
        (None, Some(text)) => {
            let digits = text.trim_end_matches(['c', 'C', '¢']);
            i64::from(Compiled::count(line, "denomination", digits)?)
        }
        (None, None) => return Ok(false),
    };
    let denomination_text = captures.denomination.or(captures.denomination_cents).unwrap_or_default();
    if !compiled.template.denominations_cents.contains(&denomination_cents) {
        return Err(bad(line, "denomination", denomination_text, "not counted by this machine"));
    }
    let pieces_text = captures.pieces.unwrap_or_default();
    let pieces = Compiled::count(line, "pieces", pieces_text)?;
    if let Some(amount) = captures.amount {
        let amount_cents = compiled.money(line, "amount", amount)?;
        if i64::from(pieces).checked_mul(denomination_cents) != Some(amount_cents) {
            return Err(CounterError::RowMismatch { line, pieces, denomination_cents, amount_cents });
        }
    }
    if rows.iter().any(|(d, _)| *d == denomination_cents) {
        return Err(CounterError::DuplicateDenomination { line, denomination_cents });
    }
    if rows.len() >= compiled.template.max_rows {
        return Err(CounterError::TooManyRows { max: compiled.template.max_rows });
    }
    rows.push((denomination_cents, pieces));
    Ok(true)
}

fn finish(rows: Vec<(i64, u32)>, totals: Totals, template: &CounterTemplate) -> Result<CounterReport, CounterError> {
    let reported_pieces = totals.pieces.ok_or(CounterError::Truncated { missing: "total pieces line" })?;
    let reported_cents = totals.cents.ok_or(CounterError::Truncated { missing: "total amount line" })?;
    if rows.is_empty() {
        return Err(CounterError::Truncated { missing: "denomination rows" });
    }
    let computed_pieces: i64 = rows.iter().map(|(_, p)| i64::from(*p)).sum();
    let computed_cents = rows.iter().try_fold(0i64, |acc, (d, p)| acc.checked_add(d.checked_mul(i64::from(*p))?));
    let computed_cents = computed_cents.ok_or(CounterError::TotalMismatch { field: "total amount", reported: reported_cents, computed: i64::MAX })?;
    if computed_pieces != reported_pieces {
        return Err(CounterError::TotalMismatch { field: "total pieces", reported: reported_pieces, computed: computed_pieces });
    }
    if computed_cents != reported_cents {
        return Err(CounterError::TotalMismatch { field: "total amount", reported: reported_cents, computed: computed_cents });
    }
    Ok(CounterReport { currency: template.currency.clone(), rows, total_pieces: computed_pieces.unsigned_abs(), total_cents: computed_cents })
}

/// Writes a report the way the generic `bill-counter` profile reads it (used by the simulator and tests).
pub fn render_report(rows: &[(i64, u32)], machine_id: &str) -> Vec<u8> {
    let mut out = b"\x1b@\x1b!\x10    CASH COUNT REPORT\r\n\x1b!\x00".to_vec();
    out.extend_from_slice(format!("DATE: 2024-05-01  TIME: 14:03\r\nMACHINE: {machine_id}  CURRENCY: USD\r\nDENOM   PCS      AMOUNT\r\n").as_bytes());
    for (denomination_cents, pieces) in rows {
        let amount = Money::from_cents(denomination_cents * i64::from(*pieces));
        let denomination = if denomination_cents % 100 == 0 { format!("${}", denomination_cents / 100) } else { format!("${}", Money::from_cents(*denomination_cents)) };
        out.extend_from_slice(format!("{denomination:<7} {pieces:>4} {amount:>11}\r\n").as_bytes());
    }
    let pieces: u64 = rows.iter().map(|(_, p)| u64::from(*p)).sum();
    let total: i64 = rows.iter().map(|(d, p)| d * i64::from(*p)).sum();
    out.extend_from_slice(format!("TOTAL PCS: {pieces}\r\nTOTAL AMT: {}\r\n\x1bd\x03", Money::from_cents(total)).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn template() -> CounterTemplate {
        crate::profile::Profile::load("bill-counter").unwrap().counter.unwrap()
    }

    fn from_toml(text: &str) -> CounterTemplate {
        #[derive(Deserialize)]
        struct Section {
            counter: CounterTemplate,
        }
        let template = toml::from_str::<Section>(text).unwrap().counter;
        template.validate().unwrap();
        template
    }

    // A rendered report with ESC/POS bytes parses back to the same rows and totals.
    #[test]
    fn round_trip() {
        let bytes = render_report(&[(2000, 5), (1000, 3), (100, 7)], "BC-1");
        let report = parse_report(&bytes, &template()).unwrap();
        assert_eq!(report.rows, vec![(2000, 5), (1000, 3), (100, 7)]);
        assert_eq!(report.total_cents, 13700);
        assert_eq!(report.total_pieces, 15);
    }

    // A report cut off before its totals is rejected as truncated.
    #[test]
    fn truncated_rejected() {
        let bytes = render_report(&[(2000, 5), (1000, 3)], "BC-1");
        let cut = &bytes[..bytes.len() - 30];
        assert!(matches!(parse_report(cut, &template()), Err(CounterError::Truncated { .. })));
    }

    // A total that does not equal the sum of rows is rejected, naming the field.
    #[test]
    fn total_mismatch_rejected() {
        let text = "$20 5 100.00\r\n$10 3 30.00\r\nTOTAL PCS: 8\r\nTOTAL AMT: 140.00\r\n";
        let err = parse_report(text.as_bytes(), &template()).unwrap_err();
        assert_eq!(err.to_string(), "counter report: total amount 14000 ≠ sum of rows 13000");
    }

    // Rows whose pieces × denomination differ from the amount, unknown denominations and noise are rejected.
    #[test]
    fn garbled_rows_rejected() {
        let t = template();
        assert!(matches!(parse_report(b"$20 5 90.00\r\nTOTAL PCS: 5\r\nTOTAL AMT: 90.00\r\n", &t), Err(CounterError::RowMismatch { .. })));
        assert!(matches!(parse_report(b"$3 1 3.00\r\n", &t), Err(CounterError::BadValue { field: "denomination", .. })));
        assert!(matches!(parse_report(b"$20 1 20.00\r\n\xff\xfe", &t), Err(CounterError::Garbled { .. })));
        assert!(matches!(parse_report(b"hello world\r\n", &t), Err(CounterError::UnrecognisedLine { line: 1, .. })));
    }

    // Amounts written with a currency sign and thousands separators ($1,200.00), which the old 3-token reader
    // refused, are read; so is a row shape with other words in it, given as a pattern.
    #[test]
    fn dollar_signs_and_other_row_shapes() {
        let report = parse_report(b"$100   12   $1,200.00\r\n$20 1,000 $20,000.00\r\nTOTAL PCS: 1,012\r\nTOTAL AMT: $21,200.00\r\n", &template()).unwrap();
        assert_eq!(report.rows, vec![(10000, 12), (2000, 1000)]);
        assert_eq!(report.total_cents, 2_120_000);
        let t = from_toml(
            r#"[counter]
currency = "USD"
denominations_cents = [2000, 500]
row_patterns = ["USD {denomination} x {pieces} = {amount}"]
total_patterns = ["TOTAL {pieces} PCS {amount}"]
ignore_patterns = ["DATE: {rest}", "BATCH {skip} OF {skip}"]
"#,
        );
        let report = parse_report(b"DATE: 2026-12-03 01:00\nBATCH 1 OF 1\nUSD 20 x 5 = 100.00\nUSD 5 x 2 = 10.00\nTOTAL 7 PCS $110.00\n", &t).unwrap();
        assert_eq!((report.rows, report.total_pieces, report.total_cents), (vec![(2000, 5), (500, 2)], 7, 11000));
    }

    // Control bytes a counter frames its output with (STX/ETX, XON/XOFF) and 8-bit code-page bytes (PC858 € = 0xD5)
    // are dropped when the profile lists them; without that the report is refused, and the message says what to do.
    #[test]
    fn tolerated_control_and_8bit_bytes() {
        let framed = b"\x02\x11$20 5 100.00\r\nTOTAL PCS: 5\r\nTOTAL AMT: 100.00\xd5\r\n\x03";
        let err = parse_report(framed, &template()).unwrap_err();
        assert_eq!(err.to_string(), "counter report: garbled byte 0x02 at offset 0 (list it in the profile's tolerated_bytes if the counter always sends it)");
        let t = CounterTemplate { tolerated_bytes: vec![0x02, 0x03, 0x11, 0x13], tolerate_8bit: true, ..template() };
        assert_eq!(parse_report(framed, &t).unwrap().total_cents, 10000);
        let no_8bit = CounterTemplate { tolerate_8bit: false, ..t };
        assert!(matches!(parse_report(framed, &no_8bit), Err(CounterError::Garbled { byte: 0xd5, .. })));
    }

    // A coin sorter's report (denominations as whole cents, "25C") reads through the same profile path, and lines
    // ending in CR alone are lines.
    #[test]
    fn coin_report_in_cents_with_cr_lines() {
        let t = from_toml(
            r#"[counter]
currency = "USD"
denominations_cents = [100, 25, 10, 5, 1]
row_patterns = ["{denomination_cents} {pieces} {amount}"]
total_patterns = ["COINS {pieces}", "VALUE {amount}"]
ignore_prefixes = ["COIN COUNT"]
"#,
        );
        let report = parse_report(b"COIN COUNT\r25C 40 10.00\r10C 15 1.50\r1C 7 .07\rCOINS 62\rVALUE $11.57\r\n", &t).unwrap();
        assert_eq!(report.rows, vec![(25, 40), (10, 15), (1, 7)]);
        assert_eq!(report.total_cents, 1157);
    }

    // A profile's patterns are checked when it is loaded: an unknown field, a row without pieces or totals
    // without an amount are refused with a message naming the setting.
    #[test]
    fn bad_patterns_refused() {
        let base = template();
        let unknown = CounterTemplate { row_patterns: vec!["{denom} {pieces}".into()], ..base.clone() };
        assert_eq!(unknown.validate().unwrap_err(), "row_patterns \"{denom} {pieces}\": unknown field {denom} (use denomination, denomination_cents, pieces, amount, skip, rest)");
        let no_pieces = CounterTemplate { row_patterns: vec!["{denomination} {amount}".into()], ..base.clone() };
        assert!(no_pieces.validate().unwrap_err().contains("needs {denomination} (or {denomination_cents}) and {pieces}"));
        let no_amount = CounterTemplate { total_patterns: vec!["TOTAL {pieces}".into()], ..base };
        assert_eq!(no_amount.validate().unwrap_err(), "total_patterns: the totals must give {pieces} and {amount}");
    }
}
