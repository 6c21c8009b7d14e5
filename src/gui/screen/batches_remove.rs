//! The batches screen's correction: a mis-keyed item is taken out of an open mail or drop-box batch with a
//! reason (`ops::batch::remove`, as `citytill batch remove` does) — a reversing entry; the item stays in the journal.

use citytill::ops::auth::Actor;
use citytill::ops::batch;
use iced::widget::operation::focus;
use iced::Task;

use super::{BatchesScreen, Message, RemoveForm, Step, REASON_ID, REMOVE_ITEM_ID, STUB_ID};
use crate::gui::context::Context;
use crate::gui::worker::WorkerError;

impl BatchesScreen {
    /// F12: the removal form on the selected batch, only where the library takes corrections and an item is held.
    pub(super) fn start_remove(&mut self) -> Task<Message> {
        let Some(selected) = &self.selected else { return self.fail("batch: pick a batch in the list first".into(), STUB_ID) };
        if !batch::takes_corrections(selected) {
            let problem = format!("batch: {} is {}; items are removed from an open mail or drop-box batch of an open day", selected.batch, selected.state);
            return self.fail(problem, STUB_ID);
        }
        if self.items.is_empty() {
            return self.fail(format!("batch: {} holds no items to remove", selected.batch), STUB_ID);
        }
        self.step = Step::Removing(RemoveForm::default());
        self.error = None;
        self.notice = None;
        focus(REMOVE_ITEM_ID)
    }

    /// Enter on the reason: the item (its number, or its reference like M1-0002) is removed on the ledger thread.
    pub(super) fn remove_submitted(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        let (Step::Removing(form), Some(selected)) = (&self.step, self.selected.clone()) else { return Task::none() };
        let (typed, reason) = (form.item.trim().to_string(), form.reason.trim().to_string());
        self.error = None;
        let Some(item) = item_number(&typed, &selected.batch) else {
            let problem = format!("item: '{typed}' is not an item of batch {}; type its number from the list, like 2 or {}-0002", selected.batch, selected.batch);
            return self.fail(problem, REMOVE_ITEM_ID);
        };
        let Some(held) = self.items.iter().find(|i| i.item == item) else {
            return self.fail(format!("item: batch {} holds no item {item}", selected.batch), REMOVE_ITEM_ID);
        };
        let (reference, amount) = (held.reference(&selected.batch), held.amount);
        // The reason is the library's to judge (its refusal names the field); nothing is written without one.
        self.busy = true;
        let actor = actor.clone();
        Task::perform(
            ctx.worker.run(move |ledger| {
                batch::remove(ledger, &actor, &selected.batch, item, &reason)?;
                let summary = batch::summary(&*ledger.read()?, &selected.batch)?;
                let items = if summary.items == 1 { "1 item".to_string() } else { format!("{} items", summary.items) };
                Ok(format!(
                    "Item {reference} ({}) removed: {reason}. Batch {} now holds {} in {items} (control {} in {}).",
                    amount.grouped(),
                    summary.batch,
                    summary.total.grouped(),
                    summary.control_total.grouped(),
                    summary.control_items
                ))
            }),
            Message::Removed,
        )
    }

    pub(super) fn removed(&mut self, result: Result<String, WorkerError>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(line) => {
                self.notice = Some(line);
                self.error = None;
                self.step = Step::List;
                self.load(ctx)
            }
            Err(error) => {
                // The library's refusal names its field: the reason, or else the item.
                let field = error.field_on(&[("reason", REASON_ID)]).unwrap_or(REMOVE_ITEM_ID);
                self.refused(error, field)
            }
        }
    }
}

/// "2", "0002" or "M1-0002" (this batch's reference) as the item number.
fn item_number(typed: &str, batch: &str) -> Option<i64> {
    let typed = typed.trim();
    let number = match typed.split_once('-') {
        Some((prefix, number)) if prefix.eq_ignore_ascii_case(batch) => number,
        Some(_) => return None,
        None => typed,
    };
    number.parse::<i64>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::item_number;

    // Proves an item is named by its number or by this batch's reference, and another batch's reference is refused.
    #[test]
    fn item_numbers_and_references() {
        assert_eq!(item_number(" 2 ", "M1"), Some(2));
        assert_eq!(item_number("m1-0002", "M1"), Some(2));
        assert_eq!(item_number("M2-0002", "M1"), None);
        assert_eq!(item_number("two", "M1"), None);
        assert_eq!(item_number("0", "M1"), None);
    }
}
