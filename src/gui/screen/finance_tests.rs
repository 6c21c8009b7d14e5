//! Finance screen tests on a real throwaway ledger: an autopay enrolment with a supervisor's approval listed
//! with its last 4 only (the full bank account number nowhere on screen, in a message or in the screen's
//! state after submit), refusals beside their fields (checksum, second entry, self-approval), a file exception
//! applied to an account (one of another kind only once confirmed) and its batch balancing, a bank's return
//! file shown and then recorded with a supervisor, and the snapshots.

use super::enrol::Field;
use super::{Message, Mode};
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::keys::Shortcut;
use crate::gui::testing::{assert_snapshot, fixture, import_lockbox, send, signed_in, simulator_at, visible_texts, wholly_visible, with_autopay_key, Fixture};
use iced_test::selector;

const NUMBER: &str = "123456789012";

fn finance(app: &mut App, message: Message) {
    send(app, AppMessage::Finance(message));
}

/// A fixture whose autopay key lives in its own temp dir (returned, to live as long as the test).
fn autopay_fixture() -> (Fixture, tempfile::TempDir) {
    let mut fixture = fixture();
    let keys = tempfile::tempdir().unwrap();
    with_autopay_key(&mut fixture, keys.path());
    (fixture, keys)
}

/// lee (a lead) at the finance screen, reached by its key, with the enrol form open.
fn lead_enrolling(fixture: &Fixture) -> App {
    let mut app = signed_in(fixture, "lee", "8642");
    send(&mut app, AppMessage::Shortcut(Shortcut::Finance));
    assert_eq!(app.screen, Screen::Finance);
    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    assert_eq!(app.finance.mode(), Mode::Enrolling);
    app
}

/// Fills the enrolment of 100200 (fixed 50.00 on the 15th, savings) with the bank account typed twice.
fn fill(app: &mut App, again: &str, approver: &str, pin: &str) {
    finance(app, Message::Account("100200".into()));
    finance(app, Message::AccountSubmitted);
    finance(app, Message::Routing("021000021".into()));
    finance(app, Message::RoutingSubmitted);
    finance(app, Message::BankAccount(NUMBER.into()));
    finance(app, Message::BankAgain(again.into()));
    finance(app, Message::Savings(true));
    finance(app, Message::Fixed(true));
    finance(app, Message::FixedAmount("50.00".into()));
    finance(app, Message::DraftDay("15".into()));
    finance(app, Message::Approver(approver.into()));
    finance(app, Message::Pin(pin.into()));
}

/// Every place the number could linger: the visible texts, the screen's lines and its whole state.
fn number_anywhere(app: &App) -> Vec<String> {
    let mut found: Vec<String> = visible_texts(app).into_iter().filter(|t| t.contains(NUMBER) || t.contains(&NUMBER[2..])).collect();
    for line in [app.finance.error(), app.finance.notice(), app.finance.field_error().map(|(_, e)| e)].into_iter().flatten() {
        if line.contains(NUMBER) {
            found.push(format!("message: {line}"));
        }
    }
    if format!("{:?}", app.finance).contains(NUMBER) {
        found.push("the screen's state".into());
    }
    found
}

// Proves a lead's enrolment approved by a supervisor is written and listed with the account's name, the rule,
// the draft day, the bank account's last 4 and the prenote status — and that after submit the full number is
// in no visible text, no message and not in the screen's state.
#[test]
fn enrolment_with_approval_is_listed_with_last_4_only() {
    let (fixture, _keys) = autopay_fixture();
    let mut app = lead_enrolling(&fixture);
    fill(&mut app, NUMBER, "sam", "975310");
    assert_eq!(app.finance.field_error(), None);
    finance(&mut app, Message::EnrolSubmitted);
    assert_eq!(app.finance.mode(), Mode::List, "{:?} {:?}", app.finance.error(), app.finance.field_error());
    let rows = app.finance.enrolments();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (row.enrolment.as_str(), row.account.as_str(), row.name.as_str(), row.rule.as_str(), row.draft_day, row.last4.as_str(), row.status.as_str()),
        ("AP1", "100200", "Maria Lopez", "fixed 50.00", 15, "9012", "prenote")
    );
    let notice = app.finance.notice().unwrap_or_default().to_string();
    assert!(notice.contains("AP1 enrolled") && notice.contains("ending 9012") && notice.contains("sam"), "{notice}");
    let texts = visible_texts(&app);
    assert!(texts.iter().any(|t| t == "sav ...9012"), "the list shows the last 4: {texts:?}");
    assert_eq!(number_anywhere(&app), Vec::<String>::new(), "the full bank account number is still shown or kept");
}

