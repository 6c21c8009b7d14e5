//! Fault-injection points for the attack tests: `CITYTILL_TEST_FAULT=<point>` makes the running process
//! fail at that named point, as a kill or a full disk would. Unset (always, at a counter), nothing happens.

use crate::error::{Error, Result};

/// The variable the tests set.
pub const VARIABLE: &str = "CITYTILL_TEST_FAULT";

/// At point `name`: `<name>:kill` aborts the process on the spot (like `kill -9`: no destructor, no
/// rollback of what is committed); `<name>:fail` returns the error a full disk would give.
pub fn point(name: &str) -> Result<()> {
    let Some(wanted) = std::env::var_os(VARIABLE) else { return Ok(()) };
    let wanted = wanted.to_string_lossy();
    match wanted.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')) {
        Some("kill") => std::process::abort(),
        Some("fail") => Err(Error::File { path: name.to_string(), message: "No space left on device (os error 28) [injected]".into() }),
        _ => Ok(()),
    }
}
