//! Schema migration 5: head office as the terminals' witness. Every disagreement between a terminal and
//! what head office holds is an alarm recorded by head office itself, and an alarm stays open — `hq verify`
//! fails — until an administrator resolves it with a reason (`hq alarms resolve`, kept append-only).
//!
//! `citytill.sync_check(terminal, acked_seq, last_seq, hash)`: each sync round, after `sync_state`, the
//! terminal says which terminal its ledger is, how many entries it holds and its hash at
//! min(head office's acknowledged sequence, its own last); head office compares with its copy and records
//! `terminal_behind` (it holds fewer entries than head office acknowledged: an old backup restored, a WAL
//! lost), `terminal_differs` (its entry differs from head office's: the file was rewritten) or
//! `wrong_terminal` (the ledger of another terminal behind this role). The same open alarm is not
//! recorded twice, so a terminal retrying every few seconds does not flood the table.

/// Migration 5 (see `schema::MIGRATIONS`).
pub const MIGRATION: &str = r#"
-- An alarm is open until a row here names it. Append-only like the alarms: who resolved what, when and why.
CREATE TABLE citytill.alarm_resolutions (
    alarm_id bigint PRIMARY KEY REFERENCES citytill.alarms(id),
    resolved_at timestamptz NOT NULL DEFAULT now(),
    resolved_by name NOT NULL DEFAULT session_user,
    reason text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500)
);
CREATE TRIGGER alarm_resolutions_append_only BEFORE UPDATE OR DELETE ON citytill.alarm_resolutions FOR EACH ROW EXECUTE FUNCTION citytill.refuse_change();
CREATE TRIGGER alarm_resolutions_no_truncate BEFORE TRUNCATE ON citytill.alarm_resolutions FOR EACH STATEMENT EXECUTE FUNCTION citytill.refuse_change();
CREATE TRIGGER alarms_no_truncate BEFORE TRUNCATE ON citytill.alarms FOR EACH STATEMENT EXECUTE FUNCTION citytill.refuse_change();
REVOKE ALL ON citytill.alarm_resolutions FROM PUBLIC;
GRANT SELECT ON citytill.alarm_resolutions TO citytill_owner;

CREATE FUNCTION citytill.sync_check(p_terminal text, p_acked_seq bigint, p_last_seq bigint, p_hash text) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $f$
DECLARE
    t citytill.terminals%ROWTYPE;
    v_at bigint;
    v_stored text;
    v_reason text;
    v_seq bigint;
    v_detail jsonb;
    v_new boolean := false;
BEGIN
    SELECT * INTO t FROM citytill.terminals WHERE role_name = session_user FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not a registered terminal', session_user USING ERRCODE = '42501';
    END IF;
    IF p_acked_seq IS NULL OR p_last_seq IS NULL OR p_acked_seq < 0 OR p_last_seq < 0 THEN
        RAISE EXCEPTION 'sync_check: acked_seq and last_seq must be given, 0 or more' USING ERRCODE = '22023';
    END IF;
    -- Compared only up to what head office told this round it holds (a concurrent round of the same
    -- terminal may have pushed more since; that is not a disagreement).
    v_at := LEAST(p_acked_seq, p_last_seq, t.acked_seq);
    IF v_at > 0 THEN
        SELECT st.hash INTO v_stored FROM citytill.entries st WHERE st.terminal = t.terminal AND st.seq = v_at;
    ELSE
        v_stored := repeat('0', 64);
    END IF;
    v_detail := jsonb_build_object('terminal_sent', p_terminal, 'terminal_last_seq', p_last_seq, 'hq_acked_seq', t.acked_seq,
                                   'compared_seq', v_at, 'terminal_hash', p_hash, 'stored_hash', v_stored);
    IF p_terminal IS DISTINCT FROM t.terminal THEN
        v_reason := 'wrong_terminal';
        v_seq := NULL;
    ELSIF v_stored IS NOT NULL AND p_hash IS DISTINCT FROM v_stored THEN
        v_reason := 'terminal_differs';
        v_seq := v_at;
    ELSIF p_last_seq < LEAST(p_acked_seq, t.acked_seq) THEN
        v_reason := 'terminal_behind';
        v_seq := p_last_seq + 1;
    END IF;
    IF v_reason IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM citytill.alarms a
         WHERE a.terminal = t.terminal AND a.reason = v_reason AND a.seq IS NOT DISTINCT FROM v_seq
           AND NOT EXISTS (SELECT 1 FROM citytill.alarm_resolutions r WHERE r.alarm_id = a.id)) THEN
        INSERT INTO citytill.alarms(terminal, role_name, seq, reason, detail) VALUES (t.terminal, session_user, v_seq, v_reason, v_detail);
        v_new := true;
    END IF;
    RETURN jsonb_build_object('terminal', t.terminal, 'acked_seq', t.acked_seq, 'ok', v_reason IS NULL, 'reason', v_reason, 'alarm', v_new);
END $f$;
ALTER FUNCTION citytill.sync_check(text, bigint, bigint, text) OWNER TO citytill_owner;
REVOKE ALL ON FUNCTION citytill.sync_check(text, bigint, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION citytill.sync_check(text, bigint, bigint, text) TO citytill_terminal;
"#;
