//! The finance screen's autopay enrolment: the account (looked up on Enter), the routing number (ABA checksum
//! on Enter), the bank account typed twice into masked fields, checking/savings [F6], full balance or a fixed
//! amount [F7], the draft day and a supervisor's name and PIN; each refusal beside its field. On submit the
//! number leaves the form for good and goes with the approval to `ops::autopay::enrol` on the ledger thread,
//! so no field, message or state holds more than its last 4. Also ending an enrolment with a reason [F8].

use citytill::ops::auth::{self, Actor};
use citytill::ops::autopay::{self, EnrolRequest, Rule};
use citytill::ops::query;
use citytill::Money;
use iced::widget::operation::{focus, select_all};
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Length, Task};

use super::{FinanceScreen, Message, Step, FIELD_WIDTH, REASON_ID};
use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::widgets::{self, Approval};
use crate::gui::worker::WorkerError;
use crate::gui::{theme, wording};

const ACCOUNT_ID: &str = "finance-account";
const ROUTING_ID: &str = "finance-routing";
const BANK_ACCOUNT_ID: &str = "finance-bank-account";
const BANK_AGAIN_ID: &str = "finance-bank-again";
const FIXED_ID: &str = "finance-fixed-amount";
const DRAFT_DAY_ID: &str = "finance-draft-day";

/// A field of the enrolment form a refusal can sit beside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Field {
    Account,
    Routing,
    BankAccount,
    BankAgain,
    FixedAmount,
    DraftDay,
    Approver,
}

impl Field {
    pub(super) fn id(self) -> &'static str {
        match self {
            Field::Account => ACCOUNT_ID,
            Field::Routing => ROUTING_ID,
            Field::BankAccount => BANK_ACCOUNT_ID,
            Field::BankAgain => BANK_AGAIN_ID,
            Field::FixedAmount => FIXED_ID,
            Field::DraftDay => DRAFT_DAY_ID,
            Field::Approver => "approver",
        }
    }

    /// The field a refusal of the window's own ("--routing: …", "approver: …") names.
    pub(super) fn named_in(error: &str) -> Option<Field> {
        let (name, _) = error.split_once(':')?;
        Field::named(name.trim().trim_start_matches("--"))
    }

    /// The field a refusal from the ledger thread is about, if the form has it.
    fn of_refusal(error: &WorkerError) -> Option<Field> {
        match error {
            WorkerError::Refused { field: Some(name), .. } => Field::named(name),
            _ => None,
        }
    }

    /// The field by the name a refusal gives it (without the command line's `--`).
    fn named(name: &str) -> Option<Field> {
        Some(match name {
            "account" => Field::Account,
            "routing" => Field::Routing,
            "bank-account" => Field::BankAccount,
            "fixed-amount" | "rule" => Field::FixedAmount,
            "draft-day" => Field::DraftDay,
            "approver" | "pin" => Field::Approver,
            _ => return None,
        })
    }
}

/// An enrolment as typed. The two bank account fields are emptied when the form is submitted, and its Debug
/// (a log line, a test's failure message) shows only how many digits they hold.
#[derive(Clone, Default)]
pub(super) struct EnrolForm {
    account: String,
    /// The account's number and name as found in the ledger.
    found: Option<(String, String)>,
    routing: String,
    bank_account: String,
    bank_again: String,
    pub(super) savings: bool,
    pub(super) fixed: bool,
    fixed_amount: String,
    draft_day: String,
    pub(super) approval: Approval,
    /// A refusal shown beside its field.
    field_error: Option<(Field, String)>,
}

/// Ending the selected enrolment: why.
#[derive(Clone, Debug, Default)]
pub(super) struct CancelForm {
    enrolment: String,
    pub(super) reason: String,
    /// A refusal written under the reason.
    pub(super) refusal: Option<String>,
}

pub(super) fn focus_first() -> Task<Message> {
    focus(ACCOUNT_ID)
}

