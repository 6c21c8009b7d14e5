//! End of day: prepare the deposit of a business date's approved batches (the slip shown, and saved as PDF
//! into the data directory) and close the business day, which asks for a second F9 before anything is
//! written. The library decides who may do either and what blocks a close; its message is shown.
//! Beside the slip, where the money goes: each bank with each fund's share of each tender and the bank's
//! subtotal (`ops::deposit::by_bank`), so a supervisor sees the split before taking the deposit to the bank.
//! Below, the live overview of the day's drawers (`ops::drawer_overview`): state, cash receipts, drop due,
//! and expected cash only where the blind close allows it.

use std::path::PathBuf;

use citytill::ops::auth::Actor;
use citytill::ops::day;
use citytill::ops::deposit::{self, BankRouting, BankShare};
use citytill::ops::drawer_overview::{self, DrawerLine};
use citytill::reports;
use iced::widget::operation::focus;
use iced::widget::{column, container, row, scrollable, text, Column};
use iced::{Element, Length, Task};

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::worker::WorkerError;
use crate::gui::{theme, widgets};

pub const DATE_ID: &str = "day-date";

/// The screen's state is its own: the app sends it `Message`s, hears `Event`s, and reads it only through
/// [`DayScreen::load`], [`DayScreen::refresh_drawers`], [`DayScreen::shortcut`] and [`DayScreen::view`].
#[derive(Debug, Default)]
pub struct DayScreen {
    date: String,
    step: Step,
    /// The deposit just prepared (kept while the close is asked for and after it).
    deposit: Option<Deposit>,
    error: Option<String>,
    /// The field the error is about (written under it), if it names one: only the date.
    error_field: Option<&'static str>,
    notice: Option<String>,
    /// The business date's drawers, as the signed-in user may see them.
    drawers: Vec<DrawerLine>,
}

/// Where the screen is between F5 / F9 and the ledger thread's answer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Step {
    #[default]
    Idle,
    /// The close was asked for once: the next F9 closes the date, Esc or any other change cancels.
    Confirming,
    /// A deposit or a close is on the ledger thread: F5 and F9 wait.
    Working,
}

/// The deposit just prepared, as shown: its slip as text and where the money goes, by bank and fund.
#[derive(Debug)]
struct Deposit {
    slip: String,
    banks: Vec<BankShare>,
}

/// What a deposit left behind: its slip as text, where the PDF went (within the data directory), and the
/// summary line.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub slip: String,
    pub pdf: PathBuf,
    pub summary: String,
    /// Where the money goes: by bank, each fund's share of each tender.
    pub banks: Vec<BankShare>,
}

#[derive(Clone, Debug)]
pub enum Message {
    /// The current business date (the default date).
    Loaded(Result<String, WorkerError>),
    Date(String),
    Deposit,
    Deposited(Result<Prepared, WorkerError>),
    CloseDay,
    Closed(Result<day::DayCloseResult, WorkerError>),
    Cancel,
    /// The live drawer overview, read again.
    Drawers(Result<Vec<DrawerLine>, WorkerError>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Back,
    /// The day closed: the business date moved on.
    Changed,
}

impl DayScreen {
    /// On showing the screen: today's business date (if none typed yet), the drawer overview, and focus on the date.
    pub fn load(&self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let date = if self.date.is_empty() { Task::perform(ctx.worker.run(|ledger| Ok(ledger.business_date()?.to_string())), Message::Loaded) } else { Task::none() };
        Task::batch([date, self.refresh_drawers(ctx, actor), focus(DATE_ID)])
    }

    /// Reads the current business date's drawers again (on the ledger thread), as `actor` may see them.
    pub fn refresh_drawers(&self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let (actor, limit) = (actor.clone(), ctx.settings.limits.drawer_cash_limit);
        Task::perform(
            ctx.worker.run(move |ledger| {
                let date = ledger.business_date()?.to_string();
                drawer_overview::drawers_of_day(&*ledger.read()?, &actor, &date, limit)
            }),
            Message::Drawers,
        )
    }

