//! The command contract scripts rely on: a real `citytill` binary on a real SQLite file, checked
//! end to end — payments, tenders, drawer day, corrections with dual control, and refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, ADMIN_PIN, PIN};

// Proves a cash payment records the exact total, tendered and change, and a receipt number per terminal.
#[test]
fn cash_payment_gives_change_and_a_gap_free_receipt() {
    let city = City::new();
    city.ana_with_drawer();
    let first = city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--amount", "84.12", "--tender", "cash=100.00", "--json"]).expect_ok().json();
    assert_eq!(first["receipt"], "T01-000001");
    assert_eq!(first["total"], "84.12");
    assert_eq!(first["tendered"], "100.00");
    assert_eq!(first["change"], "15.88");
    let second = city.as_user("ana", PIN).args(&["pay", "--account", "BL-0000042", "--tender", "cash=120", "--json"]).expect_ok().json();
    assert_eq!(second["receipt"], "T01-000002");
    assert_eq!(second["change"], "0.00");
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '100200-01'"), 0);
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = 'BL-0000042'"), 0);
    let shown = city.run(&["receipt", "show", "T01-000001", "--json"], &[]).json();
    assert_eq!(shown["status"], "paid");
    assert_eq!(shown["total"], "84.12");
    assert_eq!(shown["reprints"], 0);
    let reprint = city.as_user("ana", PIN).args(&["receipt", "reprint", "T01-000001"]).expect_ok();
    assert!(reprint.stdout.contains("DUPLICATE"), "{}", reprint.stdout);
    assert!(reprint.stdout.contains("84.12"), "{}", reprint.stdout);
    assert_eq!(city.run(&["receipt", "show", "T01-000001", "--json"], &[]).json()["reprints"], 1);
}

// Proves split tenders, overpayment as customer credit, fees, and that only cash may exceed the amount due.
#[test]
fn split_tenders_fees_and_overpayment() {
    let city = City::new();
    city.ana_with_drawer();
    let paid = city
        .as_user("ana", PIN)
        .args(&[
            "pay",
            "--account",
            "PC00001234",
            "--amount",
            "50.00",
            "--fee",
            "DOG",
            "--fee",
            "MISC=5.50",
            "--tender",
            "check=40.00,routing=021000021,account=000123456789,number=1001",
            "--tender",
            "card=20.00,brand=visa,last4=4242,auth=A1B2C3",
            "--tender",
            "cash=20.00",
            "--json",
        ])
        .expect_ok()
        .json();
    assert_eq!(paid["total"], "70.50");
    assert_eq!(paid["change"], "9.50");
    assert_eq!(paid["credit"], "5.00");
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = 'PC00001234'"), -500);
    city.as_user("ana", PIN)
        .args(&["pay", "--account", "100300-02", "--amount", "10.00", "--tender", "card=20.00,brand=visa,last4=4242,auth=X"])
        .expect_refused("only cash may exceed the amount due", 0);
    city.as_user("ana", PIN).args(&["pay", "--account", "100300-02", "--amount", "10.00", "--tender", "cash=5.00"]).expect_refused("tender: 5.00 tendered is less than the 10.00 due", 0);
}

// Proves bad input is refused with one line naming the field and the problem, writing nothing.
#[test]
fn bad_input_is_refused_naming_the_field() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    ana().args(&["pay", "--account", "100200-01", "--amount", "1.234", "--tender", "cash=5"]).expect_refused("--amount: '1.234' has more than 2 decimal places", 0);
    ana().args(&["pay", "--account", "100200-01", "--amount", "abc", "--tender", "cash=5"]).expect_refused("--amount: 'abc' is not an amount", 0);
    ana().args(&["pay", "--account", "100200-01", "--amount", "-3", "--tender", "cash=5"]).expect_refused("--amount: -3 is negative", 0);
    ana().args(&["pay", "--account", "100200-01", "--amount", "2000000", "--tender", "cash=5"]).expect_refused("over the maximum of 1000000.00", 0);
    ana().args(&["pay", "--account", "NOPE-1", "--tender", "cash=5"]).expect_refused("account: 'NOPE-1' is not a known", 0);
    ana().args(&["pay", "--account", "BP-0000007", "--amount", "5", "--tender", "cash=5"]).expect_refused("is closed", 0);
    ana().args(&["pay", "--account", "100200-01", "--tender", "card=84.12,brand=visa,last4=4242,auth=4111111111111111"]).expect_refused("card: a full card number", 0);
    ana().args(&["pay", "--account", "4111 1111 1111 1111", "--tender", "cash=5"]).expect_refused("--account: looks like a card number", 0);
    ana().args(&["pay", "--account", "100200-01", "--tender", "check=84.12,routing=112000025"]).expect_refused("routing number '112000025'", 0);
    ana().args(&["pay", "--account", "100200-01", "--fee", "MISC", "--tender", "cash=500"]).expect_refused("fee MISC: a variable fee needs an amount", 0);
    city.as_user("ben", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=100"]).expect_refused("drawer: ben has no open drawer", 0);
    city.as_user("ana", "0000").args(&["pay", "--account", "100200-01", "--tender", "cash=100"]).expect_refused("unknown user or wrong PIN", 1);
}

