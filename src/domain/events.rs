//! Business events: the payload of every journal entry. Each carries everything needed to derive its
//! postings and its effect on the projections, so both can be recomputed from the journal alone.

use crate::domain::denominations::DenominationCount;
use crate::domain::ids::Role;
use crate::domain::payable::{FeeRow, PayableKind, PayableRow};
use crate::domain::tender::{Tender, TenderKind};
use crate::money::Money;

/// What one payment line pays: a payable (by number and kind) or a fee code (with its GL account).
/// Written tagged by `type` (the derived `Serialize`); read by `ledger::payload` (`line_target.rs`).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
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
    /// Applied plus credit. Each part passed `Money`'s input limit (`DEFAULT_MAX_CENTS`) when the payment was
    /// taken, so the sum cannot reach `i64`'s bound; saturating keeps a forged payload from wrapping round.
    pub fn amount(&self) -> Money {
        self.applied.saturating_add(self.credit)
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

/// Every kind of business event CityTill records. Written by the derived `Serialize` (the tag first,
/// then the fields in order: the stored bytes); read only by `ledger::payload`, by the journal's `kind`
/// column, into each kind's own derived struct. How a kind may change: ARCHITECTURE.md, "Evolving events".
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    TerminalInitialized {
        terminal: String,
        training: bool,
    },
    UserAdded {
        name: String,
        role: Role,
    },
    UserDeactivated {
        name: String,
    },
    LoginSucceeded {
        name: String,
    },
    LoginFailed {
        name: String,
        attempts: i64,
    },
    /// Someone tried to approve an action they may not approve (their own, or without the role).
    ApprovalRefused {
        user: String,
        approver: String,
        action: String,
        reason: String,
    },
    UserLockedOut {
        name: String,
        until: String,
    },
    /// A PIN was set (user added, PIN changed, or rehashed with the PIN key): `commit` is the SHA-256 of the
    /// stored hash, so a `users.pin_hash` changed behind the app's back is found by `verify` and refused at login.
    PinSet {
        name: String,
        commit: String,
    },
    /// An admin lifted a user's lockout.
    UserUnlocked {
        name: String,
    },
    /// The clock read earlier than the last entry, or jumped while running (`system` is what it read;
    /// `last` the last entry's time). Entries never go back in time.
    ClockWarning {
        system: String,
        last: String,
        message: String,
    },
    PayablesImported {
        source: String,
        part: i64,
        rows: Vec<PayableRow>,
    },
    /// Part of a chunked payables import, staged out of sight: no one sees these rows until the
    /// import's `PayablesImportCommitted` (`import` is the sequence number of its first staged entry).
    PayablesStaged {
        import: i64,
        source: String,
        part: i64,
        rows: Vec<PayableRow>,
    },
    /// A staged import made visible, all of it at once: every staged row is upserted as if imported here.
    PayablesImportCommitted {
        import: i64,
        source: String,
        parts: i64,
        rows: i64,
    },
    FeesImported {
        source: String,
        rows: Vec<FeeRow>,
    },
    DrawerOpened {
        drawer_id: i64,
        cashier: String,
        float: Money,
        count: Vec<DenominationCount>,
    },
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
    PaymentRefunded {
        receipt: String,
        reason: String,
        drawer_id: i64,
        amount: Money,
        allocations: Vec<Allocation>,
    },
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
    ReceiptReprinted {
        receipt: String,
    },
    CashDropped {
        drawer_id: i64,
        amount: Money,
    },
    PaidIn {
        drawer_id: i64,
        amount: Money,
        reason: String,
    },
    PaidOut {
        drawer_id: i64,
        amount: Money,
        reason: String,
    },
    NoSale {
        drawer_id: i64,
        reason: String,
    },
    /// The blind count, recorded before the expected amounts are shown.
    DrawerCounted {
        drawer_id: i64,
        cashier: String,
        cash_count: Vec<DenominationCount>,
        counted: Vec<TenderAmount>,
    },
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
    /// A batch opened: a mail or drop-box batch with the adding-machine tape's control total and item count
    /// (a counter batch is opened by its drawer's `DrawerOpened`, see `effects`).
    BatchOpened {
        batch: String,
        batch_kind: BatchKind,
        preparer: String,
        control_total: Money,
        control_items: i64,
    },
    /// A remittance item received into a batch: held in suspense until the batch is approved.
    BatchItemAdded {
        batch: String,
        item: BatchItem,
    },
    /// A held item taken out of an unapproved batch (reversing its suspense entry).
    BatchItemRemoved {
        batch: String,
        item: BatchItem,
        reason: String,
    },
    /// The batch's items matched its control total and count (a counter batch: its drawer is closed).
    BatchBalanced {
        batch: String,
        items: i64,
        total: Money,
    },
    /// A supervisor (not the preparer) approved the batch; its held items are posted to the accounts.
    BatchApproved {
        batch: String,
        approver: String,
        posted: Vec<PostedItem>,
    },
    BatchRejected {
        batch: String,
        approver: String,
        reason: String,
    },
    /// A rejected or approved batch opened again for correction; an approval's postings are reversed.
    BatchReopened {
        batch: String,
        reason: String,
        reversed: Vec<PostedItem>,
    },
    /// Approved batches' money taken to the bank: undeposited funds move to the bank accounts.
    DepositCreated {
        deposit: String,
        batches: Vec<String>,
        slip: DepositSlip,
    },
    /// The office's business day closed: nothing more is posted to `date` or earlier. `chain_head` seals
    /// the day: the hash of the entry before this one (absent in closes recorded before it existed).
    DayClosed {
        date: String,
        drawers: i64,
        batches: i64,
        chain_head: Option<String>,
    },
    /// Payments written to the billing system's posting file (each payment once, ever).
    PaymentsExported {
        date: String,
        references: Vec<String>,
        total: Money,
    },
    /// An account enrolled in autopay by a lead with a second person's approval. The bank account number
    /// itself is sealed outside the journal (`autopay_accounts`); only its last 4 and a keyed fingerprint are here.
    AutopayEnrolled {
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
    },
    /// An enrolment ended (no further debits or prenotes).
    AutopayCancelled {
        enrolment: String,
        reason: String,
    },
    /// An ACH run prepared for its effective date: prenotes (zero) and debits, not yet released.
    AutopayRunPrepared {
        run: String,
        date: String,
        preparer: String,
        debits: Vec<AutopayDebit>,
    },
    /// A prepared run refused before release: its debits never go out; its prenotes wait for the next run.
    AutopayRunRejected {
        run: String,
        approver: String,
        reason: String,
    },
    /// A second person released the run's file: each debit is now pending (ACH receivable against suspense).
    AutopayRunApproved {
        run: String,
        approver: String,
        created: String,
        total: Money,
    },
    /// A released run's debits reached their settlement date: posted to the accounts, money at the bank.
    AutopaySettled {
        run: String,
        date: String,
        posted: Vec<AutopayPosted>,
    },
    /// The bank's return file: each returned debit reversed (fee charged), enrolments suspended where the code says.
    AutopayReturned {
        file: String,
        fingerprint: String,
        returns: Vec<AutopayReturn>,
        suspended: Vec<String>,
    },
    /// A lockbox or online-payments file read into batch `batch` (opened by the `BatchOpened` before it;
    /// its readable items follow as `BatchItemAdded`). `sha256` is the file's fingerprint (a second import
    /// of the same bytes is refused); `exceptions` are the items whose account is unknown or closed, held
    /// for a person to resolve. No postings: an exception's money is not on the books until resolved.
    LockboxImported {
        batch: String,
        source: String,
        sha256: String,
        template: String,
        tender: TenderKind,
        deposit_date: Option<String>,
        exceptions: Vec<LockboxException>,
    },
    /// A lockbox exception resolved: applied to `apply_to` (a `BatchItemAdded` follows in the same
    /// transaction) or refunded to the remitter outside CityTill (no postings; counts toward the file's totals).
    LockboxExceptionResolved {
        batch: String,
        exception: i64,
        apply_to: Option<String>,
        amount: Money,
        reason: String,
    },
    /// A bank's BAI2 statement read for reconciliation (`sha256` refuses a second import). No postings.
    BankStatementImported {
        source: String,
        sha256: String,
        credits: Vec<BankCredit>,
    },
}

