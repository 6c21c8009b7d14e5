//! Property test: random sequences of pay / void / drop / paid-out / close against an in-memory model.
//! After every step the ledger's balances, drawer expectations and receipts equal the model's; at the
//! end debits = credits, verify is clean, and the drawer identity (expected = float + in − out) holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use proptest::prelude::*;

use citytill::config::Settings;
use citytill::domain::denominations::DenominationCount;
use citytill::domain::events::Event;
use citytill::domain::ids::{Role, TerminalId};
use citytill::domain::payable::{PayableKind, PayableRow};
use citytill::domain::tender::{Tender, TenderKind};
use citytill::ledger::{verify, Clock, Ledger};
use citytill::money::Money;
use citytill::ops::auth::Actor;
use citytill::ops::drawer::{self, CashMove, Count};
use citytill::ops::payment::{pay, LineRequest, PaymentRequest};
use citytill::ops::{import, query, reversal};

/// A paid receipt as the model keeps it: receipt, amount (cents), tenders (kind, cents), change (cents), account.
type PaidReceipt = (String, i64, Vec<(TenderKind, i64)>, i64, String);

#[derive(Clone, Debug)]
enum Op {
    Pay { payable: usize, cents: i64, cash_extra: i64, by_check: bool, by_card: bool },
    Void { pick: usize },
    Drop { cents: i64 },
    PaidOut { cents: i64 },
    CloseAndReopen { miscount: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0usize..4, 1i64..50_000, 0i64..5_000, any::<bool>(), any::<bool>()).prop_map(|(payable, cents, cash_extra, by_check, by_card)| Op::Pay { payable, cents, cash_extra, by_check, by_card }),
        2 => (0usize..100).prop_map(|pick| Op::Void { pick }),
        1 => (1i64..30_000).prop_map(|cents| Op::Drop { cents }),
        1 => (1i64..5_000).prop_map(|cents| Op::PaidOut { cents }),
        1 => (-300i64..300).prop_map(|miscount| Op::CloseAndReopen { miscount }),
    ]
}

struct Model {
    balances: HashMap<String, i64>,
    expected: HashMap<TenderKind, i64>,
    float: i64,
    cash_in: i64,
    cash_out: i64,
    paid_receipts: Vec<PaidReceipt>,
}

const FLOAT_CENTS: i64 = 20_000;

fn float_count() -> Vec<DenominationCount> {
    vec![DenominationCount { denomination: Money::from_cents(2000), pieces: FLOAT_CENTS / 2000 }]
}

/// A count of `cents` in pennies and dollars (any amount is countable).
fn count_of(cents: i64) -> Vec<DenominationCount> {
    vec![DenominationCount { denomination: Money::from_cents(100), pieces: cents / 100 }, DenominationCount { denomination: Money::from_cents(1), pieces: cents % 100 }]
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("ledger.sqlite"), &TerminalId::parse("T01").unwrap()).unwrap();
    ledger.set_clock(Clock::Fixed(chrono::Utc::now()));
    let settings = Settings::default();
    let ana = Actor { name: "ana".into(), role: Role::Cashier };
    let sam = Actor { name: "sam".into(), role: Role::Supervisor };
    ledger
        .write(|w| {
            w.append(None, None, &Event::UserAdded { name: "ana".into(), role: Role::Cashier })?;
            w.append(None, None, &Event::UserAdded { name: "sam".into(), role: Role::Supervisor }).map(|_| ())
        })
        .unwrap();
    let rows: Vec<PayableRow> = (0..4)
        .map(|i| PayableRow {
            kind: PayableKind::ALL[i],
            number: format!("P-{i}"),
            name: format!("Holder {i}"),
            address: "1 Main".into(),
            status: "active".into(),
            balance: Money::from_cents(100_000),
        })
        .collect();
    import::upsert_payables(&mut ledger, None, "model", rows).unwrap();
    let mut model = Model { balances: (0..4).map(|i| (format!("P-{i}"), 100_000)).collect(), expected: HashMap::new(), float: FLOAT_CENTS, cash_in: 0, cash_out: 0, paid_receipts: Vec::new() };
    drawer::open(&mut ledger, &ana, float_count()).unwrap();
    model.expected.insert(TenderKind::Cash, FLOAT_CENTS);
    for op in ops {
        apply(&mut ledger, &settings, &ana, &sam, &mut model, op)?;
        let drawer = query::current_drawer(&ledger.read().unwrap(), "ana").unwrap().unwrap();
        for (kind, cents) in query::expected(&ledger.read().unwrap(), drawer.id).unwrap() {
            prop_assert_eq!(cents.cents(), model.expected.get(&kind).copied().unwrap_or(0), "expected {:?}", kind);
        }
        for (number, cents) in &model.balances {
            prop_assert_eq!(query::payable(&ledger.read().unwrap(), number).unwrap().unwrap().balance.cents(), *cents);
        }
        prop_assert_eq!(model.expected.get(&TenderKind::Cash).copied().unwrap_or(0), model.float + model.cash_in - model.cash_out, "drawer identity");
    }
    let report = verify::verify(&ledger).unwrap();
    prop_assert!(report.ok, "verify: {:?}", report.problems);
    let (debits, credits): (i64, i64) = ledger.read().unwrap().query_row("SELECT SUM(debit_cents), SUM(credit_cents) FROM postings", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    prop_assert_eq!(debits, credits);
    Ok(())
}

