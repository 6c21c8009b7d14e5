//! ESC/POS bytes for receipts, endorsements, drawer kicks and the test page, built through escpos.

use crate::codepage::{encode_pc858, PC858_PAGE};
use crate::escpos_bytes::{code128_bytes, code128_plan, Code128Plan, CommandError, EJECT_SLIP, FULL_CUT, PARTIAL_CUT, SELECT_ROLL, SELECT_SLIP};
use crate::receipt::{layout_styled, wrap, Barcode, LineStyle, Receipt};
use crate::Money;
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use thiserror::Error;

/// Longest QR payload accepted (receipt numbers and short URLs).
pub const QR_MAX_LEN: usize = 200;

/// Why a document could not be turned into printer bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error("qr payload {payload:?}: must be 1 to 200 printable ASCII characters")]
    QrPayload { payload: String },
    #[error("endorsement: printer profile {profile} has no slip station")]
    NoSlipStation { profile: String },
    #[error("escpos: {0}")]
    Escpos(String),
}

impl From<escpos::errors::PrinterError> for EncodeError {
    fn from(err: escpos::errors::PrinterError) -> Self {
        Self::Escpos(err.to_string())
    }
}

/// How the paper is cut after a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CutMode {
    #[default]
    Partial,
    Full,
    None,
}

/// Printer-specific choices the encoder needs (from the printer profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintOptions {
    pub columns: usize,
    pub cut: CutMode,
    pub feed_lines_before_cut: u8,
    /// Printable width in dots: no barcode may be wider.
    pub dots: u32,
}

impl Default for PrintOptions {
    fn default() -> Self {
        Self { columns: 42, cut: CutMode::Partial, feed_lines_before_cut: 4, dots: 512 }
    }
}

/// An escpos driver that only collects bytes, one segment per escpos instruction, so encoding
/// stays pure and a job can be sent in pieces that never split a command.
#[derive(Default, Clone)]
struct CaptureDriver {
    segments: Rc<RefCell<Vec<Vec<u8>>>>,
}

impl Driver for CaptureDriver {
    fn name(&self) -> String {
        "capture".to_string()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.segments.borrow_mut().push(data.to_vec());
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Runs `build` against an escpos printer that starts with ESC @ and PC858; returns whole-command segments.
fn capture(build: impl FnOnce(&mut Printer<CaptureDriver>) -> Result<(), EncodeError>) -> Result<Vec<Vec<u8>>, EncodeError> {
    let driver = CaptureDriver::default();
    let bytes = driver.segments.clone();
    let mut printer = Printer::new(driver, Protocol::default(), None);
    printer.init()?.custom(&[0x1B, 0x74, PC858_PAGE])?;
    build(&mut printer)?;
    printer.print()?;
    let out = bytes.borrow().clone();
    Ok(out)
}

fn text_line(printer: &mut Printer<CaptureDriver>, text: &str, style: LineStyle) -> Result<(), EncodeError> {
    let bold = style == LineStyle::Bold;
    if bold {
        printer.bold(true)?;
    }
    printer.custom(&encode_pc858(text))?.custom(b"\n")?;
    if bold {
        printer.bold(false)?;
    }
    Ok(())
}

/// QR module size asked for (`GS ( k` fn 67), in dots, when the paper has room.
pub const QR_MODULE_DOTS: u32 = 6;

/// Byte-mode capacity of QR versions 1..=10 at error correction level M (ISO/IEC 18004 capacity table);
/// [`QR_MAX_LEN`] = 200 fits version 10.
const QR_CAPACITY_M: [usize; 10] = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213];

/// The symbol that will really be printed under a receipt, sized for the paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlannedSymbol {
    Code128(Code128Plan),
    Qr { data: String, module_dots: u8, width_dots: u32 },
}

impl PlannedSymbol {
    /// The printed width in dots (without quiet zones).
    pub fn width_dots(&self) -> u32 {
        match self {
            Self::Code128(plan) => plan.width_dots(),
            Self::Qr { width_dots, .. } => *width_dots,
        }
    }
}

fn plan_qr(data: &str, dots: u32) -> Result<PlannedSymbol, EncodeError> {
    let valid = !data.is_empty() && data.len() <= QR_MAX_LEN && data.bytes().all(|b| (0x20..=0x7E).contains(&b));
    let version = QR_CAPACITY_M.iter().position(|cap| data.len() <= *cap).map(|i| i + 1);
    let (true, Some(version)) = (valid, version) else { return Err(EncodeError::QrPayload { payload: data.to_string() }) };
    let modules = 17 + 4 * u32::try_from(version).unwrap_or(10);
    let module = QR_MODULE_DOTS.min(dots / modules);
    let module_dots = u8::try_from(module).ok().filter(|m| *m >= 1).ok_or_else(|| EncodeError::QrPayload { payload: data.to_string() })?;
    Ok(PlannedSymbol::Qr { data: data.to_string(), module_dots, width_dots: modules * module })
}

/// Chooses the symbol for `dots` of paper: Code 128 (subset C for digit runs) when it fits, else the same
/// data as a QR code (a printer given a barcode wider than the paper prints nothing at all — Epson GS k).
pub fn plan_symbol(symbol: &Barcode, dots: u32) -> Result<PlannedSymbol, EncodeError> {
    match symbol {
        Barcode::Code128(data) => {
            let plan = code128_plan(data)?;
            if plan.width_dots() <= dots {
                Ok(PlannedSymbol::Code128(plan))
            } else {
                plan_qr(data, dots)
            }
        }
        Barcode::Qr(data) => plan_qr(data, dots),
    }
}

