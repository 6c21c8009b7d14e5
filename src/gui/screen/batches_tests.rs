//! Batches screen tests on a real throwaway ledger: the mail batch loop (scanned and typed stubs and
//! checks) to balance and approval, refused self-approval, out of balance, reject and reopen, and the snapshot.

use citytill::domain::states::BatchState;
use citytill_hardware::device::{DeviceEvent, ScanData};

use super::{Decision, ItemForm, Message, Mode, Step};
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::keys::Shortcut;
use crate::gui::testing::{assert_snapshot, fixture, send, signed_in, simulator};

/// Ken Ito's stub (account 0001234567, 45.50 due) in the demo 30-digit layout.
const STUB: &str = "000123456700004550240500000002";

/// The item being entered (the test fails when the screen is not in its item loop).
fn entering(app: &App) -> &ItemForm {
    match &app.batches.step {
        Step::Entering(form) => form,
        other => panic!("not entering items: {other:?}"),
    }
}

fn batches(app: &mut App, message: Message) {
    send(app, AppMessage::Batches(message));
}

fn micr(line: &str) -> ScanData {
    ScanData::Micr(citytill_hardware::micr::parse(line, None).unwrap())
}

/// Signs lee (a lead) in and opens a mail batch with the tape's total and count.
fn lead_with_open_batch(control: &str, items: &str) -> (crate::gui::testing::Fixture, App) {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Batches));
    assert_eq!(app.screen, Screen::Batches);
    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    assert_eq!(app.batches.mode(), Mode::Opening);
    batches(&mut app, Message::ControlTotal(control.into()));
    batches(&mut app, Message::ControlItems(items.into()));
    batches(&mut app, Message::OpenSubmitted);
    assert_eq!(app.batches.mode(), Mode::Entering, "{:?}", app.batches.error);
    (fixture, app)
}

/// One item from the scanner: the stub, then the check, then Enter on the amount.
fn scan_item(app: &mut App, stub: &str, check: &str) {
    send(app, AppMessage::Device(DeviceEvent::Data(ScanData::Stub(stub.into()))));
    send(app, AppMessage::Device(DeviceEvent::Data(micr(check))));
    batches(app, Message::Confirm);
}

// Proves the mail batch loop end to end: a scanned stub and check, then a typed stub line (keyed account)
// and a typed MICR line, the running total against the control total, balance, the lead's own approval
// refused with the library's message, and a supervisor's approval posting the batch.
#[test]
fn mail_batch_loop_to_approval() {
    let (_fixture, mut app) = lead_with_open_batch("55.50", "2");
    assert_eq!(app.batches.selected.as_ref().map(|b| b.batch.as_str()), Some("M1"));
    scan_item(&mut app, STUB, "T021000021T 1234567890U 0123");
    assert!(app.batches.notice.as_deref().is_some_and(|n| n.starts_with("Item M1-0001 held: 45.50")), "{:?} {:?}", app.batches.notice, app.batches.error);
    let selected = app.batches.selected.clone().unwrap();
    assert_eq!((selected.items, selected.total.cents()), (1, 4550));
    assert_eq!(app.batches.items[0].tender.account_last4.as_deref(), Some("7890"));
    let mut ui = simulator(app.view());
    assert!(ui.find("Running 45.50 of control 55.50").is_ok());
    assert!(ui.find("Items 1 of 2 — difference -10.00").is_ok());
    drop(ui);

    batches(&mut app, Message::Stub("100200".into()));
    batches(&mut app, Message::StubSubmitted);
    assert_eq!(entering(&app).account.as_ref().map(|a| a.name.as_str()), Some("Maria Lopez"));
    batches(&mut app, Message::Micr("T021000021T 555566667777U 0456".into()));
    batches(&mut app, Message::MicrSubmitted);
    assert_eq!(entering(&app).check.as_ref().and_then(|c| c.check_number.as_deref()), Some("0456"));
    batches(&mut app, Message::Amount("10".into()));
    batches(&mut app, Message::Confirm);
    let selected = app.batches.selected.clone().unwrap();
    assert_eq!((selected.items, selected.total.cents()), (2, 5550), "{:?}", app.batches.error);

    send(&mut app, AppMessage::Shortcut(Shortcut::F6));
    assert_eq!(app.batches.selected.as_ref().map(|b| b.state.as_str()), Some("balanced"), "{:?}", app.batches.error);
    send(&mut app, AppMessage::Shortcut(Shortcut::F7));
    assert_eq!(app.batches.mode(), Mode::Deciding(Decision::Approve));
    batches(&mut app, Message::Approver("lee".into()));
    batches(&mut app, Message::Pin("8642".into()));
    batches(&mut app, Message::DecisionSubmitted);
    assert_eq!(app.batches.error.as_deref(), Some("approver: lee cannot approve their own batch approval; a second person must"));
    batches(&mut app, Message::Approver("sam".into()));
    batches(&mut app, Message::Pin("975310".into()));
    batches(&mut app, Message::DecisionSubmitted);
    assert_eq!(app.batches.notice.as_deref(), Some("Batch M1 approved by sam; 55.50 posted to the accounts."), "{:?}", app.batches.error);
    assert_eq!(app.batches.selected.as_ref().map(|b| b.state.as_str()), Some("approved"));
    assert_eq!(app.batches.batches.iter().map(|b| (b.batch.as_str(), b.state.as_str())).collect::<Vec<_>>(), vec![("D1", "open"), ("M1", "approved")], "ana's counter batch and M1");
}

