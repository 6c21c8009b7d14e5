//! Property tests: every parser survives arbitrary input without panicking, and valid input round-trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::counter::{parse_report, render_report, CounterTemplate};
use citytill_hardware::linereader::LineReader;
use citytill_hardware::micr;
use citytill_hardware::profile::Profile;
use citytill_hardware::scanline::Template;
use citytill_hardware::sim::PrinterModel;
use citytill_hardware::status::{decode_offline_cause, decode_paper, decode_printer};
use proptest::prelude::*;

fn template() -> Template {
    Template::from_toml_str(include_str!("../profiles/scanline-city-utility.toml")).unwrap()
}

fn counter_template() -> CounterTemplate {
    Profile::load("bill-counter").unwrap().counter.unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    // MICR parsing never panics on any text, including the MICR alphabet shuffled.
    #[test]
    fn micr_never_panics(line in "[0-9TUtoaAdD$?⑆⑇⑈⑉ ()&'*BCRKPEN;/-]{0,80}", any_text in "\\PC{0,40}") {
        let _ = micr::parse(&line, None);
        let _ = micr::parse(&any_text, Some(micr::Format::F00));
        for code in ["0100", "0201", "honeywell", "axiohm", "0035"] {
            let _ = micr::parse(&line, Some(micr::Format::from_code(code).unwrap()));
        }
        let _ = micr::parse(&format!("PTTR{line}"), None);
    }

    // A valid check (account longer than the check number, as printed) parses back to the same fields.
    #[test]
    fn micr_round_trip(account in "[0-9]{7,14}", check in "[0-9]{3,6}") {
        let parsed = micr::parse(&format!("T021000021T {account}U {check}"), None).unwrap();
        prop_assert_eq!(parsed.account_last4, account[account.len() - 4..].to_string());
        prop_assert_eq!(parsed.check_number, Some(check));
    }

    // Scanline parsing never panics; a line passes only if its check digit is right.
    #[test]
    fn scanline_never_panics(line in "[0-9X ]{0,60}", any_text in "\\PC{0,50}") {
        let t = template();
        let _ = t.parse(&line);
        let _ = t.inspect(&any_text);
    }

    // Changing one digit of the valid 42-digit line is always caught by the mod-10 check.
    #[test]
    fn scanline_single_digit_errors_caught(position in 0usize..42, delta in 1u8..10) {
        let mut digits = b"003456789011102960000000000100000000010008".to_vec();
        digits[position] = b'0' + (digits[position] - b'0' + delta) % 10;
        let line = String::from_utf8(digits).unwrap();
        prop_assert!(template().parse(&line).is_err());
    }

    // A counter profile's patterns, whatever text they are, are checked or refused without a panic, and reading
    // any line with the ones that pass never panics either.
    #[test]
    fn counter_patterns_never_panic(pattern in "\\PC{0,30}", line in "\\PC{0,60}") {
        let template = CounterTemplate { row_patterns: vec![pattern.clone()], total_patterns: vec![pattern, "T {pieces} {amount}".into()], ..counter_template() };
        if template.validate().is_ok() {
            let _ = parse_report(format!("{line}\r\nT 1 $1.00\r\n").as_bytes(), &template);
        }
    }

    // Counter report parsing never panics on arbitrary bytes.
    #[test]
    fn counter_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_report(&bytes, &counter_template());
    }

    // Any report the simulator renders parses back exactly; any truncation of it is rejected.
    #[test]
    fn counter_round_trip(rows in proptest::collection::btree_map(prop::sample::select(vec![100i64, 200, 500, 1000, 2000, 5000, 10000]), 0u32..500, 1..7), cut in 1usize..40) {
        let rows: Vec<(i64, u32)> = rows.into_iter().collect();
        let bytes = render_report(&rows, "P-1");
        let report = parse_report(&bytes, &counter_template()).unwrap();
        prop_assert_eq!(report.rows, rows);
        prop_assert!(parse_report(&bytes[..bytes.len() - cut - 3], &counter_template()).is_err());
    }

    // Status decoding never panics and accepts exactly the bytes with the fixed bits right.
    #[test]
    fn status_bytes(byte in any::<u8>()) {
        let valid = byte & 0x93 == 0x12;
        prop_assert_eq!(decode_printer(byte).is_ok(), valid);
        prop_assert_eq!(decode_offline_cause(byte).is_ok(), valid);
        prop_assert_eq!(decode_paper(byte).is_ok(), valid);
    }

    // Line reading and the printer simulator's ESC/POS parser survive arbitrary bytes.
    #[test]
    fn byte_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut reader = LineReader::new(64);
        for line in reader.feed(&bytes) {
            if let citytill_hardware::linereader::LineOutcome::Line(text) = line {
                prop_assert!(text.len() <= 64);
            }
        }
        let dir = std::env::temp_dir();
        let mut model = PrinterModel::new(&dir.join("citytill-fuzz-never-written"));
        let mut drawer = citytill_hardware::sim::DrawerModel::default();
        let _ = model.feed(&bytes, &mut drawer);
    }
}
