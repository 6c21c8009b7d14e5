//! Lockbox and online-payment file layouts (templates) and the strict reader of a file through one: fixed-width
//! or CSV records, the item and control (trailer) record types, where each field sits, date and amount formats.
//! A file is read whole before anything is written; the first problem is one line naming the line and field.
//! See docs/lockbox.md for the template keys and the shipped layouts.

use std::path::Path;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::domain::events::BatchKind;
use crate::domain::tender::TenderKind;
use crate::money::Money;
use crate::ops::batch::MAX_ITEMS;

/// The layouts CityTill ships (templates/lockbox): `--template NAME` finds them by name.
const SHIPPED: &[(&str, &str)] = &[("bai-lockbox", include_str!("../../templates/lockbox/bai-lockbox.toml")), ("online-csv", include_str!("../../templates/lockbox/online-csv.toml"))];

/// Where a field sits: `start` and `length` (1-based columns) in a fixed-width record, or `column` (the
/// header row's name) in a CSV file.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub start: Option<usize>,
    pub length: Option<usize>,
    pub column: Option<String>,
}

/// The fields of an item record.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFields {
    pub account: Field,
    pub amount: Field,
    pub reference: Option<Field>,
    pub date: Option<Field>,
}

/// The fields of the control (trailer) record: the file's own item count and total, and its deposit date.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlFields {
    pub count: Field,
    pub amount: Field,
    pub date: Option<Field>,
}

/// A file layout, as written in a template TOML file.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockboxTemplate {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `fixed` or `csv`.
    pub format: String,
    /// `lockbox` or `online`: the kind of batch the file becomes.
    pub batch_kind: String,
    /// How every item was paid: `check`, `ach` or `card`.
    pub tender: String,
    /// Digits after an implied decimal point in an amount written without a point (`0000004550` is 45.50 with 2).
    #[serde(default = "two")]
    pub implied_decimals: u32,
    /// A chrono format such as `%y%m%d` or `%Y-%m-%d`.
    #[serde(default = "iso_date")]
    pub date_format: String,
    /// Where the record type sits (a fixed position, or a CSV column).
    pub record_type: Field,
    /// The record type of an item (`6` in a BAI lockbox file).
    pub item: String,
    /// The record type of the control record holding the file's count and total (one per file).
    pub control: String,
    /// Other record types the file may hold, read past (headers, batch totals, overflow).
    #[serde(default)]
    pub ignore: Vec<String>,
    pub items: ItemFields,
    pub totals: ControlFields,
}

fn two() -> u32 {
    2
}

fn iso_date() -> String {
    "%Y-%m-%d".into()
}

/// One item as the file gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileItem {
    pub line: i64,
    pub account: String,
    pub amount: Money,
    pub reference: Option<String>,
    pub date: Option<NaiveDate>,
}

/// A file read whole and found consistent with its own control record.
#[derive(Clone, Debug)]
pub struct LockboxFile {
    pub sha256: String,
    pub items: Vec<FileItem>,
    pub control_count: i64,
    pub control_amount: Money,
    pub deposit_date: Option<NaiveDate>,
}

impl LockboxTemplate {
    /// A template by name: one of the city's (`[lockbox] templates = [files]` in the settings, paths relative to
    /// the data dir), a shipped one, `NAME.toml` in `<data dir>/lockbox`; else `name` is a template file's path.
    pub fn find(name: &str, settings: Option<&toml::Table>, data_dir: &Path) -> Result<LockboxTemplate, String> {
        let name = name.trim();
        for template in city_templates(settings, data_dir)? {
            if template.name == name {
                return Ok(template);
            }
        }
        if let Some((_, text)) = SHIPPED.iter().find(|(shipped, _)| *shipped == name) {
            return LockboxTemplate::from_toml_str(text).map_err(|e| format!("--template: shipped template {name}: {e}"));
        }
        let in_dir = data_dir.join("lockbox").join(format!("{name}.toml"));
        let path = if in_dir.is_file() { in_dir } else { Path::new(name).to_path_buf() };
        let text = std::fs::read_to_string(&path).map_err(|e| format!("--template: '{name}' is not a shipped template ({}) nor a readable file ({e})", shipped_names().join(", ")))?;
        LockboxTemplate::from_toml_str(&text).map_err(|e| format!("--template: {}: {e}", path.display()))
    }

    pub fn from_toml_str(text: &str) -> Result<LockboxTemplate, String> {
        let template: LockboxTemplate = toml::from_str(text).map_err(|e| e.message().to_string())?;
        template.check()?;
        Ok(template)
    }

