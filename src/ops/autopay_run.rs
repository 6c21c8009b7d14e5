//! Autopay runs: `prepare` lists what is due on a date (prenotes for new enrolments, debits for live ones);
//! `approve` — a second person, not the preparer — releases the run: its entry commits first (each debit
//! pending: ACH receivable against suspense), then the NACHA file is written from the entries, as an outbox
//! (`file` writes the identical file again, never a second set). `settle` posts released debits to their
//! accounts once their settlement date comes.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::config::Settings;
use crate::domain::ach::{self, Entry, Originator};
use crate::domain::events::{AutopayDebit, AutopayPosted, Event, LineTarget, PaymentLine};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::autopay::{self, State, LEAD_ROLES};
use crate::ops::query;

/// What a prepared or released run holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    pub run: String,
    pub date: String,
    pub prenotes: usize,
    pub debits: usize,
    pub total: Money,
    pub released: bool,
    pub rejected: bool,
}

/// A run's counts and total, as `autopay runs` lists it (head office's finance report uses it too).
pub fn summary(run: &autopay::Run) -> RunSummary {
    RunSummary {
        run: run.run.clone(),
        date: run.date.clone(),
        prenotes: run.debits.iter().filter(|d| d.prenote).count(),
        debits: run.debits.iter().filter(|d| !d.prenote).count(),
        total: Money::from_cents(run.debits.iter().map(|d| d.amount.cents()).sum()),
        released: run.approved.is_some(),
        rejected: run.rejected.is_some(),
    }
}

/// The originator settings, or the first one missing, named.
pub fn originator(settings: &Settings) -> Result<Originator> {
    let a = settings.autopay.clone().unwrap_or_default();
    let need = |name: &str, value: &str| -> Result<String> {
        if value.trim().is_empty() {
            return Err(Error::Invalid(format!("autopay.{name}: not set; add it under [autopay] in citytill.toml (see docs/finance.md)").into()));
        }
        Ok(value.trim().to_string())
    };
    let destination = need("immediate_destination", &a.immediate_destination)?;
    if destination.len() != 9 || !citytill_hardware::micr::routing_checksum_ok(&destination) {
        return Err(Error::invalid("autopay.immediate_destination", format!("'{destination}' is not the bank's 9-digit routing number (ABA checksum)")));
    }
    let origin = need("immediate_origin", &a.immediate_origin)?;
    if origin.len() > 10 {
        return Err(Error::invalid("autopay.immediate_origin", "more than 10 characters"));
    }
    let company_id = need("company_id", &a.company_id)?;
    if company_id.len() > 10 {
        return Err(Error::invalid("autopay.company_id", "more than 10 characters"));
    }
    Ok(Originator {
        immediate_destination: destination,
        immediate_destination_name: need("immediate_destination_name", &a.immediate_destination_name)?,
        immediate_origin: origin,
        immediate_origin_name: need("immediate_origin_name", &a.immediate_origin_name)?,
        company_name: need("company_name", &a.company_name)?,
        company_id,
    })
}

/// A business date given as YYYY-MM-DD, named as `--date`.
pub fn parse_date(text: &str) -> Result<NaiveDate> {
    crate::domain::dates::parse_day("--date", text)
}

/// Whether an enrolment drafting on `day` is due on `date` (a day past the month's end means its last day).
fn due_on(day: i64, date: NaiveDate) -> bool {
    let last = (28..=31).rev().find(|d| NaiveDate::from_ymd_opt(date.year(), date.month(), *d).is_some()).unwrap_or(28);
    i64::from(date.day()) == day.min(i64::from(last))
}

