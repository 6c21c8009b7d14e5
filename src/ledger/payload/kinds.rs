//! The journal's payload structs: one `#[derive(Deserialize)]` struct per event kind, holding exactly the
//! fields of its `Event` variant, so each kind evolves with serde's own tools (`#[serde(default)]` on a new
//! optional field, `#[serde(alias)]` on a renamed one; see ARCHITECTURE.md, "Evolving events"). The `From`
//! conversions name every field on both sides, so a field added to a variant and not here (or here and not
//! there) does not compile. `decode_as` picks the struct by the journal's `kind` column.

use serde::{Deserialize, Deserializer};

use crate::domain::denominations::DenominationCount;
use crate::domain::events::{Allocation, AutopayDebit, AutopayPosted, AutopayReturn, BankCredit, BatchItem, BatchKind, DepositSlip, Event, LockboxException, PaymentLine, PostedItem, TenderAmount};
use crate::domain::ids::Role;
use crate::domain::payable::{FeeRow, PayableKind, PayableRow};
use crate::domain::tender::{Tender, TenderKind};
use crate::money::Money;

/// The event of kind `kind` read from `payload` into that kind's struct (a `kind` key in the payload is
/// not read here: the column says what the entry is). An unknown kind is an error, as is a missing field.
pub(super) fn decode_as<'de, D: Deserializer<'de>>(kind: &str, payload: D) -> Result<Event, D::Error> {
    match kind {
        "terminal_initialized" => TerminalInitialized::deserialize(payload).map(Event::from),
        "user_added" => UserAdded::deserialize(payload).map(Event::from),
        "user_deactivated" => UserDeactivated::deserialize(payload).map(Event::from),
        "login_succeeded" => LoginSucceeded::deserialize(payload).map(Event::from),
        "login_failed" => LoginFailed::deserialize(payload).map(Event::from),
        "approval_refused" => ApprovalRefused::deserialize(payload).map(Event::from),
        "user_locked_out" => UserLockedOut::deserialize(payload).map(Event::from),
        "pin_set" => PinSet::deserialize(payload).map(Event::from),
        "user_unlocked" => UserUnlocked::deserialize(payload).map(Event::from),
        "clock_warning" => ClockWarning::deserialize(payload).map(Event::from),
        "payables_imported" => PayablesImported::deserialize(payload).map(Event::from),
        "payables_staged" => PayablesStaged::deserialize(payload).map(Event::from),
        "payables_import_committed" => PayablesImportCommitted::deserialize(payload).map(Event::from),
        "fees_imported" => FeesImported::deserialize(payload).map(Event::from),
        "drawer_opened" => DrawerOpened::deserialize(payload).map(Event::from),
        "payment_taken" => PaymentTaken::deserialize(payload).map(Event::from),
        "payment_voided" => PaymentVoided::deserialize(payload).map(Event::from),
        "payment_refunded" => PaymentRefunded::deserialize(payload).map(Event::from),
        "check_returned" => CheckReturned::deserialize(payload).map(Event::from),
        "receipt_reprinted" => ReceiptReprinted::deserialize(payload).map(Event::from),
        "cash_dropped" => CashDropped::deserialize(payload).map(Event::from),
        "paid_in" => PaidIn::deserialize(payload).map(Event::from),
        "paid_out" => PaidOut::deserialize(payload).map(Event::from),
        "no_sale" => NoSale::deserialize(payload).map(Event::from),
        "drawer_counted" => DrawerCounted::deserialize(payload).map(Event::from),
        "drawer_closed" => DrawerClosed::deserialize(payload).map(Event::from),
        "batch_opened" => BatchOpened::deserialize(payload).map(Event::from),
        "batch_item_added" => BatchItemAdded::deserialize(payload).map(Event::from),
        "batch_item_removed" => BatchItemRemoved::deserialize(payload).map(Event::from),
        "batch_balanced" => BatchBalanced::deserialize(payload).map(Event::from),
        "batch_approved" => BatchApproved::deserialize(payload).map(Event::from),
        "batch_rejected" => BatchRejected::deserialize(payload).map(Event::from),
        "batch_reopened" => BatchReopened::deserialize(payload).map(Event::from),
        "deposit_created" => DepositCreated::deserialize(payload).map(Event::from),
        "day_closed" => DayClosed::deserialize(payload).map(Event::from),
        "payments_exported" => PaymentsExported::deserialize(payload).map(Event::from),
        "autopay_enrolled" => AutopayEnrolled::deserialize(payload).map(Event::from),
        "autopay_cancelled" => AutopayCancelled::deserialize(payload).map(Event::from),
        "autopay_run_prepared" => AutopayRunPrepared::deserialize(payload).map(Event::from),
        "autopay_run_rejected" => AutopayRunRejected::deserialize(payload).map(Event::from),
        "autopay_run_approved" => AutopayRunApproved::deserialize(payload).map(Event::from),
        "autopay_settled" => AutopaySettled::deserialize(payload).map(Event::from),
        "autopay_returned" => AutopayReturned::deserialize(payload).map(Event::from),
        "lockbox_imported" => LockboxImported::deserialize(payload).map(Event::from),
        "lockbox_exception_resolved" => LockboxExceptionResolved::deserialize(payload).map(Event::from),
        "bank_statement_imported" => BankStatementImported::deserialize(payload).map(Event::from),
        other => Err(serde::de::Error::custom(format_args!("unknown event kind '{other}'"))),
    }
}

