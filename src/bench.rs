//! `citytill bench`: builds a synthetic city in a temporary directory and measures, in one run, payment
//! commits against a raw rusqlite baseline, lookup and word search, drawer close, and verify.

use std::time::{Duration, Instant};

use rusqlite::{params, Connection, TransactionBehavior};

use citytill::config::Settings;
use citytill::domain::denominations::DenominationCount;
use citytill::domain::ids::{Role, TerminalId};
use citytill::domain::tender::{Tender, TenderKind};
use citytill::error::{Error, Result};
use citytill::ledger::{verify, Ledger};
use citytill::money::Money;
use citytill::ops::auth::Actor;
use citytill::ops::drawer::{self, Count};
use citytill::ops::payment::{self, LineRequest, PaymentRequest};
use citytill::ops::{import, query, synthetic};

/// Figures from one run; keys are stable for scripts.
#[derive(Debug, serde::Serialize)]
pub struct Report {
    pub payables: usize,
    pub payments: usize,
    pub commit_per_s: f64,
    pub raw_commit_per_s: f64,
    /// The median over rounds (ROUND commits a side) of raw time / ledger time: a burst of host noise
    /// that lands on one side of one round moves one sample, not the figure.
    pub commit_ratio_vs_raw: f64,
    pub commit_rounds: usize,
    pub commit_p50_ms: f64,
    pub commit_p99_ms: f64,
    pub lookup_p99_ms: f64,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
    pub close_10k_ms: f64,
    /// Verify throughput on a journal of counter payments: the median of VERIFY_PASSES passes, and the
    /// slowest and fastest pass.
    pub verify_entries: i64,
    pub verify_entries_per_s: f64,
    pub verify_entries_per_s_min: f64,
    pub verify_entries_per_s_max: f64,
    pub verify_passes: usize,
    /// Seconds to verify the whole benchmark ledger (all payables and payments).
    pub verify_full_s: f64,
    pub import_payables_s: f64,
    /// Every payable imported again (new balances, as a billing system's monthly file brings) while a
    /// cashier on another connection takes a payment every 20 ms (issue 13 part 7): the import's seconds,
    /// the payments' p99 wait, how many were tried and how many failed (the 5 s lock wait ran out).
    pub reimport_payables_s: f64,
    pub payment_p99_during_import_ms: f64,
    pub payments_during_import: usize,
    pub payments_failed_during_import: usize,
    /// Office day (issue 4): 20 drawers x 500 payments; approvals and deposit, then day close + every report.
    pub office_day: citytill::reports::bench::OfficeDay,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hq: Option<serde_json::Value>,
}

impl Report {
    pub fn text(&self) -> String {
        format!(
            "CityTill bench: {} payables, {} payments\n\
             payment commit   {:>10.0}/s  (raw rusqlite {:>8.0}/s; ratio {:.2}, median of {} rounds; target >= 0.70)\n\
             commit latency   p50 {:.2} ms  p99 {:.2} ms\n\
             lookup by number p99 {:.3} ms\n\
             word search      p50 {:.3} ms  p99 {:.3} ms  (target p99 < 5 ms)\n\
             drawer close     {:.2} ms over {} payments  (target < 50 ms)\n\
             verify           {:.0} entries/s over {} payment entries, median of {} passes ({:.0}-{:.0})  (target >= 200000); whole ledger {:.2} s\n\
             payables import  {:.1} s\n\
             import under use {:.1} s to import all {} payables again; meanwhile payment p99 {:.0} ms, {} of {} failed  (targets: < 15 s for 1,000,000; p99 < 250 ms)\n\
             office day       close + 8 reports (text and PDF) {:.0} ms for {} drawers x {} payments (target < 1000 ms); approvals + deposit {:.0} ms{}",
            self.payables,
            self.payments,
            self.commit_per_s,
            self.raw_commit_per_s,
            self.commit_ratio_vs_raw,
            self.commit_rounds,
            self.commit_p50_ms,
            self.commit_p99_ms,
            self.lookup_p99_ms,
            self.search_p50_ms,
            self.search_p99_ms,
            self.close_10k_ms,
            self.payments,
            self.verify_entries_per_s,
            self.verify_entries,
            self.verify_passes,
            self.verify_entries_per_s_min,
            self.verify_entries_per_s_max,
            self.verify_full_s,
            self.import_payables_s,
            self.reimport_payables_s,
            self.payables,
            self.payment_p99_during_import_ms,
            self.payments_failed_during_import,
            self.payments_during_import,
            self.office_day.close_and_reports_ms,
            self.office_day.drawers,
            self.office_day.payments_per_drawer,
            self.office_day.approve_and_deposit_ms,
            self.hq.as_ref().map(|v| format!("\n{}", citytill::hq::office::bench::describe(v))).unwrap_or_default(),
        )
    }
}

