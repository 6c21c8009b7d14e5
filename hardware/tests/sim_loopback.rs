//! The simulators as Windows runs them (serial devices stood in for by TCP ports on 127.0.0.1), exercised here on Linux.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::commands::{open_drawer, wait_for};
use citytill_hardware::config::DevicesConfig;
use citytill_hardware::counter_device::Counter;
use citytill_hardware::device::{DeviceEvent, DeviceKind, ScanData};
use citytill_hardware::scanner::Scanner;
use citytill_hardware::sim::{control, Lines, Simulators};
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(5);

// On loopback lines every device the app opens is a tcp: address (nothing names a pty), and devices.toml says so.
#[test]
fn loopback_config_names_no_pty() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start_on(dir.path(), Lines::Loopback).unwrap();
    let config = DevicesConfig::load(&dir.path().join("devices.toml")).unwrap();
    assert_eq!(config, sims.config());
    for kind in [DeviceKind::Printer, DeviceKind::Drawer, DeviceKind::Scanner, DeviceKind::Counter] {
        let entry = config.resolve(kind).unwrap();
        let spec = entry.transport.to_spec_string();
        assert!(spec.starts_with("tcp:127.0.0.1:"), "{kind:?}: {spec}");
    }
    assert!(sims.drawer_pty.is_empty() && sims.printer_pty.is_empty());
}

// A drawer on a loopback line opens on a kick and is seen open; a scan and a counter report injected through the
// control channel from "another process" reach the app's workers over TCP.
#[test]
fn drawer_scanner_counter_over_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let sims = Simulators::start_on(dir.path(), Lines::Loopback).unwrap();
    let config = sims.config();
    let (drawer, drawer_events, _) = open_drawer(&config).unwrap();
    let job = drawer.kick().unwrap();
    let done = wait_for(&drawer_events, BOUND, |e| match e {
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    });
    assert_eq!(done, Some(Ok(())));
    assert!(sims.drawer().open);

    let (_scanner, scans) = Scanner::open(&config.resolve(DeviceKind::Scanner).unwrap()).unwrap();
    let (_counter, counts) = Counter::open(&config.resolve(DeviceKind::Counter).unwrap()).unwrap();
    for events in [&scans, &counts] {
        assert!(wait_for(events, BOUND, |e| matches!(e, DeviceEvent::Online { .. }).then_some(())).is_some());
    }
    // The app's connection may still be in the listener's queue: retry the injection for a bounded while.
    let inject = |device: &str, action: &str| {
        let deadline = std::time::Instant::now() + BOUND;
        loop {
            match control(dir.path(), device, action) {
                Ok(answer) => return answer,
                Err(e) if std::time::Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("{device} {action}: {e}"),
            }
        }
    };
    inject("scanner", "micr \"T021000021T 1234567890U 0123\"");
    let scan = wait_for(&scans, BOUND, |e| matches!(e, DeviceEvent::Data(_)).then(|| e.clone()));
    assert!(matches!(&scan, Some(DeviceEvent::Data(ScanData::Micr(m))) if m.routing == "021000021" && m.account_last4 == "7890"), "{scan:?}");
    inject("counter", "report 20x5,10x3");
    let report = wait_for(&counts, BOUND, |e| match e {
        DeviceEvent::CounterReport(r) => Some(r.total_cents),
        _ => None,
    });
    assert_eq!(report, Some(13000));
}
