//! What the customer-facing pole display shows, derived from the counter screen after every update: the item
//! just added and the amount due, then paid and still due, then the change and "Thank you" with the receipt
//! number; a welcome when no one is being served. Only what changed is sent, and sending only queues it on the
//! display's own thread (no display configured: nothing happens).

use citytill::Money;
use citytill_hardware::display::{amount_line, centred, DisplayLines, COLUMNS};

use super::devices::Devices;
use super::screen::counter::{Counter, Item};

/// The two lines for the counter as it is now (`serving` = someone is signed in; otherwise the welcome).
pub fn lines(counter: &Counter, serving: bool, city_name: &str) -> DisplayLines {
    let welcome = || DisplayLines::new(centred(if city_name.trim().is_empty() { "Welcome" } else { city_name }), centred("Welcome"));
    if !serving {
        return welcome();
    }
    if counter.cart.is_empty() {
        return match &counter.completed {
            Some(done) => DisplayLines::new(amount_line("Change", &done.result.change.grouped()), amount_line("Thank you", &done.result.receipt)),
            None => welcome(),
        };
    }
    let (due, tendered) = (counter.total_due(), counter.tendered());
    if counter.tenders.is_empty() {
        let upper = counter.cart.last().map(item_line).unwrap_or_default();
        return DisplayLines::new(upper, amount_line("Due", &due.grouped()));
    }
    let lower = if tendered >= due {
        amount_line("Change", &Money::from_cents(tendered.cents() - due.cents()).grouped())
    } else {
        amount_line("Due", &counter.remaining().grouped())
    };
    DisplayLines::new(amount_line("Paid", &tendered.grouped()), lower)
}

/// A cart line for the customer: what it is (kind and number, or the fee's description — never a name) and its amount.
fn item_line(line: &super::screen::counter::CartLine) -> String {
    let amount = Money::parse_positive("amount", &line.amount, Money::from_cents(i64::MAX / 4)).map(Money::grouped).unwrap_or_default();
    let label = match &line.item {
        Item::Payable(row) => {
            let kind = row.kind.as_str();
            let kind: String = kind.chars().take(1).flat_map(char::to_uppercase).chain(kind.chars().skip(1)).collect();
            let both = format!("{kind} {}", row.number);
            // The account number is never cut to make room for its kind.
            if both.chars().count() + amount.chars().count() < COLUMNS { both } else { row.number.clone() }
        }
        Item::Fee(fee) => fee.description.clone(),
    };
    if amount.is_empty() { label } else { amount_line(&label, &amount) }
}

/// What was last sent, so an update that changes nothing the customer sees sends nothing.
#[derive(Debug, Default)]
pub struct CustomerDisplay {
    pub last: Option<DisplayLines>,
}

impl CustomerDisplay {
    /// Sends `lines` to the display if they differ from what was last sent (queued; never waits).
    pub fn sync(&mut self, lines: DisplayLines, devices: &Devices) {
        if self.last.as_ref() == Some(&lines) {
            return;
        }
        if let Err(error) = devices.show_customer(lines.clone()) {
            tracing::warn!(target: "citytill::window", "customer display: {error}");
        }
        self.last = Some(lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citytill::domain::payable::{PayableKind, PayableRow};
    use citytill::domain::tender::Tender;
    use super::super::screen::counter::CartLine;

    fn cart(amount: &str) -> Counter {
        let row = PayableRow { kind: PayableKind::Utility, number: "100200".into(), name: "Maria Lopez".into(), address: "12 Maple St".into(), status: "active".into(), balance: Money::from_cents(23416) };
        let mut counter = Counter::default();
        counter.cart.push(CartLine { item: Item::Payable(row), amount: amount.into() });
        counter
    }

    // Proves the lines follow the sale: the welcome before anyone is served, the item and "Due" with the cart,
    // "Paid" and what is still due after a partial tender, and never the customer's name.
    #[test]
    fn lines_follow_the_sale() {
        assert_eq!(lines(&Counter::default(), true, "Springfield"), DisplayLines::new("    Springfield", "      Welcome"));
        assert_eq!(lines(&cart("234.16"), false, ""), DisplayLines::new("      Welcome", "      Welcome"));
        let shown = lines(&cart("234.16"), true, "");
        assert_eq!(shown, DisplayLines::new("100200        234.16", "Due           234.16"));
        assert_eq!(lines(&cart("84.12"), true, "").upper, "Utility 100200 84.12");
        let mut paying = cart("234.16");
        paying.tenders.push(Tender::parse("cash=100", Money::from_cents(i64::MAX / 4)).unwrap());
        let shown = lines(&paying, true, "");
        assert_eq!(shown, DisplayLines::new("Paid          100.00", "Due           134.16"));
        assert!(!format!("{shown:?}").contains("Lopez"));
    }
}
