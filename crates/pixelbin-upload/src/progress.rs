//! How far an upload got: the [`Progress`] snapshot and the ledger of
//! acknowledged parts that feeds it (and a [`ResumeState`](crate::ResumeState)).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::error::UploadError;
use crate::options::{ProgressCallback, UploadOptions};
use crate::resume::ResumeState;

/// A snapshot of an upload's progress, published after every acknowledged part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes of the parts the server has acknowledged (including parts
    /// acknowledged before a resume).
    pub bytes_acknowledged: u64,
    /// Number of parts acknowledged.
    pub parts_done: u64,
    /// Total bytes, when known (always for bytes and files; for a reader of
    /// unknown length once its end has been read).
    pub total_bytes: Option<u64>,
    /// Total number of parts, when the total length is known.
    pub total_parts: Option<u64>,
    /// Parts on the wire when this was published.
    pub parts_in_flight: usize,
    /// Parts allowed in flight at that moment (fixed, or the adaptive limit).
    pub concurrency: usize,
    /// Size of the parts, in bytes (the one set, or the one chosen).
    pub chunk_size: usize,
}

impl Progress {
    /// Fraction done in `0.0..=1.0`, when the total is known.
    pub fn fraction(&self) -> Option<f64> {
        match self.total_bytes {
            Some(0) => Some(1.0),
            Some(total) => Some(self.bytes_acknowledged as f64 / total as f64),
            None => None,
        }
    }
}

/// Least time between two writes of the state file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The parts acknowledged so far, and where progress goes.
pub(crate) struct Tracker {
    acknowledged: BTreeSet<u32>,
    progress: Progress,
    callback: Option<ProgressCallback>,
    watch: Option<watch::Sender<Progress>>,
    checkpoint: Option<Checkpoint>,
}

/// The state file an upload keeps up to date ([`UploadOptions::state_file`]).
struct Checkpoint {
    path: PathBuf,
    state: ResumeState,
    written: Option<Instant>,
}

impl Tracker {
    pub(crate) fn new(options: &UploadOptions) -> Self {
        Tracker {
            acknowledged: BTreeSet::new(),
            progress: Progress::default(),
            callback: options.progress.clone(),
            watch: options.progress_watch.clone(),
            checkpoint: None,
        }
    }

    /// Keeps `state` (with the acknowledged parts) in `path`; writes it now,
    /// so an unwritable path fails before any part is sent.
    pub(crate) fn keep_state_in(
        &mut self,
        path: PathBuf,
        state: ResumeState,
    ) -> Result<(), UploadError> {
        self.checkpoint = Some(Checkpoint {
            path,
            state,
            written: None,
        });
        self.save_state(true)
    }

    /// Writes the state file (when there is one): when `now`, or when the
    /// last write is old enough.
    pub(crate) fn save_state(&mut self, now: bool) -> Result<(), UploadError> {
        let Some(checkpoint) = self.checkpoint.as_mut() else {
            return Ok(());
        };
        if !now
            && checkpoint
                .written
                .is_some_and(|at| at.elapsed() < CHECKPOINT_EVERY)
        {
            return Ok(());
        }
        checkpoint.state.acknowledged_parts = self.acknowledged.iter().copied().collect();
        checkpoint.state.acknowledged_bytes = self.progress.bytes_acknowledged;
        checkpoint.written = Some(Instant::now());
        checkpoint.state.save(&checkpoint.path)
    }

    /// Removes the state file (the upload completed).
    pub(crate) fn remove_state(&mut self) {
        if let Some(checkpoint) = self.checkpoint.take()
            && let Err(error) = std::fs::remove_file(&checkpoint.path)
        {
            tracing::warn!(target: "pixelbin_upload", %error, "could not remove the state file");
        }
    }

    /// Records the size of the parts.
    pub(crate) fn set_chunk_size(&mut self, bytes: usize) {
        self.progress.chunk_size = bytes;
    }

