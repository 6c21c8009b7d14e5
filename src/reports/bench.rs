//! The office-day benchmark for `citytill bench`: 20 drawers × 500 payments, then counter-batch
//! approvals and the deposit, then what finance waits for — day close and every report (text and PDF).

use std::time::Instant;

use crate::config::Settings;
use crate::domain::denominations::{DenominationCount, USD_CENTS};
use crate::domain::events::{counter_batch, Event};
use crate::domain::ids::{Role, TerminalId};
use crate::domain::tender::{Tender, TenderKind};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::deposit::BankRouting;
use crate::ops::drawer::{self, Count};
use crate::ops::payment::{self, LineRequest, PaymentRequest};
use crate::ops::{batch, day, deposit, import, query, synthetic};
use crate::reports::{self, Format};

/// Figures from one office day.
#[derive(Debug, serde::Serialize)]
pub struct OfficeDay {
    pub drawers: usize,
    pub payments_per_drawer: usize,
    pub approve_and_deposit_ms: f64,
    pub close_and_reports_ms: f64,
}

/// Builds the day in a temporary ledger and times the end-of-day work.
pub fn office_day(drawers: usize, payments_per_drawer: usize) -> Result<OfficeDay> {
    let dir = tempfile::tempdir().map_err(|e| Error::invalid("bench", format!("no temporary directory: {e}")))?;
    let settings = Settings::default();
    let mut ledger = Ledger::create(&dir.path().join("office.sqlite"), &TerminalId::parse("B02").map_err(|e| Error::Invalid(e.into()))?)?;
    let rows = synthetic::payables(2_000, 11);
    import::upsert_payables(&mut ledger, None, "bench", rows.clone())?;
    let lead = Actor { name: "lead".into(), role: Role::Lead };
    let supervisor = Actor { name: "super".into(), role: Role::Supervisor };
    let cashiers: Vec<Actor> = (1..=drawers).map(|n| Actor { name: format!("cashier{n:02}"), role: Role::Cashier }).collect();
    ledger.write(|w| {
        for actor in cashiers.iter().chain([&lead, &supervisor]) {
            w.append(None, None, &Event::UserAdded { name: actor.name.clone(), role: actor.role })?;
        }
        Ok(())
    })?;
    let float = vec![DenominationCount { denomination: Money::from_cents(2000), pieces: 5 }, DenominationCount { denomination: Money::from_cents(100), pieces: 70 }];
    for (index, cashier) in cashiers.iter().enumerate() {
        let (drawer_id, _) = drawer::open(&mut ledger, cashier, float.clone())?;
        ledger.write(|w| {
            for n in 0..payments_per_drawer {
                let payable = &rows[(index * payments_per_drawer + n) * 7 % rows.len()];
                let amount = Money::from_cents(1_000 + (n as i64 % 400) * 7);
                let mut tender = Tender::new(if n % 5 == 0 { TenderKind::Check } else { TenderKind::Cash }, amount);
                if tender.kind == TenderKind::Check {
                    tender.routing = Some("021000021".into());
                    tender.account_last4 = Some(format!("{:04}", n % 10_000));
                    tender.number = Some(format!("{}", 1000 + n));
                }
                let request = PaymentRequest { lines: vec![LineRequest::Payable { number: payable.number.clone(), amount: Some(amount) }], tenders: vec![tender] };
                payment::record_payment(w, &settings, cashier, &request)?;
            }
            Ok(())
        })?;
        let expected = query::expected(ledger.conn(), drawer_id)?;
        let of = |kind| expected.iter().find(|(t, _)| *t == kind).map_or(Money::ZERO, |(_, m)| *m);
        let count = Count { cash: denominations_of(of(TenderKind::Cash).cents()), checks: Some((0, of(TenderKind::Check))), ..Count::default() };
        drawer::close(&mut ledger, &settings, cashier, Some(count), None, None)?;
    }
    let date = ledger.business_date()?;

    let started = Instant::now();
    for drawer_id in 1..=drawers as i64 {
        batch::approve(&mut ledger, &lead, &supervisor, &counter_batch(drawer_id))?;
    }
    deposit::create(&mut ledger, &lead, &BankRouting::default(), &date.to_string())?;
    let approve_and_deposit_ms = started.elapsed().as_secs_f64() * 1000.0;

    let started = Instant::now();
    day::close(&mut ledger, &lead, date)?;
    for name in reports::NAMES {
        let document = reports::build(&ledger, name, &date.to_string(), None)?;
        reports::render(&document, Format::Text)?;
        reports::render(&document, Format::Pdf)?;
    }
    let close_and_reports_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(OfficeDay { drawers, payments_per_drawer, approve_and_deposit_ms, close_and_reports_ms })
}

/// An exact count of `cents` in US denominations, largest first.
pub fn denominations_of(mut cents: i64) -> Vec<DenominationCount> {
    let mut out = Vec::new();
    for &denomination in USD_CENTS {
        let pieces = cents / denomination;
        if pieces > 0 {
            out.push(DenominationCount { denomination: Money::from_cents(denomination), pieces });
            cents -= pieces * denomination;
        }
    }
    out
}
