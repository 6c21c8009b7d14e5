//! Receipts tests: find, reprint as DUPLICATE, and void with a supervisor's approval — refusing self-approval.

use citytill::domain::tender::TenderField;
use citytill::Money;

use super::{Correction, Message};
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::keys::Shortcut;
use crate::gui::screen::counter::Message as CounterMessage;
use crate::gui::testing::{assert_snapshot, fixture, send, signed_in, simulator};

/// The receipt numbers the list shows, top first.
fn found(app: &App) -> Vec<String> {
    app.receipts.found.iter().map(|row| row.receipt.clone()).collect()
}

fn receipts(app: &mut App, message: Message) {
    send(app, AppMessage::Receipts(message));
}

fn pay_cash(app: &mut App, account: &str, cash: &str) -> String {
    send(app, AppMessage::Counter(CounterMessage::LookupChanged(account.into())));
    send(app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(app, AppMessage::Counter(CounterMessage::Amount(cash.into())));
    send(app, AppMessage::Counter(CounterMessage::AmountSubmitted));
    app.counter.completed().expect("paid").result.receipt.clone()
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
    assert_eq!(found(&app), vec![receipt.clone()]);
    receipts(&mut app, Message::Amount(String::new()));
    receipts(&mut app, Message::Account("100200".into()));
    receipts(&mut app, Message::Search);
    assert_eq!(found(&app), vec![receipt.clone()]);
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

/// The correction buttons the receipt on screen offers.
fn offered(app: &App) -> Vec<&'static str> {
    let mut ui = simulator(app.view());
    ["Void [F6]", "Refund [F7]", "Returned check [F8]"].into_iter().filter(|label| ui.find(*label).is_ok()).collect()
}

// Proves only the corrections that apply are offered: a paid cash receipt offers void and refund (no returned
// check: there is no check); once voided it offers none, and F6/F7/F8 start nothing; a receipt paid by check
// offers a returned check to a lead.
#[test]
fn only_applicable_corrections_are_offered() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let receipt = pay_cash(&mut app, "100200", "100");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Open(receipt.clone()));
    assert_eq!(offered(&app), vec!["Void [F6]", "Refund [F7]"]);
    start_void(&mut app, &receipt, "sam", "975310");
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.status.as_str()), Some("voided"), "{:?}", app.receipts.error);
    assert!(offered(&app).is_empty(), "a voided receipt offers {:?}", offered(&app));
    for key in [Shortcut::F6, Shortcut::F7, Shortcut::F8] {
        send(&mut app, AppMessage::Shortcut(key));
        assert!(app.receipts.correcting.is_none(), "{key:?} started a correction on a voided receipt");
    }

    send(&mut app, AppMessage::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(&mut app, AppMessage::Counter(CounterMessage::Kind(citytill::domain::tender::TenderKind::Check)));
    for (field, value) in [(TenderField::Routing, "021000021"), (TenderField::Account, "12345678"), (TenderField::Number, "1001")] {
        send(&mut app, AppMessage::Counter(CounterMessage::Field(field, value.into())));
    }
    send(&mut app, AppMessage::Counter(CounterMessage::AmountSubmitted));
    let by_check = app.counter.completed().map(|c| c.result.receipt.clone()).unwrap_or_else(|| panic!("{:?}", app.counter.error()));
    let mut lead = signed_in(&fixture, "lee", "8642");
    send(&mut lead, AppMessage::Go(Screen::Receipts));
    receipts(&mut lead, Message::Open(by_check));
    assert!(offered(&lead).contains(&"Returned check [F8]"), "{:?}", offered(&lead));
}

// Proves the receipts list works without a mouse: after a search, Down highlights the newest receipt,
// PageDown/Up/End/Home move the highlight within the list, Enter opens the highlighted receipt, and typing a
// new search drops the highlight so Enter searches again.
#[test]
fn receipts_list_is_picked_by_keyboard() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let mut paid = Vec::new();
    for _ in 0..3 {
        send(&mut app, AppMessage::Counter(CounterMessage::LookupChanged("100200".into())));
        send(&mut app, AppMessage::Counter(CounterMessage::LookupSubmitted));
        send(&mut app, AppMessage::Counter(CounterMessage::LineAmount(0, "10.00".into())));
        send(&mut app, AppMessage::Counter(CounterMessage::AmountSubmitted));
        paid.push(app.counter.completed().expect("paid").result.receipt.clone());
    }
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Date("2026-03-02".into()));
    receipts(&mut app, Message::Search);
    assert_eq!(app.receipts.found.len(), 3, "{:?}", app.receipts.error);
    let mut moves = Vec::new();
    for key in [Shortcut::Down, Shortcut::PageDown, Shortcut::Up, Shortcut::Home, Shortcut::End] {
        send(&mut app, AppMessage::Shortcut(key));
        moves.push(app.receipts.highlighted);
    }
    assert_eq!(moves, [Some(0), Some(2), Some(1), Some(0), Some(2)]);
    send(&mut app, AppMessage::Shortcut(Shortcut::Up));
    receipts(&mut app, Message::Search);
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.receipt.clone()), Some(found(&app)[1].clone()));
    assert!(paid.contains(&found(&app)[1]));
    receipts(&mut app, Message::Number(paid[0].clone()));
    assert_eq!(app.receipts.highlighted, None);
    receipts(&mut app, Message::Search);
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.receipt.clone()), Some(paid[0].clone()));
}

