//! Head office's finance office against a real PostgreSQL, through the real binary: `hq report gl` (by fund,
//! with the convenience-fee line) and `hq report finance` (autopay, lockbox/online files, bank matching) across
//! two terminals agree exactly with each terminal's own reports of the same entries; the finance entries reach
//! head office exactly once, a resend after a lost acknowledgement included; bad input names its field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pg;

use std::collections::BTreeMap;

use citytill::hq::connect::connect;
use citytill::hq::terminal::client::{push_batch, sync_once, sync_with};
use citytill::ledger::Ledger;
use common::{City, PIN};
use serde_json::Value;

const FUNDS: &str = r#"
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
license = "water"

[convenience_fee]
enabled = true
[convenience_fee.card]
percent = "2.5"
minimum = "1.00"
"#;

const FINANCE_KINDS: &[&str] =
    &["bank_statement_imported", "lockbox_imported", "lockbox_exception_resolved", "autopay_enrolled", "autopay_run_prepared", "autopay_run_approved", "autopay_settled", "autopay_returned"];

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
    report["sections"].as_array().unwrap().iter().find(|s| s["heading"].as_str().unwrap().starts_with(heading)).unwrap_or_else(|| panic!("no section {heading}: {report}"))
}

fn rows(section: &Value) -> Vec<Vec<String>> {
    section["rows"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()).collect()
}

/// Appends `text` to the city's citytill.toml.
fn add_settings(city: &City, text: &str) {
    let path = city.data().join("citytill.toml");
    let mut settings = std::fs::read_to_string(&path).unwrap_or_default();
    settings.push_str(text);
    std::fs::write(&path, settings).unwrap();
}

fn autopay_settings(city: &City) -> String {
    format!(
        "\n[autopay]\nkey_file = \"{}\"\nimmediate_destination = \"021000021\"\nimmediate_destination_name = \"First Bank\"\nimmediate_origin = \"1234567890\"\nimmediate_origin_name = \"City\"\ncompany_name = \"City Util\"\ncompany_id = \"1234567890\"\n",
        city.dir.path().join("keys").join("autopay.key").display()
    )
}

/// An autopay month as tests/hq_autopay.rs runs it: two enrolments, the prenote run AR1 (12-01), the debit
/// run AR2 (12-05), settlement on 12-08 and an R01 return of the first debit. Returns the settled total.
fn autopay_month(city: &City) -> i64 {
    let lee = || city.as_user("lee", PIN);
    for (account, routing, number) in [("100200-01", "011000015", "987654321012"), ("BL-0000042", "021000021", "55443322")] {
        lee().args(&["autopay", "enrol", "--account", account, "--routing", routing, "--bank-account", number, "--rule", "full", "--draft-day", "5"]).approver("sam", PIN).expect_ok();
    }
    lee().args(&["autopay", "run", "--date", "2026-12-01"]).expect_ok();
    lee().args(&["autopay", "approve", "AR1", "--out", &city.path("ar1.ach")]).approver("sam", PIN).expect_ok();
    lee().args(&["autopay", "run", "--date", "2026-12-05"]).expect_ok();
    lee().args(&["autopay", "approve", "AR2", "--out", &city.path("ar2.ach")]).approver("sam", PIN).expect_ok();
    let settled = lee().args(&["autopay", "settle", "--date", "2026-12-08"]).expect_ok().stdout;
    let total = settled.split(['(', ')']).nth(1).unwrap_or_else(|| panic!("settle says its total: {settled}"));
    let file = std::fs::read_to_string(city.path("ar2.ach")).unwrap();
    let lines: Vec<&str> = file.lines().collect();
    let entry = lines[2];
    let returns = [
        lines[0].to_string(),
        lines[1].to_string(),
        format!("626{}011000010000001", &entry[3..79]),
        format!("{:<79}011000010000001", format!("799R01{}      {}", &entry[79..94], &entry[3..11])),
        lines[4].to_string(),
        lines[5].to_string(),
    ];
    city.write("returns.ach", &(returns.join("\n") + "\n"));
    lee().args(&["autopay", "returns", &city.path("returns.ach")]).approver("sam", PIN).expect_ok();
    cents(total)
}

