//! A closed drawer's Z report as one set of figures, read from the journal (never from what a form showed):
//! terminal, cashier, open and close times, float, drops, paid-ins and -outs, receipt and void counts,
//! expected / counted / over-short per tender, who approved and why. `report drawer` and the printed tape
//! (`paper`, the `hardware` crate's `Receipt`) both come from it, so paper and screen say the same.

use citytill_hardware::receipt::{AmountLine, Receipt};
use rusqlite::Connection;

use crate::config::Settings;
use crate::domain::events::Event;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::ops::query;
use crate::reports::entries;

/// How many of a cash movement and their total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Moves {
    pub count: i64,
    pub total: Money,
}

impl Moves {
    fn add(&mut self, amount: Money) {
        self.count += 1;
        self.total = self.total.saturating_add(amount);
    }
}

/// One tender's line at close.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TenderClose {
    pub tender: String,
    pub expected: Money,
    pub counted: Money,
    pub over_short: Money,
}

/// A closed drawer's Z report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ZReport {
    pub terminal: String,
    pub drawer_id: i64,
    pub cashier: String,
    pub business_date: String,
    /// When the drawer was opened and closed, to the minute in the city's time zone ("2026-03-02 15:04").
    pub opened_at: String,
    pub closed_at: String,
    pub float: Money,
    pub drops: Moves,
    pub paid_ins: Moves,
    pub paid_outs: Moves,
    pub receipts: i64,
    pub voids: i64,
    pub tenders: Vec<TenderClose>,
    pub float_kept: Money,
    /// The supervisor who approved an over/short beyond the limit, and the written reason.
    pub approver: Option<String>,
    pub reason: Option<String>,
    /// The chain head after the close entry (`ops::seal`).
    pub seal: String,
}

