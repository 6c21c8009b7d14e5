//! `citytill bench --journal-entries N`: grows a realistic journal (days of payments, voids, refunds,
//! returned checks, drops, drawers, mail and counter batches, deposits, day closes) to N entries and to a
//! base size, then times every counter and office operation on each, side by side: the cost of what a
//! cashier or lead waits for must not grow with the journal's age.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::bench::percentile;
use citytill::config::Settings;
use citytill::domain::denominations::DenominationCount;
use citytill::domain::events::{counter_batch, BatchKind, Event};
use citytill::domain::ids::{Role, TerminalId};
use citytill::domain::payable::PayableRow;
use citytill::domain::states::ReceiptStatus;
use citytill::domain::tender::{Tender, TenderKind};
use citytill::error::{Error, Result};
use citytill::ledger::Ledger;
use citytill::money::Money;
use citytill::ops::auth::Actor;
use citytill::ops::deposit::BankRouting;
use citytill::ops::drawer::{self, CashMove, Count};
use citytill::ops::payment::{self, LineRequest, PaymentRequest};
use citytill::ops::{batch, day, deposit, import, query, receipt_doc, reversal, synthetic};
use citytill::reports::{self, Format};

/// The journal size every figure is set beside (the size the other benchmarks measure at).
pub const BASE_ENTRIES: usize = 10_000;
/// Business days timed on each journal, after it is grown.
const MEASURED_DAYS: usize = 3;
/// Cashiers (one drawer each) per business day.
const CASHIERS: usize = 4;
/// Payments per drawer per day: with the day's other entries about 300 entries a day, a busy counter's.
const PAYMENTS_PER_DRAWER: usize = 70;

/// p50 and p99 of one operation at the base size and at N.
#[derive(Debug, Default, serde::Serialize)]
pub struct Figures {
    pub base_p50_ms: f64,
    pub base_p99_ms: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Timed samples at N (the base has as many).
    pub samples: usize,
}

/// Figures from one run; keys are stable for scripts.
#[derive(Debug, serde::Serialize)]
pub struct Growth {
    /// Journal entries when timing began, at N and at the base size.
    pub entries: i64,
    pub base_entries: i64,
    /// Seconds to grow the N-entry journal.
    pub grow_s: f64,
    /// By operation: pay, void, refund, nsf, drawer_open, drawer_drop, drawer_close, batch_approve,
    /// deposit, day_close, receipt_show, receipt_reprint, report_<name> for every report and
    /// window_cold_start (process start to the login screen built, on the grown ledger).
    pub operations: BTreeMap<String, Figures>,
}

impl Growth {
    pub fn text(&self) -> String {
        let mut out = format!(
            "CityTill journal-growth bench: {} entries beside {} (grown in {:.1} s)\n{:<22} {:>12} {:>12}   {:>12} {:>12}\n",
            self.entries, self.base_entries, self.grow_s, "operation", "base p50 ms", "base p99 ms", "p50 ms", "p99 ms"
        );
        for (name, f) in &self.operations {
            out.push_str(&format!("{name:<22} {:>12.2} {:>12.2}   {:>12.2} {:>12.2}\n", f.base_p50_ms, f.base_p99_ms, f.p50_ms, f.p99_ms));
        }
        out
    }
}

/// Grows both journals in a temporary directory and times MEASURED_DAYS business days on each.
pub fn run(entries: usize, base: usize) -> Result<Growth> {
    let dir = tempfile::tempdir().map_err(|e| Error::invalid("bench", format!("no temporary directory: {e}")))?;
    let (base_dir, grown_dir) = (dir.path().join("base"), dir.path().join("grown"));
    for data_dir in [&base_dir, &grown_dir] {
        std::fs::create_dir(data_dir).map_err(|e| Error::invalid("bench", format!("cannot create {}: {e}", data_dir.display())))?;
    }
    let (base_entries, _, mut base_times) = measure(&base_dir.join(citytill::ledger::LEDGER_FILE), base)?;
    cold_starts(&base_dir, &mut base_times)?;
    let (grown, grow_s, mut times) = measure(&grown_dir.join(citytill::ledger::LEDGER_FILE), entries)?;
    cold_starts(&grown_dir, &mut times)?;
    let mut operations = BTreeMap::new();
    for (name, mut samples) in times {
        let mut at_base = base_times.get(&name).cloned().unwrap_or_default();
        let figures = Figures {
            base_p50_ms: percentile(&mut at_base, 0.50),
            base_p99_ms: percentile(&mut at_base, 0.99),
            p50_ms: percentile(&mut samples, 0.50),
            p99_ms: percentile(&mut samples, 0.99),
            samples: samples.len(),
        };
        operations.insert(name, figures);
    }
    Ok(Growth { entries: grown, base_entries, grow_s, operations })
}

