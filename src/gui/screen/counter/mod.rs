//! The counter (home): lookup → cart → tenders → complete → receipt printed → drawer kicked → next customer.
//!
//! The fast path: scan the stub (the payable lands in the cart at its balance and focus jumps to the
//! amount), type the cash handed over, press Enter: the payment is recorded, printed, the drawer opens
//! and the change is shown large. Enter on an empty amount tenders exactly what is due — only while nothing
//! is tendered yet; after a partial tender it just says what is still due. Cash that looks implausible (change
//! beyond a drawer's limit, or many times the amount due) is confirmed with a second Enter; change the drawer
//! cannot give is refused (both decided by `ops::payment`). The cart's arithmetic is `ops::payment::Cart`'s.
//! A check, card, money order or ACH tender has one input per detail (routing, account, check number;
//! brand, last 4, auth, reference), Tab between them; a MICR scan fills the check's; a refused detail is
//! named under its own input with the bad text selected.

mod lookup;
mod search;
mod view;

use citytill::domain::payable::{FeeRow, PayableRow};
use citytill::domain::states::DrawerState;
use citytill::domain::tender::{contains_card_number, Tender, TenderError, TenderField, TenderFields, TenderKind};
use citytill::ops::auth::Actor;
use citytill::ops::payment::{self, Cart, PaymentResult};
use citytill::ops::query::{self, ReceiptInfo};
use citytill::Money;
use citytill_hardware::device::ScanData;
use iced::widget::operation::{focus, select_all};
use iced::Task;

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::list_nav::Move;
use crate::gui::receipt_doc::receipt_document;
use crate::gui::worker::WorkerError;
use search::Search;

pub use citytill::ops::payment::CartItem;
pub use lookup::Found;

pub const LOOKUP_ID: &str = "counter-lookup";
pub const AMOUNT_ID: &str = "counter-amount";
pub const RESULTS_ID: &str = "counter-results";
/// Most search results shown while typing.
pub const RESULTS_LIMIT: usize = 8;

/// The widget id of a tender detail's input.
pub fn field_id(field: TenderField) -> &'static str {
    match field {
        TenderField::Routing => "counter-routing",
        TenderField::Account => "counter-account",
        TenderField::Number => "counter-number",
        TenderField::Brand => "counter-brand",
        TenderField::Last4 => "counter-last4",
        TenderField::Auth => "counter-auth",
        TenderField::Reference => "counter-reference",
    }
}

/// The last completed payment, shown until the next customer starts.
#[derive(Clone, Debug)]
pub struct Completed {
    pub result: PaymentResult,
    pub info: ReceiptInfo,
    pub print: Printing,
    pub drawer: Printing,
}

/// Where the payment is between Complete and the next customer: one of these at a time.
#[derive(Debug, Default)]
enum Payment {
    /// Being keyed (or nothing yet).
    #[default]
    Keying,
    /// Complete was pressed: the ledger thread is recording it (Complete and the remove buttons wait).
    Recording,
    /// The question `ops::payment` asked about implausible cash: Enter records the payment, Esc takes the tender back.
    Confirming(String),
    /// The last payment recorded, shown until the next customer starts.
    Completed(Box<Completed>),
}

/// What happened to a receipt print or a drawer kick (they never undo the payment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Printing {
    NotNeeded,
    Queued(u64),
    Done,
    Failed(String),
}

/// The tender being typed: its kind, amount and details, and what was refused in them.
#[derive(Debug)]
struct TenderForm {
    kind: TenderKind,
    amount: String,
    /// The details as typed, one input each (only those of `kind` are shown).
    fields: TenderFields,
    /// The detail the last tender was refused for, and why: shown under that input.
    field_error: Option<(TenderField, String)>,
    /// A refused amount: written under the amount, whose text is selected so typing replaces it.
    amount_error: Option<String>,
}

impl Default for TenderForm {
    fn default() -> TenderForm {
        TenderForm { kind: TenderKind::Cash, amount: String::new(), fields: TenderFields::default(), field_error: None, amount_error: None }
    }
}

