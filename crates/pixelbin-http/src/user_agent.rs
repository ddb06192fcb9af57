//! The `User-Agent` header: `[<prefix> ]pixelbin-rust/<version>`.

use std::task::{Context, Poll};

use http::HeaderValue;
use tower::{Layer, Service};

use crate::config::HttpOptions;
use crate::error::Error;
use crate::transport::HttpRequest;

/// Tower layer setting the SDK's user agent on requests that have none.
///
/// It is a layer rather than a reqwest client setting so that it also applies
/// when the innermost service is replaced.
#[derive(Clone, Debug)]
pub struct UserAgentLayer {
    value: HeaderValue,
}

impl UserAgentLayer {
    /// A layer sending [`HttpOptions::user_agent`].
    pub fn new(http: &HttpOptions) -> Result<Self, Error> {
        let value = HeaderValue::from_str(&http.user_agent()).map_err(|_| {
            Error::IllegalArgument(
                "user_agent_prefix must be printable ASCII without line breaks".into(),
            )
        })?;
        Ok(UserAgentLayer { value })
    }
}

impl<S> Layer<S> for UserAgentLayer {
    type Service = UserAgentService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        UserAgentService {
            inner,
            value: self.value.clone(),
        }
    }
}

/// Service made by [`UserAgentLayer`].
#[derive(Clone, Debug)]
pub struct UserAgentService<S> {
    inner: S,
    value: HeaderValue,
}

impl<S: Service<HttpRequest>> Service<HttpRequest> for UserAgentService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: HttpRequest) -> Self::Future {
        req.headers_mut()
            .entry(http::header::USER_AGENT)
            .or_insert_with(|| self.value.clone());
        self.inner.call(req)
    }
}