/// The settlement date of a debit effective `date`: `days` banking days (Monday to Friday) later.
pub fn settlement_date(date: NaiveDate, days: i64) -> NaiveDate {
    let mut out = date;
    let mut left = days.max(0);
    while left > 0 {
        out = out.succ_opt().unwrap_or(out);
        if !matches!(out.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    out
}

/// Prepares the run for `date`: a prenote for each enrolment waiting for one, a debit for each live
/// enrolment drafting that day. Refused when the date already has a run or nothing is due.
pub fn prepare(ledger: &mut Ledger, settings: &Settings, actor: &Actor, date: NaiveDate) -> Result<RunSummary> {
    actor.require(LEAD_ROLES, "prepare autopay runs")?;
    originator(settings)?;
    let date_text = date.to_string();
    ledger.write(|w| {
        let state = State::load(w.conn())?;
        if let Some(run) = state.runs.iter().find(|r| r.date == date_text && r.rejected.is_none()) {
            return Err(Error::refused("--date", format!("{date_text} already has run {}", run.run)));
        }
        let mut trace = state.next_trace();
        let mut debits = Vec::new();
        for e in state.enrolments.values() {
            let payable = query::payable(w.conn(), &e.account)?;
            let name = payable.as_ref().map(|p| p.name.clone()).unwrap_or_default();
            let prenote = e.status == crate::domain::states::EnrolmentStatus::Prenote && e.prenote_run.is_none();
            let live = e.status == crate::domain::states::EnrolmentStatus::Active && e.live_after.as_deref().is_some_and(|after| after < date_text.as_str()) && due_on(e.draft_day, date);
            let amount = if prenote {
                Money::ZERO
            } else if live {
                let Some(payable) = payable.filter(|p| !crate::domain::payable::status_blocks_payment(&p.status)) else { continue };
                let amount = match e.rule.as_str() {
                    "fixed" => e.fixed_amount,
                    _ => Money::from_cents(payable.balance.cents() - state.pending_for(&e.account)),
                };
                if amount.is_zero() || amount.is_negative() {
                    continue;
                }
                amount
            } else {
                continue;
            };
            debits.push(AutopayDebit { trace, enrolment: e.enrolment.clone(), account: e.account.clone(), name, amount, prenote });
            trace += 1;
        }
        if debits.is_empty() {
            return Err(Error::refused("--date", format!("nothing is due on {date_text} (no prenote waiting, no live enrolment drafting that day)")));
        }
        let run = format!("AR{}", state.runs.len() + 1);
        w.append(Some(&actor.name), None, &Event::AutopayRunPrepared { run: run.clone(), date: date_text.clone(), preparer: actor.name.clone(), debits })?;
        let state = State::load(w.conn())?;
        state.runs.iter().find(|r| r.run == run).map(summary).ok_or_else(|| Error::Invariant(format!("run {run} vanished")))
    })
}

/// Releases a prepared run: `approver` (PIN already checked) may not be its preparer; a refusal is journaled.
/// Returns the summary and the file's text, rebuilt from the entries.
pub fn approve(ledger: &mut Ledger, settings: &Settings, actor: &Actor, approver: &Actor, run: &str) -> Result<(RunSummary, String)> {
    actor.require(LEAD_ROLES, "release autopay runs")?;
    let originator = originator(settings)?;
    let key = autopay::key(ledger, settings, false)?;
    let id = run.trim().to_ascii_uppercase();
    let state = State::load(ledger.conn())?;
    let found = state.runs.iter().find(|r| r.run == id).ok_or_else(|| Error::not_found("run", format!("'{id}' not found")))?.clone();
    second_person(ledger, actor, approver, &found, "release")?;
    if found.approved.is_some() {
        return Err(Error::refused("run", format!("{id} was released already; `citytill autopay file {id} --out FILE` writes its file again")));
    }
    if found.rejected.is_some() {
        return Err(Error::refused("run", format!("{id} was rejected; prepare the date again")));
    }
    // Every account must open with the key before anything is written.
    entries(ledger, &key, &state, &found, &originator)?;
    let total = Money::from_cents(found.debits.iter().map(|d| d.amount.cents()).sum());
    ledger.write(|w| {
        let created = w.now()?.with_timezone(&crate::ledger::city_zone(w.conn())?).format("%y%m%d%H%M").to_string();
        w.append(Some(&actor.name), Some(&approver.name), &Event::AutopayRunApproved { run: id.clone(), approver: approver.name.clone(), created, total })?;
        Ok(())
    })?;
    file(ledger, settings, &id)
}

/// The run's approver must be a supervisor who neither prepared it nor is acting; a refusal is journaled.
fn second_person(ledger: &mut Ledger, actor: &Actor, approver: &Actor, run: &autopay::Run, action: &str) -> Result<()> {
    if approver.name != run.preparer && approver.name != actor.name && approver.role.can_approve() {
        return Ok(());
    }
    let reason = format!("approver: {} prepared or is acting on run {}, or is not a supervisor; a second person must give its {action}", approver.name, run.run);
    ledger.write(|w| {
        let refused = Event::ApprovalRefused { user: actor.name.clone(), approver: approver.name.clone(), action: format!("autopay run {action}"), reason: reason.clone() };
        w.append(Some(&actor.name), Some(&approver.name), &refused)
    })?;
    Err(Error::Auth(reason.into()))
}

/// Refuses a prepared run before release, with a reason; `approver` (PIN already checked) may not be its
/// preparer. Its debits never go out and its prenotes wait for the next run; the date may be prepared again.
pub fn reject(ledger: &mut Ledger, actor: &Actor, approver: &Actor, run: &str, reason: &str) -> Result<RunSummary> {
    actor.require(LEAD_ROLES, "reject autopay runs")?;
    let reason = crate::ops::reversal::require_reason(reason)?;
    let id = run.trim().to_ascii_uppercase();
    let found = State::load(ledger.conn())?.runs.into_iter().find(|r| r.run == id).ok_or_else(|| Error::not_found("run", format!("'{id}' not found")))?;
    second_person(ledger, actor, approver, &found, "rejection")?;
    if found.approved.is_some() || found.rejected.is_some() {
        return Err(Error::refused("run", format!("{id} is {}; only a prepared run can be rejected", if found.approved.is_some() { "released" } else { "rejected already" })));
    }
    ledger.write(|w| {
        w.append(Some(&actor.name), Some(&approver.name), &Event::AutopayRunRejected { run: id.clone(), approver: approver.name.clone(), reason })?;
        let state = State::load(w.conn())?;
        state.runs.iter().find(|r| r.run == id).map(summary).ok_or_else(|| Error::Invariant(format!("run {id} vanished")))
    })
}

/// The released run's file, rebuilt from its entries (identical every time); writes nothing.
pub fn file(ledger: &Ledger, settings: &Settings, run: &str) -> Result<(RunSummary, String)> {
    let originator = originator(settings)?;
    let key = autopay::key(ledger, settings, false)?;
    let id = run.trim().to_ascii_uppercase();
    let state = State::load(ledger.conn())?;
    let found = state.runs.iter().find(|r| r.run == id).ok_or_else(|| Error::not_found("run", format!("'{id}' not found")))?;
    let Some((_, created)) = &found.approved else {
        return Err(Error::refused("run", format!("{id} is not released yet (`citytill autopay approve {id}` with a second person)")));
    };
    let entries = entries(ledger, &key, &state, found, &originator)?;
    let effective = NaiveDate::parse_from_str(&found.date, "%Y-%m-%d").map(|d| d.format("%y%m%d").to_string()).unwrap_or_default();
    Ok((summary(found), ach::ppd_file(&originator, created, &effective, "AUTOPAY", &entries)))
}

/// The run's entry detail records: each bank account unsealed and checked against its journaled fingerprint.
fn entries(ledger: &Ledger, key: &crate::ops::autopay_key::AutopayKey, state: &State, run: &autopay::Run, originator: &Originator) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for debit in &run.debits {
        let e = state.enrolments.get(&debit.enrolment).ok_or_else(|| Error::Invariant(format!("run {}: enrolment {} vanished", run.run, debit.enrolment)))?;
        let sealed: String = ledger
            .conn()
            .query_row("SELECT sealed FROM autopay_accounts WHERE enrolment = ?1", [&e.enrolment], |r| r.get(0))
            .map_err(|_| Error::Invariant(format!("autopay {}: its sealed bank account is missing", e.enrolment)))?;
        let number = key.unseal(&e.enrolment, &sealed)?;
        if key.fingerprint(&e.routing, &number)? != e.fingerprint {
            return Err(Error::Invariant(format!("autopay {}: the sealed bank account does not match its journaled fingerprint", e.enrolment)));
        }
        let code = match (e.account_type.as_str(), debit.prenote) {
            ("savings", false) => 37,
            ("savings", true) => 38,
            (_, false) => 27,
            (_, true) => 28,
        };
        out.push(Entry {
            transaction_code: code,
            routing: e.routing.clone(),
            account: number,
            amount_cents: debit.amount.cents(),
            individual_id: debit.account.clone(),
            individual_name: debit.name.clone(),
            trace: ach::trace(&originator.immediate_destination, debit.trace),
        });
    }
    Ok(out)
}

/// Posts every released debit whose settlement date is `date` or earlier (one entry per run). Returns the
/// runs settled and the total.
pub fn settle(ledger: &mut Ledger, settings: &Settings, actor: &Actor, date: NaiveDate) -> Result<(Vec<String>, Money)> {
    actor.require(LEAD_ROLES, "settle autopay runs")?;
    let days = settings.autopay.as_ref().and_then(|a| a.settlement_days).unwrap_or(2);
    ledger.write(|w| {
        let state = State::load(w.conn())?;
        let mut settled = Vec::new();
        let mut total = 0;
        for run in state.runs.iter().filter(|r| r.approved.is_some()) {
            let Ok(effective) = NaiveDate::parse_from_str(&run.date, "%Y-%m-%d") else { continue };
            if settlement_date(effective, days) > date {
                continue;
            }
            let mut used: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
            let mut posted = Vec::new();
            for debit in &run.debits {
                let Some(d) = state.debits.get(&debit.trace) else { continue };
                if debit.prenote || d.settled.is_some() || d.returned.is_some() {
                    continue;
                }
                let e = state.enrolments.get(&debit.enrolment).ok_or_else(|| Error::Invariant(format!("enrolment {} vanished", debit.enrolment)))?;
                let balance = query::payable(w.conn(), &debit.account)?.map(|p| p.balance.cents()).unwrap_or(0);
                let earlier = used.entry(debit.account.clone()).or_default();
                let applied = debit.amount.cents().min((balance - *earlier).max(0));
                *earlier += debit.amount.cents();
                let line = PaymentLine {
                    target: LineTarget::Payable { number: debit.account.clone(), kind: e.payable_kind },
                    applied: Money::from_cents(applied),
                    credit: Money::from_cents(debit.amount.cents() - applied),
                };
                total += debit.amount.cents();
                posted.push(AutopayPosted { trace: debit.trace, line });
            }
            if posted.is_empty() {
                continue;
            }
            w.append(Some(&actor.name), None, &Event::AutopaySettled { run: run.run.clone(), date: date.to_string(), posted })?;
            settled.push(run.run.clone());
        }
        Ok((settled, Money::from_cents(total)))
    })
}

/// Every run, oldest first.
pub fn runs(ledger: &Ledger) -> Result<Vec<RunSummary>> {
    Ok(State::load(ledger.conn())?.runs.iter().map(summary).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves settlement counts banking days only, and a draft day past the month's end falls on its last day.
    #[test]
    fn settlement_skips_weekends_and_draft_days_clamp() {
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(settlement_date(friday, 2), NaiveDate::from_ymd_opt(2026, 12, 8).unwrap());
        assert!(due_on(31, NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()));
        assert!(!due_on(30, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()));
    }
}
