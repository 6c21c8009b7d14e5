//! The window fits the smallest counter screen (1024×768): every form's buttons, the approval fields, the
//! tab row with Lock and the whole status bar are on screen, not under the bar or past the window's edge.

use citytill::Money;
use iced_test::selector;

use super::app::{App, Message, Screen};
use super::screen::counter::Message as CounterMessage;
use super::screen::drawer::{Action, Message as DrawerMessage};
use super::screen::receipts::{Correction, Message as ReceiptsMessage};
use super::testing::{assert_snapshot, fixture, send, signed_in, simulator_at, wholly_visible};

const SMALL: (f32, f32) = (1024.0, 768.0);
const WIDE: (f32, f32) = (1280.0, 800.0);

fn pay_cash(app: &mut App, account: &str, cash: &str) -> String {
    send(app, Message::Counter(CounterMessage::LookupChanged(account.into())));
    send(app, Message::Counter(CounterMessage::LookupSubmitted));
    send(app, Message::Counter(CounterMessage::Amount(cash.into())));
    send(app, Message::Counter(CounterMessage::AmountSubmitted));
    app.counter.completed().expect("paid").result.receipt.clone()
}

/// Asserts the tab row (with Lock) and every part of the status bar are wholly on screen, the bar on one line each.
fn assert_frame(app: &App, size: (f32, f32), what: &str) {
    let mut ui = simulator_at(size, app.view());
    assert!(wholly_visible(&mut ui, size, "Lock [F10]").is_some(), "{what}: the Lock tab is not on screen at {size:?}");
    assert!(wholly_visible(&mut ui, size, "Day end [Shift+F3]").is_some(), "{what}: the Day end tab is not on screen at {size:?}");
    let user_line = format!("User: {}", app.status.user.as_deref().unwrap_or("—"));
    let user = wholly_visible(&mut ui, size, user_line.as_str()).unwrap_or_else(|| panic!("{what}: the status bar's user is not on screen at {size:?}"));
    let hq = wholly_visible(&mut ui, size, "HQ: standalone").unwrap_or_else(|| panic!("{what}: the status bar's head-office part is not on screen at {size:?}"));
    assert!(hq.height <= user.height + 0.5, "{what}: \"HQ: standalone\" wraps ({} px high, a line is {} px)", hq.height, user.height);
    assert!(wholly_visible(&mut ui, size, "Terminal T01").is_some(), "{what}: the status bar's terminal is cut at {size:?}");
}

/// Opens the void form for a fresh cash receipt.
fn void_form(app: &mut App) {
    let receipt = pay_cash(app, "100200", "100");
    send(app, Message::Go(Screen::Receipts));
    send(app, Message::Receipts(ReceiptsMessage::Open(receipt)));
    {
        let mut ui = simulator_at(SMALL, app.view());
        assert!(wholly_visible(&mut ui, SMALL, "Void [F6]").is_some(), "the Void button is not on screen");
    }
    send(app, Message::Receipts(ReceiptsMessage::Start(Correction::Void)));
}

/// Asserts the approval form and its buttons are wholly on screen.
fn assert_approval_visible(app: &App, size: (f32, f32), what: &str) {
    let mut ui = simulator_at(size, app.view());
    assert!(wholly_visible(&mut ui, size, selector::id("approver")).is_some(), "{what}: the supervisor field is not on screen at {size:?}");
    assert!(wholly_visible(&mut ui, size, selector::id("approver-pin")).is_some(), "{what}: the supervisor PIN field is not on screen at {size:?}");
    assert!(wholly_visible(&mut ui, size, "Approve and record [Enter]").is_some(), "{what}: the approve button is not on screen at {size:?}");
    assert!(wholly_visible(&mut ui, size, "Cancel [Esc]").is_some(), "{what}: the cancel button is not on screen at {size:?}");
}

