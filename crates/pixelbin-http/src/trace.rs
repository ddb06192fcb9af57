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
use url::Url;

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

/// `scheme://host[:port]/path`, with `?…` standing for a query: safe to log or
/// show in an error.
pub fn redacted_url(url: &Url) -> String {
    let mut out = format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""));
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    if url.query().is_some() {
        out.push_str("?…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_query_and_credentials() {
        let url = Url::parse("https://u:p@up.test:8443/a/b?pbs=abc&pbe=1#f").unwrap();
        assert_eq!(redacted_url(&url), "https://up.test:8443/a/b?…");
        let url = Url::parse("https://api.test/x").unwrap();
        assert_eq!(redacted_url(&url), "https://api.test/x");
    }
}
