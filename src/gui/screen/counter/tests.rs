//! Counter tests: the scanned cash payment, split tenders, card-data refusal and lookups, driven through
//! the app's `update` with the real ledger thread; views checked with the headless Simulator.

use citytill::domain::tender::{TenderField, TenderKind};
use citytill::Money;
use citytill_hardware::device::{DeviceEvent, ScanData};

use super::{CartItem, Message, Printing};
use crate::gui::app::{Message as AppMessage, Screen};
use crate::gui::testing::{assert_snapshot, fixture, send, signed_in, simulator};

fn counter(app: &mut crate::gui::app::App, message: Message) {
    send(app, AppMessage::Counter(message));
}

/// Types a check's routing, account and check number into their inputs.
fn check_fields(app: &mut crate::gui::app::App, routing: &str, account: &str, number: &str) {
    for (field, value) in [(TenderField::Routing, routing), (TenderField::Account, account), (TenderField::Number, number)] {
        counter(app, Message::Field(field, value.into()));
    }
}

// Proves the fast path: a scanned stub fills the cart at the stub's amount, then digits + Enter record the
// payment, show the change and leave the form empty for the next customer (one keystroke beyond the digits).
#[test]
fn scanned_stub_then_cash_and_enter_records_payment_with_change() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Stub("000123456700004550240500000002".into()))));
    assert_eq!(app.counter.cart.len(), 1, "{:?}", app.counter.error);
    assert!(matches!(&app.counter.cart.lines()[0].item, CartItem::Payable(row) if row.number == "1234567"));
    assert_eq!(app.counter.total_due(), Money::from_cents(4550));
    counter(&mut app, Message::Amount("50".into()));
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().expect("payment recorded");
    assert_eq!(completed.result.change, Money::from_cents(450));
    assert_eq!(completed.result.receipt, "T01-000001");
    assert!(matches!(completed.print, Printing::Failed(ref reason) if reason.contains("not configured")));
    assert!(app.counter.cart.is_empty() && app.counter.cart.tenders().is_empty() && app.counter.search.text.is_empty());
}

// Proves typing an account number and Enter puts it in the cart at its balance; Enter on an empty amount
// tenders exactly what is due in cash; the view then shows the receipt and a zero change.
#[test]
fn typed_number_and_exact_cash() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert_eq!(app.counter.cart.lines()[0].amount, "84.12");
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().expect("payment recorded");
    assert_eq!((completed.result.total, completed.result.change), (Money::from_cents(8412), Money::ZERO));
    let mut ui = simulator(app.view());
    assert!(ui.find("CHANGE").is_ok());
    assert!(ui.find("Receipt T01-000001 recorded — total 84.12, tendered 84.12").is_ok());
}

// Proves a split tender: a check for part (details kept as last four only) then cash for the rest, with change from the cash.
#[test]
fn split_tender_check_then_cash() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Kind(TenderKind::Check));
    check_fields(&mut app, "021000021", "99912345678", "1001");
    counter(&mut app, Message::Amount("50.00".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert_eq!(app.counter.cart.tenders().len(), 1);
    assert_eq!(app.counter.cart.tenders()[0].account_last4.as_deref(), Some("5678"));
    assert_eq!(app.counter.remaining(), Money::from_cents(3412));
    assert!(app.counter.completed().is_none());
    counter(&mut app, Message::Amount("40".into()));
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().expect("payment recorded");
    assert_eq!(completed.result.change, Money::from_cents(588));
    assert_eq!(completed.result.tendered, Money::from_cents(9000));
}

// Proves a card number typed into the details is refused, named in the error, and wiped from the field.
#[test]
fn card_number_is_refused_and_not_kept() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Kind(TenderKind::Card));
    counter(&mut app, Message::Field(TenderField::Brand, "visa".into()));
    counter(&mut app, Message::Field(TenderField::Last4, "1111".into()));
    counter(&mut app, Message::Field(TenderField::Reference, "4111111111111111".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.cart.tenders().is_empty());
    assert!(app.counter.tender.field_error.as_ref().is_some_and(|(field, e)| *field == TenderField::Reference && e.contains("card number")), "{:?}", app.counter.tender.field_error);
    assert!(app.counter.tender.fields.reference.is_empty(), "the card number must not stay in the field");
}

