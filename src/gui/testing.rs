//! Test fixtures: a throwaway ledger with users, payables, fees and an open drawer; a driver that runs
//! the window's Tasks headlessly (so update → ledger thread → update loops are exercised for real);
//! and a Simulator with the bundled fonts.

use std::rc::Rc;
use std::sync::Arc;

use citytill::config::Settings;
use citytill::domain::denominations::{parse_count, USD_CENTS};
use citytill::domain::ids::Role;
use citytill::domain::payable::{PayableKind, PayableRow};
use citytill::ops::auth::{self, Actor};
use citytill::Money;
use iced::{Element, Task, Theme};
use iced_test::Simulator;

use super::app::{App, Message};
use super::context::Context;
use super::devices::Devices;
use super::theme;
use super::worker::Worker;

pub struct Fixture {
    /// Kept so the ledger's directory lives as long as the fixture.
    pub _dir: tempfile::TempDir,
    pub ctx: Context,
}

pub fn cashier() -> Actor {
    Actor { name: "ana".into(), role: Role::Cashier }
}

fn payable(kind: PayableKind, number: &str, name: &str, address: &str, status: &str, cents: i64) -> PayableRow {
    PayableRow { kind, number: number.into(), name: name.into(), address: address.into(), status: status.into(), balance: Money::from_cents(cents) }
}

/// A terminal T01 with admin/246810, ana (cashier, 1357, drawer open with a 100.00 float), sam (supervisor, 975310),
/// lee (lead, 8642), four payables and the synthetic fee schedule. `devices` are the ones the window uses.
pub fn fixture_with(devices: Devices) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings::default();
    let mut init = citytill::ops::setup::Init::new("T01", "admin", "246810", false, &settings);
    // A fixed clock and zone keep business dates (and so the snapshots) the same every day; the PIN key is
    // given directly, so no key file is written outside the temp dir.
    init.clock = citytill::ledger::Clock::Fixed(chrono::DateTime::parse_from_rfc3339("2026-03-02T15:04:05Z").unwrap().to_utc());
    init.time_zone = Some("UTC");
    init.pin_key = Some(vec![7; 32]);
    let mut ledger = citytill::ops::setup::init(dir.path(), &dir.path().join("ledger.sqlite"), &init).unwrap();
    auth::add_user(&mut ledger, &settings, None, "ana", Role::Cashier, "1357").unwrap();
    auth::add_user(&mut ledger, &settings, None, "sam", Role::Supervisor, "975310").unwrap();
    auth::add_user(&mut ledger, &settings, None, "lee", Role::Lead, "8642").unwrap();
    let rows = vec![
        payable(PayableKind::Utility, "100200", "Maria Lopez", "12 Maple St", "active", 8412),
        payable(PayableKind::License, "BL-3004", "Bob's Bakery", "5 Oak Ave", "delinquent", 15000),
        payable(PayableKind::Utility, "1234567", "Ken Ito", "9 Maple St", "active", 4550),
        payable(PayableKind::Citation, "PC-777", "Jo Park", "1 Elm Rd", "closed", 3500),
    ];
    citytill::ops::import::upsert_payables(&mut ledger, None, "test", rows).unwrap();
    citytill::ops::import::upsert_fees(&mut ledger, None, "test", citytill::ops::synthetic::fees()).unwrap();
    citytill::ops::drawer::open(&mut ledger, &cashier(), parse_count("float", "20x5", USD_CENTS).unwrap()).unwrap();
    let terminal = ledger.terminal().to_string();
    let ctx = Context {
        worker: Worker::start(ledger).unwrap(),
        settings: Arc::new(Settings::default()),
        devices: Rc::new(devices),
        stubs: Arc::new(Ok(citytill::ops::stub::StubTemplates::shipped())),
        training: false,
        terminal,
        data_dir: dir.path().to_path_buf(),
        sync: None,
    };
    Fixture { _dir: dir, ctx }
}

pub fn fixture() -> Fixture {
    fixture_with(Devices::default())
}

