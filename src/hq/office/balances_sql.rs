//! Schema migration 3: head office's balance deltas become exactly the local ledger's `PayableBalance`
//! effects (`domain::effects`): whole payment lines (applied + credit), the returned-check fee charged to an
//! account, and mail and drop-box batches approved (balances down) and reopened (back up). Replaces
//! `citytill.sync_push_rows` (migration 2) to use them, and rebuilds `payable_activity` from the entries
//! already held, re-publishing every payable whose balance that changes.

/// Migration 3 (see `schema::MIGRATIONS`).
pub const MIGRATION: &str = r#"
-- The entry kinds that change payable balances (each yields `Effect::PayableBalance` in domain/effects.rs).
-- Their payloads are parsed as jsonb, so they must be jsonb-valid to be accepted.
CREATE FUNCTION citytill.balance_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT ARRAY['payment_taken', 'payment_voided', 'payment_refunded', 'check_returned', 'batch_approved', 'batch_reopened']
$f$;

-- The balance changes of one entry, payable by payable, in integer cents (negative = paid): the same rules
-- as `effects()` in domain/effects.rs, which the terminal's ledger applies to its own payables.
--   payment_taken / payment_voided: each payable line's whole amount (applied + credit), down / back up;
--   payment_refunded / check_returned: each allocation to a payable, back up;
--   check_returned: the fee, up, on the payable it is charged to (if any);
--   batch_approved / batch_reopened: each posted item's payable line, down / back up.
-- SQL, not volatile, no SET and not strict, so the planner inlines it into the set-based push.
CREATE FUNCTION citytill.balance_deltas(p_kind text, p_payload jsonb) RETURNS TABLE (number text, delta_cents bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT l.line->'target'->>'number',
           CASE WHEN p_kind IN ('payment_taken', 'batch_approved') THEN -1 ELSE 1 END
           * (round((l.line->>'applied')::numeric * 100)::bigint + round(COALESCE(l.line->>'credit', '0')::numeric * 100)::bigint)
      FROM (SELECT e AS line FROM jsonb_array_elements(p_payload->'lines') e
             WHERE p_kind IN ('payment_taken', 'payment_voided')
            UNION ALL
            SELECT e->'line' FROM jsonb_array_elements(p_payload->'posted') e
             WHERE p_kind = 'batch_approved'
            UNION ALL
            SELECT e->'line' FROM jsonb_array_elements(p_payload->'reversed') e
             WHERE p_kind = 'batch_reopened') l
     WHERE l.line->'target'->>'type' = 'payable'
    UNION ALL
    SELECT a->>'payable', round((a->>'amount')::numeric * 100)::bigint
      FROM jsonb_array_elements(p_payload->'allocations') a
     WHERE p_kind IN ('payment_refunded', 'check_returned') AND a->>'payable' IS NOT NULL
    UNION ALL
    SELECT p_payload->>'fee_charged_to', round((p_payload->>'fee_amount')::numeric * 100)::bigint
     WHERE p_kind = 'check_returned' AND p_payload->>'fee_charged_to' IS NOT NULL
$f$;

-- True when `p` is JSON text: jsonb for the kinds head office parses as jsonb (now also the batch postings).
CREATE OR REPLACE FUNCTION citytill.is_json(p_kind text, p text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    IF p_kind = ANY (citytill.balance_kinds()) THEN
        PERFORM p::jsonb;
    ELSE
        PERFORM p::json;
    END IF;
    RETURN true;
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END $f$;

-- Stores a batch of the caller's journal entries, in one transaction. Entry i is element i of each of the ten
-- entry arrays; posting j belongs to entry p_posting_entries[j] (1-based). Entries already held are compared
-- (same content = acknowledged again; different = rejected + alarm); new ones must continue the sequence and
-- the hash chain, hash to what they claim (recomputed here), carry a JSON payload and balance. The first bad
-- entry stops the batch, with an alarm; everything before it is kept. Never raises for a bad entry.
-- Everything that depends only on the batch (hashes, postings, JSON) is checked before the terminal's row is
-- locked, so a terminal pushing over two connections has the next batch checked while this one is stored.
-- p_after: the sequence the terminal believed head office held when it sent this batch; if head office still
-- holds less after a bounded wait (the batch before it did not land), nothing is stored and no alarm is raised.
-- NULL = no such belief (every gap is then a rejection with an alarm).
CREATE OR REPLACE FUNCTION citytill.sync_push_rows(
    p_terminal text,
    p_entry_terminals text[], p_seqs bigint[], p_ats text[], p_business_dates text[], p_users text[], p_approvers text[],
    p_kinds text[], p_payloads text[], p_prev_hashes text[], p_hashes text[],
    p_posting_entries bigint[], p_posting_lines bigint[], p_posting_accounts text[], p_posting_debits bigint[], p_posting_credits bigint[],
    p_after bigint)
RETURNS jsonb
-- jit off: compiling these plans costs more than running them on a batch of at most 5,000 entries.
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $f$
DECLARE
    t citytill.terminals%ROWTYPE;
    v_count integer := COALESCE(cardinality(p_seqs), 0);
    v_postings integer := COALESCE(cardinality(p_posting_entries), 0);
    v_not_json bigint[] := '{}';
    v_computed text[];
    v_wait_until timestamptz;
    v_postings_ok boolean[];
    v_complete boolean[];
    v_linked boolean[];
    v_chained boolean[];
    v_stop bigint;
    v_bad jsonb;
    v_duplicate_ords bigint[];
    v_duplicates bigint := 0;
    v_last_ord bigint;
    v_inserted bigint := 0;
    v_max_seq bigint;
    v_last_hash text;
    v_numbers text[];
BEGIN
    SELECT * INTO t FROM citytill.terminals WHERE role_name = session_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not a registered terminal', session_user USING ERRCODE = '42501';
    END IF;
    IF p_terminal IS DISTINCT FROM t.terminal THEN
        RAISE EXCEPTION 'role % may push only for terminal %, not %', session_user, t.terminal, p_terminal USING ERRCODE = '42501';
    END IF;
    IF v_count > 5000 THEN
        RAISE EXCEPTION 'entries: at most 5000 per push, not %', v_count USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(p_entry_terminals), cardinality(p_ats), cardinality(p_business_dates),
                                          cardinality(p_users), cardinality(p_approvers), cardinality(p_kinds), cardinality(p_payloads),
                                          cardinality(p_prev_hashes), cardinality(p_hashes)]) AS c(n)
                WHERE COALESCE(c.n, 0) <> v_count) THEN
        RAISE EXCEPTION 'entries: the ten entry arrays must have the same length (% sequence numbers)', v_count USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(ARRAY[cardinality(p_posting_lines), cardinality(p_posting_accounts),
                                          cardinality(p_posting_debits), cardinality(p_posting_credits)]) AS c(n)
                WHERE COALESCE(c.n, 0) <> v_postings)
       OR v_postings > 500000 THEN
        RAISE EXCEPTION 'postings: the five posting arrays must have the same length, at most 500000 (% entry numbers)', v_postings USING ERRCODE = '22023';
    END IF;

    -- This transaction commits without waiting for its WAL to reach disk (only this push's transaction: SET
    -- LOCAL). A head-office crash can forget the last ~0.6 s of acknowledged pushes, never corrupt or split one;
    -- the terminal keeps every entry and re-sends from what head office holds (sync_state) at its next round.
    -- Any later synchronous commit (exports, admin commands) makes every push before it durable too.
    PERFORM set_config('synchronous_commit', 'off', true);

    -- Every payload must be JSON. One subtransaction per batch; entry by entry only when one is not.
    BEGIN
        PERFORM count(*) FROM unnest(p_kinds, p_payloads) AS u(kind, payload)
          WHERE CASE WHEN u.kind = ANY (citytill.balance_kinds()) THEN u.payload::jsonb IS NULL ELSE u.payload::json IS NULL END;
    EXCEPTION WHEN OTHERS THEN
        SELECT COALESCE(array_agg(u.ord), '{}') INTO v_not_json
          FROM unnest(p_kinds, p_payloads) WITH ORDINALITY AS u(kind, payload, ord) WHERE NOT citytill.is_json(u.kind, u.payload);
    END;

    -- What depends only on the batch: each entry's hash recomputed over its fields and postings (postings in
    -- line order; lines must be exactly 1, 2, 3 ...), and whether its postings are valid and balance.
    WITH sums AS (
        -- One sort of all postings by (entry, line) feeds the aggregate in line order (no sort per entry).
        SELECT ord,
               string_agg(line::text || '|' || account || '|' || debit_cents::text || '|' || credit_cents::text || E'\n', '') AS text,
               sum(debit_cents) = sum(credit_cents)
                   AND bool_and(line = rank AND account IS NOT NULL AND debit_cents >= 0 AND credit_cents >= 0
                                AND (debit_cents = 0) <> (credit_cents = 0)) AS ok
          FROM (SELECT l.*, row_number() OVER (PARTITION BY l.ord ORDER BY l.line) AS rank
                  FROM unnest(p_posting_entries, p_posting_lines, p_posting_accounts, p_posting_debits, p_posting_credits)
                       AS l(ord, line, account, debit_cents, credit_cents)) ranked
         GROUP BY ord
    )
    SELECT array_agg(encode(sha256(convert_to(concat_ws(E'\n', i.prev_hash, i.terminal, i.seq::text, i.at, i.business_date,
                         COALESCE(i.user_name, ''), COALESCE(i.approver, ''), i.kind, i.payload, COALESCE(s.text, '')), 'UTF8')), 'hex')
                     ORDER BY i.ord),
           array_agg(COALESCE(s.ok, true) ORDER BY i.ord),
           array_agg(i.seq IS NOT NULL AND i.terminal IS NOT NULL AND i.at IS NOT NULL AND i.business_date IS NOT NULL
                     AND i.kind IS NOT NULL AND i.payload IS NOT NULL AND i.prev_hash IS NOT NULL AND i.hash IS NOT NULL ORDER BY i.ord),
           -- Within the batch: each entry follows the one sent before it, by sequence and by hash.
           array_agg(COALESCE(i.ord = 1 OR i.seq = i.prev_seq + 1, false) ORDER BY i.ord),
           array_agg(COALESCE(i.ord = 1 OR i.prev_hash = i.prev_sent_hash, false) ORDER BY i.ord)
      INTO v_computed, v_postings_ok, v_complete, v_linked, v_chained
      FROM (SELECT u.*, lag(u.seq) OVER w AS prev_seq, lag(u.hash) OVER w AS prev_sent_hash
              FROM unnest(p_entry_terminals, p_seqs, p_ats, p_business_dates, p_users, p_approvers, p_kinds, p_payloads, p_prev_hashes, p_hashes)
                   WITH ORDINALITY AS u(terminal, seq, at, business_date, user_name, approver, kind, payload, prev_hash, hash, ord)
            WINDOW w AS (ORDER BY u.ord)) i
      LEFT JOIN sums s USING (ord);

    -- A batch sent ahead over a second connection waits here, holding no lock, until the batch before it has
    -- landed (bounded: at most 5 s or half the statement timeout), so batches are judged in the order sent.
    IF p_after IS NOT NULL THEN
        v_wait_until := clock_timestamp()
            + LEAST(interval '5 s', NULLIF(current_setting('statement_timeout'), '0')::interval / 2);
        LOOP
            EXIT WHEN (SELECT acked_seq FROM citytill.terminals WHERE terminal = t.terminal) >= p_after
                   OR clock_timestamp() > v_wait_until;
            PERFORM pg_sleep(0.001);
        END LOOP;
    END IF;

    -- From here on, one push per terminal at a time: what head office holds decides the rest.
    SELECT * INTO t FROM citytill.terminals WHERE terminal = t.terminal FOR UPDATE;
    IF p_after IS NOT NULL AND t.acked_seq < p_after THEN
        RETURN jsonb_build_object('terminal', t.terminal, 'acked_seq', t.acked_seq, 'last_hash', t.last_hash,
                                  'accepted', 0, 'duplicates', 0, 'rejected', NULL);
    END IF;

    -- The verdict on every entry (only narrow columns: what is stored comes straight from the arrays below);
    -- the first that is neither new nor held identically stops the batch.
    WITH judged AS (
        SELECT v.ord, v.seq, v.kind, v.hash, v.computed, v.stored_hash, CASE
            WHEN NOT v.complete THEN 'malformed'
            WHEN v.ord > 1 AND NOT v.linked THEN 'gap'
            WHEN v.stored_hash IS NOT NULL THEN
                CASE WHEN v.hash = v.stored_hash AND v.computed = v.stored_hash THEN 'duplicate' ELSE 'conflict' END
            WHEN v.seq <> t.acked_seq + 1 AND (v.ord = 1 OR v.seq <= t.acked_seq) THEN 'gap'
            WHEN v.terminal <> t.terminal THEN 'wrong_terminal'
            WHEN v.computed <> v.hash THEN 'hash_mismatch'
            WHEN CASE WHEN v.seq = t.acked_seq + 1 THEN v.prev_hash <> t.last_hash ELSE NOT v.chained END THEN 'chain_broken'
            WHEN v.ord = ANY (v_not_json) THEN 'not_json'
            WHEN NOT v.postings_ok THEN 'unbalanced'
            ELSE 'new' END AS status
          FROM (SELECT u.*,
                       -- Only entries head office may already hold are looked up (an index probe each, never a scan).
                       CASE WHEN u.seq <= t.acked_seq THEN
                           (SELECT st.hash FROM citytill.entries st WHERE st.terminal = t.terminal AND st.seq = u.seq)
                       END AS stored_hash
                  FROM unnest(p_seqs, p_entry_terminals, p_kinds, p_prev_hashes, p_hashes, v_computed, v_postings_ok, v_complete, v_linked, v_chained)
                       WITH ORDINALITY AS u(seq, terminal, kind, prev_hash, hash, computed, postings_ok, complete, linked, chained, ord)
                OFFSET 0) v  -- look each stored hash up once, not once per mention below
    )
    SELECT min(j.ord) FILTER (WHERE j.status NOT IN ('new', 'duplicate')),
           (array_agg(jsonb_build_object('seq', j.seq, 'reason', j.status, 'kind', j.kind, 'sent_hash', j.hash,
                                         'computed_hash', j.computed, 'stored_hash', j.stored_hash,
                                         'expected_seq', CASE WHEN j.ord = 1 THEN t.acked_seq ELSE p_seqs[j.ord::integer - 1] END + 1)
                      ORDER BY j.ord) FILTER (WHERE j.status NOT IN ('new', 'duplicate')))[1],
           array_agg(j.ord) FILTER (WHERE j.status = 'duplicate')
      INTO v_stop, v_bad, v_duplicate_ords
      FROM judged j;

    IF v_stop IS NOT NULL THEN
        -- Every rejection is an alarm, gaps included: a terminal that skips sequence numbers is not behaving.
        INSERT INTO citytill.alarms(terminal, role_name, seq, reason, detail)
        VALUES (t.terminal, session_user, (v_bad->>'seq')::bigint, v_bad->>'reason', v_bad - 'seq' - 'reason');
    END IF;
    SELECT count(*) INTO v_duplicates FROM unnest(v_duplicate_ords) AS d(ord) WHERE v_stop IS NULL OR d.ord < v_stop;
    v_last_ord := COALESCE(v_stop - 1, v_count);

    -- Everything before the stop that head office does not hold yet, straight from the arrays.
    INSERT INTO citytill.entries(terminal, seq, at, business_date, user_name, approver, kind, payload, prev_hash, hash)
    SELECT t.terminal, u.seq, u.at, u.business_date, u.user_name, u.approver, u.kind, u.payload, u.prev_hash, u.hash
      FROM unnest(p_seqs, p_ats, p_business_dates, p_users, p_approvers, p_kinds, p_payloads, p_prev_hashes, p_hashes)
           WITH ORDINALITY AS u(seq, at, business_date, user_name, approver, kind, payload, prev_hash, hash, ord)
     WHERE u.ord <= v_last_ord AND u.seq > t.acked_seq;
    GET DIAGNOSTICS v_inserted = ROW_COUNT;

    IF v_inserted > 0 THEN
        v_max_seq := p_seqs[v_last_ord::integer];
        v_last_hash := p_hashes[v_last_ord::integer];
        IF v_max_seq IS DISTINCT FROM t.acked_seq + v_inserted THEN
            RAISE EXCEPTION 'invariant: % entries stored but sequence moved from % to %', v_inserted, t.acked_seq, v_max_seq;
        END IF;
        INSERT INTO citytill.postings(terminal, seq, line, account, debit_cents, credit_cents)
        SELECT t.terminal, p_seqs[l.ord::integer], l.line, l.account, l.debit_cents, l.credit_cents
          FROM unnest(p_posting_entries, p_posting_lines, p_posting_accounts, p_posting_debits, p_posting_credits)
               AS l(ord, line, account, debit_cents, credit_cents)
         WHERE l.ord BETWEEN 1 AND v_last_ord AND p_seqs[l.ord::integer] > t.acked_seq;
        UPDATE citytill.terminals SET acked_seq = v_max_seq, last_hash = v_last_hash, last_push_at = now()
         WHERE terminal = t.terminal;
        -- Payments and batch postings change published balances, by exactly the local ledger's effects
        -- (skipped when the batch holds none).
        IF p_kinds && citytill.balance_kinds() THEN
        WITH activity AS (
            INSERT INTO citytill.payable_activity(terminal, seq, number, delta_cents)
            SELECT t.terminal, u.seq, d.number, d.delta_cents
              FROM unnest(p_seqs, p_kinds, p_payloads) WITH ORDINALITY AS u(seq, kind, payload, ord),
                   citytill.balance_deltas(u.kind, CASE WHEN u.kind = ANY (citytill.balance_kinds()) THEN u.payload::jsonb END) d
             WHERE u.ord <= v_last_ord AND u.seq > t.acked_seq AND u.kind = ANY (citytill.balance_kinds())
            RETURNING number
        )
        SELECT array_agg(DISTINCT number) INTO v_numbers FROM activity;
        END IF;
        IF v_numbers IS NOT NULL THEN
            -- Terminals re-pull the payables whose published balance this batch changed.
            PERFORM pg_advisory_xact_lock(202862865);
            UPDATE citytill.published_payables SET version = nextval('citytill.ref_version') WHERE number = ANY (v_numbers);
        END IF;
    ELSE
        UPDATE citytill.terminals SET last_push_at = now() WHERE terminal = t.terminal;
    END IF;

    RETURN jsonb_build_object('terminal', t.terminal,
                              'acked_seq', COALESCE(v_max_seq, t.acked_seq),
                              'last_hash', COALESCE(v_last_hash, t.last_hash),
                              'accepted', v_inserted,
                              'duplicates', v_duplicates,
                              'rejected', CASE WHEN v_stop IS NOT NULL
                                               THEN jsonb_build_object('seq', v_bad->'seq', 'reason', v_bad->'reason', 'alarm', true) END);