// Proves a CSV with bad rows is rejected whole, listing every bad row by line and column, importing nothing.
#[test]
fn bad_csv_is_rejected_whole_listing_every_row() {
    let city = City::new();
    city.write(
        "bad.csv",
        "kind,number,name,address,status,balance\n\
         utility,900-1,Good Row,1 A St,active,10.00\n\
         boat,900-2,Bad Kind,2 B St,active,10.00\n\
         utility,900-3,,3 C St,active,10.00\n\
         utility,900-4,Bad Balance,4 D St,active,12.345\n\
         utility,900-5,Short row\n",
    );
    let run = city.as_user("boss", ADMIN_PIN).args(&["import", "payables", &city.path("bad.csv")]).run();
    assert_eq!(run.code, 2);
    for needle in [
        "line 3, column kind: 'boat' is not one of",
        "line 4, column name: is empty",
        "line 5, column balance: balance: '12.345' has more than 2 decimal places",
        "line 6: has 3 columns, expected 6",
        "4 problem(s), nothing imported",
    ] {
        assert!(run.stderr.contains(needle), "missing '{needle}' in {}", run.stderr);
    }
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM payables WHERE number LIKE '900-%'"), 0);
    city.write("wrong-header.csv", "number,kind\n1,utility\n");
    city.as_user("boss", ADMIN_PIN).args(&["import", "payables", &city.path("wrong-header.csv")]).expect_refused("line 1: header must be 'kind,number,name,address,status,balance'", 0);
    city.as_user("ana", PIN).args(&["import", "payables", &city.path("payables.csv")]).expect_refused("may not import reference data", 0);
    // Re-importing a number updates it, journaled.
    city.write("update.csv", "kind,number,name,address,status,balance\nutility,100200-01,Maria Garcia-Lopez,12 Oak Ave,active,99.00\n");
    city.as_user("boss", ADMIN_PIN).args(&["import", "payables", &city.path("update.csv")]).expect_ok();
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '100200-01'"), 9900);
    let found = city.run(&["lookup", "garcia", "oak", "--json"], &[]).json();
    assert_eq!(found[0]["name"], "Maria Garcia-Lopez");
}

// Proves a void needs a second person: self-approval and a cashier approver are refused and audited; a supervisor's works and reverses everything.
#[test]
fn void_needs_a_different_supervisor_and_reverses_the_payment() {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=100.00"]).expect_ok();
    city.as_user("sam", PIN).args(&["drawer", "open", "--float", "20", "--count", "20x1"]).expect_ok();
    city.as_user("sam", PIN).args(&["pay", "--account", "100300-02", "--amount", "50", "--tender", "cash=50"]).expect_ok();
    city.as_user("sam", PIN).approver("sam", PIN).args(&["void", "T01-000002", "--reason", "keyed wrong account"]).expect_refused("cannot approve their own void", 1);
    city.as_user("ana", PIN).approver("ben", PIN).args(&["void", "T01-000001", "--reason", "keyed wrong account"]).expect_refused("ben is a cashier and cannot approve void", 1);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'approval_refused'"), 2);
    city.as_user("ana", PIN).approver("sam", PIN).args(&["void", "T01-000001", "--reason", "keyed wrong account"]).expect_ok();
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '100200-01'"), 8412);
    assert_eq!(city.sql_i64("SELECT approver = 'sam' FROM journal WHERE kind = 'payment_voided'"), 1);
    let shown = city.run(&["receipt", "show", "T01-000001", "--json"], &[]).json();
    assert_eq!(shown["status"], "voided");
    city.as_user("ana", PIN).approver("sam", PIN).args(&["void", "T01-000001", "--reason", "again"]).expect_refused("only a paid receipt can be voided", 0);
    city.ok(&["verify"], &[]);
}

