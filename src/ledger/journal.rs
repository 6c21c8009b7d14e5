//! Journal records as stored and synced, and the SHA-256 hash chain that seals them.

use sha2::{Digest, Sha256};

use crate::domain::postings::Posting;

/// The hash a terminal's first entry chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One posting line as stored (and as head office receives it).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct PostingRecord {
    pub line: i64,
    pub account: String,
    pub debit_cents: i64,
    pub credit_cents: i64,
}

/// One journal entry exactly as stored: the unit of the hash chain and of head-office sync.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct JournalRecord {
    pub terminal: String,
    pub seq: i64,
    pub at: String,
    pub business_date: String,
    pub user: Option<String>,
    pub approver: Option<String>,
    pub kind: String,
    pub payload: String,
    pub postings: Vec<PostingRecord>,
    pub prev_hash: String,
    pub hash: String,
}

impl JournalRecord {
    /// SHA-256 (lower-case hex) over the previous hash and every field, postings included, one per line:
    /// `prev_hash \n terminal \n seq \n at \n business_date \n user \n approver \n kind \n payload \n`
    /// then `line|account|debit_cents|credit_cents \n` per posting. Absent user/approver are empty.
    /// Head office recomputes exactly this (see `hq`), so the format is fixed.
    pub fn compute_hash(&self) -> String {
        let mut hasher = ChainHasher::entry(&EntryFields {
            prev_hash: self.prev_hash.as_bytes(),
            terminal: self.terminal.as_bytes(),
            seq: self.seq,
            at: self.at.as_bytes(),
            business_date: self.business_date.as_bytes(),
            user: self.user.as_deref().map(str::as_bytes),
            approver: self.approver.as_deref().map(str::as_bytes),
            kind: self.kind.as_bytes(),
            payload: self.payload.as_bytes(),
        });
        for posting in &self.postings {
            hasher.posting(posting.line, posting.account.as_bytes(), posting.debit_cents, posting.credit_cents);
        }
        String::from_utf8_lossy(&hasher.finish()).into_owned()
    }
}

/// An entry's hashed fields, borrowed (from a record, or straight from a database row) as the bytes
/// stored: `verify` hashes them as they come and checks UTF-8 only where it reads text (the payload's JSON,
/// the business date).
pub struct EntryFields<'a> {
    pub prev_hash: &'a [u8],
    pub terminal: &'a [u8],
    pub seq: i64,
    pub at: &'a [u8],
    pub business_date: &'a [u8],
    pub user: Option<&'a [u8]>,
    pub approver: Option<&'a [u8]>,
    pub kind: &'a [u8],
    pub payload: &'a [u8],
}

/// The one definition of the chain's hash format (see `JournalRecord::compute_hash`), fed field by
/// field so `verify` can hash rows as they stream by without building records.
pub struct ChainHasher {
    hasher: Sha256,
    line: Vec<u8>,
}

impl ChainHasher {
    pub fn entry(fields: &EntryFields<'_>) -> ChainHasher {
        let mut hasher = Sha256::new();
        let mut seq = itoa::Buffer::new();
        for field in [
            fields.prev_hash,
            fields.terminal,
            seq.format(fields.seq).as_bytes(),
            fields.at,
            fields.business_date,
            fields.user.unwrap_or(b""),
            fields.approver.unwrap_or(b""),
            fields.kind,
            fields.payload,
        ] {
            hasher.update(field);
            hasher.update(b"\n");
        }
        ChainHasher { hasher, line: Vec::with_capacity(64) }
    }

    pub fn posting(&mut self, line: i64, account: &[u8], debit_cents: i64, credit_cents: i64) {
        let mut number = itoa::Buffer::new();
        self.line.clear();
        self.line.extend_from_slice(number.format(line).as_bytes());
        self.line.push(b'|');
        self.line.extend_from_slice(account);
        self.line.push(b'|');
        self.line.extend_from_slice(number.format(debit_cents).as_bytes());
        self.line.push(b'|');
        self.line.extend_from_slice(number.format(credit_cents).as_bytes());
        self.line.push(b'\n');
        self.hasher.update(&self.line);
    }

    /// The hash as 64 lower-case hex digits.
    pub fn finish(self) -> [u8; 64] {
        let mut hex = [0u8; 64];
        // 32 bytes always fit 64 hex digits.
        let _ = hex::encode_to_slice(self.hasher.finalize(), &mut hex);
        hex
    }
}

/// Numbers postings from 1 in order, as stored.
pub fn posting_records(postings: &[Posting<'_>]) -> Vec<PostingRecord> {
    postings.iter().enumerate().map(|(i, p)| PostingRecord { line: i as i64 + 1, account: p.account.to_string(), debit_cents: p.debit.cents(), credit_cents: p.credit.cents() }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Proves the hash covers every field: changing any one of them changes the hash.
    #[test]
    fn hash_covers_every_field() {
        let record = JournalRecord {
            terminal: "T01".into(),
            seq: 1,
            at: "2026-11-24T12:00:00.000000Z".into(),
            business_date: "2026-11-24".into(),
            user: Some("ana".into()),
            approver: None,
            kind: "no_sale".into(),
            payload: "{}".into(),
            postings: vec![PostingRecord { line: 1, account: "1010".into(), debit_cents: 5, credit_cents: 0 }],
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        let base = record.compute_hash();
        type Change = Box<dyn Fn(&mut JournalRecord)>;
        let variants: Vec<Change> = vec![
            Box::new(|r| r.terminal = "T02".into()),
            Box::new(|r| r.seq = 2),
            Box::new(|r| r.at.push('1')),
            Box::new(|r| r.business_date = "2026-11-25".into()),
            Box::new(|r| r.user = None),
            Box::new(|r| r.approver = Some("bo".into())),
            Box::new(|r| r.kind = "paid_in".into()),
            Box::new(|r| r.payload = "{ }".into()),
            Box::new(|r| r.postings[0].debit_cents = 6),
            Box::new(|r| r.prev_hash = "1".repeat(64)),
        ];
        for change in variants {
            let mut changed = record.clone();
            change(&mut changed);
            assert_ne!(changed.compute_hash(), base);
        }
        assert_eq!(base.len(), 64);
    }

    // Proves the hash format itself (fixed: head office recomputes it in SQL): SHA-256 over each field and a
    // newline (an absent user or approver as empty), then each posting as `line|account|debit|credit` and a newline.
    #[test]
    fn hash_format_is_fixed() {
        let record = JournalRecord {
            terminal: "T01".into(),
            seq: 42,
            at: "2026-11-24T12:00:00.000000Z".into(),
            business_date: "2026-11-24".into(),
            user: Some("ana".into()),
            approver: None,
            kind: "paid_in".into(),
            payload: r#"{"kind":"paid_in"}"#.into(),
            postings: vec![PostingRecord { line: 1, account: "1010".into(), debit_cents: 500, credit_cents: 0 }, PostingRecord { line: 2, account: "4900".into(), debit_cents: 0, credit_cents: 500 }],
            prev_hash: "ab".repeat(32),
            hash: String::new(),
        };
        let text = format!("{}\nT01\n42\n2026-11-24T12:00:00.000000Z\n2026-11-24\nana\n\npaid_in\n{{\"kind\":\"paid_in\"}}\n1|1010|500|0\n2|4900|0|500\n", "ab".repeat(32));
        assert_eq!(record.compute_hash(), hex::encode(Sha256::digest(text.as_bytes())));
    }
}