/// The middle value (the mean of the middle two for an even count); 0 for none.
fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    match samples.len() {
        0 => 0.0,
        n if n % 2 == 1 => samples[n / 2],
        n => (samples[n / 2 - 1] + samples[n / 2]) / 2.0,
    }
}

/// The `p` quantile of `samples`, in milliseconds (0 when there are none).
pub(crate) fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index.min(samples.len() - 1)].as_secs_f64() * 1000.0
}

/// What to build and measure.
pub struct Plan<'a> {
    pub payables: usize,
    pub payments: usize,
    /// Payments in the verify-throughput journal (the issue's figure is over 200,000).
    pub verify_payments: usize,
    /// Payments per drawer in the office day (20 drawers).
    pub office_payments: usize,
    /// Head office's PostgreSQL, for the push benchmark.
    pub hq: Option<&'a str>,
    /// Only the two imports (then verify the ledger): the other figures are reported as 0.
    pub only_import: bool,
}

/// Commits per side in one round of the commit comparison.
const ROUND: usize = 100;
/// Timed verify passes over the throughput journal.
const VERIFY_PASSES: usize = 3;

pub fn run(plan: &Plan<'_>) -> Result<Report> {
    let (payables, payments) = (plan.payables, plan.payments);
    let dir = tempfile::tempdir().map_err(|e| Error::invalid("bench", format!("no temporary directory: {e}")))?;
    let settings = Settings::default();
    let mut ledger = Ledger::create(&dir.path().join("ledger.sqlite"), &TerminalId::parse("B01").map_err(|e| Error::Invalid(e.into()))?)?;
    // The city's rows are made up before the clock starts: the figure is the import's, not the generator's.
    let rows = synthetic::payables(payables.max(1), 7);
    let given = rows.clone();
    let started = Instant::now();
    import::upsert_payables(&mut ledger, None, "bench", given)?;
    import::upsert_fees(&mut ledger, None, "bench", synthetic::fees())?;
    let import_payables_s = started.elapsed().as_secs_f64();
    let actor = open_bench_drawer(&mut ledger)?;
    let under_use = import_under_use(&mut ledger, &rows, &settings, &actor)?;
    if plan.only_import {
        return only_import(&ledger, payables, import_payables_s, &under_use);
    }

    // The ledger and the raw baseline take turns in rounds of ROUND commits, so a disk or a neighbour
    // that slows down mid-run weighs on both sides of a round alike; the ratio is the median round's.
    let mut raw = RawBaseline::new(&ledger, dir.path(), rows.iter().map(|r| r.number.clone()).collect())?;
    let mut latencies = Vec::with_capacity(payments);
    let (mut ledger_s, mut raw_s, mut ratios) = (0.0f64, 0.0f64, Vec::new());
    for round in (0..payments).step_by(ROUND) {
        let end = (round + ROUND).min(payments);
        let started = Instant::now();
        for index in round..end {
            let payable = &rows[(index * 7919) % rows.len()];
            let request = PaymentRequest {
                lines: vec![LineRequest::Payable { number: payable.number.clone(), amount: Some(Money::from_cents(1000 + (index % 500) as i64)) }],
                tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(2000))],
            };
            let one = Instant::now();
            payment::pay(&mut ledger, &settings, &actor, &request)?;
            latencies.push(one.elapsed());
        }
        let ledger_round = started.elapsed().as_secs_f64();
        let started = Instant::now();
        raw.commit(end - round)?;
        let raw_round = started.elapsed().as_secs_f64();
        (ledger_s, raw_s) = (ledger_s + ledger_round, raw_s + raw_round);
        ratios.push(raw_round / ledger_round.max(1e-9));
    }
    let commit_per_s = payments as f64 / ledger_s.max(1e-9);
    let raw_commit_per_s = payments as f64 / raw_s.max(1e-9);

    let mut lookups = Vec::new();
    let mut searches = Vec::new();
    for index in 0..1000 {
        let payable = &rows[(index * 104_729) % rows.len()];
        let one = Instant::now();
        query::payable(&*ledger.read()?, &payable.number)?;
        lookups.push(one.elapsed());
        // What a cashier types: the family name and the house number.
        let words = format!("{} {}", payable.name.split(' ').nth(1).unwrap_or(""), payable.address.split(' ').next().unwrap_or(""));
        let one = Instant::now();
        query::search_payables(&*ledger.read()?, &words, 20)?;
        searches.push(one.elapsed());
    }

    let count = Count { cash: vec![DenominationCount { denomination: Money::from_cents(1), pieces: 0 }], ..Count::default() };
    let one = Instant::now();
    drawer::close(&mut ledger, &settings, &actor, Some(count), None, None)?;
    let close_10k_ms = one.elapsed().as_secs_f64() * 1000.0;

    let one = Instant::now();
    let report = verify::verify(&ledger)?;
    let verify_full_s = one.elapsed().as_secs_f64();
    if !report.ok {
        return Err(Error::Invariant(format!("bench ledger failed verify: {:?}", report.problems.first())));
    }
    let (verify_entries, mut verify_s) = verify_throughput(dir.path(), &settings, plan.verify_payments)?;
    let verify_median_s = median(&mut verify_s);
    let office_day = citytill::reports::bench::office_day(20, plan.office_payments)?;
    let hq = match plan.hq {
        Some(url) => Some(citytill::hq::office::bench::run(url, citytill::hq::office::bench::ISSUE_ENTRIES)?.to_value()?),
        None => None,
    };
    Ok(Report {
        payables,
        payments,
        commit_per_s,
        raw_commit_per_s,
        commit_ratio_vs_raw: median(&mut ratios),
        commit_rounds: ratios.len(),
        commit_p50_ms: percentile(&mut latencies.clone(), 0.50),
        commit_p99_ms: percentile(&mut latencies, 0.99),
        lookup_p99_ms: percentile(&mut lookups, 0.99),
        search_p50_ms: percentile(&mut searches.clone(), 0.50),
        search_p99_ms: percentile(&mut searches, 0.99),
        close_10k_ms,
        verify_entries,
        verify_entries_per_s: verify_entries as f64 / verify_median_s.max(1e-9),
        verify_entries_per_s_min: verify_entries as f64 / verify_s.last().copied().unwrap_or(0.0).max(1e-9),
        verify_entries_per_s_max: verify_entries as f64 / verify_s.first().copied().unwrap_or(0.0).max(1e-9),
        verify_passes: verify_s.len(),
        verify_full_s,
        import_payables_s,
        reimport_payables_s: under_use.import_s,
        payment_p99_during_import_ms: percentile(&mut under_use.latencies.clone(), 0.99),
        payments_during_import: under_use.latencies.len(),
        payments_failed_during_import: under_use.failed,
        office_day,
        hq,
    })
}

