//! The ledger's own thread: every database call the window makes runs here, never on the UI thread.
//!
//! A `Ledger` is a SQLite connection (Send, not Sync), so one thread owns it and runs jobs in order;
//! the window gets a future per job and turns it into a `Task`.

use std::future::Future;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};

use citytill::ledger::Ledger;
use iced::futures::channel::oneshot;

/// Most jobs waiting for the ledger thread; a full queue is reported, never waited on.
pub const QUEUE_LEN: usize = 64;

type Job = Box<dyn FnOnce(&mut Ledger) + Send>;

/// A cloneable handle to the ledger thread. Dropping every handle stops the thread.
#[derive(Clone, Debug)]
pub struct Worker {
    jobs: SyncSender<Job>,
}

impl Worker {
    /// Moves the ledger onto its own thread.
    pub fn start(mut ledger: Ledger) -> Result<Worker, String> {
        let (jobs, queue) = sync_channel::<Job>(QUEUE_LEN);
        std::thread::Builder::new()
            .name("citytill-ledger".into())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    job(&mut ledger);
                }
            })
            .map_err(|e| format!("window: could not start the ledger thread: {e}"))?;
        Ok(Worker { jobs })
    }

    /// Runs `work` on the ledger thread; the future resolves with its result or the error text to show.
    pub fn call<T, F>(&self, work: F) -> impl Future<Output = Result<T, String>> + Send + 'static
    where
        T: Send + 'static,
        F: FnOnce(&mut Ledger) -> citytill::Result<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |ledger| {
            let _ = reply.send(work(ledger).map_err(|e| e.to_string()));
        });
        let queued = match self.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(format!("window: {QUEUE_LEN} database jobs are already waiting; try again in a moment")),
            Err(TrySendError::Disconnected(_)) => Err("window: the ledger thread stopped; restart CityTill".to_string()),
        };
        async move {
            queued?;
            answer.await.unwrap_or_else(|_| Err("window: the ledger thread stopped during the job; restart CityTill".into()))
        }
    }
}
