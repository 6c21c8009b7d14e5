//! The receipts screen's view: a pure function of its state (the search, the found list, the receipt shown,
//! and the correction being approved, which has the screen to itself).

use citytill::domain::events::{Event as LedgerEvent, LineTarget};
use citytill::ops::query::{self, ReceiptInfo};
use iced::widget::{button, column, container, row, scrollable, text, Column};
use iced::{Element, Length};

use super::{Correction, CorrectionForm, Message, Receipts, SlipPrint, CORRECTIONS, LIST_ID, LIST_WIDTH, NUMBER_ID, REASON_ID, SEARCH_FIELD_WIDTH};
use crate::gui::keys::Shortcut;
use crate::gui::receipt_doc::tender_label;
use crate::gui::{theme, widgets};

impl Receipts {
    pub fn view(&self) -> Element<'_, Message> {
        // One line at 1024 px; two at a 150% text scale, each hint whole.
        let search = widgets::field_row(
            SEARCH_FIELD_WIDTH,
            [
                widgets::checked_field("Receipt number (or scan)", NUMBER_ID, &self.number, Message::Number, Some(Message::Search), self.refusal(NUMBER_ID)),
                widgets::checked_field("Account", "receipts-account", &self.account, Message::Account, Some(Message::Search), self.refusal("receipts-account")),
                widgets::checked_field("Date (YYYY-MM-DD)", "receipts-date", &self.date, Message::Date, Some(Message::Search), self.refusal("receipts-date")),
                widgets::checked_field("Amount", "receipts-amount", &self.amount, Message::Amount, Some(Message::Search), self.refusal("receipts-amount")),
            ],
        );
        let rows = self.found.iter().enumerate().map(|(index, r)| {
            // Two lines per receipt: its number and amount, then who paid and what became of it.
            let lines = column![
                row![text(r.receipt.as_str()).size(theme::BODY).font(theme::text::BOLD).width(Length::Fill), text(r.total.grouped()).size(theme::BODY)].spacing(8),
                row![text(r.payer.as_str()).size(theme::SMALL).width(Length::Fill), text(r.status.as_str()).size(theme::SMALL)].spacing(8),
            ]
            .spacing(2);
            button(lines).width(Length::Fill).on_press(Message::Open(r.receipt.clone())).style(theme::button::list_row(self.highlighted == Some(index))).into()
        });
        let list = scrollable(Column::with_children(rows).spacing(2)).id(LIST_ID).width(LIST_WIDTH);
        let detail = self.shown.as_ref().map_or_else(|| column![text("Find a receipt to see it here.").style(theme::text::muted)].into(), |info| self.detail(info));
        if self.correcting.is_some() {
            // A correction in progress has the screen to itself (no search, no list): its approval fields
            // and buttons fit even a 150% text scale.
            return column![widgets::title("Receipts"), widgets::feedback(self.banner_error(), self.notice.as_deref().filter(|_| self.error.is_none())), detail].spacing(theme::GAP).into();
        }
        column![
            widgets::title("Receipts"),
            search,
            row![widgets::key_button("Find [Enter]", None, Some(Message::Search)), widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
            widgets::feedback(self.banner_error(), self.notice.as_deref().filter(|_| self.error.is_none())),
            // The list and the receipt take the rest of the screen and scroll inside it, so a correction's
            // approval fields and buttons are never pushed under the status bar.
            row![list, detail].spacing(theme::GAP * 2.0).height(Length::Fill),
        ]
        .spacing(theme::GAP)
        .into()
    }

