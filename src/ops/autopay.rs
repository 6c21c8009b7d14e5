//! Autopay enrolment and the state of every enrolment, run and debit, folded from the journal's autopay
//! entries (filed in `entry_refs`). A lead enrols an account with a second person's approval; its bank
//! account number is sealed with the autopay key (`autopay_key`) and only its last 4 and a keyed
//! fingerprint are journaled. A new enrolment goes out first as a zero-dollar prenote and is debited only
//! in runs dated after the prenote's run was released. Runs: `autopay_run`; returns: `autopay_returns`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

use crate::config::Settings;
use crate::domain::events::{AutopayDebit, Event, PaymentLine};
use crate::domain::ids::Role;
use crate::domain::payable::{status_blocks_payment, PayableKind};
use crate::domain::states::EnrolmentStatus;
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::autopay_key::AutopayKey;
use crate::ops::query;

pub const LEAD_ROLES: &[Role] = &[Role::Lead, Role::Supervisor, Role::Admin];

/// The journal kinds autopay folds its state from.
const KINDS: &str = "'autopay_enrolled', 'autopay_cancelled', 'autopay_run_prepared', 'autopay_run_approved', 'autopay_run_rejected', 'autopay_settled', 'autopay_returned'";

/// How much a debit takes: the account's whole balance, or a fixed amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Full,
    Fixed(Money),
}

impl Rule {
    pub fn parse(field: &str, text: &str, max: Money) -> Result<Rule> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("full") {
            return Ok(Rule::Full);
        }
        match text.split_once(':') {
            Some((word, amount)) if word.eq_ignore_ascii_case("fixed") => Ok(Rule::Fixed(Money::parse_positive(field, amount, max)?)),
            _ => Err(Error::invalid(field, format!("'{text}' is not full or fixed:AMOUNT (like fixed:50.00)"))),
        }
    }
}

/// One enrolment to record, as keyed or imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolRequest {
    pub account: String,
    pub routing: String,
    pub bank_account: String,
    pub account_type: String,
    pub rule: Rule,
    pub draft_day: i64,
}

/// An enrolment as its entries leave it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Enrolment {
    pub enrolment: String,
    pub account: String,
    #[serde(skip)]
    pub payable_kind: PayableKind,
    pub routing: String,
    pub account_type: String,
    pub last4: String,
    #[serde(skip)]
    pub fingerprint: String,
    pub rule: String,
    pub fixed_amount: Money,
    pub draft_day: i64,
    pub status: EnrolmentStatus,
    /// The return code that suspended it.
    pub suspended_by: Option<String>,
    /// The run its prenote went out in, and that run's date once released (debits come in later runs).
    pub prenote_run: Option<String>,
    #[serde(skip)]
    pub live_after: Option<String>,
    pub entered_by: String,
    pub approver: String,
}

/// An autopay run and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    pub run: String,
    pub date: String,
    pub preparer: String,
    pub debits: Vec<AutopayDebit>,
    /// (approver, file creation YYMMDDHHMM) once released.
    pub approved: Option<(String, String)>,
    /// The reason, when refused before release.
    pub rejected: Option<String>,
}

/// A released debit: settled (with the line it posted) or returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebitState {
    pub run: String,
    pub debit: AutopayDebit,
    pub released: bool,
    pub settled: Option<PaymentLine>,
    pub returned: Option<String>,
}

/// Everything autopay knows, folded from its entries in order.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub enrolments: BTreeMap<String, Enrolment>,
    pub runs: Vec<Run>,
    pub debits: BTreeMap<i64, DebitState>,
    /// Return files read, by SHA-256, with the entry that read each.
    pub return_files: BTreeMap<String, i64>,
}

