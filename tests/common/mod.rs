//! Test harness: a throwaway city in a temp dir, driven through the real `citytill` binary, plus a
//! `check` helper that asserts exit status and output in one line per case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// PINs used by the harness's users (supervisors and admins need at least 6 characters).
pub const ADMIN_PIN: &str = "246810";
pub const PIN: &str = "135790";

pub struct City {
    pub dir: tempfile::TempDir,
}

/// What a command did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl City {
    /// A new terminal T01 with admin `boss`, cashiers `ana` and `ben`, lead `lee`, supervisor `sam`,
    /// the fee schedule and a few payables.
    pub fn new() -> City {
        City::terminal("T01")
    }

    /// `City::new` as terminal `id`.
    pub fn terminal(id: &str) -> City {
        let city = City { dir: tempfile::tempdir().expect("temp dir") };
        city.ok(&["init", "--terminal", id, "--admin", "boss"], &[("CITYTILL_NEW_PIN", ADMIN_PIN)]);
        for (name, role) in [("ana", "cashier"), ("ben", "cashier"), ("lee", "lead"), ("sam", "supervisor"), ("sue", "supervisor")] {
            city.ok(&["user", "add", name, "--role", role, "--user", "boss"], &[("CITYTILL_PIN", ADMIN_PIN), ("CITYTILL_NEW_PIN", PIN)]);
        }
        city.write(
            "payables.csv",
            "kind,number,name,address,status,balance\n\
             utility,100200-01,Maria Garcia,12 Oak Ave,active,84.12\n\
             utility,100300-02,James Smith,400 Main St,delinquent,250.00\n\
             license,BL-0000042,Rossi Bakery,9 Main St,active,120.00\n\
             citation,PC00001234,Linh Nguyen,77 River Rd,active,45.00\n\
             permit,BP-0000007,Okafor Plumbing,3 Elm St,closed,0.00\n",
        );
        city.as_user("boss", ADMIN_PIN).args(&["import", "payables", &city.path("payables.csv")]).expect_ok();
        city.write("fees.csv", "code,description,amount,gl_account\nNSF,Returned check fee,25.00,4610\nDOG,Dog license,15.00,4210\nMISC,Miscellaneous,,4900\n");
        city.as_user("boss", ADMIN_PIN).args(&["import", "fees", &city.path("fees.csv")]).expect_ok();
        city
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The city's PIN key file (outside the data dir).
    pub fn pin_key_file(&self) -> PathBuf {
        self.dir.path().join("keys").join("pin.key")
    }

    pub fn ledger(&self) -> PathBuf {
        self.data().join("ledger.sqlite")
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join(name), text).expect("write fixture");
    }

    /// Runs citytill with `args` and extra environment, no user.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_citytill"));
        command
            .arg("--data-dir")
            .arg(self.data())
            .args(args)
            .env_remove("CITYTILL_USER")
            .env_remove("CITYTILL_PIN")
            .env_remove("CITYTILL_APPROVER_PIN")
            .env_remove("CITYTILL_DATA_DIR")
            .env_remove("CITYTILL_NOW");
        // The PIN key lives beside the data dir, not in it (as IT would keep it outside backups).
        command.env("CITYTILL_PIN_KEY_FILE", self.pin_key_file());
        for (key, value) in env {
            command.env(key, value);
        }
        let output: Output = command.output().expect("run citytill");
        Run { code: output.status.code().unwrap_or(-1), stdout: String::from_utf8_lossy(&output.stdout).into_owned(), stderr: String::from_utf8_lossy(&output.stderr).into_owned() }
    }

    pub fn ok(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let run = self.run(args, env);
        assert_eq!(run.code, 0, "citytill {args:?} failed: {}{}", run.stdout, run.stderr);
        run
    }

    /// A command builder acting as `user` with `pin`.
    pub fn as_user<'a>(&'a self, user: &str, pin: &str) -> Call<'a> {
        Call { city: self, args: vec!["--user".into(), user.into()], env: vec![("CITYTILL_PIN".into(), pin.into())] }
    }

    /// Cashier ana with an open drawer holding a 170.00 float.
    pub fn ana_with_drawer(&self) {
        self.as_user("ana", PIN).args(&["drawer", "open", "--float", "170.00", "--count", "20x5,10x3,5x4,1x10,0.25x40"]).expect_ok();
    }

    /// Reads one number from the ledger with plain SQL (tests look behind the app's back).
    pub fn sql_i64(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.ledger()).expect("open ledger");
        conn.query_row(sql, [], |r| r.get(0)).expect(sql)
    }

    pub fn journal_len(&self) -> i64 {
        self.sql_i64("SELECT COUNT(*) FROM journal")
    }
}