impl EnrolForm {
    /// The approver typed (clearing a refusal beside it).
    pub(super) fn set_approver(&mut self, text: String) {
        self.approval.approver = text;
        self.clear_error(Field::Approver);
    }
}

impl FinanceScreen {
    /// F5: an empty enrolment form.
    pub(super) fn start_enrol(&mut self) -> Task<Message> {
        self.step = Step::Enrolling(EnrolForm::default());
        self.error = None;
        self.notice = None;
        focus(ACCOUNT_ID)
    }

    fn enrol_form(&mut self) -> Option<&mut EnrolForm> {
        match &mut self.step {
            Step::Enrolling(form) => Some(form),
            _ => None,
        }
    }

    /// What is typed into the enrolment form's own fields; typing clears that field's refusal.
    pub(super) fn enrol_input(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Account(text) => {
                if let Some(form) = self.enrol_form() {
                    form.account = text;
                    form.found = None;
                    form.clear_error(Field::Account);
                }
            }
            Message::Routing(text) => {
                if let Some(form) = self.enrol_form() {
                    form.routing = text;
                    form.clear_error(Field::Routing);
                }
            }
            Message::BankAccount(text) => {
                if let Some(form) = self.enrol_form() {
                    form.bank_account = text;
                    form.clear_error(Field::BankAccount);
                }
            }
            Message::BankAgain(text) => {
                if let Some(form) = self.enrol_form() {
                    form.bank_again = text;
                    form.clear_error(Field::BankAgain);
                }
            }
            Message::Savings(savings) => {
                if let Some(form) = self.enrol_form() {
                    form.savings = savings;
                }
            }
            Message::Fixed(fixed) => {
                if let Some(form) = self.enrol_form() {
                    form.fixed = fixed;
                    form.clear_error(Field::FixedAmount);
                }
                if fixed {
                    return focus(FIXED_ID);
                }
            }
            Message::FixedAmount(text) => {
                if let Some(form) = self.enrol_form() {
                    form.fixed_amount = text;
                    form.clear_error(Field::FixedAmount);
                }
            }
            Message::DraftDay(text) => {
                if let Some(form) = self.enrol_form() {
                    form.draft_day = text;
                    form.clear_error(Field::DraftDay);
                }
            }
            _ => {}
        }
        Task::none()
    }

    /// Enter on the account: its name is looked up (a typo shows beside the field before anything else is typed).
    pub(super) fn look_up_account(&mut self, ctx: &Context) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        let account = form.account.trim().to_string();
        if account.is_empty() {
            return focus(ACCOUNT_ID);
        }
        Task::perform(ctx.worker.run(move |ledger| Ok(query::payable(&*ledger.read()?, &account)?.map(|p| (p.number, p.name)))), Message::AccountFound)
    }

    pub(super) fn account_found(&mut self, result: Result<Option<(String, String)>, WorkerError>) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        match result {
            Ok(Some(found)) => {
                form.account = found.0.clone();
                form.found = Some(found);
                focus(ROUTING_ID)
            }
            Ok(None) => {
                let problem = format!("account: '{}' is not a known account number", form.account.trim());
                self.refuse(Field::Account, problem)
            }
            Err(error) if !error.is_refusal() => self.fail(error.into()),
            Err(error) => self.refuse(Field::Account, error.into()),
        }
    }

    /// Enter on the routing number: the ABA checksum is checked at once.
    pub(super) fn routing_submitted(&mut self) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        match routing_problem(form.routing.trim()) {
            Some(problem) => self.refuse(Field::Routing, problem),
            None => focus(BANK_ACCOUNT_ID),
        }
    }

    pub(super) fn bank_again_submitted(&mut self) -> Task<Message> {
        let Some(form) = self.enrol_form() else { return Task::none() };
        match bank_problem(&form.bank_account, &form.bank_again) {
            Some((field, problem)) => self.refuse(field, problem),
            None => iced::widget::operation::focus_next(),
        }
    }

    /// Enter on the PIN: every field is checked here first (each refusal beside its field), then the bank account
    /// number leaves the form for good and goes with the approval to `autopay::enrol` on the ledger thread.
    pub(super) fn enrol_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        self.error = None;
        let max = ctx.max_amount();
        let Some(form) = self.enrol_form() else { return Task::none() };
        // The number is taken out now, whatever happens next: a refusal means typing it twice again.
        let (number, again) = (std::mem::take(&mut form.bank_account), std::mem::take(&mut form.bank_again));
        let pin = std::mem::take(&mut form.approval.pin);
        let approver = form.approval.approver.trim().to_string();
        let request = match form.request(number, &again, max) {
            Ok(request) => request,
            Err((field, problem)) => return self.refuse(field, problem),
        };
        if approver.is_empty() {
            return self.refuse(Field::Approver, "approver: a supervisor types their name and PIN".into());
        }
        if let Err(e) = autopay::check_request(&request, &|name| format!("--{name}")) {
            let problem = e.to_string();
            return self.refuse(Field::named_in(&problem).unwrap_or(Field::Account), problem);
        }
        self.busy = true;
        let (settings, actor) = (ctx.settings.clone(), actor.clone());
        Task::perform(
            ctx.worker.run(move |ledger| {
                let approving = auth::approve(ledger, &settings, &actor, &approver, &pin, "autopay enrolment")?;
                let last4 = request.bank_account[request.bank_account.len().saturating_sub(4)..].to_string();
                let account = request.account.clone();
                let ids = autopay::enrol(ledger, &settings, &actor, &approving, &[(String::new(), request)])?;
                Ok(format!("{} enrolled: account {account}, bank account ending {last4}, approved by {}. Its prenote goes out in the next run.", ids.join(", "), approving.name))
            }),
            Message::Enrolled,
        )
    }

    pub(super) fn enrolled(&mut self, result: Result<String, WorkerError>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(line) => {
                self.step = Step::List;
                self.notice = Some(line);
                self.error = None;
                self.load(ctx)
            }
            Err(error) if !error.is_refusal() => self.fail(error.into()),
            Err(error) => {
                let field = Field::of_refusal(&error).unwrap_or(Field::Approver);
                self.refuse(field, error.into())
            }
        }
    }

    pub(super) fn start_cancel(&mut self) -> Task<Message> {
        let Some(row) = self.highlighted_enrolment() else {
            return self.fail("enrolment: pick an enrolment in the list first [Up/Down]".into());
        };
        if row.status == "cancelled" {
            let problem = format!("enrolment: {} is already cancelled", row.enrolment);
            return self.fail(problem);
        }
        self.step = Step::Cancelling(CancelForm { enrolment: row.enrolment.clone(), ..CancelForm::default() });
        self.error = None;
        self.notice = None;
        focus(REASON_ID)
    }

    pub(super) fn cancel_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let Step::Cancelling(form) = &mut self.step else { return Task::none() };
        form.refusal = None;
        let (enrolment, reason) = (form.enrolment.clone(), form.reason.trim().to_string());
        self.error = None;
        self.busy = true;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.run(move |ledger| {
                autopay::cancel(ledger, &actor, &enrolment, &reason)?;
                Ok(format!("Enrolment {enrolment} cancelled: {reason}. It is not debited again."))
            }),
            Message::Done,
        )
    }

    /// A refusal beside an enrolment field, its text selected so typing replaces it.
    pub(super) fn refuse(&mut self, field: Field, problem: String) -> Task<Message> {
        self.busy = false;
        match self.enrol_form() {
            Some(form) => form.field_error = Some((field, problem)),
            None => self.error = Some(problem),
        }
        focus(field.id()).chain(select_all(field.id()))
    }

    /// The refusal shown beside an enrolment field, if any.
    #[cfg(test)]
    pub(super) fn field_error(&self) -> Option<(Field, &str)> {
        match &self.step {
            Step::Enrolling(form) => form.field_error.as_ref().map(|(f, e)| (*f, e.as_str())),
            _ => None,
        }
    }

    /// What the enrolment form holds in its two bank account fields (for the tests: empty after submit).
    #[cfg(test)]
    pub(super) fn typed_bank_account(&self) -> Option<(&str, &str)> {
        match &self.step {
            Step::Enrolling(form) => Some((form.bank_account.as_str(), form.bank_again.as_str())),
            _ => None,
        }
    }
}

