//! Head-office schema migration (autopay): the balance changes of settled and returned autopay debits, by
//! the same rules as `domain::effects` (a settled debit's payable line down; a return's allocations back up
//! and its fee, up, on the account it is charged to), so the balances head office publishes keep following
//! the terminals' ledgers. Replaces `balance_kinds` and `balance_deltas` of migration 3 in place (same
//! signatures, owner and grants); the earlier kinds' rules are unchanged.

/// The autopay migration (see `schema::MIGRATIONS`).
pub const MIGRATION: &str = r#"
CREATE OR REPLACE FUNCTION citytill.balance_kinds() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT ARRAY['payment_taken', 'payment_voided', 'payment_refunded', 'check_returned', 'batch_approved', 'batch_reopened',
                 'autopay_settled', 'autopay_returned']
$f$;

CREATE OR REPLACE FUNCTION citytill.balance_deltas(p_kind text, p_payload jsonb) RETURNS TABLE (number text, delta_cents bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT l.line->'target'->>'number',
           CASE WHEN p_kind IN ('payment_taken', 'batch_approved', 'autopay_settled') THEN -1 ELSE 1 END
           * (round((l.line->>'applied')::numeric * 100)::bigint + round(COALESCE(l.line->>'credit', '0')::numeric * 100)::bigint)
      FROM (SELECT e AS line FROM jsonb_array_elements(p_payload->'lines') e
             WHERE p_kind IN ('payment_taken', 'payment_voided')
            UNION ALL
            SELECT e->'line' FROM jsonb_array_elements(p_payload->'posted') e
             WHERE p_kind IN ('batch_approved', 'autopay_settled')
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
    UNION ALL
    SELECT a->>'payable', round((a->>'amount')::numeric * 100)::bigint
      FROM jsonb_array_elements(CASE WHEN p_kind = 'autopay_returned' THEN p_payload->'returns' ELSE '[]'::jsonb END) r,
           jsonb_array_elements(r->'allocations') a
     WHERE a->>'payable' IS NOT NULL
    UNION ALL
    SELECT r->>'fee_charged_to', round((r->>'fee_amount')::numeric * 100)::bigint
      FROM jsonb_array_elements(CASE WHEN p_kind = 'autopay_returned' THEN p_payload->'returns' ELSE '[]'::jsonb END) r
     WHERE r->>'fee_charged_to' IS NOT NULL
$f$;
"#;
