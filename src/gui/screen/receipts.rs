//! Receipts: find by number (or scanned barcode), account, date or amount; view; reprint (DUPLICATE);
//! void, refund and returned check with the supervisor's name and PIN on the same screen; on a printer with
//! a slip station, endorse a check (F9) or validate a bill stub (F11) through the devices worker.

use citytill::ops::auth::{self, Actor};
use citytill::ops::query::{self, ReceiptInfo, ReceiptRow};
use citytill::ops::reversal::{self, Corrections};
use citytill::Money;
use iced::Task;

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::list_nav::{self, Move};
use crate::gui::receipt_doc::receipt_document;
use crate::gui::widgets::Approval;
use crate::gui::worker::WorkerError;

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

/// A correction being approved: which one, and its form (leaving the correction drops what was typed in it).
#[derive(Clone, Debug)]
struct CorrectionForm {
    correction: Correction,
    approval: Approval,
    reason: String,
    refund_amount: String,
}

/// The screen's state is its own: the app sends it `Message`s, hears `Event`s, and asks only the accessors below.
#[derive(Debug, Default)]
pub struct Receipts {
    number: String,
    account: String,
    date: String,
    amount: String,
    /// The receipts the last search found, each with its amount, payer and status.
    found: Vec<ReceiptRow>,
    /// The keyboard highlight in `found`; Enter opens it.
    highlighted: Option<usize>,
    shown: Option<ReceiptInfo>,
    /// The corrections the shown receipt can take from the signed-in user (only these are offered).
    offered: Corrections,
    /// The correction being approved, if one is: the screen shows only it.
    correcting: Option<CorrectionForm>,
    error: Option<String>,
    /// The field of the open form the error is about (written under it), if it names one.
    error_field: Option<&'static str>,
    notice: Option<String>,
    busy: bool,
    /// The configured printer's slip station (None: endorsing and validating are not offered).
    slip: Option<crate::gui::devices::Slip>,
    /// The slip job waiting for its paper or printing: its job id, what it prints, and the receipt.
    slip_job: Option<(u64, SlipPrint, String)>,
    /// When the slip job was queued: one that never reports back is given up after its wait and a margin.
    slip_since: Option<std::time::Instant>,
}

