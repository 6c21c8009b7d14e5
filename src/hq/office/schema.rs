//! The head-office PostgreSQL schema as numbered migrations: append-only journal tables, the published
//! reference data, and the SECURITY DEFINER sync functions that are a terminal role's only way in.

/// Non-login role that owns the sync functions; it may only append to the journal tables.
pub const OWNER_ROLE: &str = "citytill_owner";
/// Non-login group role every terminal role is a member of; it may only execute the sync functions.
pub const TERMINAL_GROUP: &str = "citytill_terminal";
/// Serialises publishers of reference data so that versions become visible in order (no row is skipped by a pull).
pub const PUBLISH_LOCK_KEY: i64 = 0x0C17_7111;

/// Each entry is one migration; index + 1 is the schema version it produces. Never edit a shipped one.
pub const MIGRATIONS: &[&str] = &[
    V1,
    crate::hq::push_sql::MIGRATION,
    crate::hq::office::balances_sql::MIGRATION,
    crate::hq::office::amounts_sql::MIGRATION,
    crate::hq::office::witness_sql::MIGRATION,
    crate::hq::office::autopay_sql::MIGRATION,
    crate::hq::office::finance_sql::MIGRATION,
];

const V1: &str = r#"
DO $$ BEGIN CREATE ROLE citytill_owner NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE citytill_terminal NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE TABLE citytill.terminals (
    terminal text PRIMARY KEY CHECK (terminal ~ '^[A-Z0-9]{1,8}$'),
    role_name name NOT NULL UNIQUE,
    acked_seq bigint NOT NULL DEFAULT 0 CHECK (acked_seq >= 0),
    last_hash text NOT NULL DEFAULT repeat('0', 64),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_push_at timestamptz
);

-- One row per terminal journal entry, exactly as the terminal hashed it (text kept byte for byte).
CREATE TABLE citytill.entries (
    terminal text NOT NULL,
    seq bigint NOT NULL CHECK (seq >= 1),
    at text NOT NULL,
    business_date text NOT NULL,
    user_name text,
    approver text,
    kind text NOT NULL,
    payload text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (terminal, seq)
);
CREATE INDEX entries_business_date ON citytill.entries(business_date, kind);

CREATE TABLE citytill.postings (
    terminal text NOT NULL,
    seq bigint NOT NULL,
    line bigint NOT NULL,
    account text NOT NULL,
    debit_cents bigint NOT NULL CHECK (debit_cents >= 0),
    credit_cents bigint NOT NULL CHECK (credit_cents >= 0),
    CHECK ((debit_cents = 0) <> (credit_cents = 0)),
    PRIMARY KEY (terminal, seq, line)
    -- No foreign keys on the journal tables: they halve push throughput, and the only writer
    -- (sync_push) inserts an entry and its postings together; `hq verify` re-checks both.
);

-- Rejected pushes (tampered re-sends, broken chains): written in the same transaction that answers the push.
CREATE TABLE citytill.alarms (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    terminal text NOT NULL,
    role_name name NOT NULL,
    seq bigint,
    reason text NOT NULL,
    detail jsonb NOT NULL DEFAULT '{}'
);

-- What each synced payment did to a payable's balance (negative = paid), for published balances.
CREATE TABLE citytill.payable_activity (
    terminal text NOT NULL,
    seq bigint NOT NULL,
    number text NOT NULL,
    delta_cents bigint NOT NULL,
    FOREIGN KEY (terminal, seq) REFERENCES citytill.entries(terminal, seq)
);
CREATE INDEX payable_activity_number ON citytill.payable_activity(number);

-- Entries written to a billing posting file: each at most once.
CREATE TABLE citytill.exports (
    terminal text NOT NULL,
    seq bigint NOT NULL,
    batch bigint NOT NULL,
    exported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (terminal, seq),
    FOREIGN KEY (terminal, seq) REFERENCES citytill.entries(terminal, seq)
);
CREATE SEQUENCE citytill.export_batch;

