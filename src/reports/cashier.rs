//! Cashier reports: the drawer report mid-shift (X, from the running totals) and at close (Z, from the
//! close entry), and the over/short history per cashier.

use std::collections::BTreeMap;

use rusqlite::Connection;

use crate::domain::events::Event;
use crate::domain::states::DrawerState;
use crate::error::Result;
use crate::money::Money;
use crate::money::MoneyError;
use crate::ops::auth::Actor;
use crate::ops::query;
use crate::reports::{entries, Document, Section};

/// What a drawer's X report says instead of an expected amount the viewer may not see.
pub const BLIND: &str = "(blind until counted)";

/// Whether `viewer` may see what a drawer of `cashier` not yet counted should hold: only a supervisor or
/// admin who is not that drawer's cashier. The cashier's close is blind; someone not signed in sees nothing.
pub fn may_see_expected(viewer: Option<&Actor>, cashier: &str) -> bool {
    viewer.is_some_and(|v| v.role.can_approve() && v.name != cashier)
}

/// Refuses report `name`, which shows the cash drawers should hold in total, while a drawer of `date` is not
/// yet counted — unless `viewer` may see what each such drawer should hold (`may_see_expected`).
pub fn require_sight_of_open_drawers(conn: &Connection, date: &str, viewer: Option<&Actor>, name: &str) -> Result<()> {
    let mut statement = conn.prepare_cached("SELECT cashier FROM drawers WHERE business_date = ?1 AND state = 'open'")?;
    let cashiers: Vec<String> = statement.query_map([date], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    if cashiers.iter().all(|cashier| may_see_expected(viewer, cashier)) {
        return Ok(());
    }
    Err(crate::error::Error::refused(
        "report",
        format!("the {name} report shows what open drawers hold; until every drawer of {date} is counted only a supervisor who is not their cashier may see it"),
    ))
}

/// One section per drawer of the date: expected per tender (for a drawer not yet counted, only to a viewer
/// who `may_see_expected`), and at close counted and over/short.
pub fn drawers(conn: &Connection, date: &str, viewer: Option<&Actor>) -> Result<Document> {
    let mut statement = conn.prepare_cached("SELECT id FROM drawers WHERE business_date = ?1 ORDER BY id")?;
    let ids: Vec<i64> = statement.query_map([date], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let closed: std::collections::BTreeSet<i64> = entries(conn, &["drawer_closed"], date, false)?
        .into_iter()
        .filter_map(|e| match &e.event {
            Event::DrawerClosed { drawer_id, .. } => Some(*drawer_id),
            _ => None,
        })
        .collect();
    let mut sections = Vec::new();
    for id in ids {
        let Some(drawer) = query::drawer_by_id(conn, id)? else { continue };
        let section = if closed.contains(&id) {
            // Terminal, cashier, times, float, drops, paid-ins/outs, counts and the approver: the same
            // figures the printed tape carries (`z_report::ZReport::paper`).
            let z = crate::reports::z_report::z_report(conn, id)?;
            let mut section = Section::new(format!("Z report - drawer {id} - {} - closed", drawer.cashier), &["tender", "expected", "counted", "over/short"]);
            for row in &z.tenders {
                section.row(vec![row.tender.clone(), row.expected.to_string(), row.counted.to_string(), row.over_short.to_string()]);
            }
            let total = |f: fn(&crate::reports::z_report::TenderClose) -> Money| z.tenders.iter().map(f).sum::<Result<Money, MoneyError>>().map(|m| m.to_string());
            section.totals = Some(vec!["total".into(), total(|t| t.expected)?, total(|t| t.counted)?, total(|t| t.over_short)?]);
            section.notes = z.notes();
            // The chain head after the close entry: a Z tape kept is a witness of the journal (ops::seal).
            section.notes.push(z.seal.clone());
            section
        } else {
            let mut section = Section::new(format!("X report - drawer {id} - {} - {}", drawer.cashier, drawer.state), &["tender", "expected"]);
            let expected = query::expected(conn, id)?;
            let counted = drawer.state != DrawerState::Open;
            let shown = counted || may_see_expected(viewer, &drawer.cashier);
            for (tender, amount) in &expected {
                section.row(vec![tender.as_str().into(), if shown { amount.to_string() } else { BLIND.into() }]);
            }
            let total = expected.iter().map(|(_, m)| *m).sum::<Result<Money, MoneyError>>()?.to_string();
            section.totals = Some(vec!["total".into(), if shown { total } else { BLIND.into() }]);
            if !shown {
                section.notes.push("Expected amounts are shown after the blind count, or to a supervisor.".into());
            }
            let (receipts, voids): (i64, i64) = conn.query_row("SELECT COUNT(*), COALESCE(SUM(status = 'voided'), 0) FROM receipts WHERE drawer_id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            section.notes.push(format!("Opening float: {}; receipts issued: {receipts}; voided: {voids}", drawer.float));
            section
        };
        sections.push(section);
    }
    Ok(Document { report: "drawer".into(), title: "Drawer report (X mid-shift, Z at close)".into(), date: date.into(), lines: Vec::new(), sections })
}

/// Every drawer close of the month through the date: over/short per tender with approver and reason, and
/// each cashier's total.
pub fn over_short(conn: &Connection, date: &str) -> Result<Document> {
    let from = crate::reports::month_start(date)?;
    let mut history = Section::new("Over/short history", &["date", "cashier", "drawer", "tender", "over/short", "approver", "reason"]);
    let mut per_cashier: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for entry in crate::reports::entries_between(conn, &["drawer_closed"], &from, date)? {
        if let Event::DrawerClosed { drawer_id, cashier, over_short, reason, .. } = &entry.event {
            let total = per_cashier.entry(cashier.clone()).or_default();
            total.0 += 1;
            for row in over_short.iter().filter(|r| !r.amount.is_zero()) {
                total.1 += row.amount.cents();
                history.row(vec![
                    entry.business_date.clone(),
                    cashier.clone(),
                    drawer_id.to_string(),
                    row.tender.as_str().into(),
                    row.amount.to_string(),
                    entry.approver.clone().unwrap_or_default(),
                    reason.clone().unwrap_or_default(),
                ]);
            }
        }
    }
    let mut totals = Section::new("Per cashier", &["cashier", "drawers closed", "net over/short"]);
    for (cashier, (closes, cents)) in &per_cashier {
        totals.row(vec![cashier.clone(), closes.to_string(), Money::from_cents(*cents).to_string()]);
    }
    Ok(Document {
        report: "over-short".into(),
        title: "Over/short history per cashier".into(),
        date: date.into(),
        lines: vec![format!("Drawer closes from {from} through {date}")],
        sections: vec![totals, history],
    })
}
