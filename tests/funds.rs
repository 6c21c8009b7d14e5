//! Funds and convenience fees through the real binary: a day of utility and parking payments by cash, card
//! and ACH whose GL by fund adds up to the plain GL, a deposit split across two funds' banks, a card
//! convenience fee shown before it is taken and booked on its own line and account, and bad schedules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};
use serde_json::Value;

const SETTINGS: &str = r#"
[funds]
default = "general"
[funds.fund.general]
name = "General fund"
[funds.fund.water]
name = "Water fund"
bank = "1002"
[funds.fund.parking]
name = "Parking fund"
[funds.kinds]
utility = "water"
citation = "parking"

[convenience_fee]
enabled = true
[convenience_fee.card]
percent = "2.5"
minimum = "1.00"
"#;

fn cents(text: &str) -> i64 {
    let negative = text.starts_with('-');
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    let value: i64 = digits.parse().unwrap_or_else(|_| panic!("not an amount: {text}"));
    if negative {
        -value
    } else {
        value
    }
}

fn section<'a>(report: &'a Value, heading: &str) -> &'a Value {
    report["sections"].as_array().unwrap().iter().find(|s| s["heading"] == heading).unwrap_or_else(|| panic!("no section {heading}: {report}"))
}

/// (debits, credits) of the rows of `fund` and `account` in the GL by fund.
fn fund_row(by_fund: &Value, fund: &str, account: &str) -> (i64, i64) {
    by_fund["rows"].as_array().unwrap().iter().find(|r| r[0] == fund && r[1] == account).map(|r| (cents(r[3].as_str().unwrap()), cents(r[4].as_str().unwrap()))).unwrap_or((0, 0))
}

