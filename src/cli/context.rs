//! What every command needs: the data dir, the settings, the global options, and authentication.

use std::path::PathBuf;

use citytill::config::Settings;
use citytill::error::{Error, Result};
use citytill::ledger::{Clock, Ledger};
use citytill::ops::auth::{self, Actor};

/// The ledger file's name inside the data dir.
pub use citytill::ledger::LEDGER_FILE;

/// Global options resolved once per command.
pub struct Context {
    pub data_dir: PathBuf,
    pub settings: Settings,
    pub user: Option<String>,
    pub approver: Option<String>,
    pub json: bool,
}

impl Context {
    /// Resolves the data dir (`--data-dir`, `CITYTILL_DATA_DIR`, else the platform's data dir) and loads settings.
    pub fn new(data_dir: Option<PathBuf>, user: Option<String>, approver: Option<String>, json: bool) -> Result<Context> {
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => default_data_dir()?,
        };
        let settings = Settings::load(&data_dir)?;
        Ok(Context { data_dir, settings, user, approver, json })
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.data_dir.join(LEDGER_FILE)
    }

    pub fn open_ledger(&self) -> Result<Ledger> {
        let mut ledger = Ledger::open(&self.ledger_path())?;
        ledger.set_clock(clock_override()?);
        ledger.set_clock_jump_minutes(self.settings.security.clock_jump_minutes);
        Ok(ledger)
    }

    /// Opens the ledger only to read it (commands that write nothing: verify, receipt show, lookup,
    /// reports), so they work on a data directory that cannot be written.
    pub fn read_ledger(&self) -> Result<Ledger> {
        let mut ledger = Ledger::open_read_only(&self.ledger_path())?;
        // "Today" for a reading command (a report's default date) is the same clock writing commands use.
        ledger.set_clock(clock_override()?);
        Ok(ledger)
    }

    /// Opens the ledger and logs in `--user` with the PIN from `CITYTILL_PIN` or a prompt.
    pub fn login(&self) -> Result<(Ledger, Actor)> {
        let ledger = self.open_ledger()?;
        // A terminal behind head office's acknowledgement must not issue numbers: say so before anything else.
        ledger.refuse_if_behind_head_office()?;
        self.login_to(ledger)
    }

    /// Signs in without the behind-head-office check, for commands that issue nothing (a backup of a terminal
    /// that is behind is exactly what IT needs before it restores anything).
    pub fn login_issuing_nothing(&self) -> Result<(Ledger, Actor)> {
        self.login_to(self.open_ledger()?)
    }

    fn login_to(&self, mut ledger: Ledger) -> Result<(Ledger, Actor)> {
        let name = self.user.clone().ok_or_else(|| Error::invalid("--user", "required for this command (or set CITYTILL_USER)"))?;
        let pin = secret("CITYTILL_PIN", &format!("PIN for {name}: "))?;
        let actor = auth::login(&mut ledger, &self.settings, &name, &pin)?;
        Ok((ledger, actor))
    }

    /// Checks `--approver` with the PIN from `CITYTILL_APPROVER_PIN` or a prompt; must be a supervisor other than `actor`.
    pub fn approve(&self, ledger: &mut Ledger, actor: &Actor, action: &str) -> Result<Actor> {
        let name = self.approver.clone().ok_or_else(|| Error::refused("--approver", format!("{action} needs a supervisor's approval")))?;
        let pin = secret("CITYTILL_APPROVER_PIN", &format!("{name}'s PIN to approve {action}: "))?;
        auth::approve(ledger, &self.settings, actor, &name, &pin, action)
    }
}

/// Debug builds (the tests) may fix the clock with CITYTILL_NOW (RFC 3339), as if the system clock read
/// that; release builds ignore it. Either way the ledger never writes an entry earlier than the last one.
pub fn clock_override() -> Result<Clock> {
    if !cfg!(debug_assertions) {
        return Ok(Clock::System);
    }
    match std::env::var("CITYTILL_NOW") {
        Ok(text) if !text.is_empty() => {
            chrono::DateTime::parse_from_rfc3339(&text).map(|at| Clock::Fixed(at.to_utc())).map_err(|_| Error::invalid("CITYTILL_NOW", format!("'{text}' is not an RFC 3339 time")))
        }
        _ => Ok(Clock::System),
    }
}

/// The platform data dir (e.g. ~/.local/share/citytill).
pub fn default_data_dir() -> Result<PathBuf> {
    directories::ProjectDirs::from("org", "CityTill", "citytill")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or_else(|| Error::invalid("--data-dir", "no home directory found; give --data-dir or CITYTILL_DATA_DIR"))
}

/// A secret from an environment variable, else typed at a prompt without echo.
pub fn secret(variable: &str, prompt: &str) -> Result<String> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(value);
    }
    rpassword::prompt_password(prompt).map_err(|e| Error::invalid(variable, format!("not set and no terminal to ask on ({e})")))
}
