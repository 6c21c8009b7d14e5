//! CityTill: the cashiering system of a city payment counter — domain, ledger, operations and command line.
//! The window (`gui`) lives in the binary; `hardware` is its own crate.

// `unsafe` is allowed in two modules only: verify's raw column reads (`ledger/verify/scan.rs`) and, on Windows,
// the access-list calls of `private_file/acl.rs`.
#![deny(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod config;
pub mod domain;
pub mod error;
pub mod fault;
pub mod files;
pub mod hq;
pub mod ledger;
pub mod money;
pub mod ops;
pub mod private_file;
pub mod reports;

pub use error::{Error, Result};
pub use money::Money;
