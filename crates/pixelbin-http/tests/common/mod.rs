//! Helpers shared by the integration tests (loopback only).

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pixelbin_http::{
    Error, HttpRequest, HttpResponse, HttpService, PixelbinConfig, RetryPolicy, Transport,
};
use tower::ServiceBuilder;

pub const SECRET: &str = "test-secret-0123456789";

/// base64("test-secret-0123456789")
pub const SECRET_B64: &str = "dGVzdC1zZWNyZXQtMDEyMzQ1Njc4OQ==";

/// A retry policy with millisecond backoffs so wire tests stay fast.
pub fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(10),
        retry_deadline: Duration::from_secs(10),
        ..RetryPolicy::default()
    }
}

pub fn config(domain: &str, retry: RetryPolicy) -> PixelbinConfig {
    PixelbinConfig::builder()
        .api_secret(SECRET)
        .domain(domain)
        .retry(retry)
        .build()
        .expect("valid test config")
}

/// A transport whose innermost service is the real reqwest service, wrapped
/// in a counter of attempts that reach the wire.
pub fn counting_transport(config: PixelbinConfig) -> (Transport, Arc<AtomicUsize>) {
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let timeout = config.http().timeout;
    let service = ServiceBuilder::new()
        .map_request(move |req: HttpRequest| {
            counter.fetch_add(1, Ordering::SeqCst);
            req
        })
        .service(HttpService::new(reqwest::Client::new(), timeout));
    let transport = Transport::builder(config)
        .service(service)
        .build()
        .expect("transport");
    (transport, attempts)
}

/// An in-memory innermost service answering with `respond(attempt_number)`,
/// counting attempts. No sockets, so paused tokio time is safe.
pub fn fake_transport<F, Fut>(config: PixelbinConfig, respond: F) -> (Transport, Arc<AtomicUsize>)
where
    F: Fn(usize, HttpRequest) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<HttpResponse, Error>> + Send + 'static,
{
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let service = tower::service_fn(move |req: HttpRequest| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        respond(n, req)
    });
    let transport = Transport::builder(config)
        .service(service)
        .build()
        .expect("transport");
    (transport, attempts)
}

pub fn response(status: u16, headers: &[(&str, &str)], body: &'static str) -> HttpResponse {
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(reqwest::Body::from(body))
        .expect("valid test response")
}

pub fn count(attempts: &AtomicUsize) -> usize {
    attempts.load(Ordering::SeqCst)
}
