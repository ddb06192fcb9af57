//! What is retried, and why. All retry decisions of the SDK live here.
//!
//! A request is sent again only when doing so cannot do harm:
//!
//! | outcome of an attempt                                   | idempotent request¹ | other request (POST, PATCH) |
//! |---------------------------------------------------------|---------------------|-----------------------------|
//! | never reached the server (connection refused, DNS, TLS) | retry               | retry                       |
//! | `429 Too Many Requests`                                 | retry               | retry                       |
//! | `500`, `502`, `503`, `504` and other 5xx², `408`        | retry               | **no**                      |
//! | timeout, connection lost after sending                  | retry               | **no**                      |
//! | a downloaded body stalls, breaks or times out           | retry from the start (GET) | —                    |
//! | any other status (`400`, `401`, `403`, `404`, ...)      | no                  | no                          |
//!
//! ¹ `GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`, `TRACE`, or any request marked
//! with [`ApiRequest::idempotent(true)`](crate::ApiRequest::idempotent) (upload
//! parts, for example). `idempotent(false)` takes a method's idempotency away.
//!
//! ² except `501 Not Implemented` and `505 HTTP Version Not Supported`, which
//! will not change on a second try.
//!
//! Why: a request that never reached the server cannot have had an effect. A
//! `429` is a refusal before any work is done, so even a `POST` is safe to
//! repeat. A `POST` that timed out or got a 5xx may have been carried out (a
//! prediction created and billed), so repeating it could do the work twice;
//! the caller decides by marking it idempotent.
//!
//! How long to wait: the server's `Retry-After` (seconds or an HTTP date) when
//! present, otherwise exponential backoff with full jitter — a random delay
//! between zero and `initial_backoff * exponential_factor^retry` (factor 2 by
//! default) — so clients that failed together do not come back together. Every
//! delay is capped at `max_backoff`. Retrying stops after `max_retries`
//! retries, or when the next attempt would start after `retry_deadline` has
//! passed since the first one; the last outcome is then returned as it is.
//!
//! The transport's configured [`RetryPolicy`] applies to every request; a
//! request may carry its own ([`ApiRequest::retry`](crate::ApiRequest::retry)),
//! as upload parts do with the reference's `maxRetries` and
//! `exponentialFactor`. A per-request policy changes how often and how long,
//! never what: the table above holds for every request.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};
use rand::Rng;
use tower::{Layer, Service, ServiceExt};

use crate::error::Error;
use crate::request::RequestOptions;
use crate::transport::{HttpRequest, HttpResponse};

/// How often and how long to retry. `Default`: 3 retries, 200 ms initial
/// backoff growing by a factor of 2, 10 s maximum backoff, 60 s overall deadline.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// Upper bound of the first backoff; multiplied by `exponential_factor`
    /// with each retry.
    pub initial_backoff: Duration,
    /// Growth of the backoff bound per retry (the reference upload's
    /// `exponentialFactor`; default 2). A factor that is negative or not a
    /// number counts as 0 (no wait after the first retry).
    pub exponential_factor: f64,
    /// No single wait is longer than this, `Retry-After` included.
    pub max_backoff: Duration,
    /// No retry starts later than this after the first attempt began.
    pub retry_deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            exponential_factor: 2.0,
            max_backoff: Duration::from_secs(10),
            retry_deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (0 for the first retry) when
    /// the server gave no `Retry-After`: uniformly random in
    /// `0..=min(max_backoff, initial_backoff * exponential_factor^retry)` ("full jitter").
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.backoff_ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }

    /// The upper bound of [`backoff`](Self::backoff) for retry number `retry`.
    pub fn backoff_ceiling(&self, retry: u32) -> Duration {
        let factor = if self.exponential_factor >= 0.0 {
            self.exponential_factor
        } else {
            0.0 // negative or NaN
        };
        let secs = self.initial_backoff.as_secs_f64() * factor.powf(f64::from(retry));
        if secs.is_nan() {
            // 0 * infinity: no wait, as 0^n.
            return Duration::ZERO;
        }
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// The wait before retry number `retry`: the server's `Retry-After` hint
    /// when there is one, else [`backoff`](Self::backoff); never above `max_backoff`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(hint) => hint.min(self.max_backoff),
            None => self.backoff(retry),
        }
    }
}

/// What one request met on its way, for a caller that sets its own pace (the
/// uploader's concurrency): answers that asked it to slow down (429 Too Many
/// Requests, 503 Service Unavailable) and attempts that failed otherwise in a
/// way worth retrying (a timeout, a lost connection, another 5xx), whether
/// they were retried or ended the request. See
/// [`ApiRequest::record_pushback`](crate::ApiRequest::record_pushback).
/// Clones share the counts.
#[derive(Clone, Debug, Default)]
pub struct Pushback(Arc<PushbackCounts>);

