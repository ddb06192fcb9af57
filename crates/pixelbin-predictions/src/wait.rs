//! Options and schedule for polling a prediction until it finishes.

use std::future::Future;
use std::time::Duration;

use pixelbin_http::retry::{AfterError, after_error};
use tokio::time::Instant;

use crate::error::Error;
use crate::prediction::Prediction;

/// Default and bounds of [`WaitOptions::max_attempts`].
pub const DEFAULT_MAX_ATTEMPTS: u32 = 150;
/// Upper bound of [`WaitOptions::max_attempts`].
pub const MAX_ATTEMPTS_LIMIT: u32 = 150;
/// Default of [`WaitOptions::retry_factor`].
pub const DEFAULT_RETRY_FACTOR: f64 = 1.0;
/// Upper bound of [`WaitOptions::retry_factor`] (the lower bound is 1).
pub const MAX_RETRY_FACTOR: f64 = 3.0;
/// Default of [`WaitOptions::retry_interval`].
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(4);
/// Lower bound of [`WaitOptions::retry_interval`].
pub const MIN_RETRY_INTERVAL: Duration = Duration::from_secs(1);
/// Upper bound of [`WaitOptions::retry_interval`].
pub const MAX_RETRY_INTERVAL: Duration = Duration::from_secs(60);

/// How `wait` polls: the reference's three options (same defaults and clamps) plus an overall
/// deadline.
///
/// Out-of-range values are clamped, not refused, as the reference does: `max_attempts` to
/// `1..=150`, `retry_factor` to `1..=3` (NaN counts as the default), `retry_interval` to
/// `1 s..=60 s`. The first poll happens at once; the pause after poll `n` (from 0) is
/// `retry_interval * retry_factor^n`. Like the reference, only the first pause is clamped, so
/// with a factor above 1 later pauses can grow past 60 s; set a [`deadline`](Self::deadline) to
/// bound the total time.
///
/// ```
/// use std::time::Duration;
/// use pixelbin_predictions::WaitOptions;
/// let opts = WaitOptions::new()
///     .max_attempts(30)
///     .retry_interval(Duration::from_secs(2))
///     .deadline(Duration::from_secs(90));
/// assert_eq!(opts.schedule().take(3).collect::<Vec<_>>(),
///            [Duration::from_secs(2); 3]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitOptions {
    /// Most polls before giving up with [`Error::WaitExhausted`](crate::Error::WaitExhausted).
    pub max_attempts: u32,
    /// Multiplier applied to the pause after each poll.
    pub retry_factor: f64,
    /// The first pause between polls.
    pub retry_interval: Duration,
    /// Overall time limit for the wait (for `create_and_wait`, including the create call);
    /// `None` (the default) leaves only `max_attempts` as the bound. When it runs out, the wait
    /// ends with [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded), at once if the
    /// next poll would fall after it. If it runs out during `create_and_wait`'s create call,
    /// the job may exist on the server without its id being known.
    pub deadline: Option<Duration>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            retry_factor: DEFAULT_RETRY_FACTOR,
            retry_interval: DEFAULT_RETRY_INTERVAL,
            deadline: None,
        }
    }
}

impl WaitOptions {
    /// The reference's defaults: 150 attempts, factor 1, 4 s interval, no deadline.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of polls (clamped to 1..=150 when used).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Sets the growth factor of the pause (clamped to 1..=3 when used).
    pub fn retry_factor(mut self, factor: f64) -> Self {
        self.retry_factor = factor;
        self
    }

    /// Sets the first pause (clamped to 1 s..=60 s when used).
    pub fn retry_interval(mut self, interval: Duration) -> Self {
        self.retry_interval = interval;
        self
    }

    /// Sets the overall deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// These options with the reference's clamps applied.
    pub fn clamped(&self) -> WaitOptions {
        let factor = if self.retry_factor.is_nan() {
            DEFAULT_RETRY_FACTOR
        } else {
            self.retry_factor.clamp(1.0, MAX_RETRY_FACTOR)
        };
        WaitOptions {
            max_attempts: self.max_attempts.clamp(1, MAX_ATTEMPTS_LIMIT),
            retry_factor: factor,
            retry_interval: self
                .retry_interval
                .clamp(MIN_RETRY_INTERVAL, MAX_RETRY_INTERVAL),
            deadline: self.deadline,
        }
    }

