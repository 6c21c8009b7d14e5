//! The terminal's side of head office: the sync client that pushes this ledger's journal exactly once
//! (`client`, `pipeline`, `push`), the background worker, and the status the window shows. It never
//! reaches into head office's server code: the two meet only in the wire protocol (`hq::push_sql`'s call).

pub mod client;
pub mod pipeline;
pub mod push;
pub mod status;
pub mod worker;
