//! Many prediction jobs as one stream: adaptive jobs in flight, shared smart polling, and
//! creates that are never repeated blindly.
//!
//! The driver is one task owning every decision, so the rules read in one place:
//!
//! - **How many jobs run** (`Window`): like TCP's AIMD, the window grows by one job per
//!   window-full of accepted creates (doubling at first, until the first refusal) and shrinks
//!   on a 429 to the jobs the server was running for us, never by less than one nor to less
//!   than half, once per round (creates already on their way when it shrank do not shrink it
//!   again); the refused input is tried again after the server's `Retry-After`.
//! - **When a job is polled** (`PollClock`): first near the completion time learnt from
//!   finished jobs, never sooner than [`POLL_FLOOR`] after the create or the previous poll
//!   (the reference's own minimum interval), then at half the job's age.
//! - **How fast requests go** (`Budget`): creates and polls draw from one optional
//!   requests-per-second budget.
//! - **What is never repeated**: a create that may have reached the server (a timeout, a
//!   connection lost after sending, a 5xx) ends that input with [`Error::CreateUncertain`];
//!   sending it again could start and bill a second job.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::client::Predictions;
use crate::error::Error;
use crate::input::PredictionInput;
use crate::prediction::Prediction;
use crate::wait::{Pacing, poll_until_final};
use pixelbin_http::retry::{AfterError, after_error};

pub use crate::wait::POLL_FLOOR;
/// Longest pause between two polls of one job.
const POLL_CEILING: Duration = Duration::from_secs(30);
/// Wait after a 429 that carried no `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// A create that never reached the server is sent again at most this many times.
const MAX_UNSENT_RETRIES: u32 = 3;

/// One input of a batch: a job to create, or one created earlier (by a run that stopped) to
/// wait for.
pub struct BatchItem<K> {
    key: K,
    job: BatchJob,
}

enum BatchJob {
    Create {
        model: String,
        input: PredictionInput,
        refusals: u32,
        unsent: u32,
    },
    Existing {
        id: String,
    },
}

impl<K> BatchItem<K> {
    /// A job of model `model` (e.g. `erase_bg`) on `input`, reported under `key`.
    pub fn create(key: K, model: impl Into<String>, input: PredictionInput) -> Self {
        BatchItem {
            key,
            job: BatchJob::Create {
                model: model.into(),
                input,
                refusals: 0,
                unsent: 0,
            },
        }
    }

    /// A job already created (its `_id`, e.g. from a journal of an earlier run): it is waited
    /// for, never created again.
    pub fn existing(key: K, id: impl Into<String>) -> Self {
        BatchItem {
            key,
            job: BatchJob::Existing { id: id.into() },
        }
    }

    /// The key this input is reported under.
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Whether this is a job created earlier, to wait for ([`BatchItem::existing`]).
    pub fn is_existing(&self) -> bool {
        matches!(self.job, BatchJob::Existing { .. })
    }
}

impl<K: fmt::Debug> fmt::Debug for BatchItem<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("BatchItem");
        s.field("key", &self.key);
        match &self.job {
            BatchJob::Create { model, .. } => s.field("model", model),
            BatchJob::Existing { id } => s.field("id", id),
        };
        s.finish()
    }
}

/// How a batch runs. The default adapts the number of jobs in flight (starting at 2, at most
/// 64), sets no request rate and gives each job 10 minutes.
///
/// ```
/// use std::time::Duration;
/// use pixelbin_predictions::BatchOptions;
/// let options = BatchOptions::new()
///     .max_concurrency(16)
///     .requests_per_second(20.0)
///     .job_timeout(Duration::from_secs(300));
/// assert_eq!(options.max_concurrency, 16);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BatchOptions {
    /// `Some(n)`: exactly up to `n` jobs in flight, no adaptation (429s still wait and retry).
    pub concurrency: Option<usize>,
    /// Upper bound of the adaptive window.
    pub max_concurrency: usize,
    /// Requests per second shared by creates and polls; `None`: only 429s slow the batch.
    pub requests_per_second: Option<f64>,
    /// Longest time from a job's create (or, for an existing id, from the start of its wait)
    /// to its final status; beyond it the job ends with [`Error::DeadlineExceeded`].
    pub job_timeout: Duration,
    /// Webhook URL sent with every create.
    pub webhook: Option<String>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            concurrency: None,
            max_concurrency: 64,
            requests_per_second: None,
            job_timeout: Duration::from_secs(600),
            webhook: None,
        }
    }
}