/// A BAI lockbox file (templates/lockbox/bai-lockbox.toml) of one item, deposited on `yymmdd`.
fn lockbox_file(yymmdd: &str, cents: i64, account: &str) -> String {
    format!("100000001\n6001001{cents:010}0210000211234567890{:>10}{account:<20}\n81234567{yymmdd}0001{cents:010}\n9000001\n", "5001")
}

/// The file side of a day, as tests/bank.rs builds it: mail batch M1 (84.12), lockbox L1 (45.00), online W1
/// (120.00 and 30.00 for an unknown account, applied to 100300-02), all approved and deposited; online W2 whose
/// one item (12.00, unknown account) stays an open exception; then a statement (301 84.12, 115 44.00, 206 55.00).
/// Returns the business date.
fn file_day(city: &City) -> String {
    let lee = || city.as_user("lee", PIN);
    lee().args(&["batch", "open", "mail", "--control-total", "84.12", "--items", "1"]).expect_ok();
    city.as_user("ana", PIN).args(&["batch", "add", "M1", "--account", "100200-01", "--amount", "84.12"]).expect_ok();
    city.as_user("ana", PIN).args(&["batch", "balance", "M1"]).expect_ok();
    let date = lee().approver("sam", PIN).args(&["batch", "approve", "M1", "--json"]).expect_ok().json()["business_date"].as_str().unwrap().to_string();
    let yymmdd = format!("{}{}{}", &date[2..4], &date[5..7], &date[8..10]);
    city.write("lockbox.txt", &lockbox_file(&yymmdd, 4500, "PC00001234"));
    lee().args(&["lockbox", "import", &city.path("lockbox.txt"), "--template", "bai-lockbox"]).expect_ok();
    lee().args(&["batch", "balance", "L1"]).expect_ok();
    lee().approver("sam", PIN).args(&["batch", "approve", "L1"]).expect_ok();
    let header = "RecordType,Confirmation,Account,PaymentDate,Amount,ItemCount\n";
    city.write("web.csv", &format!("{header}D,W1,BL-0000042,{date},120.00,\nD,W2,ZZ-404,{date},30.00,\nT,,,{date},150.00,2\n"));
    lee().args(&["lockbox", "import", &city.path("web.csv"), "--template", "online-csv"]).expect_ok();
    // The online file paid license accounts; applying its exception to a utility account is a change of kind, confirmed.
    lee().args(&["lockbox", "resolve", "W1-E1", "--apply-to", "100300-02", "--kind-change", "utility", "--reason", "account number on the remittance"]).expect_ok();
    lee().args(&["batch", "balance", "W1"]).expect_ok();
    lee().approver("sam", PIN).args(&["batch", "approve", "W1"]).expect_ok();
    city.write("web2.csv", &format!("{header}D,W9,ZZ-405,{date},12.00,\nT,,,{date},12.00,1\n"));
    lee().args(&["lockbox", "import", &city.path("web2.csv"), "--template", "online-csv"]).expect_ok();
    lee().args(&["deposit", "create", "--date", &date]).expect_ok();
    let statement = format!(
        "01,BANK,CITY,{yymmdd},0600,1,,,2/\n02,CITY,BANK,1,{yymmdd},,USD,2/\n03,1001,USD,010,0,,/\n16,301,8412,0,DEP1,,DEPOSIT/\n16,115,4400,0,LBX1,,LOCKBOX/\n16,206,5500,0,BT1,,BOOK TRANSFER/\n49,18312,5/\n98,18312,1,7/\n99,18312,1,9/\n"
    );
    city.write("stmt.bai2", &statement);
    lee().args(&["bank", "import", &city.path("stmt.bai2")]).expect_ok();
    date
}

/// Account -> (debits, credits) of a GL distribution section; (fund, account) -> same for a GL by fund.
fn by_key(section: &Value, key_columns: usize, debit_column: usize) -> BTreeMap<Vec<String>, (i64, i64)> {
    let mut out = BTreeMap::new();
    for row in rows(section) {
        let key = row[..key_columns].to_vec();
        let entry: &mut (i64, i64) = out.entry(key).or_default();
        entry.0 += cents(&row[debit_column]);
        entry.1 += cents(&row[debit_column + 1]);
    }
    out
}

