//! Finance: a lead's screen for autopay enrolments (enrol with a second person's approval, cancel with a
//! reason) and the open exceptions of lockbox and online payment files (apply to an account or refund, with a
//! reason). Everything goes through `ops::autopay` and `ops::lockbox` on the ledger thread. The bank account
//! number is typed twice into masked fields and handed to `autopay::enrol` only: the form forgets it the
//! moment it is submitted, and no line the screen shows carries more than its last 4.

use citytill::ops::auth::{self, Actor};
use citytill::ops::autopay::{self, EnrolRequest, Rule};
use citytill::ops::autopay_run::{self, RunSummary};
use citytill::ops::lockbox::{self, ExceptionRow};

use citytill::ops::query;
use citytill::Money;
use iced::widget::operation::{focus, select_all};
use iced::Task;

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::widgets::Approval;

#[path = "finance_files.rs"]
mod files;
#[path = "finance_runs.rs"]
mod runs;

pub use runs::RunAction;
#[path = "finance_view.rs"]
mod view;

pub const ACCOUNT_ID: &str = "finance-account";
pub const ROUTING_ID: &str = "finance-routing";
pub const BANK_ACCOUNT_ID: &str = "finance-bank-account";
pub const BANK_AGAIN_ID: &str = "finance-bank-again";
pub const FIXED_ID: &str = "finance-fixed-amount";
pub const DRAFT_DAY_ID: &str = "finance-draft-day";
pub const REASON_ID: &str = "finance-reason";
pub const APPLY_TO_ID: &str = "finance-apply-to";
pub const RUN_DATE_ID: &str = "finance-run-date";
pub const FILE_ID: &str = "finance-file";

/// A field of the enrolment form a refusal can sit beside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Account,
    Routing,
    BankAccount,
    BankAgain,
    FixedAmount,
    DraftDay,
    Approver,
}

impl Field {
    fn id(self) -> &'static str {
        match self {
            Field::Account => ACCOUNT_ID,
            Field::Routing => ROUTING_ID,
            Field::BankAccount => BANK_ACCOUNT_ID,
            Field::BankAgain => BANK_AGAIN_ID,
            Field::FixedAmount => FIXED_ID,
            Field::DraftDay => DRAFT_DAY_ID,
            Field::Approver => "approver",
        }
    }

    /// The field a library refusal ("--routing: …", "approver: …") names.
    fn named_in(error: &str) -> Option<Field> {
        let (name, _) = error.split_once(':')?;
        Some(match name.trim().trim_start_matches("--") {
            "account" => Field::Account,
            "routing" => Field::Routing,
            "bank-account" => Field::BankAccount,
            "fixed-amount" | "rule" => Field::FixedAmount,
            "draft-day" => Field::DraftDay,
            "approver" | "pin" => Field::Approver,
            _ => return None,
        })
    }
}

/// What the screen is doing; each form carries its own fields, so leaving a step drops what was typed in it.
#[derive(Clone, Debug, Default)]
enum Step {
    #[default]
    List,
    Enrolling(EnrolForm),
    /// Ending the selected enrolment: why.
    Cancelling(CancelForm),
    /// Resolving the selected exception: applied to an account, or refunded.
    Resolving(ResolveForm),
    /// An autopay run: prepared for a date (or settled to it), released or rejected.
    Running(RunForm),
}

/// Which step the screen is at, without its form data (what the app and the tests ask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    List,
    Enrolling,
    Cancelling,
    Applying,
    Refunding,
    Run(RunAction),
}

/// An enrolment as typed. The two bank account fields are emptied when the form is submitted, and its Debug
/// (a log line, a test's failure message) shows only how many digits they hold.
#[derive(Clone, Default)]
struct EnrolForm {
    account: String,
    /// The account's number and name as found in the ledger.
    found: Option<(String, String)>,
    routing: String,
    bank_account: String,
    bank_again: String,
    savings: bool,
    fixed: bool,
    fixed_amount: String,
    draft_day: String,
    approval: Approval,
    /// A refusal shown beside its field.
    field_error: Option<(Field, String)>,
}

