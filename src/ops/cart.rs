//! The cart of a payment being taken — its lines, its tenders, what is due, tendered and still due, the
//! request `payment::pay` records and whether the drawer opens — shared by the window and `citytill pay`
//! (re-exported as `ops::payment::Cart`), so neither keeps its own arithmetic.

use crate::domain::card_data;
use crate::domain::convenience_fee::ConvenienceFees;
use crate::domain::payable::{FeeRow, PayableRow};
use crate::domain::tender::{self, Tender};
use crate::money::Money;
use crate::ops::payment::{LineRequest, PaymentRequest};

/// What a cart line pays.
#[derive(Clone, Debug, PartialEq)]
pub enum CartItem {
    /// A payable found at the counter (shown with its name, address and balance).
    Payable(PayableRow),
    /// A fee-schedule item found at the counter.
    Fee(FeeRow),
    /// A payable known only by its number (the command line); an empty amount pays its whole balance.
    Account(String),
    /// A fee known only by its code (the command line); an empty amount is the fixed fee.
    FeeCode(String),
}

/// One line of the cart: what is paid and the amount as typed (editable for partial payments).
#[derive(Clone, Debug, PartialEq)]
pub struct CartLine {
    pub item: CartItem,
    pub amount: String,
}

impl CartLine {
    /// The line's amount; None only where the ledger decides it (a command-line line without one).
    pub fn amount(&self) -> Result<Option<Money>, String> {
        let (field, optional) = match &self.item {
            CartItem::Payable(row) => (format!("amount for {}", row.number), false),
            CartItem::Fee(fee) => (format!("amount for fee {}", fee.code), false),
            CartItem::Account(number) => (format!("amount for {number}"), true),
            CartItem::FeeCode(code) => (format!("amount for fee {code}"), true),
        };
        if optional && self.amount.trim().is_empty() {
            return Ok(None);
        }
        Money::parse_positive(&field, &self.amount, Money::from_cents(i64::MAX / 4)).map(Some).map_err(|e| e.to_string())
    }

    fn request(&self) -> Result<LineRequest, String> {
        let amount = self.amount()?;
        Ok(match &self.item {
            CartItem::Payable(row) => LineRequest::Payable { number: row.number.clone(), amount },
            CartItem::Account(number) => LineRequest::Payable { number: number.clone(), amount },
            CartItem::Fee(fee) => LineRequest::Fee { code: fee.code.clone(), amount },
            CartItem::FeeCode(code) => LineRequest::Fee { code: code.clone(), amount },
        })
    }
}

/// Lines and tenders of one payment, until it is recorded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cart {
    lines: Vec<CartLine>,
    tenders: Vec<Tender>,
    /// The city's convenience fees (`Settings::convenience_fees`); off by default.
    fees: ConvenienceFees,
}

impl Cart {
    /// An empty cart that charges the city's convenience fees on card and ACH tenders.
    pub fn with_convenience_fees(fees: ConvenienceFees) -> Cart {
        Cart { fees, ..Cart::default() }
    }

    /// Total of the lines alone, before any convenience fee.
    pub fn lines_total(&self) -> Money {
        self.lines.iter().filter_map(|l| l.amount().ok().flatten()).fold(Money::ZERO, Money::saturating_add)
    }

    /// The convenience fee the tenders so far carry (the payment records exactly this as its own line;
    /// see `ConvenienceFees::fee_for_tenders`). Zero when the fees are off or no card or ACH is tendered.
    pub fn convenience_fee(&self) -> Money {
        self.fees.fee_for_tenders(self.lines_total(), &self.tenders)
    }

    /// The fee a tender of `kind` paying what is still due would add — for the screen to show before the
    /// cashier takes a card or ACH ("Card: 2.50 convenience fee"). Zero for cash, checks, money orders.
    pub fn convenience_fee_for(&self, kind: crate::domain::tender::TenderKind) -> Money {
        self.fees.fee_for(kind, ConvenienceFees::uncovered(self.lines_total(), &self.tenders).cents())
    }

    /// What a tender of `kind` must be to pay the rest exactly, its own convenience fee included (the
    /// bare-Enter amount for a card or ACH tender; `exact_amount` for other kinds).
    pub fn exact_amount_for(&self, kind: crate::domain::tender::TenderKind) -> Option<Money> {
        self.exact_amount().and_then(|rest| rest.checked_add(self.convenience_fee_for(kind)))
    }

    pub fn convenience_fees(&self) -> &ConvenienceFees {
        &self.fees
    }
    pub fn lines(&self) -> &[CartLine] {
        &self.lines
    }

