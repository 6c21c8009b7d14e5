//! The bar along the bottom of every screen: user, drawer, terminal, business date, devices, head office,
//! and the TRAINING banner in demo mode.

use citytill::ops::query::Drawer;
use iced::widget::{container, row, text, Row};
use iced::{Element, Length};

use super::devices::DeviceLine;
use super::theme;

/// What the bar shows; refreshed after every ledger change and on a timer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    pub user: Option<String>,
    pub drawer: Option<Drawer>,
    pub terminal: String,
    pub business_date: String,
    pub devices: Vec<DeviceLine>,
    /// Head-office sync line, e.g. "HQ: standalone".
    pub hq: String,
    pub training: bool,
}

impl Status {
    pub fn drawer_text(&self) -> String {
        match (&self.user, &self.drawer) {
            (None, _) => "Drawer: —".into(),
            (Some(_), None) => "Drawer: not open".into(),
            (Some(_), Some(drawer)) => format!("Drawer {}: {}", drawer.id, drawer.state),
        }
    }
}

/// The head-office line while the sync worker is not wired in: standalone or configured.
// TODO(hq): show mode, pending count, last success and last error from `hq::worker::SyncWorker::status()` once it lands.
pub fn hq_text(settings: &citytill::config::Settings) -> String {
    if settings.hq.is_none() { "HQ: standalone".into() } else { "HQ: configured (sync status not shown yet)".into() }
}

pub fn view<'a, M: 'a>(status: &'a Status) -> Element<'a, M> {
    let mut items: Row<'a, M> = Row::new().spacing(18);
    if status.training {
        items = items.push(container(text("TRAINING").size(theme::SMALL).font(theme::text::BOLD)).padding([2, 8]).style(theme::container::training));
    }
    items = items
        .push(text(format!("User: {}", status.user.as_deref().unwrap_or("—"))).size(theme::SMALL))
        .push(text(status.drawer_text()).size(theme::SMALL))
        .push(text(format!("Terminal {}", status.terminal)).size(theme::SMALL))
        .push(text(format!("Business date {}", status.business_date)).size(theme::SMALL));
    let devices = row(status.devices.iter().filter(|d| d.configured).map(|d| {
        let line = text(format!("{}: {}", d.kind.name(), d.summary())).size(theme::SMALL);
        if d.is_ok() { line.into() } else { line.style(theme::text::danger).into() }
    }))
    .spacing(12);
    items = items.push(devices).push(text(status.hq.as_str()).size(theme::SMALL));
    container(items).padding([6, 12]).width(Length::Fill).style(theme::container::status_bar).into()
}
