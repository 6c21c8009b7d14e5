//! Bank reconciliation: a BAI2 statement's credits recorded once (`bank import`, refused a second time by the
//! file's SHA-256), and matched to what CityTill sent the bank — each deposit (less the lockbox and online
//! batch items on its slip) and each lockbox or online batch (the file's own total) — by amount and date within
//! `policy.bank_match_days` (`report bank`).

use chrono::{Duration, NaiveDate};
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use crate::domain::events::{BankCredit, Event};
use crate::error::{Error, Result};
use crate::ledger::Ledger;
use crate::money::Money;
use crate::ops::auth::Actor;
use crate::ops::bai2::{self, Statement};
use crate::ops::batch::{self, LEAD_ROLES};

/// What an import recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Imported {
    pub sha256: String,
    pub credits: i64,
    pub total: Money,
    pub statement: Statement,
}

/// Reads `bytes` as BAI2 (the whole file, strictly) and records its credits; nothing is written on any problem.
pub fn import(ledger: &mut Ledger, actor: &Actor, source: &str, bytes: &[u8]) -> Result<Imported> {
    actor.require(LEAD_ROLES, "import bank statements")?;
    crate::domain::text::check("FILE", source).map_err(|e| Error::Invalid(e.into()))?;
    let text = std::str::from_utf8(bytes).map_err(|_| Error::invalid(source, "not text (a byte that is not UTF-8)"))?;
    let statement = bai2::read(text).map_err(|e| Error::invalid(source, &e))?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    ledger.write(|w| {
        let earlier: Option<i64> =
            w.conn().query_row("SELECT seq FROM entry_refs WHERE kind = 'bank_statement_imported' AND subject = ?1 LIMIT 1", [format!("sha256:{sha256}")], |r| r.get(0)).optional()?;
        if let Some(seq) = earlier {
            return Err(Error::refused("FILE", format!("{source} was imported already (entry {seq}, same SHA-256 {}); nothing recorded twice", &sha256[..16])));
        }
        let event = Event::BankStatementImported { source: source.to_string(), sha256: sha256.clone(), credits: statement.credits.clone() };
        w.append(Some(&actor.name), None, &event)?;
        Ok(())
    })?;
    let total = Money::sum(statement.credits.iter().map(|c| c.amount)).unwrap_or(Money::ZERO);
    Ok(Imported { sha256, credits: statement.credits.len() as i64, total, statement })
}

/// Something CityTill expects the bank to credit.
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct Expected {
    /// `deposit` or `lockbox`/`online` (a file batch).
    pub kind: String,
    /// The deposit number or batch id.
    pub id: String,
    pub date: String,
    pub amount: Money,
}

/// One line of the bank report.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReportLine {
    /// `matched`, `difference` (same kind and days, amounts differ), `citytill only`, `bank only`.
    pub status: String,
    pub citytill: Option<Expected>,
    pub bank: Option<BankCredit>,
    /// bank − CityTill.
    pub difference: Money,
}

/// The bank report for `date`: every match, difference and unmatched item on either side dated `date`.
pub fn report(conn: &Connection, date: NaiveDate, window_days: i64) -> Result<Vec<ReportLine>> {
    let (from, to) = window(date, window_days);
    reconcile(expected_between(conn, from, to)?, credits_between(conn, from, to)?, date, window_days)
}

/// The dates a report for `date` looks at: `window_days` either side.
pub fn window(date: NaiveDate, window_days: i64) -> (NaiveDate, NaiveDate) {
    (date - Duration::days(window_days), date + Duration::days(window_days))
}

/// The matching itself, on what each side holds within `window(date, window_days)`: pure, so head office
/// matches a terminal's deposits, file batches and statements it holds by the very same rules.
pub fn reconcile(mut expected: Vec<Expected>, mut credits: Vec<BankCredit>, date: NaiveDate, window_days: i64) -> Result<Vec<ReportLine>> {
    expected.sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
    credits.sort_by(|a, b| (&a.date, a.amount.cents()).cmp(&(&b.date, b.amount.cents())));
    let days = |a: &str, b: &str| -> i64 {
        match (NaiveDate::parse_from_str(a, "%Y-%m-%d"), NaiveDate::parse_from_str(b, "%Y-%m-%d")) {
            (Ok(a), Ok(b)) => (a - b).num_days().abs(),
            _ => i64::MAX,
        }
    };
    let mut used = vec![false; credits.len()];
    let mut lines = Vec::new();
    let mut unmatched = Vec::new();
    // Exact amounts first, the nearest date winning; then a same-kind credit within the window is a difference.
    for item in expected {
        let best = (0..credits.len())
            .filter(|&i| !used[i] && credits[i].amount == item.amount && kind_fits(&item.kind, &credits[i].type_code) && days(&item.date, &credits[i].date) <= window_days)
            .min_by_key(|&i| days(&item.date, &credits[i].date));
        match best {
            Some(i) => {
                used[i] = true;
                lines.push(ReportLine { status: "matched".into(), citytill: Some(item), bank: Some(credits[i].clone()), difference: Money::ZERO });
            }
            None => unmatched.push(item),
        }
    }
    for item in unmatched {
        let near = (0..credits.len())
            .filter(|&i| !used[i] && kind_fits(&item.kind, &credits[i].type_code) && days(&item.date, &credits[i].date) <= window_days)
            .min_by_key(|&i| (days(&item.date, &credits[i].date), (credits[i].amount.cents() - item.amount.cents()).abs()));
        match near {
            Some(i) => {
                used[i] = true;
                let difference = credits[i].amount.minus(item.amount)?;
                lines.push(ReportLine { status: "difference".into(), citytill: Some(item), bank: Some(credits[i].clone()), difference });
            }
            None => {
                let difference = item.amount.neg();
                lines.push(ReportLine { status: "citytill only".into(), citytill: Some(item), bank: None, difference });
            }
        }
    }
    for (i, credit) in credits.into_iter().enumerate() {
        if !used[i] {
            let difference = credit.amount;
            lines.push(ReportLine { status: "bank only".into(), citytill: None, bank: Some(credit), difference });
        }
    }
    let day = date.to_string();
    lines.retain(|l| l.citytill.as_ref().is_some_and(|c| c.date == day) || l.bank.as_ref().is_some_and(|b| b.date == day));
    Ok(lines)
}

