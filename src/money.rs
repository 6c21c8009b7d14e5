//! `Money`: an exact amount of dollars and cents, integer cents on disk — the `citytill-money` crate's one
//! type (shared with `citytill-hardware`), re-exported here so `citytill::Money` stays the path.

pub use citytill_money::{Money, MoneyError, DEFAULT_MAX_CENTS};