fn add_maps(a: &BTreeMap<Vec<String>, (i64, i64)>, b: &BTreeMap<Vec<String>, (i64, i64)>) -> BTreeMap<Vec<String>, (i64, i64)> {
    let mut out = a.clone();
    for (key, (d, c)) in b {
        let entry = out.entry(key.clone()).or_default();
        entry.0 += d;
        entry.1 += c;
    }
    out
}

fn hq_report(city: &City, url: &str, name: &str, date: &str) -> Value {
    city.ok(&["hq", "report", name, "--date", date, "--format", "json", "--database", url], &[]).json()
}

// Proves head office's GL and finance reports across two terminals equal the terminals' own: every account's
// debits and credits and every fund's lines are the sum of the two terminals' `report gl`, every account it
// lists carries the name the terminals' ledgers give it (1001, 1060, 2150, 4920 among them), the convenience-fee
// line equals their 4920 credits; the bank lines are T01's `report bank` line for line; each file batch's items,
// totals and control figures are `batch list`'s and its exceptions' states `lockbox exceptions --all`'s; the
// autopay run is `autopay runs`'s with its settled total and the R01 return.
#[test]
fn head_office_finance_reports_agree_with_the_terminals() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("finance");
    let t01 = City::new();
    let t02 = City::terminal("T02");
    add_settings(&t01, FUNDS);
    add_settings(&t02, FUNDS);
    add_settings(&t02, &autopay_settings(&t02));

    // T01: counter payments with a card convenience fee (one of them voided), and a day of files and the bank.
    t01.ana_with_drawer();
    let ana = || t01.as_user("ana", PIN);
    ana().args(&["pay", "--account", "100200-01", "--amount", "84.12", "--tender", "cash=100.00"]).expect_ok();
    ana().args(&["pay", "--account", "100300-02", "--amount", "100.00", "--tender", "card=102.50,brand=visa,last4=4242,auth=A1B2C3"]).expect_ok();
    let voided = ana().args(&["pay", "--account", "PC00001234", "--amount", "10.00", "--tender", "card=11.00,brand=visa,last4=4242,auth=A1", "--json"]).expect_ok().json();
    ana().args(&["void", voided["receipt"].as_str().unwrap(), "--reason", "wrong account"]).approver("sam", PIN).expect_ok();
    let date = file_day(&t01);

    // T02: a card payment with its fee and an autopay month.
    t02.ana_with_drawer();
    t02.as_user("ana", PIN).args(&["pay", "--account", "100300-02", "--amount", "40.00", "--tender", "card=41.00,brand=visa,last4=4242,auth=B2"]).expect_ok();
    let settled = autopay_month(&t02);

    for city in [&t01, &t02] {
        let terminal = if std::ptr::eq(city, &t01) { "T01" } else { "T02" };
        let settings = pg::add_terminal(&url, terminal);
        city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &settings.database_url)]);
    }

    // The GL: head office = T01 + T02, account by account and fund by fund.
    let hq = hq_report(&t01, &url, "gl", &date);
    let terminal_gl = |city: &City| city.as_user("sam", PIN).args(&["report", "gl", "--date", &date, "--format", "json"]).expect_ok().json();
    let (g1, g2) = (terminal_gl(&t01), terminal_gl(&t02));
    let plain = |report: &Value| by_key(section(report, "GL distribution"), 1, 2);
    assert_eq!(plain(&hq), add_maps(&plain(&g1), &plain(&g2)), "GL distribution");
    let funds = |report: &Value| by_key(section(report, "GL by fund"), 2, 3);
    let hq_funds = funds(&hq);
    assert_eq!(hq_funds, add_maps(&funds(&g1), &funds(&g2)), "GL by fund");
    assert!(section(&hq, "GL by fund")["notes"][0].as_str().unwrap().starts_with("Adds up"), "{hq}");
    assert!(hq_funds.contains_key(&vec!["parking".to_string(), "1330".to_string()]) && hq_funds.contains_key(&vec!["water".to_string(), "1310".to_string()]), "{hq_funds:?}");
    let fee_credit = |report: &Value| plain(report).get(&vec!["4920".to_string()]).map_or(0, |(d, c)| c - d);
    let fees = section(&hq, "Convenience fees");
    assert_eq!(cents(fees["totals"][3].as_str().unwrap()), fee_credit(&g1) + fee_credit(&g2), "{fees}");
    assert_eq!((fees["totals"][2].as_str(), cents(fees["totals"][3].as_str().unwrap())), (Some("2"), 250 + 100), "T01's 2.50 (its voided 1.00 gone), T02's 1.00");

    // Names: every account head office's GL lists has a name, the one the terminals' own ledgers give it
    // (1001, 1002, 1060, 2150 and 4920 once had none there).
    let mut theirs: BTreeMap<String, String> = BTreeMap::new();
    for report in [&g1, &g2] {
        theirs.extend(rows(section(report, "GL distribution")).into_iter().map(|r| (r[0].clone(), r[1].clone())));
    }
    let listed = rows(section(&hq, "GL distribution"));
    for row in &listed {
        assert!(!row[1].is_empty(), "account {} has no name at head office", row[0]);
        assert_eq!(Some(&row[1]), theirs.get(&row[0]), "account {} named as the terminals name it", row[0]);
    }
    for row in rows(section(&hq, "GL by fund")).into_iter().filter(|r| r[1] != "total") {
        assert_eq!(Some(&row[2]), theirs.get(&row[1]), "GL by fund names account {} as the terminals do", row[1]);
    }
    let named: Vec<&str> = listed.iter().map(|r| r[0].as_str()).collect();
    for code in ["1001", "1060", "2150", "4920"] {
        assert!(named.contains(&code), "{code} is among the accounts listed: {named:?}");
    }

    // The bank: T01's lines exactly as its own `report bank`.
    let finance = hq_report(&t01, &url, "finance", &date);
    let bank = t01.ok(&["report", "bank", "--date", &date, "--json"], &[]).json();
    let detail = rows(section(&finance, "Bank reconciliation lines"));
    for (status, heading) in [("matched", "Matched"), ("difference", "Differences"), ("citytill only", "In CityTill"), ("bank only", "On the statement")] {
        let ours: Vec<Vec<String>> = detail.iter().filter(|r| r[0] == "T01" && r[1] == status).map(|r| r[2..].to_vec()).collect();
        assert_eq!(ours, rows(section(&bank, heading)), "{status}");
    }
    let summary = rows(section(&finance, "Bank on"));
    assert_eq!(summary.len(), 1, "only T01 read a statement or expects a credit: {summary:?}");
    assert_eq!(summary[0][1..], ["1", "3", "183.12", "1", "84.12", "1", "-1.00", "2", "-162.00", "1", "55.00"].map(String::from), "{summary:?}");

    // The files: the batch figures of `batch list`, the exceptions of `lockbox exceptions`.
    let batches = t01.ok(&["batch", "list", "--date", &date, "--json"], &[]).json();
    let files = rows(section(&finance, "Lockbox and online files imported on"));
    assert_eq!(files.iter().map(|r| r[1].as_str()).collect::<Vec<_>>(), ["L1", "W1", "W2"], "{files:?}");
    for file in &files {
        let batch = batches.as_array().unwrap().iter().find(|b| b["batch"] == file[1].as_str()).unwrap();
        let text = |key: &str| batch[key].as_str().map_or_else(|| batch[key].to_string(), str::to_string);
        let theirs: Vec<String> = ["kind", "state", "items", "total", "control_items", "control_total"].into_iter().map(text).collect();
        let ours: Vec<String> = [2, 5, 6, 7, 8, 9].into_iter().map(|i| file[i].clone()).collect();
        assert_eq!(ours, theirs, "{file:?} vs {batch}");
    }
    let exceptions = t01.ok(&["lockbox", "exceptions", "--all", "--json"], &[]).json();
    let states: Vec<(String, String)> = exceptions.as_array().unwrap().iter().map(|e| (e["reference"].as_str().unwrap().to_string(), e["state"].as_str().unwrap().to_string())).collect();
    assert_eq!(states, [("W1-E1".to_string(), "applied".to_string()), ("W2-E1".to_string(), "open".to_string())]);
    assert_eq!([&files[1][10..], &files[2][10..]], [["1", "0", "1", "0"].map(String::from), ["1", "1", "0", "0"].map(String::from)]);
    let open = rows(section(&finance, "Lockbox and online exceptions still open"));
    assert_eq!(open.iter().map(|r| (r[0].as_str(), r[1].as_str(), r[5].as_str())).collect::<Vec<_>>(), [("T01", "W2-E1", "12.00")]);

    // Autopay: AR2 as T02's `autopay runs` says, its settlement on 12-08 and its R01 return on the business date.
    let runs = t02.ok(&["autopay", "runs", "--json"], &[]).json();
    let ar2 = runs.as_array().unwrap().iter().find(|r| r["run"] == "AR2").unwrap();
    let on_run_date = hq_report(&t01, &url, "finance", "2026-12-05");
    let run_rows = rows(section(&on_run_date, "Autopay runs dated"));
    assert_eq!(run_rows.len(), 1, "{run_rows:?}");
    let run = &run_rows[0];
    let expected: Vec<String> = vec!["T02".into(), "AR2".into(), "released".into(), ar2["prenotes"].to_string(), ar2["debits"].to_string(), ar2["total"].as_str().unwrap().into()];
    assert_eq!(run[..6].to_vec(), expected, "{run:?} vs {ar2}");
    assert_eq!((run[6].as_str(), cents(&run[7]), run[8].as_str(), run[10].as_str()), ("2", settled, "1", "0.00"), "both debits settled, one returned, none pending: {run:?}");
    let outcome = |report: &Value, what: &str| -> Vec<(String, String, i64)> {
        rows(section(report, "Autopay debits on")).into_iter().filter(|r| r[0] == "T02" && r[1].starts_with(what)).map(|r| (r[2].clone(), r[3].clone(), cents(&r[4]))).collect()
    };
    assert_eq!(outcome(&on_run_date, "sent"), [(String::new(), ar2["debits"].to_string(), cents(ar2["total"].as_str().unwrap()))]);
    assert_eq!(outcome(&hq_report(&t01, &url, "finance", "2026-12-08"), "settled"), [(String::new(), "2".to_string(), settled)]);
    let returned = outcome(&finance, "returned");
    assert_eq!((returned.len(), returned[0].0.as_str(), returned[0].1.as_str()), (1, "R01", "1"), "{returned:?}");
}

