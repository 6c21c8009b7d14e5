//! A strict reader of BAI2 bank statements, after the BAI "Cash Management Balance Reporting Specifications,
//! Version 2" (Bank Administration Institute, 1987; the format US banks still send as "BAI2"): record types 01
//! file header, 02 group header, 03 account identifier and summary, 16 transaction detail, 88 continuation,
//! 49 account trailer, 98 group trailer, 99 file trailer. Every control total and record count in 49, 98 and
//! 99 is checked (a record count counts physical records, 88s included, as the specification says); any
//! problem refuses the whole file with one line naming the line and the field. No crate on crates.io reads
//! BAI2 to this standard, so this is CityTill's own; tests/bank.rs holds it to PyPI's `bai2`.

use chrono::NaiveDate;

use crate::domain::events::BankCredit;
use crate::money::Money;

/// A statement read whole: its credits (16 records with a credit type code, 100–399) and counts.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Statement {
    pub sender: String,
    pub created: String,
    pub groups: i64,
    pub accounts: i64,
    pub details: i64,
    pub credits: Vec<BankCredit>,
}

/// One logical record: its code, fields (the `/` terminator removed, continuations joined), first line and
/// number of physical records.
struct Record {
    code: String,
    fields: Vec<String>,
    line: i64,
    physical: i64,
}

fn problem(line: i64, field: &str, what: impl std::fmt::Display) -> String {
    format!("line {line} field {field}: {what}")
}

/// Reads a BAI2 file. Errors name the line and the field.
pub fn read(text: &str) -> Result<Statement, String> {
    // A byte-order mark (Windows tools save one) is not part of the 01 record.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = logical_records(text)?;
    let mut at = 0;
    let next = |at: &mut usize, code: &str| -> Result<&Record, String> {
        let record = records.get(*at).ok_or_else(|| problem(records.last().map(|r| r.line).unwrap_or(1), "record code", format!("the file ends where a {code} record was expected")))?;
        if record.code != code {
            return Err(problem(record.line, "record code", format!("'{}' where a {code} record was expected", record.code)));
        }
        *at += 1;
        Ok(record)
    };
    let header = next(&mut at, "01")?;
    field(header, 7, "01 version number").and_then(|v| if v == "2" { Ok(()) } else { Err(problem(header.line, "01 version number", format!("'{v}' is not 2 (BAI2)"))) })?;
    let sender = field(header, 0, "01 sender identification")?.to_string();
    let created = date(header, 2, "01 file creation date")?.to_string();
    let mut file_total: i128 = 0;
    let mut file_records = header.physical;
    let mut groups = 0;
    let mut accounts = 0;
    let mut details = 0;
    let mut credits = Vec::new();
    while records.get(at).is_some_and(|r| r.code == "02") {
        let group = next(&mut at, "02")?;
        let as_of = date(group, 3, "02 as-of date")?;
        let mut group_total: i128 = 0;
        let mut group_records = group.physical;
        let mut group_accounts = 0;
        while records.get(at).is_some_and(|r| r.code == "03") {
            let account = next(&mut at, "03")?;
            let number = field(account, 0, "03 customer account number")?.to_string();
            if number.is_empty() {
                return Err(problem(account.line, "03 customer account number", "empty"));
            }
            let mut account_total = summary_total(account)?;
            let mut account_records = account.physical;
            while records.get(at).is_some_and(|r| r.code == "16") {
                let detail = next(&mut at, "16")?;
                let Detail { type_code, cents: amount, bank_reference, customer_reference, text } = transaction(detail)?;
                account_total += amount as i128;
                account_records += detail.physical;
                details += 1;
                let code: u32 = type_code.parse().unwrap_or(0);
                if (100..400).contains(&code) {
                    credits.push(BankCredit { account: number.clone(), date: as_of.to_string(), type_code, amount: Money::from_cents(amount), bank_reference, customer_reference, text });
                }
            }
            let trailer = next(&mut at, "49")?;
            account_records += trailer.physical;
            check_total(trailer, 0, "49 account control total", account_total)?;
            check_count(trailer, 1, "49 number of records", account_records as i128)?;
            group_total += account_total;
            group_records += account_records;
            group_accounts += 1;
        }
        if group_accounts == 0 {
            return Err(problem(records.get(at).map(|r| r.line).unwrap_or(group.line), "record code", "a group with no 03 account record"));
        }
        let trailer = next(&mut at, "98")?;
        group_records += trailer.physical;
        check_total(trailer, 0, "98 group control total", group_total)?;
        check_count(trailer, 1, "98 number of accounts", group_accounts as i128)?;
        check_count(trailer, 2, "98 number of records", group_records as i128)?;
        file_total += group_total;
        file_records += group_records;
        groups += 1;
        accounts += group_accounts;
    }
    if groups == 0 {
        return Err(problem(records.get(at).map(|r| r.line).unwrap_or(header.line), "record code", "a file with no 02 group"));
    }
    let trailer = next(&mut at, "99")?;
    file_records += trailer.physical;
    check_total(trailer, 0, "99 file control total", file_total)?;
    check_count(trailer, 1, "99 number of groups", groups as i128)?;
    check_count(trailer, 2, "99 number of records", file_records as i128)?;
    if let Some(extra) = records.get(at) {
        return Err(problem(extra.line, "record code", format!("'{}' after the 99 file trailer", extra.code)));
    }
    Ok(Statement { sender, created, groups, accounts, details, credits })
}

