//! Business operations.