    fn check(&self) -> Result<(), String> {
        if !matches!(self.format.as_str(), "fixed" | "csv") {
            return Err(format!("format: '{}' is not fixed or csv", self.format));
        }
        self.kind()?;
        self.tender_kind()?;
        if self.implied_decimals > 2 {
            return Err(format!("implied_decimals: {} is more than 2", self.implied_decimals));
        }
        if NaiveDate::parse_from_str("2026-12-02", "%Y-%m-%d").ok().map(|d| d.format(&self.date_format).to_string()).is_none_or(|s| s.is_empty()) {
            return Err(format!("date_format: '{}' writes no date", self.date_format));
        }
        let fields = [
            ("record_type", Some(&self.record_type)),
            ("items.account", Some(&self.items.account)),
            ("items.amount", Some(&self.items.amount)),
            ("items.reference", self.items.reference.as_ref()),
            ("items.date", self.items.date.as_ref()),
            ("totals.count", Some(&self.totals.count)),
            ("totals.amount", Some(&self.totals.amount)),
            ("totals.date", self.totals.date.as_ref()),
        ];
        for (name, field) in fields {
            let Some(field) = field else { continue };
            match (self.format.as_str(), field.start, field.length, &field.column) {
                ("fixed", Some(start), Some(length), None) if start >= 1 && length >= 1 => {}
                ("fixed", ..) => return Err(format!("{name}: a fixed-width field needs start and length (from column 1), no column")),
                ("csv", None, None, Some(column)) if !column.trim().is_empty() => {}
                _ => return Err(format!("{name}: a csv field needs a column name, no start or length")),
            }
        }
        if self.item == self.control || self.ignore.contains(&self.item) || self.ignore.contains(&self.control) {
            return Err("item, control: the item and control record types must differ and not be ignored".into());
        }
        Ok(())
    }

    pub fn kind(&self) -> Result<BatchKind, String> {
        match self.batch_kind.as_str() {
            "lockbox" => Ok(BatchKind::Lockbox),
            "online" => Ok(BatchKind::Online),
            other => Err(format!("batch_kind: '{other}' is not lockbox or online")),
        }
    }

    pub fn tender_kind(&self) -> Result<TenderKind, String> {
        match TenderKind::parse(&self.tender) {
            Ok(kind @ (TenderKind::Check | TenderKind::Ach | TenderKind::Card)) => Ok(kind),
            _ => Err(format!("tender: '{}' is not check, ach or card", self.tender)),
        }
    }