/// The import figures alone, after checking that verify finds the imported ledger clean.
fn only_import(ledger: &Ledger, payables: usize, import_payables_s: f64, under_use: &UnderUse) -> Result<Report> {
    let one = Instant::now();
    let report = verify::verify(ledger)?;
    let verify_full_s = one.elapsed().as_secs_f64();
    if !report.ok {
        return Err(Error::Invariant(format!("bench ledger failed verify: {:?}", report.problems.first())));
    }
    Ok(Report {
        payables,
        payments: 0,
        commit_per_s: 0.0,
        raw_commit_per_s: 0.0,
        commit_ratio_vs_raw: 0.0,
        commit_rounds: 0,
        commit_p50_ms: 0.0,
        commit_p99_ms: 0.0,
        lookup_p99_ms: 0.0,
        search_p50_ms: 0.0,
        search_p99_ms: 0.0,
        close_10k_ms: 0.0,
        verify_entries: 0,
        verify_entries_per_s: 0.0,
        verify_entries_per_s_min: 0.0,
        verify_entries_per_s_max: 0.0,
        verify_passes: 0,
        verify_full_s,
        import_payables_s,
        reimport_payables_s: under_use.import_s,
        payment_p99_during_import_ms: percentile(&mut under_use.latencies.clone(), 0.99),
        payments_during_import: under_use.latencies.len(),
        payments_failed_during_import: under_use.failed,
        office_day: citytill::reports::bench::OfficeDay { drawers: 0, payments_per_drawer: 0, approve_and_deposit_ms: 0.0, close_and_reports_ms: 0.0 },
        hq: None,
    })
}