// Proves results appear while typing name words, a fee code is offered, and a closed account is refused with a clear message.
#[test]
fn search_as_you_type_fees_and_blocked_accounts() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("maple".into()));
    let numbers: Vec<&str> = app.counter.search.results.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(numbers.len(), 2, "{numbers:?}");
    counter(&mut app, Message::LookupChanged("DOG".into()));
    assert_eq!(app.counter.search.fee_match.as_ref().map(|f| f.code.as_str()), Some("DOG"));
    counter(&mut app, Message::PickFee);
    assert_eq!(app.counter.total_due(), Money::from_cents(1500));
    counter(&mut app, Message::LookupChanged("PC-777".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert!(app.counter.error.as_deref().is_some_and(|e| e.contains("PC-777 is closed")), "{:?}", app.counter.error);
    assert_eq!(app.counter.cart.len(), 1);
}

// Proves this terminal's own receipt number, typed or scanned, opens the Receipts screen when the receipt exists.
#[test]
fn receipt_barcode_opens_receipts() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.completed().is_some(), "{:?}", app.counter.error);
    counter(&mut app, Message::LookupChanged("T01-000001".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert_eq!(app.screen, Screen::Receipts);
    assert_eq!(app.receipts.shown().map(|i| i.receipt.as_str()), Some("T01-000001"));
    send(&mut app, AppMessage::Go(Screen::Counter));
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Unknown("T01-000001".into()))));
    assert_eq!(app.screen, Screen::Receipts, "a scanned receipt barcode opens it too");
}

/// Adds payables to the fixture's ledger (through its ledger thread).
fn add_payables(fixture: &crate::gui::testing::Fixture, rows: Vec<(&str, &str)>) {
    use citytill::domain::payable::{PayableKind, PayableRow};
    let rows: Vec<PayableRow> = rows
        .into_iter()
        .map(|(number, name)| PayableRow {
            kind: PayableKind::License,
            number: number.into(),
            name: name.into(),
            address: "2 Birch Ln".into(),
            status: "active".into(),
            balance: Money::from_cents(23416),
        })
        .collect();
    iced::futures::executor::block_on(fixture.ctx.worker.run(move |ledger| citytill::ops::import::upsert_payables(ledger, None, "test", rows).map(|_| ()))).unwrap();
}

