//! Head-office schema migration (finance kinds): a partial index on `citytill.entries` holding only the entries
//! `hq report finance` reads by kind over a terminal's whole history — autopay entries (folded into each
//! enrolment and run), lockbox and online imports and their exception resolutions, bank statements — so the
//! report reads those few rows, not a scan of every entry ever pushed. Partial, so every other entry a push
//! stores (payments, drawers, batches: nearly all of them) costs only the test of its kind.

/// The finance-kinds migration (see `schema::MIGRATIONS`). The kinds here are `finance::INDEXED_KINDS`, and
/// `tests/hq_finance.rs` proves by EXPLAIN that each of the report's reads by kind is planned on the index.
pub const MIGRATION: &str = r#"
CREATE INDEX entries_finance_kinds ON citytill.entries (kind, terminal, seq)
 WHERE kind IN ('autopay_enrolled', 'autopay_cancelled', 'autopay_run_prepared', 'autopay_run_approved', 'autopay_run_rejected',
                'autopay_settled', 'autopay_returned', 'lockbox_imported', 'lockbox_exception_resolved', 'bank_statement_imported');
"#;
