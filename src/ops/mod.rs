//! Business operations: each validates its input completely, then records its events in one transaction.

pub mod auth;
pub mod bai2;
pub mod bank;
pub mod batch;
pub mod day;
pub mod deposit;
pub mod demo;
pub mod drawer;
pub mod export;
pub mod import;
pub mod lockbox;
pub mod lockbox_file;
pub mod payment;
pub mod query;
pub mod receipt_doc;
pub mod reversal;
pub mod seal;
pub mod setup;
pub mod stub;
pub mod synthetic;
