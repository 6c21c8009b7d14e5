//! Head office: exactly-once sync of every terminal's journal to PostgreSQL, published reference data,
//! and the head-office commands (init, terminals, import, export, report, verify, bench). Two programs meet
//! here: `terminal` (the counter's sync client) and `office` (head office's server side); they share only the
//! connection, the errors, the settings and the wire protocol (`push_sql`). See docs/hq.md.
//!
//! Invariants: the terminal never deletes or edits its journal for sync (acknowledgements live in `meta`);
//! head office stores each (terminal, seq) once, recomputes every hash, and learns the terminal from the
//! login role, never from the request; no password ever appears in a message.

pub mod connect;
pub mod error;
pub mod office;
pub mod push_sql;
pub mod settings;
pub mod terminal;

pub use error::{HqError, HqResult};
pub use settings::HqSettings;
pub use terminal::client::{sync_once, SyncOutcome};
pub use terminal::status::SyncStatus;
pub use terminal::worker::SyncWorker;
