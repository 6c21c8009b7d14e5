//! The `citytill` binary: the command line for admins and scripts, and the cashier window.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod bench;
mod bench_growth;
mod cli;
#[cfg(feature = "window")]
mod gui;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::context::{default_data_dir, Context};
use crate::cli::{Cli, Command};
use citytill::ops::demo;
use clap::Parser;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => open_window(cli.data_dir, false),
        Some(Command::Demo) => run_demo(cli.data_dir),
        Some(ref command) => {
            start_log(cli.data_dir.clone());
            let what = format!("{command:?}").split([' ', '(', '{']).next().unwrap_or_default().to_lowercase();
            let user = cli.user.clone().unwrap_or_default();
            let outcome = crate::cli::run(cli);
            // Clock warnings (journaled as clock_warning entries) are shown to whoever runs the command.
            for notice in citytill::ledger::clock::take_notices() {
                let _ = writeln!(std::io::stderr(), "citytill: warning: {notice}");
            }
            if outcome.is_ok() {
                tracing::info!(target: "citytill", "{what} by '{user}': done");
            }
            outcome
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output went away (`| head -1`): nothing more to say, and no one to say it to.
        Err(citytill::Error::StdoutClosed) => {
            tracing::info!(target: "citytill", "standard output closed by its reader");
            ExitCode::SUCCESS
        }
        Err(error) => {
            let code = error.exit_code();
            // The log gets the kind of refusal and the field, never the value given; the person at the
            // terminal gets the whole line, with any card number or control character taken out.
            tracing::warn!(target: "citytill", "command refused: {}", error.log_summary());
            // A closed or full standard error cannot be told about; it must not panic either.
            let _ = writeln!(std::io::stderr(), "citytill: {}", citytill::domain::card_data::redact(&error.to_string()));
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

/// Logs go to `citytill.log` in the data dir (only if it exists: a typo'd --data-dir creates nothing).
/// Messages never carry PINs or card data: the library never logs them.
fn start_log(data_dir: Option<std::path::PathBuf>) {
    let Some(dir) = data_dir.or_else(|| default_data_dir().ok()) else { return };
    if !dir.is_dir() {
        return;
    }
    let file = citytill::files::open_private_append(&dir.join("citytill.log"));
    if let Ok(file) = file {
        let _ = tracing_subscriber::fmt().with_writer(std::sync::Mutex::new(Redacting(file))).with_ansi(false).try_init();
    }
}

/// The log file's writer: every line passes `card_data::redact` on its way in, so whatever a message quotes
/// (a device's scanned line, a refused value) the log never holds a card number or a raw control character.
struct Redacting(std::fs::File);

impl std::io::Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let line = citytill::domain::card_data::redact(&String::from_utf8_lossy(buf));
        self.0.write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// `citytill demo`: the training city in its own data dir (`--data-dir`, or `<data dir>/demo`).
fn run_demo(data_dir: Option<std::path::PathBuf>) -> citytill::Result<()> {
    let dir = match data_dir {
        Some(dir) => dir,
        None => default_data_dir()?.join("demo"),
    };
    let ledger_path = dir.join(citytill::ledger::LEDGER_FILE);
    let (ledger, created) = demo::ensure(&dir, &ledger_path)?;
    start_log(Some(dir.clone()));
    crate::outln!("{}{}", if created { "Created a new " } else { "Reusing the " }, demo::welcome(&ledger, &dir)?)?;
    drop(ledger);
    open_window(Some(dir), true)
}

#[cfg(feature = "window")]
fn open_window(data_dir: Option<std::path::PathBuf>, demo: bool) -> citytill::Result<()> {
    let ctx = Context::new(data_dir, None, None, false)?;
    if !demo {
        start_log(Some(ctx.data_dir.clone()));
        ctx.open_ledger()?;
    }
    let launch = gui::Launch { data_dir: ctx.data_dir, settings: ctx.settings, demo };
    // `bench --journal-entries` times a cold start to the login screen this way (no display needed).
    if std::env::var_os(crate::bench_growth::BOOT_PROBE_ENV).is_some() {
        return gui::boot_probe(launch).map_err(|e| citytill::Error::Refused(e.into()));
    }
    gui::run(launch).map_err(|e| citytill::Error::Refused(e.into()))
}

#[cfg(not(feature = "window"))]
fn open_window(data_dir: Option<std::path::PathBuf>, _demo: bool) -> citytill::Result<()> {
    let ctx = Context::new(data_dir, None, None, false)?;
    Err(citytill::Error::Refused(format!("this citytill was built without the window (feature `window`); data dir {}", ctx.data_dir.display()).into()))
}
