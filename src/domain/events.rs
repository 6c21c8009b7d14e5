//! Business events: the payload of every journal entry. Each carries everything needed to derive its
//! postings and its effect on the projections, so both can be recomputed from the journal alone.

use crate::domain::denominations::DenominationCount;
use crate::domain::ids::Role;
use crate::domain::payable::{FeeRow, PayableKind, PayableRow};
use crate::domain::tender::{Tender, TenderKind};
use crate::money::Money;

/// What one payment line pays: a payable (by number and kind) or a fee code (with its GL account).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LineTarget {
    Payable { number: String, kind: PayableKind },
    Fee { code: String, description: String, gl_account: String },
}

/// One line of a payment. `applied` reduces the payable's balance; `credit` is overpayment held as customer credit.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct PaymentLine {
    pub target: LineTarget,
    pub applied: Money,
    pub credit: Money,
}

impl PaymentLine {
    pub fn amount(&self) -> Money {
        Money::from_cents(self.applied.cents() + self.credit.cents())
    }

    /// The GL account credited for the applied part.
    pub fn account(&self) -> &str {
        match &self.target {
            LineTarget::Payable { kind, .. } => kind.receivable_account(),
            LineTarget::Fee { gl_account, .. } => gl_account,
        }
    }

    pub fn payable_number(&self) -> Option<&str> {
        match &self.target {
            LineTarget::Payable { number, .. } => Some(number),
            LineTarget::Fee { .. } => None,
        }
    }
}

/// A part of a reversal (refund or returned check): which account is debited again, and which payable's balance comes back.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct Allocation {
    pub account: String,
    pub payable: Option<String>,
    pub amount: Money,
}

/// An amount per tender kind (expected, counted, over/short at close).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct TenderAmount {
    pub tender: TenderKind,
    pub amount: Money,
}

/// Every kind of business event CityTill records.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    TerminalInitialized { terminal: String, training: bool },
    UserAdded { name: String, role: Role },
    UserDeactivated { name: String },
    LoginSucceeded { name: String },
    LoginFailed { name: String, attempts: i64 },
    /// Someone tried to approve an action they may not approve (their own, or without the role).
    ApprovalRefused { user: String, approver: String, action: String, reason: String },
    UserLockedOut { name: String, until: String },
    PayablesImported { source: String, part: i64, rows: Vec<PayableRow> },
    FeesImported { source: String, rows: Vec<FeeRow> },
    DrawerOpened { drawer_id: i64, cashier: String, float: Money, count: Vec<DenominationCount> },
    PaymentTaken {
        receipt: String,
        number: i64,
        drawer_id: i64,
        cashier: String,
        lines: Vec<PaymentLine>,
        tenders: Vec<Tender>,
        change: Money,
    },
    PaymentVoided {
        receipt: String,
        reason: String,
        drawer_id: i64,
        lines: Vec<PaymentLine>,
        tenders: Vec<Tender>,
        change: Money,
    },
    PaymentRefunded { receipt: String, reason: String, drawer_id: i64, amount: Money, allocations: Vec<Allocation> },
    CheckReturned {
        receipt: String,
        check_amount: Money,
        allocations: Vec<Allocation>,
        fee_code: String,
        fee_amount: Money,
        fee_gl_account: String,
        fee_charged_to: Option<String>,
        fee_receivable_account: String,
    },
    ReceiptReprinted { receipt: String },
    CashDropped { drawer_id: i64, amount: Money },
    PaidIn { drawer_id: i64, amount: Money, reason: String },
    PaidOut { drawer_id: i64, amount: Money, reason: String },
    NoSale { drawer_id: i64, reason: String },
    /// The blind count, recorded before the expected amounts are shown.
    DrawerCounted { drawer_id: i64, cashier: String, cash_count: Vec<DenominationCount>, counted: Vec<TenderAmount> },
    DrawerClosed {
        drawer_id: i64,
        cashier: String,
        cash_count: Vec<DenominationCount>,
        counted: Vec<TenderAmount>,
        expected: Vec<TenderAmount>,
        over_short: Vec<TenderAmount>,
        float_kept: Money,
        reason: Option<String>,
    },
}

impl Event {
    /// The journal's `kind` column: the serde tag.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::TerminalInitialized { .. } => "terminal_initialized",
            Event::UserAdded { .. } => "user_added",
            Event::UserDeactivated { .. } => "user_deactivated",
            Event::LoginSucceeded { .. } => "login_succeeded",
            Event::LoginFailed { .. } => "login_failed",
            Event::ApprovalRefused { .. } => "approval_refused",
            Event::UserLockedOut { .. } => "user_locked_out",
            Event::PayablesImported { .. } => "payables_imported",
            Event::FeesImported { .. } => "fees_imported",
            Event::DrawerOpened { .. } => "drawer_opened",
            Event::PaymentTaken { .. } => "payment_taken",
            Event::PaymentVoided { .. } => "payment_voided",
            Event::PaymentRefunded { .. } => "payment_refunded",
            Event::CheckReturned { .. } => "check_returned",
            Event::ReceiptReprinted { .. } => "receipt_reprinted",
            Event::CashDropped { .. } => "cash_dropped",
            Event::PaidIn { .. } => "paid_in",
            Event::PaidOut { .. } => "paid_out",
            Event::NoSale { .. } => "no_sale",
            Event::DrawerCounted { .. } => "drawer_counted",
            Event::DrawerClosed { .. } => "drawer_closed",
        }
    }
}