/// Writes a realistic ledger of at least `entries` entries at `path` (payments, voids, refunds, returned
/// checks, drops, drawers, batches, deposits, day closes): how `tests/fixtures/` keeps a ledger written by
/// each release, so later releases prove they still open, upgrade and verify it byte for byte.
pub fn write_sample_ledger(path: &std::path::Path, entries: usize) -> Result<i64> {
    let mut city = City::new(path)?;
    while city.ledger.last_seq()? < entries as i64 {
        city.business_day(None)?;
    }
    city.ledger.last_seq()
}

type Timings = BTreeMap<String, Vec<Duration>>;

/// The environment variable that makes `citytill` (no command) boot the window to its login screen without a
/// display and exit (`gui::boot_probe`): how a cold start is timed.
pub const BOOT_PROBE_ENV: &str = "CITYTILL_BOOT_PROBE";
/// Cold starts timed on each journal.
const COLD_STARTS: usize = 5;
/// The longest one cold start may take before the bench gives up on it.
const COLD_START_LIMIT: Duration = Duration::from_secs(120);

/// Times COLD_STARTS starts of this program, each a new process, from its start to its window's login screen
/// built on the ledger in `data_dir`, as `window_cold_start`. A program built without the window has none.
fn cold_starts(data_dir: &std::path::Path, times: &mut Timings) -> Result<()> {
    if !cfg!(feature = "window") {
        return Ok(());
    }
    let program = std::env::current_exe().map_err(|e| Error::invalid("bench", format!("cannot find this program to start it: {e}")))?;
    for _ in 0..COLD_STARTS {
        let started = Instant::now();
        let mut child = std::process::Command::new(&program)
            .arg("--data-dir")
            .arg(data_dir)
            .env(BOOT_PROBE_ENV, "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| Error::invalid("bench", format!("cannot start the window: {e}")))?;
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| Error::invalid("bench", format!("the window's process: {e}")))? {
                break status;
            }
            if started.elapsed() > COLD_START_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Invariant(format!("bench: the window did not reach its login screen within {} s", COLD_START_LIMIT.as_secs())));
            }
            std::thread::sleep(Duration::from_micros(500));
        };
        let elapsed = started.elapsed();
        if !status.success() {
            let mut problem = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut problem);
            }
            return Err(Error::Invariant(format!("bench: the window's cold start failed: {}", problem.trim())));
        }
        times.entry("window_cold_start".to_string()).or_default().push(elapsed);
    }
    Ok(())
}

/// Times `work` under `name` when timing.
fn timed<T>(times: &mut Option<&mut Timings>, name: &str, work: impl FnOnce() -> Result<T>) -> Result<T> {
    let started = Instant::now();
    let value = work()?;
    if let Some(times) = times.as_deref_mut() {
        times.entry(name.to_string()).or_default().push(started.elapsed());
    }
    Ok(value)
}

/// Grows a journal at `path` to `entries` (durability relaxed while growing: it is a scratch file), then
/// times MEASURED_DAYS days with the ledger's own synchronous=FULL. Returns the entries timing began at,
/// the seconds growing took, and the samples.
fn measure(path: &std::path::Path, entries: usize) -> Result<(i64, f64, Timings)> {
    let started = Instant::now();
    let mut city = City::new(path)?;
    city.ledger.set_bulk_load(true)?;
    while city.ledger.last_seq()? < entries as i64 {
        city.business_day(None)?;
    }
    city.ledger.set_bulk_load(false)?;
    let grow_s = started.elapsed().as_secs_f64();
    let reached = city.ledger.last_seq()?;
    let mut times = Timings::new();
    for _ in 0..MEASURED_DAYS {
        city.business_day(Some(&mut times))?;
    }
    Ok((reached, grow_s, times))
}

