//! Printing results: JSON for scripts (`--json`, stable keys) or short lines for people.

use crate::error::{Error, Result};

/// Prints `value` as pretty JSON.
pub fn json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Invariant(format!("json output: {e}")))?;
    println!("{text}");
    Ok(())
}

/// JSON with `--json`, else the one line (or lines) of text meant for people.
pub fn say<T: serde::Serialize>(ctx: &crate::cli::context::Context, value: &T, text: &str) -> Result<()> {
    if ctx.json {
        json(value)
    } else {
        println!("{text}");
        Ok(())
    }
}
