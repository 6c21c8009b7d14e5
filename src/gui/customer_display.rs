//! What the customer-facing pole display shows, derived from the counter screen after every update: the item
//! just added and the amount due, then paid and still due, then the change and "Thank you" with the receipt
//! number; a welcome when no one is being served. Only what changed is sent, and sending only queues it on the
//! display's own thread (no display configured: nothing happens).

use citytill::Money;
use citytill_hardware::display::{amount_line, centred, DisplayLines, COLUMNS};

use super::devices::Devices;
use citytill::ops::payment::{Cart, CartItem, CartLine};

use super::screen::counter::Completed;

/// The two lines for the counter as it is now: its `cart` and the payment just `completed` (`serving` = someone
/// is signed in; otherwise the welcome).
pub fn lines(cart: &Cart, completed: Option<&Completed>, serving: bool, city_name: &str) -> DisplayLines {
    let welcome = || DisplayLines::new(centred(if city_name.trim().is_empty() { "Welcome" } else { city_name }), centred("Welcome"));
    if !serving {
        return welcome();
    }
    if cart.is_empty() {
        return match completed {
            Some(done) => DisplayLines::new(amount_line("Change", &done.result.change.grouped()), thanks(&done.result.receipt)),
            None => welcome(),
        };
    }
    let (due, tendered) = (cart.total_due(), cart.tendered());
    if cart.tenders().is_empty() {
        let upper = cart.lines().last().map(item_line).unwrap_or_default();
        return DisplayLines::new(upper, amount_line("Due", &due.grouped()));
    }
    let lower = if tendered >= due { amount_line("Change", &tendered.saturating_sub(due).grouped()) } else { amount_line("Due", &cart.remaining().grouped()) };
    DisplayLines::new(amount_line("Paid", &tendered.grouped()), lower)
}

/// "Thank you" and the receipt number; "Thanks" where a long receipt number leaves no room for it (never a cut word).
fn thanks(receipt: &str) -> String {
    let room = COLUMNS.saturating_sub(receipt.chars().count() + 1);
    let label = ["Thank you", "Thanks"].into_iter().find(|l| l.len() <= room).unwrap_or("");
    amount_line(label, receipt)
}

