//! The bank's autopay return file: each returned debit is reversed like a returned check (a settled one
//! back onto its account and out of the bank, a pending one out of the ACH receivable; the return fee
//! charged by `[autopay] return_fee`), and enrolments are suspended where the reason code says so. The whole
//! file is refused on any bad line (named), an unknown trace number, or a file read before (SHA-256).
//! `preview` checks all of it and says what reading the file would do, writing nothing (the window shows it
//! before a second person confirms); `read` records it.

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::domain::accounts;
use crate::domain::ach::trace;
use crate::domain::ach_return::{self, SUSPENDING};
use crate::domain::events::{Allocation, AutopayReturn, Event};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::autopay::{State, LEAD_ROLES};
use crate::ops::autopay_run::originator;
use crate::ops::query;

/// What reading a return file did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReturnsRead {
    pub returns: usize,
    pub reversed: Money,
    pub fees: Money,
    pub suspended: Vec<String>,
}

/// One returned debit as reading the file would record it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReturnLine {
    /// The return addenda's line in the file.
    pub line: usize,
    pub enrolment: String,
    pub account: String,
    pub amount: Money,
    /// The bank's reason code (R01…) and what it means, where this reader knows it.
    pub code: String,
    pub meaning: Option<&'static str>,
    /// The debit had settled onto the account (reversed back onto it), else it was pending (never posted).
    pub settled: bool,
    /// The return fee charged to the account (zero on a prenote, or with no `return_fee`).
    pub fee: Money,
    /// Its enrolment is suspended by this file (the code says so and the enrolment was live).
    pub suspends: bool,
}

/// What reading a return file would do: every returned debit, the totals and the enrolments suspended.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ReturnsPreview {
    /// The file's SHA-256 (so a confirmation can be tied to the bytes that were shown).
    pub sha256: String,
    pub lines: Vec<ReturnLine>,
    pub reversed: Money,
    pub fees: Money,
    pub suspended: Vec<String>,
    #[serde(skip)]
    returns: Vec<AutopayReturn>,
}

/// Checks the file `bytes` against the ledger as `read` would and says what it would record; writes nothing.
pub fn preview(conn: &Connection, settings: &Settings, actor: &Actor, bytes: &[u8]) -> Result<ReturnsPreview> {
    actor.require(LEAD_ROLES, "record autopay returns")?;
    plan(conn, settings, bytes)
}

/// Reads `bytes` (the file named `name`) and records every return in one entry. `approver` (PIN already
/// checked) is the second person, as for a returned check.
pub fn read(ledger: &mut Ledger, settings: &Settings, actor: &Actor, approver: &Actor, name: &str, bytes: &[u8]) -> Result<ReturnsRead> {
    actor.require(LEAD_ROLES, "record autopay returns")?;
    if approver.name == actor.name || !approver.role.can_approve() {
        return Err(Error::auth("approver", format!("{} cannot approve {}'s autopay returns; a different supervisor must", approver.name, actor.name)));
    }
    let name = if crate::domain::text::check("file", name).is_ok() { name.to_string() } else { "(return file)".to_string() };
    ledger.write(|w| {
        let plan = plan(w.conn(), settings, bytes)?;
        let read = ReturnsRead { returns: plan.returns.len(), reversed: plan.reversed, fees: plan.fees, suspended: plan.suspended.clone() };
        w.append(Some(&actor.name), Some(&approver.name), &Event::AutopayReturned { file: name.clone(), fingerprint: plan.sha256, returns: plan.returns, suspended: plan.suspended })?;
        Ok(read)
    })
}