// Proves refunds and returned checks are reversing entries that reinstate balances, and verify stays clean.
#[test]
fn refund_and_returned_check() {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", "check=100.00,routing=021000021,account=99887766,number=554"]).expect_ok();
    city.as_user("ana", PIN).args(&["pay", "--account", "BL-0000042", "--tender", "cash=120.00"]).expect_ok();
    city.as_user("ana", PIN).approver("sam", PIN).args(&["refund", "T01-000002", "--amount", "20.00", "--reason", "duplicate payment"]).expect_ok();
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = 'BL-0000042'"), 2000);
    city.as_user("ana", PIN).approver("sam", PIN).args(&["refund", "T01-000002", "--amount", "100.01", "--reason", "too much"]).expect_refused("more than the 100.00 still refundable", 0);
    city.as_user("ana", PIN).approver("sam", PIN).args(&["nsf", "T01-000001", "--fee", "NSF"]).expect_refused("may not record returned checks", 0);
    city.as_user("lee", PIN).approver("sam", PIN).args(&["nsf", "T01-000002", "--fee", "NSF"]).expect_refused("was not paid by check", 0);
    city.as_user("lee", PIN).approver("sam", PIN).args(&["nsf", "T01-000001", "--fee", "NSF"]).expect_ok();
    // 250.00 - 100.00 paid + 100.00 reinstated + 25.00 fee.
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '100300-02'"), 27500);
    assert_eq!(city.run(&["receipt", "show", "T01-000001", "--json"], &[]).json()["status"], "returned_check");
    city.ok(&["verify"], &[]);
}

// Proves the blind close: expected = float + cash in − change − drops − paid-outs, over/short per tender, approval beyond the limit on the recorded count.
#[test]
fn blind_close_computes_over_short_and_needs_approval_beyond_the_limit() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    ana().args(&["pay", "--account", "100200-01", "--tender", "cash=100.00"]).expect_ok();
    ana().args(&["pay", "--account", "BL-0000042", "--tender", "check=120.00,routing=021000021,account=5555,number=77"]).expect_ok();
    ana().args(&["pay", "--account", "PC00001234", "--tender", "card=45.00,brand=mc,last4=4444,auth=Z9"]).expect_ok();
    ana().args(&["drawer", "drop", "100.00"]).expect_ok();
    ana().approver("sam", PIN).args(&["drawer", "paid-out", "12.50", "--reason", "postage for returned mail"]).expect_ok();
    ana().args(&["drawer", "no-sale", "--reason", "customer needed change"]).expect_ok();
    // Expected cash: 170.00 + 100.00 - 15.88 - 100.00 - 12.50 = 141.62. Count 131.62 (10.00 short).
    let first = ana().args(&["drawer", "close", "--count", "100x1,20x1,10x1,1x1,0.25x2,0.10x1,0.01x2", "--checks", "1=120.00", "--card-batch", "45.00", "--json"]).expect_ok().json();
    assert_eq!(first["expected"]["cash"], "141.62");
    assert_eq!(first["counted"]["cash"], "131.62");
    assert_eq!(first["over_short"]["cash"], "-10.00");
    assert_eq!(first["over_short"]["check"], "0.00");
    assert_eq!(first["over_short"]["card"], "0.00");
    assert_eq!(first["approval_required"], true);
    assert_eq!(first["closed"], false);
    ana().args(&["pay", "--account", "100300-02", "--amount", "1", "--tender", "cash=1"]).expect_refused("awaiting close approval", 0);
    ana().args(&["drawer", "close", "--count", "100x1,20x2"]).expect_refused("count is already recorded", 0);
    ana().approver("ana", PIN).args(&["drawer", "close", "--reason", "miscounted change"]).expect_refused("cannot approve their own drawer over/short", 1);
    let closed = ana().approver("sam", PIN).args(&["drawer", "close", "--reason", "gave wrong change", "--json"]).expect_ok().json();
    assert_eq!(closed["closed"], true);
    assert_eq!(closed["over_short"]["cash"], "-10.00");
    assert_eq!(city.sql_i64("SELECT SUM(debit_cents) - SUM(credit_cents) FROM postings WHERE account = '6900'"), 1000);
    city.ok(&["verify"], &[]);
}