impl State {
    pub fn load(conn: &Connection) -> Result<State> {
        let mut statement = conn.prepare_cached(&format!("SELECT j.seq, j.kind, j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq WHERE r.kind IN ({KINDS}) ORDER BY r.seq"))?;
        let rows: Vec<(i64, String, String)> = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
        let mut state = State::default();
        for (seq, kind, payload) in rows {
            let event = crate::ledger::payload::decode(&kind, &payload).map_err(|e| Error::Invariant(format!("autopay entry {seq}: {e}")))?;
            state.fold(seq, event);
        }
        Ok(state)
    }

    /// Folds one autopay entry (`seq`, its event) into the state; other events change nothing. Head office
    /// folds the entries it holds through this same function (`hq::office::finance`).
    pub fn fold(&mut self, seq: i64, event: Event) {
        match event {
            Event::AutopayEnrolled { enrolment, account, payable_kind, routing, account_type, last4, fingerprint, rule, fixed_amount, draft_day, entered_by, approver } => {
                self.enrolments.insert(
                    enrolment.clone(),
                    Enrolment {
                        enrolment,
                        account,
                        payable_kind,
                        routing,
                        account_type,
                        last4,
                        fingerprint,
                        rule,
                        fixed_amount,
                        draft_day,
                        status: EnrolmentStatus::Prenote,
                        suspended_by: None,
                        prenote_run: None,
                        live_after: None,
                        entered_by,
                        approver,
                    },
                );
            }
            Event::AutopayCancelled { enrolment, .. } => {
                if let Some(e) = self.enrolments.get_mut(&enrolment) {
                    e.status = EnrolmentStatus::Cancelled;
                }
            }
            Event::AutopayRunPrepared { run, date, preparer, debits } => {
                for debit in &debits {
                    if debit.prenote {
                        if let Some(e) = self.enrolments.get_mut(&debit.enrolment) {
                            e.prenote_run = Some(run.clone());
                        }
                    }
                    self.debits.insert(debit.trace, DebitState { run: run.clone(), debit: debit.clone(), released: false, settled: None, returned: None });
                }
                self.runs.push(Run { run, date, preparer, debits, approved: None, rejected: None });
            }
            Event::AutopayRunApproved { run, approver, created, .. } => {
                let Some(found) = self.runs.iter_mut().find(|r| r.run == run) else { return };
                found.approved = Some((approver, created));
                for debit in &found.debits {
                    if let Some(d) = self.debits.get_mut(&debit.trace) {
                        d.released = true;
                    }
                    if debit.prenote {
                        if let Some(e) = self.enrolments.get_mut(&debit.enrolment) {
                            if e.status == EnrolmentStatus::Prenote {
                                e.status = EnrolmentStatus::Active;
                                e.live_after = Some(found.date.clone());
                            }
                        }
                    }
                }
            }
            Event::AutopayRunRejected { run, reason, .. } => {
                let Some(found) = self.runs.iter_mut().find(|r| r.run == run) else { return };
                found.rejected = Some(reason);
                for debit in found.debits.iter().filter(|d| d.prenote) {
                    if let Some(e) = self.enrolments.get_mut(&debit.enrolment) {
                        if e.prenote_run.as_deref() == Some(run.as_str()) {
                            e.prenote_run = None;
                        }
                    }
                }
            }
            Event::AutopaySettled { posted, .. } => {
                for item in posted {
                    if let Some(d) = self.debits.get_mut(&item.trace) {
                        d.settled = Some(item.line);
                    }
                }
            }
            Event::AutopayReturned { fingerprint, returns, suspended, .. } => {
                self.return_files.insert(fingerprint, seq);
                for item in returns {
                    if let Some(d) = self.debits.get_mut(&item.trace) {
                        d.returned = Some(item.code.clone());
                    }
                    if suspended.contains(&item.enrolment) {
                        if let Some(e) = self.enrolments.get_mut(&item.enrolment) {
                            e.status = EnrolmentStatus::Suspended;
                            e.suspended_by = Some(item.code);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The next trace sequence (trace numbers are never reused).
    pub fn next_trace(&self) -> i64 {
        self.debits.keys().next_back().copied().unwrap_or(0) + 1
    }

    /// Debits of `account` released and neither settled nor returned: what a full-balance debit must not take twice.
    pub fn pending_for(&self, account: &str) -> i64 {
        self.debits.values().filter(|d| d.released && d.settled.is_none() && d.returned.is_none() && d.debit.account == account).map(|d| d.debit.amount.cents()).sum()
    }
}

/// The autopay key file for this ledger (created on first use when `create`).
pub fn key(ledger: &Ledger, settings: &Settings, create: bool) -> Result<AutopayKey> {
    let path: PathBuf = AutopayKey::path(settings, ledger.terminal().as_str())?;
    let data_dir = ledger.path().parent().map(Path::to_path_buf).unwrap_or_default();
    AutopayKey::open(&path, &data_dir, create)
}

/// Checks one request's fields (`field` names each as the caller's input does: `--routing`, `row 3 routing`).
pub fn check_request(request: &EnrolRequest, field: &dyn Fn(&str) -> String) -> Result<()> {
    crate::domain::text::check(&field("account"), &request.account).map_err(|e| Error::Invalid(e.into()))?;
    for (name, value) in [("routing", &request.routing), ("bank-account", &request.bank_account)] {
        crate::domain::card_data::refuse(&field(name), value).map_err(|e| Error::Invalid(e.into()))?;
    }
    if request.routing.len() != 9 || !citytill_hardware::micr::routing_checksum_ok(&request.routing) {
        return Err(Error::Invalid(format!("{}: '{}' is not 9 digits with a valid ABA checksum", field("routing"), request.routing).into()));
    }
    let n = &request.bank_account;
    if !(4..=17).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::Invalid(format!("{}: must be 4 to 17 digits (the number is not shown)", field("bank-account")).into()));
    }
    if !["checking", "savings"].contains(&request.account_type.as_str()) {
        return Err(Error::Invalid(format!("{}: '{}' is not checking or savings", field("account-type"), request.account_type).into()));
    }
    if !(1..=31).contains(&request.draft_day) {
        return Err(Error::Invalid(format!("{}: {} is not a day of the month (1 to 31; past the month's end means its last day)", field("draft-day"), request.draft_day).into()));
    }
    Ok(())
}

/// Enrols accounts, all or none, in one transaction: entered by `actor` (a lead or above), approved by
/// `approver` (already checked by PIN; a supervisor, not the actor). Returns the enrolment ids.
pub fn enrol(ledger: &mut Ledger, settings: &Settings, actor: &Actor, approver: &Actor, requests: &[(String, EnrolRequest)]) -> Result<Vec<String>> {
    actor.require(LEAD_ROLES, "enrol accounts in autopay")?;
    if approver.name == actor.name || !approver.role.can_approve() {
        return Err(Error::auth("approver", format!("{} cannot approve {}'s autopay enrolment; a different supervisor must", approver.name, actor.name)));
    }
    // Every account checked before the key file is made on first use.
    for (place, request) in requests {
        known_payable(ledger.conn(), place, &request.account)?;
    }
    let key = key(ledger, settings, true)?;
    ledger.write(|w| {
        let state = State::load(w.conn())?;
        let mut taken: HashSet<String> = state.enrolments.values().filter(|e| e.status.is_live()).map(|e| e.account.clone()).collect();
        let mut ids = Vec::new();
        for (next, (place, request)) in (state.enrolments.len() + 1..).zip(requests) {
            let payable = known_payable(w.conn(), place, &request.account)?;
            if !taken.insert(payable.number.clone()) {
                return Err(Error::Refused(format!("{place}account: {} is already enrolled in autopay (cancel that enrolment first)", payable.number).into()));
            }
            let enrolment = format!("AP{next}");
            let (rule, fixed_amount) = match request.rule {
                Rule::Full => ("full".to_string(), Money::ZERO),
                Rule::Fixed(amount) => ("fixed".to_string(), amount),
            };
            let number = &request.bank_account;
            let event = Event::AutopayEnrolled {
                enrolment: enrolment.clone(),
                account: payable.number.clone(),
                payable_kind: payable.kind,
                routing: request.routing.clone(),
                account_type: request.account_type.clone(),
                last4: number[number.len() - 4..].to_string(),
                fingerprint: key.fingerprint(&request.routing, number)?,
                rule,
                fixed_amount,
                draft_day: request.draft_day,
                entered_by: actor.name.clone(),
                approver: approver.name.clone(),
            };
            w.append(Some(&actor.name), Some(&approver.name), &event)?;
            w.conn().execute("INSERT INTO autopay_accounts(enrolment, sealed) VALUES (?1, ?2)", params![enrolment, key.seal(&enrolment, number)?])?;
            ids.push(enrolment);
        }
        Ok(ids)
    })
}

/// The payable an enrolment names, refused when unknown or closed.
fn known_payable(conn: &Connection, place: &str, account: &str) -> Result<crate::domain::payable::PayableRow> {
    let payable = query::payable(conn, account)?.ok_or_else(|| Error::Invalid(format!("{place}account: '{account}' is not a known account number").into()))?;
    if status_blocks_payment(&payable.status) {
        return Err(Error::Refused(format!("{place}account: {} is {}; it cannot be enrolled", payable.number, payable.status).into()));
    }
    Ok(payable)
}

/// Reads an enrolment CSV (account,routing,bank_account,account_type,rule,draft_day): every row checked
/// before anything is written; a bad row is named by its number and column.
pub fn read_csv(text: &str, max: Money) -> Result<Vec<(String, EnrolRequest)>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Error::invalid("header", e.to_string()))?.clone();
    let expected = ["account", "routing", "bank_account", "account_type", "rule", "draft_day"];
    if headers.iter().collect::<Vec<_>>() != expected {
        return Err(Error::invalid("header", format!("the columns must be {}", expected.join(","))));
    }
    let mut out = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 2;
        let record = record.map_err(|e| Error::Invalid(format!("row {row}: {}", crate::domain::card_data::redact(&e.to_string())).into()))?;
        let get = |i: usize| record.get(i).unwrap_or("").to_string();
        let field = |name: &str| format!("row {row} {}", name.replace('-', "_"));
        let draft_day = get(5).parse::<i64>().map_err(|_| Error::Invalid(format!("{}: '{}' is not a day of the month", field("draft_day"), get(5)).into()))?;
        let request = EnrolRequest { account: get(0), routing: get(1), bank_account: get(2), account_type: get(3).to_ascii_lowercase(), rule: Rule::parse(&field("rule"), &get(4), max)?, draft_day };
        check_request(&request, &field)?;
        out.push((format!("row {row} "), request));
    }
    if out.is_empty() {
        return Err(Error::invalid("file", "no enrolment rows"));
    }
    Ok(out)
}

/// Ends an enrolment (a lead or above, with a reason).
pub fn cancel(ledger: &mut Ledger, actor: &Actor, enrolment: &str, reason: &str) -> Result<()> {
    actor.require(LEAD_ROLES, "cancel autopay enrolments")?;
    let reason = crate::ops::reversal::require_reason(reason)?;
    let id = enrolment.trim().to_ascii_uppercase();
    ledger.write(|w| {
        let state = State::load(w.conn())?;
        let found = state.enrolments.get(&id).ok_or_else(|| Error::not_found("enrolment", format!("'{id}' not found (see `citytill autopay list`)")))?;
        if found.status == EnrolmentStatus::Cancelled {
            return Err(Error::refused("enrolment", format!("{id} is already cancelled")));
        }
        w.append(Some(&actor.name), None, &Event::AutopayCancelled { enrolment: id.clone(), reason })?;
        Ok(())
    })
}

/// Every enrolment, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<Enrolment>> {
    let mut all: Vec<Enrolment> = State::load(conn)?.enrolments.into_values().collect();
    all.sort_by_key(|e| e.enrolment.trim_start_matches("AP").parse::<i64>().unwrap_or(0));
    Ok(all)
}