/// Every check of a return file, and the entry's returns.
fn plan(conn: &Connection, settings: &Settings, bytes: &[u8]) -> Result<ReturnsPreview> {
    let originator = originator(settings)?;
    let text = std::str::from_utf8(bytes).map_err(|_| Error::invalid("file", "not text (a NACHA file is ASCII)"))?;
    let returned = ach_return::read(text).map_err(|e| Error::Invalid(e.into()))?;
    if returned.is_empty() {
        return Err(Error::invalid("file", "holds no returned entries"));
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    let fee_code = match settings.autopay.as_ref().and_then(|a| a.return_fee.clone()) {
        Some(code) => code.trim().to_string(),
        None => settings.policy.returned_check_fee.clone(),
    };
    let state = State::load(conn)?;
    if let Some(seq) = state.return_files.get(&sha256) {
        return Err(Error::refused("file", format!("this return file was read already (entry {seq}); nothing is reversed twice")));
    }
    let fee = if fee_code.is_empty() {
        None
    } else {
        let fee = query::fee(conn, &fee_code)?.ok_or_else(|| Error::invalid("autopay.return_fee", format!("'{fee_code}' is not in the fee schedule")))?;
        let amount = fee.amount.ok_or_else(|| Error::invalid("autopay.return_fee", format!("{} has no fixed amount", fee.code)))?;
        Some((fee, amount))
    };
    let mut seen = std::collections::HashSet::new();
    let mut returns = Vec::new();
    let mut lines = Vec::new();
    let mut suspended: Vec<String> = Vec::new();
    let (mut reversed, mut fees) = (Money::ZERO, Money::ZERO);
    for r in &returned {
        let line = r.line;
        let sequence: i64 = r.original_trace[8..].parse().unwrap_or(-1);
        let known = state.debits.get(&sequence).filter(|d| d.released && trace(&originator.immediate_destination, sequence) == r.original_trace);
        let Some(d) = known else {
            return Err(Error::Invalid(format!("line {line}: original trace number: '{}' is not an entry CityTill sent", r.original_trace).into()));
        };
        if d.returned.is_some() || !seen.insert(sequence) {
            return Err(Error::Refused(format!("line {line}: original trace number: '{}' was returned already", r.original_trace).into()));
        }
        if r.amount_cents != d.debit.amount.cents() {
            return Err(Error::Invalid(format!("line {line}: amount: {} is not the {} debited", Money::from_cents(r.amount_cents), d.debit.amount).into()));
        }
        let e = state.enrolments.get(&d.debit.enrolment).ok_or_else(|| Error::Invariant(format!("enrolment {} vanished", d.debit.enrolment)))?;
        let allocations = match &d.settled {
            Some(posted) => [(posted.account().to_string(), posted.applied), (accounts::CUSTOMER_CREDIT.to_string(), posted.credit)]
                .into_iter()
                .filter(|(_, amount)| !amount.is_zero())
                .map(|(account, amount)| Allocation { account, payable: Some(d.debit.account.clone()), amount })
                .collect(),
            None => Vec::new(),
        };
        let charged = fee.as_ref().filter(|_| !d.debit.prenote);
        let item = AutopayReturn {
            trace: sequence,
            enrolment: e.enrolment.clone(),
            code: r.code.clone(),
            amount: d.debit.amount,
            settled: d.settled.is_some(),
            allocations,
            fee_code: charged.map(|(f, _)| f.code.clone()).unwrap_or_default(),
            fee_amount: charged.map(|(_, a)| *a).unwrap_or(Money::ZERO),
            fee_gl_account: charged.map(|(f, _)| f.gl_account.clone()).unwrap_or_else(|| accounts::MISC_REVENUE.to_string()),
            fee_charged_to: charged.map(|_| d.debit.account.clone()),
            fee_receivable_account: e.payable_kind.receivable_account().to_string(),
        };
        reversed = (reversed + item.amount)?;
        fees = (fees + item.fee_amount)?;
        let suspends = SUSPENDING.contains(&r.code.as_str()) && e.status.is_live();
        if suspends && !suspended.contains(&e.enrolment) {
            suspended.push(e.enrolment.clone());
        }
        lines.push(ReturnLine {
            line,
            enrolment: e.enrolment.clone(),
            account: d.debit.account.clone(),
            amount: item.amount,
            code: r.code.clone(),
            meaning: ach_return::reason(&r.code),
            settled: item.settled,
            fee: item.fee_amount,
            suspends,
        });
        returns.push(item);
    }
    Ok(ReturnsPreview { sha256, lines, reversed, fees, suspended, returns })
}