/// The screen's state is its own: the app sends it `Message`s (and scans), hears `Event`s, and reads it only
/// through the accessors below (the customer display reads the cart and the last payment). The lookup and the
/// tender being typed are each one value, emptied whole.
#[derive(Debug, Default)]
pub struct Counter {
    search: Search,
    cart: Cart,
    /// The city's convenience fees (`[convenience_fee]`), given to every new cart so it shows the fee it will charge.
    fees: citytill::domain::convenience_fee::ConvenienceFees,
    tender: TenderForm,
    error: Option<String>,
    payment: Payment,
    /// Why this cashier cannot start a payment (no open drawer, or one counted and awaiting approval), as the
    /// window last heard it; said at the first lookup, not after the payment is keyed. The ledger refuses anyway.
    drawer_refusal: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Message {
    LookupChanged(String),
    LookupSubmitted,
    Searched(u64, Result<(Vec<PayableRow>, Option<FeeRow>), WorkerError>),
    Found(Result<Found, WorkerError>),
    Pick(usize),
    PickFee,
    /// Up/Down, PageUp/PageDown, Home/End in the offered rows.
    Move(Move),
    LineAmount(usize, String),
    /// Enter on a line amount: on to the tender amount.
    FocusAmount,
    RemoveLine(usize),
    Kind(TenderKind),
    Amount(String),
    /// A tender detail typed into its input.
    Field(TenderField, String),
    /// Enter in a detail's input: on to the next one; in the last one (or with a MICR line in a check's), tender.
    FieldSubmitted(TenderField),
    AmountSubmitted,
    RemoveTender(usize),
    Paid(Result<Paid, WorkerError>),
    Reprint,
    Reprinted(Box<Result<ReceiptInfo, WorkerError>>),
    Clear,
}

/// What the ledger thread answered to Complete.
#[derive(Clone, Debug)]
pub enum Paid {
    /// Boxed: a receipt is large beside a question.
    Recorded(Box<(PaymentResult, ReceiptInfo)>),
    /// Nothing recorded yet: the cash looks implausible; ask this question first.
    Confirm(String),
}

/// What the counter tells the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A receipt barcode was scanned: show it on the Receipts screen.
    OpenReceipt(String),
    /// A payment was recorded (refresh the status bar).
    Paid,
}

impl Counter {
    /// A counter whose carts charge the city's convenience fees.
    pub fn with_fees(fees: citytill::domain::convenience_fee::ConvenienceFees) -> Counter {
        Counter { fees, ..Counter::default() }
    }

    pub fn focus(&self) -> Task<Message> {
        focus(if self.cart.is_empty() { LOOKUP_ID } else { AMOUNT_ID })
    }

    /// The cart being paid (what the customer display shows).
    pub fn cart(&self) -> &Cart {
        &self.cart
    }

    /// The last payment recorded, while it is shown.
    pub fn completed(&self) -> Option<&Completed> {
        match &self.payment {
            Payment::Completed(completed) => Some(completed),
            _ => None,
        }
    }

    fn completed_mut(&mut self) -> Option<&mut Completed> {
        match &mut self.payment {
            Payment::Completed(completed) => Some(completed),
            _ => None,
        }
    }

    /// Whether a payment is being recorded on the ledger thread.
    fn recording(&self) -> bool {
        matches!(self.payment, Payment::Recording)
    }

    /// The question asked about implausible cash, while it waits for Enter or Esc.
    fn question(&self) -> Option<&str> {
        match &self.payment {
            Payment::Confirming(question) => Some(question),
            _ => None,
        }
    }

    /// The payment shown is put away (the next customer has started); a payment being recorded or a question
    /// asked stays.
    fn next_customer(&mut self) {
        if matches!(self.payment, Payment::Completed(_)) {
            self.payment = Payment::Keying;
        }
    }

