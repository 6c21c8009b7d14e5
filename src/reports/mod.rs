//! Reports finance and supervisors read: each is built as a `Document` (sections of rows) from the journal
//! and projections, then rendered as printer text, CSV, JSON or a PDF.

pub mod audit;
pub mod bank;
pub mod bench;
pub mod cashier;
pub mod deposit;
pub mod money;
pub mod pdf;
pub mod render;
pub mod z_report;

use chrono::Datelike;
use rusqlite::{params, Connection};

use crate::domain::events::Event;
use crate::error::{Error, Result};
use crate::ledger::Ledger;

/// The report names `citytill report NAME` takes.
pub const NAMES: &[&str] = &["drawer", "day", "gl", "deposit", "exceptions", "gaps", "over-short", "nsf"];

/// A report: a title, lines under it, and sections of rows.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Document {
    pub report: String,
    pub title: String,
    pub date: String,
    pub lines: Vec<String>,
    pub sections: Vec<Section>,
}

/// One table: a heading, the column names, the rows, an optional totals row and notes under it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Section {
    pub heading: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Section {
    pub fn new(heading: impl Into<String>, columns: &[&str]) -> Section {
        Section { heading: heading.into(), columns: columns.iter().map(|c| c.to_string()).collect(), rows: Vec::new(), totals: None, notes: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Json,
    Pdf,
}

impl Format {
    pub fn parse(text: &str) -> Result<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "pdf" => Ok(Format::Pdf),
            other => Err(Error::invalid("--format", format!("'{other}' is not one of text, csv, json, pdf"))),
        }
    }
}

/// Renders a document in a format. Whatever the journal holds (text stored before input was read
/// strictly, or written behind the app's back), no control character reaches a text report, printer or
/// PDF, and no CSV cell starts a formula; JSON escapes control characters itself.
pub fn render(document: &Document, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Text => Ok(render::text(&document.printable()).into_bytes()),
        Format::Csv => render::csv(document),
        Format::Json => serde_json::to_vec_pretty(document).map_err(|e| Error::Invariant(format!("report json: {e}"))),
        Format::Pdf => Ok(pdf::document(&document.printable())),
    }
}

impl Document {
    /// The document with every control character in its text replaced (see `text::printable`).
    pub fn printable(&self) -> Document {
        let clean = |text: &String| crate::domain::text::printable(text).into_owned();
        let cells = |row: &Vec<String>| row.iter().map(clean).collect::<Vec<_>>();
        Document {
            report: clean(&self.report),
            title: clean(&self.title),
            date: clean(&self.date),
            lines: cells(&self.lines),
            sections: self
                .sections
                .iter()
                .map(|s| Section { heading: clean(&s.heading), columns: cells(&s.columns), rows: s.rows.iter().map(cells).collect(), totals: s.totals.as_ref().map(cells), notes: cells(&s.notes) })
                .collect(),
        }
    }
}

/// Builds report `name` for business date `date` (YYYY-MM-DD), as `viewer` may read it (None: someone not
/// signed in): the drawer report hides what a drawer not yet counted should hold (see `cashier::may_see_expected`).
pub fn build(ledger: &Ledger, name: &str, date: &str, viewer: Option<&crate::ops::auth::Actor>) -> Result<Document> {
    let conn = ledger.conn();
    match name {
        "drawer" => cashier::drawers(conn, date, viewer),
        "day" => money::day(conn, date),
        "gl" => {
            // Its cash-in-drawers line is what open drawers should hold.
            cashier::require_sight_of_open_drawers(conn, date, viewer, name)?;
            // The funds come from the city's settings beside the ledger (absent: one fund, no fund section).
            let funds = match ledger.path().parent() {
                Some(dir) => crate::config::Settings::load(dir)?.funds,
                None => crate::domain::funds::Funds::default(),
            };
            money::gl(conn, date, &funds)
        }
        "deposit" => deposit::report(conn, date),
        "exceptions" => audit::exceptions(conn, date),
        "gaps" => audit::gaps(conn, ledger.terminal().as_str(), date),
        "over-short" => cashier::over_short(conn, date),
        "nsf" => audit::nsf(conn, date),
        other => Err(Error::invalid("report", format!("'{other}' is not one of {}", NAMES.join(", ")))),
    }
}

