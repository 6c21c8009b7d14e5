//! Batches: every batch with its state and control total against its running total, and the mail /
//! drop-box loop — open with the tape's control total and item count, then per item scan the stub, scan
//! the check (MICR), confirm the amount, Enter → next item; balance; approve / reject / reopen with a
//! supervisor's name and PIN on the same screen (the library refuses self-approval; its message is shown).

use citytill::domain::events::{BatchItem, BatchKind};
use citytill::domain::states::BatchState;
use citytill::ops::auth::{self, Actor};
use citytill::ops::batch::{self, BatchSummary};
use citytill::Money;
use citytill_hardware::device::ScanData;
use citytill_hardware::micr::Micr;
use iced::widget::operation::{focus, select_all};
use iced::Task;

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::widgets::Approval;
use crate::gui::worker::WorkerError;

#[path = "batches_items.rs"]
mod items;
#[path = "batches_remove.rs"]
mod remove;
#[path = "batches_view.rs"]
mod view;

pub const CONTROL_TOTAL_ID: &str = "batch-control-total";
pub const CONTROL_ITEMS_ID: &str = "batch-control-items";
pub const STUB_ID: &str = "batch-stub";
pub const MICR_ID: &str = "batch-micr";
pub const AMOUNT_ID: &str = "batch-amount";
pub const REASON_ID: &str = "batch-reason";
pub const REMOVE_ITEM_ID: &str = "batch-remove-item";

/// A supervisor's decision on the selected batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Reopen,
}

impl Decision {
    pub fn key(self) -> Shortcut {
        match self {
            Decision::Approve => Shortcut::F7,
            Decision::Reject => Shortcut::F8,
            Decision::Reopen => Shortcut::F9,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Decision::Approve => "Approve",
            Decision::Reject => "Reject",
            Decision::Reopen => "Reopen",
        }
    }

    /// What the approval is for, as the library journals it.
    fn what(self) -> &'static str {
        match self {
            Decision::Approve => "batch approval",
            Decision::Reject => "batch rejection",
            Decision::Reopen => "batch reopen",
        }
    }

    /// The batch states the decision applies to — the library's own rule (`ops::batch`), which enables the buttons.
    pub fn states(self) -> &'static [BatchState] {
        match self {
            Decision::Approve => batch::APPROVABLE,
            Decision::Reject => batch::REJECTABLE,
            Decision::Reopen => batch::REOPENABLE,
        }
    }

    pub fn applies_to(self, state: BatchState) -> bool {
        self.states().contains(&state)
    }
}

/// What the screen is doing; each form carries its own fields, so leaving a step drops what was typed in it.
#[derive(Clone, Debug, Default)]
enum Step {
    /// The list, with the selected batch's items.
    #[default]
    List,
    /// The open-batch form (kind, control total, item count).
    Opening(OpenForm),
    /// The item loop on the selected open batch: stub → check → amount → Enter.
    Entering(ItemForm),
    /// The decision form: reason and supervisor name + PIN.
    Deciding(DecisionForm),
    /// Taking a mis-keyed item out of the selected open batch: its number and the reason.
    Removing(RemoveForm),
}

/// Which step the screen is at, without its form data (what the app and the tests ask).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    List,
    Opening,
    Entering,
    Deciding(Decision),
    Removing,
}

/// Opening a batch: the tape's kind, control total and item count as typed.
#[derive(Clone, Debug)]
struct OpenForm {
    kind: BatchKind,
    control_total: String,
    control_items: String,
}

impl Default for OpenForm {
    fn default() -> OpenForm {
        OpenForm { kind: BatchKind::Mail, control_total: String::new(), control_items: String::new() }
    }
}

/// One remittance item as it is entered.
#[derive(Clone, Debug, Default)]
struct ItemForm {
    /// The stub line as scanned or typed (a keyed account number also goes here).
    stub: String,
    account: Option<Account>,
    micr: String,
    check: Option<Micr>,
    amount: String,
}

/// A supervisor's decision: why (reject, reopen) and who approves.
#[derive(Clone, Debug)]
struct DecisionForm {
    decision: Decision,
    reason: String,
    approval: Approval,
}

