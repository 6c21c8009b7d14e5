//! Head office's GL for one business date across every terminal (`citytill hq report gl`): the debits and
//! credits per account the terminals pushed, the same postings by fund — each derived from its entry by
//! `domain::funds` and laid out by `reports::money::fund_section`, exactly as a terminal's `report gl` does —
//! and the convenience-fee lines with the GL account they were credited to.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use postgres::Client;

use crate::domain::convenience_fee;
use crate::domain::events::{Event, LineTarget};
use crate::domain::funds::Funds;
use crate::hq::error::{HqError, HqResult};
use crate::hq::office::admin::server;
use crate::money::Money;
use crate::reports::{Document, Section};

fn money(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

/// One entry head office holds, read back as its event.
pub struct HeldEntry {
    pub terminal: String,
    pub seq: i64,
    pub business_date: String,
    pub event: Event,
}

/// Reads entries through `sql` (which selects terminal, seq, business_date, kind, payload) with `params`.
pub fn held_entries(client: &mut Client, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> HqResult<Vec<HeldEntry>> {
    let rows = client.query(sql, params).map_err(server)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        let (terminal, seq, business_date, kind, payload): (String, i64, String, String, String) = (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
        let event = crate::ledger::payload::decode(&kind, &payload).map_err(|e| HqError::Invalid(format!("entry {terminal}/{seq}: payload: {e}")))?;
        out.push(HeldEntry { terminal, seq, business_date, event });
    }
    Ok(out)
}

/// The name of each account in `accounts` (the date's posting accounts) as every terminal's ledger names it:
/// the chart's (`domain::accounts::CHART`, the one source), else a fee schedule's account ("Revenue CODE").
fn names<'a>(accounts: impl Iterator<Item = &'a String>) -> BTreeMap<String, String> {
    accounts.map(|code| (code.clone(), crate::domain::accounts::name(code))).collect()
}

/// The GL of `date` across terminals: "GL distribution" (as the terminal's, summed over terminals), "GL by
/// fund" when `funds` names more than one fund, and "Convenience fees".
pub fn gl(client: &mut Client, date: NaiveDate, funds: &Funds) -> HqResult<Document> {
    let date_text = date.format("%Y-%m-%d").to_string();
    let rows: Vec<(String, i64, i64)> = client
        .query(
            "SELECT p.account, sum(p.debit_cents)::bigint, sum(p.credit_cents)::bigint
               FROM citytill.postings p JOIN citytill.entries e USING (terminal, seq)
              WHERE e.business_date = $1 GROUP BY p.account ORDER BY p.account",
            &[&date_text],
        )
        .map_err(server)?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let names = names(rows.iter().map(|r| &r.0));
    let mut distribution = Section::new("GL distribution", &["account", "name", "debits", "credits", "net"]);
    for (account, debits, credits) in &rows {
        distribution.row(vec![account.clone(), names.get(account).cloned().unwrap_or_default(), money(*debits), money(*credits), money(debits - credits)]);
    }
    let debits: i64 = rows.iter().map(|r| r.1).sum();
    let credits: i64 = rows.iter().map(|r| r.2).sum();
    distribution.totals = Some(vec!["total".into(), String::new(), money(debits), money(credits), money(debits - credits)]);
    distribution.notes.push(if debits == credits { "Balanced: debits equal credits.".into() } else { "OUT OF BALANCE: debits differ from credits.".into() });

    let entries = held_entries(
        client,
        "SELECT e.terminal, e.seq, e.business_date, e.kind, e.payload FROM citytill.entries e
          WHERE e.business_date = $1 AND EXISTS (SELECT 1 FROM citytill.postings p WHERE p.terminal = e.terminal AND p.seq = e.seq)
          ORDER BY e.terminal, e.seq",
        &[&date_text],
    )?;
    let mut sections = vec![distribution];
    if !funds.is_single() {
        let events: Vec<Event> = entries.iter().map(|e| e.event.clone()).collect();
        sections.push(crate::reports::money::fund_section(&events, funds, &names, (debits, credits)));
    }
    sections.push(convenience_fees(&entries, &rows));
    let terminals: std::collections::BTreeSet<&str> = entries.iter().map(|e| e.terminal.as_str()).collect();
    Ok(Document {
        report: "hq gl".into(),
        title: "GL distribution, all terminals".into(),
        date: date_text,
        lines: vec![format!("{} terminal(s) with postings: {}", terminals.len(), terminals.into_iter().collect::<Vec<_>>().join(", "))],
        sections,
    })
}

/// The convenience-fee lines (`CONV-FEE`) of the day's payments less those voided, per terminal and GL
/// account, and each such account's net in the distribution (`accounts`: account, debits, credits).
fn convenience_fees(entries: &[HeldEntry], accounts: &[(String, i64, i64)]) -> Section {
    let mut sums: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for entry in entries {
        let (lines, sign) = match &entry.event {
            Event::PaymentTaken { lines, .. } => (lines, 1),
            Event::PaymentVoided { lines, .. } => (lines, -1),
            _ => continue,
        };
        for line in lines {
            if let LineTarget::Fee { code, gl_account, .. } = &line.target {
                if code == convenience_fee::CODE {
                    let row = sums.entry((entry.terminal.clone(), gl_account.clone())).or_default();
                    row.0 += sign;
                    row.1 += sign * line.amount().cents();
                }
            }
        }
    }
    let mut section = Section::new("Convenience fees", &["terminal", "GL account", "fee lines", "amount"]);
    for ((terminal, account), (count, cents)) in &sums {
        section.row(vec![terminal.clone(), account.clone(), count.to_string(), money(*cents)]);
    }
    let (count, cents) = sums.values().fold((0, 0), |(n, c), v| (n + v.0, c + v.1));
    section.totals = Some(vec!["all terminals".into(), String::new(), count.to_string(), money(cents)]);
    let mut fee_accounts: std::collections::BTreeSet<&str> = sums.keys().map(|(_, a)| a.as_str()).collect();
    if fee_accounts.is_empty() {
        fee_accounts.insert(convenience_fee::GL_ACCOUNT);
    }
    for account in fee_accounts {
        let net = accounts.iter().find(|(a, _, _)| a == account).map_or(0, |(_, d, c)| c - d);
        section.notes.push(format!("GL {account}: net credit {} in the distribution above (payments less voids; a refund never returns the fee).", money(net)));
    }
    section
}