#[derive(Clone, Debug, Default)]
struct CancelForm {
    enrolment: String,
    reason: String,
}

/// A run's date (prepare, settle) or its release / rejection: the file destination, reason and approval.
#[derive(Clone, Debug)]
struct RunForm {
    action: RunAction,
    run: String,
    date: String,
    file: String,
    reason: String,
    approval: Approval,
}

impl Default for RunForm {
    fn default() -> RunForm {
        RunForm { action: RunAction::Prepare, run: String::new(), date: String::new(), file: String::new(), reason: String::new(), approval: Approval::default() }
    }
}

#[derive(Clone, Debug, Default)]
struct ResolveForm {
    reference: String,
    refund: bool,
    account: String,
    found: Option<(String, String)>,
    reason: String,
}

/// One enrolment as the list shows it: never more of the bank account than its last 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrolmentRow {
    pub enrolment: String,
    pub account: String,
    pub name: String,
    pub rule: String,
    pub draft_day: i64,
    pub last4: String,
    pub account_type: String,
    /// prenote, active, cancelled, or "suspended (R02)".
    pub status: String,
}

/// What a load brings back: the enrolments and the open exceptions.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub enrolments: Vec<EnrolmentRow>,
    pub exceptions: Vec<ExceptionRow>,
    pub runs: Vec<RunSummary>,
    pub business_date: String,
}

/// The screen's state is its own: the app sends it `Message`s and hears `Event`s, and reads it through the accessors.
#[derive(Debug, Default)]
pub struct FinanceScreen {
    enrolments: Vec<EnrolmentRow>,
    exceptions: Vec<ExceptionRow>,
    runs: Vec<RunSummary>,
    business_date: String,
    /// The highlighted row: enrolments first, then exceptions, then runs (Up/Down move through all).
    highlight: Option<usize>,
    step: Step,
    error: Option<String>,
    notice: Option<String>,
    busy: bool,
}

#[derive(Clone, Debug)]
pub enum Message {
    Loaded(Result<Listing, String>),
    Highlight(usize),
    Up,
    Down,
    StartEnrol,
    Account(String),
    AccountSubmitted,
    AccountFound(Result<Option<(String, String)>, String>),
    Routing(String),
    RoutingSubmitted,
    BankAccount(String),
    BankAgain(String),
    BankAgainSubmitted,
    Savings(bool),
    Fixed(bool),
    FixedAmount(String),
    DraftDay(String),
    Approver(String),
    Pin(String),
    EnrolSubmitted,
    Enrolled(Result<String, String>),
    StartCancel,
    Reason(String),
    CancelSubmitted,
    /// F6 apply the highlighted exception to an account, F7 refund it.
    StartResolve(bool),
    ApplyTo(String),
    ApplyToSubmitted,
    ApplyToFound(Result<Option<(String, String)>, String>),
    ResolveSubmitted,
    /// F9: the run date form; F11 / F12 on a highlighted prepared run: release / reject.
    StartPrepare,
    StartRun(RunAction),
    RunDate(String),
    File(String),
    /// Enter on a run form (`true`: settle to the date instead of preparing, F11 on the date form).
    RunSubmitted(bool),
    /// A cancel or a resolution was recorded: the line to show.
    Done(Result<String, String>),
    NextField,
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Back,
}

impl FinanceScreen {
    pub fn mode(&self) -> Mode {
        match &self.step {
            Step::List => Mode::List,
            Step::Enrolling(_) => Mode::Enrolling,
            Step::Cancelling(_) => Mode::Cancelling,
            Step::Resolving(form) if form.refund => Mode::Refunding,
            Step::Resolving(_) => Mode::Applying,
            Step::Running(form) => Mode::Run(form.action),
        }
    }

    #[cfg(test)]
    pub fn enrolments(&self) -> &[EnrolmentRow] {
        &self.enrolments
    }