/// Physical lines joined into logical records: an 88 continues the record before it (a new field after a
/// `/`-terminated record, else the 16 record's text goes on after a space).
fn logical_records(text: &str) -> Result<Vec<Record>, String> {
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let last = lines.iter().rposition(|l| !l.trim().is_empty()).ok_or_else(|| problem(1, "record code", "the file is empty"))?;
    let mut records: Vec<Record> = Vec::new();
    let mut open_text = false;
    for (index, raw) in lines[..=last].iter().enumerate() {
        let line = index as i64 + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(problem(line, "record code", "a blank line inside the file"));
        }
        if let Some(bad) = raw.chars().find(|c| c.is_control()) {
            return Err(problem(line, "record code", format!("a control character (U+{:04X})", bad as u32)));
        }
        let (code, rest) = raw.split_once(',').unwrap_or((raw.trim_end_matches('/'), ""));
        if !["01", "02", "03", "16", "49", "88", "98", "99"].contains(&code) {
            return Err(problem(line, "record code", format!("'{}' is not a BAI2 record type", crate::domain::text::printable(code))));
        }
        let terminated = rest.ends_with('/') || raw.ends_with('/');
        let body = rest.strip_suffix('/').unwrap_or(rest);
        if code != "16" && code != "88" && !terminated {
            return Err(problem(line, "record code", format!("the {code} record does not end with '/'")));
        }
        if code == "88" {
            let Some(previous) = records.last_mut() else {
                return Err(problem(line, "record code", "an 88 continuation with no record before it"));
            };
            if open_text {
                if let Some(text) = previous.fields.last_mut() {
                    text.push(' ');
                    text.push_str(body);
                }
            } else {
                previous.fields.extend(body.split(',').map(str::to_string));
            }
            previous.physical += 1;
            open_text = previous.code == "16" && !terminated;
            continue;
        }
        let fields: Vec<String> = body.split(',').map(str::to_string).collect();
        open_text = code == "16" && !terminated;
        records.push(Record { code: code.to_string(), fields, line, physical: 1 });
    }
    Ok(records)
}

fn field<'a>(record: &'a Record, index: usize, name: &str) -> Result<&'a str, String> {
    record.fields.get(index).map(|f| f.trim()).ok_or_else(|| problem(record.line, name, "missing"))
}

