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
use crate::gui::{theme, widgets};

pub const DATE_ID: &str = "day-date";

#[derive(Debug, Default)]
pub struct DayScreen {
    pub date: String,
    /// The slip of the deposit just prepared, as text.
    pub slip: Option<String>,
    /// The close was asked for once: the next F9 closes `date`, Esc or any other change cancels.
    pub confirming: bool,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub busy: bool,
    /// The business date's drawers, as the signed-in user may see them.
    pub drawers: Vec<DrawerLine>,
    /// The deposit just prepared, by bank and fund.
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
    Loaded(Result<String, String>),
    Date(String),
    Deposit,
    Deposited(Result<Prepared, String>),
    CloseDay,
    Closed(Result<day::DayCloseResult, String>),
    Cancel,
    /// The live drawer overview, read again.
    Drawers(Result<Vec<DrawerLine>, String>),
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
        let date = if self.date.is_empty() { Task::perform(ctx.worker.call(|ledger| Ok(ledger.business_date()?.to_string())), Message::Loaded) } else { Task::none() };
        Task::batch([date, self.refresh_drawers(ctx, actor), focus(DATE_ID)])
    }

    /// Reads the current business date's drawers again (on the ledger thread), as `actor` may see them.
    pub fn refresh_drawers(&self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let (actor, limit) = (actor.clone(), ctx.settings.limits.drawer_cash_limit);
        Task::perform(
            ctx.worker.call(move |ledger| {
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
            Message::Loaded(Err(error)) => self.error = Some(error),
            Message::Drawers(Ok(drawers)) => self.drawers = drawers,
            Message::Drawers(Err(error)) => self.error = Some(error),
            Message::Date(text) => {
                self.date = text;
                self.confirming = false;
            }
            Message::Deposit => {
                self.confirming = false;
                return (self.deposit(ctx, actor), None);
            }
            Message::Deposited(result) => {
                self.busy = false;
                match result {
                    Ok(prepared) => {
                        self.notice = Some(format!("{} Slip saved in the data directory as {}.", prepared.summary, prepared.pdf.display()));
                        self.slip = Some(prepared.slip);
                        self.banks = prepared.banks;
                    }
                    Err(error) => self.error = Some(error),
                }
            }
            Message::CloseDay => return (self.close_day(ctx, actor), None),
            Message::Closed(result) => {
                self.busy = false;
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
                    Err(error) => self.error = Some(error),
                }
            }
            Message::Cancel => {
                if !self.confirming && self.slip.is_none() && self.error.is_none() {
                    return (Task::none(), Some(Event::Back));
                }
                self.confirming = false;
                self.slip = None;
                self.banks.clear();
                self.error = None;
                self.notice = None;
            }
        }
        (Task::none(), None)
    }

    /// The date typed, checked; on a bad one the error names the field and focus goes back to it.
    fn checked_date(&mut self) -> Result<String, Task<Message>> {
        citytill::domain::dates::parse_day("--date", &self.date).map(|d| d.to_string()).map_err(|e| {
            self.error = Some(e.to_string());
            self.confirming = false;
            focus(DATE_ID)
        })
    }

    /// Puts the date's approved, undeposited batches into one deposit on the ledger thread, and saves its slip.
    fn deposit(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        (self.error, self.notice, self.slip) = (None, None, None);
        self.banks.clear();
        let date = match self.checked_date() {
            Ok(date) => date,
            Err(task) => return task,
        };
        self.busy = true;
        let (actor, dir) = (actor.clone(), ctx.data_dir.clone());
        Task::perform(
            ctx.worker.call(move |ledger| {
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
        if self.busy {
            return Task::none();
        }
        (self.error, self.notice) = (None, None);
        let date = match self.checked_date() {
            Ok(date) => date,
            Err(task) => return task,
        };
        if !self.confirming {
            self.confirming = true;
            return Task::none();
        }
        self.confirming = false;
        let date = match chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d") {
            Ok(date) => date,
            Err(e) => {
                self.error = Some(format!("date: {e}"));
                return focus(DATE_ID);
            }
        };
        self.busy = true;
        let actor = actor.clone();
        Task::perform(ctx.worker.call(move |ledger| day::close(ledger, &actor, date)), Message::Closed)
    }

    pub fn view(&self) -> Element<'_, Message> {
        let idle = !self.busy;
        let close_label = if self.confirming { "Confirm close" } else { "Close business day" };
        let actions = row![
            container(widgets::field("Business date (YYYY-MM-DD)", DATE_ID, &self.date, Message::Date, Some(Message::Deposit))).width(280),
            widgets::key_button("Prepare deposit", Some(Shortcut::F5), idle.then_some(Message::Deposit)).style(theme::button::primary),
            widgets::key_button(close_label, Some(Shortcut::F9), idle.then_some(Message::CloseDay)).style(theme::button::secondary),
        ]
        .spacing(8)
        .align_y(iced::Alignment::End);
        let confirm: Element<'_, Message> = if self.confirming {
            // A question, not an error: it waits for F9 or Esc.
            widgets::question(format!(
                "Close {}? Its drawers and batches become final: later corrections are refunds and returned checks, and new entries go to the next date. F9 closes, Esc keeps it open.",
                self.date
            ))
        } else {
            column![].into()
        };
        let body: Element<'_, Message> = match &self.slip {
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
        column![widgets::title("End of day"), actions, confirm, widgets::feedback(self.error.as_deref(), self.notice.as_deref()), body].spacing(theme::GAP).into()
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
        for bank in &self.banks {
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
        &self.banks
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
