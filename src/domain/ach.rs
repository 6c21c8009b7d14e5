//! NACHA (ACH) files: the PPD debit file an autopay run releases — 94-character records (file header 1,
//! batch header 5, entry detail 6, batch control 8, file control 9), hash and totals, blocked by tens with
//! lines of 9s. Pure text; the run supplies the numbers (`ops::autopay_run`).

/// Who sends the file and to which bank (from `[autopay]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Originator {
    /// The city bank's 9-digit routing number (immediate destination; its first 8 digits are the ODFI id).
    pub immediate_destination: String,
    pub immediate_destination_name: String,
    /// Up to 10 characters, as the bank assigned.
    pub immediate_origin: String,
    pub immediate_origin_name: String,
    pub company_name: String,
    pub company_id: String,
}

/// One entry detail record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 27 checking debit, 37 savings debit; 28/38 their zero-dollar prenotes.
    pub transaction_code: u8,
    pub routing: String,
    pub account: String,
    pub amount_cents: i64,
    pub individual_id: String,
    pub individual_name: String,
    /// 15 digits: the ODFI's 8 and the entry's 7.
    pub trace: String,
}

/// Record length and the lines per block.
pub const RECORD: usize = 94;
const BLOCKING: usize = 10;

/// Left-justified, space-padded, cut to `width`; upper case ASCII (anything else becomes a space).
fn alpha(text: &str, width: usize) -> String {
    let mut out: String = text.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c.to_ascii_uppercase() } else { ' ' }).take(width).collect();
    while out.len() < width {
        out.push(' ');
    }
    out
}

/// Right-justified, zero-padded; the last `width` digits when longer.
fn numeric(value: i64, width: usize) -> String {
    let text = format!("{:0width$}", value.max(0), width = width);
    text[text.len() - width..].to_string()
}

/// The trace number of entry `sequence` sent through the bank with routing `destination`.
pub fn trace(destination: &str, sequence: i64) -> String {
    format!("{}{}", destination.get(..8).unwrap_or(destination), numeric(sequence, 7))
}

/// The whole file: one PPD batch of `entries` effective `effective` (YYMMDD), created `created` (YYMMDDHHMM).
pub fn ppd_file(originator: &Originator, created: &str, effective: &str, description: &str, entries: &[Entry]) -> String {
    let odfi = originator.immediate_destination.get(..8).unwrap_or("").to_string();
    let mut lines = Vec::new();
    lines.push(format!(
        "101 {}{}{}{}A094101{}{}{}",
        alpha(&originator.immediate_destination, 9),
        if originator.immediate_origin.len() == 9 { format!(" {}", originator.immediate_origin) } else { alpha(&originator.immediate_origin, 10) },
        alpha(created.get(..6).unwrap_or(""), 6),
        alpha(created.get(6..10).unwrap_or(""), 4),
        alpha(&originator.immediate_destination_name, 23),
        alpha(&originator.immediate_origin_name, 23),
        alpha("", 8)
    ));
    lines.push(format!(
        "5225{}{}{}PPD{}{}{}   1{}{}",
        alpha(&originator.company_name, 16),
        alpha("", 20),
        alpha(&originator.company_id, 10),
        alpha(description, 10),
        alpha(effective, 6),
        alpha(effective, 6),
        alpha(&odfi, 8),
        numeric(1, 7)
    ));
    let mut hash = 0i64;
    let mut debits = 0i64;
    for entry in entries {
        let receiving = entry.routing.get(..8).unwrap_or("");
        hash += receiving.parse::<i64>().unwrap_or(0);
        debits += entry.amount_cents;
        lines.push(format!(
            "6{:02}{}{}{}{}{}{}  0{}",
            entry.transaction_code,
            alpha(receiving, 8),
            alpha(entry.routing.get(8..9).unwrap_or(""), 1),
            alpha(&entry.account, 17),
            numeric(entry.amount_cents, 10),
            alpha(&entry.individual_id, 15),
            alpha(&entry.individual_name, 22),
            alpha(&entry.trace, 15)
        ));
    }
    let hash = hash % 10_000_000_000;
    let count = entries.len() as i64;
    lines.push(format!(
        "8225{}{}{}{}{}{}{}{}{}",
        numeric(count, 6),
        numeric(hash, 10),
        numeric(debits, 12),
        numeric(0, 12),
        alpha(&originator.company_id, 10),
        alpha("", 19),
        alpha("", 6),
        alpha(&odfi, 8),
        numeric(1, 7)
    ));
    let records = lines.len() + 1;
    let blocks = records.div_ceil(BLOCKING);
    lines.push(format!("9{}{}{}{}{}{}{}", numeric(1, 6), numeric(blocks as i64, 6), numeric(count, 8), numeric(hash, 10), numeric(debits, 12), numeric(0, 12), alpha("", 39)));
    while lines.len() % BLOCKING != 0 {
        lines.push("9".repeat(RECORD));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn originator() -> Originator {
        Originator {
            immediate_destination: "021000021".into(),
            immediate_destination_name: "First Bank".into(),
            immediate_origin: "1234567890".into(),
            immediate_origin_name: "City of Springfield".into(),
            company_name: "Springfield Util".into(),
            company_id: "1234567890".into(),
        }
    }

    // Proves every record is 94 characters, the lines come in tens padded with 9s, and the hash and totals add up.
    #[test]
    fn records_are_94_and_totals_add_up() {
        let entries = vec![
            Entry {
                transaction_code: 27,
                routing: "011000015".into(),
                account: "12345678".into(),
                amount_cents: 8412,
                individual_id: "100200-01".into(),
                individual_name: "Maria Garcia".into(),
                trace: trace("021000021", 1),
            },
            Entry {
                transaction_code: 37,
                routing: "021000021".into(),
                account: "99887766".into(),
                amount_cents: 2500,
                individual_id: "BL-0000042".into(),
                individual_name: "Rossi".into(),
                trace: trace("021000021", 2),
            },
        ];
        let file = ppd_file(&originator(), "2612030815", "261204", "AUTOPAY", &entries);
        let lines: Vec<&str> = file.lines().collect();
        assert_eq!(lines.len(), 10);
        assert!(lines.iter().all(|l| l.len() == RECORD), "{file}");
        assert_eq!(&lines[2][..3], "627");
        assert_eq!(&lines[2][79..94], "021000020000001");
        // 01100001 + 02100002 = 03200003
        assert_eq!(&lines[4][10..20], "0003200003");
        assert_eq!(&lines[4][20..32], "000000010912");
        assert_eq!(&lines[5][..1], "9");
        assert_eq!(&lines[5][7..13], "000001");
        assert_eq!(lines[9], "9".repeat(94));
    }
}