/// Runs a Task to completion, feeding every message it produces back into `update` (and their Tasks too).
pub fn settle(app: &mut App, task: Task<Message>) {
    let mut pending = vec![task];
    let mut rounds = 0;
    while let Some(task) = pending.pop() {
        rounds += 1;
        assert!(rounds < 500, "tasks kept producing messages");
        let Some(stream) = iced_test::runtime::task::into_stream(task) else { continue };
        let actions: Vec<_> = iced::futures::executor::block_on_stream(stream).collect();
        for action in actions {
            if let iced_test::runtime::Action::Output(message) = action {
                pending.push(app.update(message));
            }
        }
    }
}

/// Sends one message and settles everything it starts.
pub fn send(app: &mut App, message: Message) {
    let task = app.update(message);
    settle(app, task);
}

/// A booted window signed in as `name`.
pub fn signed_in(fixture: &Fixture, name: &str, pin: &str) -> App {
    let (mut app, task) = App::new(fixture.ctx.clone());
    settle(&mut app, task);
    send(&mut app, Message::Login(super::screen::login::Message::Name(name.into())));
    send(&mut app, Message::Login(super::screen::login::Message::Pin(pin.into())));
    send(&mut app, Message::Login(super::screen::login::Message::Submit));
    assert!(app.session.is_some(), "login failed: {:?}", app.login.error());
    app
}

/// A headless UI of `element` with the bundled fonts, 1280×800 like the real window.
pub fn simulator<'a, M>(element: impl Into<Element<'a, M, Theme, iced::Renderer>>) -> Simulator<'a, M, Theme, iced::Renderer> {
    let settings = iced::Settings {
        fonts: vec![theme::text::SANS_BYTES.into(), theme::text::SANS_BOLD_BYTES.into(), theme::text::MONO_BYTES.into()],
        default_font: theme::text::SANS,
        ..iced::Settings::default()
    };
    Simulator::with_size(settings, (1280.0, 800.0), element)
}

/// Compares a snapshot with its committed baseline in tests/snapshots (created on first run; commit it).
pub fn assert_snapshot<M>(ui: &mut Simulator<'_, M, Theme, iced::Renderer>, theme: &Theme, name: &str) {
    let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
    let snapshot = ui.snapshot(theme).unwrap();
    assert!(snapshot.matches_image(&path).unwrap(), "snapshot {name} differs from tests/snapshots/{name}-*.png");
}

/// Every text and text-field content the window shows right now (all screens' widgets in the tree, scrolled or not).
pub fn visible_texts(app: &App) -> Vec<String> {
    use iced_test::selector::Candidate;
    let mut ui = simulator(app.view());
    let mut texts = Vec::new();
    let _ = ui.find(|candidate: Candidate<'_>| -> Option<()> {
        match candidate {
            Candidate::Text { content, .. } => texts.push(content.to_string()),
            Candidate::TextInput { state, .. } => texts.push(state.text().to_string()),
            _ => {}
        }
        None
    });
    texts
}

/// A headless UI of `element` at a given window size (the smallest counter screen is 1024×768).
pub fn simulator_at<'a, M>(size: (f32, f32), element: impl Into<Element<'a, M, Theme, iced::Renderer>>) -> Simulator<'a, M, Theme, iced::Renderer> {
    let settings = iced::Settings {
        fonts: vec![theme::text::SANS_BYTES.into(), theme::text::SANS_BOLD_BYTES.into(), theme::text::MONO_BYTES.into()],
        default_font: theme::text::SANS,
        ..iced::Settings::default()
    };
    Simulator::with_size(settings, size, element)
}

