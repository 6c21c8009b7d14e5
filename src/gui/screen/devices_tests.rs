//! Devices screen tests against the simulators: status lines, test page, drawer kick, recorded scans.

use citytill_hardware::device::{DeviceEvent, ScanData};

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
