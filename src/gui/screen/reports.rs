//! Reports: every report the library builds (day, GL, deposit, exceptions, drawer, gaps, over/short,
//! NSF) for a business date — shown as text, sent to the receipt printer, or saved as PDF or CSV into the
//! data directory (the path is shown). Built and written on the ledger thread.

use std::path::PathBuf;

use citytill::ops::auth::Actor;
use citytill::reports::{self, Document, Format};
use iced::widget::operation::focus;
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Length, Task};

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::worker::WorkerError;
use crate::gui::{theme, widgets};

pub const DATE_ID: &str = "reports-date";

/// Where a report goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Screen,
    Printer,
    Pdf,
    Csv,
}

impl Output {
    pub fn key(self) -> Shortcut {
        match self {
            Output::Screen => Shortcut::F5,
            Output::Printer => Shortcut::F6,
            Output::Pdf => Shortcut::F7,
            Output::Csv => Shortcut::F8,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Output::Screen => "Show",
            Output::Printer => "Print",
            Output::Pdf => "Save PDF",
            Output::Csv => "Save CSV",
        }
    }

    fn format(self) -> Option<Format> {
        match self {
            Output::Pdf => Some(Format::Pdf),
            Output::Csv => Some(Format::Csv),
            Output::Screen | Output::Printer => None,
        }
    }
}

const OUTPUTS: [Output; 4] = [Output::Screen, Output::Printer, Output::Pdf, Output::Csv];

/// The screen's state is its own: the app sends it `Message`s and hears `Event`s.
#[derive(Debug, Default)]
pub struct ReportsScreen {
    /// Index into `reports::NAMES`.
    report: usize,
    date: String,
    /// The last report built, rendered as text.
    shown: Option<(Document, String)>,
    error: Option<String>,
    notice: Option<String>,
    busy: bool,
}

#[derive(Clone, Debug)]
pub enum Message {
    /// The current business date (the default date).
    Loaded(Result<String, WorkerError>),
    Pick(usize),
    NextReport,
    Date(String),
    Run(Output),
    Ran(Output, Result<(Document, Option<PathBuf>), WorkerError>),
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Back,
}

impl ReportsScreen {
    /// On showing the screen: today's business date (if none typed yet) and focus on the date.
    pub fn load(&self, ctx: &Context) -> Task<Message> {
        let date = if self.date.is_empty() { Task::perform(ctx.worker.run(|ledger| Ok(ledger.business_date()?.to_string())), Message::Loaded) } else { Task::none() };
        Task::batch([date, focus(DATE_ID)])
    }

    /// The report on screen, as text.
    #[cfg(test)]
    pub fn shown(&self) -> Option<&str> {
        self.shown.as_ref().map(|(_, text)| text.as_str())
    }