// Proves an out-of-balance batch is refused with the library's differences, bad scans are named and
// nothing is held, a cashier cannot open a batch, and a rejected batch is reopened for correction.
#[test]
fn out_of_balance_bad_scans_reject_and_reopen() {
    let (fixture, mut app) = lead_with_open_batch("100", "1");
    batches(&mut app, Message::Stub("000123456700004550240500000003".into()));
    batches(&mut app, Message::StubSubmitted);
    assert!(app.batches.error.as_deref().is_some_and(|e| e.starts_with("scan:")), "{:?}", app.batches.error);
    scan_item(&mut app, STUB, "T021000021T 1234567890U 0123");
    batches(&mut app, Message::Stub(STUB.into()));
    batches(&mut app, Message::StubSubmitted);
    batches(&mut app, Message::Micr("T112000025T 1234567890U 0123".into()));
    batches(&mut app, Message::MicrSubmitted);
    assert!(app.batches.error.as_deref().is_some_and(|e| e.contains("checksum")), "{:?}", app.batches.error);
    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    assert_eq!(app.batches.mode(), Mode::List);

    batches(&mut app, Message::Balance);
    let error = app.batches.error.clone().unwrap_or_default();
    assert!(error.contains("out of balance") && error.contains("difference -54.50"), "{error}");
    assert_eq!(app.batches.selected.as_ref().map(|b| (b.state.as_str(), b.items)), Some(("open", 1)));

    batches(&mut app, Message::Decide(Decision::Reject));
    batches(&mut app, Message::Reason("tape added wrong".into()));
    batches(&mut app, Message::Approver("sam".into()));
    batches(&mut app, Message::Pin("975310".into()));
    batches(&mut app, Message::DecisionSubmitted);
    assert_eq!(app.batches.selected.as_ref().map(|b| b.state.as_str()), Some("rejected"), "{:?}", app.batches.error);
    batches(&mut app, Message::Decide(Decision::Reopen));
    batches(&mut app, Message::Reason("re-adding the tape".into()));
    batches(&mut app, Message::DecisionSubmitted);
    assert_eq!(app.batches.notice.as_deref(), Some("Batch M1 reopened for correction."), "{:?}", app.batches.error);
    assert_eq!(app.batches.selected.as_ref().map(|b| b.state.as_str()), Some("open"));

    let mut cashier = signed_in(&fixture, "ana", "1357");
    send(&mut cashier, AppMessage::Go(Screen::Batches));
    send(&mut cashier, AppMessage::Batches(Message::StartOpen));
    send(&mut cashier, AppMessage::Batches(Message::ControlTotal("10".into())));
    send(&mut cashier, AppMessage::Batches(Message::ControlItems("1".into())));
    send(&mut cashier, AppMessage::Batches(Message::OpenSubmitted));
    assert!(cashier.batches.error.as_deref().is_some_and(|e| e.contains("open remittance batches")), "{:?}", cashier.batches.error);
    assert_eq!(cashier.batches.batches.len(), 2, "the cashier's counter batch and M1 are listed");
}

