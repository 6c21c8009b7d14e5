//! Plain renderings of a report: fixed-width text for the receipt printer or a screen, and CSV.

use crate::domain::text::csv_cell;
use crate::error::{Error, Result};
use crate::reports::Document;

/// Column-aligned text: numbers (and anything starting with a digit or '-') right-aligned.
pub fn text(document: &Document) -> String {
    let mut out = vec![document.title.clone(), format!("Business date {}", document.date)];
    out.extend(document.lines.iter().cloned());
    for section in &document.sections {
        out.push(String::new());
        out.push(section.heading.clone());
        let all: Vec<&Vec<String>> = std::iter::once(&section.columns).chain(section.rows.iter()).chain(section.totals.iter()).collect();
        let columns = all.iter().map(|r| r.len()).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns).map(|i| all.iter().filter_map(|r| r.get(i)).map(|c| c.chars().count()).max().unwrap_or(0)).collect();
        let line = |cells: &Vec<String>| -> String {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let width = widths.get(i).copied().unwrap_or(0);
                    if i > 0 && looks_numeric(cell) {
                        format!("{cell:>width$}")
                    } else {
                        format!("{cell:<width$}")
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        out.push(line(&section.columns));
        let rule: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        out.push("-".repeat(rule));
        if section.rows.is_empty() {
            out.push("(none)".into());
        }
        out.extend(section.rows.iter().map(&line));
        if let Some(totals) = &section.totals {
            out.push("-".repeat(rule));
            out.push(line(totals));
        }
        out.extend(section.notes.iter().cloned());
    }
    out.push(String::new());
    out.join("\n")
}

fn looks_numeric(cell: &str) -> bool {
    cell.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '-') && cell.chars().all(|c| c.is_ascii_digit() || ",.-".contains(c))
}

/// CSV: one block per section — a header row starting with `section`, then its rows (totals marked `total`).
/// Every cell passes `text::csv_cell`: a text cell never starts a spreadsheet formula, amounts stay numbers.
pub fn csv(document: &Document) -> Result<Vec<u8>> {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Invariant(format!("report csv: {e}"));
    let cells = |first: &str, rest: &[String]| -> Vec<String> { std::iter::once(first).chain(rest.iter().map(String::as_str)).map(|cell| csv_cell(cell).into_owned()).collect() };
    for section in &document.sections {
        writer.write_record(cells("section", &section.columns)).map_err(fail)?;
        for row in &section.rows {
            writer.write_record(cells(&section.heading, row)).map_err(fail)?;
        }
        if let Some(totals) = &section.totals {
            let heading = format!("{} total", section.heading);
            writer.write_record(cells(&heading, totals)).map_err(fail)?;
        }
    }
    writer.into_inner().map_err(|e| Error::Invariant(format!("report csv: {e}")))
}
