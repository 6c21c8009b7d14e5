//! Property test of batches: random sequences of batch operations (open, add, remove, balance, approve,
//! reject, reopen, counter payments, drawer closes, deposits) against the library, checked after each
//! sequence by rules read straight from the journal and the projections.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use citytill::domain::states::BatchState;
use std::collections::{BTreeMap, BTreeSet};

use citytill::config::Settings;
use citytill::domain::denominations::DenominationCount;
use citytill::domain::events::{BatchKind, Event};
use citytill::domain::ids::{Role, TerminalId};
use citytill::domain::payable::{PayableKind, PayableRow};
use citytill::domain::tender::{Tender, TenderKind};
use citytill::ledger::{verify, Ledger};
use citytill::ops::auth::Actor;
use citytill::ops::batch::{self, ItemRequest};
use citytill::ops::deposit::{self, BankRouting};
use citytill::ops::drawer::{self, Count};
use citytill::ops::payment::{self, LineRequest, PaymentRequest};
use citytill::ops::{import, query};
use citytill::{Error, Money};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Open {
        control_cents: i64,
        items: i64,
    },
    Add {
        batch: usize,
        payable: usize,
        cents: i64,
        check: bool,
    },
    /// Adds the item the tape says is still missing, so batches do balance.
    Fill {
        batch: usize,
        payable: usize,
    },
    Remove {
        batch: usize,
        item: i64,
    },
    Balance {
        batch: usize,
    },
    /// Fill, balance and approve one batch in a row (a lead's normal morning).
    Complete {
        batch: usize,
        payable: usize,
    },
    Approve {
        batch: usize,
        by_preparer: bool,
    },
    Reject {
        batch: usize,
    },
    Reopen {
        batch: usize,
    },
    Pay {
        payable: usize,
        cents: i64,
    },
    CloseDrawer,
    Deposit,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (1i64..30_000, 1i64..4).prop_map(|(control_cents, items)| Op::Open { control_cents, items }),
        1 => (0usize..3, 0usize..4, 1i64..20_000, any::<bool>()).prop_map(|(batch, payable, cents, check)| Op::Add { batch, payable, cents, check }),
        4 => (0usize..3, 0usize..4).prop_map(|(batch, payable)| Op::Fill { batch, payable }),
        1 => (0usize..3, 1i64..5).prop_map(|(batch, item)| Op::Remove { batch, item }),
        3 => (0usize..3).prop_map(|batch| Op::Balance { batch }),
        2 => (0usize..3, 0usize..4).prop_map(|(batch, payable)| Op::Complete { batch, payable }),
        3 => (0usize..3, any::<bool>()).prop_map(|(batch, by_preparer)| Op::Approve { batch, by_preparer }),
        1 => (0usize..3).prop_map(|batch| Op::Reject { batch }),
        1 => (0usize..3).prop_map(|batch| Op::Reopen { batch }),
        2 => (0usize..4, 1i64..20_000).prop_map(|(payable, cents)| Op::Pay { payable, cents }),
        1 => Just(Op::CloseDrawer),
        2 => Just(Op::Deposit),
    ]
}

struct World {
    _dir: tempfile::TempDir,
    ledger: Ledger,
    settings: Settings,
    lee: Actor,
    ana: Actor,
    sam: Actor,
    payables: Vec<String>,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::create(&dir.path().join("ledger.sqlite"), &TerminalId::parse("P01").unwrap()).unwrap();
    for (name, role) in [("lee", Role::Lead), ("ana", Role::Cashier), ("sam", Role::Supervisor)] {
        ledger.write(|w| w.append(None, None, &Event::UserAdded { name: name.into(), role }).map(|_| ())).unwrap();
    }
    let payables: Vec<String> = (1..=4).map(|n| format!("ACCT-{n}")).collect();
    let rows = payables
        .iter()
        .map(|number| PayableRow { kind: PayableKind::Utility, number: number.clone(), name: "Holder".into(), address: "1 Main".into(), status: "active".into(), balance: Money::from_cents(50_000) })
        .collect();
    import::upsert_payables(&mut ledger, None, "test", rows).unwrap();
    let actor = |name: &str, role| Actor { name: name.into(), role };
    World { _dir: dir, ledger, settings: Settings::default(), lee: actor("lee", Role::Lead), ana: actor("ana", Role::Cashier), sam: actor("sam", Role::Supervisor), payables }
}