// Proves the batch screen mid-loop (one item held, the next stub found) matches its committed snapshot.
#[test]
fn batches_view_snapshot() {
    let (_fixture, mut app) = lead_with_open_batch("55.50", "2");
    scan_item(&mut app, STUB, "T021000021T 1234567890U 0123");
    batches(&mut app, Message::Stub("100200".into()));
    batches(&mut app, Message::StubSubmitted);
    let mut ui = simulator(app.view());
    assert!(ui.find("Account 100200 — Maria Lopez").is_ok());
    assert!(ui.find("Hold item, next [Enter]").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "batches_entering");
}

// Proves the batch list is browsable without a mouse: Up/Down move the selection through the list (stopping at
// its ends, starting from the first / last when nothing is selected) without starting an open batch's item
// loop, and are ignored while a form is open so the batch being entered never changes under the scanner.
#[test]
fn arrow_keys_move_the_batch_selection() {
    let (_fixture, mut app) = lead_with_open_batch("55.50", "2");
    let selected = |app: &App| app.batches.selected.as_ref().map(|b| b.batch.clone());
    assert_eq!(app.batches.batches.iter().map(|b| b.batch.as_str()).collect::<Vec<_>>(), vec!["D1", "M1"]);
    send(&mut app, AppMessage::Shortcut(Shortcut::Up));
    assert_eq!((selected(&app).as_deref(), app.batches.mode()), (Some("M1"), Mode::Entering), "arrows leave the item loop alone");

    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    assert_eq!(app.batches.mode(), Mode::List);
    send(&mut app, AppMessage::Shortcut(Shortcut::Up));
    assert_eq!(selected(&app).as_deref(), Some("D1"));
    send(&mut app, AppMessage::Shortcut(Shortcut::Up));
    assert_eq!(selected(&app).as_deref(), Some("D1"), "stays at the top");
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    assert_eq!((selected(&app).as_deref(), app.batches.mode()), (Some("M1"), Mode::List), "an open mail batch is shown, not entered");
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    assert_eq!(selected(&app).as_deref(), Some("M1"), "stays at the bottom");
    assert!(app.batches.selected.as_ref().is_some_and(|b| b.state == BatchState::Open), "the summary is loaded");

    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    assert_eq!(selected(&app), None);
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    assert_eq!(selected(&app).as_deref(), Some("D1"));
    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    send(&mut app, AppMessage::Shortcut(Shortcut::Up));
    assert_eq!(selected(&app).as_deref(), Some("M1"));
    send(&mut app, AppMessage::Shortcut(Shortcut::F11));
    assert_eq!(app.batches.mode(), Mode::Entering, "F11 starts the item loop on the batch arrowed to");
}

/// Reads the batch's removed items and the reasons journaled for them, on the ledger thread.
fn removed_in_ledger(app: &mut App, batch: &'static str) -> Vec<(i64, String)> {
    use citytill::domain::events::Event;
    let found = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = found.clone();
    let task = iced::Task::perform(
        app.ctx.worker.run(move |ledger| {
            let removed = citytill::ops::batch::items_in_state(&*ledger.read()?, batch, citytill::domain::states::BatchItemState::Removed)?;
            let reasons: Vec<(i64, String)> = ledger
                .entries_after(0, 10_000)?
                .iter()
                .filter_map(|record| match citytill::ledger::payload::decode(&record.kind, &record.payload) {
                    Ok(Event::BatchItemRemoved { batch: b, item, reason }) if b == batch => Some((item.item, reason)),
                    _ => None,
                })
                .collect();
            assert_eq!(removed.iter().map(|i| i.item).collect::<Vec<_>>(), reasons.iter().map(|r| r.0).collect::<Vec<_>>(), "the removed items are the journaled ones");
            Ok(reasons)
        }),
        move |result: Result<Vec<(i64, String)>, crate::gui::worker::WorkerError>| {
            if let (Ok(reasons), Ok(mut found)) = (result, into.lock()) {
                *found = reasons;
            }
            AppMessage::Activity
        },
    );
    crate::gui::testing::settle(app, task);
    let reasons = found.lock().map(|r| r.clone()).unwrap_or_default();
    reasons
}

