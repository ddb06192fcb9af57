//! The sliding window: keeps parts in flight, starting a new part as soon as
//! one finishes, with memory bounded by the chunk size.
//!
//! Two futures run side by side on the caller's task (nothing is spawned, so
//! dropping the upload stops everything at once):
//!
//! - the *reader* takes a memory permit, reads the next chunk and hands it over
//!   a channel of capacity 1;
//! - the *sender* keeps part requests in a `FuturesUnordered`, pulling a chunk
//!   only while fewer parts than the limit are in flight. The limit is fixed
//!   ([`ConcurrencyMode::Fixed`](crate::ConcurrencyMode::Fixed)) or set by the
//!   adaptive [`Controller`] from the throughput of each round; a part that
//!   was pushed back before it was stored (the server answered 429/503, or an
//!   attempt failed and was retried) halves that limit at once.
//!
//! A chunk's permit is released when its part is acknowledged. There are as
//! many permits as the memory allows (`Fixed(n)`: `n + 1`; `Auto`: the memory
//! budget in chunks), so the source held in memory never exceeds them
//! whatever its size: the parts on the wire and one read ahead.
//!
//! **Hedging**: a part still unanswered after three times the median time of
//! the parts finished so far (once three have finished, and never before one
//! second) is sent a second time
//! on another connection, if a memory permit is free; the first success wins
//! and the other request is dropped. A part is hedged at most once.
//!
//! Retries happen below, in `pixelbin_http::retry` (each request carries the
//! upload's policy); a part that still fails stops the window.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::future::Either;
use futures::stream::FuturesUnordered;
use tokio::sync::{Semaphore, SemaphorePermit, mpsc, oneshot};
use tokio::time::Instant;

use crate::concurrency::Controller;
use crate::options::PathKind;
use crate::path_estimate::PathEstimate;
use crate::progress::Tracker;
use crate::source::{Chunk, ChunkReader, Step};

/// Sends one part (with the retries its request's policy allows). The real
/// one PUTs to the presigned URL (`wire.rs`); tests use fakes.
pub(crate) trait PartSender: Sync {
    /// Stores part `part_number` (from 1).
    fn send_part(
        &self,
        part_number: u32,
        data: Bytes,
    ) -> impl Future<Output = Result<Sent, pixelbin_http::Error>> + Send;
}

/// A part stored, and how it went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sent {
    /// Before the part was stored, the server asked to slow down (429, 503)
    /// or an attempt failed (a timeout, a lost connection, a 5xx).
    pub(crate) pushed_back: bool,
}

/// A part that finished: its number, its length and how it went.
struct Finished {
    number: u32,
    len: u64,
    sent: Sent,
}

/// How many parts may be in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limit {
    /// Exactly this many.
    Fixed(usize),
    /// Adaptive, up to this many, starting as suits the path.
    Auto { max: usize, path: PathKind },
}

/// How the window runs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    pub(crate) limit: Limit,
    /// Chunks of the source allowed in memory at once (parts in flight,
    /// hedges and the read-ahead).
    pub(crate) memory_slots: usize,
    pub(crate) hedge: bool,
    pub(crate) chunk_size: usize,
    /// With an automatic limit: what the same path showed before, to start from
    /// (`path_estimate.rs`).
    pub(crate) estimate: Option<PathEstimate>,
}

impl Plan {
    /// The plan for the options: `Fixed(n)` gets `n + 1` chunks of memory,
    /// `Auto` the budget in chunks (at least 2) and up to one less in flight,
    /// at most [`MAX_AUTO_PARTS`](crate::MAX_AUTO_PARTS).
    pub(crate) fn new(options: &crate::UploadOptions, chunk_size: usize, path: PathKind) -> Plan {
        // Tokio's semaphore panics above `MAX_PERMITS`; no upload has that many parts anyway.
        let cap = Semaphore::MAX_PERMITS - 1;
        let chunk_size = chunk_size.max(1);
        let (limit, memory_slots) = match options.concurrency {
            crate::ConcurrencyMode::Fixed(n) => {
                let n = n.clamp(1, cap - 1);
                (Limit::Fixed(n), n + 1)
            }
            crate::ConcurrencyMode::Auto => {
                let slots = (options.memory_budget / chunk_size).clamp(2, cap);
                let max = (slots - 1).min(crate::MAX_AUTO_PARTS);
                (Limit::Auto { max, path }, slots)
            }
        };
        Plan {
            limit,
            memory_slots,
            hedge: options.hedge,
            chunk_size,
            estimate: None,
        }
    }
}

