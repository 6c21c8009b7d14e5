//! Head office's finance office for one business date across terminals (`citytill hq report finance`):
//! autopay (debits due, sent, settled, returned by code), lockbox and online files (items, exceptions open and
//! resolved) and bank reconciliation — each computed from the entries a terminal pushed by that terminal's own
//! code (`ops::autopay::State::fold`, `ops::autopay_run::summary`, `ops::bank::reconcile`), so a terminal's
//! `autopay runs`, `lockbox exceptions`, `batch list` and `report bank` say the same of the same entries.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use postgres::Client;

use crate::domain::effects::lockbox_exception_ref;
use crate::domain::events::{BankCredit, BatchKind, Event};
use crate::hq::error::{HqError, HqResult};
use crate::hq::office::gl::{held_entries, HeldEntry};
use crate::money::Money;
use crate::ops::autopay::State;
use crate::ops::bank::{self, Expected, ReportLine};
use crate::reports::{Document, Section};

/// The kinds the report reads over a terminal's whole history, which the partial index
/// `entries_finance_kinds` (`finance_sql`, schema 7) holds: the autopay entries, lockbox and online imports and
/// resolutions, bank statements.
pub const INDEXED_KINDS: &[&str] = &[
    "autopay_enrolled",
    "autopay_cancelled",
    "autopay_run_prepared",
    "autopay_run_approved",
    "autopay_run_rejected",
    "autopay_settled",
    "autopay_returned",
    "lockbox_imported",
    "lockbox_exception_resolved",
    "bank_statement_imported",
];

/// Every autopay entry (the kinds are written out, not a parameter, so any plan, generic too, proves the
/// partial index's predicate).
pub const AUTOPAY_ENTRIES: &str = "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries
  WHERE kind IN ('autopay_enrolled', 'autopay_cancelled', 'autopay_run_prepared', 'autopay_run_approved', 'autopay_run_rejected', 'autopay_settled', 'autopay_returned')
  ORDER BY terminal, seq";
/// Every lockbox or online exception's resolution.
pub const RESOLUTIONS: &str = "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries WHERE kind = 'lockbox_exception_resolved' ORDER BY terminal, seq";
/// Every lockbox or online file import.
pub const IMPORTS: &str = "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries WHERE kind = 'lockbox_imported' ORDER BY terminal, seq";
/// Every bank statement terminal $1 read.
pub const STATEMENTS: &str = "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries WHERE terminal = $1 AND kind = 'bank_statement_imported' ORDER BY seq";
/// The bank statements terminal $1 read on business date $2.
pub const STATEMENTS_READ_ON: &str =
    "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries WHERE terminal = $1 AND business_date = $2 AND kind = 'bank_statement_imported' ORDER BY seq";
/// The report's reads by kind, by name: each is planned on `entries_finance_kinds` (`tests/hq_finance.rs`).
pub const READS_BY_KIND: &[(&str, &str)] =
    &[("autopay entries", AUTOPAY_ENTRIES), ("resolutions", RESOLUTIONS), ("imports", IMPORTS), ("statements", STATEMENTS), ("statements read on", STATEMENTS_READ_ON)];
/// The entries that change a batch's items or state after it is opened.
const BATCH_KINDS: &[&str] = &["batch_item_added", "batch_item_removed", "batch_balanced", "batch_approved", "batch_rejected", "batch_reopened", "lockbox_imported"];