/// One entry of an autopay run: a prenote (zero) or a debit. `trace` is the trace number's own part (its last
/// 7 digits; the first 8 are the city bank's routing prefix, `[autopay] immediate_destination`), kept apart
/// because a 15-digit run in the journal could read as a card number.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct AutopayDebit {
    pub trace: i64,
    pub enrolment: String,
    pub account: String,
    /// The account holder's name as the entry carries it (so the file is rebuilt identically).
    pub name: String,
    pub amount: Money,
    pub prenote: bool,
}

/// A settled debit as posted: the line splits it into the part applied and customer credit.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct AutopayPosted {
    pub trace: i64,
    pub line: PaymentLine,
}

/// One returned entry: a settled debit is reversed on its account (`allocations`, taken back from the
/// bank), a pending one only leaves the ACH receivable; the fee is charged like a returned check's.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct AutopayReturn {
    pub trace: i64,
    pub enrolment: String,
    pub code: String,
    pub amount: Money,
    pub settled: bool,
    pub allocations: Vec<Allocation>,
    pub fee_code: String,
    pub fee_amount: Money,
    pub fee_gl_account: String,
    pub fee_charged_to: Option<String>,
    pub fee_receivable_account: String,
}

/// An item of a lockbox or online file whose account could not take it (unknown or closed), as the file gave it.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct LockboxException {
    pub exception: i64,
    pub line: i64,
    pub account: String,
    pub amount: Money,
    pub reference: Option<String>,
    pub problem: String,
}

