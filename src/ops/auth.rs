//! Users, PINs (argon2 keyed with a PIN key kept outside the data dir), login with a progressive lockout,
//! and second-person approval — every failure audited, every credential change journaled.

use std::path::{Path, PathBuf};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Duration;
use password_hash::rand_core::OsRng;
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
        Err(Error::auth("user", format!("{} ({}) may not {action}; it needs {}", self.name, self.role.as_str(), allowed.join(" or "))))
    }
}

/// Checks a new PIN or password for a user of `role`: 4–64 characters (approvers: at least
/// `security.approver_pin_length`, 6 by default), not all the same character.
pub fn validate_pin(settings: &Settings, field: &str, pin: &str, role: Role) -> Result<()> {
    let length = pin.chars().count();
    let shortest = if role.can_approve() { settings.security.approver_pin_length.max(4) } else { 4 };
    if !(shortest..=64).contains(&length) {
        let who = if role.can_approve() { format!(" for a {} (security.approver_pin_length)", role.as_str()).replace(" a admin", " an admin") } else { String::new() };
        return Err(Error::invalid(field, format!("must be {shortest} to 64 characters{who}")));
    }
    if pin.chars().all(|c| pin.starts_with(c)) {
        return Err(Error::invalid(field, "must not be one character repeated"));
    }
    Ok(())
}

/// The PIN key: a random secret every PIN hash is keyed with (argon2's secret input). It lives in a file
/// outside the data dir, so a copy of the ledger or a backup alone cannot be used to test PINs offline.
pub struct PinKey;

impl PinKey {
    /// Overrides `security.pin_key_file` (tests, and IT's own layout).
    pub const ENV: &'static str = "CITYTILL_PIN_KEY_FILE";

    /// Where the key file is: CITYTILL_PIN_KEY_FILE, else `security.pin_key_file`, else
    /// `<platform config dir>/<terminal>.pinkey`.
    pub fn path(settings: &Settings, terminal: &str) -> Result<PathBuf> {
        if let Some(path) = std::env::var_os(PinKey::ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        if !settings.security.pin_key_file.trim().is_empty() {
            return Ok(PathBuf::from(settings.security.pin_key_file.trim()));
        }
        directories::ProjectDirs::from("org", "CityTill", "citytill")
            .map(|dirs| dirs.config_dir().join(format!("{terminal}.pinkey")))
            .ok_or_else(|| Error::invalid("security.pin_key_file", "no home directory for the default; set it or CITYTILL_PIN_KEY_FILE"))
    }

    /// Creates the key file (mode 0600; a directory it has to create, 0700) with 32 random bytes, or reads the one there.
    /// Refuses a path inside `data_dir`: backups and copies of the data dir must not carry the key.
    pub fn create(path: &Path, data_dir: &Path) -> Result<Vec<u8>> {
        let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let parent = path.parent().unwrap_or(Path::new("."));
        if real(parent).starts_with(real(data_dir)) {
            return Err(Error::invalid("security.pin_key_file", format!("{} is inside the data dir; the key must live outside it (and its backups)", path.display())));
        }
        if !parent.exists() {
            std::fs::create_dir_all(parent).map_err(|e| Error::file(parent, e))?;
            crate::private_file::restrict(parent, true).map_err(|e| Error::file(parent, e))?;
        }
        if path.exists() {
            return PinKey::load(path);
        }
        let mut key = [0u8; 32];
        password_hash::rand_core::RngCore::fill_bytes(&mut OsRng, &mut key);
        let mut file = crate::private_file::open(std::fs::OpenOptions::new().write(true).create_new(true), path).map_err(|e| Error::file(path, e))?;
        std::io::Write::write_all(&mut file, format!("{}\n", hex::encode(key)).as_bytes()).map_err(|e| Error::file(path, e))?;
        file.sync_all().map_err(|e| Error::file(path, e))?;
        Ok(key.to_vec())
    }

    /// Reads the key file; refuses one that others may read (mode must be 0600 or stricter; on Windows, no
    /// account but the user, SYSTEM and Administrators in its access list).
    pub fn load(path: &Path) -> Result<Vec<u8>> {
        std::fs::metadata(path).map_err(|e| Error::file(path, format!("the PIN key file cannot be read ({e}); restore IT's copy (docs/security.md)")))?;
        if let Some(problem) = crate::private_file::open_to_others(path).map_err(|e| Error::file(path, e))? {
            return Err(Error::file(path, format!("the PIN key file {problem}")));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, e))?;
        match hex::decode(text.trim()) {
            Ok(key) if key.len() >= 32 => Ok(key),
            _ => Err(Error::file(path, "not a CityTill PIN key (64 hex digits)")),
        }
    }
}

