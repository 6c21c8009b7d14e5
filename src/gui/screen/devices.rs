//! Devices: each peripheral's state and last status, recent events, and test buttons (test page,
//! kick, last line read, last counter report).

use std::collections::VecDeque;

use citytill::Money;
use citytill_hardware::device::{DeviceEvent, DeviceKind, DeviceState, ScanData};
use citytill_hardware::status::PaperState;
use iced::widget::{column, container, row, text, Column};
use iced::{Element, Length, Task};

use crate::gui::context::Context;
use crate::gui::devices::DeviceLine;
use crate::gui::keys::Shortcut;
use crate::gui::{theme, widgets};

/// Most recent device events kept for the screen.
pub const LOG_LEN: usize = 12;

/// The screen's state is its own: the app hands it device events (`record`) and `Message`s, and hears `Event`s.
#[derive(Debug, Default)]
pub struct DevicesScreen {
    log: VecDeque<String>,
    last_line: Option<String>,
    last_report: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Message {
    TestPage,
    Kick,
    ShowLine,
    ShowReport,
    TestDisplay,
    Back,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Back,
}

impl DevicesScreen {
    /// Keeps a readable line per device event.
    pub fn record(&mut self, event: &DeviceEvent) {
        match event {
            DeviceEvent::Data(ScanData::Micr(micr)) => self.last_line = Some(format!("check routing {} account ...{}", micr.routing, micr.account_last4)),
            DeviceEvent::Data(ScanData::Stub(line) | ScanData::Unknown(line)) => self.last_line = Some(line.clone()),
            DeviceEvent::CounterReport(report) => self.last_report = Some(format!("{} bills, {}", report.total_pieces, Money::from_cents(report.total_cents).grouped())),
            _ => {}
        }
        let line = sentence(event);
        if self.log.len() == LOG_LEN {
            self.log.pop_front();
        }
        self.log.push_back(line);
    }

    /// Esc goes back; F5 test page, F6 kick, F7 last line read, F8 last counter report, F9 customer display test pattern.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        match shortcut {
            Shortcut::Cancel => Some(Message::Back),
            Shortcut::F5 => Some(Message::TestPage),
            Shortcut::F6 => Some(Message::Kick),
            Shortcut::F7 => Some(Message::ShowLine),
            Shortcut::F8 => Some(Message::ShowReport),
            Shortcut::F9 => Some(Message::TestDisplay),
            _ => None,
        }
    }

    pub fn update(&mut self, message: Message, ctx: &Context) -> (Task<Message>, Option<Event>) {
        self.error = None;
        self.notice = None;
        let outcome = match message {
            Message::TestPage => ctx.devices.test_page().map(|job| format!("Test page queued (job {job})")),
            Message::Kick => ctx.devices.kick().map(|job| format!("Drawer kick queued (job {job})")),
            Message::ShowLine => self.last_line.clone().map(|l| format!("Last line read: {l}")).ok_or_else(|| "scanner: nothing read yet — scan a check or stub".to_string()),
            Message::ShowReport => self.last_report.clone().map(|r| format!("Last counter report: {r}")).ok_or_else(|| "counter: no report yet — run bills through the counter".to_string()),
            Message::TestDisplay => ctx.devices.test_display().map(|job| format!("Customer display test pattern queued (job {job}): check that it shows 1234… on top")),
            Message::Back => return (Task::none(), Some(Event::Back)),
        };
        match outcome {
            Ok(notice) => self.notice = Some(notice),
            Err(error) => self.error = Some(error),
        }
        (Task::none(), None)
    }

    pub fn view<'a>(&'a self, lines: &'a [DeviceLine], ctx: &'a Context) -> Element<'a, Message> {
        let mut table = Column::new().spacing(6);
        for line in lines {
            let detail = detail(line);
            let summary = text(line.summary()).size(theme::BODY).width(260);
            table = table
                .push(row![text(line.kind.name()).size(theme::BODY).width(120), if line.is_ok() { summary } else { summary.style(theme::text::danger) }, text(detail).size(theme::SMALL)].spacing(12));
        }
        for problem in &ctx.devices.problems {
            table = table.push(text(problem.as_str()).size(theme::SMALL).style(theme::text::danger));
        }
        if let Some(dir) = &ctx.devices.sim_dir {
            table = table.push(text(format!("Simulated devices (training): printed receipts in {}", dir.join("printed").display())).size(theme::SMALL).style(theme::text::muted));
        }
        let buttons = row![
            widgets::key_button("Print test page", Some(Shortcut::F5), Some(Message::TestPage)),
            widgets::key_button("Kick drawer", Some(Shortcut::F6), Some(Message::Kick)),
            widgets::key_button("Last line read", Some(Shortcut::F7), Some(Message::ShowLine)),
            widgets::key_button("Last counter report", Some(Shortcut::F8), Some(Message::ShowReport)),
            widgets::key_button("Test display", Some(Shortcut::F9), Some(Message::TestDisplay)),
            widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Back)),
        ]
        .spacing(8)
        .wrap()
        .vertical_spacing(8);
        let log = Column::with_children(self.log.iter().rev().map(|l| text(l.as_str()).size(theme::SMALL).into())).spacing(2);
        column![
            widgets::title("Devices"),
            container(table).padding(14).style(theme::container::card).width(Length::Fill),
            buttons,
            widgets::feedback(self.error.as_deref(), self.notice.as_deref()),
            text("Recent device events").size(theme::BODY).font(theme::text::BOLD),
            log,
        ]
        .spacing(theme::GAP)
        .into()
    }
}

