//! `citytill init`: a new terminal's data dir — ledger, first admin, documented settings file.

use std::path::Path;

use crate::config::{Settings, FILE_NAME};
use crate::domain::events::Event;
use crate::domain::ids::{Role, TerminalId};
use crate::error::{Error, Result};
use crate::ledger::{clock, Clock, Ledger};
use crate::ops::auth;

/// What `init` needs to know.
pub struct Init<'a> {
    pub terminal: &'a str,
    pub admin: &'a str,
    pub admin_pin: &'a str,
    pub training: bool,
    /// The city's IANA time zone; None = the machine's (/etc/localtime, never `TZ`).
    pub time_zone: Option<&'a str>,
    pub settings: &'a Settings,
    /// The clock the first entries are written at (tests fix it).
    pub clock: Clock,
    /// The PIN key itself instead of the key file (in-process tests only).
    pub pin_key: Option<Vec<u8>>,
}

impl<'a> Init<'a> {
    /// A real terminal: machine zone, system clock, the key file from the settings.
    pub fn new(terminal: &'a str, admin: &'a str, admin_pin: &'a str, training: bool, settings: &'a Settings) -> Init<'a> {
        Init { terminal, admin, admin_pin, training, time_zone: None, settings, clock: Clock::System, pin_key: None }
    }
}

/// Creates the data dir (0700), the PIN key file (0600, outside the data dir), the ledger (0600) and the
/// settings file; refuses to overwrite a ledger.
pub fn init(data_dir: &Path, ledger_path: &Path, init: &Init<'_>) -> Result<Ledger> {
    let terminal = TerminalId::parse(init.terminal).map_err(|e| Error::Invalid(e.into()))?;
    crate::domain::ids::validate_user_name("--admin", init.admin).map_err(|e| Error::Invalid(e.into()))?;
    auth::validate_pin(init.settings, "admin PIN", init.admin_pin, Role::Admin)?;
    let zone = match init.time_zone {
        Some(name) => clock::parse_zone("--time-zone", name).map_err(|e| Error::Invalid(e.into()))?,
        None => clock::machine_zone(),
    };
    if ledger_path.exists() {
        return Err(Error::refused("init", format!("{} already holds a ledger; refusing to overwrite it", ledger_path.display())));
    }
    let pin_key = match &init.pin_key {
        Some(key) => key.clone(),
        None => auth::PinKey::create(&auth::PinKey::path(init.settings, terminal.as_str())?, data_dir)?,
    };
    std::fs::create_dir_all(data_dir).map_err(|e| Error::file(data_dir, e))?;
    crate::private_file::restrict(data_dir, true).map_err(|e| Error::file(data_dir, e))?;
    let settings_path = data_dir.join(FILE_NAME);
    if !settings_path.exists() {
        let mut file = crate::private_file::open(std::fs::OpenOptions::new().write(true).create_new(true), &settings_path).map_err(|e| Error::file(&settings_path, e))?;
        std::io::Write::write_all(&mut file, Settings::default().documented_file().as_bytes()).map_err(|e| Error::file(&settings_path, e))?;
    }
    let mut ledger = Ledger::create(ledger_path, &terminal)?;
    ledger.set_clock(init.clock);
    ledger.set_time_zone(zone)?;
    ledger.set_pin_key(pin_key);
    ledger.write(|w| {
        w.conn().execute("INSERT INTO meta(key, value) VALUES ('training', ?1)", [if init.training { "1" } else { "0" }])?;
        w.append(None, None, &Event::TerminalInitialized { terminal: terminal.to_string(), training: init.training })?;
        Ok(())
    })?;
    auth::add_user(&mut ledger, init.settings, None, init.admin, Role::Admin, init.admin_pin)?;
    Ok(ledger)
}

/// Whether this ledger is a training city (demo): every screen and receipt says TRAINING.
pub fn is_training(ledger: &Ledger) -> Result<bool> {
    Ok(ledger.meta("training")?.as_deref() == Some("1"))
}