// Proves account numbers shaped like receipt numbers (BL-1234567, BP-123456) are found as accounts and go in
// the cart, and that a receipt-shaped line that is neither an account nor a receipt of this terminal never
// leaves the counter: it says nothing matches.
#[test]
fn receipt_shaped_account_numbers_are_paid() {
    let fixture = fixture();
    add_payables(&fixture, vec![("BL-1234567", "Corner Books"), ("BP-123456", "Pine Builders")]);
    let mut app = signed_in(&fixture, "ana", "1357");
    for number in ["BL-1234567", "BP-123456"] {
        counter(&mut app, Message::LookupChanged(number.into()));
        counter(&mut app, Message::LookupSubmitted);
        assert_eq!(app.screen, Screen::Counter, "{number} must not open Receipts");
        assert!(app.counter.error.is_none(), "{number}: {:?}", app.counter.error);
    }
    let numbers: Vec<String> = app
        .counter
        .cart
        .lines()
        .iter()
        .filter_map(|l| match &l.item {
            CartItem::Payable(row) => Some(row.number.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(numbers, vec!["BL-1234567".to_string(), "BP-123456".to_string()]);
    for missing in ["BX-7654321", "T01-000099"] {
        counter(&mut app, Message::LookupChanged(missing.into()));
        counter(&mut app, Message::LookupSubmitted);
        assert_eq!(app.screen, Screen::Counter, "a miss on {missing} must stay on the counter");
        assert!(app.counter.error.as_deref().is_some_and(|e| e.contains("nothing matches")), "{missing}: {:?}", app.counter.error);
    }
}

// Proves a second bare Enter after a partial cash tender records nothing: the payment stays open and the
// window says what is still due; typing the rest completes it. (A first bare Enter is still the exact amount.)
#[test]
fn second_bare_enter_never_tenders_the_rest() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("50".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert_eq!(app.counter.cart.tenders().len(), 1);
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.completed().is_none(), "a bare Enter after a partial tender must not complete the payment");
    assert_eq!((app.counter.cart.tenders().len(), app.counter.remaining()), (1, Money::from_cents(3412)));
    assert!(app.counter.error.as_deref().is_some_and(|e| e.contains("34.12")), "{:?}", app.counter.error);
    counter(&mut app, Message::Amount("34.12".into()));
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().unwrap_or_else(|| panic!("{:?}", app.counter.error));
    assert_eq!(completed.result.tendered, Money::from_cents(8412));
}

// Proves the cash sanity checks: 250,000.00 handed over on 84.12 is refused because the drawer cannot cover
// the change (the reason says so without the drawer's figure, and how to take the tender back); 200.00 on a
// 15.00 fee (over 10x due) asks for confirmation first: Esc takes the tender back, a second Enter confirms it.
#[test]
fn implausible_cash_is_refused_or_confirmed() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("250000".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.completed().is_none(), "249,915.88 change from a drawer of 100.00 must be refused");
    let error = app.counter.error.clone().unwrap_or_default();
    assert!(error.contains("cannot cover") && error.contains("[Ctrl+Shift+D]") && !error.contains("100.00"), "{error}");
    counter(&mut app, Message::Clear);
    // Fill the drawer: 100.00 + 150.00 exact = 250.00, so 185.00 change can be covered.
    counter(&mut app, Message::LookupChanged("BL-3004".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.completed().is_some(), "{:?}", app.counter.error);
    counter(&mut app, Message::LookupChanged("DOG".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("200".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.completed().is_none(), "200.00 on 15.00 due must be confirmed first");
    let texts = crate::gui::testing::visible_texts(&app);
    assert!(texts.iter().any(|t| t.contains("200.00") && t.contains("Enter")), "the question is shown: {texts:?}");
    // Esc takes the tender back (the sale stays); typed again, the same question; Enter then records it.
    counter(&mut app, Message::Clear);
    assert!(app.counter.cart.tenders().is_empty() && app.counter.question().is_none() && app.counter.cart.len() == 1);
    counter(&mut app, Message::Amount("200".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.completed().is_none() && app.counter.question().is_some());
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().unwrap_or_else(|| panic!("{:?}", app.counter.error));
    assert_eq!(completed.result.change, Money::from_cents(18500));
}

// Proves a full card number typed into the counter lookup is refused without being echoed and is not kept.
#[test]
fn card_number_in_lookup_is_refused_without_echo() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("4111 1111 1111 1111".into()));
    counter(&mut app, Message::LookupSubmitted);
    let error = app.counter.error.clone().unwrap_or_default();
    assert!(error.contains("card number") && !error.contains("4111"), "{error}");
    assert!(app.counter.search.text.is_empty(), "the card number must not stay in the field");
    assert!(crate::gui::testing::visible_texts(&app).iter().all(|t| !t.contains("4111")));
}

// Proves typing in the lookup field of the rendered counter produces the lookup message (Simulator), and the
// counter with a cart matches its committed snapshot.
#[test]
fn counter_view_typing_and_snapshot() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let messages: Vec<AppMessage> = {
        let mut ui = simulator(app.view());
        ui.click(iced_test::selector::id(super::LOOKUP_ID)).unwrap();
        ui.typewrite("100200");
        ui.into_messages().collect()
    };
    assert!(messages.iter().any(|m| matches!(m, AppMessage::Counter(Message::LookupChanged(t)) if t == "100200")));
    for message in messages {
        send(&mut app, message);
    }
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("100".into()));
    let mut ui = simulator(app.view());
    assert!(ui.find("Maria Lopez").is_ok() || ui.find("100200 — Maria Lopez").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "counter_cart");
}

// Proves, with the simulated printer and drawer running, that a completed cash payment reaches the printer
// as a receipt carrying its number and change, and that the drawer is kicked.
#[test]
fn cash_payment_prints_receipt_and_kicks_drawer_on_simulators() {
    let sim_dir = tempfile::tempdir().unwrap();
    let fixture = crate::gui::testing::fixture_with(crate::gui::devices::Devices::simulated(sim_dir.path()));
    assert!(fixture.ctx.devices.problems.is_empty(), "{:?}", fixture.ctx.devices.problems);
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("100".into()));
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().expect("payment recorded");
    assert!(matches!(completed.print, Printing::Queued(_)), "{:?}", completed.print);
    assert!(matches!(completed.drawer, Printing::Queued(_)), "{:?}", completed.drawer);
    let simulators = fixture.ctx.devices.simulators.as_ref().unwrap();
    let printed = sim_dir.path().join("printed");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut text = String::new();
    while std::time::Instant::now() < deadline && (simulators.drawer().kicks == 0 || !text.contains("CHANGE")) {
        std::thread::sleep(std::time::Duration::from_millis(50));
        text = std::fs::read_dir(&printed).unwrap().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "txt")).map(|e| std::fs::read_to_string(e.path()).unwrap_or_default()).collect();
    }
    assert!(text.contains("T01-000001") && text.contains("15.88"), "printed: {text}");
    assert_eq!(simulators.drawer().kicks, 1);
}

