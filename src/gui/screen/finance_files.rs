//! The finance screen's file exceptions: an item of a lockbox or online file whose account is unknown or
//! closed is applied to an account or refunded, each with a reason — as `citytill lockbox resolve` does; the
//! batch then balances as usual. The account applied to is read first (`ops::lockbox_redirect::target`): its
//! name, kind, status and balance are shown, an unknown or closed one is refused under the field, and one of
//! another kind than the item's own (a water payment to a parking citation) needs F8 to confirm the change —
//! which `lockbox_redirect::apply` checks again for that very account when it records it.

use citytill::domain::payable::PayableKind;
use citytill::ops::auth::Actor;
use citytill::ops::lockbox_redirect::{self, Redirect};
use citytill::ops::{batch, lockbox};
use iced::widget::operation::{focus, select_all};
use iced::widget::{button, column, container, row, scrollable, text};
use iced::{Element, Length, Task};

use super::{FinanceScreen, Message, Step, FIELD_WIDTH, REASON_ID};
use crate::gui::context::Context;
use crate::gui::keys::Shortcut;
use crate::gui::worker::WorkerError;
use crate::gui::{theme, widgets};

const APPLY_TO_ID: &str = "finance-apply-to";

/// Resolving one exception: refunded, or applied to the account typed once it is looked up.
#[derive(Clone, Debug, Default)]
pub(super) struct ResolveForm {
    reference: String,
    pub(super) refund: bool,
    account: String,
    /// The account as read for this exception (cleared when the account is typed again).
    found: Option<Redirect>,
    /// The change of kind was confirmed (F8) for the account found.
    confirmed: bool,
    pub(super) reason: String,
    /// A refusal written under the account field.
    refusal: Option<String>,
    /// A refusal written under the reason.
    reason_refusal: Option<String>,
}

impl ResolveForm {
    pub(super) fn focus(&self) -> Task<Message> {
        focus(if self.refund { REASON_ID } else { APPLY_TO_ID })
    }

    /// The reason typed (taking away a refusal under it).
    pub(super) fn set_reason(&mut self, text: String) {
        self.reason = text;
        self.reason_refusal = None;
    }

    pub(super) fn kind_confirmed(&self) -> bool {
        self.confirmed
    }

    /// A new account typed: what was read and confirmed for the old one no longer holds.
    pub(super) fn set_account(&mut self, text: String) {
        self.account = text;
        self.found = None;
        self.confirmed = false;
        self.refusal = None;
    }
}

impl FinanceScreen {
    /// F6 (apply, `refund` false) or F7 (refund) on the highlighted exception.
    pub(super) fn start_resolve(&mut self, refund: bool) -> Task<Message> {
        let Some(row) = self.highlighted_exception() else {
            return self.fail("exception: pick an exception in the list first [Up/Down]".into());
        };
        let form = ResolveForm { reference: row.reference.clone(), refund, ..ResolveForm::default() };
        let task = form.focus();
        self.step = Step::Resolving(form);
        self.error = None;
        self.notice = None;
        task
    }

    /// Enter on the account to apply to: it is read (name, kind, status, balance) before anything is recorded.
    pub(super) fn look_up_apply_to(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        let Step::Resolving(form) = &self.step else { return Task::none() };
        let (reference, account) = (form.reference.clone(), form.account.trim().to_string());
        if account.is_empty() {
            return focus(APPLY_TO_ID);
        }
        let actor = actor.clone();
        Task::perform(ctx.worker.run(move |ledger| lockbox_redirect::target(&*ledger.read()?, &actor, &reference, &account)), Message::ApplyToFound)
    }

    pub(super) fn apply_to_found(&mut self, result: Result<Redirect, WorkerError>) -> Task<Message> {
        let Step::Resolving(form) = &mut self.step else { return Task::none() };
        self.error = None;
        match result {
            Err(error) if !error.is_refusal() => self.fail(error.into()),
            Ok(found) => {
                form.account = found.number.clone();
                form.refusal = None;
                form.confirmed = false;
                form.found = Some(found);
                focus(REASON_ID)
            }
            Err(error) => {
                form.found = None;
                form.refusal = Some(error.into());
                focus(APPLY_TO_ID).chain(select_all(APPLY_TO_ID))
            }
        }
    }

