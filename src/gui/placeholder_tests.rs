//! At a 150% text scale on a 1024×768 counter screen (683×512 logical pixels) no text field's hint is cut:
//! every empty field's placeholder, measured in the field's own font and size, fits inside the field.

use iced_test::selector::Candidate;

use super::app::{App, Message, Screen};
use super::keys::Shortcut;
use super::screen::counter::Message as CounterMessage;
use super::screen::drawer::{Action, Message as DrawerMessage};
use super::screen::receipts::{Correction, Message as ReceiptsMessage};
use super::testing::{fixture, send, signed_in, simulator_at};
use super::theme;

/// 1024×768 at `[window] scale = 1.5`.
const SCALED: (f32, f32) = (1024.0 / 1.5, 768.0 / 1.5);

/// Each text field on screen now: its id, the text it shows (the placeholder when empty) and its width.
fn fields(app: &App) -> Vec<(String, String, f32)> {
    let mut ui = simulator_at(SCALED, app.view());
    let mut found = Vec::new();
    let _ = ui.find(|candidate: Candidate<'_>| -> Option<()> {
        if let Candidate::TextInput { id, bounds, state, .. } = candidate {
            found.push((id.map(|id| format!("{id:?}")).unwrap_or_default(), state.text().to_string(), bounds.width));
        }
        None
    });
    found
}

/// How wide `content` is drawn at `size` in the window's font.
fn width_of(content: &str, size: f32) -> f32 {
    let element: iced::Element<'_, ()> = iced::widget::text(content.to_string()).size(size).into();
    let mut ui = simulator_at((4000.0, 200.0), element);
    ui.find(content).map(|t| iced_test::selector::Bounded::bounds(&t).width).unwrap_or(f32::MAX)
}

/// Notes each empty field on `app`'s screen whose placeholder is wider than the room inside it.
fn assert_hints_whole(app: &App, what: &str, values: &[&str]) {
    CUT.with(|cut| cut.borrow_mut().extend(cut_hints(app, what, values)));
}

