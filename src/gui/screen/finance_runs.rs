//! The finance screen's autopay runs: prepare the run for a date (F9; F11 on the same form settles what is due
//! by that date), then a second person releases a prepared run (F11, writing its NACHA file to the destination
//! typed) or rejects it with a reason (F12); F12 on the date form reads a bank's return file (`finance_returns`) — `ops::autopay_run`, as `citytill autopay run/approve/reject/settle`.
//! The file is written on the ledger thread: its text (full bank account numbers) never reaches the window.

use std::path::PathBuf;

use citytill::ops::auth::{self, Actor};
use citytill::ops::autopay_run;
use iced::widget::operation::{focus, select_all};
use iced::widget::{button, column, container, row, text};
use iced::{Element, Length, Task};

use super::{FinanceScreen, Message, Step, FIELD_WIDTH, REASON_ID};
use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::theme;
use crate::gui::widgets::{self, Approval};
use crate::gui::worker::WorkerError;

pub(super) const RUN_DATE_ID: &str = "finance-run-date";
pub(super) const FILE_ID: &str = "finance-file";

/// A run's date (prepare, settle) or its release / rejection: the file destination, reason and approval. Its
/// Debug leaves the supervisor's PIN out.
#[derive(Clone)]
pub(super) struct RunForm {
    pub(super) action: RunAction,
    run: String,
    pub(super) date: String,
    pub(super) file: String,
    pub(super) reason: String,
    pub(super) approval: Approval,
    /// A refusal written under the field it names (the field's id, the problem).
    pub(super) refusal: Option<(&'static str, String)>,
}

impl std::fmt::Debug for RunForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunForm")
            .field("action", &self.action)
            .field("run", &self.run)
            .field("date", &self.date)
            .field("file", &self.file)
            .field("reason", &self.reason)
            .field("approver", &self.approval.approver)
            .field("refusal", &self.refusal)
            .finish()
    }
}

impl RunForm {
    /// The field of this form a refusal names, by its id.
    pub(super) fn field_of(&self, error: &WorkerError) -> Option<&'static str> {
        let approval = [("approver", "approver"), ("supervisor", "approver"), ("pin", "approver-pin")];
        match self.action {
            RunAction::Prepare => error.field_on(&[("date", RUN_DATE_ID)]),
            RunAction::Release => error.field_on(&[("file", FILE_ID)]).or_else(|| error.field_on(&approval)),
            RunAction::Reject => error.field_on(&[("reason", REASON_ID)]).or_else(|| error.field_on(&approval)),
        }
    }

    /// `typed` into field `id`, taking away a refusal under it.
    pub(super) fn set(&mut self, id: &str, typed: impl FnOnce(&mut RunForm)) {
        typed(self);
        if self.refusal.as_ref().is_some_and(|(field, _)| *field == id) {
            self.refusal = None;
        }
    }

    /// The refusal to write under field `id`, if there is one about it.
    fn refusal(&self, id: &str) -> Option<&str> {
        self.refusal.as_ref().filter(|(field, _)| *field == id).map(|(_, problem)| problem.as_str())
    }

    /// Where the form's first keystroke goes.
    pub(super) fn focus(&self) -> Task<Message> {
        match self.action {
            RunAction::Prepare => focus(RUN_DATE_ID),
            RunAction::Reject => focus(REASON_ID),
            RunAction::Release => focus("approver"),
        }
    }
}

/// What a run form does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunAction {
    /// Prepare the run for a date (and, F11 on that form, settle to it).
    Prepare,
    Release,
    Reject,
}

impl FinanceScreen {
    /// F9: the date form, the business date filled in.
    pub(super) fn start_prepare(&mut self) -> Task<Message> {
        self.step = Step::Running(RunForm {
            action: RunAction::Prepare,
            run: String::new(),
            date: self.business_date.clone(),
            file: String::new(),
            reason: String::new(),
            approval: Approval::default(),
            refusal: None,
        });
        self.error = None;
        self.notice = None;
        focus(RUN_DATE_ID).chain(select_all(RUN_DATE_ID))
    }