    /// Reads `bytes` whole. Every record must be an item, the one control record, or an ignored type; the
    /// control record's count and amount must equal the items' (a file that disagrees with itself is cut short
    /// or damaged). Errors name the line and the field.
    pub fn read(&self, bytes: &[u8], max: Money) -> Result<LockboxFile, String> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let text = std::str::from_utf8(bytes).map_err(|e| format!("line {}: not text (a byte that is not UTF-8)", line_of(bytes, e.valid_up_to())))?;
        // Files saved by Windows tools often begin with a byte-order mark; it is not part of the first record.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let records = match self.format.as_str() {
            "csv" => csv_records(text)?,
            _ => text.split('\n').enumerate().map(|(i, l)| (i as i64 + 1, Record::Fixed(l.trim_end_matches('\r').to_string()))).collect(),
        };
        let mut items = Vec::new();
        let mut control: Option<(i64, i64, Money, Option<NaiveDate>)> = None;
        let mut blank_from: Option<i64> = None;
        for (line, record) in &records {
            if record.is_blank() {
                blank_from.get_or_insert(*line);
                continue;
            }
            if let Some(blank) = blank_from {
                return Err(format!("line {blank}: a blank line inside the file"));
            }
            let kind = record.get(self, *line, "record_type", &self.record_type)?;
            if kind == self.item {
                if let Some((control_line, ..)) = control {
                    return Err(format!("line {line} field record_type: an item after the control record (line {control_line})"));
                }
                items.push(self.item(record, *line, max)?);
            } else if kind == self.control {
                if let Some((control_line, ..)) = control {
                    return Err(format!("line {line} field record_type: a second control record (the first is line {control_line})"));
                }
                let count_text = record.get(self, *line, "totals.count", &self.totals.count)?;
                let count: i64 = count_text
                    .parse()
                    .ok()
                    .filter(|n| *n >= 0 && count_text.chars().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| format!("line {line} field totals.count: '{count_text}' is not a count"))?;
                let amount = self.amount(&record.get(self, *line, "totals.amount", &self.totals.amount)?, *line, "totals.amount", Money::from_cents(i64::MAX / 4))?;
                let date = self.totals.date.as_ref().map(|f| self.date(record, *line, "totals.date", f)).transpose()?;
                control = Some((*line, count, amount, date));
            } else if !self.ignore.contains(&kind) {
                return Err(format!("line {line} field record_type: '{kind}' is not a record type of template {}", self.name));
            }
        }
        let Some((control_line, control_count, control_amount, control_date)) = control else {
            return Err(format!("line {}: the file has no control record (type {}) with its count and total", records.len(), self.control));
        };
        if items.is_empty() {
            return Err(format!("line {control_line}: the file holds no items"));
        }
        if items.len() as i64 > MAX_ITEMS {
            return Err(format!("line {control_line}: {} items; one batch holds at most {MAX_ITEMS}", items.len()));
        }
        if control_count != items.len() as i64 {
            return Err(format!("line {control_line} field totals.count: the control record says {control_count} items, the file holds {}", items.len()));
        }
        let total = Money::sum(items.iter().map(|i| i.amount)).ok_or_else(|| format!("line {control_line} field totals.amount: the items' total is too large"))?;
        if total != control_amount {
            return Err(format!("line {control_line} field totals.amount: the control record says {control_amount}, the items total {total}"));
        }
        let deposit_date = control_date.or_else(|| items.iter().find_map(|i| i.date));
        Ok(LockboxFile { sha256, items, control_count, control_amount, deposit_date })
    }

    fn item(&self, record: &Record, line: i64, max: Money) -> Result<FileItem, String> {
        let account = record.get(self, line, "items.account", &self.items.account)?;
        let label = |field: &str| format!("line {line} field {field}");
        if account.is_empty() {
            return Err(format!("{}: empty", label("items.account")));
        }
        crate::domain::text::check(&label("items.account"), &account)?;
        crate::domain::card_data::refuse(&label("items.account"), &account)?;
        let amount = self.amount(&record.get(self, line, "items.amount", &self.items.amount)?, line, "items.amount", max)?;
        if amount.is_zero() {
            return Err(format!("{}: an item must be more than zero", label("items.amount")));
        }
        let reference = match &self.items.reference {
            Some(field) => Some(record.get(self, line, "items.reference", field)?).filter(|r| !r.is_empty()),
            None => None,
        };
        if let Some(reference) = &reference {
            crate::domain::text::check(&label("items.reference"), reference)?;
            crate::domain::card_data::refuse(&label("items.reference"), reference)?;
            if reference.chars().count() > 40 {
                return Err(format!("{}: longer than 40 characters", label("items.reference")));
            }
        }
        let date = self.items.date.as_ref().map(|f| self.date(record, line, "items.date", f)).transpose()?;
        Ok(FileItem { line, account, amount, reference, date })
    }

    /// An amount: with a decimal point as written, else digits with `implied_decimals`.
    fn amount(&self, text: &str, line: i64, field: &str, max: Money) -> Result<Money, String> {
        let label = format!("line {line} field {field}");
        if text.contains('.') {
            return Money::parse_field(&label, text, max).map_err(|e| e.to_string());
        }
        if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) || text.len() > 15 {
            return Err(format!("{label}: '{}' is not an amount", crate::domain::text::printable(text)));
        }
        let number: i64 = text.parse().map_err(|_| format!("{label}: '{text}' is not an amount"))?;
        let cents = number * 10_i64.pow(2 - self.implied_decimals);
        let money = Money::from_cents(cents);
        if money > max {
            return Err(format!("{label}: {money} is more than the largest amount allowed ({max})"));
        }
        Ok(money)
    }

    fn date(&self, record: &Record, line: i64, field: &str, at: &Field) -> Result<NaiveDate, String> {
        let text = record.get(self, line, field, at)?;
        NaiveDate::parse_from_str(&text, &self.date_format)
            .map_err(|_| format!("line {line} field {field}: '{}' is not a date in the format {}", crate::domain::text::printable(&text), self.date_format))
    }
}

/// The city's templates named in the settings (`[lockbox] templates`), each read and checked; a bad one is
/// refused naming the settings key, the file and the problem.
pub fn city_templates(settings: Option<&toml::Table>, data_dir: &Path) -> Result<Vec<LockboxTemplate>, String> {
    let Some(table) = settings else { return Ok(Vec::new()) };
    if let Some(key) = table.keys().find(|k| k.as_str() != "templates") {
        return Err(format!("lockbox.{key}: not a setting (only templates)"));
    }
    let Some(files) = table.get("templates") else { return Ok(Vec::new()) };
    let files = files.as_array().ok_or("lockbox.templates: must be a list of file names")?;
    let mut out = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let key = format!("lockbox.templates[{index}]");
        let file = file.as_str().ok_or(format!("{key}: must be a file name"))?;
        let path = data_dir.join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{key}: template {}: {e}", path.display()))?;
        out.push(LockboxTemplate::from_toml_str(&text).map_err(|e| format!("{key}: template {}: {e}", path.display()))?);
    }
    Ok(out)
}

