//! Attack: tampering by an insider who holds the ledger file (issue 13, section 4). A hash chain checked
//! only against itself proves nothing to someone who can rewrite and re-hash the whole file, so these
//! tests rewrite it the way such an insider would — replaying the journal through CityTill's own library
//! with one entry edited or left out, every projection and hash consistent — and show `verify` alone
//! passes, while the witnesses catch it: the seal printed on paper (`verify --seal`), and head office
//! (an alarm, and `hq verify` failing until someone resolves it). A terminal restored from an older backup
//! refuses to issue numbers head office already holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod pg;

use std::path::Path;

use citytill::domain::events::Event;
use citytill::hq::connect::connect;
use citytill::hq::terminal::client::{push_batch, sync_once};
use citytill::ledger::journal::JournalRecord;
use citytill::ledger::{Clock, Ledger};
use citytill::Money;
use common::{City, ADMIN_PIN, PIN};

/// Rewrites the ledger at `path` as an insider with the library would: every entry replayed at its own
/// time through `Ledger::write` (so postings, projections, sequence numbers and hashes are all
/// self-consistent), `edit` deciding per entry what is written instead (None = leave it out); PIN hashes
/// and bookkeeping (`meta`) are copied over so the rewritten terminal works as before.
fn rewrite(path: &Path, mut edit: impl FnMut(&JournalRecord, Event) -> Option<Event>) {
    let old = Ledger::open(path).unwrap();
    let terminal = old.terminal().clone();
    let records = old.entries_after(0, usize::MAX >> 1).unwrap();
    let pins: Vec<(String, String)> = old.read().unwrap().prepare("SELECT name, pin_hash FROM users").unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    let meta: Vec<(String, String)> =
        old.read().unwrap().prepare("SELECT key, value FROM meta WHERE key <> 'terminal'").unwrap().query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    drop(old);
    let forged_path = path.with_extension("forged");
    let mut forged = Ledger::create(&forged_path, &terminal).unwrap();
    for record in &records {
        let event: Event = citytill::ledger::payload::decode(&record.kind, &record.payload).unwrap();
        let Some(event) = edit(record, event) else { continue };
        let at = chrono::DateTime::parse_from_rfc3339(&record.at).unwrap().with_timezone(&chrono::Utc);
        forged.set_clock(Clock::Fixed(at));
        forged.write(|w| w.append(record.user.as_deref(), record.approver.as_deref(), &event)).unwrap();
    }
    // The insider's own SQLite connection on the forged file (the library gives no writable one).
    drop(forged);
    let raw = rusqlite::Connection::open(&forged_path).unwrap();
    for (name, pin_hash) in &pins {
        raw.execute("UPDATE users SET pin_hash = ?2 WHERE name = ?1", [name, pin_hash]).unwrap();
    }
    for (key, value) in &meta {
        raw.execute("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value]).unwrap();
    }
    raw.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(raw);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::rename(&forged_path, path).unwrap();
}

/// `rewrite` that changes the first payment's applied amount to `cents` (the change given grows to match).
fn lower_first_payment(path: &Path, cents: i64) {
    let mut done = false;
    rewrite(path, |_, event| match event {
        Event::PaymentTaken { receipt, number, drawer_id, cashier, mut lines, tenders, change } if !done => {
            done = true;
            let cut = lines[0].applied.cents() - cents;
            lines[0].applied = Money::from_cents(cents);
            Some(Event::PaymentTaken { receipt, number, drawer_id, cashier, lines, tenders, change: Money::from_cents(change.cents() + cut) })
        }
        other => Some(other),
    });
}

fn seal_of(city: &City, receipt: &str) -> String {
    let shown = city.ok(&["--json", "receipt", "show", receipt], &[]).json();
    shown["seal"].as_str().unwrap_or_else(|| panic!("receipt show --json has no seal: {shown}")).to_string()
}

// Proves the finding first: a payment's amount changed, projections fixed and the chain re-hashed passes
// `verify`; then that the receipt's seal (printed on paper and shown by `receipt show --json`) catches it.
#[test]
fn rehashed_edit_passes_verify_but_not_the_receipt_seal() {
    let city = City::new();
    city.ana_with_drawer();
    let printed = city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=100.00", "--print"]).expect_ok().stdout;
    let seal = seal_of(&city, "T01-000001");
    assert!(printed.contains(&format!("Seal {seal}")), "the printed receipt carries the seal {seal}: {printed}");
    let (seq, hex) = seal.split_once(':').unwrap();
    assert_eq!(hex.len(), 16, "{seal}");
    let hash: String = rusqlite::Connection::open(city.ledger()).unwrap().query_row("SELECT hash FROM journal WHERE seq = ?1", [seq], |r| r.get(0)).unwrap();
    assert!(hash.starts_with(hex), "the seal is the entry's chain head: {seal} vs {hash}");
    city.ok(&["verify", "--seal", &seal], &[]);
    city.ok(&["verify", "--seal", &format!("T01-000001:{hex}")], &[]);

    lower_first_payment(&city.ledger(), 4_000);
    let shown = city.ok(&["--json", "receipt", "show", "T01-000001"], &[]).json();
    assert_eq!(shown["total"], "40.00", "the rewrite took: {shown}");
    // The finding: the rewritten file checks out against itself.
    city.ok(&["verify"], &[]);
    // The witness: the paper's seal does not.
    for claim in [seal.clone(), format!("T01-000001:{hex}")] {
        let run = city.run(&["verify", "--seal", &claim], &[]);
        assert_eq!(run.code, 1, "{claim}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("rewritten after that paper was printed"), "{}", run.stdout);
    }
}

// Proves the finding that an entry deleted (a void) and the rest renumbered passes `verify`, and that the
// seal of a later receipt, a reprint of an earlier one (which shows the original's seal) and the Z report
// each catch it.
#[test]
fn deleted_and_renumbered_entry_is_caught_by_every_later_seal() {
    let city = City::new();
    city.ana_with_drawer();
    city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=100.00"]).expect_ok();
    let first = seal_of(&city, "T01-000001");
    city.as_user("ana", PIN).args(&["void", "T01-000001", "--reason", "keyed twice"]).approver("sam", PIN).expect_ok();
    city.as_user("ana", PIN).args(&["pay", "--account", "BL-0000042", "--tender", "cash=120.00"]).expect_ok();
    let later = seal_of(&city, "T01-000002");
    let reprint = city.as_user("ana", PIN).args(&["receipt", "reprint", "T01-000001"]).expect_ok().stdout;
    assert!(reprint.contains("DUPLICATE") && reprint.contains(&format!("Seal {first}")), "a reprint shows the original's seal: {reprint}");
    let closed = city.as_user("ana", PIN).args(&["drawer", "close", "--count", "20x11,10x3,5x4,1x10,0.25x40"]).expect_ok();
    let z_seal = closed.stdout.lines().find_map(|l| l.strip_prefix("Seal ")).map(str::to_string);
    let z_report = city.ok(&["report", "drawer"], &[]).stdout;
    city.ok(&["verify", "--seal", &later], &[]);

    rewrite(&city.ledger(), |_, event| match event {
        Event::PaymentVoided { .. } => None,
        other => Some(other),
    });
    let shown = city.ok(&["--json", "receipt", "show", "T01-000001"], &[]).json();
    assert_eq!(shown["status"], "paid", "the void is gone: {shown}");
    city.ok(&["verify"], &[]);
    let mut seals = vec![later];
    seals.extend(z_seal);
    seals.extend(z_report.lines().find_map(|l| l.trim().strip_prefix("Seal ")).map(str::to_string));
    assert!(seals.len() >= 2, "the drawer close or the Z report printed a seal: {}{z_report}", closed.stdout);
    for seal in seals {
        let run = city.run(&["verify", "--seal", &seal], &[]);
        assert_eq!(run.code, 1, "{seal}: {}", run.stdout);
        assert!(run.stdout.contains("seal"), "{}", run.stdout);
    }
}

// Proves the day close records the day's chain head in its entry and prints it with the close entry's
// seal, which `verify --seal` accepts on the genuine ledger and refuses after a rewrite of that day.
#[test]
fn day_close_seals_the_days_chain_head() {
    let city = City::new();
    city.ana_with_drawer();
    let paid = city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=84.12", "--json"]).expect_ok().json();
    let date = paid["business_date"].as_str().unwrap().to_string();
    city.as_user("ana", PIN).args(&["drawer", "close", "--count", "20x9,10x3,5x4,1x14,0.25x40,0.10x1,0.01x2"]).expect_ok();
    city.as_user("lee", PIN).args(&["batch", "approve", "D1"]).approver("sam", PIN).expect_ok();
    let before: String = rusqlite::Connection::open(city.ledger()).unwrap().query_row("SELECT hash FROM journal ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let closed = city.as_user("lee", PIN).args(&["--json", "day", "close", "--date", &date]).expect_ok();
    let result = closed.json();
    let head_before_close: String = rusqlite::Connection::open(city.ledger()).unwrap().query_row("SELECT prev_hash FROM journal WHERE kind = 'day_closed'", [], |r| r.get(0)).unwrap();
    assert_eq!(result["chain_head"], head_before_close.as_str(), "{result}");
    assert_eq!(before, head_before_close, "nothing came between");
    let seal = result["seal"].as_str().unwrap().to_string();
    let payload: String = rusqlite::Connection::open(city.ledger()).unwrap().query_row("SELECT payload FROM journal WHERE kind = 'day_closed'", [], |r| r.get(0)).unwrap();
    assert!(payload.contains(&head_before_close), "the close entry holds the chain head: {payload}");
    let printed = city.as_user("lee", PIN).args(&["day", "close", "--date", &date]).run();
    assert_ne!(printed.code, 0, "closed once only");
    city.ok(&["verify", "--seal", &seal], &[]);
    lower_first_payment(&city.ledger(), 8_000);
    // A rewrite replaying the close as it was: the sealed chain head no longer matches the entry before it.
    let run = city.run(&["verify"], &[]);
    assert!(run.code == 1 && run.stdout.contains("sealed chain head is not the entry before it"), "{}", run.stdout);
    assert_eq!(city.run(&["verify", "--seal", &seal], &[]).code, 1);
}

// Proves a bad --seal is refused naming the field, before anything is read.
#[test]
fn bad_seal_is_refused_naming_the_field() {
    let city = City::new();
    for bad in ["57", "57:xyz", "57:abc", "nothing:0123456789"] {
        let run = city.run(&["verify", "--seal", bad], &[]);
        assert_ne!(run.code, 0, "{bad}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("--seal"), "{bad}: {}", run.stderr);
    }
}

// Proves a terminal whose ledger holds fewer entries than head office acknowledged (restored from an older
// backup, or its WAL lost) refuses loudly, through the real binary, to write anything that would take a
// number head office already holds — a payment, and even a login entry — while reads still work; whether
// it knows from its own `meta` (recorded by sync) or from the witness file beside the ledger (which a
// restored ledger file does not take back).
#[test]
fn terminal_behind_head_office_refuses_to_issue_numbers() {
    for witness in ["meta", "file beside the ledger"] {
        let city = City::new();
        city.ana_with_drawer();
        city.as_user("ana", PIN).args(&["pay", "--account", "100200-01", "--tender", "cash=100.00"]).expect_ok();
        let last = city.journal_len();
        // What sync records when head office says it holds more than this ledger (see the PostgreSQL tests below).
        if witness == "meta" {
            rusqlite::Connection::open(city.ledger())
                .unwrap()
                .execute("INSERT INTO meta(key, value) VALUES ('hq_acked_seq', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [(last + 5).to_string()])
                .unwrap();
        } else {
            citytill::ledger::ack_witness::record(&city.ledger(), last + 5, "00").unwrap();
        }
        let run = city.as_user("ana", PIN).args(&["pay", "--account", "BL-0000042", "--tender", "cash=120.00"]).run();
        assert_ne!(run.code, 0, "{witness}: {}", run.stdout);
        assert!(run.stderr.contains(&format!("head office already holds {} entries", last + 5)) && run.stderr.contains("call IT"), "{witness}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert_eq!(city.journal_len(), last, "{witness}: nothing was written");
        // Said first, whatever else the command would have run into (here: no open drawer for ben).
        let first = city.as_user("ben", PIN).args(&["pay", "--account", "BL-0000042", "--tender", "cash=120.00"]).run();
        assert!(first.code != 0 && first.stderr.contains("head office already holds"), "{witness}: {}", first.stderr);
        city.ok(&["receipt", "show", "T01-000001"], &[]);
        city.ok(&["verify"], &[]);
        // A backup issues nothing: IT can still save what the terminal holds before it restores anything.
        let backup = city.path("behind.sqlite");
        city.as_user("boss", ADMIN_PIN).args(&["backup", &backup]).expect_ok();
        assert!(Path::new(&backup).exists(), "{witness}: backup written");
        assert_eq!(city.journal_len(), last, "{witness}: the backup wrote nothing");
    }
}

// ---- head office as the witness (PostgreSQL) ----

fn alarms(url: &str) -> Vec<(Option<i64>, String, bool)> {
    citytill::hq::office::admin::alarms(&mut pg::admin_client(url)).unwrap().into_iter().map(|a| (a.seq, a.reason, a.resolved_at.is_some())).collect()
}

// Proves a terminal ledger rewritten and re-hashed after head office received it is caught by head office:
// the terminal refuses to sync, head office records `terminal_differs`, and `hq verify` fails.
#[test]
fn rehashed_ledger_is_caught_by_head_office() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("rehash");
    let settings = pg::add_terminal(&url, "T21");
    let (dir, mut ledger) = pg::ledger("T21");
    pg::append_entries(&mut ledger, 12);
    sync_once(&mut ledger, &settings).unwrap();
    assert!(citytill::hq::office::verify::verify(&mut pg::admin_client(&url)).unwrap().ok);
    drop(ledger);
    let path = dir.path().join("ledger.sqlite");
    rewrite(&path, |record, event| match event {
        Event::CashDropped { drawer_id, .. } if record.seq == 5 => Some(Event::CashDropped { drawer_id, amount: Money::from_cents(1) }),
        other => Some(other),
    });
    let mut ledger = Ledger::open(&path).unwrap();
    assert!(citytill::ledger::verify::verify(&ledger).unwrap().ok, "the rewrite checks out against itself");
    let error = sync_once(&mut ledger, &settings).unwrap_err();
    assert!(error.to_string().contains("differs from head office"), "{error}");
    assert_eq!(alarms(&url), [(Some(12), "terminal_differs".to_string(), false)]);
    // Retrying (as the worker does every few seconds) does not flood head office with the same alarm.
    sync_once(&mut ledger, &settings).unwrap_err();
    assert_eq!(alarms(&url).len(), 1);
    let report = citytill::hq::office::verify::verify(&mut pg::admin_client(&url)).unwrap();
    assert!(report.journals_ok && !report.ok && report.open_alarms.len() == 1, "{report:?}");
}

// Proves the finding that a deleted and renumbered entry is caught by head office too: the forged ledger's
// entries differ from head office's copy from the deletion on.
#[test]
fn deleted_and_renumbered_entry_is_caught_by_head_office() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("renumber");
    let settings = pg::add_terminal(&url, "T22");
    let (dir, mut ledger) = pg::ledger("T22");
    pg::append_entries(&mut ledger, 9);
    sync_once(&mut ledger, &settings).unwrap();
    drop(ledger);
    let path = dir.path().join("ledger.sqlite");
    // Leave entry 4 out, then add one so the forged ledger is as long as head office's copy.
    rewrite(&path, |record, event| if record.seq == 4 { None } else { Some(event) });
    // The insider also forgets what head office acknowledged, in the ledger and beside it (else this ledger
    // refuses to append).
    rusqlite::Connection::open(&path).unwrap().execute("DELETE FROM meta WHERE key LIKE 'hq_acked%'", []).unwrap();
    std::fs::remove_file(citytill::ledger::ack_witness::path_for(&path)).unwrap();
    let mut ledger = Ledger::open(&path).unwrap();
    pg::append_entries(&mut ledger, 1);
    assert_eq!(ledger.last_seq().unwrap(), 9);
    assert!(citytill::ledger::verify::verify(&ledger).unwrap().ok);
    assert!(sync_once(&mut ledger, &settings).is_err());
    assert_eq!(alarms(&url), [(Some(9), "terminal_differs".to_string(), false)]);
    assert!(!citytill::hq::office::verify::verify(&mut pg::admin_client(&url)).unwrap().ok);
}

// Proves the finding that an older backup restored re-issues numbers: the restored terminal refuses at once
// (the acknowledgement kept beside the ledger file) to append anything that would take a sequence (or
// receipt) number head office already holds, is refused by sync, and head office records `terminal_behind`.
#[test]
fn older_backup_restored_refuses_to_reissue_and_alarms() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("restore");
    let settings = pg::add_terminal(&url, "T23");
    let (dir, mut ledger) = pg::ledger("T23");
    pg::append_entries(&mut ledger, 5);
    let backup = dir.path().join("old.sqlite");
    citytill::ledger::backup::backup(&ledger, &backup).unwrap();
    pg::append_entries(&mut ledger, 5);
    sync_once(&mut ledger, &settings).unwrap();
    drop(ledger);
    let path = dir.path().join("ledger.sqlite");
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::copy(&backup, &path).unwrap();
    let mut ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.last_seq().unwrap(), 5);
    // Before any sync: the acknowledgement kept beside the ledger file already refuses new numbers.
    let early = ledger.write(|w| w.append(Some("ana"), None, &Event::NoSale { drawer_id: 1, reason: "right after restore".into() })).unwrap_err();
    assert!(early.to_string().contains("head office already holds 10 entries"), "{early}");
    let error = sync_once(&mut ledger, &settings).unwrap_err();
    assert!(error.to_string().contains("head office holds 10 entries"), "{error}");
    assert_eq!(alarms(&url), [(Some(6), "terminal_behind".to_string(), false)]);
    let refused = ledger.write(|w| w.append(Some("ana"), None, &Event::NoSale { drawer_id: 1, reason: "after restore".into() })).unwrap_err();
    assert!(refused.to_string().contains("head office already holds 10 entries"), "{refused}");
    assert_eq!(ledger.last_seq().unwrap(), 5, "no number head office holds was issued");
    assert!(!citytill::hq::office::verify::verify(&mut pg::admin_client(&url)).unwrap().ok);
}

// Proves `hq verify` exits non-zero on a `conflict` alarm (a re-sent entry that differs) and on a refused
// sync, prints the open alarms, and passes again once an administrator resolves each with a reason —
// recorded with who and when — through the real binary; a bad resolve is refused naming the field.
#[test]
fn hq_verify_fails_while_alarms_are_open_and_resolve_clears_them() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("resolve");
    let settings = pg::add_terminal(&url, "T24");
    let (dir, mut ledger) = pg::ledger("T24");
    pg::append_entries(&mut ledger, 6);
    sync_once(&mut ledger, &settings).unwrap();
    let city = City { dir: tempfile::tempdir().unwrap() };
    let hq = |args: &[&str]| {
        let mut all = vec!["hq"];
        all.extend_from_slice(args);
        all.extend(["--database", url.as_str()]);
        city.run(&all, &[])
    };
    assert_eq!(hq(&["verify"]).code, 0, "{}", hq(&["verify"]).stdout);

    // A conflict: entry 4 (a no-sale) re-sent with different content.
    let mut entries = ledger.entries_after(3, 1).unwrap();
    entries[0].payload = entries[0].payload.replace("meter", "METER");
    entries[0].hash = entries[0].compute_hash();
    let reply = push_batch(&mut connect(&settings).unwrap(), &settings, "T24", &entries).unwrap();
    assert_eq!(reply.rejected.unwrap().reason, "conflict");
    let run = hq(&["verify"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("ALARM") && run.stdout.contains("conflict"), "{}", run.stdout);

    // A refused sync: the terminal restored to fewer entries than head office holds.
    drop(ledger);
    let path = dir.path().join("ledger.sqlite");
    rewrite(&path, |record, event| (record.seq <= 4).then_some(event));
    let mut ledger = Ledger::open(&path).unwrap();
    assert!(sync_once(&mut ledger, &settings).is_err());
    let run = hq(&["verify"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("terminal_behind") && run.stdout.contains("2 open"), "{}", run.stdout);

    let ids: Vec<i64> = citytill::hq::office::admin::alarms(&mut pg::admin_client(&url)).unwrap().iter().map(|a| a.id).collect();
    let first = ids[0].to_string();
    for (args, needle) in [(vec!["alarms", "resolve", first.as_str(), "--reason", "  "], "--reason"), (vec!["alarms", "resolve", "999999", "--reason", "checked"], "alarm: there is no alarm 999999")] {
        let run = hq(&args);
        assert_ne!(run.code, 0, "{args:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
    let resolved = hq(&["--json", "alarms", "resolve", first.as_str(), "--reason", "forged re-send from the lab; terminal reimaged"]);
    assert_eq!(resolved.code, 0, "{}{}", resolved.stdout, resolved.stderr);
    assert_eq!(resolved.json()["resolved_by"], "postgres");
    let again = hq(&["alarms", "resolve", first.as_str(), "--reason", "twice"]);
    assert!(again.code != 0 && again.stderr.contains("already resolved"), "{}", again.stderr);
    assert_eq!(hq(&["verify"]).code, 1, "one alarm is still open");
    let second = ids[1].to_string();
    hq(&["alarms", "resolve", second.as_str(), "--reason", "backup restored by mistake; newer copy put back"]);
    let run = hq(&["verify"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(hq(&["alarms"]).stdout.contains("resolved"), "the history stays");
    let refused = pg::admin_client(&url).execute("DELETE FROM citytill.alarm_resolutions", &[]).unwrap_err();
    assert!(refused.to_string().contains("append-only") || format!("{refused:?}").contains("append-only"), "{refused:?}");
}