// Proves the enrol form's debug text (what a log line or a failing test would print) never carries the bank
// account number while it is being typed, only how many digits each field holds.
#[test]
fn typed_bank_account_is_not_in_debug_output() {
    let (fixture, _keys) = autopay_fixture();
    let mut app = lead_enrolling(&fixture);
    fill(&mut app, NUMBER, "sam", "975310");
    assert_eq!(app.finance.typed_bank_account(), Some((NUMBER, NUMBER)), "the form holds what was typed until submit");
    let debug = format!("{:?}", app.finance);
    assert!(!debug.contains(NUMBER) && debug.contains("<12 digits>"), "{debug}");
    assert!(!debug.contains("975310"), "the PIN is in the debug text");
}

// Proves a routing number failing the ABA checksum and a second bank account entry that does not match are each
// refused beside their own field (in the window's words), nothing is enrolled, and a refused submit leaves
// neither bank account field holding the number.
#[test]
fn bad_routing_and_mismatched_second_entry_are_refused_beside_the_field() {
    let (fixture, _keys) = autopay_fixture();
    let mut app = lead_enrolling(&fixture);
    finance(&mut app, Message::Routing("021000022".into()));
    finance(&mut app, Message::RoutingSubmitted);
    assert_eq!(app.finance.field_error().map(|(f, _)| f), Some(Field::Routing));
    assert!(visible_texts(&app).iter().any(|t| t == "Routing number: not 9 digits with a valid ABA checksum."), "{:?}", app.finance.field_error());
    // A bank account number typed into the routing field by mistake is not repeated in the refusal.
    finance(&mut app, Message::Routing(NUMBER.into()));
    finance(&mut app, Message::RoutingSubmitted);
    assert_eq!(app.finance.field_error().map(|(f, _)| f), Some(Field::Routing));
    assert!(app.finance.field_error().is_some_and(|(_, e)| !e.contains(NUMBER)), "the refusal repeats the number: {:?}", app.finance.field_error());

    fill(&mut app, "123456789013", "sam", "975310");
    assert_eq!(app.finance.field_error(), None, "retyping the routing clears its refusal");
    finance(&mut app, Message::BankAgainSubmitted);
    assert_eq!(app.finance.field_error().map(|(f, _)| f), Some(Field::BankAgain));
    finance(&mut app, Message::EnrolSubmitted);
    let (field, problem) = app.finance.field_error().map(|(f, e)| (f, e.to_string())).expect("refused");
    assert_eq!(field, Field::BankAgain);
    assert!(problem.contains("does not match"), "{problem}");
    assert!(visible_texts(&app).iter().any(|t| t == "Bank account: the second entry does not match the first."), "the refusal sits beside the field in the window's words");
    assert_eq!(app.finance.typed_bank_account(), Some(("", "")), "a submitted form forgets the number");
    assert_eq!(number_anywhere(&app), Vec::<String>::new());
    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    assert!(app.finance.enrolments().is_empty(), "nothing was enrolled");
}

// Proves the lead cannot approve their own enrolment: the refusal sits beside the supervisor field, nothing is
// enrolled, and the number typed is gone from the form.
#[test]
fn self_approval_is_refused() {
    let (fixture, _keys) = autopay_fixture();
    let mut app = lead_enrolling(&fixture);
    fill(&mut app, NUMBER, "lee", "8642");
    finance(&mut app, Message::EnrolSubmitted);
    let (field, problem) = app.finance.field_error().map(|(f, e)| (f, e.to_string())).expect("refused");
    assert_eq!(field, Field::Approver);
    assert!(problem.contains("cannot approve their own"), "{problem}");
    assert_eq!(app.finance.mode(), Mode::Enrolling);
    assert_eq!(app.finance.typed_bank_account(), Some(("", "")));
    assert_eq!(number_anywhere(&app), Vec::<String>::new());
    send(&mut app, AppMessage::Shortcut(Shortcut::Cancel));
    send(&mut app, AppMessage::Go(Screen::Finance));
    assert!(app.finance.enrolments().is_empty(), "nothing was enrolled");
}