/// Where the widget matching `selector` is drawn, if the whole of it is inside a `size` window and not
/// clipped by a scrollable (a field half under the status bar or scrolled away does not count).
pub fn wholly_visible<M, S>(ui: &mut Simulator<'_, M, Theme, iced::Renderer>, size: (f32, f32), selector: S) -> Option<iced::Rectangle>
where
    S: iced_test::selector::Selector + Send,
    S::Output: iced_test::selector::Bounded + Clone + Send,
{
    let target = ui.find(selector).ok()?;
    let (bounds, shown) = (iced_test::selector::Bounded::bounds(&target), iced_test::selector::Bounded::visible_bounds(&target)?);
    let window = iced::Rectangle::new(iced::Point::ORIGIN, iced::Size::new(size.0, size.1));
    let inside = shown.x >= -0.5 && shown.y >= -0.5 && shown.x + shown.width <= window.width + 0.5 && shown.y + shown.height <= window.height + 0.5;
    let whole = shown.width + 0.5 >= bounds.width && shown.height + 0.5 >= bounds.height;
    (inside && whole).then_some(shown)
}

/// The fixture's settings with the autopay key file in `keys` (outside the data dir, as the library demands),
/// so an enrolment seals its bank account without touching the tester's own config directory.
pub fn with_autopay_key(fixture: &mut Fixture, keys: &std::path::Path) {
    let mut settings = (*fixture.ctx.settings).clone();
    settings.autopay = Some(citytill::config::Autopay { key_file: keys.join("T01.autopaykey").display().to_string(), ..Default::default() });
    fixture.ctx.settings = Arc::new(settings);
}

/// Imports a BAI lockbox file (through `ops::lockbox`, as lee) of two items: 84.12 for 100200 and 10.00 for
/// the unknown account NOPE-77, which becomes exception L1-E1 of batch L1 (control 94.12 in 2 items).
pub fn import_lockbox(fixture: &Fixture) {
    let lines = [
        "1000000012345670210000212612020915".to_string(),
        "500100012345672612020".to_string(),
        format!("6001{:03}{:010}0210000211234567890{:>10}{:<20}", 1, 8412, "1001", "100200"),
        format!("6001{:03}{:010}0210000211234567890{:>10}{:<20}", 2, 1000, "1003", "NOPE-77"),
        format!("7001{:04}{:010}", 2, 9412),
        format!("81234567261202{:04}{:010}", 2, 9412),
        "9000001".to_string(),
    ];
    let bytes = (lines.join("\r\n") + "\r\n").into_bytes();
    let data_dir = fixture.ctx.data_dir.clone();
    let max = fixture.ctx.max_amount();
    let work = fixture.ctx.worker.run(move |ledger| {
        let template = citytill::ops::lockbox_file::LockboxTemplate::find("bai-lockbox", None, &data_dir).map_err(|e| citytill::Error::Invalid(e.into()))?;
        let file = template.read(&bytes, max).map_err(|e| citytill::Error::Invalid(e.into()))?;
        let lead = Actor { name: "lee".into(), role: Role::Lead };
        citytill::ops::lockbox::import(ledger, &lead, &template, "lockbox.txt", &file)
    });
    let imported = iced::futures::executor::block_on(work).unwrap();
    assert_eq!((imported.batch.as_str(), imported.items, imported.exceptions), ("L1", 1, 1));
}

/// The ledger thread kept busy on a job with its queue full behind it: every job asked for meanwhile is refused
/// at once as a failure ("already waiting"), as on a counter whose disk has stalled. `release` lets it go on.
pub struct FullQueue {
    worker: Worker,
    release: std::sync::mpsc::Sender<()>,
}

impl FullQueue {
    pub fn hold(worker: &Worker) -> FullQueue {
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let _busy = worker.run(move |_| {
            started.send(()).unwrap();
            held.recv().unwrap();
            Ok(())
        });
        running.recv().unwrap();
        for _ in 0..super::worker::QUEUE_LEN {
            let _queued = worker.run(|_| Ok(()));
        }
        FullQueue { worker: worker.clone(), release }
    }

    /// Lets the held job end and waits until the queue has room again.
    pub fn release(self) {
        self.release.send(()).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while iced::futures::executor::block_on(self.worker.run(|_| Ok(()))).is_err() {
            assert!(std::time::Instant::now() < deadline, "the ledger thread never went on");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
