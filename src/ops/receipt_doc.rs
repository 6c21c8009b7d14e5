//! Builds the printable receipt document (the `hardware` crate's `Receipt`) from a recorded payment —
//! one builder for the window, the command line and reprints.

use citytill_hardware::receipt::{AmountLine, Barcode, Receipt, ReceiptItem};

use crate::config::Settings;
use crate::domain::events::{Event, LineTarget};
use crate::error::{Error, Result};
use crate::ops::query::ReceiptInfo;

/// The receipt for `info`; `duplicate` marks a reprint, `training` a demo city.
pub fn build(settings: &Settings, info: &ReceiptInfo, duplicate: bool, training: bool) -> Result<Receipt> {
    let Event::PaymentTaken { lines, tenders, change, cashier, .. } = &info.payment else {
        return Err(Error::Invariant(format!("receipt {} is not a payment", info.receipt)));
    };
    let items = lines
        .iter()
        .map(|line| ReceiptItem {
            description: match &line.target {
                LineTarget::Payable { number, kind } => format!("{} {number}", capitalised(kind.as_str())),
                LineTarget::Fee { code, description, .. } => format!("{code} {description}"),
            },
            amount_cents: line.amount().cents(),
        })
        .collect();
    let tender_lines = tenders
        .iter()
        .map(|t| {
            let detail = match t.kind {
                crate::domain::tender::TenderKind::Check => t.number.as_ref().map(|n| format!(" #{n}")).unwrap_or_default(),
                crate::domain::tender::TenderKind::Card => {
                    format!(" {} ****{}", t.brand.clone().unwrap_or_default().to_uppercase(), t.last4.clone().unwrap_or_default())
                }
                _ => String::new(),
            };
            AmountLine { label: format!("{}{detail}", tender_label(t.kind.as_str())), amount_cents: t.amount.cents() }
        })
        .collect();
    let mut footer = vec!["Thank you. Keep this receipt.".to_string()];
    if info.status != "paid" {
        footer.insert(0, format!("STATUS: {}", info.status.to_uppercase().replace('_', " ")));
    }
    Ok(Receipt {
        header: vec![settings.city_name.clone(), settings.city_address.clone()],
        receipt_number: info.receipt.clone(),
        issued_at: info.at.replace('T', " ").chars().take(19).collect(),
        cashier: Some(cashier.clone()),
        items,
        totals: vec![AmountLine { label: "TOTAL".into(), amount_cents: info.total.cents() }],
        tenders: tender_lines,
        change_cents: Some(change.cents()),
        footer,
        barcode: Some(Barcode::Code128(info.receipt.clone())),
        duplicate,
        training,
    })
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

fn tender_label(kind: &str) -> String {
    capitalised(&kind.replace('_', " "))
}

/// A reprint: journals it (reprints are counted) and returns the document marked DUPLICATE.
pub fn reprint(ledger: &mut crate::ledger::Ledger, settings: &Settings, actor: &crate::ops::auth::Actor, receipt: &str) -> Result<Receipt> {
    let training = crate::ops::setup::is_training(ledger)?;
    ledger.write(|w| {
        let info = crate::ops::query::receipt(w.conn(), receipt)?;
        w.append(Some(&actor.name), None, &Event::ReceiptReprinted { receipt: info.receipt.clone() })?;
        build(settings, &info, true, training)
    })
}