    /// F11 (release) or F12 (reject) on the highlighted prepared run.
    pub(super) fn start_decision(&mut self, action: RunAction, ctx: &Context) -> Task<Message> {
        let Some(run) = self.highlighted_run() else { return self.fail("run: pick a prepared run in the list first [Up/Down]".into()) };
        if run.released || run.rejected {
            let problem = format!("run: {} is {}; only a prepared run is released or rejected", run.run, if run.released { "released" } else { "rejected" });
            return self.fail(problem);
        }
        let file = ctx.data_dir.join("autopay").join(format!("{}-{}.ach", run.run, run.date)).display().to_string();
        self.step = Step::Running(RunForm { action, run: run.run.clone(), date: run.date.clone(), file, reason: String::new(), approval: Approval::default(), refusal: None });
        self.error = None;
        self.notice = None;
        focus(if action == RunAction::Reject { REASON_ID } else { "approver" })
    }

    /// Enter on a run form: prepare, release (the file written on the ledger thread) or reject; `settle` on the date form.
    pub(super) fn run_submitted(&mut self, settle: bool, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let Step::Running(form) = &mut self.step else { return Task::none() };
        let pin = std::mem::take(&mut form.approval.pin);
        let (action, run, date, file, reason, approver) =
            (form.action, form.run.clone(), form.date.trim().to_string(), form.file.trim().to_string(), form.reason.trim().to_string(), form.approval.approver.trim().to_string());
        form.refusal = None;
        if action != RunAction::Prepare && approver.is_empty() {
            form.refusal = Some(("approver", "approver: a supervisor types their name and PIN".into()));
            return focus("approver");
        }
        self.error = None;
        self.busy = true;
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        Task::perform(
            ctx.worker.run(move |ledger| match (action, settle) {
                (RunAction::Prepare, false) => {
                    let summary = autopay_run::prepare(ledger, &settings, &actor, autopay_run::parse_date(&date)?)?;
                    Ok(format!(
                        "Run {} for {} prepared: {} debits ({}), {} prenotes. A second person releases it [F11].",
                        summary.run,
                        summary.date,
                        summary.debits,
                        summary.total.grouped(),
                        summary.prenotes
                    ))
                }
                (RunAction::Prepare, true) => {
                    let (runs, total) = autopay_run::settle(ledger, &settings, &actor, autopay_run::parse_date(&date)?)?;
                    Ok(if runs.is_empty() { format!("Nothing settles by {date}.") } else { format!("Settled {} ({}) onto the accounts.", runs.join(", "), total.grouped()) })
                }
                (RunAction::Release, _) => {
                    let path = PathBuf::from(&file);
                    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
                        std::fs::create_dir_all(dir).map_err(|e| citytill::Error::file(dir, e))?;
                    }
                    citytill::files::check_target(&path).map_err(|e| citytill::Error::Invalid(e.to_string().replacen("--out", "file", 1).into()))?;
                    let approving = auth::approve(ledger, &settings, &actor, &approver, &pin, "autopay run release")?;
                    let (summary, text) = autopay_run::approve(ledger, &settings, &actor, &approving, &run)?;
                    citytill::files::write_private(&path, text.as_bytes())
                        .map_err(|e| citytill::Error::invalid("file", format!("{e} (run {} is released; `citytill autopay file {} --out FILE` writes its file again)", summary.run, summary.run)))?;
                    Ok(format!("Run {} released by {}: {} debits ({}), {} prenotes; file {}.", summary.run, approving.name, summary.debits, summary.total.grouped(), summary.prenotes, path.display()))
                }
                (RunAction::Reject, _) => {
                    let approving = auth::approve(ledger, &settings, &actor, &approver, &pin, "autopay run rejection")?;
                    let summary = autopay_run::reject(ledger, &actor, &approving, &run, &reason)?;
                    Ok(format!("Run {} for {} rejected by {}: {reason}. Nothing goes out; prenotes wait for the next run.", summary.run, summary.date, approving.name))
                }
            }),
            Message::Done,
        )
    }

    /// Where a refused run form's correction is typed.
    pub(super) fn run_error_field(&self, error: &WorkerError) -> &'static str {
        match &self.step {
            Step::Running(form) if form.action == RunAction::Prepare => RUN_DATE_ID,
            Step::Running(_) if error.field_on(&[("file", FILE_ID)]).is_some() => FILE_ID,
            Step::Running(form) if form.action == RunAction::Reject && error.field_on(&[("reason", REASON_ID)]).is_some() => REASON_ID,
            _ => "approver",
        }
    }
}

