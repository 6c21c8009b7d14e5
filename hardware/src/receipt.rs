//! The receipt document and its pure text layout for 32, 42 and 48 columns.

use crate::codepage::transliterate;
use crate::Money;
use serde::{Deserialize, Serialize};

/// Most items a single receipt carries (a bound, not a business rule).
pub const MAX_ITEMS: usize = 500;
/// Most header/footer lines kept.
pub const MAX_TEXT_LINES: usize = 20;

/// One priced line on the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptItem {
    pub description: String,
    pub amount_cents: i64,
}

/// A labelled amount (totals, tenders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmountLine {
    pub label: String,
    pub amount_cents: i64,
}

/// Symbol printed under the receipt so a reprint can be found by scanning it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "payload", rename_all = "kebab-case")]
pub enum Barcode {
    Code128(String),
    Qr(String),
}

/// A receipt as plain data: the app fills it, this crate lays it out and prints it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Receipt {
    pub header: Vec<String>,
    pub receipt_number: String,
    pub issued_at: String,
    pub cashier: Option<String>,
    pub items: Vec<ReceiptItem>,
    pub totals: Vec<AmountLine>,
    pub tenders: Vec<AmountLine>,
    pub change_cents: Option<i64>,
    pub footer: Vec<String>,
    pub barcode: Option<Barcode>,
    pub duplicate: bool,
    pub training: bool,
}

/// Paper widths the layout supports, in characters of font A.
pub const SUPPORTED_COLUMNS: [usize; 3] = [32, 42, 48];

/// How one laid-out line should look on paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStyle {
    Normal,
    Bold,
}

/// A laid-out line: text already padded to the width, plus its style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledLine {
    pub text: String,
    pub style: LineStyle,
}

/// Lays the receipt out as plain text lines of at most `columns` characters (pure).
pub fn layout(receipt: &Receipt, columns: usize) -> Vec<String> {
    layout_styled(receipt, columns).into_iter().map(|line| line.text).collect()
}

/// Lays the receipt out with styles (the encoder prints banners in bold).
pub fn layout_styled(receipt: &Receipt, columns: usize) -> Vec<StyledLine> {
    let columns = columns.clamp(16, 64);
    let mut out = Layout { columns, lines: Vec::new() };
    for line in receipt.header.iter().take(MAX_TEXT_LINES) {
        out.centered(line, LineStyle::Normal);
    }
    out.banners(receipt);
    out.plain(&format!("Receipt: {}", receipt.receipt_number));
    if !receipt.issued_at.is_empty() {
        out.plain(&format!("Date: {}", receipt.issued_at));
    }
    if let Some(cashier) = &receipt.cashier {
        out.plain(&format!("Cashier: {cashier}"));
    }
    out.rule();
    for item in receipt.items.iter().take(MAX_ITEMS) {
        out.amount_row(&item.description, item.amount_cents);
    }
    out.rule();
    out.amount_rows(&receipt.totals);
    out.amount_rows(&receipt.tenders);
    if let Some(change) = receipt.change_cents {
        out.amount_row("CHANGE", change);
    }
    out.finish(receipt);
    out.lines
}

struct Layout {
    columns: usize,
    lines: Vec<StyledLine>,
}

impl Layout {
    fn push(&mut self, text: String, style: LineStyle) {
        self.lines.push(StyledLine { text, style });
    }

    fn plain(&mut self, text: &str) {
        for piece in wrap(&transliterate(text), self.columns) {
            self.push(piece, LineStyle::Normal);
        }
    }

    fn centered(&mut self, text: &str, style: LineStyle) {
        for piece in wrap(&transliterate(text), self.columns) {
            let pad = (self.columns - piece.chars().count()) / 2;
            self.push(format!("{}{}", " ".repeat(pad), piece).trim_end().to_string(), style);
        }
    }

    fn rule(&mut self) {
        self.push("-".repeat(self.columns), LineStyle::Normal);
    }