    /// F5 prepare the deposit, F9 close the day (twice); Esc cancels, then goes back.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        match shortcut {
            Shortcut::F5 => Some(Message::Deposit),
            Shortcut::F9 => Some(Message::CloseDay),
            Shortcut::Cancel => Some(Message::Cancel),
            _ => None,
        }
    }

    pub fn update(&mut self, message: Message, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(Ok(date)) => {
                if self.date.is_empty() {
                    self.date = date;
                }
            }
            Message::Drawers(Ok(drawers)) => self.drawers = drawers,
            Message::Loaded(Err(error)) | Message::Drawers(Err(error)) => return (self.refuse(error), None),
            Message::Date(text) => {
                self.date = text;
                self.withdraw();
                // Typing in the date answers a refusal written under it, as the other screens' fields do.
                if self.error_field == Some(DATE_ID) {
                    (self.error, self.error_field) = (None, None);
                }
            }
            Message::Deposit => {
                self.withdraw();
                return (self.deposit(ctx, actor), None);
            }
            Message::Deposited(result) => {
                self.step = Step::Idle;
                match result {
                    Ok(prepared) => {
                        self.notice = Some(format!("{} Slip saved in the data directory as {}.", prepared.summary, prepared.pdf.display()));
                        self.deposit = Some(Deposit { slip: prepared.slip, banks: prepared.banks });
                    }
                    Err(error) => return (self.refuse(error), None),
                }
            }
            Message::CloseDay => return (self.close_day(ctx, actor), None),
            Message::Closed(result) => {
                self.step = Step::Idle;
                match result {
                    Ok(closed) => {
                        self.notice = Some(format!(
                            "Business date {} closed ({}, {}); new entries go to {}.",
                            closed.date,
                            counted(closed.drawers, "drawer", "drawers"),
                            counted(closed.batches, "batch", "batches"),
                            closed.next_business_date
                        ));
                        self.date = closed.next_business_date;
                        return (self.refresh_drawers(ctx, actor), Some(Event::Changed));
                    }
                    Err(error) => return (self.refuse(error), None),
                }
            }
            Message::Cancel => {
                if self.step != Step::Confirming && self.deposit.is_none() && self.error.is_none() {
                    return (Task::none(), Some(Event::Back));
                }
                self.withdraw();
                self.deposit = None;
                (self.error, self.error_field, self.notice) = (None, None, None);
            }
        }
        (Task::none(), None)
    }

    /// Shows a refusal under the date when it is about the date (focus there, the bad text selected so typing
    /// replaces it), else in the banner; a failure always in the banner.
    fn refuse(&mut self, error: WorkerError) -> Task<Message> {
        self.error_field = error.field_on(&[("date", DATE_ID)]);
        self.error = Some(error.into());
        match self.error_field {
            Some(id) => focus(id).chain(iced::widget::operation::select_all(id)),
            None => Task::none(),
        }
    }

    /// The error shown (under the date or in the banner), if any.
    #[cfg(test)]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The date typed (the business date until another is typed).
    #[cfg(test)]
    pub fn date(&self) -> &str {
        &self.date
    }

    /// Whether the close was asked for once and waits for the second F9.
    #[cfg(test)]
    pub fn confirming(&self) -> bool {
        self.step == Step::Confirming
    }

    /// The day's drawers in the overview (for the tests).
    #[cfg(test)]
    pub fn drawers(&self) -> &[DrawerLine] {
        &self.drawers
    }

    /// The refusal to write under field `id`, if the error is about it.
    fn refusal(&self, id: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == Some(id))
    }

    /// The error for the banner: one written under no field.
    fn banner_error(&self) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field.is_none())
    }

    /// A close asked for is withdrawn (a deposit or close under way goes on).
    fn withdraw(&mut self) {
        if self.step == Step::Confirming {
            self.step = Step::Idle;
        }
    }

    /// The date typed, checked; a bad one is refused under the date, and a close asked for withdrawn.
    fn checked_date(&mut self) -> Result<String, Task<Message>> {
        citytill::domain::dates::parse_day("--date", &self.date).map(|d| d.to_string()).map_err(|e| {
            self.withdraw();
            self.refuse(WorkerError::refused(e.to_string()))
        })
    }

    /// Puts the date's approved, undeposited batches into one deposit on the ledger thread, and saves its slip.
    fn deposit(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.step == Step::Working {
            return Task::none();
        }
        (self.error, self.error_field, self.notice, self.deposit) = (None, None, None, None);
        let date = match self.checked_date() {
            Ok(date) => date,
            Err(task) => return task,
        };
        self.step = Step::Working;
        let (actor, dir) = (actor.clone(), ctx.data_dir.clone());
        Task::perform(
            ctx.worker.run(move |ledger| {
                let routing = BankRouting::load(&dir)?;
                let result = deposit::create(ledger, &actor, &routing, &date)?;
                let document = reports::deposit::slip_document(&result.deposit, &result.batches, &result.slip);
                let saved = crate::gui::data::save_as(&dir, &format!("deposit-slip-{}", result.deposit), &document, reports::Format::Pdf)?;
                let pdf = saved.strip_prefix(&dir).map(PathBuf::from).unwrap_or(saved);
                let summary = format!("Deposit {} prepared: {}, {}.", result.deposit, counted(result.batches.len() as i64, "batch", "batches"), result.total);
                let banks = deposit::by_bank(&*ledger.read()?, &result.funds)?;
                Ok(Prepared { slip: reports::render::text(&document), pdf, summary, banks })
            }),
            Message::Deposited,
        )
    }

    /// The first F9 asks; the second closes the date on the ledger thread.
    fn close_day(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.step == Step::Working {
            return Task::none();
        }
        (self.error, self.error_field, self.notice) = (None, None, None);
        let date = match self.checked_date() {
            Ok(date) => date,
            Err(task) => return task,
        };
        if self.step != Step::Confirming {
            self.step = Step::Confirming;
            return Task::none();
        }
        self.step = Step::Idle;
        let date = match chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
            Ok(date) => date,
            Err(e) => return self.refuse(WorkerError::refused(format!("date: {e}"))),
        };
        self.step = Step::Working;
        let actor = actor.clone();
        Task::perform(ctx.worker.run(move |ledger| day::close(ledger, &actor, date)), Message::Closed)
    }

    pub fn view(&self) -> Element<'_, Message> {
        let idle = self.step != Step::Working;
        let confirming = self.step == Step::Confirming;
        let close_label = if confirming { "Confirm close" } else { "Close business day" };
        let actions = row![
            container(widgets::field("Business date (YYYY-MM-DD)", DATE_ID, &self.date, Message::Date, Some(Message::Deposit))).width(280),
            widgets::key_button("Prepare deposit", Some(Shortcut::F5), idle.then_some(Message::Deposit)).style(theme::button::primary),
            widgets::key_button(close_label, Some(Shortcut::F9), idle.then_some(Message::CloseDay)).style(theme::button::secondary),
        ]
        .spacing(8)
        .align_y(iced::Alignment::End);
        // A refusal of the date is written under the row, so under the date field, the buttons left in line.
        let actions = widgets::with_refusal(actions.into(), self.refusal(DATE_ID));
        let confirm: Element<'_, Message> = if confirming {
            // A question, not an error: it waits for F9 or Esc.
            widgets::question(format!(
                "Close {}? Its drawers and batches become final: later corrections are refunds and returned checks, and new entries go to the next date. F9 closes, Esc keeps it open.",
                self.date
            ))
        } else {
            column![].into()
        };
        let body: Element<'_, Message> = match self.deposit.as_ref().map(|d| &d.slip) {
            Some(slip) => {
                let slip = container(text(slip.as_str()).font(theme::text::MONO).size(theme::SMALL)).padding(12).width(Length::Fill).style(theme::container::card);
                scrollable(column![self.banks_view(), slip].spacing(theme::GAP).padding(iced::Padding { right: 16.0, ..iced::Padding::ZERO })).height(Length::Fill).width(Length::Fill).into()
            }
            None => column![
                text("F5 puts the date's approved batches into one deposit and shows its slip. F9 closes the business day once every drawer is closed and every batch approved.")
                    .size(theme::BODY)
                    .style(theme::text::muted),
                self.drawers_view(),
            ]
            .spacing(theme::GAP)
            .into(),
        };
        column![widgets::title("End of day"), actions, confirm, widgets::feedback(self.banner_error(), self.notice.as_deref()), body].spacing(theme::GAP).into()
    }
}

