//! Reports screen tests on a real throwaway ledger: on screen, saved as PDF and CSV into the data dir,
//! sent to the (simulated) receipt printer, and a bad date named.

use std::time::{Duration, Instant};

use super::{Message, Output};
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::devices::Devices;
use crate::gui::keys::Shortcut;
use crate::gui::screen::counter::Message as CounterMessage;
use crate::gui::testing::{assert_snapshot, fixture, fixture_with, send, signed_in, simulator};

fn reports(app: &mut App, message: Message) {
    send(app, AppMessage::Reports(message));
}

fn pay_cash(app: &mut App, account: &str, cash: &str) {
    send(app, AppMessage::Counter(CounterMessage::LookupChanged(account.into())));
    send(app, AppMessage::Counter(CounterMessage::LookupSubmitted));
    send(app, AppMessage::Counter(CounterMessage::Amount(cash.into())));
    send(app, AppMessage::Counter(CounterMessage::AmountSubmitted));
}

fn pick(app: &mut App, name: &str) {
    let index = citytill::reports::NAMES.iter().position(|n| *n == name).unwrap();
    reports(app, Message::Pick(index));
}

// Proves the day report for the business date is shown as text with the payment (matching its snapshot),
// saved as PDF and CSV into <data dir>/reports (the path is shown, the files are real), and Pick/F9 change the report.
#[test]
fn day_report_shown_and_saved() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    pay_cash(&mut app, "100200", "100");
    send(&mut app, AppMessage::Shortcut(Shortcut::Reports));
    assert_eq!(app.screen, Screen::Reports);
    assert_eq!(app.reports.date, "2026-03-02");
    pick(&mut app, "day");
    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    let (document, text) = app.reports.shown.clone().unwrap_or_else(|| panic!("{:?}", app.reports.error));
    assert_eq!(document.report, "day");
    assert!(text.contains("84.12"), "{text}");
    let mut ui = simulator(app.view());
    assert!(ui.find("Save PDF [F7]").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "reports_day");
    drop(ui);

    reports(&mut app, Message::Run(Output::Pdf));
    let pdf = fixture.ctx.data_dir.join("reports/day-2026-03-02.pdf");
    assert_eq!(app.reports.notice.clone(), Some(format!("Saved {}", pdf.display())), "{:?}", app.reports.error);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    send(&mut app, AppMessage::Shortcut(Shortcut::F8));
    let csv = std::fs::read_to_string(fixture.ctx.data_dir.join("reports/day-2026-03-02.csv")).unwrap();
    assert!(csv.starts_with("section,") && csv.contains("84.12"), "{csv}");

    // The GL's cash-in-drawers line is what ana's open drawer should hold: refused to her (the close is blind).
    pick(&mut app, "gl");
    reports(&mut app, Message::Run(Output::Screen));
    assert!(app.reports.error.as_deref().is_some_and(|e| e.contains("only a supervisor")), "{:?}", app.reports.error);
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    assert_eq!(app.reports.name(), "deposit");
}

// Proves a report reaches the simulated receipt printer as text, a window without a printer says it was
// not printed, and a date that is not a date is named without building anything.
#[test]
fn report_to_printer_and_bad_date() {
    let sim_dir = tempfile::tempdir().unwrap();
    let simulated = fixture_with(Devices::simulated(sim_dir.path()));
    let mut app = signed_in(&simulated, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Reports));
    pick(&mut app, "exceptions");
    send(&mut app, AppMessage::Shortcut(Shortcut::F6));
    assert!(app.reports.notice.as_deref().is_some_and(|n| n.ends_with("sent to the receipt printer")), "{:?} {:?}", app.reports.notice, app.reports.error);
    let simulators = simulated.ctx.devices.simulators.as_ref().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while simulators.jobs_printed() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(simulators.jobs_printed(), 1);
    let printed: String =
        std::fs::read_dir(simulators.printed_dir()).unwrap().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "txt")).map(|e| std::fs::read_to_string(e.path()).unwrap()).collect();
    assert!(printed.contains("Business date 2026-03-02"), "{printed}");

    let plain = fixture();
    let mut app = signed_in(&plain, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Reports));
    reports(&mut app, Message::Run(Output::Printer));
    assert!(app.reports.notice.as_deref().is_some_and(|n| n.contains("not printed: printer: not configured")), "{:?}", app.reports.notice);
    reports(&mut app, Message::Date("2026-02-30".into()));
    reports(&mut app, Message::Run(Output::Screen));
    assert!(crate::gui::testing::visible_texts(&app).iter().any(|t| t == "Business date: '2026-02-30' is not a date like 2026-11-24."), "{:?}", app.reports.error);
}
