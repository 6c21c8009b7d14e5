//! Bank reconciliation through the real binary: BAI2 statements read as PyPI's `bai2` reads them (the outside
//! oracle), recorded once, refused whole when malformed, and matched against deposits and lockbox/online batches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{City, PIN};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bai2").join(name)
}

/// A Python with PyPI `bai2` importable: CITYTILL_BAI2_PYTHON, the venv .ci/run makes, or python3 itself.
/// None (the test skips, saying so) unless CITYTILL_REQUIRE_BAI2_ORACLE=1, which makes it a failure.
fn oracle_python() -> Option<PathBuf> {
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let candidates = [std::env::var("CITYTILL_BAI2_PYTHON").ok().map(PathBuf::from), Some(target.join("bai2-venv/bin/python")), Some(PathBuf::from("python3"))];
    for python in candidates.into_iter().flatten() {
        let works = Command::new(&python).args(["-c", "from bai2 import bai2"]).output().is_ok_and(|o| o.status.success());
        if works {
            return Some(python);
        }
    }
    if std::env::var("CITYTILL_REQUIRE_BAI2_ORACLE").as_deref() == Ok("1") {
        panic!("PyPI bai2 is required (CITYTILL_REQUIRE_BAI2_ORACLE=1) but no Python imports it; see .ci/run");
    }
    eprintln!("skipped: PyPI bai2 is not installed (pip install bai2, or set CITYTILL_BAI2_PYTHON)");
    None
}

const ORACLE: &str = r#"
import json, sys
from bai2 import bai2
from bai2.constants import TypeCodeTransaction
f = bai2.parse_from_string(open(sys.argv[1]).read(), check_integrity=True)
out = []
for g in f.children:
    for a in g.children:
        for t in a.children:
            if t.type_code.transaction == TypeCodeTransaction.credit:
                out.append([a.header.customer_account_number, g.header.as_of_date.isoformat(), t.type_code.code, t.amount,
                            t.bank_reference, t.customer_reference, t.text])
print(json.dumps(out))
"#;

/// The oracle's credits: (account, date, type code, cents, bank reference, customer reference, text), or None if it refused the file.
fn oracle(python: &Path, file: &Path) -> Option<serde_json::Value> {
    let output = Command::new(python).args(["-c", ORACLE]).arg(file).output().expect("run python");
    output.status.success().then(|| serde_json::from_slice(&output.stdout).expect("oracle JSON"))
}