CREATE FUNCTION citytill.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION 'citytill.% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '42501';
END $f$;
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON citytill.entries FOR EACH ROW EXECUTE FUNCTION citytill.refuse_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON citytill.entries FOR EACH STATEMENT EXECUTE FUNCTION citytill.refuse_change();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON citytill.postings FOR EACH ROW EXECUTE FUNCTION citytill.refuse_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON citytill.postings FOR EACH STATEMENT EXECUTE FUNCTION citytill.refuse_change();
CREATE TRIGGER alarms_append_only BEFORE UPDATE OR DELETE ON citytill.alarms FOR EACH ROW EXECUTE FUNCTION citytill.refuse_change();

-- Reference data published to terminals; every change takes the next version (under PUBLISH_LOCK_KEY).
CREATE SEQUENCE citytill.ref_version;
CREATE TABLE citytill.published_payables (
    number text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('utility','license','citation','permit','invoice','tax')),
    name text NOT NULL,
    address text NOT NULL,
    status text NOT NULL,
    balance_cents bigint NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    version bigint NOT NULL
);
CREATE INDEX published_payables_version ON citytill.published_payables(version);
CREATE TABLE citytill.published_fees (
    code text PRIMARY KEY,
    description text NOT NULL,
    amount_cents bigint,
    gl_account text NOT NULL,
    version bigint NOT NULL
);
CREATE TABLE citytill.published_settings (
    key text PRIMARY KEY,
    value text NOT NULL,
    version bigint NOT NULL
);

-- The balance a terminal should show: the billing system's figure, less payments head office holds that
-- the billing file cannot include yet (not exported before that figure was imported).
CREATE VIEW citytill.payable_balances AS
SELECT p.number, p.kind, p.name, p.address, p.status, p.version,
       p.balance_cents + COALESCE((
           SELECT sum(a.delta_cents) FROM citytill.payable_activity a
            WHERE a.number = p.number
              AND NOT EXISTS (SELECT 1 FROM citytill.exports x
                               WHERE x.terminal = a.terminal AND x.seq = a.seq AND x.exported_at <= p.imported_at)), 0)::bigint AS balance_cents
  FROM citytill.published_payables p;

-- The caller's terminal, from the login role (never from an argument the caller chooses).
CREATE FUNCTION citytill.sync_state() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    t citytill.terminals%ROWTYPE;
BEGIN
    SELECT * INTO t FROM citytill.terminals WHERE role_name = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not a registered terminal', session_user USING ERRCODE = '42501';
    END IF;
    RETURN jsonb_build_object('terminal', t.terminal, 'acked_seq', t.acked_seq, 'last_hash', t.last_hash);
END $f$;

-- Stores a batch of the caller's journal entries, in one transaction. Entries already held are compared
-- (same content = acknowledged again; different = rejected + alarm); new ones must continue the sequence
-- and the hash chain, hash to what they claim (recomputed here) and balance. The first bad entry stops
-- the batch; everything before it is kept. Never raises for a bad entry, so the alarm commits.
CREATE FUNCTION citytill.sync_push(p_terminal text, p_entries jsonb) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    t citytill.terminals%ROWTYPE;
    v_inserted bigint;
    v_max_seq bigint;
    v_last_hash text;
    v_duplicates bigint;
    v_rejected jsonb;
    v_activity bigint;