    fn banners(&mut self, receipt: &Receipt) {
        if receipt.duplicate {
            self.centered("*** DUPLICATE ***", LineStyle::Bold);
        }
        if receipt.training {
            self.centered("*** TRAINING - NOT A RECEIPT ***", LineStyle::Bold);
        }
    }

    /// Description on the left, amount right-aligned; long descriptions wrap above the amount.
    fn amount_row(&mut self, label: &str, amount_cents: i64) {
        let amount = Money::from_cents(amount_cents).to_string();
        let room = self.columns.saturating_sub(amount.len() + 1).max(1);
        let mut pieces = wrap(&transliterate(label), room);
        let last = pieces.pop().unwrap_or_default();
        for piece in pieces {
            self.push(piece, LineStyle::Normal);
        }
        let gap = self.columns.saturating_sub(last.chars().count() + amount.len()).max(1);
        self.push(format!("{last}{}{amount}", " ".repeat(gap)), LineStyle::Normal);
    }

    fn amount_rows(&mut self, rows: &[AmountLine]) {
        for row in rows.iter().take(MAX_ITEMS) {
            self.amount_row(&row.label, row.amount_cents);
        }
    }

    fn finish(&mut self, receipt: &Receipt) {
        if !receipt.footer.is_empty() {
            self.rule();
        }
        for line in receipt.footer.iter().take(MAX_TEXT_LINES) {
            self.centered(line, LineStyle::Normal);
        }
        self.banners(receipt);
    }
}

/// Splits text into pieces of at most `width` characters, at spaces where possible.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_string();
        while word.chars().count() > width {
            if !current.is_empty() {
                pieces.push(std::mem::take(&mut current));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            pieces.push(head);
        }
        let needed = current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || pieces.is_empty() {
        pieces.push(current);
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Receipt {
        Receipt {
            header: vec!["CITY OF SPRINGFIELD".into()],
            receipt_number: "R-000042".into(),
            issued_at: "2024-05-01 14:03".into(),
            items: vec![ReceiptItem { description: "Water bill account 1234567 May".into(), amount_cents: 4550 }],
            totals: vec![AmountLine { label: "TOTAL".into(), amount_cents: 4550 }],
            tenders: vec![AmountLine { label: "CASH".into(), amount_cents: 5000 }],
            change_cents: Some(450),
            duplicate: true,
            ..Receipt::default()
        }
    }

    // Proves a control character in any receipt text (ESC, BEL, a line break) is laid out as '?', never raw
    // (transliteration does it; issue 13 asked that none reach a receipt or printer).
    #[test]
    fn control_characters_never_reach_a_line() {
        let mut receipt = sample();
        receipt.header = vec!["CITY\u{1b}[2J\u{7}".into()];
        receipt.items[0].description = "Water\nbill\u{1b}@".into();
        receipt.cashier = Some("ana\u{7}".into());
        let lines = layout(&receipt, 42);
        assert!(lines.iter().all(|line| !line.chars().any(char::is_control)), "{lines:?}");
        assert!(lines.iter().any(|line| line.contains("CITY?[2J?")), "{lines:?}");
    }

    // No line is ever wider than the paper, at every supported width.
    #[test]
    fn lines_fit_every_width() {
        for columns in SUPPORTED_COLUMNS {
            for line in layout(&sample(), columns) {
                assert!(line.chars().count() <= columns, "{columns}: {line:?}");
            }
        }
    }

    // Amounts are right-aligned and the DUPLICATE banner appears at the top and the bottom.
    #[test]
    fn amounts_right_aligned_and_banner_twice() {
        let lines = layout(&sample(), 32);
        assert!(lines.contains(&format!("CHANGE{}4.50", " ".repeat(32 - 10))));
        assert_eq!(lines.iter().filter(|l| l.contains("*** DUPLICATE ***")).count(), 2);
    }

    // Wrapping breaks at spaces and cuts words longer than the width.
    #[test]
    fn wraps() {
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), vec![""]);
    }
}
