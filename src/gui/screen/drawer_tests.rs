//! Drawer tests: open with a float, drop, and the blind close with over/short beyond the limit approved by a supervisor.

use citytill::Money;
use citytill_hardware::counter::CounterReport;
use citytill_hardware::device::DeviceEvent;

use super::{Action, Message};
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::screen::counter::Message as CounterMessage;
use crate::gui::testing::{assert_snapshot, fixture, send, signed_in, simulator, visible_texts};

fn drawer(app: &mut App, message: Message) {
    send(app, AppMessage::Drawer(message));
}

/// Index of a denomination (in cents) in the default USD list.
fn slot(cents: i64) -> usize {
    citytill::domain::denominations::USD_CENTS.iter().position(|d| *d == cents).unwrap()
}

// Proves the blind close: the count is recorded before anything expected is shown; 10.00 short is beyond
// the 5.00 limit so the drawer waits; the cashier cannot approve it; a supervisor with a reason closes it.
#[test]
fn blind_close_short_needs_supervisor() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(&mut app, AppMessage::Counter(CounterMessage::Amount("84.12".into())));
    send(&mut app, AppMessage::Counter(CounterMessage::AmountSubmitted));
    // Expected cash: 100.00 float + 84.12 = 184.12. Counted: 174.12 (10.00 short).
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Close));
    for (cents, pieces) in [(10000, "1"), (2000, "3"), (1000, "1"), (200, "2"), (10, "1"), (1, "2")] {
        drawer(&mut app, Message::Count(slot(cents), pieces.into()));
    }
    assert!(app.drawer.result().is_none(), "nothing expected is known before the count");
    drawer(&mut app, Message::Submit);
    let result = app.drawer.result().cloned().unwrap_or_else(|| panic!("{:?}", app.drawer.error));
    assert_eq!(result.over_short.get("cash"), Some(&Money::from_cents(-1000)));
    assert!(result.approval_required && !result.closed);
    drawer(&mut app, Message::Reason("miscounted change".into()));
    drawer(&mut app, Message::Approver("ana".into()));
    drawer(&mut app, Message::Pin("1357".into()));
    drawer(&mut app, Message::Submit);
    assert!(app.drawer.error.as_deref().is_some_and(|e| e.contains("own")), "{:?}", app.drawer.error);
    drawer(&mut app, Message::Reason("miscounted change".into()));
    drawer(&mut app, Message::Approver("sam".into()));
    drawer(&mut app, Message::Pin("975310".into()));
    drawer(&mut app, Message::Submit);
    assert!(app.drawer.result().is_some_and(|r| r.closed), "{:?}", app.drawer.error);
    assert!(app.drawer.current.is_none());
    let mut ui = simulator(app.view());
    assert!(ui.find("Drawer closed").is_ok());
    assert!(ui.find("-10.00").is_ok());
}

// Proves a money counter report fills the bill counts of an open blind count.
#[test]
fn counter_report_fills_counts() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Close));
    let report = CounterReport { currency: "USD".into(), rows: vec![(2000, 4), (500, 3)], total_pieces: 7, total_cents: 9500 };
    send(&mut app, AppMessage::Device(DeviceEvent::CounterReport(report)));
    assert_eq!(app.drawer.counts()[slot(2000)], "4");
    assert_eq!(app.drawer.counts()[slot(500)], "3");
    let mut ui = simulator(app.view());
    assert!(ui.find("Cash counted: 95.00").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "drawer_blind_count");
}

// Proves a drop is recorded and said so, without telling the cashier what the drawer should now hold.
#[test]
fn drop_to_safe() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Drop));
    drawer(&mut app, Message::Amount("40".into()));
    drawer(&mut app, Message::Submit);
    let notice = app.drawer.notice.clone().unwrap_or_default();
    assert!(notice.starts_with("Drop to safe of 40.00 recorded") && !notice.contains("60.00"), "{notice} {:?}", app.drawer.error);
}

