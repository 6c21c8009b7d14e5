//! Head-office sync against a real PostgreSQL: exactly-once push under concurrency, re-sends, lost
//! acknowledgements and tampering; pull of reference data; offline payments reconciled; no card data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pg;

use citytill::domain::events::{Event, LineTarget, PaymentLine};
use citytill::domain::payable::{FeeRow, PayableKind};
use citytill::domain::tender::{Tender, TenderKind};
use citytill::hq::connect::connect;
use citytill::hq::office::admin;
use citytill::hq::terminal::client::{push_batch, sync_once, sync_with};
use citytill::hq::terminal::status::{local_status, meta_keys};
use citytill::ledger::Ledger;
use citytill::Money;

fn pay(ledger: &mut Ledger, number: i64, payable: &str, cents: i64, tender: Tender) {
    let event = Event::PaymentTaken {
        receipt: format!("{}-{number:06}", ledger.terminal()),
        number,
        drawer_id: 1,
        cashier: "ana".into(),
        lines: vec![PaymentLine { target: LineTarget::Payable { number: payable.into(), kind: PayableKind::Utility }, applied: Money::from_cents(cents), credit: Money::ZERO }],
        tenders: vec![tender],
        change: Money::ZERO,
    };
    ledger.write(|w| w.append(Some("ana"), None, &event)).unwrap();
}

/// Approves drawer 1's counter batch as its supervisor would (the billing export takes approved batches only).
fn approve_counter_batch(ledger: &mut Ledger) {
    let event = Event::BatchApproved { batch: "D1".into(), approver: "sam".into(), posted: vec![] };
    ledger.write(|w| w.append(Some("lee"), Some("sam"), &event)).unwrap();
}

fn seed_payable(ledger: &mut Ledger, number: &str, cents: i64) {
    use citytill::domain::payable::PayableRow;
    let row = PayableRow { kind: PayableKind::Utility, number: number.into(), name: "Ana Diaz".into(), address: "1 Elm St".into(), status: "active".into(), balance: Money::from_cents(cents) };
    ledger.write(|w| w.append(None, None, &Event::PayablesImported { source: "test".into(), part: 1, rows: vec![row] })).unwrap();
}

fn balance(ledger: &Ledger, number: &str) -> i64 {
    ledger.read().unwrap().query_row("SELECT balance_cents FROM payables WHERE number = ?1", [number], |r| r.get(0)).unwrap()
}

