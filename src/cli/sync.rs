//! `citytill sync --once` / `sync --watch` / `citytill sync status`: one sync round with head office now, the
//! window's sync worker run on its own for a counter without a window, or the sync status the status bar shows.
//! `sync once` is kept as a spelling of `sync --once`.

use crate::cli::context::Context;
use crate::cli::output::say;
use citytill::error::{Error, Result};
use citytill::hq::settings::HqSettings;
use citytill::hq::terminal::client::sync_once;
use citytill::hq::terminal::status::local_status;
use citytill::hq::terminal::worker::SyncWorker;

/// `citytill sync --once` or `citytill sync status` (`--json` is the global flag).
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// Push every unacknowledged journal entry, then pull changed reference data (one round, then exit).
    #[arg(long)]
    pub once: bool,
    /// Keep syncing until stopped, as the window does: push each new entry as soon as it is written (checked
    /// every quarter second), else every `hq.interval_ms`, with backoff while head office cannot be reached.
    /// For a counter run from the command line or scripts (run it as a service); prints each change of status.
    #[arg(long, conflicts_with = "once")]
    pub watch: bool,
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
    if args.watch {
        if args.command.is_some() {
            return Err(Error::invalid("sync", "--watch takes no subcommand"));
        }
        return watch(ctx);
    }
    let command = match (args.once, args.command) {
        (true, None) | (false, Some(SyncCommand::Once)) => SyncCommand::Once,
        (false, Some(SyncCommand::Status)) => SyncCommand::Status,
        (true, Some(_)) => return Err(Error::invalid("sync", "--once takes no subcommand")),
        (false, None) => return Err(Error::invalid("sync", "say what to do: `--once` (one round now), `--watch` (keep syncing) or `status`; the window syncs continuously by itself")),
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

/// `sync --watch`: the sync worker, nudged whenever the ledger gains an entry, until the process is stopped.
fn watch(ctx: &Context) -> Result<()> {
    let Some(hq) = HqSettings::from_settings(ctx.settings.hq.as_ref())? else {
        return Err(Error::invalid("sync", "--watch needs a head office ([hq] database_url or CITYTILL_HQ_URL)"));
    };
    // The ledger must exist and open before anything runs in the background.
    drop(ctx.read_ledger()?);
    let path = ctx.ledger_path();
    let worker = SyncWorker::spawn_with(ctx.data_dir.clone(), hq);
    let mut seen = None;
    let mut said = String::new();
    loop {
        // A reading connection per look: it never holds the ledger open against a writer or a backup.
        let last: Option<i64> = citytill::ledger::last_seq_at(&path).unwrap_or(None);
        if last != seen {
            if seen.is_some() {
                worker.nudge();
            }
            seen = last;
        }
        let status = worker.status();
        let mut line = format!("{}; acknowledged through {}", status.summary(), status.acked_seq);
        if let Some(error) = &status.last_error {
            line.push_str(&format!("; last error: {error}"));
        }
        if line != said {
            if ctx.json {
                crate::outln!("{}", serde_json::to_string(&status).map_err(|e| Error::invalid("sync", e.to_string()))?)?;
            } else {
                crate::outln!("{line}")?;
            }
            said = line;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}
