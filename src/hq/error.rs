//! Head-office errors: which kind of failure (config, unreachable, refused by the server, local ledger), never a password.

use crate::error::Error;

#[derive(Debug, thiserror::Error)]
pub enum HqError {
    /// A setting is wrong: `key` names it (e.g. `hq.sslmode`).
    #[error("{key}: {problem}")]
    Config { key: String, problem: String },
    /// Head office could not be reached or the connection broke; the worker retries with backoff.
    #[error("head office {url} unreachable: {message}")]
    Unreachable { url: String, message: String },
    /// Head office answered with an error (permission, constraint, timeout...).
    #[error("head office {url}: {message}")]
    Server { url: String, message: String },
    /// Head office refused an entry (tampered re-send, broken chain): recorded there as an alarm.
    #[error("head office rejected entry {seq}: {reason}")]
    Rejected { seq: i64, reason: String },
    /// Input to an hq command (CSV file, date, terminal id) is wrong; the message names the field.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Local(#[from] Error),
}

impl HqError {
    pub fn config(key: &str, problem: impl Into<String>) -> HqError {
        HqError::Config { key: key.to_string(), problem: problem.into() }
    }

    /// Classifies a driver error: no SQLSTATE means the connection itself failed (retry later).
    /// `redacted_url` must already be redacted; the message is scrubbed of the real URL's password.
    pub fn from_pg(error: &postgres::Error, redacted_url: &str, real_url: &str) -> HqError {
        let message = match error.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => error.to_string(),
        };
        let message = crate::hq::settings::scrub(&message, real_url);
        if error.as_db_error().is_none() || error.is_closed() {
            HqError::Unreachable { url: redacted_url.to_string(), message }
        } else {
            HqError::Server { url: redacted_url.to_string(), message }
        }
    }

    /// Whether the failure is the network's or the server's availability (the terminal just waits).
    pub fn is_offline(&self) -> bool {
        matches!(self, HqError::Unreachable { .. })
    }
}

impl From<HqError> for Error {
    fn from(error: HqError) -> Error {
        match error {
            HqError::Config { .. } | HqError::Invalid(_) => Error::Invalid(error.to_string().into()),
            HqError::Rejected { .. } => Error::Refused(error.to_string().into()),
            HqError::Local(inner) => inner,
            HqError::Unreachable { url, message } => Error::File { path: format!("head office {url}"), message: format!("unreachable: {message}") },
            HqError::Server { url, message } => Error::File { path: format!("head office {url}"), message },
        }
    }
}

impl From<rusqlite::Error> for HqError {
    fn from(error: rusqlite::Error) -> HqError {
        HqError::Local(Error::Sql(error))
    }
}

pub type HqResult<T> = std::result::Result<T, HqError>;
