//! Golden journal payloads: one sample of every event kind, its bytes as written by the code that first
//! wrote it (tests/golden/events/<kind>.json). Serialization must reproduce them byte for byte (the
//! chain hashes and head office depend on it) and every one must still read back as the same event.
//! Golden files are never edited, only added (ARCHITECTURE.md, "Evolving events").
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use citytill::domain::denominations::DenominationCount;
use citytill::domain::events::*;
use citytill::domain::ids::Role;
use citytill::domain::payable::{FeeRow, PayableKind, PayableRow};
use citytill::domain::tender::{Tender, TenderKind};
use citytill::money::Money;

fn m(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/events")
}

/// One sample of every event kind, with optional fields present and absent, nested tagged values,
/// escapes and non-ASCII text.
fn samples() -> Vec<Event> {
    let card = Tender { brand: Some("visa".into()), last4: Some("4242".into()), auth: Some("A1\"b".into()), ..Tender::new(TenderKind::Card, m(500)) };
    let check = Tender { routing: Some("021000021".into()), account_last4: Some("6789".into()), number: Some("1001".into()), ..Tender::new(TenderKind::Check, m(1234)) };
    let payable_line = PaymentLine { target: LineTarget::Payable { number: "PC00000996".into(), kind: PayableKind::Citation }, applied: m(1096), credit: m(0) };
    let fee_line = PaymentLine { target: LineTarget::Fee { code: "COPY".into(), description: "Copies — ünïcode \\ \"quoted\"".into(), gl_account: "4100".into() }, applied: m(250), credit: m(-3) };
    let counts = vec![DenominationCount { denomination: m(2000), pieces: 5 }, DenominationCount { denomination: m(25), pieces: 40 }];
    let ta = |tender, cents| TenderAmount { tender, amount: m(cents) };
    let rows = vec![
        PayableRow { kind: PayableKind::Utility, number: "100200-01".into(), name: "María García".into(), address: "12 Oak Ave".into(), status: "active".into(), balance: m(8412) },
        PayableRow { kind: PayableKind::Tax, number: "T-9".into(), name: "Okafor \"Plumbing\"".into(), address: "".into(), status: "closed".into(), balance: m(-5) },
    ];
    let item = BatchItem { item: 7, payable: "U9".into(), payable_kind: PayableKind::Utility, amount: m(4200), tender: check.clone(), stub: Some("stub".into()), entered_by: "lee".into() };
    vec![
        Event::TerminalInitialized { terminal: "B02".into(), training: true },
        Event::UserAdded { name: "ann".into(), role: Role::Supervisor },
        Event::UserDeactivated { name: "ann".into() },
        Event::LoginSucceeded { name: "ann".into() },
        Event::LoginFailed { name: "ann".into(), attempts: 3 },
        Event::ApprovalRefused { user: "ana".into(), approver: "ana".into(), action: "void".into(), reason: "self-approval".into() },
        Event::UserLockedOut { name: "ben".into(), until: "2026-11-24T12:15:00.000000Z".into() },
        Event::PinSet { name: "ben".into(), commit: "ab".repeat(32) },
        Event::UserUnlocked { name: "ben".into() },
        Event::ClockWarning { system: "2026-11-24T11:00:00Z".into(), last: "2026-11-24T12:00:00Z".into(), message: "clock went back 60 minutes".into() },
        Event::PayablesImported { source: "payables.csv".into(), part: 1, rows: rows.clone() },
        Event::PayablesStaged { import: 12, source: "big.csv".into(), part: 2, rows },
        Event::PayablesImportCommitted { import: 12, source: "big.csv".into(), parts: 3, rows: 250_000 },
        Event::FeesImported {
            source: "fees.csv".into(),
            rows: vec![
                FeeRow { code: "COPY".into(), description: "Copy".into(), amount: None, gl_account: "4100".into() },
                FeeRow { code: "NSF".into(), description: "Returned check fee".into(), amount: Some(m(2500)), gl_account: "4610".into() },
            ],
        },
        Event::DrawerOpened { drawer_id: 3, cashier: "ana".into(), float: m(10000), count: counts.clone() },
        Event::PaymentTaken {
            receipt: "B02-004998".into(),
            number: 4998,
            drawer_id: 2,
            cashier: "ann".into(),
            lines: vec![payable_line.clone(), fee_line.clone()],
            tenders: vec![card, check.clone(), Tender::new(TenderKind::Cash, m(2000))],
            change: m(904),
        },
        Event::PaymentVoided {
            receipt: "B02-004998".into(),
            reason: "wrong account".into(),
            drawer_id: 2,
            lines: vec![payable_line],
            tenders: vec![Tender::new(TenderKind::Cash, m(2000))],
            change: m(904),
        },
        Event::PaymentRefunded {
            receipt: "B02-000001".into(),
            reason: "overpaid".into(),
            drawer_id: 1,
            amount: m(1000),
            allocations: vec![Allocation { account: "1200".into(), payable: Some("100200-01".into()), amount: m(900) }, Allocation { account: "2300".into(), payable: None, amount: m(100) }],
        },
        Event::CheckReturned {
            receipt: "B02-2".into(),
            check_amount: m(1234),
            allocations: vec![Allocation { account: "1200".into(), payable: Some("U1".into()), amount: m(1234) }],
            fee_code: "NSF".into(),
            fee_amount: m(2500),
            fee_gl_account: "4300".into(),
            fee_charged_to: Some("U1".into()),
            fee_receivable_account: "1210".into(),
        },
        Event::ReceiptReprinted { receipt: "B02-000001".into() },
        Event::CashDropped { drawer_id: 3, amount: m(50000) },
        Event::PaidIn { drawer_id: 3, amount: m(2000), reason: "change fund".into() },
        Event::PaidOut { drawer_id: 3, amount: m(1599), reason: "postage".into() },
        Event::NoSale { drawer_id: 3, reason: "jammed drawer".into() },
        Event::DrawerCounted { drawer_id: 3, cashier: "ana".into(), cash_count: counts.clone(), counted: vec![ta(TenderKind::Cash, 11000), ta(TenderKind::Check, 1234)] },
        Event::DrawerClosed {
            drawer_id: 3,
            cashier: "bo".into(),
            cash_count: counts.clone(),
            counted: vec![ta(TenderKind::Cash, 11000)],
            expected: vec![ta(TenderKind::Cash, 11000), ta(TenderKind::MoneyOrder, 5)],
            over_short: vec![ta(TenderKind::Ach, -100)],
            float_kept: m(10000),
            reason: None,
        },
        Event::BatchOpened { batch: "B2".into(), batch_kind: BatchKind::DropBox, preparer: "lee".into(), control_total: m(99), control_items: 2 },
        Event::BatchItemAdded { batch: "M1".into(), item: item.clone() },
        Event::BatchItemRemoved {
            batch: "B2".into(),
            item: BatchItem { item: 8, payable: "T1".into(), payable_kind: PayableKind::Tax, amount: m(1), tender: Tender::new(TenderKind::MoneyOrder, m(1)), stub: None, entered_by: "lee".into() },
            reason: "keyed twice".into(),
        },
        Event::BatchBalanced { batch: "M1".into(), items: 2, total: m(4201) },
        Event::BatchApproved { batch: "M1".into(), approver: "sue".into(), posted: vec![PostedItem { item: 1, line: fee_line.clone() }] },
        Event::BatchRejected { batch: "M1".into(), approver: "sue".into(), reason: "tape does not match".into() },
        Event::BatchReopened { batch: "M1".into(), reason: "correction".into(), reversed: vec![PostedItem { item: 1, line: fee_line }] },
        Event::DepositCreated {
            deposit: "D-1".into(),
            batches: vec!["D1".into(), "M1".into()],
            slip: DepositSlip {
                business_date: "2024-05-01".into(),
                cash: counts,
                cash_uncounted: m(300),
                checks: vec![DepositCheck { reference: "M1-0001".into(), number: "1001".into(), routing: "021000021".into(), account_last4: "6789".into(), amount: m(1234) }],
                money_orders: vec![],
                lines: vec![DepositLine { bank_account: "1010".into(), tender: TenderKind::Check, amount: m(1234) }],
            },
        },
        Event::DayClosed { date: "2024-05-01".into(), drawers: 2, batches: 3, chain_head: Some("cd".repeat(32)) },
        Event::PaymentsExported { date: "2024-05-01".into(), references: vec!["B02-1".into(), "M1-0001".into()], total: m(1096) },
        Event::AutopayEnrolled {
            enrolment: "AP1".into(),
            account: "100200-01".into(),
            payable_kind: PayableKind::Utility,
            routing: "021000021".into(),
            account_type: "checking".into(),
            last4: "1012".into(),
            fingerprint: "cd".repeat(32),
            rule: "fixed".into(),
            fixed_amount: m(5000),
            draft_day: 15,
            entered_by: "lee".into(),
            approver: "sam".into(),
        },
        Event::AutopayCancelled { enrolment: "AP1".into(), reason: "moved away".into() },
        Event::AutopayRunPrepared {
            run: "AR2".into(),
            date: "2026-12-07".into(),
            preparer: "lee".into(),
            debits: vec![
                AutopayDebit { trace: 3, enrolment: "AP1".into(), account: "100200-01".into(), name: "María García".into(), amount: m(0), prenote: true },
                AutopayDebit { trace: 4, enrolment: "AP2".into(), account: "T-9".into(), name: "Okafor".into(), amount: m(8412), prenote: false },
            ],
        },
        Event::AutopayRunRejected { run: "AR2".into(), approver: "sam".into(), reason: "wrong date".into() },
        Event::AutopayRunApproved { run: "AR2".into(), approver: "sam".into(), created: "2026-12-04T09:00:00Z".into(), total: m(8412) },
        Event::AutopaySettled {
            run: "AR2".into(),
            date: "2026-12-08".into(),
            posted: vec![AutopayPosted { trace: 4, line: PaymentLine { target: LineTarget::Payable { number: "T-9".into(), kind: PayableKind::Tax }, applied: m(8000), credit: m(412) } }],
        },
        Event::AutopayReturned {
            file: "returns.ach".into(),
            fingerprint: "ef".repeat(32),
            returns: vec![AutopayReturn {
                trace: 4,
                enrolment: "AP2".into(),
                code: "R02".into(),
                amount: m(8412),
                settled: true,
                allocations: vec![Allocation { account: "1130".into(), payable: Some("T-9".into()), amount: m(8000) }, Allocation { account: "2100".into(), payable: None, amount: m(412) }],
                fee_code: "NSF".into(),
                fee_amount: m(2500),
                fee_gl_account: "4610".into(),
                fee_charged_to: Some("T-9".into()),
                fee_receivable_account: "1130".into(),
            }],
            suspended: vec!["AP2".into()],
        },
        Event::LockboxImported {
            batch: "L1".into(),
            source: "lockbox.txt".into(),
            sha256: "01".repeat(32),
            template: "bai-lockbox".into(),
            tender: TenderKind::Check,
            deposit_date: Some("2026-12-02".into()),
            exceptions: vec![LockboxException { exception: 1, line: 4, account: "99999".into(), amount: m(4500), reference: Some("1001".into()), problem: "unknown account".into() }],
        },
        Event::LockboxExceptionResolved { batch: "L1".into(), exception: 1, apply_to: None, amount: m(4500), reason: "refunded to sender — ünïcode".into() },
        Event::BankStatementImported {
            source: "statement.bai2".into(),
            sha256: "02".repeat(32),
            credits: vec![BankCredit {
                account: "0975312468".into(),
                date: "2026-12-02".into(),
                type_code: "115".into(),
                amount: m(9912),
                bank_reference: Some("LBX1".into()),
                customer_reference: None,
                text: Some("LOCKBOX DEPOSIT".into()),
            }],
        },
    ]
}