// Proves a mis-keyed item comes out of an open mail batch from the window by keyboard (F12, its number, a
// reason, Enter) through the library's `batch::remove`: a missing reason is refused in the window's words with
// nothing written, the item leaves the list, the running total and count drop, the ledger holds it as removed
// with the reason; and Remove item is not offered (F12 refused, nothing written) once the batch is balanced,
// nor on a counter batch.
#[test]
fn remove_an_item_with_a_reason() {
    let (_fixture, mut app) = lead_with_open_batch("45.50", "1");
    scan_item(&mut app, STUB, "T021000021T 1234567890U 0123");
    batches(&mut app, Message::Stub("100200".into()));
    batches(&mut app, Message::StubSubmitted);
    batches(&mut app, Message::Micr("T021000021T 555566667777U 0456".into()));
    batches(&mut app, Message::MicrSubmitted);
    batches(&mut app, Message::Amount("10".into()));
    batches(&mut app, Message::Confirm);
    assert_eq!(app.batches.selected.as_ref().map(|b| (b.items, b.total.cents())), Some((2, 5550)), "{:?}", app.batches.error);
    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    assert!(simulator(app.view()).find("Remove item [F12]").is_ok(), "the action row shows the key");

    send(&mut app, AppMessage::Shortcut(Shortcut::F12));
    assert_eq!(app.batches.mode(), Mode::Removing, "{:?}", app.batches.error);
    batches(&mut app, Message::RemoveItem("M1-0002".into()));
    batches(&mut app, Message::RemoveSubmitted);
    assert_eq!(app.batches.error.as_deref().map(crate::gui::wording::sentence).as_deref(), Some("Reason: say why in 3 to 200 characters."));
    assert_eq!((app.batches.mode(), app.batches.items.len()), (Mode::Removing, 2), "nothing removed without a reason");
    assert!(removed_in_ledger(&mut app, "M1").is_empty());

    batches(&mut app, Message::RemoveItem("7".into()));
    batches(&mut app, Message::Reason("keyed twice".into()));
    batches(&mut app, Message::RemoveSubmitted);
    assert!(app.batches.error.as_deref().is_some_and(|e| e.contains("no item 7")), "{:?}", app.batches.error);

    batches(&mut app, Message::RemoveItem("2".into()));
    batches(&mut app, Message::RemoveSubmitted);
    assert_eq!(app.batches.error, None);
    assert_eq!(app.batches.notice.as_deref(), Some("Item M1-0002 (10.00) removed: keyed twice. Batch M1 now holds 45.50 in 1 item (control 45.50 in 1)."));
    assert_eq!(app.batches.mode(), Mode::List);
    assert_eq!(app.batches.items.iter().map(|i| i.item).collect::<Vec<_>>(), vec![1], "the item list no longer shows it");
    assert_eq!(app.batches.selected.as_ref().map(|b| (b.items, b.total.cents())), Some((1, 4550)), "the batch's totals drop");
    let listed = app.batches.batches.iter().find(|b| b.batch == "M1").map(|b| (b.items, b.total.cents()));
    assert_eq!(listed, Some((1, 4550)), "the list's totals drop too");
    assert_eq!(removed_in_ledger(&mut app, "M1"), vec![(2, "keyed twice".to_string())]);

    send(&mut app, AppMessage::Shortcut(Shortcut::F6));
    assert_eq!(app.batches.selected.as_ref().map(|b| b.state.as_str()), Some("balanced"), "{:?}", app.batches.error);
    send(&mut app, AppMessage::Shortcut(Shortcut::F12));
    assert_eq!(app.batches.mode(), Mode::List, "a balanced batch takes no removals");
    assert!(app.batches.error.as_deref().is_some_and(|e| e.contains("M1 is balanced")), "{:?}", app.batches.error);
    assert_eq!(removed_in_ledger(&mut app, "M1").len(), 1);

    batches(&mut app, Message::Select("D1".into()));
    send(&mut app, AppMessage::Shortcut(Shortcut::F12));
    assert_eq!(app.batches.mode(), Mode::List, "a counter batch takes no removals");
}

