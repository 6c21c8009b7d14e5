//! The supervisor's live overview of the day's drawers: who holds each, its state, how many receipts took
//! cash, whether a drop is due — and the expected cash only for someone it may be shown to (the blind close).

use rusqlite::Connection;

use crate::domain::states::DrawerState;
use crate::error::Result;
use crate::money::Money;
use crate::ops::auth::Actor;

/// One drawer of the business date as the overview shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DrawerLine {
    pub id: i64,
    pub cashier: String,
    /// Open, counted (count recorded, awaiting the close's approval) or closed.
    pub state: DrawerState,
    /// Receipts on the drawer that took cash (voided ones included: each was a customer at the till).
    pub cash_receipts: i64,
    /// The cash the drawer should hold is above `limits.drawer_cash_limit`: a drop to the safe is due.
    pub drop_due: bool,
    /// What the drawer should hold in cash — None unless `may_see_expected` allows it.
    pub expected_cash: Option<Money>,
}

/// The blind close rule for the overview: only a supervisor or admin sees expected cash, and never for their
/// own drawer before its count is recorded.
pub fn may_see_expected(actor: &Actor, cashier: &str, state: DrawerState) -> bool {
    actor.role.can_approve() && !(actor.name == cashier && state == DrawerState::Open)
}

/// Every drawer of `business_date` (oldest first), read from the drawer projections by index: `drawers_date`
/// for the drawers, `drawer_totals` by key for the cash, `receipts_drawer` for the receipts and each
/// receipt's payment entry by `seq` — nothing scans the journal.
pub fn drawers_of_day(conn: &Connection, actor: &Actor, business_date: &str, drop_limit: Money) -> Result<Vec<DrawerLine>> {
    let mut statement = conn.prepare_cached(
        "SELECT d.id, d.cashier, d.state,
                COALESCE((SELECT t.amount_cents FROM drawer_totals t WHERE t.drawer_id = d.id AND t.tender = 'cash'), 0),
                (SELECT COUNT(*) FROM receipts r JOIN journal j ON j.seq = r.seq
                  WHERE r.drawer_id = d.id
                    AND EXISTS (SELECT 1 FROM json_each(j.payload, '$.tenders') t WHERE json_extract(t.value, '$.kind') = 'cash'))
         FROM drawers d WHERE d.business_date = ?1 ORDER BY d.id",
    )?;
    let rows = statement.query_map([business_date], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, DrawerState>(2)?, r.get::<_, Money>(3)?, r.get::<_, i64>(4)?)))?;
    let mut lines = Vec::new();
    for row in rows {
        let (id, cashier, state, cash, cash_receipts) = row?;
        let drop_due = state == DrawerState::Open && cash > drop_limit;
        let expected_cash = may_see_expected(actor, &cashier, state).then_some(cash);
        lines.push(DrawerLine { id, cashier, state, cash_receipts, drop_due, expected_cash });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::may_see_expected;
    use crate::domain::ids::Role;
    use crate::domain::states::DrawerState;
    use crate::ops::auth::Actor;

    // Proves the overview's blind rule: a cashier or lead never sees expected cash; a supervisor or admin sees it
    // for another cashier's drawer in any state, and for their own only once its count is recorded.
    #[test]
    fn only_a_supervisor_sees_expected_and_never_their_own_open_drawer() {
        let actor = |name: &str, role| Actor { name: name.into(), role };
        for role in [Role::Cashier, Role::Lead] {
            for state in DrawerState::ALL.iter().copied() {
                assert!(!may_see_expected(&actor("ana", role), "bob", state), "{role:?} sees {state} expected cash");
                assert!(!may_see_expected(&actor("ana", role), "ana", state), "{role:?} sees their own {state} expected cash");
            }
        }
        for role in [Role::Supervisor, Role::Admin] {
            assert!(may_see_expected(&actor("sam", role), "ana", DrawerState::Open));
            assert!(!may_see_expected(&actor("sam", role), "sam", DrawerState::Open), "{role:?} sees their own open drawer's expected cash");
            assert!(may_see_expected(&actor("sam", role), "sam", DrawerState::Counted));
        }
    }
}