    /// A question asked is withdrawn (the figures it was about changed); anything else stays.
    fn withdraw_question(&mut self) {
        if matches!(self.payment, Payment::Confirming(_)) {
            self.payment = Payment::Keying;
        }
    }

    /// The error in the counter's banner, if any.
    #[cfg(test)]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Whether the counter shows an error (in its banner or under the amount): the app's one-off line gives way.
    pub fn shows_error(&self) -> bool {
        self.error.is_some() || self.tender.amount_error.is_some()
    }

    /// The signed-in cashier's drawer as the status bar last read it (None: no drawer): whether payments can start.
    pub fn drawer_known(&mut self, drawer: Option<&query::Drawer>) {
        self.drawer_refusal = drawer_refusal(drawer);
    }

    /// The cashier has just opened a drawer: payments can start.
    pub fn drawer_opened(&mut self) {
        self.drawer_refusal = None;
    }

    /// A scan from another screen could not be read: the counter (now shown) says why.
    pub fn scan_refused(&mut self, reason: String) {
        self.error = Some(reason);
    }

    /// Total of the cart lines whose amounts parse.
    pub fn total_due(&self) -> Money {
        self.cart.total_due()
    }

    pub fn tendered(&self) -> Money {
        self.cart.tendered()
    }

    /// What is still to tender (never negative).
    pub fn remaining(&self) -> Money {
        self.cart.remaining()
    }

    pub fn update(&mut self, message: Message, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        if matches!(message, Message::LineAmount(..) | Message::RemoveLine(_) | Message::Kind(_) | Message::Amount(_) | Message::Field(..) | Message::RemoveTender(_) | Message::LookupChanged(_)) {
            // The form changed: a pending confirmation was about the old figures.
            self.withdraw_question();
        }
        match message {
            Message::LookupChanged(text) => return (self.lookup_changed(text, ctx), None),
            Message::LookupSubmitted => return self.lookup_submitted(ctx),
            Message::Searched(generation, result) => self.searched(generation, result),
            Message::Found(result) => return self.found(result),
            Message::Pick(index) => return (self.pick(index), None),
            Message::PickFee => return (self.pick_fee(), None),
            Message::Move(movement) => return (self.move_highlight(movement), None),
            Message::LineAmount(index, text) => self.line_amount(index, text),
            Message::FocusAmount => return (focus(AMOUNT_ID), None),
            Message::RemoveLine(index) => return (self.remove_line(index), None),
            Message::Kind(kind) => return (self.kind(kind), None),
            Message::Amount(text) => {
                self.tender.amount = text;
                self.tender.amount_error = None;
            }
            Message::Field(field, text) => self.field(field, text),
            Message::FieldSubmitted(field) => return self.field_submitted(field, ctx, actor),
            Message::AmountSubmitted => return self.amount_submitted(ctx, actor),
            Message::RemoveTender(index) => return (self.remove_tender(index), None),
            Message::Paid(result) => return self.paid(result, ctx),
            Message::Reprint => return (self.reprint(ctx, actor), None),
            Message::Reprinted(result) => self.reprinted(*result, ctx),
            Message::Clear => return (self.clear(), None),
        }
        (Task::none(), None)
    }

    /// F-keys, Esc, Ctrl+D (last cart line) and Ctrl+Shift+D (last tender) while the counter is shown.
    pub fn shortcut(&mut self, shortcut: Shortcut) -> Option<Message> {
        match shortcut {
            Shortcut::F5 => Some(Message::Kind(TenderKind::Cash)),
            Shortcut::F6 => Some(Message::Kind(TenderKind::Check)),
            Shortcut::F7 => Some(Message::Kind(TenderKind::MoneyOrder)),
            Shortcut::F8 => Some(Message::Kind(TenderKind::Card)),
            Shortcut::F9 => Some(Message::Kind(TenderKind::Ach)),
            Shortcut::F12 => Some(Message::Reprint),
            Shortcut::Cancel => Some(Message::Clear),
            Shortcut::RemoveLine => self.cart.lines().len().checked_sub(1).map(Message::RemoveLine),
            Shortcut::RemoveTender => self.cart.tenders().len().checked_sub(1).map(Message::RemoveTender),
            other => Move::from_shortcut(other).filter(|_| self.offered() > 0).map(Message::Move),
        }
    }