    /// Records how many parts are on the wire and allowed (published with
    /// the next acknowledgement).
    pub(crate) fn set_in_flight(&mut self, in_flight: usize, limit: usize) {
        self.progress.parts_in_flight = in_flight;
        self.progress.concurrency = limit;
    }

    /// Starts from parts acknowledged by an earlier attempt.
    pub(crate) fn with_acknowledged(mut self, parts: &[u32], bytes: u64) -> Self {
        self.acknowledged.extend(parts.iter().copied());
        self.progress.parts_done = self.acknowledged.len() as u64;
        self.progress.bytes_acknowledged = bytes;
        self
    }

    #[cfg(test)]
    pub(crate) fn is_acknowledged(&self, part: u32) -> bool {
        self.acknowledged.contains(&part)
    }

    pub(crate) fn acknowledged(&self) -> Vec<u32> {
        self.acknowledged.iter().copied().collect()
    }

    pub(crate) fn bytes_acknowledged(&self) -> u64 {
        self.progress.bytes_acknowledged
    }

    #[cfg(test)]
    pub(crate) fn total_bytes(&self) -> Option<u64> {
        self.progress.total_bytes
    }

    /// Records the totals (known up front, or once a reader has ended);
    /// returns whether they changed.
    pub(crate) fn set_totals(&mut self, bytes: Option<u64>, parts: Option<u64>) -> bool {
        let changed = (self.progress.total_bytes, self.progress.total_parts) != (bytes, parts);
        self.progress.total_bytes = bytes;
        self.progress.total_parts = parts;
        changed
    }

    /// Records an acknowledged part and publishes the new progress.
    pub(crate) fn acknowledge(&mut self, part: u32, len: u64) {
        if self.acknowledged.insert(part) {
            self.progress.parts_done += 1;
            self.progress.bytes_acknowledged += len;
        }
        if let Err(error) = self.save_state(false) {
            // The upload goes on; a later write may succeed, and the last
            // one (at the end) reports its error.
            tracing::warn!(target: "pixelbin_upload", %error, "could not update the state file");
        }
        self.publish();
    }

    /// Publishes the current progress (also used once at the start).
    pub(crate) fn publish(&self) {
        if let Some(callback) = &self.callback {
            callback(self.progress);
        }
        if let Some(watch) = &self.watch {
            // send_replace never fails, even when every receiver is gone.
            watch.send_replace(self.progress);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn acknowledgements_are_counted_once_and_published() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let (tx, rx) = watch::channel(Progress::default());
        let options = UploadOptions::default()
            .on_progress(move |p| sink.lock().unwrap().push(p))
            .progress_watch(tx);
        let mut tracker = Tracker::new(&options);
        assert!(tracker.set_totals(Some(25), Some(3)));
        assert!(!tracker.set_totals(Some(25), Some(3)));
        tracker.acknowledge(2, 10);
        tracker.acknowledge(3, 5);
        tracker.acknowledge(3, 5); // a duplicate does not count twice
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0].bytes_acknowledged, 10);
        assert_eq!(seen[1].bytes_acknowledged, 15);
        assert_eq!(seen[2].parts_done, 2);
        assert_eq!(*rx.borrow(), seen[2]);
        assert_eq!(rx.borrow().total_parts, Some(3));
        assert_eq!(tracker.acknowledged(), vec![2, 3]);
        assert!(tracker.is_acknowledged(2) && !tracker.is_acknowledged(1));
    }

    #[test]
    fn resumed_progress_starts_from_earlier_parts() {
        let tracker = Tracker::new(&UploadOptions::default()).with_acknowledged(&[1, 2], 20);
        assert_eq!(tracker.bytes_acknowledged(), 20);
        assert_eq!(tracker.progress.parts_done, 2);
    }

    #[test]
    fn fraction() {
        let mut p = Progress {
            bytes_acknowledged: 5,
            total_bytes: Some(20),
            ..Progress::default()
        };
        assert_eq!(p.fraction(), Some(0.25));
        p.total_bytes = None;
        assert_eq!(p.fraction(), None);
    }
}