// Proves the finance entries (a bank statement, lockbox and online imports and a resolution, a whole autopay
// month) reach head office exactly once: the acknowledgement of the first push is lost, the resend is only
// re-acknowledged, head office then holds the ledger entry for entry, each finance kind as many times as the
// ledger, and its finance and GL reports read the same after yet another resend of everything.
#[test]
fn finance_entries_sync_exactly_once_after_a_lost_acknowledgement() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("finance_once");
    let city = City::terminal("T03");
    add_settings(&city, FUNDS);
    add_settings(&city, &autopay_settings(&city));
    autopay_month(&city);
    let date = file_day(&city);

    let mut settings = pg::add_terminal(&url, "T03");
    settings.batch_entries = 7;
    let mut ledger = Ledger::open(&city.ledger()).unwrap();
    let proxy = pg::proxy::Proxy::start(cluster.port);
    let mut via_proxy = settings.clone();
    via_proxy.database_url = proxy.url_for(&settings.database_url, cluster.port);
    let mut client = connect(&via_proxy).unwrap();
    proxy.cut_on_reply_containing("duplicates");
    let error = sync_with(&mut client, &mut ledger, &via_proxy).unwrap_err();
    assert_eq!(proxy.cuts(), 1);
    assert!(error.is_offline(), "{error}");
    let held = pg::hq_entries(&url, "T03").len();
    assert!((held >= 7 && held.is_multiple_of(7)) || held == ledger.last_seq().unwrap() as usize, "whole batches only: {held}");
    let mut direct = connect(&settings).unwrap();
    let resent = push_batch(&mut direct, &settings, "T03", &ledger.entries_after(0, 7).unwrap()).unwrap();
    assert_eq!((resent.accepted, resent.duplicates), (0, 7), "the lost batch is only acknowledged again");
    let outcome = sync_once(&mut ledger, &settings).unwrap();
    assert_eq!(outcome.pending, 0);
    pg::assert_hq_equals_ledger(&url, &ledger);

    let mut admin = pg::admin_client(&url);
    for kind in FINANCE_KINDS {
        let local: i64 = ledger.read().unwrap().query_row("SELECT COUNT(*) FROM journal WHERE kind = ?1", [kind], |r| r.get(0)).unwrap();
        let remote: i64 = admin.query_one("SELECT COUNT(*) FROM citytill.entries WHERE terminal = 'T03' AND kind = $1", &[kind]).unwrap().get(0);
        assert!(local > 0, "the day made a {kind}");
        assert_eq!(remote, local, "{kind} at head office");
    }
    let before = (hq_report(&city, &url, "finance", &date), hq_report(&city, &url, "gl", &date));
    let everything = ledger.entries_after(0, usize::MAX >> 1).unwrap();
    let again = push_batch(&mut direct, &settings, "T03", &everything).unwrap();
    assert_eq!((again.accepted, again.duplicates as usize), (0, everything.len()));
    assert_eq!((hq_report(&city, &url, "finance", &date), hq_report(&city, &url, "gl", &date)), before, "a resend changes no report");
    let bank = rows(section(&before.0, "Bank on"));
    assert_eq!(bank[0][..4], ["T03", "1", "3", "183.12"].map(String::from), "the statement counted once: {bank:?}");
    let report = citytill::hq::office::verify::verify(&mut admin).unwrap();
    assert!(report.ok, "{report:?}");
}

