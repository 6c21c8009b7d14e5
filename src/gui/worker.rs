//! The ledger's own thread: every database call the window makes runs here, never on the UI thread.
//!
//! A `Ledger` is a SQLite connection (Send, not Sync), so one thread owns it and runs jobs in order;
//! the window gets a future per job and turns it into a `Task`. A job's error comes back typed
//! ([`WorkerError`]): a refusal the cashier can fix (shown under its field or in the banner, the form kept)
//! or a failure that is not theirs (the database, a file, a broken invariant, the ledger thread stopped or
//! its queue full: logged, and shown in the banner with "try again; call IT").

use std::fmt;
use std::future::Future;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};

use citytill::ledger::Ledger;
use iced::futures::channel::oneshot;

/// Most jobs waiting for the ledger thread; a full queue is reported, never waited on.
pub const QUEUE_LEN: usize = 64;

/// What a failure adds to its message: it is not the cashier's to fix.
const FAILURE_HINT: &str = " — try again; if it happens again, call IT";

type Job = Box<dyn FnOnce(&mut Ledger) + Send>;

/// Why a job on the ledger thread did not give its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkerError {
    /// The cashier can fix it (bad input, a business rule, sign-in or role, something not found): nothing was
    /// written. `field` is the field the message starts with ("amount: …" → "amount"), lowercased and without
    /// the command line's `--`, when it names one; `message` is the library's line as it is.
    Refused { field: Option<String>, message: String },
    /// Not the cashier's doing (database, file, ledger invariant, the ledger thread stopped or its queue full):
    /// the message says what and to try again or call IT. Already logged.
    Failed(String),
}

impl WorkerError {
    /// A refusal with this message; its field is read from the message's "field: problem" shape (the window's
    /// own refusals; the library's come with their field, `from_library`).
    pub fn refused(message: impl Into<String>) -> WorkerError {
        WorkerError::of_refusal(&citytill::error::Refusal::sentence(message.into()))
    }

    /// The library's refusal, its field as the window matches it: lowercased, without the command line's `--`.
    fn of_refusal(refusal: &citytill::error::Refusal) -> WorkerError {
        let field = refusal.field().map(|field| field.trim().trim_start_matches('-').to_lowercase()).filter(|field| !field.is_empty());
        WorkerError::Refused { field, message: refusal.to_string() }
    }

    /// A failure: logged here once, shown with the hint to try again or call IT.
    pub fn failed(message: impl fmt::Display) -> WorkerError {
        let message = citytill::domain::card_data::redact(&message.to_string());
        tracing::error!(target: "citytill::window", "ledger job failed: {message}");
        WorkerError::Failed(format!("{message}{FAILURE_HINT}"))
    }

    /// The library's error sorted: what the cashier can fix is a refusal, the rest a failure.
    pub fn from_library(error: citytill::Error) -> WorkerError {
        match error {
            citytill::Error::Invalid(message) | citytill::Error::Refused(message) | citytill::Error::Auth(message) | citytill::Error::NotFound(message) => WorkerError::of_refusal(&message),
            other => {
                tracing::error!(target: "citytill::window", "ledger job failed: {}", other.log_summary());
                WorkerError::Failed(format!("{}{FAILURE_HINT}", citytill::domain::card_data::redact(&other.to_string())))
            }
        }
    }

    /// The line to show (a failure's with its hint).
    pub fn message(&self) -> &str {
        match self {
            WorkerError::Refused { message, .. } | WorkerError::Failed(message) => message,
        }
    }

    pub fn is_refusal(&self) -> bool {
        matches!(self, WorkerError::Refused { .. })
    }

    /// Which of a form's `fields` (a refusal's field name, and the input's id) this refusal is about; a failure
    /// is never about a field, whatever its text starts with.
    pub fn field_on(&self, fields: &[(&str, &'static str)]) -> Option<&'static str> {
        match self {
            WorkerError::Refused { field: Some(field), .. } => fields.iter().find(|(name, _)| name == field).map(|(_, id)| *id),
            _ => None,
        }
    }
}

impl fmt::Display for WorkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl From<citytill::Error> for WorkerError {
    fn from(error: citytill::Error) -> WorkerError {
        WorkerError::from_library(error)
    }
}

/// The line to keep for showing, once the screen has decided where it goes (under its field or in the banner).
impl From<WorkerError> for String {
    fn from(error: WorkerError) -> String {
        match error {
            WorkerError::Refused { message, .. } | WorkerError::Failed(message) => message,
        }
    }
}

/// A cloneable handle to the ledger thread. Dropping every handle stops the thread.
#[derive(Clone, Debug)]
pub struct Worker {
    jobs: SyncSender<Job>,
}

impl Worker {
    /// Moves the ledger onto its own thread.
    pub fn start(mut ledger: Ledger) -> Result<Worker, String> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE_LEN);
        std::thread::Builder::new()
            .name("citytill-ledger".into())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    job(&mut ledger);
                }
            })
            .map_err(|e| format!("window: could not start the ledger thread: {e}"))?;
        Ok(Worker { jobs })
    }

    /// Runs `work` on the ledger thread; the future resolves with its result or the typed reason it has none.
    pub fn run<T, F>(&self, work: F) -> impl Future<Output = Result<T, WorkerError>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> citytill::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |ledger| {
            let _ = reply.send(work(ledger).map_err(WorkerError::from_library));
        });
        let queued = match self.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(WorkerError::failed(format!("window: {QUEUE_LEN} database jobs are already waiting"))),
            Err(TrySendError::Disconnected(_)) => Err(WorkerError::failed("window: the ledger thread stopped; restart CityTill")),
        };
        async move {
            queued?;
            answer.await.unwrap_or_else(|_| Err(WorkerError::failed("window: the ledger thread stopped during the job; restart CityTill")))
        }
    }
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
