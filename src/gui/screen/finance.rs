//! Finance: a lead's screen for the office's money that does not cross the counter — autopay enrolments
//! (`finance_enrol`), the bank's autopay return files (`finance_returns`), the open exceptions of lockbox and
//! online payment files (`finance_files`) and autopay runs (`finance_runs`). Everything goes through `ops` on
//! the ledger thread. The screen's state is its own: the app sends it `Message`s, hears `Event`s, and asks
//! only its `mode()`; each step of the screen is a `Step` variant carrying its own form.

use citytill::ops::auth::Actor;
use citytill::ops::autopay;
use citytill::ops::autopay_returns::ReturnsPreview;
use citytill::ops::autopay_run::{self, RunSummary};
use citytill::ops::lockbox::{self, ExceptionRow};
use citytill::ops::lockbox_redirect::Redirect;
use citytill::ops::query;
use iced::widget::operation::{focus, select_all};
use iced::Task;

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::worker::WorkerError;

#[path = "finance_enrol.rs"]
mod enrol;
#[path = "finance_files.rs"]
mod files;
#[path = "finance_returns.rs"]
mod returns;
#[path = "finance_runs.rs"]
mod runs;
#[path = "finance_view.rs"]
mod view;

use enrol::{CancelForm, EnrolForm};
use files::ResolveForm;
use returns::ReturnsForm;
pub use runs::RunAction;
use runs::RunForm;

const REASON_ID: &str = "finance-reason";

/// How wide a form's field is: its hint whole inside it at any text scale.
const FIELD_WIDTH: f32 = 260.0;

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
    /// A bank's autopay return file: looked at, then recorded with a supervisor's approval.
    Returns(ReturnsForm),
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
    Returns,
}

/// One enrolment as the list shows it: never more of the bank account than its last 4.
#[derive(Clone, Debug, PartialEq, Eq)]
struct EnrolmentRow {
    enrolment: String,
    account: String,
    name: String,
    rule: String,
    draft_day: i64,
    last4: String,
    account_type: String,
    /// prenote, active, cancelled, or "suspended (R02)".
    status: String,
}

/// What a load brings back: the enrolments, the open exceptions and the runs (read on the ledger thread).
#[derive(Clone, Debug, Default)]
pub struct Listing {
    enrolments: Vec<EnrolmentRow>,
    exceptions: Vec<ExceptionRow>,
    runs: Vec<RunSummary>,
    business_date: String,
}

