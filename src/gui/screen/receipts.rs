//! Receipts: find by number (or scanned barcode), account, date or amount; view; reprint (DUPLICATE);
//! void, refund and returned check with the supervisor's name and PIN on the same screen; on a printer with
//! a slip station, endorse a check (F9) or validate a bill stub (F11) through the devices worker.

use citytill::domain::events::{Event as LedgerEvent, LineTarget};
use citytill::ops::auth::{self, Actor};
use citytill::ops::query::{self, ReceiptInfo, ReceiptRow};
use citytill::ops::reversal::{self, Corrections};
use citytill::Money;
use iced::widget::{button, column, container, row, scrollable, text, Column};
use iced::{Element, Length, Task};

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::list_nav::{self, Move};
use crate::gui::receipt_doc::{receipt_document, tender_label};
use crate::gui::theme;
use crate::gui::widgets::{self, Approval};

pub const NUMBER_ID: &str = "receipts-number";
pub const REASON_ID: &str = "receipts-reason";
pub const LIST_ID: &str = "receipts-list";
const LIMIT: usize = 50;
/// The list of found receipts: room for a receipt number and a grouped amount side by side at 150% text.
const LIST_WIDTH: f32 = 300.0;
/// A search field: "Type receipt number" whole inside it.
const SEARCH_FIELD_WIDTH: f32 = 230.0;

/// A correction that needs a second person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correction {
    Void,
    Refund,
    ReturnedCheck,
}

/// Each correction with its button label and key.
const CORRECTIONS: [(Correction, &str, Shortcut); 3] =
    [(Correction::Void, "Void [F6]", Shortcut::F6), (Correction::Refund, "Refund [F7]", Shortcut::F7), (Correction::ReturnedCheck, "Returned check [F8]", Shortcut::F8)];

impl Correction {
    fn label(self) -> &'static str {
        match self {
            Correction::Void => "void",
            Correction::Refund => "refund",
            Correction::ReturnedCheck => "returned check",
        }
    }
}

#[derive(Debug, Default)]
pub struct Receipts {
    pub number: String,
    pub account: String,
    pub date: String,
    pub amount: String,
    /// The receipts the last search found, each with its amount, payer and status.
    pub found: Vec<ReceiptRow>,
    /// The keyboard highlight in `found`; Enter opens it.
    pub highlighted: Option<usize>,
    pub shown: Option<ReceiptInfo>,
    /// The corrections the shown receipt can take from the signed-in user (only these are offered).
    pub offered: Corrections,
    pub correction: Option<Correction>,
    pub approval: Approval,
    pub reason: String,
    pub refund_amount: String,
    pub error: Option<String>,
    /// The field of the open form the error is about (written under it), if it names one.
    pub error_field: Option<&'static str>,
    pub notice: Option<String>,
    pub busy: bool,
    /// The configured printer's slip station (None: endorsing and validating are not offered).
    pub slip: Option<crate::gui::devices::Slip>,
    /// The slip job waiting for its paper or printing: its job id, what it prints, and the receipt.
    pub slip_job: Option<(u64, SlipPrint, String)>,
    /// When the slip job was queued: one that never reports back is given up after its wait and a margin.
    pub slip_since: Option<std::time::Instant>,
}

#[derive(Clone, Debug)]
pub enum Message {
    Number(String),
    Account(String),
    Date(String),
    Amount(String),
    Search,
    Found(Result<Vec<ReceiptRow>, String>),
    /// Up/Down, PageUp/PageDown, Home/End in the list of found receipts.
    Move(Move),
    Open(String),
    Opened(Result<(ReceiptInfo, Corrections), String>),
    Reprint,
    Reprinted(Result<ReceiptInfo, String>),
    Start(Correction),
    Approver(String),
    Pin(String),
    Reason(String),
    RefundAmount(String),
    Confirm,
    /// Enter in a field that is not the last: on to the next one.
    NextField,
    Corrected(Result<String, String>),
    Cancel,
    /// F9 endorse the check, F11 validate the stub (on a slip printer).
    Slip(SlipPrint),
}

/// What the screen tells the app: Esc with nothing open goes back to the counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Back,
    /// A correction was recorded (refresh the status bar).
    Changed,
}

impl Receipts {
    pub fn focus(&self) -> Task<Message> {
        iced::widget::operation::focus(if self.correction.is_some() { REASON_ID } else { NUMBER_ID })
    }

