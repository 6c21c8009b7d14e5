//! The bank's autopay return file: each returned debit is reversed like a returned check (a settled one
//! back onto its account and out of the bank, a pending one out of the ACH receivable; the return fee
//! charged by `[autopay] return_fee`), and enrolments are suspended where the reason code says so. The whole
//! file is refused on any bad line (named), an unknown trace number, or a file read before (SHA-256).

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

/// Reads `bytes` (the file named `name`) and records every return in one entry. `approver` (PIN already
/// checked) is the second person, as for a returned check.
pub fn read(ledger: &mut Ledger, settings: &Settings, actor: &Actor, approver: &Actor, name: &str, bytes: &[u8]) -> Result<ReturnsRead> {
    actor.require(LEAD_ROLES, "record autopay returns")?;
    if approver.name == actor.name || !approver.role.can_approve() {
        return Err(Error::auth("approver", format!("{} cannot approve {}'s autopay returns; a different supervisor must", approver.name, actor.name)));
    }
    let originator = originator(settings)?;
    let text = std::str::from_utf8(bytes).map_err(|_| Error::invalid("file", "not text (a NACHA file is ASCII)"))?;
    let returned = ach_return::read(text).map_err(|e| Error::Invalid(e.into()))?;
    if returned.is_empty() {
        return Err(Error::invalid("file", "holds no returned entries"));
    }
    let fingerprint = hex::encode(Sha256::digest(bytes));
    let fee_code = match settings.autopay.as_ref().and_then(|a| a.return_fee.clone()) {
        Some(code) => code.trim().to_string(),
        None => settings.policy.returned_check_fee.clone(),
    };
    let name = if crate::domain::text::check("file", name).is_ok() { name.to_string() } else { "(return file)".to_string() };
    ledger.write(|w| {
        let state = State::load(w.conn())?;
        if let Some(seq) = state.return_files.get(&fingerprint) {
            return Err(Error::refused("file", format!("this return file was read already (entry {seq}); nothing is reversed twice")));
        }
        let fee = if fee_code.is_empty() {
            None
        } else {
            let fee = query::fee(w.conn(), &fee_code)?.ok_or_else(|| Error::invalid("autopay.return_fee", format!("'{fee_code}' is not in the fee schedule")))?;
            let amount = fee.amount.ok_or_else(|| Error::invalid("autopay.return_fee", format!("{} has no fixed amount", fee.code)))?;
            Some((fee, amount))
        };
        let mut seen = std::collections::HashSet::new();
        let mut returns = Vec::new();
        let mut suspended: Vec<String> = Vec::new();
        let (mut reversed, mut fees) = (0, 0);
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
            reversed += item.amount.cents();
            fees += item.fee_amount.cents();
            if SUSPENDING.contains(&r.code.as_str()) && e.status.is_live() && !suspended.contains(&e.enrolment) {
                suspended.push(e.enrolment.clone());
            }
            returns.push(item);
        }
        let count = returns.len();
        w.append(Some(&actor.name), Some(&approver.name), &Event::AutopayReturned { file: name.clone(), fingerprint: fingerprint.clone(), returns, suspended: suspended.clone() })?;
        Ok(ReturnsRead { returns: count, reversed: Money::from_cents(reversed), fees: Money::from_cents(fees), suspended })
    })
}
