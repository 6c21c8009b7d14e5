//! The counter's lookup line: search as the cashier types (newest answer wins), the keyboard highlight in
//! what it offers, and what Enter on it finds — a payable or fee into the cart, a list, or a receipt to open.

use citytill::domain::payable::{FeeRow, PayableRow};
use citytill::domain::tender::contains_card_number;
use citytill::ops::query;
use iced::widget::operation::focus;
use iced::Task;

use super::lookup::{self, Found};
use super::{CartItem, Counter, Event, Message, LOOKUP_ID, RESULTS_ID, RESULTS_LIMIT};
use crate::gui::context::Context;
use crate::gui::list_nav::{self, Move};
use crate::gui::scan::{self, Lookup};
use crate::gui::worker::WorkerError;

/// The lookup line and what it offers while typed.
#[derive(Debug, Default)]
pub(super) struct Search {
    pub(super) text: String,
    pub(super) results: Vec<PayableRow>,
    pub(super) fee_match: Option<FeeRow>,
    /// The keyboard highlight in the offered rows (the fee match first, then the results); Enter picks it.
    pub(super) highlighted: Option<usize>,
    /// Which search-as-you-type answer is the current one (an older one is dropped).
    pub(super) generation: u64,
    /// The line came from the serial scanner (a receipt barcode there opens Receipts from any terminal).
    pub(super) scanned: bool,
}

impl Search {
    /// The line was used (put in the cart, refused, opened elsewhere): the field and its offers empty.
    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.results.clear();
        self.fee_match = None;
        self.highlighted = None;
    }
}

impl Counter {
    pub(super) fn lookup_changed(&mut self, text: String, ctx: &Context) -> Task<Message> {
        self.search.text = text;
        self.search.highlighted = None;
        self.search.scanned = false;
        self.next_customer();
        self.search.generation += 1;
        let generation = self.search.generation;
        let words = self.search.text.trim().to_string();
        // A card number is never sent to a search (nor kept: Enter refuses and clears it).
        if words.chars().count() < 2 || !matches!(scan::classify(&ctx.stubs, &words), Lookup::Words(_) | Lookup::Receipt(_)) || contains_card_number(&words) {
            self.search.results.clear();
            self.search.fee_match = None;
            return Task::none();
        }
        Task::perform(
            ctx.worker.run(move |ledger| {
                let reader = ledger.read()?;
                Ok((query::search_payables(&reader, &words, RESULTS_LIMIT)?, query::fee(&reader, &words)?))
            }),
            move |result| Message::Searched(generation, result),
        )
    }

    /// How many rows the lookup offers: the fee match, then the results.
    pub fn offered(&self) -> usize {
        usize::from(self.search.fee_match.is_some()) + self.search.results.len()
    }

    /// Moves the keyboard highlight (Home/End only once a row is highlighted: before that they stay the
    /// lookup field's) and scrolls the results to follow it.
    pub(super) fn move_highlight(&mut self, movement: Move) -> Task<Message> {
        if matches!(movement, Move::Home | Move::End) && self.search.highlighted.is_none() {
            return Task::none();
        }
        self.search.highlighted = list_nav::moved(self.search.highlighted, self.offered(), movement);
        match self.search.highlighted {
            Some(index) => list_nav::follow(RESULTS_ID, index, self.offered()),
            None => Task::none(),
        }
    }

    /// Enter with a row highlighted: that row goes in the cart.
    pub(super) fn pick_highlighted(&mut self, index: usize) -> Task<Message> {
        match (self.search.fee_match.is_some(), index) {
            (true, 0) => self.pick_fee(),
            (true, index) => self.pick(index - 1),
            (false, index) => self.pick(index),
        }
    }

    pub(super) fn searched(&mut self, generation: u64, result: Result<(Vec<PayableRow>, Option<FeeRow>), WorkerError>) {
        if generation != self.search.generation {
            return; // typed on since: a newer search is coming
        }
        match result {
            Ok((results, fee)) => {
                self.search.results = results;
                self.search.fee_match = fee;
                self.search.highlighted = None;
            }
            Err(error) => self.error = Some(error.into()),
        }
    }

    pub(super) fn lookup_submitted(&mut self, ctx: &Context) -> (Task<Message>, Option<Event>) {
        self.error = None;
        let scanned = std::mem::take(&mut self.search.scanned);
        if let Some(index) = self.search.highlighted.take().filter(|i| *i < self.offered() && !scanned) {
            return (self.pick_highlighted(index), None);
        }
        if contains_card_number(&self.search.text) {
            // Like every other field: refused, not echoed, not kept.
            self.search.clear();
            self.error = Some("lookup: that looks like a card number; card numbers are never typed into CityTill — use the card terminal".into());
            return (focus(LOOKUP_ID), None);
        }
        match scan::classify(&ctx.stubs, &self.search.text) {
            Lookup::Receipt(receipt) => {
                // Accounts first (BL-1234567 is a license); only this terminal's receipts, or a scanned receipt
                // barcode, may open Receipts — and only when the receipt exists.
                let receipt_allowed = scanned || receipt.split_once('-').is_some_and(|(terminal, _)| terminal.eq_ignore_ascii_case(&ctx.terminal));
                let text = self.search.text.trim().to_string();
                (Task::perform(ctx.worker.run(move |ledger| lookup::receipt_shaped(&ledger.read()?, &text, receipt_allowed.then_some(receipt.as_str()), RESULTS_LIMIT)), Message::Found), None)
            }
            Lookup::BadStub(problem) => {
                self.error = Some(problem);
                self.search.text.clear();
                (focus(LOOKUP_ID), None)
            }
            Lookup::Stub { accounts, amount } => (Task::perform(ctx.worker.run(move |ledger| lookup::stub(&ledger.read()?, accounts, amount)), Message::Found), None),
            Lookup::Words(words) if words.is_empty() => (self.focus(), None),
            Lookup::Words(words) => (Task::perform(ctx.worker.run(move |ledger| lookup::words(&ledger.read()?, &words, RESULTS_LIMIT)), Message::Found), None),
        }
    }

    pub(super) fn found(&mut self, result: Result<Found, WorkerError>) -> (Task<Message>, Option<Event>) {
        let task = match result {
            Ok(Found::Receipt(receipt)) => {
                self.search.clear();
                return (Task::none(), Some(Event::OpenReceipt(receipt)));
            }
            Ok(Found::Payable(row, amount)) => self.add(CartItem::Payable(row), amount),
            Ok(Found::Fee(row)) => self.add(CartItem::Fee(row), None),
            Ok(Found::Many(rows)) => {
                self.search.results = rows;
                self.search.highlighted = None;
                if let Some(refusal) = self.drawer_refusal.clone().filter(|_| self.cart.is_empty()) {
                    self.error = Some(refusal);
                }
                Task::none()
            }
            Ok(Found::Nothing(text)) => {
                self.error = Some(format!("lookup: nothing matches '{text}'; check the number or try the name or street"));
                focus(LOOKUP_ID)
            }
            Err(error) => {
                self.error = Some(error.into());
                focus(LOOKUP_ID)
            }
        };
        (task, None)
    }

    pub(super) fn pick(&mut self, index: usize) -> Task<Message> {
        match self.search.results.get(index).cloned() {
            Some(row) => self.add(CartItem::Payable(row), None),
            None => Task::none(),
        }
    }

    pub(super) fn pick_fee(&mut self) -> Task<Message> {
        match self.search.fee_match.clone() {
            Some(fee) => self.add(CartItem::Fee(fee), None),
            None => Task::none(),
        }
    }
}
