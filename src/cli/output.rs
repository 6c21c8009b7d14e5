//! Printing results: JSON for scripts (`--json`, stable keys) or short lines for people.

use crate::error::{Error, Result};

/// Prints `value` as pretty JSON.
pub fn json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Invariant(format!("json output: {e}")))?;
    println!("{text}");
    Ok(())
}
