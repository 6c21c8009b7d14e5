//! `citytill demo`: creates (or reuses) a training city in its own data dir, with demo users, payables and fees.

use std::path::Path;

use crate::domain::ids::Role;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::ops::{auth, import, setup, synthetic};

/// The demo's users and their PINs (printed for the newcomer; a training city only).
pub const USERS: &[(&str, Role, &str)] =
    &[("admin", Role::Admin, "246810"), ("ana", Role::Cashier, "1357"), ("lee", Role::Lead, "8642"), ("sam", Role::Supervisor, "975310")];

pub const TERMINAL: &str = "TRN1";
pub const PAYABLES: usize = 2_000;

/// Opens the demo ledger at `ledger_path`, creating the training city first if it is not there.
pub fn ensure(data_dir: &Path, ledger_path: &Path) -> Result<(Ledger, bool)> {
    if ledger_path.exists() {
        return Ok((Ledger::open(ledger_path)?, false));
    }
    let (admin, _, admin_pin) = USERS[0];
    let settings = crate::config::Settings::load(data_dir)?;
    let mut ledger = setup::init(data_dir, ledger_path, &setup::Init::new(TERMINAL, admin, admin_pin, true, &settings))?;
    for (name, role, pin) in &USERS[1..] {
        auth::add_user(&mut ledger, &settings, None, name, *role, pin)?;
    }
    import::upsert_fees(&mut ledger, Some(admin), "demo-fees", synthetic::fees())?;
    import::upsert_payables(&mut ledger, Some(admin), "demo-payables", synthetic::payables(PAYABLES, 2026))?;
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
    let first_utility: Option<(String, i64)> = ledger
        .conn()
        .query_row("SELECT number, balance_cents FROM payables WHERE kind = 'utility' AND status = 'active' ORDER BY rowid LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .ok();
    if let Some(stub) = first_utility.and_then(|(number, cents)| synthetic::demo_stub(&number, crate::Money::from_cents(cents), "2611")) {
        text.push_str(&format!("\nA bill stub to scan (type it into the lookup field): {stub}"));
    }
    Ok(text)
}