// Proves two terminals pushing at the same time in small batches end with head office equal to the union
// of their journals (0 missing, 0 duplicates, 0 gaps), and that re-sending acknowledged entries only re-acknowledges them.
#[test]
fn concurrent_terminals_push_exactly_once() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("concurrent");
    let handles: Vec<_> = ["T01", "T02"]
        .into_iter()
        .map(|terminal| {
            let mut settings = pg::add_terminal(&url, terminal);
            settings.batch_entries = 97;
            std::thread::spawn(move || {
                let (dir, mut ledger) = pg::ledger(terminal);
                pg::append_entries(&mut ledger, 600);
                let first = sync_once(&mut ledger, &settings).unwrap();
                pg::append_entries(&mut ledger, 650);
                let second = sync_once(&mut ledger, &settings).unwrap();
                assert_eq!((first.pushed, second.pushed, second.pending), (600, 650, 0));
                (dir, ledger, settings)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for (_dir, ledger, settings) in &results {
        pg::assert_hq_equals_ledger(&url, ledger);
        let mut client = connect(settings).unwrap();
        let again = push_batch(&mut client, settings, ledger.terminal().as_str(), &ledger.entries_after(100, 200).unwrap()).unwrap();
        assert_eq!((again.accepted, again.duplicates, again.acked_seq, again.rejected), (0, 200, 1250, None));
        assert_eq!(ledger.meta(meta_keys::ACKED_SEQ).unwrap().as_deref(), Some("1250"));
        pg::assert_hq_equals_ledger(&url, ledger);
    }
    let report = citytill::hq::office::verify::verify(&mut pg::admin_client(&url)).unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!((report.entries, report.alarms), (2500, 0));
}

// Proves a connection dropped after head office committed a batch but before the terminal heard the
// acknowledgement loses nothing and duplicates nothing: the re-send is acknowledged as duplicates. (The
// backlog goes out over two connections, so the batch sent ahead of the cut one may have landed too.)
#[test]
fn lost_acknowledgement_then_resend_makes_no_duplicate() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("lostack");
    let mut settings = pg::add_terminal(&url, "T03");
    settings.batch_entries = 50;
    let (_dir, mut ledger) = pg::ledger("T03");
    pg::append_entries(&mut ledger, 120);
    let proxy = pg::proxy::Proxy::start(cluster.port);
    let mut via_proxy = settings.clone();
    via_proxy.database_url = proxy.url_for(&settings.database_url, cluster.port);
    let mut client = connect(&via_proxy).unwrap();
    proxy.cut_on_reply_containing("duplicates");
    let error = sync_with(&mut client, &mut ledger, &via_proxy).unwrap_err();
    assert_eq!(proxy.cuts(), 1);
    assert!(error.is_offline(), "{error}");
    assert!(!error.to_string().contains(settings.database_url.split(['@', ':']).nth(2).unwrap()), "password leaked: {error}");
    // Head office committed the first batch (and perhaps those sent ahead of it: on a loaded machine all three
    // may land before the cut reply); the terminal never heard so.
    let held = pg::hq_entries(&url, "T03").len() as i64;
    assert!([50, 100, 120].contains(&held), "head office holds whole batches only: {held}");
    assert_eq!(ledger.meta(meta_keys::ACKED_SEQ).unwrap().unwrap_or_else(|| "0".into()), "0");
    let mut direct = connect(&settings).unwrap();
    let resent = push_batch(&mut direct, &settings, "T03", &ledger.entries_after(0, 50).unwrap()).unwrap();
    assert_eq!((resent.accepted, resent.duplicates, resent.acked_seq), (0, 50, held));
    let outcome = sync_once(&mut ledger, &settings).unwrap();
    assert_eq!((outcome.pushed, outcome.acked_seq, outcome.pending), (120 - held, 120, 0));
    pg::assert_hq_equals_ledger(&url, &ledger);
}

// Proves a re-send with different content (or a forged hash) is rejected, recorded as an alarm that
// survives, and leaves head office's copy untouched; the terminal sees the rejection as an error.
#[test]
fn tampered_resend_is_rejected_and_alarmed() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("tamper");
    let settings = pg::add_terminal(&url, "T04");
    let (_dir, mut ledger) = pg::ledger("T04");
    pg::append_entries(&mut ledger, 10);
    sync_once(&mut ledger, &settings).unwrap();
    let mut client = connect(&settings).unwrap();
    let mut entries = ledger.entries_after(3, 7).unwrap();
    let original = entries[1].payload.clone();
    entries[1].payload = original.replace("1.04", "9.04");
    assert_ne!(entries[1].payload, original);
    assert_eq!(entries[1].seq, 5);
    let reply = push_batch(&mut client, &settings, "T04", &entries).unwrap();
    let rejection = reply.rejected.clone().unwrap();
    assert_eq!((rejection.seq, rejection.reason.as_str(), rejection.alarm), (5, "conflict", true));
    assert_eq!((reply.accepted, reply.duplicates, reply.acked_seq), (0, 1, 10));
    // Same again with a self-consistent forged hash: still refused, because head office holds entry 5.
    entries[1].hash = entries[1].compute_hash();
    assert_eq!(push_batch(&mut client, &settings, "T04", &entries).unwrap().rejected.unwrap().reason, "conflict");
    // A new entry whose hash does not match its content.
    pg::append_entries(&mut ledger, 1);
    let mut forged = ledger.entries_after(10, 1).unwrap();
    forged[0].payload.push(' ');
    assert_eq!(push_batch(&mut client, &settings, "T04", &forged).unwrap().rejected.unwrap().reason, "hash_mismatch");
    let mut admin = pg::admin_client(&url);
    let alarms = admin::alarms(&mut admin).unwrap();
    let reasons: Vec<_> = alarms.iter().map(|a| (a.seq, a.reason.as_str())).collect();
    assert_eq!(reasons, [(Some(5), "conflict"), (Some(5), "conflict"), (Some(11), "hash_mismatch")]);
    // The genuine entry 11 still goes through, and head office equals the ledger.
    sync_once(&mut ledger, &settings).unwrap();
    pg::assert_hq_equals_ledger(&url, &ledger);
    let report = citytill::hq::office::verify::verify(&mut admin).unwrap();
    // The journals are intact, but every alarm stays open (and fails verify) until someone resolves it.
    assert!(report.journals_ok && !report.ok && report.alarms == 3 && report.open_alarms.len() == 3, "{report:?}");
}

// Proves a push that skips sequence numbers is refused and recorded as an alarm (at the start of a batch and
// inside one), that the entries before the gap are kept, and that the genuine journal still syncs afterwards.
#[test]
fn sequence_gap_is_rejected_and_alarmed() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("gap");
    let settings = pg::add_terminal(&url, "T12");
    let (_dir, mut ledger) = pg::ledger("T12");
    pg::append_entries(&mut ledger, 10);
    let mut client = connect(&settings).unwrap();
    let first = push_batch(&mut client, &settings, "T12", &ledger.entries_after(0, 5).unwrap()).unwrap();
    assert_eq!((first.accepted, first.acked_seq, first.rejected), (5, 5, None));
    let skipped = push_batch(&mut client, &settings, "T12", &ledger.entries_after(7, 2).unwrap()).unwrap();
    let rejection = skipped.rejected.unwrap();
    assert_eq!((rejection.seq, rejection.reason.as_str(), rejection.alarm, skipped.accepted, skipped.acked_seq), (8, "gap", true, 0, 5));
    let mut holed = ledger.entries_after(5, 3).unwrap();
    holed.remove(1);
    let inside = push_batch(&mut client, &settings, "T12", &holed).unwrap();
    assert_eq!((inside.accepted, inside.acked_seq, inside.rejected.map(|r| (r.seq, r.reason))), (1, 6, Some((8, "gap".to_string()))));
    let mut admin = pg::admin_client(&url);
    let alarms: Vec<(i64, String, i64)> =
        admin.query("SELECT seq, reason, (detail->>'expected_seq')::bigint FROM citytill.alarms ORDER BY id", &[]).unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
    assert_eq!(alarms, [(8, "gap".to_string(), 6), (8, "gap".to_string(), 7)]);
    let outcome = sync_once(&mut ledger, &settings).unwrap();
    assert_eq!((outcome.pushed, outcome.acked_seq, outcome.pending), (4, 10, 0));
    pg::assert_hq_equals_ledger(&url, &ledger);
    let report = citytill::hq::office::verify::verify(&mut admin).unwrap();
    // The journals are intact, but every alarm stays open (and fails verify) until someone resolves it.
    assert!(report.journals_ok && !report.ok && report.alarms == 2 && report.open_alarms.len() == 2, "{report:?}");
}

