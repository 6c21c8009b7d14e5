//! `citytill sync --once` / `citytill sync status`: one sync round with head office now, or the sync status
//! the status bar shows. `sync once` is kept as a spelling of `sync --once`.

use crate::cli::context::Context;
use crate::cli::output::say;
use crate::error::{Error, Result};
use crate::hq::client::sync_once;
use crate::hq::settings::HqSettings;
use crate::hq::status::local_status;

/// `citytill sync --once` or `citytill sync status` (`--json` is the global flag).
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// Push every unacknowledged journal entry, then pull changed reference data (one round, then exit).
    #[arg(long)]
    pub once: bool,
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
}

#[derive(clap::Subcommand, Debug)]
pub enum SyncCommand {
    /// Same as `sync --once`.
    Once,
    /// Pending entries, age of the oldest, last success, last error.
    Status,
}

pub fn run(args: SyncArgs, ctx: &Context) -> Result<()> {
    let command = match (args.once, args.command) {
        (true, None) | (false, Some(SyncCommand::Once)) => SyncCommand::Once,
        (false, Some(SyncCommand::Status)) => SyncCommand::Status,
        (true, Some(_)) => return Err(Error::Invalid("sync: --once takes no subcommand".into())),
        (false, None) => {
            return Err(Error::Invalid(
                "sync: say what to do: `--once` (one round now) or `status`; the window syncs continuously by itself".into(),
            ))
        }
    };
    let hq = HqSettings::from_settings(ctx.settings.hq.as_ref())?;
    match command {
        SyncCommand::Once => {
            let mut ledger = ctx.open_ledger()?;
            let Some(hq) = hq else {
                return say(ctx, &local_status(&ledger, false)?, "standalone: no head office configured ([hq] database_url or CITYTILL_HQ_URL); nothing to sync");
            };
            let outcome = sync_once(&mut ledger, &hq)?;
            let text = format!(
                "terminal {}: {} pushed, {} already held, acknowledged through {}, {} pending; {} reference rows pulled (version {})",
                outcome.terminal, outcome.pushed, outcome.duplicates, outcome.acked_seq, outcome.pending, outcome.pulled_rows, outcome.ref_version
            );
            say(ctx, &outcome, &text)
        }
        SyncCommand::Status => {
            let ledger = ctx.open_ledger()?;
            let status = local_status(&ledger, hq.is_some())?;
            let mut text = status.summary();
            if let Some(success) = &status.last_success {
                text.push_str(&format!("\nlast success {success}"));
            }
            if let Some(error) = &status.last_error {
                text.push_str(&format!("\nlast error: {error}"));
            }
            say(ctx, &status, &text)
        }
    }
}