impl FinanceScreen {
    /// The refusal under a run form's field: its id and the problem (for the tests).
    #[cfg(test)]
    pub(super) fn run_refusal(&self) -> Option<(&'static str, &str)> {
        match &self.step {
            Step::Running(form) => form.refusal.as_ref().map(|(id, problem)| (*id, problem.as_str())),
            _ => None,
        }
    }

    pub(super) fn run_form<'a>(&'a self, form: &'a RunForm) -> Element<'a, Message> {
        let busy = self.busy;
        let back = widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel));
        let body: Element<'a, Message> = match form.action {
            RunAction::Prepare => {
                let prepare = button(text("Prepare run [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!busy).then_some(Message::RunSubmitted(false))).style(theme::button::primary);
                let settle = widgets::key_button("Settle to this date", Some(Shortcut::F11), (!busy).then_some(Message::RunSubmitted(true)));
                let returns = widgets::key_button("Bank return file", Some(Shortcut::F12), (!busy).then_some(Message::StartReturns));
                column![
                    text("Prepare the run for a date: prenotes waiting and every live enrolment drafting that day. Or settle every released debit due by the date onto its account, or read the bank's return file.")
                        .size(theme::SMALL)
                        .style(theme::text::muted),
                    container(widgets::checked_field("Date (YYYY-MM-DD)", RUN_DATE_ID, &form.date, Message::RunDate, Some(Message::RunSubmitted(false)), form.refusal(RUN_DATE_ID))).width(FIELD_WIDTH),
                    row![prepare, settle, returns, back].spacing(8).wrap().vertical_spacing(8),
                ]
                .spacing(theme::GAP)
                .into()
            }
            RunAction::Release | RunAction::Reject => {
                let release = form.action == RunAction::Release;
                let what = self
                    .runs
                    .iter()
                    .find(|r| r.run == form.run)
                    .map(|r| format!("Run {} for {}: {} debits ({}), {} prenotes", r.run, r.date, r.debits, r.total.grouped(), r.prenotes))
                    .unwrap_or_else(|| form.run.clone());
                let hint = if release {
                    "A supervisor who did not prepare it releases it: the NACHA file is written to the file named, owner-only; the debits are pending until they settle."
                } else {
                    "A supervisor who did not prepare it rejects it with a reason: nothing goes out, its prenotes wait for the next run, the date may be prepared again."
                };
                let detail = if release {
                    widgets::checked_field("File", FILE_ID, &form.file, Message::File, Some(Message::NextField), form.refusal(FILE_ID))
                } else {
                    widgets::checked_field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::NextField), form.refusal(REASON_ID))
                };
                let label = if release { "Release and write file [Enter]" } else { "Reject run [Enter]" };
                let submit = button(text(label).size(theme::BODY)).padding([8, 14]).on_press_maybe((!busy).then_some(Message::RunSubmitted(false))).style(if release {
                    theme::button::primary
                } else {
                    theme::button::danger
                });
                column![
                    text(what).size(theme::BODY).font(theme::text::BOLD),
                    text(hint).size(theme::SMALL).style(theme::text::muted),
                    container(detail).width(Length::Fill),
                    widgets::approval_form_checked(&form.approval, Message::Approver, Message::Pin, Message::RunSubmitted(false), form.refusal.as_ref().map(|(id, problem)| (*id, problem.as_str()))),
                    row![submit, back].spacing(8).wrap().vertical_spacing(8),
                ]
                .spacing(theme::GAP)
                .into()
            }
        };
        container(body).padding(14).width(Length::Fill).style(theme::container::card).into()
    }
}
