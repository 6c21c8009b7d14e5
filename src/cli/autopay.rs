//! `citytill autopay ...`: enrol (a lead, with --approver), import, list, cancel; run (prepare the day's
//! ACH file), approve (a second person releases it; the file is written from the entries), file (the same
//! file again), settle, returns (the bank's return file, with --approver).

use std::path::PathBuf;

use crate::cli::context::Context;
use crate::cli::output;
use citytill::error::{Error, Result};
use citytill::ops::autopay::{self, EnrolRequest, Rule};
use citytill::ops::{autopay_returns, autopay_run};

#[derive(clap::Subcommand, Debug)]
pub enum AutopayCommand {
    /// Enrol an account (a lead; needs --approver): bank routing and account, the debit rule and draft day.
    Enrol {
        #[arg(long)]
        account: String,
        #[arg(long)]
        routing: String,
        /// The bank account number; `-` reads it from CITYTILL_BANK_ACCOUNT or a prompt without echo (kept out
        /// of the process list and shell history).
        #[arg(long)]
        bank_account: String,
        /// checking | savings
        #[arg(long, default_value = "checking")]
        account_type: String,
        /// full | fixed:AMOUNT
        #[arg(long)]
        rule: String,
        /// Day of the month to debit (past the month's end: its last day).
        #[arg(long)]
        draft_day: String,
    },
    /// Enrol every row of a CSV (account,routing,bank_account,account_type,rule,draft_day), all or none (needs --approver).
    Import { file: PathBuf },
    /// List enrolments (bank accounts shown by their last 4 only).
    List,
    /// End an enrolment.
    Cancel {
        enrolment: String,
        #[arg(long)]
        reason: String,
    },
    /// Prepare the ACH run for a date: prenotes for new enrolments, debits for those due.
    Run {
        #[arg(long)]
        date: String,
    },
    /// Release a prepared run (needs --approver, not its preparer) and write its NACHA file.
    Approve {
        run: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Reject a prepared run before release (needs --approver, not its preparer); the date may be prepared again.
    Reject {
        run: String,
        #[arg(long)]
        reason: String,
    },
    /// Write a released run's NACHA file again (identical).
    File {
        run: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// List runs.
    Runs,
    /// Post released debits whose settlement date is --date or earlier.
    Settle {
        #[arg(long)]
        date: String,
    },
    /// Read the bank's NACHA return file: reverse returned debits, charge the fee, suspend enrolments (needs --approver).
    Returns { file: PathBuf },
}

pub fn run(ctx: &Context, command: AutopayCommand) -> Result<()> {
    let max = ctx.settings.limits.max_amount;
    match command {
        AutopayCommand::Enrol { account, routing, bank_account, account_type, rule, draft_day } => {
            let bank_account = if bank_account.trim() == "-" { crate::cli::context::secret("CITYTILL_BANK_ACCOUNT", "Bank account number: ")? } else { bank_account };
            let draft_day = draft_day.trim().parse::<i64>().map_err(|_| Error::invalid("--draft-day", format!("'{draft_day}' is not a day of the month")))?;
            let request = EnrolRequest {
                account: account.trim().to_string(),
                routing: routing.trim().to_string(),
                bank_account: bank_account.trim().to_string(),
                account_type: account_type.trim().to_ascii_lowercase(),
                rule: Rule::parse("--rule", &rule, max)?,
                draft_day,
            };
            autopay::check_request(&request, &|name| format!("--{name}"))?;
            enrol(ctx, vec![("--".to_string(), request)])
        }
        AutopayCommand::Import { file } => {
            let text = std::fs::read_to_string(&file).map_err(|e| Error::file(&file, e))?;
            enrol(ctx, autopay::read_csv(&text, max)?)
        }
        AutopayCommand::List => {
            let ledger = ctx.read_ledger()?;
            let all = autopay::list(&*ledger.read()?)?;
            if ctx.json {
                return output::json(&all);
            }
            if all.is_empty() {
                crate::outln!("No autopay enrolments.")?;
            }
            for e in all {
                let rule = if e.rule == "fixed" { format!("fixed {}", e.fixed_amount) } else { "full balance".into() };
                let why = e.suspended_by.map(|code| format!(" ({code})")).unwrap_or_default();
                crate::outln!("{}  {}  {} ****{}  {}, day {}  {}{}", e.enrolment, e.account, e.account_type, e.last4, rule, e.draft_day, e.status, why)?;
            }
            Ok(())
        }
        AutopayCommand::Cancel { enrolment, reason } => {
            let (mut ledger, actor) = ctx.login()?;
            autopay::cancel(&mut ledger, &actor, &enrolment, &reason)?;
            crate::outln!("Enrolment {} cancelled.", enrolment.trim().to_ascii_uppercase())
        }
        AutopayCommand::Run { date } => {
            let date = autopay_run::parse_date(&date)?;
            let (mut ledger, actor) = ctx.login()?;
            let run = autopay_run::prepare(&mut ledger, &ctx.settings, &actor, date)?;
            if ctx.json {
                return output::json(&run);
            }
            crate::outln!(
                "Run {} for {} prepared: {} debits ({}), {} prenotes. A second person releases it: citytill autopay approve {} --out FILE",
                run.run,
                run.date,
                run.debits,
                run.total,
                run.prenotes,
                run.run
            )
        }
        AutopayCommand::Approve { run, out } => {
            citytill::files::check_target(&out)?;
            let (mut ledger, actor) = ctx.login()?;
            let approver = ctx.approve(&mut ledger, &actor, "autopay run release")?;
            let (summary, text) = autopay_run::approve(&mut ledger, &ctx.settings, &actor, &approver, &run)?;
            let recorded = |e: Error| Error::Invalid(format!("{e} (run {} is released; `citytill autopay file {} --out FILE` writes its file)", summary.run, summary.run).into());
            citytill::fault::point("autopay-release-after-commit").map_err(recorded)?;
            citytill::files::write_private(&out, text.as_bytes()).map_err(recorded)?;
            if ctx.json {
                return output::json(&summary);
            }
            crate::outln!("Run {} released by {}: {} debits ({}), {} prenotes, file {}.", summary.run, approver.name, summary.debits, summary.total, summary.prenotes, out.display())
        }
        AutopayCommand::Reject { run, reason } => {
            let (mut ledger, actor) = ctx.login()?;
            let approver = ctx.approve(&mut ledger, &actor, "autopay run rejection")?;
            let summary = autopay_run::reject(&mut ledger, &actor, &approver, &run, &reason)?;
            crate::outln!("Run {} for {} rejected by {}; nothing goes out, prenotes wait for the next run.", summary.run, summary.date, approver.name)
        }
        AutopayCommand::File { run, out } => {
            citytill::files::check_target(&out)?;
            let (ledger, actor) = ctx.login_issuing_nothing()?;
            actor.require(autopay::LEAD_ROLES, "write autopay files")?;
            let (summary, text) = autopay_run::file(&ledger, &ctx.settings, &run)?;
            citytill::files::write_private(&out, text.as_bytes())?;
            crate::outln!("Run {} file written again to {}.", summary.run, out.display())
        }
        AutopayCommand::Runs => {
            let ledger = ctx.read_ledger()?;
            let runs = autopay_run::runs(&ledger)?;
            if ctx.json {
                return output::json(&runs);
            }
            for r in runs {
                crate::outln!(
                    "{}  {}  {} debits {}  {} prenotes  {}",
                    r.run,
                    r.date,
                    r.debits,
                    r.total,
                    r.prenotes,
                    if r.released {
                        "released"
                    } else if r.rejected {
                        "rejected"
                    } else {
                        "prepared"
                    }
                )?;
            }
            Ok(())
        }
        AutopayCommand::Settle { date } => {
            let date = autopay_run::parse_date(&date)?;
            let (mut ledger, actor) = ctx.login()?;
            let (runs, total) = autopay_run::settle(&mut ledger, &ctx.settings, &actor, date)?;
            if runs.is_empty() {
                return crate::outln!("Nothing settles by {date}.");
            }
            crate::outln!("Settled {} ({total}) onto the accounts.", runs.join(", "))
        }
        AutopayCommand::Returns { file } => {
            let bytes = std::fs::read(&file).map_err(|e| Error::file(&file, e))?;
            let (mut ledger, actor) = ctx.login()?;
            let approver = ctx.approve(&mut ledger, &actor, "autopay returns")?;
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let read = autopay_returns::read(&mut ledger, &ctx.settings, &actor, &approver, &name, &bytes)?;
            if ctx.json {
                return output::json(&read);
            }
            crate::outln!(
                "{} returns recorded: {} reversed, {} in fees; suspended: {}.",
                read.returns,
                read.reversed,
                read.fees,
                if read.suspended.is_empty() { "none".into() } else { read.suspended.join(", ") }
            )
        }
    }
}

fn enrol(ctx: &Context, requests: Vec<(String, EnrolRequest)>) -> Result<()> {
    let (mut ledger, actor) = ctx.login()?;
    let approver = ctx.approve(&mut ledger, &actor, "autopay enrolment")?;
    let ids = autopay::enrol(&mut ledger, &ctx.settings, &actor, &approver, &requests)?;
    if ctx.json {
        return output::json(&ids);
    }
    crate::outln!("Enrolled {} (approved by {}); each goes out first as a prenote in the next run.", ids.join(", "), approver.name)
}