/// The screen's state is its own: the app sends it `Message`s and hears `Event`s.
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
    Loaded(Result<Listing, WorkerError>),
    Highlight(usize),
    Up,
    Down,
    StartEnrol,
    Account(String),
    AccountSubmitted,
    AccountFound(Result<Option<(String, String)>, WorkerError>),
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
    Enrolled(Result<String, WorkerError>),
    StartCancel,
    Reason(String),
    CancelSubmitted,
    /// F6 apply the highlighted exception to an account, F7 refund it.
    StartResolve(bool),
    ApplyTo(String),
    ApplyToSubmitted,
    ApplyToFound(Result<Redirect, WorkerError>),
    /// F8 on the apply form: the change of kind (a water payment to a citation) is confirmed, or withdrawn.
    ConfirmKind(bool),
    ResolveSubmitted,
    /// F9: the runs and returns form; F11 / F12 on a highlighted prepared run: release / reject.
    StartPrepare,
    StartRun(RunAction),
    RunDate(String),
    File(String),
    /// Enter on a run form (`true`: settle to the date instead of preparing, F11 on the date form).
    RunSubmitted(bool),
    /// F12 on the runs form: a bank's return file.
    StartReturns,
    /// The return files found in the returns folder (names), to pick from.
    ReturnFiles(Result<Vec<String>, WorkerError>),
    ReturnFile(String),
    /// Enter on the return file's path (or a file picked): what reading it would do is shown.
    ReturnFileSubmitted,
    PickReturnFile(String),
    Previewed(Result<ReturnsPreview, WorkerError>),
    /// Enter on the supervisor's PIN: the returns shown are recorded.
    ReturnsSubmitted,
    ReturnsRecorded(Result<String, WorkerError>),
    /// A cancel or a resolution was recorded: the line to show.
    Done(Result<String, WorkerError>),
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
            Step::Returns(_) => Mode::Returns,
        }
    }

    #[cfg(test)]
    fn enrolments(&self) -> &[EnrolmentRow] {
        &self.enrolments
    }

    /// The open exceptions of file batches not yet approved.
    #[cfg(test)]
    fn exceptions(&self) -> &[ExceptionRow] {
        &self.exceptions
    }

    #[cfg(test)]
    fn runs(&self) -> &[RunSummary] {
        &self.runs
    }

    #[cfg(test)]
    fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    #[cfg(test)]
    fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
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

    /// Reads the enrolments (with each account's name) and the open exceptions on the ledger thread.
    pub fn load(&self, ctx: &Context) -> Task<Message> {
        Task::perform(
            ctx.worker.run(|ledger| {
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
            Step::Enrolling(_) => enrol::focus_first(),
            Step::Cancelling(_) => focus(REASON_ID),
            Step::Resolving(form) => form.focus(),
            Step::Running(form) => form.focus(),
            Step::Returns(_) => returns::focus_first(),
            Step::List => Task::none(),
        }
    }

    /// F5 enrol, F8 cancel the highlighted enrolment, F6 apply / F7 refund the highlighted exception, F9 runs
    /// and returns, F11 / F12 release / reject the highlighted prepared run, Up/Down move; Esc backs out. A form
    /// gives some keys its own meaning first.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        match (&self.step, shortcut) {
            // On the enrolment form F6 and F7 switch the account type and the debit rule.
            (Step::Enrolling(form), Shortcut::F6) => return Some(Message::Savings(!form.savings)),
            (Step::Enrolling(form), Shortcut::F7) => return Some(Message::Fixed(!form.fixed)),
            // On the run date form F11 settles to the date instead of preparing a run, F12 reads a return file.
            (Step::Running(form), Shortcut::F11) if form.action == RunAction::Prepare => return Some(Message::RunSubmitted(true)),
            (Step::Running(form), Shortcut::F12) if form.action == RunAction::Prepare => return Some(Message::StartReturns),
            // On the apply form F8 confirms (or withdraws) a change of the item's kind of account.
            (Step::Resolving(form), Shortcut::F8) if !form.refund => return Some(Message::ConfirmKind(!form.kind_confirmed())),
            (Step::List, _) | (_, Shortcut::Cancel | Shortcut::Up | Shortcut::Down) => {}
            // Elsewhere on a form the list's keys do nothing: they would start another form over this one.
            _ => return None,
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
        let task = match message {
            Message::Loaded(result) => {
                self.loaded(result);
                Task::none()
            }
            Message::Highlight(index) => {
                if matches!(self.step, Step::List) {
                    self.highlight = Some(index);
                }
                Task::none()
            }
            Message::Up => self.browse(false),
            Message::Down => self.browse(true),
            Message::StartEnrol => self.start_enrol(),
            message @ (Message::Account(_)
            | Message::Routing(_)
            | Message::BankAccount(_)
            | Message::BankAgain(_)
            | Message::Savings(_)
            | Message::Fixed(_)
            | Message::FixedAmount(_)
            | Message::DraftDay(_)) => self.enrol_input(message),
            Message::AccountSubmitted => self.look_up_account(ctx),
            Message::AccountFound(result) => self.account_found(result),
            Message::RoutingSubmitted => self.routing_submitted(),
            Message::BankAgainSubmitted => self.bank_again_submitted(),
            Message::Approver(text) => {
                match &mut self.step {
                    Step::Enrolling(form) => form.set_approver(text),
                    Step::Running(form) => form.set("approver", |form| form.approval.approver = text),
                    Step::Returns(form) => form.set_approver(text),
                    _ => {}
                }
                Task::none()
            }
            Message::Pin(text) => {
                match &mut self.step {
                    Step::Enrolling(form) => form.approval.pin = text,
                    Step::Running(form) => form.approval.pin = text,
                    Step::Returns(form) => form.approval.pin = text,
                    _ => {}
                }
                Task::none()
            }
            Message::EnrolSubmitted => self.enrol_submitted(ctx, actor),
            Message::Enrolled(result) => self.enrolled(result, ctx),
            Message::StartCancel => self.start_cancel(),
            Message::Reason(text) => {
                // Typing into the field a refusal is about takes the refusal away.
                match &mut self.step {
                    Step::Cancelling(form) => (form.reason, form.refusal) = (text, None),
                    Step::Resolving(form) => form.set_reason(text),
                    Step::Running(form) => form.set(REASON_ID, |form| form.reason = text),
                    _ => {}
                }
                Task::none()
            }
            Message::CancelSubmitted => self.cancel_submitted(ctx, actor),
            Message::StartResolve(refund) => self.start_resolve(refund),
            Message::ApplyTo(text) => {
                if let Step::Resolving(form) = &mut self.step {
                    form.set_account(text);
                }
                Task::none()
            }
            Message::ApplyToSubmitted => self.look_up_apply_to(ctx, actor),
            Message::ApplyToFound(result) => self.apply_to_found(result),
            Message::ConfirmKind(confirmed) => self.confirm_kind(confirmed),
            Message::ResolveSubmitted => self.resolve_submitted(ctx, actor),
            Message::StartPrepare => self.start_prepare(),
            Message::StartRun(action) => self.start_decision(action, ctx),
            Message::RunDate(text) => {
                if let Step::Running(form) = &mut self.step {
                    form.set(runs::RUN_DATE_ID, |form| form.date = text);
                }
                Task::none()
            }
            Message::File(text) => {
                if let Step::Running(form) = &mut self.step {
                    form.set(runs::FILE_ID, |form| form.file = text);
                }
                Task::none()
            }
            Message::RunSubmitted(settle) => self.run_submitted(settle, ctx, actor),
            Message::StartReturns => self.start_returns(ctx),
            Message::ReturnFiles(result) => self.return_files(result),
            Message::ReturnFile(text) => self.return_file_typed(text),
            Message::ReturnFileSubmitted => self.preview_returns(ctx, actor),
            Message::PickReturnFile(path) => {
                let _ = self.return_file_typed(path);
                self.preview_returns(ctx, actor)
            }
            Message::Previewed(result) => self.previewed(result),
            Message::ReturnsSubmitted => self.returns_submitted(ctx, actor),
            Message::ReturnsRecorded(result) => self.returns_recorded(result, ctx),
            Message::Done(result) => self.done(result, ctx),
            Message::NextField => iced::widget::operation::focus_next(),
            Message::Cancel => return self.cancel(),
        };
        (task, None)
    }

    fn loaded(&mut self, result: Result<Listing, WorkerError>) {
        match result {
            Ok(listing) => {
                self.enrolments = listing.enrolments;
                self.exceptions = listing.exceptions;
                self.runs = listing.runs;
                self.business_date = listing.business_date;
                let rows = self.enrolments.len() + self.exceptions.len() + self.runs.len();
                self.highlight = self.highlight.filter(|i| *i < rows);
            }
            Err(error) => self.error = Some(error.into()),
        }
    }

    /// Up / Down on the list: the row above or below (the first / last when none is), staying at the ends.
    fn browse(&mut self, down: bool) -> Task<Message> {
        let Some(last) = (self.enrolments.len() + self.exceptions.len() + self.runs.len()).checked_sub(1) else { return Task::none() };
        if !matches!(self.step, Step::List) {
            return Task::none();
        }
        self.highlight = Some(match (self.highlight, down) {
            (None, true) => 0,
            (None, false) => last,
            (Some(i), true) => (i + 1).min(last),
            (Some(i), false) => i.saturating_sub(1),
        });
        Task::none()
    }

    fn done(&mut self, result: Result<String, WorkerError>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(line) => {
                self.notice = Some(line);
                self.error = None;
                self.step = Step::List;
                self.load(ctx)
            }
            Err(error) if !error.is_refusal() => self.fail(error.into()),
            Err(error) => {
                if matches!(self.step, Step::Resolving(_)) {
                    return self.resolve_refused(error);
                }
                let field = match &self.step {
                    Step::Running(_) => self.run_error_field(&error),
                    _ => REASON_ID,
                };
                self.busy = false;
                // Under the field it names where the form shows that field, else in the banner.
                match &mut self.step {
                    Step::Cancelling(form) if error.field_on(&[("reason", REASON_ID)]).is_some() => form.refusal = Some(error.into()),
                    Step::Running(form) => match form.field_of(&error) {
                        Some(id) => form.refusal = Some((id, error.into())),
                        None => self.error = Some(error.into()),
                    },
                    _ => self.error = Some(error.into()),
                }
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

    /// A refusal on the list (nothing to type into), or a failure on any form: in the banner, the form kept as
    /// typed (a failure is not the cashier's to correct).
    fn fail(&mut self, problem: String) -> Task<Message> {
        self.busy = false;
        self.error = Some(problem);
        Task::none()
    }
}

#[cfg(test)]
#[path = "finance_tests.rs"]
mod tests;