// Proves a keyboard-wedge check reader typing its MICR line into the check details works (last four kept),
// and that a stub scanned by mistake into the amount field is refused as an amount, never taken as money.
#[test]
fn wedge_micr_in_details_and_stub_in_amount_is_refused() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("000123456700004550240500000002".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.cart.tenders().is_empty() && app.counter.completed().is_none());
    assert!(app.counter.tender.amount_error.is_some(), "a 30-digit amount must be refused");
    counter(&mut app, Message::Kind(TenderKind::Check));
    counter(&mut app, Message::Amount("84.12".into()));
    counter(&mut app, Message::Field(TenderField::Routing, "T021000021T 123456789U 1001".into()));
    counter(&mut app, Message::FieldSubmitted(TenderField::Routing));
    let completed = app.counter.completed().unwrap_or_else(|| panic!("{:?}", app.counter.error));
    let tender = match &completed.info.payment {
        citytill::domain::events::Event::PaymentTaken { tenders, .. } => tenders[0].clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!((tender.routing.as_deref(), tender.account_last4.as_deref(), tender.number.as_deref()), (Some("021000021"), Some("6789"), Some("1001")));
}

/// Routes device events from the feed into the app until `done` says stop (or 10 s pass).
fn pump_until(app: &mut crate::gui::app::App, feed: &mut iced::futures::channel::mpsc::Receiver<DeviceEvent>, done: impl Fn(&crate::gui::app::App) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done(app) && std::time::Instant::now() < deadline {
        match feed.try_recv() {
            Ok(event) => send(app, AppMessage::Device(event)),
            _ => std::thread::sleep(std::time::Duration::from_millis(10)),
        }
    }
}