/// One credit on a bank statement (a BAI2 16 record): the account, its type code, date and amount.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct BankCredit {
    pub account: String,
    pub date: String,
    pub type_code: String,
    pub amount: Money,
    pub bank_reference: Option<String>,
    pub customer_reference: Option<String>,
    pub text: Option<String>,
}

/// The kinds of batch: a drawer session's counter batch, and the lead's mail and drop-box batches.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    Counter,
    Mail,
    DropBox,
    /// A bank lockbox file, read by `lockbox import`.
    Lockbox,
    /// A web or IVR processor's settlement file, read by `lockbox import`.
    Online,
}

impl BatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchKind::Counter => "counter",
            BatchKind::Mail => "mail",
            BatchKind::DropBox => "drop_box",
            BatchKind::Lockbox => "lockbox",
            BatchKind::Online => "online",
        }
    }

    pub fn parse(text: &str) -> Result<BatchKind, String> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "mail" => Ok(BatchKind::Mail),
            "drop_box" | "dropbox" | "drop" => Ok(BatchKind::DropBox),
            other => Err(format!("batch kind: '{other}' is not one of mail, drop-box (counter batches open with a drawer)")),
        }
    }

    /// The id prefix of this kind's batches: D3 (drawer 3's counter batch), M1, B2.
    pub fn prefix(self) -> &'static str {
        match self {
            BatchKind::Counter => "D",
            BatchKind::Mail => "M",
            BatchKind::DropBox => "B",
            BatchKind::Lockbox => "L",
            BatchKind::Online => "W",
        }
    }
}

/// The counter batch of a drawer session.
pub fn counter_batch(drawer_id: i64) -> String {
    format!("D{drawer_id}")
}

/// One remittance item: what it pays (payable and amount), how (one tender), and the stub it came with.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct BatchItem {
    pub item: i64,
    pub payable: String,
    pub payable_kind: PayableKind,
    pub amount: Money,
    pub tender: Tender,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stub: Option<String>,
    pub entered_by: String,
}

impl BatchItem {
    /// The item's reference in reports and the billing export: batch and item, like `M1-0007`.
    pub fn reference(&self, batch: &str) -> String {
        format!("{batch}-{:04}", self.item)
    }
}

/// An item as posted at approval: the line splits the amount into applied and customer credit.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct PostedItem {
    pub item: i64,
    pub line: PaymentLine,
}

/// One check on a deposit slip (account masked to its last four digits).
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct DepositCheck {
    pub reference: String,
    pub number: String,
    pub routing: String,
    pub account_last4: String,
    pub amount: Money,
}

/// The total going to one bank account for one tender.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct DepositLine {
    pub bank_account: String,
    pub tender: TenderKind,
    pub amount: Money,
}

/// Everything the deposit slip shows: cash by denomination, each check, and the totals per bank account.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct DepositSlip {
    pub business_date: String,
    pub cash: Vec<DenominationCount>,
    /// Cash not counted by denomination here (sealed drop bags, mail cash), already counted when it changed hands.
    pub cash_uncounted: Money,
    pub checks: Vec<DepositCheck>,
    pub money_orders: Vec<DepositCheck>,
    pub lines: Vec<DepositLine>,
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
            Event::PinSet { .. } => "pin_set",
            Event::UserUnlocked { .. } => "user_unlocked",
            Event::ClockWarning { .. } => "clock_warning",
            Event::PayablesImported { .. } => "payables_imported",
            Event::PayablesStaged { .. } => "payables_staged",
            Event::PayablesImportCommitted { .. } => "payables_import_committed",
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
            Event::BatchOpened { .. } => "batch_opened",
            Event::BatchItemAdded { .. } => "batch_item_added",
            Event::BatchItemRemoved { .. } => "batch_item_removed",
            Event::BatchBalanced { .. } => "batch_balanced",
            Event::BatchApproved { .. } => "batch_approved",
            Event::BatchRejected { .. } => "batch_rejected",
            Event::BatchReopened { .. } => "batch_reopened",
            Event::DepositCreated { .. } => "deposit_created",
            Event::DayClosed { .. } => "day_closed",
            Event::PaymentsExported { .. } => "payments_exported",
            Event::AutopayEnrolled { .. } => "autopay_enrolled",
            Event::AutopayCancelled { .. } => "autopay_cancelled",
            Event::AutopayRunPrepared { .. } => "autopay_run_prepared",
            Event::AutopayRunApproved { .. } => "autopay_run_approved",
            Event::AutopayRunRejected { .. } => "autopay_run_rejected",
            Event::AutopaySettled { .. } => "autopay_settled",
            Event::AutopayReturned { .. } => "autopay_returned",
            Event::LockboxImported { .. } => "lockbox_imported",
            Event::LockboxExceptionResolved { .. } => "lockbox_exception_resolved",
            Event::BankStatementImported { .. } => "bank_statement_imported",
        }
    }
}
