//! Drawer: open with a counted float, drop, paid-in/out, no-sale, and the blind close by denomination
//! ("read from money counter" fills the counts), then expected/counted/over-short and approval if needed.

use citytill::domain::denominations::{parse_count, DenominationCount};
use citytill::ops::auth::{self, Actor};
use citytill::ops::drawer::{self, CashMove, CloseResult, Count};
use citytill::ops::query;
use citytill::Money;
use citytill_hardware::counter::CounterReport;
use iced::Task;

use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::widgets::Approval;
use crate::gui::worker::WorkerError;

#[path = "drawer_view.rs"]
mod view;

pub const FIRST_COUNT_ID: &str = "drawer-count-0";
pub const AMOUNT_ID: &str = "drawer-amount";

/// What the cashier is doing on this screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Open,
    Drop,
    PaidIn,
    PaidOut,
    NoSale,
    Close,
}

impl Action {
    /// The F-key that starts the action on the drawer screen.
    pub fn key(self) -> Shortcut {
        match self {
            Action::Open => Shortcut::F5,
            Action::Drop => Shortcut::F6,
            Action::PaidIn => Shortcut::F7,
            Action::PaidOut => Shortcut::F8,
            Action::NoSale => Shortcut::F9,
            Action::Close => Shortcut::F11,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Open => "Open drawer",
            Action::Drop => "Drop to safe",
            Action::PaidIn => "Paid-in",
            Action::PaidOut => "Paid-out",
            Action::NoSale => "No-sale",
            Action::Close => "Close (blind count)",
        }
    }
}

/// What the screen is doing; each step carries its own form, so leaving a step drops what was typed in it.
#[derive(Clone, Debug, Default)]
enum Step {
    /// The drawer's line and the actions.
    #[default]
    Idle,
    /// Counting the float (open) or the blind count (close).
    Counting { close: bool, form: CountForm },
    /// A drop, paid-in, paid-out or no-sale.
    Moving { action: Action, form: MoveForm },
    /// The close's count is recorded: expected / counted / over-short, closed or waiting for a supervisor's
    /// approval (with the written reason) when beyond the limit.
    Counted { result: CloseResult, form: Approving },
    /// A recorded count waiting for approval whose form was left (Esc): Close [F11] takes it up again.
    Left(CloseResult),
}

/// A count as typed: pieces per denomination (settings.currency order) and, for a close, the other tenders.
#[derive(Clone, Debug, Default)]
struct CountForm {
    counts: Vec<String>,
    checks_count: String,
    checks_total: String,
    money_orders_total: String,
    card_batch: String,
}

impl CountForm {
    fn new(ctx: &Context) -> CountForm {
        CountForm { counts: vec![String::new(); ctx.settings.currency.denominations_cents.len()], ..CountForm::default() }
    }
}

/// A cash move as typed: the amount (not for a no-sale), the reason and the supervisor.
#[derive(Clone, Debug, Default)]
struct MoveForm {
    amount: String,
    approving: Approving,
}

/// A written reason and a supervisor's name and PIN.
#[derive(Clone, Debug, Default)]
struct Approving {
    reason: String,
    approval: Approval,
}

/// The screen's state is its own: the app sends it `Message`s and counter reports, hears `Event`s, and reads it
/// only through the accessors below.
#[derive(Debug, Default)]
pub struct DrawerScreen {
    current: Option<query::Drawer>,
    step: Step,
    last_report: Option<CounterReport>,
    error: Option<String>,
    /// The field of the open form the error is about (written under it), if it names one.
    error_field: Option<&'static str>,
    notice: Option<String>,
    busy: bool,
}

#[derive(Clone, Debug)]
pub enum Message {
    Loaded(Result<Option<query::Drawer>, WorkerError>),
    Start(Action),
    Count(usize, String),
    ChecksCount(String),
    ChecksTotal(String),
    MoneyOrdersTotal(String),
    CardBatch(String),
    Amount(String),
    Reason(String),
    Approver(String),
    Pin(String),
    ReadCounter,
    Submit,
    /// Enter in a field that is not the last: on to the next one.
    NextField,
    Done(Result<Outcome, WorkerError>),
    /// F12 after the close: the Z report is read from the ledger and printed.
    PrintReport,
    ReportReady(Result<Box<citytill_hardware::receipt::Receipt>, WorkerError>),
    Cancel,
}