/// The ledger's PIN key, loading it from the key file the first time.
fn key(ledger: &mut Ledger, settings: &Settings) -> Result<Vec<u8>> {
    if let Some(key) = ledger.pin_key() {
        return Ok(key.to_vec());
    }
    let path = PinKey::path(settings, ledger.terminal().as_str())?;
    // A ledger from before the PIN key gets its key at the first sign-in after the upgrade (its old PINs are
    // rehashed with it one by one); any other ledger whose key is missing refuses, naming the file.
    let key = if !path.exists() && ledger.meta("legacy_pins")?.as_deref() == Some("1") {
        let data_dir = ledger.path().parent().map(Path::to_path_buf).unwrap_or_default();
        PinKey::create(&path, &data_dir)?
    } else {
        PinKey::load(&path)?
    };
    ledger.set_pin_key(key.clone());
    Ok(key)
}

fn keyed(key: &[u8]) -> Result<Argon2<'_>> {
    Argon2::new_with_secret(key, Algorithm::Argon2id, Version::V0x13, Params::default()).map_err(|e| Error::Invariant(format!("PIN key: {e}")))
}

/// What is hashed: the user's name and the PIN, so a hash copied onto another user's row never matches.
fn hash_input(name: &str, pin: &str) -> String {
    format!("{name}\u{0}{pin}")
}

/// An argon2id PHC string for `name`'s PIN, keyed with the PIN key.
pub fn hash_pin(key: &[u8], name: &str, pin: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    keyed(key)?.hash_password(hash_input(name, pin).as_bytes(), &salt).map(|hash| hash.to_string()).map_err(|e| Error::Invariant(format!("hashing a PIN failed: {e}")))
}

fn pin_matches(key: &[u8], name: &str, pin: &str, stored: &str) -> bool {
    let Ok(argon) = keyed(key) else { return false };
    PasswordHash::new(stored).is_ok_and(|parsed| argon.verify_password(hash_input(name, pin).as_bytes(), &parsed).is_ok())
}

/// A PIN hashed before the PIN key existed (no commitment journaled): plain argon2 of the PIN alone.
fn legacy_pin_matches(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| Argon2::default().verify_password(pin.as_bytes(), &parsed).is_ok())
}

/// Stores `name`'s new hash and journals its commitment (inside the caller's transaction).
fn set_pin(w: &mut crate::ledger::Writer<'_>, actor: Option<&str>, name: &str, pin_hash: &str) -> Result<()> {
    w.append(actor, None, &Event::PinSet { name: name.to_string(), commit: crate::ledger::pin_commit(pin_hash) })?;
    w.conn().execute("UPDATE users SET pin_hash = ?2 WHERE name = ?1", params![name, pin_hash])?;
    Ok(())
}

/// Adds a user (journaled, with a commitment to the PIN hash). Only admins add users; names are unique.
pub fn add_user(ledger: &mut Ledger, settings: &Settings, actor: Option<&Actor>, name: &str, role: Role, pin: &str) -> Result<()> {
    if let Some(actor) = actor {
        actor.require(&[Role::Admin], "add users")?;
    }
    let name = validate_user_name("name", name).map_err(|e| Error::Invalid(e.into()))?;
    validate_pin(settings, "PIN", pin, role)?;
    let pin_hash = hash_pin(&key(ledger, settings)?, &name, pin)?;
    ledger.write(|w| {
        let exists: bool = w.conn().query_row("SELECT EXISTS(SELECT 1 FROM users WHERE name = ?1)", [&name], |r| r.get(0))?;
        if exists {
            return Err(Error::refused("name", format!("user '{name}' already exists")));
        }
        w.append(actor.map(|a| a.name.as_str()), None, &Event::UserAdded { name: name.clone(), role })?;
        set_pin(w, actor.map(|a| a.name.as_str()), &name, &pin_hash)
    })
}