// Proves a printer out of paper never undoes the payment: the receipt is recorded, the window says the
// print failed and offers Reprint; after paper is loaded F12 prints it marked DUPLICATE.
#[test]
fn print_failure_keeps_payment_and_offers_reprint() {
    use citytill_hardware::sim::Action;
    let sim_dir = tempfile::tempdir().unwrap();
    let fixture = crate::gui::testing::fixture_with(crate::gui::devices::Devices::simulated(sim_dir.path()));
    let mut feed = fixture.ctx.devices.feed().take().unwrap();
    let simulators = fixture.ctx.devices.simulators.as_ref().unwrap();
    let mut app = signed_in(&fixture, "ana", "1357");
    simulators.apply(&Action::PrinterPaperOut).unwrap();
    pump_until(&mut app, &mut feed, |app| app.status.devices.iter().any(|d| d.status.paper == citytill_hardware::status::PaperState::Out));
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("100".into()));
    counter(&mut app, Message::AmountSubmitted);
    assert_eq!(app.counter.completed().map(|c| c.result.receipt.as_str()), Some("T01-000001"));
    pump_until(&mut app, &mut feed, |app| app.counter.completed().is_some_and(|c| matches!(c.print, Printing::Failed(_))));
    let print = app.counter.completed().map(|c| c.print.clone());
    assert!(matches!(print, Some(Printing::Failed(_))), "{print:?}");
    {
        let mut ui = simulator(app.view());
        assert!(ui.find("Reprint [F12]").is_ok());
    }
    simulators.apply(&Action::PrinterPaperOk).unwrap();
    send(&mut app, AppMessage::Shortcut(crate::gui::keys::Shortcut::F12));
    pump_until(&mut app, &mut feed, |app| app.counter.completed().is_some_and(|c| c.print == Printing::Done));
    let printed: String = std::fs::read_dir(sim_dir.path().join("printed"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "txt"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(printed.contains("DUPLICATE") && printed.contains("T01-000001"), "{printed}");
}

// Proves a variable fee lands in the cart without an amount, the typed line amount is used, and the payment records it.
#[test]
fn variable_fee_takes_typed_amount() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("MISC".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert_eq!(app.counter.cart.len(), 1);
    assert!(app.counter.cart.lines()[0].amount.is_empty());
    counter(&mut app, Message::LineAmount(0, "12.50".into()));
    counter(&mut app, Message::FocusAmount);
    counter(&mut app, Message::Amount("20".into()));
    counter(&mut app, Message::AmountSubmitted);
    let completed = app.counter.completed().unwrap_or_else(|| panic!("{:?}", app.counter.error));
    assert_eq!((completed.result.total, completed.result.change), (Money::from_cents(1250), Money::from_cents(750)));
}

// Proves the remove keys work without a mouse: Ctrl+Shift+D drops only the last tender and Ctrl+D only the
// last cart line, with the total, tendered and still-due figures recomputed, the keys are printed on the last
// line's and last tender's buttons, and both keys do nothing once there is nothing left to remove.
#[test]
fn remove_keys_drop_last_tender_and_last_line() {
    use crate::gui::keys::{shortcut, Shortcut};
    use iced::keyboard::{Key, Modifiers};
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::LookupChanged("DOG".into()));
    counter(&mut app, Message::PickFee);
    assert_eq!(app.counter.total_due(), Money::from_cents(9912));
    for amount in ["20", "30"] {
        counter(&mut app, Message::Amount(amount.into()));
        counter(&mut app, Message::AmountSubmitted);
    }
    assert_eq!((app.counter.cart.tenders().len(), app.counter.remaining()), (2, Money::from_cents(4912)), "{:?}", app.counter.error);
    {
        let mut ui = simulator(app.view());
        assert!(ui.find("✕ [Ctrl+D]").is_ok() && ui.find("✕ [Ctrl+Shift+D]").is_ok());
    }
    let press = |key: &str, modifiers| AppMessage::Shortcut(shortcut(&Key::Character(key.into()), modifiers).expect("a shortcut"));

    send(&mut app, press("D", Modifiers::CTRL | Modifiers::SHIFT));
    assert_eq!(app.counter.cart.tenders().iter().map(|t| t.amount).collect::<Vec<_>>(), vec![Money::from_cents(2000)]);
    assert_eq!((app.counter.tendered(), app.counter.remaining()), (Money::from_cents(2000), Money::from_cents(7912)));

    send(&mut app, press("d", Modifiers::CTRL));
    assert_eq!(app.counter.cart.len(), 1);
    assert!(matches!(&app.counter.cart.lines()[0].item, CartItem::Payable(row) if row.number == "100200"), "the fee, added last, is the line removed");
    assert_eq!((app.counter.total_due(), app.counter.remaining()), (Money::from_cents(8412), Money::from_cents(6412)));

    send(&mut app, AppMessage::Shortcut(Shortcut::RemoveTender));
    send(&mut app, AppMessage::Shortcut(Shortcut::RemoveLine));
    assert!(app.counter.cart.is_empty() && app.counter.cart.tenders().is_empty());
    assert_eq!((app.counter.total_due(), app.counter.tendered()), (Money::ZERO, Money::ZERO));
    send(&mut app, AppMessage::Shortcut(Shortcut::RemoveLine));
    send(&mut app, AppMessage::Shortcut(Shortcut::RemoveTender));
    assert!(app.counter.completed().is_none() && app.counter.error.is_none(), "{:?}", app.counter.error);
}

