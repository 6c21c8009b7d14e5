//! The batches screen's view (pure): the list, the selected batch with its running total against the
//! control total, and the open / item / decision forms.

use citytill::domain::events::{BatchItem, BatchKind};
use citytill::domain::states::BatchState;
use citytill::ops::batch::{self, BatchSummary};
use citytill::Money;
use iced::widget::{button, column, container, responsive, row, scrollable, text, Column};
use iced::{Alignment, Element, Length};

use super::{BatchesScreen, Decision, DecisionForm, ItemForm, Message, Mode, OpenForm, RemoveForm, Step, AMOUNT_ID, CONTROL_ITEMS_ID, CONTROL_TOTAL_ID, MICR_ID, REASON_ID, REMOVE_ITEM_ID, STUB_ID};
use crate::gui::keys::Shortcut;
use crate::gui::{theme, widgets};

const DECISIONS: [Decision; 3] = [Decision::Approve, Decision::Reject, Decision::Reopen];

/// The batch list's width beside the selected batch (its columns' fixed widths and padding).
const LIST_WIDTH: f32 = 520.0;
/// The width the list and the selected batch's items table (652 px with its card) need side by side.
const SIDE_BY_SIDE: f32 = LIST_WIDTH + theme::GAP + 652.0;
/// Above the selected batch (narrow screens) the list shows this many rows around the selected one.
const LIST_STACKED_ROWS: usize = 3;

