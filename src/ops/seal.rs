//! Seals: the chain head after an entry, printed on paper (receipts, Z reports, the day close) as
//! `SEQ:HEX`, so someone holding the paper can prove later that the journal was rewritten
//! (`citytill verify --seal 57:3fa9c01b2e7d4410`). A chain checked only against itself proves nothing to an
//! insider who can re-hash the file; a seal is a witness outside the file.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::ledger::schema::receipt_key;

/// Hex digits of the entry hash printed: 16 (64 bits). Ten (40 bits) could be matched by grinding a
/// forged entry's free fields on one GPU in minutes; 2^64 tries cannot be.
pub const SEAL_HEX: usize = 16;
/// The shortest seal `verify --seal` accepts (shorter proves too little).
pub const MIN_SEAL_HEX: usize = 8;

/// `57:3fa9c01b2e7d4410`: entry 57's hash, first `SEAL_HEX` digits.
pub fn seal(seq: i64, hash: &str) -> String {
    format!("{seq}:{}", hash.get(..SEAL_HEX).unwrap_or(hash))
}

/// The line printed on paper.
pub fn line(seq: i64, hash: &str) -> String {
    format!("Seal {}", seal(seq, hash))
}

/// What a seal given to `verify --seal` names: an entry by sequence number or by the receipt it issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealClaim {
    pub text: String,
    pub entry: SealedEntry,
    pub hex: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealedEntry {
    Seq(i64),
    Receipt(String),
}

/// Parses `SEQ:HEX` or `RECEIPT:HEX` (e.g. `T01-000042:3fa9c01b2e`), naming `--seal` on any problem.
pub fn parse(text: &str) -> Result<SealClaim> {
    let bad = |problem: &str| Error::invalid("--seal", format!("'{text}' {problem}"));
    let (entry, hex) = text.trim().rsplit_once(':').ok_or_else(|| bad("must be ENTRY:HEX, e.g. 57:3fa9c01b2e7d4410 or T01-000042:3fa9c01b2e7d4410"))?;
    let hex = hex.trim().to_ascii_lowercase();
    if hex.len() < MIN_SEAL_HEX || hex.len() > 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad(&format!("must end in {MIN_SEAL_HEX} to 64 hex digits after ':'")));
    }
    let entry = entry.trim();
    let entry = match entry.trim_start_matches('#').parse::<i64>() {
        Ok(seq) if seq >= 1 => SealedEntry::Seq(seq),
        Ok(_) => return Err(bad("names entry 0; entries start at 1")),
        Err(_) if entry.contains('-') => SealedEntry::Receipt(entry.to_ascii_uppercase()),
        Err(_) => return Err(bad("must start with an entry number or a receipt number (T01-000042)")),
    };
    Ok(SealClaim { text: text.trim().to_string(), entry, hex })
}

/// Checks each seal against the journal; returns one problem line per seal that does not match.
pub fn check(conn: &Connection, claims: &[SealClaim]) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    for claim in claims {
        let found: Option<(i64, String)> = match &claim.entry {
            SealedEntry::Seq(seq) => conn.query_row("SELECT seq, hash FROM journal WHERE seq = ?1", [seq], |r| Ok((r.get(0)?, r.get(1)?))).optional()?,
            SealedEntry::Receipt(receipt) => conn
                .query_row("SELECT j.seq, j.hash FROM receipts r JOIN journal j ON j.seq = r.seq WHERE r.number = ?1 AND r.receipt = ?2", rusqlite::params![receipt_key(receipt), receipt], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?,
        };
        match found {
            None => problems.push(format!("seal {}: that entry is not in this journal (deleted, or the journal was cut short)", claim.text)),
            Some((seq, hash)) if !hash.starts_with(&claim.hex) => {
                problems.push(format!("seal {}: entry {seq}'s chain head is {}, not the sealed {} — the journal was rewritten after that paper was printed", claim.text, seal(seq, &hash), claim.hex))
            }
            Some(_) => {}
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves seals parse by entry number or receipt number and bad ones are refused naming --seal.
    #[test]
    fn seals_parse_or_name_the_field() {
        assert_eq!(parse("57:3FA9C01B2E").unwrap().entry, SealedEntry::Seq(57));
        assert_eq!(parse("t01-000042:3fa9c01b2e").unwrap().entry, SealedEntry::Receipt("T01-000042".into()));
        assert_eq!(parse("57:3FA9C01B2E").unwrap().hex, "3fa9c01b2e");
        for bad in ["57", "57:abc", "57:zzzzzzzzzz", "x:3fa9c01b2e", "0:3fa9c01b2e"] {
            assert!(parse(bad).unwrap_err().to_string().contains("--seal"), "{bad}");
        }
        assert_eq!(seal(7, "0123456789abcdef0123"), "7:0123456789abcdef");
    }
}