    /// Opens a receipt directly (scanned, or typed into the counter's lookup): its number replaces the whole
    /// old search, so the fields say what is shown and Enter finds this receipt again.
    pub fn open(&mut self, receipt: String, ctx: &Context, actor: &Actor) -> Task<Message> {
        self.number = receipt.clone();
        self.account.clear();
        self.date.clear();
        self.amount.clear();
        self.highlighted = None;
        self.load(receipt, ctx, actor)
    }

    pub fn update(&mut self, message: Message, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        self.slip = ctx.devices.slip;
        if matches!(message, Message::Number(_) | Message::Account(_) | Message::Date(_) | Message::Amount(_)) {
            // Typing a new search: Enter searches again instead of opening the highlighted receipt.
            self.highlighted = None;
        }
        match message {
            Message::Number(t) => self.number = t,
            Message::Account(t) => self.account = t,
            Message::Date(t) => self.date = t,
            Message::Amount(t) => self.amount = t,
            Message::Move(movement) => return (self.move_highlight(movement), None),
            Message::Search => return (self.search(ctx, actor), None),
            Message::Found(result) => self.found(result),
            Message::Open(receipt) => return (self.load(receipt, ctx, actor), None),
            Message::Opened(result) => self.opened(result),
            Message::Reprint => return (self.reprint(ctx, actor), None),
            Message::Reprinted(result) => self.reprinted(result, ctx),
            Message::Start(correction) => return (self.start(correction), None),
            Message::Approver(t) => self.approval.approver = t,
            Message::Pin(t) => self.approval.pin = t,
            Message::Reason(t) => self.reason = t,
            Message::RefundAmount(t) => self.refund_amount = t,
            Message::Confirm => return (self.confirm(ctx, actor), None),
            Message::NextField => return (iced::widget::operation::focus_next(), None),
            Message::Corrected(result) => return self.corrected(result, ctx, actor),
            Message::Cancel => return self.cancel(),
            Message::Slip(print) => self.print_slip(print, ctx, actor),
        }
        (Task::none(), None)
    }

    /// Moves the keyboard highlight (Home/End only once a row is highlighted) and scrolls the list to follow it.
    fn move_highlight(&mut self, movement: Move) -> Task<Message> {
        if matches!(movement, Move::Home | Move::End) && self.highlighted.is_none() {
            return Task::none();
        }
        self.highlighted = list_nav::moved(self.highlighted, self.found.len(), movement);
        match self.highlighted {
            Some(index) => list_nav::follow(LIST_ID, index, self.found.len()),
            None => Task::none(),
        }
    }

    /// Shows a refusal: under the field it names when the screen shows that field (focus there, the bad text
    /// selected so typing replaces it), else in the banner.
    fn refuse(&mut self, error: String) -> Task<Message> {
        self.error_field = widgets::field_named(&error, &self.form_fields());
        self.error = Some(error);
        match self.error_field {
            Some(id) => iced::widget::operation::focus(id).chain(iced::widget::operation::select_all(id)),
            None => Task::none(),
        }
    }

    /// The fields on screen, by the name a refusal gives them: the correction form while one is open (the
    /// search is not shown then; the library calls the refund amount "amount"), else the search.
    fn form_fields(&self) -> Vec<(&'static str, &'static str)> {
        match self.correction {
            Some(correction) => {
                let mut fields = vec![("reason", REASON_ID), ("approver", "approver"), ("supervisor", "approver"), ("pin", "approver-pin")];
                if correction == Correction::Refund {
                    fields.extend([("refund amount", "receipts-refund-amount"), ("amount", "receipts-refund-amount")]);
                }
                fields
            }
            None => vec![("receipt number", NUMBER_ID), ("account", "receipts-account"), ("date", "receipts-date"), ("amount", "receipts-amount")],
        }
    }

