//! Head office crashes (PostgreSQL stopped with `-m immediate`) while terminals push, then restarts: the
//! workers back off, resume, and head office ends equal to the union of the journals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pg;

use std::time::{Duration, Instant};

use citytill::hq::SyncWorker;

// Proves PostgreSQL stopped mid-batch and restarted loses nothing and duplicates nothing: two terminals'
// workers report offline during the outage, then catch up; head office = union of the journals, verify clean.
#[test]
fn head_office_crash_mid_batch_then_restart() {
    let Some(cluster) = pg::own_cluster() else { return };
    let url = cluster.fresh_hq("restart");
    let mut terminals = Vec::new();
    for terminal in ["T01", "T02"] {
        let mut settings = pg::add_terminal(&url, terminal);
        settings.batch_entries = 40;
        settings.interval_ms = 50;
        settings.backoff_initial_ms = 50;
        settings.backoff_max_ms = 400;
        settings.connect_timeout_ms = 1_000;
        let (dir, mut ledger) = pg::ledger(terminal);
        pg::append_entries(&mut ledger, 4_000);
        let worker = SyncWorker::spawn_with(dir.path().to_path_buf(), settings);
        terminals.push((dir, ledger, worker));
    }
    // Crash once some entries (but not all) are in: batches are in flight.
    wait(Duration::from_secs(30), || pg::hq_entries(&url, "T01").len() > 200);
    cluster.crash().unwrap();
    let saw_offline = wait(Duration::from_secs(15), || terminals.iter().all(|(_, _, w)| w.status().mode == "offline"));
    // The counter keeps taking entries while head office is down.
    for (_, ledger, _) in &mut terminals {
        pg::append_entries(ledger, 50);
    }
    cluster.start_server().unwrap();
    let caught_up = wait(Duration::from_secs(60), || {
        terminals.iter().all(|(_, l, w)| {
            let status = w.status();
            status.mode == "connected" && status.acked_seq == l.last_seq().unwrap()
        })
    });
    assert!(saw_offline, "workers must report offline while head office is down");
    assert!(caught_up, "workers must catch up: {:?}", terminals.iter().map(|(_, _, w)| w.status()).collect::<Vec<_>>());
    for (_dir, ledger, worker) in terminals {
        worker.stop();
        pg::assert_hq_equals_ledger(&url, &ledger);
    }
    let report = citytill::hq::office::verify::verify(&mut pg::admin_client(&url)).unwrap();
    assert!(report.ok && report.entries == 8_100 && report.alarms == 0, "{report:?}");
}

fn wait(limit: Duration, done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    done()
}
