//! The ledger thread's typed errors: what the cashier can fix is a refusal naming its field, the rest a failure.

use iced::futures::executor::block_on;

use super::WorkerError;
use crate::gui::testing::{fixture, FullQueue};

/// Proves the library's refusals (bad input, a rule, sign-in, not found) come back as refusals naming the
/// field their message starts with, without the command line's `--`, and with the library's line as it is.
#[test]
fn library_refusals_are_refusals_with_their_field() {
    let fixture = fixture();
    let worker = &fixture.ctx.worker;
    let invalid = block_on(worker.run(|_| Err::<(), _>(citytill::Error::invalid("--amount", "must be more than zero")))).unwrap_err();
    assert_eq!(invalid, WorkerError::Refused { field: Some("amount".into()), message: "--amount: must be more than zero".into() });
    let rule = block_on(worker.run(|_| Err::<(), _>(citytill::Error::Refused("no open drawer for ana".into())))).unwrap_err();
    assert_eq!(rule, WorkerError::Refused { field: None, message: "no open drawer for ana".into() });
    for error in [citytill::Error::auth("approver", "unknown user or wrong PIN"), citytill::Error::not_found("receipt", "T01-9 not found")] {
        let answer = block_on(worker.run(move |_| Err::<(), _>(error))).unwrap_err();
        assert!(answer.is_refusal(), "{answer:?}");
    }
    assert_eq!(invalid.field_on(&[("reason", "r"), ("amount", "a")]), Some("a"));
}

/// Proves a database, file or invariant error is a failure: never about a field (even when its text starts with
/// one), said with "try again; call IT", and its text never carries a card number.
#[test]
fn database_and_file_errors_are_failures() {
    let fixture = fixture();
    let worker = &fixture.ctx.worker;
    let sql = block_on(worker.run(|ledger| Ok(ledger.read()?.execute("INSERT INTO no_such_table VALUES (1)", [])?))).unwrap_err();
    assert!(!sql.is_refusal() && sql.message().contains("call IT"), "{sql:?}");
    let file = block_on(worker.run(|_| Err::<(), _>(citytill::Error::File { path: "amount".into(), message: "disk full near 4111 1111 1111 1111".into() }))).unwrap_err();
    assert!(matches!(file, WorkerError::Failed(_)), "{file:?}");
    assert_eq!(file.field_on(&[("amount", "a")]), None, "a failure is never written under a field");
    assert!(!file.message().contains("4111 1111 1111 1111"), "{file}");
    let invariant = block_on(worker.run(|_| Err::<(), _>(citytill::Error::Invariant("postings do not balance".into())))).unwrap_err();
    assert!(matches!(invariant, WorkerError::Failed(ref m) if m.starts_with("ledger invariant broken") && m.contains("call IT")), "{invariant:?}");
}

/// Proves a full queue is a failure at once (never waited on), and the thread goes on once its job is done.
#[test]
fn a_full_queue_is_a_failure() {
    let fixture = fixture();
    let worker = &fixture.ctx.worker;
    let full = FullQueue::hold(worker);
    let refused = block_on(worker.run(|_| Ok(())));
    assert!(matches!(refused, Err(WorkerError::Failed(ref m)) if m.contains("already waiting") && m.contains("call IT")), "{refused:?}");
    full.release();
    assert_eq!(block_on(worker.run(|_| Ok(7))).unwrap(), 7, "the thread goes on");
}

/// Proves a stopped ledger thread (a job panicked) is a failure for the job it stopped in and every job after.
#[test]
fn a_stopped_ledger_thread_is_a_failure() {
    let fixture = fixture();
    let worker = &fixture.ctx.worker;
    let stopped = block_on(worker.run(|_| -> citytill::Result<()> { panic!("the ledger thread stops") })).unwrap_err();
    assert!(matches!(stopped, WorkerError::Failed(ref m) if m.contains("stopped during the job")), "{stopped:?}");
    let after = block_on(worker.run(|_| Ok(()))).unwrap_err();
    assert!(matches!(after, WorkerError::Failed(ref m) if m.contains("the ledger thread stopped") && m.contains("call IT")), "{after:?}");
}

/// Proves a refusal's field is read as the forms name theirs (lowercased, without `--`, inner spaces kept), a line
/// without a colon names none, and the text shown is the library's line as it was (Display and String alike).
#[test]
fn a_refusal_names_its_field_as_the_forms_do() {
    let refusal = WorkerError::refused("--Checks total: not an amount");
    assert_eq!(refusal.field_on(&[("amount", "a"), ("checks total", "c")]), Some("c"));
    assert_eq!((refusal.to_string(), String::from(refusal)), ("--Checks total: not an amount".to_string(), "--Checks total: not an amount".to_string()));
    assert_eq!(WorkerError::refused("no open drawer for ana"), WorkerError::Refused { field: None, message: "no open drawer for ana".into() });
    assert_eq!(WorkerError::refused("amount: too large").field_on(&[("reason", "r")]), None, "a field the form does not show");
}