// Proves the enrolment form tells a refusal from a failure: the lead approving their own enrolment is refused
// beside the supervisor field with no banner; the same submit with the ledger thread's queue full is a failure,
// said in the banner with "call IT" and beside no field, the form kept (still enrolling, the account and rule as
// typed); once the queue has room, the bank account typed twice again and a supervisor's PIN enrol it.
#[test]
fn a_refusal_is_beside_its_field_and_a_failure_in_the_banner() {
    let (fixture, _keys) = autopay_fixture();
    let mut app = lead_enrolling(&fixture);
    fill(&mut app, NUMBER, "lee", "8642");
    finance(&mut app, Message::EnrolSubmitted);
    assert_eq!(app.finance.field_error().map(|(f, _)| f), Some(Field::Approver), "{:?}", app.finance.error());
    assert_eq!(app.finance.error(), None, "a refusal beside its field is not in the banner");

    finance(&mut app, Message::Approver("sam".into()));
    finance(&mut app, Message::BankAccount(NUMBER.into()));
    finance(&mut app, Message::BankAgain(NUMBER.into()));
    finance(&mut app, Message::Pin("975310".into()));
    let full = crate::gui::testing::FullQueue::hold(&fixture.ctx.worker);
    finance(&mut app, Message::EnrolSubmitted);
    full.release();
    let failure = app.finance.error().map(str::to_string).unwrap_or_else(|| panic!("in the banner: {:?}", app.finance.field_error()));
    assert!(failure.contains("already waiting") && failure.contains("call IT"), "{failure}");
    assert_eq!(app.finance.field_error(), None, "a failure is beside no field");
    assert_eq!(app.finance.mode(), Mode::Enrolling, "the form stays");
    assert!(visible_texts(&app).iter().any(|t| t.contains("call IT")), "shown");

    finance(&mut app, Message::BankAccount(NUMBER.into()));
    finance(&mut app, Message::BankAgain(NUMBER.into()));
    finance(&mut app, Message::Pin("975310".into()));
    finance(&mut app, Message::EnrolSubmitted);
    assert_eq!(app.finance.mode(), Mode::List, "{:?} {:?}", app.finance.error(), app.finance.field_error());
    let enrolled: Vec<(&str, &str)> = app.finance.enrolments().iter().map(|e| (e.account.as_str(), e.rule.as_str())).collect();
    assert_eq!(enrolled, [("100200", "fixed 50.00")], "the account and rule kept from before the failure");
}

// Proves an enrolment is cancelled from the list with a reason (Down to it, F8) and then shows as cancelled.
#[test]
fn enrolment_cancelled_with_a_reason() {
    let (fixture, _keys) = autopay_fixture();
    let mut app = lead_enrolling(&fixture);
    fill(&mut app, NUMBER, "sam", "975310");
    finance(&mut app, Message::EnrolSubmitted);
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    send(&mut app, AppMessage::Shortcut(Shortcut::F8));
    assert_eq!(app.finance.mode(), Mode::Cancelling);
    finance(&mut app, Message::Reason("no".into()));
    finance(&mut app, Message::CancelSubmitted);
    assert!(visible_texts(&app).iter().any(|t| t.starts_with("Reason: ")), "a two-letter reason is refused in the window's words: {:?}", app.finance.error());
    finance(&mut app, Message::Reason("customer moved away".into()));
    finance(&mut app, Message::CancelSubmitted);
    assert_eq!(app.finance.mode(), Mode::List, "{:?}", app.finance.error());
    assert_eq!(app.finance.enrolments()[0].status, "cancelled");
}