/// Our credits, in the oracle's shape, or None if `bank read` refused the file.
fn ours(city: &City, file: &Path) -> Option<serde_json::Value> {
    let run = city.run(&["bank", "read", &file.display().to_string()], &[]);
    if run.code != 0 {
        assert_eq!(run.stderr.trim().lines().count(), 1, "one clear line: {}", run.stderr);
        return None;
    }
    let credits = run.json()["credits"].as_array().unwrap().clone();
    let cents = |amount: &serde_json::Value| -> i64 { (amount.as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64 };
    Some(serde_json::Value::Array(
        credits.iter().map(|c| serde_json::json!([c["account"], c["date"], c["type_code"], cents(&c["amount"]), c["bank_reference"], c["customer_reference"], c["text"]])).collect(),
    ))
}

// Proves our BAI2 reader reads statements exactly as PyPI's `bai2` does (accounts, as-of dates, which type codes
// are credits, amounts, references, text joined across 88 continuations, funds types S/V/D/Z), and refuses the
// same broken ones (a control total, a record count, a missing trailer) that it refuses.
#[test]
fn bai2_reading_agrees_with_pypi_bai2() {
    let Some(python) = oracle_python() else { return };
    let city = City::new();
    let mut files = vec![fixture("one-account.bai2"), fixture("two-groups.bai2")];
    let text = std::fs::read_to_string(fixture("two-groups.bai2")).unwrap();
    for (name, broken) in [
        ("total.bai2", text.replace("49,615000,7/", "49,615001,7/")),
        ("count.bai2", text.replace("98,616234,2,12/", "98,616234,2,11/")),
        ("file.bai2", text.replace("99,626233,2,19/", "99,626233,2,18/")),
        ("trailer.bai2", text.replace("49,1234,3/\n", "")),
    ] {
        city.write(name, &broken);
        files.push(PathBuf::from(city.path(name)));
    }
    for file in &files {
        let (theirs, ours) = (oracle(&python, file), ours(&city, file));
        assert_eq!(ours, theirs, "{}", file.display());
    }
    assert_eq!(ours(&city, &fixture("two-groups.bai2")).and_then(|v| v.as_array().map(Vec::len)), Some(5), "the good statement has five credits");
}

/// A BAI lockbox file (templates/lockbox/bai-lockbox.toml) of one item, deposited on `yymmdd`.
fn lockbox_file(yymmdd: &str, cents: i64, account: &str) -> String {
    format!("100000001\n6001001{cents:010}0210000211234567890{:>10}{account:<20}\n81234567{yymmdd}0001{cents:010}\n9000001\n", "5001")
}

// Proves a statement is recorded once and matched: a deposit empties undeposited funds (an online batch's settled
// ACH items included) and, less the file batches on its slip, matches its 301
// credit, the lockbox batch matches a 115 credit a dollar short (a difference of -1.00), an online batch with no
// credit is "in CityTill only", a book transfer nothing explains is "on the statement only"; the same statement is
// refused a second time and a malformed one is refused whole naming line and field; verify passes throughout.
#[test]
fn bank_statement_matches_deposits_and_lockbox_batches() {
    let city = City::new();
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
    city.write("web.csv", &format!("RecordType,Confirmation,Account,PaymentDate,Amount,ItemCount\nD,W1,BL-0000042,{date},120.00,\nT,,,{date},120.00,1\n"));
    lee().args(&["lockbox", "import", &city.path("web.csv"), "--template", "online-csv"]).expect_ok();
    lee().args(&["batch", "balance", "W1"]).expect_ok();
    lee().approver("sam", PIN).args(&["batch", "approve", "W1"]).expect_ok();
    // The deposit holds M1, L1 (checks, on the slip) and W1 (ACH items, not on the slip).
    let deposit = lee().args(&["deposit", "create", "--date", &date, "--json"]).expect_ok().json();
    assert!(deposit.to_string().contains("L1") && deposit.to_string().contains("W1"), "the file batches are in the deposit: {deposit}");
    let undeposited = "SELECT COALESCE(SUM(debit_cents - credit_cents), 0) FROM postings WHERE account = '1200'";
    assert_eq!(city.sql_i64(undeposited), 0, "the deposit takes everything out of undeposited funds, W1's settled ACH items too");

    // 301 84.12 (the deposit less L1), 115 44.00 (L1 is 45.00), 206 55.00 (a book transfer nothing in CityTill explains).
    let statement = format!(
        "01,BANK,CITY,{yymmdd},0600,1,,,2/\n02,CITY,BANK,1,{yymmdd},,USD,2/\n03,1001,USD,010,0,,/\n16,301,8412,0,DEP1,,DEPOSIT/\n16,115,4400,0,LBX1,,LOCKBOX/\n16,206,5500,0,BT1,,BOOK TRANSFER/\n49,18312,5/\n98,18312,1,7/\n99,18312,1,9/\n"
    );
    city.write("stmt.bai2", &statement);
    let before = city.journal_len();
    city.write("bad.bai2", &statement.replace("49,18312,5/", "49,18312,4/"));
    lee().args(&["bank", "import", &city.path("bad.bai2")]).expect_refused("bad.bai2: line 7 field 49 number of records: the trailer says 4, the file holds 5", 0);
    lee().args(&["bank", "import", &city.path("stmt.bai2")]).expect_ok();
    assert_eq!(city.journal_len(), before + 1);
    lee().args(&["bank", "import", &city.path("stmt.bai2")]).expect_refused("stmt.bai2 was imported already", 0);
    city.ok(&["verify"], &[]);

    let report = city.ok(&["report", "bank", "--date", &date, "--json"], &[]).json();
    let rows = |heading: &str| -> Vec<Vec<String>> {
        let section = report["sections"].as_array().unwrap().iter().find(|s| s["heading"].as_str().unwrap().starts_with(heading)).unwrap();
        section["rows"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()).collect()
    };
    let matched = rows("Matched");
    assert_eq!(matched.len(), 1, "{report}");
    assert!(matched[0][0].starts_with("deposit ") && matched[0][2] == "84.12" && matched[0][3] == "301", "{matched:?}");
    let differences = rows("Differences");
    assert_eq!((differences.len(), differences[0][0].as_str(), differences[0][7].as_str()), (1, "lockbox L1", "-1.00"), "{differences:?}");
    let ours_only = rows("In CityTill");
    assert_eq!((ours_only.len(), ours_only[0][0].as_str(), ours_only[0][2].as_str()), (1, "online W1", "120.00"), "{ours_only:?}");
    let bank_only = rows("On the statement");
    assert_eq!((bank_only.len(), bank_only[0][3].as_str(), bank_only[0][5].as_str()), (1, "206", "55.00"), "{bank_only:?}");
}