struct City {
    ledger: Ledger,
    settings: Settings,
    payables: Vec<PayableRow>,
    cashiers: Vec<Actor>,
    lead: Actor,
    supervisor: Actor,
    days: usize,
}

impl City {
    fn new(path: &std::path::Path) -> Result<City> {
        let mut ledger = Ledger::create(path, &TerminalId::parse("G01").map_err(|e| Error::Invalid(e.into()))?)?;
        let payables = synthetic::payables(2_000, 13);
        import::upsert_payables(&mut ledger, None, "bench", payables.clone())?;
        import::upsert_fees(&mut ledger, None, "bench", synthetic::fees())?;
        let lead = Actor { name: "lead".into(), role: Role::Lead };
        let supervisor = Actor { name: "super".into(), role: Role::Supervisor };
        let cashiers: Vec<Actor> = (1..=CASHIERS).map(|n| Actor { name: format!("cashier{n}"), role: Role::Cashier }).collect();
        ledger.write(|w| {
            for actor in cashiers.iter().chain([&lead, &supervisor]) {
                w.append(None, None, &Event::UserAdded { name: actor.name.clone(), role: actor.role })?;
            }
            Ok(())
        })?;
        Ok(City { ledger, settings: Settings::default(), payables, cashiers, lead, supervisor, days: 0 })
    }

    fn request(&self, n: usize) -> PaymentRequest {
        let payable = &self.payables[(n * 7919) % self.payables.len()];
        let amount = Money::from_cents(1_000 + (n as i64 % 400) * 7);
        let mut tender = Tender::new(if n.is_multiple_of(5) { TenderKind::Check } else { TenderKind::Cash }, amount);
        if tender.kind == TenderKind::Check {
            tender.routing = Some("021000021".into());
            tender.account_last4 = Some(format!("{:04}", n % 10_000));
            tender.number = Some(format!("{}", 1000 + n % 9000));
        }
        PaymentRequest { lines: vec![LineRequest::Payable { number: payable.number.clone(), amount: Some(amount) }], tenders: vec![tender] }
    }

    /// A receipt from anywhere in the journal that `usable` accepts (looked up by number, untimed).
    fn older_receipt(&self, salt: usize, usable: impl Fn(&query::ReceiptInfo) -> bool) -> Result<Option<String>> {
        let reader = self.ledger.read()?;
        let last: i64 = reader.query_row("SELECT COALESCE(MAX(number), 0) FROM receipts", [], |r| r.get(0))?;
        for attempt in 0..20usize {
            let number = 1 + ((salt * 104_729 + attempt * 7_919) as i64 % last.max(1));
            let text: Option<String> = rusqlite::OptionalExtension::optional(reader.query_row("SELECT receipt FROM receipts WHERE number = ?1", [number], |r| r.get(0)))?;
            if let Some(text) = text {
                if usable(&query::receipt(&reader, &text)?) {
                    return Ok(Some(text));
                }
            }
        }
        Ok(None)
    }