// Proves a lockbox file's exception (an unknown account) is listed with its reference, line, account as given,
// amount and problem; applying it to a closed account is refused in the window's words; applied to a known account
// with a reason it leaves the list, and the batch then balances against the file's control total.
#[test]
fn exception_applied_then_gone_and_batch_balances() {
    let fixture = fixture();
    import_lockbox(&fixture);
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Finance));
    let open = app.finance.exceptions();
    assert_eq!(open.len(), 1, "{:?}", app.finance.error());
    assert_eq!((open[0].reference.as_str(), open[0].line, open[0].account.as_str(), open[0].amount.cents(), open[0].problem.as_str()), ("L1-E1", 4, "NOPE-77", 1000, "unknown account"));
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    send(&mut app, AppMessage::Shortcut(Shortcut::F6));
    assert_eq!(app.finance.mode(), Mode::Applying);
    finance(&mut app, Message::ApplyTo("PC-777".into()));
    finance(&mut app, Message::ApplyToSubmitted);
    let texts = visible_texts(&app);
    assert!(texts.iter().any(|t| t.starts_with("Apply to account: 'PC-777': account PC-777 is closed")), "refused under the field when looked up: {:?} {texts:?}", app.finance.apply_to_refusal());
    assert!(!texts.iter().any(|t| t.contains("--")), "a flag name is on screen: {texts:?}");
    finance(&mut app, Message::Reason("coupon misread".into()));
    finance(&mut app, Message::ResolveSubmitted);
    assert_eq!(app.finance.mode(), Mode::Applying, "a closed account is never applied to");
    finance(&mut app, Message::ApplyTo("1234567".into()));
    finance(&mut app, Message::ApplyToSubmitted);
    let texts = visible_texts(&app);
    assert!(texts.iter().any(|t| t == "Account 1234567 — Ken Ito"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "Utility account, active, balance 45.50"), "the account's kind, status and balance are shown: {texts:?}");
    assert!(!texts.iter().any(|t| t.contains("confirm the change")), "the same kind asks nothing: {texts:?}");
    finance(&mut app, Message::ResolveSubmitted);
    assert_eq!(app.finance.mode(), Mode::List, "{:?}", app.finance.error());
    assert!(app.finance.exceptions().is_empty(), "the applied exception left the list");
    assert!(app.finance.notice().is_some_and(|n| n.contains("can be balanced now")), "{:?}", app.finance.notice());
    let lead = citytill::ops::auth::Actor { name: "lee".into(), role: citytill::domain::ids::Role::Lead };
    let balanced = iced::futures::executor::block_on(fixture.ctx.worker.run(move |ledger| citytill::ops::batch::balance(ledger, &lead, "L1"))).expect("the batch balances");
    assert_eq!((balanced.items, balanced.total.cents(), balanced.control_total.cents()), (2, 9412, 9412));
}

// Proves the finance screen at 1024×768 shows an enrolment and an open exception with the tab row and status
// bar whole (snapshot looked at).
#[test]
fn finance_screen_snapshot() {
    let (fixture, _keys) = autopay_fixture();
    import_lockbox(&fixture);
    let mut app = lead_enrolling(&fixture);
    fill(&mut app, NUMBER, "sam", "975310");
    finance(&mut app, Message::EnrolSubmitted);
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    let mut ui = simulator_at((1024.0, 768.0), app.view());
    assert!(ui.find("Lock [F10]").is_ok());
    assert!(ui.find("L1-E1").is_ok());
    assert!(ui.find("chk ...9012").is_ok() || ui.find("sav ...9012").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "finance_1024");
}

// Proves the finance screen is a lead's: a cashier's tab row does not offer it and Shift+F4 says so and stays put.
#[test]
fn cashier_is_not_taken_to_finance() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    assert!(!visible_texts(&app).iter().any(|t| t.starts_with("Finance")), "a cashier is offered the finance tab");
    send(&mut app, AppMessage::Shortcut(Shortcut::Finance));
    assert_eq!(app.screen, Screen::Counter);
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("for leads and supervisors")), "{:?}", app.notice);
}