    /// The refusal to write under field `id`, if the error is about it.
    pub fn refusal(&self, id: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == Some(id))
    }

    /// The error for the banner: one written under no field.
    fn banner_error(&self) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field.is_none())
    }

    /// Enter: opens the highlighted receipt, else searches by what is typed.
    fn search(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        self.error = None;
        let mut card_number = None;
        for (field, text) in [("receipt number", &mut self.number), ("account", &mut self.account), ("date", &mut self.date), ("amount", &mut self.amount)] {
            if citytill::domain::tender::contains_card_number(text) {
                // Refused like every other field: never echoed, never kept, never searched for.
                text.clear();
                card_number = Some(field);
                break;
            }
        }
        if let Some(field) = card_number {
            return self.refuse(format!("{field}: that looks like a card number; card numbers are never typed into CityTill"));
        }
        if let Some(receipt) = self.highlighted.and_then(|i| self.found.get(i)).map(|row| row.receipt.clone()) {
            return self.load(receipt, ctx, actor);
        }
        let number = self.number.trim().to_string();
        if !number.is_empty() {
            return self.load(number, ctx, actor);
        }
        let amount = match self.amount.trim() {
            "" => None,
            text => match Money::parse_positive("amount", text, ctx.max_amount()) {
                Ok(amount) => Some(amount),
                Err(e) => return self.refuse(e.to_string()),
            },
        };
        let account = Some(self.account.trim().to_string()).filter(|t| !t.is_empty());
        let date = Some(self.date.trim().to_string()).filter(|t| !t.is_empty());
        Task::perform(ctx.worker.call(move |ledger| query::find_receipt_rows(&*ledger.read()?, account.as_deref(), date.as_deref(), amount, LIMIT)), Message::Found)
    }

    fn found(&mut self, result: Result<Vec<ReceiptRow>, String>) {
        match result {
            Ok(found) if found.is_empty() => (self.error, self.error_field) = (Some("receipts: none match; check the account, date (YYYY-MM-DD) or amount".into()), None),
            Ok(found) => {
                self.found = found;
                self.highlighted = None;
            }
            Err(e) => (self.error, self.error_field) = (Some(e), None),
        }
    }

    /// Loads a receipt and the corrections it can take from `actor`.
    fn load(&mut self, receipt: String, ctx: &Context, actor: &Actor) -> Task<Message> {
        self.error = None;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.call(move |ledger| {
                let info = query::receipt(&*ledger.read()?, &receipt)?;
                let offered = reversal::corrections(ledger, &actor, &info)?;
                Ok((info, offered))
            }),
            Message::Opened,
        )
    }

    fn opened(&mut self, result: Result<(ReceiptInfo, Corrections), String>) {
        match result {
            Ok((info, offered)) => {
                self.shown = Some(info);
                self.offered = offered;
                self.correction = None;
            }
            Err(e) => (self.error, self.error_field) = (Some(e), None),
        }
    }

    fn reprint(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let Some(receipt) = self.shown.as_ref().map(|i| i.receipt.clone()) else { return Task::none() };
        let actor = actor.clone();
        Task::perform(ctx.worker.call(move |ledger| citytill::ops::receipt_doc::record_reprint(ledger, &actor, &receipt)), Message::Reprinted)
    }

    fn reprinted(&mut self, result: Result<ReceiptInfo, String>, ctx: &Context) {
        match result {
            Ok(info) => {
                self.notice = Some(match receipt_document(&ctx.settings, &info, ctx.training, true).and_then(|document| ctx.devices.print(&document)) {
                    Ok(_) => format!("Reprint of {} sent to the printer (marked DUPLICATE, reprint #{})", info.receipt, info.reprints),
                    Err(e) => format!("Reprint of {} recorded but not printed: {e}", info.receipt),
                });
                self.shown = Some(info);
            }
            Err(e) => (self.error, self.error_field) = (Some(e), None),
        }
    }

    /// Whether the shown receipt can take `correction` (from the signed-in user).
    pub fn offers(&self, correction: Correction) -> bool {
        self.shown.is_some()
            && match correction {
                Correction::Void => self.offered.void,
                Correction::Refund => self.offered.refund,
                Correction::ReturnedCheck => self.offered.returned_check,
            }
    }

    fn start(&mut self, correction: Correction) -> Task<Message> {
        if !self.offers(correction) {
            return Task::none();
        }
        self.correction = Some(correction);
        self.approval = Approval::default();
        self.reason.clear();
        self.refund_amount = self.shown.as_ref().map(|i| i.total.saturating_sub(i.refunded).to_string()).unwrap_or_default();
        self.error = None;
        self.notice = None;
        iced::widget::operation::focus(REASON_ID)
    }

    /// Checks the supervisor (refusing self-approval, audited by the library) and records the correction.
    fn confirm(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let (Some(correction), Some(info)) = (self.correction, self.shown.as_ref()) else { return Task::none() };
        if self.busy {
            return Task::none();
        }
        let refund_amount = match correction {
            Correction::Refund => match Money::parse_positive("refund amount", &self.refund_amount, ctx.max_amount()) {
                Ok(amount) => Some(amount),
                Err(e) => return self.refuse(e.to_string()),
            },
            _ => None,
        };
        self.busy = true;
        let (settings, actor, receipt) = (ctx.settings.clone(), actor.clone(), info.receipt.clone());
        let (approver, pin, reason) = (self.approval.approver.trim().to_string(), std::mem::take(&mut self.approval.pin), self.reason.clone());
        Task::perform(
            ctx.worker.call(move |ledger| {
                let approving = auth::approve(ledger, &settings, &actor, &approver, &pin, correction.label())?;
                match (correction, refund_amount) {
                    (Correction::Void, _) => reversal::void(ledger, &actor, &approving, &receipt, &reason).map(|r| format!("Receipt {r} voided")),
                    (Correction::Refund, Some(amount)) => reversal::refund(ledger, &actor, &approving, &receipt, amount, &reason).map(|r| format!("Refunded {amount} cash on {r}")),
                    (Correction::Refund, None) => Err(citytill::Error::invalid("refund amount", "required")),
                    (Correction::ReturnedCheck, _) => reversal::returned_check(ledger, &actor, &approving, &receipt, &settings.policy.returned_check_fee)
                        .map(|(r, check, fee)| format!("Returned check {check} recorded on {r}; fee {fee} charged")),
                }
            }),
            Message::Corrected,
        )
    }

    fn corrected(&mut self, result: Result<String, String>, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        self.busy = false;
        match result {
            Ok(notice) => {
                self.notice = Some(notice);
                self.correction = None;
                self.approval = Approval::default();
                let shown = self.shown.as_ref().map(|i| i.receipt.clone());
                let task = shown.map_or_else(Task::none, |receipt| self.load(receipt, ctx, actor));
                (task, Some(Event::Changed))
            }
            Err(e) => {
                let task = self.refuse(e);
                let task = if self.error_field.is_some() { task } else { iced::widget::operation::focus("approver-pin") };
                (task, None)
            }
        }
    }

    fn cancel(&mut self) -> (Task<Message>, Option<Event>) {
        if self.correction.take().is_some() {
            self.approval = Approval::default();
            self.error = None;
            return (self.focus(), None);
        }
        (Task::none(), Some(Event::Back))
    }

    /// Esc cancels or goes back; with a receipt shown F5 reprints, and F6 voids, F7 refunds, F8 records a
    /// returned check — each only where the receipt can take it.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        let shown = self.shown.is_some();
        match shortcut {
            Shortcut::Cancel => Some(Message::Cancel),
            Shortcut::F5 if shown => Some(Message::Reprint),
            Shortcut::F9 if self.offers_slip(SlipPrint::Endorse) && self.correction.is_none() => Some(Message::Slip(SlipPrint::Endorse)),
            Shortcut::F11 if self.offers_slip(SlipPrint::Validate) && self.correction.is_none() => Some(Message::Slip(SlipPrint::Validate)),
            other if Move::from_shortcut(other).is_some() && !self.found.is_empty() && self.correction.is_none() => Move::from_shortcut(other).map(Message::Move),
            other => CORRECTIONS.into_iter().find(|(_, _, key)| *key == other).map(|(c, _, _)| c).filter(|c| self.offers(*c)).map(Message::Start),
        }
    }

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
        if self.correction.is_some() {
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
        let Some(correction) = self.correction else {
            return container(receipt).padding(14).style(theme::container::card).width(Length::Fill).into();
        };
        // The receipt scrolls in what is left; the approval form below it always shows whole.
        let body = column![receipt.height(Length::Fill), self.approval_view(correction)].spacing(theme::GAP);
        container(body).padding(14).style(theme::container::card).width(Length::Fill).height(Length::Fill).into()
    }

    fn approval_view(&self, correction: Correction) -> Element<'_, Message> {
        // The reason, the refund amount and the supervisor's name and PIN share one row (Tab moves along it).
        let mut fields = vec![widgets::checked_field("Reason", REASON_ID, &self.reason, Message::Reason, Some(Message::NextField), self.refusal(REASON_ID))];
        if correction == Correction::Refund {
            fields.push(widgets::checked_field(
                "Refund amount (cash)",
                "receipts-refund-amount",
                &self.refund_amount,
                Message::RefundAmount,
                Some(Message::NextField),
                self.refusal("receipts-refund-amount"),
            ));
        }
        let [name, pin] = widgets::approval_fields(&self.approval, Message::Approver, Message::Pin, Message::Confirm);
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

#[path = "receipts_slip.rs"]
mod slip;
pub use slip::SlipPrint;
#[cfg(test)]
pub use slip::SLIP_MARGIN;

#[cfg(test)]
#[path = "receipts_tests.rs"]
mod tests;
