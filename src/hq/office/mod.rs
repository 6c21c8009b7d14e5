//! Head office's own program on PostgreSQL: its schema and sync functions (`schema`, the `*_sql` migrations),
//! the admin commands (terminals, imports, exports), its reports (the day, the GL by fund, the finance office),
//! its verify and its bench. Nothing here
//! runs on a counter terminal.

pub mod admin;
pub mod amounts_sql;
pub mod autopay_export;
pub mod autopay_sql;
pub mod balances_sql;
pub mod bench;
pub mod finance;
pub mod finance_sql;
pub mod gl;
pub mod reports;
pub mod schema;
pub mod verify;
pub mod witness_sql;