#[derive(Debug, Default)]
struct PushbackCounts {
    throttled: AtomicU32,
    failed: AtomicU32,
}

impl Pushback {
    /// Counts at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers that asked the request to slow down (429, 503).
    pub fn throttled(&self) -> u32 {
        self.0.throttled.load(Ordering::Relaxed)
    }

    /// Attempts that failed otherwise, in a way worth retrying.
    pub fn failed(&self) -> u32 {
        self.0.failed.load(Ordering::Relaxed)
    }

    /// Whether the request met any pushback at all.
    pub fn any(&self) -> bool {
        self.throttled() > 0 || self.failed() > 0
    }

    /// Counts one attempt's outcome.
    fn record(&self, result: &Result<HttpResponse, Error>, decision: &RetryDecision) {
        let counter = match (result, decision) {
            (Ok(resp), _) if is_throttle_status(resp.status()) => &self.0.throttled,
            (_, RetryDecision::Retry { .. }) => &self.0.failed,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Two values are equal when they share their counts.
impl PartialEq for Pushback {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Whether an answer asks the client to slow down.
pub(crate) fn is_throttle_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    )
}

/// Why an attempt is worth repeating.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub(crate) enum RetryReason {
    /// The request never reached the server.
    NotSent,
    /// The attempt timed out.
    Timeout,
    /// The connection broke after the request may have been sent.
    ConnectionLost,
    /// The server answered with a retryable status.
    Status(StatusCode),
}

impl std::fmt::Display for RetryReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RetryReason::NotSent => f.write_str("request not sent (connection failed)"),
            RetryReason::Timeout => f.write_str("attempt timed out"),
            RetryReason::ConnectionLost => f.write_str("connection lost"),
            RetryReason::Status(s) => write!(f, "status {}", s.as_u16()),
        }
    }
}

/// The verdict of [`classify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryDecision {
    /// Sending the request again is safe and may succeed.
    Retry {
        /// What went wrong.
        reason: RetryReason,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// Give this outcome to the caller.
    DoNotRetry,
}

/// The outcome of one attempt, as [`classify`] sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Outcome<'a> {
    /// A response arrived (any status).
    Response {
        /// Its status.
        status: StatusCode,
        /// Its headers (for `Retry-After`).
        headers: &'a HeaderMap,
    },
    /// No response arrived.
    Error(&'a Error),
}

/// Whether `method` is idempotent by definition (RFC 9110 §9.2.2).
pub(crate) fn is_idempotent_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a status may turn out differently on another try (5xx except
/// 501 and 505, 408, 429).
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    match status {
        StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::NOT_IMPLEMENTED | StatusCode::HTTP_VERSION_NOT_SUPPORTED => false,
        s => s.is_server_error(),
    }
}

/// Decides whether an attempt should be repeated; see the module docs for the rules.
///
/// `idempotent` says whether repeating the request is harmless: usually
/// [`is_idempotent_method`], or what the caller marked.
pub(crate) fn classify(outcome: Outcome<'_>, idempotent: bool) -> RetryDecision {
    match outcome {
        Outcome::Response { status, headers } => {
            let safe = status == StatusCode::TOO_MANY_REQUESTS || idempotent;
            if safe && is_retryable_status(status) {
                RetryDecision::Retry {
                    reason: RetryReason::Status(status),
                    retry_after: parse_retry_after(headers, SystemTime::now()),
                }
            } else {
                RetryDecision::DoNotRetry
            }
        }
        Outcome::Error(err) => {
            let reason = match err {
                Error::Transport { not_sent: true, .. } => {
                    return RetryDecision::Retry {
                        reason: RetryReason::NotSent,
                        retry_after: None,
                    };
                }
                Error::Transport { .. } => RetryReason::ConnectionLost,
                Error::Timeout { .. } | Error::Stalled { .. } => RetryReason::Timeout,
                // Errors made before sending (bad input) or after a complete
                // response (decoding) will not change.
                _ => return RetryDecision::DoNotRetry,
            };
            if idempotent {
                RetryDecision::Retry {
                    reason,
                    retry_after: None,
                }
            } else {
                RetryDecision::DoNotRetry
            }
        }
    }
}

