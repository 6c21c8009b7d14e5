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

    /// What the log may say about this error. A refusal of input names the kind and the field but never
    /// the value given (it may be a mistyped card number, or anything else that failed to parse); a file
    /// error names the file, not the line it could not read. Internal errors keep their message. All of it
    /// passes `card_data::redact`.
    pub fn log_summary(&self) -> String {
        let field = |message: &str| -> String {
            match message.split_once(": ") {
                Some((field, _)) if field.chars().count() <= 40 && !field.contains('\n') => field.to_string(),
                _ => "input".to_string(),
            }
        };
        let summary = match self {
            Error::Invalid(message) => format!("invalid input at {}", field(message)),
            Error::Refused(message) => format!("refused by a rule at {}", field(message)),
            Error::Auth(message) => format!("authentication or role refused at {}", field(message)),
            Error::NotFound(message) => format!("not found: {}", field(message)),
            Error::File { path, .. } => format!("file {path} could not be read or written"),
            other => other.to_string(),
        };
        crate::domain::card_data::redact(&summary)
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

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the log's summary of a refusal names the field but never the value that failed to parse.
    #[test]
    fn log_summary_never_repeats_the_value() {
        let error: Error = crate::money::Money::parse_positive("--amount", "abc", crate::Money::from_cents(100)).map(|_| ()).unwrap_err().into();
        assert_eq!(error.log_summary(), "invalid input at --amount");
        let error = Error::File { path: "/data/citytill.toml".into(), message: "city_name = 4111111111111111 <- expected a string".into() };
        assert_eq!(error.log_summary(), "file /data/citytill.toml could not be read or written");
        assert_eq!(Error::Invariant("x".into()).log_summary(), "ledger invariant broken: x");
    }
}