    /// A line from the serial scanner: stubs go to the lookup, MICR lines fill a check tender.
    pub fn scanned(&mut self, data: ScanData) -> Option<Message> {
        match data {
            ScanData::Stub(line) | ScanData::Unknown(line) => {
                self.search.text = line;
                self.search.scanned = true;
                Some(Message::LookupSubmitted)
            }
            ScanData::Micr(micr) => {
                self.fill_from_micr(&micr);
                if let (Some(cents), true) = (micr.amount_cents, self.tender.amount.is_empty()) {
                    self.tender.amount = Money::from_cents(cents).to_string();
                }
                None
            }
        }
    }

    /// A check's MICR line (from the serial reader or typed by a wedge one) fills the check's routing, account
    /// (its last 4 only, as the reader gives it) and check number.
    fn fill_from_micr(&mut self, micr: &citytill_hardware::micr::Micr) {
        let fields = TenderFields { routing: micr.routing.clone(), account: micr.account_last4.clone(), number: micr.check_number.clone().unwrap_or_default(), ..TenderFields::default() };
        self.tender = TenderForm { kind: TenderKind::Check, amount: std::mem::take(&mut self.tender.amount), fields, ..TenderForm::default() };
    }

    /// A keyboard-wedge reader typed `line` + Enter into whichever field had the focus (`App` saw the fast burst).
    /// In the lookup it is already looked up (its Enter did that). A MICR line in a check's detail is what those
    /// inputs are for. Anywhere else (the amount, other details, a line amount) it is taken back out of the field, the
    /// refusal its Enter got is dropped, and it is looked up like a scan. None when there is nothing more to do.
    pub fn wedge_scan(&mut self, line: &str) -> Option<Message> {
        let line = line.trim();
        if line.is_empty() || self.search.text.trim() == line {
            return None;
        }
        let is_micr = citytill_hardware::micr::parse(line, None).is_ok();
        let mut fields: Vec<&mut String> = vec![&mut self.tender.amount];
        if !(is_micr && self.tender.kind == TenderKind::Check) {
            let TenderFields { routing, account, number, brand, last4, auth, reference } = &mut self.tender.fields;
            fields.extend([routing, account, number, brand, last4, auth, reference]);
        }
        fields.extend(self.cart.line_amounts_mut());
        let field = fields.into_iter().find(|field| field.trim_end().ends_with(line))?;
        let kept = field.trim_end().len() - line.len();
        field.truncate(kept);
        self.error = None;
        match citytill_hardware::scanner::classify(line, None) {
            Ok(data) => self.scanned(data),
            Err(reason) => {
                self.error = Some(format!("scan: {reason}"));
                None
            }
        }
    }

    /// Adds a line at the amount due (a stub's amount, the balance, or the fixed fee) and moves focus to the amount.
    fn add(&mut self, item: CartItem, amount: Option<Money>) -> Task<Message> {
        if let Some(refusal) = self.drawer_refusal.clone().filter(|_| self.cart.is_empty()) {
            // The payment would start here: say now that it cannot be taken, not after it is keyed.
            self.error = Some(refusal);
            return focus(LOOKUP_ID);
        }
        if let CartItem::Payable(row) = &item {
            if citytill::domain::payable::status_blocks_payment(&row.status) {
                self.error = Some(format!("account: {} is {}; it cannot take payments — send the customer to the supervisor", row.number, row.status));
                return focus(LOOKUP_ID);
            }
        }
        self.next_customer();
        let default = match &item {
            CartItem::Payable(row) => amount.unwrap_or(row.balance),
            CartItem::Fee(fee) => fee.amount.unwrap_or(Money::ZERO),
            CartItem::Account(_) | CartItem::FeeCode(_) => amount.unwrap_or(Money::ZERO),
        };
        let amount = if default.is_zero() || default.is_negative() { String::new() } else { default.to_string() };
        let needs_amount = amount.is_empty();
        if self.cart.lines().is_empty() && self.cart.tenders().is_empty() {
            self.cart = Cart::with_convenience_fees(self.fees.clone());
        }
        self.cart.add_line(item, amount);
        self.search.clear();
        self.error = None;
        // A variable fee (or nothing due) needs its amount typed on the line first.
        if needs_amount {
            focus(line_id(self.cart.lines().len() - 1))
        } else {
            focus(AMOUNT_ID)
        }
    }