fn date(record: &Record, index: usize, name: &str) -> Result<NaiveDate, String> {
    let text = field(record, index, name)?;
    if text.len() != 6 || !text.chars().all(|c| c.is_ascii_digit()) {
        return Err(problem(record.line, name, format!("'{}' is not a date YYMMDD", crate::domain::text::printable(text))));
    }
    NaiveDate::parse_from_str(&format!("20{text}"), "%Y%m%d").map_err(|_| problem(record.line, name, format!("'{text}' is not a date YYMMDD")))
}

/// An amount in cents, optionally signed where the specification allows it (03 and trailers).
fn amount(record: &Record, text: &str, name: &str, signed: bool) -> Result<i64, String> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') if signed => (true, &text[1..]),
        Some(b'+') if signed => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 18 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(problem(record.line, name, format!("'{}' is not an amount in cents", crate::domain::text::printable(text))));
    }
    let value: i64 = digits.parse().map_err(|_| problem(record.line, name, format!("'{text}' is not an amount in cents")))?;
    Ok(if negative { -value } else { value })
}

/// The funds-type fields after a type code's amount: 0, 1, 2, Z or empty add none; S adds three amounts, V a
/// date and time, D a count and that many (days, amount) pairs. Returns how many fields follow.
fn availability_fields(record: &Record, fields: &[String], at: usize, name: &str) -> Result<usize, String> {
    let funds = fields.get(at).map(|f| f.trim()).unwrap_or("");
    match funds {
        "" | "0" | "1" | "2" | "Z" => Ok(0),
        "S" => Ok(3),
        "V" => Ok(2),
        "D" => {
            let count = fields.get(at + 1).map(|f| f.trim()).unwrap_or("");
            let n: usize = count.parse().map_err(|_| problem(record.line, name, format!("'{count}' is not a number of distributions")))?;
            Ok(1 + 2 * n)
        }
        other => Err(problem(record.line, name, format!("'{}' is not a funds type (0, 1, 2, S, V, D, Z)", crate::domain::text::printable(other)))),
    }
}

/// An 03 record's summary amounts, summed (they count toward the 49 control total).
fn summary_total(record: &Record) -> Result<i128, String> {
    let fields = &record.fields;
    let mut at = 2;
    let mut total: i128 = 0;
    while at < fields.len() {
        let type_code = fields[at].trim();
        if type_code.is_empty() && fields[at..].iter().all(|f| f.trim().is_empty()) {
            break;
        }
        if type_code.len() != 3 || !type_code.chars().all(|c| c.is_ascii_digit()) {
            return Err(problem(record.line, "03 type code", format!("'{}' is not a three-digit type code", crate::domain::text::printable(type_code))));
        }
        let value = fields.get(at + 1).map(|f| f.trim()).unwrap_or("");
        if !value.is_empty() {
            total += amount(record, value, "03 amount", true)? as i128;
        }
        let extra = availability_fields(record, fields, at + 3, "03 funds type")?;
        at += 4 + extra;
    }
    Ok(total)
}

/// A 16 record's fields.
struct Detail {
    type_code: String,
    cents: i64,
    bank_reference: Option<String>,
    customer_reference: Option<String>,
    text: Option<String>,
}

/// A 16 record: type code, amount, bank reference, customer reference, text.
fn transaction(record: &Record) -> Result<Detail, String> {
    let fields = &record.fields;
    let type_code = field(record, 0, "16 type code")?;
    if type_code.len() != 3 || !type_code.chars().all(|c| c.is_ascii_digit()) {
        return Err(problem(record.line, "16 type code", format!("'{}' is not a three-digit type code", crate::domain::text::printable(type_code))));
    }
    let cents = amount(record, field(record, 1, "16 amount")?, "16 amount", false)?;
    let extra = availability_fields(record, fields, 2, "16 funds type")?;
    let rest = fields.get(3 + extra..).unwrap_or(&[]);
    if rest.len() < 2 {
        return Err(problem(record.line, "16 bank reference", "missing (a 16 record ends with bank reference, customer reference, text)"));
    }
    let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let text = optional(&rest[2..].join(","));
    for (name, value) in [("16 bank reference", &rest[0]), ("16 customer reference", &rest[1])] {
        crate::domain::card_data::refuse(name, value).map_err(|e| format!("line {}: {e}", record.line))?;
    }
    if let Some(text) = &text {
        crate::domain::card_data::refuse("16 text", text).map_err(|e| format!("line {}: {e}", record.line))?;
    }
    Ok(Detail { type_code: type_code.to_string(), cents, bank_reference: optional(&rest[0]), customer_reference: optional(&rest[1]), text })
}