#[derive(Clone, Debug)]
pub enum Message {
    Number(String),
    Account(String),
    Date(String),
    Amount(String),
    Search,
    Found(Result<Vec<ReceiptRow>, WorkerError>),
    /// Up/Down, PageUp/PageDown, Home/End in the list of found receipts.
    Move(Move),
    Open(String),
    Opened(Result<(ReceiptInfo, Corrections), WorkerError>),
    Reprint,
    Reprinted(Result<ReceiptInfo, WorkerError>),
    Start(Correction),
    Approver(String),
    Pin(String),
    Reason(String),
    RefundAmount(String),
    Confirm,
    /// Enter in a field that is not the last: on to the next one.
    NextField,
    Corrected(Result<String, WorkerError>),
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
        iced::widget::operation::focus(if self.correcting.is_some() { REASON_ID } else { NUMBER_ID })
    }

    /// The error shown (under its field or in the banner), if any.
    #[cfg(test)]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The confirmation shown, if any.
    #[cfg(test)]
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// The receipt shown, if any.
    #[cfg(test)]
    pub fn shown(&self) -> Option<&ReceiptInfo> {
        self.shown.as_ref()
    }

    /// The correction being approved, if one is.
    fn correction(&self) -> Option<Correction> {
        self.correcting.as_ref().map(|form| form.correction)
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
            Message::Approver(t) => self.edit_correction(|form| form.approval.approver = t),
            Message::Pin(t) => self.edit_correction(|form| form.approval.pin = t),
            Message::Reason(t) => self.edit_correction(|form| form.reason = t),
            Message::RefundAmount(t) => self.edit_correction(|form| form.refund_amount = t),
            Message::Confirm => return (self.confirm(ctx, actor), None),
            Message::NextField => return (iced::widget::operation::focus_next(), None),
            Message::Corrected(result) => return self.corrected(result, ctx, actor),
            Message::Cancel => return self.cancel(),
            Message::Slip(print) => self.print_slip(print, ctx, actor),
        }
        (Task::none(), None)
    }

    /// Typing into the open correction's form (there is nothing to type into without one).
    fn edit_correction(&mut self, edit: impl FnOnce(&mut CorrectionForm)) {
        if let Some(form) = self.correcting.as_mut() {
            edit(form);
        }
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

    /// Shows a refusal under the field it names when the screen shows that field (focus there, the bad text
    /// selected so typing replaces it), else in the banner; a failure always in the banner.
    fn refuse(&mut self, error: WorkerError) -> Task<Message> {
        self.error_field = error.field_on(&self.form_fields());
        self.error = Some(error.into());
        match self.error_field {
            Some(id) => iced::widget::operation::focus(id).chain(iced::widget::operation::select_all(id)),
            None => Task::none(),
        }
    }

    /// The fields on screen, by the name a refusal gives them: the correction form while one is open (the
    /// search is not shown then; the library calls the refund amount "amount"), else the search.
    fn form_fields(&self) -> Vec<(&'static str, &'static str)> {
        match self.correction() {
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
            return self.refuse(WorkerError::refused(format!("{field}: that looks like a card number; card numbers are never typed into CityTill")));
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
                Err(e) => return self.refuse(WorkerError::refused(e.to_string())),
            },
        };
        let account = Some(self.account.trim().to_string()).filter(|t| !t.is_empty());
        let date = Some(self.date.trim().to_string()).filter(|t| !t.is_empty());
        Task::perform(ctx.worker.run(move |ledger| query::find_receipt_rows(&*ledger.read()?, account.as_deref(), date.as_deref(), amount, LIMIT)), Message::Found)
    }

    fn found(&mut self, result: Result<Vec<ReceiptRow>, WorkerError>) {
        match result {
            Ok(found) if found.is_empty() => (self.error, self.error_field) = (Some("receipts: none match; check the account, date (YYYY-MM-DD) or amount".into()), None),
            Ok(found) => {
                self.found = found;
                self.highlighted = None;
            }
            Err(e) => (self.error, self.error_field) = (Some(e.into()), None),
        }
    }

    /// Loads a receipt and the corrections it can take from `actor`.
    fn load(&mut self, receipt: String, ctx: &Context, actor: &Actor) -> Task<Message> {
        self.error = None;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.run(move |ledger| {
                let info = query::receipt(&*ledger.read()?, &receipt)?;
                let offered = reversal::corrections(ledger, &actor, &info)?;
                Ok((info, offered))
            }),
            Message::Opened,
        )
    }

    fn opened(&mut self, result: Result<(ReceiptInfo, Corrections), WorkerError>) {
        match result {
            Ok((info, offered)) => {
                self.shown = Some(info);
                self.offered = offered;
                self.correcting = None;
            }
            Err(e) => (self.error, self.error_field) = (Some(e.into()), None),
        }
    }

    fn reprint(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let Some(receipt) = self.shown.as_ref().map(|i| i.receipt.clone()) else { return Task::none() };
        let actor = actor.clone();
        Task::perform(ctx.worker.run(move |ledger| citytill::ops::receipt_doc::record_reprint(ledger, &actor, &receipt)), Message::Reprinted)
    }

    fn reprinted(&mut self, result: Result<ReceiptInfo, WorkerError>, ctx: &Context) {
        match result {
            Ok(info) => {
                self.notice = Some(match receipt_document(&ctx.settings, &info, ctx.training, true).and_then(|document| ctx.devices.print(&document)) {
                    Ok(_) => format!("Reprint of {} sent to the printer (marked DUPLICATE, reprint #{})", info.receipt, info.reprints),
                    Err(e) => format!("Reprint of {} recorded but not printed: {e}", info.receipt),
                });
                self.shown = Some(info);
            }
            Err(e) => (self.error, self.error_field) = (Some(e.into()), None),
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
        let refund_amount = self.shown.as_ref().map(|i| i.total.saturating_sub(i.refunded).to_string()).unwrap_or_default();
        self.correcting = Some(CorrectionForm { correction, approval: Approval::default(), reason: String::new(), refund_amount });
        self.error = None;
        self.notice = None;
        iced::widget::operation::focus(REASON_ID)
    }

    /// Checks the supervisor (refusing self-approval, audited by the library) and records the correction.
    fn confirm(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let (Some(form), Some(info)) = (self.correcting.as_mut(), self.shown.as_ref()) else { return Task::none() };
        if self.busy {
            return Task::none();
        }
        let correction = form.correction;
        let refund_amount = match correction {
            Correction::Refund => match Money::parse_positive("refund amount", &form.refund_amount, ctx.max_amount()) {
                Ok(amount) => Some(amount),
                Err(e) => return self.refuse(WorkerError::refused(e.to_string())),
            },
            _ => None,
        };
        let (settings, actor, receipt) = (ctx.settings.clone(), actor.clone(), info.receipt.clone());
        let (approver, pin, reason) = (form.approval.approver.trim().to_string(), std::mem::take(&mut form.approval.pin), form.reason.clone());
        self.busy = true;
        Task::perform(
            ctx.worker.run(move |ledger| {
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

    fn corrected(&mut self, result: Result<String, WorkerError>, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        self.busy = false;
        match result {
            Ok(notice) => {
                self.notice = Some(notice);
                self.correcting = None;
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
        if self.correcting.take().is_some() {
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
            Shortcut::F9 if self.offers_slip(SlipPrint::Endorse) && self.correcting.is_none() => Some(Message::Slip(SlipPrint::Endorse)),
            Shortcut::F11 if self.offers_slip(SlipPrint::Validate) && self.correcting.is_none() => Some(Message::Slip(SlipPrint::Validate)),
            other if Move::from_shortcut(other).is_some() && !self.found.is_empty() && self.correcting.is_none() => Move::from_shortcut(other).map(Message::Move),
            other => CORRECTIONS.into_iter().find(|(_, _, key)| *key == other).map(|(c, _, _)| c).filter(|c| self.offers(*c)).map(Message::Start),
        }
    }
}

#[path = "receipts_slip.rs"]
mod slip;
#[path = "receipts_view.rs"]
mod view;
pub use slip::SlipPrint;
#[cfg(test)]
pub use slip::SLIP_MARGIN;

#[cfg(test)]
#[path = "receipts_tests.rs"]
mod tests;