    /// F8: the change of kind confirmed (or withdrawn) for the account found.
    pub(super) fn confirm_kind(&mut self, confirmed: bool) -> Task<Message> {
        if let Step::Resolving(form) = &mut self.step {
            if form.found.as_ref().is_some_and(Redirect::changes_kind) {
                form.confirmed = confirmed;
                if confirmed {
                    form.refusal = None;
                }
            }
        }
        focus(REASON_ID)
    }

    /// Enter on the reason: the exception is applied (a new held item of its batch) or marked refunded. The
    /// account must have been read, and a change of kind confirmed.
    pub(super) fn resolve_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let Step::Resolving(form) = &mut self.step else { return Task::none() };
        form.reason_refusal = None;
        let (reference, reason) = (form.reference.clone(), form.reason.trim().to_string());
        let apply = if form.refund {
            None
        } else {
            let problem = match &form.found {
                _ if form.account.trim().is_empty() => Some("apply-to: type the account the payment belongs to".to_string()),
                None => Some("apply-to: press Enter on the account to look it up first".to_string()),
                Some(found) if found.changes_kind() && !form.confirmed => Some(kind_question(&form.reference, found)),
                Some(_) => None,
            };
            if let Some(problem) = problem {
                form.refusal = Some(problem);
                return focus(APPLY_TO_ID).chain(select_all(APPLY_TO_ID));
            }
            form.found.as_ref().map(|found| (found.number.clone(), form.confirmed.then_some(found.kind)))
        };
        self.error = None;
        self.busy = true;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.run(move |ledger| {
                let line = match &apply {
                    Some((account, confirmed)) => lockbox_redirect::apply(ledger, &actor, &reference, account, &reason, *confirmed)?,
                    None => lockbox::resolve(ledger, &actor, &reference, None, &reason)?,
                };
                let batch_id = reference.rsplit_once("-E").map(|(b, _)| b.to_string()).unwrap_or_default();
                let reader = ledger.read()?;
                let summary = batch::summary(&reader, &batch_id)?;
                let open = lockbox::exceptions(&reader, Some(&batch_id), false)?.into_iter().filter(|r| r.state == citytill::domain::states::ExceptionState::Open).count();
                let next = if open == 0 { format!("Batch {batch_id} can be balanced now [Batches, F6].") } else { format!("{open} exception(s) of batch {batch_id} still open.") };
                Ok(format!("{} ({reason}). Batch {batch_id} holds {} in {} items. {next}", capital(&line), summary.total.grouped(), summary.items))
            }),
            Message::Done,
        )
    }

    /// A refusal of the resolution: under the account field when it is about the account, else in the banner.
    pub(super) fn resolve_refused(&mut self, error: WorkerError) -> Task<Message> {
        self.busy = false;
        let about_account = error.field_on(&[("apply-to", APPLY_TO_ID)]).is_some();
        let about_reason = error.field_on(&[("reason", REASON_ID)]).is_some();
        let error = String::from(error);
        match &mut self.step {
            Step::Resolving(form) if !form.refund && about_account => {
                form.refusal = Some(error);
                form.found = None;
                form.confirmed = false;
                focus(APPLY_TO_ID).chain(select_all(APPLY_TO_ID))
            }
            Step::Resolving(form) if about_reason => {
                form.reason_refusal = Some(error);
                focus(REASON_ID).chain(select_all(REASON_ID))
            }
            _ => {
                self.error = Some(error);
                focus(REASON_ID).chain(select_all(REASON_ID))
            }
        }
    }

    /// The refusal under the account field, if any (for the tests).
    #[cfg(test)]
    pub(super) fn apply_to_refusal(&self) -> Option<&str> {
        match &self.step {
            Step::Resolving(form) => form.refusal.as_deref(),
            _ => None,
        }
    }

    pub(super) fn resolve_form<'a>(&'a self, form: &'a ResolveForm) -> Element<'a, Message> {
        let row_of = self.exceptions.iter().find(|x| x.reference == form.reference);
        let what = match row_of {
            Some(x) => format!("{} — line {} of batch {}: {} for '{}' ({})", x.reference, x.line, x.batch, x.amount.grouped(), x.account, x.problem),
            None => form.reference.clone(),
        };
        let mut fields = column![text(what).size(theme::BODY).font(theme::text::BOLD)].spacing(theme::GAP);
        let label = if form.refund {
            fields = fields.push(text("Refunded to the remitter: it counts toward the file's totals and posts to no account.").size(theme::SMALL).style(theme::text::muted));
            "Refund [Enter]"
        } else {
            let field = widgets::checked_field("Apply to account", APPLY_TO_ID, &form.account, Message::ApplyTo, Some(Message::ApplyToSubmitted), form.refusal.as_deref());
            fields = fields.push(container(field).width(FIELD_WIDTH)).push(found_view(form));
            "Apply [Enter]"
        };
        let submit = button(text(label).size(theme::BODY)).padding([8, 14]).on_press_maybe((!self.busy).then_some(Message::ResolveSubmitted)).style(theme::button::primary);
        // The reason and the buttons stay below the scrolling part, on screen at 1024×768 and a 150% text scale.
        let bottom = column![
            container(widgets::checked_field("Reason", REASON_ID, &form.reason, Message::Reason, Some(Message::ResolveSubmitted), form.reason_refusal.as_deref())).width(Length::Fill),
            row![submit, widgets::key_button("Back", Some(Shortcut::Cancel), Some(Message::Cancel))].spacing(8),
        ]
        .spacing(theme::GAP);
        let fields = fields.padding(iced::Padding { right: 16.0, ..iced::Padding::ZERO });
        container(column![scrollable(fields).height(Length::Fill), bottom].spacing(theme::GAP)).padding(14).width(Length::Fill).height(Length::Fill).style(theme::container::card).into()
    }
}

