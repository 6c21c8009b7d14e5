//! The effect of each event on the projections (balances, drawers, receipts, users): a pure function,
//! executed as SQL by the ledger and folded in memory by `verify` to prove the projections.

use crate::domain::events::{counter_batch, BatchItem, BatchKind, Event, PostedItem};
use crate::domain::ids::Role;
use crate::domain::payable::{FeeRow, PayableRow};
use crate::domain::states::{BatchItemState, BatchState, ReceiptStatus};
use crate::domain::tender::TenderKind;
use crate::money::Money;

/// One change to a projection table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Effect<'a> {
    UpsertPayable(&'a PayableRow),
    /// A row of a chunked import, kept out of sight until the import commits.
    StagePayable {
        import: i64,
        row: &'a PayableRow,
    },
    /// Every row staged for `import` becomes visible, as `UpsertPayable`s in staging order.
    CommitImport {
        import: i64,
    },
    PayableBalance {
        number: &'a str,
        delta: Money,
    },
    UpsertFee(&'a FeeRow),
    UpsertUser {
        name: &'a str,
        role: Role,
    },
    DeactivateUser {
        name: &'a str,
    },
    /// The commitment (SHA-256 of the stored PIN hash) a user's row must carry.
    SetPinCommit {
        name: &'a str,
        commit: &'a str,
    },
    OpenDrawer {
        drawer_id: i64,
        cashier: &'a str,
        float: Money,
    },
    DrawerTotal {
        drawer_id: i64,
        tender: TenderKind,
        delta: Money,
    },
    CountDrawer {
        drawer_id: i64,
    },
    CloseDrawer {
        drawer_id: i64,
    },
    IssueReceipt {
        number: i64,
        receipt: &'a str,
        drawer_id: i64,
        cashier: &'a str,
        total: Money,
    },
    /// A payable paid on a receipt (by the receipt's number).
    ReceiptPayable {
        receipt: i64,
        payable: &'a str,
        amount: Money,
    },
    ReceiptStatus {
        receipt: &'a str,
        status: ReceiptStatus,
    },
    ReceiptRefunded {
        receipt: &'a str,
        amount: Money,
    },
    ReceiptReprinted {
        receipt: &'a str,
    },
    OpenBatch {
        batch: String,
        kind: BatchKind,
        drawer_id: Option<i64>,
        preparer: &'a str,
        control_total: Money,
        control_items: i64,
    },
    /// A batch's state, with the approver (approved/rejected) and the reason (rejected/reopened) it came with.
    BatchState {
        batch: String,
        state: BatchState,
        approver: Option<&'a str>,
        reason: Option<&'a str>,
    },
    AddBatchItem {
        batch: &'a str,
        item: &'a BatchItem,
    },
    BatchItemState {
        batch: &'a str,
        item: i64,
        state: BatchItemState,
    },
    RecordDeposit {
        deposit: &'a str,
        total: Money,
        batches: i64,
    },
    BatchDeposited {
        batch: &'a str,
        deposit: &'a str,
    },
    /// Sets `meta.closed_through`: later entries get the next business date.
    CloseDay {
        date: &'a str,
    },
    ExportPayment {
        reference: &'a str,
    },
    /// Files the entry under what it is about (`entry_refs`: a receipt's refunds and returned check, a
    /// drawer's open, counts, drops and close, a batch's approvals), so reading them back costs the same
    /// however long the journal is.
    EntryRef {
        kind: &'static str,
        subject: String,
    },
}

/// The projection changes an event makes, in order.
pub fn effects(event: &Event) -> Vec<Effect<'_>> {
    match event {
        Event::UserAdded { name, role } => vec![Effect::UpsertUser { name, role: *role }],
        Event::UserDeactivated { name } => vec![Effect::DeactivateUser { name }],
        Event::PinSet { name, commit } => vec![Effect::SetPinCommit { name, commit }],
        Event::PayablesImported { rows, .. } => rows.iter().map(Effect::UpsertPayable).collect(),
        Event::PayablesStaged { import, rows, .. } => rows.iter().map(|row| Effect::StagePayable { import: *import, row }).collect(),
        Event::PayablesImportCommitted { import, .. } => vec![Effect::CommitImport { import: *import }],
        Event::FeesImported { rows, .. } => rows.iter().map(Effect::UpsertFee).collect(),
        Event::DrawerOpened { drawer_id, cashier, float, .. } => vec![
            entry_ref(event, drawer_id.to_string()),
            Effect::OpenDrawer { drawer_id: *drawer_id, cashier, float: *float },
            Effect::DrawerTotal { drawer_id: *drawer_id, tender: TenderKind::Cash, delta: *float },
            Effect::OpenBatch { batch: counter_batch(*drawer_id), kind: BatchKind::Counter, drawer_id: Some(*drawer_id), preparer: cashier, control_total: Money::ZERO, control_items: 0 },
        ],
        Event::PaymentTaken { receipt, number, drawer_id, cashier, lines, tenders, change } => {
            let total = Money::from_cents(lines.iter().map(|l| l.amount().cents()).sum());
            // Sized once: verify folds this for every payment.
            let mut out = Vec::with_capacity(2 + 2 * lines.len() + tenders.len());
            out.push(Effect::IssueReceipt { number: *number, receipt, drawer_id: *drawer_id, cashier, total });
            payment_effects(&mut out, *drawer_id, lines, tenders, *change, 1);
            for line in lines {
                if let Some(payable) = line.payable_number() {
                    out.push(Effect::ReceiptPayable { receipt: *number, payable, amount: line.amount() });
                }
            }
            out
        }
        Event::PaymentVoided { receipt, drawer_id, lines, tenders, change, .. } => {
            let mut out = vec![Effect::ReceiptStatus { receipt, status: ReceiptStatus::Voided }];
            payment_effects(&mut out, *drawer_id, lines, tenders, *change, -1);
            out
        }
        Event::PaymentRefunded { receipt, drawer_id, amount, allocations, .. } => {
            let mut out = vec![
                entry_ref(event, receipt.clone()),
                Effect::ReceiptRefunded { receipt, amount: *amount },
                Effect::DrawerTotal { drawer_id: *drawer_id, tender: TenderKind::Cash, delta: amount.neg() },
            ];
            out.extend(allocations.iter().filter_map(|a| Some(Effect::PayableBalance { number: a.payable.as_deref()?, delta: a.amount })));
            out
        }
        Event::CheckReturned { receipt, allocations, fee_amount, fee_charged_to, .. } => {
            let mut out = vec![entry_ref(event, receipt.clone()), Effect::ReceiptStatus { receipt, status: ReceiptStatus::ReturnedCheck }];
            out.extend(allocations.iter().filter_map(|a| Some(Effect::PayableBalance { number: a.payable.as_deref()?, delta: a.amount })));
            if let Some(number) = fee_charged_to {
                out.push(Effect::PayableBalance { number, delta: *fee_amount });
            }
            out
        }
        Event::ReceiptReprinted { receipt } => vec![Effect::ReceiptReprinted { receipt }],
        Event::CashDropped { drawer_id, amount } => vec![entry_ref(event, drawer_id.to_string()), Effect::DrawerTotal { drawer_id: *drawer_id, tender: TenderKind::Cash, delta: amount.neg() }],
        Event::PaidOut { drawer_id, amount, .. } => vec![Effect::DrawerTotal { drawer_id: *drawer_id, tender: TenderKind::Cash, delta: amount.neg() }],
        Event::PaidIn { drawer_id, amount, .. } => vec![Effect::DrawerTotal { drawer_id: *drawer_id, tender: TenderKind::Cash, delta: *amount }],
        Event::DrawerCounted { drawer_id, .. } => vec![entry_ref(event, drawer_id.to_string()), Effect::CountDrawer { drawer_id: *drawer_id }],
        Event::DrawerClosed { drawer_id, .. } => vec![
            entry_ref(event, drawer_id.to_string()),
            Effect::CloseDrawer { drawer_id: *drawer_id },
            Effect::BatchState { batch: counter_batch(*drawer_id), state: BatchState::Balanced, approver: None, reason: None },
        ],
        Event::BatchOpened { batch, batch_kind, preparer, control_total, control_items } => {
            vec![Effect::OpenBatch { batch: batch.clone(), kind: *batch_kind, drawer_id: None, preparer, control_total: *control_total, control_items: *control_items }]
        }
        Event::BatchItemAdded { batch, item } => vec![Effect::AddBatchItem { batch, item }],
        Event::BatchItemRemoved { batch, item, .. } => vec![Effect::BatchItemState { batch, item: item.item, state: BatchItemState::Removed }],
        Event::BatchBalanced { batch, .. } => vec![Effect::BatchState { batch: batch.clone(), state: BatchState::Balanced, approver: None, reason: None }],
        Event::BatchApproved { batch, approver, posted } => {
            let mut out = vec![entry_ref(event, batch.clone()), Effect::BatchState { batch: batch.clone(), state: BatchState::Approved, approver: Some(approver), reason: None }];
            out.extend(posted_effects(batch, posted, BatchItemState::Posted, -1));
            out
        }
        Event::BatchRejected { batch, approver, reason } => {
            vec![Effect::BatchState { batch: batch.clone(), state: BatchState::Rejected, approver: Some(approver), reason: Some(reason) }]
        }
        Event::BatchReopened { batch, reason, reversed } => {
            let mut out = vec![Effect::BatchState { batch: batch.clone(), state: BatchState::Open, approver: None, reason: Some(reason) }];
            out.extend(posted_effects(batch, reversed, BatchItemState::Held, 1));
            out
        }
        Event::DepositCreated { deposit, batches, slip } => {
            let total = Money::from_cents(slip.lines.iter().map(|l| l.amount.cents()).sum());
            let mut out = vec![Effect::RecordDeposit { deposit, total, batches: batches.len() as i64 }];
            out.extend(batches.iter().map(|batch| Effect::BatchDeposited { batch, deposit }));
            out
        }
        Event::DayClosed { date, .. } => vec![Effect::CloseDay { date }],
        Event::LockboxImported { batch, sha256, .. } => {
            vec![entry_ref(event, batch.clone()), entry_ref(event, format!("sha256:{sha256}"))]
        }
        Event::LockboxExceptionResolved { batch, exception, .. } => vec![entry_ref(event, lockbox_exception_ref(batch, *exception))],
        Event::BankStatementImported { sha256, credits, .. } => {
            let mut out = vec![entry_ref(event, format!("sha256:{sha256}"))];
            let mut dates: Vec<&str> = credits.iter().map(|c| c.date.as_str()).collect();
            dates.sort_unstable();
            dates.dedup();
            out.extend(dates.into_iter().map(|date| entry_ref(event, format!("date:{date}"))));
            out
        }
        Event::PaymentsExported { references, .. } => references.iter().map(|reference| Effect::ExportPayment { reference }).collect(),
        // Autopay's state is folded from its own entries (`ops::autopay`), found through `entry_refs`.
        Event::AutopayEnrolled { enrolment, .. } | Event::AutopayCancelled { enrolment, .. } => vec![entry_ref(event, enrolment.clone())],
        Event::AutopayRunPrepared { run, .. } | Event::AutopayRunApproved { run, .. } | Event::AutopayRunRejected { run, .. } => vec![entry_ref(event, run.clone())],
        Event::AutopaySettled { run, posted, .. } => {
            let mut out = vec![entry_ref(event, run.clone())];
            out.extend(posted.iter().filter_map(|p| Some(Effect::PayableBalance { number: p.line.payable_number()?, delta: p.line.amount().neg() })));
            out
        }
        Event::AutopayReturned { fingerprint, returns, .. } => {
            let mut out = vec![entry_ref(event, fingerprint.clone())];
            for item in returns {
                out.extend(item.allocations.iter().filter_map(|a| Some(Effect::PayableBalance { number: a.payable.as_deref()?, delta: a.amount })));
                if let Some(number) = &item.fee_charged_to {
                    out.push(Effect::PayableBalance { number, delta: item.fee_amount });
                }
            }
            out
        }
        Event::TerminalInitialized { .. }
        | Event::LoginSucceeded { .. }
        | Event::LoginFailed { .. }
        | Event::ApprovalRefused { .. }
        | Event::UserLockedOut { .. }
        | Event::UserUnlocked { .. }
        | Event::ClockWarning { .. }
        | Event::NoSale { .. } => Vec::new(),
    }
}

