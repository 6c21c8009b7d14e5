//! The layering ARCHITECTURE.md promises, checked on the source tree where the compiler cannot check it: the
//! arrows point inward (domain ← ledger ← ops ← cli / hq / gui), the window and the command line hold no SQL,
//! the domain does no I/O, the terminal's sync never reaches into head office's program, and the hardware
//! crate knows nothing of CityTill's ledger or window.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, with its text, except test modules (`*_tests.rs`, `tests.rs`, `testing.rs`):
/// tests may open a raw SQLite connection to tamper with a file, as an attacker would.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(".rs") && !name.ends_with("_tests.rs") && name != "tests.rs" && name != "testing.rs" {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

/// The code of `text` without comments (`//` to the end of the line), so a doc line may name what the code must not use.
fn code(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// Every (file, forbidden word) pair found under `dir`.
fn offences(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (path, text) in sources(&root().join(dir)) {
        let code = code(&text);
        for word in forbidden {
            if code.contains(word) {
                found.push(format!("{} uses `{word}`", path.strip_prefix(root()).unwrap_or(&path).display()));
            }
        }
    }
    found
}

/// Proves the window and the command line hold no SQL and no raw connection: they read through
/// `Ledger::read()` and the query functions, and change the ledger only through `ops`.
#[test]
fn the_window_and_the_command_line_hold_no_sql() {
    let forbidden = ["rusqlite", "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM", "execute(", ".append(", "w.conn()"];
    let mut found = offences("src/gui", &forbidden);
    found.extend(offences("src/cli", &forbidden));
    assert!(found.is_empty(), "{found:#?}");
}

/// Proves the domain does no I/O and knows no SQL, and points at nothing outside itself but `money`.
#[test]
fn the_domain_does_no_io_and_points_nowhere_outward() {
    let found = offences("src/domain", &["rusqlite", "std::fs", "std::net", "std::process", "crate::ledger", "crate::ops", "crate::reports", "crate::hq", "crate::config"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// Proves the ledger points only inward (at the domain), never at the operations, reports or sync above it.
#[test]
fn the_ledger_points_only_at_the_domain() {
    let found = offences("src/ledger", &["crate::ops", "crate::reports", "crate::hq", "crate::config"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// Proves the operations and reports never reach up into sync; and that the terminal's side of sync never
/// uses head office's program (the two share only `hq`'s connect, error, settings and wire protocol).
#[test]
fn operations_do_not_reach_up_and_the_terminal_does_not_use_head_office() {
    let mut found = offences("src/ops", &["crate::hq"]);
    found.extend(offences("src/reports", &["crate::hq"]));
    found.extend(offences("src/hq/terminal", &["office::", "hq::office"]));
    assert!(found.is_empty(), "{found:#?}");
}

/// Proves the hardware crate knows nothing of CityTill's ledger, SQL or window.
#[test]
fn hardware_knows_no_ledger_and_no_window() {
    let found = offences("hardware/src", &["citytill::", "iced", "crate::ledger"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// Proves the checks above can fail: a file that breaks a rule is found by the same scan.
#[test]
fn the_scan_finds_a_breach() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("screen")).unwrap();
    std::fs::write(dir.path().join("screen").join("bad.rs"), "//! A screen.\nfn f(c: &rusqlite::Connection) { c.execute(\"DELETE FROM journal\", []).ok(); }\n").unwrap();
    std::fs::write(dir.path().join("screen").join("bad_tests.rs"), "fn g() { rusqlite::Connection::open(\"x\").ok(); }\n").unwrap();
    let found: Vec<String> = sources(dir.path()).iter().filter(|(_, text)| code(text).contains("rusqlite")).map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(found, vec!["bad.rs".to_string()], "the breach is found; the test module is left to tamper");
}
