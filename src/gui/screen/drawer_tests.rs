//! Drawer tests: open with a float, drop, and the blind close with over/short beyond the limit approved by a supervisor.

use citytill::Money;
use citytill_hardware::counter::CounterReport;
use citytill_hardware::device::DeviceEvent;

use super::{Action, Message};
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::screen::counter::Message as CounterMessage;
use crate::gui::testing::{assert_snapshot, fixture, send, signed_in, simulator};

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
    assert!(app.drawer.result.is_none(), "nothing expected is known before the count");
    drawer(&mut app, Message::Submit);
    let result = app.drawer.result.clone().unwrap_or_else(|| panic!("{:?}", app.drawer.error));
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
    assert!(app.drawer.result.as_ref().is_some_and(|r| r.closed), "{:?}", app.drawer.error);
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
    assert_eq!(app.drawer.counts[slot(2000)], "4");
    assert_eq!(app.drawer.counts[slot(500)], "3");
    let mut ui = simulator(app.view());
    assert!(ui.find("Cash counted: 95.00").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "drawer_blind_count");
}

// Proves a drop is recorded and the expected cash afterwards is reported.
#[test]
fn drop_to_safe() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Drawer));
    drawer(&mut app, Message::Start(Action::Drop));
    drawer(&mut app, Message::Amount("40".into()));
    drawer(&mut app, Message::Submit);
    assert!(app.drawer.notice.as_deref().is_some_and(|n| n.contains("should now hold 60.00 cash")), "{:?} {:?}", app.drawer.notice, app.drawer.error);
}