/// Sets a user's PIN: an admin for anyone, or a user for themself. Journaled with the new hash's commitment.
pub fn change_pin(ledger: &mut Ledger, settings: &Settings, actor: &Actor, name: &str, pin: &str) -> Result<()> {
    if actor.name != name {
        actor.require(&[Role::Admin], "set another user's PIN")?;
    }
    let role: Option<String> = ledger.conn().query_row("SELECT role FROM users WHERE name = ?1 AND active = 1", [name], |r| r.get(0)).optional()?;
    let role = Role::parse(&role.ok_or_else(|| Error::not_found("name", format!("no active user '{name}'")))?).map_err(Error::Invariant)?;
    validate_pin(settings, "PIN", pin, role)?;
    let pin_hash = hash_pin(&key(ledger, settings)?, name, pin)?;
    ledger.write(|w| set_pin(w, Some(&actor.name), name, &pin_hash))
}

/// Lifts a user's lockout (admins only; journaled). The lockout ladder starts again at its first step.
pub fn unlock(ledger: &mut Ledger, actor: &Actor, name: &str) -> Result<()> {
    actor.require(&[Role::Admin], "unlock users")?;
    ledger.write(|w| {
        let exists: bool = w.conn().query_row("SELECT EXISTS(SELECT 1 FROM users WHERE name = ?1)", [name], |r| r.get(0))?;
        if !exists {
            return Err(Error::not_found("name", format!("no user '{name}'")));
        }
        w.append(Some(&actor.name), None, &Event::UserUnlocked { name: name.to_string() })?;
        w.conn().execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, lockouts = 0 WHERE name = ?1", [name])?;
        Ok(())
    })
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

/// The name journaled for a failed login whose name is no user's: what was typed is never kept (it
/// could be anything, a card number included).
pub const UNKNOWN_USER: &str = "(unknown)";

/// How long the `lockouts`-th lockout (0-based) lasts: 1, 5, 15, then `limits.lockout_minutes` (30 by default).
fn lockout_minutes(settings: &Settings, lockouts: i64) -> i64 {
    let longest = settings.limits.lockout_minutes;
    [1, 5, 15].get(usize::try_from(lockouts).unwrap_or(usize::MAX)).map_or(longest, |step| (*step).min(longest))
}

/// What the counting transaction decided before the PIN is checked.
enum Attempt {
    Refused(Error),
    /// Checking is allowed; this is attempt `attempts`, and `lock` is the lockout it brings if it fails.
    Check {
        role: String,
        pin_hash: String,
        commit: Option<String>,
        attempts: i64,
        lock: Option<String>,
    },
}

/// Counts the attempt and decides a lockout in one write transaction, before the (slow) PIN check: a
/// parallel attempt sees this one counted, so no more than `login_attempts` PINs are ever checked before
/// a lockout. The lock's start is the ledger's now, never earlier than the last entry.
fn count_attempt(ledger: &mut Ledger, settings: &Settings, name: &str, field: &str) -> Result<Attempt> {
    let zone = ledger.time_zone();
    ledger.write(|w| {
        let now = w.now()?;
        let row = w
            .conn()
            .query_row("SELECT role, active, pin_hash, pin_commit, failed_attempts, locked_until, lockouts FROM users WHERE name = ?1", [name], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? == 1, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?, r.get::<_, i64>(4)?, r.get::<_, Option<String>>(5)?, r.get::<_, i64>(6)?))
            })
            .optional()?;
        let Some((role, active, pin_hash, commit, failed, locked_until, lockouts)) = row else {
            w.append(None, None, &Event::LoginFailed { name: UNKNOWN_USER.to_string(), attempts: 0 })?;
            return Ok(Attempt::Refused(Error::auth(field, "unknown user or wrong PIN")));
        };
        if !active {
            w.append(None, None, &Event::LoginFailed { name: name.to_string(), attempts: 0 })?;
            return Ok(Attempt::Refused(Error::auth(field, "unknown user or wrong PIN")));
        }
        if let Some(until) = locked_until.as_deref().and_then(crate::ledger::clock::parse_at).filter(|until| *until > now) {
            w.append(None, None, &Event::LoginFailed { name: name.to_string(), attempts: failed })?;
            return Ok(Attempt::Refused(Error::auth(
                field,
                format!(
                    "'{name}' is locked out after repeated wrong PINs until {} (the city's time); an admin can unlock (citytill user unlock {name})",
                    until.with_timezone(&zone).format("%H:%M %Z")
                ),
            )));
        }
        let attempts = failed + 1;
        let mut lock = None;
        if attempts >= settings.limits.login_attempts {
            let until = (now + Duration::minutes(lockout_minutes(settings, lockouts))).to_rfc3339();
            w.conn().execute("UPDATE users SET failed_attempts = 0, locked_until = ?2, lockouts = lockouts + 1 WHERE name = ?1", params![name, until])?;
            lock = Some(until);
        } else {
            w.conn().execute("UPDATE users SET failed_attempts = ?2 WHERE name = ?1", params![name, attempts])?;
        }
        Ok(Attempt::Check { role, pin_hash, commit, attempts, lock })
    })
}

