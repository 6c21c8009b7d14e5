//! Attacks from head office's side: a card number in the billing system's payables file, or planted straight
//! into head office's published tables, must never reach a terminal's journal (and so never come back in
//! its synced entries). Runs only where PostgreSQL is installed (tests/pg).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pg;

use citytill::hq::office::admin;
use citytill::hq::terminal::client::sync_once;

const SPACED: &str = "4111  1111  1111  1111";

// Proves head office's billing file is refused naming the column when a name holds a card number, and a row
// planted behind the importer's back is refused at the terminal's pull, naming the column, applying nothing.
#[test]
fn head_office_cannot_hand_a_terminal_a_card_number() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("attack_card");
    let mut admin = pg::admin_client(&url);
    let file = format!("kind,number,name,address,status,balance\nutility,U-1,Ann {SPACED},1 Elm St,active,1.00\n");
    let error = admin::parse_payables(file.as_bytes(), "billing.csv").expect_err("a card number in a name was read").to_string();
    assert!(error.contains("line 2, column name: looks like a card number") && !error.contains("4111"), "{error}");

    let rows = admin::parse_payables("kind,number,name,address,status,balance\nutility,U-1,Ann Lee,1 Elm St,active,1.00\n".as_bytes(), "billing.csv").expect("clean file");
    admin::publish_payables(&mut admin, &rows).expect("publish");
    admin.execute("UPDATE citytill.published_payables SET address = $1 WHERE number = 'U-1'", &[&"４１１１.１１１１.１１１１.１１１１"]).expect("plant");
    let settings = pg::add_terminal(&url, "T07");
    let (_dir, mut ledger) = pg::ledger("T07");
    pg::append_entries(&mut ledger, 1);
    let before = ledger.last_seq().expect("seq");
    let error = sync_once(&mut ledger, &settings).expect_err("the planted row was applied").to_string();
    assert!(error.contains("pulled payable address: looks like a card number"), "{error}");
    assert_eq!(ledger.last_seq().expect("seq"), before, "nothing was journaled from the pull");
}
