//! What the window says: library refusals read as whole sentences in the cashier's terms (no `--flag`
//! names), and a success line from before never sits beside the error that follows it.

use super::app::{App, Message, Screen};
use super::screen::counter::Message as CounterMessage;
use super::screen::drawer::{Action, Message as DrawerMessage};
use super::screen::receipts::{Correction, Message as ReceiptsMessage};
use super::testing::{fixture, send, signed_in, visible_texts};

fn pay_cash(app: &mut App, account: &str, cash: &str) -> String {
    send(app, Message::Counter(CounterMessage::LookupChanged(account.into())));
    send(app, Message::Counter(CounterMessage::LookupSubmitted));
    send(app, Message::Counter(CounterMessage::Amount(cash.into())));
    send(app, Message::Counter(CounterMessage::AmountSubmitted));
    app.counter.completed().expect("paid").result.receipt.clone()
}

/// Every text on screen that names a CLI flag (`--something`).
fn flags_shown(app: &App) -> Vec<String> {
    visible_texts(app).into_iter().filter(|t| t.split_whitespace().any(|w| w.starts_with("--") && w.len() > 2)).collect()
}

// Proves refusals the library words for the command line ("--reason: …", "--amount: …") are shown as
// sentences naming the window's field, with no flag name on screen.
#[test]
fn library_refusals_read_as_window_sentences() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let receipt = pay_cash(&mut app, "100200", "100");
    send(&mut app, Message::Go(Screen::Receipts));
    send(&mut app, Message::Receipts(ReceiptsMessage::Open(receipt)));
    send(&mut app, Message::Receipts(ReceiptsMessage::Start(Correction::Refund)));
    send(&mut app, Message::Receipts(ReceiptsMessage::Reason("customer overpaid".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::RefundAmount("500".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Approver("sam".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Pin("975310".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Confirm));
    let error = app.receipts.error().map(str::to_string).expect("a refund beyond the receipt is refused");
    assert!(error.contains("--amount"), "the library's CLI wording reaches the window: {error}");
    assert_eq!(flags_shown(&app), Vec::<String>::new(), "a flag name is on screen");
    let texts = visible_texts(&app);
    assert!(texts.iter().any(|t| t.starts_with("Amount: ") && t.ends_with('.')), "the refusal is not a sentence naming the field: {texts:?}");

    send(&mut app, Message::Receipts(ReceiptsMessage::Cancel));
    send(&mut app, Message::Receipts(ReceiptsMessage::Start(Correction::Void)));
    send(&mut app, Message::Receipts(ReceiptsMessage::Reason("no".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Approver("sam".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Pin("975310".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Confirm));
    assert!(app.receipts.error().is_some(), "a two-letter reason is refused");
    assert_eq!(flags_shown(&app), Vec::<String>::new(), "a flag name is on screen");
    assert!(visible_texts(&app).iter().any(|t| t.starts_with("Reason: ") && t.ends_with('.')), "{:?}", app.receipts.error());
}

// Proves a success line is not left on screen beside a later error: a void's "voided" line under a failed
// search on Receipts, and the drawer-opened line above a refused reprint on the counter.
#[test]
fn stale_success_never_sits_with_an_error() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let receipt = pay_cash(&mut app, "100200", "100");
    send(&mut app, Message::Go(Screen::Receipts));
    send(&mut app, Message::Receipts(ReceiptsMessage::Open(receipt.clone())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Start(Correction::Void)));
    send(&mut app, Message::Receipts(ReceiptsMessage::Reason("customer paid the wrong account".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Approver("sam".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Pin("975310".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Confirm));
    assert!(app.receipts.notice().is_some_and(|n| n.contains("voided")), "{:?}", app.receipts.error());
    send(&mut app, Message::Receipts(ReceiptsMessage::Number(String::new())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Account("999999".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Search));
    assert!(app.receipts.error().is_some(), "a search with no match is refused");
    let stale: Vec<String> = visible_texts(&app).into_iter().filter(|t| t.starts_with(&format!("Receipt {receipt} voided"))).collect();
    assert!(stale.is_empty(), "the void's success line sits with the search's error: {stale:?}");

    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, Message::Drawer(DrawerMessage::Start(Action::Open)));
    send(&mut app, Message::Drawer(DrawerMessage::Count(0, "1".into())));
    send(&mut app, Message::Drawer(DrawerMessage::Submit));
    assert!(visible_texts(&app).iter().any(|t| t.contains("open with a float")), "the drawer-opened line is shown");
    send(&mut app, Message::Counter(CounterMessage::Reprint));
    assert!(app.counter.error().is_some(), "no receipt yet to reprint");
    let stale: Vec<String> = visible_texts(&app).into_iter().filter(|t| t.contains("open with a float")).collect();
    assert!(stale.is_empty(), "the drawer-opened line sits with the reprint's error: {stale:?}");
}

// Proves the day-close question is asked in the question style (bold, in a card), not in the red error box:
// its committed snapshot was looked at, and the question comes with no error set.
#[test]
fn day_close_question_is_not_an_error() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, Message::Go(Screen::Day));
    send(&mut app, Message::Shortcut(super::keys::Shortcut::F9));
    assert!(app.day.confirming(), "F9 asks first");
    assert_eq!(app.day.error(), None);
    let mut ui = super::testing::simulator_at((1024.0, 768.0), app.view());
    assert!(ui
        .find("Close 2026-03-02? Its drawers and batches become final: later corrections are refunds and returned checks, and new entries go to the next date. F9 closes, Esc keeps it open.")
        .is_ok());
    super::testing::assert_snapshot(&mut ui, &app.theme(), "day_close_question_1024");
}

// Proves a blind count that does not add up says so in a sentence where the total would be, not as the
// library's "count: …" line in the total's place.
#[test]
fn a_bad_count_is_said_in_a_sentence() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, Message::Go(Screen::Drawer));
    send(&mut app, Message::Drawer(DrawerMessage::Start(Action::Close)));
    send(&mut app, Message::Drawer(DrawerMessage::Count(0, "lots".into())));
    let texts = visible_texts(&app);
    let line = texts.iter().find(|t| t.starts_with("Cash counted")).expect("the cash line is shown");
    assert_eq!(line, "Cash counted: not yet. Count: 'lots' is not a whole number of pieces.");
}
