//! Business operations: each validates its input completely, then records its events in one transaction.

pub mod auth;
pub mod autopay;
pub mod autopay_export;
pub mod autopay_key;
pub mod autopay_returns;
pub mod autopay_run;
pub mod batch;
pub mod cart;
pub mod day;
pub mod deposit;
pub mod demo;
pub mod drawer;
pub mod drawer_overview;
pub mod export;
pub mod import;
pub mod payment;
pub mod query;
pub mod receipt_doc;
pub mod reversal;
pub mod seal;
pub mod setup;
pub mod stub;
pub mod synthetic;
