//! Time limit of one attempt.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tower::{Layer, Service};

use crate::error::Error;
use crate::request::RequestOptions;
use crate::transport::HttpRequest;

/// Tower layer failing an attempt with [`Error::Timeout`] when no response
/// headers arrived in time. The limit is the request's
/// [`ApiRequest::timeout`](crate::ApiRequest::timeout), else the configured one.
///
/// It sits inside the retry layer, so each attempt gets the full time.
#[derive(Clone, Debug)]
pub struct TimeoutLayer {
    default: Duration,
}

impl TimeoutLayer {
    /// A layer with `default` as the limit for requests that set none.
    pub fn new(default: Duration) -> Self {
        TimeoutLayer { default }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = TimeoutService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        TimeoutService {
            inner,
            default: self.default,
        }
    }
}

/// Service made by [`TimeoutLayer`].
#[derive(Clone, Debug)]
pub struct TimeoutService<S> {
    inner: S,
    default: Duration,
}

impl<S, R> Service<HttpRequest> for TimeoutService<S>
where
    S: Service<HttpRequest, Response = R, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = R;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<R, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        let after = request_timeout(&req, self.default);
        let fut = self.inner.call(req);
        Box::pin(async move {
            match tokio::time::timeout(after, fut).await {
                Ok(result) => result,
                Err(_) => Err(Error::Timeout { after }),
            }
        })
    }
}

/// The time limit that applies to `req`.
pub(crate) fn request_timeout(req: &HttpRequest, default: Duration) -> Duration {
    req.extensions()
        .get::<RequestOptions>()
        .and_then(|o| o.timeout)
        .unwrap_or(default)
}
