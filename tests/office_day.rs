//! A full office day through the real binary: two drawers, a mail batch that first fails to balance and
//! is corrected after approval, a drop-box batch rejected and reopened, a deposit, the day close, every
//! report checked against totals the test computes itself from what it paid, then a returned check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::{City, PIN};
use serde_json::Value;

const ROUTING: &str = "021000021";

/// What the test paid, kept independently of the program: (tender, amount in cents, payable kind).
#[derive(Default)]
struct Model {
    tenders: BTreeMap<&'static str, i64>,
    kinds: BTreeMap<String, i64>,
    deposit_cash: i64,
    deposit_checks: i64,
    deposit_money_orders: i64,
    payments: i64,
}

impl Model {
    fn paid(&mut self, tender: &'static str, cents: i64, kind: &str) {
        *self.tenders.entry(tender).or_default() += cents;
        *self.kinds.entry(kind.to_string()).or_default() += cents;
        self.payments += 1;
    }

    fn total(&self) -> i64 {
        self.tenders.values().sum()
    }
}

fn cents(text: &str) -> i64 {
    let (whole, part) = text.split_once('.').unwrap_or((text, "0"));
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    sign * (whole.trim_start_matches('-').replace(',', "").parse::<i64>().unwrap() * 100 + format!("{part:0<2}").parse::<i64>().unwrap())
}

/// A demo-30 stub (account 10, amount 8, period 4, filler 7, Luhn check digit) built independently.
fn demo_stub(account: &str, amount_cents: i64) -> String {
    let body = format!("{account:0>10}{amount_cents:08}2411{:07}", 0);
    let sum: u32 = body
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap() * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn template() -> String {
    format!("{}/hardware/profiles/scanline-demo-30.toml", env!("CARGO_MANIFEST_DIR"))
}

/// The rows of a JSON report section by heading prefix.
fn section<'a>(report: &'a Value, heading: &str) -> &'a Value {
    let sections = report["sections"].as_array().unwrap();
    sections
        .iter()
        .find(|s| s["heading"] == heading)
        .or_else(|| sections.iter().find(|s| s["heading"].as_str().unwrap().starts_with(heading)))
        .unwrap_or_else(|| panic!("no section {heading}: {report}"))
}

fn row_amount(section: &Value, key: &str, column: usize) -> i64 {
    section["rows"].as_array().unwrap().iter().find(|r| r[0] == key).map_or(0, |r| cents(r[column].as_str().unwrap()))
}