// Proves a refusal is written under the field it is about, not in the banner, and goes away as the cashier
// retypes that field (a bad control total, a mistyped item amount: each under its own field, nothing
// recorded), while a refusal about no field of the open form stays in the banner.
#[test]
fn refusals_sit_under_their_field() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Batches));
    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    batches(&mut app, Message::ControlTotal("12.345".into()));
    batches(&mut app, Message::ControlItems("1".into()));
    batches(&mut app, Message::OpenSubmitted);
    let problem = app.batches.error().map(str::to_string).expect("a bad control total is refused");
    assert!(problem.starts_with("control total"), "{problem}");
    assert_eq!(app.batches.mode(), Mode::Opening, "nothing opened");
    assert_eq!(app.batches.refusal(super::CONTROL_TOTAL_ID), Some(problem.as_str()));
    assert_eq!(app.batches.banner_error(), None, "the banner does not repeat it");
    let shown = crate::gui::testing::visible_texts(&app);
    let sentence = crate::gui::wording::sentence(&problem);
    assert_eq!(shown.iter().filter(|t| **t == sentence).count(), 1, "written once, under the field: {shown:?}");
    batches(&mut app, Message::ControlTotal("12.34".into()));
    assert_eq!(app.batches.error(), None, "retyping the field takes the refusal away");

    batches(&mut app, Message::OpenSubmitted);
    assert_eq!(app.batches.mode(), Mode::Entering, "{:?}", app.batches.error());
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Stub(STUB.into()))));
    batches(&mut app, Message::Amount("4O.5O".into()));
    batches(&mut app, Message::Confirm);
    let problem = app.batches.error().map(str::to_string).expect("a mistyped amount is refused");
    assert_eq!(app.batches.refusal(super::AMOUNT_ID), Some(problem.as_str()), "an amount refusal sits under the amount: {problem}");
    assert!(app.batches.items().is_empty(), "nothing held");

    // A refusal about no field on the open form (a batch-level one) stays in the banner.
    batches(&mut app, Message::Cancel);
    batches(&mut app, Message::Cancel);
    batches(&mut app, Message::Decide(Decision::Approve));
    assert!(app.batches.error().is_some());
    assert_eq!(app.batches.banner_error(), app.batches.error(), "no form field to put it under: the banner");
}

// Proves a failure is not a refusal on the batch forms: opening a batch while the ledger thread's queue is full is
// said in the banner (try again, call IT), not under the control total the cashier typed right, and the form
// keeps it; Enter again once the queue has room opens the batch.
#[test]
fn a_full_queue_is_a_failure_in_the_banner_and_the_form_stays() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Batches));
    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    batches(&mut app, Message::ControlTotal("55.50".into()));
    batches(&mut app, Message::ControlItems("2".into()));
    let full = crate::gui::testing::FullQueue::hold(&fixture.ctx.worker);
    batches(&mut app, Message::OpenSubmitted);
    full.release();
    let problem = app.batches.banner_error().map(str::to_string).expect("a full queue is said in the banner");
    assert!(problem.contains("already waiting") && problem.contains("call IT"), "{problem}");
    assert_eq!(app.batches.refusal(super::CONTROL_TOTAL_ID), None, "not under the control total");
    assert!(matches!(&app.batches.step, Step::Opening(form) if form.control_total == "55.50" && form.control_items == "2"), "the form keeps its typing");
    batches(&mut app, Message::OpenSubmitted);
    assert_eq!(app.batches.mode(), Mode::Entering, "{:?}", app.batches.error());
}