/// What a caller may do with a request that failed with `error` after the transport's own
/// retries, when it wants to try again later itself (a batch re-queueing a create, a poll loop
/// polling again). The same table as the transport's: see the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AfterError {
    /// Sending it again is safe and may succeed: the server never saw it, refused it before
    /// doing any work (`429`), or the request is idempotent and the failure may pass.
    SendAgain {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The request may have been carried out (a timeout, a connection lost after sending, a
    /// 5xx to a `POST`): sending it again could do the work twice, so the caller must find out
    /// instead.
    Uncertain,
    /// It would fail the same way again.
    Final,
}

/// Sorts a failed request's `error` per the table in the [module docs](self); `idempotent`
/// says whether repeating the request is harmless.
///
/// ```
/// use pixelbin_http::{Error, http::StatusCode, retry::{AfterError, after_error}};
///
/// let busy = Error::from_response(StatusCode::TOO_MANY_REQUESTS, b"{}");
/// assert!(matches!(after_error(&busy, false), AfterError::SendAgain { .. }));
/// let broken = Error::from_response(StatusCode::BAD_GATEWAY, b"{}");
/// assert_eq!(after_error(&broken, false), AfterError::Uncertain);
/// assert!(matches!(after_error(&broken, true), AfterError::SendAgain { .. }));
/// let bad = Error::from_response(StatusCode::BAD_REQUEST, b"{}");
/// assert_eq!(after_error(&bad, true), AfterError::Final);
/// ```
pub fn after_error(error: &Error, idempotent: bool) -> AfterError {
    let decide = |idempotent| match error {
        Error::Api { status, .. } => match StatusCode::from_u16(*status) {
            Ok(status) => classify(
                Outcome::Response {
                    status,
                    headers: &HeaderMap::new(),
                },
                idempotent,
            ),
            Err(_) => RetryDecision::DoNotRetry,
        },
        other => classify(Outcome::Error(other), idempotent),
    };
    match (decide(idempotent), idempotent) {
        (RetryDecision::Retry { .. }, _) => AfterError::SendAgain {
            retry_after: error.retry_after(),
        },
        // What only idempotence would make safe to repeat may have been done.
        (RetryDecision::DoNotRetry, false)
            if matches!(decide(true), RetryDecision::Retry { .. }) =>
        {
            AfterError::Uncertain
        }
        (RetryDecision::DoNotRetry, _) => AfterError::Final,
    }
}

/// Reads `Retry-After` as delay-seconds or an HTTP date (relative to `now`).
/// A date in the past means "now"; anything unparsable is ignored.
pub(crate) fn parse_retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Tower layer that repeats attempts as the table of the [module docs](self) allows.
#[derive(Clone, Debug)]
pub struct RetryLayer {
    policy: RetryPolicy,
}

impl RetryLayer {
    /// A layer applying `policy` (per-request `max_retries` overrides it).
    pub fn new(policy: RetryPolicy) -> Self {
        RetryLayer { policy }
    }
}

impl<S> Layer<S> for RetryLayer {
    type Service = RetryService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RetryService {
            inner,
            policy: self.policy.clone(),
        }
    }
}

/// Service made by [`RetryLayer`].
#[derive(Clone, Debug)]
pub struct RetryService<S> {
    inner: S,
    policy: RetryPolicy,
}

impl<S> Service<HttpRequest> for RetryService<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        // The ready clone serves the first attempt; later attempts wait for
        // readiness of their own clone.
        let fresh = self.inner.clone();
        let first = std::mem::replace(&mut self.inner, fresh);
        let policy = self.policy.clone();
        Box::pin(retry_loop(first, self.inner.clone(), policy, req))
    }
}

async fn retry_loop<S>(
    first: S,
    inner: S,
    policy: RetryPolicy,
    req: HttpRequest,
) -> Result<HttpResponse, Error>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let options = req
        .extensions()
        .get::<RequestOptions>()
        .cloned()
        .unwrap_or_default();
    let idempotent = options
        .idempotent
        .unwrap_or_else(|| is_idempotent_method(req.method()));
    let policy = options.retry.clone().unwrap_or(policy);
    let max_retries = options.max_retries.unwrap_or(policy.max_retries);
    let started = tokio::time::Instant::now();
    let span = tracing::Span::current();

    let mut first = Some(first);
    let mut retries: u32 = 0;
    loop {
        span.record("attempt", retries + 1);
        let attempt = clone_request(&req);
        let result = match first.take() {
            Some(mut ready) => ready.call(attempt).await,
            None => inner.clone().oneshot(attempt).await,
        };
        let decision = match &result {
            Ok(resp) => classify(
                Outcome::Response {
                    status: resp.status(),
                    headers: resp.headers(),
                },
                idempotent,
            ),
            Err(err) => classify(Outcome::Error(err), idempotent),
        };
        if let Some(pushback) = &options.pushback {
            pushback.record(&result, &decision);
        }
        let RetryDecision::Retry {
            reason,
            retry_after,
        } = decision
        else {
            return result;
        };
        if retries >= max_retries {
            if max_retries > 0 {
                tracing::warn!(attempts = retries + 1, %reason, "giving up after the maximum number of retries");
            }
            return result;
        }
        let delay = policy.delay(retries, retry_after);
        if started.elapsed().saturating_add(delay) > policy.retry_deadline {
            tracing::warn!(attempts = retries + 1, %reason, "giving up: the retry deadline would pass");
            return result;
        }
        tracing::warn!(
            attempt = retries + 1,
            %reason,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "retrying request"
        );
        // Free the connection of the failed response before waiting.
        drop(result);
        tokio::time::sleep(delay).await;
        retries += 1;
    }
}