impl FinanceScreen {
    pub(super) fn enrol_form_view<'a>(&'a self, form: &'a EnrolForm) -> Element<'a, Message> {
        // The field is always the first child of the same column, so its refusal line coming or going (the next
        // keystroke clears it) never rebuilds the field and takes its focus away.
        let beside = |field: Field, input: Element<'a, Message>| -> Element<'a, Message> {
            let line = column![input].spacing(2);
            match &form.field_error {
                Some((bad, problem)) if *bad == field => line.push(text(wording::sentence(problem)).size(theme::SMALL).style(theme::text::danger)).into(),
                _ => line.into(),
            }
        };
        let found = match &form.found {
            Some((number, name)) => text(format!("Account {number} — {name}")).size(theme::BODY).font(theme::text::BOLD),
            None => text("Type the account number and press Enter to look it up.").size(theme::SMALL).style(theme::text::muted),
        };
        let account_type = if form.savings { "Savings account [F6]" } else { "Checking account [F6]" };
        let rule = if form.fixed { "Fixed amount [F7]" } else { "Full balance [F7]" };
        let toggle = |label: &'static str, message: Message| button(text(label).size(theme::BODY)).padding([8, 14]).on_press(message).style(theme::button::secondary);
        let mut terms = vec![beside(Field::DraftDay, widgets::field("Draft day (1-31)", DRAFT_DAY_ID, &form.draft_day, Message::DraftDay, Some(Message::NextField)))];
        if form.fixed {
            terms.insert(0, beside(Field::FixedAmount, widgets::field("Amount", FIXED_ID, &form.fixed_amount, Message::FixedAmount, Some(Message::NextField))));
        }
        let details = column![
            text("Typed twice and hidden, the bank account is kept sealed; only its last 4 is shown. A second person approves.").size(theme::SMALL).style(theme::text::muted),
            widgets::field_row(
                FIELD_WIDTH,
                [
                    beside(Field::Account, widgets::field("Account", ACCOUNT_ID, &form.account, Message::Account, Some(Message::AccountSubmitted))),
                    beside(Field::Routing, widgets::field("Routing number", ROUTING_ID, &form.routing, Message::Routing, Some(Message::RoutingSubmitted))),
                ]
            ),
            found,
            widgets::field_row(
                FIELD_WIDTH,
                [
                    beside(Field::BankAccount, widgets::secret_field("Bank account", BANK_ACCOUNT_ID, &form.bank_account, Message::BankAccount, Some(Message::NextField))),
                    beside(Field::BankAgain, widgets::secret_field("Bank account again", BANK_AGAIN_ID, &form.bank_again, Message::BankAgain, Some(Message::BankAgainSubmitted))),
                ]
            ),
            row![toggle(account_type, Message::Savings(!form.savings)), toggle(rule, Message::Fixed(!form.fixed))].spacing(8).wrap().vertical_spacing(8),
            widgets::field_row(FIELD_WIDTH, terms),
        ]
        .spacing(theme::GAP)
        .padding(iced::Padding { right: 16.0, ..iced::Padding::ZERO });
        let [approver, pin] = widgets::approval_fields(&form.approval, Message::Approver, Message::Pin, Message::EnrolSubmitted);
        let submit = button(text("Enrol [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::EnrolSubmitted)).style(theme::button::primary);
        let approval = column![
            widgets::field_row(widgets::APPROVAL_FIELD_WIDTH, [beside(Field::Approver, approver), pin]),
            row![submit, widgets::key_button("Cancel", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
        ]
        .spacing(8);
        container(column![scrollable(details).height(Length::Fill), approval].spacing(theme::GAP)).padding(14).width(Length::Fill).height(Length::Fill).style(theme::container::card).into()
    }

    pub(super) fn cancel_form<'a>(&'a self, form: &'a CancelForm) -> Element<'a, Message> {
        let submit = button(text("Cancel enrolment [Enter]").size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::CancelSubmitted)).style(theme::button::danger);
        container(
            column![
                text(format!("Cancel enrolment {}: it is not debited again (debits already released still settle).", form.enrolment)).size(theme::BODY),
                container(widgets::checked_field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::CancelSubmitted), form.refusal.as_deref())).width(Length::Fill),
                row![submit, widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
            ]
            .spacing(theme::GAP),
        )
        .padding(14)
        .width(Length::Fill)
        .style(theme::container::card)
        .into()
    }
}

impl std::fmt::Debug for EnrolForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolForm")
            .field("account", &self.account)
            .field("found", &self.found)
            .field("routing", &self.routing)
            .field("bank_account", &format_args!("<{} digits>", self.bank_account.len()))
            .field("bank_again", &format_args!("<{} digits>", self.bank_again.len()))
            .field("savings", &self.savings)
            .field("fixed", &self.fixed)
            .field("fixed_amount", &self.fixed_amount)
            .field("draft_day", &self.draft_day)
            .field("approver", &self.approval.approver)
            .field("field_error", &self.field_error)
            .finish()
    }
}