BEGIN
    SELECT * INTO t FROM citytill.terminals WHERE role_name = session_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not a registered terminal', session_user USING ERRCODE = '42501';
    END IF;
    IF p_terminal IS DISTINCT FROM t.terminal THEN
        RAISE EXCEPTION 'role % may push only for terminal %, not %', session_user, t.terminal, p_terminal USING ERRCODE = '42501';
    END IF;
    IF jsonb_typeof(p_entries) IS DISTINCT FROM 'array' OR jsonb_array_length(p_entries) > 5000 THEN
        RAISE EXCEPTION 'entries: must be a JSON array of at most 5000 entries' USING ERRCODE = '22023';
    END IF;

    WITH input AS (
        SELECT a.ord, e.*
          FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS a(x, ord),
               jsonb_to_record(a.x) AS e(terminal text, seq bigint, at text, business_date text, "user" text, approver text,
                                         kind text, payload text, prev_hash text, hash text, postings jsonb)
    ), lines AS (
        SELECT i.ord, i.seq, p.line, p.account, p.debit_cents, p.credit_cents
          FROM input i,
               jsonb_to_recordset(CASE WHEN jsonb_typeof(i.postings) = 'array' THEN i.postings ELSE '[]'::jsonb END)
                   AS p(line bigint, account text, debit_cents bigint, credit_cents bigint)
    ), sums AS (
        SELECT ord,
               string_agg(line::text || '|' || account || '|' || debit_cents::text || '|' || credit_cents::text || E'\n', '' ORDER BY line) AS text,
               sum(debit_cents) AS debits, sum(credit_cents) AS credits,
               bool_and(line IS NOT NULL AND account IS NOT NULL AND debit_cents >= 0 AND credit_cents >= 0
                        AND (debit_cents = 0) <> (credit_cents = 0))
                   AND min(line) = 1 AND max(line) = count(*) AND count(DISTINCT line) = count(*) AS lines_ok
          FROM lines GROUP BY ord
    ), classified AS (
        SELECT i.*, s.debits, s.credits, s.lines_ok,
               encode(sha256(convert_to(
                   i.prev_hash || E'\n' || i.terminal || E'\n' || i.seq::text || E'\n' || i.at || E'\n' || i.business_date || E'\n'
                   || COALESCE(i."user", '') || E'\n' || COALESCE(i.approver, '') || E'\n' || i.kind || E'\n' || i.payload || E'\n'
                   || COALESCE(s.text, ''), 'UTF8')), 'hex') AS computed,
               lag(i.seq) OVER w AS prev_seq,
               lag(i.hash) OVER w AS prev_sent_hash,
               -- Only entries head office may already hold are looked up (an index probe each, never a scan).
               CASE WHEN i.seq <= t.acked_seq THEN
                   (SELECT st.hash FROM citytill.entries st WHERE st.terminal = t.terminal AND st.seq = i.seq)
               END AS stored_hash
          FROM input i
          LEFT JOIN sums s USING (ord)
        WINDOW w AS (ORDER BY i.ord)
    ), judged AS (
        SELECT c.*, CASE
            WHEN c.seq IS NULL OR c.terminal IS NULL OR c.at IS NULL OR c.business_date IS NULL OR c.kind IS NULL
                 OR c.payload IS NULL OR c.prev_hash IS NULL OR c.hash IS NULL OR c.computed IS NULL THEN 'malformed'
            WHEN c.ord > 1 AND c.seq <> c.prev_seq + 1 THEN 'gap'
            WHEN c.stored_hash IS NOT NULL THEN
                CASE WHEN c.hash = c.stored_hash AND c.computed = c.stored_hash THEN 'duplicate' ELSE 'conflict' END
            WHEN c.seq <> t.acked_seq + 1 AND (c.ord = 1 OR c.seq <= t.acked_seq) THEN 'gap'
            WHEN c.terminal <> t.terminal THEN 'wrong_terminal'
            WHEN c.computed <> c.hash THEN 'hash_mismatch'
            WHEN c.prev_hash <> CASE WHEN c.seq = t.acked_seq + 1 THEN t.last_hash ELSE c.prev_sent_hash END THEN 'chain_broken'
            WHEN COALESCE(c.debits, 0) <> COALESCE(c.credits, 0) OR NOT COALESCE(c.lines_ok, true) THEN 'unbalanced'
            ELSE 'new' END AS status
          FROM classified c
    ), first_bad AS (
        SELECT min(ord) AS ord FROM judged WHERE status NOT IN ('new', 'duplicate')
    ), accepted AS (
        SELECT j.* FROM judged j, first_bad b WHERE b.ord IS NULL OR j.ord < b.ord
    ), inserted AS (
        INSERT INTO citytill.entries(terminal, seq, at, business_date, user_name, approver, kind, payload, prev_hash, hash)
        SELECT t.terminal, a.seq, a.at, a.business_date, a."user", a.approver, a.kind, a.payload, a.prev_hash, a.hash
          FROM accepted a WHERE a.status = 'new' ORDER BY a.seq
        RETURNING seq, hash
    ), inserted_postings AS (
        INSERT INTO citytill.postings(terminal, seq, line, account, debit_cents, credit_cents)
        SELECT t.terminal, l.seq, l.line, l.account, l.debit_cents, l.credit_cents
          FROM lines l JOIN accepted a USING (ord) WHERE a.status = 'new'
    ), alarm AS (
        INSERT INTO citytill.alarms(terminal, role_name, seq, reason, detail)
        SELECT t.terminal, session_user, j.seq, j.status,
               jsonb_build_object('sent_hash', j.hash, 'computed_hash', j.computed, 'stored_hash', j.stored_hash, 'kind', j.kind)
          FROM judged j JOIN first_bad b ON j.ord = b.ord
         WHERE j.status <> 'gap'
    )
    SELECT (SELECT count(*) FROM inserted),
           (SELECT max(seq) FROM inserted),
           (SELECT hash FROM inserted ORDER BY seq DESC LIMIT 1),
           (SELECT count(*) FROM accepted WHERE status = 'duplicate'),
           (SELECT jsonb_build_object('seq', j.seq, 'reason', j.status, 'alarm', j.status <> 'gap')
              FROM judged j JOIN first_bad b ON j.ord = b.ord)
      INTO v_inserted, v_max_seq, v_last_hash, v_duplicates, v_rejected;

    IF v_inserted > 0 THEN
        IF v_max_seq <> t.acked_seq + v_inserted THEN
            RAISE EXCEPTION 'invariant: % entries stored but sequence moved from % to %', v_inserted, t.acked_seq, v_max_seq;
        END IF;
        UPDATE citytill.terminals SET acked_seq = v_max_seq, last_hash = v_last_hash, last_push_at = now()
         WHERE terminal = t.terminal;
        INSERT INTO citytill.payable_activity(terminal, seq, number, delta_cents)
        SELECT e.terminal, e.seq, l->'target'->>'number',
               (CASE WHEN e.kind = 'payment_taken' THEN -1 ELSE 1 END) * round((l->>'applied')::numeric * 100)::bigint
          FROM citytill.entries e, jsonb_array_elements(e.payload::jsonb->'lines') l
         WHERE e.terminal = t.terminal AND e.seq > t.acked_seq AND e.kind IN ('payment_taken', 'payment_voided')
           AND l->'target'->>'type' = 'payable'
        UNION ALL
        SELECT e.terminal, e.seq, a->>'payable', round((a->>'amount')::numeric * 100)::bigint
          FROM citytill.entries e, jsonb_array_elements(e.payload::jsonb->'allocations') a
         WHERE e.terminal = t.terminal AND e.seq > t.acked_seq AND e.kind IN ('payment_refunded', 'check_returned')
           AND a->>'payable' IS NOT NULL;
        GET DIAGNOSTICS v_activity = ROW_COUNT;
        IF v_activity > 0 THEN
            -- Terminals re-pull the payables whose published balance these payments changed.
            PERFORM pg_advisory_xact_lock(202862865);
            UPDATE citytill.published_payables SET version = nextval('citytill.ref_version')
             WHERE number IN (SELECT number FROM citytill.payable_activity WHERE terminal = t.terminal AND seq > t.acked_seq);
        END IF;
    ELSE
        UPDATE citytill.terminals SET last_push_at = now() WHERE terminal = t.terminal;
    END IF;

    RETURN jsonb_build_object('terminal', t.terminal,
                              'acked_seq', COALESCE(v_max_seq, t.acked_seq),
                              'last_hash', COALESCE(v_last_hash, t.last_hash),
                              'accepted', v_inserted,
                              'duplicates', v_duplicates,
                              'rejected', v_rejected);