// Proves a full card number typed into a receipt search field is refused without being echoed or kept.
#[test]
fn card_number_in_receipt_search_is_refused_without_echo() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    for field in [Message::Number as fn(String) -> Message, Message::Account] {
        receipts(&mut app, field("4111-1111-1111-1111".into()));
        receipts(&mut app, Message::Search);
        let error = app.receipts.error.clone().unwrap_or_default();
        assert!(error.contains("card number") && !error.contains("4111"), "{error}");
        assert!(app.receipts.number.is_empty() && app.receipts.account.is_empty(), "the card number must not stay in the field");
    }
}

// Proves each row of the receipts list shows the receipt's amount, payer and status (paid, voided, partially
// refunded), and that at 1024×768 every one of those texts is wholly on screen, the amounts on one line.
#[test]
fn receipts_list_shows_amount_payer_and_status() {
    use crate::gui::testing::{simulator_at, wholly_visible};
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let voided = pay_cash(&mut app, "100200", "100");
    start_void(&mut app, &voided, "sam", "975310");
    let refunded = pay_cash(&mut app, "BL-3004", "150");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Open(refunded.clone()));
    receipts(&mut app, Message::Start(Correction::Refund));
    receipts(&mut app, Message::RefundAmount("10.00".into()));
    receipts(&mut app, Message::Reason("billing adjustment".into()));
    receipts(&mut app, Message::Approver("sam".into()));
    receipts(&mut app, Message::Pin("975310".into()));
    receipts(&mut app, Message::Confirm);
    let paid = pay_cash(&mut app, "1234567", "45.50");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Number(String::new()));
    receipts(&mut app, Message::Date("2026-03-02".into()));
    receipts(&mut app, Message::Search);
    let rows: Vec<(String, String, String, String)> = app.receipts.found.iter().map(|r| (r.receipt.clone(), r.total.grouped(), r.payer.clone(), r.status.clone())).collect();
    assert_eq!(
        rows,
        [
            (paid, "45.50".to_string(), "Ken Ito".to_string(), "paid".to_string()),
            (refunded, "150.00".into(), "Bob's Bakery".into(), "partially refunded".into()),
            (voided, "84.12".into(), "Maria Lopez".into(), "voided".into()),
        ],
        "{:?}",
        app.receipts.error
    );
    let small = (1024.0, 768.0);
    let mut ui = simulator_at(small, app.view());
    let line = wholly_visible(&mut ui, small, "T01-000001").map(|r| r.height).expect("the first receipt's number is on screen");
    for shown in ["Ken Ito", "Bob's Bakery", "Maria Lopez", "paid", "partially refunded", "voided", "45.50", "150.00", "84.12"] {
        let bounds = wholly_visible(&mut ui, small, shown).unwrap_or_else(|| panic!("{shown:?} is not wholly on screen at 1024×768"));
        assert!(bounds.height <= line + 0.5, "{shown:?} wraps in the list ({} px high, a line is {line} px)", bounds.height);
    }
    assert_snapshot(&mut ui, &app.theme(), "receipts_list_1024");
}