// Proves a bad --date, --format or --out is refused in one line naming the field before anything is read or
// written: no file appears and head office holds what it held.
#[test]
fn bad_input_names_the_field_and_writes_nothing() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("finance_bad");
    let city = City::new();
    let settings = pg::add_terminal(&url, "T01");
    city.ok(&["sync", "--once"], &[("CITYTILL_HQ_URL", &settings.database_url)]);
    let count = || -> i64 { pg::admin_client(&url).query_one("SELECT (SELECT COUNT(*) FROM citytill.entries) + (SELECT COUNT(*) FROM citytill.alarms)", &[]).unwrap().get(0) };
    let before = count();
    let out = city.path("report.txt");
    for (name, args, field) in [
        ("gl", vec!["--date", "2026-02-30"], "--date: '2026-02-30' is not a date"),
        ("finance", vec!["--date", "yesterday"], "--date: 'yesterday' is not a date"),
        ("gl", vec!["--date", "2026-12-03", "--format", "xml"], "--format: 'xml' is not one of"),
        ("finance", vec!["--date", "2026-12-03", "--format", "docx"], "--format: 'docx' is not one of"),
    ] {
        let mut all = vec!["hq", "report", name];
        all.extend(args);
        all.extend(["--out", &out, "--database", &url]);
        let run = city.run(&all, &[]);
        assert_ne!(run.code, 0, "{all:?}");
        assert!(run.stderr.contains(field) && run.stderr.trim().lines().count() == 1, "{all:?}: {}", run.stderr);
        assert!(!std::path::Path::new(&out).exists(), "nothing written for {all:?}");
    }
    let missing = city.run(&["hq", "report", "finance", "--out", &out, "--database", &url], &[]);
    assert!(missing.code != 0 && missing.stderr.contains("--date"), "{}", missing.stderr);
    let bad_out = city.run(&["hq", "report", "gl", "--date", "2026-12-03", "--out", &city.path("no-such-dir/report.txt"), "--database", &url], &[]);
    assert!(bad_out.code != 0 && bad_out.stderr.contains("no-such-dir"), "{}", bad_out.stderr);
    assert_eq!(count(), before, "head office holds what it held");
    // The good command writes the file.
    city.ok(&["hq", "report", "finance", "--date", "2026-12-03", "--out", &out, "--database", &url], &[]);
    assert!(std::fs::read_to_string(&out).unwrap().contains("Autopay runs dated 2026-12-03"));
}