thread_local! {
    static CUT: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn cut_hints(app: &App, what: &str, values: &[&str]) -> Vec<String> {
    let mut cut = Vec::new();
    let shown = fields(app);
    assert!(!shown.is_empty(), "{what}: no text field found");
    for (id, content, width) in shown {
        if content.is_empty() || values.contains(&content.as_str()) {
            continue;
        }
        // The counter's amount is typed in large figures; the other fields at body size. Count rows and
        // cart lines are padded 6 px, the rest 8 px each side.
        let size = if id.contains("counter-amount") { theme::AMOUNT } else { theme::BODY };
        let padding = if id.contains("drawer-count") || id.contains("counter-line") { 12.0 } else { 16.0 };
        let needed = width_of(&content, size);
        if needed > width - padding + 0.5 {
            cut.push(format!("{what}: the hint {content:?} ({id}) needs {needed:.0} px, the field has {:.0} px", width - padding));
        }
    }
    cut
}

// Proves every screen's field hints are whole at 150% text on a 1024×768 screen: login, the counter with a
// cart, the receipts search and a void's approval, the drawer's float count, drop, paid-out and blind count,
// a batch opened and an item being keyed, the day end's date, the autopay enrolment and a file exception's resolution.
#[test]
fn placeholders_fit_at_150_percent_on_1024() {
    let fixture = fixture();
    let (mut login, task) = App::new(fixture.ctx.clone());
    super::testing::settle(&mut login, task);
    assert_hints_whole(&login, "login", &[]);

    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, Message::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, Message::Counter(CounterMessage::LookupSubmitted));
    assert_hints_whole(&app, "counter with a cart", &["84.12"]);
    send(&mut app, Message::Counter(CounterMessage::Clear));
    send(&mut app, Message::Go(Screen::Receipts));
    assert_hints_whole(&app, "receipts search", &[]);
    send(&mut app, Message::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, Message::Counter(CounterMessage::LookupSubmitted));
    send(&mut app, Message::Counter(CounterMessage::Amount("100".into())));
    send(&mut app, Message::Counter(CounterMessage::AmountSubmitted));
    let receipt = app.counter.completed().map(|c| c.result.receipt.clone()).unwrap_or_else(|| panic!("{:?}", app.counter.error()));
    send(&mut app, Message::Go(Screen::Receipts));
    send(&mut app, Message::Receipts(ReceiptsMessage::Open(receipt.clone())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Start(Correction::Refund)));
    assert_hints_whole(&app, "refund approval", &["84.12"]);
    send(&mut app, Message::Receipts(ReceiptsMessage::Cancel));
    send(&mut app, Message::Go(Screen::Drawer));
    for action in [Action::Drop, Action::PaidOut, Action::NoSale, Action::Close] {
        send(&mut app, Message::Drawer(DrawerMessage::Start(action)));
        assert_hints_whole(&app, &format!("drawer {action:?}"), &[]);
        send(&mut app, Message::Drawer(DrawerMessage::Cancel));
    }
    send(&mut app, Message::Go(Screen::Day));
    assert_hints_whole(&app, "day end", &[app.day.date()]);

    let mut lead = signed_in(&fixture, "lee", "8642");
    send(&mut lead, Message::Go(Screen::Drawer));
    send(&mut lead, Message::Drawer(DrawerMessage::Start(Action::Open)));
    assert_hints_whole(&lead, "drawer float count", &[]);
    send(&mut lead, Message::Drawer(DrawerMessage::Cancel));
    send(&mut lead, Message::Go(Screen::Batches));
    send(&mut lead, Message::Shortcut(Shortcut::F5));
    assert_hints_whole(&lead, "batch open", &[]);
    use super::screen::batches::Message as BatchMessage;
    send(&mut lead, Message::Batches(BatchMessage::ControlTotal("45.50".into())));
    send(&mut lead, Message::Batches(BatchMessage::ControlItems("1".into())));
    send(&mut lead, Message::Batches(BatchMessage::OpenSubmitted));
    assert_hints_whole(&lead, "batch items", &[]);
    send(&mut lead, Message::Batches(BatchMessage::Stub("1234567".into())));
    send(&mut lead, Message::Batches(BatchMessage::StubSubmitted));
    send(&mut lead, Message::Batches(BatchMessage::Micr("T021000021T 1234567890U 0123".into())));
    send(&mut lead, Message::Batches(BatchMessage::MicrSubmitted));
    send(&mut lead, Message::Batches(BatchMessage::Amount("45.50".into())));
    send(&mut lead, Message::Batches(BatchMessage::Confirm));
    assert_eq!(lead.batches.items().len(), 1, "the item is held: {:?}", lead.batches.error());
    send(&mut lead, Message::Batches(BatchMessage::Cancel));
    send(&mut lead, Message::Shortcut(Shortcut::F12));
    assert_hints_whole(&lead, "batch item removal", &[]);
    use super::screen::finance::Message as FinanceMessage;
    send(&mut lead, Message::Go(Screen::Finance));
    send(&mut lead, Message::Shortcut(Shortcut::F5));
    send(&mut lead, Message::Finance(FinanceMessage::Fixed(true)));
    assert_hints_whole(&lead, "autopay enrolment", &[]);
    send(&mut lead, Message::Finance(FinanceMessage::Cancel));
    super::testing::import_lockbox(&fixture);
    send(&mut lead, Message::Go(Screen::Finance));
    send(&mut lead, Message::Shortcut(Shortcut::Down));
    send(&mut lead, Message::Shortcut(Shortcut::F6));
    assert_hints_whole(&lead, "file exception applied to an account", &[]);
    send(&mut lead, Message::Finance(FinanceMessage::Cancel));
    send(&mut lead, Message::Shortcut(Shortcut::F9));
    send(&mut lead, Message::Finance(FinanceMessage::RunDate(String::new())));
    assert_hints_whole(&lead, "autopay run date", &[]);
    let cut = CUT.with(|cut| cut.take());
    assert!(cut.is_empty(), "hints cut at 150% on 1024×768:\n{}", cut.join("\n"));
}