// Proves the search results work without a mouse: Down highlights the first row, Down/Up/PageUp/PageDown/
// Home/End move the highlight and stop at the ends (Home/End do nothing before a row is highlighted: they
// are the lookup field's), the highlighted row is drawn apart (snapshot), and Enter puts that row in the cart.
#[test]
fn search_results_are_picked_by_keyboard() {
    use crate::gui::keys::Shortcut;
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("maple".into()));
    assert_eq!(app.counter.search.results.len(), 2);
    send(&mut app, AppMessage::Shortcut(Shortcut::End));
    assert_eq!(app.counter.search.highlighted, None, "End before any highlight stays with the field");
    let mut moves = Vec::new();
    for key in [Shortcut::Down, Shortcut::Down, Shortcut::Down, Shortcut::Home, Shortcut::End, Shortcut::PageUp, Shortcut::PageDown, Shortcut::Up] {
        send(&mut app, AppMessage::Shortcut(key));
        moves.push(app.counter.search.highlighted);
    }
    assert_eq!(moves, [Some(0), Some(1), Some(1), Some(0), Some(1), Some(0), Some(1), Some(0)]);
    let chosen = app.counter.search.results[0].number.clone();
    {
        let mut ui = simulator(app.view());
        assert!(ui.find("Up/Down, PageUp/PageDown, Home/End choose; Enter picks").is_ok());
        assert_snapshot(&mut ui, &app.theme(), "counter_results_highlight");
    }
    counter(&mut app, Message::LookupSubmitted);
    assert!(matches!(app.counter.cart.lines(), [line] if matches!(&line.item, CartItem::Payable(row) if row.number == chosen)), "{:?}", app.counter.cart);
    assert!(app.counter.search.results.is_empty() && app.counter.search.highlighted.is_none());
}

// Proves a cashier without an open drawer is told so when starting a payment (the first lookup, scanned or
// typed), before anything is keyed: the cart stays empty and the line says what to do; opening the drawer
// then lets the same lookup start the payment.
#[test]
fn no_open_drawer_is_said_at_the_first_lookup() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    assert_eq!(app.screen, Screen::Drawer, "no drawer yet: the window asks for the float first");
    send(&mut app, AppMessage::Go(Screen::Counter));
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert!(app.counter.cart.is_empty(), "a payment started without an open drawer");
    let error = app.counter.error.clone().unwrap_or_default();
    assert!(error.contains("no open drawer") && error.contains("Drawer"), "not said at the first lookup: {error:?}");
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Stub("000123456700004550240500000002".into()))));
    assert!(app.counter.cart.is_empty(), "a scanned stub started a payment without an open drawer");
    assert!(app.counter.error.as_deref().is_some_and(|e| e.contains("no open drawer")), "{:?}", app.counter.error);

    send(&mut app, AppMessage::Go(Screen::Drawer));
    send(&mut app, AppMessage::Drawer(crate::gui::screen::drawer::Message::Start(crate::gui::screen::drawer::Action::Open)));
    send(&mut app, AppMessage::Drawer(crate::gui::screen::drawer::Message::Count(0, "1".into())));
    send(&mut app, AppMessage::Drawer(crate::gui::screen::drawer::Message::Submit));
    assert_eq!(app.screen, Screen::Counter, "after opening the drawer the window goes to the counter");
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("open with a float")), "{:?}", app.notice);
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    assert_eq!(app.counter.cart.len(), 1, "{:?}", app.counter.error);
    assert_eq!(app.counter.error, None);
    assert_eq!(app.notice, None, "the drawer-opened line gives its room back once the first customer starts");
}

