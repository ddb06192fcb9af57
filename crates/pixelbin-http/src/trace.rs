//! One tracing span per request.
//!
//! The span `pixelbin_http.request` carries `method`, `host`, `path` (never
//! the query string: presigned URLs carry signatures there), `attempt`
//! (recorded by the retry layer) and the final `status`. Retries are logged
//! at WARN inside it. Headers are never recorded, so neither is the
//! `Authorization` header.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tower::{Layer, Service};
use tracing::Instrument as _;

use crate::error::Error;
use crate::transport::{HttpRequest, HttpResponse};

/// Tower layer opening the request span.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        TraceService { inner }
    }
}

/// Service made by [`TraceLayer`].
#[derive(Clone, Debug)]
pub struct TraceService<S> {
    inner: S,
}

impl<S> Service<HttpRequest> for TraceService<S>
where
    S: Service<HttpRequest, Response = HttpResponse, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        let span = tracing::info_span!(
            "pixelbin_http.request",
            method = %req.method(),
            host = %req.uri().host().unwrap_or(""),
            path = %req.uri().path(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
        );
        let fut = {
            let _enter = span.enter();
            self.inner.call(req)
        };
        let record = span.clone();
        Box::pin(
            async move {
                let started = tokio::time::Instant::now();
                let result = fut.await;
                let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                match &result {
                    Ok(resp) => {
                        record.record("status", resp.status().as_u16());
                        tracing::debug!(elapsed_ms, "response received");
                    }
                    Err(err) => tracing::debug!(elapsed_ms, error = %err, "request failed"),
                }
                result
            }
            .instrument(span),
        )
    }
}
