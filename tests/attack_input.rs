//! Attacks: money and text read strictly, written safely. A careless operator's `12,00` must not become
//! 1,200.00; a hostile one's reason `=HYPERLINK(...)` must not run in the finance office's spreadsheet; an ESC
//! or BEL typed into a reason must not drive the terminal or the receipt printer. Each finding of the outside
//! test is reproduced here through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, ADMIN_PIN, PIN};

/// The cells of a CSV file (all records, flexible widths).
fn csv_cells(bytes: &[u8]) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    reader.records().filter_map(Result::ok).flat_map(|r| r.iter().map(str::to_string).collect::<Vec<_>>()).collect()
}

/// True when a spreadsheet would read the cell as a formula: it starts with = + - @ tab or CR and is not a number.
fn formula(cell: &str) -> bool {
    let number = cell.trim_start_matches('-').replace(',', "").parse::<f64>().is_ok();
    cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !number
}

// Proves amounts with commas out of place are refused naming the field (the outside test found `12,00` read
// as 1,200.00 and `1,2,3` as 123.00), in payments and imports, while `1,234.56` is still 1,234.56.
#[test]
fn commas_only_group_thousands() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    ana().args(&["pay", "--account", "100300-02", "--amount", "12,00", "--tender", "cash=12"]).expect_refused("--amount: '12,00' has a comma out of place", 0);
    ana().args(&["pay", "--account", "100300-02", "--amount", "1,2,3", "--tender", "cash=123"]).expect_refused("--amount: '1,2,3' has a comma out of place", 0);
    ana().args(&["pay", "--account", "100300-02", "--tender", "cash=12,00"]).expect_refused("tender cash: write the amount without commas", 0);
    ana().args(&["pay", "--fee", "MISC=1,0", "--tender", "cash=1"]).expect_refused("--fee MISC: '1,0' has a comma out of place", 0);
    city.write("commas.csv", "kind,number,name,address,status,balance\nutility,X-1,Ann Lee,1 A St,active,\"1,2,3\"\n");
    let run = city.as_user("boss", ADMIN_PIN).args(&["import", "payables", &city.path("commas.csv")]).run();
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("line 2, column balance: balance: '1,2,3' has a comma out of place"), "{}", run.stderr);
    let paid = ana().args(&["--json", "pay", "--account", "100300-02", "--amount", "1,234.56", "--tender", "cash=1234.56"]).expect_ok().json();
    assert_eq!(paid["total"], "1234.56", "{paid}");
}

// Proves reasons starting with = + - @ come out of every CSV report as text, never as a formula, while
// amounts such as -5.00 stay numbers (the outside test found them unescaped).
#[test]
fn csv_reports_never_start_a_formula() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    let receipt = ana().args(&["--json", "pay", "--account", "100300-02", "--amount", "20.00", "--tender", "cash=20.00"]).expect_ok().json()["receipt"].as_str().unwrap_or_default().to_string();
    let second = ana().args(&["--json", "pay", "--account", "100200-01", "--amount", "10.00", "--tender", "cash=10.00"]).expect_ok().json()["receipt"].as_str().unwrap_or_default().to_string();
    ana().approver("sam", PIN).args(&["void", &receipt, "--reason=-2+3+cmd|' /C calc'!A0"]).expect_ok();
    ana().approver("sam", PIN).args(&["refund", &second, "--amount", "5.00", "--reason", "=HYPERLINK(\"http://evil.example\",\"click\")"]).expect_ok();
    ana().args(&["drawer", "no-sale", "--reason", "@SUM(1+1)*cmd|' /C calc'!A0"]).expect_ok();
    ana().approver("sam", PIN).args(&["drawer", "paid-in", "5.00", "--reason", "+1+1"]).expect_ok();
    let out = city.dir.path().join("exceptions.csv");
    city.as_user("boss", ADMIN_PIN).args(&["report", "exceptions", "--format", "csv", "--out", &out.display().to_string()]).expect_ok();
    let cells = csv_cells(&std::fs::read(&out).expect("report written"));
    let risky: Vec<&String> = cells.iter().filter(|c| formula(c)).collect();
    assert!(risky.is_empty(), "formula cells: {risky:?}");
    for reason in ["'-2+3+cmd|' /C calc'!A0", "'=HYPERLINK(\"http://evil.example\",\"click\")", "'@SUM(1+1)*cmd|' /C calc'!A0", "'+1+1"] {
        assert!(cells.iter().any(|c| c == reason), "{reason} missing from {cells:?}");
    }
    for name in ["day", "drawer", "gl", "over-short"] {
        let run = city.as_user("boss", ADMIN_PIN).args(&["report", name, "--format", "csv"]).expect_ok();
        let risky: Vec<String> = csv_cells(run.stdout.as_bytes()).into_iter().filter(|c| formula(c)).collect();
        assert!(risky.is_empty(), "{name}: formula cells {risky:?}");
    }
    let gl = city.as_user("boss", ADMIN_PIN).args(&["report", "gl", "--format", "csv"]).expect_ok();
    assert!(csv_cells(gl.stdout.as_bytes()).iter().any(|c| c.starts_with('-') && c.contains('.')), "negative amounts stay numbers: {}", gl.stdout);
}

// Proves newlines, ESC and BEL in a reason are refused naming the field, writing nothing (the outside test
// found them printed raw in text reports).
#[test]
fn control_characters_in_reasons_are_refused() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    for reason in ["two\nlines here", "clear \u{1b}[2J screen", "ring \u{7} bell", "tab\there"] {
        ana().args(&["drawer", "no-sale", "--reason", reason]).expect_refused("--reason: has control characters", 0);
        ana().approver("sam", PIN).args(&["drawer", "paid-in", "5.00", "--reason", reason]).expect_refused("--reason: has control characters", 0);
    }
}

// Proves that even a reason holding ESC, BEL and a newline that reached the journal behind the app's back
// is shown with `?` in text and CSV reports and on the terminal, never raw.
#[test]
fn stored_control_characters_never_reach_a_report() {
    let city = City::new();
    city.ana_with_drawer();
    let mut ledger = citytill::ledger::Ledger::open(&city.ledger()).expect("open ledger");
    let reason = "drawer\u{1b}[2J\u{7}\nstuck".to_string();
    ledger.write(|w| w.append(Some("ana"), None, &citytill::domain::events::Event::NoSale { drawer_id: 1, reason })).expect("append behind the app's back");
    drop(ledger);
    for format in ["text", "csv"] {
        let run = city.as_user("boss", ADMIN_PIN).args(&["report", "exceptions", "--format", format]).expect_ok();
        assert!(!run.stdout.chars().any(|c| c.is_control() && c != '\n' && c != '\r'), "{format}: {:?}", run.stdout);
        assert!(run.stdout.contains("drawer?[2J??stuck"), "{format}: {:?}", run.stdout);
    }
    let pdf = city.dir.path().join("exceptions.pdf");
    city.as_user("boss", ADMIN_PIN).args(&["report", "exceptions", "--format", "pdf", "--out", &pdf.display().to_string()]).expect_ok();
    let bytes = std::fs::read(&pdf).expect("pdf");
    assert!(!bytes.windows(2).any(|w| w == [0x1b, b'[']), "ESC reached the PDF");
}