fn apply(ledger: &mut Ledger, settings: &Settings, ana: &Actor, sam: &Actor, model: &mut Model, op: Op) -> Result<(), TestCaseError> {
    let cash = model.expected.get(&TenderKind::Cash).copied().unwrap_or(0);
    match op {
        Op::Pay { payable, cents, cash_extra, .. } if cash_extra > cash => {
            // Change beyond the cash the drawer held before the payment cannot be given: refused, nothing written.
            let request = PaymentRequest {
                lines: vec![LineRequest::Payable { number: format!("P-{payable}"), amount: Some(Money::from_cents(cents)) }],
                tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(cents + cash_extra))],
            };
            prop_assert!(pay(ledger, settings, ana, &request).is_err(), "change the drawer cannot cover must be refused");
        }
        Op::Pay { payable, cents, cash_extra, by_check, by_card } => {
            let number = format!("P-{payable}");
            let mut tenders = Vec::new();
            let mut rest = cents;
            if by_check && rest > 1 {
                tenders.push(Tender::new(TenderKind::Check, Money::from_cents(rest / 2)));
                rest -= rest / 2;
            }
            if by_card && rest > 1 {
                let mut card = Tender::new(TenderKind::Card, Money::from_cents(rest / 2));
                card.last4 = Some("4242".into());
                tenders.push(card);
                rest -= rest / 2;
            }
            tenders.push(Tender::new(TenderKind::Cash, Money::from_cents(rest + cash_extra)));
            let request = PaymentRequest { lines: vec![LineRequest::Payable { number: number.clone(), amount: Some(Money::from_cents(cents)) }], tenders: tenders.clone() };
            let result = pay(ledger, settings, ana, &request).unwrap();
            prop_assert_eq!(result.change.cents(), cash_extra);
            *model.balances.get_mut(&number).unwrap() -= cents;
            let tender_rows: Vec<(TenderKind, i64)> = tenders.iter().map(|t| (t.kind, t.amount.cents())).collect();
            for (kind, amount) in &tender_rows {
                *model.expected.entry(*kind).or_default() += amount;
            }
            *model.expected.entry(TenderKind::Cash).or_default() -= cash_extra;
            model.cash_in += rest;
            model.paid_receipts.push((result.receipt, cents, tender_rows, cash_extra, number));
        }
        Op::Void { pick } => {
            if model.paid_receipts.is_empty() {
                return Ok(());
            }
            let (receipt, cents, tenders, change, number) = model.paid_receipts.remove(pick % model.paid_receipts.len());
            let cash_back = tenders.iter().filter(|(k, _)| *k == TenderKind::Cash).map(|(_, a)| a).sum::<i64>() - change;
            reversal::void(ledger, ana, sam, &receipt, "model void").unwrap();
            prop_assert!(reversal::void(ledger, ana, ana, &receipt, "self approval").is_err());
            *model.balances.get_mut(&number).unwrap() += cents;
            for (kind, amount) in tenders {
                *model.expected.entry(kind).or_default() -= amount;
            }
            *model.expected.entry(TenderKind::Cash).or_default() += change;
            model.cash_in -= cash_back;
        }
        Op::Drop { cents } | Op::PaidOut { cents } if cents > cash => {
            let kind = if matches!(op, Op::Drop { .. }) { CashMove::Drop } else { CashMove::PaidOut };
            prop_assert!(drawer::cash_move(ledger, ana, Some(sam), kind, Money::from_cents(cents), Some("model")).is_err());
        }
        Op::Drop { cents } => {
            drawer::cash_move(ledger, ana, None, CashMove::Drop, Money::from_cents(cents), None).unwrap();
            *model.expected.entry(TenderKind::Cash).or_default() -= cents;
            model.cash_out += cents;
        }
        Op::PaidOut { cents } => {
            drawer::cash_move(ledger, ana, Some(sam), CashMove::PaidOut, Money::from_cents(cents), Some("model paid-out")).unwrap();
            *model.expected.entry(TenderKind::Cash).or_default() -= cents;
            model.cash_out += cents;
        }
        Op::CloseAndReopen { miscount } => {
            let counted_cash = (cash + miscount).max(0);
            let count = Count {
                cash: count_of(counted_cash),
                checks: Some((1, Money::from_cents(model.expected.get(&TenderKind::Check).copied().unwrap_or(0)))),
                money_orders: None,
                card_batch: Some(Money::from_cents(model.expected.get(&TenderKind::Card).copied().unwrap_or(0))),
            };
            let result = drawer::close(ledger, settings, ana, Some(count), Some(sam), Some("model close")).unwrap();
            prop_assert_eq!(result.over_short.get("cash").map(|m| m.cents()).unwrap_or(0), counted_cash - cash);
            prop_assert_eq!(result.expected.get("cash").map(|m| m.cents()).unwrap_or(0), cash);
            prop_assert!(result.closed);
            drawer::open(ledger, ana, float_count()).unwrap();
            model.expected.clear();
            model.expected.insert(TenderKind::Cash, FLOAT_CENTS);
            model.cash_in = 0;
            model.cash_out = 0;
            model.paid_receipts.clear();
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 50, .. ProptestConfig::default() })]
    // Proves the ledger and an independent in-memory model never diverge under random operations.
    #[test]
    fn ledger_matches_model(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops)?;
    }
}