// Proves a close within the limit needs no approval and records over/short without forcing it to zero.
#[test]
fn small_over_is_recorded_not_forced() {
    let city = City::new();
    city.ana_with_drawer();
    let result = city.as_user("ana", PIN).args(&["drawer", "close", "--count", "100x1,50x1,20x1,1x1", "--json"]).expect_ok().json();
    assert_eq!(result["over_short"]["cash"], "1.00");
    assert_eq!(result["approval_required"], false);
    assert_eq!(result["closed"], true);
    assert_eq!(city.sql_i64("SELECT SUM(credit_cents) FROM postings WHERE account = '6900'"), 100);
}

// Proves five wrong PINs lock the user out (even with the right PIN) and every failure is journaled.
#[test]
fn wrong_pins_lock_the_user_out() {
    let city = City::new();
    for attempt in 1..=5 {
        // Each failure is journaled; the fifth also journals the lockout.
        let audit = if attempt == 5 { 2 } else { 1 };
        city.as_user("ben", PIN).args(&["drawer", "open", "--float", "1", "--count", "1x1"]).env_pin("9999").expect_refused("unknown user or wrong PIN", audit);
    }
    city.as_user("ben", PIN).args(&["drawer", "open", "--float", "1", "--count", "1x1"]).expect_refused("locked out", 1);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'user_locked_out'"), 1);
    assert!(city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'login_failed'") >= 6);
}

// Proves init refuses to overwrite, the ledger is owner-only, and backup makes a verified copy.
#[test]
fn init_backup_and_file_modes() {
    use std::os::unix::fs::PermissionsExt;
    let city = City::new();
    city.run(&["init", "--terminal", "T02", "--admin", "x"], &[("CITYTILL_NEW_PIN", common::ADMIN_PIN)]);
    let again = city.run(&["init", "--terminal", "T02", "--admin", "x"], &[("CITYTILL_NEW_PIN", common::ADMIN_PIN)]);
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("refusing to overwrite"), "{}", again.stderr);
    assert_eq!(std::fs::metadata(city.ledger()).map(|m| m.permissions().mode() & 0o777).unwrap_or(0), 0o600);
    let copy = city.path("copy.sqlite");
    city.as_user("ana", PIN).args(&["backup", &copy]).expect_refused("may not make backups", 0);
    city.as_user("boss", common::ADMIN_PIN).args(&["backup", &copy]).expect_ok();
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let entries: i64 = conn.query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0)).unwrap();
    assert_eq!(entries, city.journal_len());
    let verify = city.run(&["verify", "--json"], &[]).json();
    assert_eq!(verify["ok"], true);
}

// Proves the receipt search (the window's Receipts screen) finds receipts by account, date and amount,
// newest first, through the receipt lines keyed by payable.
#[test]
fn receipt_search_by_account_date_and_amount() {
    use citytill::ops::query::find_receipts;
    let city = City::new();
    city.ana_with_drawer();
    for (account, amount) in [("100200-01", "10.00"), ("BL-0000042", "20.00"), ("100200-01", "30.00"), ("100200-01", "20.00")] {
        city.as_user("ana", PIN).args(&["pay", "--account", account, "--amount", amount, "--tender", &format!("cash={amount}")]).expect_ok();
    }
    let conn = rusqlite::Connection::open(city.ledger()).unwrap();
    let date: String = conn.query_row("SELECT business_date FROM receipts WHERE number = 1", [], |r| r.get(0)).unwrap();
    let twenty = citytill::Money::from_cents(2000);
    assert_eq!(find_receipts(&conn, Some("100200-01"), None, None, 10).unwrap(), ["T01-000004", "T01-000003", "T01-000001"]);
    assert_eq!(find_receipts(&conn, Some("100200-01"), None, Some(twenty), 10).unwrap(), ["T01-000004"]);
    assert_eq!(find_receipts(&conn, None, None, Some(twenty), 10).unwrap(), ["T01-000004", "T01-000002"]);
    assert_eq!(find_receipts(&conn, None, Some(&date), None, 2).unwrap(), ["T01-000004", "T01-000003"]);
    assert!(find_receipts(&conn, None, Some("1999-01-01"), None, 10).unwrap().is_empty());
    assert!(find_receipts(&conn, Some("NO-SUCH"), None, None, 10).unwrap().is_empty());
}