#[derive(Deserialize)]
struct TerminalInitialized {
    terminal: String,
    training: bool,
}

#[derive(Deserialize)]
struct UserAdded {
    name: String,
    role: Role,
}

#[derive(Deserialize)]
struct UserDeactivated {
    name: String,
}

#[derive(Deserialize)]
struct LoginSucceeded {
    name: String,
}

#[derive(Deserialize)]
struct LoginFailed {
    name: String,
    attempts: i64,
}

#[derive(Deserialize)]
struct ApprovalRefused {
    user: String,
    approver: String,
    action: String,
    reason: String,
}

#[derive(Deserialize)]
struct UserLockedOut {
    name: String,
    until: String,
}

#[derive(Deserialize)]
struct PinSet {
    name: String,
    commit: String,
}

#[derive(Deserialize)]
struct UserUnlocked {
    name: String,
}

#[derive(Deserialize)]
struct ClockWarning {
    system: String,
    last: String,
    message: String,
}

#[derive(Deserialize)]
struct PayablesImported {
    source: String,
    part: i64,
    rows: Vec<PayableRow>,
}

#[derive(Deserialize)]
struct PayablesStaged {
    import: i64,
    source: String,
    part: i64,
    rows: Vec<PayableRow>,
}

#[derive(Deserialize)]
struct PayablesImportCommitted {
    import: i64,
    source: String,
    parts: i64,
    rows: i64,
}

#[derive(Deserialize)]
struct FeesImported {
    source: String,
    rows: Vec<FeeRow>,
}

#[derive(Deserialize)]
struct DrawerOpened {
    drawer_id: i64,
    cashier: String,
    float: Money,
    count: Vec<DenominationCount>,
}

#[derive(Deserialize)]
struct PaymentTaken {
    receipt: String,
    number: i64,
    drawer_id: i64,
    cashier: String,
    lines: Vec<PaymentLine>,
    tenders: Vec<Tender>,
    change: Money,
}

#[derive(Deserialize)]
struct PaymentVoided {
    receipt: String,
    reason: String,
    drawer_id: i64,
    lines: Vec<PaymentLine>,
    tenders: Vec<Tender>,
    change: Money,
}

#[derive(Deserialize)]
struct PaymentRefunded {
    receipt: String,
    reason: String,
    drawer_id: i64,
    amount: Money,
    allocations: Vec<Allocation>,
}

#[derive(Deserialize)]
struct CheckReturned {
    receipt: String,
    check_amount: Money,
    allocations: Vec<Allocation>,
    fee_code: String,
    fee_amount: Money,
    fee_gl_account: String,
    fee_charged_to: Option<String>,
    fee_receivable_account: String,
}

#[derive(Deserialize)]
struct ReceiptReprinted {
    receipt: String,
}

#[derive(Deserialize)]
struct CashDropped {
    drawer_id: i64,
    amount: Money,
}

#[derive(Deserialize)]
struct PaidIn {
    drawer_id: i64,
    amount: Money,
    reason: String,
}

#[derive(Deserialize)]
struct PaidOut {
    drawer_id: i64,
    amount: Money,
    reason: String,
}

#[derive(Deserialize)]
struct NoSale {
    drawer_id: i64,
    reason: String,
}

#[derive(Deserialize)]
struct DrawerCounted {
    drawer_id: i64,
    cashier: String,
    cash_count: Vec<DenominationCount>,
    counted: Vec<TenderAmount>,
}

