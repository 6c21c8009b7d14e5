//! Admin commands: init, users, import, verify, backup, bench.

use std::path::Path;

use crate::cli::context::{secret, Context};
use crate::cli::output;
use citytill::domain::ids::Role;
use citytill::error::{Error, Result};
use citytill::ledger::{backup as ledger_backup, verify as ledger_verify};
use citytill::ops::{auth, import as ops_import, setup};

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Add a user (their PIN from CITYTILL_NEW_PIN or a prompt).
    Add {
        name: String,
        #[arg(long)]
        role: String,
    },
    /// Set a user's PIN (admins for anyone, anyone for themself; the new PIN from CITYTILL_NEW_PIN or a prompt).
    Pin { name: String },
    /// Lift a user's lockout after wrong PINs (admins only; journaled).
    Unlock { name: String },
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Payables in the synthetic city.
    #[arg(long, default_value_t = 1_000_000)]
    pub payables: usize,
    /// Payments to commit (and then close one drawer over).
    #[arg(long, default_value_t = 10_000)]
    pub payments: usize,
    /// Payments in the journal whose verify throughput is measured.
    #[arg(long, default_value_t = 200_000)]
    pub verify_payments: usize,
    /// Payments per drawer in the office day (20 drawers).
    #[arg(long, default_value_t = 500)]
    pub office_payments: usize,
    /// Also benchmark head-office push against this PostgreSQL URL.
    #[arg(long)]
    pub hq: Option<String>,
    /// Run only this part: `import` (the two payables imports, then verify); other figures are 0.
    #[arg(long, value_parser = ["import"])]
    pub only: Option<String>,
    /// Instead, grow a realistic journal to this many entries and time every counter and office operation
    /// on it beside the same on a --journal-base journal (p50/p99 of each).
    #[arg(long)]
    pub journal_entries: Option<usize>,
    /// The journal size --journal-entries figures are set beside.
    #[arg(long, default_value_t = crate::bench_growth::BASE_ENTRIES)]
    pub journal_base: usize,
    /// Instead, write a realistic ledger of at least --journal-entries entries (default 1,500) at this new
    /// file and stop: how `tests/fixtures/` keeps the ledger each release wrote.
    #[arg(long, hide = true)]
    pub write_journal: Option<std::path::PathBuf>,
}

pub fn init(ctx: &Context, terminal: &str, admin: &str, training: bool, time_zone: Option<&str>) -> Result<()> {
    if let Some(zone) = time_zone {
        citytill::ledger::clock::parse_zone("--time-zone", zone).map_err(|e| Error::Invalid(e.into()))?;
    }
    let pin = secret("CITYTILL_NEW_PIN", &format!("New PIN for {admin}: "))?;
    let mut init = setup::Init::new(terminal, admin, &pin, training, &ctx.settings);
    init.time_zone = time_zone;
    init.clock = crate::cli::context::clock_override()?;
    let ledger = setup::init(&ctx.data_dir, &ctx.ledger_path(), &init)?;
    let key_file = auth::PinKey::path(&ctx.settings, ledger.terminal().as_str())?;
    if ctx.json {
        return output::json(&serde_json::json!({
            "terminal": ledger.terminal().to_string(), "data_dir": ctx.data_dir, "admin": admin,
            "time_zone": ledger.time_zone().name(), "pin_key_file": key_file,
        }));
    }
    crate::outln!("Terminal {} ready in {} (admin: {admin}, time zone {}).", ledger.terminal(), ctx.data_dir.display(), ledger.time_zone().name())?;
    crate::outln!("PIN key: {} — keep a copy where IT keeps secrets, never with the backups (docs/security.md).", key_file.display())?;
    Ok(())
}

pub fn user(ctx: &Context, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add { name, role } => {
            let role = Role::parse(&role).map_err(|e| Error::Invalid(format!("--{e}").into()))?;
            citytill::domain::ids::validate_user_name("name", &name).map_err(|e| Error::Invalid(e.into()))?;
            let (mut ledger, actor) = ctx.login()?;
            let pin = secret("CITYTILL_NEW_PIN", &format!("New PIN for {name}: "))?;
            auth::add_user(&mut ledger, &ctx.settings, Some(&actor), &name, role, &pin)?;
            crate::outln!("User {name} added as {}.", role.as_str())?;
            Ok(())
        }
        UserCommand::Pin { name } => {
            let (mut ledger, actor) = ctx.login()?;
            if actor.name != name {
                actor.require(&[Role::Admin], "set another user's PIN")?;
            }
            let pin = secret("CITYTILL_NEW_PIN", &format!("New PIN for {name}: "))?;
            auth::change_pin(&mut ledger, &ctx.settings, &actor, &name, &pin)?;
            crate::outln!("PIN of {name} changed.")?;
            Ok(())
        }
        UserCommand::Unlock { name } => {
            let (mut ledger, actor) = ctx.login()?;
            auth::unlock(&mut ledger, &actor, &name)?;
            crate::outln!("User {name} unlocked.")?;
            Ok(())
        }
    }
}