fn check_total(record: &Record, index: usize, name: &str, computed: i128) -> Result<(), String> {
    let stated = amount(record, field(record, index, name)?, name, true)? as i128;
    if stated != computed {
        return Err(problem(record.line, name, format!("the trailer says {}, the records add up to {}", cents(stated), cents(computed))));
    }
    Ok(())
}

fn check_count(record: &Record, index: usize, name: &str, computed: i128) -> Result<(), String> {
    let text = field(record, index, name)?;
    let stated: i128 = text.parse().map_err(|_| problem(record.line, name, format!("'{}' is not a count", crate::domain::text::printable(text))))?;
    if stated != computed {
        return Err(problem(record.line, name, format!("the trailer says {stated}, the file holds {computed}")));
    }
    Ok(())
}

fn cents(value: i128) -> String {
    i64::try_from(value).map(|v| Money::from_cents(v).to_string()).unwrap_or_else(|_| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATEMENT: &str = "01,122099999,123456789,261203,0800,1,,,2/\n\
02,123456789,122099999,1,261202,2400,USD,2/\n\
03,0001234567,USD,010,500000,,,015,+700000,,/\n\
16,301,150000,0,BR1,DEP0001,COUNTER DEPOSIT/\n\
16,115,40000,0,BR2,,LOCKBOX/\n\
88,DEPOSIT 1234567\n\
16,475,10000,0,BR3,,CHECK PAID/\n\
49,1400000,6/\n\
98,1400000,1,8/\n\
99,1400000,1,10/\n";

    // Proves a well-formed statement reads: credits only (301, 115), a continued text, counts and totals checked.
    #[test]
    fn reads_a_statement() {
        let statement = read(STATEMENT).unwrap();
        let credits: Vec<(&str, i64)> = statement.credits.iter().map(|c| (c.type_code.as_str(), c.amount.cents())).collect();
        assert_eq!(credits, [("301", 150000), ("115", 40000)]);
        assert_eq!(statement.credits[1].text.as_deref(), Some("LOCKBOX,DEPOSIT 1234567"));
        assert_eq!(statement.credits[0].date, "2026-12-02");
    }

    // Proves a statement saved with a byte-order mark reads as without one.
    #[test]
    fn a_byte_order_mark_is_not_part_of_the_header() {
        assert_eq!(read(&format!("\u{feff}{STATEMENT}")).unwrap().credits.len(), 2);
    }

    // Proves each control total and record count is checked, naming the line and field.
    #[test]
    fn trailers_are_checked() {
        assert_eq!(read(&STATEMENT.replace("49,1400000,6/", "49,1400001,6/")).unwrap_err(), "line 8 field 49 account control total: the trailer says 14000.01, the records add up to 14000.00");
        assert_eq!(read(&STATEMENT.replace("49,1400000,6/", "49,1400000,5/")).unwrap_err(), "line 8 field 49 number of records: the trailer says 5, the file holds 6");
        assert!(read(&STATEMENT.replace("99,1400000,1,10/", "99,1400000,1,9/")).unwrap_err().starts_with("line 10 field 99 number of records"));
        assert!(read(&STATEMENT.replace("16,115,40000", "16,115,4000x")).unwrap_err().starts_with("line 5 field 16 amount: '4000x'"));
        assert!(read(&STATEMENT.replace("98,1400000,1,8/\n", "")).unwrap_err().starts_with("line 9 field record code: '99' where a 98 record"));
    }
}