/// What head office answered to a batch whose middle entry carried a bad payment payload.
struct BadSeventh {
    url: String,
    settings: citytill::hq::HqSettings,
    _dir: tempfile::TempDir,
    ledger: Ledger,
    /// The array push of entries 6-8 (7 bad), after 1-5 were held.
    reply: citytill::hq::terminal::client::PushReply,
    /// The JSON push of the same three entries right after.
    answer: citytill::hq::terminal::client::PushReply,
}

/// A terminal with 8 entries: 1-5 pushed, then 6-8 with entry 7 turned into a payment whose payload is
/// `payload` (hash recomputed, so only the payload is wrong), through the array push and then the JSON push.
fn push_bad_seventh(name: &str, terminal: &str, payload: &str) -> Option<BadSeventh> {
    let cluster = pg::cluster()?;
    let url = cluster.fresh_hq(name);
    let settings = pg::add_terminal(&url, terminal);
    let (dir, mut ledger) = pg::ledger(terminal);
    pg::append_entries(&mut ledger, 8);
    let mut client = connect(&settings).unwrap();
    assert_eq!(push_batch(&mut client, &settings, terminal, &ledger.entries_after(0, 5).unwrap()).unwrap().acked_seq, 5);
    let mut entries = ledger.entries_after(5, 3).unwrap();
    entries[1].kind = "payment_taken".into();
    entries[1].payload = payload.into();
    entries[1].hash = entries[1].compute_hash();
    let reply = push_batch(&mut client, &settings, terminal, &entries).unwrap();
    let body = serde_json::to_string(&entries).unwrap();
    let row = client.query_one("SELECT citytill.sync_push($1, $2::text::jsonb)::text", &[&terminal, &body]).unwrap();
    let answer = serde_json::from_str(row.get::<_, &str>(0)).unwrap();
    Some(BadSeventh { url, settings, _dir: dir, ledger, reply, answer })
}