    /// The open exceptions of file batches not yet approved.
    #[cfg(test)]
    pub fn exceptions(&self) -> &[ExceptionRow] {
        &self.exceptions
    }

    #[cfg(test)]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    #[cfg(test)]
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// The refusal shown beside an enrolment field, if any.
    #[cfg(test)]
    pub fn field_error(&self) -> Option<(Field, &str)> {
        match &self.step {
            Step::Enrolling(form) => form.field_error.as_ref().map(|(f, e)| (*f, e.as_str())),
            _ => None,
        }
    }

    /// What the enrolment form holds in its two bank account fields (for the tests: empty after submit).
    #[cfg(test)]
    pub fn typed_bank_account(&self) -> Option<(&str, &str)> {
        match &self.step {
            Step::Enrolling(form) => Some((form.bank_account.as_str(), form.bank_again.as_str())),
            _ => None,
        }
    }

    fn highlighted_enrolment(&self) -> Option<&EnrolmentRow> {
        self.highlight.and_then(|i| self.enrolments.get(i))
    }

    fn highlighted_exception(&self) -> Option<&ExceptionRow> {
        self.highlight.and_then(|i| i.checked_sub(self.enrolments.len())).and_then(|i| self.exceptions.get(i))
    }

    fn highlighted_run(&self) -> Option<&RunSummary> {
        self.highlight.and_then(|i| i.checked_sub(self.enrolments.len() + self.exceptions.len())).and_then(|i| self.runs.get(i))
    }

    #[cfg(test)]
    pub fn runs(&self) -> &[RunSummary] {
        &self.runs
    }

    fn enrol_form(&mut self) -> Option<&mut EnrolForm> {
        match &mut self.step {
            Step::Enrolling(form) => Some(form),
            _ => None,
        }
    }

    /// Reads the enrolments (with each account's name) and the open exceptions on the ledger thread.
    pub fn load(&self, ctx: &Context) -> Task<Message> {
        Task::perform(
            ctx.worker.call(|ledger| {
                let conn = &*ledger.read()?;
                let mut enrolments = Vec::new();
                for e in autopay::list(conn)? {
                    let name = query::payable(conn, &e.account)?.map(|p| p.name).unwrap_or_default();
                    let rule = if e.rule == "fixed" { format!("fixed {}", e.fixed_amount.grouped()) } else { "full balance".to_string() };
                    let status = match &e.suspended_by {
                        Some(code) if e.status == citytill::domain::states::EnrolmentStatus::Suspended => format!("suspended ({code})"),
                        _ => e.status.to_string(),
                    };
                    enrolments.push(EnrolmentRow { enrolment: e.enrolment, account: e.account, name, rule, draft_day: e.draft_day, last4: e.last4, account_type: e.account_type, status });
                }
                let exceptions = lockbox::exceptions(conn, None, false)?.into_iter().filter(|r| r.state == citytill::domain::states::ExceptionState::Open).collect();
                let runs = autopay_run::runs(ledger)?;
                let business_date = ledger.business_date()?.to_string();
                Ok(Listing { enrolments, exceptions, runs, business_date })
            }),
            Message::Loaded,
        )
    }

    /// Where the next keystroke goes on this screen.
    pub fn focus(&self) -> Task<Message> {
        match &self.step {
            Step::Enrolling(_) => focus(ACCOUNT_ID),
            Step::Cancelling(_) => focus(REASON_ID),
            Step::Resolving(form) if !form.refund => focus(APPLY_TO_ID),
            Step::Resolving(_) => focus(REASON_ID),
            Step::Running(form) if form.action == runs::RunAction::Prepare => focus(RUN_DATE_ID),
            Step::Running(form) if form.action == runs::RunAction::Reject => focus(REASON_ID),
            Step::Running(_) => focus("approver"),
            Step::List => Task::none(),
        }
    }