/// What `import_under_use` measured.
struct UnderUse {
    import_s: f64,
    latencies: Vec<Duration>,
    failed: usize,
}

/// Imports every payable of `rows` again, one cent more on each balance, while a cashier thread on its
/// own connection to the same ledger takes a payment every 20 ms until the import has finished.
fn import_under_use(ledger: &mut Ledger, rows: &[citytill::domain::payable::PayableRow], settings: &Settings, actor: &Actor) -> Result<UnderUse> {
    use std::sync::atomic::{AtomicBool, Ordering};
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let (path, settings, actor) = (ledger.path().to_path_buf(), settings.clone(), actor.clone());
    let numbers: Vec<String> = rows.iter().step_by((rows.len() / 1000).max(1)).map(|r| r.number.clone()).collect();
    let stop = done.clone();
    let cashier = std::thread::spawn(move || -> Result<(Vec<Duration>, usize)> {
        let mut counter = Ledger::open(&path)?;
        let (mut latencies, mut failed) = (Vec::new(), 0);
        while !stop.load(Ordering::Relaxed) {
            let number = numbers[latencies.len() % numbers.len()].clone();
            let request = PaymentRequest { lines: vec![LineRequest::Payable { number, amount: Some(Money::from_cents(500)) }], tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(500))] };
            let one = Instant::now();
            if payment::pay(&mut counter, &settings, &actor, &request).is_err() {
                failed += 1;
            }
            latencies.push(one.elapsed());
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok((latencies, failed))
    });
    let again: Vec<_> = rows.iter().map(|r| citytill::domain::payable::PayableRow { balance: r.balance.saturating_add(Money::from_cents(1)), ..r.clone() }).collect();
    // Let the cashier's connection open before the import starts.
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let imported = import::upsert_payables(ledger, None, "bench-again", again);
    let import_s = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let (latencies, failed) = cashier.join().map_err(|_| Error::Invariant("bench: the cashier thread failed".into()))??;
    imported?;
    Ok(UnderUse { import_s, latencies, failed })
}

/// The bench's cashier, recorded as a user, with an open drawer holding a 200.00 float.
fn open_bench_drawer(ledger: &mut Ledger) -> Result<Actor> {
    let actor = Actor { name: "bench".into(), role: Role::Cashier };
    ledger.write(|w| w.append(None, None, &citytill::domain::events::Event::UserAdded { name: actor.name.clone(), role: Role::Cashier }).map(|_| ()))?;
    drawer::open(ledger, &actor, vec![DenominationCount { denomination: Money::from_cents(2000), pieces: 10 }])?;
    Ok(actor)
}

/// Builds a journal of `payments` counter payments (posted through the real payment path, 1,000 per
/// transaction to keep the setup short) on 1,000 payables, and times VERIFY_PASSES `verify` passes over
/// it: the entries verified and each pass's seconds.
fn verify_throughput(dir: &std::path::Path, settings: &Settings, payments: usize) -> Result<(i64, Vec<f64>)> {
    let mut ledger = Ledger::create(&dir.join("verify.sqlite"), &TerminalId::parse("B02").map_err(|e| Error::Invalid(e.into()))?)?;
    let rows = synthetic::payables(1000, 11);
    import::upsert_payables(&mut ledger, None, "bench", rows.clone())?;
    let actor = open_bench_drawer(&mut ledger)?;
    for chunk in (0..payments).step_by(1000) {
        ledger.write(|w| {
            for index in chunk..(chunk + 1000).min(payments) {
                let payable = &rows[index % rows.len()];
                let request = PaymentRequest {
                    lines: vec![LineRequest::Payable { number: payable.number.clone(), amount: Some(Money::from_cents(100 + (index % 1000) as i64)) }],
                    tenders: vec![Tender::new(TenderKind::Cash, Money::from_cents(2000))],
                };
                payment::record_payment(w, settings, &actor, &request)?;
            }
            Ok(())
        })?;
    }
    let (mut entries, mut seconds) = (0, Vec::with_capacity(VERIFY_PASSES));
    for _ in 0..VERIFY_PASSES {
        let started = Instant::now();
        let report = verify::verify(&ledger)?;
        seconds.push(started.elapsed().as_secs_f64());
        if !report.ok {
            return Err(Error::Invariant(format!("verify-throughput ledger failed verify: {:?}", report.problems.first())));
        }
        entries = report.entries;
    }
    Ok((entries, seconds))
}