/// The account found: its name (a line of its own), then its kind, status and balance; and, when its kind is
/// not the item's, the question and its answer [F8].
fn found_view(form: &ResolveForm) -> Element<'_, Message> {
    let Some(found) = &form.found else {
        return text("Type the account it belongs to and press Enter to look it up.").size(theme::SMALL).style(theme::text::muted).into();
    };
    let mut shown = column![
        text(format!("Account {} — {}", found.number, found.name)).size(theme::BODY).font(theme::text::BOLD),
        text(format!("{} account, {}, balance {}", capital(found.kind.as_str()), found.status, found.balance.grouped())).size(theme::BODY),
    ]
    .spacing(4);
    if found.changes_kind() {
        let question = kind_question(&form.reference, found);
        shown = shown.push(widgets::question(format!("{}.", capital(question.trim_start_matches("apply-to: ")))));
        let (label, style): (String, fn(&iced::Theme, button::Status) -> button::Style) = if form.confirmed {
            (format!("Confirmed: apply to this {} account (F8 withdraws)", found.kind.as_str()), theme::button::primary)
        } else {
            (format!("Yes, apply it to this {} account", found.kind.as_str()), theme::button::secondary)
        };
        shown = shown.push(button(text(format!("{label} [{}]", Shortcut::F8.label())).size(theme::BODY)).padding([8, 14]).on_press(Message::ConfirmKind(!form.confirmed)).style(style));
    }
    shown.into()
}

/// What is asked before an item is applied to an account of another kind.
fn kind_question(reference: &str, found: &Redirect) -> String {
    let original = found.original_kind.map_or("another", PayableKind::as_str);
    format!("apply-to: {reference} was paid for a {original} account and {} is a {} account: confirm the change [F8]", found.number, found.kind.as_str())
}

/// The library's line with a capital first letter (it starts with the exception's reference, like "L1-E1 applied…").
fn capital(line: &str) -> String {
    let mut chars = line.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
