//! Schema migration 4: an entry whose payload head office cannot turn into balance changes (an amount that
//! is not a number, a payable line without its number) is a rejection with an alarm, like any other bad
//! entry, instead of an SQL error that rolled the whole push back and left the terminal retrying it forever
//! with nothing recorded at head office.
//!
//! `citytill.sync_push_rows` (migration 3) becomes `sync_push_rows_unchecked`, reachable only through the
//! new `sync_push_rows`, which calls it unchanged. Only when it fails with a data error does the new function
//! look for the first entry whose balance changes cannot be computed; if there is one, it stores the
//! entries before it (through the same function), records the alarm, and answers with the rejection. Any
//! other error is raised as it was. A push that succeeds costs one subtransaction more.

/// Migration 4 (see `schema::MIGRATIONS`).
pub const MIGRATION: &str = r#"
ALTER FUNCTION citytill.sync_push_rows(text, text[], bigint[], text[], text[], text[], text[], text[], text[], text[], text[], bigint[], bigint[], text[], bigint[], bigint[], bigint)
    RENAME TO sync_push_rows_unchecked;
REVOKE ALL ON FUNCTION citytill.sync_push_rows_unchecked(text, text[], bigint[], text[], text[], text[], text[], text[], text[], text[], text[], bigint[], bigint[], text[], bigint[], bigint[], bigint)
    FROM PUBLIC, citytill_terminal;

-- The position (1-based) of the first entry whose balance changes cannot be computed from its JSON payload:
-- an amount that is not a number, or a payable or amount missing. NULL when there is none. Payloads that
-- are not JSON are left to the push's own `not_json` verdict.
CREATE FUNCTION citytill.first_bad_amount(p_kinds text[], p_payloads text[]) RETURNS bigint
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    v_missing boolean;
BEGIN
    FOR i IN 1 .. COALESCE(cardinality(p_kinds), 0) LOOP
        CONTINUE WHEN NOT (p_kinds[i] = ANY (citytill.balance_kinds())) OR NOT citytill.is_json(p_kinds[i], p_payloads[i]);
        BEGIN
            SELECT bool_or(d.number IS NULL OR d.delta_cents IS NULL) INTO v_missing
              FROM citytill.balance_deltas(p_kinds[i], p_payloads[i]::jsonb) d;
        EXCEPTION WHEN OTHERS THEN
            RETURN i;
        END;
        IF v_missing THEN
            RETURN i;
        END IF;
    END LOOP;
    RETURN NULL;
END $f$;

CREATE FUNCTION citytill.sync_push_rows(
    p_terminal text,
    p_entry_terminals text[], p_seqs bigint[], p_ats text[], p_business_dates text[], p_users text[], p_approvers text[],
    p_kinds text[], p_payloads text[], p_prev_hashes text[], p_hashes text[],
    p_posting_entries bigint[], p_posting_lines bigint[], p_posting_accounts text[], p_posting_debits bigint[], p_posting_credits bigint[],
    p_after bigint)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off AS $f$
DECLARE
    v_state text;
    v_message text;
    v_bad bigint;
    v_keep integer;
    v_reply jsonb;
    p record;
BEGIN
    BEGIN
        RETURN citytill.sync_push_rows_unchecked(p_terminal, p_entry_terminals, p_seqs, p_ats, p_business_dates, p_users, p_approvers,
                                                 p_kinds, p_payloads, p_prev_hashes, p_hashes, p_posting_entries, p_posting_lines,
                                                 p_posting_accounts, p_posting_debits, p_posting_credits, p_after);
    EXCEPTION WHEN data_exception OR not_null_violation THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
    END;
    v_bad := citytill.first_bad_amount(p_kinds, p_payloads);
    IF v_bad IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = v_state, MESSAGE = v_message;
    END IF;
    -- The entries before the bad one, judged and stored as any push (their own verdicts stand).
    v_keep := (v_bad - 1)::integer;
    SELECT COALESCE(array_agg(l.entry ORDER BY l.n), '{}') AS entries, COALESCE(array_agg(l.line ORDER BY l.n), '{}') AS lines,
           COALESCE(array_agg(l.account ORDER BY l.n), '{}') AS accounts, COALESCE(array_agg(l.debit ORDER BY l.n), '{}') AS debits,
           COALESCE(array_agg(l.credit ORDER BY l.n), '{}') AS credits
      INTO p
      FROM unnest(p_posting_entries, p_posting_lines, p_posting_accounts, p_posting_debits, p_posting_credits)
           WITH ORDINALITY AS l(entry, line, account, debit, credit, n)
     WHERE l.entry < v_bad;
    v_reply := citytill.sync_push_rows_unchecked(p_terminal, p_entry_terminals[1:v_keep], p_seqs[1:v_keep], p_ats[1:v_keep],
                                                 p_business_dates[1:v_keep], p_users[1:v_keep], p_approvers[1:v_keep], p_kinds[1:v_keep],
                                                 p_payloads[1:v_keep], p_prev_hashes[1:v_keep], p_hashes[1:v_keep],
                                                 p.entries, p.lines, p.accounts, p.debits, p.credits, p_after);
    -- The bad entry is the verdict only if head office now holds everything before it; otherwise the earlier
    -- verdict (or a wait for the batch before) is the answer, and the terminal sends it again later.
    IF jsonb_typeof(v_reply->'rejected') = 'object' OR (v_reply->>'acked_seq')::bigint IS DISTINCT FROM p_seqs[v_bad] - 1 THEN
        RETURN v_reply;
    END IF;
    INSERT INTO citytill.alarms(terminal, role_name, seq, reason, detail)
    VALUES (v_reply->>'terminal', session_user, p_seqs[v_bad], 'bad_amount', jsonb_build_object('kind', p_kinds[v_bad], 'error', v_message));
    RETURN v_reply || jsonb_build_object('rejected', jsonb_build_object('seq', p_seqs[v_bad], 'reason', 'bad_amount', 'alarm', true));
END $f$;

ALTER FUNCTION citytill.first_bad_amount(text[], text[]) OWNER TO citytill_owner;
ALTER FUNCTION citytill.sync_push_rows(text, text[], bigint[], text[], text[], text[], text[], text[], text[], text[], text[], bigint[], bigint[], text[], bigint[], bigint[], bigint) OWNER TO citytill_owner;
REVOKE ALL ON FUNCTION citytill.first_bad_amount(text[], text[]),
    citytill.sync_push_rows(text, text[], bigint[], text[], text[], text[], text[], text[], text[], text[], text[], bigint[], bigint[], text[], bigint[], bigint[], bigint)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citytill.sync_push_rows(text, text[], bigint[], text[], text[], text[], text[], text[], text[], text[], text[], bigint[], bigint[], text[], bigint[], bigint[], bigint) TO citytill_terminal;
"#;