    /// One business day: each cashier opens a drawer, takes payments (one in five by check), voids one,
    /// refunds part of an older receipt, drops cash and closes; a returned check; receipts shown and
    /// reprinted; a mail batch; every batch approved; the deposit; the day closed; every report.
    fn business_day(&mut self, mut times: Option<&mut Timings>) -> Result<()> {
        self.days += 1;
        let date = self.ledger.business_date()?.to_string();
        let float = vec![DenominationCount { denomination: Money::from_cents(2000), pieces: 5 }, DenominationCount { denomination: Money::from_cents(100), pieces: 70 }];
        let mut checks = Vec::new();
        let mut drawers = Vec::new();
        for index in 0..self.cashiers.len() {
            let cashier = self.cashiers[index].clone();
            let (drawer_id, _) = timed(&mut times, "drawer_open", || drawer::open(&mut self.ledger, &cashier, float.clone()))?;
            drawers.push(drawer_id);
            let first = (self.days * CASHIERS + index) * PAYMENTS_PER_DRAWER;
            let requests: Vec<(usize, PaymentRequest)> = (first..first + PAYMENTS_PER_DRAWER).map(|n| (n, self.request(n))).collect();
            let mut receipts = Vec::new();
            if times.is_some() {
                for (n, request) in &requests {
                    let paid = timed(&mut times, "pay", || payment::pay(&mut self.ledger, &self.settings, &cashier, request))?;
                    receipts.push((*n, paid.receipt));
                }
            } else {
                let settings = &self.settings;
                receipts = self.ledger.write(|w| requests.iter().map(|(n, request)| Ok((*n, payment::record_payment(w, settings, &cashier, request)?.receipt))).collect::<Result<Vec<_>>>())?;
            }
            if let Some((_, last)) = receipts.pop() {
                timed(&mut times, "void", || reversal::void(&mut self.ledger, &cashier, &self.supervisor, &last, "keyed twice"))?;
            }
            checks.extend(receipts.iter().filter(|(n, _)| n.is_multiple_of(5)).map(|(_, r)| r.clone()));
            let refundable = |info: &query::ReceiptInfo| matches!(info.status, ReceiptStatus::Paid | ReceiptStatus::PartiallyRefunded) && info.total.cents() - info.refunded.cents() >= 100;
            if let Some(receipt) = self.older_receipt(first, refundable)? {
                timed(&mut times, "refund", || reversal::refund(&mut self.ledger, &cashier, &self.supervisor, &receipt, Money::from_cents(100), "overpaid"))?;
            }
            timed(&mut times, "drawer_drop", || drawer::cash_move(&mut self.ledger, &cashier, None, CashMove::Drop, Money::from_cents(2_000), None))?;
            let expected = query::expected(&*self.ledger.read()?, drawer_id)?;
            let of = |kind| expected.iter().find(|(t, _)| *t == kind).map_or(Money::ZERO, |(_, m)| *m);
            let count = Count { cash: reports::bench::denominations_of(of(TenderKind::Cash).cents()), checks: Some((0, of(TenderKind::Check))), ..Count::default() };
            timed(&mut times, "drawer_close", || drawer::close(&mut self.ledger, &self.settings, &cashier, Some(count), None, None))?;
        }
        if let Some(receipt) = checks.first() {
            timed(&mut times, "nsf", || reversal::returned_check(&mut self.ledger, &self.lead, &self.supervisor, receipt, "NSF"))?;
        }
        for salt in 0..3 {
            if let Some(receipt) = self.older_receipt(self.days * 31 + salt, |_| true)? {
                timed(&mut times, "receipt_show", || query::receipt(&*self.ledger.read()?, &receipt))?;
                timed(&mut times, "receipt_reprint", || receipt_doc::reprint(&mut self.ledger, &self.settings, &self.cashiers[0], &receipt))?;
            }
        }
        let mail = batch::open(&mut self.ledger, &self.lead, BatchKind::Mail, Money::from_cents(3 * 4_500), 3)?;
        for item in 0..3 {
            let payable = self.payables[(self.days * 3 + item) % self.payables.len()].number.clone();
            let tender =
                Tender { routing: Some("021000021".into()), account_last4: Some("4321".into()), number: Some(format!("{}", 200 + item)), ..Tender::new(TenderKind::Check, Money::from_cents(4_500)) };
            batch::add(&mut self.ledger, &self.cashiers[0], &mail, batch::ItemRequest { payable, amount: Money::from_cents(4_500), tender, stub: None })?;
        }
        batch::balance(&mut self.ledger, &self.cashiers[0], &mail)?;
        for id in drawers.iter().map(|id| counter_batch(*id)).chain([mail]) {
            timed(&mut times, "batch_approve", || batch::approve(&mut self.ledger, &self.lead, &self.supervisor, &id))?;
        }
        timed(&mut times, "deposit", || deposit::create(&mut self.ledger, &self.lead, &BankRouting::default(), &date))?;
        let closing = self.ledger.business_date()?;
        timed(&mut times, "day_close", || day::close(&mut self.ledger, &self.lead, closing))?;
        if times.is_some() {
            for name in reports::NAMES {
                timed(&mut times, &format!("report_{name}"), || {
                    let document = reports::build(&self.ledger, name, &date, Some(&self.supervisor))?;
                    reports::render(&document, Format::Text)
                })?;
            }
        }
        Ok(())
    }
}
