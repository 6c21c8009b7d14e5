//! The customer display over a real serial line (pty) and over TCP: a fake DM-D on the other end decodes what
//! arrives strictly by Epson's ESC/POS display commands (its own decoder, not the simulator's), and a display that
//! is not there never holds up the caller.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill_hardware::commands::wait_for;
use citytill_hardware::config::{DeviceEntry, DevicesConfig};
use citytill_hardware::device::{DeviceEvent, DeviceKind};
use citytill_hardware::display::{amount_line, DisplayLines};
use citytill_hardware::set::DeviceSet;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(5);

/// ESC @, US MD1, US C 0, ESC t 19: initialise, overwrite mode, cursor off, PC858 (the DM-D manual's commands).
const DMD_INIT: [u8; 10] = [0x1B, 0x40, 0x1F, 0x01, 0x1F, 0x43, 0x00, 0x1B, 0x74, 19];

/// What the fake DM-D understood: how often it was initialised, and each screen (upper, lower) it was sent.
#[derive(Default, Debug)]
struct Seen {
    inits: usize,
    screens: Vec<(String, String)>,
    /// Bytes it could not read as one of the expected commands (must stay empty).
    stray: Vec<u8>,
}

/// Decodes whole commands from the front of `buf`: the init sequence, or `HOM` + 20 characters + `US $ 1 2` + 20
/// characters. Returns how many bytes were used (0 = wait for more).
fn decode(buf: &[u8], seen: &mut Seen) -> usize {
    if buf.starts_with(&DMD_INIT) {
        seen.inits += 1;
        return DMD_INIT.len();
    }
    if buf.first() == Some(&0x0B) {
        if buf.len() < 45 {
            return 0;
        }
        let upper: String = buf[1..21].iter().map(|b| citytill_hardware::codepage::pc858_char(*b)).collect();
        if buf[21..25] != [0x1F, 0x24, 0x01, 0x02] {
            seen.stray.extend_from_slice(&buf[21..25]);
            return 25;
        }
        let lower: String = buf[25..45].iter().map(|b| citytill_hardware::codepage::pc858_char(*b)).collect();
        seen.screens.push((upper, lower));
        return 45;
    }
    if DMD_INIT.starts_with(buf) {
        return 0;
    }
    seen.stray.push(buf[0]);
    1
}

/// A fake DM-D on the master end of a pty; returns the slave's path, what it saw, and a stop flag.
fn fake_dmd() -> (String, Arc<Mutex<Seen>>, Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let (mut master, slave) = serialport::TTYPort::pair().unwrap();
    let path = serialport::SerialPort::name(&slave).unwrap();
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let handle = {
        let (seen, stop) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            let _keep_slave_open = slave;
            serialport::SerialPort::set_timeout(&mut master, Duration::from_millis(10)).unwrap();
            let mut pending = Vec::new();
            let mut buf = [0u8; 256];
            while !stop.load(Ordering::SeqCst) {
                if let Ok(n) = master.read(&mut buf) {
                    pending.extend_from_slice(&buf[..n]);
                    loop {
                        let used = decode(&pending, &mut seen.lock().unwrap());
                        if used == 0 {
                            break;
                        }
                        pending.drain(..used);
                    }
                }
            }
        })
    };
    (path, seen, stop, handle)
}

fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + BOUND;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