fn check_credentials(ledger: &mut Ledger, settings: &Settings, name: &str, pin: &str, field: &str) -> Result<Actor> {
    let key = key(ledger, settings)?;
    let (role, pin_hash, commit, attempts, lock) = match count_attempt(ledger, settings, name, field)? {
        Attempt::Refused(error) => return Err(error),
        Attempt::Check { role, pin_hash, commit, attempts, lock } => (role, pin_hash, commit, attempts, lock),
    };
    // A hash the journal committed to is keyed with the PIN key and bound to the name; a row whose hash is
    // not the committed one was changed behind the app's back and never matches. A row with no commitment
    // predates the PIN key: it is checked the old way, once, and rehashed with the key at once.
    let (good, legacy) = match &commit {
        Some(commit) => (*commit == crate::ledger::pin_commit(&pin_hash) && pin_matches(&key, name, pin, &pin_hash), false),
        None => {
            let legacy = ledger.meta("legacy_pins")?.as_deref() == Some("1") && legacy_pin_matches(pin, &pin_hash);
            (legacy, legacy)
        }
    };
    if !good {
        ledger.write(|w| {
            w.append(None, None, &Event::LoginFailed { name: name.to_string(), attempts })?;
            if let Some(until) = &lock {
                w.append(None, None, &Event::UserLockedOut { name: name.to_string(), until: until.clone() })?;
            }
            Ok(())
        })?;
        return Err(Error::auth(field, "unknown user or wrong PIN"));
    }
    let rehashed = if legacy { Some(hash_pin(&key, name, pin)?) } else { None };
    ledger.write(|w| {
        w.conn().execute("UPDATE users SET failed_attempts = 0, locked_until = NULL, lockouts = 0 WHERE name = ?1", [name])?;
        if let Some(pin_hash) = &rehashed {
            set_pin(w, Some(name), name, pin_hash)?;
        }
        Ok(())
    })?;
    let role = Role::parse(&role).map_err(Error::Invariant)?;
    Ok(Actor { name: name.to_string(), role })
}

/// Checks a second person's approval of `action` by `actor`: the approver's PIN, a supervisor or admin
/// role, and not the same person. Every refusal is journaled with both names.
pub fn approve(ledger: &mut Ledger, settings: &Settings, actor: &Actor, approver: &str, pin: &str, action: &str) -> Result<Actor> {
    let refuse = |ledger: &mut Ledger, reason: String| -> Result<Actor> {
        ledger.write(|w| {
            w.append(Some(&actor.name), Some(approver), &Event::ApprovalRefused { user: actor.name.clone(), approver: approver.to_string(), action: action.to_string(), reason: reason.clone() })
        })?;
        Err(Error::Auth(reason.into()))
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
