//! `citytill init`: a new terminal's data dir — ledger, first admin, documented settings file.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::config::{Settings, FILE_NAME};
use crate::domain::events::Event;
use crate::domain::ids::{Role, TerminalId};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::ops::auth;

/// Creates the data dir (0700), the ledger (0600) and the settings file; refuses to overwrite a ledger.
pub fn init(data_dir: &Path, ledger_path: &Path, terminal: &str, admin: &str, admin_pin: &str, training: bool) -> Result<Ledger> {
    let terminal = TerminalId::parse(terminal).map_err(Error::Invalid)?;
    crate::domain::ids::validate_user_name("--admin", admin).map_err(Error::Invalid)?;
    auth::validate_pin("admin PIN", admin_pin)?;
    if ledger_path.exists() {
        return Err(Error::Refused(format!("init: {} already holds a ledger; refusing to overwrite it", ledger_path.display())));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| Error::file(data_dir, e))?;
    std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| Error::file(data_dir, e))?;
    let settings_path = data_dir.join(FILE_NAME);
    if !settings_path.exists() {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&settings_path).map_err(|e| Error::file(&settings_path, e))?;
        std::io::Write::write_all(&mut file, Settings::default().documented_file().as_bytes()).map_err(|e| Error::file(&settings_path, e))?;
    }
    let mut ledger = Ledger::create(ledger_path, &terminal)?;
    ledger.write(|w| {
        w.conn().execute("INSERT INTO meta(key, value) VALUES ('training', ?1)", [if training { "1" } else { "0" }])?;
        w.append(None, None, &Event::TerminalInitialized { terminal: terminal.to_string(), training })?;
        Ok(())
    })?;
    auth::add_user(&mut ledger, None, admin, Role::Admin, admin_pin)?;
    Ok(ledger)
}

/// Whether this ledger is a training city (demo): every screen and receipt says TRAINING.
pub fn is_training(ledger: &Ledger) -> Result<bool> {
    Ok(ledger.meta("training")?.as_deref() == Some("1"))
}