fn money(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

fn total(amounts: impl Iterator<Item = Money>) -> i64 {
    amounts.map(|m| m.cents()).sum()
}

/// The finance report of `date`; bank matches look `window_days` either side (`policy.bank_match_days`).
pub fn finance(client: &mut Client, date: NaiveDate, window_days: i64) -> HqResult<Document> {
    let date_text = date.format("%Y-%m-%d").to_string();
    let mut sections = autopay(client, &date_text)?;
    sections.extend(lockbox(client, &date_text)?);
    sections.extend(bank_sections(client, date, window_days)?);
    Ok(Document {
        report: "hq finance".into(),
        title: "Finance office, all terminals".into(),
        date: date_text,
        lines: vec![format!("Autopay runs and debits, lockbox and online files, bank statements matched within {window_days} day(s) (policy.bank_match_days), per terminal.")],
        sections,
    })
}

/// Autopay: each terminal's entries folded by `State::fold`; the runs dated `date` and what happened to
/// debits on `date` (due and sent by the run's date, settled by the settlement's date, returned by the day the
/// return file was read).
fn autopay(client: &mut Client, date: &str) -> HqResult<Vec<Section>> {
    let entries = held_entries(client, AUTOPAY_ENTRIES, &[])?;
    let mut states: BTreeMap<String, State> = BTreeMap::new();
    // (terminal, what, code) -> (debits, cents)
    let mut outcome: BTreeMap<(String, u8, String), (i64, i64)> = BTreeMap::new();
    for HeldEntry { terminal, seq, business_date, event } in entries {
        match &event {
            Event::AutopaySettled { date: settled, posted, .. } if settled == date => {
                let row = outcome.entry((terminal.clone(), 2, String::new())).or_default();
                row.0 += posted.len() as i64;
                row.1 += total(posted.iter().map(|p| p.line.amount()));
            }
            Event::AutopayReturned { returns, .. } if business_date == date => {
                for item in returns {
                    let row = outcome.entry((terminal.clone(), 3, item.code.clone())).or_default();
                    row.0 += 1;
                    row.1 += item.amount.cents();
                }
            }
            _ => {}
        }
        states.entry(terminal).or_default().fold(seq, event);
    }
    let mut runs =
        Section::new(format!("Autopay runs dated {date}"), &["terminal", "run", "state", "prenotes", "debits", "total", "settled", "settled total", "returned", "returned total", "pending total"]);
    let mut sums = [0i64; 8];
    for (terminal, state) in &states {
        for run in state.runs.iter().filter(|r| r.date == date) {
            let summary = crate::ops::autopay_run::summary(run);
            let debits: Vec<_> = run.debits.iter().filter(|d| !d.prenote).filter_map(|d| state.debits.get(&d.trace)).collect();
            let settled: Vec<_> = debits.iter().filter(|d| d.settled.is_some()).collect();
            let returned: Vec<_> = debits.iter().filter(|d| d.returned.is_some()).collect();
            let pending = total(debits.iter().filter(|d| d.released && d.settled.is_none() && d.returned.is_none()).map(|d| d.debit.amount));
            let (settled_cents, returned_cents) = (total(settled.iter().map(|d| d.debit.amount)), total(returned.iter().map(|d| d.debit.amount)));
            let state_word = if summary.released {
                "released"
            } else if summary.rejected {
                "rejected"
            } else {
                "prepared"
            };
            runs.row(vec![
                terminal.clone(),
                summary.run.clone(),
                state_word.into(),
                summary.prenotes.to_string(),
                summary.debits.to_string(),
                summary.total.to_string(),
                settled.len().to_string(),
                money(settled_cents),
                returned.len().to_string(),
                money(returned_cents),
                money(pending),
            ]);
            let due = (summary.debits as i64, summary.total.cents());
            outcome.entry((terminal.clone(), 0, String::new())).and_modify(|r| *r = (r.0 + due.0, r.1 + due.1)).or_insert(due);
            if summary.released {
                outcome.entry((terminal.clone(), 1, String::new())).and_modify(|r| *r = (r.0 + due.0, r.1 + due.1)).or_insert(due);
            }
            for (i, value) in
                [summary.prenotes as i64, summary.debits as i64, summary.total.cents(), settled.len() as i64, settled_cents, returned.len() as i64, returned_cents, pending].into_iter().enumerate()
            {
                sums[i] += value;
            }
        }
    }
    runs.totals = Some(vec![
        "all terminals".into(),
        format!("{} run(s)", runs.rows.len()),
        String::new(),
        sums[0].to_string(),
        sums[1].to_string(),
        money(sums[2]),
        sums[3].to_string(),
        money(sums[4]),
        sums[5].to_string(),
        money(sums[6]),
        money(sums[7]),
    ]);
    runs.notes.push("Totals include prenotes (zero); settled, returned and pending count live debits as they stand now.".into());
    let mut debits = Section::new(format!("Autopay debits on {date}"), &["terminal", "what", "return code", "debits", "amount"]);
    let words = ["due (runs dated this day)", "sent (released)", "settled (settlement dated this day)", "returned (return file read this day)"];
    let mut all: BTreeMap<(u8, String), (i64, i64)> = BTreeMap::new();
    for ((terminal, what, code), (count, cents)) in &outcome {
        debits.row(vec![terminal.clone(), words[usize::from(*what)].into(), code.clone(), count.to_string(), money(*cents)]);
        let row = all.entry((*what, code.clone())).or_default();
        row.0 += count;
        row.1 += cents;
    }
    for ((what, code), (count, cents)) in &all {
        debits.row(vec!["all terminals".into(), words[usize::from(*what)].into(), code.clone(), count.to_string(), money(*cents)]);
    }
    Ok(vec![runs, debits])
}

/// A lockbox or online batch as its entries left it.
struct FileBatch {
    kind: BatchKind,
    state: &'static str,
    control_total: Money,
    control_items: i64,
    /// item number -> amount, while not removed.
    items: BTreeMap<i64, Money>,
    /// (posted item amounts) of the latest approval, if approved.
    posted: Vec<Money>,
    deposit_date: Option<String>,
    imported: Option<(String, String, Vec<crate::domain::events::LockboxException>)>,
}

/// The batch `batch` of `terminal` opened by entry `opened` (a `batch_opened` event), folded from its later
/// entries up to `before` (exclusive).
fn file_batch(client: &mut Client, terminal: &str, opened: i64, opened_event: &Event, before: i64) -> HqResult<Option<FileBatch>> {
    let Event::BatchOpened { batch, batch_kind, control_total, control_items, .. } = opened_event else { return Ok(None) };
    if !matches!(batch_kind, BatchKind::Lockbox | BatchKind::Online) {
        return Ok(None);
    }
    let kinds: Vec<String> = BATCH_KINDS.iter().map(|k| k.to_string()).collect();
    let later = held_entries(
        client,
        "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries
          WHERE terminal = $1 AND seq > $2 AND seq < $3 AND kind = ANY($4) AND payload::json->>'batch' = $5 ORDER BY seq",
        &[&terminal, &opened, &before, &kinds, batch],
    )?;
    let mut out =
        FileBatch { kind: *batch_kind, state: "open", control_total: *control_total, control_items: *control_items, items: BTreeMap::new(), posted: Vec::new(), deposit_date: None, imported: None };
    for entry in later {
        match entry.event {
            Event::BatchItemAdded { item, .. } => {
                out.items.insert(item.item, item.amount);
            }
            Event::BatchItemRemoved { item, .. } => {
                out.items.remove(&item.item);
            }
            Event::BatchBalanced { .. } => out.state = "balanced",
            Event::BatchApproved { posted, .. } => {
                out.state = "approved";
                out.posted = posted.iter().map(|p| p.line.amount()).collect();
            }
            Event::BatchRejected { .. } => out.state = "rejected",
            Event::BatchReopened { .. } => {
                out.state = "open";
                out.posted.clear();
            }
            Event::LockboxImported { source, template, deposit_date, exceptions, .. } => {
                out.deposit_date = deposit_date;
                out.imported = Some((source, template, exceptions));
            }
            _ => {}
        }
    }
    Ok(Some(out))
}

/// Every exception resolution head office holds: (terminal, `L1-E2`) -> the account applied to (None: refunded).
fn resolutions(client: &mut Client) -> HqResult<BTreeMap<(String, String), Option<String>>> {
    let entries = held_entries(client, RESOLUTIONS, &[])?;
    let mut out = BTreeMap::new();
    for entry in entries {
        if let Event::LockboxExceptionResolved { batch, exception, apply_to, .. } = entry.event {
            out.entry((entry.terminal, lockbox_exception_ref(&batch, exception))).or_insert(apply_to);
        }
    }
    Ok(out)
}

/// Lockbox and online files: those imported on `date` (items, totals, exceptions by state), and every
/// exception still open, whatever its date.
fn lockbox(client: &mut Client, date: &str) -> HqResult<Vec<Section>> {
    let resolved = resolutions(client)?;
    let opened = held_entries(
        client,
        "SELECT o.terminal, o.seq, o.business_date, o.kind, o.payload FROM citytill.entries o
          WHERE o.kind = 'batch_opened' AND o.business_date = $1
            AND o.payload::json->>'batch_kind' IN ('lockbox', 'online')
          ORDER BY o.terminal, o.seq",
        &[&date],
    )?;
    let mut files = Section::new(
        format!("Lockbox and online files imported on {date}"),
        &["terminal", "batch", "kind", "file", "template", "state", "items", "items total", "control items", "control total", "exceptions", "open", "applied", "refunded"],
    );
    let mut sums = [0i64; 8];
    for entry in &opened {
        let Event::BatchOpened { batch, .. } = &entry.event else { continue };
        let Some(file) = file_batch(client, &entry.terminal, entry.seq, &entry.event, i64::MAX)? else { continue };
        let (source, template, exceptions) = file.imported.clone().unwrap_or_default();
        let state_of = |e: &crate::domain::events::LockboxException| match resolved.get(&(entry.terminal.clone(), lockbox_exception_ref(batch, e.exception))) {
            None => 0,
            Some(Some(_)) => 1,
            Some(None) => 2,
        };
        let mut by_state = [0i64; 3];
        for e in &exceptions {
            by_state[state_of(e)] += 1;
        }
        let items_total = total(file.items.values().copied());
        files.row(vec![
            entry.terminal.clone(),
            batch.clone(),
            file.kind.as_str().into(),
            crate::domain::text::printable(&source).into_owned(),
            template,
            file.state.into(),
            file.items.len().to_string(),
            money(items_total),
            file.control_items.to_string(),
            file.control_total.to_string(),
            exceptions.len().to_string(),
            by_state[0].to_string(),
            by_state[1].to_string(),
            by_state[2].to_string(),
        ]);
        for (i, value) in [file.items.len() as i64, items_total, file.control_items, file.control_total.cents(), exceptions.len() as i64, by_state[0], by_state[1], by_state[2]].into_iter().enumerate()
        {
            sums[i] += value;
        }
    }
    files.totals = Some(vec![
        "all terminals".into(),
        format!("{} file(s)", files.rows.len()),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        sums[0].to_string(),
        money(sums[1]),
        sums[2].to_string(),
        money(sums[3]),
        sums[4].to_string(),
        sums[5].to_string(),
        sums[6].to_string(),
        sums[7].to_string(),
    ]);

    let imports = held_entries(client, IMPORTS, &[])?;
    let mut open = Section::new("Lockbox and online exceptions still open (any date)", &["terminal", "exception", "file date", "line", "account", "amount", "problem"]);
    let mut open_cents = 0;
    for entry in imports {
        let Event::LockboxImported { batch, exceptions, .. } = entry.event else { continue };
        for e in exceptions {
            let reference = lockbox_exception_ref(&batch, e.exception);
            if resolved.contains_key(&(entry.terminal.clone(), reference.clone())) {
                continue;
            }
            open_cents += e.amount.cents();
            let printable = |t: &str| crate::domain::text::printable(t).into_owned();
            open.row(vec![entry.terminal.clone(), reference, entry.business_date.clone(), e.line.to_string(), printable(&e.account), e.amount.to_string(), printable(&e.problem)]);
        }
    }
    open.totals = Some(vec!["all terminals".into(), format!("{} open", open.rows.len()), String::new(), String::new(), String::new(), money(open_cents), String::new()]);
    Ok(vec![files, open])
}

/// One terminal's side of the bank report, as `ops::bank::expected_between` and `credits_between` read it
/// from the ledger, read here from the entries head office holds.
fn bank_sides(client: &mut Client, terminal: &str, from: NaiveDate, to: NaiveDate) -> HqResult<(Vec<Expected>, Vec<BankCredit>)> {
    let (from_text, to_text) = (from.to_string(), to.to_string());
    let mut expected = Vec::new();
    let deposits = held_entries(
        client,
        "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries
          WHERE terminal = $1 AND kind = 'deposit_created' AND business_date BETWEEN $2 AND $3 ORDER BY seq",
        &[&terminal, &from_text, &to_text],
    )?;
    for entry in deposits {
        let Event::DepositCreated { deposit, batches, slip } = &entry.event else { continue };
        let mut cents = total(slip.lines.iter().map(|l| l.amount));
        for batch in batches {
            let opened = held_entries(
                client,
                "SELECT terminal, seq, business_date, kind, payload FROM citytill.entries
                  WHERE terminal = $1 AND seq < $2 AND kind = 'batch_opened' AND payload::json->>'batch' = $3 ORDER BY seq DESC LIMIT 1",
                &[&terminal, &entry.seq, batch],
            )?;
            let Some(opened) = opened.first() else { continue };
            if let Some(file) = file_batch(client, terminal, opened.seq, &opened.event, entry.seq)? {
                cents -= total(file.posted.iter().copied());
            }
        }
        if cents > 0 {
            expected.push(Expected { kind: "deposit".into(), id: deposit.clone(), date: entry.business_date.clone(), amount: Money::from_cents(cents) });
        }
    }
    // File batches opened within a month of the window (as the terminal bounds its read), dated by the file's deposit date.
    let (wide_from, wide_to) = ((from - Duration::days(31)).to_string(), (to + Duration::days(31)).to_string());
    let opened = held_entries(
        client,
        "SELECT o.terminal, o.seq, o.business_date, o.kind, o.payload FROM citytill.entries o
          WHERE o.terminal = $1 AND o.kind = 'batch_opened' AND o.business_date BETWEEN $2 AND $3
            AND o.payload::json->>'batch_kind' IN ('lockbox', 'online')
          ORDER BY o.seq",
        &[&terminal, &wide_from, &wide_to],
    )?;
    for entry in opened {
        let Event::BatchOpened { batch, .. } = &entry.event else { continue };
        let Some(file) = file_batch(client, terminal, entry.seq, &entry.event, i64::MAX)? else { continue };
        if file.state == "rejected" {
            continue;
        }
        let date = file.deposit_date.clone().unwrap_or(entry.business_date.clone());
        if date >= from_text && date <= to_text {
            expected.push(Expected { kind: file.kind.as_str().into(), id: batch.clone(), date, amount: file.control_total });
        }
    }
    let statements = held_entries(client, STATEMENTS, &[&terminal])?;
    let mut credits = Vec::new();
    for entry in statements {
        if let Event::BankStatementImported { credits: found, .. } = entry.event {
            credits.extend(found.into_iter().filter(|c| c.date >= from_text && c.date <= to_text));
        }
    }
    Ok((expected, credits))
}

/// Bank: per terminal, the statements read on `date` and `ops::bank::reconcile` of what it holds.
fn bank_sections(client: &mut Client, date: NaiveDate, window_days: i64) -> HqResult<Vec<Section>> {
    if !(0..=366).contains(&window_days) {
        return Err(HqError::Invalid(format!("policy.bank_match_days: {window_days} is not 0 to 366")));
    }
    let date_text = date.to_string();
    let terminals: Vec<String> = client.query("SELECT terminal FROM citytill.terminals ORDER BY terminal", &[]).map_err(crate::hq::office::admin::server)?.iter().map(|r| r.get(0)).collect();
    let (from, to) = bank::window(date, window_days);
    let mut summary = Section::new(
        format!("Bank on {date_text}"),
        &[
            "terminal",
            "statements read",
            "credits read",
            "credits total",
            "matched",
            "matched total",
            "differences",
            "difference",
            "citytill only",
            "citytill only total",
            "bank only",
            "bank only total",
        ],
    );
    let mut detail =
        Section::new("Bank reconciliation lines", &["terminal", "status", "citytill", "citytill date", "citytill amount", "bank type", "bank date", "bank amount", "bank reference", "difference"]);
    let mut sums = [0i64; 11];
    for terminal in &terminals {
        let read = held_entries(client, STATEMENTS_READ_ON, &[terminal, &date_text])?;
        let read_credits: Vec<Money> =
            read.iter().flat_map(|e| if let Event::BankStatementImported { credits, .. } = &e.event { credits.iter().map(|c| c.amount).collect() } else { Vec::new() }).collect();
        let (expected, credits) = bank_sides(client, terminal, from, to)?;
        let lines = bank::reconcile(expected, credits, date, window_days).map_err(|e| HqError::Invalid(format!("bank report of {terminal}: {e}")))?;
        if read.is_empty() && lines.is_empty() {
            continue;
        }
        let status_sum = |status: &str| -> (i64, i64) {
            let of: Vec<&ReportLine> = lines.iter().filter(|l| l.status == status).collect();
            let cents = match status {
                "matched" => total(of.iter().filter_map(|l| l.bank.as_ref().map(|b| b.amount))),
                _ => total(of.iter().map(|l| l.difference)),
            };
            (of.len() as i64, cents)
        };
        let counts = [status_sum("matched"), status_sum("difference"), status_sum("citytill only"), status_sum("bank only")];
        let values =
            [read.len() as i64, read_credits.len() as i64, total(read_credits.iter().copied()), counts[0].0, counts[0].1, counts[1].0, counts[1].1, counts[2].0, counts[2].1, counts[3].0, counts[3].1];
        for (i, value) in values.into_iter().enumerate() {
            sums[i] += value;
        }
        summary.row(row_of(terminal, &values));
        for line in &lines {
            let (id, c_date, c_amount) = match &line.citytill {
                Some(c) => (format!("{} {}", c.kind, c.id), c.date.clone(), c.amount.to_string()),
                None => (String::new(), String::new(), String::new()),
            };
            let (code, b_date, b_amount, reference) = match &line.bank {
                Some(b) => (b.type_code.clone(), b.date.clone(), b.amount.to_string(), b.bank_reference.clone().unwrap_or_default()),
                None => (String::new(), String::new(), String::new(), String::new()),
            };
            detail.row(vec![terminal.clone(), line.status.clone(), id, c_date, c_amount, code, b_date, b_amount, crate::domain::text::printable(&reference).into_owned(), line.difference.to_string()]);
        }
    }
    summary.totals = Some(row_of("all terminals", &sums));
    summary.notes.push("Each terminal's deposits and file batches are matched to the statements it read, by `report bank`'s rules; differences and one-sided totals are bank minus CityTill.".into());
    Ok(vec![summary, detail])
}

/// A bank summary row: counts as numbers, the amounts (every other value from the third) as money.
fn row_of(terminal: &str, values: &[i64; 11]) -> Vec<String> {
    let mut out = vec![terminal.to_string()];
    for (i, value) in values.iter().enumerate() {
        out.push(if i == 2 || (i >= 4 && i % 2 == 0) { money(*value) } else { value.to_string() });
    }
    out
}
