//! The drawer screen's view (pure) and the close (Z) report document.

use citytill::config::Settings;
use citytill::domain::states::DrawerState;
use citytill::ops::drawer::CloseResult;
use citytill::Money;
use iced::widget::{button, column, container, row, scrollable, text, text_input, Column};
use iced::{Alignment, Element, Length};

use super::{Action, Approving, CountForm, DrawerScreen, Message, MoveForm, Step, AMOUNT_ID};
use crate::gui::keys::Shortcut;
use crate::gui::{theme, widgets, wording};

const ACTIONS: [Action; 6] = [Action::Open, Action::Drop, Action::PaidIn, Action::PaidOut, Action::NoSale, Action::Close];

impl DrawerScreen {
    pub fn view<'a>(&'a self, settings: &'a Settings) -> Element<'a, Message> {
        let state = match &self.current {
            Some(drawer) => format!("Drawer {} — {} — float {} — business date {}", drawer.id, drawer.state, drawer.float.grouped(), drawer.business_date),
            None => "No drawer open for you. Open one with a counted float.".into(),
        };
        let actions = row(ACTIONS.iter().map(|action| {
            let enabled = match action {
                Action::Open => self.current.is_none(),
                Action::Close => self.current.is_some(),
                _ => self.current.as_ref().is_some_and(|d| d.state == DrawerState::Open),
            };
            button(text(format!("{} [{}]", action.label(), action.key().label())).size(theme::BODY))
                .padding([8, 12])
                .on_press_maybe(enabled.then_some(Message::Start(*action)))
                .style(theme::button::tab(self.action() == Some(*action)))
                .into()
        }))
        .spacing(8);
        // A form scrolls in the space left; its buttons (and approval fields) stay pinned below it, so
        // an error line or a small screen never pushes them under the status bar.
        let (form, pinned): (Element<'a, Message>, Element<'a, Message>) = match &self.step {
            Step::Idle | Step::Left(_) => (column![].into(), column![].into()),
            Step::Counting { close, form } => self.count_view(form, settings, *close),
            Step::Counted { result, form } => self.result_view(result, form),
            Step::Moving { action, form } => self.move_form(*action, form),
        };
        let form = scrollable(form).spacing(8);
        column![
            widgets::title("Drawer"),
            text(state).size(theme::BODY),
            actions.wrap().vertical_spacing(8),
            widgets::feedback(self.banner_error(), self.notice.as_deref().filter(|_| self.error.is_none())),
            if self.action().is_some() { form.height(Length::Fill) } else { form },
            pinned,
        ]
        .spacing(theme::GAP)
        .into()
    }

    fn count_view<'a>(&'a self, count: &'a CountForm, settings: &'a Settings, close: bool) -> (Element<'a, Message>, Element<'a, Message>) {
        let mut grid = Column::new().spacing(4);
        let denominations = &settings.currency.denominations_cents;
        for (pair_index, pair) in denominations.chunks(2).enumerate() {
            let mut line = row![].spacing(theme::GAP).align_y(Alignment::Center);
            for (offset, cents) in pair.iter().enumerate() {
                let index = pair_index * 2 + offset;
                let id = format!("drawer-count-{index}");
                line = line.push(text(format!("{} ×", Money::from_cents(*cents))).size(theme::BODY).width(90)).push(
                    text_input(&format!("count of {}", Money::from_cents(*cents)), count.counts.get(index).map_or("", String::as_str))
                        .style(theme::text_input::field)
                        .id(id)
                        .on_input(move |t| Message::Count(index, t))
                        .on_submit(Message::Submit)
                        .size(theme::BODY)
                        .width(170)
                        .padding(6),
                );
            }
            grid = grid.push(line);
        }
        let cash: Element<'a, Message> = match cash_count_total(&count.counts, settings) {
            Ok(cash) => text(format!("Cash counted: {cash}")).size(theme::AMOUNT).font(theme::text::BOLD).into(),
            // A count that does not add up says why in a sentence, not as a total.
            Err(problem) => text(format!("Cash counted: not yet. {}", wording::sentence(&problem))).size(theme::BODY).font(theme::text::BOLD).style(theme::text::danger).into(),
        };
        let mut form = column![
            text(if close { "Blind count: count what is in the drawer. The expected amount is shown only after the count is recorded." } else { "Count the float you are given." }).size(theme::BODY),
            grid,
            cash,
        ]
        .spacing(theme::GAP);
        if close {
            // Each field wide enough for "Type money orders total"; they wrap where the window is narrow.
            form = form.push(widgets::field_row(
                240.0,
                [
                    widgets::checked_field("Checks (how many)", "drawer-checks-count", &count.checks_count, Message::ChecksCount, Some(Message::Submit), self.refusal("drawer-checks-count")),
                    widgets::checked_field("Checks total", "drawer-checks-total", &count.checks_total, Message::ChecksTotal, Some(Message::Submit), self.refusal("drawer-checks-total")),
                    widgets::checked_field("Money orders total", "drawer-mo-total", &count.money_orders_total, Message::MoneyOrdersTotal, Some(Message::Submit), self.refusal("drawer-mo-total")),
                    widgets::checked_field("Card batch total", "drawer-card", &count.card_batch, Message::CardBatch, Some(Message::Submit), self.refusal("drawer-card")),
                ],
            ));
        }
        let submit = button(text(if close { "Record count [Enter]" } else { "Open drawer [Enter]" }).size(theme::BODY))
            .padding([8, 14])
            .on_press_maybe((!self.busy).then_some(Message::Submit))
            .style(theme::button::primary);
        (
            form.into(),
            row![submit, widgets::key_button("Read from money counter", Some(Shortcut::F12), Some(Message::ReadCounter)), widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))]
                .spacing(8)
                .into(),
        )
    }
}

