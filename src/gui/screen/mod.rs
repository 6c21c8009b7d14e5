//! One module per screen, each with its own Message, Event, `update` and pure `view`.

pub mod batches;
pub mod counter;
pub mod day;
pub mod devices;
pub mod drawer;
pub mod finance;
pub mod login;
pub mod receipts;
pub mod reports;
