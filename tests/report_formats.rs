//! The report renderers: one document comes out the same in text, CSV, JSON and PDF — every row, every
//! total — and a long report spreads over PDF pages that `pdftotext` reads back completely.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill::reports::{render, Document, Format, Section};

fn document(rows: usize) -> Document {
    let mut section = Section::new("Receipts by tender", &["tender", "count", "amount"]);
    let mut total = 0i64;
    for n in 0..rows {
        let cents = 1_000 + n as i64 * 37;
        total += cents;
        section.row(vec![format!("row{n:04}"), "1".into(), format!("{}.{:02}", cents / 100, cents % 100)]);
    }
    section.totals = Some(vec!["total".into(), rows.to_string(), format!("{}.{:02}", total / 100, total % 100)]);
    Document { report: "day".into(), title: "Day cash receipts".into(), date: "2026-11-24".into(), lines: vec!["Collected".into()], sections: vec![section] }
}

// Proves CSV and JSON carry exactly the document's rows and totals, and text right-aligns the amounts.
#[test]
fn csv_json_and_text_carry_every_row() {
    let doc = document(25);
    let csv = String::from_utf8(render(&doc, Format::Csv).unwrap()).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(csv.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 26, "25 rows and the totals row");
    assert_eq!(&records[3][1], "row0003");
    assert_eq!(&records[25][0], "Receipts by tender total");
    assert_eq!(&records[25][3], doc.sections[0].totals.as_ref().unwrap()[2]);
    let json: serde_json::Value = serde_json::from_slice(&render(&doc, Format::Json).unwrap()).unwrap();
    assert_eq!(json["sections"][0]["rows"].as_array().unwrap().len(), 25);
    let text = String::from_utf8(render(&doc, Format::Text).unwrap()).unwrap();
    let amounts: Vec<usize> = text.lines().filter(|l| l.starts_with("row")).map(|l| l.len()).collect();
    assert!(amounts.windows(2).all(|w| w[0] == w[1]), "amounts are right-aligned to one column:\n{text}");
}

// Proves a 300-row report becomes a valid multi-page PDF whose text holds the first and last rows and the total.
#[test]
fn long_reports_span_pdf_pages() {
    let doc = document(300);
    let pdf = render(&doc, Format::Pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&path).arg("-").output().expect("pdftotext (apt-get install poppler-utils)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let total = &doc.sections[0].totals.as_ref().unwrap()[2];
    assert!(text.contains("row0000") && text.contains("row0299") && text.contains(total.as_str()), "{text}");
    let pages = (doc.sections[0].rows.len() + 10) / 69 + 1;
    assert!(text.contains(&format!("page {pages} of {pages}")), "{text}");
}