impl BatchOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fixes the jobs in flight at `n` (at least 1) instead of adapting.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = Some(n.max(1));
        self
    }

    /// Caps the adaptive window at `n` (at least 1).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// Shares a budget of `rate` requests per second between creates and polls (ignored
    /// unless positive and finite).
    pub fn requests_per_second(mut self, rate: f64) -> Self {
        self.requests_per_second = (rate.is_finite() && rate > 0.0).then_some(rate);
        self
    }

    /// Bounds each job's time to its final status.
    pub fn job_timeout(mut self, timeout: Duration) -> Self {
        self.job_timeout = timeout;
        self
    }

    /// Sends `url` as the `webhook` of every create.
    pub fn webhook(mut self, url: impl Into<String>) -> Self {
        self.webhook = Some(url.into());
        self
    }
}

/// The stream of a batch: `(key, result)` in completion order. `Ok` holds the final
/// prediction, `SUCCESS` or `FAILURE`; `Err` says why the input has no final state.
///
/// Dropping it stops the batch at once: no new job is created and no more polls are sent.
/// Jobs already created keep running on the server; the ids handed to the hook of
/// [`Predictions::batch_with`] let a later run wait for them.
pub struct BatchStream<K> {
    results: mpsc::Receiver<(K, Result<Prediction, Error>)>,
    driver: tokio::task::JoinHandle<()>,
}

impl<K> fmt::Debug for BatchStream<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchStream").finish_non_exhaustive()
    }
}

impl<K> Stream for BatchStream<K> {
    type Item = (K, Result<Prediction, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.results.poll_recv(cx)
    }
}

impl<K> Drop for BatchStream<K> {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// Called with each input's key and its job as soon as the create is acknowledged.
type CreatedHook<K> = Box<dyn FnMut(&K, &Prediction) + Send>;

impl Predictions {
    /// Runs many prediction jobs; see [`batch_with`](Self::batch_with).
    pub fn batch<K, I>(&self, items: I, options: BatchOptions) -> BatchStream<K>
    where
        K: Send + 'static,
        I: IntoIterator<Item = BatchItem<K>>,
        I::IntoIter: Send + 'static,
    {
        self.batch_with(items, options, |_, _| {})
    }

    /// Runs many prediction jobs and returns their results as a stream, in completion order.
    ///
    /// Inputs are taken from `items` lazily, as room frees up. `on_created` is called with the
    /// key and the acknowledged job (its `_id`) of every create the moment it is accepted, before
    /// any poll: persist the id there to resume after a crash with [`BatchItem::existing`].
    /// See the [module docs](crate::batch) for pacing. Needs a tokio runtime (the batch runs on
    /// a task of its own).
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use pixelbin_predictions::{BatchItem, BatchOptions, PredictionInput, Predictions};
    ///
    /// # async fn run(predictions: Predictions) {
    /// let items = ["a.jpg", "b.jpg"].map(|path| {
    ///     BatchItem::create(path, "erase_bg", PredictionInput::new().file_path("image", path))
    /// });
    /// let mut results = predictions.batch_with(items, BatchOptions::new(), |path, job| {
    ///     println!("{path}: created {}", job.id); // write it to a journal
    /// });
    /// while let Some((path, result)) = results.next().await {
    ///     match result {
    ///         Ok(job) => println!("{path}: {}", job.status),
    ///         Err(error) => println!("{path}: {error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn batch_with<K, I, F>(
        &self,
        items: I,
        options: BatchOptions,
        on_created: F,
    ) -> BatchStream<K>
    where
        K: Send + 'static,
        I: IntoIterator<Item = BatchItem<K>>,
        I::IntoIter: Send + 'static,
        F: FnMut(&K, &Prediction) + Send + 'static,
    {
        let (sender, results) = mpsc::channel(64);
        let driver = Driver {
            predictions: self.clone(),
            items: Box::new(items.into_iter()),
            retries: VecDeque::new(),
            window: Window::new(&options),
            shared: Arc::new(Shared {
                clock: Mutex::new(PollClock::new()),
                budget: Mutex::new(Budget::new(options.requests_per_second)),
            }),
            options,
            on_created: Box::new(on_created),
            sender,
            waiting: 0,
        };
        BatchStream {
            results,
            driver: tokio::spawn(driver.run()),
        }
    }
}

/// The adaptive number of jobs in flight.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Window {
    size: usize,
    max: usize,
    fixed: bool,
    /// Until the first refusal the window doubles each round (slow start).
    slow_start: bool,
    /// Creates accepted since the window last grew (it grows by one per window-full).
    credit: usize,
    /// Bumped at each decrease: a refusal of a create sent before it is not reacted to again.
    epoch: u64,
}