// Proves the void form's reason, supervisor, PIN and buttons are on screen at 1024×768, and stay there at
// both sizes when a refused approval adds an error line; the tab row and status bar are whole (snapshot looked at).
#[test]
fn void_form_fits_small_screen() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    void_form(&mut app);
    assert_approval_visible(&app, SMALL, "void form");
    assert_frame(&app, SMALL, "void form");
    send(&mut app, Message::Receipts(ReceiptsMessage::Reason("wrong account".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Approver("sam".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Pin("000000".into())));
    send(&mut app, Message::Receipts(ReceiptsMessage::Confirm));
    assert!(app.receipts.error().is_some(), "a wrong PIN is refused");
    assert_approval_visible(&app, SMALL, "void form with an error");
    assert_approval_visible(&app, WIDE, "void form with an error");
    let mut ui = simulator_at(SMALL, app.view());
    assert_snapshot(&mut ui, &app.theme(), "receipts_void_1024");
}

// Proves the blind count's Record button (and Cancel) is on screen at 1024×768 with the tab row and status bar whole.
#[test]
fn blind_count_fits_small_screen() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, Message::Go(Screen::Drawer));
    send(&mut app, Message::Drawer(DrawerMessage::Start(Action::Close)));
    {
        let mut ui = simulator_at(SMALL, app.view());
        assert!(wholly_visible(&mut ui, SMALL, "Record count [Enter]").is_some(), "the Record button is not on screen");
        assert!(wholly_visible(&mut ui, SMALL, "Cancel [Esc]").is_some(), "the Cancel button is not on screen");
    }
    assert_frame(&app, SMALL, "blind count");
    // A refused count adds an error line: the Record button must stay on screen.
    send(&mut app, Message::Drawer(DrawerMessage::Count(0, "lots".into())));
    send(&mut app, Message::Drawer(DrawerMessage::Submit));
    assert!(app.drawer.error().is_some(), "a count of 'lots' is refused");
    let mut ui = simulator_at(SMALL, app.view());
    assert!(wholly_visible(&mut ui, SMALL, "Record count [Enter]").is_some(), "the Record button is not on screen under an error");
    assert!(wholly_visible(&mut ui, SMALL, "Cancel [Esc]").is_some(), "the Cancel button is not on screen under an error");
    assert_snapshot(&mut ui, &app.theme(), "drawer_blind_count_1024");
}

// Proves a paid-out's approval fields and button are on screen at 1024×768.
#[test]
fn paid_out_approval_fits_small_screen() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, Message::Go(Screen::Drawer));
    send(&mut app, Message::Drawer(DrawerMessage::Start(Action::PaidOut)));
    let mut ui = simulator_at(SMALL, app.view());
    assert!(wholly_visible(&mut ui, SMALL, selector::id("approver-pin")).is_some(), "the supervisor PIN field is not on screen");
    assert!(wholly_visible(&mut ui, SMALL, "Paid-out [Enter]").is_some() || ui.find("Paid out [Enter]").is_ok(), "the paid-out button is not on screen");
}

// Proves every screen, with a cart on the counter, shows the whole tab row (Lock included) and the whole status bar at 1024×768.
#[test]
fn every_screen_keeps_tabs_and_status_bar() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, Message::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, Message::Counter(CounterMessage::LookupSubmitted));
    assert_eq!(app.counter.total_due(), Money::from_cents(8412));
    for screen in [Screen::Counter, Screen::Receipts, Screen::Drawer, Screen::Devices, Screen::Batches, Screen::Reports, Screen::Day] {
        send(&mut app, Message::Go(screen));
        assert_frame(&app, SMALL, &format!("{screen:?}"));
    }
    send(&mut app, Message::Go(Screen::Counter));
    let mut ui = simulator_at(SMALL, app.view());
    assert!(wholly_visible(&mut ui, SMALL, selector::id("counter-line-0")).is_some(), "the cart line's amount is not on screen");
    assert_snapshot(&mut ui, &app.theme(), "counter_cart_1024");
}