// Proves a drawer form's refusal is written under the field it names, not in the banner: a mistyped drop
// amount sits under Amount (nothing recorded), and a paid-out without a supervisor sits under Supervisor.
#[test]
fn drawer_refusals_sit_under_their_field() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Drop));
    drawer(&mut app, Message::Amount("4O".into()));
    drawer(&mut app, Message::Submit);
    let problem = app.drawer.error.clone().expect("a mistyped amount is refused");
    assert_eq!(app.drawer.refusal(super::AMOUNT_ID), Some(problem.as_str()), "under the amount: {problem}");
    assert_eq!(app.drawer.banner_error(), None, "not repeated in the banner");
    assert!(app.drawer.notice.is_none(), "nothing recorded");
    let sentence = crate::gui::wording::sentence(&problem);
    assert_eq!(visible_texts(&app).iter().filter(|t| **t == sentence).count(), 1, "written once");

    drawer(&mut app, Message::Start(Action::PaidOut));
    drawer(&mut app, Message::Amount("5".into()));
    drawer(&mut app, Message::Reason("stamps for the office".into()));
    drawer(&mut app, Message::Submit);
    let problem = app.drawer.error.clone().expect("a paid-out needs a supervisor");
    assert_eq!(app.drawer.error_field, Some("approver"), "under the supervisor field: {problem}");
}

/// Every text in `element` (a screen not on show right now).
fn texts_of(element: iced::Element<'_, crate::gui::screen::day::Message>) -> Vec<String> {
    use iced_test::selector::Candidate;
    let mut ui = simulator(element);
    let mut texts = Vec::new();
    let _ = ui.find(|candidate: Candidate<'_>| -> Option<()> {
        if let Candidate::Text { content, .. } = candidate {
            texts.push(content.to_string());
        }
        None
    });
    texts
}

/// Fails the test if any text on screen, or the drawer's notice or error, shows `figure` (the expected cash).
fn assert_blind(app: &App, figure: &str, step: &str) {
    let mut texts = visible_texts(app);
    texts.extend(app.drawer.notice.clone());
    texts.extend(app.drawer.error.clone());
    texts.extend(app.reports.shown().map(str::to_string));
    texts.extend(app.reports.error().map(str::to_string));
    texts.extend(app.reports.notice().map(str::to_string));
    // The Day end screen's drawer overview (read again after every drawer action), wherever the cashier is now.
    texts.extend(app.day.drawers().iter().filter_map(|d| d.expected_cash.map(|m| m.grouped())));
    texts.extend(texts_of(app.day.view()));
    let leaks: Vec<&String> = texts.iter().filter(|t| t.contains(figure)).collect();
    assert!(leaks.is_empty(), "after {step} the cashier sees the expected cash {figure}: {leaks:?}");
}

