//! Bill counter reports: strip ESC/POS bytes, read denomination rows by template, require the totals to add up.

use crate::money::parse_decimal_cents;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How one bill counter model writes its serial report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterTemplate {
    pub currency: String,
    /// Written before a denomination, e.g. "$".
    #[serde(default)]
    pub denomination_prefix: String,
    /// Denominations this machine counts; anything else is a garbled row.
    pub denominations_cents: Vec<i64>,
    /// Lines starting with one of these (case-insensitive) are headers and ignored.
    #[serde(default)]
    pub ignore_prefixes: Vec<String>,
    pub total_pieces_prefix: String,
    pub total_amount_prefix: String,
    #[serde(default = "default_max_rows")]
    pub max_rows: usize,
    #[serde(default = "default_max_report_bytes")]
    pub max_report_bytes: usize,
}

fn default_max_rows() -> usize {
    32
}

fn default_max_report_bytes() -> usize {
    8192
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
    #[error("counter report: garbled byte {byte:#04x} at offset {offset}")]
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
}

/// Removes ESC/POS command sequences, keeping text, CR and LF. Other control or 8-bit bytes are garbled.
pub fn strip_escpos(bytes: &[u8]) -> Result<String, CounterError> {
    let mut text = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        let skip = match byte {
            0x1B => 2 + escape_params(bytes.get(i + 1).copied()),
            0x1D => 2 + group_params(bytes.get(i + 1).copied(), bytes.get(i + 2).copied()),
            0x0C | 0x00 => 1,
            b'\r' | b'\n' | b'\t' | 0x20..=0x7E => {
                text.push(char::from(byte));
                1
            }
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

struct Totals {
    pieces: Option<i64>,
    cents: Option<i64>,
}

/// Parses a complete report; the caller gets all rows or an error, never part of a report.
pub fn parse_report(bytes: &[u8], template: &CounterTemplate) -> Result<CounterReport, CounterError> {
    if bytes.len() > template.max_report_bytes {
        return Err(CounterError::TooLong { bytes: bytes.len(), max: template.max_report_bytes });
    }
    let text = strip_escpos(bytes)?;
    if !text.trim_end_matches(['\r', ' ']).ends_with('\n') && !text.trim().is_empty() {
        return Err(CounterError::Truncated { missing: "end of the last line" });
    }
    let mut rows: Vec<(i64, u32)> = Vec::new();
    let mut totals = Totals { pieces: None, cents: None };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || is_header(trimmed, template) {
            continue;
        }
        if totals.cents.is_some() {
            return Err(CounterError::TrailingText { line });
        }
        if !read_total(trimmed, line, template, &mut totals)? {
            read_row(trimmed, line, template, &mut rows)?;
        }
    }
    finish(rows, totals, template)
}

fn is_header(line: &str, template: &CounterTemplate) -> bool {
    let upper = line.to_ascii_uppercase();
    template.ignore_prefixes.iter().any(|p| upper.starts_with(&p.to_ascii_uppercase()))
}

fn bad(line: usize, field: &'static str, text: &str, problem: impl ToString) -> CounterError {
    CounterError::BadValue { line, field, text: text.to_string(), problem: problem.to_string() }
}

/// Reads a total line into `totals`; false when the line is not a total.
fn read_total(line_text: &str, line: usize, template: &CounterTemplate, totals: &mut Totals) -> Result<bool, CounterError> {
    if let Some(rest) = line_text.strip_prefix(template.total_pieces_prefix.as_str()) {
        let rest = rest.trim();
        let pieces = rest.parse::<u32>().map_err(|e| bad(line, "total pieces", rest, e))?;
        totals.pieces = Some(i64::from(pieces));
        return Ok(true);
    }
    if let Some(rest) = line_text.strip_prefix(template.total_amount_prefix.as_str()) {
        let rest = rest.trim();
        totals.cents = Some(parse_decimal_cents(rest).map_err(|e| bad(line, "total amount", rest, e))?);
        return Ok(true);
    }
    Ok(false)
}

fn read_row(line_text: &str, line: usize, template: &CounterTemplate, rows: &mut Vec<(i64, u32)>) -> Result<(), CounterError> {
    let tokens: Vec<&str> = line_text.split_whitespace().collect();
    let [denomination, pieces, amount] = tokens.as_slice() else {
        return Err(CounterError::UnrecognisedLine { line, text: line_text.chars().take(80).collect() });
    };
    let denomination_text = denomination.strip_prefix(template.denomination_prefix.as_str()).unwrap_or(denomination);
    let denomination_cents = parse_decimal_cents(denomination_text).map_err(|e| bad(line, "denomination", denomination, e))?;
    if !template.denominations_cents.contains(&denomination_cents) {
        return Err(bad(line, "denomination", denomination, "not counted by this machine"));
    }
    let pieces: u32 = pieces.parse().map_err(|e| bad(line, "pieces", pieces, e))?;
    let amount_cents = parse_decimal_cents(amount).map_err(|e| bad(line, "amount", amount, e))?;
    if i64::from(pieces).checked_mul(denomination_cents) != Some(amount_cents) {
        return Err(CounterError::RowMismatch { line, pieces, denomination_cents, amount_cents });
    }
    if rows.iter().any(|(d, _)| *d == denomination_cents) {
        return Err(CounterError::DuplicateDenomination { line, denomination_cents });
    }
    if rows.len() >= template.max_rows {
        return Err(CounterError::TooManyRows { max: template.max_rows });
    }
    rows.push((denomination_cents, pieces));
    Ok(())
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

/// Writes a report the way the generic template reads it (used by the simulator and tests).
pub fn render_report(rows: &[(i64, u32)], machine_id: &str) -> Vec<u8> {
    let mut out = b"\x1b@\x1b!\x10    CASH COUNT REPORT\r\n\x1b!\x00".to_vec();
    out.extend_from_slice(format!("DATE: 2024-05-01  TIME: 14:03\r\nMACHINE: {machine_id}  CURRENCY: USD\r\nDENOM   PCS      AMOUNT\r\n").as_bytes());
    for (denomination_cents, pieces) in rows {
        let amount = crate::money::format_cents(denomination_cents * i64::from(*pieces));
        let denomination = if denomination_cents % 100 == 0 { format!("${}", denomination_cents / 100) } else { format!("${}", crate::money::format_cents(*denomination_cents)) };
        out.extend_from_slice(format!("{denomination:<7} {pieces:>4} {amount:>11}\r\n").as_bytes());
    }
    let pieces: u64 = rows.iter().map(|(_, p)| u64::from(*p)).sum();
    let total: i64 = rows.iter().map(|(d, p)| d * i64::from(*p)).sum();
    out.extend_from_slice(format!("TOTAL PCS: {pieces}\r\nTOTAL AMT: {}\r\n\x1bd\x03", crate::money::format_cents(total)).as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn template() -> CounterTemplate {
        CounterTemplate {
            currency: "USD".into(),
            denomination_prefix: "$".into(),
            denominations_cents: vec![10000, 5000, 2000, 1000, 500, 200, 100],
            ignore_prefixes: vec!["CASH COUNT".into(), "DATE".into(), "MACHINE".into(), "DENOM".into()],
            total_pieces_prefix: "TOTAL PCS:".into(),
            total_amount_prefix: "TOTAL AMT:".into(),
            max_rows: 32,
            max_report_bytes: 8192,
        }
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
}