// Proves a receipt number typed into the counter's lookup, and one scanned while the Receipts screen holds an
// old search (account, date, amount and another number), replaces that whole search: the number field holds
// the new receipt, the other fields are empty, and that receipt is shown.
#[test]
fn scanned_or_typed_receipt_replaces_the_old_search() {
    use citytill_hardware::device::{DeviceEvent, ScanData};
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let first = pay_cash(&mut app, "100200", "100");
    let second = pay_cash(&mut app, "BL-3004", "150");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Number(first.clone()));
    receipts(&mut app, Message::Account("100200".into()));
    receipts(&mut app, Message::Date("2026-03-02".into()));
    receipts(&mut app, Message::Amount("84.12".into()));
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Unknown(second.clone()))));
    assert_eq!(app.screen, Screen::Receipts, "{:?}", app.counter.error());
    let r = &app.receipts;
    assert_eq!((r.number.as_str(), r.account.as_str(), r.date.as_str(), r.amount.as_str()), (second.as_str(), "", "", ""));
    assert_eq!(r.shown.as_ref().map(|i| i.receipt.clone()), Some(second.clone()));
    receipts(&mut app, Message::Account("BL-3004".into()));
    send(&mut app, AppMessage::Go(Screen::Counter));
    send(&mut app, AppMessage::Counter(CounterMessage::LookupChanged(first.clone())));
    send(&mut app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    assert_eq!(app.screen, Screen::Receipts, "{:?}", app.counter.error());
    let r = &app.receipts;
    assert_eq!((r.number.as_str(), r.account.as_str(), r.date.as_str(), r.amount.as_str()), (first.as_str(), "", "", ""));
    assert_eq!(r.shown.as_ref().map(|i| i.receipt.clone()), Some(first));
}

/// Runs `work` on the ledger thread and returns its result.
fn on_ledger<T: Send + 'static>(app: &mut App, work: impl FnOnce(&mut citytill::ledger::Ledger) -> citytill::Result<T> + Send + 'static) -> T {
    let found = std::sync::Arc::new(std::sync::Mutex::new(None));
    let into = found.clone();
    let task = iced::Task::perform(app.ctx.worker.run(work), move |result: Result<T, crate::gui::worker::WorkerError>| {
        if let Ok(mut found) = into.lock() {
            *found = Some(result);
        }
        AppMessage::Activity
    });
    crate::gui::testing::settle(app, task);
    let result = found.lock().ok().and_then(|mut f| f.take()).expect("the ledger job ran");
    result.unwrap_or_else(|e| panic!("ledger job: {e}"))
}

/// Ana pays account 1234567 (45.50) with a check, recorded through `ops::payment` (not the counter's fields).
fn pay_by_check(app: &mut App) -> String {
    use citytill::ops::payment::{pay, LineRequest, PaymentRequest};
    let settings = app.ctx.settings.clone();
    on_ledger(app, move |ledger| {
        let tender =
            citytill::domain::tender::Tender::parse("check=45.50,routing=021000021,account=12345678,number=1001", Money::from_cents(100_000_000)).map_err(|e| citytill::Error::Invalid(e.into()))?;
        let request = PaymentRequest { lines: vec![LineRequest::Payable { number: "1234567".into(), amount: None }], tenders: vec![tender] };
        pay(ledger, &settings, &crate::gui::testing::cashier(), &request).map(|paid| paid.receipt)
    })
}

/// A window on a simulated TM-H6000 (slip station) whose slip jobs wait at most 1.5 s, with the city's
/// deposit account set; the simulators' folder is kept by the returned guard.
fn slip_fixture() -> (crate::gui::testing::Fixture, tempfile::TempDir) {
    let sim_dir = tempfile::tempdir().unwrap();
    let devices = crate::gui::devices::Devices::simulated_with(sim_dir.path(), |config| {
        if let Some(printer) = config.printer.as_mut() {
            printer.profile = "tm-h6000".into();
            printer.timeouts.job_timeout_ms = 1500;
        }
    });
    let mut fixture = crate::gui::testing::fixture_with(devices);
    assert!(fixture.ctx.devices.problems.is_empty(), "{:?}", fixture.ctx.devices.problems);
    let mut settings = (*fixture.ctx.settings).clone();
    settings.deposit_account = "555123".into();
    fixture.ctx.settings = std::sync::Arc::new(settings);
    (fixture, sim_dir)
}

/// The slip buttons the receipt on screen offers.
fn slip_offered(app: &App) -> Vec<&'static str> {
    let mut ui = simulator(app.view());
    ["Endorse check [F9]", "Validate [F11]"].into_iter().filter(|label| ui.find(*label).is_ok()).collect()
}