impl BadSeventh {
    /// Asserts both pushes rejected entry 7 for `reason` with an alarm, keeping entry 6 (stored by the
    /// first, acknowledged again by the second), and that the two alarms say `reason`.
    fn assert_rejected(&self, reason: &str) -> Vec<(i64, String, String)> {
        let rejected = |reply: &citytill::hq::terminal::client::PushReply| reply.rejected.clone().map(|r| (r.seq, r.reason, r.alarm));
        assert_eq!(rejected(&self.reply), Some((7, reason.to_string(), true)));
        assert_eq!((self.reply.accepted, self.reply.duplicates, self.reply.acked_seq), (1, 0, 6));
        assert_eq!(rejected(&self.answer), Some((7, reason.to_string(), true)), "the JSON form is judged by the same code");
        assert_eq!((self.answer.accepted, self.answer.duplicates, self.answer.acked_seq), (0, 1, 6));
        let alarms: Vec<(i64, String, String)> = pg::admin_client(&self.url)
            .query("SELECT seq, reason, COALESCE(detail->>'error', '') FROM citytill.alarms ORDER BY id", &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        assert_eq!(alarms.iter().map(|(seq, reason, _)| (*seq, reason.as_str())).collect::<Vec<_>>(), [(7, reason), (7, reason)]);
        alarms
    }

    /// Asserts the terminal's own entries (without the bad one) then go through, and head office verifies.
    fn assert_the_real_entries_go_through(mut self) {
        let outcome = sync_once(&mut self.ledger, &self.settings).unwrap();
        assert_eq!((outcome.pushed, outcome.acked_seq), (2, 8));
        pg::assert_hq_equals_ledger(&self.url, &self.ledger);
        let report = citytill::hq::office::verify::verify(&mut pg::admin_client(&self.url)).unwrap();
        // The journals are intact, but every alarm stays open (and fails verify) until someone resolves it.
        assert!(report.journals_ok && !report.ok && report.alarms == 2 && report.open_alarms.len() == 2, "{report:?}");
    }
}

// Proves an entry whose payload is not JSON (here a payment, whose payload head office parses) is a rejection
// with an alarm, not an error: the entries before it are kept, through both the array push and the JSON form.
#[test]
fn non_json_payload_is_rejected_and_alarmed() {
    let Some(pushed) = push_bad_seventh("notjson", "T13", "{\"lines\": [not json") else { return };
    pushed.assert_rejected("not_json");
    pushed.assert_the_real_entries_go_through();
}

// Proves an entry whose payload head office cannot turn into balance changes (a payment line whose amount is
// not a number) is a rejection with an alarm naming the value, not an SQL error that stalls the terminal: the
// entry before it is kept, through both push forms, nothing of it is stored, and a push without it succeeds.
#[test]
fn bad_amount_is_rejected_and_alarmed() {
    let payload = r#"{"kind":"payment_taken","receipt":"T14-000001","number":1,"drawer_id":1,"cashier":"ana","lines":[{"target":{"type":"payable","number":"U-1","kind":"utility"},"applied":"12.x4","credit":"0.00"}],"tenders":[{"kind":"cash","amount":"12.34"}],"change":"0.00"}"#;
    let Some(pushed) = push_bad_seventh("badamount", "T14", payload) else { return };
    let alarms = pushed.assert_rejected("bad_amount");
    assert!(alarms.iter().all(|(_, _, error)| error.contains("12.x4")), "{alarms:?}");
    let held: i64 = pg::admin_client(&pushed.url).query_one("SELECT count(*) FROM citytill.entries WHERE terminal = 'T14'", &[]).unwrap().get(0);
    assert_eq!(held, 6, "nothing of the bad entry or after it is stored");
    pushed.assert_the_real_entries_go_through();
}

// Proves reference data is pulled since the last version and applied as journaled imports in one
// transaction, and that payments taken offline against an old balance are accepted and reconciled.
#[test]
fn pull_applies_reference_data_and_offline_payments_reconcile() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("pull");
    let mut admin = pg::admin_client(&url);
    let csv = "kind,number,name,address,status,balance\nutility,U-100,Ana Diaz,1 Elm St,active,100.00\nlicense,L-7,Bo's Cafe,2 Oak Ave,active,25.50\n";
    let rows = admin::parse_payables(csv.as_bytes(), "payables.csv").unwrap();
    assert_eq!(admin::publish_payables(&mut admin, &rows).unwrap(), 2);
    assert_eq!(admin::publish_payables(&mut admin, &rows).unwrap(), 0, "unchanged rows are not republished");
    admin::publish_fees(&mut admin, &[FeeRow { code: "COPY".into(), description: "Copies".into(), amount: Some(Money::from_cents(25)), gl_account: "4900".into() }]).unwrap();
    admin::publish_setting(&mut admin, "receipt_footer", "Thank you").unwrap();