    /// The pauses between polls, after clamping: `interval * factor^n` for n = 0, 1, ...
    /// (`max_attempts - 1` items, since no pause follows the last poll).
    pub fn schedule(&self) -> impl Iterator<Item = Duration> + use<> {
        let c = self.clamped();
        let first = c.retry_interval.as_secs_f64();
        let factor = c.retry_factor;
        // Repeated multiplication, as the reference does, rather than powi: the same floats.
        (0..c.max_attempts.saturating_sub(1)).scan(first, move |secs, _| {
            let pause = secs_to_duration(*secs);
            *secs *= factor;
            Some(pause)
        })
    }
}

/// Seconds as a `Duration`, saturating: factor 3 over 150 polls overflows any clock.
fn secs_to_duration(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

/// No job is polled more often than this (the reference's smallest `retryInterval`).
pub const POLL_FLOOR: Duration = Duration::from_secs(1);
/// A poll failing this many times in a row (after the transport's own retries) ends the wait
/// with its error.
pub(crate) const MAX_POLL_FAILURES: u32 = 5;

/// When a job is polled: the one thing [`wait`](crate::Predictions::wait) (the reference's
/// schedule) and a batch (a clock learnt from finished jobs) decide differently. Everything
/// else, the loop of [`poll_until_final`], is shared.
pub(crate) trait Pacing {
    /// The pause before the first poll.
    fn first(&mut self) -> Duration;
    /// The pause after an unfinished answer seen `age` after the start; `None` when no poll
    /// is left.
    fn after_unfinished(&mut self, age: Duration) -> Option<Duration>;
    /// The job was seen final `age` after the start, at poll number `polls`.
    fn on_final(&mut self, _age: Duration, _polls: u32) {}
}

/// The reference's schedule: a poll at once, then the pauses of [`WaitOptions::schedule`].
struct Schedule<I>(I);

impl<I: Iterator<Item = Duration>> Pacing for Schedule<I> {
    fn first(&mut self) -> Duration {
        Duration::ZERO
    }

    fn after_unfinished(&mut self, _age: Duration) -> Option<Duration> {
        self.0.next()
    }
}

/// Polls with `fetch` until a final status on the reference's schedule of `options`; see
/// [`poll_until_final`].
pub(crate) async fn poll_with_options<F, Fut>(
    id: &str,
    fetch: F,
    options: WaitOptions,
    started: Instant,
    last: Option<Prediction>,
    on_poll: &mut (dyn FnMut(&Prediction) + Send),
) -> Result<Prediction, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Prediction, Error>>,
{
    let options = options.clamped();
    let mut pacing = Schedule(options.schedule());
    poll_until_final(
        id,
        fetch,
        &mut pacing,
        started,
        options.deadline,
        last,
        on_poll,
    )
    .await
}

/// The one poll loop: polls with `fetch` until a final status, pausing as `pacing` says,
/// bounded by its polls and by `deadline` measured from `started`. `last` is the state known
/// before the first poll (from `create`), reported if the deadline strikes first. A poll that
/// fails in a way worth repeating (`pixelbin_http::retry::after_error`) is repeated after the
/// server's `Retry-After` (at least [`POLL_FLOOR`]), up to [`MAX_POLL_FAILURES`] failures in a
/// row; any other failure ends the wait.
pub(crate) async fn poll_until_final<F, Fut>(
    id: &str,
    mut fetch: F,
    pacing: &mut (dyn Pacing + Send),
    started: Instant,
    deadline: Option<Duration>,
    mut last: Option<Prediction>,
    on_poll: &mut (dyn FnMut(&Prediction) + Send),
) -> Result<Prediction, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Prediction, Error>>,
{
    // A deadline too far away to represent is no deadline.
    let deadline = deadline.and_then(|limit| Some((started.checked_add(limit)?, limit)));
    let exceeded = |last: Option<Prediction>, attempts: u32, limit| Error::DeadlineExceeded {
        id: Some(id.to_string()),
        last: last.map(Box::new),
        attempts,
        deadline: limit,
    };
    let mut pause = pacing.first();
    let mut attempts = 0;
    let mut failures = 0;
    loop {
        if !pause.is_zero() {
            if let Some((at, limit)) = deadline {
                // No point sleeping towards a poll that would fall after the deadline.
                let next = Instant::now().checked_add(pause);
                if next.is_none_or(|next| next > at) {
                    return Err(exceeded(last, attempts, limit));
                }
            }
            tokio::time::sleep(pause).await;
        }
        let answer = match deadline {
            Some((at, limit)) => match tokio::time::timeout_at(at, fetch()).await {
                Ok(answer) => answer,
                Err(_) => return Err(exceeded(last, attempts, limit)),
            },
            None => fetch().await,
        };
        let state = match answer {
            Ok(state) => state,
            Err(error) => {
                let again = match &error {
                    Error::Http(http) => match after_error(http, true) {
                        AfterError::SendAgain { retry_after } => retry_after,
                        _ => return Err(error),
                    },
                    _ => return Err(error),
                };
                failures += 1;
                if failures >= MAX_POLL_FAILURES {
                    return Err(error);
                }
                tracing::debug!(%id, %error, "poll failed; polling again");
                pause = again.unwrap_or(POLL_FLOOR).max(POLL_FLOOR);
                continue;
            }
        };
        attempts += 1;
        failures = 0;
        let age = Instant::now().saturating_duration_since(started);
        tracing::debug!(id = %state.id, attempt = attempts, status = %state.status, "prediction polled");
        on_poll(&state);
        if state.status.is_final() {
            pacing.on_final(age, attempts);
            return Ok(state);
        }
        let Some(next) = pacing.after_unfinished(age) else {
            return Err(Error::WaitExhausted {
                last: Box::new(state),
                attempts,
            });
        };
        pause = next;
        last = Some(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_reference() {
        let o = WaitOptions::default();
        assert_eq!(o.max_attempts, 150);
        assert_eq!(o.retry_factor, 1.0);
        assert_eq!(o.retry_interval, Duration::from_secs(4));
        assert_eq!(o.deadline, None);
        let s: Vec<_> = o.schedule().collect();
        assert_eq!(s.len(), 149);
        assert!(s.iter().all(|d| *d == Duration::from_secs(4)));
    }

    #[test]
    fn clamps() {
        let c = WaitOptions::new()
            .max_attempts(0)
            .retry_factor(0.5)
            .retry_interval(Duration::from_millis(10))
            .clamped();
        assert_eq!(
            (c.max_attempts, c.retry_factor, c.retry_interval),
            (1, 1.0, Duration::from_secs(1))
        );
        let c = WaitOptions::new()
            .max_attempts(1000)
            .retry_factor(9.0)
            .retry_interval(Duration::from_secs(600))
            .clamped();
        assert_eq!(
            (c.max_attempts, c.retry_factor, c.retry_interval),
            (150, 3.0, Duration::from_secs(60))
        );
        let c = WaitOptions::new().retry_factor(f64::NAN).clamped();
        assert_eq!(c.retry_factor, 1.0);
        let c = WaitOptions::new().retry_factor(f64::INFINITY).clamped();
        assert_eq!(c.retry_factor, 3.0);
    }

    #[test]
    fn schedule_grows_by_factor_and_saturates() {
        let s: Vec<_> = WaitOptions::new()
            .max_attempts(5)
            .retry_factor(2.0)
            .retry_interval(Duration::from_millis(1500))
            .schedule()
            .collect();
        assert_eq!(
            s,
            [1.5, 3.0, 6.0, 12.0].map(Duration::from_secs_f64).to_vec()
        );
        let last = WaitOptions::new()
            .retry_factor(3.0)
            .retry_interval(Duration::from_secs(60))
            .schedule()
            .last()
            .unwrap();
        assert_eq!(last, Duration::MAX);
        assert_eq!(WaitOptions::new().max_attempts(1).schedule().count(), 0);
    }

    /// A fake job: `ACCEPTED` for the first `finish_after` polls, then `final_status`.
    /// Records the (paused) time of every poll, relative to `start`.
    struct FakeJob {
        start: Instant,
        polls: std::sync::Mutex<Vec<Duration>>,
        finish_after: usize,
        final_status: &'static str,
    }

    impl FakeJob {
        fn new(finish_after: usize, final_status: &'static str) -> Self {
            FakeJob {
                start: Instant::now(),
                polls: Default::default(),
                finish_after,
                final_status,
            }
        }

        async fn fetch(&self) -> Result<Prediction, Error> {
            let mut polls = self.polls.lock().unwrap();
            polls.push(self.start.elapsed());
            let status = if polls.len() > self.finish_after {
                self.final_status
            } else {
                "ACCEPTED"
            };
            Ok(
                serde_json::from_value(serde_json::json!({"_id": "a--b--1", "status": status}))
                    .unwrap(),
            )
        }

        fn poll_times(&self) -> Vec<Duration> {
            self.polls.lock().unwrap().clone()
        }
    }

    async fn run(
        job: &FakeJob,
        options: WaitOptions,
        seen: &mut Vec<String>,
    ) -> Result<Prediction, Error> {
        poll_with_options(
            "job-1",
            || job.fetch(),
            options,
            job.start,
            None,
            &mut |p: &Prediction| seen.push(p.status.to_string()),
        )
        .await
    }

    fn secs(list: &[f64]) -> Vec<Duration> {
        list.iter().map(|s| Duration::from_secs_f64(*s)).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn polls_follow_the_reference_schedule() {
        let job = FakeJob::new(3, "SUCCESS");
        let mut seen = Vec::new();
        let options = WaitOptions::new()
            .retry_interval(Duration::from_millis(1500))
            .retry_factor(2.0);
        let p = run(&job, options, &mut seen).await.unwrap();
        assert_eq!(p.status, crate::PredictionStatus::Success);
        assert_eq!(job.poll_times(), secs(&[0.0, 1.5, 4.5, 10.5]));
        assert_eq!(seen, ["ACCEPTED", "ACCEPTED", "ACCEPTED", "SUCCESS"]);
    }

    #[tokio::test(start_paused = true)]
    async fn failure_is_a_result() {
        let job = FakeJob::new(1, "FAILURE");
        let p = run(&job, WaitOptions::new(), &mut Vec::new())
            .await
            .unwrap();
        assert_eq!(p.status, crate::PredictionStatus::Failure);
        assert_eq!(job.poll_times(), secs(&[0.0, 4.0]));
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_are_clamped_and_exhaustion_carries_the_last_state() {
        let job = FakeJob::new(usize::MAX, "SUCCESS");
        let err = run(
            &job,
            WaitOptions::new()
                .max_attempts(1000)
                .retry_interval(Duration::from_millis(1)),
            &mut Vec::new(),
        )
        .await
        .unwrap_err();
        let Error::WaitExhausted { last, attempts } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*attempts, 150);
        assert_eq!(last.status, crate::PredictionStatus::Accepted);
        let times = job.poll_times();
        assert_eq!(times.len(), 150);
        // Interval clamped up to 1 s; no pause after the last poll.
        assert_eq!(*times.last().unwrap(), Duration::from_secs(149));
        assert_eq!(job.start.elapsed(), Duration::from_secs(149));

        let job = FakeJob::new(usize::MAX, "SUCCESS");
        let err = run(&job, WaitOptions::new().max_attempts(0), &mut Vec::new())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::WaitExhausted { attempts: 1, .. }),
            "{err:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn interval_and_factor_are_clamped_above() {
        let job = FakeJob::new(3, "SUCCESS");
        let options = WaitOptions::new()
            .retry_interval(Duration::from_secs(3600))
            .retry_factor(10.0);
        run(&job, options, &mut Vec::new()).await.unwrap();
        // 60 s, then x3 each time: the growth itself is not re-clamped (as the reference).
        assert_eq!(job.poll_times(), secs(&[0.0, 60.0, 240.0, 780.0]));
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_stops_before_a_late_poll() {
        let job = FakeJob::new(usize::MAX, "SUCCESS");
        let options = WaitOptions::new()
            .retry_interval(Duration::from_secs(4))
            .deadline(Duration::from_secs(10));
        let err = run(&job, options, &mut Vec::new()).await.unwrap_err();
        let Error::DeadlineExceeded {
            last,
            attempts,
            deadline,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((*attempts, *deadline), (3, Duration::from_secs(10)));
        assert_eq!(
            last.as_ref().unwrap().status,
            crate::PredictionStatus::Accepted
        );
        assert_eq!(job.poll_times(), secs(&[0.0, 4.0, 8.0]));
        // It gives up at once rather than sleeping towards a poll at 12 s.
        assert_eq!(job.start.elapsed(), Duration::from_secs(8));
        assert!(err.to_string().contains("last status ACCEPTED"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_huge_deadline_is_no_deadline() {
        let job = FakeJob::new(2, "SUCCESS");
        let options = WaitOptions::new().deadline(Duration::MAX);
        run(&job, options, &mut Vec::new()).await.unwrap();
        assert_eq!(job.poll_times(), secs(&[0.0, 4.0, 8.0]));
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_cuts_a_slow_poll() {
        let start = Instant::now();
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Err::<Prediction, _>(Error::IllegalArgument("never reached".into()))
        };
        let err = poll_with_options(
            "job-1",
            slow,
            WaitOptions::new().deadline(Duration::from_secs(5)),
            start,
            None,
            &mut |_: &Prediction| {},
        )
        .await
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::DeadlineExceeded {
                    last: None,
                    attempts: 0,
                    ..
                }
            ),
            "{err:?}"
        );
        // The id is known even though no poll answered in time.
        assert!(
            err.to_string().starts_with("prediction job-1 not finished"),
            "{err}"
        );
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_failure_that_may_pass_is_polled_again_a_few_times() {
        let start = Instant::now();
        let job = FakeJob::new(0, "SUCCESS");
        let failures = std::sync::Mutex::new(0);
        let flaky = |fail_first: u32| {
            let job = &job;
            let failures = &failures;
            move || async move {
                let seen = {
                    let mut seen = failures.lock().unwrap();
                    *seen += 1;
                    *seen
                };
                if seen <= fail_first {
                    let unavailable = pixelbin_http::Error::from_response(
                        pixelbin_http::http::StatusCode::SERVICE_UNAVAILABLE,
                        b"{}",
                    );
                    return Err(Error::Http(unavailable));
                }
                job.fetch().await
            }
        };
        let done = poll_with_options(
            "job-1",
            flaky(2),
            WaitOptions::new(),
            start,
            None,
            &mut |_: &Prediction| {},
        )
        .await
        .unwrap();
        assert_eq!(done.status, crate::PredictionStatus::Success);
        // Two failures, each followed by the floor's pause, then the answer.
        assert_eq!(start.elapsed(), POLL_FLOOR * 2);
        *failures.lock().unwrap() = 0;
        let err = poll_with_options(
            "job-1",
            flaky(u32::MAX),
            WaitOptions::new(),
            start,
            None,
            &mut |_: &Prediction| {},
        )
        .await
        .unwrap_err();
        assert_eq!(err.status(), Some(503));
        assert_eq!(*failures.lock().unwrap(), MAX_POLL_FAILURES);
    }

    #[tokio::test(start_paused = true)]
    async fn a_poll_error_ends_the_wait() {
        let mut calls = 0;
        let err = poll_with_options(
            "job-1",
            || {
                calls += 1;
                async { Err::<Prediction, _>(Error::IllegalArgument("boom".into())) }
            },
            WaitOptions::new(),
            Instant::now(),
            None,
            &mut |_: &Prediction| {},
        )
        .await
        .unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(calls, 1);
    }
}
