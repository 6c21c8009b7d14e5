//! The finance screen's file exceptions: an item of a lockbox or online file whose account is unknown or
//! closed is applied to an account (looked up first) or refunded, each with a reason, through
//! `ops::lockbox::resolve` — as `citytill lockbox resolve` does; the batch then balances as usual.

use citytill::ops::auth::Actor;
use citytill::ops::{batch, lockbox, query};
use iced::widget::operation::{focus, select_all};
use iced::Task;

use super::{FinanceScreen, Message, ResolveForm, Step, APPLY_TO_ID, REASON_ID};
use crate::gui::context::Context;

impl FinanceScreen {
    /// F6 (apply, `refund` false) or F7 (refund) on the highlighted exception.
    pub(super) fn start_resolve(&mut self, refund: bool) -> Task<Message> {
        let Some(row) = self.highlighted_exception() else {
            return self.fail("exception: pick an exception in the list first [Up/Down]".into());
        };
        self.step = Step::Resolving(ResolveForm { reference: row.reference.clone(), refund, ..ResolveForm::default() });
        self.error = None;
        self.notice = None;
        self.focus()
    }

    /// Enter on the account to apply to: its name is shown before anything is recorded.
    pub(super) fn look_up_apply_to(&mut self, ctx: &Context) -> Task<Message> {
        let Step::Resolving(form) = &self.step else { return Task::none() };
        let account = form.account.trim().to_string();
        if account.is_empty() {
            return focus(APPLY_TO_ID);
        }
        Task::perform(ctx.worker.call(move |ledger| Ok(query::payable(&*ledger.read()?, &account)?.map(|p| (p.number, p.name)))), Message::ApplyToFound)
    }

    pub(super) fn apply_to_found(&mut self, result: Result<Option<(String, String)>, String>) -> Task<Message> {
        let Step::Resolving(form) = &mut self.step else { return Task::none() };
        match result {
            Ok(Some(found)) => {
                form.account = found.0.clone();
                form.found = Some(found);
                self.error = None;
                focus(REASON_ID)
            }
            Ok(None) => {
                self.error = Some(format!("apply-to: '{}' is not a known account number", form.account.trim()));
                focus(APPLY_TO_ID).chain(select_all(APPLY_TO_ID))
            }
            Err(error) => {
                self.error = Some(error);
                focus(APPLY_TO_ID)
            }
        }
    }

    /// Enter on the reason: the exception is applied (a new held item of its batch) or marked refunded.
    pub(super) fn resolve_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let Step::Resolving(form) = &self.step else { return Task::none() };
        let (reference, reason) = (form.reference.clone(), form.reason.trim().to_string());
        let apply_to = (!form.refund).then(|| form.account.trim().to_string());
        if apply_to.as_deref().is_some_and(str::is_empty) {
            self.error = Some("apply-to: type the account the payment belongs to".into());
            return focus(APPLY_TO_ID);
        }
        self.error = None;
        self.busy = true;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.call(move |ledger| {
                let line = lockbox::resolve(ledger, &actor, &reference, apply_to.as_deref(), &reason)?;
                let batch_id = reference.rsplit_once("-E").map(|(b, _)| b.to_string()).unwrap_or_default();
                let summary = batch::summary(&*ledger.read()?, &batch_id)?;
                let open = lockbox::exceptions(&*ledger.read()?, Some(&batch_id), false)?.into_iter().filter(|r| r.state == citytill::domain::states::ExceptionState::Open).count();
                let next = if open == 0 { format!("Batch {batch_id} can be balanced now [Batches, F6].") } else { format!("{open} exception(s) of batch {batch_id} still open.") };
                Ok(format!("{} ({reason}). Batch {batch_id} holds {} in {} items. {next}", capital(&line), summary.total.grouped(), summary.items))
            }),
            Message::Done,
        )
    }
}

/// The library's line with a capital first letter (it starts with the exception's reference, like "L1-E1 applied…").
fn capital(line: &str) -> String {
    let mut chars = line.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