/// A fresh copy of a request; bodies are replayable ([`crate::Body`] clones share bytes).
pub(crate) fn clone_request(req: &HttpRequest) -> HttpRequest {
    let mut out = http::Request::new(req.body().clone());
    *out.method_mut() = req.method().clone();
    *out.uri_mut() = req.uri().clone();
    *out.version_mut() = req.version();
    *out.headers_mut() = req.headers().clone();
    *out.extensions_mut() = req.extensions().clone();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn response(status: u16) -> (StatusCode, HeaderMap) {
        (StatusCode::from_u16(status).unwrap(), HeaderMap::new())
    }

    fn decide(status: u16, idempotent: bool) -> RetryDecision {
        let (status, headers) = response(status);
        classify(
            Outcome::Response {
                status,
                headers: &headers,
            },
            idempotent,
        )
    }

    #[test]
    fn statuses_follow_the_table() {
        for s in [500, 502, 503, 504, 408, 429] {
            assert!(
                matches!(decide(s, true), RetryDecision::Retry { .. }),
                "{s}"
            );
        }
        for s in [200, 204, 400, 401, 403, 404, 409, 422, 501, 505] {
            assert_eq!(decide(s, true), RetryDecision::DoNotRetry, "{s}");
        }
        // A POST that may have been carried out is left alone ...
        for s in [500, 502, 503, 504, 408] {
            assert_eq!(decide(s, false), RetryDecision::DoNotRetry, "{s}");
        }
        // ... but a rate-limit refusal is safe to repeat.
        assert!(matches!(decide(429, false), RetryDecision::Retry { .. }));
    }

    #[test]
    fn errors_follow_the_table() {
        let not_sent = Error::Transport {
            message: "refused".into(),
            not_sent: true,
            source: None,
        };
        let lost = Error::Transport {
            message: "reset".into(),
            not_sent: false,
            source: None,
        };
        let timeout = Error::Timeout {
            after: Duration::from_secs(1),
        };
        for idempotent in [true, false] {
            assert!(matches!(
                classify(Outcome::Error(&not_sent), idempotent),
                RetryDecision::Retry {
                    reason: RetryReason::NotSent,
                    ..
                }
            ));
        }
        assert!(matches!(
            classify(Outcome::Error(&timeout), true),
            RetryDecision::Retry {
                reason: RetryReason::Timeout,
                ..
            }
        ));
        assert_eq!(
            classify(Outcome::Error(&timeout), false),
            RetryDecision::DoNotRetry
        );
        assert!(matches!(
            classify(Outcome::Error(&lost), true),
            RetryDecision::Retry {
                reason: RetryReason::ConnectionLost,
                ..
            }
        ));
        assert_eq!(
            classify(Outcome::Error(&lost), false),
            RetryDecision::DoNotRetry
        );
        let bad = Error::IllegalArgument("x".into());
        assert_eq!(
            classify(Outcome::Error(&bad), true),
            RetryDecision::DoNotRetry
        );
    }

    #[test]
    fn failed_requests_are_sorted_by_the_same_table() {
        let status = |code: u16| Error::from_response(StatusCode::from_u16(code).unwrap(), b"{}");
        let again = |retry_after| AfterError::SendAgain { retry_after };
        let not_sent = Error::Transport {
            message: "refused".into(),
            not_sent: true,
            source: None,
        };
        let lost = Error::Transport {
            message: "reset".into(),
            not_sent: false,
            source: None,
        };
        let timeout = Error::Timeout {
            after: Duration::from_secs(1),
        };
        let mut limited = status(429);
        if let Error::Api {
            retry_after_secs, ..
        } = &mut limited
        {
            *retry_after_secs = Some(7);
        }
        let cases: [(&Error, AfterError, AfterError); 9] = [
            (&not_sent, again(None), again(None)),
            (
                &limited,
                again(Some(Duration::from_secs(7))),
                again(Some(Duration::from_secs(7))),
            ),
            (&status(503), again(None), AfterError::Uncertain),
            (&status(408), again(None), AfterError::Uncertain),
            (&lost, again(None), AfterError::Uncertain),
            (&timeout, again(None), AfterError::Uncertain),
            (&status(501), AfterError::Final, AfterError::Final),
            (&status(403), AfterError::Final, AfterError::Final),
            (
                &Error::IllegalArgument("x".into()),
                AfterError::Final,
                AfterError::Final,
            ),
        ];
        for (error, idempotent, other) in cases {
            assert_eq!(after_error(error, true), idempotent, "{error:?}");
            assert_eq!(after_error(error, false), other, "{error:?}");
            assert_eq!(
                error.is_retryable(),
                matches!(idempotent, AfterError::SendAgain { .. }),
                "{error:?}"
            );
        }
    }

    #[test]
    fn idempotent_methods() {
        for m in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(is_idempotent_method(&m), "{m}");
        }
        assert!(!is_idempotent_method(&Method::POST));
        assert!(!is_idempotent_method(&Method::PATCH));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        assert_eq!(parse_retry_after(&headers, now), None);
        headers.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(
            parse_retry_after(&headers, now),
            Some(Duration::from_secs(7))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        headers.insert("retry-after", HeaderValue::from_str(&later).unwrap());
        assert_eq!(
            parse_retry_after(&headers, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        headers.insert("retry-after", HeaderValue::from_str(&earlier).unwrap());
        assert_eq!(parse_retry_after(&headers, now), Some(Duration::ZERO));
        headers.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers, now), None);

        let (status, mut headers) = response(429);
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(
            classify(
                Outcome::Response {
                    status,
                    headers: &headers
                },
                false
            ),
            RetryDecision::Retry {
                reason: RetryReason::Status(StatusCode::TOO_MANY_REQUESTS),
                retry_after: Some(Duration::from_secs(2)),
            }
        );
    }

    #[test]
    fn backoff_is_exponential_jittered_and_capped() {
        let policy = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            retry_deadline: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff_ceiling(0), Duration::from_millis(100));
        assert_eq!(policy.backoff_ceiling(1), Duration::from_millis(200));
        assert_eq!(policy.backoff_ceiling(3), Duration::from_millis(800));
        assert_eq!(policy.backoff_ceiling(4), Duration::from_secs(1));
        assert_eq!(policy.backoff_ceiling(100), Duration::from_secs(1));
        let samples: Vec<_> = (0..200).map(|_| policy.backoff(2)).collect();
        assert!(samples.iter().all(|d| *d <= Duration::from_millis(400)));
        // Full jitter spreads the delays; 200 identical samples would mean no jitter.
        assert!(samples.iter().any(|d| *d != samples[0]));
        // Retry-After is honoured but clamped to max_backoff.
        assert_eq!(
            policy.delay(0, Some(Duration::from_millis(300))),
            Duration::from_millis(300)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(1)
        );
        assert_eq!(RetryPolicy::none().max_retries, 0);
    }

    #[test]
    fn the_exponential_factor_sets_the_growth() {
        let policy = |factor: f64| RetryPolicy {
            initial_backoff: Duration::from_secs(1),
            exponential_factor: factor,
            max_backoff: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        let three = policy(3.0);
        assert_eq!(three.backoff_ceiling(0), Duration::from_secs(1));
        assert_eq!(three.backoff_ceiling(1), Duration::from_secs(3));
        assert_eq!(three.backoff_ceiling(2), Duration::from_secs(9));
        assert_eq!(three.backoff_ceiling(10), Duration::from_secs(60));
        assert_eq!(three.backoff_ceiling(u32::MAX), Duration::from_secs(60));
        // Factor 0 waits only before the first retry; 1 keeps the delay flat.
        assert_eq!(policy(0.0).backoff_ceiling(1), Duration::ZERO);
        assert_eq!(policy(1.0).backoff_ceiling(7), Duration::from_secs(1));
        for odd in [-2.0, f64::NAN] {
            assert_eq!(policy(odd).backoff_ceiling(0), Duration::from_secs(1));
            assert_eq!(policy(odd).backoff_ceiling(2), Duration::ZERO);
        }
        assert_eq!(
            policy(f64::INFINITY).backoff_ceiling(1),
            Duration::from_secs(60)
        );
    }
}
