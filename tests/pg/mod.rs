//! Test harness: one throwaway PostgreSQL 15 cluster per test binary on 127.0.0.1 (shared by its tests,
//! one database each), stopped and deleted by a watcher process when the test binary exits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

pub mod proxy;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use citytill::hq::office::admin;
use citytill::hq::settings::HqSettings;
use citytill::ledger::journal::JournalRecord;

const ADMIN_PASSWORD: &str = "hq-admin-Pw9";
static CLUSTER: OnceLock<Option<Cluster>> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

/// A running cluster: admin role `postgres` (password auth over TCP), data under a temp dir.
pub struct Cluster {
    pub port: u16,
    pub dir: PathBuf,
    bin: PathBuf,
    as_postgres_user: bool,
}

/// The shared cluster, or None (with a plain message) when PostgreSQL is not installed.
/// `CITYTILL_REQUIRE_PG=1` (set by `.ci/run`) turns that skip into a failure.
pub fn cluster() -> Option<&'static Cluster> {
    CLUSTER.get_or_init(|| start_cluster().map(|c| c.expect("start the test PostgreSQL cluster"))).as_ref()
}

/// A cluster of this test binary's own, not shared (for tests that stop and restart the server).
pub fn own_cluster() -> Option<Cluster> {
    start_cluster().map(|c| c.expect("start the test PostgreSQL cluster"))
}

fn find_bin() -> Option<PathBuf> {
    let candidates = [std::env::var("CITYTILL_PG_BIN").ok(), Some("/usr/lib/postgresql/15/bin".to_string())];
    candidates.into_iter().flatten().map(PathBuf::from).find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
}