/// A cart line for the customer: what it is (kind and number, or the fee's description — never a name) and its amount.
fn item_line(line: &CartLine) -> String {
    let amount = Money::parse_positive("amount", &line.amount, Money::from_cents(i64::MAX / 4)).map(Money::grouped).unwrap_or_default();
    let label = match &line.item {
        CartItem::Payable(row) => {
            let kind = row.kind.as_str();
            let kind: String = kind.chars().take(1).flat_map(char::to_uppercase).chain(kind.chars().skip(1)).collect();
            let both = format!("{kind} {}", row.number);
            // The account number is never cut to make room for its kind.
            if both.chars().count() + amount.chars().count() < COLUMNS {
                both
            } else {
                row.number.clone()
            }
        }
        CartItem::Fee(fee) => fee.description.clone(),
        CartItem::Account(number) => number.clone(),
        CartItem::FeeCode(code) => code.clone(),
    };
    if amount.is_empty() {
        label
    } else {
        amount_line(&label, &amount)
    }
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

    fn cart(amount: &str) -> Cart {
        let row =
            PayableRow { kind: PayableKind::Utility, number: "100200".into(), name: "Maria Lopez".into(), address: "12 Maple St".into(), status: "active".into(), balance: Money::from_cents(23416) };
        let mut cart = Cart::default();
        cart.add_line(CartItem::Payable(row), amount.into());
        cart
    }

    // Proves the lines follow the sale: the welcome before anyone is served, the item and "Due" with the cart,
    // "Paid" and what is still due after a partial tender, never the customer's name, and "Thanks" rather than a
    // cut "Thank yo" before a long receipt number.
    #[test]
    fn lines_follow_the_sale() {
        assert_eq!(lines(&Cart::default(), None, true, "Springfield"), DisplayLines::new("    Springfield", "      Welcome"));
        assert_eq!(lines(&cart("234.16"), None, false, ""), DisplayLines::new("      Welcome", "      Welcome"));
        let shown = lines(&cart("234.16"), None, true, "");
        assert_eq!(shown, DisplayLines::new("100200        234.16", "Due           234.16"));
        assert_eq!(lines(&cart("84.12"), None, true, "").upper, "Utility 100200 84.12");
        let mut paying = cart("234.16");
        paying.add_tender(Tender::parse("cash=100", Money::from_cents(i64::MAX / 4)).unwrap());
        let shown = lines(&paying, None, true, "");
        assert_eq!(shown, DisplayLines::new("Paid          100.00", "Due           134.16"));
        assert!(!format!("{shown:?}").contains("Lopez"));
        assert_eq!(thanks("T01-000001"), "Thank you T01-000001");
        assert_eq!(thanks("TRN1-000001"), "Thanks   TRN1-000001");
    }

    /// What the simulated display shows, once it shows `want` in its lower line (or after 10 s, whatever it shows).
    fn shown_when(simulators: &citytill_hardware::sim::Simulators, want: &str) -> [String; 2] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline && simulators.display().lines()[1].trim_end() != want {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        simulators.display().lines()
    }

    // Proves the window drives the (simulated) pole display through the sale: the welcome once signed in, the
    // item and "Due" after the lookups, "Paid"/"Due" after a partial tender, the change and "Thank you" with the
    // receipt number after the cash that makes it exact, and the welcome again after Esc. (The "License" kind is
    // left out where it would cut the account number.)
    #[test]
    fn window_sale_reaches_the_simulated_display() {
        use crate::gui::app::Message as AppMessage;
        use crate::gui::screen::counter::Message;
        use crate::gui::testing::{fixture_with, send, signed_in};
        let sim_dir = tempfile::tempdir().unwrap();
        let fixture = fixture_with(crate::gui::devices::Devices::simulated(sim_dir.path()));
        assert!(fixture.ctx.devices.problems.is_empty(), "{:?}", fixture.ctx.devices.problems);
        let simulators = fixture.ctx.devices.simulators.as_ref().unwrap();
        let mut app = signed_in(&fixture, "ana", "1357");
        assert_eq!(shown_when(simulators, "      Welcome"), ["City of Springfield ".to_string(), "      Welcome       ".to_string()]);
        let counter = |app: &mut crate::gui::app::App, message| send(app, AppMessage::Counter(message));
        counter(&mut app, Message::LookupChanged("100200".into()));
        counter(&mut app, Message::LookupSubmitted);
        assert_eq!(shown_when(simulators, "Due            84.12"), ["Utility 100200 84.12".to_string(), "Due            84.12".to_string()]);
        counter(&mut app, Message::LookupChanged("BL-3004".into()));
        counter(&mut app, Message::LookupSubmitted);
        assert_eq!(app.counter.cart().len(), 2, "{:?}", app.counter.error());
        assert_eq!(shown_when(simulators, "Due           234.12"), ["BL-3004       150.00".to_string(), "Due           234.12".to_string()]);
        counter(&mut app, Message::Amount("100".into()));
        counter(&mut app, Message::AmountSubmitted);
        assert_eq!(shown_when(simulators, "Due           134.12"), ["Paid          100.00".to_string(), "Due           134.12".to_string()]);
        counter(&mut app, Message::Amount("134.12".into()));
        counter(&mut app, Message::AmountSubmitted);
        let receipt = app.counter.completed().map(|c| c.result.receipt.clone()).unwrap_or_else(|| panic!("{:?}", app.counter.error()));
        assert_eq!(receipt, "T01-000001");
        assert_eq!(shown_when(simulators, "Thank you T01-000001"), ["Change          0.00".to_string(), "Thank you T01-000001".to_string()]);
        send(&mut app, AppMessage::Shortcut(crate::gui::keys::Shortcut::Cancel));
        assert_eq!(shown_when(simulators, "      Welcome")[1].trim_end(), "      Welcome");
    }
}
