//! Per-token limits the real service imposes: a request rate on platform routes
//! (`--rate-limit`) and a number of prediction jobs running at once (`--max-running-jobs`).
//!
//! Both answer 429 with `Retry-After` and the Pixelbin error body, so clients' back-off can be
//! tested. Time follows the tokio clock, so tests with paused time see limits lift as they advance.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use tokio::time::Instant;

use crate::wire::auth::token;
use crate::wire::errors::ApiError;

/// The window the request rate is counted over.
const RATE_WINDOW: Duration = Duration::from_secs(1);

/// Limits in force and what each API token has used of them.
pub struct Limits {
    rate_limit: Option<u32>,
    max_running_jobs: Option<u32>,
    /// Per token: when its recent platform requests arrived (only the last second's).
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// Per token: when each of its jobs reaches its final status.
    running: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Limits {
    /// Limits of `rate_limit` requests per second and `max_running_jobs` jobs per token
    /// (`None`: unlimited).
    pub fn new(rate_limit: Option<u32>, max_running_jobs: Option<u32>) -> Limits {
        Limits {
            rate_limit,
            max_running_jobs,
            recent: Mutex::default(),
            running: Mutex::default(),
        }
    }

    /// Counts one request on `path`; refuses it when its token already sent `rate_limit`
    /// platform requests in the last second. Requests without a token (public routes, or
    /// ones that will be 401) are not limited.
    pub fn admit_request(&self, path: &str, headers: &HeaderMap) -> Result<(), ApiError> {
        let Some(limit) = self.rate_limit else {
            return Ok(());
        };
        if !path.starts_with("/service/platform/") {
            return Ok(());
        }
        let Some(token) = token(headers) else {
            return Ok(());
        };
        let now = Instant::now();
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        let times = recent.entry(token).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= RATE_WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= limit as usize {
            let oldest = times.front().copied().unwrap_or(now);
            let wait = RATE_WINDOW.saturating_sub(now.duration_since(oldest));
            return Err(too_many(
                format!(
                    "Rate limit exceeded: at most {limit} requests per second per API token; retry after the time in Retry-After"
                ),
                wait,
            ));
        }
        times.push_back(now);
        Ok(())
    }

    /// Reserves a running-job slot for the token of `headers` until `done_at`; refuses when
    /// `max_running_jobs` of its jobs are still running.
    pub fn admit_job(&self, headers: &HeaderMap, done_at: Instant) -> Result<(), ApiError> {
        let Some(limit) = self.max_running_jobs else {
            return Ok(());
        };
        let token = token(headers).unwrap_or_default();
        let now = Instant::now();
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let jobs = running.entry(token).or_default();
        jobs.retain(|end| *end > now);
        if jobs.len() >= limit as usize {
            let first_end = jobs.iter().min().copied().unwrap_or(now);
            return Err(too_many(
                format!(
                    "Too many running predictions: at most {limit} per API token run at once; wait for one to finish, then retry"
                ),
                first_end.saturating_duration_since(now),
            ));
        }
        jobs.push(done_at);
        Ok(())
    }
}

/// A 429 with `Retry-After` in whole seconds, rounded up so a client honouring it is admitted.
fn too_many(message: String, wait: Duration) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsError",
        message,
    );
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    error.retry_after = Some(seconds.max(1));
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn bearer(token: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::AUTHORIZATION,
            HeaderValue::from_str(token).unwrap(),
        );
        headers
    }

    const PLATFORM: &str = "/service/platform/assets/v1.0/listFiles";

    #[tokio::test(start_paused = true)]
    async fn rate_is_per_token_per_second_on_platform_routes() {
        let limits = Limits::new(Some(2), None);
        let a = bearer("Bearer YQ==");
        assert!(limits.admit_request(PLATFORM, &a).is_ok());
        assert!(limits.admit_request(PLATFORM, &a).is_ok());
        let refused = limits.admit_request(PLATFORM, &a).unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.retry_after, Some(1));
        // Another token, a public route and an anonymous request are not affected.
        assert!(
            limits
                .admit_request(PLATFORM, &bearer("Bearer Yg=="))
                .is_ok()
        );
        assert!(
            limits
                .admit_request("/service/public/transformation/v1.0/predictions", &a)
                .is_ok()
        );
        assert!(limits.admit_request(PLATFORM, &HeaderMap::new()).is_ok());
        tokio::time::advance(Duration::from_millis(1000)).await;
        assert!(limits.admit_request(PLATFORM, &a).is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn running_jobs_free_their_slot_when_done() {
        let limits = Limits::new(None, Some(1));
        let a = bearer("Bearer YQ==");
        let done = Instant::now() + Duration::from_millis(1500);
        assert!(limits.admit_job(&a, done).is_ok());
        let refused = limits.admit_job(&a, done).unwrap_err();
        assert_eq!(refused.retry_after, Some(2));
        assert!(limits.admit_job(&bearer("Bearer Yg=="), done).is_ok());
        tokio::time::advance(Duration::from_millis(1500)).await;
        assert!(limits.admit_job(&a, Instant::now()).is_ok());
    }

    #[test]
    fn no_limits_admit_everything() {
        let limits = Limits::new(None, None);
        for _ in 0..100 {
            assert!(
                limits
                    .admit_request(PLATFORM, &bearer("Bearer YQ=="))
                    .is_ok()
            );
        }
    }
}