fn float() -> Vec<DenominationCount> {
    vec![DenominationCount { denomination: Money::from_cents(2000), pieces: 5 }]
}

/// Refusals are expected in random sequences; a broken invariant is not.
fn allowed(result: Result<impl Sized, Error>) {
    if let Err(error) = result {
        assert!(matches!(error, Error::Invalid(_) | Error::Refused(_) | Error::Auth(_) | Error::NotFound(_)), "unexpected: {error}");
    }
}

fn batch_id(w: &World, index: usize) -> String {
    let ids: Vec<String> = batch::list(&w.ledger.read().unwrap(), None).unwrap().into_iter().map(|b| b.batch).collect();
    if ids.is_empty() {
        "M1".into()
    } else {
        ids[index % ids.len()].clone()
    }
}

fn apply(w: &mut World, op: &Op) {
    let (lee, ana, sam) = (w.lee.clone(), w.ana.clone(), w.sam.clone());
    match op {
        Op::Open { control_cents, items } => allowed(batch::open(&mut w.ledger, &lee, BatchKind::Mail, Money::from_cents(*control_cents), *items)),
        Op::Add { batch, payable, cents, check } => {
            let id = batch_id(w, *batch);
            let kind = if *check { TenderKind::Check } else { TenderKind::Cash };
            let request = ItemRequest { payable: w.payables[*payable].clone(), amount: Money::from_cents(*cents), tender: Tender::new(kind, Money::from_cents(*cents)), stub: None };
            allowed(batch::add(&mut w.ledger, &ana, &id, request));
        }
        Op::Fill { batch, payable } => {
            let summary = batch::summary(&w.ledger.read().unwrap(), &batch_id(w, *batch)).unwrap();
            let items_left = summary.control_items - summary.items;
            let cents_left = summary.control_total.cents() - summary.total.cents();
            if items_left >= 1 && cents_left >= items_left {
                let cents = if items_left == 1 { cents_left } else { cents_left / items_left };
                let request = ItemRequest { payable: w.payables[*payable].clone(), amount: Money::from_cents(cents), tender: Tender::new(TenderKind::Check, Money::from_cents(cents)), stub: None };
                allowed(batch::add(&mut w.ledger, &ana, &summary.batch, request));
            }
        }
        Op::Complete { batch, payable } => {
            apply(w, &Op::Fill { batch: *batch, payable: *payable });
            apply(w, &Op::Balance { batch: *batch });
            apply(w, &Op::Approve { batch: *batch, by_preparer: false });
        }
        Op::Remove { batch, item } => {
            let id = batch_id(w, *batch);
            allowed(batch::remove(&mut w.ledger, &ana, &id, *item, "property test"));
        }
        Op::Balance { batch } => {
            let id = batch_id(w, *batch);
            allowed(batch::balance(&mut w.ledger, &ana, &id));
        }
        Op::Approve { batch, by_preparer } => {
            let id = batch_id(w, *batch);
            let approver = if *by_preparer { Actor { name: "lee".into(), role: Role::Supervisor } } else { sam };
            allowed(batch::approve(&mut w.ledger, &ana, &approver, &id));
        }
        Op::Reject { batch } => {
            let id = batch_id(w, *batch);
            allowed(batch::reject(&mut w.ledger, &ana, &sam, &id, "property test"));
        }
        Op::Reopen { batch } => {
            let id = batch_id(w, *batch);
            allowed(batch::reopen(&mut w.ledger, &lee, Some(&sam), &id, "property test"));
        }
        Op::Pay { payable, cents } => {
            if query::current_drawer(&w.ledger.read().unwrap(), "ana").unwrap().is_none() {
                drawer::open(&mut w.ledger, &ana, float()).unwrap();
            }
            let request = PaymentRequest {
                lines: vec![LineRequest::Payable { number: w.payables[*payable].clone(), amount: Some(Money::from_cents(*cents)) }],
                tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(*cents))],
            };
            allowed(payment::pay(&mut w.ledger, &w.settings, &ana, &request));
        }
        Op::CloseDrawer => {
            let open = query::current_drawer(&w.ledger.read().unwrap(), "ana").unwrap();
            if let Some(open) = open {
                let cash = query::expected_for(&w.ledger.read().unwrap(), open.id, TenderKind::Cash).unwrap();
                let count = Count { cash: vec![DenominationCount { denomination: Money::from_cents(1), pieces: cash.cents() }], ..Count::default() };
                drawer::close(&mut w.ledger, &w.settings, &ana, Some(count), None, None).unwrap();
            }
        }
        Op::Deposit => {
            let date = w.ledger.business_date().unwrap().to_string();
            allowed(deposit::create(&mut w.ledger, &ana, &BankRouting::default(), &date));
        }
    }
}

