//! What every screen may use: the ledger thread, the settings, the devices, and whether this is training.

use std::sync::Arc;

use citytill::config::Settings;

use super::devices::Devices;
use super::worker::Worker;

/// Shared, cheap to clone; screens never own the ledger or a device directly.
#[derive(Clone, Debug)]
pub struct Context {
    pub worker: Worker,
    pub settings: Arc<Settings>,
    pub devices: Arc<Devices>,
    /// A training city: TRAINING on every screen and receipt.
    pub training: bool,
    pub terminal: String,
}

impl Context {
    /// Largest amount any field may take (settings.limits.max_amount).
    pub fn max_amount(&self) -> citytill::Money {
        self.settings.limits.max_amount
    }
}
