//! The SQLite schema as numbered migrations, applied in order and recorded in `PRAGMA user_version`.

/// Each entry is one migration; index + 1 is the schema version it produces. Never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    // 1: journal, postings, chart of accounts, projections.
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE accounts (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    class TEXT NOT NULL CHECK (class IN ('asset','liability','revenue','expense'))
) STRICT;

CREATE TABLE journal (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    terminal TEXT NOT NULL,
    at TEXT NOT NULL,
    business_date TEXT NOT NULL,
    user_name TEXT,
    approver TEXT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE TABLE postings (
    seq INTEGER NOT NULL REFERENCES journal(seq),
    line INTEGER NOT NULL,
    account TEXT NOT NULL REFERENCES accounts(code),
    debit_cents INTEGER NOT NULL CHECK (debit_cents >= 0),
    credit_cents INTEGER NOT NULL CHECK (credit_cents >= 0),
    CHECK ((debit_cents = 0) <> (credit_cents = 0)),
    PRIMARY KEY (seq, line)
) STRICT;
CREATE INDEX postings_account ON postings(account);

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only: UPDATE refused'); END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal BEGIN SELECT RAISE(ABORT, 'journal is append-only: DELETE refused'); END;
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings BEGIN SELECT RAISE(ABORT, 'postings are append-only: UPDATE refused'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings BEGIN SELECT RAISE(ABORT, 'postings are append-only: DELETE refused'); END;

CREATE TABLE payables (
    number TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL,
    balance_cents INTEGER NOT NULL
) STRICT;
CREATE VIRTUAL TABLE payables_fts USING fts5(number, name, address, content='payables', content_rowid='rowid', tokenize='unicode61', prefix='2 3');
CREATE TRIGGER payables_fts_insert AFTER INSERT ON payables BEGIN
  INSERT INTO payables_fts(rowid, number, name, address) VALUES (new.rowid, new.number, new.name, new.address);
END;
CREATE TRIGGER payables_fts_delete AFTER DELETE ON payables BEGIN
  INSERT INTO payables_fts(payables_fts, rowid, number, name, address) VALUES ('delete', old.rowid, old.number, old.name, old.address);
END;
CREATE TRIGGER payables_fts_update AFTER UPDATE OF number, name, address ON payables BEGIN
  INSERT INTO payables_fts(payables_fts, rowid, number, name, address) VALUES ('delete', old.rowid, old.number, old.name, old.address);
  INSERT INTO payables_fts(rowid, number, name, address) VALUES (new.rowid, new.number, new.name, new.address);
END;

CREATE TABLE fees (
    code TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    amount_cents INTEGER,
    gl_account TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('cashier','lead','supervisor','admin')),
    active INTEGER NOT NULL,
    pin_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
) STRICT;

CREATE TABLE drawers (
    id INTEGER PRIMARY KEY,
    cashier TEXT NOT NULL,
    business_date TEXT NOT NULL,
    float_cents INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open','counted','closed'))
) STRICT;
CREATE UNIQUE INDEX one_open_drawer_per_cashier ON drawers(cashier) WHERE state <> 'closed';

CREATE TABLE drawer_totals (
    drawer_id INTEGER NOT NULL REFERENCES drawers(id),
    tender TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (drawer_id, tender)
) STRICT;

CREATE TABLE receipts (
    number INTEGER PRIMARY KEY CHECK (number >= 1),
    receipt TEXT NOT NULL UNIQUE,
    seq INTEGER NOT NULL REFERENCES journal(seq),
    drawer_id INTEGER,
    cashier TEXT NOT NULL,
    business_date TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    reprints INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX receipts_date ON receipts(business_date);

CREATE TABLE receipt_payables (
    receipt TEXT NOT NULL REFERENCES receipts(receipt),
    payable TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (receipt, payable)
) STRICT;
CREATE INDEX receipt_payables_payable ON receipt_payables(payable);
"#,
    // 2: batches (counter, mail, drop box) and their items, deposits, exported payments; bank and
    // suspense accounts. Drawers opened before this migration get their counter batch here, exactly as
    // replaying their DrawerOpened/DrawerClosed entries makes it (so `verify` agrees).
    r#"
INSERT OR IGNORE INTO accounts(code, name, class) VALUES
    ('1001', 'Bank - operating account', 'asset'),
    ('1002', 'Bank - utility fund account', 'asset'),
    ('2150', 'Unapplied remittances (batch suspense)', 'liability');

CREATE TABLE batches (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('counter','mail','drop_box')),
    drawer_id INTEGER,
    business_date TEXT NOT NULL,
    preparer TEXT NOT NULL,
    control_cents INTEGER NOT NULL,
    control_items INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open','balanced','approved','rejected')),
    approver TEXT,
    reason TEXT,
    deposit TEXT
) STRICT;
CREATE INDEX batches_date ON batches(business_date);

CREATE TABLE batch_items (
    batch TEXT NOT NULL REFERENCES batches(id),
    item INTEGER NOT NULL CHECK (item >= 1),
    payable TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    tender TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES journal(seq),
    state TEXT NOT NULL CHECK (state IN ('held','posted','removed')),
    PRIMARY KEY (batch, item)
) STRICT;

CREATE TABLE deposits (
    number TEXT PRIMARY KEY,
    business_date TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES journal(seq),
    total_cents INTEGER NOT NULL,
    batches INTEGER NOT NULL
) STRICT;

CREATE TABLE exported_payments (
    reference TEXT PRIMARY KEY,
    seq INTEGER NOT NULL REFERENCES journal(seq)
) STRICT;

INSERT INTO batches(id, kind, drawer_id, business_date, preparer, control_cents, control_items, state)
    SELECT 'D' || id, 'counter', id, business_date, cashier, 0, 0, CASE state WHEN 'closed' THEN 'balanced' ELSE 'open' END FROM drawers;
"#,
    // 3: postings and receipt lines stored in their own key order (WITHOUT ROWID), which drops three
    // indexes: the two rowid tables' key indexes and `postings_account`, which no query used (GL reports
    // reach postings through the journal's seq). Fewer indexes make every payment's commit and `verify`
    // (SQLite's integrity check compares every index with its table) cheaper. Receipt lines are keyed
    // by payable first ("payments on this account" is their one lookup) and name their receipt by its
    // number, the receipts table's own key. Postings are copied unchanged and their append-only
    // triggers re-created.
    r#"
CREATE TABLE postings_v3 (
    seq INTEGER NOT NULL REFERENCES journal(seq),
    line INTEGER NOT NULL,
    account TEXT NOT NULL REFERENCES accounts(code),
    debit_cents INTEGER NOT NULL CHECK (debit_cents >= 0),
    credit_cents INTEGER NOT NULL CHECK (credit_cents >= 0),
    CHECK ((debit_cents = 0) <> (credit_cents = 0)),
    PRIMARY KEY (seq, line)
) STRICT, WITHOUT ROWID;
INSERT INTO postings_v3(seq, line, account, debit_cents, credit_cents)
    SELECT seq, line, account, debit_cents, credit_cents FROM postings ORDER BY seq, line;
DROP TABLE postings;
ALTER TABLE postings_v3 RENAME TO postings;
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings BEGIN SELECT RAISE(ABORT, 'postings are append-only: UPDATE refused'); END;
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings BEGIN SELECT RAISE(ABORT, 'postings are append-only: DELETE refused'); END;

CREATE TABLE receipt_payables_v3 (
    payable TEXT NOT NULL,
    receipt_number INTEGER NOT NULL REFERENCES receipts(number),
    amount_cents INTEGER NOT NULL,
    PRIMARY KEY (payable, receipt_number)
) STRICT, WITHOUT ROWID;
INSERT INTO receipt_payables_v3(payable, receipt_number, amount_cents)
    SELECT p.payable, r.number, p.amount_cents FROM receipt_payables p JOIN receipts r ON r.receipt = p.receipt ORDER BY 1, 2;
DROP TABLE receipt_payables;
ALTER TABLE receipt_payables_v3 RENAME TO receipt_payables;
"#,
    // 4: `receipts_date` dropped: no query could use it (the receipt search filters dates with
    // `?2 IS NULL OR business_date = ?2` while it walks receipts newest first, and the audit report reads
    // them in number order), yet every payment wrote it and `verify`'s integrity check probed it per receipt.
    r#"
DROP INDEX receipts_date;
"#,
    // 5: receipts without UNIQUE on the receipt text. The text is the terminal and the number
    // (`T01-000042`), and the number is the key, so its index guarded nothing the key does not; it cost
    // every payment an index insert and `verify`'s integrity check a probe per receipt (a fifth of the
    // check's time). Lookups by text go through the number (`receipt_key`). The table is rebuilt by
    // SQLite's 12-step procedure; `migrate` runs it with foreign keys off and checks them before commit.
    r#"
CREATE TABLE receipts_v5 (
    number INTEGER PRIMARY KEY CHECK (number >= 1),
    receipt TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES journal(seq),
    drawer_id INTEGER,
    cashier TEXT NOT NULL,
    business_date TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    refunded_cents INTEGER NOT NULL DEFAULT 0,
    reprints INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO receipts_v5(number, receipt, seq, drawer_id, cashier, business_date, total_cents, status, refunded_cents, reprints)
    SELECT number, receipt, seq, drawer_id, cashier, business_date, total_cents, status, refunded_cents, reprints FROM receipts ORDER BY number;
DROP TABLE receipts;
ALTER TABLE receipts_v5 RENAME TO receipts;
"#,
    // 6: credentials. `pin_commit` is the SHA-256 of `pin_hash` as journaled by the user's last `pin_set` entry
    // (taken from the journal in one pass). NULL means the PIN predates the PIN key: it is accepted once, at the
    // next good login, and rehashed with the key, and only on a ledger that had such users here (marked
    // `legacy_pins`). `lockouts` counts lockouts since the last good login: each lasts longer (1, 5, 15, 30 min).
    r#"
ALTER TABLE users ADD COLUMN pin_commit TEXT;
ALTER TABLE users ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
UPDATE users SET pin_commit = c.pin_commit
    FROM (SELECT json_extract(payload, '$.name') AS name, json_extract(payload, '$.commit') AS pin_commit, MAX(seq)
          FROM journal WHERE kind = 'pin_set' GROUP BY 1) AS c
    WHERE c.name = users.name;
INSERT INTO meta(key, value) SELECT 'legacy_pins', '1' WHERE EXISTS (SELECT 1 FROM users WHERE pin_commit IS NULL);
"#,
    // 7: chunked payables imports. An
    // import's rows are staged in `payables_staged` in short transactions, out of sight; one short
    // transaction flips its `imports` row to 'committed', and from then on its staged rows are what
    // lookups, payments and verify see (they overlay `payables`) until they are merged into `payables`
    // in short transactions, after which the import is 'merged'. Nothing reads a 'staging' import.
    // (IF NOT EXISTS: the upgrade tests rebuild older schemas around tables of later migrations.)
    r#"
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL CHECK (state IN ('staging','committed','merged'))
) STRICT;
CREATE TABLE IF NOT EXISTS payables_staged (
    import INTEGER NOT NULL REFERENCES imports(id),
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    status TEXT NOT NULL,
    balance_cents INTEGER NOT NULL,
    PRIMARY KEY (import, number)
) STRICT, WITHOUT ROWID;
-- No index on number alone: every read of a staged row names its import (the committed ones), so the
-- primary key (import, number) finds it, and a second index cost each of a million staged rows its upkeep.
DROP INDEX IF EXISTS payables_staged_number;
-- The word index is rewritten only when a number, name or address really changes: a monthly file
-- mostly brings new balances, and rewriting a million unchanged rows' words was most of its merge.
DROP TRIGGER IF EXISTS payables_fts_update;
CREATE TRIGGER payables_fts_update AFTER UPDATE OF number, name, address ON payables
WHEN old.number IS NOT new.number OR old.name IS NOT new.name OR old.address IS NOT new.address BEGIN
  INSERT INTO payables_fts(payables_fts, rowid, number, name, address) VALUES ('delete', old.rowid, old.number, old.name, old.address);
  INSERT INTO payables_fts(rowid, number, name, address) VALUES (new.rowid, new.number, new.name, new.address);
END;
"#,
    // 8 (numbered for the merge; independent of 7's tables): reads whose cost grew with the journal's age.
    // `entry_refs` files each entry a counter or office operation reads back under what it is about (a
    // receipt's refunds and returned check, a drawer's open, counts, drops and close, a batch's approvals),
    // written by `Effect::EntryRef` in the entry's transaction and compared by `verify`; back-filled here
    // with the subjects `domain::effects` files them under. `journal_day` finds a business date's entries
    // (the day's reports), `receipts_drawer` a drawer's receipts (drawer report, close) and `drawers_date` the day's drawers without a scan;
    // `verify`'s integrity check compares both with their tables.
    r#"
CREATE TABLE IF NOT EXISTS entry_refs (
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES journal(seq),
    PRIMARY KEY (kind, subject, seq)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO entry_refs(kind, subject, seq)
    SELECT kind, CAST(CASE kind
            WHEN 'payment_refunded' THEN json_extract(payload, '$.receipt')
            WHEN 'check_returned' THEN json_extract(payload, '$.receipt')
            WHEN 'batch_approved' THEN json_extract(payload, '$.batch')
            ELSE json_extract(payload, '$.drawer_id') END AS TEXT), seq
    FROM journal
    WHERE kind IN ('payment_refunded', 'check_returned', 'batch_approved', 'drawer_opened', 'drawer_counted', 'cash_dropped', 'drawer_closed')
    ORDER BY 1, 2, 3;
CREATE INDEX IF NOT EXISTS journal_day ON journal(business_date);
CREATE INDEX IF NOT EXISTS receipts_drawer ON receipts(drawer_id);
CREATE INDEX IF NOT EXISTS drawers_date ON drawers(business_date);
"#,
    // 9: autopay. The ACH receivable account, and each enrolment's bank account
    // number sealed (ChaCha20-Poly1305 with the autopay key, which lives outside the data dir; the enrolment id
    // is the associated data). A mutable side table like `users.pin_hash`: the journal carries only the last 4
    // and a keyed fingerprint, which `ops::autopay_key::open` checks the unsealed number against.
    r#"
INSERT OR IGNORE INTO accounts(code, name, class) VALUES ('1060', 'ACH debits receivable (autopay, unsettled)', 'asset');
CREATE TABLE IF NOT EXISTS autopay_accounts (
    enrolment TEXT PRIMARY KEY,
    sealed TEXT NOT NULL
) STRICT;
"#,
    // 10: batches of two more kinds, `lockbox` (a bank lockbox file) and `online` (a web
    // or IVR processor's settlement file), both opened by `lockbox import`. SQLite cannot change a CHECK, so the
    // table is rebuilt by the 12-step procedure (foreign keys off, checked before commit) with its index.
    r#"
CREATE TABLE batches_v12 (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('counter','mail','drop_box','lockbox','online')),
    drawer_id INTEGER,
    business_date TEXT NOT NULL,
    preparer TEXT NOT NULL,
    control_cents INTEGER NOT NULL,
    control_items INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open','balanced','approved','rejected')),
    approver TEXT,
    reason TEXT,
    deposit TEXT
) STRICT;
INSERT INTO batches_v12(id, kind, drawer_id, business_date, preparer, control_cents, control_items, state, approver, reason, deposit)
    SELECT id, kind, drawer_id, business_date, preparer, control_cents, control_items, state, approver, reason, deposit FROM batches ORDER BY rowid;
DROP TABLE batches;
ALTER TABLE batches_v12 RENAME TO batches;
CREATE INDEX batches_date ON batches(business_date);
"#,
    // 11: the convenience-fee revenue account (card and ACH convenience fees, `[convenience_fee]`). Funds
    // need no table: a posting's fund is derived from its event at report time (`domain::funds`).
    r#"
INSERT OR IGNORE INTO accounts(code, name, class) VALUES ('4920', 'Convenience fee revenue', 'revenue');
"#,
    // 12: what day close waits for no longer grows with the ledger's age. Its blockers (drawers not closed,
    // batches not approved, through the date) were read through `drawers_date`/`batches_date` over every
    // day since the first; these partial indexes hold only the rows still open (a handful), so the check
    // reads those. Created from the tables as they stand, so an existing ledger is back-filled; replayed
    // ledgers get them from the same statements, and `verify`'s integrity check compares them with their tables.
    r#"
CREATE INDEX IF NOT EXISTS drawers_unclosed ON drawers(business_date) WHERE state <> 'closed';
CREATE INDEX IF NOT EXISTS batches_unapproved ON batches(business_date) WHERE state <> 'approved';
"#,
];

/// The `receipts` key for a receipt's text (`T01-000042` is number 42), or None for text that is not a
/// receipt number, which then matches no receipt. Queries by text match `number = key AND receipt = text`.
pub fn receipt_key(receipt: &str) -> Option<i64> {
    crate::domain::ids::ReceiptNo::parse(receipt).ok().map(|r| r.number)
}