// Proves a cart of three bills on the counter at 1024×768 keeps the amount field, the Complete button and
// every tender button (each label on one line) on screen.
#[test]
fn full_cart_keeps_tender_on_small_screen() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    for account in ["100200", "BL-3004", "1234567"] {
        send(&mut app, Message::Counter(CounterMessage::LookupChanged(account.into())));
        send(&mut app, Message::Counter(CounterMessage::LookupSubmitted));
    }
    assert_eq!(app.counter.cart().len(), 3, "{:?}", app.counter.error());
    let mut ui = simulator_at(SMALL, app.view());
    assert!(wholly_visible(&mut ui, SMALL, selector::id("counter-amount")).is_some(), "the amount field is not on screen");
    assert!(wholly_visible(&mut ui, SMALL, "Complete [Enter]").is_some(), "the Complete button is not on screen");
    let cash = wholly_visible(&mut ui, SMALL, "Cash [F5]").expect("the Cash button is on screen");
    let ach = wholly_visible(&mut ui, SMALL, "ACH [F9]").expect("the ACH button is on screen");
    assert!((ach.y - cash.y).abs() < 0.5, "the tender kinds need two lines at 1024 px: Cash at y {}, ACH at y {}", cash.y, ach.y);
    assert!(ach.height <= cash.height + 0.5, "\"ACH [F9]\" wraps inside its button ({} px high, a line is {} px)", ach.height, cash.height);
    assert_snapshot(&mut ui, &app.theme(), "counter_full_cart_1024");
}

// Proves a batch's approval at 1024×768, after a refused self-approval adds an error line, keeps the
// supervisor PIN field and the Approve button on screen.
#[test]
fn batch_approval_fits_small_screen() {
    use super::keys::Shortcut;
    use super::screen::batches::Message as BatchMessage;
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, Message::Go(Screen::Batches));
    send(&mut app, Message::Shortcut(Shortcut::F5));
    send(&mut app, Message::Batches(BatchMessage::ControlTotal("45.50".into())));
    send(&mut app, Message::Batches(BatchMessage::ControlItems("1".into())));
    send(&mut app, Message::Batches(BatchMessage::OpenSubmitted));
    send(&mut app, Message::Batches(BatchMessage::Stub("1234567".into())));
    send(&mut app, Message::Batches(BatchMessage::StubSubmitted));
    send(&mut app, Message::Batches(BatchMessage::Micr("T021000021T 1234567890U 0123".into())));
    send(&mut app, Message::Batches(BatchMessage::MicrSubmitted));
    send(&mut app, Message::Batches(BatchMessage::Amount("45.50".into())));
    send(&mut app, Message::Batches(BatchMessage::Confirm));
    send(&mut app, Message::Shortcut(Shortcut::F6));
    send(&mut app, Message::Shortcut(Shortcut::F7));
    send(&mut app, Message::Batches(BatchMessage::Approver("lee".into())));
    send(&mut app, Message::Batches(BatchMessage::Pin("8642".into())));
    send(&mut app, Message::Batches(BatchMessage::DecisionSubmitted));
    assert!(app.batches.error().is_some(), "the lead's own approval is refused");
    let mut ui = simulator_at(SMALL, app.view());
    assert!(wholly_visible(&mut ui, SMALL, selector::id("approver-pin")).is_some(), "the supervisor PIN field is not on screen");
    assert!(wholly_visible(&mut ui, SMALL, "Approve [Enter]").is_some(), "the Approve button is not on screen");
    assert_frame(&app, SMALL, "batch approval");
    assert_snapshot(&mut ui, &app.theme(), "batches_approve_1024");
}

/// A lead's mail batch with one held item, selected, at the Batches screen.
fn batch_with_item(app: &mut App) {
    batch_with_item_of(app, ("1,045.50", "2"));
}

