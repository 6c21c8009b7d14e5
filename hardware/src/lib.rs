//! Counter peripherals (placeholder until the hardware crate lands).