// Over a pty the display is initialised once, then each screen arrives as HOM + 20 characters + US $ 1 2 + 20
// characters, amounts right-aligned; a burst of 200 updates returns at once and ends with the newest screen shown
// (older ones may be skipped, never reordered); the test pattern's job completes and stays up (the screen asked
// for before it is not put back over it at once); the status is "unknown" (a
// display cannot answer), never "ok".
#[test]
fn dmd_over_a_pty_gets_the_manuals_bytes() {
    let (path, seen, stop, handle) = fake_dmd();
    let config = DevicesConfig { display: Some(DeviceEntry::new("epson-dm-d", &format!("serial:{path}?baud=9600"))), ..DevicesConfig::default() };
    let mut set = DeviceSet::open(&config);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let events = set.take_events();
    let display = set.display().unwrap();
    let status = display.wait_read(BOUND);
    assert!(status.read && status.online && status.unknown.is_some(), "{status:?}");
    assert_eq!(citytill_hardware::commands::summary(&status), format!("unknown: {}", citytill_hardware::display::SILENT));

    display.show(DisplayLines::new("Water 100200", amount_line("Due", "234.16"))).unwrap();
    assert!(wait_until(|| seen.lock().unwrap().screens.len() == 1), "{:?}", seen.lock().unwrap());
    assert_eq!(seen.lock().unwrap().screens[0], ("Water 100200        ".to_string(), "Due           234.16".to_string()));

    let started = Instant::now();
    for cents in 1..=200 {
        display.show(DisplayLines::new("Paid", amount_line("Due", &format!("{}.{:02}", cents / 100, cents % 100)))).unwrap();
    }
    // show() only replaces the newest screen: 200 of them take microseconds; a generous bound still tells
    // that apart from waiting on the display (each screen is ~50 bytes at 9600 baud, over a second for 200).
    assert!(started.elapsed() < Duration::from_millis(1000), "show() waited: {:?}", started.elapsed());
    assert!(wait_until(|| seen.lock().unwrap().screens.last().is_some_and(|s| s.1.ends_with("2.00"))));
    let job = display.test_pattern().unwrap();
    let outcome = wait_for(&events, BOUND, |e| match e {
        DeviceEvent::JobCompleted { device: DeviceKind::Display, job: j } if *j == job => Some(Ok(())),
        DeviceEvent::JobFailed { device: DeviceKind::Display, job: j, reason } if *j == job => Some(Err(reason.clone())),
        _ => None,
    });
    assert_eq!(outcome, Some(Ok(())));
    assert!(wait_until(|| seen.lock().unwrap().screens.last().is_some_and(|s| s.0 == "12345678901234567890")));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(seen.lock().unwrap().screens.last().unwrap().1, "Display test: 2 x 20");
    drop(set);
    stop.store(true, Ordering::SeqCst);
    handle.join().unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.inits, 1, "{seen:?}");
    assert!(seen.stray.is_empty(), "bytes outside the manual's commands: {:02x?}", seen.stray);
    let dues: Vec<&str> = seen.screens.iter().filter(|s| s.0.starts_with("Paid")).map(|s| s.1.trim_start_matches("Due").trim()).collect();
    let cents: Vec<u32> = dues.iter().map(|d| d.replace('.', "").parse().unwrap()).collect();
    assert!(cents.windows(2).all(|w| w[0] < w[1]), "screens out of order: {dues:?}");
    assert!(cents.len() <= 200);
}

// A display whose port cannot be reached (nothing listens on the TCP port) is reported offline with the reason,
// show() still returns at once, and the test pattern fails with that reason instead of hanging.
#[test]
fn unreachable_display_never_blocks() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let config = DevicesConfig { display: Some(DeviceEntry::new("cd5220", &format!("tcp:127.0.0.1:{port}"))), ..DevicesConfig::default() };
    let mut set = DeviceSet::open(&config);
    let events = set.take_events();
    let display = set.display().unwrap();
    let started = Instant::now();
    display.show(DisplayLines::new("Due", "1.00")).unwrap();
    assert!(started.elapsed() < Duration::from_millis(500), "show() waited on the unreachable display: {:?}", started.elapsed());
    let status = display.wait_read(BOUND);
    assert!(status.read && !status.online && status.last_error.as_deref().is_some_and(|e| e.contains(&port.to_string())), "{status:?}");
    let job = display.test_pattern().unwrap();
    let outcome = wait_for(&events, BOUND, |e| match e {
        DeviceEvent::JobFailed { device: DeviceKind::Display, job: j, reason } if *j == job => Some(reason.clone()),
        DeviceEvent::JobCompleted { device: DeviceKind::Display, job: j } if *j == job => Some("completed".into()),
        _ => None,
    });
    assert!(outcome.as_deref().is_some_and(|r| r.contains("cannot open") || r.contains("reconnect")), "{outcome:?}");
}

// The simulators' display (a pty) shows what the driver sends, as two lines, for `devices test display`, and
// writes them to display.txt for a trainer to watch.
#[test]
fn simulated_display_shows_the_test_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let sims = citytill_hardware::sim::Simulators::start(dir.path()).unwrap();
    let config = sims.config();
    assert_eq!(config.display.as_ref().map(|d| d.profile.as_str()), Some("epson-dm-d"));
    let result = citytill_hardware::commands::test_device(&config, DeviceKind::Display, 5000).unwrap();
    assert!(result.contains("test pattern written"), "{result}");
    assert!(wait_until(|| sims.display().lines()[0] == "12345678901234567890"), "{:?}", sims.display().lines());
    assert_eq!(sims.display().lines()[1], "Display test: 2 x 20");
    let file = std::fs::read_to_string(dir.path().join("display.txt")).unwrap();
    assert_eq!(file, "12345678901234567890\nDisplay test: 2 x 20\n");
}

/// The screens in CD5220 bytes (`ESC Q A` 20 characters CR `ESC Q B` 20 characters CR), and whether they began
/// with `ESC @` + `ESC _ 0` (initialise, cursor off).
fn cd5220_screens(bytes: &[u8]) -> (bool, Vec<(String, String)>) {
    let init = bytes.starts_with(&[0x1B, 0x40, 0x1B, 0x5F, 0x00]);
    let mut screens = Vec::new();
    let mut at = 0;
    while let Some(start) = bytes[at..].windows(3).position(|w| w == [0x1B, 0x51, 0x41]).map(|p| p + at) {
        let frame = &bytes[start..];
        if frame.len() < 48 {
            break;
        }
        assert_eq!((frame[23], &frame[24..27], frame[47]), (0x0D, &[0x1B, 0x51, 0x42][..], 0x0D), "not a CD5220 screen: {frame:02x?}");
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        screens.push((text(&frame[3..23]), text(&frame[27..47])));
        at = start + 48;
    }
    (init, screens)
}