impl Window {
    fn new(options: &BatchOptions) -> Window {
        let (size, max, fixed) = match options.concurrency {
            Some(n) => (n, n, true),
            None => (
                2.min(options.max_concurrency),
                options.max_concurrency,
                false,
            ),
        };
        Window {
            size,
            max,
            fixed,
            slow_start: !fixed,
            credit: 0,
            epoch: 0,
        }
    }

    /// Jobs allowed in flight now.
    pub(crate) fn allowed(&self) -> usize {
        self.size
    }

    /// A create was accepted: grow (one job per accepted create in slow start, else one per
    /// window-full).
    pub(crate) fn on_accepted(&mut self) {
        if self.fixed {
            return;
        }
        self.credit += 1;
        if self.slow_start || self.credit >= self.size {
            self.credit = 0;
            self.size = (self.size + 1).min(self.max);
        }
    }

    /// The round a create starts in; hand it back to [`on_refused`](Self::on_refused).
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// A create sent in round `epoch` was refused with 429 while `running` of our jobs were
    /// known to run: shrink to that capacity, by at least one and at most half, once a round.
    pub(crate) fn on_refused(&mut self, epoch: u64, running: usize) {
        if self.fixed || epoch != self.epoch {
            return;
        }
        self.epoch += 1;
        self.slow_start = false;
        self.credit = 0;
        let shrunk = running.max(self.size / 2).min(self.size.saturating_sub(1));
        self.size = shrunk.max(1);
    }
}

/// When to poll: learnt from how long finished jobs took.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PollClock {
    /// Expected time from create acknowledgement to final status.
    expected: Duration,
}

impl PollClock {
    fn new() -> PollClock {
        PollClock {
            expected: POLL_FLOOR,
        }
    }

    /// Delay before the first poll of a job just created.
    pub(crate) fn first_poll(&self) -> Duration {
        self.expected.max(POLL_FLOOR)
    }

    /// Delay before the next poll of a job `age` old that was not finished yet; raises the
    /// expectation to at least that age.
    pub(crate) fn after_unfinished(&mut self, age: Duration) -> Duration {
        self.expected = self.expected.max(age.mul_f64(1.2));
        (age / 2).clamp(POLL_FLOOR, POLL_CEILING)
    }

    /// A job was seen finished at `age` after `polls` polls. When the first poll already saw
    /// it finished, it may have finished earlier: the expectation drifts down to probe.
    pub(crate) fn on_finished(&mut self, age: Duration, polls: u32) {
        let seen = if polls <= 1 { age.mul_f64(0.9) } else { age };
        self.expected = (self.expected.mul_f64(0.8) + seen.mul_f64(0.2)).max(POLL_FLOOR);
    }
}

/// A requests-per-second budget shared by creates and polls.
#[derive(Debug)]
struct Budget {
    interval: Option<Duration>,
    next_free: Instant,
}

impl Budget {
    fn new(rate: Option<f64>) -> Budget {
        Budget {
            interval: rate.map(|r| Duration::from_secs_f64(1.0 / r)),
            next_free: Instant::now(),
        }
    }

    /// The instant the next request may start; books it.
    fn book(&mut self) -> Instant {
        let now = Instant::now();
        let Some(interval) = self.interval else {
            return now;
        };
        let slot = self.next_free.max(now);
        self.next_free = slot + interval;
        slot
    }
}

/// State the in-flight futures share with the driver.
struct Shared {
    clock: Mutex<PollClock>,
    budget: Mutex<Budget>,
}

impl Shared {
    /// Waits for a turn in the request budget.
    async fn turn(&self) {
        let at = self.budget.lock().unwrap_or_else(|e| e.into_inner()).book();
        tokio::time::sleep_until(at).await;
    }

