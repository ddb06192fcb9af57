//! [`ApiRequest`]: what callers hand to [`Transport::send`](crate::Transport::send).

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use url::Url;

use crate::body::Body;
use crate::error::Error;
use crate::multipart::Form;
use crate::retry::{Pushback, RetryPolicy};
use crate::transport::HttpRequest;

/// One request to Pixelbin (or to a presigned upload URL).
///
/// ```
/// use pixelbin_http::ApiRequest;
///
/// let url = url::Url::parse("https://api.pixelbin.io/service/platform/assets/v1.0/listFiles")?;
/// let req = ApiRequest::get(url).query("name", "cat & dog").query("page", "2");
/// assert_eq!(req.full_url().query(), Some("name=cat+%26+dog&page=2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ApiRequest {
    method: Method,
    url: Url,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Body,
    options: RequestOptions,
}

/// Per-request settings that travel with the request through the tower stack
/// (as an `http::Request` extension), so layers can read them.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RequestOptions {
    /// `Some(true)`: safe to repeat after a timeout or 5xx even for POST;
    /// `Some(false)`: never repeat after the request may have arrived;
    /// `None`: decided by the method.
    pub idempotent: Option<bool>,
    /// Time limit of each attempt, instead of the configured one.
    pub timeout: Option<Duration>,
    /// Retries allowed, instead of the policy's `max_retries`.
    pub max_retries: Option<u32>,
    /// How often and how long to retry this request, instead of the
    /// configured policy (what is retried is always [`crate::retry`]'s table).
    pub retry: Option<RetryPolicy>,
    /// Whether the API `Authorization` header may be added (only ever for the
    /// configured API origin).
    pub auth: bool,
    /// Where this request's throttled and failed attempts are counted.
    pub pushback: Option<Pushback>,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            idempotent: None,
            timeout: None,
            max_retries: None,
            retry: None,
            auth: true,
            pushback: None,
        }
    }
}

impl ApiRequest {
    /// A request with any method.
    pub fn new(method: Method, url: Url) -> Self {
        ApiRequest {
            method,
            url,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Body::Empty,
            options: RequestOptions::default(),
        }
    }

    /// A `GET` request.
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// A `POST` request.
    pub fn post(url: Url) -> Self {
        Self::new(Method::POST, url)
    }

    /// A `PUT` request.
    pub fn put(url: Url) -> Self {
        Self::new(Method::PUT, url)
    }

    /// A `PATCH` request.
    pub fn patch(url: Url) -> Self {
        Self::new(Method::PATCH, url)
    }

    /// A `DELETE` request.
    pub fn delete(url: Url) -> Self {
        Self::new(Method::DELETE, url)
    }

    /// A `HEAD` request.
    pub fn head(url: Url) -> Self {
        Self::new(Method::HEAD, url)
    }

    /// Appends a query parameter (form-urlencoded), after any the URL already has.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets a header, replacing an earlier value of the same name.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Sets a JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> Result<Self, Error> {
        Ok(self.body(Body::json(value)?))
    }

    /// Sets a `multipart/form-data` body.
    pub fn multipart(self, form: Form) -> Self {
        self.body(Body::Multipart(form))
    }

    /// Marks the request safe (`true`) or unsafe (`false`) to repeat after it
    /// may have reached the server, overriding the method's default (e.g.
    /// upload parts sent with POST are safe). See [`crate::retry`].
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.options.idempotent = Some(yes);
        self
    }

    /// Time limit of each attempt of this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Retries allowed for this request (0: a single attempt).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.options.max_retries = Some(n);
        self
    }

    /// Retries this request per `policy` instead of the configured one
    /// (a [`max_retries`](Self::max_retries) set on the request still wins).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.options.retry = Some(policy);
        self
    }

    /// Counts in `pushback` what this request meets: answers that ask it to
    /// slow down (429, 503) and attempts that fail in a way worth retrying,
    /// retried or not. A caller that sets its own pace (the uploader's
    /// concurrency) backs off on them; the retries themselves are unchanged.
    ///
    /// ```
    /// use pixelbin_http::{ApiRequest, retry::Pushback};
    ///
    /// let pushback = Pushback::new();
    /// let url = "https://api.pixelbin.io/x".parse().unwrap();
    /// let req = ApiRequest::put(url).record_pushback(&pushback);
    /// # drop(req);
    /// assert!(!pushback.any());
    /// ```
    pub fn record_pushback(mut self, pushback: &Pushback) -> Self {
        self.options.pushback = Some(pushback.clone());
        self
    }

    /// Never add the API `Authorization` header to this request, even when it
    /// goes to the API host (presigned upload URLs carry their own signature).
    pub fn without_auth(mut self) -> Self {
        self.options.auth = false;
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL as given, without the parameters added by [`query`](Self::query).
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The URL with every query parameter appended.
    pub fn full_url(&self) -> Url {
        let mut url = self.url.clone();
        if !self.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &self.query {
                pairs.append_pair(name, value);
            }
        }
        url
    }

    /// The headers set so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body_ref(&self) -> &Body {
        &self.body
    }

    /// The per-request options.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    /// Converts into the `http::Request` that travels through the tower stack:
    /// query appended, `Content-Type` and `Content-Length` set from the body,
    /// [`RequestOptions`] stored as an extension.
    pub fn into_http(self) -> Result<HttpRequest, Error> {
        let url = self.full_url();
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::IllegalArgument(format!(
                "cannot send a request to a {}: URL; only http and https are supported",
                url.scheme()
            )));
        }
        let uri: http::Uri = url.as_str().parse().map_err(|e| {
            Error::IllegalArgument(format!(
                "the URL {} cannot be used for a request: {e}",
                crate::redact_url(url.as_str())
            ))
        })?;
        let mut headers = self.headers;
        if let Some(ct) = self.body.content_type() {
            // A multipart body only parses with its own boundary, so its
            // content type always wins; otherwise an explicit header does.
            let multipart = matches!(self.body, Body::Multipart(_));
            if multipart || !headers.contains_key(http::header::CONTENT_TYPE) {
                let value = HeaderValue::from_str(&ct)
                    .map_err(|_| Error::IllegalArgument(format!("invalid content type {ct:?}")))?;
                headers.insert(http::header::CONTENT_TYPE, value);
            }
        }
        if !self.body.is_empty() || method_expects_body(&self.method) {
            headers.insert(
                http::header::CONTENT_LENGTH,
                HeaderValue::from(self.body.content_length()),
            );
        }
        let mut req = http::Request::new(self.body);
        *req.method_mut() = self.method;
        *req.uri_mut() = uri;
        *req.headers_mut() = headers;
        req.extensions_mut().insert(self.options);
        Ok(req)
    }
}

