//! The domain: money-free-of-storage business types, events, and the pure rules that derive postings and effects.

pub mod accounts;
pub mod ach;
pub mod ach_return;
pub mod card_data;
pub mod convenience_fee;
pub mod dates;
pub mod denominations;
pub mod effects;
pub mod events;
pub mod funds;
pub mod ids;
pub mod payable;
pub mod postings;
pub mod states;
pub mod tender;
pub mod text;