/// Taking an item out: its number or reference, and why.
#[derive(Clone, Debug, Default)]
struct RemoveForm {
    item: String,
    reason: String,
}

/// The batches and, when one is selected, its summary and items.
#[derive(Clone, Debug)]
pub struct Listing {
    pub business_date: String,
    pub batches: Vec<BatchSummary>,
    pub selected: Option<(BatchSummary, Vec<BatchItem>)>,
}

/// The stub's account as found in the ledger.
#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub number: String,
    pub name: String,
    /// The stub's amount due (None when keyed).
    pub due: Option<Money>,
}

/// The screen's state is its own: the app sends it `Message`s and hears `Event`s, and reads it only through
/// the accessors below.
#[derive(Debug, Default)]
pub struct BatchesScreen {
    business_date: String,
    batches: Vec<BatchSummary>,
    selected: Option<BatchSummary>,
    items: Vec<BatchItem>,
    step: Step,
    error: Option<String>,
    /// The field the error is about, when it is one the open form shows: the error is written under it.
    error_field: Option<&'static str>,
    notice: Option<String>,
    busy: bool,
}

#[derive(Clone, Debug)]
pub enum Message {
    Loaded(Result<Box<Listing>, WorkerError>),
    Select(String),
    /// Up / Down on the list: the batch above or below is shown (without starting its item loop — F11 does).
    SelectPrevious,
    SelectNext,
    StartOpen,
    Kind(BatchKind),
    ControlTotal(String),
    ControlItems(String),
    OpenSubmitted,
    Opened(Result<String, WorkerError>),
    /// Resume the item loop on the selected open batch.
    EnterItems,
    Stub(String),
    StubSubmitted,
    StubFound(Result<Option<Account>, WorkerError>),
    Micr(String),
    MicrSubmitted,
    Amount(String),
    /// A check was scanned: confirm its amount next.
    FocusAmount,
    /// Enter on the amount: the item is recorded and the loop starts over at the stub.
    Confirm,
    Added(Result<String, WorkerError>),
    Balance,
    Decide(Decision),
    Reason(String),
    Approver(String),
    Pin(String),
    DecisionSubmitted,
    /// F12: take a held item out of the selected open batch (its number and a reason).
    StartRemove,
    RemoveItem(String),
    RemoveSubmitted,
    Removed(Result<String, WorkerError>),
    /// A balance or a decision was recorded: the line to show.
    Done(Result<String, WorkerError>),
    NextField,
    Cancel,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Back,
}

impl BatchesScreen {
    pub fn mode(&self) -> Mode {
        match &self.step {
            Step::List => Mode::List,
            Step::Opening(_) => Mode::Opening,
            Step::Entering(_) => Mode::Entering,
            Step::Deciding(form) => Mode::Deciding(form.decision),
            Step::Removing(_) => Mode::Removing,
        }
    }

    #[cfg(test)]
    /// The batch list as last loaded (today's and every one still waiting for something).
    pub fn batches(&self) -> &[BatchSummary] {
        &self.batches
    }

    #[cfg(test)]
    pub fn selected(&self) -> Option<&BatchSummary> {
        self.selected.as_ref()
    }

    #[cfg(test)]
    /// The selected batch's items (held and posted).
    pub fn items(&self) -> &[BatchItem] {
        &self.items
    }