/// The names of the shipped templates.
pub fn shipped_names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(name, _)| *name).collect()
}

/// The shipped templates, parsed.
pub fn shipped() -> Vec<LockboxTemplate> {
    SHIPPED.iter().filter_map(|(_, text)| LockboxTemplate::from_toml_str(text).ok()).collect()
}

/// A record: a fixed-width line, or a CSV row with the header's names.
enum Record {
    Fixed(String),
    Csv(std::collections::HashMap<String, String>),
}

impl Record {
    fn is_blank(&self) -> bool {
        match self {
            Record::Fixed(line) => line.trim().is_empty(),
            Record::Csv(cells) => cells.values().all(|c| c.trim().is_empty()),
        }
    }

    /// A field's text, trimmed; a fixed-width record too short for it is an error naming the line and field.
    fn get(&self, template: &LockboxTemplate, line: i64, name: &str, field: &Field) -> Result<String, String> {
        match self {
            Record::Fixed(text) => {
                let (start, length) = (field.start.unwrap_or(1), field.length.unwrap_or(0));
                let chars: Vec<char> = text.chars().collect();
                if chars.len() < start - 1 + length {
                    return Err(format!("line {line} field {name}: the record is {} characters; the field is columns {start}-{} (template {})", chars.len(), start + length - 1, template.name));
                }
                Ok(chars[start - 1..start - 1 + length].iter().collect::<String>().trim().to_string())
            }
            Record::Csv(cells) => {
                let column = field.column.as_deref().unwrap_or_default();
                cells.get(column).map(|c| c.trim().to_string()).ok_or_else(|| format!("line {line} field {name}: the file has no column '{column}'"))
            }
        }
    }
}

fn csv_records(text: &str) -> Result<Vec<(i64, Record)>, String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().map_err(|e| csv_problem(&e))?.iter().map(|h| h.trim().to_string()).collect();
    let mut out = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_problem(&e))?;
        let line = row.position().map(|p| p.line() as i64).unwrap_or(0);
        out.push((line, Record::Csv(headers.iter().cloned().zip(row.iter().map(str::to_string)).collect())));
    }
    Ok(out)
}

fn csv_problem(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths { pos, expected_len, len } => {
            format!("line {}: {len} fields where the header has {expected_len}", pos.as_ref().map(|p| p.line()).unwrap_or(0))
        }
        csv::ErrorKind::Utf8 { pos, .. } => format!("line {}: not text (a byte that is not UTF-8)", pos.as_ref().map(|p| p.line()).unwrap_or(0)),
        _ => format!("line {}: {error}", error.position().map(|p| p.line()).unwrap_or(0)),
    }
}

fn line_of(bytes: &[u8], offset: usize) -> i64 {
    bytes[..offset].iter().filter(|b| **b == b'\n').count() as i64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves every shipped template loads (a typo in one would otherwise only show at a city's first import).
    #[test]
    fn shipped_templates_load() {
        for (name, text) in SHIPPED {
            let template = LockboxTemplate::from_toml_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&template.name, name);
        }
    }

    // Proves a fixed-width amount with implied decimals and a control record that disagrees are read as a bank means them.
    #[test]
    fn implied_decimals_and_control_totals() {
        let template = LockboxTemplate::from_toml_str(SHIPPED[0].1).unwrap();
        assert_eq!(template.amount("0000004550", 3, "items.amount", Money::from_cents(1_000_000)).unwrap(), Money::from_cents(4550));
        assert_eq!(template.amount("45.50", 3, "items.amount", Money::from_cents(1_000_000)).unwrap(), Money::from_cents(4550));
        assert!(template.amount("45,5x", 3, "items.amount", Money::from_cents(1_000_000)).unwrap_err().starts_with("line 3 field items.amount"));
    }

    // Proves a fixed-width file that starts with a byte-order mark (as Windows tools save it) reads its first record.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_record() {
        let template = LockboxTemplate::from_toml_str(SHIPPED[0].1).unwrap();
        let file = "\u{feff}100000001\n6001001000000841202100002112345678901      1001100200-01          \n8123456726120200010000008412\n";
        let read = template.read(file.as_bytes(), Money::from_cents(1_000_000)).unwrap();
        assert_eq!((read.items.len(), read.control_amount), (1, Money::from_cents(8412)));
    }
}