/// A lead's mail batch of `control` (total, item count) with one held item of 45.50, selected, at the Batches screen.
fn batch_with_item_of(app: &mut App, control: (&str, &str)) {
    use super::keys::Shortcut;
    use super::screen::batches::Message as BatchMessage;
    send(app, Message::Go(Screen::Batches));
    send(app, Message::Shortcut(Shortcut::F5));
    send(app, Message::Batches(BatchMessage::ControlTotal(control.0.into())));
    send(app, Message::Batches(BatchMessage::ControlItems(control.1.into())));
    send(app, Message::Batches(BatchMessage::OpenSubmitted));
    send(app, Message::Batches(BatchMessage::Stub("1234567".into())));
    send(app, Message::Batches(BatchMessage::StubSubmitted));
    send(app, Message::Batches(BatchMessage::Micr("T021000021T 1234567890U 0123".into())));
    send(app, Message::Batches(BatchMessage::MicrSubmitted));
    send(app, Message::Batches(BatchMessage::Amount("45.50".into())));
    send(app, Message::Batches(BatchMessage::Confirm));
    assert_eq!(app.batches.items().len(), 1, "the item is held: {:?}", app.batches.error());
    send(app, Message::Batches(BatchMessage::Cancel));
}

/// Asserts the Batches screen's list, its selected batch's item table (every column, header and cell) and
/// every action button are wholly on screen at `size`.
fn assert_batches_whole(app: &App, size: (f32, f32), what: &str) {
    let mut ui = simulator_at(size, app.view());
    for label in ["Open batch [F5]", "Enter items [F11]", "Balance [F6]", "Remove item [F12]", "Approve [F7]", "Reject [F8]", "Reopen [F9]"] {
        assert!(wholly_visible(&mut ui, size, label).is_some(), "{what}: the button {label:?} is not on screen at {size:?}");
    }
    for header in ["Batch", "Kind", "State", "Total / control", "Items", "Item", "Account", "Check", "Amount", "By"] {
        assert!(wholly_visible(&mut ui, size, header).is_some(), "{what}: the column {header:?} is not wholly on screen at {size:?}");
    }
    let batch = app.batches.selected().as_ref().expect("a batch is selected").batch.clone();
    let reference = app.batches.items()[0].reference(&batch);
    for cell in [reference.as_str(), "1234567", "#0123 ...7890", "45.50", "lee", "45.50 / 1,045.50", "1/2", "open"] {
        assert!(wholly_visible(&mut ui, size, cell).is_some(), "{what}: the cell {cell:?} is not wholly on screen at {size:?}");
    }
    // Amounts are read at a glance: each on one line, not broken over two.
    let line = wholly_visible(&mut ui, size, "1/2").map(|r| r.height).unwrap_or_default();
    for amount in ["45.50 / 1,045.50", "#0123 ...7890", "45.50"] {
        let height = wholly_visible(&mut ui, size, amount).map(|r| r.height).unwrap_or_default();
        assert!(height <= line + 0.5, "{what}: {amount:?} wraps at {size:?} ({height} px high, a line is {line} px)");
    }
}

// Proves the Batches screen at 1024×768 shows every column of the batch list and of the selected batch's
// items (headers and cells) and every action button, not cut at the window's right edge (snapshot looked at).
#[test]
fn batches_table_fits_small_screen() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    batch_with_item(&mut app);
    assert_batches_whole(&app, WIDE, "batches");
    assert_batches_whole(&app, SMALL, "batches");
    assert_frame(&app, SMALL, "batches");
    let mut ui = simulator_at(SMALL, app.view());
    assert_snapshot(&mut ui, &app.theme(), "batches_items_1024");
}