impl BatchesScreen {
    pub fn view(&self) -> Element<'_, Message> {
        let selected = self.selected.as_ref();
        let remittance_open = selected.is_some_and(|b| b.state == BatchState::Open && b.drawer_id.is_none());
        let removable = selected.is_some_and(batch::takes_corrections);
        let mut actions = row![
            widgets::key_button("Open batch", Some(Shortcut::F5), Some(Message::StartOpen)).style(theme::button::tab(self.mode() == Mode::Opening)),
            widgets::key_button("Enter items", Some(Shortcut::F11), remittance_open.then_some(Message::EnterItems)).style(theme::button::tab(self.mode() == Mode::Entering)),
            widgets::key_button("Balance", Some(Shortcut::F6), selected.is_some_and(|b| b.state == BatchState::Open).then_some(Message::Balance)),
            // Offered only where the library takes the correction (an open mail or drop-box batch of an open day).
            widgets::key_button("Remove item", Some(Shortcut::F12), (removable && !self.items.is_empty()).then_some(Message::StartRemove)).style(theme::button::tab(self.mode() == Mode::Removing)),
        ]
        .spacing(8);
        for decision in DECISIONS {
            let enabled = selected.is_some_and(|b| decision.applies_to(b.state));
            let style = if decision == Decision::Reject { theme::button::danger } else { theme::button::secondary };
            actions = actions.push(
                button(text(format!("{} [{}]", decision.label(), decision.key().label())).size(theme::BODY))
                    .padding([8, 14])
                    .on_press_maybe(enabled.then_some(Message::Decide(decision)))
                    .style(if self.mode() == Mode::Deciding(decision) { theme::button::primary } else { style }),
            );
        }
        let heading = text(if self.business_date.is_empty() { "Batches".to_string() } else { format!("Batches — business date {}", self.business_date) }).size(theme::HEADING).font(theme::text::BOLD);
        // A success line never stands beside a refusal, even one written under its field.
        let feedback = widgets::feedback(self.banner_error(), self.notice.as_deref().filter(|_| self.error.is_none()));
        match &self.step {
            // Deciding has the screen to itself (Esc goes back to the list and the actions): the approval
            // fields and buttons fit even at a 150% text scale. Entering items keeps the actions (Balance).
            Step::Deciding(_) if selected.is_some() => return column![heading, feedback, self.detail_pane()].spacing(theme::GAP).into(),
            Step::Entering(_) | Step::Removing(_) if selected.is_some() => return column![heading, actions.wrap().vertical_spacing(8), feedback, self.detail_pane()].spacing(theme::GAP).into(),
            _ => {}
        }
        column![
            heading,
            actions.wrap().vertical_spacing(8),
            feedback,
            // Side by side where both fit whole; on a narrower screen (1024 px) the list sits above the
            // selected batch, a few rows high, so no column of either table is cut at the window's edge.
            responsive(move |size| {
                let detail = container(self.detail_pane()).width(Length::Fill);
                if size.width >= SIDE_BY_SIDE {
                    row![self.list(Length::Fixed(LIST_WIDTH), None), detail].spacing(theme::GAP).into()
                } else {
                    column![self.list(Length::Fill, Some(LIST_STACKED_ROWS)), detail].spacing(theme::GAP).into()
                }
            }),
        ]
        .spacing(theme::GAP)
        .into()
    }

    fn detail_pane(&self) -> Element<'_, Message> {
        match (&self.step, self.selected.as_ref()) {
            (Step::Opening(form), _) => self.open_form(form),
            (_, Some(summary)) => self.detail(summary),
            (_, None) => text("Pick a batch [Up/Down], or open a mail or drop-box batch with the tape's control total [F5].").size(theme::BODY).style(theme::text::muted).into(),
        }
    }

    /// The batch list; `rows`: at most this many rows, around the selected batch.
    fn list(&self, width: Length, rows: Option<usize>) -> Element<'_, Message> {
        let mut list = Column::new().spacing(2).push(row![cell("Batch", 60), cell("Kind", 80), cell("State", 90), cell("Total / control", 170), cell("Items", 70)].spacing(6));
        if self.batches.is_empty() {
            list = list.push(text("No batches yet").size(theme::BODY).style(theme::text::muted));
        }
        // Stacked above the selected batch the list shows a few rows around the selection (Up/Down move it),
        // so the highlighted batch is always in view; beside it, every row in a scrollable.
        let chosen_index = self.selected.as_ref().and_then(|s| self.batches.iter().position(|b| b.batch == s.batch)).unwrap_or(0);
        let (first, shown) = match rows {
            Some(rows) if self.batches.len() > rows => {
                let first = chosen_index.saturating_sub(rows / 2).min(self.batches.len() - rows);
                (first, rows)
            }
            _ => (0, self.batches.len()),
        };
        if first > 0 {
            list = list.push(text(format!("{first} more above [Up]")).size(theme::SMALL).style(theme::text::muted));
        }
        for b in self.batches.iter().skip(first).take(shown) {
            let chosen = self.selected.as_ref().is_some_and(|s| s.batch == b.batch);
            let line = row![
                text(b.batch.as_str()).size(theme::BODY).font(theme::text::BOLD).width(60),
                text(kind_label(&b.kind)).size(theme::BODY).width(80),
                text(b.state.as_str()).size(theme::BODY).width(90).style(theme::text::batch_state(b.state, chosen)),
                text(totals(b)).size(theme::BODY).width(170),
                text(counts(b)).size(theme::BODY).width(70),
            ]
            .spacing(6);
            list = list.push(button(line).padding([4, 6]).on_press(Message::Select(b.batch.clone())).style(if chosen { theme::button::primary } else { theme::button::row }));
        }
        let below = self.batches.len() - first - shown;
        if below > 0 {
            list = list.push(text(format!("{below} more below [Down]")).size(theme::SMALL).style(theme::text::muted));
        }
        container(scrollable(list)).padding(10).width(width).style(theme::container::card).into()
    }

    fn detail<'a>(&'a self, summary: &'a BatchSummary) -> Element<'a, Message> {
        let difference = summary.total.saturating_sub(summary.control_total);
        let agrees = difference.is_zero() && summary.items == summary.control_items;
        let mut card = column![text(format!("Batch {} — {} — {}{}", summary.batch, kind_label(&summary.kind), summary.state, summary.preparer_line())).size(theme::HEADING).font(theme::text::BOLD),]
            .spacing(theme::GAP);
        if summary.drawer_id.is_none() {
            card = card.push(text(format!("Running {} of control {}", summary.total.grouped(), summary.control_total.grouped())).size(theme::AMOUNT).font(theme::text::BOLD)).push(
                text(format!("Items {} of {} — difference {}", summary.items, summary.control_items, signed(difference))).size(theme::BODY).font(theme::text::BOLD).style(if agrees {
                    theme::text::success
                } else {
                    theme::text::warning
                }),
            );
        } else {
            card = card.push(text(format!("Counter batch: {} in {} receipts; balances when its drawer closes", summary.total.grouped(), summary.items)).size(theme::BODY));
        }
        if let Some(reason) = &summary.reason {
            card = card.push(text(format!("Reason: {reason}")).size(theme::BODY));
        }
        card = card.push(items_table(&self.items, &summary.batch));
        // The batch's figures and items scroll in what is left; a form below them always shows whole.
        let form = match &self.step {
            Step::Entering(form) => Some(self.item_view(form)),
            Step::Deciding(form) => Some(self.decision_form(form)),
            Step::Removing(form) => Some(self.remove_form(form, &summary.batch)),
            _ => None,
        };
        let body = column![scrollable(card.width(Length::Fill)).height(Length::Fill)].spacing(theme::GAP).push(form.unwrap_or_else(|| column![].into()));
        container(body).padding(14).width(Length::Fill).height(Length::Fill).style(theme::container::card).into()
    }

    fn open_form<'a>(&'a self, form: &'a OpenForm) -> Element<'a, Message> {
        let kind = |kind: BatchKind, label: &'static str| button(text(label).size(theme::BODY)).padding([8, 14]).on_press(Message::Kind(kind)).style(theme::button::tab(form.kind == kind));
        let submit = button(text("Open batch [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::OpenSubmitted)).style(theme::button::primary);
        container(
            column![
                widgets::title("Open a remittance batch"),
                text("From the adding-machine tape: its total and how many items it lists.").size(theme::BODY),
                row![kind(BatchKind::Mail, "Mail"), kind(BatchKind::DropBox, "Drop box")].spacing(8),
                row![
                    widgets::checked_field("Control total", CONTROL_TOTAL_ID, &form.control_total, Message::ControlTotal, Some(Message::NextField), self.refusal(CONTROL_TOTAL_ID)),
                    widgets::checked_field("Item count", CONTROL_ITEMS_ID, &form.control_items, Message::ControlItems, Some(Message::OpenSubmitted), self.refusal(CONTROL_ITEMS_ID)),
                ]
                .spacing(theme::GAP),
                row![submit, widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
            ]
            .spacing(theme::GAP),
        )
        .padding(14)
        .width(Length::Fill)
        .style(theme::container::card)
        .into()
    }

    fn item_view<'a>(&'a self, form: &'a ItemForm) -> Element<'a, Message> {
        let account = match &form.account {
            Some(account) => text(format!("Account {} — {}{}", account.number, account.name, account.due.map(|d| format!(" — stub says {}", d.grouped())).unwrap_or_default()))
                .size(theme::BODY)
                .font(theme::text::BOLD),
            None => text("1. Scan the stub (or type its scanline or the account number), Enter").size(theme::BODY).style(theme::text::muted),
        };
        let check = match &form.check {
            Some(check) => text(format!("Check {} routing {} account {}", check.check_number.as_deref().map(|n| format!("#{n}")).unwrap_or_default(), check.routing, check.account_masked))
                .size(theme::BODY)
                .font(theme::text::BOLD),
            None => text("2. Scan the check's MICR line (Enter with nothing for a check without one)").size(theme::BODY).style(theme::text::muted),
        };
        let submit = button(text("Hold item, next [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::Confirm)).style(theme::button::primary);
        column![
            row![
                widgets::checked_field("Stub", STUB_ID, &form.stub, Message::Stub, Some(Message::StubSubmitted), self.refusal(STUB_ID)),
                widgets::checked_field("Check MICR", MICR_ID, &form.micr, Message::Micr, Some(Message::MicrSubmitted), self.refusal(MICR_ID)),
                widgets::checked_field("Amount", AMOUNT_ID, &form.amount, Message::Amount, Some(Message::Confirm), self.refusal(AMOUNT_ID)),
            ]
            .spacing(theme::GAP),
            account,
            check,
            row![submit, widgets::key_button("Done entering", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8).align_y(Alignment::Center),
        ]
        .spacing(8)
        .into()
    }

    fn remove_form<'a>(&'a self, form: &'a RemoveForm, batch: &str) -> Element<'a, Message> {
        let submit = button(text("Remove item [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::RemoveSubmitted)).style(theme::button::danger);
        column![
            row![
                widgets::checked_field("Item", REMOVE_ITEM_ID, &form.item, Message::RemoveItem, Some(Message::NextField), self.refusal(REMOVE_ITEM_ID)),
                widgets::checked_field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::RemoveSubmitted), self.refusal(REASON_ID)),
            ]
            .spacing(theme::GAP),
            text(format!("The item's number from the list (like 2 or {batch}-0002) and why it comes out; it stays in the journal as removed.")).size(theme::SMALL).style(theme::text::muted),
            row![submit, widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
        ]
        .spacing(8)
        .into()
    }

    fn decision_form<'a>(&'a self, typed: &'a DecisionForm) -> Element<'a, Message> {
        let decision = typed.decision;
        let mut form = column![].spacing(8);
        if decision != Decision::Approve {
            form = form.push(widgets::checked_field("Reason", REASON_ID, &typed.reason, Message::Reason, Some(Message::NextField), self.refusal(REASON_ID)));
        }
        let hint = match decision {
            Decision::Approve => "A supervisor who prepared nothing in this batch approves it: the items are posted to the accounts.",
            Decision::Reject => "A supervisor rejects it with a reason; the items stay held.",
            Decision::Reopen => "Write why. Reopening an approved batch needs a different supervisor and reverses its postings.",
        };
        let style = if decision == Decision::Reject { theme::button::danger } else { theme::button::primary };
        let submit = button(text(format!("{} [Enter]", decision.label())).size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::DecisionSubmitted)).style(style);
        form.push(text(hint).size(theme::SMALL).style(theme::text::muted))
            .push(widgets::approval_form_checked(&typed.approval, Message::Approver, Message::Pin, Message::DecisionSubmitted, self.error_field.zip(self.error.as_deref())))
            .push(row![submit, widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8))
            .into()
    }
}

trait PreparerLine {
    fn preparer_line(&self) -> String;
}

impl PreparerLine for BatchSummary {
    /// " — prepared by lee, approved by sam" (what is known).
    fn preparer_line(&self) -> String {
        let mut line = String::new();
        if !self.preparer.is_empty() {
            line.push_str(&format!(" — by {}", self.preparer));
        }
        if let Some(approver) = &self.approver {
            line.push_str(&format!(", {approver} approving"));
        }
        line
    }
}

fn items_table<'a>(items: &'a [BatchItem], batch: &str) -> Element<'a, Message> {
    let mut table = Column::new().spacing(2).push(row![cell("Item", 110), cell("Account", 130), cell("Check", 170), cell("Amount", 110), cell("By", 80)].spacing(6));
    for item in items.iter().rev() {
        let check = match (&item.tender.number, &item.tender.account_last4) {
            (Some(number), Some(last4)) => format!("#{number} ...{last4}"),
            (None, Some(last4)) => format!("...{last4}"),
            (Some(number), None) => format!("#{number}"),
            (None, None) => item.tender.kind.as_str().to_string(),
        };
        table = table.push(
            row![
                text(item.reference(batch)).size(theme::BODY).width(110),
                text(item.payable.as_str()).size(theme::BODY).width(130),
                text(check).size(theme::BODY).width(170),
                text(item.amount.grouped()).size(theme::BODY).width(110),
                text(item.entered_by.as_str()).size(theme::BODY).width(80),
            ]
            .spacing(6),
        );
    }
    table.into()
}

/// "+1.00" / "-5.00" / "0.00": over and under read at a glance.
fn signed(amount: Money) -> String {
    if amount.is_negative() || amount.is_zero() {
        amount.grouped()
    } else {
        format!("+{}", amount.grouped())
    }
}

fn cell<'a>(label: &'a str, width: u32) -> Element<'a, Message> {
    text(label).size(theme::SMALL).style(theme::text::muted).width(width as f32).into()
}

fn kind_label(kind: &str) -> &str {
    match kind {
        "drop_box" => "drop box",
        other => other,
    }
}

fn totals(b: &BatchSummary) -> String {
    if b.drawer_id.is_some() {
        b.total.grouped()
    } else {
        format!("{} / {}", b.total.grouped(), b.control_total.grouped())
    }
}

fn counts(b: &BatchSummary) -> String {
    if b.drawer_id.is_some() {
        b.items.to_string()
    } else {
        format!("{}/{}", b.items, b.control_items)
    }
}