// Proves `bench --json` (here on a small city) prints the contract's keys with figures that come from the
// runs: as many commit rounds as the payments need, three verify passes over every entry of the verify
// journal (its payments plus the bench cashier, her drawer and the payables import's staged entry and
// commit), a median that lies between the slowest and the fastest pass, and payments taken during an import.
#[test]
fn bench_json_reports_the_contract_figures() {
    let city = City::new();
    let bench = city.run(&["bench", "--payables", "2000", "--payments", "250", "--verify-payments", "1500", "--office-payments", "20", "--json"], &[]);
    assert_eq!(bench.code, 0, "{}{}", bench.stdout, bench.stderr);
    let figures = bench.json();
    for key in ["commit_ratio_vs_raw", "commit_p99_ms", "search_p99_ms", "close_10k_ms", "verify_entries_per_s"] {
        assert!(figures[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {figures}");
    }
    assert_eq!(figures["commit_rounds"], 3, "250 payments in rounds of 100: {figures}");
    assert_eq!(figures["verify_entries"], 1504, "{figures}");
    assert!(figures["payments_during_import"].as_u64().is_some_and(|n| n > 0), "{figures}");
    assert!(figures["reimport_payables_s"].as_f64().is_some_and(|v| v > 0.0) && figures["payment_p99_during_import_ms"].as_f64().is_some(), "{figures}");
    assert_eq!(figures["verify_passes"], 3, "{figures}");
    let (low, median, high) = (figures["verify_entries_per_s_min"].as_f64(), figures["verify_entries_per_s"].as_f64(), figures["verify_entries_per_s_max"].as_f64());
    assert!(low <= median && median <= high, "{low:?} <= {median:?} <= {high:?}");
    assert_eq!(figures["office_day"]["payments_per_drawer"], 20, "{figures}");
}

// Proves `bench --only import` times the two payables imports (the second with payments taken meanwhile) on a ledger verify finds clean, and runs nothing else (no commit rounds, no verify passes, no office day).
#[test]
fn bench_only_import_times_just_the_imports() {
    let city = City::new();
    let bench = city.run(&["bench", "--payables", "3000", "--only", "import", "--json"], &[]);
    assert_eq!(bench.code, 0, "{}{}", bench.stdout, bench.stderr);
    let figures = bench.json();
    for key in ["import_payables_s", "reimport_payables_s", "verify_full_s"] {
        assert!(figures[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {figures}");
    }
    assert!(figures["payments_during_import"].as_u64().is_some_and(|n| n > 0), "{figures}");
    assert_eq!(figures["payments_failed_during_import"], 0, "{figures}");
    assert_eq!((figures["commit_rounds"].as_u64(), figures["verify_passes"].as_u64()), (Some(0), Some(0)), "{figures}");
    assert_eq!(figures["office_day"]["drawers"], 0, "{figures}");
    let refused = city.run(&["bench", "--only", "payments"], &[]);
    assert_ne!(refused.code, 0, "an unknown part is refused: {}", refused.stdout);
}

// Proves `bench --journal-entries N` grows a journal to N entries and reports, under stable JSON keys, p50
// and p99 of every counter and office operation, every report and the window's cold start at N and at the
// base size side by side.
#[test]
fn bench_journal_growth_reports_every_operation_at_both_sizes() {
    let city = City::new();
    let bench = city.run(&["bench", "--journal-entries", "900", "--journal-base", "300", "--json"], &[]);
    assert_eq!(bench.code, 0, "{}{}", bench.stdout, bench.stderr);
    let figures = bench.json();
    let (entries, base) = (figures["entries"].as_i64().unwrap_or(0), figures["base_entries"].as_i64().unwrap_or(0));
    assert!(entries >= 900 && (300..900).contains(&base), "{figures}");
    let mut expected: Vec<String> = ["pay", "void", "refund", "nsf", "drawer_open", "drawer_drop", "drawer_close", "batch_approve", "deposit", "day_close", "receipt_show", "receipt_reprint"]
        .iter()
        .map(|name| name.to_string())
        .collect();
    // The window's cold start (process start to its login screen), timed by starting this program.
    if cfg!(feature = "window") {
        expected.push("window_cold_start".into());
    }
    expected.extend(citytill::reports::NAMES.iter().map(|name| format!("report_{name}")));
    let operations = figures["operations"].as_object().expect("operations");
    assert_eq!(operations.len(), expected.len(), "{figures}");
    for name in &expected {
        let op = &operations[name.as_str()];
        assert!(op["samples"].as_u64().is_some_and(|n| n >= 3), "{name}: {op}");
        for (p50, p99) in [("base_p50_ms", "base_p99_ms"), ("p50_ms", "p99_ms")] {
            let (low, high) = (op[p50].as_f64().unwrap_or(0.0), op[p99].as_f64().unwrap_or(0.0));
            assert!(low > 0.0 && low <= high, "{name} {p50}/{p99}: {op}");
        }
    }
}
