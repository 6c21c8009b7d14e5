//! Byte-exact tests: receipts at each width against committed snapshots, the drawer kick, DLE EOT decoding.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::encode::{encode_receipt, CutMode, PrintOptions};
use citytill_hardware::escpos_bytes::{drawer_kick, DrawerPin};
use citytill_hardware::receipt::{layout, AmountLine, Barcode, Receipt, ReceiptItem};
use citytill_hardware::status::{decode_error_cause, decode_offline_cause, decode_paper, decode_printer, PaperState, PrinterSnapshot};
use std::path::PathBuf;

fn sample_receipt() -> Receipt {
    Receipt {
        header: vec!["CITY OF SPRINGFIELD".into(), "Treasurer's Office — Counter 2".into()],
        receipt_number: "R-2024-000123".into(),
        issued_at: "2024-05-01 14:03".into(),
        cashier: Some("J. Müller".into()),
        items: vec![
            ReceiptItem { description: "Water & sewer, account 00345678901, period April 2024".into(), amount_cents: 4550 },
            ReceiptItem { description: "Parking permit".into(), amount_cents: 2500 },
        ],
        totals: vec![AmountLine { label: "TOTAL".into(), amount_cents: 7050 }],
        tenders: vec![AmountLine { label: "CASH".into(), amount_cents: 8000 }],
        change_cents: Some(950),
        footer: vec!["Thank you — €/£ accepted at no counter".into()],
        barcode: Some(Barcode::Code128("R-2024-000123".into())),
        duplicate: true,
        training: false,
    }
}

/// Compares with a committed snapshot; a missing or different snapshot fails unless UPDATE_SNAPSHOTS=1.
fn check_snapshot(name: &str, actual: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("snapshot {} missing ({e}); run with UPDATE_SNAPSHOTS=1 to create it", path.display()));
    assert!(expected == actual, "snapshot {name} differs; inspect and re-run with UPDATE_SNAPSHOTS=1 if the change is intended");
}

// The receipt's ESC/POS bytes and its text layout are byte-for-byte what was reviewed, at 32, 42 and 48 columns.
#[test]
fn receipt_snapshots_each_width() {
    for columns in [32, 42, 48] {
        let options = PrintOptions { columns, cut: CutMode::Partial, feed_lines_before_cut: 4, dots: 576 };
        let bytes = encode_receipt(&sample_receipt(), &options).unwrap();
        check_snapshot(&format!("receipt-{columns}.bin"), &bytes);
        let text = layout(&sample_receipt(), columns).join("\n") + "\n";
        check_snapshot(&format!("receipt-{columns}.txt"), text.as_bytes());
    }
}

// A QR receipt asks for Model 2 and stores the receipt number as the symbol data.
#[test]
fn qr_receipt_snapshot() {
    let receipt = Receipt { barcode: Some(Barcode::Qr("R-2024-000123".into())), training: true, ..sample_receipt() };
    let bytes = encode_receipt(&receipt, &PrintOptions::default()).unwrap();
    check_snapshot("receipt-qr-42.bin", &bytes);
}

// The drawer kick is the full 5-byte ESC p for both pins and matches python-escpos's cashdraw(2).
#[test]
fn drawer_kick_bytes() {
    assert_eq!(drawer_kick(DrawerPin::Pin2, 100, 100).unwrap(), [0x1B, 0x70, 0x00, 0x32, 0x32]);
    assert_eq!(drawer_kick(DrawerPin::Pin2, 50, 500).unwrap(), [0x1B, 0x70, 0x00, 0x19, 0xFA]);
    assert_eq!(drawer_kick(DrawerPin::Pin5, 510, 2).unwrap(), [0x1B, 0x70, 0x01, 0xFF, 0x01]);
}

// Every bit of every row of the DLE EOT table decodes to the named flag, alone.
#[test]
fn dle_eot_table_rows() {
    let p = |b| decode_printer(b).unwrap();
    assert!(p(0x16).drawer_pin3_high && !p(0x16).offline);
    assert!(p(0x1A).offline);
    assert!(p(0x32).waiting_for_recovery);
    assert!(p(0x52).feed_pressed);
    let o = |b| decode_offline_cause(b).unwrap();
    assert!(o(0x16).cover_open && !o(0x16).error);
    assert!(o(0x1A).paper_fed_by_feed);
    assert!(o(0x32).stopped_by_paper_end);
    assert!(o(0x52).error);
    let e = |b| decode_error_cause(b).unwrap();
    assert!(e(0x16).mechanical);
    assert!(e(0x1A).autocutter);
    assert!(e(0x32).unrecoverable);
    assert!(e(0x52).auto_recoverable);
    assert_eq!(decode_paper(0x1E), Ok(PaperState::NearEnd));
    assert_eq!(decode_paper(0x72), Ok(PaperState::Out));
    assert_eq!(decode_paper(0x12), Ok(PaperState::Ok));
}

// The worked values of hardware.md give the documented meaning and the right job blocker.
#[test]
fn dle_eot_worked_values() {
    assert_eq!(decode_paper(0x7E), Ok(PaperState::Out));
    assert!(decode_offline_cause(0x32).unwrap().stopped_by_paper_end);
    let paper_out = PrinterSnapshot::decode(0x1A, 0x32, 0x7E).unwrap();
    assert_eq!(paper_out.job_blocker(), Some("paper out"));
    let near_end = PrinterSnapshot::decode(0x12, 0x12, 0x1E).unwrap();
    assert_eq!(near_end.paper, PaperState::NearEnd);
    assert_eq!(near_end.job_blocker(), None, "near end is only a warning");
    let cover = PrinterSnapshot::decode(0x1A, 0x16, 0x12).unwrap();
    assert!(cover.offline_cause.cover_open && cover.printer.offline);
    assert_eq!(cover.job_blocker(), Some("cover open"));
    let offline = PrinterSnapshot::decode(0x1A, 0x12, 0x12).unwrap();
    assert_eq!(offline.job_blocker(), Some("printer offline"));
}