    /// The error shown, if any.
    #[cfg(test)]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The confirmation shown (the file saved, the report printed), if any.
    #[cfg(test)]
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    pub fn name(&self) -> &'static str {
        reports::NAMES.get(self.report).copied().unwrap_or("day")
    }

    /// F5 show, F6 print, F7 PDF, F8 CSV, F9 next report; Esc back.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        match shortcut {
            Shortcut::F9 => Some(Message::NextReport),
            Shortcut::Cancel => Some(Message::Cancel),
            other => OUTPUTS.into_iter().find(|o| o.key() == other).map(Message::Run),
        }
    }

    pub fn update(&mut self, message: Message, ctx: &Context, viewer: &Actor) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(Ok(date)) => {
                if self.date.is_empty() {
                    self.date = date;
                }
            }
            Message::Loaded(Err(error)) => self.error = Some(error.into()),
            Message::Pick(index) => {
                self.report = index.min(reports::NAMES.len().saturating_sub(1));
                return (focus(DATE_ID), None);
            }
            Message::NextReport => self.report = (self.report + 1) % reports::NAMES.len().max(1),
            Message::Date(text) => self.date = text,
            Message::Run(output) => return (self.run(output, ctx, viewer), None),
            Message::Ran(output, result) => self.ran(output, result, ctx),
            Message::Cancel => {
                if self.shown.take().is_none() {
                    return (Task::none(), Some(Event::Back));
                }
                self.notice = None;
                self.error = None;
            }
        }
        (Task::none(), None)
    }

    /// Builds the report on the ledger thread (and writes the file there for PDF/CSV).
    fn run(&mut self, output: Output, ctx: &Context, viewer: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        self.error = None;
        self.notice = None;
        let date = match citytill::domain::dates::parse_day("--date", &self.date).map(|d| d.to_string()) {
            Ok(date) => date,
            Err(e) => {
                self.error = Some(e.to_string());
                return focus(DATE_ID);
            }
        };
        self.busy = true;
        let (name, dir, viewer) = (self.name(), ctx.data_dir.clone(), viewer.clone());
        Task::perform(
            ctx.worker.run(move |ledger| {
                let document = reports::build(ledger, name, &date, Some(&viewer))?;
                let path = match output.format() {
                    Some(format) => Some(crate::gui::data::save_report(&dir, &document, format)?),
                    None => None,
                };
                Ok((document, path))
            }),
            move |result| Message::Ran(output, result),
        )
    }

    fn ran(&mut self, output: Output, result: Result<(Document, Option<PathBuf>), WorkerError>, ctx: &Context) {
        self.busy = false;
        let (document, path) = match result {
            Ok(done) => done,
            Err(error) => {
                self.error = Some(error.into());
                return;
            }
        };
        let rendered = reports::render::text(&document);
        self.notice = match (output, path) {
            (Output::Printer, _) => {
                let lines: Vec<String> = rendered.lines().map(str::to_string).collect();
                Some(match ctx.devices.print_lines(&lines) {
                    Ok(_) => format!("{} sent to the receipt printer", document.title),
                    Err(e) => format!("{} not printed: {e}", document.title),
                })
            }
            (_, Some(path)) => Some(format!("Saved {}", path.display())),
            (_, None) => None,
        };
        self.shown = Some((document, rendered));
    }

    pub fn view(&self) -> Element<'_, Message> {
        let picker = row(reports::NAMES
            .iter()
            .enumerate()
            .map(|(index, name)| button(text(*name).size(theme::BODY)).padding([6, 12]).on_press(Message::Pick(index)).style(theme::button::tab(index == self.report)).into()))
        .spacing(6);
        let mut actions =
            row![container(widgets::field("Business date (YYYY-MM-DD)", DATE_ID, &self.date, Message::Date, Some(Message::Run(Output::Screen)))).width(280)].spacing(8).align_y(iced::Alignment::End);
        for output in OUTPUTS {
            let style = if output == Output::Screen { theme::button::primary } else { theme::button::secondary };
            actions = actions.push(
                button(text(format!("{} [{}]", output.label(), output.key().label())).size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::Run(output))).style(style),
            );
        }
        actions = actions.push(widgets::key_button("Next report", Some(Shortcut::F9), Some(Message::NextReport)));
        let body: Element<'_, Message> = match &self.shown {
            Some((_, rendered)) => {
                container(scrollable(text(rendered.as_str()).font(theme::text::MONO).size(theme::SMALL)).height(Length::Fill).width(Length::Fill)).padding(12).style(theme::container::card).into()
            }
            None => text(format!("Pick a report and a date; Enter shows the {} report.", self.name())).size(theme::BODY).style(theme::text::muted).into(),
        };
        column![widgets::title("Reports"), picker.wrap().vertical_spacing(6), actions.wrap().vertical_spacing(8), widgets::feedback(self.error.as_deref(), self.notice.as_deref()), body]
            .spacing(theme::GAP)
            .into()
    }
}

#[cfg(test)]
#[path = "reports_tests.rs"]
mod tests;