// Proves the dark theme (Ctrl+T) keeps every screen's tab row and status bar whole at 1024×768, the batch
// tables and buttons whole, and the void form's approval fields on screen (snapshots looked at).
#[test]
fn dark_theme_fits_small_screen() {
    use super::keys::Shortcut;
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, Message::Shortcut(Shortcut::ToggleTheme));
    assert_eq!(app.theme, super::theme::Mode::Dark);
    for screen in [Screen::Counter, Screen::Receipts, Screen::Drawer, Screen::Devices, Screen::Batches, Screen::Reports, Screen::Day, Screen::Finance] {
        send(&mut app, Message::Go(screen));
        assert_eq!(app.screen, screen);
        assert_frame(&app, SMALL, &format!("dark {screen:?}"));
    }
    batch_with_item(&mut app);
    assert_batches_whole(&app, SMALL, "dark batches");
    {
        let mut ui = simulator_at(SMALL, app.view());
        assert_snapshot(&mut ui, &app.theme(), "batches_items_dark_1024");
    }
    // The void needs a cashier with an open drawer.
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, Message::Shortcut(Shortcut::ToggleTheme));
    void_form(&mut app);
    assert_approval_visible(&app, SMALL, "dark void form");
    let mut ui = simulator_at(SMALL, app.view());
    assert_snapshot(&mut ui, &app.theme(), "receipts_void_dark_1024");
}

/// The window's logical size on a 1280×800 screen at a text scale of `scale` (iced lays out in logical pixels).
fn scaled(scale: f32) -> (f32, f32) {
    (WIDE.0 / scale, WIDE.1 / scale)
}

/// Asserts every screen's primary action (and the Lock tab) is wholly on screen at `size`: the login, the
/// counter with a cart, the receipts search and a void's approval, the blind count, the devices, a batch's
/// approval, the reports and the day end.
fn assert_primary_actions(size: (f32, f32), what: &str) {
    use super::keys::Shortcut;
    let fixture = fixture();
    let shown = |app: &App, targets: &[&str]| {
        let mut ui = simulator_at(size, app.view());
        for target in targets {
            assert!(wholly_visible(&mut ui, size, *target).is_some(), "{what}: {target:?} is not wholly on screen on {:?} at {size:?}", app.screen);
        }
    };
    let check_id = |app: &App, id: &'static str| {
        let mut ui = simulator_at(size, app.view());
        assert!(wholly_visible(&mut ui, size, selector::id(id)).is_some(), "{what}: the field {id:?} is not wholly on screen on {:?} at {size:?}", app.screen);
    };
    let (mut login, task) = App::new(fixture.ctx.clone());
    super::testing::settle(&mut login, task);
    shown(&login, &["Sign in [Enter]"]);

    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, Message::Counter(CounterMessage::LookupChanged("100200".into())));
    send(&mut app, Message::Counter(CounterMessage::LookupSubmitted));
    shown(&app, &["Complete [Enter]", "Lock [F10]"]);
    check_id(&app, "counter-amount");
    send(&mut app, Message::Counter(CounterMessage::Amount("100".into())));
    send(&mut app, Message::Counter(CounterMessage::AmountSubmitted));
    let receipt = app.counter.completed().expect("paid").result.receipt.clone();
    send(&mut app, Message::Go(Screen::Receipts));
    shown(&app, &["Find [Enter]"]);
    send(&mut app, Message::Receipts(ReceiptsMessage::Open(receipt)));
    send(&mut app, Message::Receipts(ReceiptsMessage::Start(Correction::Void)));
    shown(&app, &["Approve and record [Enter]", "Cancel [Esc]"]);
    check_id(&app, "approver-pin");
    assert_snapshot(&mut simulator_at(size, app.view()), &app.theme(), &format!("receipts_void_scaled_{}", what.trim_end_matches('%')));
    send(&mut app, Message::Receipts(ReceiptsMessage::Cancel));
    send(&mut app, Message::Go(Screen::Devices));
    shown(&app, &["Print test page [F5]", "Kick drawer [F6]", "Back [Esc]"]);
    send(&mut app, Message::Go(Screen::Reports));
    shown(&app, &["Show [F5]", "Next report [F9]"]);
    send(&mut app, Message::Go(Screen::Counter));
    for account in ["100200", "BL-3004", "1234567"] {
        send(&mut app, Message::Counter(CounterMessage::LookupChanged(account.into())));
        send(&mut app, Message::Counter(CounterMessage::LookupSubmitted));
    }
    assert_eq!(app.counter.cart().len(), 3, "{:?}", app.counter.error());
    shown(&app, &["Complete [Enter]"]);
    check_id(&app, "counter-amount");
    send(&mut app, Message::Counter(CounterMessage::Clear));
    send(&mut app, Message::Go(Screen::Drawer));
    send(&mut app, Message::Drawer(DrawerMessage::Start(Action::PaidOut)));
    check_id(&app, "approver-pin");
    shown(&app, &["Cancel [Esc]"]);
    assert_snapshot(&mut simulator_at(size, app.view()), &app.theme(), &format!("drawer_paid_out_scaled_{}", what.trim_end_matches('%')));
    send(&mut app, Message::Drawer(DrawerMessage::Cancel));
    send(&mut app, Message::Drawer(DrawerMessage::Start(Action::Close)));
    shown(&app, &["Record count [Enter]", "Cancel [Esc]"]);

    let mut lead = signed_in(&fixture, "lee", "8642");
    batch_with_item(&mut lead);
    shown(&lead, &["Open batch [F5]", "Balance [F6]", "Approve [F7]", "Reject [F8]", "Reopen [F9]"]);
    let mut lead = signed_in(&fixture, "lee", "8642");
    batch_with_item_of(&mut lead, ("45.50", "1"));
    send(&mut lead, Message::Shortcut(Shortcut::F6));
    send(&mut lead, Message::Shortcut(Shortcut::F7));
    shown(&lead, &["Approve [Enter]"]);
    check_id(&lead, "approver-pin");
    assert_snapshot(&mut simulator_at(size, lead.view()), &lead.theme(), &format!("batches_approve_scaled_{}", what.trim_end_matches('%')));
    send(&mut lead, Message::Go(Screen::Day));
    shown(&lead, &["Prepare deposit [F5]"]);
}

