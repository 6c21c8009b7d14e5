//! Builds the printable receipt document (the `hardware` crate's `Receipt`) from a recorded payment —
//! never from what a form showed, so paper always matches the ledger — for the window, the command
//! line and reprints alike. Card and check numbers appear only as their last four digits.

use citytill_hardware::receipt::{AmountLine, Barcode, Receipt, ReceiptItem};

use crate::config::Settings;
use crate::domain::events::{Event, LineTarget};
use crate::domain::states::ReceiptStatus;
use crate::domain::tender::{Tender, TenderKind};
use crate::error::{Error, Result};
use crate::ops::query::ReceiptInfo;

/// The receipt for `info`; `duplicate` marks a reprint, `training` a demo city.
pub fn build(settings: &Settings, info: &ReceiptInfo, duplicate: bool, training: bool) -> Result<Receipt> {
    let Event::PaymentTaken { lines, tenders, change, .. } = &info.payment else {
        return Err(Error::Invariant(format!("receipt {} is not a payment", info.receipt)));
    };
    // The seal (chain head after this payment) lets whoever holds the paper prove a later rewrite.
    let mut footer = vec![format!("Seal {}", info.seal), "Thank you. Keep this receipt.".to_string()];
    if info.status != ReceiptStatus::Paid {
        footer.insert(0, format!("STATUS: {}", info.status.as_str().to_uppercase().replace('_', " ")));
    }
    Ok(Receipt {
        header: vec![settings.city_name.clone(), settings.city_address.clone()],
        receipt_number: info.receipt.clone(),
        issued_at: issued_at(&info.at),
        cashier: Some(info.cashier.clone()),
        items: lines
            .iter()
            .map(|line| ReceiptItem {
                description: match &line.target {
                    LineTarget::Payable { number, kind } => format!("{} {number}", capitalized(kind.as_str())),
                    LineTarget::Fee { code, description, .. } if code == crate::domain::convenience_fee::CODE => description.clone(),
                    LineTarget::Fee { code, description, .. } => format!("{code} {description}"),
                },
                amount_cents: line.amount().cents(),
            })
            .collect(),
        totals: vec![AmountLine { label: "TOTAL".into(), amount_cents: info.total.cents() }],
        tenders: tenders.iter().map(|t| AmountLine { label: tender_label(t), amount_cents: t.amount.cents() }).collect(),
        change_cents: Some(change.cents()),
        footer,
        barcode: Some(Barcode::Code128(info.receipt.clone())),
        duplicate,
        training,
    })
}

/// Journals a reprint of `receipt` (reprints are counted) and returns the receipt as it now stands.
pub fn record_reprint(ledger: &mut crate::ledger::Ledger, actor: &crate::ops::auth::Actor, receipt: &str) -> Result<ReceiptInfo> {
    ledger.write(|w| {
        let info = crate::ops::query::receipt(w.conn(), receipt)?;
        w.append(Some(&actor.name), None, &Event::ReceiptReprinted { receipt: info.receipt.clone() })?;
        crate::ops::query::receipt(w.conn(), &info.receipt)
    })
}

/// A reprint: journals it and returns the document marked DUPLICATE.
pub fn reprint(ledger: &mut crate::ledger::Ledger, settings: &Settings, actor: &crate::ops::auth::Actor, receipt: &str) -> Result<Receipt> {
    let training = crate::ops::setup::is_training(ledger)?;
    let info = record_reprint(ledger, actor, receipt)?;
    build(settings, &info, true, training)
}

/// "CHECK #1001 ...6789", "CARD VISA ...4242 AUTH 123456": what paper may say about a tender.
pub fn tender_label(tender: &Tender) -> String {
    let mut label = match tender.kind {
        TenderKind::Cash => "CASH".to_string(),
        TenderKind::Check => "CHECK".to_string(),
        TenderKind::MoneyOrder => "MONEY ORDER".to_string(),
        TenderKind::Card => format!("CARD {}", tender.brand.as_deref().unwrap_or("").to_uppercase()).trim().to_string(),
        TenderKind::Ach => "ACH".to_string(),
    };
    if let Some(number) = &tender.number {
        label.push_str(&format!(" #{number}"));
    }
    if let Some(last4) = tender.last4.as_ref().or(tender.account_last4.as_ref()) {
        label.push_str(&format!(" ...{last4}"));
    }
    if let Some(auth) = &tender.auth {
        label.push_str(&format!(" AUTH {auth}"));
    }
    label
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// "2026-11-24T14:03:05Z" → "2026-11-24 14:03".
fn issued_at(at: &str) -> String {
    let text = at.replace('T', " ");
    text.get(..16).unwrap_or(&text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::events::PaymentLine;
    use crate::domain::payable::PayableKind;
    use crate::money::Money;

    fn info(tenders: Vec<Tender>) -> ReceiptInfo {
        ReceiptInfo {
            receipt: "T01-000042".into(),
            seq: 9,
            drawer_id: 1,
            cashier: "ana".into(),
            business_date: "2026-11-24".into(),
            at: "2026-11-24T14:03:05Z".into(),
            total: Money::from_cents(8412),
            status: ReceiptStatus::Paid,
            refunded: Money::ZERO,
            reprints: 0,
            seal: "9:0123456789abcdef".into(),
            payment: Event::PaymentTaken {
                receipt: "T01-000042".into(),
                number: 42,
                drawer_id: 1,
                cashier: "ana".into(),
                lines: vec![PaymentLine { target: LineTarget::Payable { number: "100200".into(), kind: PayableKind::Utility }, applied: Money::from_cents(8412), credit: Money::ZERO }],
                tenders,
                change: Money::from_cents(1588),
            },
        }
    }

    // Proves the receipt carries the city header, the line, the tender, the change, the barcode, the seal and both banners when asked.
    #[test]
    fn receipt_from_payment_has_everything_paper_needs() {
        let settings = Settings::default();
        let receipt = build(&settings, &info(vec![Tender::new(TenderKind::Cash, Money::from_cents(10000))]), true, true).unwrap();
        assert_eq!(receipt.header[0], settings.city_name);
        assert_eq!(receipt.items[0].description, "Utility 100200");
        assert_eq!(receipt.tenders[0].label, "CASH");
        assert_eq!(receipt.change_cents, Some(1588));
        assert_eq!(receipt.barcode, Some(Barcode::Code128("T01-000042".into())));
        assert!(receipt.training && receipt.duplicate);
        assert_eq!(receipt.issued_at, "2026-11-24 14:03");
        let text = citytill_hardware::receipt::layout(&receipt, 42).join("\n");
        assert!(text.contains("TRAINING") && text.contains("DUPLICATE") && text.contains("84.12"), "{text}");
        assert!(text.contains("Seal 9:0123456789abcdef"), "{text}");
    }

    // Proves a card tender prints only brand, last four and authorization.
    #[test]
    fn card_tender_label_shows_last_four_only() {
        let tender = Tender::parse("card=20.00,brand=visa,last4=4242,auth=A1B2", Money::from_cents(100_000)).unwrap();
        assert_eq!(tender_label(&tender), "CARD VISA ...4242 AUTH A1B2");
    }
}
