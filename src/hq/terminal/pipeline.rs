//! Pushing a backlog: batches go out over two connections, so head office checks the next batch (hashes,
//! postings, JSON: everything that does not depend on what it holds) while it stores the current one, and
//! the terminal reads the batch after that from its ledger meanwhile. Replies are taken strictly in order;
//! each batch says what the terminal believed head office held before it, so a batch sent ahead of one
//! that failed stores nothing (and raises no alarm). Exactly-once never depends on this client: head office
//! judges every batch under the terminal's row lock.

use std::collections::VecDeque;
use std::thread::ScopedJoinHandle;
use std::time::Instant;

use postgres::Client;

use crate::hq::connect::connect;
use crate::hq::error::{HqError, HqResult};
use crate::hq::settings::HqSettings;
use crate::hq::terminal::push::{push_batch_after, record_ack, PushReply, SyncOutcome, ACK_RECORD_INTERVAL};
use crate::ledger::journal::JournalRecord;
use crate::ledger::Ledger;

/// A batch on its way: the thread pushing it (which hands its connection back), what head office was
/// believed to hold before it, and its last sequence.
type InFlight<'scope, 'c> = (ScopedJoinHandle<'scope, (&'c mut Client, HqResult<PushReply>, Vec<JournalRecord>)>, i64, i64);

/// Pushes every entry after `acked`; returns the new acknowledged sequence. The acknowledgement is recorded
/// at most every `ACK_RECORD_INTERVAL`; the latest one not yet recorded is left in `unrecorded`.
pub(crate) fn push_batches(client: &mut Client, ledger: &mut Ledger, settings: &HqSettings, mut acked: i64, outcome: &mut SyncOutcome, unrecorded: &mut Option<(i64, String)>) -> HqResult<i64> {
    let terminal = ledger.terminal().to_string();
    let mut batch = ledger.entries_after(acked, settings.batch_entries)?;
    // A second connection only for a backlog of more than one batch; if it cannot open, one at a time.
    let mut second = if batch.len() >= settings.batch_entries { connect(settings).ok() } else { None };
    let mut recorded_at = Instant::now();
    std::thread::scope(|scope| {
        let mut idle: Vec<&mut Client> = vec![client];
        if let Some(second) = second.as_mut() {
            idle.push(second);
        }
        let mut in_flight: VecDeque<InFlight<'_, '_>> = VecDeque::new();
        let mut sent_through = acked;
        loop {
            while !batch.is_empty() {
                let Some(connection) = idle.pop() else { break };
                let after = sent_through;
                let sent = std::mem::take(&mut batch);
                let last_sent = sent.last().map_or(after, |r| r.seq);
                let terminal = terminal.as_str();
                let handle = std::thread::Builder::new()
                    .name("citytill-sync-push".into())
                    .spawn_scoped(scope, move || {
                        let reply = push_batch_after(connection, settings, terminal, &sent, Some(after));
                        (connection, reply, sent)
                    })
                    .map_err(|e| HqError::Invalid(format!("sync: could not start a push thread: {e}")))?;
                in_flight.push_back((handle, after, last_sent));
                sent_through = last_sent;
                batch = ledger.entries_after(sent_through, settings.batch_entries)?;
            }
            let Some((handle, after, last_sent)) = in_flight.pop_front() else { return Ok(acked) };
            let (connection, reply, sent) = handle.join().map_err(|_| HqError::Invalid("sync: a push thread stopped unexpectedly".into()))?;
            let mut reply = reply?;
            if reply.rejected.is_none() && reply.accepted == 0 && reply.acked_seq < after && acked == after {
                // Sent ahead, it gave up waiting for the batch before it, which has landed since: send it again.
                reply = push_batch_after(connection, settings, &terminal, &sent, Some(after))?;
            }
            idle.push(connection);
            outcome.pushed += reply.accepted;
            outcome.duplicates += reply.duplicates;
            if reply.acked_seq > acked {
                let local = sent.iter().find(|r| r.seq == reply.acked_seq).map(|r| r.hash.as_str());
                if local != Some(reply.last_hash.as_str()) {
                    return Err(HqError::Server { url: settings.redacted_url(), message: format!("acknowledged entry {} with a hash this ledger does not have", reply.acked_seq) });
                }
                *unrecorded = Some((reply.acked_seq, reply.last_hash.clone()));
                if recorded_at.elapsed() >= ACK_RECORD_INTERVAL {
                    record_ack(ledger, reply.acked_seq, &reply.last_hash)?;
                    *unrecorded = None;
                    recorded_at = Instant::now();
                }
            }
            if let Some(rejection) = reply.rejected {
                return Err(HqError::Rejected { seq: rejection.seq, reason: rejection.reason });
            }
            if reply.acked_seq < last_sent {
                return Err(HqError::Server { url: settings.redacted_url(), message: format!("acknowledged only up to {} of {last_sent} without a reason", reply.acked_seq) });
            }
            acked = reply.acked_seq;
        }
    })
}