/// How a window that sent every part went.
#[derive(Clone, Debug)]
pub(crate) struct Ran {
    /// Most parts that were on the wire at once.
    pub(crate) peak_in_flight: usize,
    /// Parts allowed in flight at the end.
    pub(crate) limit: usize,
    /// The adaptive controller at the end (`None` with a fixed limit).
    pub(crate) controller: Option<Controller>,
}

/// Why the window stopped early.
#[derive(Debug)]
pub(crate) enum WindowError {
    /// A part failed for good.
    Part {
        part_number: u32,
        error: pixelbin_http::Error,
    },
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

/// A part on the wire, as the sender sees it.
struct Running<'a> {
    started: Instant,
    /// Hands the part a memory permit for its hedge; `None` once hedged.
    hedge: Option<oneshot::Sender<SemaphorePermit<'a>>>,
}

/// Bytes acknowledged since the current measuring round began.
struct Round {
    started: Instant,
    bytes: u64,
    /// The round ends once this many bytes are acknowledged.
    target: u64,
}

impl Round {
    fn new(parts: usize, chunk_size: usize) -> Round {
        Round {
            started: Instant::now(),
            bytes: 0,
            target: (parts as u64).saturating_mul(chunk_size as u64),
        }
    }
}

/// Sends every part of `reader` not yet acknowledged in `tracker`, recording
/// acknowledgements in `tracker`. Returns when every part is acknowledged, or
/// at the first part that fails for good (the parts in flight are dropped).
pub(crate) async fn run<S: PartSender>(
    sender: &S,
    reader: &mut ChunkReader,
    tracker: &mut Tracker,
    plan: Plan,
) -> Result<Ran, WindowError> {
    let memory = Semaphore::new(plan.memory_slots);
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
        let mut controller = match plan.limit {
            Limit::Auto { max, path } => Some(match &plan.estimate {
                Some(estimate) => Controller::from_estimate(max, path, estimate),
                None => Controller::new(max, path),
            }),
            Limit::Fixed(_) => None,
        };
        let limit_now = |controller: &Option<Controller>| match (plan.limit, controller) {
            (_, Some(c)) => c.limit(),
            (Limit::Fixed(n), None) | (Limit::Auto { max: n, .. }, None) => n,
        };
        let round_parts = |controller: &Option<Controller>| {
            controller
                .as_ref()
                .map_or(usize::MAX, Controller::round_parts)
        };
        let mut round = Round::new(round_parts(&controller), plan.chunk_size);
        let mut in_flight = FuturesUnordered::new();
        let mut running: HashMap<u32, Running<'_>> = HashMap::new();
        // Times of the finished parts, sorted (for the median).
        let mut finished: Vec<Duration> = Vec::new();
        let mut reading = true;
        // No memory for a hedge: wait until a part finishes and frees some.
        let mut hedge_blocked = false;
        // When the last pushed-back part halved the limit.
        let mut backed_off_at: Option<Instant> = None;
        let mut peak_in_flight = 0;
        loop {
            let limit = limit_now(&controller);
            peak_in_flight = peak_in_flight.max(in_flight.len());
            tracker.set_in_flight(in_flight.len(), limit);
            let hedge_at = if plan.hedge && !hedge_blocked {
                hedge_deadline(&running, &finished)
            } else {
                None
            };
            tokio::select! {
                // Finish parts first: that frees memory for the reader.
                biased;
                Some(done) = in_flight.next(), if !in_flight.is_empty() => match done {
                    Ok(Finished { number: part_number, len, sent }) => {
                        hedge_blocked = false;
                        let mut started = None;
                        if let Some(part) = running.remove(&part_number) {
                            started = Some(part.started);
                            let took = part.started.elapsed();
                            let at = finished.partition_point(|d| *d < took);
                            finished.insert(at, took);
                            if let Some(c) = controller.as_mut() {
                                c.part_done(len as f64 / took.as_secs_f64());
                            }
                        }
                        tracker.acknowledge(part_number, len);
                        round.bytes += len;
                        // A pushed-back part halves the limit, once per burst: the
                        // parts already on the wire at a back-off cannot be told
                        // apart from the ones that caused it.
                        let fresh = started.is_some_and(|at| backed_off_at.is_none_or(|last| at >= last));
                        if sent.pushed_back && fresh && let Some(c) = controller.as_mut() {
                            let before = c.limit();
                            let after = c.back_off();
                            tracing::debug!(target: "pixelbin_upload", before, after, "pushed back: fewer parts in flight");
                            backed_off_at = Some(Instant::now());
                            round = Round::new(c.round_parts(), plan.chunk_size);
                        } else if round.bytes >= round.target && let Some(c) = controller.as_mut() {
                            let secs = round.started.elapsed().as_secs_f64();
                            let before = c.limit();
                            let after = c.observe(round.bytes as f64 / secs);
                            if after != before {
                                tracing::debug!(target: "pixelbin_upload", before, after, "parts in flight");
                            }
                            round = Round::new(c.round_parts(), plan.chunk_size);
                        }
                    }
                    Err((part_number, error)) => {
                        return Err(WindowError::Part { part_number, error });
                    }
                },
                () = sleep_until(hedge_at), if hedge_at.is_some() => {
                    let now = Instant::now();
                    let after = hedge_after(&finished);
                    for (number, part) in running.iter_mut() {
                        let overdue = now.saturating_duration_since(part.started) >= after;
                        if !overdue || part.hedge.is_none() {
                            continue;
                        }
                        let Ok(permit) = memory.try_acquire() else {
                            hedge_blocked = true;
                            break;
                        };
                        tracing::debug!(target: "pixelbin_upload", part = number, "hedging a slow part");
                        if let Some(hedge) = part.hedge.take() {
                            let _ = hedge.send(permit);
                        }
                    }
                }
                event = rx.recv(), if reading && in_flight.len() < limit => match event {
                    Some(Event::Chunk(chunk, permit)) => {
                        let (hedge, hedge_rx) = oneshot::channel();
                        running.insert(chunk.number, Running { started: Instant::now(), hedge: Some(hedge) });
                        in_flight.push(send_part(sender, chunk, permit, hedge_rx));
                    }
                    Some(Event::End { total_bytes, total_parts }) => {
                        // A reader of unknown length knows its size now.
                        if tracker.set_totals(total_bytes, total_parts) {
                            tracker.publish();
                        }
                    }
                    None => reading = false,
                },
                else => {
                    tracker.set_in_flight(0, limit);
                    return Ok(Ran { peak_in_flight, limit, controller });
                }
            }
        }
    };

    tokio::try_join!(read, send).map(|((), ran)| ran)
}