/// The Z report of drawer `drawer_id`, or Refused while it is not closed (its X report is what shows then).
pub fn z_report(conn: &Connection, drawer_id: i64) -> Result<ZReport> {
    let drawer = query::drawer_by_id(conn, drawer_id)?.ok_or_else(|| Error::not_found("drawer", format!("{drawer_id} not found")))?;
    let kinds = ["drawer_opened", "cash_dropped", "paid_in", "paid_out", "drawer_closed"];
    let mut report = ZReport {
        terminal: conn.query_row("SELECT value FROM meta WHERE key = 'terminal'", [], |r| r.get(0))?,
        drawer_id,
        cashier: drawer.cashier.clone(),
        business_date: drawer.business_date.clone(),
        opened_at: String::new(),
        closed_at: String::new(),
        float: drawer.float,
        drops: Moves::default(),
        paid_ins: Moves::default(),
        paid_outs: Moves::default(),
        receipts: 0,
        voids: 0,
        tenders: Vec::new(),
        float_kept: Money::ZERO,
        approver: None,
        reason: None,
        seal: String::new(),
    };
    let zone = crate::ledger::city_zone(conn)?;
    // A journal timestamp (UTC) to the minute in the city's time zone, as the counter's clock shows it.
    let local = |at: &str| match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(time) => time.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => at.replace('T', " ").chars().take(16).collect(),
    };
    let mut closed = false;
    for entry in entries(conn, &kinds, &drawer.business_date, false)? {
        match &entry.event {
            Event::DrawerOpened { drawer_id: id, .. } if *id == drawer_id => report.opened_at = local(&entry.at),
            Event::CashDropped { drawer_id: id, amount } if *id == drawer_id => report.drops.add(*amount),
            Event::PaidIn { drawer_id: id, amount, .. } if *id == drawer_id => report.paid_ins.add(*amount),
            Event::PaidOut { drawer_id: id, amount, .. } if *id == drawer_id => report.paid_outs.add(*amount),
            Event::DrawerClosed { drawer_id: id, counted, expected, over_short, float_kept, reason, .. } if *id == drawer_id => {
                let pick = |rows: &[crate::domain::events::TenderAmount], tender| rows.iter().find(|r| r.tender == tender).map_or(Money::ZERO, |r| r.amount);
                report.tenders = expected
                    .iter()
                    .map(|row| TenderClose { tender: row.tender.as_str().into(), expected: row.amount, counted: pick(counted, row.tender), over_short: pick(over_short, row.tender) })
                    .collect();
                report.closed_at = local(&entry.at);
                report.float_kept = *float_kept;
                report.approver = entry.approver.clone();
                report.reason = reason.clone();
                let hash: String = conn.query_row("SELECT hash FROM journal WHERE seq = ?1", [entry.seq], |r| r.get(0))?;
                report.seal = crate::ops::seal::line(entry.seq, &hash);
                closed = true;
            }
            _ => {}
        }
    }
    if !closed {
        return Err(Error::refused("drawer", format!("{drawer_id} is {}; its Z report prints once it is closed", drawer.state)));
    }
    (report.receipts, report.voids) = conn.query_row("SELECT COUNT(*), COALESCE(SUM(status = 'voided'), 0) FROM receipts WHERE drawer_id = ?1", [drawer_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(report)
}

/// "2 drops" / "1 paid-out" with the total, as the tape and the report's notes say it.
fn moves_line(what: &str, moves: Moves) -> String {
    format!("{what}: {} totalling {}", moves.count, moves.total)
}

impl ZReport {
    /// The report's header lines (who, where, when, the float and the counts), the same on paper and screen.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = vec![
            format!("Terminal {} - drawer {} - cashier {}", self.terminal, self.drawer_id, self.cashier),
            format!("Business date {}", self.business_date),
            format!("Opened {}", self.opened_at),
            format!("Closed {}", self.closed_at),
            format!("Opening float: {}; float kept: {}", self.float, self.float_kept),
            moves_line("Drops", self.drops),
            moves_line("Paid-ins", self.paid_ins),
            moves_line("Paid-outs", self.paid_outs),
            format!("Receipts issued: {}; voided: {}", self.receipts, self.voids),
        ];
        notes.push(match (&self.approver, &self.reason) {
            (Some(approver), Some(reason)) => format!("Over/short approved by {approver}: {reason}"),
            (Some(approver), None) => format!("Over/short approved by {approver}"),
            (None, _) => "Over/short within the limit; no approval needed".into(),
        });
        notes
    }

    /// The printed tape: the notes, then expected / counted / over-short per tender and their totals, then the seal.
    pub fn paper(&self, settings: &Settings, training: bool) -> Receipt {
        let mut lines = Vec::new();
        for row in &self.tenders {
            lines.push(AmountLine { label: format!("{} expected", row.tender), amount_cents: row.expected.cents() });
            lines.push(AmountLine { label: format!("{} counted", row.tender), amount_cents: row.counted.cents() });
            lines.push(AmountLine { label: format!("{} over/short", row.tender), amount_cents: row.over_short.cents() });
        }
        let sum = |f: fn(&TenderClose) -> Money| self.tenders.iter().map(|t| f(t).cents()).sum::<i64>();
        lines.push(AmountLine { label: "Total expected".into(), amount_cents: sum(|t| t.expected) });
        lines.push(AmountLine { label: "Total counted".into(), amount_cents: sum(|t| t.counted) });
        lines.push(AmountLine { label: "Total over/short".into(), amount_cents: sum(|t| t.over_short) });
        let mut header = vec![settings.city_name.clone(), "DRAWER REPORT (Z)".into()];
        header.extend(self.notes());
        Receipt {
            header,
            receipt_number: format!("Drawer {}", self.drawer_id),
            issued_at: self.closed_at.clone(),
            cashier: Some(self.cashier.clone()),
            totals: lines,
            footer: vec!["Drawer closed".into(), self.seal.clone()],
            training,
            ..Receipt::default()
        }
    }
}
