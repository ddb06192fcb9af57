//! The sliding window: keeps `concurrency` parts in flight, starting a new
//! part as soon as one finishes, with memory bounded by the chunk size.
//!
//! Two futures run side by side on the caller's task (nothing is spawned, so
//! dropping the upload stops everything at once):
//!
//! - the *reader* takes a memory permit, reads the next chunk and hands it over
//!   a channel of capacity 1;
//! - the *sender* keeps up to `concurrency` part requests in a
//!   `FuturesUnordered`, pulling a chunk only when a slot is free.
//!
//! A chunk's permit is released when its part is acknowledged. There are
//! `concurrency + 1` permits, so at most `chunk_size * (concurrency + 1)` bytes
//! of the source are in memory whatever its size: `concurrency` parts on the
//! wire and one read ahead, ready for the next free slot.

use std::collections::BTreeSet;
use std::future::Future;
use std::io;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::{Semaphore, SemaphorePermit, mpsc};

use crate::progress::Tracker;
use crate::retry::{Backoff, Failure, with_retries};
use crate::source::{Chunk, ChunkReader, Step};

/// Sends one attempt of one part. The real one PUTs to the presigned URL
/// (`wire.rs`); tests use fakes.
pub(crate) trait PartSender: Sync {
    /// One attempt at storing part `part_number` (from 1).
    fn send_part(
        &self,
        part_number: u32,
        data: Bytes,
    ) -> impl Future<Output = Result<(), pixelbin_http::Error>> + Send;
}

/// Why the window stopped early.
#[derive(Debug)]
pub(crate) enum WindowError {
    /// A part failed for good.
    Part { part_number: u32, failure: Failure },
    /// The source could not be read.
    Source(io::Error),
}

enum Event<'a> {
    Chunk(Chunk, SemaphorePermit<'a>),
    /// The source is exhausted; its totals are known now.
    End {
        total_bytes: Option<u64>,
        total_parts: Option<u64>,
    },
}

/// Sends every part of `reader` not yet acknowledged in `tracker`, recording
/// acknowledgements in `tracker`. Returns when every part is acknowledged, or
/// at the first part that fails for good (the parts in flight are dropped).
pub(crate) async fn run<S: PartSender>(
    sender: &S,
    reader: &mut ChunkReader,
    tracker: &mut Tracker,
    concurrency: usize,
    backoff: &Backoff,
) -> Result<(), WindowError> {
    // Tokio's semaphore panics above `MAX_PERMITS`; no upload has that many parts anyway.
    let concurrency = concurrency.min(Semaphore::MAX_PERMITS - 1);
    let memory = Semaphore::new(concurrency + 1);
    let (tx, mut rx) = mpsc::channel::<Event<'_>>(1);
    let already_sent: BTreeSet<u32> = tracker.acknowledged().into_iter().collect();

    let read = async {
        let tx = tx; // owned here: the channel closes when reading ends
        loop {
            // Never fails: the semaphore is not closed.
            let permit = memory.acquire().await.map_err(io::Error::other)?;
            let skip = already_sent.contains(&reader.upcoming_number());
            match reader.next(skip).await? {
                Step::Chunk(chunk) => {
                    if tx.send(Event::Chunk(chunk, permit)).await.is_err() {
                        return Ok(()); // the sender stopped
                    }
                }
                Step::Skipped => drop(permit),
                Step::End => {
                    let end = Event::End {
                        total_bytes: reader.total_len(),
                        total_parts: reader.total_parts(),
                    };
                    let _ = tx.send(end).await;
                    return Ok(());
                }
            }
        }
    };
    let read = async { read.await.map_err(WindowError::Source) };

    let send = async {
        let mut in_flight = FuturesUnordered::new();
        let mut reading = true;
        loop {
            tokio::select! {
                // Finish parts first: that frees memory for the reader.
                biased;
                Some(done) = in_flight.next(), if !in_flight.is_empty() => match done {
                    Ok((part_number, len)) => tracker.acknowledge(part_number, len),
                    Err((part_number, failure)) => {
                        return Err(WindowError::Part { part_number, failure });
                    }
                },
                event = rx.recv(), if reading && in_flight.len() < concurrency => match event {
                    Some(Event::Chunk(chunk, permit)) => {
                        in_flight.push(send_part(sender, backoff, chunk, permit));
                    }
                    Some(Event::End { total_bytes, total_parts }) => {
                        // A reader of unknown length knows its size now.
                        if tracker.set_totals(total_bytes, total_parts) {
                            tracker.publish();
                        }
                    }
                    None => reading = false,
                },
                else => return Ok(()),
            }
        }
    };

    tokio::try_join!(read, send).map(drop)
}