// Proves a day of utility (water fund) and citation (parking fund) payments by cash, card and ACH with a
// 2.5% (minimum 1.00) card convenience fee: the fee is named before the payment is taken (a card tender that
// leaves it out is refused with the figure, nothing written), is its own receipt line credited to 4920, is
// not refunded; the GL by fund adds up to the plain GL, each fund's own lines in it; the deposit sends the
// water fund's cash to 1002 and the parking fund's to 1001 (one tender split); verify stays clean.
#[test]
fn a_day_by_fund_with_a_card_convenience_fee() {
    let city = City::new();
    std::fs::write(city.data().join("citytill.toml"), SETTINGS).unwrap();
    let ana = || city.as_user("ana", PIN);
    city.ana_with_drawer();
    let first = ana().args(&["pay", "--account", "100200-01", "--amount", "84.12", "--tender", "cash=100.00", "--json"]).expect_ok().json();
    let date = first["business_date"].as_str().unwrap().to_string();
    assert!(first.get("convenience_fee").is_none(), "cash carries no fee: {first}");
    ana().args(&["pay", "--account", "PC00001234", "--tender", "cash=45.00"]).expect_ok();

    // The card: 100.00 due; the quote names the fee and records nothing; a 100.00 card tender is refused
    // naming the 2.50 fee, 102.50 is taken.
    let entries = city.journal_len();
    let quote = ana().args(&["pay", "--quote", "--account", "100300-02", "--amount", "100.00"]).expect_ok().stdout;
    assert!(quote.contains("By card: 102.50 (convenience fee 2.50)") && quote.contains("By ACH: 100.00 (convenience fee 0.00)"), "{quote}");
    let quoted = ana().args(&["pay", "--quote", "--account", "100300-02", "--json"]).expect_ok().json();
    assert_eq!((quoted["due"].as_str(), quoted["card"]["convenience_fee"].as_str()), (Some("250.00"), Some("6.25")), "the whole balance");
    assert_eq!(city.journal_len(), entries, "a quote records nothing");
    let card = "card=100.00,brand=visa,last4=4242,auth=A1B2C3";
    let refused = ana().args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", card]).expect_refused("102.50 due (with a 2.50 convenience fee", 0);
    assert_eq!(refused.stderr.trim().lines().count(), 1, "{}", refused.stderr);
    let paid = ana().args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", "card=102.50,brand=visa,last4=4242,auth=A1B2C3"]).expect_ok();
    assert!(paid.stdout.contains("total 102.50 (convenience fee 2.50)"), "{}", paid.stdout);
    let receipt = paid.stdout.split_whitespace().nth(1).unwrap().to_string();
    let shown = city.as_user("ana", PIN).args(&["receipt", "show", &receipt]).expect_ok().stdout;
    assert!(shown.contains("Convenience fee") && shown.contains("2.50") && shown.contains("100.00"), "{shown}");
    assert_eq!(city.sql_i64("SELECT balance_cents FROM payables WHERE number = '100300-02'"), 15000, "the fee never reaches the account");
    // No ACH schedule: an ACH payment carries no fee.
    let ach = ana().args(&["pay", "--account", "BL-0000042", "--tender", "ach=120.00,ref=WEB-1", "--json"]).expect_ok().json();
    assert_eq!(ach["total"], "120.00");
    // A refund gives back at most the lines, never the convenience fee.
    ana().args(&["refund", &receipt, "--amount", "102.50", "--reason", "customer asked"]).approver("sam", PIN).expect_refused("100.00 still refundable", 0);

    // Close exactly (float 170.00 + 84.12 + 45.00 cash) and deposit.
    ana().args(&["drawer", "close", "--count", "20x10,10x5,5x5,1x14,0.25x40,0.10x1,0.01x2", "--card-batch", "102.50"]).expect_ok();
    city.as_user("lee", PIN).args(&["batch", "approve", "D1"]).approver("sam", PIN).expect_ok();
    let deposit = city.as_user("lee", PIN).args(&["deposit", "create", "--date", &date, "--json"]).expect_ok().json();
    let lines: Vec<(String, String, i64)> = deposit["slip"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["bank_account"].as_str().unwrap().to_string(), l["tender"].as_str().unwrap().to_string(), cents(l["amount"].as_str().unwrap())))
        .collect();
    assert_eq!(lines, vec![("1001".to_string(), "cash".to_string(), 4500), ("1002".to_string(), "cash".to_string(), 8412)], "water's cash to 1002, parking's to 1001");
    let parts: Vec<(String, i64)> = deposit["funds"].as_array().unwrap().iter().map(|p| (p["fund"].as_str().unwrap().to_string(), cents(p["amount"].as_str().unwrap()))).collect();
    assert_eq!(parts, vec![("parking".to_string(), 4500), ("water".to_string(), 8412)]);

    let gl = city.run(&["report", "gl", "--date", &date, "--format", "json"], &[]).json();
    let plain = section(&gl, "GL distribution");
    let by_fund = section(&gl, "GL by fund");
    assert_eq!(plain["totals"][2], by_fund["totals"][3], "debits add up");
    assert_eq!(plain["totals"][3], by_fund["totals"][4], "credits add up");
    assert!(by_fund["notes"][0].as_str().unwrap().starts_with("Adds up"), "{by_fund}");
    let plain_net = |account: &str| plain["rows"].as_array().unwrap().iter().find(|r| r[0] == account).map_or(0, |r| cents(r[4].as_str().unwrap()));
    assert_eq!(plain_net("4920"), -250, "the fee's own revenue account");
    assert_eq!(fund_row(by_fund, "general", "4920"), (0, 250));
    assert_eq!(fund_row(by_fund, "water", "1310"), (0, 18412), "utility receivable in the water fund");
    assert_eq!(fund_row(by_fund, "parking", "1330"), (0, 4500));
    assert_eq!(fund_row(by_fund, "water", "1040"), (10000, 0), "the card's principal is water's");
    assert_eq!(fund_row(by_fund, "general", "1040"), (250, 0), "its fee is the general fund's");
    assert_eq!(fund_row(by_fund, "water", "1002"), (8412, 0));
    // Parking has no bank of its own: its cash went by tender to 1001, which the GL files under the default fund.
    assert_eq!(fund_row(by_fund, "general", "1001"), (4500, 0));
    // Every account's rows over all funds equal its plain line.
    for row in plain["rows"].as_array().unwrap() {
        let account = row[0].as_str().unwrap();
        let (d, c) = ["general", "water", "parking"].iter().map(|f| fund_row(by_fund, f, account)).fold((0, 0), |(d, c), (x, y)| (d + x, c + y));
        assert_eq!((d, c), (cents(row[2].as_str().unwrap()), cents(row[3].as_str().unwrap())), "account {account}");
    }
    let verify = city.run(&["verify"], &[]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
}

// Proves a bad convenience-fee schedule or fund map in citytill.toml is refused on one line naming the key,
// before anything is written.
#[test]
fn bad_schedules_name_the_field() {
    let city = City::new();
    let before = city.journal_len();
    for (settings, key) in [
        ("[convenience_fee]\nenabled = true\n[convenience_fee.card]\npercent = \"2,5\"\n", "convenience_fee.card.percent:"),
        ("[convenience_fee]\n[convenience_fee.ach]\nminimum = \"-1.00\"\n", "convenience_fee.ach.minimum:"),
        ("[convenience_fee]\n[convenience_fee.card]\nminimum = \"2.00\"\nmaximum = \"1.00\"\n", "convenience_fee.card.maximum:"),
        ("[funds.kinds]\nutility = \"water\"\n", "funds.kinds.utility: fund 'water' is not declared"),
    ] {
        std::fs::write(city.data().join("citytill.toml"), settings).unwrap();
        let run = city.as_user("ana", PIN).args(&["pay", "--fee", "DOG", "--tender", "cash=15.00"]).run();
        assert_ne!(run.code, 0, "{settings}");
        assert!(run.stderr.contains(key) && run.stderr.trim().lines().count() == 1, "{settings}: {}", run.stderr);
    }
    assert_eq!(city.journal_len(), before);
}

// Proves a void takes the convenience fee back with the rest of the payment (4920 nets to zero), and that
// with no [convenience_fee] table a card payment carries no fee at all; verify stays clean.
#[test]
fn a_void_reverses_the_fee_and_no_schedule_means_no_fee() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    let plain = ana().args(&["pay", "--account", "100200-01", "--amount", "10.00", "--tender", "card=10.00,brand=visa,last4=4242,auth=A1", "--json"]).expect_ok().json();
    assert_eq!(plain["total"], "10.00");
    assert!(plain.get("convenience_fee").is_none(), "off by default: {plain}");
    std::fs::write(city.data().join("citytill.toml"), SETTINGS).unwrap();
    let paid = ana().args(&["pay", "--account", "100200-01", "--amount", "10.00", "--tender", "card=11.00,brand=visa,last4=4242,auth=A1", "--json"]).expect_ok().json();
    assert_eq!((paid["total"].as_str(), paid["convenience_fee"].as_str()), (Some("11.00"), Some("1.00")), "the 1.00 minimum");
    let fee_net = || city.sql_i64("SELECT COALESCE(SUM(debit_cents - credit_cents), 0) FROM postings WHERE account = '4920'");
    assert_eq!(fee_net(), -100);
    ana().args(&["void", paid["receipt"].as_str().unwrap(), "--reason", "wrong account"]).approver("sam", PIN).expect_ok();
    assert_eq!(fee_net(), 0, "the void reversed the fee");
    let verify = city.run(&["verify"], &[]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
}