fn median(sorted: &[Duration]) -> Duration {
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// A part is never hedged sooner than this: on a fast path a few
/// milliseconds of jitter are no reason to send a part twice.
const MIN_HEDGE_AFTER: Duration = Duration::from_secs(1);

/// How long a part may take before it is hedged: three times the median time
/// of the finished parts, at least [`MIN_HEDGE_AFTER`].
fn hedge_after(finished: &[Duration]) -> Duration {
    (median(finished) * 3).max(MIN_HEDGE_AFTER)
}

/// When the next part becomes overdue for a hedge, if any part can still be
/// hedged (once three parts have finished).
fn hedge_deadline(running: &HashMap<u32, Running<'_>>, finished: &[Duration]) -> Option<Instant> {
    if finished.len() < 3 {
        return None;
    }
    let after = hedge_after(finished);
    running
        .values()
        .filter(|part| part.hedge.is_some())
        .map(|part| part.started + after)
        .min()
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One part; the permit (the part's memory slot) is released when this
/// finishes. When `hedge` delivers a second permit, the part is also sent a
/// second time and the first success wins.
async fn send_part<'a, S: PartSender>(
    sender: &S,
    chunk: Chunk,
    permit: SemaphorePermit<'a>,
    hedge: oneshot::Receiver<SemaphorePermit<'a>>,
) -> Result<Finished, (u32, pixelbin_http::Error)> {
    let _permit = permit;
    let Chunk { number, data } = chunk;
    let len = data.len() as u64;
    tracing::trace!(target: "pixelbin_upload", part = number, len, "sending part");
    // Cloning Bytes is a reference count, not a copy of the chunk.
    let first = sender.send_part(number, data.clone());
    tokio::pin!(first);
    let finished = |sent| Finished { number, len, sent };
    let hedge_permit = tokio::select! {
        result = &mut first => return result.map(finished).map_err(|e| (number, e)),
        Ok(permit) = hedge => permit,
    };
    let _hedge_permit = hedge_permit;
    let second = sender.send_part(number, data);
    tokio::pin!(second);
    // The first success wins; a failure waits for the other request.
    let result = match futures::future::select(first, second).await {
        Either::Left((Ok(sent), _)) | Either::Right((Ok(sent), _)) => Ok(sent),
        Either::Left((Err(error), other)) => other.await.map_err(|_| error),
        Either::Right((Err(error), other)) => other.await.map_err(|_| error),
    };
    result.map(finished).map_err(|e| (number, e))
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
        /// Delays of the first attempt only (a hedge is fast).
        first_delays: Mutex<HashMap<u32, Duration>>,
        default_delay: Duration,
        script: Mutex<HashMap<u32, VecDeque<u16>>>,
        in_flight: AtomicUsize,
        max_in_flight: AtomicUsize,
        started: Mutex<Vec<u32>>,
        stored: Mutex<BTreeMap<u32, Bytes>>,
        /// Part numbers in the order they were stored.
        finish_order: Mutex<Vec<u32>>,
        acked_bytes: Arc<AtomicU64>,
        /// Parts stored after the server pushed back (asked to slow down).
        pushed_back: std::collections::HashSet<u32>,
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
        ) -> Result<Sent, pixelbin_http::Error> {
            {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                let _guard = InFlight(&self.in_flight);
                self.max_in_flight.fetch_max(now, Ordering::SeqCst);
                self.started.lock().unwrap().push(part_number);
                let first = self.first_delays.lock().unwrap().remove(&part_number);
                let delay = first.unwrap_or_else(|| {
                    self.delays
                        .get(&part_number)
                        .copied()
                        .unwrap_or(self.default_delay)
                });
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
                Ok(Sent {
                    pushed_back: self.pushed_back.contains(&part_number),
                })
            }
        }
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 % 256) as u8).collect()
    }

    fn fixed(concurrency: usize, chunk: usize) -> Plan {
        Plan::new(
            &UploadOptions::default()
                .concurrency(concurrency)
                .hedge(false),
            chunk,
            PathKind::Long,
        )
    }

    async fn run_plan(
        fake: &Fake,
        source: UploadSource,
        plan: Plan,
        tracker: &mut Tracker,
    ) -> Result<Ran, WindowError> {
        let mut reader = ChunkReader::open(source, plan.chunk_size).await.unwrap();
        let _ = tracker.set_totals(reader.total_len(), reader.total_parts());
        run(fake, &mut reader, tracker, plan).await
    }

    async fn run_fake(
        fake: &Fake,
        source: UploadSource,
        chunk: usize,
        concurrency: usize,
        tracker: &mut Tracker,
    ) -> Result<Ran, WindowError> {
        run_plan(fake, source, fixed(concurrency, chunk), tracker).await
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
                    run_fake(&f, source, 10, concurrency, &mut tracker)
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
        run_fake(&f, data(100).into(), 10, 3, &mut tracker)
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
        run_fake(&f, source, 10, usize::MAX, &mut tracker)
            .await
            .unwrap();
        assert_eq!(f.stored_bytes(), data(35));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_part_stops_the_others() {
        let mut f = fake(50).fail(3, &[400]);
        f.delays.insert(3, Duration::ZERO);
        let mut tracker = Tracker::new(&UploadOptions::default());
        let err = run_fake(&f, data(100).into(), 10, 3, &mut tracker)
            .await
            .unwrap_err();
        match err {
            WindowError::Part { part_number, error } => {
                assert_eq!(part_number, 3);
                assert_eq!(error.status(), Some(400));
                assert_eq!(f.attempts(3), 1);
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
            run_fake(&f, source, 10, 3, &mut tracker).await.unwrap();
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
        run_fake(&f, source, 10, 2, &mut tracker).await.unwrap();
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

    #[tokio::test(start_paused = true)]
    async fn a_slow_part_is_hedged_and_the_hedge_wins() {
        let f = fake(10);
        f.first_delays
            .lock()
            .unwrap()
            .insert(5, Duration::from_secs(3600));
        let plan = Plan {
            hedge: true,
            ..fixed(3, 10)
        };
        let mut tracker = Tracker::new(&UploadOptions::default());
        let started = tokio::time::Instant::now();
        run_plan(&f, data(100).into(), plan, &mut tracker)
            .await
            .unwrap();
        // Done long before the slow first attempt would have answered.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(f.attempts(5), 2, "one hedge");
        assert!((1..=10).filter(|&p| p != 5).all(|p| f.attempts(p) == 1));
        assert_eq!(f.stored_bytes(), data(100));
        // The slow attempt was dropped, not left running.
        assert_eq!(f.in_flight.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn without_hedging_a_slow_part_is_waited_for() {
        let f = fake(10);
        f.first_delays
            .lock()
            .unwrap()
            .insert(5, Duration::from_secs(60));
        let mut tracker = Tracker::new(&UploadOptions::default());
        let started = tokio::time::Instant::now();
        run_fake(&f, data(100).into(), 10, 3, &mut tracker)
            .await
            .unwrap();
        assert!(started.elapsed() >= Duration::from_secs(60));
        assert_eq!(f.attempts(5), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hedge_needs_a_free_memory_slot() {
        // Fixed(2) has 3 slots: 2 parts in flight and one read ahead. The slow
        // part's hedge gets a slot only once the reader has nothing left to read.
        let f = fake(10);
        f.first_delays
            .lock()
            .unwrap()
            .insert(5, Duration::from_secs(60));
        let plan = Plan {
            hedge: true,
            ..fixed(2, 10)
        };
        let mut tracker = Tracker::new(&UploadOptions::default());
        let started = tokio::time::Instant::now();
        run_plan(&f, data(100).into(), plan, &mut tracker)
            .await
            .unwrap();
        assert_eq!(f.attempts(5), 2);
        assert!(started.elapsed() < Duration::from_secs(60));
        // Never more requests than memory slots, hedge included.
        assert!(f.max_in_flight.load(Ordering::SeqCst) <= 3);
        let order = f.started.lock().unwrap().clone();
        assert_eq!(
            order.last(),
            Some(&5),
            "hedged after every part was read: {order:?}"
        );
        assert_eq!(f.stored_bytes(), data(100));
    }

    #[tokio::test(start_paused = true)]
    async fn auto_mode_grows_within_the_memory_budget() {
        // 10-byte chunks, a budget of 8 chunks: at most 7 parts in flight.
        let f = fake(100);
        let options = UploadOptions::default().memory_budget(80).hedge(false);
        let plan = Plan::new(&options, 10, PathKind::Long);
        assert_eq!(
            plan.limit,
            Limit::Auto {
                max: 7,
                path: PathKind::Long
            }
        );
        let mut tracker = Tracker::new(&options);
        let ran = run_plan(&f, data(2000).into(), plan, &mut tracker)
            .await
            .unwrap();
        assert_eq!(f.stored_bytes(), data(2000));
        // Each part takes the same time whatever the number in flight, so
        // more parts always pay: it grows from 3 to the budget.
        assert_eq!(f.max_in_flight.load(Ordering::SeqCst), 7);
        assert_eq!((ran.peak_in_flight, ran.limit), (7, 7), "reported as seen");
        assert!(!ran.controller.unwrap().started_from_estimate());
    }

    #[tokio::test(start_paused = true)]
    async fn auto_mode_starts_from_the_estimate_of_the_path() {
        let first_limits = |estimate: Option<PathEstimate>| async move {
            let f = fake(100);
            let seen = Arc::new(Mutex::new(Vec::new()));
            let record = seen.clone();
            let options = UploadOptions::default()
                .hedge(false)
                .on_progress(move |p: Progress| record.lock().unwrap().push(p));
            let mut plan = Plan::new(&options, 10, PathKind::Long);
            plan.estimate = estimate;
            let mut tracker = Tracker::new(&options);
            let ran = run_plan(&f, data(400).into(), plan, &mut tracker)
                .await
                .unwrap();
            assert_eq!(f.stored_bytes(), data(400));
            let first = seen
                .lock()
                .unwrap()
                .iter()
                .find(|p| p.parts_done == 1)
                .copied();
            (
                first.unwrap().concurrency,
                f.max_in_flight.load(Ordering::SeqCst),
                ran,
            )
        };
        let (start, peak, ran) = first_limits(None).await;
        assert_eq!(start, 3);
        assert!(!ran.controller.unwrap().started_from_estimate());
        assert!(peak > 3);
        let settled = PathEstimate::new(20, 10, 2000.0, 100.0, Duration::from_millis(100), true);
        let (start, peak, ran) = first_limits(Some(settled)).await;
        assert_eq!(start, 20, "no ramp");
        assert_eq!(peak, 20);
        assert_eq!(ran.peak_in_flight, 20);
        assert!(ran.controller.unwrap().started_from_estimate());
    }

    #[test]
    fn auto_mode_opens_at_most_max_auto_parts_connections() {
        // Small parts in the default 128 MiB budget: memory for far more in flight.
        let plan = Plan::new(
            &UploadOptions::default(),
            crate::AUTO_CHUNK_SIZE,
            PathKind::Long,
        );
        assert_eq!(plan.memory_slots, (128 << 20) / crate::AUTO_CHUNK_SIZE);
        assert!(plan.memory_slots > crate::MAX_AUTO_PARTS + 1);
        assert_eq!(
            plan.limit,
            Limit::Auto {
                max: crate::MAX_AUTO_PARTS,
                path: PathKind::Long
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_pushed_back_part_halves_the_parts_in_flight_once_per_burst() {
        // 10-byte chunks, a budget of 17 chunks: up to 16 in flight, and more
        // parts always pay, so the limit climbs to 16 (3, 9, 16).
        let mut f = fake(100);
        // Parts 60 to 63 come back pushed back (throttled), slowly (they
        // waited for retries), all four on the wire together: one burst, one
        // halving.
        f.pushed_back = (60..=63).collect();
        for part in 60..=63 {
            f.delays.insert(part, Duration::from_millis(300));
        }
        let options = UploadOptions::default().memory_budget(170).hedge(false);
        let plan = Plan::new(&options, 10, PathKind::Long);
        assert_eq!(
            plan.limit,
            Limit::Auto {
                max: 16,
                path: PathKind::Long
            }
        );
        let watched = Arc::new(Mutex::new(Vec::new()));
        let record = watched.clone();
        let options = options.on_progress(move |p: Progress| {
            record.lock().unwrap().push((p.parts_done, p.concurrency));
        });
        let mut tracker = Tracker::new(&options);
        run_plan(&f, data(1200).into(), plan, &mut tracker)
            .await
            .unwrap();
        assert_eq!(f.stored_bytes(), data(1200));
        let limits: Vec<usize> = watched.lock().unwrap().iter().map(|(_, c)| *c).collect();
        let peak = limits.iter().position(|&c| c == 16).expect("reaches 16");
        // Halved when the first pushed-back part lands, not again for the
        // others of the burst; then it grows again.
        let after = &limits[peak..];
        let halved = after.iter().position(|&c| c < 16).expect("backs off");
        assert_eq!(after[halved], 8, "{limits:?}");
        assert!(after[halved..].iter().all(|&c| c >= 8), "{limits:?}");
        assert!(after[halved..].iter().any(|&c| c > 8), "{limits:?}");
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
        )
        .await
        .unwrap_err();
        match err {
            WindowError::Source(e) => assert!(e.to_string().contains("disk on fire")),
            other => panic!("unexpected {other:?}"),
        }
    }
}