// Proves endorsing and validating are offered only where the printer's profile has a slip station: with no
// such printer neither shows and F9/F11 start nothing; on a TM-H6000 a cash bill payment offers Validate only,
// a check payment Endorse check and Validate, and once voided neither.
#[test]
fn slip_printing_is_offered_only_with_a_slip_station_and_for_checks() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let cash = pay_cash(&mut app, "100200", "100");
    let check = pay_by_check(&mut app);
    send(&mut app, AppMessage::Go(Screen::Receipts));
    for receipt in [&cash, &check] {
        receipts(&mut app, Message::Open(receipt.clone()));
        assert!(slip_offered(&app).is_empty(), "no slip station, yet {receipt} offers {:?}", slip_offered(&app));
        for key in [Shortcut::F9, Shortcut::F11] {
            send(&mut app, AppMessage::Shortcut(key));
            assert!(app.receipts.slip_job.is_none() && app.receipts.notice.is_none(), "{key:?} started a slip job without a slip station");
        }
    }

    let (fixture, _sims) = slip_fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let cash = pay_cash(&mut app, "100200", "100");
    let check = pay_by_check(&mut app);
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Open(cash.clone()));
    assert_eq!(slip_offered(&app), ["Validate [F11]"], "a cash payment has no check to endorse");
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    assert!(app.receipts.slip_job.is_none(), "F9 endorsed a cash receipt");
    receipts(&mut app, Message::Open(check.clone()));
    assert_eq!(slip_offered(&app), ["Endorse check [F9]", "Validate [F11]"]);
    {
        use crate::gui::testing::{simulator_at, wholly_visible};
        let small = (1024.0, 768.0);
        let mut ui = simulator_at(small, app.view());
        for label in ["Reprint [F5]", "Endorse check [F9]", "Validate [F11]", "Void [F6]", "Refund [F7]"] {
            assert!(wholly_visible(&mut ui, small, label).is_some(), "{label:?} is not on screen at 1024×768");
        }
        assert_snapshot(&mut ui, &app.theme(), "receipts_slip_actions_1024");
    }
    start_void(&mut app, &check, "sam", "975310");
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.status.as_str()), Some("voided"), "{:?}", app.receipts.error);
    assert!(slip_offered(&app).is_empty(), "a voided receipt offers {:?}", slip_offered(&app));
}

/// Feeds the devices' events into the window until the slip job has an outcome (at most 10 s).
fn await_slip_outcome(app: &mut App, feed: &mut iced::futures::channel::mpsc::Receiver<citytill_hardware::device::DeviceEvent>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.receipts.slip_job.is_some() {
        assert!(std::time::Instant::now() < deadline, "the slip job had no outcome within 10 s");
        match feed.try_recv() {
            Ok(event) => send(app, AppMessage::Device(event)),
            Err(e) if e.is_closed() => panic!("the device feed closed"),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
}

// Proves F9 on a check receipt endorses the check through the devices worker on a simulated TM-H6000: the
// window says to insert the check and does not wait; with no check put in, the job ends after its bounded
// wait with "No check inserted after 1 s" and nothing printed; with one in, "Endorsed" — and the simulated
// printer received the city's endorsement (for deposit only, city, account, receipt, date and check amount).
// F11 then validates the stub with the receipt number, date, amount and terminal.
#[test]
fn endorsement_reaches_the_simulated_slip_printer() {
    use citytill_hardware::sim::control::Action;
    let (fixture, sims) = slip_fixture();
    let mut feed = fixture.ctx.devices.feed().take().expect("the device feed");
    let mut app = signed_in(&fixture, "ana", "1357");
    let check = pay_by_check(&mut app);
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Open(check.clone()));
    let printed = || -> String {
        let dir = sims.path().join("printed");
        let mut paths: Vec<_> = std::fs::read_dir(&dir).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "txt")).collect()).unwrap_or_default();
        paths.sort();
        paths.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect::<Vec<_>>().join("\n---\n")
    };

    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    let notice = app.receipts.notice.clone().unwrap_or_default();
    assert!(notice.starts_with("Insert the check") && app.receipts.slip_job.is_some(), "{notice} {:?}", app.receipts.error);
    await_slip_outcome(&mut app, &mut feed);
    let error = app.receipts.error.clone().unwrap_or_default();
    assert!(error.starts_with("No check inserted after 1 s; nothing was printed"), "{error}");
    assert!(!printed().contains("FOR DEPOSIT ONLY"), "printed without a check: {}", printed());

    let fixture_sims = fixture.ctx.devices.simulators.as_ref().expect("simulators");
    fixture_sims.apply(&Action::PrinterInsertSlip).expect("insert a check");
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    await_slip_outcome(&mut app, &mut feed);
    assert_eq!(app.receipts.notice.as_deref(), Some(format!("Endorsed: the check of receipt {check}; take it out of the printer.").as_str()), "{:?}", app.receipts.error);
    let paper = printed();
    for line in ["FOR DEPOSIT ONLY", "City of Springfield, account 555123", &format!("Receipt {check}"), "2026-03-02 45.50"] {
        assert!(paper.contains(line), "the endorsement lacks {line:?}: {paper}");
    }

    fixture_sims.apply(&Action::PrinterInsertSlip).expect("insert the stub");
    send(&mut app, AppMessage::Shortcut(Shortcut::F11));
    await_slip_outcome(&mut app, &mut feed);
    assert!(app.receipts.notice.as_deref().is_some_and(|n| n.starts_with("Validated")), "{:?} {:?}", app.receipts.notice, app.receipts.error);
    let paper = printed();
    assert!(paper.contains(&format!("PAID 2026-03-02 45.50 {check}")) && paper.contains("TERMINAL T01 ana"), "{paper}");
}