// Proves the runs part: F9 prepares the run for the business date (the new enrolment's prenote), the preparer's
// own release is refused, a supervisor's release writes the NACHA file to the destination typed (owner-only, 94-
// character records in blocks of ten) and lists the run as released, the full bank account number appears nowhere
// on screen, and a date with nothing due is refused in the window's words.
#[test]
fn run_prepared_and_released_to_a_file() {
    let (mut fixture, keys) = autopay_fixture();
    with_originator(&mut fixture);
    let mut app = lead_enrolling(&fixture);
    fill(&mut app, NUMBER, "sam", "975310");
    finance(&mut app, Message::EnrolSubmitted);
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    assert_eq!(app.finance.mode(), Mode::Run(super::RunAction::Prepare));
    finance(&mut app, Message::RunSubmitted(false));
    assert!(app.finance.notice().is_some_and(|n| n.starts_with("Run AR1 for 2026-03-02 prepared: 0 debits (0.00), 1 prenotes")), "{:?} {:?}", app.finance.notice(), app.finance.error());
    assert_eq!(app.finance.runs().len(), 1);

    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    send(&mut app, AppMessage::Shortcut(Shortcut::F11));
    assert_eq!(app.finance.mode(), Mode::Run(super::RunAction::Release), "{:?}", app.finance.error());
    let out = keys.path().join("ach").join("AR1.ach");
    finance(&mut app, Message::File(out.display().to_string()));
    finance(&mut app, Message::Approver("lee".into()));
    finance(&mut app, Message::Pin("8642".into()));
    finance(&mut app, Message::RunSubmitted(false));
    assert!(app.finance.run_refusal().is_some_and(|(id, e)| id == "approver" && e.contains("cannot approve their own")), "{:?} {:?}", app.finance.run_refusal(), app.finance.error());
    assert_eq!(app.finance.error(), None, "the refusal is under the supervisor, not in the banner");
    assert!(visible_texts(&app).iter().any(|t| t.contains("cannot approve their own")), "shown");
    assert!(!out.exists(), "a refused release writes no file");
    finance(&mut app, Message::Approver("sam".into()));
    finance(&mut app, Message::Pin("975310".into()));
    finance(&mut app, Message::RunSubmitted(false));
    assert_eq!(app.finance.mode(), Mode::List, "{:?}", app.finance.error());
    assert!(app.finance.runs()[0].released);
    let file = std::fs::read_to_string(&out).expect("the file is written");
    let lines: Vec<&str> = file.lines().collect();
    assert!(lines[0].starts_with("101") && lines.iter().all(|l| l.len() == 94) && lines.len().is_multiple_of(10), "{file}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o077, 0, "the file is owner-only");
    }
    assert_eq!(number_anywhere(&app), Vec::<String>::new());

    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    finance(&mut app, Message::RunDate("2026-03-03".into()));
    finance(&mut app, Message::RunSubmitted(false));
    assert!(visible_texts(&app).iter().any(|t| t.starts_with("Business date: nothing is due on 2026-03-03")), "{:?}", app.finance.error());
}

// Proves keys typed fast (as xdotool or a quick typist on the keypad does, read by the keyboard-wedge detector as
// a scan) into the finance screen's fields stay there: the window does not jump to the counter and put what was
// typed — a bank account number — into its lookup and its "nothing matches" line. Found driving the real window
// under Xvfb: the account, routing and both bank account entries landed in the counter's lookup.
#[test]
fn fast_typing_on_the_finance_screen_is_not_a_counter_scan() {
    let (fixture, _keys) = autopay_fixture();
    let mut app = lead_enrolling(&fixture);
    finance(&mut app, Message::BankAccount(NUMBER.into()));
    let base = std::time::Instant::now();
    for (index, key) in NUMBER.chars().chain(['\r']).enumerate() {
        let at = base + std::time::Duration::from_millis(5 * index as u64);
        send(&mut app, AppMessage::Key(crate::gui::wedge::Keystroke { key, at }));
    }
    assert_eq!(app.screen, Screen::Finance, "a burst of keys on the finance screen was taken to the counter");
    assert_eq!(app.finance.mode(), Mode::Enrolling);
    assert!(!format!("{:?}", app.counter.error()).contains(NUMBER), "the counter shows the bank account number: {:?}", app.counter.error());
}

// Proves an exception refunded (F7) with a reason leaves the list and the batch balances with the refund counted
// toward the file's control total; a refund without a reason is refused in the window's words.
#[test]
fn exception_refunded_with_a_reason() {
    let fixture = fixture();
    import_lockbox(&fixture);
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Finance));
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    send(&mut app, AppMessage::Shortcut(Shortcut::F7));
    assert_eq!(app.finance.mode(), Mode::Refunding);
    finance(&mut app, Message::ResolveSubmitted);
    assert!(visible_texts(&app).iter().any(|t| t.starts_with("Reason: ")), "{:?}", app.finance.error());
    assert_eq!(app.finance.exceptions().len(), 1, "nothing was resolved");
    finance(&mut app, Message::Reason("check returned to the remitter".into()));
    finance(&mut app, Message::ResolveSubmitted);
    assert_eq!(app.finance.mode(), Mode::List, "{:?}", app.finance.error());
    assert!(app.finance.exceptions().is_empty());
    let lead = citytill::ops::auth::Actor { name: "lee".into(), role: citytill::domain::ids::Role::Lead };
    let balanced = iced::futures::executor::block_on(fixture.ctx.worker.run(move |ledger| citytill::ops::batch::balance(ledger, &lead, "L1"))).expect("the batch balances");
    assert_eq!((balanced.items, balanced.total.cents()), (1, 8412));
}

