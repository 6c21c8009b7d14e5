//! `citytill demo`: creates (or reuses) a training city in its own data dir, with demo users, payables and fees.

use std::path::Path;

use crate::domain::ids::Role;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::ops::{auth, import, setup, synthetic};

/// The demo's users and their PINs (printed for the newcomer; a training city only).
pub const USERS: &[(&str, Role, &str)] = &[("admin", Role::Admin, "246810"), ("ana", Role::Cashier, "1357"), ("lee", Role::Lead, "8642"), ("sam", Role::Supervisor, "975310")];

pub const TERMINAL: &str = "TRN1";
pub const PAYABLES: usize = 2_000;

/// The demo's `[devices]` settings: every device simulated (`sim:`, started in <data dir>/sim by whoever opens
/// them), the same five (printer, drawer, scanner, counter, customer display) the demo window shows, so `citytill devices status|test` on the demo's data dir see them too.
pub fn devices_toml() -> Result<String> {
    let problem = |e: &dyn std::fmt::Display| crate::Error::invalid("[devices]", e.to_string());
    #[derive(serde::Serialize)]
    struct Section {
        devices: citytill_hardware::config::DevicesConfig,
    }
    let text = toml::to_string(&Section { devices: citytill_hardware::sim::sim_config() }).map_err(|e| problem(&e))?;
    Ok(format!("\n# Added by `citytill demo`: every device is simulated (started in <data dir>/sim by whoever opens them).\n{text}"))
}

/// Adds [`devices_toml`] to the demo's settings file when it has no `[devices]` table (a new demo, or one made
/// before the demo wrote it); a table already there (the trainer's own) is left alone.
pub fn ensure_devices(data_dir: &Path) -> Result<()> {
    if crate::config::Settings::load(data_dir)?.devices.is_some() {
        return Ok(());
    }
    let path = data_dir.join(crate::config::FILE_NAME);
    let mut file = crate::private_file::open(std::fs::OpenOptions::new().append(true).create(true), &path).map_err(|e| crate::Error::file(&path, e))?;
    std::io::Write::write_all(&mut file, devices_toml()?.as_bytes()).map_err(|e| crate::Error::file(&path, e))
}

/// Opens the demo ledger at `ledger_path`, creating the training city first if it is not there.
pub fn ensure(data_dir: &Path, ledger_path: &Path) -> Result<(Ledger, bool)> {
    if ledger_path.exists() {
        let ledger = Ledger::open(ledger_path)?;
        // A counter's real city is never run as the demo (nor given simulated devices).
        if !setup::is_training(&ledger)? {
            return Err(crate::Error::refused("demo", format!("{} holds a real (not training) city; give the demo its own folder with --data-dir", data_dir.display())));
        }
        ensure_devices(data_dir)?;
        return Ok((ledger, false));
    }
    let (admin, _, admin_pin) = USERS[0];
    let settings = crate::config::Settings::load(data_dir)?;
    let mut ledger = setup::init(data_dir, ledger_path, &setup::Init::new(TERMINAL, admin, admin_pin, true, &settings))?;
    for (name, role, pin) in &USERS[1..] {
        auth::add_user(&mut ledger, &settings, None, name, *role, pin)?;
    }
    import::upsert_fees(&mut ledger, Some(admin), "demo-fees", synthetic::fees())?;
    import::upsert_payables(&mut ledger, Some(admin), "demo-payables", synthetic::payables(PAYABLES, 2026))?;
    ensure_devices(data_dir)?;
    Ok((ledger, true))
}

/// The text shown to a newcomer: who can log in, and a few accounts to try.
pub fn welcome(ledger: &Ledger, data_dir: &Path) -> Result<String> {
    let mut text = format!("CityTill TRAINING city in {}\nUsers (name / PIN):\n", data_dir.display());
    for (name, role, pin) in USERS {
        text.push_str(&format!("  {name:<6} {pin}  ({})\n", role.as_str()));
    }
    let examples: Vec<String> = ledger
        .conn()
        .prepare("SELECT number, name, balance_cents FROM payables WHERE status = 'active' ORDER BY rowid LIMIT 3")?
        .query_map([], |r| Ok(format!("  {} {} ({})", r.get::<_, String>(0)?, r.get::<_, String>(1)?, crate::Money::from_cents(r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    text.push_str("Accounts to try:\n");
    text.push_str(&examples.join("\n"));
    let first_utility: Option<(String, i64)> =
        ledger.conn().query_row("SELECT number, balance_cents FROM payables WHERE kind = 'utility' AND status = 'active' ORDER BY rowid LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?))).ok();
    if let Some(stub) = first_utility.and_then(|(number, cents)| synthetic::demo_stub(&number, crate::Money::from_cents(cents), "2611")) {
        text.push_str(&format!("\nA bill stub to scan (type it into the lookup field): {stub}"));
    }
    Ok(text)
}
