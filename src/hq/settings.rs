//! The `[hq]` settings table parsed into typed, validated values, plus password redaction for every message.

use std::path::PathBuf;
use std::time::Duration;

use crate::hq::error::HqError;

/// The environment variable that overrides `hq.database_url` (keeps the password out of the file).
pub const URL_VARIABLE: &str = "CITYTILL_HQ_URL";

/// How the connection to head office is protected.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Plain TCP (only for a head office on the same host or a trusted LAN segment).
    Disable,
    /// TLS, server certificate not checked (protects against eavesdropping only).
    Require,
    /// TLS, certificate chain and host name checked against `ca_file` or the public web roots.
    VerifyFull,
}

impl SslMode {
    pub fn parse(key: &str, text: &str) -> Result<SslMode, HqError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "disable" => Ok(SslMode::Disable),
            "require" => Ok(SslMode::Require),
            "verify-full" | "verify_full" => Ok(SslMode::VerifyFull),
            other => Err(HqError::config(key, format!("'{other}' must be one of disable, require, verify-full"))),
        }
    }
}

/// Head-office connection and sync tuning; `None` from `from_table` means standalone.
#[derive(Clone, Debug)]
pub struct HqSettings {
    /// `postgresql://role:password@host:port/db` (without `sslmode`, which lives in `ssl_mode`).
    pub database_url: String,
    pub ssl_mode: SslMode,
    /// PEM file with the CA certificate(s) trusted for `verify-full`; absent = the public web roots.
    pub ca_file: Option<PathBuf>,
    /// Pause between sync rounds when all is well.
    pub interval_ms: u64,
    /// First pause after a failure; doubles each failure up to `backoff_max_ms`.
    pub backoff_initial_ms: u64,
    pub backoff_max_ms: u64,
    /// Journal entries per push call (one head-office transaction each).
    pub batch_entries: usize,
    /// Reference rows per pull call.
    pub pull_rows: usize,
    pub connect_timeout_ms: u64,
    /// Server-side bound on every statement.
    pub statement_timeout_ms: u64,
}

/// The most entries one push may carry (the server refuses more).
pub const MAX_BATCH_ENTRIES: usize = 5_000;

impl HqSettings {
    /// Settings with defaults for `database_url` (tests, bench, admin commands).
    pub fn for_url(database_url: &str) -> Result<HqSettings, HqError> {
        let (url, mode) = split_sslmode(database_url)?;
        Ok(HqSettings {
            database_url: url,
            ssl_mode: mode.unwrap_or(SslMode::Disable),
            ca_file: None,
            interval_ms: 5_000,
            backoff_initial_ms: 1_000,
            backoff_max_ms: 300_000,
            batch_entries: 500,
            pull_rows: 2_000,
            connect_timeout_ms: 5_000,
            statement_timeout_ms: 30_000,
        })
    }

    /// Parses `[hq]`; `CITYTILL_HQ_URL` overrides `database_url`. No table and no variable = standalone (None).
    pub fn from_settings(table: Option<&toml::Table>) -> Result<Option<HqSettings>, HqError> {
        let env_url = std::env::var(URL_VARIABLE).ok().filter(|url| !url.trim().is_empty());
        HqSettings::from_table(table, env_url.as_deref())
    }

    /// As `from_settings`, with the override given explicitly (pure, for tests).
    pub fn from_table(table: Option<&toml::Table>, env_url: Option<&str>) -> Result<Option<HqSettings>, HqError> {
        let empty = toml::Table::new();
        let table = table.unwrap_or(&empty);
        const KNOWN: [&str; 10] =
            ["database_url", "sslmode", "ca_file", "interval_ms", "backoff_initial_ms", "backoff_max_ms", "batch_entries", "pull_rows", "connect_timeout_ms", "statement_timeout_ms"];
        if let Some(unknown) = table.keys().find(|key| !KNOWN.contains(&key.as_str())) {
            return Err(HqError::config(&format!("hq.{unknown}"), format!("unknown key; known keys are {}", KNOWN.join(", "))));
        }
        let file_url = text(table, "database_url")?;
        let Some(url) = env_url.map(str::to_string).or(file_url) else {
            return Ok(None);
        };
        let mut settings = HqSettings::for_url(&url)?;
        if let Some(mode) = text(table, "sslmode")? {
            settings.ssl_mode = SslMode::parse("hq.sslmode", &mode)?;
        }
        settings.ca_file = text(table, "ca_file")?.map(PathBuf::from);
        settings.interval_ms = number(table, "interval_ms", 100, 86_400_000)?.unwrap_or(settings.interval_ms);
        settings.backoff_initial_ms = number(table, "backoff_initial_ms", 10, 3_600_000)?.unwrap_or(settings.backoff_initial_ms);
        settings.backoff_max_ms = number(table, "backoff_max_ms", 10, 86_400_000)?.unwrap_or(settings.backoff_max_ms);
        settings.batch_entries = number(table, "batch_entries", 1, MAX_BATCH_ENTRIES as u64)?.map_or(settings.batch_entries, |n| n as usize);
        settings.pull_rows = number(table, "pull_rows", 1, 50_000)?.map_or(settings.pull_rows, |n| n as usize);
        settings.connect_timeout_ms = number(table, "connect_timeout_ms", 100, 600_000)?.unwrap_or(settings.connect_timeout_ms);
        settings.statement_timeout_ms = number(table, "statement_timeout_ms", 100, 3_600_000)?.unwrap_or(settings.statement_timeout_ms);
        if settings.backoff_max_ms < settings.backoff_initial_ms {
            return Err(HqError::config("hq.backoff_max_ms", "must not be less than hq.backoff_initial_ms"));
        }
        if settings.ca_file.is_some() && settings.ssl_mode != SslMode::VerifyFull {
            return Err(HqError::config("hq.ca_file", "is only used with sslmode = \"verify-full\""));
        }
        Ok(Some(settings))
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// The URL with any password replaced by `***`: the only form that may appear in a message or log.
    pub fn redacted_url(&self) -> String {
        redact(&self.database_url)
    }
}

fn text(table: &toml::Table, key: &str) -> Result<Option<String>, HqError> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(value)) => Ok(Some(value.clone())),
        Some(other) => Err(HqError::config(&format!("hq.{key}"), format!("must be a string, not {}", other.type_str()))),
    }
}