    /// F5 enrol, F8 cancel the highlighted enrolment, F6 apply / F7 refund the highlighted exception (on the enrol
    /// form: account type and debit rule), Up/Down move; Esc backs out.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        // On the enrolment form F6 and F7 switch the account type and the debit rule.
        if let Step::Enrolling(form) = &self.step {
            match shortcut {
                Shortcut::F6 => return Some(Message::Savings(!form.savings)),
                Shortcut::F7 => return Some(Message::Fixed(!form.fixed)),
                _ => {}
            }
        }
        // On the run date form F11 settles to the date instead of preparing a run.
        if matches!(&self.step, Step::Running(form) if form.action == RunAction::Prepare) && shortcut == Shortcut::F11 {
            return Some(Message::RunSubmitted(true));
        }
        match shortcut {
            Shortcut::F5 => Some(Message::StartEnrol),
            Shortcut::F6 => Some(Message::StartResolve(false)),
            Shortcut::F7 => Some(Message::StartResolve(true)),
            Shortcut::F8 => Some(Message::StartCancel),
            Shortcut::F9 => Some(Message::StartPrepare),
            Shortcut::F11 => Some(Message::StartRun(RunAction::Release)),
            Shortcut::F12 => Some(Message::StartRun(RunAction::Reject)),
            Shortcut::Up => Some(Message::Up),
            Shortcut::Down => Some(Message::Down),
            Shortcut::Cancel => Some(Message::Cancel),
            _ => None,
        }
    }

    pub fn update(&mut self, message: Message, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(result) => self.loaded(result),
            Message::Highlight(index) => {
                if matches!(self.step, Step::List) {
                    self.highlight = Some(index);
                }
            }
            Message::Up => self.browse(false),
            Message::Down => self.browse(true),
            Message::StartEnrol => {
                self.step = Step::Enrolling(EnrolForm::default());
                self.error = None;
                self.notice = None;
                return (focus(ACCOUNT_ID), None);
            }
            Message::Account(text) => {
                if let Some(form) = self.enrol_form() {
                    form.account = text;
                    form.found = None;
                    form.clear_error(Field::Account);
                }
            }
            Message::AccountSubmitted => return (self.look_up_account(ctx), None),
            Message::AccountFound(result) => return (self.account_found(result), None),
            Message::Routing(text) => {
                if let Some(form) = self.enrol_form() {
                    form.routing = text;
                    form.clear_error(Field::Routing);
                }
            }
            Message::RoutingSubmitted => return (self.routing_submitted(), None),
            Message::BankAccount(text) => {
                if let Some(form) = self.enrol_form() {
                    form.bank_account = text;
                    form.clear_error(Field::BankAccount);
                }
            }
            Message::BankAgain(text) => {
                if let Some(form) = self.enrol_form() {
                    form.bank_again = text;
                    form.clear_error(Field::BankAgain);
                }
            }
            Message::BankAgainSubmitted => return (self.bank_again_submitted(), None),
            Message::Savings(savings) => {
                if let Some(form) = self.enrol_form() {
                    form.savings = savings;
                }
            }
            Message::Fixed(fixed) => {
                if let Some(form) = self.enrol_form() {
                    form.fixed = fixed;
                    form.clear_error(Field::FixedAmount);
                }
                if fixed {
                    return (focus(FIXED_ID), None);
                }
            }
            Message::FixedAmount(text) => {
                if let Some(form) = self.enrol_form() {
                    form.fixed_amount = text;
                    form.clear_error(Field::FixedAmount);
                }
            }
            Message::DraftDay(text) => {
                if let Some(form) = self.enrol_form() {
                    form.draft_day = text;
                    form.clear_error(Field::DraftDay);
                }
            }
            Message::Approver(text) => match &mut self.step {
                Step::Enrolling(form) => {
                    form.approval.approver = text;
                    form.clear_error(Field::Approver);
                }
                Step::Running(form) => form.approval.approver = text,
                _ => {}
            },
            Message::Pin(text) => match &mut self.step {
                Step::Enrolling(form) => form.approval.pin = text,
                Step::Running(form) => form.approval.pin = text,
                _ => {}
            },
            Message::EnrolSubmitted => return (self.enrol_submitted(ctx, actor), None),
            Message::Enrolled(result) => return (self.enrolled(result, ctx), None),
            Message::StartCancel => return (self.start_cancel(), None),
            Message::Reason(text) => match &mut self.step {
                Step::Cancelling(form) => form.reason = text,
                Step::Resolving(form) => form.reason = text,
                Step::Running(form) => form.reason = text,
                _ => {}
            },
            Message::CancelSubmitted => return (self.cancel_submitted(ctx, actor), None),
            Message::StartResolve(refund) => return (self.start_resolve(refund), None),
            Message::ApplyTo(text) => {
                if let Step::Resolving(form) = &mut self.step {
                    form.account = text;
                    form.found = None;
                }
            }
            Message::ApplyToSubmitted => return (self.look_up_apply_to(ctx), None),
            Message::ApplyToFound(result) => return (self.apply_to_found(result), None),
            Message::ResolveSubmitted => return (self.resolve_submitted(ctx, actor), None),
            Message::StartPrepare => return (self.start_prepare(), None),
            Message::StartRun(action) => return (self.start_decision(action, ctx), None),
            Message::RunDate(text) => {
                if let Step::Running(form) = &mut self.step {
                    form.date = text;
                }
            }
            Message::File(text) => {
                if let Step::Running(form) = &mut self.step {
                    form.file = text;
                }
            }
            Message::RunSubmitted(settle) => return (self.run_submitted(settle, ctx, actor), None),
            Message::Done(result) => return (self.done(result, ctx), None),
            Message::NextField => return (iced::widget::operation::focus_next(), None),
            Message::Cancel => return self.cancel(),
        }
        (Task::none(), None)
    }

    fn loaded(&mut self, result: Result<Listing, String>) {
        match result {
            Ok(listing) => {
                self.enrolments = listing.enrolments;
                self.exceptions = listing.exceptions;
                self.runs = listing.runs;
                self.business_date = listing.business_date;
                let rows = self.enrolments.len() + self.exceptions.len() + self.runs.len();
                self.highlight = self.highlight.filter(|i| *i < rows);
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// Up / Down on the list: the row above or below (the first / last when none is), staying at the ends.
    fn browse(&mut self, down: bool) {
        let Some(last) = (self.enrolments.len() + self.exceptions.len() + self.runs.len()).checked_sub(1) else { return };
        if !matches!(self.step, Step::List) {
            return;
        }
        self.highlight = Some(match (self.highlight, down) {
            (None, true) => 0,
            (None, false) => last,
            (Some(i), true) => (i + 1).min(last),
            (Some(i), false) => i.saturating_sub(1),
        });
    }

    /// Enter on the account: its name is looked up (a typo shows beside the field before anything else is typed).
    fn look_up_account(&mut self, ctx: &Context) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        let account = form.account.trim().to_string();
        if account.is_empty() {
            return focus(ACCOUNT_ID);
        }
        Task::perform(ctx.worker.call(move |ledger| Ok(query::payable(&*ledger.read()?, &account)?.map(|p| (p.number, p.name)))), Message::AccountFound)
    }

    fn account_found(&mut self, result: Result<Option<(String, String)>, String>) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        match result {
            Ok(Some(found)) => {
                form.account = found.0.clone();
                form.found = Some(found);
                focus(ROUTING_ID)
            }
            Ok(None) => {
                let problem = format!("account: '{}' is not a known account number", form.account.trim());
                self.refuse(Field::Account, problem)
            }
            Err(error) => self.refuse(Field::Account, error),
        }
    }

    /// Enter on the routing number: the ABA checksum is checked at once.
    fn routing_submitted(&mut self) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        match routing_problem(form.routing.trim()) {
            Some(problem) => self.refuse(Field::Routing, problem),
            None => focus(BANK_ACCOUNT_ID),
        }
    }

    fn bank_again_submitted(&mut self) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        match bank_problem(&form.bank_account, &form.bank_again) {
            Some((field, problem)) => self.refuse(field, problem),
            None => iced::widget::operation::focus_next(),
        }
    }

    /// Enter on the PIN: every field is checked here first (each refusal beside its field), then the bank account
    /// number leaves the form for good and goes with the approval to `autopay::enrol` on the ledger thread.
    fn enrol_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        self.error = None;
        let max = ctx.max_amount();
        let Some(form) = self.enrol_form() else { return Task::none() };
        // The number is taken out now, whatever happens next: a refusal means typing it twice again.
        let (number, again) = (std::mem::take(&mut form.bank_account), std::mem::take(&mut form.bank_again));
        let pin = std::mem::take(&mut form.approval.pin);
        let approver = form.approval.approver.trim().to_string();
        let request = match form.request(number, &again, max) {
            Ok(request) => request,
            Err((field, problem)) => return self.refuse(field, problem),
        };
        if approver.is_empty() {
            return self.refuse(Field::Approver, "approver: a supervisor types their name and PIN".into());
        }
        if let Err(e) = autopay::check_request(&request, &|name| format!("--{name}")) {
            let problem = e.to_string();
            return self.refuse(Field::named_in(&problem).unwrap_or(Field::Account), problem);
        }
        self.busy = true;
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        Task::perform(
            ctx.worker.call(move |ledger| {
                let approving = auth::approve(ledger, &settings, &actor, &approver, &pin, "autopay enrolment")?;
                let last4 = request.bank_account[request.bank_account.len().saturating_sub(4)..].to_string();
                let account = request.account.clone();
                let ids = autopay::enrol(ledger, &settings, &actor, &approving, &[(String::new(), request)])?;
                Ok(format!("{} enrolled: account {account}, bank account ending {last4}, approved by {}. Its prenote goes out in the next run.", ids.join(", "), approving.name))
            }),
            Message::Enrolled,
        )
    }

    fn enrolled(&mut self, result: Result<String, String>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(line) => {
                self.step = Step::List;
                self.notice = Some(line);
                self.error = None;
                self.load(ctx)
            }
            Err(error) => {
                let field = Field::named_in(&error).unwrap_or(Field::Approver);
                self.refuse(field, error)
            }
        }
    }

    fn start_cancel(&mut self) -> Task<Message> {
        let Some(row) = self.highlighted_enrolment() else {
            return self.fail("enrolment: pick an enrolment in the list first [Up/Down]".into());
        };
        if row.status == "cancelled" {
            let problem = format!("enrolment: {} is already cancelled", row.enrolment);
            return self.fail(problem);
        }
        self.step = Step::Cancelling(CancelForm { enrolment: row.enrolment.clone(), reason: String::new() });
        self.error = None;
        self.notice = None;
        focus(REASON_ID)
    }

    fn cancel_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let Step::Cancelling(form) = &self.step else { return Task::none() };
        let (enrolment, reason) = (form.enrolment.clone(), form.reason.trim().to_string());
        self.error = None;
        self.busy = true;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.call(move |ledger| {
                autopay::cancel(ledger, &actor, &enrolment, &reason)?;
                Ok(format!("Enrolment {enrolment} cancelled: {reason}. It is not debited again."))
            }),
            Message::Done,
        )
    }

    fn done(&mut self, result: Result<String, String>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(line) => {
                self.notice = Some(line);
                self.error = None;
                self.step = Step::List;
                self.load(ctx)
            }
            Err(error) => {
                let field = match &self.step {
                    Step::Resolving(form) if !form.refund && !error.starts_with("--reason") => APPLY_TO_ID,
                    Step::Running(_) => self.run_error_field(&error),
                    _ => REASON_ID,
                };
                self.busy = false;
                self.error = Some(error);
                focus(field).chain(select_all(field))
            }
        }
    }

    /// Esc: a form closes first (nothing typed is recorded), then the highlight, then the screen.
    fn cancel(&mut self) -> (Task<Message>, Option<Event>) {
        self.error = None;
        if !matches!(self.step, Step::List) {
            self.step = Step::List;
            return (Task::none(), None);
        }
        if self.highlight.take().is_some() {
            return (Task::none(), None);
        }
        (Task::none(), Some(Event::Back))
    }

    /// A refusal beside an enrolment field, its text selected so typing replaces it.
    fn refuse(&mut self, field: Field, problem: String) -> Task<Message> {
        self.busy = false;
        match self.enrol_form() {
            Some(form) => form.field_error = Some((field, problem)),
            None => self.error = Some(problem),
        }
        focus(field.id()).chain(select_all(field.id()))
    }

    /// A refusal on the list (nothing to type into).
    fn fail(&mut self, problem: String) -> Task<Message> {
        self.busy = false;
        self.error = Some(problem);
        Task::none()
    }
}

