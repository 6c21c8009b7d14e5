//! The batches screen's item loop: the stub (scanline read with the stub templates, or a keyed account),
//! the check's MICR line (scanned or typed by a keyboard wedge), then the amount — Enter holds the item.

use citytill::domain::tender::{Tender, TenderKind};
use citytill::ops::auth::Actor;
use citytill::ops::batch::{self, ItemRequest};
use citytill::ops::query;
use citytill::Money;
use citytill_hardware::micr::Micr;
use iced::widget::operation::focus;
use iced::Task;

use super::{Account, BatchesScreen, ItemForm, Message, AMOUNT_ID, MICR_ID, STUB_ID};
use crate::gui::context::Context;
use crate::gui::scan::{self, Lookup};
use crate::gui::worker::WorkerError;

impl BatchesScreen {
    /// The stub line: a scanline read with the stub templates (as on the counter), or a keyed account number.
    pub(super) fn stub_submitted(&mut self, ctx: &Context) -> Task<Message> {
        self.error = None;
        let Some(form) = self.item_form() else { return Task::none() };
        let (accounts, due) = match scan::classify(&ctx.stubs, &form.stub) {
            Lookup::Stub { accounts, amount } => (accounts, amount),
            Lookup::BadStub(problem) => {
                form.stub.clear();
                return self.fail(problem, STUB_ID);
            }
            Lookup::Receipt(receipt) => return self.fail(format!("scan: {receipt} is a receipt barcode, not a remittance stub"), STUB_ID),
            Lookup::Words(words) if words.is_empty() => return focus(STUB_ID),
            Lookup::Words(words) => (vec![words], None),
        };
        Task::perform(
            ctx.worker.run(move |ledger| {
                for number in &accounts {
                    if let Some(row) = query::payable(&*ledger.read()?, number)? {
                        return Ok(Some(Account { number: row.number, name: row.name, due }));
                    }
                }
                Ok(None)
            }),
            Message::StubFound,
        )
    }

    pub(super) fn stub_found(&mut self, result: Result<Option<Account>, WorkerError>) -> Task<Message> {
        let Some(form) = self.item_form() else { return Task::none() };
        match result {
            Ok(Some(account)) => {
                if let (Some(due), true) = (account.due, form.amount.trim().is_empty()) {
                    form.amount = due.to_string();
                }
                form.account = Some(account);
                focus(MICR_ID)
            }
            Ok(None) => {
                let problem = format!("account: '{}' is not a known account; rescan the stub or key the account number", form.stub.trim());
                self.fail(problem, STUB_ID)
            }
            Err(error) => self.refused(error, STUB_ID),
        }
    }

    /// Enter in the check field: a typed (keyboard-wedge) MICR line is parsed; empty means a check without one.
    pub(super) fn micr_submitted(&mut self) -> Task<Message> {
        self.error = None;
        let Some(form) = self.item_form() else { return Task::none() };
        if form.micr.trim().is_empty() {
            form.check = None;
            return focus(AMOUNT_ID);
        }
        let parsed = citytill_hardware::micr::parse(form.micr.trim(), None);
        form.micr.clear();
        match parsed {
            Ok(micr) => {
                form.take_check(micr);
                focus(AMOUNT_ID)
            }
            Err(e) => self.fail(format!("check: {e} — rescan the check"), MICR_ID),
        }
    }

    pub(super) fn confirm(&mut self, ctx: &Context, actor: &Actor) -> Task<Message> {
        if self.busy {
            return Task::none();
        }
        self.error = None;
        let selected = self.selected.clone();
        let Some(form) = self.item_form() else { return Task::none() };
        let (Some(selected), Some(account)) = (selected, form.account.clone()) else {
            return self.fail("item: scan the stub (or key the account number) first".into(), STUB_ID);
        };
        let amount = match Money::parse_positive("amount", &form.amount, ctx.max_amount()) {
            Ok(amount) => amount,
            Err(e) => return self.fail(e.to_string(), AMOUNT_ID),
        };
        // The notice and the form show the amount as recorded (10 → 10.00).
        form.amount = amount.to_string();
        let tender = match &form.check {
            Some(check) => {
                if let Some(cents) = check.amount_cents.filter(|c| *c != amount.cents()) {
                    return self.fail(format!("check: it is encoded for {}, the item is {amount}", Money::from_cents(cents)), AMOUNT_ID);
                }
                match Tender::from_micr(amount, check) {
                    Ok(tender) => tender,
                    Err(e) => return self.fail(e.to_string(), MICR_ID),
                }
            }
            None => Tender::new(TenderKind::Check, amount),
        };
        let stub = matches!(scan::classify(&ctx.stubs, &form.stub), Lookup::Stub { .. }).then(|| form.stub.trim().to_string());
        let request = ItemRequest { payable: account.number, amount, tender, stub };
        self.busy = true;
        let actor = actor.clone();
        Task::perform(ctx.worker.run(move |ledger| batch::add(ledger, &actor, &selected.batch, request)), Message::Added)
    }

    pub(super) fn added(&mut self, result: Result<String, WorkerError>, ctx: &Context) -> Task<Message> {
        self.busy = false;
        match result {
            Ok(reference) => {
                let Some(form) = self.item_form() else { return self.load(ctx) };
                let amount = std::mem::take(form).amount.trim().to_string();
                self.notice = Some(format!("Item {reference} held: {amount}. Next stub."));
                Task::batch([self.load(ctx), focus(STUB_ID)])
            }
            Err(error) => self.refused(error, AMOUNT_ID),
        }
    }
}

impl ItemForm {
    /// Keeps a parsed check (only the account's last four digits) and its encoded amount when none is typed.
    pub(super) fn take_check(&mut self, micr: Micr) {
        if let (Some(cents), true) = (micr.amount_cents, self.amount.trim().is_empty()) {
            self.amount = Money::from_cents(cents).to_string();
        }
        self.check = Some(micr);
    }
}