fn check(w: &World, verify_ledger: bool) {
    let conn = &w.ledger.read().unwrap();
    for summary in batch::list(conn, None).unwrap() {
        if summary.state == BatchState::Approved {
            match summary.drawer_id {
                None => assert_eq!((summary.items, summary.total), (summary.control_items, summary.control_total), "approved batch {} is out of balance", summary.batch),
                Some(id) => {
                    assert_eq!(query::drawer_by_id(conn, id).unwrap().unwrap().state, citytill::domain::states::DrawerState::Closed, "approved counter batch {} has an open drawer", summary.batch)
                }
            }
        }
    }
    // Every receipt belongs to exactly one batch: its drawer's counter batch.
    let orphans: i64 = conn.query_row("SELECT COUNT(*) FROM receipts r WHERE (SELECT COUNT(*) FROM batches b WHERE b.drawer_id = r.drawer_id) <> 1", [], |r| r.get(0)).unwrap();
    assert_eq!(orphans, 0);
    // Every batch (hence every payment and item) is in at most one deposit, counted from the journal itself.
    let mut deposited: BTreeMap<String, i64> = BTreeMap::new();
    let mut statement = conn.prepare("SELECT payload FROM journal WHERE kind = 'deposit_created'").unwrap();
    for payload in statement.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        if let Ok(Event::DepositCreated { batches, .. }) = citytill::ledger::payload::decode("deposit_created", &payload.unwrap()) {
            batches.into_iter().for_each(|b| *deposited.entry(b).or_default() += 1);
        }
    }
    assert!(deposited.values().all(|n| *n == 1), "{deposited:?}");
    // Posted items and only those moved their accounts: balance = 500.00 - counter payments - posted items.
    let mut expected: BTreeMap<String, i64> = w.payables.iter().map(|p| (p.clone(), 50_000)).collect();
    let mut statement = conn.prepare("SELECT p.payable, p.amount_cents FROM receipt_payables p JOIN receipts r ON r.number = p.receipt_number").unwrap();
    for row in statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap() {
        let (payable, cents) = row.unwrap();
        *expected.get_mut(&payable).unwrap() -= cents;
    }
    let mut statement = conn.prepare("SELECT payable, amount_cents FROM batch_items WHERE state = 'posted'").unwrap();
    for row in statement.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap() {
        let (payable, cents) = row.unwrap();
        *expected.get_mut(&payable).unwrap() -= cents;
    }
    for (payable, cents) in expected {
        assert_eq!(query::payable(conn, &payable).unwrap().unwrap().balance.cents(), cents, "{payable}");
    }
    let posted_batches: BTreeSet<String> = conn.prepare("SELECT DISTINCT batch FROM batch_items WHERE state = 'posted'").unwrap().query_map([], |r| r.get(0)).unwrap().map(|r| r.unwrap()).collect();
    for id in posted_batches {
        assert_eq!(batch::summary(conn, &id).unwrap().state, BatchState::Approved, "{id} has posted items but is not approved");
    }
    if verify_ledger {
        let report = verify::verify(&w.ledger).unwrap();
        assert!(report.ok, "{:?}", report.problems);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    // Proves any sequence of batch operations keeps every approved batch balanced, every payment in exactly
    // one batch and at most one deposit, only approved items on the accounts, and the ledger verifiable.
    #[test]
    fn batch_operations_keep_the_books_straight(ops in proptest::collection::vec(op(), 1..40)) {
        let mut w = world();
        let lee = w.lee.clone();
        batch::open(&mut w.ledger, &lee, BatchKind::Mail, Money::from_cents(1_000), 1).unwrap();
        for op in &ops {
            apply(&mut w, op);
            check(&w, false);
        }
        check(&w, true);
    }
}