impl DayScreen {
    /// The deposit by bank: each bank's funds, each fund's share of each tender, the bank's subtotal.
    fn banks_view(&self) -> Element<'_, Message> {
        let cell = |content: String, width: f32| text(content).size(theme::BODY).width(width);
        let amount = |content: String| text(content).size(theme::BODY).width(120).align_x(iced::Alignment::End);
        let mut table = Column::new().spacing(4).push(text("Where the money goes: by bank and fund").size(theme::BODY).font(theme::text::BOLD)).push(
            row![
                text("Fund").size(theme::SMALL).style(theme::text::muted).width(260),
                text("Tender").size(theme::SMALL).style(theme::text::muted).width(140),
                text("Amount").size(theme::SMALL).style(theme::text::muted).width(120).align_x(iced::Alignment::End),
            ]
            .spacing(8),
        );
        for bank in self.deposit.iter().flat_map(|d| &d.banks) {
            table = table.push(text(format!("{} {}", bank.bank_account, bank.bank_name)).size(theme::BODY).font(theme::text::BOLD));
            for part in &bank.parts {
                table = table.push(row![cell(format!("  {}", part.name), 260.0), cell(part.tender.as_str().replace('_', " "), 140.0), amount(part.amount.grouped())].spacing(8));
            }
            let subtotal = format!("Subtotal to {}", bank.bank_account);
            table = table.push(
                row![
                    text(subtotal).size(theme::BODY).font(theme::text::BOLD).width(408),
                    text(bank.subtotal.grouped()).size(theme::BODY).font(theme::text::BOLD).width(120).align_x(iced::Alignment::End)
                ]
                .spacing(8),
            );
        }
        container(table).padding(12).width(Length::Fill).style(theme::container::card).into()
    }

    /// The deposit just prepared, by bank (for the tests).
    #[cfg(test)]
    fn banks(&self) -> &[BankShare] {
        self.deposit.as_ref().map_or(&[], |d| &d.banks)
    }

    /// The slip of the deposit just prepared, as text (for the tests).
    #[cfg(test)]
    fn slip(&self) -> Option<&str> {
        self.deposit.as_ref().map(|d| d.slip.as_str())
    }

    /// The day's drawers, one row each; the expected-cash column only for someone who may see some of it.
    fn drawers_view(&self) -> Element<'_, Message> {
        if self.drawers.is_empty() {
            return text("No drawers on this business date yet.").size(theme::BODY).into();
        }
        let with_expected = self.drawers.iter().any(|d| d.expected_cash.is_some());
        let cell = |content: String, width: f32| text(content).size(theme::BODY).width(width);
        let mut header = row![cell("Drawer".into(), 80.0), cell("Cashier".into(), 140.0), cell("State".into(), 110.0), cell("Cash receipts".into(), 140.0)].spacing(8);
        if with_expected {
            header = header.push(cell("Expected cash".into(), 150.0));
        }
        let mut table = column![text("Drawers today").size(theme::BODY).font(theme::text::BOLD), header.push(text("Warning").size(theme::BODY))].spacing(4);
        for drawer in &self.drawers {
            let mut line =
                row![cell(drawer.id.to_string(), 80.0), cell(drawer.cashier.clone(), 140.0), cell(drawer_overview_state(drawer.state).into(), 110.0), cell(drawer.cash_receipts.to_string(), 140.0),]
                    .spacing(8);
            if with_expected {
                line = line.push(cell(drawer.expected_cash.map_or_else(|| "—".to_string(), |m| m.grouped()), 150.0));
            }
            let warning = if drawer.drop_due { text("Drop due").size(theme::BODY).font(theme::text::BOLD).style(theme::text::danger) } else { text("") };
            table = table.push(line.push(warning));
        }
        scrollable(table).height(Length::Fill).into()
    }
}

/// A drawer's state in the overview's words.
fn drawer_overview_state(state: citytill::domain::states::DrawerState) -> &'static str {
    match state {
        citytill::domain::states::DrawerState::Counted => "counting",
        other => other.as_str(),
    }
}

/// "1 batch", "2 batches".
fn counted(count: i64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
#[path = "day_tests.rs"]
mod tests;