    pub fn tenders(&self) -> &[Tender] {
        &self.tenders
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// No line yet (tenders without a line cannot be recorded).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn add_line(&mut self, item: CartItem, amount: String) {
        self.lines.push(CartLine { item, amount });
    }

    pub fn set_line_amount(&mut self, index: usize, text: String) {
        if let Some(line) = self.lines.get_mut(index) {
            line.amount = text;
        }
    }

    /// The amount fields of the lines, for a reader that typed into one of them by mistake.
    pub fn line_amounts_mut(&mut self) -> impl Iterator<Item = &mut String> {
        self.lines.iter_mut().map(|line| &mut line.amount)
    }

    /// Drops line `index`; false when there is no such line.
    pub fn remove_line(&mut self, index: usize) -> bool {
        if index >= self.lines.len() {
            return false;
        }
        self.lines.remove(index);
        true
    }

    pub fn add_tender(&mut self, tender: Tender) {
        self.tenders.push(tender);
    }

    /// Drops tender `index`; false when there is no such tender.
    pub fn remove_tender(&mut self, index: usize) -> bool {
        if index >= self.tenders.len() {
            return false;
        }
        self.tenders.remove(index);
        true
    }

    pub fn pop_tender(&mut self) -> Option<Tender> {
        self.tenders.pop()
    }

    /// Total of the lines whose amounts read (a line still being typed counts as nothing), plus the
    /// convenience fee the tenders so far carry.
    pub fn total_due(&self) -> Money {
        self.lines_total().saturating_add(self.convenience_fee())
    }

    pub fn tendered(&self) -> Money {
        self.tenders.iter().map(|t| t.amount).fold(Money::ZERO, Money::saturating_add)
    }

    /// What is still to tender (never negative).
    pub fn remaining(&self) -> Money {
        self.total_due().saturating_sub(self.tendered()).max(Money::ZERO)
    }

    /// Whether the tenders cover what is due (the payment can be recorded).
    pub fn covered(&self) -> bool {
        self.tendered() >= self.total_due()
    }

    /// What an empty amount tenders: exactly what is due — only while nothing is tendered yet. After a
    /// partial tender an empty amount tenders nothing (money never received must not be tendered by a key).
    pub fn exact_amount(&self) -> Option<Money> {
        self.tenders.is_empty().then(|| self.remaining())
    }

    /// Every line's amount reads; else the first line's problem.
    pub fn check_lines(&self) -> Result<(), String> {
        self.lines.iter().try_for_each(|line| line.amount().map(|_| ()))
    }

    /// The request `payment::pay` records.
    pub fn request(&self) -> Result<PaymentRequest, String> {
        let lines = self.lines.iter().map(CartLine::request).collect::<Result<Vec<_>, _>>()?;
        Ok(PaymentRequest { lines, tenders: self.tenders.clone() })
    }

    /// Whether recording this cart with `change` given opens the cash drawer (see `tender::opens_drawer`).
    pub fn opens_drawer(&self, change: Money) -> bool {
        tender::opens_drawer(self.tenders.iter().map(|t| t.kind), change)
    }

    /// The command line's `--account NUMBER` with its `--amount` (None = the whole balance).
    pub fn add_account_text(&mut self, number: &str, amount: Option<&str>, max: Money) -> Result<(), String> {
        card_data::refuse("--account", number)?;
        let amount = amount.map(|a| Money::parse_positive("--amount", a, max)).transpose().map_err(|e| e.to_string())?;
        self.add_line(CartItem::Account(number.trim().to_string()), amount.map(|a| a.to_string()).unwrap_or_default());
        Ok(())
    }

    /// The command line's `--fee CODE` or `--fee CODE=AMOUNT`.
    pub fn add_fee_text(&mut self, fee: &str, max: Money) -> Result<(), String> {
        crate::domain::text::check("--fee", fee)?;
        let (code, amount) = match fee.split_once('=') {
            Some((code, amount)) => (code, Money::parse_positive(&format!("--fee {code}"), amount, max).map_err(|e| e.to_string())?.to_string()),
            None => (fee, String::new()),
        };
        self.add_line(CartItem::FeeCode(code.trim().to_ascii_uppercase()), amount);
        Ok(())
    }