/// What a drawer operation recorded.
#[derive(Clone, Debug)]
pub enum Outcome {
    Opened(i64, Money),
    /// The action and the amount moved (never what the drawer should now hold: the close is blind).
    Moved(Action, Money),
    NoSale,
    Closing(CloseResult),
}

/// One drawer operation, to run on the ledger thread.
type LedgerJob = Box<dyn FnOnce(&mut citytill::ledger::Ledger) -> citytill::Result<Outcome> + Send>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Back,
    /// The drawer changed (refresh the status bar).
    Changed,
    /// A drawer was opened (the notice says so): the next thing is the counter's first customer.
    Opened(String),
}

impl DrawerScreen {
    /// The error shown (under its field or in the banner), if any.
    #[cfg(test)]
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The action whose form is open (a recorded close's result is the close's).
    pub fn action(&self) -> Option<Action> {
        match &self.step {
            Step::Idle | Step::Left(_) => None,
            Step::Counting { close: false, .. } => Some(Action::Open),
            Step::Counting { close: true, .. } | Step::Counted { .. } => Some(Action::Close),
            Step::Moving { action, .. } => Some(*action),
        }
    }

    /// The recorded close's result, shown or left.
    fn result(&self) -> Option<&CloseResult> {
        match &self.step {
            Step::Counted { result, .. } | Step::Left(result) => Some(result),
            _ => None,
        }
    }

    /// The counts as typed (none while no count is open).
    #[cfg(test)]
    fn counts(&self) -> &[String] {
        match &self.step {
            Step::Counting { form, .. } => &form.counts,
            _ => &[],
        }
    }

    /// The reason and supervisor of the open form, if it has them.
    fn approving(&mut self) -> Option<&mut Approving> {
        match &mut self.step {
            Step::Moving { form, .. } => Some(&mut form.approving),
            Step::Counted { form, .. } => Some(form),
            _ => None,
        }
    }

    /// Typing into the count's form (nothing to type into while no count is open).
    fn edit_count(&mut self, edit: impl FnOnce(&mut CountForm)) {
        if let Some(form) = self.count_form() {
            edit(form);
        }
    }

    /// Typing into the open form's reason or supervisor (nothing to type into when it has none).
    fn edit_approval(&mut self, edit: impl FnOnce(&mut Approving)) {
        if let Some(form) = self.approving() {
            edit(form);
        }
    }

    /// The count being typed, if one is.
    fn count_form(&mut self) -> Option<&mut CountForm> {
        match &mut self.step {
            Step::Counting { form, .. } => Some(form),
            _ => None,
        }
    }

    /// Reloads the signed-in cashier's drawer.
    pub fn load(&self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let name = actor.name.clone();
        Task::perform(ctx.worker.run(move |ledger| query::current_drawer(&*ledger.read()?, &name)), Message::Loaded)
    }

    /// Esc cancels or goes back; F5..F9 and F11 start an action; F12 reads the money counter during a
    /// count, or prints the drawer report after the close.
    pub fn shortcut(&self, shortcut: Shortcut) -> Option<Message> {
        if shortcut == Shortcut::Cancel {
            return Some(Message::Cancel);
        }
        if shortcut == Shortcut::F12 {
            return match &self.step {
                Step::Counting { .. } => Some(Message::ReadCounter),
                Step::Counted { .. } | Step::Left(_) => Some(Message::PrintReport),
                Step::Idle | Step::Moving { .. } => None,
            };
        }
        [Action::Open, Action::Drop, Action::PaidIn, Action::PaidOut, Action::NoSale, Action::Close].into_iter().find(|a| a.key() == shortcut).map(Message::Start)
    }