// Proves at a 125% text scale on a 1280×800 screen (1024×640 logical) every screen's primary action is on screen.
#[test]
fn primary_actions_at_125_percent() {
    assert_primary_actions(scaled(1.25), "125%");
}

// Proves at a 150% text scale on a 1280×800 screen (853×533 logical) every screen's primary action is on screen.
#[test]
fn primary_actions_at_150_percent() {
    assert_primary_actions(scaled(1.5), "150%");
}

// Proves the batch list stacked above the selected batch at 1024×768 (three rows) follows Down: after walking
// to the last of six batches its row is wholly on screen with the rows above counted, and Up back to the
// first shows that one (snapshot looked at).
#[test]
fn stacked_batch_list_follows_the_selection() {
    use super::keys::Shortcut;
    use super::screen::batches::Message as BatchMessage;
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, Message::Go(Screen::Batches));
    for total in ["10.00", "20.00", "30.00", "40.00", "50.00"] {
        send(&mut app, Message::Batches(BatchMessage::StartOpen));
        send(&mut app, Message::Batches(BatchMessage::ControlTotal(total.into())));
        send(&mut app, Message::Batches(BatchMessage::ControlItems("1".into())));
        send(&mut app, Message::Batches(BatchMessage::OpenSubmitted));
        send(&mut app, Message::Batches(BatchMessage::Cancel));
    }
    assert_eq!(app.batches.batches().len(), 6, "the drawer's counter batch and five mail batches: {:?}", app.batches.error());
    for _ in 0..8 {
        send(&mut app, Message::Shortcut(Shortcut::Up));
    }
    send(&mut app, Message::Shortcut(Shortcut::Home));
    let rows: Vec<String> = app.batches.batches().iter().map(|b| b.batch.clone()).collect();
    for _ in 0..rows.len() {
        send(&mut app, Message::Shortcut(Shortcut::Down));
    }
    let last = rows.last().unwrap();
    assert_eq!(app.batches.selected().as_ref().map(|s| &s.batch), Some(last));
    let mut ui = simulator_at(SMALL, app.view());
    assert!(wholly_visible(&mut ui, SMALL, last.as_str()).is_some(), "the selected last batch {last} is scrolled out of view");
    assert!(wholly_visible(&mut ui, SMALL, "3 more above [Up]").is_some(), "the rows above are not counted");
    assert_snapshot(&mut ui, &app.theme(), "batches_list_stacked_1024");
    drop(ui);
    for _ in 0..rows.len() {
        send(&mut app, Message::Shortcut(Shortcut::Up));
    }
    let mut ui = simulator_at(SMALL, app.view());
    assert!(wholly_visible(&mut ui, SMALL, rows[0].as_str()).is_some(), "the selected first batch {} is scrolled out of view", rows[0]);
}

