//! Each printer profile's paper: receipt lines fit its columns, its columns fit its dots, and no barcode is
//! wider than the paper (Code 128 with subset C for digit runs, else a QR code of the same data).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::device::DeviceKind;
use citytill_hardware::encode::encode_receipt;
use citytill_hardware::profile::{embedded_names, Profile};
use citytill_hardware::receipt::{AmountLine, Barcode, Receipt, ReceiptItem};
use citytill_hardware::sim::{DrawerModel, PrinterModel};

/// QR byte capacity at level M, versions 1..=10 (ISO/IEC 18004), for the independent width check.
const QR_M: [usize; 10] = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];

fn receipt(barcode: Barcode) -> Receipt {
    Receipt {
        header: vec!["CITY OF SPRINGFIELD — TREASURER'S OFFICE, MAIN COUNTER".into()],
        receipt_number: "R-2024-000123".into(),
        issued_at: "2024-05-01 14:03".into(),
        items: vec![ReceiptItem { description: "Water & sewer, account 00345678901, period April 2024, late fee included".into(), amount_cents: 123_456_789 }],
        totals: vec![AmountLine { label: "TOTAL".into(), amount_cents: 123_456_789 }],
        barcode: Some(barcode),
        ..Receipt::default()
    }
}

/// The printed width in dots of the barcode or QR in `bytes`, read from the commands themselves:
/// GS w n (module) and GS k 73 n data (11 modules per symbol character incl. start, code-set switches and
/// check, 13 for stop), or GS ( k fn 67 (module size) and fn 80 (data length → QR version).
fn symbol_width(bytes: &[u8]) -> (&'static str, u32) {
    let find = |pattern: &[u8]| bytes.windows(pattern.len()).position(|w| w == pattern);
    if let Some(at) = find(&[0x1D, 0x6B, 73]) {
        let module = u32::from(bytes[find(&[0x1D, 0x77]).expect("GS w before GS k") + 2]);
        let n = usize::from(bytes[at + 3]);
        let data = &bytes[at + 4..at + 4 + n];
        let (mut symbols, mut i, mut first) = (2u32, 0, true);
        while i < data.len() {
            if data[i] == b'{' {
                symbols += u32::from(!first);
                first = false;
                i += 2;
            } else {
                symbols += 1;
                i += 1;
            }
        }
        return ("code128", (11 * symbols + 13) * module);
    }
    let size_at = find(&[0x1D, 0x28, 0x6B, 3, 0, 49, 67]).expect("a barcode or a QR code");
    let module = u32::from(bytes[size_at + 7]);
    let store_at = (0..bytes.len()).find(|&i| bytes[i..].starts_with(&[0x1D, 0x28, 0x6B]) && bytes.get(i + 6) == Some(&80)).expect("QR store (fn 80)");
    let len = usize::from(bytes[store_at + 3]) + 256 * usize::from(bytes[store_at + 4]) - 3;
    let version = QR_M.iter().position(|cap| len <= *cap).unwrap() as u32 + 1;
    ("qr", (17 + 4 * version) * module)
}

// Proves the printer profiles the cities buy are there with their real widths — TM-T88 at 576 dots / 48
// columns and at 512 / 42, generic 80 mm at 48 and 42, 58 mm at 32 / 384, TM-H6000 with slip and MICR, Star
// in ESC/POS emulation — and that the 42-column TM-T88 does not turn on slip or MICR. Before the fix only
// tm-t88 (48), printer-58mm and tm-h6000 (the only 42-column profile, with slip and MICR) existed.
#[test]
fn profiles_by_model() {
    let expect = [
        ("tm-t88", 48, 576, false),
        ("tm-t88-512", 42, 512, false),
        ("printer-80mm", 48, 576, false),
        ("printer-80mm-42", 42, 512, false),
        ("printer-58mm", 32, 384, false),
        ("tm-h6000", 42, 512, true),
        ("star-escpos", 48, 576, false),
    ];
    for (name, columns, dots, slip_and_micr) in expect {
        let profile = Profile::load_kind(name, DeviceKind::Printer).unwrap_or_else(|e| panic!("{name}: {e}"));
        let printer = profile.printer.unwrap();
        assert_eq!((printer.columns, printer.print_dots()), (columns, dots), "{name}");
        assert_eq!((printer.slip_station, printer.micr), (slip_and_micr, slip_and_micr), "{name}");
        assert!(printer.columns as u32 * 12 <= printer.print_dots(), "{name}: font A (12 dots) × columns fits the paper");
    }
}

// Proves, for every embedded printer profile, that every printed receipt line (as the simulator renders the
// real bytes) is at most the profile's columns, and that the barcode under it — a mixed receipt number, a
// 40-digit account scanline, a long mixed reference — is never wider than the paper in dots: Code 128 uses
// subset C for digit runs (so 40 digits fit 576 dots) and turns into a QR code where even that is too wide.
// Before the fix every Code 128 went out as subset B at any length (a 40-character one is 950 dots wide,
// wider than any roll, and the printer prints nothing).
#[test]
fn lines_and_barcodes_fit_each_profile() {
    let payloads = ["R-2024-000123", "0034567890111029600000000001000000000100", "CITY-UTILITY-ACCT-00345678901-APR"];
    for name in embedded_names() {
        let Ok(profile) = Profile::load_kind(name, DeviceKind::Printer) else { continue };
        let printer = profile.printer.unwrap();
        let options = printer.print_options();
        for payload in payloads {
            let bytes = encode_receipt(&receipt(Barcode::Code128(payload.into())), &options).unwrap();
            let (kind, width) = symbol_width(&bytes);
            assert!(width <= printer.print_dots(), "{name}: {payload} as {kind} is {width} dots, paper {}", printer.print_dots());
            if payload.len() == 40 {
                let expected = if printer.print_dots() >= 510 { "code128" } else { "qr" };
                assert_eq!(kind, expected, "{name}: 40 digits in subset C are 510 dots wide");
            }
            let dir = tempfile::tempdir().unwrap();
            let mut model = PrinterModel::new(dir.path());
            model.dots = printer.print_dots();
            model.feed(&bytes, &mut DrawerModel::default());
            let text = std::fs::read_to_string(dir.path().join("0001.txt")).unwrap();
            for line in text.lines().filter(|l| !l.starts_with('[')) {
                assert!(line.chars().count() <= printer.columns, "{name}: {line:?} is wider than {} columns", printer.columns);
            }
            if kind == "code128" {
                // The simulator, set to this paper's width, prints a Code 128 only when it fits (as the printer does).
                assert!(text.contains(&format!("[CODE128 {payload}]")), "{name}: the symbol encodes the payload: {text}");
            } else {
                assert!(text.contains(&format!("[QR {payload}]")), "{name}: {text}");
            }
        }
    }
}
