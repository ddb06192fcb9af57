//! The retry policy of part and completion requests, in one place.
//!
//! What is retried: timeouts, connection failures, 5xx, 408 and 429
//! ([`pixelbin_http::Error::is_retryable`]). What is not: any other 4xx (the
//! request itself is wrong: bad signature, expired URL, ...) and responses that
//! cannot be decoded. The delay before retry `n` (from 0) is
//! `initial_backoff * exponential_factor^n`, capped at [`MAX_BACKOFF`], with
//! "equal jitter" (a random point in its upper half) so parallel parts that
//! failed together do not retry in lockstep.
//!
//! These requests are sent with the transport's own retries turned off
//! (`ApiRequest::max_retries(0)`): two nested retry loops would multiply (3 x 3
//! attempts per part with the defaults) and the transport's policy knows
//! nothing of `maxRetries`/`exponentialFactor`, which the caller set for parts.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::options::{MAX_BACKOFF, UploadOptions};

/// How often and how patiently one request is retried.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    pub(crate) max_retries: u32,
    factor: f64,
    initial: Duration,
    max: Duration,
}

/// The last error of a request that could not be completed.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error: pixelbin_http::Error,
    pub(crate) attempts: u32,
}

impl Backoff {
    pub(crate) fn from_options(options: &UploadOptions) -> Self {
        Backoff {
            max_retries: options.max_retries,
            factor: options.exponential_factor,
            initial: options.initial_backoff,
            max: MAX_BACKOFF,
        }
    }

    /// The delay before retry `retry` (from 0), without jitter.
    pub(crate) fn base_delay(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * self.factor.powi(exponent);
        if secs.is_finite() && secs < self.max.as_secs_f64() {
            Duration::from_secs_f64(secs.max(0.0))
        } else {
            self.max
        }
    }

    /// The delay before retry `retry`, jittered into `[base/2, base]`.
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let base = self.base_delay(retry);
        let half = base / 2;
        let jitter = rand::rng().random_range(0.0..=1.0);
        half + half.mul_f64(jitter)
    }
}

/// Whether an error is worth another attempt.
pub(crate) fn is_retryable(error: &pixelbin_http::Error) -> bool {
    error.is_retryable()
}

/// Runs `attempt` until it succeeds, fails with an error that is not
/// retryable, or has been retried `backoff.max_retries` times.
pub(crate) async fn with_retries<T, W, F, Fut>(
    backoff: &Backoff,
    what: W,
    mut attempt: F,
) -> Result<T, Failure>
where
    W: Fn() -> String,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, pixelbin_http::Error>>,
{
    let mut retry = 0;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) if retry < backoff.max_retries && is_retryable(&error) => {
                let delay = backoff.delay(retry);
                tracing::debug!(
                    target: "pixelbin_upload",
                    attempt = retry + 1,
                    delay_ms = delay.as_millis() as u64,
                    error = %error,
                    "{} failed; retrying",
                    what()
                );
                retry += 1;
                tokio::time::sleep(delay).await;
            }
            Err(error) => {
                return Err(Failure {
                    error,
                    attempts: retry + 1,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use pixelbin_http::http::StatusCode;

    use super::*;

    fn backoff(max_retries: u32, factor: f64, initial_ms: u64) -> Backoff {
        Backoff::from_options(
            &UploadOptions::default()
                .max_retries(max_retries)
                .exponential_factor(factor)
                .initial_backoff(Duration::from_millis(initial_ms)),
        )
    }

    fn api_error(status: u16) -> pixelbin_http::Error {
        pixelbin_http::Error::from_response(StatusCode::from_u16(status).unwrap(), b"{}")
    }

    #[test]
    fn delays_grow_by_the_factor_and_are_capped() {
        let b = backoff(5, 3.0, 1000);
        assert_eq!(b.base_delay(0), Duration::from_secs(1));
        assert_eq!(b.base_delay(1), Duration::from_secs(3));
        assert_eq!(b.base_delay(2), Duration::from_secs(9));
        assert_eq!(b.base_delay(10), MAX_BACKOFF);
        assert_eq!(b.base_delay(u32::MAX), MAX_BACKOFF);
        let b = backoff(5, 0.0, 1000);
        assert_eq!(b.base_delay(0), Duration::from_secs(1));
        assert_eq!(b.base_delay(1), Duration::ZERO);
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let b = backoff(5, 2.0, 1000);
        for _ in 0..200 {
            let d = b.delay(1);
            assert!(
                d >= Duration::from_secs(1) && d <= Duration::from_secs(2),
                "{d:?}"
            );
        }
    }

    #[test]
    fn classification() {
        for status in [500, 502, 503, 504, 408, 429] {
            assert!(is_retryable(&api_error(status)), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 413] {
            assert!(!is_retryable(&api_error(status)), "{status}");
        }
        assert!(is_retryable(&pixelbin_http::Error::Timeout {
            after: Duration::from_secs(1)
        }));
    }

    async fn run(b: Backoff, outcomes: Vec<Result<(), u16>>) -> (Result<(), Failure>, u32) {
        let calls = AtomicU32::new(0);
        let result = with_retries(
            &b,
            || "part 1".to_owned(),
            || {
                let n = calls.fetch_add(1, Ordering::SeqCst) as usize;
                let outcome = outcomes.get(n).cloned().unwrap_or(Ok(()));
                async move { outcome.map_err(api_error) }
            },
        )
        .await;
        (result, calls.load(Ordering::SeqCst))
    }

    #[tokio::test(start_paused = true)]
    async fn retries_transient_failures_then_succeeds() {
        let started = tokio::time::Instant::now();
        let (result, calls) = run(backoff(2, 2.0, 1000), vec![Err(503), Err(500), Ok(())]).await;
        assert!(result.is_ok());
        assert_eq!(calls, 3);
        // Slept 0.5..=1 s then 1..=2 s (paused clock: no real waiting).
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(1500) && waited <= Duration::from_secs(3),
            "{waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_max_retries() {
        let (result, calls) = run(backoff(2, 2.0, 10), vec![Err(503); 5]).await;
        let failure = result.unwrap_err();
        assert_eq!((calls, failure.attempts), (3, 3));
        assert_eq!(failure.error.status(), Some(503));
    }

    #[tokio::test(start_paused = true)]
    async fn never_retries_a_4xx() {
        let (result, calls) = run(backoff(5, 2.0, 10), vec![Err(403), Ok(())]).await;
        assert_eq!(result.unwrap_err().attempts, 1);
        assert_eq!(calls, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn zero_retries_means_one_attempt() {
        let (result, calls) = run(backoff(0, 2.0, 10), vec![Err(503), Ok(())]).await;
        assert_eq!(result.unwrap_err().attempts, 1);
        assert_eq!(calls, 1);
    }
}