// Proves a whole office day balances: every report total equals the test's own sums, the GL balances,
// undeposited funds and suspense end at zero, the PDF holds its totals, and verify stays clean.
#[test]
fn a_full_office_day_balances_in_every_report() {
    let city = City::new();
    let mut model = Model::default();
    let ana = || city.as_user("ana", PIN);
    let ben = || city.as_user("ben", PIN);
    let lee = || city.as_user("lee", PIN);
    city.write("mail.csv", "kind,number,name,address,status,balance\nutility,0001234567,Ada Park,5 Hill Rd,active,45.50\nutility,0007654321,Omar Diaz,8 Lake St,active,60.00\nutility,0007654322,Omar Diaz,8 Lake St,active,60.00\n");
    city.as_user("boss", common::ADMIN_PIN).args(&["import", "payables", &city.path("mail.csv")]).expect_ok();
    city.write("deposit.toml", "default_bank = \"1001\"\n[tender]\ncheck = \"1002\"\n");
    std::fs::copy(city.path("deposit.toml"), city.data().join("deposit.toml")).unwrap();

    // Counter: ana and ben take payments; a void, a refund, a paid-out, a no-sale and a drop.
    city.ana_with_drawer();
    ben().args(&["drawer", "open", "--float", "170.00", "--count", "20x5,10x3,5x4,1x10,0.25x40"]).expect_ok();
    let first = ana().args(&["pay", "--account", "100200-01", "--amount", "84.12", "--tender", "cash=100.00", "--json"]).expect_ok().json();
    let date = first["business_date"].as_str().unwrap().to_string();
    model.paid("cash", 8412, "utility");
    ana().args(&["pay", "--account", "BL-0000042", "--tender", &format!("check=120.00,routing={ROUTING},account=000123456789,number=1001")]).expect_ok();
    model.paid("check", 12000, "license");
    ana().args(&["pay", "--fee", "DOG", "--tender", "cash=20.00"]).expect_ok();
    model.paid("cash", 1500, "fee DOG");
    let voided = ana().args(&["pay", "--fee", "MISC=5.50", "--tender", "cash=10.00", "--json"]).expect_ok().json();
    ana().args(&["void", voided["receipt"].as_str().unwrap(), "--reason", "keyed the wrong fee"]).approver("sam", PIN).expect_ok();
    ana().args(&["refund", first["receipt"].as_str().unwrap(), "--amount", "10.00", "--reason", "billing credit"]).approver("sam", PIN).expect_ok();
    ana().args(&["drawer", "paid-out", "3.00", "--reason", "postage due"]).approver("sam", PIN).expect_ok();
    ana().args(&["drawer", "no-sale", "--reason", "change for the meter"]).expect_ok();
    let ben_check = ben().args(&["pay", "--account", "PC00001234", "--tender", &format!("check=45.00,routing={ROUTING},account=99887766,number=2002"), "--json"]).expect_ok().json();
    model.paid("check", 4500, "citation");
    ben().args(&["pay", "--account", "100300-02", "--amount", "50.00", "--tender", "cash=50.00"]).expect_ok();
    model.paid("cash", 5000, "utility");
    ben().args(&["drawer", "drop", "20.00"]).expect_ok();

    // Mail batch M1: the tape says 3 items for 205.50; item 2 is keyed 10.00 instead of 100.00.
    let opened = lee().args(&["batch", "open", "mail", "--control-total", "205.50", "--items", "3", "--json"]).expect_ok().json();
    assert_eq!(opened["batch"], "M1");
    ana().args(&["batch", "add", "M1", "--stub", &demo_stub("0001234567", 4550), "--template", &template(), "--micr", "T021000021T 1234567890U 0123"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--account", "100300-02", "--amount", "10.00", "--micr", "T021000021T 555566667777U 0456"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--stub", &demo_stub("0007654321", 6000), "--template", &template(), "--tender", "money_order=60.00,number=MO-77"]).expect_ok();
    let refused = ana().args(&["batch", "balance", "M1"]).expect_refused("out of balance", 0);
    assert!(refused.stderr.contains("difference -90.00"), "{}", refused.stderr);
    // Held items reach no account until approval.
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '0001234567'"), 4550);
    ana().args(&["batch", "remove", "M1", "--item", "2", "--reason", "keyed 10.00 for 100.00"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--account", "100300-02", "--amount", "100.00", "--micr", "T021000021T 555566667777U 0456"]).expect_ok();
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '0001234567'"), 0);
    // A correction after approval: item 3 belongs to the neighbouring account; reopen, fix, re-approve.
    lee().args(&["batch", "add", "M1", "--account", "100200-01", "--amount", "1.00"]).expect_refused("M1 is approved", 0);
    lee().args(&["batch", "reopen", "M1", "--reason", "item 3 posted to the wrong account"]).expect_refused("needs a different supervisor", 0);
    lee().args(&["batch", "reopen", "M1", "--reason", "item 3 posted to the wrong account"]).approver("sue", PIN).expect_ok();
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '0001234567'"), 4550);
    ana().args(&["batch", "remove", "M1", "--item", "3", "--reason", "wrong account"]).expect_ok();
    ana().args(&["batch", "add", "M1", "--stub", &demo_stub("0007654322", 6000), "--template", &template(), "--tender", "money_order=60.00,number=MO-77"]).expect_ok();
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    lee().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_ok();
    model.paid("check", 4550, "utility");
    model.paid("check", 10000, "utility");
    model.paid("money_order", 6000, "utility");
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '0007654321'"), 6000);
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '0007654322'"), 0);

    // Drop-box batch B1, opened by supervisor sue: she may not approve it; rejected, reopened, approved.
    city.as_user("sue", PIN).args(&["batch", "open", "drop-box", "--control-total", "25.00", "--items", "1"]).expect_ok();
    ana().args(&["batch", "add", "B1", "--account", "100300-02", "--amount", "25.00", "--tender", "cash=25.00"]).expect_ok();
    ana().args(&["batch", "balance", "B1"]).expect_ok();
    ana().args(&["batch", "approve", "B1"]).approver("sue", PIN).expect_refused("sue prepared batch B1", 1);
    ana().args(&["batch", "reject", "B1", "--reason", "envelope had no stub"]).approver("sam", PIN).expect_ok();
    lee().args(&["batch", "reopen", "B1", "--reason", "stub found in the box"]).expect_ok();
    ana().args(&["batch", "balance", "B1"]).expect_ok();
    ana().args(&["batch", "approve", "B1"]).approver("sam", PIN).expect_ok();
    model.paid("cash", 2500, "utility");

    // The day cannot close while ben's drawer is open and the counter batches are unapproved.
    let refusal = lee().args(&["day", "close", "--date", &date]).expect_refused("drawer 2 (ben) is open", 0);
    assert!(refusal.stderr.contains("batch D1 is open"), "{}", refusal.stderr);

    // Blind closes: ana is 1.00 short (within the limit), ben exact.
    let ana_expected_cash = 17000 + 10000 - 1588 + 2000 - 500 - 1000 - 300;
    let ana_count = "20x9,10x3,5x5,1x10,0.25x40,0.10x1,0.01x2";
    assert_eq!(ana_expected_cash - 100, 18000 + 3000 + 2500 + 1000 + 1000 + 12);
    let closed = ana().args(&["drawer", "close", "--count", ana_count, "--checks", "1=120.00", "--json"]).expect_ok().json();
    assert_eq!(cents(closed["over_short"]["cash"].as_str().unwrap()), -100);
    ben().args(&["drawer", "close", "--count", "20x6,10x4,5x4,1x10,0.25x40", "--checks", "1=45.00"]).expect_ok();
    for batch in ["D1", "D2"] {
        lee().args(&["batch", "balance", batch]).expect_refused("is balanced", 0);
        lee().args(&["batch", "approve", batch]).approver("sam", PIN).expect_ok();
    }

    // Deposit: counted cash less the float (by denomination), drops and mail cash, every check listed.
    let deposit = lee().args(&["deposit", "create", "--date", &date, "--pdf", &city.path("slip.pdf"), "--json"]).expect_ok().json();
    model.deposit_cash = (ana_expected_cash - 100 - 17000) + (20000 - 17000) + 2000 + 2500;
    model.deposit_checks = 12000 + 4500 + 4550 + 10000;
    model.deposit_money_orders = 6000;
    let lines: Vec<(String, String, i64)> =
        deposit["slip"]["lines"].as_array().unwrap().iter().map(|l| (l["bank_account"].as_str().unwrap().into(), l["tender"].as_str().unwrap().into(), cents(l["amount"].as_str().unwrap()))).collect();
    assert!(lines.contains(&("1001".into(), "cash".into(), model.deposit_cash)), "{lines:?}");
    assert!(lines.contains(&("1002".into(), "check".into(), model.deposit_checks)), "{lines:?}");
    assert!(lines.contains(&("1001".into(), "money_order".into(), model.deposit_money_orders)), "{lines:?}");
    let by_denomination: i64 = deposit["slip"]["cash"].as_array().unwrap().iter().map(|r| cents(r["denomination"].as_str().unwrap()) * r["pieces"].as_i64().unwrap()).sum();
    assert_eq!(by_denomination + cents(deposit["slip"]["cash_uncounted"].as_str().unwrap()), model.deposit_cash);
    assert_eq!(deposit["slip"]["checks"].as_array().unwrap().len(), 4);
    assert!(deposit["slip"]["checks"].as_array().unwrap().iter().all(|c| c["account_last4"].as_str().unwrap().len() == 4));
    lee().args(&["deposit", "create", "--date", &date]).expect_refused("no approved batch waiting", 0);
    let slip_text = pdf_text(&city.path("slip.pdf"));
    assert!(slip_text.contains("DEPOSIT SLIP") && slip_text.contains(&money(model.deposit_checks)), "{slip_text}");

    // Day close, and later payments go to the next business date.
    let day = lee().args(&["day", "close", "--date", &date, "--json"]).expect_ok().json();
    let next = day["next_business_date"].as_str().unwrap().to_string();
    assert_ne!(next, date);
    lee().args(&["day", "close", "--date", &date]).expect_refused("already closed", 0);
    city.ana_with_drawer();
    let later = ana().args(&["pay", "--account", "100300-02", "--amount", "1.00", "--tender", "cash=1.00", "--json"]).expect_ok().json();
    assert_eq!(later["business_date"], next.as_str());

    check_reports(&city, &date, &model);
    check_export(&city, &date, &model);

    // A returned check arrives after the deposit: it is reported on the next business date.
    lee().args(&["nsf", ben_check["receipt"].as_str().unwrap(), "--fee", "NSF"]).approver("sam", PIN).expect_ok();
    let nsf = city.run(&["report", "nsf", "--date", &next, "--format", "json"], &[]).json();
    let returned = section(&nsf, "Returned checks");
    assert_eq!(returned["rows"].as_array().unwrap().len(), 1);
    assert_eq!(returned["rows"][0][2], "45.00");
    assert_eq!(returned["rows"][0][6], "sam");
    city.ok(&["verify"], &[]);
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn pdf_text(path: &str) -> String {
    let out = std::process::Command::new("pdftotext").args(["-layout", path, "-"]).output().expect("pdftotext (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn report(city: &City, name: &str, date: &str) -> Value {
    city.run(&["report", name, "--date", date, "--format", "json"], &[]).json()
}

fn check_reports(city: &City, date: &str, model: &Model) {
    let day = report(city, "day", date);
    let tenders = section(&day, "Receipts by tender");
    for (tender, cents) in &model.tenders {
        assert_eq!(row_amount(tenders, tender, 2), *cents, "tender {tender}");
    }
    assert_eq!(cents(tenders["totals"][2].as_str().unwrap()), model.total());
    let kinds = section(&day, "Receipts by payable kind");
    for (kind, cents) in &model.kinds {
        assert_eq!(row_amount(kinds, kind, 2), *cents, "kind {kind}");
    }

    let gl = report(city, "gl", date);
    let distribution = section(&gl, "GL distribution");
    assert_eq!(distribution["totals"][2], distribution["totals"][3], "GL must balance");
    let net = |account: &str| row_amount(distribution, account, 4);
    assert_eq!(net("1001"), model.deposit_cash + model.deposit_money_orders);
    assert_eq!(net("1002"), model.deposit_checks);
    assert_eq!(net("1200"), 0, "everything received was deposited");
    assert_eq!(net("2150"), 0, "no remittance left in suspense");
    assert_eq!(net("6900"), 100, "ana's shortage");
    assert_eq!(net("6910"), 300, "the paid-out");

    let drawer = report(city, "drawer", date);
    let z = section(&drawer, "Z report - drawer 1 - ana");
    assert_eq!(row_amount(z, "cash", 3), -100);
    assert_eq!(row_amount(z, "check", 2), 12000);

    let exceptions = report(city, "exceptions", date);
    let by_kind = section(&exceptions, "Exceptions by kind");
    for (kind, count) in
        [("payment_voided", 1), ("payment_refunded", 1), ("paid_out", 1), ("no_sale", 1), ("approval_refused", 1), ("batch_rejected", 1), ("batch_reopened", 2), ("batch_item_removed", 2)]
    {
        let found = by_kind["rows"].as_array().unwrap().iter().find(|r| r[0] == kind).map(|r| r[1].as_str().unwrap().to_string());
        assert_eq!(found.as_deref(), Some(count.to_string().as_str()), "{kind}");
    }
    let rows = section(&exceptions, "Exceptions")["rows"].as_array().unwrap().clone();
    let void = rows.iter().find(|r| r[2] == "payment_voided").unwrap();
    assert_eq!((void[5].as_str(), void[6].as_str(), void[7].as_str()), (Some("ana"), Some("sam"), Some("keyed the wrong fee")));

    let gaps = report(city, "gaps", date);
    let series = &section(&gaps, "Number series")["rows"][0];
    assert_eq!(series[3], "6");
    assert_eq!(series[4], "1");
    assert_eq!(series[5], "0");

    let over_short = report(city, "over-short", date);
    assert_eq!(row_amount(section(&over_short, "Per cashier"), "ana", 2), -100);

    let deposit = report(city, "deposit", date);
    assert!(deposit["lines"][0].as_str().unwrap().ends_with(&money(model.deposit_cash + model.deposit_checks + model.deposit_money_orders)));

    // Every report renders in every format; the GL's PDF carries its balanced totals.
    for name in ["drawer", "day", "gl", "deposit", "exceptions", "gaps", "over-short", "nsf"] {
        for format in ["text", "csv", "pdf"] {
            let out = city.path(&format!("{name}.{format}"));
            city.ok(&["report", name, "--date", date, "--format", format, "--out", &out], &[]);
            assert!(std::fs::metadata(&out).unwrap().len() > 0, "{name} {format}");
        }
    }
    let text = pdf_text(&city.path("gl.pdf"));
    let total = distribution["totals"][2].as_str().unwrap();
    assert!(text.contains("GL distribution") && text.contains(total), "{text}");
}

fn check_export(city: &City, date: &str, model: &Model) {
    let out = city.path("postings.csv");
    let before = city.journal_len();
    city.as_user("lee", PIN).args(&["export", "payments", "--date", date, "--out", &out]).expect_ok();
    assert_eq!(city.journal_len(), before + 1, "the export is journaled");
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("account,kind,amount,receipt,date,tender,batch"));
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    // The 10.00 refunded before export goes out with its payment, under its own reference.
    let (reversals, rows): (Vec<Vec<String>>, Vec<Vec<String>>) = rows.into_iter().partition(|r| r[3].contains(':'));
    assert_eq!(reversals.len(), 1, "{reversals:?}");
    assert_eq!((reversals[0][0].as_str(), reversals[0][2].as_str()), ("100200-01", "-10.00"));
    assert!(reversals[0][3].contains(":refund:"), "{reversals:?}");
    assert_eq!(rows.len() as i64, model.payments);
    assert_eq!(rows.iter().map(|r| cents(&r[2])).sum::<i64>(), model.total());
    let mut receipts: Vec<&String> = rows.iter().map(|r| &r[3]).collect();
    receipts.sort();
    receipts.dedup();
    assert_eq!(receipts.len() as i64, model.payments, "each payment once");
    city.as_user("lee", PIN).args(&["export", "payments", "--date", date, "--out", &out]).expect_ok();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text, "a second export has nothing new: it writes the same file again");
    assert_eq!(city.journal_len(), before + 1);
}
