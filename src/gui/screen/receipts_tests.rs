//! Receipts tests: find, reprint as DUPLICATE, and void with a supervisor's approval — refusing self-approval.

use citytill::Money;

use super::{Correction, Message};
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::screen::counter::Message as CounterMessage;
use crate::gui::testing::{assert_snapshot, fixture, send, signed_in, simulator};

fn receipts(app: &mut App, message: Message) {
    send(app, AppMessage::Receipts(message));
}

fn pay_cash(app: &mut App, account: &str, cash: &str) -> String {
    send(app, AppMessage::Counter(CounterMessage::LookupChanged(account.into())));
    send(app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(app, AppMessage::Counter(CounterMessage::Amount(cash.into())));
    send(app, AppMessage::Counter(CounterMessage::AmountSubmitted));
    app.counter.completed.as_ref().expect("paid").result.receipt.clone()
}

fn start_void(app: &mut App, receipt: &str, approver: &str, pin: &str) {
    send(app, AppMessage::Go(Screen::Receipts));
    receipts(app, Message::Number(receipt.into()));
    receipts(app, Message::Search);
    receipts(app, Message::Start(Correction::Void));
    receipts(app, Message::Reason("customer paid the wrong account".into()));
    receipts(app, Message::Approver(approver.into()));
    receipts(app, Message::Pin(pin.into()));
    receipts(app, Message::Confirm);
}

// Proves a cashier cannot approve their own void (the library's refusal is shown and nothing changes),
// and that a supervisor's name and PIN void the receipt.
#[test]
fn void_needs_a_different_supervisor() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let receipt = pay_cash(&mut app, "100200", "100");
    start_void(&mut app, &receipt, "ana", "1357");
    let error = app.receipts.error.clone().unwrap_or_default();
    assert!(error.contains("cannot approve their own void"), "{error}");
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.status.as_str()), Some("paid"));
    start_void(&mut app, &receipt, "lee", "8642");
    assert!(app.receipts.error.as_deref().is_some_and(|e| e.contains("lead")), "{:?}", app.receipts.error);
    start_void(&mut app, &receipt, "sam", "975310");
    assert_eq!(app.receipts.notice.as_deref(), Some("Receipt T01-000001 voided"), "{:?}", app.receipts.error);
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.status.as_str()), Some("voided"));
    let mut ui = simulator(app.view());
    assert!(ui.find("Receipt T01-000001 — voided").is_ok());
}

// Proves search by amount and by account finds the receipt, a reprint is counted, and a refund is recorded with approval.
#[test]
fn find_reprint_and_refund() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let receipt = pay_cash(&mut app, "100200", "90");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Amount("84.12".into()));
    receipts(&mut app, Message::Search);
    assert_eq!(app.receipts.found, vec![receipt.clone()]);
    receipts(&mut app, Message::Amount(String::new()));
    receipts(&mut app, Message::Account("100200".into()));
    receipts(&mut app, Message::Search);
    assert_eq!(app.receipts.found, vec![receipt.clone()]);
    receipts(&mut app, Message::Open(receipt.clone()));
    receipts(&mut app, Message::Reprint);
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.reprints), Some(1));
    assert!(app.receipts.notice.as_deref().is_some_and(|n| n.contains("not printed")), "{:?}", app.receipts.notice);
    receipts(&mut app, Message::Start(Correction::Refund));
    receipts(&mut app, Message::RefundAmount("10.00".into()));
    receipts(&mut app, Message::Reason("billing adjustment".into()));
    receipts(&mut app, Message::Approver("sam".into()));
    receipts(&mut app, Message::Pin("975310".into()));
    receipts(&mut app, Message::Confirm);
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.refunded), Some(Money::from_cents(1000)), "{:?}", app.receipts.error);
}

// Proves the receipt view with the approval form open matches its committed snapshot.
#[test]
fn receipts_view_snapshot() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let receipt = pay_cash(&mut app, "100200", "100");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Open(receipt));
    receipts(&mut app, Message::Start(Correction::Void));
    let mut ui = simulator(app.view());
    assert!(ui.find("Void needs a supervisor (not you): reason, then their name and PIN").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "receipts_void");
}