// Proves the close is blind: after a payment, a drop, a paid-in, a paid-out, a no-sale, a refused drop, on the
// status bar, in every report (the drawer's X report included), on the Day end screen's drawer overview and during the count, nothing the cashier can see carries the cash the
// drawer should hold — and that, once the count is recorded, the expected figure is shown.
#[test]
fn no_message_reveals_expected_cash_before_the_count() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(&mut app, AppMessage::Counter(CounterMessage::AmountSubmitted));
    assert!(app.counter.completed().is_some(), "{:?}", app.counter.error());
    assert_blind(&app, "184.12", "the payment");
    send(&mut app, AppMessage::Go(Screen::Drawer));
    assert_blind(&app, "184.12", "showing the drawer");
    // float 100.00 + 84.12 = 184.12; − 40 drop = 144.12; + 10 paid-in = 154.12; − 5 paid-out = 149.12.
    let steps: [(Action, &str, &str); 3] = [(Action::Drop, "40", "144.12"), (Action::PaidIn, "10", "154.12"), (Action::PaidOut, "5", "149.12")];
    for (action, amount, figure) in steps {
        drawer(&mut app, Message::Start(action));
        drawer(&mut app, Message::Amount(amount.into()));
        drawer(&mut app, Message::Reason("coffee for the office".into()));
        drawer(&mut app, Message::Approver("sam".into()));
        drawer(&mut app, Message::Pin("975310".into()));
        drawer(&mut app, Message::Submit);
        assert!(app.drawer.error.is_none() && app.drawer.notice.is_some(), "{action:?}: {:?}", app.drawer.error);
        assert_blind(&app, figure, action.label());
    }
    drawer(&mut app, Message::Start(Action::NoSale));
    drawer(&mut app, Message::Reason("change for the meter".into()));
    drawer(&mut app, Message::Submit);
    assert!(app.drawer.error.is_none(), "{:?}", app.drawer.error);
    assert_blind(&app, "149.12", "a no-sale");
    send(&mut app, AppMessage::Go(Screen::Day));
    assert!(app.day.drawers().iter().any(|d| d.cashier == "ana"), "ana's drawer is in the overview: {:?}", app.day.error());
    assert_blind(&app, "149.12", "showing the Day end screen's drawer overview");
    send(&mut app, AppMessage::Go(Screen::Drawer));
    for too_much in ["500", "149.13"] {
        drawer(&mut app, Message::Start(Action::Drop));
        drawer(&mut app, Message::Amount(too_much.into()));
        drawer(&mut app, Message::Submit);
        assert!(app.drawer.error.is_some(), "a drop of {too_much} must be refused");
        assert_blind(&app, "149.12", "a refused drop");
    }
    drawer(&mut app, Message::Cancel);
    send(&mut app, AppMessage::Go(Screen::Reports));
    for (index, name) in citytill::reports::NAMES.iter().enumerate() {
        send(&mut app, AppMessage::Reports(crate::gui::screen::reports::Message::Pick(index)));
        send(&mut app, AppMessage::Reports(crate::gui::screen::reports::Message::Run(crate::gui::screen::reports::Output::Screen)));
        assert!(app.reports.shown().is_some(), "{name}: {:?}", app.reports.error());
        assert_blind(&app, "149.12", &format!("the {name} report"));
    }
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Close));
    drawer(&mut app, Message::Count(slot(10000), "1".into()));
    assert_blind(&app, "149.12", "typing the count");
    drawer(&mut app, Message::Submit);
    assert!(app.drawer.result().is_some(), "{:?}", app.drawer.error);
    assert!(visible_texts(&app).iter().any(|t| t == "149.12"), "after the count the expected cash is shown");
}

