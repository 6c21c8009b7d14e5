//! Users, PINs (argon2), login with lockout, and second-person approval — every failure audited.

use password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, OptionalExtension};

use crate::config::Settings;
use crate::domain::events::Event;
use crate::domain::ids::{validate_user_name, Role};
use crate::error::{Error, Result};
use crate::ledger::Ledger;

/// An authenticated user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Role,
}

impl Actor {
    /// Refuses unless the actor holds one of `roles`.
    pub fn require(&self, roles: &[Role], action: &str) -> Result<()> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(Error::Auth(format!("user: {} ({}) may not {action}; it needs {}", self.name, self.role.as_str(), allowed.join(" or "))))
    }
}

/// Checks a new PIN or password: 4–64 characters, not all the same digit.
pub fn validate_pin(field: &str, pin: &str) -> Result<()> {
    let length = pin.chars().count();
    if !(4..=64).contains(&length) {
        return Err(Error::Invalid(format!("{field}: must be 4 to 64 characters")));
    }
    if pin.chars().all(|c| Some(c) == pin.chars().next()) {
        return Err(Error::Invalid(format!("{field}: must not be one character repeated")));
    }
    Ok(())
}

/// An argon2id PHC string for the PIN.
pub fn hash_pin(pin: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Invariant(format!("hashing a PIN failed: {e}")))
}

fn pin_matches(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok())
}

/// Adds a user (journaled) with a hashed PIN. Only admins add users; names are unique.
pub fn add_user(ledger: &mut Ledger, actor: Option<&Actor>, name: &str, role: Role, pin: &str) -> Result<()> {
    if let Some(actor) = actor {
        actor.require(&[Role::Admin], "add users")?;
    }
    let name = validate_user_name("name", name).map_err(Error::Invalid)?;
    validate_pin("PIN", pin)?;
    let pin_hash = hash_pin(pin)?;
    ledger.write(|w| {
        let exists: bool = w.conn().query_row("SELECT EXISTS(SELECT 1 FROM users WHERE name = ?1)", [&name], |r| r.get(0))?;
        if exists {
            return Err(Error::Refused(format!("name: user '{name}' already exists")));
        }
        w.append(actor.map(|a| a.name.as_str()), None, &Event::UserAdded { name: name.clone(), role })?;
        w.conn().execute("UPDATE users SET pin_hash = ?2 WHERE name = ?1", params![name, pin_hash])?;
        Ok(())
    })
}

struct UserRow {
    role: String,
    active: bool,
    pin_hash: String,
    failed_attempts: i64,
    locked_until: Option<String>,
}

/// Verifies `name`'s PIN. Failures are journaled and count toward a lockout; the error never says
/// whether the name or the PIN was wrong. `journal_success` records a session login (the window).
pub fn login(ledger: &mut Ledger, settings: &Settings, name: &str, pin: &str) -> Result<Actor> {
    check_credentials(ledger, settings, name, pin, "login")
}

/// Like `login`, and journals the successful login (the window's sign-in).
pub fn login_session(ledger: &mut Ledger, settings: &Settings, name: &str, pin: &str) -> Result<Actor> {
    let actor = check_credentials(ledger, settings, name, pin, "login")?;
    ledger.write(|w| w.append(Some(&actor.name), None, &Event::LoginSucceeded { name: actor.name.clone() }))?;
    Ok(actor)
}

fn check_credentials(ledger: &mut Ledger, settings: &Settings, name: &str, pin: &str, field: &str) -> Result<Actor> {
    let now = ledger.clock().now();
    let row = ledger
        .conn()
        .query_row("SELECT role, active, pin_hash, failed_attempts, locked_until FROM users WHERE name = ?1", [name], |r| {
            Ok(UserRow { role: r.get(0)?, active: r.get::<_, i64>(1)? == 1, pin_hash: r.get(2)?, failed_attempts: r.get(3)?, locked_until: r.get(4)? })
        })
        .optional()?;
    let refused = || Error::Auth(format!("{field}: unknown user or wrong PIN for '{name}'"));
    let Some(row) = row.filter(|r| r.active) else {
        ledger.write(|w| w.append(None, None, &Event::LoginFailed { name: name.to_string(), attempts: 0 }))?;
        return Err(refused());
    };
    if let Some(until) = row.locked_until.as_deref().and_then(|t| DateTime::parse_from_rfc3339(t).ok()) {
        if until > now {
            ledger.write(|w| w.append(None, None, &Event::LoginFailed { name: name.to_string(), attempts: row.failed_attempts }))?;
            return Err(Error::Auth(format!("{field}: '{name}' is locked out after repeated wrong PINs until {} UTC; a supervisor or admin can help", until.format("%H:%M"))));
        }
    }
    if !pin_matches(pin, &row.pin_hash) {
        record_failure(ledger, settings, name, row.failed_attempts + 1, now)?;
        return Err(refused());
    }
    ledger.write(|w| {
        w.conn().execute("UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE name = ?1", [name])?;
        Ok(())
    })?;
    let role = Role::parse(&row.role).map_err(Error::Invariant)?;
    Ok(Actor { name: name.to_string(), role })
}

fn record_failure(ledger: &mut Ledger, settings: &Settings, name: &str, attempts: i64, now: DateTime<Utc>) -> Result<()> {
    ledger.write(|w| {
        w.append(None, None, &Event::LoginFailed { name: name.to_string(), attempts })?;
        let mut locked_until = None;
        if attempts >= settings.limits.login_attempts {
            let until = (now + Duration::minutes(settings.limits.lockout_minutes)).to_rfc3339();
            w.append(None, None, &Event::UserLockedOut { name: name.to_string(), until: until.clone() })?;
            locked_until = Some(until);
        }
        let attempts_left = if locked_until.is_some() { 0 } else { attempts };
        w.conn().execute("UPDATE users SET failed_attempts = ?2, locked_until = ?3 WHERE name = ?1", params![name, attempts_left, locked_until])?;
        Ok(())
    })
}

/// Checks a second person's approval of `action` by `actor`: the approver's PIN, a supervisor or admin
/// role, and not the same person. Every refusal is journaled with both names.
pub fn approve(ledger: &mut Ledger, settings: &Settings, actor: &Actor, approver: &str, pin: &str, action: &str) -> Result<Actor> {
    let refuse = |ledger: &mut Ledger, reason: String| -> Result<Actor> {
        ledger.write(|w| {
            w.append(
                Some(&actor.name),
                Some(approver),
                &Event::ApprovalRefused { user: actor.name.clone(), approver: approver.to_string(), action: action.to_string(), reason: reason.clone() },
            )
        })?;
        Err(Error::Auth(reason))
    };
    if approver == actor.name {
        return refuse(ledger, format!("approver: {approver} cannot approve their own {action}; a second person must"));
    }
    let approving = check_credentials(ledger, settings, approver, pin, "approver")?;
    if !approving.role.can_approve() {
        return refuse(ledger, format!("approver: {approver} is a {} and cannot approve {action}; a supervisor must", approving.role.as_str()));
    }
    Ok(approving)
}