// Proves the form that takes an item out of a batch (F12) at 1024×768 and 1280×800, after a refused
// submission (no reason) adds an error line, keeps the item and reason fields, the Remove and Cancel
// buttons, the item being removed, the tab row and the status bar on screen (snapshot looked at).
#[test]
fn batch_item_removal_fits_small_screen() {
    use super::keys::Shortcut;
    use super::screen::batches::{Message as BatchMessage, REASON_ID, REMOVE_ITEM_ID};
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    batch_with_item(&mut app);
    send(&mut app, Message::Shortcut(Shortcut::F12));
    send(&mut app, Message::Batches(BatchMessage::RemoveItem("1".into())));
    send(&mut app, Message::Batches(BatchMessage::RemoveSubmitted));
    assert!(app.batches.error().is_some(), "no reason: refused");
    for size in [SMALL, WIDE] {
        let mut ui = simulator_at(size, app.view());
        for id in [REMOVE_ITEM_ID, REASON_ID] {
            assert!(wholly_visible(&mut ui, size, selector::id(id)).is_some(), "the field {id} is not on screen at {size:?}");
        }
        for label in ["Remove item [Enter]", "Cancel [Esc]", "Reason: say why in 3 to 200 characters.", "45.50"] {
            assert!(wholly_visible(&mut ui, size, label).is_some(), "{label:?} is not on screen at {size:?}");
        }
        assert_frame(&app, size, "batch item removal");
    }
    let mut ui = simulator_at(SMALL, app.view());
    assert_snapshot(&mut ui, &app.theme(), "batches_remove_1024");
}

// Proves the finance screen's enrol form keeps its supervisor fields and the Enrol and Cancel buttons wholly on
// screen at 1024×768, at 1280×800 with 150% text and after a refusal adds a line beside a field, with the tab row
// and status bar whole (snapshot looked at).
#[test]
fn finance_enrol_form_fits_small_screen() {
    use super::keys::Shortcut;
    use super::screen::finance::Message as FinanceMessage;
    let fixture = fixture();
    let mut app = signed_in(&fixture, "lee", "8642");
    send(&mut app, Message::Shortcut(Shortcut::Finance));
    assert_frame(&app, SMALL, "finance");
    send(&mut app, Message::Shortcut(Shortcut::F5));
    send(&mut app, Message::Finance(FinanceMessage::Fixed(true)));
    send(&mut app, Message::Finance(FinanceMessage::Routing("123456789".into())));
    send(&mut app, Message::Finance(FinanceMessage::RoutingSubmitted));
    for size in [SMALL, scaled(1.5)] {
        let mut ui = simulator_at(size, app.view());
        assert!(wholly_visible(&mut ui, size, selector::id("approver")).is_some(), "the supervisor field is not on screen at {size:?}");
        assert!(wholly_visible(&mut ui, size, selector::id("approver-pin")).is_some(), "the supervisor PIN field is not on screen at {size:?}");
        assert!(wholly_visible(&mut ui, size, "Enrol [Enter]").is_some(), "the Enrol button is not on screen at {size:?}");
        assert!(wholly_visible(&mut ui, size, "Cancel [Esc]").is_some(), "the Cancel button is not on screen at {size:?}");
        assert!(wholly_visible(&mut ui, size, selector::id("finance-account")).is_some(), "the account field is not on screen at {size:?}");
    }
    assert_frame(&app, SMALL, "finance enrol form");
    let mut ui = simulator_at(SMALL, app.view());
    assert_snapshot(&mut ui, &app.theme(), "finance_enrol_1024");
}