/// Types `line` + Enter as a keyboard-wedge reader does: each key 5 ms after the last, as the window's key events.
fn wedge_types(app: &mut crate::gui::app::App, line: &str) {
    let base = std::time::Instant::now();
    for (index, key) in line.chars().chain(['\r']).enumerate() {
        let at = base + std::time::Duration::from_millis(5 * index as u64);
        send(app, AppMessage::Key(crate::gui::wedge::Keystroke { key, at }));
    }
}

// Proves a stub scanned by a keyboard-wedge reader while the amount field had the focus lands in the lookup: the
// field gets its old text back, the refusal its Enter gave is dropped, and the stub's account is in the cart at
// the stub's amount — while the same characters typed slowly by a person stay where they were typed.
#[test]
fn wedge_scan_into_the_amount_field_lands_in_the_lookup() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let stub = "000123456700004550240500000002";
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    // What the focused amount field receives from the reader, before the window sees the burst.
    counter(&mut app, Message::Amount(format!("20{stub}")));
    counter(&mut app, Message::AmountSubmitted);
    assert!(app.counter.tender.amount_error.is_some(), "the field's own Enter refuses the digits as an amount");
    wedge_types(&mut app, stub);
    assert_eq!(app.counter.tender.amount, "20", "the scan was taken back out of the amount field");
    assert_eq!(app.counter.error, None);
    assert!(app.counter.cart.tenders().is_empty());
    assert_eq!(app.counter.cart.len(), 2, "{:?}", app.counter.error);
    assert!(matches!(&app.counter.cart.lines()[1].item, CartItem::Payable(row) if row.number == "1234567"));
    assert_eq!(app.counter.total_due(), Money::from_cents(8412 + 4550));

    let mut slow = signed_in(&fixture, "ana", "1357");
    counter(&mut slow, Message::Amount(stub.into()));
    let base = std::time::Instant::now();
    for (index, key) in stub.chars().chain(['\r']).enumerate() {
        let at = base + std::time::Duration::from_millis(200 * index as u64);
        send(&mut slow, AppMessage::Key(crate::gui::wedge::Keystroke { key, at }));
    }
    assert_eq!(slow.counter.tender.amount, stub, "typing is not a scan");
    assert!(slow.counter.cart.is_empty());
}

// Proves a wedge scan typed into a field of another screen (here the Receipts search) is taken to the counter's
// lookup like a serial scan.
#[test]
fn wedge_scan_on_another_screen_goes_to_the_counter() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    wedge_types(&mut app, "000123456700004550240500000002");
    assert_eq!(app.screen, Screen::Counter);
    assert_eq!(app.counter.cart.len(), 1, "{:?}", app.counter.error);
}

/// A city's own 24-digit stub layout (account 12, amount due 11 with cents, Luhn check digit), as IT would
/// write it beside citytill.toml; no shipped layout has that length.
const CITY_TEMPLATE: &str = "name = \"parking-24\"\nlength = 24\n\
    [[field]]\nname = \"account\"\nstart = 1\nlength = 12\n\
    [[field]]\nname = \"amount_due\"\nstart = 13\nlength = 11\ndecimals = 2\n\
    [[check]]\nposition = 24\nrange = [1, 23]\nmodulus = 10\nweights = [2, 1]\nfrom = \"right\"\nsum = \"digits\"\nresult = \"complement\"\n";