    fn line_amount(&mut self, index: usize, text: String) {
        self.cart.set_line_amount(index, text);
    }

    /// Drops a cart line (not while a payment is being recorded from it); focus goes back where typing
    /// continues, since the removed line's amount field may have had it.
    fn remove_line(&mut self, index: usize) -> Task<Message> {
        if self.recording() || !self.cart.remove_line(index) {
            return Task::none();
        }
        self.focus()
    }

    /// F5..F9: the tender's kind; focus goes to its first detail (the amount for cash).
    fn kind(&mut self, kind: TenderKind) -> Task<Message> {
        if kind != self.tender.kind {
            // Another kind's details: the amount typed stays, the details and their refusals go.
            self.tender = TenderForm { kind, amount: std::mem::take(&mut self.tender.amount), ..TenderForm::default() };
        }
        match TenderField::of(kind).first() {
            Some(first) => focus(field_id(*first)),
            None => focus(AMOUNT_ID),
        }
    }

    fn field(&mut self, field: TenderField, text: String) {
        *self.tender.fields.get_mut(field) = text;
        if self.tender.field_error.as_ref().is_some_and(|(bad, _)| *bad == field) {
            self.tender.field_error = None;
        }
    }

    /// Enter in a detail's input. A MICR line typed there by a wedge check reader fills the check's details and
    /// tenders; Enter in the last detail tenders; in an earlier one it moves on to the next.
    fn field_submitted(&mut self, field: TenderField, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        if self.tender.kind == TenderKind::Check {
            if let Ok(micr) = citytill_hardware::micr::parse(self.tender.fields.get(field).trim(), None) {
                self.fill_from_micr(&micr);
                return self.amount_submitted(ctx, actor);
            }
        }
        let fields = TenderField::of(self.tender.kind);
        match fields.iter().position(|f| *f == field).and_then(|at| fields.get(at + 1)) {
            Some(next) => (focus(field_id(*next)), None),
            None => self.amount_submitted(ctx, actor),
        }
    }

    /// Drops a tender (not while a payment is being recorded with it); focus goes back to the amount.
    fn remove_tender(&mut self, index: usize) -> Task<Message> {
        if self.recording() || !self.cart.remove_tender(index) {
            return Task::none();
        }
        self.focus()
    }