    fn detail<'a>(&'a self, info: &'a ReceiptInfo) -> Element<'a, Message> {
        let mut lines = Column::new().spacing(4);
        lines = lines.push(text(format!("Receipt {} — {}", info.receipt, query::status_words(info))).size(theme::HEADING).font(theme::text::BOLD));
        lines = lines.push(
            text(format!(
                "{} · business date {} · cashier {} · drawer {} · reprints {}",
                info.at.replace('T', " ").get(..16).unwrap_or(&info.at),
                info.business_date,
                info.cashier,
                info.drawer_id,
                info.reprints
            ))
            .size(theme::SMALL),
        );
        if let LedgerEvent::PaymentTaken { lines: paid, tenders, change, .. } = &info.payment {
            for line in paid {
                let what = match &line.target {
                    LineTarget::Payable { number, kind } => format!("{} {number}", kind.as_str()),
                    LineTarget::Fee { code, description, .. } => format!("fee {code} {description}"),
                };
                lines = lines.push(row![text(what).width(Length::Fill), text(line.amount().grouped())]);
            }
            lines = lines.push(row![text("Total").font(theme::text::BOLD).width(Length::Fill), text(info.total.grouped()).font(theme::text::BOLD)]);
            for tender in tenders {
                lines = lines.push(row![text(tender_label(tender)).width(Length::Fill), text(tender.amount.grouped())]);
            }
            lines = lines.push(row![text("Change").width(Length::Fill), text(change.grouped())]);
        }
        if !info.refunded.is_zero() {
            lines = lines.push(text(format!("Refunded {}", info.refunded.grouped())));
        }
        let mut actions = row![widgets::key_button("Reprint", Some(Shortcut::F5), Some(Message::Reprint))].spacing(8);
        for print in [SlipPrint::Endorse, SlipPrint::Validate].into_iter().filter(|p| self.offers_slip(*p)) {
            let idle = self.slip_job.is_none();
            actions = actions.push(widgets::key_button(print.label(), Some(print.key()), idle.then_some(Message::Slip(print))));
        }
        for (correction, label, _) in CORRECTIONS.into_iter().filter(|(c, _, _)| self.offers(*c)) {
            actions = actions.push(button(text(label).size(theme::BODY)).padding([8, 14]).on_press(Message::Start(correction)).style(theme::button::danger));
        }
        let receipt = scrollable(column![lines, actions.wrap().vertical_spacing(8)].spacing(theme::GAP)).spacing(8);
        let Some(form) = &self.correcting else {
            return container(receipt).padding(14).style(theme::container::card).width(Length::Fill).into();
        };
        // The receipt scrolls in what is left; the approval form below it always shows whole.
        let body = column![receipt.height(Length::Fill), self.approval_view(form)].spacing(theme::GAP);
        container(body).padding(14).style(theme::container::card).width(Length::Fill).height(Length::Fill).into()
    }

    fn approval_view<'a>(&'a self, form: &'a CorrectionForm) -> Element<'a, Message> {
        let correction = form.correction;
        // The reason, the refund amount and the supervisor's name and PIN share one row (Tab moves along it).
        let mut fields = vec![widgets::checked_field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::NextField), self.refusal(REASON_ID))];
        if correction == Correction::Refund {
            fields.push(widgets::checked_field(
                "Refund amount (cash)",
                "receipts-refund-amount",
                &form.refund_amount,
                Message::RefundAmount,
                Some(Message::NextField),
                self.refusal("receipts-refund-amount"),
            ));
        }
        let [name, pin] = widgets::approval_fields(&form.approval, Message::Approver, Message::Pin, Message::Confirm);
        fields.extend([widgets::with_refusal(name, self.refusal("approver")), widgets::with_refusal(pin, self.refusal("approver-pin"))]);
        let fields = widgets::field_row(widgets::APPROVAL_FIELD_WIDTH, fields);
        let confirm = button(text(if self.busy { "Checking…" } else { "Approve and record [Enter]" }).size(theme::BODY))
            .padding([8, 14])
            .on_press_maybe((!self.busy).then_some(Message::Confirm))
            .style(theme::button::primary);
        column![
            text(format!("{} needs a supervisor (not you): reason, then their name and PIN", capital(correction.label()))).size(theme::BODY).font(theme::text::BOLD),
            fields,
            row![confirm, widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
        ]
        .spacing(8)
        .into()
    }
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