// Proves redirecting a file item to an account of another kind than the item's own (a utility payment, as the
// file's other item says, to a business licence) shows the account's name, kind, status and balance and asks;
// submitting without the confirmation is refused under the field and records nothing; a new account typed drops
// the confirmation; an unknown account is refused under the field; confirmed with F8 it is applied.
#[test]
fn redirect_to_another_kind_needs_confirmation() {
    let fixture = fixture();
    import_lockbox(&fixture);
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Finance));
    send(&mut app, AppMessage::Shortcut(Shortcut::Down));
    send(&mut app, AppMessage::Shortcut(Shortcut::F6));
    finance(&mut app, Message::ApplyTo("NOPE-1".into()));
    finance(&mut app, Message::ApplyToSubmitted);
    assert!(visible_texts(&app).iter().any(|t| t == "Apply to account: 'NOPE-1': unknown account."), "{:?}", app.finance.apply_to_refusal());

    finance(&mut app, Message::ApplyTo("BL-3004".into()));
    finance(&mut app, Message::ApplyToSubmitted);
    let texts = visible_texts(&app);
    assert!(texts.iter().any(|t| t == "Account BL-3004 — Bob's Bakery"), "{texts:?}");
    assert!(texts.iter().any(|t| t == "License account, delinquent, balance 150.00"), "{texts:?}");
    let question = "L1-E1 was paid for a utility account and BL-3004 is a license account: confirm the change [F8].";
    assert!(texts.iter().any(|t| t == question), "the change of kind is asked: {texts:?}");
    finance(&mut app, Message::Reason("coupon misread; the bakery's check".into()));
    finance(&mut app, Message::ResolveSubmitted);
    assert!(app.finance.apply_to_refusal().is_some_and(|r| r.contains("confirm the change")), "{:?}", app.finance.apply_to_refusal());
    assert_eq!(app.finance.mode(), Mode::Applying);
    assert_eq!(app.finance.exceptions().len(), 1, "nothing was applied");

    send(&mut app, AppMessage::Shortcut(Shortcut::F8));
    let mut ui = simulator_at((1024.0, 768.0), app.view());
    assert!(ui.find("Confirmed: apply to this license account (F8 withdraws) [F8]").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "finance_redirect_1024");
    drop(ui);
    for size in [(1024.0, 768.0), (1280.0 / 1.5, 800.0 / 1.5)] {
        let mut ui = simulator_at(size, app.view());
        assert!(wholly_visible(&mut ui, size, selector::id("finance-reason")).is_some(), "the reason field is not on screen at {size:?}");
        assert!(wholly_visible(&mut ui, size, "Apply [Enter]").is_some(), "the Apply button is not on screen at {size:?}");
    }
    // Another account typed: the confirmation was for BL-3004 only.
    finance(&mut app, Message::ApplyTo("BL-300".into()));
    finance(&mut app, Message::ApplyTo("BL-3004".into()));
    finance(&mut app, Message::ApplyToSubmitted);
    finance(&mut app, Message::ResolveSubmitted);
    assert_eq!(app.finance.mode(), Mode::Applying, "a confirmation does not outlive the account it was given for");
    send(&mut app, AppMessage::Shortcut(Shortcut::F8));
    finance(&mut app, Message::ResolveSubmitted);
    assert_eq!(app.finance.mode(), Mode::List, "{:?} {:?}", app.finance.error(), app.finance.apply_to_refusal());
    assert!(app.finance.exceptions().is_empty());
    assert!(app.finance.notice().is_some_and(|n| n.contains("L1-E1 applied to BL-3004")), "{:?}", app.finance.notice());
}

/// The fixture's autopay settings completed (the city's bank and company), as a release needs.
fn with_originator(fixture: &mut Fixture) {
    let mut settings = (*fixture.ctx.settings).clone();
    if let Some(autopay) = settings.autopay.as_mut() {
        autopay.immediate_destination = "021000021".into();
        autopay.immediate_destination_name = "First Bank".into();
        autopay.immediate_origin = "1234567890".into();
        autopay.immediate_origin_name = "City of Test".into();
        autopay.company_name = "Test Utilities".into();
        autopay.company_id = "1234567890".into();
    }
    fixture.ctx.settings = std::sync::Arc::new(settings);
}

