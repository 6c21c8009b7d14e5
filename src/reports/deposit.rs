//! The deposit slip (cash by denomination, each check with its account masked, totals per bank
//! account) and the deposit report of a day, both built from the deposit's journal entry.

use rusqlite::Connection;

use crate::domain::denominations;
use crate::domain::events::{DepositCheck, DepositSlip, Event};
use crate::error::Result;
use crate::money::Money;
use crate::reports::{entries, render, Document, Section};

/// One deposit's slip as report sections.
pub fn slip_sections(deposit: &str, batches: &[String], slip: &DepositSlip) -> Vec<Section> {
    let mut cash = Section::new(format!("Deposit {deposit} - cash"), &["denomination", "pieces", "amount"]);
    for row in &slip.cash {
        cash.row(vec![row.denomination.to_string(), row.pieces.to_string(), row.denomination.checked_mul(row.pieces).unwrap_or_default().to_string()]);
    }
    if !slip.cash_uncounted.is_zero() {
        cash.row(vec!["drops and mail cash".into(), String::new(), slip.cash_uncounted.to_string()]);
    }
    let counted = denominations::total(&slip.cash).unwrap_or_default();
    cash.totals = Some(vec!["total cash".into(), String::new(), counted.saturating_add(slip.cash_uncounted).to_string()]);
    let mut sections = vec![cash, paper(deposit, "checks", &slip.checks)];
    if !slip.money_orders.is_empty() {
        sections.push(paper(deposit, "money orders", &slip.money_orders));
    }
    let mut banks = Section::new(format!("Deposit {deposit} - totals per bank account"), &["bank account", "tender", "amount"]);
    for line in &slip.lines {
        banks.row(vec![line.bank_account.clone(), line.tender.as_str().into(), line.amount.to_string()]);
    }
    banks.totals = Some(vec!["deposit total".into(), String::new(), slip.lines.iter().map(|l| l.amount).fold(Money::ZERO, Money::saturating_add).to_string()]);
    banks.notes.push(format!("Batches: {}", batches.join(", ")));
    sections.push(banks);
    sections
}

fn paper(deposit: &str, what: &str, items: &[DepositCheck]) -> Section {
    let mut section = Section::new(format!("Deposit {deposit} - {what}"), &["reference", "number", "routing", "account", "amount"]);
    for check in items {
        let account = if check.account_last4.is_empty() { String::new() } else { format!("****{}", check.account_last4) };
        section.row(vec![check.reference.clone(), check.number.clone(), check.routing.clone(), account, check.amount.to_string()]);
    }
    section.totals = Some(vec![format!("{} {what}", items.len()), String::new(), String::new(), String::new(), items.iter().map(|c| c.amount).fold(Money::ZERO, Money::saturating_add).to_string()]);
    section
}

/// The slip of one deposit as a printable document.
pub fn slip_document(deposit: &str, batches: &[String], slip: &DepositSlip) -> Document {
    Document { report: "deposit-slip".into(), title: format!("DEPOSIT SLIP {deposit}"), date: slip.business_date.clone(), lines: Vec::new(), sections: slip_sections(deposit, batches, slip) }
}

/// The slip as printer text.
pub fn slip_text(deposit: &str, batches: &[String], slip: &DepositSlip) -> String {
    render::text(&slip_document(deposit, batches, slip))
}

/// Every deposit made on the date, slip by slip.
pub fn report(conn: &Connection, date: &str) -> Result<Document> {
    let mut sections = Vec::new();
    let mut total = 0i64;
    for entry in entries(conn, &["deposit_created"], date, false)? {
        if let Event::DepositCreated { deposit, batches, slip } = &entry.event {
            total += slip.lines.iter().map(|l| l.amount.cents()).sum::<i64>();
            sections.extend(slip_sections(deposit, batches, slip));
        }
    }
    Ok(Document { report: "deposit".into(), title: "Deposit report".into(), date: date.into(), lines: vec![format!("Deposited: {}", Money::from_cents(total))], sections })
}