/// Which bank type codes (BAI2 detail credits) can carry which CityTill item: a lockbox batch arrives as a
/// lockbox deposit (115–118), an online batch as an ACH credit (142, 165, 166, 169) or a wire (195), a
/// deposit as any other credit (301 commercial deposit, 108, …).
fn kind_fits(kind: &str, type_code: &str) -> bool {
    let lockbox = ["115", "116", "118"].contains(&type_code);
    let online = ["142", "165", "166", "169", "195"].contains(&type_code);
    match kind {
        "lockbox" => lockbox,
        "online" => online,
        _ => !lockbox && !online,
    }
}

/// CityTill's side: deposits (their totals less the file batches in them) and file batches (the file's total,
/// dated by the file's deposit date), dated within [from, to].
pub fn expected_between(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<Expected>> {
    let mut out = Vec::new();
    let mut statement = conn.prepare_cached("SELECT number, business_date, total_cents FROM deposits WHERE business_date BETWEEN ?1 AND ?2")?;
    let deposits: Vec<(String, String, i64)> = statement.query_map(params![from.to_string(), to.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (number, date, total) in deposits {
        let mut files = conn.prepare_cached("SELECT id FROM batches WHERE deposit = ?1 AND kind IN ('lockbox', 'online')")?;
        let ids: Vec<String> = files.query_map([&number], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        // The slip carries all of a file batch's posted items (its card and ACH ones as settled lines).
        let mut cents = total;
        for id in ids {
            for item in batch::items_in_state(conn, &id, crate::domain::states::BatchItemState::Posted)? {
                cents -= item.amount.cents();
            }
        }
        if cents > 0 {
            out.push(Expected { kind: "deposit".into(), id: number, date, amount: Money::from_cents(cents) });
        }
    }
    // A file is imported within a month of its deposit date (the bound keeps this read the same size however
    // old the ledger; batches_date is indexed).
    let mut statement = conn.prepare_cached(
        "SELECT j.payload FROM batches b JOIN entry_refs r ON r.kind = 'lockbox_imported' AND r.subject = b.id JOIN journal j ON j.seq = r.seq
         WHERE b.business_date BETWEEN ?1 AND ?2 AND b.kind IN ('lockbox', 'online')",
    )?;
    let bounds = params![(from - Duration::days(31)).to_string(), (to + Duration::days(31)).to_string()];
    let payloads: Vec<String> = statement.query_map(bounds, |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    for payload in payloads {
        let Ok(Event::LockboxImported { batch: id, deposit_date, .. }) = crate::ledger::payload::decode_tagged(&payload) else {
            return Err(Error::Invariant("a lockbox import entry is unreadable".into()));
        };
        let summary = batch::summary(conn, &id)?;
        if summary.state == crate::domain::states::BatchState::Rejected {
            continue;
        }
        let date = deposit_date.unwrap_or(summary.business_date.clone());
        if date.as_str() >= from.to_string().as_str() && date.as_str() <= to.to_string().as_str() {
            out.push(Expected { kind: summary.kind.clone(), id, date, amount: summary.control_total });
        }
    }
    Ok(out)
}

/// The bank's side: every imported credit dated within [from, to].
pub fn credits_between(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<BankCredit>> {
    let mut statement = conn.prepare_cached(
        "SELECT DISTINCT j.seq, j.payload FROM entry_refs r JOIN journal j ON j.seq = r.seq
         WHERE r.kind = 'bank_statement_imported' AND r.subject BETWEEN ?1 AND ?2 ORDER BY j.seq",
    )?;
    let rows: Vec<(i64, String)> = statement.query_map(params![format!("date:{from}"), format!("date:{to}")], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (seq, payload) in rows {
        let Ok(Event::BankStatementImported { credits, .. }) = crate::ledger::payload::decode_tagged(&payload) else {
            return Err(Error::Invariant(format!("entry {seq}: a bank statement entry is unreadable")));
        };
        out.extend(credits.into_iter().filter(|c| c.date >= from.to_string() && c.date <= to.to_string()));
    }
    Ok(out)
}