// Proves the samples cover every event kind exactly once, so each kind has its golden file.
#[test]
fn samples_cover_every_kind_once() {
    let kinds: Vec<&str> = samples().iter().map(Event::kind).collect();
    let mut unique = kinds.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), kinds.len(), "a kind is sampled twice: {kinds:?}");
    assert_eq!(kinds.len(), 46, "a new kind needs a sample (and its golden file)");
}

// Proves every kind serializes to its golden bytes exactly. With CITYTILL_WRITE_GOLDEN=1 a missing
// golden file is written (never an existing one: golden files are only added).
#[test]
fn every_kind_serializes_to_its_golden_bytes() {
    let write = std::env::var_os("CITYTILL_WRITE_GOLDEN").is_some();
    for event in samples() {
        let path = golden_dir().join(format!("{}.json", event.kind()));
        let bytes = serde_json::to_string(&event).unwrap();
        if write && !path.exists() {
            std::fs::write(&path, &bytes).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(bytes, golden, "{} no longer serializes as it did", event.kind());
    }
}

/// The golden payload of `kind`, read as the journal reads it (by its kind column).
fn read_golden(kind: &str) -> Event {
    let path = golden_dir().join(format!("{kind}.json"));
    let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    citytill::ledger::payload::decode(kind, &golden).unwrap_or_else(|e| panic!("{kind}: golden payload unreadable: {e}"))
}

/// One test per kind: the golden payload written by the code of its day still reads as the same event.
macro_rules! reads_golden {
    ($($test:ident: $kind:literal,)*) => {$(
        // Proves this kind's golden payload (written by an earlier release) still reads as its sample.
        #[test]
        fn $test() {
            let sample = samples().into_iter().find(|event| event.kind() == $kind).expect("a sample of this kind");
            assert_eq!(read_golden($kind), sample);
        }
    )*};
}

reads_golden! {
    reads_terminal_initialized: "terminal_initialized",
    reads_user_added: "user_added",
    reads_user_deactivated: "user_deactivated",
    reads_login_succeeded: "login_succeeded",
    reads_login_failed: "login_failed",
    reads_approval_refused: "approval_refused",
    reads_user_locked_out: "user_locked_out",
    reads_pin_set: "pin_set",
    reads_user_unlocked: "user_unlocked",
    reads_clock_warning: "clock_warning",
    reads_payables_imported: "payables_imported",
    reads_payables_staged: "payables_staged",
    reads_payables_import_committed: "payables_import_committed",
    reads_fees_imported: "fees_imported",
    reads_drawer_opened: "drawer_opened",
    reads_payment_taken: "payment_taken",
    reads_payment_voided: "payment_voided",
    reads_payment_refunded: "payment_refunded",
    reads_check_returned: "check_returned",
    reads_receipt_reprinted: "receipt_reprinted",
    reads_cash_dropped: "cash_dropped",
    reads_paid_in: "paid_in",
    reads_paid_out: "paid_out",
    reads_no_sale: "no_sale",
    reads_drawer_counted: "drawer_counted",
    reads_drawer_closed: "drawer_closed",
    reads_batch_opened: "batch_opened",
    reads_batch_item_added: "batch_item_added",
    reads_batch_item_removed: "batch_item_removed",
    reads_batch_balanced: "batch_balanced",
    reads_batch_approved: "batch_approved",
    reads_batch_rejected: "batch_rejected",
    reads_batch_reopened: "batch_reopened",
    reads_deposit_created: "deposit_created",
    reads_day_closed: "day_closed",
    reads_payments_exported: "payments_exported",
    reads_autopay_enrolled: "autopay_enrolled",
    reads_autopay_cancelled: "autopay_cancelled",
    reads_autopay_run_prepared: "autopay_run_prepared",
    reads_autopay_run_rejected: "autopay_run_rejected",
    reads_autopay_run_approved: "autopay_run_approved",
    reads_autopay_settled: "autopay_settled",
    reads_autopay_returned: "autopay_returned",
    reads_lockbox_imported: "lockbox_imported",
    reads_lockbox_exception_resolved: "lockbox_exception_resolved",
    reads_bank_statement_imported: "bank_statement_imported",
}

// Proves the golden files and the kinds agree: every file in tests/golden/events names a kind with a
// sample, so no golden payload goes unread.
#[test]
fn every_golden_file_is_read() {
    let kinds: Vec<String> = samples().iter().map(|event| format!("{}.json", event.kind())).collect();
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(kinds.contains(&name), "{name} has no sample");
    }
}

// Proves a golden payload read without its kind column (head office's copies, in any key order) reads
// the same, through the payload's own `kind` key.
#[test]
fn golden_payloads_read_by_their_own_tag_in_any_order() {
    for event in samples() {
        let golden = std::fs::read_to_string(golden_dir().join(format!("{}.json", event.kind()))).unwrap();
        assert_eq!(citytill::ledger::payload::decode_tagged(&golden).unwrap(), event);
        let reordered = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&golden).unwrap()).unwrap();
        assert_eq!(citytill::ledger::payload::decode_tagged(&reordered).unwrap(), event, "{reordered}");
    }
}
