//! The history reports (gaps, over-short, NSF) cover the month to the date asked for, so their cost follows
//! the period and not the journal's age: what an earlier month recorded is in its own month's report only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{City, PIN};

fn section_rows(report: &serde_json::Value, heading: &str) -> Vec<serde_json::Value> {
    let sections = report["sections"].as_array().expect("sections");
    let section = sections.iter().find(|s| s["heading"] == heading).unwrap_or_else(|| panic!("no {heading} in {report}"));
    section["rows"].as_array().expect("rows").clone()
}

// Proves a returned check and the receipts of December are reported for a December date and not for a
// January one, where only January's returned check is listed and no receipt is counted as issued (reading
// "through the date" listed both checks and both receipts in January's reports).
#[test]
fn history_reports_cover_the_month_to_the_date() {
    let city = City::new();
    city.ana_with_drawer();
    let ana = || city.as_user("ana", PIN);
    let mut receipts = Vec::new();
    for number in ["554", "555"] {
        let tender = format!("check=40.00,routing=021000021,account=99887766,number={number}");
        let paid = ana().args(&["pay", "--account", "100300-02", "--amount", "40.00", "--tender", &tender, "--json"]).expect_ok().json();
        receipts.push(paid["receipt"].as_str().unwrap().to_string());
    }
    city.as_user("lee", PIN).approver("sam", PIN).args(&["nsf", &receipts[0], "--fee", "NSF"]).expect_ok();
    let december: String = rusqlite::Connection::open(city.ledger()).unwrap().query_row("SELECT business_date FROM receipts WHERE number = 1", [], |r| r.get(0)).unwrap();
    // A month and more later, the second check comes back.
    let later = (chrono::Utc::now() + chrono::Duration::days(35)).to_rfc3339();
    city.as_user("lee", PIN).approver("sam", PIN).env("CITYTILL_NOW", &later).args(&["nsf", &receipts[1], "--fee", "NSF"]).expect_ok();
    let january: String =
        rusqlite::Connection::open(city.ledger()).unwrap().query_row("SELECT business_date FROM journal WHERE kind = 'check_returned' ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_ne!(&january[..7], &december[..7], "the second return is in a later month");
    let report = |name: &str, date: &str| city.run(&["report", name, "--date", date, "--format", "json"], &[]).json();

    let returned = |date: &str| section_rows(&report("nsf", date), "Returned checks").iter().map(|r| r[1].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(returned(&december), vec![receipts[0].clone()]);
    assert_eq!(returned(&january), vec![receipts[1].clone()]);

    let issued = |date: &str| section_rows(&report("gaps", date), "Number series")[0][3].as_str().unwrap().to_string();
    assert_eq!(issued(&december), "2");
    assert_eq!(issued(&january), "0");
    city.ok(&["verify"], &[]);
}