END $f$;

-- Reference data changed since `p_since`, oldest version first, at most `p_limit` rows.
CREATE FUNCTION citytill.sync_pull(p_since bigint, p_limit integer) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    v_rows jsonb;
    v_version bigint;
    v_more boolean;
BEGIN
    PERFORM 1 FROM citytill.terminals WHERE role_name = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not a registered terminal', session_user USING ERRCODE = '42501';
    END IF;
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 50000 OR p_since IS NULL OR p_since < 0 THEN
        RAISE EXCEPTION 'pull: since must be >= 0 and limit 1..50000' USING ERRCODE = '22023';
    END IF;
    WITH changes AS (
        SELECT 'payable' AS type, b.version,
               jsonb_build_object('kind', b.kind, 'number', b.number, 'name', b.name, 'address', b.address,
                                  'status', b.status, 'balance_cents', b.balance_cents) AS row
          FROM citytill.payable_balances b WHERE b.version > p_since
        UNION ALL
        SELECT 'fee', f.version, jsonb_build_object('code', f.code, 'description', f.description,
                                                    'amount_cents', f.amount_cents, 'gl_account', f.gl_account)
          FROM citytill.published_fees f WHERE f.version > p_since
        UNION ALL
        SELECT 'setting', s.version, jsonb_build_object('key', s.key, 'value', s.value)
          FROM citytill.published_settings s WHERE s.version > p_since
    ), page AS (
        SELECT * FROM changes ORDER BY version LIMIT p_limit + 1
    ), numbered AS (
        SELECT page.*, row_number() OVER (ORDER BY version) AS n FROM page
    )
    SELECT COALESCE(jsonb_agg(jsonb_build_object('type', type, 'version', version, 'row', row) ORDER BY version) FILTER (WHERE n <= p_limit), '[]'::jsonb),
           max(version) FILTER (WHERE n <= p_limit),
           count(*) > p_limit
      INTO v_rows, v_version, v_more
      FROM numbered;
    RETURN jsonb_build_object('rows', v_rows, 'version', COALESCE(v_version, p_since), 'more', v_more);
