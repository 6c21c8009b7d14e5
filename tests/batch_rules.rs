//! The batch, deposit, day and report commands' refusals: each bad input or broken rule gets one clear
//! line naming the field and the problem, and nothing is written (beyond an audited refused approval).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};

fn template() -> String {
    format!("{}/hardware/profiles/scanline-demo-30.toml", env!("CARGO_MANIFEST_DIR"))
}

/// The template's own valid example: account 0001234567, amount due 45.50.
const STUB: &str = "000123456700004550240500000002";

fn city_with_mail_batch() -> City {
    let city = City::new();
    city.write("stub.csv", "kind,number,name,address,status,balance\nutility,0001234567,Ada Park,5 Hill Rd,active,45.50\n");
    city.as_user("boss", common::ADMIN_PIN).args(&["import", "payables", &city.path("stub.csv")]).expect_ok();
    city.as_user("lee", PIN).args(&["batch", "open", "mail", "--control-total", "45.50", "--items", "1"]).expect_ok();
    city
}

// Proves scanned stubs and checks are validated at the edge: check digit, length, routing, amounts, accounts.
#[test]
fn bad_scans_are_refused_naming_the_field() {
    let city = city_with_mail_batch();
    let ana = || city.as_user("ana", PIN);
    let t = template();
    let bad_digit = format!("{}3", &STUB[..29]);
    ana().args(&["batch", "add", "M1", "--stub", &bad_digit, "--template", &t]).expect_refused("--stub: scanline: check digit at position 30 is 3, expected 2", 0);
    ana().args(&["batch", "add", "M1", "--stub", &STUB[..29], "--template", &t]).expect_refused("--stub: scanline: 29 digits", 0);
    ana().args(&["batch", "add", "M1", "--stub", &STUB[..29]]).expect_refused("--stub: scanline: 29 digits; no stub template has that length (demo-30 (30), city-utility (42))", 0);
    ana().args(&["batch", "add", "M1", "--stub", STUB, "--template", "/nonexistent.toml"]).expect_refused("--template: template /nonexistent.toml", 0);
    ana().args(&["batch", "add", "M1", "--stub", STUB, "--template", &t, "--micr", "T112000025T 1234567890U 0123"]).expect_refused("--micr: routing number 112000025: checksum fails", 0);
    ana()
        .args(&["batch", "add", "M1", "--stub", STUB, "--template", &t, "--micr", "T021000021T 1234567890U 0123 $0000001050$"])
        .expect_refused("--micr: the check is encoded for 10.50, the item is 45.50", 0);
    ana().args(&["batch", "add", "M1", "--account", "NOPE-1", "--amount", "5"]).expect_refused("account: 'NOPE-1' is not a known", 0);
    ana().args(&["batch", "add", "M1", "--account", "100200-01"]).expect_refused("--amount: required", 0);
    ana().args(&["batch", "add", "M1", "--account", "BP-0000007", "--amount", "5"]).expect_refused("BP-0000007 is closed", 0);
    ana().args(&["batch", "add", "M1", "--account", "100200-01", "--amount", "5", "--tender", "card=5.00,last4=4242,auth=4111111111111111"]).expect_refused("card: a full card number", 0);
    ana().args(&["batch", "add", "M9", "--account", "100200-01", "--amount", "5"]).expect_refused("batch: 'M9' not found", 0);
    ana().args(&["batch", "add", "M1", "--stub", STUB, "--template", &t, "--micr", "T021000021T 1234567890U 0123"]).expect_ok();
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM batch_items WHERE batch = 'M1' AND state = 'held'"), 1);
    city.ok(&["verify"], &[]);
}

/// A city's own 24-digit stub layout (account 12, amount due 11 with cents, Luhn check digit); nothing shipped reads it.
const CITY_TEMPLATE: &str = "name = \"parking-24\"\nlength = 24\n\
    [[field]]\nname = \"account\"\nstart = 1\nlength = 12\n\
    [[field]]\nname = \"amount_due\"\nstart = 13\nlength = 11\ndecimals = 2\n\
    [[check]]\nposition = 24\nrange = [1, 23]\nmodulus = 10\nweights = [2, 1]\nfrom = \"right\"\nsum = \"digits\"\nresult = \"complement\"\n";

/// A stub in that layout: account 000001234567, 25.00 due, check digit 6.
const CITY_STUB: &str = "000001234567000000025006";