pub fn import(ctx: &Context, what: &str, file: &Path) -> Result<()> {
    let (mut ledger, actor) = ctx.login()?;
    let count = ops_import::import_file(&mut ledger, &actor, what, file, ctx.settings.limits.max_amount)?;
    if ctx.json {
        return output::json(&serde_json::json!({ "imported": count, "what": what }));
    }
    crate::outln!("Imported {count} {what} from {}.", file.display())?;
    Ok(())
}

pub fn verify(ctx: &Context, seals: &[String], since_seal: bool) -> Result<()> {
    let claims = seals.iter().map(|s| citytill::ops::seal::parse(s)).collect::<Result<Vec<_>>>()?;
    let ledger = ctx.read_ledger()?;
    let (mut report, since) = if since_seal {
        let checked = ledger_verify::verify_since_seal(&ledger)?;
        (checked.report, Some(checked.since))
    } else {
        (ledger_verify::verify(&ledger)?, None)
    };
    // Seals from paper are witnesses outside the file: a re-hashed chain passes the checks above, not these.
    let seal_problems = citytill::ops::seal::check(&*ledger.read()?, &claims)?;
    if !seal_problems.is_empty() {
        report.ok = false;
        report.problems.extend(seal_problems);
    }
    if ctx.json {
        let result = verdict(&report);
        match since {
            Some(since) => output::json(&ledger_verify::SinceSeal { report, since })?,
            None => output::json(&report)?,
        }
        return result;
    }
    match &since {
        Some(None) => crate::outln!("No sealed day yet (no day close records its chain head): verified the whole journal instead.")?,
        Some(Some(start)) => crate::outln!(
            "Checked entries {}-{} from the day close of {} (entry {}, {} on its printout): sequence, hash chain, hashes, postings, payloads.\n\
             Not re-checked: entries 1-{} (covered by that seal: `citytill verify --seal {}` holds them to the paper), the projections and SQLite's integrity check (a full `citytill verify` checks those).",
            start.seq,
            start.last_seq,
            start.date,
            start.seq,
            citytill::ops::seal::line(start.seq, &start.hash),
            start.seq - 1,
            citytill::ops::seal::seal(start.seq, &start.hash),
        )?,
        None => {}
    }
    if let Some(Some(ledger_verify::SealStart { acked: Some(acked), .. })) = &since {
        crate::outln!("Entry {acked}, the last head office acknowledged, was held to the hash head office acknowledged.")?;
    }
    if report.ok {
        match since {
            Some(Some(_)) => crate::outln!("Entries since the seal verified: {} entries, {} postings — clean.", report.entries, report.postings)?,
            _ => crate::outln!("Ledger verified: {} entries, {} postings, {} receipts — clean.", report.entries, report.postings, report.receipts)?,
        }
        if !claims.is_empty() {
            crate::outln!("{} seal(s) match the journal.", claims.len())?;
        }
    } else {
        for problem in &report.problems {
            crate::outln!("PROBLEM: {problem}")?;
        }
    }
    verdict(&report)
}

fn verdict(report: &ledger_verify::Report) -> Result<()> {
    if report.ok {
        Ok(())
    } else {
        Err(Error::Invariant(format!("verify found {} problem(s)", report.problems.len())))
    }
}

pub fn backup(ctx: &Context, file: &Path) -> Result<()> {
    // A backup holds every PIN hash: only an admin or supervisor may take one (the PIN key is not in it).
    let (ledger, actor) = ctx.login_issuing_nothing()?;
    actor.require(&[Role::Admin, Role::Supervisor], "make backups")?;
    let last = ledger_backup::backup(&ledger, file)?;
    if ctx.json {
        return output::json(&serde_json::json!({ "file": file, "entries": last }));
    }
    crate::outln!("Backup written to {} ({last} journal entries, integrity ok).", file.display())?;
    Ok(())
}

pub fn bench(ctx: &Context, args: BenchArgs) -> Result<()> {
    if let Some(path) = &args.write_journal {
        if path.exists() {
            return Err(Error::invalid("--write-journal", format!("{} exists; a sample ledger is only written to a new file", path.display())));
        }
        let entries = crate::bench_growth::write_sample_ledger(path, args.journal_entries.unwrap_or(1_500))?;
        return crate::outln!("wrote {entries} entries to {}", path.display());
    }
    if let Some(entries) = args.journal_entries {
        let growth = crate::bench_growth::run(entries, args.journal_base)?;
        if ctx.json {
            return output::json(&growth);
        }
        println!("{}", growth.text());
        return Ok(());
    }
    let plan = crate::bench::Plan {
        payables: args.payables,
        payments: args.payments,
        verify_payments: args.verify_payments,
        office_payments: args.office_payments,
        hq: args.hq.as_deref(),
        only_import: args.only.as_deref() == Some("import"),
    };
    let report = crate::bench::run(&plan)?;
    if ctx.json {
        return output::json(&report);
    }
    crate::outln!("{}", report.text())?;
    Ok(())
}
