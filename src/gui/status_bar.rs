//! The bar along the bottom of every screen: user, drawer, terminal, business date, devices, head office,
//! and the TRAINING banner in demo mode.

use citytill::ops::query::Drawer;
use iced::widget::text::Wrapping;
use iced::widget::{container, text, Row};
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
    pub hq_trouble: bool,
    pub training: bool,
    /// The latest clock warning (a clock behind the ledger, or a jump), if any.
    pub clock: Option<String>,
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

/// The head-office part of the bar: mode, what is waiting, the last success, the last error.
pub fn hq_text(sync: Option<&citytill::hq::SyncStatus>) -> String {
    let Some(sync) = sync else { return "HQ: standalone".into() };
    if sync.mode == "standalone" {
        return "HQ: standalone".into();
    }
    let mut text = format!("HQ {} · {} pending", sync.mode, sync.pending);
    if let Some(last) = &sync.last_success {
        text.push_str(&format!(" · last sync {}", last.get(11..16).unwrap_or(last)));
    }
    if let Some(error) = &sync.last_error {
        let short: String = error.chars().take(60).collect();
        text.push_str(&format!(" · {short}"));
    }
    text
}

/// Whether the head-office part should be shown as a problem.
pub fn hq_trouble(sync: Option<&citytill::hq::SyncStatus>) -> bool {
    sync.is_some_and(|s| s.mode == "offline" || s.last_error.is_some())
}

pub fn view<'a, M: 'a>(status: &'a Status) -> Element<'a, M> {
    // Each part stays on one line; on a narrow screen the parts that do not fit go to a second line.
    let part = |content: String| text(content).size(theme::SMALL).wrapping(Wrapping::None);
    let mut items: Row<'a, M> = Row::new().spacing(18);
    if status.training {
        items = items.push(container(text("TRAINING").size(theme::SMALL).font(theme::text::BOLD)).padding([2, 8]).style(theme::container::training));
    }
    items = items
        .push(part(format!("User: {}", status.user.as_deref().unwrap_or("—"))))
        .push(part(status.drawer_text()))
        .push(part(format!("Terminal {}", status.terminal)))
        .push(part(format!("Business date {}", status.business_date)));
    for device in status.devices.iter().filter(|d| d.configured) {
        let line = part(format!("{}: {}", device.kind.name(), device.summary()));
        items = items.push(if device.is_ok() { line } else { line.style(theme::text::danger) });
    }
    let hq = part(status.hq.clone());
    items = items.push(if status.hq_trouble { hq.style(theme::text::danger) } else { hq });
    if let Some(clock) = &status.clock {
        // A clock warning is a sentence: it may wrap within the bar's width.
        items = items.push(text(clock.as_str()).size(theme::SMALL).style(theme::text::danger));
    }
    container(items.wrap().vertical_spacing(4)).padding([6, 12]).width(Length::Fill).style(theme::container::status_bar).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use citytill::hq::SyncStatus;

    // Proves the head-office part says standalone, or the mode, pending count, last sync time and error.
    #[test]
    fn hq_text_shows_mode_pending_and_errors() {
        assert_eq!(hq_text(None), "HQ: standalone");
        let mut sync = SyncStatus::unknown("offline");
        sync.pending = 3;
        sync.last_success = Some("2026-11-24T12:40:00Z".into());
        sync.last_error = Some("hq: connection refused".into());
        assert_eq!(hq_text(Some(&sync)), "HQ offline · 3 pending · last sync 12:40 · hq: connection refused");
        assert!(hq_trouble(Some(&sync)));
        assert!(!hq_trouble(Some(&SyncStatus::unknown("standalone"))));
    }
}
