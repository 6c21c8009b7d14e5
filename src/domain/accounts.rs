//! The chart of GL accounts every ledger starts with (code, name, kind: `CHART`, the one source of them);
//! fee schedules may add revenue accounts of their own (`fee_account_name`).

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
/// approved (the ledger's migration 2 added their rows, so ledgers created before it have them too).
pub const BANK_OPERATING: &str = "1001";
pub const BANK_UTILITY: &str = "1002";
pub const REMITTANCE_SUSPENSE: &str = "2150";
/// Autopay debits released to the bank and not yet settled (the ledger's migration 9).
pub const ACH_RECEIVABLE: &str = "1060";
/// Card and ACH convenience fees (`[convenience_fee]`; the ledger's migration 11).
pub const CONVENIENCE_FEE_REVENUE: &str = "4920";

/// What an account is, in the one word the ledger's `accounts.class` column stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    Asset,
    Liability,
    Revenue,
    Expense,
}

impl AccountKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            AccountKind::Asset => "asset",
            AccountKind::Liability => "liability",
            AccountKind::Revenue => "revenue",
            AccountKind::Expense => "expense",
        }
    }
}

/// One account of the built-in chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Account {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: AccountKind,
}

const fn account(code: &'static str, name: &'static str, kind: AccountKind) -> Account {
    Account { code, name, kind }
}

/// The built-in chart, every account of it: the one source of its codes, names and kinds. A new ledger gets
/// these rows; the ledger's migrations that added some of them to older ledgers keep their historic SQL,
/// which `ledger::schema`'s test proves says the same (code, name, kind) for every code; head office names
/// the accounts of its GL from here.
pub const CHART: &[Account] = &[
    account(BANK_OPERATING, "Bank - operating account", AccountKind::Asset),
    account(BANK_UTILITY, "Bank - utility fund account", AccountKind::Asset),
    account(CASH_IN_DRAWER, "Cash in drawers", AccountKind::Asset),
    account(CHECKS_IN_DRAWER, "Checks in drawers", AccountKind::Asset),
    account(MONEY_ORDERS_IN_DRAWER, "Money orders in drawers", AccountKind::Asset),
    account(CARD_CLEARING, "Card clearing", AccountKind::Asset),
    account(ACH_CLEARING, "ACH clearing", AccountKind::Asset),
    account(ACH_RECEIVABLE, "ACH debits receivable (autopay, unsettled)", AccountKind::Asset),
    account(CHANGE_FUND, "Change fund", AccountKind::Asset),
    account(UNDEPOSITED_FUNDS, "Undeposited funds (safe)", AccountKind::Asset),
    account(RECEIVABLE_UTILITY, "Receivable - utility accounts", AccountKind::Asset),
    account(RECEIVABLE_LICENSE, "Receivable - business licenses", AccountKind::Asset),
    account(RECEIVABLE_CITATION, "Receivable - parking citations", AccountKind::Asset),
    account(RECEIVABLE_PERMIT, "Receivable - permits", AccountKind::Asset),
    account(RECEIVABLE_INVOICE, "Receivable - miscellaneous invoices", AccountKind::Asset),
    account(RECEIVABLE_TAX, "Receivable - taxes", AccountKind::Asset),
    account(RETURNED_CHECKS, "Returned checks receivable", AccountKind::Asset),
    account(CUSTOMER_CREDIT, "Customer credit balances", AccountKind::Liability),
    account(REMITTANCE_SUSPENSE, "Unapplied remittances (batch suspense)", AccountKind::Liability),
    account(MISC_REVENUE, "Miscellaneous revenue", AccountKind::Revenue),
    account(CONVENIENCE_FEE_REVENUE, "Convenience fee revenue", AccountKind::Revenue),
    account(CASH_OVER_SHORT, "Cash over/short", AccountKind::Expense),
    account(PAID_OUT_EXPENSE, "Paid-outs", AccountKind::Expense),
];

/// The account of the built-in chart with this code.
pub fn chart_account(code: &str) -> Option<&'static Account> {
    CHART.iter().find(|a| a.code == code)
}

/// The kind of an account a fee schedule adds (a fee's GL account outside the chart).
pub const FEE_ACCOUNT_KIND: AccountKind = AccountKind::Revenue;

/// The name a ledger gives an account a fee schedule adds: "Revenue CODE".
pub fn fee_account_name(code: &str) -> String {
    format!("Revenue {code}")
}

/// The name of any account a posting can name: the chart's, else (an account only a fee schedule adds) the
/// fee account's — as the ledger's `accounts` table names it.
pub fn name(code: &str) -> String {
    chart_account(code).map_or_else(|| fee_account_name(code), |a| a.name.to_string())
}

/// A GL account code from a fee file: 2–16 letters, digits, '.' or '-'.
pub fn valid_code(code: &str) -> bool {
    (2..=16).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}
