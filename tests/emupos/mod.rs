//! Test harness for the outside oracle: emupos (PyPI, an ESC/POS receipt printer + cash drawer emulator that
//! renders what it receives and answers DLE EOT / GS r from its own fault state) started on a TCP port and a pty,
//! with its control API for faults and the drawer, its rendered receipts read back in completion order, and a
//! recording TCP proxy that can raise a fault part-way through a job.
//!
//! The interpreter: `CITYTILL_EMUPOS_PYTHON` (a Python >= 3.13 with `emupos` and `python-escpos` installed), else
//! `<target dir>/emupos-venv/bin/python3` (where `.ci/run` makes it), else `python3.13` on PATH. None found: the
//! tests say so and pass, unless `CITYTILL_REQUIRE_EMUPOS=1` (set by `.ci/run` once its install worked).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// emupos's printer id in the config this harness writes.
pub const DEVICE: &str = "front";
/// Longest wait for emupos to start or to render a job.
pub const START_LIMIT: Duration = Duration::from_secs(30);

fn usable(python: &Path) -> bool {
    Command::new(python).args(["-c", "import sys, emupos, escpos; sys.exit(0 if sys.version_info >= (3, 13) else 1)"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// A Python >= 3.13 with emupos and python-escpos, or None with the skip message printed (a panic when
/// `CITYTILL_REQUIRE_EMUPOS=1`).
pub fn python() -> Option<PathBuf> {
    let target = Path::new(env!("CARGO_BIN_EXE_citytill")).parent().and_then(Path::parent).map(|t| t.join("emupos-venv/bin/python3"));
    let candidates = [std::env::var_os("CITYTILL_EMUPOS_PYTHON").map(PathBuf::from), target, Some(PathBuf::from("python3.13"))];
    if let Some(found) = candidates.into_iter().flatten().find(|p| usable(p)) {
        return Some(found);
    }
    let message = "emupos oracle skipped: no Python 3.13 with emupos; set CITYTILL_EMUPOS_PYTHON";
    if std::env::var("CITYTILL_REQUIRE_EMUPOS").is_ok_and(|v| v == "1") {
        panic!("{message} (CITYTILL_REQUIRE_EMUPOS=1 requires it)");
    }
    eprintln!("{message}");
    None
}

/// One receipt emupos finished: its text dump and what ended it (`cut`, `connection-closed`, `idle-timeout`).
#[derive(Debug, Clone)]
pub struct Printed {
    pub id: String,
    pub text: String,
    pub boundary: String,
}

/// A running emupos, killed (by its process id) and waited for when dropped.
pub struct Emupos {
    child: Child,
    pub dir: tempfile::TempDir,
    pub python: PathBuf,
    pub tcp_port: u16,
    pub api_port: u16,
    /// The pty emupos publishes for the printer (a symlink to /dev/pts/N).
    pub pty: PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Emupos {
    /// emupos with one Epson TM-T20III-profile printer (576 dots, drawer sensor HIGH when open) on TCP and on a
    /// pty; jobs end only at a cut or when a connection closes (idle timeout 10 min). None: skipped.
    pub fn start() -> Option<Emupos> {
        let python = python()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let (tcp_port, api_port) = (free_port(), free_port());
        let config = format!(
            "schema: 1\napi: {{ host: 127.0.0.1, port: {api_port} }}\ndevices:\n  - id: {DEVICE}\n    type: printer\n    profile: epson-tm-t20iii\n    connections:\n      - tcp: {{ host: 127.0.0.1, port: {tcp_port} }}\n      - serial: {{ pty: true, link: {DEVICE} }}\n    job_idle_timeout_ms: 600000\n    receipts_dir: ./receipts\n"
        );
        std::fs::write(dir.path().join("emupos.yaml"), config).expect("write emupos.yaml");
        let log = std::fs::File::create(dir.path().join("run.log")).expect("run.log");
        let child = Command::new(&python)
            .args(["-c", "import sys; from emupos.cli.app import main; sys.argv[0] = 'emupos'; sys.exit(main())", "run", "--config"])
            .arg(dir.path().join("emupos.yaml"))
            .current_dir(dir.path())
            // The pty's link goes to $TMPDIR/emupos/front: keep it in this run's folder.
            .env("TMPDIR", dir.path())
            .env("COLUMNS", "400")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start emupos");
        let pty = dir.path().join("emupos").join(DEVICE);
        let mut emupos = Emupos { child, dir, python, tcp_port, api_port, pty };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = emupos.child.try_wait() {
                panic!("emupos exited ({status}) at start: {}", emupos.log());
            }
            if emupos.pty.exists() && emupos.http("GET", "/api/v1/devices").is_some_and(|(code, _)| code == 200) {
                return Some(emupos);
            }
            assert!(started.elapsed() < START_LIMIT, "emupos did not start within {START_LIMIT:?}: {}", emupos.log());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// emupos's own event lines (connections, jobs, unknown commands, drawer).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("run.log")).unwrap_or_default()
    }

    /// Bytes emupos skipped as unknown commands (from its `printer.command.unknown` events).
    pub fn unknown_commands(&self) -> Vec<String> {
        self.log().lines().filter(|l| l.contains("printer.command.unknown")).map(str::to_string).collect()
    }

    /// One plain HTTP/1.1 request to the control API: (status code, body). None when it cannot be reached.
    pub fn http(&self, method: &str, path: &str) -> Option<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.api_port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(stream, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        let code = answer.split_whitespace().nth(1)?.parse().ok()?;
        Some((code, answer.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default()))
    }

    fn act(&self, method: &str, path: &str) {
        let answer = self.http(method, path);
        assert!(answer.as_ref().is_some_and(|(code, _)| *code == 204), "emupos {method} {path}: {answer:?}");
    }

    /// Raises (`on`) or clears one of emupos's faults: paper-near-end, paper-out, cover-open, offline.
    pub fn fault(&self, fault: &str, on: bool) {
        self.act(if on { "PUT" } else { "DELETE" }, &format!("/api/v1/devices/{DEVICE}/faults/{fault}"));
    }

    /// Pushes the drawer shut (emupos's drawer opens on a kick and stays open until then).
    pub fn close_drawer(&self) {
        self.act("POST", &format!("/api/v1/devices/{DEVICE}/drawer/close"));
    }

    /// emupos's own view of the printer: {"faults": [...], "drawer": "open"|"closed"}.
    pub fn state(&self) -> serde_json::Value {
        let (_, body) = self.http("GET", &format!("/api/v1/devices/{DEVICE}")).expect("emupos state");
        serde_json::from_str::<serde_json::Value>(&body).map(|v| v["state"].clone()).unwrap_or_else(|e| panic!("emupos state ({e}): {body}"))
    }

    /// Every receipt finished so far, in the order emupos finished them (its `printer.job.completed` events).
    pub fn receipts(&self) -> Vec<Printed> {
        let receipts = self.dir.path().join("receipts");
        self.log()
            .lines()
            .filter(|l| l.contains("printer.job.completed"))
            .filter_map(|l| l.rsplit(' ').next())
            .map(|id| {
                let meta: serde_json::Value = std::fs::read_to_string(receipts.join(format!("{id}.json"))).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
                Printed { id: id.to_string(), text: std::fs::read_to_string(receipts.join(format!("{id}.txt"))).unwrap_or_default(), boundary: meta["boundary"].as_str().unwrap_or("?").to_string() }
            })
            .collect()
    }

    /// The receipts after the first `seen`, once there are at least `count` of them (bounded wait).
    pub fn wait_receipts(&self, seen: usize, count: usize) -> Vec<Printed> {
        let started = Instant::now();
        loop {
            let all = self.receipts();
            if all.len() >= seen + count || started.elapsed() > START_LIMIT {
                return all.into_iter().skip(seen).collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Emupos {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // `EMUPOS_KEEP=1` keeps emupos's folder (its config, run.log and rendered receipts) to look at after a run.
        if std::env::var_os("EMUPOS_KEEP").is_some() {
            if let Ok(spare) = tempfile::tempdir() {
                eprintln!("emupos folder kept: {}", std::mem::replace(&mut self.dir, spare).keep().display());
            }
        }
    }
}

/// A serial line in front of emupos's pty (tests/emupos/pty_relay.py) that raises a fault once `after` bytes came
/// from CityTill; the relay process is killed when this is dropped.
pub struct PtyRelay {
    child: Child,
    /// The pty CityTill opens (`serial:PATH`).
    pub path: String,
}

impl Emupos {
    pub fn pty_relay(&self, after: usize, fault: &str) -> PtyRelay {
        let out = self.dir.path().join(format!("relay-{}.path", free_port()));
        let script = format!("{}/tests/emupos/pty_relay.py", env!("CARGO_MANIFEST_DIR"));
        let child = Command::new(&self.python)
            .arg(script)
            .arg(&self.pty)
            .args([self.api_port.to_string(), after.to_string(), fault.to_string()])
            .arg(&out)
            .stdin(Stdio::null())
            .spawn()
            .expect("start the pty relay");
        let mut relay = PtyRelay { child, path: String::new() };
        let started = Instant::now();
        while relay.path.is_empty() {
            relay.path = std::fs::read_to_string(&out).unwrap_or_default();
            assert!(started.elapsed() < START_LIMIT, "the pty relay did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        relay
    }
}

impl Drop for PtyRelay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fault to raise through emupos's control API once `after` bytes of one connection have gone through.
pub struct Trigger {
    pub after: usize,
    pub fault: &'static str,
}

#[derive(Default)]
struct Shared {
    /// Bytes from the client, one entry per connection, in order.
    sent: Vec<Vec<u8>>,
    trigger: Option<Trigger>,
}

/// A TCP proxy in front of emupos that records what each connection sent and can raise a fault part-way:
/// the bytes up to the trigger go through, then the fault is raised (and acknowledged) before the rest goes.
pub struct Proxy {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
}

impl Proxy {
    pub fn start(emupos: &Emupos) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
        let port = listener.local_addr().expect("proxy addr").port();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (upstream, api_port, accept_shared) = (emupos.tcp_port, emupos.api_port, Arc::clone(&shared));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else { continue };
                let index = {
                    let mut shared = accept_shared.lock().unwrap();
                    shared.sent.push(Vec::new());
                    shared.sent.len() - 1
                };
                let (mut from_server, mut to_client) = (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    while let Ok(n @ 1..) = from_server.read(&mut buf) {
                        if to_client.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to_client.shutdown(Shutdown::Both);
                });
                let connection_shared = Arc::clone(&accept_shared);
                std::thread::spawn(move || forward(client, server, index, api_port, &connection_shared));
            }
        });
        Proxy { port, shared }
    }

    /// Raise `fault` once `after` more bytes have gone through one connection.
    pub fn arm(&self, after: usize, fault: &'static str) {
        self.shared.lock().unwrap().trigger = Some(Trigger { after, fault });
    }

    /// What each connection sent so far.
    pub fn sent(&self) -> Vec<Vec<u8>> {
        self.shared.lock().unwrap().sent.clone()
    }
}

fn forward(mut client: TcpStream, mut server: TcpStream, index: usize, api_port: u16, shared: &Mutex<Shared>) {
    let mut buf = [0u8; 4096];
    let mut counted = 0usize;
    while let Ok(n @ 1..) = client.read(&mut buf) {
        let mut chunk = &buf[..n];
        let fire = {
            let mut state = shared.lock().unwrap();
            match &state.trigger {
                Some(t) if counted + chunk.len() > t.after => {
                    let split = t.after.saturating_sub(counted);
                    let fault = t.fault;
                    state.trigger = None;
                    Some((split, fault))
                }
                _ => None,
            }
        };
        if let Some((split, fault)) = fire {
            let (head, tail) = chunk.split_at(split);
            if server.write_all(head).is_err() {
                break;
            }
            shared.lock().unwrap().sent[index].extend_from_slice(head);
            // emupos handles the API call and the print connection on one event loop: give it the head first.
            std::thread::sleep(Duration::from_millis(100));
            raise(api_port, fault);
            chunk = tail;
        }
        counted += chunk.len();
        shared.lock().unwrap().sent[index].extend_from_slice(chunk);
        if server.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = server.shutdown(Shutdown::Write);
}

fn raise(api_port: u16, fault: &str) {
    if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", api_port)) {
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = write!(stream, "PUT /api/v1/devices/{DEVICE}/faults/{fault} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
    }
}

/// How many times `needle` occurs in `haystack`.
pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}