    pub fn update(&mut self, message: Message, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        match message {
            Message::Loaded(Ok(drawer)) => self.current = drawer,
            Message::Loaded(Err(e)) => (self.error, self.error_field) = (Some(e.into()), None),
            Message::Start(action) => return (self.start(action, ctx), None),
            Message::Count(index, text) => {
                if let Some(count) = self.count_form().and_then(|form| form.counts.get_mut(index)) {
                    *count = text;
                }
            }
            Message::ChecksCount(t) => self.edit_count(|form| form.checks_count = t),
            Message::ChecksTotal(t) => self.edit_count(|form| form.checks_total = t),
            Message::MoneyOrdersTotal(t) => self.edit_count(|form| form.money_orders_total = t),
            Message::CardBatch(t) => self.edit_count(|form| form.card_batch = t),
            Message::Amount(t) => {
                if let Step::Moving { form, .. } = &mut self.step {
                    form.amount = t;
                }
            }
            Message::Reason(t) => self.edit_approval(|form| form.reason = t),
            Message::Approver(t) => self.edit_approval(|form| form.approval.approver = t),
            Message::Pin(t) => self.edit_approval(|form| form.approval.pin = t),
            Message::ReadCounter => self.read_counter(ctx),
            Message::Submit => return (self.submit(ctx, actor), None),
            Message::NextField => return (iced::widget::operation::focus_next(), None),
            Message::Done(result) => return self.done(result, ctx, actor),
            Message::PrintReport => return (self.print_report(ctx), None),
            Message::ReportReady(result) => self.report_ready(result, ctx),
            Message::Cancel => return self.cancel(),
        }
        (Task::none(), None)
    }

    /// A counter report arrived: keep it, and fill the counts if a count is on screen.
    pub fn counter_report(&mut self, report: CounterReport, ctx: &Context) {
        self.last_report = Some(report);
        if matches!(self.step, Step::Counting { .. }) {
            self.read_counter(ctx);
        }
    }

    fn start(&mut self, action: Action, ctx: &Context) -> Task<Message> {
        // A count waiting for approval stays: the close continues with the supervisor, not a new count.
        let waiting = self.result().filter(|r| !r.closed && action == Action::Close).cloned();
        let step = match (action, waiting) {
            (_, Some(result)) => Step::Counted { result, form: Approving::default() },
            (Action::Open | Action::Close, None) => Step::Counting { close: action == Action::Close, form: CountForm::new(ctx) },
            (action, None) => Step::Moving { action, form: MoveForm::default() },
        };
        *self = DrawerScreen { current: self.current.take(), last_report: self.last_report.take(), step, ..DrawerScreen::default() };
        let focus = if matches!(action, Action::Open | Action::Close) { FIRST_COUNT_ID } else { AMOUNT_ID };
        iced::widget::operation::focus(focus)
    }

    /// Fills the count rows from the money counter's last report (a bill counter fills the bills, a coin sorter the coins; the rest stay as typed).
    fn read_counter(&mut self, ctx: &Context) {
        let Some(report) = &self.last_report else {
            self.error_field = None;
            self.error = Some("counter: no report yet — run the bills through the money counter; its report fills the counts".into());
            return;
        };
        if let Step::Counting { form, .. } = &mut self.step {
            for (cents, pieces) in &report.rows {
                if let Some(count) = ctx.settings.currency.denominations_cents.iter().position(|d| d == cents).and_then(|index| form.counts.get_mut(index)) {
                    *count = pieces.to_string();
                }
            }
        }
        self.error = None;
        self.notice = Some(format!("Counts filled from the money counter ({} bills, {})", report.total_pieces, Money::from_cents(report.total_cents).grouped()));
    }

    /// The typed counts as a denomination count, validated by the library's parser.
    fn cash_count(counts: &[String], ctx: &Context) -> Result<Vec<DenominationCount>, String> {
        let rows: Vec<String> = ctx
            .settings
            .currency
            .denominations_cents
            .iter()
            .zip(counts)
            .filter(|(_, pieces)| !pieces.trim().is_empty())
            .map(|(cents, pieces)| format!("{}x{}", Money::from_cents(*cents), pieces.trim()))
            .collect();
        parse_count("count", &rows.join(","), &ctx.settings.currency.denominations_cents)
    }

    fn optional_money(field: &str, text: &str, ctx: &Context) -> Result<Option<Money>, String> {
        match text.trim() {
            "" => Ok(None),
            text => Money::parse_field(field, text, ctx.max_amount()).map(Some).map_err(|e| e.to_string()),
        }
    }

    fn blind_count(form: &CountForm, ctx: &Context) -> Result<Count, String> {
        let checks = Self::optional_money("checks total", &form.checks_total, ctx)?;
        let checks_count = form.checks_count.trim().parse::<i64>().unwrap_or(0);
        Ok(Count {
            cash: Self::cash_count(&form.counts, ctx)?,
            checks: checks.map(|total| (checks_count, total)),
            money_orders: Self::optional_money("money orders total", &form.money_orders_total, ctx)?.map(|total| (0, total)),
            card_batch: Self::optional_money("card batch total", &form.card_batch, ctx)?,
        })
    }