#[derive(Deserialize)]
struct DrawerClosed {
    drawer_id: i64,
    cashier: String,
    cash_count: Vec<DenominationCount>,
    counted: Vec<TenderAmount>,
    expected: Vec<TenderAmount>,
    over_short: Vec<TenderAmount>,
    float_kept: Money,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct BatchOpened {
    batch: String,
    batch_kind: BatchKind,
    preparer: String,
    control_total: Money,
    control_items: i64,
}

#[derive(Deserialize)]
struct BatchItemAdded {
    batch: String,
    item: BatchItem,
}

#[derive(Deserialize)]
struct BatchItemRemoved {
    batch: String,
    item: BatchItem,
    reason: String,
}

#[derive(Deserialize)]
struct BatchBalanced {
    batch: String,
    items: i64,
    total: Money,
}

#[derive(Deserialize)]
struct BatchApproved {
    batch: String,
    approver: String,
    posted: Vec<PostedItem>,
}

#[derive(Deserialize)]
struct BatchRejected {
    batch: String,
    approver: String,
    reason: String,
}

#[derive(Deserialize)]
struct BatchReopened {
    batch: String,
    reason: String,
    reversed: Vec<PostedItem>,
}

#[derive(Deserialize)]
struct DepositCreated {
    deposit: String,
    batches: Vec<String>,
    slip: DepositSlip,
}

#[derive(Deserialize)]
struct DayClosed {
    date: String,
    drawers: i64,
    batches: i64,
    /// Absent in day closes recorded before it existed: those read as `None`.
    #[serde(default)]
    chain_head: Option<String>,
}

#[derive(Deserialize)]
struct PaymentsExported {
    date: String,
    references: Vec<String>,
    total: Money,
}

impl From<TerminalInitialized> for Event {
    fn from(TerminalInitialized { terminal, training }: TerminalInitialized) -> Event {
        Event::TerminalInitialized { terminal, training }
    }
}

impl From<UserAdded> for Event {
    fn from(UserAdded { name, role }: UserAdded) -> Event {
        Event::UserAdded { name, role }
    }
}

impl From<UserDeactivated> for Event {
    fn from(UserDeactivated { name }: UserDeactivated) -> Event {
        Event::UserDeactivated { name }
    }
}

impl From<LoginSucceeded> for Event {
    fn from(LoginSucceeded { name }: LoginSucceeded) -> Event {
        Event::LoginSucceeded { name }
    }
}

impl From<LoginFailed> for Event {
    fn from(LoginFailed { name, attempts }: LoginFailed) -> Event {
        Event::LoginFailed { name, attempts }
    }
}

impl From<ApprovalRefused> for Event {
    fn from(ApprovalRefused { user, approver, action, reason }: ApprovalRefused) -> Event {
        Event::ApprovalRefused { user, approver, action, reason }
    }
}

impl From<UserLockedOut> for Event {
    fn from(UserLockedOut { name, until }: UserLockedOut) -> Event {
        Event::UserLockedOut { name, until }
    }
}

impl From<PinSet> for Event {
    fn from(PinSet { name, commit }: PinSet) -> Event {
        Event::PinSet { name, commit }
    }
}

impl From<UserUnlocked> for Event {
    fn from(UserUnlocked { name }: UserUnlocked) -> Event {
        Event::UserUnlocked { name }
    }
}

impl From<ClockWarning> for Event {
    fn from(ClockWarning { system, last, message }: ClockWarning) -> Event {
        Event::ClockWarning { system, last, message }
    }
}

impl From<PayablesImported> for Event {
    fn from(PayablesImported { source, part, rows }: PayablesImported) -> Event {
        Event::PayablesImported { source, part, rows }
    }
}

impl From<PayablesStaged> for Event {
    fn from(PayablesStaged { import, source, part, rows }: PayablesStaged) -> Event {
        Event::PayablesStaged { import, source, part, rows }
    }
}

impl From<PayablesImportCommitted> for Event {
    fn from(PayablesImportCommitted { import, source, parts, rows }: PayablesImportCommitted) -> Event {
        Event::PayablesImportCommitted { import, source, parts, rows }
    }
}

impl From<FeesImported> for Event {
    fn from(FeesImported { source, rows }: FeesImported) -> Event {
        Event::FeesImported { source, rows }
    }
}

impl From<DrawerOpened> for Event {
    fn from(DrawerOpened { drawer_id, cashier, float, count }: DrawerOpened) -> Event {
        Event::DrawerOpened { drawer_id, cashier, float, count }
    }
}

impl From<PaymentTaken> for Event {
    fn from(PaymentTaken { receipt, number, drawer_id, cashier, lines, tenders, change }: PaymentTaken) -> Event {
        Event::PaymentTaken { receipt, number, drawer_id, cashier, lines, tenders, change }
    }
}

impl From<PaymentVoided> for Event {
    fn from(PaymentVoided { receipt, reason, drawer_id, lines, tenders, change }: PaymentVoided) -> Event {
        Event::PaymentVoided { receipt, reason, drawer_id, lines, tenders, change }
    }
}

impl From<PaymentRefunded> for Event {
    fn from(PaymentRefunded { receipt, reason, drawer_id, amount, allocations }: PaymentRefunded) -> Event {
        Event::PaymentRefunded { receipt, reason, drawer_id, amount, allocations }
    }
}

impl From<CheckReturned> for Event {
    fn from(CheckReturned { receipt, check_amount, allocations, fee_code, fee_amount, fee_gl_account, fee_charged_to, fee_receivable_account }: CheckReturned) -> Event {
        Event::CheckReturned { receipt, check_amount, allocations, fee_code, fee_amount, fee_gl_account, fee_charged_to, fee_receivable_account }
    }
}

impl From<ReceiptReprinted> for Event {
    fn from(ReceiptReprinted { receipt }: ReceiptReprinted) -> Event {
        Event::ReceiptReprinted { receipt }
    }
}

impl From<CashDropped> for Event {
    fn from(CashDropped { drawer_id, amount }: CashDropped) -> Event {
        Event::CashDropped { drawer_id, amount }
    }
}

impl From<PaidIn> for Event {
    fn from(PaidIn { drawer_id, amount, reason }: PaidIn) -> Event {
        Event::PaidIn { drawer_id, amount, reason }
    }
}

impl From<PaidOut> for Event {
    fn from(PaidOut { drawer_id, amount, reason }: PaidOut) -> Event {
        Event::PaidOut { drawer_id, amount, reason }
    }
}

impl From<NoSale> for Event {
    fn from(NoSale { drawer_id, reason }: NoSale) -> Event {
        Event::NoSale { drawer_id, reason }
    }
}

impl From<DrawerCounted> for Event {
    fn from(DrawerCounted { drawer_id, cashier, cash_count, counted }: DrawerCounted) -> Event {
        Event::DrawerCounted { drawer_id, cashier, cash_count, counted }
    }
}

impl From<DrawerClosed> for Event {
    fn from(DrawerClosed { drawer_id, cashier, cash_count, counted, expected, over_short, float_kept, reason }: DrawerClosed) -> Event {
        Event::DrawerClosed { drawer_id, cashier, cash_count, counted, expected, over_short, float_kept, reason }
    }
}

impl From<BatchOpened> for Event {
    fn from(BatchOpened { batch, batch_kind, preparer, control_total, control_items }: BatchOpened) -> Event {
        Event::BatchOpened { batch, batch_kind, preparer, control_total, control_items }
    }
}

impl From<BatchItemAdded> for Event {
    fn from(BatchItemAdded { batch, item }: BatchItemAdded) -> Event {
        Event::BatchItemAdded { batch, item }
    }
}

impl From<BatchItemRemoved> for Event {
    fn from(BatchItemRemoved { batch, item, reason }: BatchItemRemoved) -> Event {
        Event::BatchItemRemoved { batch, item, reason }
    }
}

impl From<BatchBalanced> for Event {
    fn from(BatchBalanced { batch, items, total }: BatchBalanced) -> Event {
        Event::BatchBalanced { batch, items, total }
    }
}

impl From<BatchApproved> for Event {
    fn from(BatchApproved { batch, approver, posted }: BatchApproved) -> Event {
        Event::BatchApproved { batch, approver, posted }
    }
}

impl From<BatchRejected> for Event {
    fn from(BatchRejected { batch, approver, reason }: BatchRejected) -> Event {
        Event::BatchRejected { batch, approver, reason }
    }
}

impl From<BatchReopened> for Event {
    fn from(BatchReopened { batch, reason, reversed }: BatchReopened) -> Event {
        Event::BatchReopened { batch, reason, reversed }
    }
}

impl From<DepositCreated> for Event {
    fn from(DepositCreated { deposit, batches, slip }: DepositCreated) -> Event {
        Event::DepositCreated { deposit, batches, slip }
    }
}

impl From<DayClosed> for Event {
    fn from(DayClosed { date, drawers, batches, chain_head }: DayClosed) -> Event {
        Event::DayClosed { date, drawers, batches, chain_head }
    }
}

impl From<PaymentsExported> for Event {
    fn from(PaymentsExported { date, references, total }: PaymentsExported) -> Event {
        Event::PaymentsExported { date, references, total }
    }
}

#[derive(Deserialize)]
struct AutopayEnrolled {
    enrolment: String,
    account: String,
    payable_kind: PayableKind,
    routing: String,
    account_type: String,
    last4: String,
    fingerprint: String,
    rule: String,
    fixed_amount: Money,
    draft_day: i64,
    entered_by: String,
    approver: String,
}

impl From<AutopayEnrolled> for Event {
    fn from(AutopayEnrolled { enrolment, account, payable_kind, routing, account_type, last4, fingerprint, rule, fixed_amount, draft_day, entered_by, approver }: AutopayEnrolled) -> Event {
        Event::AutopayEnrolled { enrolment, account, payable_kind, routing, account_type, last4, fingerprint, rule, fixed_amount, draft_day, entered_by, approver }
    }
}

#[derive(Deserialize)]
struct AutopayCancelled {
    enrolment: String,
    reason: String,
}

impl From<AutopayCancelled> for Event {
    fn from(AutopayCancelled { enrolment, reason }: AutopayCancelled) -> Event {
        Event::AutopayCancelled { enrolment, reason }
    }
}

#[derive(Deserialize)]
struct AutopayRunPrepared {
    run: String,
    date: String,
    preparer: String,
    debits: Vec<AutopayDebit>,
}

impl From<AutopayRunPrepared> for Event {
    fn from(AutopayRunPrepared { run, date, preparer, debits }: AutopayRunPrepared) -> Event {
        Event::AutopayRunPrepared { run, date, preparer, debits }
    }
}

#[derive(Deserialize)]
struct AutopayRunRejected {
    run: String,
    approver: String,
    reason: String,
}

impl From<AutopayRunRejected> for Event {
    fn from(AutopayRunRejected { run, approver, reason }: AutopayRunRejected) -> Event {
        Event::AutopayRunRejected { run, approver, reason }
    }
}

#[derive(Deserialize)]
struct AutopayRunApproved {
    run: String,
    approver: String,
    created: String,
    total: Money,
}

impl From<AutopayRunApproved> for Event {
    fn from(AutopayRunApproved { run, approver, created, total }: AutopayRunApproved) -> Event {
        Event::AutopayRunApproved { run, approver, created, total }
    }
}

#[derive(Deserialize)]
struct AutopaySettled {
    run: String,
    date: String,
    posted: Vec<AutopayPosted>,
}

impl From<AutopaySettled> for Event {
    fn from(AutopaySettled { run, date, posted }: AutopaySettled) -> Event {
        Event::AutopaySettled { run, date, posted }
    }
}

#[derive(Deserialize)]
struct AutopayReturned {
    file: String,
    fingerprint: String,
    returns: Vec<AutopayReturn>,
    suspended: Vec<String>,
}

impl From<AutopayReturned> for Event {
    fn from(AutopayReturned { file, fingerprint, returns, suspended }: AutopayReturned) -> Event {
        Event::AutopayReturned { file, fingerprint, returns, suspended }
    }
}

#[derive(Deserialize)]
struct LockboxImported {
    batch: String,
    source: String,
    sha256: String,
    template: String,
    tender: TenderKind,
    deposit_date: Option<String>,
    exceptions: Vec<LockboxException>,
}

impl From<LockboxImported> for Event {
    fn from(LockboxImported { batch, source, sha256, template, tender, deposit_date, exceptions }: LockboxImported) -> Event {
        Event::LockboxImported { batch, source, sha256, template, tender, deposit_date, exceptions }
    }
}

#[derive(Deserialize)]
struct LockboxExceptionResolved {
    batch: String,
    exception: i64,
    apply_to: Option<String>,
    amount: Money,
    reason: String,
}

impl From<LockboxExceptionResolved> for Event {
    fn from(LockboxExceptionResolved { batch, exception, apply_to, amount, reason }: LockboxExceptionResolved) -> Event {
        Event::LockboxExceptionResolved { batch, exception, apply_to, amount, reason }
    }
}

#[derive(Deserialize)]
struct BankStatementImported {
    source: String,
    sha256: String,
    credits: Vec<BankCredit>,
}

impl From<BankStatementImported> for Event {
    fn from(BankStatementImported { source, sha256, credits }: BankStatementImported) -> Event {
        Event::BankStatementImported { source, sha256, credits }
    }
}