impl std::fmt::Debug for EnrolForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolForm")
            .field("account", &self.account)
            .field("found", &self.found)
            .field("routing", &self.routing)
            .field("bank_account", &format_args!("<{} digits>", self.bank_account.len()))
            .field("bank_again", &format_args!("<{} digits>", self.bank_again.len()))
            .field("savings", &self.savings)
            .field("fixed", &self.fixed)
            .field("fixed_amount", &self.fixed_amount)
            .field("draft_day", &self.draft_day)
            .field("approver", &self.approval.approver)
            .field("field_error", &self.field_error)
            .finish()
    }
}

impl EnrolForm {
    fn clear_error(&mut self, field: Field) {
        if self.field_error.as_ref().is_some_and(|(f, _)| *f == field) {
            self.field_error = None;
        }
    }

    /// The request the form makes, or the first field that is wrong and why (the window's own checks).
    fn request(&self, number: String, again: &str, max: Money) -> Result<EnrolRequest, (Field, String)> {
        let account = match &self.found {
            Some((number, _)) => number.clone(),
            None if self.account.trim().is_empty() => return Err((Field::Account, "account: type the account number and press Enter".into())),
            None => self.account.trim().to_string(),
        };
        if let Some(problem) = routing_problem(self.routing.trim()) {
            return Err((Field::Routing, problem));
        }
        if let Some(refusal) = bank_problem(&number, again) {
            return Err(refusal);
        }
        let rule = if self.fixed { Rule::Fixed(Money::parse_positive("fixed-amount", &self.fixed_amount, max).map_err(|e| (Field::FixedAmount, e.to_string()))?) } else { Rule::Full };
        let draft_day = match self.draft_day.trim().parse::<i64>() {
            Ok(day) if (1..=31).contains(&day) => day,
            _ => return Err((Field::DraftDay, format!("draft-day: '{}' is not a day of the month (1 to 31)", self.draft_day.trim()))),
        };
        Ok(EnrolRequest {
            account,
            routing: self.routing.trim().to_string(),
            bank_account: number.trim().to_string(),
            account_type: if self.savings { "savings" } else { "checking" }.into(),
            rule,
            draft_day,
        })
    }
}

/// Why a routing number is refused, if it is: 9 digits passing the ABA checksum.
fn routing_problem(routing: &str) -> Option<String> {
    if routing.len() == 9 && routing.bytes().all(|b| b.is_ascii_digit()) && citytill_hardware::micr::routing_checksum_ok(routing) {
        return None;
    }
    // The text typed is not repeated (it may be a bank account number typed into the wrong field); it is selected
    // in the field beside this line instead.
    Some("routing: not 9 digits with a valid ABA checksum".to_string())
}

/// Why the bank account as typed twice is refused, if it is; the message never repeats the number.
fn bank_problem(number: &str, again: &str) -> Option<(Field, String)> {
    let n = number.trim();
    if !(4..=17).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Some((Field::BankAccount, "bank-account: must be 4 to 17 digits (the number is not shown)".into()));
    }
    if n != again.trim() {
        return Some((Field::BankAgain, "bank-account: the second entry does not match the first".into()));
    }
    None
}

#[cfg(test)]
#[path = "finance_tests.rs"]
mod tests;
