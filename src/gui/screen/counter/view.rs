//! The counter's view: a pure function of its state.

use citytill::domain::tender::{TenderField, TenderKind};
use iced::widget::{button, column, container, row, scrollable, space, text, text_input, Column};
use iced::{Alignment, Element, Length};

use super::{field_id, CartItem, Completed, Counter, Message, Printing, AMOUNT_ID, LOOKUP_ID, RESULTS_ID};
use crate::gui::keys::Shortcut;
use crate::gui::receipt_doc::tender_label;
use crate::gui::{theme, widgets};

/// The gap between a tender's detail inputs (and between the parts of the refusal line under them).
const FIELD_GAP: f32 = 6.0;

const KINDS: [(TenderKind, &str, Shortcut); 5] = [
    (TenderKind::Cash, "Cash", Shortcut::F5),
    (TenderKind::Check, "Check", Shortcut::F6),
    (TenderKind::MoneyOrder, "Money order", Shortcut::F7),
    (TenderKind::Card, "Card", Shortcut::F8),
    (TenderKind::Ach, "ACH", Shortcut::F9),
];

impl Counter {
    pub fn view(&self) -> Element<'_, Message> {
        let lookup = text_input("Number, name or street", &self.search.text)
            .style(theme::text_input::field)
            .id(LOOKUP_ID)
            .on_input(Message::LookupChanged)
            .on_submit(Message::LookupSubmitted)
            .size(theme::HEADING)
            .padding(10);
        let left = column![lookup, widgets::error(self.error.as_deref()), self.results_view(), self.completed_view()].spacing(theme::GAP).width(Length::FillPortion(5));
        let right = column![self.cart_view(), self.tender_view()].spacing(theme::GAP).width(Length::FillPortion(6));
        row![left, right].spacing(theme::GAP * 2.0).into()
    }

    fn results_view(&self) -> Element<'_, Message> {
        let mut list = Column::new().spacing(4);
        if let Some(fee) = &self.search.fee_match {
            let amount = fee.amount.map_or("variable".to_string(), |m| m.grouped());
            list = list.push(
                button(text(format!("Fee {} — {} ({amount})", fee.code, fee.description)).size(theme::BODY))
                    .width(Length::Fill)
                    .on_press(Message::PickFee)
                    .style(theme::button::list_row(self.search.highlighted == Some(0))),
            );
        }
        let first = usize::from(self.search.fee_match.is_some());
        for (index, row) in self.search.results.iter().enumerate() {
            let line = column![
                text(format!("{}  {}  ·  {}", row.number, row.name, row.kind.as_str())).size(theme::BODY),
                text(format!("{}  ·  {}  ·  balance {}", row.address, row.status, row.balance.grouped())).size(theme::SMALL),
            ];
            list = list.push(button(line).width(Length::Fill).on_press(Message::Pick(index)).style(theme::button::list_row(self.search.highlighted == Some(first + index))));
        }
        if self.offered() > 1 {
            list = list.push(text("Up/Down, PageUp/PageDown, Home/End choose; Enter picks").size(theme::SMALL).style(theme::text::muted));
        }
        scrollable(list).id(RESULTS_ID).height(Length::Shrink).into()
    }

    fn cart_view(&self) -> Element<'_, Message> {
        let mut lines = Column::new().spacing(6);
        if self.cart.is_empty() {
            lines = lines.push(text("Nothing in the cart yet: look up or scan what the customer pays.").size(theme::BODY).style(theme::text::muted));
        }
        for (index, line) in self.cart.lines().iter().enumerate() {
            let description: Element<'_, Message> = match &line.item {
                CartItem::Payable(row) => column![
                    text(format!("{} — {}", row.number, row.name)).size(theme::BODY).font(theme::text::BOLD),
                    text(format!("{} · {} · {}", row.kind.as_str(), row.address, row.status)).size(theme::SMALL),
                    text(format!("Balance {}", row.balance.grouped())).size(theme::SMALL).style(if row.status == "delinquent" { theme::text::warning } else { theme::text::muted }),
                ]
                .into(),
                CartItem::Fee(fee) => column![text(format!("Fee {} — {}", fee.code, fee.description)).size(theme::BODY).font(theme::text::BOLD)].into(),
                CartItem::Account(number) => column![text(number.as_str()).size(theme::BODY).font(theme::text::BOLD)].into(),
                CartItem::FeeCode(code) => column![text(format!("Fee {code}")).size(theme::BODY).font(theme::text::BOLD)].into(),
            };
            lines = lines.push(
                row![
                    container(description).width(Length::Fill),
                    text_input("amount", &line.amount)
                        .style(theme::text_input::field)
                        .id(super::line_id(index))
                        .on_input(move |t| Message::LineAmount(index, t))
                        .on_submit(Message::FocusAmount)
                        .size(theme::BODY)
                        .width(130)
                        .padding(6),
                    button(text(remove_label(index + 1 == self.cart.lines().len(), Shortcut::RemoveLine)).size(theme::BODY))
                        .on_press_maybe((!self.recording()).then_some(Message::RemoveLine(index)))
                        .style(theme::button::secondary),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            );
        }
        let total = row![text("Total due").size(theme::AMOUNT), container(text(self.total_due().grouped()).size(theme::AMOUNT).font(theme::text::BOLD)).align_right(Length::Fill)];
        // The cart takes what the tender card leaves and its lines scroll there: a long cart never pushes the
        // amount field or Complete off a 768-px-high screen. The total sits at the bottom, next to the tender.
        let lines = scrollable(lines).spacing(6).height(Length::Fill);
        container(column![widgets::title("Cart"), lines, total].spacing(theme::GAP)).padding(14).style(theme::container::card).width(Length::Fill).height(Length::Fill).into()
    }

    fn tender_view(&self) -> Element<'_, Message> {
        let kinds = row(KINDS.iter().map(|(kind, label, key)| {
            let style = theme::button::tab(*kind == self.tender.kind);
            button(text(format!("{label} [{}]", key.label())).size(theme::SMALL).wrapping(iced::widget::text::Wrapping::None)).padding([6, 6]).on_press(Message::Kind(*kind)).style(style).into()
        }))
        .spacing(4)
        // On a narrow screen the last kinds go to a second line whole, not broken inside their buttons.
        .wrap()
        .vertical_spacing(6);
        let hint = match self.tender.kind {
            TenderKind::Cash => "Amount handed over (Enter alone = exact amount)",
            TenderKind::Check => "Scan the check, or type it (Tab between fields)",
            TenderKind::MoneyOrder => "The money order's serial number",
            TenderKind::Card => "From the card terminal — never the card number",
            TenderKind::Ach => "The transfer's reference",
        };
        let amount =
            text_input("Amount", &self.tender.amount).style(theme::text_input::field).id(AMOUNT_ID).on_input(Message::Amount).on_submit(Message::AmountSubmitted).size(theme::AMOUNT).padding(8);
        let amount = widgets::with_refusal(amount.into(), self.tender.amount_error.as_deref());
        let mut form = column![kinds, amount, text(hint).size(theme::SMALL).style(theme::text::muted)].spacing(8);
        // A card or ACH convenience fee is said before the tender is taken: the customer agrees to it first.
        let fee = self.cart.convenience_fee_for(self.tender.kind);
        if !fee.is_zero() && !self.cart.lines().is_empty() {
            let due = self.cart.exact_amount_for(self.tender.kind).map(|d| format!(" — {} in all", d.grouped())).unwrap_or_default();
            form = form.push(text(format!("{} adds a convenience fee of {}{due}", tender_name(self.tender.kind), fee.grouped())).size(theme::BODY).font(theme::text::BOLD));
        }
        if self.tender.kind != TenderKind::Cash {
            form = form.push(self.fields_view());
        }
        let mut tenders = Column::new().spacing(4);
        let count = self.cart.tenders().len();
        for (index, tender) in self.cart.tenders().iter().enumerate() {
            tenders = tenders.push(
                row![
                    text(tender_label(tender)).size(theme::BODY).width(Length::Fill),
                    text(tender.amount.grouped()).size(theme::BODY),
                    button(text(remove_label(index + 1 == count, Shortcut::RemoveTender)).size(theme::SMALL))
                        .on_press_maybe((!self.recording()).then_some(Message::RemoveTender(index)))
                        .style(theme::button::secondary),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            );
        }
        let totals = row![
            text(format!("Tendered {}", self.tendered().grouped())).size(theme::BODY).width(Length::Fill),
            text(format!("Still due {}", self.remaining().grouped())).size(theme::BODY).font(theme::text::BOLD),
        ];
        let complete = button(text(if self.recording() { "Recording…" } else { "Complete [Enter]" }).size(theme::BODY))
            .padding([8, 14])
            .on_press_maybe((!self.recording() && !self.cart.is_empty()).then_some(Message::AmountSubmitted))
            .style(theme::button::primary);
        let actions =
            row![complete, widgets::key_button("Clear", Some(Shortcut::Cancel), Some(Message::Clear)), widgets::key_button("Reprint", Some(Shortcut::F12), self.completed().map(|_| Message::Reprint))]
                .spacing(8);
        let mut body = column![widgets::title("Tender"), form, tenders, totals].spacing(theme::GAP);
        if let Some(question) = self.question() {
            body = body.push(widgets::question(question));
        }
        container(body.push(actions)).padding(14).style(theme::container::card).width(Length::Fill).into()
    }

    /// One input per detail of the tender's kind, side by side in Tab order; a refusal sits right under its
    /// input: starting there and running right, or (for an input in the right half) ending there.
    fn fields_view(&self) -> Element<'_, Message> {
        let fields = TenderField::of(self.tender.kind);
        let inputs = row(fields.iter().map(|&field| {
            text_input(placeholder(self.tender.kind, field), self.tender.fields.get(field))
                .style(theme::text_input::field)
                .id(field_id(field))
                .on_input(move |text| Message::Field(field, text))
                .on_submit(Message::FieldSubmitted(field))
                .size(theme::BODY)
                .padding(8)
                .width(Length::Fill)
                .into()
        }))
        .spacing(FIELD_GAP);
        let refusal = self.tender.field_error.as_ref().and_then(|(bad, problem)| Some((fields.iter().position(|f| f == bad)?, problem)));
        let Some((at, problem)) = refusal else { return inputs.into() };
        let (before, count) = (u16::try_from(at).unwrap_or(0), u16::try_from(fields.len()).unwrap_or(1));
        let message = text(problem.as_str()).size(theme::SMALL).style(theme::text::danger);
        let line = if before * 2 < count {
            let mut line = row![].spacing(FIELD_GAP);
            if before > 0 {
                line = line.push(space().width(Length::FillPortion(before)));
            }
            line.push(container(message).width(Length::FillPortion(count - before)))
        } else {
            let mut line = row![container(message).align_right(Length::FillPortion(before + 1))].spacing(FIELD_GAP);
            if before + 1 < count {
                line = line.push(space().width(Length::FillPortion(count - before - 1)));
            }
            line
        };
        column![inputs, line].spacing(2).into()
    }

    fn completed_view(&self) -> Element<'_, Message> {
        let Some(Completed { result, print, drawer, .. }) = self.completed() else { return column![].into() };
        let outcome = |what: &str, state: &Printing| match state {
            Printing::NotNeeded => format!("{what}: not needed"),
            Printing::Queued(_) => format!("{what}: sent…"),
            Printing::Done => format!("{what}: done"),
            Printing::Failed(reason) => format!("{what}: FAILED — {reason}. The payment is recorded; fix the device and press Reprint [F12]."),
        };
        let failed = matches!(print, Printing::Failed(_)) || matches!(drawer, Printing::Failed(_));
        column![
            container(
                column![
                    text(format!("Receipt {} recorded — total {}, tendered {}", result.receipt, result.total.grouped(), result.tendered.grouped())).size(theme::BODY),
                    text("CHANGE").size(theme::HEADING),
                    text(result.change.grouped()).size(theme::CHANGE).font(theme::text::BOLD),
                ]
                .spacing(4)
            )
            .padding(14)
            .width(Length::Fill)
            .style(theme::container::success),
            text(outcome("Receipt", print)).size(theme::BODY).style(if failed { theme::text::danger } else { theme::text::muted }),
            text(outcome("Drawer", drawer)).size(theme::BODY).style(if failed { theme::text::danger } else { theme::text::muted }),
        ]
        .spacing(6)
        .into()
    }
}

/// What an empty detail input says it takes.
fn placeholder(kind: TenderKind, field: TenderField) -> &'static str {
    match (kind, field) {
        (TenderKind::MoneyOrder, TenderField::Number) => "Serial number",
        (_, TenderField::Routing) => "Routing",
        (_, TenderField::Account) => "Account",
        (_, TenderField::Number) => "Check number",
        (_, TenderField::Brand) => "Brand",
        (_, TenderField::Last4) => "Last 4",
        (_, TenderField::Auth) => "Auth code",
        (_, TenderField::Reference) => "Reference",
    }
}

/// "✕" on a remove button; the last one (the one its key removes) also shows the key: "✕ [Ctrl+D]".
fn remove_label(last: bool, key: Shortcut) -> String {
    if last {
        format!("✕ [{}]", key.label())
    } else {
        "✕".to_string()
    }
}

/// A tender kind as the cashier says it.
fn tender_name(kind: TenderKind) -> &'static str {
    match kind {
        TenderKind::Cash => "Cash",
        TenderKind::Check => "A check",
        TenderKind::MoneyOrder => "A money order",
        TenderKind::Card => "Card",
        TenderKind::Ach => "ACH",
    }
}