fn barcode(printer: &mut Printer<CaptureDriver>, symbol: &Barcode, dots: u32) -> Result<(), EncodeError> {
    printer.justify(JustifyMode::CENTER)?;
    match plan_symbol(symbol, dots)? {
        PlannedSymbol::Code128(plan) => {
            printer.custom(&code128_bytes(&plan))?;
        }
        PlannedSymbol::Qr { data, module_dots, .. } => {
            let option = QRCodeOption::new(QRCodeModel::Model2, module_dots, QRCodeCorrectionLevel::M);
            printer.qrcode_option(&data, option)?;
        }
    }
    printer.custom(b"\n")?.justify(JustifyMode::LEFT)?;
    Ok(())
}

fn cut(printer: &mut Printer<CaptureDriver>, options: &PrintOptions) -> Result<(), EncodeError> {
    printer.feeds(options.feed_lines_before_cut)?;
    // Our own bytes, not escpos's partial_cut() (GS V 65 1, a full cut): see escpos_bytes::PARTIAL_CUT.
    match options.cut {
        CutMode::Partial => printer.custom(&PARTIAL_CUT)?,
        CutMode::Full => printer.custom(&FULL_CUT)?,
        CutMode::None => printer,
    };
    Ok(())
}

/// The complete ESC/POS byte stream of one receipt: init, PC858, text, barcode, feed, cut.
pub fn encode_receipt(receipt: &Receipt, options: &PrintOptions) -> Result<Vec<u8>, EncodeError> {
    Ok(encode_receipt_segments(receipt, options)?.concat())
}

/// The receipt as whole commands (the printer worker sends them in chunks between status checks).
pub fn encode_receipt_segments(receipt: &Receipt, options: &PrintOptions) -> Result<Vec<Vec<u8>>, EncodeError> {
    capture(|printer| {
        for line in layout_styled(receipt, options.columns) {
            text_line(printer, &line.text, line.style)?;
        }
        if let Some(symbol) = &receipt.barcode {
            barcode(printer, symbol, options.dots)?;
        }
        cut(printer, options)
    })
}

/// What is printed on the back of a check on a slip/validation station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    pub payee: String,
    pub receipt_number: String,
    pub date: String,
    pub amount_cents: i64,
}

/// Endorsement lines (pure), at most `columns` wide.
pub fn endorsement_lines(endorsement: &Endorsement, columns: usize) -> Vec<String> {
    let raw =
        ["FOR DEPOSIT ONLY".to_string(), endorsement.payee.clone(), format!("Receipt {}", endorsement.receipt_number), format!("{} {}", endorsement.date, Money::from_cents(endorsement.amount_cents))];
    raw.iter().flat_map(|line| wrap(&crate::codepage::transliterate(line), columns.max(16))).collect()
}

/// Slip station: select slip, print the endorsement, eject, back to the roll.
pub fn encode_endorsement(endorsement: &Endorsement, columns: usize) -> Result<Vec<u8>, EncodeError> {
    Ok(encode_endorsement_segments(endorsement, columns)?.concat())
}

/// The endorsement as whole commands.
pub fn encode_endorsement_segments(endorsement: &Endorsement, columns: usize) -> Result<Vec<Vec<u8>>, EncodeError> {
    capture(|printer| {
        printer.custom(&SELECT_SLIP)?;
        for line in endorsement_lines(endorsement, columns) {
            text_line(printer, &line, LineStyle::Normal)?;
        }
        printer.custom(&[EJECT_SLIP])?.custom(&SELECT_ROLL)?;
        Ok(())
    })
}

/// A short test page naming the printer profile, with a euro sign and a barcode.
pub fn encode_test_page(profile_name: &str, options: &PrintOptions) -> Result<Vec<Vec<u8>>, EncodeError> {
    let receipt = Receipt {
        header: vec!["CityTill printer test".to_string(), format!("profile {profile_name}")],
        receipt_number: "TEST".to_string(),
        footer: vec![format!("{} columns  €  éàü", options.columns)],
        barcode: Some(Barcode::Code128("TEST".to_string())),
        ..Receipt::default()
    };
    encode_receipt_segments(&receipt, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A receipt starts with ESC @ and ESC t 19 and ends with the feed and a partial cut (GS V 66 0, Epson function B).
    #[test]
    fn frame_bytes() {
        let bytes = encode_receipt(&Receipt::default(), &PrintOptions::default()).unwrap();
        assert_eq!(&bytes[..5], &[0x1B, 0x40, 0x1B, 0x74, 19]);
        assert_eq!(&bytes[bytes.len() - 7..], &[0x1B, 0x64, 4, 0x1D, 0x56, 0x42, 0]);
    }

    // QR codes are asked for as Model 2 (fn 65, n1 = 50), not escpos's default Model 1.
    #[test]
    fn qr_is_model_2() {
        let receipt = Receipt { barcode: Some(Barcode::Qr("R-1".into())), ..Receipt::default() };
        let bytes = encode_receipt(&receipt, &PrintOptions::default()).unwrap();
        let model = [0x1D, 0x28, 0x6B, 4, 0, 49, 65, 50, 0];
        assert!(bytes.windows(model.len()).any(|w| w == model));
    }

    // An endorsement selects the slip station, ejects, and never prints the wrong station.
    #[test]
    fn endorsement_uses_slip() {
        let e = Endorsement { payee: "City of Springfield".into(), receipt_number: "R-7".into(), date: "2024-05-01".into(), amount_cents: 12345 };
        let bytes = encode_endorsement(&e, 42).unwrap();
        assert_eq!(&bytes[5..9], &SELECT_SLIP);
        assert!(bytes.windows(16).any(|w| w == b"FOR DEPOSIT ONLY"));
        assert!(bytes.windows(17).any(|w| w == b"2024-05-01 123.45"));
        assert_eq!(&bytes[bytes.len() - 5..], &[EJECT_SLIP, 0x1B, 0x63, 0x30, 0x02]);
    }
}