// Proves a slip job whose outcome never arrives is given up once the printer's wait and the margin have
// passed (not before): the buttons come back and the cashier is told to look at the paper.
#[test]
fn a_slip_job_that_never_reports_is_given_up() {
    let (fixture, _sims) = slip_fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let check = pay_by_check(&mut app);
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Open(check.clone()));
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    let since = app.receipts.slip_since.expect("the job was queued");
    let wait = app.receipts.slip.expect("a slip station").wait + super::SLIP_MARGIN;
    app.receipts.slip_overdue(since + wait - std::time::Duration::from_secs(1));
    assert!(app.receipts.slip_job.is_some(), "given up before its wait was over");
    app.receipts.slip_overdue(since + wait + std::time::Duration::from_secs(1));
    assert!(app.receipts.slip_job.is_none(), "still waiting after its wait and the margin");
    let error = app.receipts.error.clone().unwrap_or_default();
    assert!(error.contains(&format!("did not report on the check of receipt {check}")), "{error}");
}

// Proves a receipt search refused for one of its fields says so under that field, not in the banner, and a
// card number typed into a search field is wiped and refused under it without being repeated.
#[test]
fn search_refusals_sit_under_their_field() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Amount("12.345".into()));
    receipts(&mut app, Message::Search);
    let problem = app.receipts.error.clone().expect("a mistyped amount is refused");
    assert_eq!(app.receipts.refusal("receipts-amount"), Some(problem.as_str()), "under the amount: {problem}");
    assert_eq!(app.receipts.error_field, Some("receipts-amount"));
    receipts(&mut app, Message::Amount(String::new()));
    receipts(&mut app, Message::Account("4111 1111 1111 1111".into()));
    receipts(&mut app, Message::Search);
    assert_eq!(app.receipts.error_field, Some("receipts-account"), "{:?}", app.receipts.error);
    assert!(app.receipts.account.is_empty(), "the card number is not kept");
    assert!(!app.receipts.error.clone().unwrap_or_default().contains("4111"), "nor repeated");
}

// Proves a refusal and a failure are shown apart on a correction: a refund beyond the receipt is refused under
// the refund amount (the library names the field), while the same approval with the ledger thread's queue full
// is a failure in the banner (try again, call IT), under no field, with the correction and its typing kept.
#[test]
fn a_refund_refusal_sits_under_its_field_and_a_failure_in_the_banner() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    let receipt = pay_cash(&mut app, "100200", "100");
    send(&mut app, AppMessage::Go(Screen::Receipts));
    receipts(&mut app, Message::Open(receipt));
    receipts(&mut app, Message::Start(Correction::Refund));
    receipts(&mut app, Message::Reason("customer overpaid".into()));
    receipts(&mut app, Message::RefundAmount("500".into()));
    receipts(&mut app, Message::Approver("sam".into()));
    receipts(&mut app, Message::Pin("975310".into()));
    receipts(&mut app, Message::Confirm);
    let refusal = app.receipts.error.clone().expect("a refund beyond the receipt is refused");
    assert_eq!(app.receipts.error_field, Some("receipts-refund-amount"), "under the refund amount: {refusal}");
    assert!(!refusal.contains("call IT"), "{refusal}");

    receipts(&mut app, Message::RefundAmount("10".into()));
    receipts(&mut app, Message::Pin("975310".into()));
    let full = crate::gui::testing::FullQueue::hold(&fixture.ctx.worker);
    receipts(&mut app, Message::Confirm);
    full.release();
    let failure = app.receipts.banner_error().map(str::to_string).expect("a full queue is said in the banner");
    assert!(failure.contains("already waiting") && failure.contains("call IT"), "{failure}");
    assert_eq!(app.receipts.error_field, None, "a failure sits under no field");
    let form = app.receipts.correcting.as_ref().expect("the correction stays open");
    assert_eq!((form.correction, form.refund_amount.as_str(), form.reason.as_str()), (Correction::Refund, "10", "customer overpaid"));
    assert!(!app.receipts.busy, "Enter is taken again");
    assert_eq!(app.receipts.shown.as_ref().map(|i| i.refunded), Some(Money::ZERO), "nothing recorded");
}