// Proves a city's stub layout named in citytill.toml ([scanline] templates = [file]) is read by the real binary's
// `batch add --stub` and `scan stub` without --template or a rebuild, and that a malformed template is refused
// with one line naming the settings key, the file and the field, writing nothing.
#[test]
fn city_stub_template_from_settings_reads_stubs() {
    let city = city_with_mail_batch();
    city.write("parking.csv", "kind,number,name,address,status,balance\nutility,1234567,Lot 7 Permit,1 Garage Way,active,25.00\n");
    city.as_user("boss", common::ADMIN_PIN).args(&["import", "payables", &city.path("parking.csv")]).expect_ok();
    let ana = || city.as_user("ana", PIN);
    ana().args(&["batch", "add", "M1", "--stub", CITY_STUB]).expect_refused("--stub: scanline: 24 digits; no stub template has that length", 0);

    std::fs::write(city.data().join("parking-24.toml"), CITY_TEMPLATE).unwrap();
    let settings = city.data().join("citytill.toml");
    let original = std::fs::read_to_string(&settings).unwrap_or_default();
    std::fs::write(&settings, format!("{original}\n[scanline]\ntemplates = [\"parking-24.toml\"]\n")).unwrap();
    let parsed = city.ok(&["scan", "stub", CITY_STUB, "--json"], &[]).json();
    assert_eq!((parsed["account"].as_str(), parsed["amount_due"].as_str()), (Some("000001234567"), Some("25.00")), "{parsed}");
    ana().args(&["batch", "add", "M1", "--stub", CITY_STUB]).expect_ok();
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM batch_items WHERE batch = 'M1' AND state = 'held'"), 1);
    // The shipped layouts still read their stubs beside the city's own.
    ana().args(&["batch", "add", "M1", "--stub", STUB]).expect_ok();

    std::fs::write(city.data().join("parking-24.toml"), CITY_TEMPLATE.replace("length = 24\n", "lenght = 24\n")).unwrap();
    let run = ana().args(&["batch", "add", "M1", "--stub", CITY_STUB]).expect_refused("scanline.templates[0]: template ", 0);
    assert!(run.stderr.contains("parking-24.toml") && run.stderr.contains("lenght"), "{}", run.stderr);
    assert_eq!(city.sql_i64("SELECT COUNT(*) FROM batch_items WHERE batch = 'M1'"), 2);
    city.ok(&["verify"], &[]);
}

// Proves who may do what to a batch: leads open, nobody approves a batch they prepared or keyed, and states are enforced.
#[test]
fn batch_roles_states_and_segregation_of_duties() {
    let city = city_with_mail_batch();
    let ana = || city.as_user("ana", PIN);
    ana().args(&["batch", "open", "mail", "--control-total", "10", "--items", "1"]).expect_refused("ana (cashier) may not open remittance batches", 0);
    city.as_user("lee", PIN).args(&["batch", "open", "mail", "--control-total", "10", "--items", "0"]).expect_refused("--items: 0 is not 1 to 5000", 0);
    city.as_user("lee", PIN).args(&["batch", "open", "mail", "--control-total", "ten", "--items", "1"]).expect_refused("--control-total: 'ten' is not an amount", 0);
    city.as_user("lee", PIN).args(&["batch", "open", "counter", "--control-total", "10", "--items", "1"]).expect_refused("batch kind: 'counter' is not one of mail, drop-box", 0);
    // sam keys the item, so sam may not approve the batch even though someone else runs the command.
    city.as_user("sam", PIN).args(&["batch", "add", "M1", "--stub", STUB, "--template", &template()]).expect_ok();
    ana().args(&["batch", "approve", "M1"]).approver("sue", PIN).expect_refused("M1 is open; approval needs a batch that is balanced", 0);
    ana().args(&["batch", "balance", "M1"]).expect_ok();
    ana().args(&["batch", "approve", "M1"]).approver("sam", PIN).expect_refused("sam prepared batch M1", 1);
    ana().args(&["batch", "approve", "M1"]).approver("ana", PIN).expect_refused("cannot approve their own", 1);
    ana().args(&["batch", "approve", "M1"]).approver("lee", PIN).expect_refused("lee is a lead and cannot approve", 1);
    ana().args(&["batch", "reject", "M1", "--reason", "x"]).approver("sue", PIN).expect_refused("--reason: say why", 0);
    ana().args(&["batch", "approve", "M1"]).approver("sue", PIN).expect_ok();
    ana().args(&["batch", "reopen", "M1", "--reason", "fix it"]).expect_refused("may not reopen batches", 0);
    let approvals = city.sql_i64("SELECT COUNT(*) FROM journal WHERE kind = 'batch_approved' AND user_name = 'ana' AND approver = 'sue'");
    assert_eq!(approvals, 1, "the approval is journaled with both users");
    city.ok(&["verify"], &[]);
}

// Proves the report, deposit and day commands refuse bad names, formats, dates and bank routing cleanly.
#[test]
fn report_deposit_and_day_refusals() {
    let city = City::new();
    city.as_user("lee", PIN).args(&["report", "ledger"]).expect_refused("report: 'ledger' is not one of drawer, day, gl", 0);
    city.as_user("lee", PIN).args(&["report", "gl", "--format", "xml"]).expect_refused("--format: 'xml' is not one of text, csv, json, pdf", 0);
    city.as_user("lee", PIN).args(&["report", "gl", "--date", "2026-13-01"]).expect_refused("--date: '2026-13-01' is not a date", 0);
    city.as_user("lee", PIN).args(&["day", "close", "--date", "2999-01-01"]).expect_refused("has not begun", 0);
    city.as_user("ana", PIN).args(&["day", "close", "--date", "2020-01-01"]).expect_refused("may not close the business day", 0);
    city.as_user("lee", PIN).args(&["deposit", "create"]).expect_refused("has no approved batch waiting for a deposit", 0);
    std::fs::write(city.data().join("deposit.toml"), "default_bank = \"1001\"\n[tender]\ncheck = \"4900\"\n").unwrap();
    city.as_user("lee", PIN).args(&["deposit", "create"]).expect_refused("deposit.toml: check = '4900' is not a bank (asset) account", 0);
    city.as_user("lee", PIN).args(&["export", "payments", "--date", "20261124"]).expect_refused("--date: '20261124' is not a date", 0);
}
