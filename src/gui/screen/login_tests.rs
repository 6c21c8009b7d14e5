//! Login tests: wrong PIN, signing in, F10 lock and the idle lock.

use super::Message;
use crate::gui::app::{App, Message as AppMessage, Screen};
use crate::gui::keys::Shortcut;
use crate::gui::testing::{assert_snapshot, fixture, send, settle, signed_in, simulator};

// Proves a wrong PIN shows the library's message without saying which part was wrong, and the screen stays on login.
#[test]
fn wrong_pin_is_refused() {
    let fixture = fixture();
    let (mut app, task) = App::new(fixture.ctx.clone());
    settle(&mut app, task);
    send(&mut app, AppMessage::Login(Message::Name("ana".into())));
    send(&mut app, AppMessage::Login(Message::Pin("0000".into())));
    send(&mut app, AppMessage::Login(Message::Submit));
    assert_eq!(app.login.error.as_deref(), Some("login: unknown user or wrong PIN"));
    assert!(app.session.is_none() && app.screen == Screen::Login);
    assert!(app.login.pin.is_empty(), "the PIN is never kept after a try");
    let mut ui = simulator(app.view());
    assert!(ui.find("Sign-in: unknown user or wrong PIN.").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "login_error");
}

// Proves F10 locks the window (no session, name kept) and the same PIN unlocks onto the counter;
// F-keys do nothing while locked.
#[test]
fn lock_and_unlock() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    assert_eq!(app.screen, Screen::Counter);
    send(&mut app, AppMessage::Shortcut(Shortcut::Lock));
    assert!(app.session.is_none());
    assert_eq!(app.login.locked_from.as_deref(), Some("ana"));
    send(&mut app, AppMessage::Shortcut(Shortcut::Drawer));
    assert_eq!(app.screen, Screen::Login);
    send(&mut app, AppMessage::Login(Message::Pin("1357".into())));
    send(&mut app, AppMessage::Login(Message::Submit));
    assert_eq!(app.session.as_ref().map(|a| a.name.as_str()), Some("ana"));
    assert_eq!(app.screen, Screen::Counter);
}

// Proves the window locks itself after settings.limits.idle_lock_minutes without a key or click.
#[test]
fn idle_lock_after_configured_minutes() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Tick);
    assert!(app.session.is_some(), "not idle yet");
    let idle = std::time::Duration::from_secs(60 * u64::try_from(fixture.ctx.settings.limits.idle_lock_minutes).unwrap());
    app.last_activity = std::time::Instant::now() - idle;
    send(&mut app, AppMessage::Tick);
    assert!(app.session.is_none());
    assert_eq!(app.screen, Screen::Login);
    assert_eq!(app.login.locked_from.as_deref(), Some("ana"));
    let mut ui = simulator(app.view());
    assert!(ui.find("Locked").is_ok());
}

// Proves Ctrl+T switches to the dark theme and the counter still renders (committed dark baseline).
#[test]
fn dark_theme_snapshot() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Shortcut(Shortcut::ToggleTheme));
    assert_eq!(app.theme, crate::gui::theme::Mode::Dark);
    let mut ui = simulator(app.view());
    assert!(ui.find("Total due").is_ok());
    assert_snapshot(&mut ui, &app.theme(), "counter_dark");
}

// Proves switching cashier at the lock screen keeps each drawer with its cashier: sam signs in after ana,
// is told ana's drawer stays hers, and sam (with no drawer) is taken to count a float.
#[test]
fn switching_cashier_keeps_drawers_apart() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Shortcut(Shortcut::Lock));
    send(&mut app, AppMessage::Login(Message::Name("sam".into())));
    send(&mut app, AppMessage::Login(Message::Pin("975310".into())));
    send(&mut app, AppMessage::Login(Message::Submit));
    assert_eq!(app.session.as_ref().map(|a| a.name.as_str()), Some("sam"));
    assert!(app.notice.as_deref().is_some_and(|n| n.contains("ana's drawer stays assigned to ana")), "{:?}", app.notice);
    assert_eq!(app.screen, Screen::Drawer);
    assert_eq!(app.drawer.action(), Some(crate::gui::screen::drawer::Action::Open));
    assert!(app.status.drawer.is_none());
}

// Proves a terminal whose ledger holds fewer entries than head office acknowledged (restored from an old backup)
// says so on the sign-in screen, in words, and signs no one in: the sign-in would have issued a number head
// office already holds, so nothing is written (issue 13, the tamper witness).
#[test]
fn a_ledger_behind_head_office_is_refused_at_sign_in() {
    let fixture = fixture();
    let ledger = fixture._dir.path().join("ledger.sqlite");
    let conn = rusqlite::Connection::open(&ledger).unwrap();
    let entries: i64 = conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('hq_acked_seq', ?1)", [(entries + 40).to_string()]).unwrap();
    let (mut app, task) = App::new(fixture.ctx.clone());
    settle(&mut app, task);
    send(&mut app, AppMessage::Login(Message::Name("ana".into())));
    send(&mut app, AppMessage::Login(Message::Pin("1357".into())));
    send(&mut app, AppMessage::Login(Message::Submit));
    assert!(app.session.is_none() && app.screen == Screen::Login, "signed in on a ledger behind head office");
    let error = app.login.error.clone().unwrap_or_default();
    assert!(error.contains(&format!("head office already holds {} entries", entries + 40)) && error.contains("call IT"), "{error}");
    let texts = crate::gui::testing::visible_texts(&app).join("\n");
    assert!(texts.contains("head office already holds") && !texts.contains("--"), "shown in words: {texts}");
    let after: i64 = conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    assert_eq!(after, entries, "nothing was written");
}
