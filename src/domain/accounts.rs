//! The chart of GL accounts every ledger starts with; fee codes may add revenue accounts of their own.

pub const CASH_IN_DRAWER: &str = "1010";
pub const CHECKS_IN_DRAWER: &str = "1020";
pub const MONEY_ORDERS_IN_DRAWER: &str = "1030";
pub const CARD_CLEARING: &str = "1040";
pub const ACH_CLEARING: &str = "1050";
pub const CHANGE_FUND: &str = "1100";
pub const UNDEPOSITED_FUNDS: &str = "1200";
pub const RECEIVABLE_UTILITY: &str = "1310";
pub const RECEIVABLE_LICENSE: &str = "1320";
pub const RECEIVABLE_CITATION: &str = "1330";
pub const RECEIVABLE_PERMIT: &str = "1340";
pub const RECEIVABLE_INVOICE: &str = "1350";
pub const RECEIVABLE_TAX: &str = "1360";
pub const RETURNED_CHECKS: &str = "1400";
pub const CUSTOMER_CREDIT: &str = "2100";
pub const MISC_REVENUE: &str = "4900";
pub const CASH_OVER_SHORT: &str = "6900";
pub const PAID_OUT_EXPENSE: &str = "6910";
/// Bank accounts deposits go to, and the suspense account remittances wait in until their batch is
/// approved. Added by schema migration 2 (so ledgers created before it get them too), not by `CHART`.
pub const BANK_OPERATING: &str = "1001";
pub const BANK_UTILITY: &str = "1002";
pub const REMITTANCE_SUSPENSE: &str = "2150";
/// Autopay debits released to the bank and not yet settled (migration 11).
pub const ACH_RECEIVABLE: &str = "1060";

/// (code, name, class) of the built-in chart.
pub const CHART: &[(&str, &str, &str)] = &[
    (CASH_IN_DRAWER, "Cash in drawers", "asset"),
    (CHECKS_IN_DRAWER, "Checks in drawers", "asset"),
    (MONEY_ORDERS_IN_DRAWER, "Money orders in drawers", "asset"),
    (CARD_CLEARING, "Card clearing", "asset"),
    (ACH_CLEARING, "ACH clearing", "asset"),
    (CHANGE_FUND, "Change fund", "asset"),
    (UNDEPOSITED_FUNDS, "Undeposited funds (safe)", "asset"),
    (RECEIVABLE_UTILITY, "Receivable - utility accounts", "asset"),
    (RECEIVABLE_LICENSE, "Receivable - business licenses", "asset"),
    (RECEIVABLE_CITATION, "Receivable - parking citations", "asset"),
    (RECEIVABLE_PERMIT, "Receivable - permits", "asset"),
    (RECEIVABLE_INVOICE, "Receivable - miscellaneous invoices", "asset"),
    (RECEIVABLE_TAX, "Receivable - taxes", "asset"),
    (RETURNED_CHECKS, "Returned checks receivable", "asset"),
    (CUSTOMER_CREDIT, "Customer credit balances", "liability"),
    (MISC_REVENUE, "Miscellaneous revenue", "revenue"),
    (CASH_OVER_SHORT, "Cash over/short", "expense"),
    (PAID_OUT_EXPENSE, "Paid-outs", "expense"),
];

/// A GL account code from a fee file: 2–16 letters, digits, '.' or '-'.
pub fn valid_code(code: &str) -> bool {
    (2..=16).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}