    /// The command line's `--tender KIND=AMOUNT[,key=value...]`, read by `Tender::parse` into the typed
    /// constructors the window's fields use.
    pub fn add_tender_text(&mut self, text: &str, max: Money) -> Result<(), String> {
        self.add_tender(Tender::parse(text, max)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payable::PayableKind;
    use crate::domain::tender::TenderKind;

    fn row() -> PayableRow {
        PayableRow { kind: PayableKind::Utility, number: "100200-01".into(), name: "A. Resident".into(), address: "1 Main St".into(), status: "active".into(), balance: Money::from_cents(8412) }
    }

    // Proves the window (a found payable, tenders from the typed check and card fields) and the command line
    // (`--account 100200-01 --amount 84.12 --tender check=…,routing=… --tender card=…`) build the same request.
    #[test]
    fn window_and_command_line_build_identical_requests() {
        let max = Money::from_cents(crate::money::DEFAULT_MAX_CENTS);
        let mut window = Cart::default();
        window.add_line(CartItem::Payable(row()), "84.12".into());
        window.add_tender(Tender::check(Money::from_cents(5000), "021000021", "99912345678", "1001").unwrap());
        window.add_tender(Tender::card(Money::from_cents(3412), "visa", "4242", "A1B2C3", "TRM-7").unwrap());
        let mut command_line = Cart::default();
        command_line.add_account_text("100200-01", Some("84.12"), max).unwrap();
        command_line.add_tender_text("check=50.00,routing=021000021,account=99912345678,number=1001", max).unwrap();
        command_line.add_tender_text("card=34.12,brand=visa,last4=4242,auth=A1B2C3,ref=TRM-7", max).unwrap();
        assert_eq!(window.request().unwrap(), command_line.request().unwrap());
        assert_eq!(window.request().unwrap().tenders[0].account_last4.as_deref(), Some("5678"));
        assert_eq!((window.total_due(), window.tendered(), window.remaining()), (Money::from_cents(8412), Money::from_cents(8412), Money::ZERO));
        assert!(window.opens_drawer(Money::ZERO), "a check goes in the drawer");
    }

    // Proves the bare-Enter rule lives in the cart: an empty amount is the exact amount due only before any
    // tender; after a partial tender it is nothing, and what is still due is counted from the tenders.
    #[test]
    fn exact_amount_only_before_any_tender() {
        let mut cart = Cart::default();
        cart.add_line(CartItem::Payable(row()), "84.12".into());
        assert_eq!(cart.exact_amount(), Some(Money::from_cents(8412)));
        cart.add_tender(Tender::cash(Money::from_cents(5000)));
        assert_eq!((cart.exact_amount(), cart.remaining(), cart.covered()), (None, Money::from_cents(3412), false));
        assert!(cart.opens_drawer(Money::ZERO));
        let mut card_only = Cart::default();
        card_only.add_tender(Tender { last4: Some("4242".into()), ..Tender::new(TenderKind::Card, Money::from_cents(100)) });
        assert!(!card_only.opens_drawer(Money::ZERO) && card_only.opens_drawer(Money::from_cents(1)));
    }

    // Proves the cart shows a card convenience fee (2.5%, minimum 1.00) before the card is taken — the fee a
    // card would add, the exact card amount — and counts it in what is due once the card is in the cart,
    // while cash carries none and the request sent to the ledger is unchanged (the ledger adds the same fee).
    #[test]
    fn convenience_fee_is_shown_before_the_card_is_taken() {
        use crate::domain::convenience_fee::{ConvenienceFeeSettings, TierSettings};
        let raw = ConvenienceFeeSettings { enabled: true, card: Some(TierSettings { percent: "2.5".into(), minimum: "1.00".into(), ..TierSettings::default() }), ..ConvenienceFeeSettings::default() };
        let mut cart = Cart::with_convenience_fees(ConvenienceFees::read(&raw).unwrap());
        cart.add_line(CartItem::Payable(row()), "84.12".into());
        assert_eq!(cart.convenience_fee_for(TenderKind::Card), Money::from_cents(210), "2.103 rounds to 2.10");
        assert_eq!(cart.convenience_fee_for(TenderKind::Cash), Money::ZERO);
        assert_eq!(cart.exact_amount_for(TenderKind::Card), Some(Money::from_cents(8622)));
        assert_eq!((cart.total_due(), cart.convenience_fee()), (Money::from_cents(8412), Money::ZERO), "nothing charged before a card");
        cart.add_tender(Tender::new(TenderKind::Card, Money::from_cents(8622)));
        assert_eq!((cart.convenience_fee(), cart.total_due(), cart.remaining()), (Money::from_cents(210), Money::from_cents(8622), Money::ZERO));
        assert!(cart.covered());
        assert_eq!(cart.request().unwrap().lines.len(), 1, "the fee line is the ledger's to add");
    }
}
