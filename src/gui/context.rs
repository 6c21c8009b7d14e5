//! What every screen may use: the ledger thread, the settings, the devices, and whether this is training.

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use citytill::config::Settings;
use citytill::hq::{SyncStatus, SyncWorker};

use super::devices::Devices;
use super::worker::Worker;

/// Shared, cheap to clone; screens never own the ledger or a device directly.
#[derive(Clone, Debug)]
pub struct Context {
    pub worker: Worker,
    pub settings: Arc<Settings>,
    pub devices: Rc<Devices>,
    /// The bill-stub templates read at start (`[scanline]`), or why stub scanning is off.
    pub stubs: Arc<super::scan::Stubs>,
    /// A training city: TRAINING on every screen and receipt.
    pub training: bool,
    pub terminal: String,
    /// The city's data directory: saved reports go to its `reports/` folder.
    pub data_dir: PathBuf,
    /// Head-office sync (its own thread); None in tests.
    pub sync: Option<HeadOffice>,
}

/// The sync worker handle, shared by clones of the context.
#[derive(Clone)]
pub struct HeadOffice(pub Arc<SyncWorker>);

impl std::fmt::Debug for HeadOffice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeadOffice")
    }
}

impl Context {
    /// Largest amount any field may take (settings.limits.max_amount).
    pub fn max_amount(&self) -> citytill::Money {
        self.settings.limits.max_amount
    }

    /// The latest sync snapshot (a copy; never waits on the network).
    pub fn sync_status(&self) -> Option<SyncStatus> {
        self.sync.as_ref().map(|sync| sync.0.status())
    }

    /// Asks for a sync round now (after a payment), without waiting.
    pub fn nudge_sync(&self) {
        if let Some(sync) = &self.sync {
            sync.0.nudge();
        }
    }
}