// Proves a supervisor (not the drawer's cashier) still sees the open drawer's expected cash on the drawer report.
#[test]
fn supervisor_sees_expected_cash_on_the_drawer_report() {
    let fixture = fixture();
    let mut cashier = signed_in(&fixture, "ana", "1357");
    send(&mut cashier, AppMessage::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut cashier, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(&mut cashier, AppMessage::Counter(CounterMessage::AmountSubmitted));
    assert!(cashier.counter.completed().is_some(), "{:?}", cashier.counter.error());
    let mut app = signed_in(&fixture, "sam", "975310");
    send(&mut app, AppMessage::Go(Screen::Reports));
    let index = citytill::reports::NAMES.iter().position(|n| *n == "drawer").unwrap();
    send(&mut app, AppMessage::Reports(crate::gui::screen::reports::Message::Pick(index)));
    send(&mut app, AppMessage::Reports(crate::gui::screen::reports::Message::Run(crate::gui::screen::reports::Output::Screen)));
    let shown = app.reports.shown().map(str::to_string).unwrap_or_default();
    assert!(shown.contains("X report - drawer 1 - ana") && shown.contains("184.12"), "{shown}");
}

/// Runs `work` on the ledger thread (as a setup step or to read what the ledger says) and returns its result.
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

// Proves the printed Z report carries what the screen and `report drawer --json` do, for a drawer with a drop,
// a paid-out, a void and an over/short approved by a supervisor: terminal, cashier, date and times, float,
// drops, paid-ins/outs, receipt and void counts, expected/counted/over-short per tender and the approver —
// each figure on the tape equal to the one in the report document and in the window's close result.
#[test]
fn printed_z_report_carries_the_report_figures() {
    use citytill::ops::auth::Actor;
    use citytill::ops::drawer::CashMove;
    let sim_dir = tempfile::tempdir().unwrap();
    let fixture = crate::gui::testing::fixture_with(crate::gui::devices::Devices::simulated(sim_dir.path()));
    assert!(fixture.ctx.devices.problems.is_empty(), "{:?}", fixture.ctx.devices.problems);
    let mut app = signed_in(&fixture, "ana", "1357");
    let mut receipts = Vec::new();
    for (account, amount) in [("100200", "84.12"), ("1234567", "45.50")] {
        send(&mut app, AppMessage::Counter(CounterMessage::LookupChanged(account.into())));
        send(&mut app, AppMessage::Counter(CounterMessage::LookupSubmitted));
        send(&mut app, AppMessage::Counter(CounterMessage::Amount(amount.into())));
        send(&mut app, AppMessage::Counter(CounterMessage::AmountSubmitted));
        receipts.push(app.counter.completed().unwrap_or_else(|| panic!("{:?}", app.counter.error())).result.receipt.clone());
        send(&mut app, AppMessage::Counter(CounterMessage::Clear));
    }
    let voided = receipts[1].clone();
    on_ledger(&mut app, move |ledger| {
        let (ana, sam) = (Actor { name: "ana".into(), role: citytill::domain::ids::Role::Cashier }, Actor { name: "sam".into(), role: citytill::domain::ids::Role::Supervisor });
        citytill::ops::reversal::void(ledger, &ana, &sam, &voided, "keyed the wrong account")?;
        citytill::ops::drawer::cash_move(ledger, &ana, None, CashMove::Drop, Money::from_cents(5000), None)?;
        citytill::ops::drawer::cash_move(ledger, &ana, Some(&sam), CashMove::PaidOut, Money::from_cents(500), Some("postage for a refund"))
    });
    // Expected cash: 100.00 float + 84.12 - 50.00 drop - 5.00 paid-out = 129.12. Counted 119.12: 10.00 short.
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Close));
    for (cents, pieces) in [(10000, "1"), (1000, "1"), (500, "1"), (200, "2"), (10, "1"), (1, "2")] {
        drawer(&mut app, Message::Count(slot(cents), pieces.into()));
    }
    drawer(&mut app, Message::Submit);
    drawer(&mut app, Message::Reason("miscounted change".into()));
    drawer(&mut app, Message::Approver("sam".into()));
    drawer(&mut app, Message::Pin("975310".into()));
    drawer(&mut app, Message::Submit);
    let result = app.drawer.result().cloned().filter(|r| r.closed).unwrap_or_else(|| panic!("{:?}", app.drawer.error));
    drawer(&mut app, Message::PrintReport);
    assert_eq!(app.drawer.notice.as_deref(), Some("Drawer report sent to the printer"));

    let printed = sim_dir.path().join("printed");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut tape = String::new();
    while std::time::Instant::now() < deadline && !tape.contains("DRAWER REPORT (Z)") {
        std::thread::sleep(std::time::Duration::from_millis(50));
        // The Z report's own print job (the receipts were printed before it, each in its own file).
        let jobs = std::fs::read_dir(&printed).unwrap().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "txt"));
        tape = jobs.map(|e| std::fs::read_to_string(e.path()).unwrap_or_default()).find(|job| job.contains("DRAWER REPORT (Z)")).unwrap_or_default();
    }
    // The tape's words, spaces squeezed (centered and padded lines), for finding each figure.
    let flat = tape.split_whitespace().collect::<Vec<_>>().join(" ");

    // `report drawer --json`'s document for the date.
    let document = on_ledger(&mut app, |ledger| {
        let date = ledger.business_date()?.to_string();
        citytill::reports::cashier::drawers(&*ledger.read()?, &date, None)
    });
    let json = serde_json::to_value(&document).unwrap();
    let section = &json["sections"][0];
    assert!(section["heading"].as_str().is_some_and(|t| t.starts_with("Z report - drawer")), "{section}");
    for note in section["notes"].as_array().unwrap() {
        let note = note.as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(&note), "the report's line {note:?} is not on the printed tape:\n{tape}");
    }
    for needed in [
        "Terminal T01",
        "cashier ana",
        "Opening float: 100.00",
        "Drops: 1 totalling 50.00",
        "Paid-ins: 0 totalling 0.00",
        "Paid-outs: 1 totalling 5.00",
        "Receipts issued: 2; voided: 1",
        "approved by sam: miscounted change",
        "Business date 2026-03-02",
        "Opened 2026-03-02 15:04",
        "Closed 2026-03-02 15:04",
    ] {
        assert!(flat.contains(needed), "{needed:?} is not on the printed tape:\n{tape}");
    }
    // Every tender row of the report (and of the window's result) is on the tape with the same figures.
    for row in section["rows"].as_array().unwrap() {
        let cells: Vec<&str> = row.as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        let tender = cells[0];
        let screen = |map: &std::collections::BTreeMap<&'static str, Money>| map.get(tender).copied().unwrap_or(Money::ZERO).to_string();
        assert_eq!(
            (screen(&result.expected), screen(&result.counted), screen(&result.over_short)),
            (cells[1].to_string(), cells[2].to_string(), cells[3].to_string()),
            "{tender}: window and report agree"
        );
        for (what, figure) in [("expected", cells[1]), ("counted", cells[2]), ("over/short", cells[3])] {
            let line = tape.lines().find(|l| l.trim_start().starts_with(&format!("{tender} {what}"))).unwrap_or_else(|| panic!("no {tender} {what} line:\n{tape}"));
            assert!(line.trim_end().ends_with(figure), "{tender} {what}: the tape says {line:?}, the report {figure}");
        }
    }
    assert_eq!(result.over_short.get("cash"), Some(&Money::from_cents(-1000)));
    assert!(tape.lines().any(|l| l.trim_start().starts_with("cash expected") && l.trim_end().ends_with("129.12")), "{tape}");
}

