//! The bank report (`report bank --date D`): CityTill's deposits and lockbox/online batches beside the bank
//! statement's credits (BAI2, `bank import`) — matched, differences, and what is on one side only.

use rusqlite::Connection;

use crate::error::Result;
use crate::money::Money;
use crate::ops::bank;
use crate::reports::{Document, Section};

pub fn report(conn: &Connection, date: &str, window_days: i64) -> Result<Document> {
    let day = crate::domain::dates::parse_day("--date", date)?;
    let lines = bank::report(conn, day, window_days)?;
    let mut sections = Vec::new();
    let mut counts = Vec::new();
    for status in ["matched", "difference", "citytill only", "bank only"] {
        let mut section = Section::new(status_heading(status), &["citytill", "citytill date", "citytill amount", "bank type", "bank date", "bank amount", "bank reference", "difference"]);
        let mut total = 0;
        for line in lines.iter().filter(|l| l.status == status) {
            let (id, c_date, c_amount) = match &line.citytill {
                Some(c) => (format!("{} {}", c.kind, c.id), c.date.clone(), c.amount.to_string()),
                None => (String::new(), String::new(), String::new()),
            };
            let (code, b_date, b_amount, reference) = match &line.bank {
                Some(b) => (b.type_code.clone(), b.date.clone(), b.amount.to_string(), b.bank_reference.clone().unwrap_or_default()),
                None => (String::new(), String::new(), String::new(), String::new()),
            };
            total += line.difference.cents();
            section.row(vec![id, c_date, c_amount, code, b_date, b_amount, crate::domain::text::printable(&reference).into_owned(), line.difference.to_string()]);
        }
        counts.push(format!("{status}: {}", section.rows.len()));
        if status != "matched" {
            section.totals =
                Some(vec![format!("{} lines", section.rows.len()), String::new(), String::new(), String::new(), String::new(), String::new(), String::new(), Money::from_cents(total).to_string()]);
        }
        sections.push(section);
    }
    Ok(Document {
        report: "bank".into(),
        title: "BANK RECONCILIATION".into(),
        date: date.to_string(),
        lines: vec![counts.join(", "), format!("Matched by amount and date within {window_days} day(s) (policy.bank_match_days).")],
        sections,
    })
}

fn status_heading(status: &str) -> String {
    match status {
        "matched" => "Matched".into(),
        "difference" => "Differences (same kind and dates, amounts differ)".into(),
        "citytill only" => "In CityTill, not on the statement".into(),
        _ => "On the statement, not in CityTill".into(),
    }
}
