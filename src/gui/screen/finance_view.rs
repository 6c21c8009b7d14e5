//! The finance screen's view (pure): the autopay enrolments and the open file exceptions (Up/Down through
//! both), and the enrol, cancel and resolve forms. A form's approval fields and buttons sit below its
//! scrolling part, so they are on screen at 1024×768 and a 150% text scale.

use iced::widget::{button, column, container, row, scrollable, text, Column};
use iced::{Element, Length};

use super::{
    CancelForm, EnrolForm, Field, FinanceScreen, Message, Mode, ResolveForm, RunAction, RunForm, Step, ACCOUNT_ID, APPLY_TO_ID, BANK_ACCOUNT_ID, BANK_AGAIN_ID, DRAFT_DAY_ID, FILE_ID, FIXED_ID,
    REASON_ID, ROUTING_ID, RUN_DATE_ID,
};
use crate::gui::keys::Shortcut;
use crate::gui::{theme, widgets, wording};

/// How wide an enrolment field is: its hint whole inside it at any text scale.
const FIELD_WIDTH: f32 = 260.0;

impl FinanceScreen {
    pub fn view(&self) -> Element<'_, Message> {
        let enrolment = self.highlighted_enrolment().filter(|e| e.status != "cancelled").is_some();
        let exception = self.highlighted_exception().is_some();
        let prepared = self.highlighted_run().is_some_and(|r| !r.released && !r.rejected);
        let mode = self.mode();
        let actions = row![
            widgets::key_button("Enrol", Some(Shortcut::F5), Some(Message::StartEnrol)).style(theme::button::tab(mode == Mode::Enrolling)),
            widgets::key_button("Cancel enrolment", Some(Shortcut::F8), enrolment.then_some(Message::StartCancel)).style(theme::button::tab(mode == Mode::Cancelling)),
            widgets::key_button("Apply to account", Some(Shortcut::F6), exception.then_some(Message::StartResolve(false))).style(theme::button::tab(mode == Mode::Applying)),
            widgets::key_button("Refund", Some(Shortcut::F7), exception.then_some(Message::StartResolve(true))).style(theme::button::tab(mode == Mode::Refunding)),
            widgets::key_button("Run for a date", Some(Shortcut::F9), Some(Message::StartPrepare)),
            widgets::key_button("Release run", Some(Shortcut::F11), prepared.then_some(Message::StartRun(RunAction::Release))),
            widgets::key_button("Reject run", Some(Shortcut::F12), prepared.then_some(Message::StartRun(RunAction::Reject))),
        ]
        .spacing(8)
        .wrap()
        .vertical_spacing(8);
        let heading = widgets::title("Finance — autopay and file exceptions");
        let feedback = widgets::feedback(self.error.as_deref(), self.notice.as_deref());
        match &self.step {
            // The enrolment form has the screen to itself: its approval fields and buttons always fit.
            Step::Enrolling(form) => column![heading, feedback, self.enrol_form_view(form)].spacing(theme::GAP).into(),
            Step::Cancelling(form) => column![heading, feedback, self.cancel_form(form)].spacing(theme::GAP).into(),
            Step::Resolving(form) => column![heading, feedback, self.resolve_form(form)].spacing(theme::GAP).into(),
            Step::Running(form) => column![heading, feedback, self.run_form(form)].spacing(theme::GAP).into(),
            Step::List => column![heading, actions, feedback, scrollable(column![self.enrolment_list(), self.exception_list(), self.run_list()].spacing(theme::GAP)).height(Length::Fill)]
                .spacing(theme::GAP)
                .into(),
        }
    }

    fn enrolment_list(&self) -> Element<'_, Message> {
        let mut list = Column::new()
            .spacing(2)
            .push(text("Autopay enrolments").size(theme::BODY).font(theme::text::BOLD))
            .push(row![cell("Id", 60), cell("Account", 130), cell("Name", 150), cell("Rule", 150), cell("Day", 45), cell("Bank", 130), cell("Status", 150)].spacing(6));
        if self.enrolments.is_empty() {
            list = list.push(text("No enrolments yet: enrol an account [F5].").size(theme::BODY).style(theme::text::muted));
        }
        for (index, e) in self.enrolments.iter().enumerate() {
            let chosen = self.highlight == Some(index);
            let line = row![
                text(e.enrolment.as_str()).size(theme::BODY).font(theme::text::BOLD).width(60),
                text(e.account.as_str()).size(theme::BODY).width(130),
                text(e.name.as_str()).size(theme::BODY).width(150),
                text(e.rule.as_str()).size(theme::BODY).width(150),
                text(e.draft_day.to_string()).size(theme::BODY).width(45),
                text(format!("{} ...{}", if e.account_type == "savings" { "sav" } else { "chk" }, e.last4)).size(theme::BODY).width(130),
                text(e.status.as_str()).size(theme::BODY).width(150),
            ]
            .spacing(6);
            list = list.push(button(line).padding([4, 6]).on_press(Message::Highlight(index)).style(if chosen { theme::button::primary } else { theme::button::row }));
        }
        container(list).padding(10).width(Length::Fill).style(theme::container::card).into()
    }

    fn exception_list(&self) -> Element<'_, Message> {
        let mut list = Column::new()
            .spacing(2)
            .push(text("Lockbox and online file exceptions (open)").size(theme::BODY).font(theme::text::BOLD))
            .push(row![cell("Ref", 70), cell("Batch", 60), cell("Line", 50), cell("Account as given", 170), cell("Amount", 100), cell("Problem", 260)].spacing(6));
        if self.exceptions.is_empty() {
            list = list.push(text("No open exceptions.").size(theme::BODY).style(theme::text::muted));
        }
        for (offset, x) in self.exceptions.iter().enumerate() {
            let index = self.enrolments.len() + offset;
            let chosen = self.highlight == Some(index);
            let line = row![
                text(x.reference.as_str()).size(theme::BODY).font(theme::text::BOLD).width(70),
                text(x.batch.as_str()).size(theme::BODY).width(60),
                text(x.line.to_string()).size(theme::BODY).width(50),
                text(x.account.as_str()).size(theme::BODY).width(170),
                text(x.amount.grouped()).size(theme::BODY).width(100),
                text(x.problem.as_str()).size(theme::BODY).width(260),
            ]
            .spacing(6);
            list = list.push(button(line).padding([4, 6]).on_press(Message::Highlight(index)).style(if chosen { theme::button::primary } else { theme::button::row }));
        }
        container(list).padding(10).width(Length::Fill).style(theme::container::card).into()
    }

    fn enrol_form_view<'a>(&'a self, form: &'a EnrolForm) -> Element<'a, Message> {
        // The field is always the first child of the same column, so its refusal line coming or going (the next
        // keystroke clears it) never rebuilds the field and takes its focus away.
        let beside = |field: Field, input: Element<'a, Message>| -> Element<'a, Message> {
            let line = column![input].spacing(2);
            match &form.field_error {
                Some((bad, problem)) if *bad == field => line.push(text(wording::sentence(problem)).size(theme::SMALL).style(theme::text::danger)).into(),
                _ => line.into(),
            }
        };
        let found = match &form.found {
            Some((number, name)) => text(format!("Account {number} — {name}")).size(theme::BODY).font(theme::text::BOLD),
            None => text("Type the account number and press Enter to look it up.").size(theme::SMALL).style(theme::text::muted),
        };
        let account_type = if form.savings { "Savings account [F6]" } else { "Checking account [F6]" };
        let rule = if form.fixed { "Fixed amount [F7]" } else { "Full balance [F7]" };
        let toggle = |label: &'static str, message: Message| button(text(label).size(theme::BODY)).padding([8, 14]).on_press(message).style(theme::button::secondary);
        let mut terms = vec![beside(Field::DraftDay, widgets::field("Draft day (1-31)", DRAFT_DAY_ID, &form.draft_day, Message::DraftDay, Some(Message::NextField)))];
        if form.fixed {
            terms.insert(0, beside(Field::FixedAmount, widgets::field("Amount", FIXED_ID, &form.fixed_amount, Message::FixedAmount, Some(Message::NextField))));
        }
        let details = column![
            text("Typed twice and hidden, the bank account is kept sealed; only its last 4 is shown. A second person approves.").size(theme::SMALL).style(theme::text::muted),
            widgets::field_row(
                FIELD_WIDTH,
                [
                    beside(Field::Account, widgets::field("Account", ACCOUNT_ID, &form.account, Message::Account, Some(Message::AccountSubmitted))),
                    beside(Field::Routing, widgets::field("Routing number", ROUTING_ID, &form.routing, Message::Routing, Some(Message::RoutingSubmitted))),
                ]
            ),
            found,
            widgets::field_row(
                FIELD_WIDTH,
                [
                    beside(Field::BankAccount, widgets::secret_field("Bank account", BANK_ACCOUNT_ID, &form.bank_account, Message::BankAccount, Some(Message::NextField))),
                    beside(Field::BankAgain, widgets::secret_field("Bank account again", BANK_AGAIN_ID, &form.bank_again, Message::BankAgain, Some(Message::BankAgainSubmitted))),
                ]
            ),
            row![toggle(account_type, Message::Savings(!form.savings)), toggle(rule, Message::Fixed(!form.fixed))].spacing(8).wrap().vertical_spacing(8),
            widgets::field_row(FIELD_WIDTH, terms),
        ]
        .spacing(theme::GAP)
        .padding(iced::Padding { right: 16.0, ..iced::Padding::ZERO });
        let [approver, pin] = widgets::approval_fields(&form.approval, Message::Approver, Message::Pin, Message::EnrolSubmitted);
        let submit = button(text("Enrol [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::EnrolSubmitted)).style(theme::button::primary);
        let approval = column![
            widgets::field_row(widgets::APPROVAL_FIELD_WIDTH, [beside(Field::Approver, approver), pin]),
            row![submit, widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
        ]
        .spacing(8);
        container(column![scrollable(details).height(Length::Fill), approval].spacing(theme::GAP)).padding(14).width(Length::Fill).height(Length::Fill).style(theme::container::card).into()
    }

    fn cancel_form<'a>(&'a self, form: &'a CancelForm) -> Element<'a, Message> {
        let submit = button(text("Cancel enrolment [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::CancelSubmitted)).style(theme::button::danger);
        container(
            column![
                text(format!("Cancel enrolment {}: it is not debited again (debits already released still settle).", form.enrolment)).size(theme::BODY),
                container(widgets::field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::CancelSubmitted))).width(Length::Fill),
                row![submit, widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
            ]
            .spacing(theme::GAP),
        )
        .padding(14)
        .width(Length::Fill)
        .style(theme::container::card)
        .into()
    }

    fn resolve_form<'a>(&'a self, form: &'a ResolveForm) -> Element<'a, Message> {
        let row_of = self.exceptions.iter().find(|x| x.reference == form.reference);
        let what = match row_of {
            Some(x) => format!("{} — line {} of batch {}: {} for '{}' ({})", x.reference, x.line, x.batch, x.amount.grouped(), x.account, x.problem),
            None => form.reference.clone(),
        };
        let mut fields = column![text(what).size(theme::BODY).font(theme::text::BOLD)].spacing(theme::GAP);
        let label = if form.refund {
            fields = fields.push(text("Refunded to the remitter: it counts toward the file's totals and posts to no account.").size(theme::SMALL).style(theme::text::muted));
            "Refund [Enter]"
        } else {
            let found = match &form.found {
                Some((number, name)) => text(format!("Account {number} — {name}")).size(theme::BODY).font(theme::text::BOLD),
                None => text("Type the account it belongs to and press Enter to look it up.").size(theme::SMALL).style(theme::text::muted),
            };
            fields = fields.push(container(widgets::field("Apply to account", APPLY_TO_ID, &form.account, Message::ApplyTo, Some(Message::ApplyToSubmitted))).width(FIELD_WIDTH)).push(found);
            "Apply [Enter]"
        };
        let submit = button(text(label).size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::ResolveSubmitted)).style(theme::button::primary);
        container(
            fields
                .push(container(widgets::field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::ResolveSubmitted))).width(Length::Fill))
                .push(row![submit, widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8)),
        )
        .padding(14)
        .width(Length::Fill)
        .style(theme::container::card)
        .into()
    }
}