// Proves a failure is not shown as a refusal: with the ledger thread's queue full, a drop is said in the banner
// (try again, call IT), never under the amount, with the amount kept as typed; once the queue has room, Enter
// again records it. A mistyped amount on the same form is a refusal under the amount.
#[test]
fn a_full_queue_is_a_failure_in_the_banner_and_the_form_stays() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Drop));
    drawer(&mut app, Message::Amount("4O".into()));
    drawer(&mut app, Message::Submit);
    assert!(app.drawer.refusal(super::AMOUNT_ID).is_some(), "a mistyped amount is a refusal under the amount: {:?}", app.drawer.error);

    drawer(&mut app, Message::Amount("40".into()));
    let full = crate::gui::testing::FullQueue::hold(&fixture.ctx.worker);
    drawer(&mut app, Message::Submit);
    full.release();
    let problem = app.drawer.banner_error().map(str::to_string).expect("a full queue is said in the banner");
    assert!(problem.contains("already waiting") && problem.contains("call IT"), "{problem}");
    assert_eq!(app.drawer.refusal(super::AMOUNT_ID), None, "a failure is not written under the amount");
    assert!(app.drawer.notice.is_none() && !app.drawer.busy, "nothing recorded, and the form takes Enter again");
    assert!(matches!(&app.drawer.step, super::Step::Moving { form, .. } if form.amount == "40"), "the amount stays as typed: {:?}", app.drawer.step);
    assert!(visible_texts(&app).iter().any(|t| t.contains("call IT")), "shown");

    drawer(&mut app, Message::Submit);
    let notice = app.drawer.notice.clone().unwrap_or_default();
    assert!(notice.starts_with("Drop to safe of 40.00 recorded"), "{notice} {:?}", app.drawer.error);
}
