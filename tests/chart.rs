//! The chart of accounts has one source, `domain::accounts::CHART`: a new ledger's `accounts` table and one
//! upgraded from release 0.1.0 (whose later accounts come from the ledger's historic migration SQL) hold
//! exactly its code, name and kind for every code, and name any other account as a fee schedule's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use citytill::domain::accounts::{self, AccountKind, CHART};
use citytill::domain::ids::TerminalId;
use citytill::ledger::Ledger;

/// (code → (name, class)) of a ledger's `accounts` table.
fn table(ledger: &Ledger) -> BTreeMap<String, (String, String)> {
    let conn = ledger.read().unwrap();
    let mut statement = conn.prepare("SELECT code, name, class FROM accounts ORDER BY code").unwrap();
    let rows = statement.query_map([], |r| Ok((r.get::<_, String>(0)?, (r.get::<_, String>(1)?, r.get::<_, String>(2)?)))).unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

/// Asserts the table holds every chart account exactly as the chart says, and nothing else but fee accounts.
fn assert_agrees(what: &str, table: &BTreeMap<String, (String, String)>) {
    for account in CHART {
        assert_eq!(table.get(account.code), Some(&(account.name.to_string(), account.kind.as_str().to_string())), "{what}: account {}", account.code);
    }
    for (code, (name, class)) in table {
        if accounts::chart_account(code).is_none() {
            assert_eq!((name.clone(), class.as_str()), (accounts::fee_account_name(code), accounts::FEE_ACCOUNT_KIND.as_str()), "{what}: {code} is not in the chart, so a fee account");
        }
    }
}

/// Proves the chart's codes are unique and valid, each named and found by its code, and that every
/// account the postings name outside the chart gets a fee account's name.
#[test]
fn chart_codes_are_unique_valid_and_named() {
    let codes: std::collections::BTreeSet<&str> = CHART.iter().map(|a| a.code).collect();
    assert_eq!(codes.len(), CHART.len(), "a code appears twice");
    for a in CHART {
        assert!(accounts::valid_code(a.code) && !a.name.is_empty(), "{a:?}");
        assert_eq!(accounts::chart_account(a.code), Some(a));
        assert_eq!(accounts::name(a.code), a.name);
    }
    // The accounts head office once showed by code alone are the chart's now.
    for code in ["1001", "1002", "1060", "2150", "4920"] {
        assert!(accounts::chart_account(code).is_some(), "{code} is in the chart");
    }
    assert_eq!(accounts::chart_account("4920").map(|a| a.kind), Some(AccountKind::Revenue));
    assert_eq!(accounts::name("4105"), "Revenue 4105");
}

/// Proves a new ledger's accounts table is the chart, code for code (name and kind included): the rows the
/// ledger's migrations 2, 9 and 11 insert by their own SQL say what `CHART` says.
#[test]
fn a_new_ledger_holds_the_chart_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::create(&dir.path().join("ledger.sqlite"), &TerminalId::parse("T01").unwrap()).unwrap();
    let table = table(&ledger);
    assert_agrees("new ledger", &table);
    assert_eq!(table.len(), CHART.len(), "a new ledger holds the chart and nothing else: {table:?}");
}

/// Proves a ledger written by release 0.1.0 (an 18-account chart) holds the whole chart, exactly, once upgraded.
#[test]
fn a_ledger_upgraded_from_0_1_0_holds_the_chart_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ledger-0.1.0.sqlite"), &path).unwrap();
    let ledger = Ledger::open(&path).unwrap();
    let table = table(&ledger);
    assert_agrees("ledger of 0.1.0", &table);
    assert!(table.len() >= CHART.len());
}