impl FinanceScreen {
    fn run_list(&self) -> Element<'_, Message> {
        let mut list = Column::new()
            .spacing(2)
            .push(text("Autopay runs").size(theme::BODY).font(theme::text::BOLD))
            .push(row![cell("Run", 60), cell("Date", 120), cell("Prenotes", 90), cell("Debits", 70), cell("Total", 120), cell("State", 110)].spacing(6));
        if self.runs.is_empty() {
            list = list.push(text("No runs yet: prepare one for a date [F9].").size(theme::BODY).style(theme::text::muted));
        }
        for (offset, r) in self.runs.iter().enumerate() {
            let index = self.enrolments.len() + self.exceptions.len() + offset;
            let chosen = self.highlight == Some(index);
            let state = if r.released {
                "released"
            } else if r.rejected {
                "rejected"
            } else {
                "prepared"
            };
            let line = row![
                text(r.run.as_str()).size(theme::BODY).font(theme::text::BOLD).width(60),
                text(r.date.as_str()).size(theme::BODY).width(120),
                text(r.prenotes.to_string()).size(theme::BODY).width(90),
                text(r.debits.to_string()).size(theme::BODY).width(70),
                text(r.total.grouped()).size(theme::BODY).width(120),
                text(state).size(theme::BODY).width(110),
            ]
            .spacing(6);
            list = list.push(button(line).padding([4, 6]).on_press(Message::Highlight(index)).style(if chosen { theme::button::primary } else { theme::button::row }));
        }
        container(list).padding(10).width(Length::Fill).style(theme::container::card).into()
    }

    fn run_form<'a>(&'a self, form: &'a RunForm) -> Element<'a, Message> {
        let busy = self.busy;
        let back = widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel));
        let body: Element<'a, Message> = match form.action {
            RunAction::Prepare => {
                let prepare = button(text("Prepare run [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!busy).then_some(Message::RunSubmitted(false))).style(theme::button::primary);
                let settle = widgets::key_button("Settle to this date", Some(Shortcut::F11), (!busy).then_some(Message::RunSubmitted(true)));
                column![
                    text("Prepare the run for a date: prenotes waiting and every live enrolment drafting that day. Or settle every released debit due by the date onto its account.")
                        .size(theme::SMALL)
                        .style(theme::text::muted),
                    container(widgets::field("Date (YYYY-MM-DD)", RUN_DATE_ID, &form.date, Message::RunDate, Some(Message::RunSubmitted(false)))).width(FIELD_WIDTH),
                    row![prepare, settle, back].spacing(8).wrap().vertical_spacing(8),
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
                    widgets::field("File", FILE_ID, &form.file, Message::File, Some(Message::NextField))
                } else {
                    widgets::field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::NextField))
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
                    widgets::approval_form(&form.approval, Message::Approver, Message::Pin, Message::RunSubmitted(false)),
                    row![submit, back].spacing(8).wrap().vertical_spacing(8),
                ]
                .spacing(theme::GAP)
                .into()
            }
        };
        container(body).padding(14).width(Length::Fill).style(theme::container::card).into()
    }
}

fn cell<'a>(label: &'a str, width: u32) -> Element<'a, Message> {
    text(label).size(theme::SMALL).style(theme::text::muted).width(width as f32).into()
}