/// Methods whose empty body should still be announced with `Content-Length: 0`
/// (some servers and proxies answer 411 otherwise).
fn method_expects_body(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}

impl fmt::Debug for ApiRequest {
    // The query may hold a signature and headers a credential: show the path,
    // query parameter names only, and header names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query_names: Vec<&str> = self.query.iter().map(|(n, _)| n.as_str()).collect();
        let header_names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("url", &crate::redact_url(self.url.as_str()))
            .field("query", &query_names)
            .field("headers", &header_names)
            .field("body", &self.body)
            .field("options", &self.options)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn query_is_appended_after_existing_parameters() {
        let req = ApiRequest::put(url("https://up.test/p?pbs=abc&x=1")).query("partNumber", "3");
        assert_eq!(
            req.full_url().as_str(),
            "https://up.test/p?pbs=abc&x=1&partNumber=3"
        );
    }

    #[test]
    fn into_http_sets_body_headers_and_options() {
        let req = ApiRequest::post(url("https://api.test/a"))
            .json(&serde_json::json!({"a": 1}))
            .unwrap()
            .idempotent(true)
            .timeout(Duration::from_secs(2))
            .max_retries(5)
            .without_auth()
            .into_http()
            .unwrap();
        assert_eq!(req.headers()["content-type"], "application/json");
        assert_eq!(req.headers()["content-length"], "7");
        let opts = req.extensions().get::<RequestOptions>().unwrap();
        assert_eq!(opts.idempotent, Some(true));
        assert_eq!(opts.timeout, Some(Duration::from_secs(2)));
        assert_eq!(opts.max_retries, Some(5));
        assert!(!opts.auth);
    }

    #[test]
    fn explicit_content_type_wins_and_empty_post_has_zero_length() {
        let req = ApiRequest::post(url("https://api.test/a"))
            .header(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/x"),
            )
            .body(Body::bytes("application/octet-stream", vec![1u8, 2]))
            .into_http()
            .unwrap();
        assert_eq!(req.headers()["content-type"], "text/x");
        let req = ApiRequest::post(url("https://api.test/a"))
            .into_http()
            .unwrap();
        assert_eq!(req.headers()["content-length"], "0");
        let req = ApiRequest::get(url("https://api.test/a"))
            .into_http()
            .unwrap();
        assert!(req.headers().get("content-length").is_none());
    }

    #[test]
    fn non_http_urls_are_refused() {
        let err = ApiRequest::get(url("ftp://x.test/a"))
            .into_http()
            .unwrap_err();
        assert!(matches!(err, Error::IllegalArgument(_)));
    }

    #[test]
    fn debug_hides_query_values_and_header_values() {
        let req = ApiRequest::put(url("https://up.test/p?pbs=deadbeef"))
            .query("pbt", "token-value")
            .header(
                http::header::AUTHORIZATION,
                HeaderValue::from_static("Bearer xyz"),
            );
        let debug = format!("{req:?}");
        assert!(!debug.contains("deadbeef"), "{debug}");
        assert!(!debug.contains("token-value"), "{debug}");
        assert!(!debug.contains("xyz"), "{debug}");
        assert!(debug.contains("pbt"));
    }
}
