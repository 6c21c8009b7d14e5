//! Head office: exactly-once sync of every terminal's journal to PostgreSQL, published reference data,
//! and the head-office commands (init, terminals, import, export, report, verify, bench). See docs/hq.md.
//!
//! Invariants: the terminal never deletes or edits its journal for sync (acknowledgements live in `meta`);
//! head office stores each (terminal, seq) once, recomputes every hash, and learns the terminal from the
//! login role, never from the request; no password ever appears in a message.

pub mod admin;
pub mod amounts_sql;
pub mod autopay_export;
pub mod autopay_sql;
pub mod balances_sql;
pub mod bench;
pub mod client;
pub mod connect;
pub mod error;
pub mod pipeline;
pub mod push_sql;
pub mod reports;
pub mod schema;
pub mod settings;
pub mod status;
pub mod verify;
pub mod witness_sql;
pub mod worker;

pub use client::{sync_once, SyncOutcome};
pub use error::{HqError, HqResult};
pub use settings::HqSettings;
pub use status::SyncStatus;
pub use worker::SyncWorker;