/// One part, retried per `backoff`; the permit (the part's memory slot) is
/// released when this finishes.
async fn send_part<S: PartSender>(
    sender: &S,
    backoff: &Backoff,
    chunk: Chunk,
    permit: SemaphorePermit<'_>,
) -> Result<(u32, u64), (u32, Failure)> {
    let _permit = permit;
    let Chunk { number, data } = chunk;
    let len = data.len() as u64;
    tracing::trace!(target: "pixelbin_upload", part = number, len, "sending part");
    // Cloning Bytes is a reference count, not a copy of the chunk.
    with_retries(
        backoff,
        || format!("part {number}"),
        || sender.send_part(number, data.clone()),
    )
    .await
    .map(|()| (number, len))
    .map_err(|failure| (number, failure))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap, VecDeque};
    use std::pin::Pin;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll};
    use std::time::Duration;

    use tokio::io::{AsyncRead, ReadBuf};

    use super::*;
    use crate::options::UploadOptions;
    use crate::progress::Progress;
    use crate::source::UploadSource;

    /// A fake part endpoint: per-part delays and scripted failures, and a
    /// record of what happened.
    #[derive(Default)]
    struct Fake {
        delays: HashMap<u32, Duration>,
        default_delay: Duration,
        script: Mutex<HashMap<u32, VecDeque<u16>>>,
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
        started: Mutex<Vec<u32>>,
        stored: Mutex<BTreeMap<u32, Bytes>>,
        /// Part numbers in the order they were stored.
        finish_order: Mutex<Vec<u32>>,
        acked_bytes: Arc<AtomicU64>,
    }

    struct InFlight<'a>(&'a AtomicUsize);
    impl Drop for InFlight<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }

    impl Fake {
        fn fail(self, part: u32, statuses: &[u16]) -> Self {
            self.script
                .lock()
                .unwrap()
                .insert(part, statuses.iter().copied().collect());
            self
        }
        fn attempts(&self, part: u32) -> usize {
            self.started
                .lock()
                .unwrap()
                .iter()
                .filter(|&&p| p == part)
                .count()
        }
        fn stored_bytes(&self) -> Vec<u8> {
            self.stored
                .lock()
                .unwrap()
                .values()
                .flat_map(|b| b.to_vec())
                .collect()
        }
    }

    impl PartSender for Fake {
        async fn send_part(
            &self,
            part_number: u32,
            data: Bytes,
        ) -> Result<(), pixelbin_http::Error> {
            {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                let _guard = InFlight(&self.in_flight);
                self.max_in_flight.fetch_max(now, Ordering::SeqCst);
                self.started.lock().unwrap().push(part_number);
                let delay = self
                    .delays
                    .get(&part_number)
                    .copied()
                    .unwrap_or(self.default_delay);
                tokio::time::sleep(delay).await;
                let failure = self
                    .script
                    .lock()
                    .unwrap()
                    .get_mut(&part_number)
                    .and_then(VecDeque::pop_front);
                if let Some(status) = failure {
                    return Err(pixelbin_http::Error::from_response(
                        pixelbin_http::http::StatusCode::from_u16(status).unwrap(),
                        b"{\"message\":\"scripted\"}",
                    ));
                }
                self.acked_bytes
                    .fetch_add(data.len() as u64, Ordering::SeqCst);
                self.stored.lock().unwrap().insert(part_number, data);
                self.finish_order.lock().unwrap().push(part_number);
                Ok(())
            }
        }
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 256) as u8).collect()
    }

    fn backoff(max_retries: u32) -> Backoff {
        Backoff::from_options(
            &UploadOptions::default()
                .max_retries(max_retries)
                .initial_backoff(Duration::from_millis(10)),
        )
    }

    async fn run_fake(
        fake: &Fake,
        source: UploadSource,
        chunk: usize,
        concurrency: usize,
        tracker: &mut Tracker,
        max_retries: u32,
    ) -> Result<(), WindowError> {
        let mut reader = ChunkReader::open(source, chunk).await.unwrap();
        let _ = tracker.set_totals(reader.total_len(), reader.total_parts());
        run(
            fake,
            &mut reader,
            tracker,
            concurrency,
            &backoff(max_retries),
        )
        .await
    }

    fn fake(delay_ms: u64) -> Fake {
        Fake {
            default_delay: Duration::from_millis(delay_ms),
            ..Fake::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_part_arrives_intact_and_in_flight_stays_bounded() {
        for concurrency in [1, 3, 8] {
            for len in [1, 9, 10, 11, 35, 200] {
                for known_len in [true, false] {
                    let f = fake(5);
                    let source = if known_len {
                        UploadSource::from(data(len))
                    } else {
                        UploadSource::from_reader(std::io::Cursor::new(data(len)), None)
                    };
                    let mut tracker = Tracker::new(&UploadOptions::default());
                    run_fake(&f, source, 10, concurrency, &mut tracker, 0)
                        .await
                        .unwrap();
                    let parts = len.div_ceil(10);
                    assert_eq!(f.stored_bytes(), data(len), "c{concurrency} len {len}");
                    assert_eq!(
                        f.stored.lock().unwrap().keys().copied().collect::<Vec<_>>(),
                        (1..=parts as u32).collect::<Vec<_>>()
                    );
                    let max = f.max_in_flight.load(Ordering::SeqCst);
                    assert_eq!(max, concurrency.min(parts), "c{concurrency} len {len}");
                    assert_eq!(tracker.acknowledged().len(), parts);
                    assert_eq!(tracker.bytes_acknowledged(), len as u64);
                    assert_eq!(tracker.total_bytes(), Some(len as u64));
                }
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_part_does_not_hold_back_the_others() {
        // Waves (the reference) would wait for part 1 before starting part 4.
        let mut f = fake(10);
        f.delays.insert(1, Duration::from_millis(1000));
        let mut tracker = Tracker::new(&UploadOptions::default());
        run_fake(&f, data(100).into(), 10, 3, &mut tracker, 0)
            .await
            .unwrap();
        let order = f.finish_order.lock().unwrap().clone();
        assert_eq!(order.last(), Some(&1), "{order:?}");
        assert_eq!(order.len(), 10);
        assert_eq!(f.max_in_flight.load(Ordering::SeqCst), 3);
    }

    /// A reader that checks, on every read, that no more than `bound` bytes
    /// have been read beyond what the fake has stored.
    struct Watched {
        inner: std::io::Cursor<Vec<u8>>,
        read: u64,
        acked: Arc<AtomicU64>,
        worst: Arc<AtomicU64>,
    }

    impl AsyncRead for Watched {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            // Small reads, so a chunk takes several.
            let mut small = [0u8; 4];
            let want = buf.remaining().min(small.len());
            let mut tmp = ReadBuf::new(&mut small[..want]);
            let this = &mut *self;
            let res = Pin::new(&mut this.inner).poll_read(cx, &mut tmp);
            let n = tmp.filled().len();
            buf.put_slice(tmp.filled());
            this.read += n as u64;
            let ahead = this.read - this.acked.load(Ordering::SeqCst);
            this.worst.fetch_max(ahead, Ordering::SeqCst);
            res
        }
    }

    #[tokio::test(start_paused = true)]
    async fn memory_stays_within_chunk_times_concurrency_plus_one() {
        for concurrency in [1, 2, 5] {
            let mut f = fake(7);
            // Uneven delays so parts finish out of order.
            for p in (1..=40).step_by(3) {
                f.delays.insert(p, Duration::from_millis(31));
            }
            let worst = Arc::new(AtomicU64::new(0));
            let reader = Watched {
                inner: std::io::Cursor::new(data(400)),
                read: 0,
                acked: f.acked_bytes.clone(),
                worst: worst.clone(),
            };
            let mut tracker = Tracker::new(&UploadOptions::default());
            run_fake(
                &f,
                UploadSource::from_reader(reader, Some(400)),
                10,
                concurrency,
                &mut tracker,
                0,
            )
            .await
            .unwrap();
            assert_eq!(f.stored_bytes(), data(400));
            let worst = worst.load(Ordering::SeqCst);
            let bound = 10 * (concurrency as u64 + 1);
            assert!(worst <= bound, "read {worst} bytes ahead, bound {bound}");
            // The read-ahead is used: the reader gets beyond the parts in flight.
            assert!(worst > 10 * concurrency as u64, "c{concurrency}: {worst}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn any_concurrency_works_even_usize_max() {
        let f = fake(1);
        let mut tracker = Tracker::new(&UploadOptions::default());
        let source = UploadSource::from(data(35));
        run_fake(&f, source, 10, usize::MAX, &mut tracker, 0)
            .await
            .unwrap();
        assert_eq!(f.stored_bytes(), data(35));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_part_stops_the_others() {
        let mut f = fake(50).fail(3, &[400]);
        f.delays.insert(3, Duration::ZERO);
        let mut tracker = Tracker::new(&UploadOptions::default());
        let err = run_fake(&f, data(100).into(), 10, 3, &mut tracker, 2)
            .await
            .unwrap_err();
        match err {
            WindowError::Part {
                part_number,
                failure,
            } => {
                assert_eq!(part_number, 3);
                assert_eq!(failure.attempts, 1, "a 4xx is not retried");
                assert_eq!(failure.error.status(), Some(400));
            }
            other => panic!("unexpected {other:?}"),
        }
        // Parts 1 and 2 were dropped mid-flight; nothing else was started.
        assert_eq!(*f.started.lock().unwrap(), vec![1, 2, 3]);
        assert!(f.stored.lock().unwrap().is_empty());
        assert_eq!(f.in_flight.load(Ordering::SeqCst), 0);
        assert!(tracker.acknowledged().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried() {
        let f = fake(5).fail(2, &[503, 500]);
        let mut tracker = Tracker::new(&UploadOptions::default());
        run_fake(&f, data(35).into(), 10, 3, &mut tracker, 2)
            .await
            .unwrap();
        assert_eq!(f.attempts(2), 3);
        assert_eq!(f.attempts(1), 1);
        assert_eq!(f.stored_bytes(), data(35));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_the_error_says_how_many() {
        let f = fake(5).fail(4, &[503; 10]);
        let mut tracker = Tracker::new(&UploadOptions::default());
        let err = run_fake(&f, data(35).into(), 10, 1, &mut tracker, 3)
            .await
            .unwrap_err();
        assert!(
            matches!(err, WindowError::Part { part_number: 4, ref failure } if failure.attempts == 4),
            "{err:?}"
        );
        assert_eq!(f.attempts(4), 4);
        // With concurrency 1 the parts before were acknowledged.
        assert_eq!(tracker.acknowledged(), vec![1, 2, 3]);
        assert_eq!(tracker.bytes_acknowledged(), 30);
    }

    #[tokio::test(start_paused = true)]
    async fn acknowledged_parts_are_not_sent_again() {
        for known_len in [true, false] {
            let f = fake(5);
            let mut tracker =
                Tracker::new(&UploadOptions::default()).with_acknowledged(&[1, 3], 20);
            let source = if known_len {
                UploadSource::from(data(35))
            } else {
                UploadSource::from_reader(std::io::Cursor::new(data(35)), None)
            };
            run_fake(&f, source, 10, 3, &mut tracker, 0).await.unwrap();
            let stored = f.stored.lock().unwrap();
            assert_eq!(stored.keys().copied().collect::<Vec<_>>(), vec![2, 4]);
            assert_eq!(&stored[&2][..], &data(35)[10..20]);
            assert_eq!(&stored[&4][..], &data(35)[30..35]);
            assert_eq!(tracker.acknowledged(), vec![1, 2, 3, 4]);
            assert_eq!(tracker.bytes_acknowledged(), 35);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn progress_is_reported_per_part_up_to_the_total() {
        let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
        let sink = seen.clone();
        let options = UploadOptions::default().on_progress(move |p| sink.lock().unwrap().push(p));
        let f = fake(5);
        let mut tracker = Tracker::new(&options);
        let source = UploadSource::from_reader(std::io::Cursor::new(data(35)), None);
        run_fake(&f, source, 10, 2, &mut tracker, 0).await.unwrap();
        let seen = seen.lock().unwrap();
        // 4 parts + the end of the reader (which makes the total known).
        assert_eq!(seen.len(), 5);
        assert!(
            seen.windows(2)
                .all(|w| w[0].bytes_acknowledged <= w[1].bytes_acknowledged)
        );
        let last = seen.last().unwrap();
        assert_eq!(last.bytes_acknowledged, 35);
        assert_eq!(last.parts_done, 4);
        assert_eq!(last.total_bytes, Some(35));
        assert_eq!(last.total_parts, Some(4));
        assert_eq!(last.fraction(), Some(1.0));
    }

    /// Yields `good` bytes then fails.
    struct Broken {
        good: usize,
    }

    impl AsyncRead for Broken {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            if self.good == 0 {
                return Poll::Ready(Err(std::io::Error::other("disk on fire")));
            }
            let n = self.good.min(buf.remaining());
            buf.put_slice(&vec![1u8; n]);
            self.good -= n;
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_error_ends_the_upload() {
        let f = fake(5);
        let mut tracker = Tracker::new(&UploadOptions::default());
        let err = run_fake(
            &f,
            UploadSource::from_reader(Broken { good: 25 }, None),
            10,
            1,
            &mut tracker,
            0,
        )
        .await
        .unwrap_err();
        match err {
            WindowError::Source(e) => assert!(e.to_string().contains("disk on fire")),
            other => panic!("unexpected {other:?}"),
        }
    }
}