/// The counted cash as a grouped total, or why the typed counts do not add up.
fn cash_count_total(counts: &[String], settings: &Settings) -> Result<String, String> {
    let rows: Vec<String> = settings.currency.denominations_cents.iter().zip(counts).filter(|(_, p)| !p.trim().is_empty()).map(|(c, p)| format!("{}x{}", Money::from_cents(*c), p.trim())).collect();
    let rows = citytill::domain::denominations::parse_count("count", &rows.join(","), &settings.currency.denominations_cents)?;
    citytill::domain::denominations::total(&rows).map(|m| m.grouped()).ok_or_else(|| "count: the total is too large".into())
}

impl DrawerScreen {
    fn move_form<'a>(&'a self, action: Action, typed: &'a MoveForm) -> (Element<'a, Message>, Element<'a, Message>) {
        // Amount, reason and the supervisor's name and PIN share one row (Tab moves along it), so the form and
        // its buttons fit under the actions even at a 150% text scale.
        let mut form = column![].spacing(theme::GAP);
        let mut fields = Vec::new();
        if action != Action::NoSale {
            fields.push(widgets::checked_field(
                "Amount",
                AMOUNT_ID,
                &typed.amount,
                Message::Amount,
                Some(if action == Action::Drop { Message::Submit } else { Message::NextField }),
                self.refusal(AMOUNT_ID),
            ));
        }
        if action != Action::Drop {
            form = form.push(text("Supervisor approval (required for paid-in/out, and for no-sale if the policy says so)").size(theme::SMALL).style(theme::text::muted));
            fields.push(widgets::checked_field(
                "Reason",
                if action == Action::NoSale { AMOUNT_ID } else { "drawer-reason" },
                &typed.approving.reason,
                Message::Reason,
                Some(Message::NextField),
                self.refusal(if action == Action::NoSale { AMOUNT_ID } else { "drawer-reason" }),
            ));
            let [name, pin] = widgets::approval_fields(&typed.approving.approval, Message::Approver, Message::Pin, Message::Submit);
            fields.extend([widgets::with_refusal(name, self.refusal("approver")), widgets::with_refusal(pin, self.refusal("approver-pin"))]);
        }
        form = form.push(widgets::field_row(widgets::APPROVAL_FIELD_WIDTH, fields));
        let submit = button(text(format!("{} [Enter]", action.label())).size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::Submit)).style(theme::button::primary);
        // A drop, paid-in/out or no-sale form is short: all of it stays pinned with its buttons.
        (column![].into(), form.push(row![submit, widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8)).into())
    }

    fn result_view<'a>(&'a self, result: &'a CloseResult, approving: &'a Approving) -> (Element<'a, Message>, Element<'a, Message>) {
        let mut table = Column::new().spacing(4).push(row![text("Tender").width(160), text("Expected").width(140), text("Counted").width(140), text("Over/short").width(140)].spacing(8));
        for (tender, expected) in &result.expected {
            let counted = result.counted.get(tender).copied().unwrap_or(Money::ZERO);
            let over_short = result.over_short.get(tender).copied().unwrap_or(Money::ZERO);
            let style = if over_short.is_zero() { theme::text::success } else { theme::text::danger };
            table = table.push(
                row![
                    text(*tender).size(theme::BODY).width(160),
                    text(expected.grouped()).size(theme::BODY).width(140),
                    text(counted.grouped()).size(theme::BODY).width(140),
                    text(signed(over_short)).size(theme::BODY).font(theme::text::BOLD).width(140).style(style),
                ]
                .spacing(8),
            );
        }
        let body = column![widgets::title(if result.closed { "Drawer closed" } else { "Count recorded" }), table].spacing(theme::GAP);
        let mut pinned = column![].spacing(theme::GAP);
        if !result.closed && result.approval_required {
            let submit = button(text("Approve and close [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::Submit)).style(theme::button::primary);
            pinned = pinned
                .push(text("Over/short is beyond the limit: write the reason, then a supervisor (not you) approves.").size(theme::BODY).font(theme::text::BOLD))
                .push(widgets::checked_field("Reason", AMOUNT_ID, &approving.reason, Message::Reason, Some(Message::NextField), self.refusal(AMOUNT_ID)))
                .push(widgets::approval_form_checked(&approving.approval, Message::Approver, Message::Pin, Message::Submit, self.error_field.zip(self.error.as_deref())))
                .push(submit);
        }
        if result.closed {
            pinned = pinned.push(widgets::key_button("Print drawer report (Z)", Some(Shortcut::F12), Some(Message::PrintReport)));
        }
        (container(body).padding(14).style(theme::container::card).width(Length::Fill).into(), pinned.into())
    }
}

/// "+1.00" / "-5.00" / "0.00": over and short read at a glance.
pub fn signed(amount: Money) -> String {
    if amount.is_negative() || amount.is_zero() {
        amount.grouped()
    } else {
        format!("+{}", amount.grouped())
    }
}