    #[cfg(test)]
    /// The refusal or failure now shown, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    fn item_form(&mut self) -> Option<&mut ItemForm> {
        match &mut self.step {
            Step::Entering(form) => Some(form),
            _ => None,
        }
    }

    /// Reloads the list (and the selected batch) on the ledger thread.
    pub fn load(&self, ctx: &Context) -> Task<Message> {
        let selected = self.selected.as_ref().map(|b| b.batch.clone());
        Task::perform(
            ctx.worker.run(move |ledger| {
                let business_date = ledger.business_date()?.to_string();
                // Today's batches and every batch still waiting for something.
                let batches = batch::list(&*ledger.read()?, None)?.into_iter().filter(|b| b.business_date == business_date || b.state != BatchState::Approved).collect();
                let selected = match selected {
                    Some(id) => Some((batch::summary(&*ledger.read()?, &id)?, crate::gui::data::batch_items(ledger, &id)?)),
                    None => None,
                };
                Ok(Box::new(Listing { business_date, batches, selected }))
            }),
            Message::Loaded,
        )
    }

    /// Where the next keystroke goes on this screen.
    pub fn focus(&self) -> Task<Message> {
        match &self.step {
            Step::Opening(_) => focus(CONTROL_TOTAL_ID),
            Step::Entering(form) if form.account.is_none() => focus(STUB_ID),
            Step::Entering(_) => focus(AMOUNT_ID),
            Step::Deciding(form) if form.decision == Decision::Approve => focus("approver"),
            Step::Deciding(_) => focus(REASON_ID),
            Step::Removing(_) => focus(REMOVE_ITEM_ID),
            Step::List => Task::none(),
        }
    }

    /// F5 open, F6 balance, F7 approve, F8 reject, F9 reopen, F11 enter items, F12 remove an item, Up/Down pick in the list; Esc backs out.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        match shortcut {
            Shortcut::F5 => Some(Message::StartOpen),
            Shortcut::F6 => Some(Message::Balance),
            Shortcut::F11 => Some(Message::EnterItems),
            Shortcut::F12 => Some(Message::StartRemove),
            Shortcut::Cancel => Some(Message::Cancel),
            Shortcut::Up => Some(Message::SelectPrevious),
            Shortcut::Down => Some(Message::SelectNext),
            other => [Decision::Approve, Decision::Reject, Decision::Reopen].into_iter().find(|d| d.key() == other).map(Message::Decide),
        }
    }

    /// A scanner line while items are being entered: stubs fill the stub, MICR lines the check.
    pub fn scanned(&mut self, data: ScanData) -> Option<Message> {
        let form = self.item_form()?;
        match data {
            ScanData::Stub(line) | ScanData::Unknown(line) => {
                form.stub = line;
                Some(Message::StubSubmitted)
            }
            ScanData::Micr(micr) => {
                form.micr.clear();
                form.take_check(micr);
                Some(Message::FocusAmount)
            }
        }
    }

    pub fn update(&mut self, message: Message, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(result) => return (self.loaded(result), None),
            Message::Select(id) => return (self.select(id, true, ctx), None),
            Message::SelectPrevious => return (self.browse(false, ctx), None),
            Message::SelectNext => return (self.browse(true, ctx), None),
            Message::StartOpen => {
                let opening = Step::Opening(OpenForm::default());
                *self = BatchesScreen { business_date: std::mem::take(&mut self.business_date), batches: std::mem::take(&mut self.batches), step: opening, ..BatchesScreen::default() };
                return (focus(CONTROL_TOTAL_ID), None);
            }
            Message::Kind(kind) => {
                if let Step::Opening(form) = &mut self.step {
                    form.kind = kind;
                }
            }
            Message::ControlTotal(text) => {
                self.edited(CONTROL_TOTAL_ID);
                if let Step::Opening(form) = &mut self.step {
                    form.control_total = text;
                }
            }
            Message::ControlItems(text) => {
                self.edited(CONTROL_ITEMS_ID);
                if let Step::Opening(form) = &mut self.step {
                    form.control_items = text;
                }
            }
            Message::OpenSubmitted => return (self.open(ctx, actor), None),
            Message::Opened(result) => return (self.opened(result, ctx), None),
            Message::EnterItems => return (self.enter_items(), None),
            Message::Stub(text) => {
                self.edited(STUB_ID);
                if let Some(form) = self.item_form() {
                    form.stub = text;
                }
            }
            Message::StubSubmitted => return (self.stub_submitted(ctx), None),
            Message::StubFound(result) => return (self.stub_found(result), None),
            Message::Micr(text) => {
                self.edited(MICR_ID);
                if let Some(form) = self.item_form() {
                    form.micr = text;
                }
            }
            Message::MicrSubmitted => return (self.micr_submitted(), None),
            Message::Amount(text) => {
                self.edited(AMOUNT_ID);
                if let Some(form) = self.item_form() {
                    form.amount = text;
                }
            }
            Message::FocusAmount => return (focus(AMOUNT_ID), None),
            Message::Confirm => return (self.confirm(ctx, actor), None),
            Message::Added(result) => return (self.added(result, ctx), None),
            Message::Balance => return (self.balance(ctx, actor), None),
            Message::Decide(decision) => return (self.decide(decision), None),
            Message::Reason(text) => {
                self.edited(REASON_ID);
                match &mut self.step {
                    Step::Deciding(form) => form.reason = text,
                    Step::Removing(form) => form.reason = text,
                    _ => {}
                }
            }
            Message::Approver(text) => {
                self.edited("approver");
                if let Step::Deciding(form) = &mut self.step {
                    form.approval.approver = text;
                }
            }
            Message::Pin(text) => {
                self.edited("approver-pin");
                if let Step::Deciding(form) = &mut self.step {
                    form.approval.pin = text;
                }
            }
            Message::DecisionSubmitted => return (self.decision_submitted(ctx, actor), None),
            Message::StartRemove => return (self.start_remove(), None),
            Message::RemoveItem(text) => {
                self.edited(REMOVE_ITEM_ID);
                if let Step::Removing(form) = &mut self.step {
                    form.item = text;
                }
            }
            Message::RemoveSubmitted => return (self.remove_submitted(ctx, actor), None),
            Message::Removed(result) => return (self.removed(result, ctx), None),
            Message::Done(result) => return (self.done(result, ctx), None),
            Message::NextField => return (iced::widget::operation::focus_next(), None),
            Message::Cancel => return self.cancel(),
        }
        (Task::none(), None)
    }

    fn loaded(&mut self, result: Result<Box<Listing>, WorkerError>) -> Task<Message> {
        match result {
            Ok(listing) => {
                let Listing { business_date, batches, selected } = *listing;
                self.business_date = business_date;
                self.batches = batches;
                match selected {
                    Some((summary, items)) => {
                        if summary.state != BatchState::Open && matches!(self.step, Step::Entering(_) | Step::Removing(_)) {
                            self.step = Step::List;
                        }
                        self.selected = Some(summary);
                        self.items = items;
                    }
                    None => {
                        self.selected = None;
                        self.items.clear();
                    }
                }
            }
            Err(error) => (self.error, self.error_field) = (Some(error.into()), None),
        }
        Task::none()
    }

    /// Up / Down: shows the batch below / above the selected one (the first / last when none is), staying at
    /// the ends. Only on the list itself: an open form keeps its batch, so a stray arrow never sends the
    /// next scanned item to another batch.
    fn browse(&mut self, down: bool, ctx: &Context) -> Task<Message> {
        let Some(last) = self.batches.len().checked_sub(1) else { return Task::none() };
        if !matches!(self.step, Step::List) {
            return Task::none();
        }
        let current = self.selected.as_ref().and_then(|s| self.batches.iter().position(|b| b.batch == s.batch));
        let index = match (current, down) {
            (None, true) => 0,
            (None, false) => last,
            (Some(i), true) => (i + 1).min(last),
            (Some(i), false) => i.saturating_sub(1),
        };
        match self.batches.get(index) {
            Some(b) if current != Some(index) => {
                let id = b.batch.clone();
                self.select(id, false, ctx)
            }
            _ => Task::none(),
        }
    }

    /// Shows a batch; clicked (`enter`), an open mail or drop-box batch goes straight to the item loop.
    fn select(&mut self, id: String, enter: bool, ctx: &Context) -> Task<Message> {
        let summary = self.batches.iter().find(|b| b.batch == id).cloned();
        let entering = enter && summary.as_ref().is_some_and(|b| b.state == BatchState::Open && b.drawer_id.is_none());
        self.selected = summary;
        self.items.clear();
        self.error = None;
        self.notice = None;
        self.step = if entering { Step::Entering(ItemForm::default()) } else { Step::List };
        Task::batch([self.load(ctx), self.focus()])
    }

    fn open(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        self.error = None;
        let Step::Opening(form) = &mut self.step else { return Task::none() };
        let total = match Money::parse_positive("control total", &form.control_total, ctx.max_amount()) {
            Ok(total) => total,
            Err(e) => return self.fail(e.to_string(), CONTROL_TOTAL_ID),
        };
        let Ok(items) = form.control_items.trim().parse::<i64>() else {
            let problem = format!("item count: '{}' is not a whole number of items", form.control_items.trim());
            return self.fail(problem, CONTROL_ITEMS_ID);
        };
        (form.control_total, form.control_items) = (total.to_string(), items.to_string());
        let kind = form.kind;
        self.busy = true;
        let actor = actor.clone();
        Task::perform(ctx.worker.run(move |ledger| batch::open(ledger, &actor, kind, total, items)), Message::Opened)
    }

    fn opened(&mut self, result: Result<String, WorkerError>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(id) => {
                let Step::Opening(form) = std::mem::take(&mut self.step) else { return Task::none() };
                self.notice = Some(format!("Batch {id} open: control {} in {} items. Scan the first stub.", form.control_total.trim(), form.control_items.trim()));
                self.selected = Some(BatchSummary {
                    batch: id,
                    kind: form.kind.as_str().into(),
                    drawer_id: None,
                    business_date: self.business_date.clone(),
                    preparer: String::new(),
                    state: BatchState::Open,
                    control_total: Money::ZERO,
                    control_items: 0,
                    items: 0,
                    total: Money::ZERO,
                    approver: None,
                    reason: None,
                    deposit: None,
                    closed: false,
                });
                self.step = Step::Entering(ItemForm::default());
                Task::batch([self.load(ctx), focus(STUB_ID)])
            }
            Err(error) => self.refused(error, CONTROL_TOTAL_ID),
        }
    }

    fn enter_items(&mut self) -> Task<Message> {
        match &self.selected {
            Some(b) if b.state == BatchState::Open && b.drawer_id.is_none() => {
                if !matches!(self.step, Step::Entering(_)) {
                    self.step = Step::Entering(ItemForm::default());
                }
                self.error = None;
                self.focus()
            }
            Some(b) => self.fail(format!("batch: {} is {} — items go into an open mail or drop-box batch", b.batch, b.state), STUB_ID),
            None => self.fail("batch: pick a batch in the list, or open one [F5]".into(), STUB_ID),
        }
    }

    fn balance(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let Some(selected) = self.selected.clone() else { return self.fail("batch: pick a batch in the list first".into(), STUB_ID) };
        if self.busy {
            return Task::none();
        }
        self.error = None;
        self.busy = true;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.run(move |ledger| {
                let summary = batch::balance(ledger, &actor, &selected.batch)?;
                Ok(format!("Batch {} balanced: {} in {} items. A supervisor approves it [F7].", summary.batch, summary.total.grouped(), summary.items))
            }),
            Message::Done,
        )
    }

    fn decide(&mut self, decision: Decision) -> Task<Message> {
        let Some(selected) = &self.selected else { return self.fail("batch: pick a batch in the list first".into(), STUB_ID) };
        if !decision.applies_to(selected.state) {
            let states = decision.states().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" or ");
            let problem = format!("batch: {} is {}; {} needs a batch that is {states}", selected.batch, selected.state, decision.label().to_lowercase());
            return self.fail(problem, STUB_ID);
        }
        self.step = Step::Deciding(DecisionForm { decision, reason: String::new(), approval: Approval::default() });
        self.error = None;
        self.focus()
    }

    fn decision_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let (Step::Deciding(form), Some(selected)) = (&mut self.step, self.selected.clone()) else { return Task::none() };
        let decision = form.decision;
        let (approver, pin, reason) = (form.approval.approver.trim().to_string(), std::mem::take(&mut form.approval.pin), form.reason.trim().to_string());
        self.error = None;
        if approver.is_empty() && decision != Decision::Reopen {
            return self.fail("approver: a supervisor types their name and PIN".into(), "approver");
        }
        self.busy = true;
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        Task::perform(
            ctx.worker.run(move |ledger| {
                let approving = if approver.is_empty() { None } else { Some(auth::approve(ledger, &settings, &actor, &approver, &pin, decision.what())?) };
                let id = selected.batch.as_str();
                let summary = match (decision, approving.as_ref()) {
                    (Decision::Approve, Some(approver)) => batch::approve(ledger, &actor, approver, id)?,
                    (Decision::Reject, Some(approver)) => batch::reject(ledger, &actor, approver, id, &reason)?,
                    (Decision::Reopen, approver) => batch::reopen(ledger, &actor, approver, id, &reason)?,
                    (_, None) => return Err(citytill::Error::auth("approver", "a supervisor types their name and PIN")),
                };
                let by = approving.map(|a| format!(" by {}", a.name)).unwrap_or_default();
                Ok(match decision {
                    Decision::Approve => format!("Batch {} approved{by}; {} posted to the accounts.", summary.batch, summary.total.grouped()),
                    Decision::Reject => format!("Batch {} rejected{by}: {reason}", summary.batch),
                    Decision::Reopen => format!("Batch {} reopened for correction.", summary.batch),
                })
            }),
            Message::Done,
        )
    }

    fn done(&mut self, result: Result<String, WorkerError>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(line) => {
                self.notice = Some(line);
                self.error = None;
                self.step = Step::List;
                self.load(ctx)
            }
            Err(error) => {
                let field = if matches!(self.step, Step::Deciding(_)) { "approver" } else { STUB_ID };
                self.refused(error, field)
            }
        }
    }

    /// Esc: a form closes first (nothing typed is recorded), then the selection, then the screen.
    fn cancel(&mut self) -> (Task<Message>, Option<Event>) {
        self.error = None;
        if !matches!(self.step, Step::List) {
            self.step = Step::List;
            return (Task::none(), None);
        }
        if self.selected.take().is_some() {
            self.items.clear();
            return (Task::none(), None);
        }
        (Task::none(), Some(Event::Back))
    }

    /// Shows the error and puts focus where the correction is typed.
    fn fail(&mut self, error: String, field: &'static str) -> Task<Message> {
        self.busy = false;
        self.error = Some(error);
        self.error_field = self.shows(field).then_some(field);
        // The bad text is selected, so typing replaces it.
        focus(field).chain(select_all(field))
    }

    /// A ledger job's error: a refusal is shown as [`fail`](Self::fail) shows it, under `field` (where the
    /// correction is typed); a failure (the database, the ledger thread) is not the form's fault: it is said in the
    /// banner, with the form kept as typed and nothing selected.
    fn refused(&mut self, error: WorkerError, field: &'static str) -> Task<Message> {
        match error {
            WorkerError::Refused { message, .. } => self.fail(message, field),
            failure @ WorkerError::Failed(_) => {
                self.busy = false;
                (self.error, self.error_field) = (Some(failure.into()), None);
                Task::none()
            }
        }
    }

    /// Whether the open form has the field `id` (a refusal is written under it only then; else in the banner).
    fn shows(&self, id: &str) -> bool {
        match &self.step {
            Step::List => false,
            Step::Opening(_) => [CONTROL_TOTAL_ID, CONTROL_ITEMS_ID].contains(&id),
            Step::Entering(_) => [STUB_ID, MICR_ID, AMOUNT_ID].contains(&id),
            Step::Deciding(form) => ["approver", "approver-pin"].contains(&id) || (form.decision != Decision::Approve && id == REASON_ID),
            Step::Removing(_) => [REMOVE_ITEM_ID, REASON_ID].contains(&id),
        }
    }

    /// The refusal to write under field `id`, if the error is about it.
    fn refusal(&self, id: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == Some(id))
    }

    /// The error for the banner: one that is not written under a field.
    fn banner_error(&self) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field.is_none())
    }

    /// Typing into the field a refusal is about takes the refusal away (the cashier is correcting it).
    fn edited(&mut self, id: &str) {
        if self.error_field == Some(id) {
            (self.error, self.error_field) = (None, None);
        }
    }
}

#[cfg(test)]
#[path = "batches_tests.rs"]
mod tests;