fn start_cluster() -> Option<Result<Cluster, String>> {
    let Some(bin) = find_bin() else {
        let message = "PostgreSQL binaries not found (looked in $CITYTILL_PG_BIN and /usr/lib/postgresql/15/bin): head-office tests SKIPPED";
        if std::env::var("CITYTILL_REQUIRE_PG").map(|v| v == "1").unwrap_or(false) {
            panic!("{message}, but CITYTILL_REQUIRE_PG=1 requires them");
        }
        eprintln!("SKIP: {message}");
        return None;
    };
    Some(Cluster::start(bin))
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command.stdin(Stdio::null()).output().map_err(|e| format!("{what}: {e}"))?;
    if !output.status.success() {
        return Err(format!("{what} failed: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)));
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

impl Cluster {
    fn start(bin: PathBuf) -> Result<Cluster, String> {
        let as_postgres_user = is_root();
        let dir = std::env::temp_dir().join(format!("citytill-pg-{}-{}", std::process::id(), NEXT_DB.fetch_add(1, Ordering::SeqCst)));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("pwfile"), ADMIN_PASSWORD).map_err(|e| e.to_string())?;
        if as_postgres_user {
            run(Command::new("chown").arg("-R").arg("postgres:postgres").arg(&dir), "chown")?;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let cluster = Cluster { port, dir, bin, as_postgres_user };
        let data = cluster.dir.join("data");
        run(
            cluster
                .tool("initdb")
                .args(["-U", "postgres", "-E", "UTF8", "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"])
                .arg(format!("--pwfile={}", cluster.dir.join("pwfile").display()))
                .arg("-D")
                .arg(&data),
            "initdb",
        )?;
        cluster.watch_for_exit();
        cluster.start_server()?;
        Ok(cluster)
    }

    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// Starts (or restarts) the server on the same port and data.
    pub fn start_server(&self) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} -c fsync=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=64MB",
            self.port,
            self.dir.display()
        );
        run(self.tool("pg_ctl").arg("-D").arg(self.dir.join("data")).arg("-l").arg(self.dir.join("log")).args(["-w", "-t", "60", "-o", &options, "start"]), "pg_ctl start")
    }

    /// Stops the server at once, as a crash would (in-flight transactions are rolled back at restart).
    pub fn crash(&self) -> Result<(), String> {
        run(self.tool("pg_ctl").arg("-D").arg(self.dir.join("data")).args(["-w", "-t", "60", "-m", "immediate", "stop"]), "pg_ctl stop")
    }

    /// A watcher outlives this process by a moment: it stops the server and deletes the data dir.
    fn watch_for_exit(&self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = if self.as_postgres_user {
            format!("runuser -u postgres -- {} -D {}/data -m immediate stop", pg_ctl.display(), self.dir.display())
        } else {
            format!("{} -D {}/data -m immediate stop", pg_ctl.display(), self.dir.display())
        };
        let script = format!("while kill -0 {} 2>/dev/null; do sleep 0.5; done; {stop} >/dev/null 2>&1; rm -rf {}", std::process::id(), self.dir.display());
        let _ = Command::new("sh").args(["-c", &script]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    }

    pub fn admin_url(&self, database: &str) -> String {
        format!("postgresql://postgres:{ADMIN_PASSWORD}@127.0.0.1:{}/{database}", self.port)
    }

    /// A fresh database with the head-office schema; returns its admin URL.
    pub fn fresh_hq(&self, name: &str) -> String {
        let database = format!("hq_{name}_{}", NEXT_DB.fetch_add(1, Ordering::SeqCst));
        let mut client = postgres::Client::connect(&self.admin_url("postgres"), postgres::NoTls).expect("admin connects");
        client.batch_execute(&format!("CREATE DATABASE {database}")).expect("create database");
        let url = self.admin_url(&database);
        let mut hq = admin_client(&url);
        admin::init(&mut hq).expect("hq init");
        url
    }
}

pub fn admin_client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("admin connects")
}

/// Registers `terminal` with a role unique to this database; returns the terminal's settings.
pub fn add_terminal(admin_url: &str, terminal: &str) -> HqSettings {
    let mut client = admin_client(admin_url);
    let database: String = client.query_one("SELECT current_database()", &[]).unwrap().get(0);
    let id = citytill::domain::ids::TerminalId::parse(terminal).unwrap();
    let role = format!("{}_{}", database, terminal.to_ascii_lowercase());
    let account = admin::add_terminal(&mut client, &id, Some(&role)).expect("add terminal");
    let port = admin_url.rsplit_once(':').unwrap().1.split('/').next().unwrap();
    let url = format!("postgresql://{role}:{}@127.0.0.1:{port}/{database}", account.password.unwrap());
    let mut settings = HqSettings::for_url(&url).unwrap();
    settings.connect_timeout_ms = 3_000;
    settings.statement_timeout_ms = 20_000;
    settings
}

/// A terminal ledger in its own temp dir.
pub fn ledger(terminal: &str) -> (tempfile::TempDir, citytill::ledger::Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = citytill::ledger::Ledger::create(&dir.path().join("ledger.sqlite"), &citytill::domain::ids::TerminalId::parse(terminal).unwrap()).unwrap();
    (dir, ledger)
}

/// Appends `count` simple entries (a drawer open, then cash drops and no-sales) in one transaction.
pub fn append_entries(ledger: &mut citytill::ledger::Ledger, count: usize) {
    use citytill::domain::events::Event;
    use citytill::Money;
    let start = ledger.last_seq().unwrap();
    ledger
        .write(|w| {
            for i in 0..count as i64 {
                let event = match start + i {
                    0 => Event::DrawerOpened { drawer_id: 1, cashier: "ana".into(), float: Money::from_cents(10_000), count: vec![] },
                    n if n % 3 == 0 => Event::NoSale { drawer_id: 1, reason: format!("change for the meter {n}") },
                    n => Event::CashDropped { drawer_id: 1, amount: Money::from_cents(100 + n) },
                };
                w.append(Some("ana"), None, &event)?;
            }
            Ok(())
        })
        .unwrap();
}

/// Every entry head office holds for `terminal`, in order, with postings.
pub fn hq_entries(admin_url: &str, terminal: &str) -> Vec<JournalRecord> {
    let mut client = admin_client(admin_url);
    let mut all = Vec::new();
    loop {
        let chunk = citytill::hq::office::verify::read_chunk(&mut client, terminal, all.last().map_or(0, |r: &JournalRecord| r.seq)).unwrap();
        if chunk.is_empty() {
            return all;
        }
        all.extend(chunk);
    }
}

/// Asserts head office holds exactly this ledger's journal: 0 missing, 0 duplicates, 0 gaps, same bytes.
pub fn assert_hq_equals_ledger(admin_url: &str, ledger: &citytill::ledger::Ledger) {
    let local = ledger.entries_after(0, usize::MAX >> 1).unwrap();
    let remote = hq_entries(admin_url, ledger.terminal().as_str());
    let mut client = admin_client(admin_url);
    let rows: i64 = client.query_one("SELECT count(*) FROM citytill.entries WHERE terminal = $1", &[&ledger.terminal().as_str()]).unwrap().get(0);
    let distinct: i64 = client.query_one("SELECT count(DISTINCT seq) FROM citytill.entries WHERE terminal = $1", &[&ledger.terminal().as_str()]).unwrap().get(0);
    assert_eq!(rows, local.len() as i64, "rows at head office vs entries in the ledger of {}", ledger.terminal());
    assert_eq!(distinct, rows, "duplicates at head office");
    assert_eq!(remote.len(), local.len(), "missing entries");
    for (expected, (l, r)) in (1..).zip(local.iter().zip(&remote)) {
        assert_eq!(r.seq, expected, "gap at head office");
        assert_eq!(l, r, "entry {} differs", l.seq);
    }
}

pub fn data_dir_of(dir: &tempfile::TempDir) -> &Path {
    dir.path()
}

/// Syncs a library ledger until nothing is pending and nothing new was pulled (a pull journals what it applies).
pub fn settle(ledger: &mut citytill::ledger::Ledger, settings: &HqSettings) {
    for _ in 0..5 {
        let outcome = citytill::hq::terminal::client::sync_once(ledger, settings).unwrap();
        if outcome.pulled_rows == 0 && outcome.pending == 0 {
            return;
        }
    }
    panic!("sync did not settle");
}
