//! Printing results: JSON for scripts (`--json`, stable keys) or short lines for people. Every byte the
//! command writes to standard output goes through `write`, which never panics: a reader that went away
//! (`citytill ... | head -1`) ends the command quietly, a full disk is one clear error.

use std::io::Write;

use citytill::error::{Error, Result};

/// Writes `bytes` to standard output and flushes them.
pub fn write(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(stdout_error)
}

/// A failed write to standard output as an error: `StdoutClosed` when the reader went away.
pub fn stdout_error(error: std::io::Error) -> Error {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        Error::StdoutClosed
    } else {
        Error::File { path: "standard output".into(), message: format!("could not write: {error}") }
    }
}

/// `println!` through `write`: evaluates to `Result<()>`.
#[macro_export]
macro_rules! outln {
    () => { $crate::cli::output::write(b"\n") };
    ($($arg:tt)*) => { $crate::cli::output::write(format!("{}\n", format_args!($($arg)*)).as_bytes()) };
}

/// `print!` through `write`: evaluates to `Result<()>`.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::write(format!($($arg)*).as_bytes()) };
}

/// Prints `value` as pretty JSON.
pub fn json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Invariant(format!("json output: {e}")))?;
    crate::outln!("{text}")
}

/// JSON with `--json`, else the one line (or lines) of text meant for people.
pub fn say<T: serde::Serialize>(ctx: &crate::cli::context::Context, value: &T, text: &str) -> Result<()> {
    if ctx.json {
        json(value)
    } else {
        crate::outln!("{text}")
    }
}