END $f$;


-- The activity already held was derived by the old rules (applied part only, no fee, no batches): rebuild it
-- from the entries by the new ones, and give every payable whose published balance changes a new version so
-- that terminals pull it (under the publishers' lock, so no pull skips a version).
SELECT pg_advisory_xact_lock(202862865);
CREATE TEMP TABLE balances_before ON COMMIT DROP AS SELECT number, balance_cents FROM citytill.payable_balances;
TRUNCATE citytill.payable_activity;
DO $d$
BEGIN
    INSERT INTO citytill.payable_activity(terminal, seq, number, delta_cents)
    SELECT e.terminal, e.seq, d.number, d.delta_cents
      FROM citytill.entries e, citytill.balance_deltas(e.kind, e.payload::jsonb) d
     WHERE e.kind = ANY (citytill.balance_kinds());
EXCEPTION WHEN OTHERS THEN
    -- A batch posting accepted before this migration whose payload is JSON but not jsonb (a \u0000 in a
    -- reason, say) cannot be parsed as jsonb: take the others one by one, and raise an alarm for each one
    -- left out (its balance changes are missing from what head office publishes).
    INSERT INTO citytill.payable_activity(terminal, seq, number, delta_cents)
    SELECT e.terminal, e.seq, d.number, d.delta_cents
      FROM citytill.entries e, citytill.balance_deltas(e.kind, CASE WHEN citytill.is_json(e.kind, e.payload) THEN e.payload::jsonb END) d
     WHERE e.kind = ANY (citytill.balance_kinds());
    INSERT INTO citytill.alarms(terminal, role_name, seq, reason, detail)
    SELECT e.terminal, t.role_name, e.seq, 'balance_not_derived',
           jsonb_build_object('kind', e.kind, 'problem', 'payload is JSON but not jsonb; its balance changes are not published')
      FROM citytill.entries e JOIN citytill.terminals t USING (terminal)
     WHERE e.kind = ANY (citytill.balance_kinds()) AND NOT citytill.is_json(e.kind, e.payload);
END $d$;
UPDATE citytill.published_payables p SET version = nextval('citytill.ref_version')
  FROM citytill.payable_balances b JOIN balances_before o USING (number)
 WHERE p.number = b.number AND b.balance_cents IS DISTINCT FROM o.balance_cents;

ALTER FUNCTION citytill.balance_kinds() OWNER TO citytill_owner;
ALTER FUNCTION citytill.balance_deltas(text, jsonb) OWNER TO citytill_owner;
REVOKE ALL ON FUNCTION citytill.balance_kinds(), citytill.balance_deltas(text, jsonb) FROM PUBLIC;
"#;