/// Raw rusqlite doing the same writes a counter payment makes — a journal row with a payload and hash
/// of the same size, its postings, the receipt and its payable line, the balance and drawer-total
/// updates — in one IMMEDIATE transaction each with the same WAL + synchronous=FULL durability, on a
/// copy of the same database (same schema, indexes and million payables). What it leaves out is
/// CityTill's own work: validation reads, JSON, hashing, and the invariant checks.
struct RawBaseline {
    conn: Connection,
    numbers: Vec<String>,
    seq: i64,
    payload: String,
}

impl RawBaseline {
    fn new(ledger: &Ledger, dir: &std::path::Path, numbers: Vec<String>) -> Result<RawBaseline> {
        ledger.checkpoint()?;
        let copy = dir.join("raw.sqlite");
        std::fs::copy(ledger.path(), &copy).map_err(|e| Error::file(&copy, e))?;
        let conn = Connection::open(&copy)?;
        let _: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let payload: String = conn.query_row("SELECT payload FROM journal ORDER BY seq DESC LIMIT 1", [], |r| r.get(0))?;
        let seq = conn.query_row("SELECT MAX(seq) FROM journal", [], |r| r.get(0))?;
        // A payment payload is about as long as a drawer-open payload plus its lines and tenders.
        let payload = format!("{payload}{}", "x".repeat(250));
        Ok(RawBaseline { conn, numbers, seq, payload })
    }

    fn commit(&mut self, count: usize) -> Result<()> {
        for _ in 0..count {
            self.seq += 1;
            let seq = self.seq;
            let number = &self.numbers[(seq as usize * 7919) % self.numbers.len()];
            let receipt = format!("R01-{seq:06}");
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.prepare_cached(
                "INSERT INTO journal(seq, terminal, at, business_date, user_name, approver, kind, payload, prev_hash, hash)
                 VALUES (?1, 'R01', '2026-11-24T12:00:00.000000Z', '2026-11-24', 'bench', NULL, 'payment_taken', ?2, ?3, ?4)",
            )?
            .execute(params![seq, self.payload, format!("{:064}", seq - 1), format!("{seq:064}")])?;
            for (line, account, debit, credit) in [(1, "1010", 2000, 0), (2, "1010", 0, 1000), (3, "1310", 0, 1000)] {
                tx.prepare_cached("INSERT INTO postings(seq, line, account, debit_cents, credit_cents) VALUES (?1, ?2, ?3, ?4, ?5)")?.execute(params![seq, line, account, debit, credit])?;
            }
            tx.prepare_cached(
                "INSERT INTO receipts(number, receipt, seq, drawer_id, cashier, business_date, total_cents, status)
                 VALUES (?1, ?2, ?1, 1, 'bench', '2026-11-24', 1000, 'paid')",
            )?
            .execute(params![seq, receipt])?;
            tx.prepare_cached("UPDATE payables SET balance_cents = balance_cents - 1000 WHERE number = ?1")?.execute([number])?;
            for (tender, delta) in [("cash", 2000), ("cash", -1000)] {
                tx.prepare_cached(
                    "INSERT INTO drawer_totals(drawer_id, tender, amount_cents) VALUES (1, ?1, ?2)
                     ON CONFLICT(drawer_id, tender) DO UPDATE SET amount_cents = amount_cents + excluded.amount_cents",
                )?
                .execute(params![tender, delta])?;
            }
            tx.prepare_cached("INSERT INTO receipt_payables(receipt_number, payable, amount_cents) VALUES (?1, ?2, 1000)")?.execute(params![seq, number])?;
            tx.commit()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proves the median is the middle sample whatever the order, the mean of the middle two for an even
    /// count, and 0 for none.
    #[test]
    fn median_is_the_middle_sample() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [0.9, 0.1, 0.5, 0.7]), 0.6);
        assert_eq!(median(&mut [5.0]), 5.0);
        assert_eq!(median(&mut []), 0.0);
    }
}