END $f$;

REVOKE ALL ON SCHEMA citytill FROM PUBLIC;
GRANT USAGE ON SCHEMA citytill TO citytill_owner, citytill_terminal;
REVOKE ALL ON ALL TABLES IN SCHEMA citytill FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA citytill FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA citytill FROM PUBLIC;
GRANT SELECT, UPDATE ON citytill.terminals TO citytill_owner;
GRANT SELECT, INSERT ON citytill.entries, citytill.postings, citytill.alarms, citytill.payable_activity TO citytill_owner;
GRANT SELECT ON citytill.exports, citytill.published_fees, citytill.published_settings, citytill.payable_balances TO citytill_owner;
GRANT SELECT, UPDATE (version) ON citytill.published_payables TO citytill_owner;
GRANT USAGE ON SEQUENCE citytill.alarms_id_seq, citytill.ref_version TO citytill_owner;
ALTER FUNCTION citytill.sync_state() OWNER TO citytill_owner;
ALTER FUNCTION citytill.sync_push(text, jsonb) OWNER TO citytill_owner;
ALTER FUNCTION citytill.sync_pull(bigint, integer) OWNER TO citytill_owner;
REVOKE ALL ON FUNCTION citytill.sync_state(), citytill.sync_push(text, jsonb), citytill.sync_pull(bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citytill.sync_state(), citytill.sync_push(text, jsonb), citytill.sync_pull(bigint, integer) TO citytill_terminal;
"#;