    /// Enter in the amount field: add the tender (empty = what is due, before any tender); complete once covered.
    fn amount_submitted(&mut self, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        self.error = None;
        self.tender.field_error = None;
        self.tender.amount_error = None;
        if self.cart.is_empty() {
            return (focus(LOOKUP_ID), None);
        }
        if let Err(error) = self.cart.check_lines() {
            self.error = Some(error);
            return (Task::none(), None);
        }
        let typed = self.tender.amount.trim().to_string();
        let amount_text = match (typed.is_empty(), self.cart.exact_amount_for(self.tender.kind)) {
            (false, _) => typed,
            (true, Some(exact)) => exact.to_string(),
            (true, None) => {
                // A bare Enter means "the exact amount" only before anything is tendered; after a partial tender
                // it records nothing (money never received must not be tendered by a key press) and says what is due.
                if self.question().is_some() {
                    return (self.complete(ctx, actor, true), None);
                }
                if self.cart.covered() {
                    return (self.complete(ctx, actor, false), None);
                }
                self.error = Some(format!("Still due {}: type the amount of the next tender (Enter alone is the exact amount only before any tender)", self.remaining().grouped()));
                return (focus(AMOUNT_ID), None);
            }
        };
        let amount = match Money::parse_positive(&format!("tender {}", self.tender.kind.as_str()), &amount_text, ctx.max_amount()) {
            Ok(amount) => amount,
            Err(error) => {
                let card_number = contains_card_number(&self.tender.amount);
                if card_number {
                    self.tender.amount.clear(); // like every other field: a card number is not kept
                }
                self.tender.amount_error = Some(error.to_string());
                return (if card_number { focus(AMOUNT_ID) } else { focus(AMOUNT_ID).chain(select_all(AMOUNT_ID)) }, None);
            }
        };
        match Tender::from_fields(self.tender.kind, amount, &self.tender.fields) {
            Ok(tender) => {
                self.cart.add_tender(tender);
                self.tender = TenderForm::default();
                if self.cart.covered() {
                    return (self.complete(ctx, actor, false), None);
                }
                (focus(AMOUNT_ID), None)
            }
            Err(error) => (self.refused_field(error), None),
        }
    }

    /// A tender detail was refused: its reason goes under its input, and the bad text is selected so typing
    /// replaces it — except a card number, which is never kept: every input holding one is emptied.
    fn refused_field(&mut self, error: TenderError) -> Task<Message> {
        let id = field_id(error.field);
        let mut card_number = false;
        for field in TenderField::ALL {
            if contains_card_number(self.tender.fields.get(field)) {
                self.tender.fields.get_mut(field).clear();
                card_number = true;
            }
        }
        self.tender.field_error = Some((error.field, error.message));
        if card_number {
            focus(id)
        } else {
            focus(id).chain(select_all(id))
        }
    }

    /// Records the payment on the ledger thread; unless `confirmed`, implausible cash comes back as a question.
    fn complete(&mut self, ctx: &Context, actor: &Actor, confirmed: bool) -> Task<Message> {
        if self.recording() {
            return Task::none();
        }
        self.withdraw_question();
        let request = match self.cart.request() {
            Ok(request) => request,
            Err(error) => {
                self.error = Some(error);
                return Task::none();
            }
        };
        // A cart that can be recorded was picked after the last payment shown, so none is shown now.
        self.payment = Payment::Recording;
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        Task::perform(
            ctx.worker.run(move |ledger| match payment::pay_unless_implausible(ledger, &settings, &actor, &request, confirmed)? {
                payment::Checked::Paid(result) => {
                    let info = query::receipt(&*ledger.read()?, &result.receipt)?;
                    Ok(Paid::Recorded(Box::new((result, info))))
                }
                payment::Checked::Confirm(question) => Ok(Paid::Confirm(question)),
            }),
            Message::Paid,
        )
    }

    /// The payment is recorded: print, kick, show the change, get ready for the next customer.
    fn paid(&mut self, result: Result<Paid, WorkerError>, ctx: &Context) -> (Task<Message>, Option<Event>) {
        if self.recording() {
            self.payment = Payment::Keying;
        }
        let (result, info) = match result {
            Ok(Paid::Recorded(recorded)) => *recorded,
            Ok(Paid::Confirm(question)) => {
                self.payment = Payment::Confirming(question);
                return (focus(AMOUNT_ID), None);
            }
            Err(error) => {
                // A refusal would only come again on Enter: say how to take the tender back. A failure is not the
                // tender's fault: its line says to try again or call IT, and the cart stays as it is.
                let hint = if error.is_refusal() && self.tendered() > self.total_due() { format!(" — take the last tender back [{}]", Shortcut::RemoveTender.label()) } else { String::new() };
                self.error = Some(format!("{error}{hint}"));
                return (focus(AMOUNT_ID), None);
            }
        };
        let print = match receipt_document(&ctx.settings, &info, ctx.training, false).and_then(|document| ctx.devices.print(&document)) {
            Ok(job) => Printing::Queued(job),
            Err(error) => Printing::Failed(error),
        };
        let drawer = if self.cart.opens_drawer(result.change) {
            match ctx.devices.kick() {
                Ok(job) => Printing::Queued(job),
                Err(error) => Printing::Failed(error),
            }
        } else {
            Printing::NotNeeded
        };
        tracing::info!(target: "citytill::window", "payment {} recorded: total {}, change {}; receipt {print:?}; drawer {drawer:?}", result.receipt, result.total, result.change);
        let fees = std::mem::take(&mut self.fees);
        *self = Counter { payment: Payment::Completed(Box::new(Completed { result, info, print, drawer })), fees, ..Counter::default() };
        (focus(LOOKUP_ID), Some(Event::Paid))
    }

