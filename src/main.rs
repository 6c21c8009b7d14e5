//! The `citytill` binary.
fn main() {}