    let mut terminals: Vec<_> = ["T05", "T06"].into_iter().map(|t| (pg::add_terminal(&url, t), pg::ledger(t))).collect();
    for (settings, (_dir, ledger)) in &mut terminals {
        pg::append_entries(ledger, 1);
        let outcome = sync_once(ledger, settings).unwrap();
        assert_eq!(outcome.pulled_rows, 4);
        assert_eq!(balance(ledger, "U-100"), 10_000);
        let kinds: Vec<String> = ledger.entries_after(1, 10).unwrap().into_iter().map(|r| r.kind).collect();
        assert_eq!(kinds, ["payables_imported", "fees_imported"]);
        assert_eq!(ledger.meta("hq_setting.receipt_footer").unwrap().as_deref(), Some("Thank you"));
        assert_eq!(sync_once(ledger, settings).unwrap().pulled_rows, 0, "nothing new since the last version");
    }
    // Both counters are offline and take payments against the old balance of 100.00: 40.00 and 70.00.
    pay(&mut terminals[0].1 .1, 1, "U-100", 4_000, Tender::new(TenderKind::Cash, Money::from_cents(4_000)));
    pay(&mut terminals[1].1 .1, 1, "U-100", 7_000, Tender::new(TenderKind::Check, Money::from_cents(7_000)));
    assert_eq!(balance(&terminals[0].1 .1, "U-100"), 6_000);
    for (_settings, (_dir, ledger)) in &mut terminals {
        approve_counter_batch(ledger);
    }
    for _round in 0..2 {
        for (settings, (_dir, ledger)) in &mut terminals {
            pg::settle(ledger, settings);
        }
    }
    for (_settings, (_dir, ledger)) in &terminals {
        assert_eq!(balance(ledger, "U-100"), -1_000, "both payments accepted; the overpayment shows at every counter");
        pg::assert_hq_equals_ledger(&url, ledger);
    }
    // Once the payments are exported and billing sends the new balance, it is taken as is.
    let date = chrono::NaiveDate::parse_from_str(&terminals[0].1 .1.entries_after(0, 1).unwrap()[0].business_date, "%Y-%m-%d").unwrap();
    let export = citytill::hq::office::reports::export_payments(&mut admin, date, false, |_| Ok(())).unwrap();
    assert_eq!(export.rows.iter().map(|l| l.amount.cents()).sum::<i64>(), 11_000);
    let again = citytill::hq::office::reports::export_payments(&mut admin, date, false, |_| Ok(())).unwrap();
    assert!(again.rows.is_empty(), "each payment is exported exactly once");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let billed = admin::parse_payables("kind,number,name,address,status,balance\nutility,U-100,Ana Diaz,1 Elm St,active,-10.00\n".as_bytes(), "b.csv").unwrap();
    admin::publish_payables(&mut admin, &billed).unwrap();
    let (settings, (_dir, ledger)) = &mut terminals[1];
    pg::settle(ledger, settings);
    assert_eq!(balance(ledger, "U-100"), -1_000);
    pg::assert_hq_equals_ledger(&url, ledger);
}

// Proves card payments reach head office with no 13-19 digit Luhn-valid number anywhere in the synced payloads.
#[test]
fn no_card_numbers_in_synced_payloads() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("cards");
    let settings = pg::add_terminal(&url, "T08");
    let (_dir, mut ledger) = pg::ledger("T08");
    pg::append_entries(&mut ledger, 2);
    seed_payable(&mut ledger, "U-100", 100_000);
    for n in 1..=20 {
        let mut card = Tender::new(TenderKind::Card, Money::from_cents(1_000 + n));
        card.brand = Some("visa".into());
        card.last4 = Some("1111".into());
        card.auth = Some(format!("A{n:05}"));
        card.reference = Some(format!("REF{n:08}"));
        pay(&mut ledger, n, "U-100", 1_000 + n, card);
    }
    sync_once(&mut ledger, &settings).unwrap();
    let mut admin = pg::admin_client(&url);
    let payloads: Vec<String> = admin.query("SELECT payload FROM citytill.entries", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(payloads.len(), 23);
    assert!(payloads.iter().any(|p| p.contains("\"last4\":\"1111\"")));
    let found: Vec<&String> = payloads.iter().filter(|p| has_card_number(p)).collect();
    assert!(found.is_empty(), "card numbers at head office: {found:?}");
    assert!(has_card_number("x4111111111111111y"), "the scanner finds a real test card number");
}