/// The kinds of entry `entry_refs` files (every one of them). The autopay, lockbox and bank kinds came after
/// migration 8, so no ledger holds one without its rows (nothing to back-fill).
pub const REFERENCED_KINDS: &[&str] = &[
    "payment_refunded",
    "check_returned",
    "batch_approved",
    "drawer_opened",
    "drawer_counted",
    "cash_dropped",
    "drawer_closed",
    "autopay_enrolled",
    "autopay_cancelled",
    "autopay_run_prepared",
    "autopay_run_approved",
    "autopay_run_rejected",
    "autopay_settled",
    "autopay_returned",
    "lockbox_imported",
    "lockbox_exception_resolved",
    "bank_statement_imported",
];

/// A lockbox exception's reference: its batch and number, like `L1-E2`.
pub fn lockbox_exception_ref(batch: &str, exception: i64) -> String {
    format!("{batch}-E{exception}")
}

/// The `entry_refs` row filing `event` under `subject`. Migration 8 back-fills the same rows from
/// `$.receipt`, `$.drawer_id` and `$.batch` of these kinds.
fn entry_ref(event: &Event, subject: String) -> Effect<'static> {
    Effect::EntryRef { kind: event.kind(), subject }
}

/// Posting (`sign` -1: balances go down) or un-posting (`sign` 1) a batch's items.
fn posted_effects<'a>(batch: &'a str, items: &'a [PostedItem], state: BatchItemState, sign: i64) -> Vec<Effect<'a>> {
    let mut out = Vec::new();
    for posted in items {
        out.push(Effect::BatchItemState { batch, item: posted.item, state });
        if let Some(number) = posted.line.payable_number() {
            out.push(Effect::PayableBalance { number, delta: Money::from_cents(sign * posted.line.amount().cents()) });
        }
    }
    out
}

/// Balance and drawer effects of taking (`sign` 1) or voiding (`sign` -1) a payment.
fn payment_effects<'a>(out: &mut Vec<Effect<'a>>, drawer_id: i64, lines: &'a [crate::domain::events::PaymentLine], tenders: &'a [crate::domain::tender::Tender], change: Money, sign: i64) {
    for line in lines {
        if let Some(number) = line.payable_number() {
            out.push(Effect::PayableBalance { number, delta: Money::from_cents(-sign * line.amount().cents()) });
        }
    }
    for tender in tenders {
        out.push(Effect::DrawerTotal { drawer_id, tender: tender.kind, delta: Money::from_cents(sign * tender.amount.cents()) });
    }
    if !change.is_zero() {
        out.push(Effect::DrawerTotal { drawer_id, tender: TenderKind::Cash, delta: Money::from_cents(-sign * change.cents()) });
    }
}
