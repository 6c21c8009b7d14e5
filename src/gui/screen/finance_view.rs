//! The finance screen's view (pure): the autopay enrolments, the open file exceptions and the autopay runs
//! (Up/Down through all three) with the list's actions; each form draws itself in its own file. A form's
//! approval fields and buttons sit below its scrolling part, so they are on screen at 1024×768 and a 150% text scale.

use iced::widget::{button, column, container, row, scrollable, text, Column};
use iced::{Element, Length};

use super::{FinanceScreen, Message, Mode, RunAction, Step};
use crate::gui::keys::Shortcut;
use crate::gui::{theme, widgets};

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
            widgets::key_button("Runs and return files", Some(Shortcut::F9), Some(Message::StartPrepare)),
            widgets::key_button("Release run", Some(Shortcut::F11), prepared.then_some(Message::StartRun(RunAction::Release))),
            widgets::key_button("Reject run", Some(Shortcut::F12), prepared.then_some(Message::StartRun(RunAction::Reject))),
        ]
        .spacing(8)
        .wrap()
        .vertical_spacing(8);
        let heading = widgets::title("Finance — autopay, returns and file exceptions");
        let feedback = widgets::feedback(self.error.as_deref(), self.notice.as_deref());
        match &self.step {
            // The enrolment form has the screen to itself: its approval fields and buttons always fit.
            Step::Enrolling(form) => column![heading, feedback, self.enrol_form_view(form)].spacing(theme::GAP).into(),
            Step::Returns(form) => column![heading, feedback, self.returns_form(form)].spacing(theme::GAP).into(),
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
}

fn cell<'a>(label: &'a str, width: u32) -> Element<'a, Message> {
    text(label).size(theme::SMALL).style(theme::text::muted).width(width as f32).into()
}