fn number(table: &toml::Table, key: &str, min: u64, max: u64) -> Result<Option<u64>, HqError> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(value)) if (min as i64..=max as i64).contains(value) => Ok(Some(*value as u64)),
        Some(toml::Value::Integer(value)) => Err(HqError::config(&format!("hq.{key}"), format!("{value} is outside {min}..={max}"))),
        Some(other) => Err(HqError::config(&format!("hq.{key}"), format!("must be an integer, not {}", other.type_str()))),
    }
}

/// Removes a `sslmode=` query parameter from a URL (tokio-postgres does not know `verify-full`).
fn split_sslmode(url: &str) -> Result<(String, Option<SslMode>), HqError> {
    let trimmed = url.trim();
    if !(trimmed.starts_with("postgresql://") || trimmed.starts_with("postgres://")) {
        return Err(HqError::config("hq.database_url", format!("'{}' must start with postgresql://", redact(trimmed))));
    }
    let Some((base, query)) = trimmed.split_once('?') else {
        return Ok((trimmed.to_string(), None));
    };
    let mut mode = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(SslMode::parse("hq.database_url sslmode", value)?),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((url, mode))
}

/// Replaces the password of a `scheme://user:password@host` URL and any `password=` parameter with `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..].find(['/', '?']).map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    let mut search_from = 0;
    while let Some(found) = out[search_from..].find("password=") {
        let start = search_from + found + "password=".len();
        let end = out[start..].find(['&', ' ']).map_or(out.len(), |i| start + i);
        out.replace_range(start..end, "***");
        search_from = start + 3;
    }
    out
}

/// Replaces every occurrence of a known secret in a message (server errors may echo parts of the URL).
pub fn scrub(message: &str, settings_url: &str) -> String {
    let mut out = message.to_string();
    if let Some(password) = password_of(settings_url) {
        if password.len() >= 3 {
            out = out.replace(&password, "***");
        }
    }
    redact(&out)
}

fn password_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    Some(userinfo.split_once(':')?.1.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    // Proves passwords never survive redaction, whether in the URL's user part or a password= parameter.
    #[test]
    fn redaction_hides_passwords() {
        assert_eq!(redact("postgresql://t07:s3cret@hq.city:5432/hq"), "postgresql://t07:***@hq.city:5432/hq");
        assert_eq!(redact("postgresql://t07@hq/hq?password=s3cret&x=1"), "postgresql://t07@hq/hq?password=***&x=1");
        assert_eq!(redact("postgresql://hq/hq"), "postgresql://hq/hq");
        let scrubbed = scrub("error: password s3cret rejected", "postgresql://t07:s3cret@hq/hq");
        assert!(!scrubbed.contains("s3cret"), "{scrubbed}");
    }

    // Proves no table and no variable means standalone, the variable overrides the file, and sslmode moves out of the URL.
    #[test]
    fn standalone_env_override_and_sslmode() {
        assert!(HqSettings::from_table(None, None).unwrap().is_none());
        let file = table("database_url = \"postgresql://a:b@file/hq\"\nbatch_entries = 100\n");
        let settings = HqSettings::from_table(Some(&file), Some("postgresql://a:b@env/hq?sslmode=require")).unwrap().unwrap();
        assert_eq!(settings.database_url, "postgresql://a:b@env/hq");
        assert_eq!(settings.ssl_mode, SslMode::Require);
        assert_eq!(settings.batch_entries, 100);
        let verify = table("database_url = \"postgresql://h/hq?sslmode=verify-full&application_name=x\"");
        let settings = HqSettings::from_table(Some(&verify), None).unwrap().unwrap();
        assert_eq!((settings.ssl_mode, settings.database_url.as_str()), (SslMode::VerifyFull, "postgresql://h/hq?application_name=x"));
    }

    // Proves every bad value is refused with an error naming the key, and never echoes the password.
    #[test]
    fn bad_values_name_the_key() {
        let cases = [
            ("database_url = \"mysql://u:pw1234@h/x\"", "hq.database_url"),
            ("database_url = \"postgresql://h/x\"\nsslmode = \"maybe\"", "hq.sslmode"),
            ("database_url = \"postgresql://h/x\"\nbatch_entries = 0", "hq.batch_entries"),
            ("database_url = \"postgresql://h/x\"\ninterval_ms = \"5\"", "hq.interval_ms"),
            ("database_url = \"postgresql://h/x\"\nbogus = 1", "hq.bogus"),
            ("database_url = \"postgresql://h/x\"\nca_file = \"/ca.pem\"", "hq.ca_file"),
            ("database_url = \"postgresql://h/x\"\nbackoff_initial_ms = 5000\nbackoff_max_ms = 1000", "hq.backoff_max_ms"),
        ];
        for (text, key) in cases {
            let error = HqSettings::from_table(Some(&table(text)), None).unwrap_err().to_string();
            assert!(error.contains(key), "{text}: {error}");
            assert!(!error.contains("pw1234"), "{error}");
        }
    }
}