impl EnrolForm {
    pub(super) fn clear_error(&mut self, field: Field) {
        if self.field_error.as_ref().is_some_and(|(f, _)| *f == field) {
            self.field_error = None;
        }
    }

    /// The request the form makes, or the first field that is wrong and why (the window's own checks).
    fn request(&self, number: String, again: &str, max: Money) -> Result<EnrolRequest, (Field, String)> {
        let account = match &self.found {
            Some((number, _)) => number.clone(),
            None if self.account.trim().is_empty() => return Err((Field::Account, "account: type the account number and press Enter".into())),
            None => self.account.trim().to_string(),
        };
        if let Some(problem) = routing_problem(self.routing.trim()) {
            return Err((Field::Routing, problem));
        }
        if let Some(refusal) = bank_problem(&number, again) {
            return Err(refusal);
        }
        let rule = if self.fixed { Rule::Fixed(Money::parse_positive("fixed-amount", &self.fixed_amount, max).map_err(|e| (Field::FixedAmount, e.to_string()))?) } else { Rule::Full };
        let draft_day = match self.draft_day.trim().parse::<i64>() {
            Ok(day) if (1..=31).contains(&day) => day,
            _ => return Err((Field::DraftDay, format!("draft-day: '{}' is not a day of the month (1 to 31)", self.draft_day.trim()))),
        };
        Ok(EnrolRequest {
            account,
            routing: self.routing.trim().to_string(),
            bank_account: number.trim().to_string(),
            account_type: if self.savings { "savings" } else { "checking" }.into(),
            rule,
            draft_day,
        })
    }
}

/// Why a routing number is refused, if it is: 9 digits passing the ABA checksum.
fn routing_problem(routing: &str) -> Option<String> {
    if routing.len() == 9 && routing.bytes().all(|b| b.is_ascii_digit()) && citytill_hardware::micr::routing_checksum_ok(routing) {
        return None;
    }
    // The text typed is not repeated (it may be a bank account number typed into the wrong field); it is selected
    // in the field beside this line instead.
    Some("routing: not 9 digits with a valid ABA checksum".to_string())
}

/// Why the bank account as typed twice is refused, if it is; the message never repeats the number.
fn bank_problem(number: &str, again: &str) -> Option<(Field, String)> {
    let n = number.trim();
    if !(4..=17).contains(&n.len()) || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Some((Field::BankAccount, "bank-account: must be 4 to 17 digits (the number is not shown)".into()));
    }
    if n != again.trim() {
        return Some((Field::BankAgain, "bank-account: the second entry does not match the first".into()));
    }
    None
}
