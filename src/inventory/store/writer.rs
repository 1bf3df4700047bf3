//! [`ObservationWriter`]: the one writer thread of a scan. It owns its own
//! connection, is fed through a bounded channel (a full channel blocks the
//! scanner: back-pressure), and commits in batched transactions of at most
//! [`BATCH_SIZE`] observations or [`BATCH_INTERVAL`] after the first one of
//! the batch, whichever comes first. A crash or SIGKILL loses at most the
//! batch in progress; every committed batch stays.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::error::{sql, StoreError};
use super::insert::ObservationInserter;
use super::records::{ScanId, WriteStats};
use super::schema::open_connection;
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
    /// Opens a connection to `path` and starts the writer thread for `scan`.
    pub(super) fn start(path: &Path, scan: ScanId) -> Result<ObservationWriter, StoreError> {
        let conn = open_connection(path)?;
        let (sender, receiver) = mpsc::sync_channel(CHANNEL_CAPACITY);
        let thread_path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name(format!("store-writer-{scan}"))
            .spawn(move || run(conn, &thread_path, scan, &receiver))
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

/// The thread body: one transaction per batch until the channel closes.
fn run(
    mut conn: Connection,
    path: &Path,
    scan: ScanId,
    receiver: &Receiver<Command>,
) -> Result<WriteStats, StoreError> {
    let mut inserter = ObservationInserter::new(scan);
    while let Ok(first) = receiver.recv() {
        let mut acks = Vec::new();
        let closed = write_batch(&mut conn, path, &mut inserter, first, receiver, &mut acks)?;
        for ack in acks {
            let _ = ack.send(());
        }
        if closed {
            break;
        }
    }
    Ok(inserter.stats)
}

/// Writes one batch starting with `first` and commits it. Returns true when
/// the channel was found closed (the scanner finished).
fn write_batch(
    conn: &mut Connection,
    path: &Path,
    inserter: &mut ObservationInserter,
    first: Command,
    receiver: &Receiver<Command>,
    acks: &mut Vec<mpsc::Sender<()>>,
) -> Result<bool, StoreError> {
    let tx = conn.transaction().map_err(sql(path, "begin batch"))?;
    let deadline = Instant::now() + BATCH_INTERVAL;
    let (mut written, mut closed) = (0, false);
    let mut next = Some(first);
    while let Some(command) = next.take() {
        match command {
            Command::Write(mut observation) => {
                let chain = std::mem::take(&mut observation.chain_der);
                inserter.insert(&tx, path, &observation, &chain)?;
                written += 1;
            }
            Command::Flush(ack) => acks.push(ack),
        }
        if written >= BATCH_SIZE || !acks.is_empty() {
            break;
        }
        match receiver.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(command) => next = Some(command),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => closed = true,
        }
    }
    inserter.end_batch(&tx, path)?;
    tx.commit().map_err(sql(path, "commit batch"))?;
    if written > 0 {
        inserter.stats.batches += 1;
    }
    Ok(closed)
}