/// Enrols 100200 (fixed 50.00) and 1234567 (full balance, 45.50), releases their prenote run (AR1, today) and a
/// debit run for the 15th (AR2), through the library as lee with sam approving; returns AR2's NACHA text.
fn released_debits(fixture: &Fixture) -> String {
    use citytill::domain::ids::Role;
    use citytill::ops::auth::Actor;
    use citytill::ops::autopay::{self, EnrolRequest, Rule};
    use citytill::ops::autopay_run;
    let settings = fixture.ctx.settings.clone();
    let work = fixture.ctx.worker.run(move |ledger| {
        let (lee, sam) = (Actor { name: "lee".into(), role: Role::Lead }, Actor { name: "sam".into(), role: Role::Supervisor });
        let request = |account: &str, rule| EnrolRequest { account: account.into(), routing: "021000021".into(), bank_account: NUMBER.into(), account_type: "checking".into(), rule, draft_day: 15 };
        autopay::enrol(ledger, &settings, &lee, &sam, &[(String::new(), request("100200", Rule::Fixed(citytill::Money::from_cents(5000)))), (String::new(), request("1234567", Rule::Full))])?;
        let date = |text: &str| autopay_run::parse_date(text);
        autopay_run::prepare(ledger, &settings, &lee, date("2026-03-02")?)?;
        autopay_run::approve(ledger, &settings, &lee, &sam, "AR1")?;
        autopay_run::prepare(ledger, &settings, &lee, date("2026-03-15")?)?;
        let (_, text) = autopay_run::approve(ledger, &settings, &lee, &sam, "AR2")?;
        Ok(text)
    });
    iced::futures::executor::block_on(work).unwrap()
}

/// The bank's return file for `debits` (a NACHA file): each entry (6) of `codes` returned with its addenda (7).
fn return_file(debits: &str, codes: &[(&str, &str)]) -> String {
    let lines: Vec<&str> = debits.lines().collect();
    let mut out = vec![lines[0].to_string(), lines[1].to_string()];
    for (amount, code) in codes {
        let entry = lines.iter().find(|l| l.starts_with('6') && &l[29..39] == *amount).unwrap();
        out.push(format!("626{}{}", &entry[3..79], "021000020000009"));
        out.push(format!("{:<79}{}", format!("799{code}{}      {}", &entry[79..94], &entry[3..11]), "021000020000009"));
    }
    out.extend(lines.iter().filter(|l| l.starts_with('8') || (l.starts_with('9') && !l.starts_with("99"))).map(|l| l.to_string()));
    out.join("\n") + "\n"
}

