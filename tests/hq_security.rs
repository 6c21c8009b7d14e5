//! Head-office security against a real PostgreSQL: a terminal role can only call the sync functions for
//! itself; it cannot read or write any table, nor act for another terminal; the journal is append-only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pg;

use citytill::hq::connect::connect;
use citytill::hq::error::HqError;
use citytill::hq::terminal::client::{push_batch, state, sync_once};

fn sqlstate(error: &postgres::Error) -> String {
    error.as_db_error().map(|e| e.code().code().to_string()).unwrap_or_else(|| format!("no db error: {error}"))
}

// Proves a terminal role is refused every direct table read or write, including another terminal's rows.
#[test]
fn terminal_role_cannot_touch_tables() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("tables");
    let t1 = pg::add_terminal(&url, "T01");
    let t2 = pg::add_terminal(&url, "T02");
    let (_dir, mut ledger) = pg::ledger("T02");
    pg::append_entries(&mut ledger, 5);
    sync_once(&mut ledger, &t2).unwrap();
    let mut client = connect(&t1).unwrap();
    let statements = [
        "SELECT * FROM citytill.entries WHERE terminal = 'T02'",
        "SELECT * FROM citytill.postings",
        "SELECT * FROM citytill.terminals",
        "SELECT * FROM citytill.alarms",
        "SELECT * FROM citytill.published_payables",
        "SELECT * FROM citytill.payable_balances",
        "INSERT INTO citytill.entries(terminal, seq, at, business_date, kind, payload, prev_hash, hash) VALUES ('T01', 1, 'x', 'x', 'x', 'x', 'x', 'x')",
        "UPDATE citytill.terminals SET acked_seq = 0",
        "DELETE FROM citytill.alarms",
        "CREATE TABLE citytill.mine (x int)",
        "SELECT citytill.refuse_change()",
        "SELECT citytill.is_json('no_sale', '{}')",
    ];
    for sql in statements {
        let error = client.batch_execute(sql).unwrap_err();
        assert_eq!(sqlstate(&error), "42501", "{sql} must be refused: {error:?}");
    }
}

// Proves the terminal comes from the login role: pushing as another terminal is refused, and a login
// role that is not a registered terminal cannot use the sync functions at all.
#[test]
fn terminal_cannot_act_for_another() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("forge");
    let t1 = pg::add_terminal(&url, "T01");
    pg::add_terminal(&url, "T02");
    let (_dir, mut t2_ledger) = pg::ledger("T02");
    pg::append_entries(&mut t2_ledger, 3);
    let mut client = connect(&t1).unwrap();
    assert_eq!(state(&mut client, &t1).unwrap().terminal, "T01");
    let forged = push_batch(&mut client, &t1, "T02", &t2_ledger.entries_after(0, 3).unwrap()).unwrap_err();
    assert!(matches!(&forged, HqError::Server { message, .. } if message.contains("42501")), "{forged}");
    // Entries claiming to be T02's sent under T01's own name are rejected by content, with an alarm.
    let reply = push_batch(&mut client, &t1, "T01", &t2_ledger.entries_after(0, 3).unwrap()).unwrap();
    assert_eq!(reply.rejected.unwrap().reason, "wrong_terminal");
    // A T01 ledger syncing with T02's credentials is told the mismatch, naming the key.
    let (_dir1, mut t1_ledger) = pg::ledger("T01");
    let mut t2_settings = t1.clone();
    let mut admin = pg::admin_client(&url);
    admin.batch_execute("CREATE ROLE intruder_forge LOGIN PASSWORD 'intruder-pw'").unwrap();
    t2_settings.database_url = format!("postgresql://intruder_forge:intruder-pw@127.0.0.1:{}/{}", cluster.port, url.rsplit('/').next().unwrap());
    let mut intruder = connect(&t2_settings).unwrap();
    let push_rows = "SELECT citytill.sync_push_rows('T01', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', NULL)";
    for sql in ["SELECT citytill.sync_state()", "SELECT citytill.sync_push('T01', '[]')", push_rows, "SELECT citytill.sync_pull(0, 10)", "SELECT * FROM citytill.entries"] {
        let error = intruder.batch_execute(sql).unwrap_err();
        assert_eq!(sqlstate(&error), "42501", "{sql}: {error:?}");
    }
    let error = sync_once(&mut t1_ledger, &t2_settings).unwrap_err();
    assert!(!error.to_string().contains("intruder-pw"), "{error}");
    admin.batch_execute("DROP ROLE intruder_forge").unwrap();
}

// Proves a wrong password is refused and the error never shows it; and head office's journal refuses
// UPDATE, DELETE and TRUNCATE even from the administrator.
#[test]
fn wrong_password_and_append_only() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("appendonly");
    let good = pg::add_terminal(&url, "T03");
    let mut bad = good.clone();
    let password = good.database_url.split(':').nth(2).unwrap().split('@').next().unwrap();
    bad.database_url = good.database_url.replace(password, "wrong-pw-123");
    let error = connect(&bad).map(|_| ()).unwrap_err();
    assert!(!error.to_string().contains("wrong-pw-"), "{error}");
    let (_dir, mut ledger) = pg::ledger("T03");
    pg::append_entries(&mut ledger, 4);
    sync_once(&mut ledger, &good).unwrap();
    let mut admin = pg::admin_client(&url);
    for sql in ["UPDATE citytill.entries SET kind = 'x'", "DELETE FROM citytill.postings", "TRUNCATE citytill.entries CASCADE", "UPDATE citytill.postings SET line = line"] {
        let error = admin.batch_execute(sql).unwrap_err();
        assert!(error.as_db_error().unwrap().message().contains("append-only"), "{sql}: {error:?}");
    }
    pg::assert_hq_equals_ledger(&url, &ledger);
}

// Proves `hq init` is idempotent and versioned: a second run changes nothing.
#[test]
fn init_is_idempotent() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("init");
    let mut admin = pg::admin_client(&url);
    let again = citytill::hq::office::admin::init(&mut admin).unwrap();
    let latest = citytill::hq::office::schema::MIGRATIONS.len() as i64;
    assert_eq!((again.from_version, again.to_version), (latest, latest));
    assert_eq!(
        latest, 7,
        "migrations 2 (array push), 3 (balance changes by the ledger's rules), 4 (bad amounts rejected), 5 (head office as witness), 6 (autopay balance changes) and 7 (the finance kinds' partial index) are part of the schema"
    );
    let versions: i64 = admin.query_one("SELECT count(*) FROM citytill.schema_version", &[]).unwrap().get(0);
    assert_eq!(versions, latest);
}

// Proves terminals may execute only the five sync functions in the head-office schema, whatever helper functions migrations add.
#[test]
fn terminals_may_execute_only_the_sync_functions() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("grants");
    let mut admin = pg::admin_client(&url);
    let rows = admin
        .query(
            "SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'citytill' AND has_function_privilege('citytill_terminal', p.oid, 'EXECUTE') ORDER BY 1",
            &[],
        )
        .unwrap();
    let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(names, ["sync_check", "sync_pull", "sync_push", "sync_push_rows", "sync_state"]);
}
