//! [`ObservationWriter`]: the one writer thread of a scan. It owns its own
//! connection, is fed through a bounded channel (a full channel blocks the
//! scanner: back-pressure), and commits in batched transactions of at most
//! [`BATCH_SIZE`] observations or [`BATCH_INTERVAL`] after the first one of
//! the batch, whichever comes first. A crash or SIGKILL loses at most the
//! batch in progress; every committed batch stays. A batch that
//! PostgreSQL aborts as a deadlock victim (scanners writing the same
//! certificates at once) is written again.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::error::{sql, StoreError};
use super::insert::{ObservationInserter, WriterOptions};
use super::open_session;
use super::records::{ScanId, WriteStats};
use super::sql::{Database, Session};
use crate::observation::Observation;

/// Most observations committed in one transaction.
pub const BATCH_SIZE: usize = 500;
/// Longest time an observation waits in an open transaction.
pub const BATCH_INTERVAL: Duration = Duration::from_millis(200);
/// Observations queued before [`ObservationWriter::write`] blocks.
pub const CHANNEL_CAPACITY: usize = 1024;

/// What the scanner sends to the writer thread.
enum Command {
    /// Store this observation.
    Write(Box<Observation>),
    /// Commit now, then acknowledge.
    Flush(mpsc::Sender<()>),
}

/// Handle to the writer thread of one scan. Dropping it without
/// [`ObservationWriter::finish`] still flushes and joins the thread.
#[derive(Debug)]
pub struct ObservationWriter {
    path: PathBuf,
    sender: Option<SyncSender<Command>>,
    thread: Option<JoinHandle<Result<WriteStats, StoreError>>>,
}

impl ObservationWriter {
    /// Opens a connection to `database` and starts the writer thread for
    /// `scan`.
    pub(super) fn start(
        database: &Database,
        scan: ScanId,
        options: WriterOptions,
    ) -> Result<ObservationWriter, StoreError> {
        let path = &database.location();
        let conn = open_session(database)?;
        let (sender, receiver) = mpsc::sync_channel(CHANNEL_CAPACITY);
        let thread_path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name(format!("store-writer-{scan}"))
            .spawn(move || run(conn, &thread_path, scan, options, &receiver))
            .map_err(|source| StoreError::Spawn {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(ObservationWriter {
            path: path.to_path_buf(),
            sender: Some(sender),
            thread: Some(thread),
        })
    }

    /// Queues one observation; blocks while the queue is full.
    pub fn write(&self, observation: Observation) -> Result<(), StoreError> {
        self.send(Command::Write(Box::new(observation)))
    }

    /// Commits everything queued so far and waits until it is committed.
    pub fn flush(&self) -> Result<(), StoreError> {
        let (ack, committed) = mpsc::channel();
        self.send(Command::Flush(ack))?;
        committed.recv().map_err(|_| self.gone())
    }

    /// Commits everything queued, stops the thread and reports what it wrote
    /// (or the error that stopped it).
    pub fn finish(mut self) -> Result<WriteStats, StoreError> {
        self.stop()
    }

    /// Sends a command, or reports that the thread has stopped.
    fn send(&self, command: Command) -> Result<(), StoreError> {
        match &self.sender {
            Some(sender) => sender.send(command).map_err(|_| self.gone()),
            None => Err(self.gone()),
        }
    }

    /// Closes the channel and joins the thread.
    fn stop(&mut self) -> Result<WriteStats, StoreError> {
        drop(self.sender.take());
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_else(|_| Err(self.gone())),
            None => Err(self.gone()),
        }
    }

    /// The error for a writer whose thread is gone.
    fn gone(&self) -> StoreError {
        StoreError::WriterGone {
            path: self.path.clone(),
        }
    }
}

impl Drop for ObservationWriter {
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.stop();
        }
    }
}

/// Attempts at a batch that a deadlock or serialisation failure aborted
/// (several scanners writing the same certificates into PostgreSQL).
const BATCH_ATTEMPTS: usize = 5;

/// One batch: the observations to store and who waits for the commit.
#[derive(Default)]
struct Batch {
    observations: Vec<Observation>,
    acks: Vec<mpsc::Sender<()>>,
    /// The channel was found closed (the scanner finished).
    closed: bool,
}

/// The thread body: one transaction per batch until the channel closes.
fn run(
    conn: Box<dyn Session>,
    path: &Path,
    scan: ScanId,
    options: WriterOptions,
    receiver: &Receiver<Command>,
) -> Result<WriteStats, StoreError> {
    let mut inserter = ObservationInserter::new(conn.as_ref(), scan, options)
        .map_err(sql(path, "start the writer"))?;
    while let Ok(first) = receiver.recv() {
        let batch = gather(first, receiver);
        commit_batch(conn.as_ref(), path, &mut inserter, &batch)?;
        for ack in batch.acks {
            let _ = ack.send(());
        }
        if batch.closed {
            break;
        }
    }
    Ok(inserter.stats)
}

/// Collects one batch starting with `first`: up to [`BATCH_SIZE`]
/// observations or [`BATCH_INTERVAL`], ending early at a flush.
fn gather(first: Command, receiver: &Receiver<Command>) -> Batch {
    let deadline = Instant::now() + BATCH_INTERVAL;
    let mut batch = Batch::default();
    let mut next = Some(first);
    while let Some(command) = next.take() {
        match command {
            Command::Write(observation) => batch.observations.push(*observation),
            Command::Flush(ack) => batch.acks.push(ack),
        }
        if batch.observations.len() >= BATCH_SIZE || !batch.acks.is_empty() {
            break;
        }
        match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(command) => next = Some(command),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => batch.closed = true,
        }
    }
    batch
}

/// Writes and commits one batch, running it again (with the inserter's
/// caches forgotten) when the database aborted it as a deadlock victim.
fn commit_batch(
    conn: &dyn Session,
    path: &Path,
    inserter: &mut ObservationInserter,
    batch: &Batch,
) -> Result<(), StoreError> {
    for attempt in 1..=BATCH_ATTEMPTS {
        let before = inserter.stats;
        let outcome = conn.transaction(
            true,
            |e| e,
            |tx| {
                inserter.insert_batch(tx, &batch.observations)?;
                inserter.end_batch(tx)
            },
        );
        match outcome {
            Ok(()) => {
                if !batch.observations.is_empty() {
                    inserter.stats.batches += 1;
                }
                return Ok(());
            }
            Err(e) if e.is_retryable() && attempt < BATCH_ATTEMPTS => {
                tracing::debug!("store batch aborted ({e}); writing it again");
                inserter.forget(before);
            }
            Err(e) => return Err(sql(path, "write batch")(e)),
        }
    }
    Ok(())
}
