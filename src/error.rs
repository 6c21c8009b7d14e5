//! The one error type of the library: each variant says what kind of refusal it is, the text names the field.

use crate::money::MoneyError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: the message names the field and the problem. Nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// A business rule refused the action (no open drawer, not same day, needs approval...). Nothing was written.
    #[error("{0}")]
    Refused(String),
    /// Authentication or authorisation failed (the failure itself is audited).
    #[error("{0}")]
    Auth(String),
    #[error("{0}")]
    NotFound(String),
    /// A ledger invariant would have been broken; the transaction was rolled back.
    #[error("ledger invariant broken: {0}")]
    Invariant(String),
    #[error("database {path}: {source}")]
    Database { path: String, source: rusqlite::Error },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// Standard output's reader went away (`| head -1`): the command stops quietly.
    #[error("standard output closed")]
    StdoutClosed,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<MoneyError> for Error {
    fn from(error: MoneyError) -> Error {
        Error::Invalid(error.to_string())
    }
}

impl Error {
    pub fn file(path: &std::path::Path, error: impl std::fmt::Display) -> Error {
        Error::File { path: path.display().to_string(), message: error.to_string() }
    }

    /// Process exit code for the command line: 2 for refusals of input or rules, 3 for authentication, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid(_) | Error::Refused(_) | Error::NotFound(_) => 2,
            Error::Auth(_) => 3,
            _ => 1,
        }
    }
}
