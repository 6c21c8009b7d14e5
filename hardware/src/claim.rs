//! Exclusive claims: one owner per port inside this program (other programs are kept out by the OS lock).

use crate::transport::TransportError;
use std::collections::BTreeMap;
use std::sync::Mutex;

static CLAIMS: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

/// Held while a device owns a target; releases it on drop.
#[derive(Debug)]
pub struct Claim {
    target: String,
}

impl Claim {
    /// Claims `target` for `owner`, or says who already holds it.
    pub fn take(target: &str, owner: &str) -> Result<Self, TransportError> {
        let mut claims = CLAIMS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(existing) = claims.get(target) {
            return Err(TransportError::AlreadyClaimed { target: target.to_string(), owner: existing.clone() });
        }
        claims.insert(target.to_string(), owner.to_string());
        Ok(Self { target: target.to_string() })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut claims = CLAIMS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        claims.remove(&self.target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A second claim of the same target fails naming the first owner; dropping frees it.
    #[test]
    fn second_claim_fails_until_released() {
        let first = Claim::take("test-target-claim", "printer").unwrap();
        let err = Claim::take("test-target-claim", "scanner").unwrap_err();
        assert_eq!(err.to_string(), "test-target-claim: already claimed by printer in this program");
        drop(first);
        assert!(Claim::take("test-target-claim", "scanner").is_ok());
    }
}