/// The window's stub templates as it reads them at start from a `[scanline]` settings table in `data_dir`.
fn stubs_from(settings: &str, data_dir: &std::path::Path) -> crate::gui::scan::Stubs {
    let table: toml::Table = settings.parse().unwrap();
    citytill::ops::stub::StubTemplates::from_settings(Some(&table), data_dir)
}

// Proves the window reads a stub in the city's own layout from a template file named in the settings (no rebuild):
// the shipped layouts take the 24 digits for search words, the city's template puts account 1234567 in the cart
// at the stub's 25.00; and a malformed template turns stub scanning off with a line naming the field, not a crash.
#[test]
fn city_stub_template_from_settings_is_read_by_the_window() {
    let stub = "000001234567000000025006";
    let mut fixture = fixture();
    let mut shipped = signed_in(&fixture, "ana", "1357");
    send(&mut shipped, AppMessage::Device(DeviceEvent::Data(ScanData::Stub(stub.into()))));
    assert!(shipped.counter.cart.is_empty(), "the shipped layouts have no 24-digit stub");

    std::fs::write(fixture.ctx.data_dir.join("parking.toml"), CITY_TEMPLATE).unwrap();
    fixture.ctx.stubs = std::sync::Arc::new(stubs_from("templates = [\"parking.toml\"]", &fixture.ctx.data_dir));
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Stub(stub.into()))));
    assert_eq!(app.counter.cart.len(), 1, "{:?}", app.counter.error);
    assert!(matches!(&app.counter.cart.lines()[0].item, CartItem::Payable(row) if row.number == "1234567"));
    assert_eq!(app.counter.total_due(), Money::from_cents(2500));

    std::fs::write(fixture.ctx.data_dir.join("parking.toml"), CITY_TEMPLATE.replace("length = 24\n", "")).unwrap();
    fixture.ctx.stubs = std::sync::Arc::new(stubs_from("templates = [\"parking.toml\"]", &fixture.ctx.data_dir));
    let mut broken = signed_in(&fixture, "ana", "1357");
    send(&mut broken, AppMessage::Device(DeviceEvent::Data(ScanData::Stub(stub.into()))));
    let error = broken.counter.error.clone().unwrap_or_default();
    assert!(error.contains("stub scanning is off") && error.contains("scanline.templates[0]") && error.contains("parking.toml") && error.contains("length"), "{error}");
    assert!(broken.counter.cart.is_empty());
}

// Proves a refusal and a failure read differently at the counter: 250,000.00 cash on 84.12 is refused (the change
// cannot be covered) with how to take the tender back; once the ledger thread has stopped, the same Enter is a
// failure that says to call IT and nothing about the tender (it is not the tender's fault), and the cart stays.
#[test]
fn a_stopped_ledger_thread_is_a_failure_not_a_refusal() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    counter(&mut app, Message::LookupChanged("100200".into()));
    counter(&mut app, Message::LookupSubmitted);
    counter(&mut app, Message::Amount("250000".into()));
    counter(&mut app, Message::AmountSubmitted);
    let refusal = app.counter.error.clone().unwrap_or_default();
    assert!(refusal.contains("cannot cover") && refusal.contains("[Ctrl+Shift+D]") && !refusal.contains("call IT"), "{refusal}");

    let stopped = iced::futures::executor::block_on(fixture.ctx.worker.run(|_| -> citytill::Result<()> { panic!("the ledger thread stops (test)") }));
    assert!(stopped.is_err());
    counter(&mut app, Message::AmountSubmitted);
    let failure = app.counter.error.clone().unwrap_or_default();
    assert!(failure.contains("the ledger thread stopped") && failure.contains("call IT") && !failure.contains("Ctrl+Shift+D"), "{failure}");
    assert!(app.counter.completed().is_none() && !app.counter.recording(), "nothing recorded, the counter is not left busy");
    assert_eq!((app.counter.cart.len(), app.counter.cart.tenders().len()), (1, 1), "the cart stays as it was");
}