/// Reads what arrives on `stream` until `done` accepts it (at most 5 s).
fn read_until(stream: &mut std::net::TcpStream, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    stream.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let deadline = Instant::now() + BOUND;
    let mut bytes = Vec::new();
    let mut buf = [0u8; 256];
    while !done(&bytes) && Instant::now() < deadline {
        if let Ok(n) = stream.read(&mut buf) {
            bytes.extend_from_slice(&buf[..n]);
        }
    }
    bytes
}

/// Accepts one connection within 5 s.
fn accept(listener: &std::net::TcpListener) -> std::net::TcpStream {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + BOUND;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                return stream;
            }
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("the display worker never connected: {e}"),
        }
    }
}

// A CD5220-mode display on TCP that goes away is reported offline; once it is back, the worker reconnects by
// itself, initialises it again and shows the newest screen asked for while it was gone (not a stale one).
#[test]
fn cd5220_over_tcp_comes_back_with_the_newest_screen() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let mut entry = DeviceEntry::new("cd5220", &format!("tcp:{address}"));
    (entry.timeouts.reconnect_initial_ms, entry.timeouts.reconnect_max_ms) = (50, 200);
    let set = DeviceSet::open(&DevicesConfig { display: Some(entry), ..DevicesConfig::default() });
    let display = set.display().unwrap();
    display.show(DisplayLines::new("Utility 100200", amount_line("Due", "5.00"))).unwrap();
    let mut first = accept(&listener);
    let bytes = read_until(&mut first, |b| !cd5220_screens(b).1.is_empty());
    assert_eq!(cd5220_screens(&bytes), (true, vec![("Utility 100200      ".to_string(), "Due             5.00".to_string())]));
    drop(first);
    drop(listener);
    let mut cents = 600;
    assert!(
        wait_until(|| {
            cents += 1;
            display.show(DisplayLines::new("Paid", amount_line("Due", &format!("{}.{:02}", cents / 100, cents % 100)))).unwrap();
            !display.status().online
        }),
        "still online after the display went away: {:?}",
        display.status()
    );
    display.show(DisplayLines::new("Change 1.00", "Thank you")).unwrap();
    let listener = std::net::TcpListener::bind(address).unwrap();
    let mut second = accept(&listener);
    let bytes = read_until(&mut second, |b| !cd5220_screens(b).1.is_empty());
    let (init, screens) = cd5220_screens(&bytes);
    assert!(init, "not initialised again: {bytes:02x?}");
    assert_eq!(screens, vec![("Change 1.00         ".to_string(), "Thank you           ".to_string())]);
    assert!(wait_until(|| display.status().online));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 500, ..proptest::prelude::ProptestConfig::default() })]

    // Any text, in either command set and character set, is shown exactly as fitted (20 columns, folded) by a
    // display decoding the bytes, and the encoder's output never carries a control byte outside its commands:
    // whatever is typed can never become a display command.
    #[test]
    fn any_text_round_trips_through_the_bytes(upper in "\\PC{0,40}", lower in "\\PC{0,40}", epson: bool, pc858: bool) {
        use citytill_hardware::display::{encode_init, encode_lines, Charset, CommandSet};
        let profile = citytill_hardware::profile::DisplayProfile {
            commands: if epson { CommandSet::Epson } else { CommandSet::Cd5220 },
            charset: if pc858 { Charset::Pc858 } else { Charset::Ascii },
            brightness: None,
        };
        let lines = DisplayLines::new(upper, lower);
        let bytes = encode_lines(&profile, &lines);
        let control = bytes.iter().filter(|b| **b < 0x20).count();
        // Epson: HOM, US and the 1, 2 of `US $ 1 2`; CD5220: ESC, CR twice.
        proptest::prop_assert_eq!(control, 4, "{:02x?}", bytes);
        let mut model = citytill_hardware::sim::DisplayModel::default();
        model.feed(&encode_init(&profile));
        model.feed(&bytes);
        let fitted = lines.fitted(profile.charset);
        proptest::prop_assert!(fitted.iter().all(|l| l.chars().count() == 20));
        proptest::prop_assert_eq!(model.lines(), fitted);
    }

    // The simulated display survives any bytes (a noisy line) and always shows two lines of 20 columns.
    #[test]
    fn simulated_display_survives_any_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
        let mut model = citytill_hardware::sim::DisplayModel::default();
        model.feed(&bytes);
        proptest::prop_assert!(model.lines().iter().all(|l| l.chars().count() == 20));
    }
}
