//! The `Authorization` header, added only for the configured API origin.
//!
//! Pixelbin expects `Authorization: Bearer <base64(api_secret)>`. The header is
//! added only when the request's origin (scheme, host and port) equals the
//! configured domain's and the request did not opt out with
//! [`ApiRequest::without_auth`](crate::ApiRequest::without_auth): presigned
//! upload URLs live on other hosts or carry their own signature, and the
//! secret must never leave for a host it does not belong to.

use std::task::{Context, Poll};

use base64::Engine as _;
use http::HeaderValue;
use secrecy::ExposeSecret;
use tower::{Layer, Service};
use url::Url;

use crate::config::PixelbinConfig;
use crate::error::Error;
use crate::request::RequestOptions;
use crate::transport::HttpRequest;

/// Tower layer adding the API credential to requests for the API origin.
#[derive(Clone)]
pub struct AuthLayer {
    api: ApiOrigin,
    header: HeaderValue,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer")
            .field("api", &self.api)
            .field("header", &crate::Redacted)
            .finish()
    }
}

impl AuthLayer {
    /// A layer for `config`'s domain and secret.
    pub fn new(config: &PixelbinConfig) -> Result<Self, Error> {
        let token = base64::engine::general_purpose::STANDARD
            .encode(config.api_secret().expose_secret().as_bytes());
        let mut header = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            // Base64 is always a valid header value; kept as an error, not a panic.
            Error::InvalidCredential("Invalid API Secret Token".into())
        })?;
        // Keeps the value out of Debug output and HTTP/2 header compression tables.
        header.set_sensitive(true);
        Ok(AuthLayer {
            api: ApiOrigin::from_url(config.domain()),
            header,
        })
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service made by [`AuthLayer`].
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

impl<S> Service<HttpRequest> for AuthService<S>
where
    S: Service<HttpRequest>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: HttpRequest) -> Self::Future {
        let allowed = req
            .extensions()
            .get::<RequestOptions>()
            .is_none_or(|o| o.auth);
        if allowed
            && self.layer.api.matches(req.uri())
            && !req.headers().contains_key(http::header::AUTHORIZATION)
        {
            req.headers_mut()
                .insert(http::header::AUTHORIZATION, self.layer.header.clone());
        }
        self.inner.call(req)
    }
}

/// Scheme, host and port of the API domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiOrigin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl ApiOrigin {
    pub(crate) fn from_url(url: &Url) -> Self {
        ApiOrigin {
            scheme: url.scheme().to_ascii_lowercase(),
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            port: url.port_or_known_default(),
        }
    }

    /// Whether `uri` has exactly this origin (default ports filled in).
    pub(crate) fn matches(&self, uri: &http::Uri) -> bool {
        let Some(scheme) = uri.scheme_str() else {
            return false;
        };
        let Some(host) = uri.host() else {
            return false;
        };
        let port = uri.port_u16().or(match scheme {
            "http" => Some(80),
            "https" => Some(443),
            _ => None,
        });
        scheme.eq_ignore_ascii_case(&self.scheme)
            && host.eq_ignore_ascii_case(&self.host)
            && port == self.port
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> ApiOrigin {
        ApiOrigin::from_url(&Url::parse(s).unwrap())
    }

    #[test]
    fn origin_matching() {
        let api = origin("https://api.pixelbin.io");
        for yes in [
            "https://api.pixelbin.io/service/x",
            "https://API.pixelbin.io:443/a?b=c",
        ] {
            assert!(api.matches(&yes.parse().unwrap()), "{yes}");
        }
        for no in [
            "http://api.pixelbin.io/a",
            "https://api.pixelbin.io:8443/a",
            "https://api.pixelbin.io.evil.test/a",
            "https://upload.pixelbin.io/a",
            "/relative",
        ] {
            assert!(!api.matches(&no.parse().unwrap()), "{no}");
        }
        let local = origin("http://127.0.0.1:8080");
        assert!(local.matches(&"http://127.0.0.1:8080/x".parse().unwrap()));
        assert!(!local.matches(&"http://127.0.0.1:8081/x".parse().unwrap()));
    }

    #[test]
    fn header_is_sensitive_and_redacted() {
        let config = PixelbinConfig::new("my-secret").unwrap();
        let layer = AuthLayer::new(&config).unwrap();
        assert!(layer.header.is_sensitive());
        assert_eq!(layer.header, "Bearer bXktc2VjcmV0");
        let debug = format!("{layer:?}");
        assert!(!debug.contains("bXktc2VjcmV0"), "{debug}");
        assert!(debug.contains("header: [REDACTED]"), "{debug}");
        assert_eq!(format!("{:?}", layer.header), "Sensitive");
    }
}