    /// A printer or drawer job finished (`failure` = why not).
    pub fn job_outcome(&mut self, job: u64, failure: Option<String>) {
        let Some(completed) = self.completed_mut() else { return };
        for state in [&mut completed.print, &mut completed.drawer] {
            if *state == Printing::Queued(job) {
                *state = match &failure {
                    Some(reason) => Printing::Failed(reason.clone()),
                    None => Printing::Done,
                };
            }
        }
    }

    fn reprint(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let Some(receipt) = self.completed().map(|c| c.info.receipt.clone()) else {
            self.error = Some("reprint: no receipt yet on this screen — find older receipts on the Receipts screen [F2]".into());
            return Task::none();
        };
        Task::perform(
            ctx.worker.run({
                let actor = actor.clone();
                move |ledger| citytill::ops::receipt_doc::record_reprint(ledger, &actor, &receipt)
            }),
            |result| Message::Reprinted(Box::new(result)),
        )
    }

    fn reprinted(&mut self, result: Result<ReceiptInfo, WorkerError>, ctx: &Context) {
        match result {
            Ok(info) => {
                let outcome = receipt_document(&ctx.settings, &info, ctx.training, true).and_then(|document| ctx.devices.print(&document));
                if let Some(completed) = self.completed_mut() {
                    completed.print = match outcome {
                        Ok(job) => Printing::Queued(job),
                        Err(error) => Printing::Failed(error),
                    };
                }
            }
            Err(error) => self.error = Some(error.into()),
        }
    }

    /// Esc: while a confirmation is asked, take the last tender back; else drop the current form (nothing is
    /// recorded until Complete).
    fn clear(&mut self) -> Task<Message> {
        if self.question().is_some() {
            self.payment = Payment::Keying;
            self.cart.pop_tender();
            self.error = None;
            return focus(AMOUNT_ID);
        }
        // The payment shown stays while something is keyed; a payment being recorded is no longer waited for.
        let payment = match std::mem::take(&mut self.payment) {
            Payment::Completed(completed) if !(self.cart.is_empty() && self.cart.tenders().is_empty()) => Payment::Completed(completed),
            _ => Payment::Keying,
        };
        let fees = std::mem::take(&mut self.fees);
        *self = Counter { payment, fees, ..Counter::default() };
        focus(LOOKUP_ID)
    }
}

/// The widget id of a cart line's amount field.
pub fn line_id(index: usize) -> String {
    format!("counter-line-{index}")
}

#[cfg(test)]
mod fields_tests;
#[cfg(test)]
mod tests;

/// What keeps a cashier with this drawer (or none) from taking payments, in the cashier's words.
pub fn drawer_refusal(drawer: Option<&query::Drawer>) -> Option<String> {
    match drawer {
        None => Some("You have no open drawer: open one on the Drawer screen [F3] with a counted float, then take the payment.".into()),
        Some(drawer) if drawer.state != DrawerState::Open => Some(format!("Your drawer {} is counted and waiting for a supervisor to approve the close: it takes no more payments.", drawer.id)),
        Some(_) => None,
    }
}
