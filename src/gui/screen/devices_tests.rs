//! Devices screen tests against the simulators: status lines, test page, drawer kick, recorded scans.

use citytill_hardware::device::{DeviceEvent, DeviceKind, DeviceState, ScanData};
use citytill_hardware::status::PaperState;

use super::Message;
use crate::gui::app::{Message as AppMessage, Screen};
use crate::gui::devices::Devices;
use crate::gui::keys::Shortcut;
use crate::gui::testing::{assert_snapshot, fixture, fixture_with, send, signed_in, simulator};

// Proves F5 prints a test page on the simulated printer, F6 kicks the simulated drawer, and a scan is shown as the last line read.
#[test]
fn test_buttons_reach_the_simulated_devices() {
    let sim_dir = tempfile::tempdir().unwrap();
    let fixture = fixture_with(Devices::simulated(sim_dir.path()));
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Devices));
    send(&mut app, AppMessage::Shortcut(Shortcut::F5));
    assert!(app.devices.notice.as_deref().is_some_and(|n| n.starts_with("Test page queued")), "{:?}", app.devices.error);
    send(&mut app, AppMessage::Shortcut(Shortcut::F6));
    assert!(app.devices.notice.as_deref().is_some_and(|n| n.starts_with("Drawer kick queued")), "{:?}", app.devices.error);
    let simulators = fixture.ctx.devices.simulators.as_ref().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while (simulators.drawer().kicks == 0 || simulators.jobs_printed() == 0) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(simulators.drawer().kicks, 1);
    assert_eq!(simulators.jobs_printed(), 1);
    send(&mut app, AppMessage::Device(DeviceEvent::Data(ScanData::Unknown("HELLO-SCAN".into()))));
    send(&mut app, AppMessage::Go(Screen::Devices));
    send(&mut app, AppMessage::Devices(Message::ShowLine));
    assert_eq!(app.devices.notice.as_deref(), Some("Last line read: HELLO-SCAN"));
}

// Proves the screen lists every device kind, says "not configured" when none are, and matches its baseline.
#[test]
fn devices_view_without_devices() {
    let fixture = fixture();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Devices));
    send(&mut app, AppMessage::Shortcut(Shortcut::F6));
    assert_eq!(app.devices.error.as_deref(), Some("drawer: not configured — open it with the key"));
    let mut ui = simulator(app.view());
    for kind in ["printer", "drawer", "scanner", "counter"] {
        assert!(ui.find(kind).is_ok(), "{kind}");
    }
    assert_snapshot(&mut ui, &app.theme(), "devices_none");
}

// Proves a paper-out on the (simulated) printer is shown on the printer's row only: no other device's row speaks of
// paper, and the drawer's row says whether the drawer is open.
#[test]
fn paper_out_shows_on_the_printer_row_only() {
    let sim_dir = tempfile::tempdir().unwrap();
    let fixture = fixture_with(Devices::simulated(sim_dir.path()));
    let simulators = fixture.ctx.devices.simulators.as_ref().unwrap();
    simulators.apply(&citytill_hardware::sim::Action::PrinterPaperOut).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let printer = || fixture.ctx.devices.lines().into_iter().find(|l| l.kind == DeviceKind::Printer).unwrap();
    while printer().status.paper != PaperState::Out && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let lines = fixture.ctx.devices.lines();
    for line in &lines {
        let detail = super::detail(line);
        match line.kind {
            DeviceKind::Printer => assert!(detail.contains("paper out"), "printer row: {detail}"),
            DeviceKind::Drawer => assert!(!detail.contains("paper") && detail.contains("drawer"), "drawer row: {detail}"),
            _ => assert!(!detail.contains("paper") && !detail.contains("drawer"), "{} row: {detail}", line.kind.name()),
        }
    }
    // The window itself: the only texts on the Devices screen that speak of paper are the printer's.
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Device(DeviceEvent::Paper(PaperState::Out)));
    send(&mut app, AppMessage::Go(Screen::Devices));
    let texts = crate::gui::testing::visible_texts(&app);
    let paper: Vec<&String> = texts.iter().filter(|t| t.to_lowercase().contains("paper")).collect();
    assert!(paper.iter().any(|t| t.starts_with("paper out")), "{texts:?}");
    // The printer's row (summary and detail), its log sentence and its status-bar entry; nothing else.
    let printer_summary = printer().summary();
    assert!(paper.iter().all(|t| **t == printer_summary || t.starts_with("paper out") || t.starts_with("Printer") || t.starts_with("printer:")), "{paper:?}");
}

// Proves every kind of device event reads as a plain sentence in the log: no Rust debug syntax (braces, paths,
// `Some(`, enum names glued to parentheses).
#[test]
fn event_log_lines_are_sentences() {
    let events = [
        DeviceEvent::State { device: DeviceKind::Printer, state: DeviceState::Busy },
        DeviceEvent::State { device: DeviceKind::Scanner, state: DeviceState::Error },
        DeviceEvent::Online { device: DeviceKind::Counter },
        DeviceEvent::Offline { device: DeviceKind::Drawer, reason: "line closed".into() },
        DeviceEvent::InputRejected { device: DeviceKind::Scanner, reason: "not a MICR line".into() },
        DeviceEvent::JobCompleted { device: DeviceKind::Printer, job: 7 },
        DeviceEvent::JobFailed { device: DeviceKind::Printer, job: 8, reason: "paper out".into() },
        DeviceEvent::Paper(PaperState::Out),
        DeviceEvent::Paper(PaperState::NearEnd),
        DeviceEvent::Cover { open: true },
        DeviceEvent::Drawer { open: false },
        DeviceEvent::DrawerLeftOpen { open_for_ms: 65_000 },
    ];
    let mut screen = super::DevicesScreen::default();
    for event in &events {
        screen.record(event);
    }
    assert_eq!(screen.log.len(), events.len());
    for line in &screen.log {
        for debug in ["{", "}", "::", "Some(", "None", "Paper(", "State", "device:", "_"] {
            assert!(!line.contains(debug), "log line {line:?} contains {debug:?}");
        }
        assert!(line.chars().next().is_some_and(|c| c.is_uppercase()), "log line {line:?} is not a sentence");
    }
    assert!(screen.log.iter().any(|l| l.contains("Printer") && l.to_lowercase().contains("paper out")), "{:?}", screen.log);
}

// Proves F9 on the Devices screen writes the test pattern on the (simulated) customer display, and that it stays
// up although the counter's screen (the welcome) was sent before it; the display's row says "connected", never
// "ok" (a display cannot answer), and is not shown as a fault.
#[test]
fn f9_shows_the_test_pattern_on_the_customer_display() {
    let sim_dir = tempfile::tempdir().unwrap();
    let fixture = fixture_with(Devices::simulated(sim_dir.path()));
    let simulators = fixture.ctx.devices.simulators.as_ref().unwrap();
    let mut app = signed_in(&fixture, "ana", "1357");
    send(&mut app, AppMessage::Go(Screen::Devices));
    send(&mut app, AppMessage::Shortcut(Shortcut::F9));
    assert!(app.devices.notice.as_deref().is_some_and(|n| n.starts_with("Customer display test pattern queued")), "{:?}", app.devices.error);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while simulators.display().lines()[0] != "12345678901234567890" && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(simulators.display().lines(), ["12345678901234567890".to_string(), "Display test: 2 x 20".to_string()]);
    let display = fixture.ctx.devices.lines().into_iter().find(|l| l.kind == DeviceKind::Display).unwrap();
    assert_eq!(display.summary(), "connected");
    assert!(display.is_ok());
}
