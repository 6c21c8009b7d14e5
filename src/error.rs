//! The one error type of the library: each variant says what kind of refusal it is, and a refusal carries the
//! field it is about (as the person knows it: a flag, a form label, a file's line and column) and the problem.

use std::fmt;

use crate::money::MoneyError;

/// What a refusal is about: the field and the problem, kept as the one sentence `field: problem` people read
/// (so a refusal prints, logs and compares as its text), with the field and the problem each at hand: the
/// window writes a refusal under the input its field names, the log keeps the field and drops the problem.
#[derive(Clone, PartialEq, Eq)]
pub struct Refusal {
    text: String,
    /// Bytes of `text` that are the field (0: the refusal names no field).
    field_len: usize,
}

impl Refusal {
    /// A refusal of `field` (non-empty, one line) for `problem`.
    /// An empty field names none (the problem alone); a field of more than one line is kept in the text but
    /// is not a field the window could put the refusal under.
    pub fn new(field: impl Into<String>, problem: impl AsRef<str>) -> Refusal {
        let field = field.into();
        if field.is_empty() {
            return Refusal { text: problem.as_ref().to_string(), field_len: 0 };
        }
        let field_len = if field.contains('\n') { 0 } else { field.len() };
        Refusal { text: format!("{field}: {}", problem.as_ref()), field_len }
    }

    /// A refusal written as one sentence: a short first part before `: ` (at most 40 characters, one line) is
    /// its field, as every message of this library is written; a sentence without one names no field.
    pub fn sentence(text: impl Into<String>) -> Refusal {
        let text = text.into();
        let field_len = match text.split_once(": ") {
            Some((field, _)) if !field.is_empty() && field.chars().count() <= 40 && !field.contains('\n') => field.len(),
            _ => 0,
        };
        Refusal { text, field_len }
    }

    /// The field refused, if the refusal names one.
    pub fn field(&self) -> Option<&str> {
        (self.field_len > 0).then(|| &self.text[..self.field_len])
    }

    /// What is wrong with it (the whole sentence when no field is named).
    pub fn problem(&self) -> &str {
        if self.field_len == 0 {
            &self.text
        } else {
            &self.text[self.field_len + 2..]
        }
    }

    /// The sentence as people read it: `field: problem`.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::ops::Deref for Refusal {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Refusal").field("field", &self.field()).field("problem", &self.problem()).finish()
    }
}

impl From<String> for Refusal {
    fn from(text: String) -> Refusal {
        Refusal::sentence(text)
    }
}

impl From<&str> for Refusal {
    fn from(text: &str) -> Refusal {
        Refusal::sentence(text)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: the refusal names the field and the problem. Nothing was written.
    #[error("{0}")]
    Invalid(Refusal),
    /// A business rule refused the action (no open drawer, not same day, needs approval...). Nothing was written.
    #[error("{0}")]
    Refused(Refusal),
    /// Authentication or authorisation failed (the failure itself is audited).
    #[error("{0}")]
    Auth(Refusal),
    #[error("{0}")]
    NotFound(Refusal),
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
        Error::Invalid(Refusal::sentence(error.to_string()))
    }
}

impl Error {
    /// Bad input in `field`.
    pub fn invalid(field: impl Into<String>, problem: impl AsRef<str>) -> Error {
        Error::Invalid(Refusal::new(field, problem))
    }

    /// A business rule refused what was asked of `field`.
    pub fn refused(field: impl Into<String>, problem: impl AsRef<str>) -> Error {
        Error::Refused(Refusal::new(field, problem))
    }

    /// Authentication or role refused at `field`.
    pub fn auth(field: impl Into<String>, problem: impl AsRef<str>) -> Error {
        Error::Auth(Refusal::new(field, problem))
    }

    /// What `field` named does not exist.
    pub fn not_found(field: impl Into<String>, problem: impl AsRef<str>) -> Error {
        Error::NotFound(Refusal::new(field, problem))
    }

    /// The refusal, for the four kinds a person can act on (fix the input, meet the rule, sign in, name
    /// something that exists); None for failures (database, file, invariant).
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Error::Invalid(r) | Error::Refused(r) | Error::Auth(r) | Error::NotFound(r) => Some(r),
            _ => None,
        }
    }

    /// The field a refusal names, if any.
    pub fn field(&self) -> Option<&str> {
        self.refusal().and_then(Refusal::field)
    }

    pub fn file(path: &std::path::Path, error: impl std::fmt::Display) -> Error {
        Error::File { path: path.display().to_string(), message: error.to_string() }
    }

    /// What the log may say about this error. A refusal of input names the kind and the field but never
    /// the value given (it may be a mistyped card number, or anything else that failed to parse); a file
    /// error names the file, not the line it could not read. Internal errors keep their message. All of it
    /// passes `card_data::redact`.
    pub fn log_summary(&self) -> String {
        let field = |refusal: &Refusal| refusal.field().unwrap_or("input").to_string();
        let summary = match self {
            Error::Invalid(refusal) => format!("invalid input at {}", field(refusal)),
            Error::Refused(refusal) => format!("refused by a rule at {}", field(refusal)),
            Error::Auth(refusal) => format!("authentication or role refused at {}", field(refusal)),
            Error::NotFound(refusal) => format!("not found: {}", field(refusal)),
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

    // Proves a refusal keeps its field and problem apart while reading as the one sentence: built from the
    // two, or from a sentence whose short first part is the field; a long or absent first part names none.
    #[test]
    fn a_refusal_carries_its_field_and_problem() {
        let built = Error::invalid("--date", "'x' is not a date");
        assert_eq!((built.field(), built.to_string().as_str()), (Some("--date"), "--date: 'x' is not a date"));
        assert_eq!(built.refusal().map(Refusal::problem), Some("'x' is not a date"));
        let read = Refusal::sentence("line 3, column balance: '12.345' has more than 2 decimals");
        assert_eq!((read.field(), read.problem()), (Some("line 3, column balance"), "'12.345' has more than 2 decimals"));
        let none = Refusal::sentence("no ledger at /x (run `citytill init` first)");
        assert_eq!((none.field(), none.problem()), (None, "no ledger at /x (run `citytill init` first)"));
        assert_eq!(Refusal::sentence(format!("{}: too long to be a field name", "x".repeat(41))).field(), None);
        assert!(Error::Invariant("x".into()).refusal().is_none(), "a failure is not a refusal");
    }
}