// Proves a bank's return file in the window: F9 then F12 opens the form with the returns folder's files to pick;
// a missing file and an empty path are refused under the field; a malformed file picked is refused whole under the path field naming its line and field; the good file shows
// each returned debit (account, amount, code and meaning, pending, fee, whether the enrolment is suspended) and
// nothing is recorded before a supervisor confirms; the lead's own approval is refused under the supervisor
// field; sam's records it (R02 suspends AP2, R01 leaves AP1 active); the same file again is refused.
#[test]
fn return_file_shown_then_recorded_by_a_supervisor() {
    let (mut fixture, _keys) = autopay_fixture();
    with_originator(&mut fixture);
    let debits = released_debits(&fixture);
    let folder = fixture.ctx.data_dir.join("autopay").join("returns");
    std::fs::create_dir_all(&folder).unwrap();
    let good = return_file(&debits, &[("0000005000", "R01"), ("0000004550", "R02")]);
    std::fs::write(folder.join("returns.ach"), &good).unwrap();
    std::fs::write(folder.join("bad.ach"), good.replacen("799R01", "799X01", 1)).unwrap();

    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, AppMessage::Go(Screen::Finance));
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    send(&mut app, AppMessage::Shortcut(Shortcut::F12));
    assert_eq!(app.finance.mode(), Mode::Returns);
    let texts = visible_texts(&app);
    assert!(texts.iter().any(|t| t == "returns.ach") && texts.iter().any(|t| t == "bad.ach"), "the folder's files to pick: {texts:?}");

    finance(&mut app, Message::ReturnFile("missing.ach".into()));
    finance(&mut app, Message::ReturnFileSubmitted);
    assert!(app.finance.return_file_refusal().is_some_and(|r| r.starts_with("file: cannot read ") && r.contains("missing.ach")), "{:?}", app.finance.return_file_refusal());
    finance(&mut app, Message::ReturnFile(String::new()));
    finance(&mut app, Message::ReturnFileSubmitted);
    assert!(app.finance.return_file_refusal().is_some_and(|r| r.starts_with("file: type the return file's name")), "{:?}", app.finance.return_file_refusal());
    finance(&mut app, Message::PickReturnFile("bad.ach".into()));
    assert!(app.finance.return_file_refusal().is_some_and(|r| r.starts_with("line 4: return reason code: 'X01'")), "{:?}", app.finance.return_file_refusal());
    assert!(visible_texts(&app).iter().any(|t| t.starts_with("Line 4: return reason code")), "the refusal is under the field");
    assert!(app.finance.returns_preview().is_none());

    finance(&mut app, Message::ReturnFile("returns.ach".into()));
    finance(&mut app, Message::ReturnFileSubmitted);
    let preview = app.finance.returns_preview().cloned().unwrap_or_else(|| panic!("{:?}", app.finance.return_file_refusal()));
    let lines: Vec<_> = preview.lines.iter().map(|l| (l.enrolment.as_str(), l.account.as_str(), l.amount.cents(), l.code.as_str(), l.meaning, l.settled, l.fee.cents(), l.suspends)).collect();
    assert_eq!(lines, [("AP1", "100200", 5000, "R01", Some("insufficient funds"), false, 2500, false), ("AP2", "1234567", 4550, "R02", Some("account closed"), false, 2500, true)]);
    let texts = visible_texts(&app);
    for shown in ["R01 insufficient funds", "R02 account closed", "suspended", "stays", "2 returned debits: 95.50 reversed, 50.00 in return fees; AP2 suspended."] {
        assert!(texts.iter().any(|t| t == shown), "{shown:?} is not shown: {texts:?}");
    }
    assert!(!texts.iter().any(|t| t.contains(NUMBER)), "the bank account number is on screen");
    let mut ui = simulator_at((1024.0, 768.0), app.view());
    assert!(ui.find("Record 2 returns [Enter]").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "finance_returns_1024");
    drop(ui);
    // The supervisor's fields and the Record button stay on screen at 1024×768 and at a 150% text scale.
    for size in [(1024.0, 768.0), (1280.0 / 1.5, 800.0 / 1.5)] {
        let mut ui = simulator_at(size, app.view());
        for (what, shown) in [("supervisor", wholly_visible(&mut ui, size, selector::id("approver"))), ("PIN", wholly_visible(&mut ui, size, selector::id("approver-pin")))] {
            assert!(shown.is_some(), "the {what} field is not on screen at {size:?}");
        }
        assert!(wholly_visible(&mut ui, size, "Record 2 returns [Enter]").is_some(), "the Record button is not on screen at {size:?}");
    }

    finance(&mut app, Message::Approver("lee".into()));
    finance(&mut app, Message::Pin("8642".into()));
    assert!(!format!("{:?}", app.finance).contains("8642"), "the PIN typed is in the screen's debug text");
    finance(&mut app, Message::ReturnsSubmitted);
    assert_eq!(app.finance.mode(), Mode::Returns);
    assert!(visible_texts(&app).iter().any(|t| t.starts_with("Supervisor: ") && t.contains("cannot approve")), "the refusal is under the supervisor field");
    assert!(app.finance.enrolments().iter().all(|e| e.status == "active"), "nothing was recorded: {:?}", app.finance.enrolments());

    finance(&mut app, Message::Approver("sam".into()));
    finance(&mut app, Message::Pin("975310".into()));
    finance(&mut app, Message::ReturnsSubmitted);
    assert_eq!(app.finance.mode(), Mode::List, "{:?}", app.finance.return_file_refusal());
    assert_eq!(app.finance.notice(), Some("2 returns from returns.ach recorded, approved by sam: 95.50 reversed, 50.00 in fees; suspended AP2."));
    let statuses: Vec<(&str, &str)> = app.finance.enrolments().iter().map(|e| (e.enrolment.as_str(), e.status.as_str())).collect();
    assert_eq!(statuses, [("AP1", "active"), ("AP2", "suspended (R02)")]);
    let balances = fixture.ctx.worker.run(|ledger| {
        let balance = |number: &str| citytill::ops::query::payable(&*ledger.read()?, number).map(|p| p.map(|p| p.balance.cents()));
        Ok((balance("100200")?, balance("1234567")?))
    });
    assert_eq!(iced::futures::executor::block_on(balances).unwrap(), (Some(8412 + 2500), Some(4550 + 2500)), "pending debits never posted; each account is charged the return fee");

    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    send(&mut app, AppMessage::Shortcut(Shortcut::F12));
    // Typed as a full path this time.
    finance(&mut app, Message::ReturnFile(folder.join("returns.ach").display().to_string()));
    finance(&mut app, Message::ReturnFileSubmitted);
    assert!(app.finance.return_file_refusal().is_some_and(|r| r.contains("was read already")), "{:?}", app.finance.return_file_refusal());
}