/// The plan of `sql` as PostgreSQL executes it once prepared (`PREPARE`, then `EXPLAIN EXECUTE` with the
/// parameters bound as the report binds them), so `plan_cache_mode` decides custom or generic.
fn plan(client: &mut postgres::Client, sql: &str) -> String {
    let arguments = if sql.contains("$2") {
        "('T01', '2026-06-01')"
    } else if sql.contains("$1") {
        "('T01')"
    } else {
        ""
    };
    let messages = client.simple_query(&format!("DEALLOCATE ALL; PREPARE finance_read AS {sql}; EXPLAIN EXECUTE finance_read{arguments}")).unwrap();
    messages
        .iter()
        .filter_map(|m| match m {
            postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// Proves every read `hq report finance` makes by kind over a terminal's whole history (autopay entries,
// lockbox imports and resolutions, bank statements) is planned on the partial index `entries_finance_kinds`
// of schema 7, never a scan of the entries, over a journal of 120,000 entries of which a few dozen are of
// those kinds — with PostgreSQL's custom and generic plans alike; that without the index the same reads are
// sequential scans (so the index is what changed them); and that the index holds exactly the report's kinds.
#[test]
fn finance_reads_by_kind_are_planned_on_the_partial_index() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("finance_plans");
    let mut admin = pg::admin_client(&url);
    let definition: String = admin.query_one("SELECT indexdef FROM pg_indexes WHERE schemaname = 'citytill' AND indexname = 'entries_finance_kinds'", &[]).unwrap().get(0);
    let kinds = citytill::hq::office::finance::INDEXED_KINDS;
    for kind in kinds {
        assert!(definition.contains(&format!("'{kind}'")), "{kind} in {definition}");
    }
    assert_eq!(definition.matches("'::text").count(), kinds.len(), "the index holds the report's kinds and no other: {definition}");
    // Twelve years of two terminals' journals: 60,000 entries each, 100 a day; every 2,500th of a finance kind.
    admin
        .batch_execute(
            "INSERT INTO citytill.entries(terminal, seq, at, business_date, kind, payload, prev_hash, hash)
             SELECT 'T0' || (1 + g % 2), g, '2020-01-01T00:00:00Z', to_char(date '2014-01-01' + g / 100, 'YYYY-MM-DD'),
                    CASE g % 2500 WHEN 0 THEN 'bank_statement_imported' WHEN 1 THEN 'lockbox_imported' WHEN 2 THEN 'lockbox_exception_resolved'
                                  WHEN 3 THEN 'autopay_settled' WHEN 4 THEN 'autopay_enrolled' ELSE CASE WHEN g % 3 = 0 THEN 'no_sale' ELSE 'payment_taken' END END,
                    '{}', repeat('0', 64), repeat('0', 64)
               FROM generate_series(1, 120000) g;
             ANALYZE citytill.entries;",
        )
        .unwrap();
    let reads = citytill::hq::office::finance::READS_BY_KIND;
    assert_eq!(reads.len(), 5);
    for mode in ["auto", "force_generic_plan"] {
        admin.batch_execute(&format!("SET plan_cache_mode = {mode}")).unwrap();
        for (name, sql) in reads {
            let plan = plan(&mut admin, sql);
            eprintln!("{name} ({mode}):\n{plan}");
            assert!(plan.contains("entries_finance_kinds") && !plan.contains("Seq Scan"), "{name} ({mode}) is planned on entries_finance_kinds:\n{plan}");
        }
    }
    admin.batch_execute("RESET plan_cache_mode").unwrap();
    admin.batch_execute("BEGIN; DROP INDEX citytill.entries_finance_kinds").unwrap();
    for (name, sql) in &reads[..3] {
        let plan = plan(&mut admin, sql);
        assert!(plan.contains("Seq Scan on entries"), "{name} without the index scans the entries:\n{plan}");
    }
    admin.batch_execute("ROLLBACK").unwrap();
}

// Measures what the partial index costs a push: the bench's 100,000 entries (`hq::office::bench::fill`, no finance
// kinds, as nearly all of a day is) pushed through the real sync path (5,000 per push) into a fresh head office
// with the index and one without, in the order without, with, with, without, ... (so a drift over the run
// weighs on both alike), `CITYTILL_BENCH_ROUNDS` rounds (8); then the server's side alone: 200,000 entries
// inserted by one statement into a copy of the entries table with the index and one without, in turn. Prints each run and the medians. Run with
// `cargo test --release --test hq_finance -- --ignored --nocapture finance_index_push_cost`.
#[test]
#[ignore]
fn finance_index_push_cost() {
    let Some(cluster) = pg::cluster() else { return };
    let entries = std::env::var("CITYTILL_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let rounds = std::env::var("CITYTILL_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let (_dir, mut ledger) = pg::ledger("BENCH");
    citytill::hq::office::bench::fill(&mut ledger, entries).unwrap();
    let fresh = |with_index: bool| {
        let url = cluster.fresh_hq(if with_index { "push_with" } else { "push_without" });
        if !with_index {
            pg::admin_client(&url).batch_execute("DROP INDEX citytill.entries_finance_kinds").unwrap();
        }
        url
    };
    let median = |label: &str, rates: BTreeMap<bool, Vec<f64>>| {
        for (with_index, mut list) in rates {
            list.sort_by(f64::total_cmp);
            let middle = if list.len() % 2 == 0 { (list[list.len() / 2 - 1] + list[list.len() / 2]) / 2.0 } else { list[list.len() / 2] };
            println!("{label}: index {with_index}: median {middle:.0} entries/s over {:?}", list.iter().map(|r| r.round()).collect::<Vec<_>>());
        }
    };
    let mut rates: BTreeMap<bool, Vec<f64>> = BTreeMap::new();
    for round in 0..rounds {
        let with_index = matches!(round % 4, 1 | 2);
        let url = fresh(with_index);
        let mut settings = pg::add_terminal(&url, "BENCH");
        settings.batch_entries = citytill::hq::office::bench::BENCH_BATCH_ENTRIES;
        settings.statement_timeout_ms = 600_000;
        let mut client = connect(&settings).unwrap();
        let started = std::time::Instant::now();
        let outcome = sync_with(&mut client, &mut ledger, &settings).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(outcome.acked_seq, entries as i64);
        println!("push round {round}: index {with_index}: {seconds:.2} s, {:.0} entries/s", entries as f64 / seconds);
        rates.entry(with_index).or_default().push(entries as f64 / seconds);
    }
    median("push", rates);
    // The server's side alone, in one database: two copies of the entries table, one without the partial
    // index, each emptied and given 200,000 entries by one statement after a checkpoint, in turn.
    let mut admin = pg::admin_client(&fresh(true));
    admin
        .batch_execute(
            "CREATE TABLE citytill.with_index (LIKE citytill.entries INCLUDING ALL);
             CREATE TABLE citytill.without_index (LIKE citytill.entries INCLUDING ALL);",
        )
        .unwrap();
    let partial: String = admin.query_one("SELECT indexname::text FROM pg_indexes WHERE tablename = 'without_index' AND indexdef LIKE '%WHERE%'", &[]).unwrap().get(0);
    admin.batch_execute(&format!("DROP INDEX citytill.{partial}")).unwrap();
    let mut rates: BTreeMap<bool, Vec<f64>> = BTreeMap::new();
    for round in 0..rounds * 2 {
        let with_index = matches!(round % 4, 1 | 2);
        let table = if with_index { "with_index" } else { "without_index" };
        admin.batch_execute(&format!("TRUNCATE citytill.{table}; CHECKPOINT")).unwrap();
        let started = std::time::Instant::now();
        admin
            .batch_execute(&format!(
                "INSERT INTO citytill.{table}(terminal, seq, at, business_date, kind, payload, prev_hash, hash)
                 SELECT 'T01', g, '2026-12-03T10:00:00Z', '2026-12-03', CASE WHEN g % 2 = 0 THEN 'cash_dropped' ELSE 'no_sale' END,
                        '{{\"drawer_id\":1}}', repeat('0', 64), repeat('0', 64)
                   FROM generate_series(1, 200000) g"
            ))
            .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        println!("insert round {round}: index {with_index}: {seconds:.3} s");
        rates.entry(with_index).or_default().push(200_000.0 / seconds);
    }
    median("server insert", rates);
}