/// What a device's row says beside its summary: only that device's own readings (paper and cover for the
/// printer, the open sensor for the drawer); nothing until the device has really been read.
pub fn detail(line: &DeviceLine) -> String {
    let status = &line.status;
    if !line.configured || !status.read || status.unknown.is_some() {
        return String::new();
    }
    let open = |open: bool| if open { "open" } else { "closed" };
    match line.kind {
        DeviceKind::Printer => format!("{} · cover {}", paper(status.paper), open(status.cover_open)),
        DeviceKind::Drawer => status.drawer_open.map_or_else(|| "drawer sensor not read".into(), |o| format!("drawer {}", open(o))),
        DeviceKind::Scanner | DeviceKind::Counter | DeviceKind::Display => String::new(),
    }
}

fn paper(state: PaperState) -> &'static str {
    match state {
        PaperState::Ok => "paper ok",
        PaperState::NearEnd => "paper near end",
        PaperState::Out => "paper out",
    }
}

/// "Printer", "Drawer", ... — a device's name at the start of a log sentence.
fn device(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::Printer => "Printer",
        DeviceKind::Drawer => "Drawer",
        DeviceKind::Scanner => "Scanner",
        DeviceKind::Counter => "Counter",
        DeviceKind::Display => "Customer display",
    }
}

/// A device event as a sentence for the log (scans and counter reports are worded by [`DevicesScreen::record`]).
pub fn sentence(event: &DeviceEvent) -> String {
    match event {
        DeviceEvent::State { device: kind, state } => {
            let state = match state {
                DeviceState::Closed => "is closed",
                DeviceState::Idle => "is ready",
                DeviceState::Busy => "is busy",
                DeviceState::Error => "reports an error",
            };
            format!("{} {state}.", device(*kind))
        }
        DeviceEvent::Online { device: kind } => format!("{} is online.", device(*kind)),
        DeviceEvent::Offline { device: kind, reason } => format!("{} went offline: {reason}.", device(*kind)),
        DeviceEvent::Data(ScanData::Micr(micr)) => format!("Scanner read a check: routing {} account ending {}.", micr.routing, micr.account_last4),
        DeviceEvent::Data(ScanData::Stub(line) | ScanData::Unknown(line)) => format!("Scanner read: {line}"),
        DeviceEvent::CounterReport(report) => format!("Counter reported {} bills, {}.", report.total_pieces, Money::from_cents(report.total_cents).grouped()),
        DeviceEvent::InputRejected { device: kind, reason } => format!("{} sent something unreadable: {reason}.", device(*kind)),
        DeviceEvent::JobCompleted { device: kind, job } => format!("{} finished job {job}.", device(*kind)),
        DeviceEvent::JobFailed { device: kind, job, reason } => format!("{} could not finish job {job}: {reason}.", device(*kind)),
        DeviceEvent::Paper(state) => format!("Printer: {}.", paper(*state)),
        DeviceEvent::Cover { open: true } => "Printer cover opened.".into(),
        DeviceEvent::Cover { open: false } => "Printer cover closed.".into(),
        DeviceEvent::Drawer { open: true } => "Drawer opened.".into(),
        DeviceEvent::Drawer { open: false } => "Drawer closed.".into(),
        DeviceEvent::DrawerLeftOpen { open_for_ms } => format!("Drawer left open for {} s.", open_for_ms / 1000),
    }
}

#[cfg(test)]
#[path = "devices_tests.rs"]
mod tests;
