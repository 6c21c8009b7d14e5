//! The autopay key: seals each enrolment's bank account number (ChaCha20-Poly1305, the enrolment id as
//! associated data) and fingerprints it (HMAC-SHA256) for the journal. The key lives in a file OUTSIDE the
//! data dir, like the PIN key (`[autopay] key_file`, created 0600 on first use), so the ledger, its backups
//! and head office's copy hold the number only sealed or not at all.

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use password_hash::rand_core::{OsRng, RngCore};
use sha2::Sha256;

use crate::config::Settings;
use crate::error::{Error, Result};

/// The key, split into one subkey for sealing and one for fingerprints.
pub struct AutopayKey {
    seal: [u8; 32],
    fingerprint: [u8; 32],
}

/// Overrides `[autopay] key_file` (tests, and IT's own layout).
pub const ENV: &str = "CITYTILL_AUTOPAY_KEY_FILE";

fn subkey(key: &[u8], label: &[u8]) -> Result<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|e| Error::Invariant(format!("autopay key: {e}")))?;
    mac.update(label);
    Ok(mac.finalize().into_bytes().into())
}

impl AutopayKey {
    /// Where the key file is: CITYTILL_AUTOPAY_KEY_FILE, else `[autopay] key_file`, else
    /// `<platform config dir>/<terminal>.autopaykey`.
    pub fn path(settings: &Settings, terminal: &str) -> Result<PathBuf> {
        if let Some(path) = std::env::var_os(ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        if let Some(file) = settings.autopay.as_ref().map(|a| a.key_file.trim()).filter(|f| !f.is_empty()) {
            return Ok(PathBuf::from(file));
        }
        directories::ProjectDirs::from("org", "CityTill", "citytill")
            .map(|dirs| dirs.config_dir().join(format!("{terminal}.autopaykey")))
            .ok_or_else(|| Error::invalid("autopay.key_file", "no home directory for the default; set it or CITYTILL_AUTOPAY_KEY_FILE"))
    }

    /// Reads the key file, creating it (0600, 32 random bytes) when `create` and it is missing. Refuses a
    /// path inside `data_dir` and a file others may read.
    pub fn open(path: &Path, data_dir: &Path, create: bool) -> Result<AutopayKey> {
        let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let parent = path.parent().unwrap_or(Path::new("."));
        if real(parent).starts_with(real(data_dir)) {
            return Err(Error::invalid("autopay.key_file", format!("{} is inside the data dir; the key must live outside it (and its backups)", path.display())));
        }
        if !path.exists() {
            if !create {
                return Err(Error::file(path, "the autopay key file is missing; restore IT's copy (without it no sealed bank account can be read)"));
            }
            if !parent.exists() {
                std::fs::create_dir_all(parent).map_err(|e| Error::file(parent, e))?;
                crate::private_file::restrict(parent, true).map_err(|e| Error::file(parent, e))?;
            }
            let mut key = [0u8; 32];
            OsRng.fill_bytes(&mut key);
            let mut file = crate::private_file::open(std::fs::OpenOptions::new().write(true).create_new(true), path).map_err(|e| Error::file(path, e))?;
            std::io::Write::write_all(&mut file, format!("{}\n", hex::encode(key)).as_bytes()).map_err(|e| Error::file(path, e))?;
            file.sync_all().map_err(|e| Error::file(path, e))?;
        }
        if let Some(problem) = crate::private_file::open_to_others(path).map_err(|e| Error::file(path, e))? {
            return Err(Error::file(path, format!("the autopay key file {problem}")));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, e))?;
        match hex::decode(text.trim()) {
            Ok(key) if key.len() >= 32 => Ok(AutopayKey { seal: subkey(&key, b"citytill autopay seal")?, fingerprint: subkey(&key, b"citytill autopay fingerprint")? }),
            _ => Err(Error::file(path, "not a CityTill autopay key (64 hex digits)")),
        }
    }

    /// The keyed fingerprint the journal carries: HMAC-SHA256 over routing and account, in hex.
    pub fn fingerprint(&self, routing: &str, account: &str) -> Result<String> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.fingerprint).map_err(|e| Error::Invariant(format!("autopay key: {e}")))?;
        mac.update(routing.as_bytes());
        mac.update(b":");
        mac.update(account.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// The account number sealed for `enrolment`: hex of a random 12-byte nonce and the ciphertext.
    pub fn seal(&self, enrolment: &str, account: &str) -> Result<String> {
        let mut nonce = [0u8; 12];
        OsRng.fill_bytes(&mut nonce);
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.seal));
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: account.as_bytes(), aad: enrolment.as_bytes() })
            .map_err(|_| Error::Invariant("autopay: sealing the bank account failed".into()))?;
        Ok(format!("{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// Opens what `seal` made for `enrolment`; refuses a wrong key, a row moved between enrolments, or an
    /// edited one.
    pub fn unseal(&self, enrolment: &str, sealed: &str) -> Result<String> {
        let bytes = hex::decode(sealed).map_err(|_| Error::Invariant(format!("autopay {enrolment}: the sealed bank account is not hex")))?;
        if bytes.len() < 12 + 16 {
            return Err(Error::Invariant(format!("autopay {enrolment}: the sealed bank account is cut short")));
        }
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&self.seal));
        let plain = cipher
            .decrypt(Nonce::from_slice(&bytes[..12]), Payload { msg: &bytes[12..], aad: enrolment.as_bytes() })
            .map_err(|_| Error::Invariant(format!("autopay {enrolment}: the bank account does not open with this key (wrong key file, or the row was changed)")))?;
        String::from_utf8(plain).map_err(|_| Error::Invariant(format!("autopay {enrolment}: the bank account is not text")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves a sealed number opens only for its own enrolment, never holds the number, and the key file is 0600.
    #[test]
    fn seals_and_opens_only_for_its_enrolment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("autopay.key");
        let key = AutopayKey::open(&path, &dir.path().join("data"), true).unwrap();
        let sealed = key.seal("AP1", "123456789012").unwrap();
        assert!(!sealed.contains("123456789012"));
        assert_eq!(key.unseal("AP1", &sealed).unwrap(), "123456789012");
        assert!(key.unseal("AP2", &sealed).is_err());
        assert_eq!(key.fingerprint("021000021", "1234").unwrap(), AutopayKey::open(&path, &dir.path().join("data"), false).unwrap().fingerprint("021000021", "1234").unwrap());
        assert_eq!(crate::private_file::open_to_others(&path).unwrap(), None, "the key file is the owner's alone");
        assert!(AutopayKey::open(&dir.path().join("data").join("k"), &dir.path().join("data"), true).is_err());
    }
}