    /// Shows a refusal under the field it names when the open form has that field (focus there, the bad text
    /// selected so typing replaces it), else in the banner; a failure always in the banner.
    fn refuse(&mut self, error: WorkerError) -> Task<Message> {
        self.error_field = error.field_on(&self.form_fields());
        self.error = Some(error.into());
        match self.error_field {
            Some(id) => iced::widget::operation::focus(id).chain(iced::widget::operation::select_all(id)),
            None => Task::none(),
        }
    }

    /// The refusal to write under field `id`, if the error is about it.
    pub fn refusal(&self, id: &str) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field == Some(id))
    }

    /// The error for the banner: one written under no field.
    pub fn banner_error(&self) -> Option<&str> {
        self.error.as_deref().filter(|_| self.error_field.is_none())
    }

    /// The open form's fields, by the name a refusal gives them.
    fn form_fields(&self) -> Vec<(&'static str, &'static str)> {
        let approval = [("approver", "approver"), ("supervisor", "approver"), ("pin", "approver-pin")];
        let mut fields: Vec<(&'static str, &'static str)> = Vec::new();
        if self.result().is_some_and(|r| !r.closed && r.approval_required) {
            fields.push(("reason", AMOUNT_ID));
            fields.extend(approval);
            return fields;
        }
        match self.action() {
            Some(Action::Open) => {}
            Some(Action::Close) => {
                fields.extend([("checks count", "drawer-checks-count"), ("checks total", "drawer-checks-total"), ("money orders total", "drawer-mo-total"), ("card batch total", "drawer-card")])
            }
            Some(Action::NoSale) => {
                fields.push(("reason", AMOUNT_ID));
                fields.extend(approval);
            }
            Some(Action::Drop) => fields.push(("amount", AMOUNT_ID)),
            Some(_) => {
                fields.extend([("amount", AMOUNT_ID), ("reason", "drawer-reason")]);
                fields.extend(approval);
            }
            None => {}
        }
        fields
    }

    fn submit(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let Some(action) = self.action() else { return Task::none() };
        if self.busy {
            return Task::none();
        }
        self.error = None;
        let work = match self.work(action, ctx, actor) {
            Ok(work) => work,
            Err(e) => return self.refuse(WorkerError::refused(e)),
        };
        self.busy = true;
        Task::perform(ctx.worker.run(work), Message::Done)
    }

    /// The ledger job for the action, with the typed values checked first.
    fn work(&mut self, action: Action, ctx: &Context, actor: &Actor) -> Result<LedgerJob, String> {
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        let (approver, pin, reason) = match self.approving() {
            Some(form) => (form.approval.approver.trim().to_string(), std::mem::take(&mut form.approval.pin), form.reason.clone()),
            None => Default::default(),
        };
        let approve = move |ledger: &mut citytill::ledger::Ledger, actor: &Actor, what: &str| -> citytill::Result<Option<Actor>> {
            if approver.is_empty() {
                Ok(None)
            } else {
                auth::approve(ledger, &settings, actor, &approver, &pin, what).map(Some)
            }
        };
        let settings = ctx.settings.clone();
        Ok(match action {
            Action::Open => {
                let count = Self::cash_count(self.count_form().map(|form| form.counts.as_slice()).unwrap_or_default(), ctx)?;
                Box::new(move |ledger| drawer::open(ledger, &actor, count).map(|(id, float)| Outcome::Opened(id, float)))
            }
            Action::Drop | Action::PaidIn | Action::PaidOut => {
                let typed = match &self.step {
                    Step::Moving { form, .. } => form.amount.as_str(),
                    _ => "",
                };
                let amount = Money::parse_positive("amount", typed, ctx.max_amount()).map_err(|e| e.to_string())?;
                let kind = match action {
                    Action::Drop => CashMove::Drop,
                    Action::PaidIn => CashMove::PaidIn,
                    _ => CashMove::PaidOut,
                };
                Box::new(move |ledger| {
                    let approving = if kind == CashMove::Drop { None } else { approve(ledger, &actor, action.label())? };
                    let reason = (kind != CashMove::Drop).then_some(reason.as_str());
                    drawer::cash_move(ledger, &actor, approving.as_ref(), kind, amount, reason).map(|()| Outcome::Moved(action, amount))
                })
            }
            Action::NoSale => Box::new(move |ledger| {
                let approving = approve(ledger, &actor, "no-sale")?;
                drawer::no_sale(ledger, &settings, &actor, approving.as_ref(), &reason).map(|()| Outcome::NoSale)
            }),
            Action::Close => {
                // First the blind count; once recorded, only the supervisor's approval and a reason.
                let count = match &self.step {
                    Step::Counting { form, .. } => Some(Self::blind_count(form, ctx)?),
                    _ => None,
                };
                Box::new(move |ledger| {
                    let approving = if count.is_none() { approve(ledger, &actor, "over/short at close")? } else { None };
                    let reason = Some(reason.as_str()).filter(|r| !r.trim().is_empty());
                    drawer::close(ledger, &settings, &actor, count, approving.as_ref(), reason).map(Outcome::Closing)
                })
            }
        })
    }

    fn done(&mut self, result: Result<Outcome, WorkerError>, ctx: &Context, actor: &Actor) -> (Task<Message>, Option<Event>) {
        self.busy = false;
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => return (self.refuse(e), None),
        };
        let kick = |ctx: &Context| ctx.devices.kick().err().map(|e| format!(" — {e}")).unwrap_or_default();
        match outcome {
            Outcome::Opened(id, float) => {
                let notice = format!("Drawer {id} is open with a float of {}{}.", float.grouped(), kick(ctx));
                self.notice = Some(notice.clone());
                self.step = Step::Idle;
                return (self.load(ctx, actor), Some(Event::Opened(notice)));
            }
            Outcome::Moved(action, amount) => {
                self.notice = Some(format!("{} of {} recorded{}", action.label(), amount.grouped(), kick(ctx)));
                self.step = Step::Idle;
            }
            Outcome::NoSale => {
                self.notice = Some(format!("No-sale recorded{}", kick(ctx)));
                self.step = Step::Idle;
            }
            Outcome::Closing(result) => {
                self.notice = Some(if result.closed {
                    format!("Drawer {} closed", result.drawer_id)
                } else {
                    "Count recorded. Over/short is beyond the limit: a supervisor must approve with a written reason.".to_string()
                });
                let waiting = !result.closed;
                self.step = Step::Counted { result, form: Approving::default() };
                if waiting {
                    // Next keystrokes: the written reason, then the supervisor.
                    return (Task::batch([self.load(ctx, actor), iced::widget::operation::focus(AMOUNT_ID)]), Some(Event::Changed));
                }
            }
        }
        (self.load(ctx, actor), Some(Event::Changed))
    }

    /// Prints the close (Z) report as the ledger holds it (`reports::z_report`, the figures `report drawer`
    /// shows): terminal, cashier, times, float, drops, paid-ins/outs, receipt and void counts, expected /
    /// counted / over-short per tender and who approved.
    fn print_report(&mut self, ctx: &Context) -> Task<Message> {
        let Some(result) = self.result().filter(|r| r.closed) else { return Task::none() };
        let (drawer_id, settings, training) = (result.drawer_id, ctx.settings.clone(), ctx.training);
        Task::perform(ctx.worker.run(move |ledger| Ok(Box::new(citytill::reports::z_report::z_report(&*ledger.read()?, drawer_id)?.paper(&settings, training)))), Message::ReportReady)
    }

    fn report_ready(&mut self, result: Result<Box<citytill_hardware::receipt::Receipt>, WorkerError>, ctx: &Context) {
        self.notice = Some(match result.map_err(String::from).and_then(|receipt| ctx.devices.print(&receipt)) {
            Ok(_) => "Drawer report sent to the printer".into(),
            Err(e) => format!("Drawer report not printed: {e}"),
        });
    }

    fn cancel(&mut self) -> (Task<Message>, Option<Event>) {
        match std::mem::take(&mut self.step) {
            Step::Counted { result, .. } if !result.closed => {
                // A recorded count stays recorded; leaving only hides the approval form.
                self.step = Step::Left(result);
                (Task::none(), None)
            }
            Step::Counting { .. } | Step::Moving { .. } | Step::Counted { .. } => {
                self.error = None;
                (Task::none(), None)
            }
            idle @ (Step::Idle | Step::Left(_)) => {
                self.step = idle;
                (Task::none(), Some(Event::Back))
            }
        }
    }
}

#[cfg(test)]
#[path = "drawer_tests.rs"]
mod tests;