    fn clock(&self) -> std::sync::MutexGuard<'_, PollClock> {
        self.clock.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What an in-flight future hands back to the driver.
enum Event<K> {
    /// The create was accepted.
    Created(K, Prediction, Instant),
    /// The create was refused (429, with the window's round it was sent in) or never sent
    /// (`None`): try again at the instant.
    Again(BatchItem<K>, Instant, Option<u64>),
    /// The create failed: the input is done.
    Done(K, Result<Prediction, Error>),
    /// A job's wait ended: the input is done.
    Finished(K, Result<Prediction, Error>),
}

struct Driver<K> {
    predictions: Predictions,
    items: Box<dyn Iterator<Item = BatchItem<K>> + Send>,
    /// Inputs to create again, with the instant they may go.
    retries: VecDeque<(Instant, BatchItem<K>)>,
    window: Window,
    shared: Arc<Shared>,
    options: BatchOptions,
    on_created: CreatedHook<K>,
    sender: mpsc::Sender<(K, Result<Prediction, Error>)>,
    /// Jobs created (or known) and being waited for.
    waiting: usize,
}

impl<K: Send + 'static> Driver<K> {
    async fn run(mut self) {
        let mut in_flight: FuturesUnordered<BoxFuture<'static, Event<K>>> = FuturesUnordered::new();
        let mut exhausted = false;
        loop {
            // Start what the window allows: due retries first, then new inputs.
            while in_flight.len() < self.window.allowed() {
                let now = Instant::now();
                let item = if self.retries.front().is_some_and(|(at, _)| *at <= now) {
                    self.retries.pop_front().map(|(_, item)| item)
                } else if exhausted {
                    None
                } else {
                    let next = self.items.next();
                    exhausted = next.is_none();
                    next
                };
                let Some(item) = item else { break };
                if item.is_existing() {
                    self.waiting += 1;
                }
                in_flight.push(self.start(item));
            }
            if in_flight.is_empty() && exhausted && self.retries.is_empty() {
                return;
            }
            let next_retry = self.retries.iter().map(|(at, _)| *at).min();
            let event = tokio::select! {
                Some(event) = in_flight.next() => event,
                () = sleep_until_opt(next_retry) => continue,
                () = self.sender.closed() => return,
            };
            match event {
                Event::Created(key, job, acked) => {
                    self.window.on_accepted();
                    self.waiting += 1;
                    (self.on_created)(&key, &job);
                    in_flight.push(Box::pin(wait_for(
                        self.predictions.clone(),
                        self.shared.clone(),
                        key,
                        job.id.clone(),
                        acked,
                        self.options.job_timeout,
                    )));
                }
                Event::Again(item, at, refused_in) => {
                    if let Some(epoch) = refused_in {
                        self.window.on_refused(epoch, self.waiting);
                    }
                    let position = self.retries.partition_point(|(t, _)| *t <= at);
                    self.retries.insert(position, (at, item));
                }
                Event::Done(key, result) => {
                    if self.sender.send((key, result)).await.is_err() {
                        return;
                    }
                }
                Event::Finished(key, result) => {
                    self.waiting = self.waiting.saturating_sub(1);
                    if self.sender.send((key, result)).await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// The future that creates (or, for a known id, waits for) one input.
    fn start(&self, item: BatchItem<K>) -> BoxFuture<'static, Event<K>> {
        let predictions = self.predictions.clone();
        let shared = self.shared.clone();
        let timeout = self.options.job_timeout;
        let webhook = self.options.webhook.clone();
        let epoch = self.window.epoch();
        match item.job {
            BatchJob::Existing { id } => Box::pin(wait_for(
                predictions,
                shared,
                item.key,
                id,
                Instant::now(),
                timeout,
            )),
            BatchJob::Create {
                model,
                input,
                refusals,
                unsent,
            } => Box::pin(async move {
                shared.turn().await;
                // Kept to send again after a 429; a reader input can be sent once only.
                let copy = input.try_clone();
                let result = predictions
                    .create_once(&model, input, webhook.as_deref())
                    .await;
                create_outcome(item.key, model, copy, (refusals, unsent), epoch, result)
            }),
        }
    }
}

/// Sorts a create's answer into accepted, try again, or done with an error.
fn create_outcome<K>(
    key: K,
    model: String,
    copy: Option<PredictionInput>,
    (refusals, unsent): (u32, u32),
    epoch: u64,
    result: Result<Prediction, Error>,
) -> Event<K> {
    let error = match result {
        Ok(job) => return Event::Created(key, job, Instant::now()),
        Err(error) => error,
    };
    // When and whether to send it again (pixelbin_http::retry decides what is safe): after
    // the server's Retry-After on a 429, with a growing pause when it never reached the server.
    let decision = match &error {
        Error::Http(http) => Some((http, after_error(http, false))),
        _ => None,
    };
    let retry = match decision {
        Some((http, AfterError::SendAgain { retry_after })) => {
            if http.status() == Some(429) {
                Some((
                    retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
                    refusals + 1,
                    unsent,
                ))
            } else if unsent < MAX_UNSENT_RETRIES {
                Some((DEFAULT_RETRY_AFTER * 2u32.pow(unsent), refusals, unsent + 1))
            } else {
                None
            }
        }
        _ => None,
    };
    match (retry, copy) {
        (Some((wait, refusals_now, unsent)), Some(input)) => Event::Again(
            BatchItem {
                key,
                job: BatchJob::Create {
                    model,
                    input,
                    refusals: refusals_now,
                    unsent,
                },
            },
            Instant::now() + wait,
            (refusals_now > refusals).then_some(epoch),
        ),
        _ => match error {
            Error::Http(http) if after_error(&http, false) == AfterError::Uncertain => Event::Done(
                key,
                Err(Error::CreateUncertain {
                    reason: http.to_string(),
                }),
            ),
            other => Event::Done(key, Err(other)),
        },
    }
}

/// Polls job `id` (acknowledged at `since`) until it is final, in the one poll loop of
/// [`wait`](Predictions::wait), paced by the shared clock and request budget.
async fn wait_for<K>(
    predictions: Predictions,
    shared: Arc<Shared>,
    key: K,
    id: String,
    since: Instant,
    timeout: Duration,
) -> Event<K> {
    let mut pacing = SharedPacing(shared.clone());
    let fetch = || async {
        shared.turn().await;
        predictions.get(&id).await
    };
    let result = poll_until_final(
        &id,
        fetch,
        &mut pacing,
        since,
        Some(timeout),
        None,
        &mut |_| {},
    )
    .await;
    Event::Finished(key, result)
}

/// The batch's pacing: the poll clock learnt from every job of the batch.
struct SharedPacing(Arc<Shared>);

impl Pacing for SharedPacing {
    fn first(&mut self) -> Duration {
        self.0.clock().first_poll()
    }

    fn after_unfinished(&mut self, age: Duration) -> Option<Duration> {
        Some(self.0.clock().after_unfinished(age))
    }

    fn on_final(&mut self, age: Duration, polls: u32) {
        self.0.clock().on_finished(age, polls);
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_grows_fast_then_slowly_and_shrinks_on_refusal() {
        let mut window = Window::new(&BatchOptions::new().max_concurrency(20));
        assert_eq!(window.allowed(), 2);
        for _ in 0..10 {
            window.on_accepted();
        }
        assert_eq!(window.allowed(), 12);
        // Refused while 10 ran: the server's capacity.
        let round = window.epoch();
        window.on_refused(round, 10);
        assert_eq!(window.allowed(), 10);
        // Another create of the same round refused: already reacted to.
        window.on_refused(round, 10);
        assert_eq!(window.allowed(), 10);
        for _ in 0..9 {
            window.on_accepted();
        }
        assert_eq!(
            window.allowed(),
            10,
            "one job per window-full after a refusal"
        );
        window.on_accepted();
        assert_eq!(window.allowed(), 11);
        // At least one less, at most half.
        window.on_refused(window.epoch(), 11);
        assert_eq!(window.allowed(), 10);
        window.on_refused(window.epoch(), 0);
        assert_eq!(window.allowed(), 5);
        for _ in 0..20 {
            window.on_refused(window.epoch(), 0);
        }
        assert_eq!(window.allowed(), 1);
    }

    #[test]
    fn a_fixed_window_never_moves() {
        let mut window = Window::new(&BatchOptions::new().concurrency(3));
        window.on_accepted();
        window.on_refused(window.epoch(), 0);
        assert_eq!(window.allowed(), 3);
    }

    #[test]
    fn the_poll_clock_learns_and_keeps_the_floor() {
        let mut clock = PollClock::new();
        assert_eq!(clock.first_poll(), POLL_FLOOR);
        // A job still running at 1 s raises the expectation; its next poll is >= the floor.
        assert_eq!(clock.after_unfinished(Duration::from_secs(1)), POLL_FLOOR);
        assert!(clock.first_poll() >= Duration::from_millis(1200));
        for _ in 0..30 {
            clock.on_finished(Duration::from_secs(5), 2);
        }
        let learnt = clock.first_poll();
        assert!(learnt > Duration::from_millis(4900) && learnt <= Duration::from_secs(5));
        // Quick jobs bring it down, never below the floor.
        for _ in 0..100 {
            clock.on_finished(Duration::from_millis(10), 1);
        }
        assert_eq!(clock.first_poll(), POLL_FLOOR);
        assert_eq!(
            clock.after_unfinished(Duration::from_secs(600)),
            POLL_CEILING
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_spaces_requests() {
        let mut budget = Budget::new(Some(4.0));
        let start = Instant::now();
        let slots: Vec<_> = (0..4).map(|_| budget.book() - start).collect();
        assert_eq!(
            slots,
            [0, 250, 500, 750].map(Duration::from_millis).to_vec()
        );
        let mut free = Budget::new(None);
        assert_eq!(free.book(), start);
    }
}