/// A journal entry read back for a report.
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub business_date: String,
    pub user: Option<String>,
    pub approver: Option<String>,
    pub event: Event,
}

/// Entries of the given kinds, on `date` (or through it when `through`), in journal order.
pub fn entries(conn: &Connection, kinds: &[&str], date: &str, through: bool) -> Result<Vec<Entry>> {
    let kinds_json = serde_json::to_string(kinds).map_err(|e| Error::Invariant(format!("report kinds: {e}")))?;
    // Through a date: every entry of those kinds so far, found through `entry_refs`, which files them
    // all (a day's entries are found through the `journal_day` index).
    if through && !kinds.iter().all(|kind| crate::domain::effects::REFERENCED_KINDS.contains(kind)) {
        return Err(Error::Invariant(format!("report: entries through a date are read only for {:?}", crate::domain::effects::REFERENCED_KINDS)));
    }
    let sql = if through {
        "SELECT seq, at, business_date, user_name, approver, payload FROM journal
         WHERE seq IN (SELECT seq FROM entry_refs WHERE kind IN (SELECT value FROM json_each(?2))) AND business_date <= ?1 ORDER BY seq"
    } else {
        "SELECT seq, at, business_date, user_name, approver, payload FROM journal
         WHERE business_date = ?1 AND kind IN (SELECT value FROM json_each(?2)) ORDER BY seq"
    };
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params![date, kinds_json], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at, business_date, user, approver, payload) = row?;
        let event = crate::ledger::payload::decode_tagged(&payload).map_err(|e| Error::Invariant(format!("entry {seq}: payload unreadable: {e}")))?;
        out.push(Entry { seq, at, business_date, user, approver, event });
    }
    Ok(out)
}

/// The first day of `date`'s month: the history reports (gaps, over-short, NSF) cover the month to
/// `date`, so what they read is bounded by the period asked for, not by the journal's age.
pub fn month_start(date: &str) -> Result<String> {
    let day = crate::domain::dates::parse_day("--date", date)?;
    Ok(day.with_day(1).unwrap_or(day).to_string())
}

/// Entries of the given kinds dated `from` through `through`, in journal order: read through the
/// `journal_day` index's range (the period's entries only), never the whole journal.
pub fn entries_between(conn: &Connection, kinds: &[&str], from: &str, through: &str) -> Result<Vec<Entry>> {
    let kinds_json = serde_json::to_string(kinds).map_err(|e| Error::Invariant(format!("report kinds: {e}")))?;
    // No ORDER BY seq: with it SQLite may walk the whole journal in seq order instead of the index range.
    let mut statement = conn.prepare_cached(ENTRIES_BETWEEN_SQL)?;
    let rows = statement.query_map(params![from, through, kinds_json], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, at, business_date, user, approver, payload) = row?;
        let event = crate::ledger::payload::decode_tagged(&payload).map_err(|e| Error::Invariant(format!("entry {seq}: payload unreadable: {e}")))?;
        out.push(Entry { seq, at, business_date, user, approver, event });
    }
    out.sort_by_key(|entry| entry.seq);
    Ok(out)
}

/// The query `entries_between` runs (public so a test can hold its plan to the `journal_day` index).
pub const ENTRIES_BETWEEN_SQL: &str = "SELECT seq, at, business_date, user_name, approver, payload FROM journal
     WHERE business_date BETWEEN ?1 AND ?2 AND kind IN (SELECT value FROM json_each(?3))";

/// `12:34` from a journal timestamp.
pub fn time_of(at: &str) -> String {
    at.get(11..16).unwrap_or(at).to_string()
}
