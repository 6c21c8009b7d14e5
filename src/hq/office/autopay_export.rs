//! Head office's billing export of autopay (`hq export payments`), with the terminal's rows
//! (`ops::autopay_export`): each `autopay_settled` entry whose settlement date is the file's date is one
//! claim (a row per debit), and each `autopay_returned` entry whose settled debits are all exported is one
//! claim (the return and fee rows), so a return never reaches billing before the debit it takes back.

use std::collections::HashSet;

use postgres::Transaction;

use crate::domain::events::{Event, LineTarget};
use crate::hq::error::{HqError, HqResult};
use crate::hq::office::admin::server;
use crate::ops::autopay_export::{return_rows, settled_row};
use crate::ops::export::ExportRow;

fn read(terminal: &str, seq: i64, payload: &str) -> HqResult<Event> {
    crate::ledger::payload::decode_tagged(payload).map_err(|e| HqError::Invalid(format!("entry {terminal}/{seq}: payload: {e}")))
}

/// (terminal, seq, rows) of every autopay settlement dated `date`, in terminal and entry order.
pub(super) fn settled(tx: &mut Transaction<'_>, date: &str) -> HqResult<Vec<(String, i64, Vec<ExportRow>)>> {
    let found = tx.query("SELECT terminal, seq, payload FROM citytill.entries WHERE kind = 'autopay_settled' AND payload::json->>'date' = $1 ORDER BY terminal, seq", &[&date]).map_err(server)?;
    let mut out = Vec::new();
    for row in &found {
        let (terminal, seq, payload): (String, i64, String) = (row.get(0), row.get(1), row.get(2));
        let Event::AutopaySettled { run, date, posted } = read(&terminal, seq, &payload)? else { continue };
        let rows = posted.iter().map(|p| settled_row(&terminal, &run, &date, p)).collect();
        out.push((terminal, seq, rows));
    }
    Ok(out)
}

/// (terminal, seq, rows) of autopay returns whose settled debits are all exported (claimed in
/// `citytill.exports`, or among `this_file`): not claimed yet, or with `reprint_date`, those of that date.
pub(super) fn returns(tx: &mut Transaction<'_>, reprint_date: Option<&str>, this_file: &HashSet<(String, i64)>) -> HqResult<Vec<(String, i64, Vec<ExportRow>)>> {
    let found = match reprint_date {
        Some(date) => tx.query("SELECT terminal, seq, business_date, payload FROM citytill.entries WHERE business_date = $1 AND kind = 'autopay_returned' ORDER BY terminal, seq", &[&date]),
        None => tx.query(
            "SELECT r.terminal, r.seq, r.business_date, r.payload FROM citytill.entries r
              WHERE r.kind = 'autopay_returned' AND NOT EXISTS (SELECT 1 FROM citytill.exports x WHERE x.terminal = r.terminal AND x.seq = r.seq)
              ORDER BY r.terminal, r.seq",
            &[],
        ),
    }
    .map_err(server)?;
    let mut out = Vec::new();
    'entries: for row in &found {
        let (terminal, seq, business_date, payload): (String, i64, String, String) = (row.get(0), row.get(1), row.get(2), row.get(3));
        let Event::AutopayReturned { returns, .. } = read(&terminal, seq, &payload)? else { continue };
        let settlements = tx
            .query(
                "SELECT s.seq, s.payload, EXISTS (SELECT 1 FROM citytill.exports x WHERE x.terminal = s.terminal AND x.seq = s.seq)
                   FROM citytill.entries s WHERE s.terminal = $1 AND s.seq < $2 AND s.kind = 'autopay_settled' ORDER BY s.seq",
                &[&terminal, &seq],
            )
            .map_err(server)?;
        let mut rows = Vec::new();
        for item in returns.iter().filter(|r| r.settled) {
            let mut settled_in = None;
            for s in &settlements {
                let (s_seq, s_payload, claimed): (i64, String, bool) = (s.get(0), s.get(1), s.get(2));
                if let Event::AutopaySettled { run, posted, .. } = read(&terminal, s_seq, &s_payload)? {
                    if let Some(p) = posted.iter().find(|p| p.trace == item.trace) {
                        let kind = match &p.line.target {
                            LineTarget::Payable { kind, .. } => kind.as_str().to_string(),
                            LineTarget::Fee { .. } => "fee".to_string(),
                        };
                        settled_in = Some((run, kind, claimed || this_file.contains(&(terminal.clone(), s_seq))));
                    }
                }
            }
            let Some((run, kind, exported)) = settled_in else {
                return Err(HqError::Invalid(format!("entry {terminal}/{seq}: returns trace {} whose settlement head office does not hold", item.trace)));
            };
            if !exported {
                continue 'entries;
            }
            rows.extend(return_rows(&terminal, &run, seq, &business_date, item, &kind));
        }
        if !rows.is_empty() {
            out.push((terminal, seq, rows));
        }
    }
    Ok(out)
}