pub struct Call<'a> {
    city: &'a City,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Call<'_> {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    pub fn approver(mut self, name: &str, pin: &str) -> Self {
        self.args.extend(["--approver".to_string(), name.to_string()]);
        self.env.push(("CITYTILL_APPROVER_PIN".into(), pin.into()));
        self
    }

    pub fn run(self) -> Run {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.city.run(&args, &env)
    }

    pub fn expect_ok(self) -> Run {
        let args = self.args.clone();
        let run = self.run();
        assert_eq!(run.code, 0, "citytill {args:?} failed: {}{}", run.stdout, run.stderr);
        run
    }

    /// Asserts the command is refused with a message containing `needle`, and that nothing was journaled
    /// (beyond `audit_entries` audit records such as a failed login or refused approval).
    pub fn expect_refused(self, needle: &str, audit_entries: i64) -> Run {
        let city = self.city;
        let before = if city.ledger().exists() { city.journal_len() } else { 0 };
        let args = self.args.clone();
        let run = self.run();
        assert_ne!(run.code, 0, "citytill {args:?} should have been refused: {}", run.stdout);
        assert!(run.stderr.contains(needle), "citytill {args:?}: expected '{needle}' in: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "one clear line expected: {}", run.stderr);
        if city.ledger().exists() {
            assert_eq!(city.journal_len(), before + audit_entries, "citytill {args:?} wrote to the journal");
        }
        run
    }
}

/// The 13–19 digit Luhn-valid runs (full card numbers) in `bytes`. The ledger's SHA-256 hashes are 64
/// lower-case hex digits, and a digit run inside one is chance (one hash in about 230 holds a 13–19 digit
/// Luhn-valid run, so a test ledger of a few dozen entries does about one time in ten): such runs are passed
/// over. A row's text columns lie side by side in SQLite's file, so a hash can touch other hex: prev_hash and
/// hash (128 hex), or a PIN hash whose base64 happens to end in `0-9a-f` just before the user's `pin_commit`
/// (65–67 hex). So in a hex run of 64 or more, only what is not a whole 64-hex block at either end is
/// scanned: the first and the last `length % 64` characters.
pub fn find_card_numbers(bytes: &[u8]) -> Vec<String> {
    let mut text = Vec::with_capacity(bytes.len());
    let mut start = 0;
    while start < bytes.len() {
        let hex = bytes[start..].iter().take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(*b)).count();
        if hex >= 64 {
            // The leading and trailing `rest` characters, each scanned on its own; the hashes between are not.
            let rest = hex % 64;
            text.extend_from_slice(&bytes[start..start + rest]);
            text.push(b' ');
            text.extend_from_slice(&bytes[start + hex - rest..start + hex]);
            text.push(b' ');
        } else {
            text.extend_from_slice(&bytes[start..start + hex.max(1)]);
        }
        start += hex.max(1);
    }
    let mut found = Vec::new();
    let mut run = String::new();
    for &b in text.iter().chain(std::iter::once(&b' ')) {
        if b.is_ascii_digit() {
            run.push(b as char);
            continue;
        }
        if (13..=19).contains(&run.len()) && luhn(&run) {
            found.push(run.clone());
        }
        run.clear();
    }
    found
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

pub fn read_all(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

impl Call<'_> {
    /// Sets an environment variable for this call.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Replaces the acting user's PIN for this call.
    pub fn env_pin(mut self, pin: &str) -> Self {
        self.env.retain(|(k, _)| k != "CITYTILL_PIN");
        self.env.push(("CITYTILL_PIN".into(), pin.into()));
        self
    }
}
