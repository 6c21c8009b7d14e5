//! APG SerialPRO-style serial drawer over a real serial line (pty): BEL opens it, the switch is read from a modem
//! line (stood in for by a fake sensor, since a pty has no modem lines), and kicks wait for the solenoid's charge.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::commands::wait_for;
use citytill_hardware::config::{DeviceEntry, DevicesConfig};
use citytill_hardware::device::{DeviceEvent, DeviceKind};
use citytill_hardware::drawer::{DrawerSensor, SerialDrawer};
use citytill_hardware::transport::{Link, TransportError};
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(5);

/// The drawer switch on CTS, as the fake controller sets it (a pty cannot carry CTS).
struct FakeModemLine(Arc<AtomicBool>);

impl DrawerSensor for FakeModemLine {
    fn sensor_high(&mut self, _link: &mut dyn Link, _timeout: Duration) -> Result<bool, TransportError> {
        Ok(self.0.load(Ordering::SeqCst))
    }
}

fn job_result(events: &std::sync::mpsc::Receiver<DeviceEvent>, job: u64) -> Option<Result<(), String>> {
    wait_for(events, BOUND, |e| match e {
        DeviceEvent::JobCompleted { job: j, .. } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { job: j, reason, .. } if *j == job => Some(Err(reason.clone())),
        _ => None,
    })
}

// A kick sent right after the port opens waits out the first charge (here 800 ms for APG's 12 s) before BEL goes
// out, a second kick waits out the recharge (400 ms for 6 s) instead of being lost, a third while that one waits is
// refused with a clear message, and the line carries only the two BELs — no status query, the switch is read from
// the modem line.
#[test]
fn apg_drawer_waits_for_charge_and_reads_switch_from_modem_line() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("apg.toml");
    let text = include_str!("../profiles/drawer-apg-serialpro.toml").replace("charge_first_ms = 12000", "charge_first_ms = 800").replace("charge_between_ms = 6000", "charge_between_ms = 400");
    std::fs::write(&profile, text).unwrap();
    let (mut master, slave) = serialport::TTYPort::pair().unwrap();
    let path = serialport::SerialPort::name(&slave).unwrap();
    let switch = Arc::new(AtomicBool::new(false));
    let received: Arc<Mutex<Vec<(Instant, u8)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let controller = {
        let (switch, received, stop) = (switch.clone(), received.clone(), stop.clone());
        std::thread::spawn(move || {
            let _keep_slave_open = slave;
            serialport::SerialPort::set_timeout(&mut master, Duration::from_millis(10)).unwrap();
            let mut buf = [0u8; 16];
            while !stop.load(Ordering::SeqCst) {
                if let Ok(n) = master.read(&mut buf) {
                    for byte in &buf[..n] {
                        received.lock().unwrap().push((Instant::now(), *byte));
                        if *byte == 0x07 {
                            switch.store(true, Ordering::SeqCst);
                        }
                    }
                }
            }
        })
    };
    let mut entry = DeviceEntry::new(profile.to_str().unwrap(), &format!("serial:{path}"));
    entry.timeouts.poll_interval_ms = 50;
    let config = DevicesConfig { drawer: Some(entry), ..DevicesConfig::default() };
    let started = Instant::now();
    let (drawer, events) = SerialDrawer::open_with_sensor(&config.resolve(DeviceKind::Drawer).unwrap(), Box::new(FakeModemLine(switch.clone()))).unwrap();
    assert_eq!(wait_for(&events, BOUND, |e| matches!(e, DeviceEvent::Drawer { .. }).then(|| e.clone())), Some(DeviceEvent::Drawer { open: false }));

    let first = drawer.kick().unwrap();
    assert_eq!(job_result(&events, first), Some(Ok(())));
    switch.store(false, Ordering::SeqCst);
    let second = drawer.kick().unwrap();
    let third = drawer.kick().unwrap();
    let refused = job_result(&events, third).unwrap().unwrap_err();
    assert!(refused.starts_with("drawer still charging (ready in ") && refused.ends_with("one open is already waiting: the drawer opens once"), "{refused}");
    assert_eq!(job_result(&events, second), Some(Ok(())));
    stop.store(true, Ordering::SeqCst);
    controller.join().unwrap();

    let received = received.lock().unwrap().clone();
    assert_eq!(received.iter().map(|(_, b)| *b).collect::<Vec<u8>>(), vec![0x07, 0x07], "only BELs on the line");
    let first_bel = received[0].0.duration_since(started);
    let recharge = received[1].0.duration_since(received[0].0);
    assert!(first_bel >= Duration::from_millis(800), "first BEL after {first_bel:?}: before the first charge");
    assert!(recharge >= Duration::from_millis(400), "second BEL {recharge:?} after the first: before the recharge");
}