fn has_card_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !bytes[start].is_ascii_digit() {
            start += 1;
            continue;
        }
        let end = (start..bytes.len()).find(|&i| !bytes[i].is_ascii_digit()).unwrap_or(bytes.len());
        let run = &text[start..end];
        for length in 13..=19.min(run.len()) {
            if (0..=run.len() - length).any(|offset| luhn(&run[offset..offset + length])) {
                return true;
            }
        }
        start = end;
    }
    false
}

fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

// Proves the status bar data: standalone without settings; offline with the error (no password) while head
// office is unreachable, entries pending with their age; connected with nothing pending once it syncs.
#[test]
fn worker_status_standalone_offline_connected() {
    let standalone = citytill::hq::SyncWorker::spawn(std::env::temp_dir(), &citytill::config::Settings::default());
    assert_eq!(standalone.status().mode, "standalone");
    standalone.stop();
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("worker");
    let mut settings = pg::add_terminal(&url, "T09");
    settings.interval_ms = 100;
    settings.backoff_initial_ms = 50;
    settings.backoff_max_ms = 200;
    let (dir, mut ledger) = pg::ledger("T09");
    pg::append_entries(&mut ledger, 30);
    let mut unreachable = settings.clone();
    let free_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    unreachable.database_url = unreachable.database_url.replace(&format!(":{}/", cluster.port), &format!(":{free_port}/"));
    let worker = citytill::hq::SyncWorker::spawn_with(dir.path().to_path_buf(), unreachable);
    let status = wait_for(&worker, |s| s.last_error.is_some());
    worker.stop();
    assert_eq!((status.mode.as_str(), status.pending), ("offline", 30));
    assert!(status.oldest_pending_age_s.is_some());
    let password = settings.database_url.split(':').nth(2).unwrap().split('@').next().unwrap().to_string();
    assert!(!status.last_error.unwrap().contains(&password), "password leaked into the status");
    let worker = citytill::hq::SyncWorker::spawn_with(dir.path().to_path_buf(), settings);
    let status = wait_for(&worker, |s| s.mode == "connected" && s.pending == 0);
    worker.nudge();
    worker.stop();
    assert_eq!((status.acked_seq, status.oldest_pending_age_s, status.last_error), (30, None, None));
    let local = local_status(&ledger, true).unwrap();
    assert_eq!((local.mode.as_str(), local.pending), ("connected", 0));
}

fn wait_for(worker: &citytill::hq::SyncWorker, done: impl Fn(&citytill::hq::SyncStatus) -> bool) -> citytill::hq::SyncStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let status = worker.status();
        if done(&status) || std::time::Instant::now() > deadline {
            return status;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

// Proves `hq verify` finds an entry altered at head office behind the application's back.
#[test]
fn verify_detects_alteration_at_head_office() {
    let Some(cluster) = pg::cluster() else { return };
    let url = cluster.fresh_hq("verify");
    let settings = pg::add_terminal(&url, "T10");
    let (_dir, mut ledger) = pg::ledger("T10");
    pg::append_entries(&mut ledger, 12);
    sync_once(&mut ledger, &settings).unwrap();
    let mut admin = pg::admin_client(&url);
    assert!(citytill::hq::office::verify::verify(&mut admin).unwrap().ok);
    let refused = admin.execute("UPDATE citytill.entries SET payload = '{}' WHERE seq = 4", &[]).unwrap_err();
    assert!(refused.as_db_error().unwrap().message().contains("append-only"), "{refused:?}");
    admin
        .batch_execute(
            "ALTER TABLE citytill.entries DISABLE TRIGGER entries_append_only;
             UPDATE citytill.entries SET payload = replace(payload, 'meter', 'METER') WHERE seq = 7;
             ALTER TABLE citytill.entries ENABLE TRIGGER entries_append_only;",
        )
        .unwrap();
    let report = citytill::hq::office::verify::verify(&mut admin).unwrap();
    assert!(!report.ok);
    assert_eq!(report.terminals[0].problems, ["entry 7: content does not match its hash (altered at head office?)"]);
}
