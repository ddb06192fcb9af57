//! [`Transport`]: the tower stack over one shared `reqwest::Client`.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::future::BoxFuture;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};
use url::Url;

use crate::auth::AuthLayer;
use crate::body::Body;
use crate::bounds::{BodyLimits, BoundedBody, check_declared_length};
use crate::config::PixelbinConfig;
use crate::error::Error;
use crate::proxy::{EnvLookup, ProxyPlan};
use crate::request::ApiRequest;
use crate::response::ApiResponse;
use crate::retry::RetryLayer;
use crate::timeout::TimeoutLayer;
use crate::trace::TraceLayer;
use crate::user_agent::UserAgentLayer;

/// The request type flowing through the tower stack.
pub type HttpRequest = http::Request<Body>;

/// The response type flowing through the tower stack (body not yet read).
pub type HttpResponse = http::Response<reqwest::Body>;

/// A type-erased service of the stack: what layers wrap and what
/// [`TransportBuilder::service`] accepts.
pub type BoxedService = BoxCloneSyncService<HttpRequest, HttpResponse, Error>;

/// Sends requests to Pixelbin. Cheap to clone, `Send + Sync`; all clones
/// share one `reqwest::Client` and so one connection pool.
///
/// ```no_run
/// use pixelbin_http::{ApiRequest, PixelbinConfig, Transport};
///
/// # async fn run() -> Result<(), pixelbin_http::Error> {
/// let transport = Transport::new(PixelbinConfig::from_env()?)?;
/// let url = transport.api_url("/service/public/transformation/v1.0/predictions");
/// let plugins: serde_json::Value = transport.send(ApiRequest::get(url)).await?.json()?;
/// println!("{plugins}");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    config: PixelbinConfig,
    service: BoxedService,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport with the standard stack for `config`.
    pub fn new(config: PixelbinConfig) -> Result<Transport, Error> {
        Transport::builder(config).build()
    }

    /// A builder to add layers or replace the innermost service.
    pub fn builder(config: PixelbinConfig) -> TransportBuilder {
        TransportBuilder {
            config,
            layers: Vec::new(),
            innermost: None,
            env: Arc::new(|name| std::env::var(name).ok()),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PixelbinConfig {
        &self.inner.config
    }

    /// The configured domain joined with an absolute API path, e.g.
    /// `"/service/platform/assets/v1.0/listFiles"`. A path prefix of the
    /// domain is kept; characters not allowed in a path are percent-encoded.
    pub fn api_url(&self, path: &str) -> Url {
        join_api_path(self.inner.config.domain(), path)
    }

    /// [`api_url`](Self::api_url) for `base` (an absolute API path) followed by `segments`,
    /// each percent-encoded as one path segment: a `?`, `#` or `%` in a file name cannot
    /// change the request, and a `/` inside an id cannot reach another endpoint. Every
    /// endpoint URL of the SDK is built here.
    ///
    /// ```
    /// use pixelbin_http::{PixelbinConfig, Transport};
    ///
    /// let transport = Transport::new(PixelbinConfig::new("secret-token")?)?;
    /// let url = transport.endpoint("/service/platform/assets/v1.0/files", &["a/b?c.png"])?;
    /// assert_eq!(
    ///     url.as_str(),
    ///     "https://api.pixelbin.io/service/platform/assets/v1.0/files/a%2Fb%3Fc.png"
    /// );
    /// # Ok::<(), pixelbin_http::Error>(())
    /// ```
    pub fn endpoint(&self, base: &str, segments: &[&str]) -> Result<Url, Error> {
        let mut url = self.api_url(base);
        if !segments.is_empty() {
            url.path_segments_mut()
                .map_err(|()| {
                    Error::IllegalArgument(format!(
                        "the configured domain cannot carry a path ({base}); use an http(s) URL such as https://api.pixelbin.io"
                    ))
                })?
                .pop_if_empty()
                .extend(segments);
        }
        Ok(url)
    }

    /// Sends `req` through the stack (user layers, tracing, retry, auth for
    /// the API origin, user agent, timeout) and reads the whole body.
    ///
    /// A 2xx status gives `Ok`; any other gives [`Error::Api`] parsed from
    /// Pixelbin's error JSON. The body is bounded as [`crate::bounds`]
    /// describes: read within the request's timeout, with stall protection,
    /// and refused with [`Error::TooLarge`] past `max_response_bytes`.
    pub async fn send(&self, req: ApiRequest) -> Result<ApiResponse, Error> {
        let timeout = self.timeout_of(&req);
        let resp = self.dispatch(req).await?;
        let limits = BodyLimits::for_json(self.inner.config.http(), timeout);
        check_declared_length(&resp, &limits)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = BoundedBody::new(resp, limits).collect().await?;
        Ok(ApiResponse {
            status,
            headers,
            body,
        })
    }

    /// [`send`](Self::send), then decodes the JSON body into `T`.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        req: ApiRequest,
    ) -> Result<T, Error> {
        self.send(req).await?.json()
    }

    /// Like [`send`](Self::send) but hands back the unread body on 2xx, for
    /// large downloads. The body has no overall time limit (a large download
    /// may take long) but is stall-protected, and refused past `max_bytes`
    /// when given. To save a body to a file, use [`download`](Self::download).
    pub async fn send_streaming(
        &self,
        req: ApiRequest,
        max_bytes: Option<u64>,
    ) -> Result<StreamingResponse, Error> {
        let resp = self.dispatch(req).await?;
        let limits = BodyLimits::for_stream(self.inner.config.http(), max_bytes);
        check_declared_length(&resp, &limits)?;
        Ok(StreamingResponse {
            status: resp.status(),
            headers: resp.headers().clone(),
            content_length: resp.content_length(),
            body: BoundedBody::new(resp, limits),
        })
    }

    /// Sends an already converted request through the stack, status unchecked.
    pub async fn call(&self, req: HttpRequest) -> Result<HttpResponse, Error> {
        self.inner.service.clone().oneshot(req).await
    }

    /// The time limit of one attempt of `req`.
    pub(crate) fn timeout_of(&self, req: &ApiRequest) -> Duration {
        req.options()
            .timeout
            .unwrap_or(self.inner.config.http().timeout)
    }

    /// Sends through the stack; a non-2xx status becomes the error, its body
    /// read under the error limits.
    async fn dispatch(&self, req: ApiRequest) -> Result<reqwest::Response, Error> {
        let timeout = self.timeout_of(&req);
        let resp = reqwest::Response::from(self.call(req.into_http()?).await?);
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        if status.is_redirection() {
            return Err(crate::redirect::not_followed(status, resp.headers()));
        }
        let retry_after =
            crate::retry::parse_retry_after(resp.headers(), std::time::SystemTime::now());
        let limits = BodyLimits::for_error(self.inner.config.http(), timeout);
        // A broken or stalled error body still leaves the status to report.
        let mut body = BoundedBody::new(resp, limits);
        let mut bytes = Vec::new();
        while let Ok(Some(chunk)) = body.chunk().await {
            bytes.extend_from_slice(&chunk);
        }
        let mut error = Error::from_response(status, &bytes);
        if let Error::Api {
            retry_after_secs, ..
        } = &mut error
        {
            // Rounded up: waiting a little longer than asked is always acceptable.
            *retry_after_secs = retry_after.map(|wait| {
                let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                u16::try_from(secs).unwrap_or(u16::MAX)
            });
        }
        Err(error)
    }
}

/// A 2xx response whose body is read piece by piece, stall-protected (see
/// [`Transport::send_streaming`]).
pub struct StreamingResponse {
    status: http::StatusCode,
    headers: http::HeaderMap,
    content_length: Option<u64>,
    body: BoundedBody,
}

impl std::fmt::Debug for StreamingResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("status", &self.status)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl StreamingResponse {
    /// The status (always 2xx).
    pub fn status(&self) -> http::StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The declared body length, when the server gave one.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The next piece of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, Error> {
        self.body.chunk().await
    }
}

fn join_api_path(domain: &Url, path: &str) -> Url {
    let mut url = domain.clone();
    let prefix = domain.path().trim_end_matches('/');
    let path = path.trim_start_matches('/');
    url.set_path(&format!("{prefix}/{path}"));
    url
}

type LayerFn = Box<dyn FnOnce(BoxedService) -> BoxedService + Send>;

/// Builds a [`Transport`] with extra tower layers or another innermost service.
///
/// The stack, outermost first (see the crate docs for the drawing): your
/// layers in the order added, tracing, retry, auth, user agent, timeout, and
/// the innermost service (reqwest unless replaced).
pub struct TransportBuilder {
    config: PixelbinConfig,
    layers: Vec<LayerFn>,
    innermost: Option<BoxedService>,
    env: Arc<EnvLookup>,
}

impl std::fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("config", &self.config)
            .field("layers", &self.layers.len())
            .field("custom_innermost", &self.innermost.is_some())
            .finish()
    }
}

impl TransportBuilder {
    /// Adds a tower layer around the whole SDK stack. Layers added first are
    /// outermost. They see each logical request once, before retries and
    /// before the `Authorization` header is added.
    ///
    /// ```
    /// use http::HeaderValue;
    /// use pixelbin_http::{PixelbinConfig, Transport};
    /// use tower::util::MapRequestLayer;
    ///
    /// let transport = Transport::builder(PixelbinConfig::new("secret-token")?)
    ///     .layer(MapRequestLayer::new(|mut req: pixelbin_http::HttpRequest| {
    ///         req.headers_mut().insert("x-request-source", HeaderValue::from_static("batch"));
    ///         req
    ///     }))
    ///     .build()?;
    /// # Ok::<(), pixelbin_http::Error>(())
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<BoxedService> + Send + 'static,
        L::Service: Service<HttpRequest, Response = HttpResponse, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<HttpRequest>>::Future: Send + 'static,
    {
        self.layers
            .push(Box::new(move |inner| BoxedService::new(layer.layer(inner))));
        self
    }

    /// Replaces the innermost service (reqwest) — to serve requests from
    /// memory in tests, or to wrap [`HttpService`] with your own per-attempt
    /// layers. Proxy and connect-timeout options then do not apply.
    pub fn service<S>(mut self, service: S) -> Self
    where
        S: Service<HttpRequest, Response = HttpResponse, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.innermost = Some(BoxedService::new(service));
        self
    }

    /// Deprecated name of [`service`](Self::service).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `service`, the `field(value)` style of every builder"
    )]
    pub fn with_service<S>(self, service: S) -> Self
    where
        S: Service<HttpRequest, Response = HttpResponse, Error = Error>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.service(service)
    }

    /// Uses your own `reqwest::Client` (custom TLS roots, resolver, ...).
    /// Proxy and connect-timeout options of the configuration then do not
    /// apply, and neither does the SDK's redirect rule: build the client with
    /// `.redirect(pixelbin_http::redirect::policy())` to keep it.
    pub fn client(self, client: reqwest::Client) -> Self {
        let timeout = self.config.http().timeout;
        self.service(HttpService::new(client, timeout))
    }

    /// Deprecated name of [`client`](Self::client).
    #[deprecated(
        since = "0.2.0",
        note = "renamed to `client`, the `field(value)` style of every builder"
    )]
    pub fn with_client(self, client: reqwest::Client) -> Self {
        self.client(client)
    }

    /// Reads environment variables through `lookup` instead of the process
    /// environment (tests).
    #[cfg(test)]
    pub(crate) fn env(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(lookup);
        self
    }

    /// Builds the stack. Fails on an unusable proxy or TLS setup.
    pub fn build(self) -> Result<Transport, Error> {
        let config = self.config;
        let http = config.http();
        let innermost = match self.innermost {
            Some(service) => service,
            None => BoxedService::new(HttpService::new(
                build_client(&config, &*self.env)?,
                http.timeout,
            )),
        };
        let core = ServiceBuilder::new()
            .layer(TraceLayer)
            .layer(RetryLayer::new(config.retry().clone()))
            .layer(AuthLayer::new(&config)?)
            .layer(UserAgentLayer::new(http)?)
            .layer(TimeoutLayer::new(http.timeout))
            .service(innermost);
        let mut service = BoxedService::new(core);
        // The first layer added ends up outermost.
        for layer in self.layers.into_iter().rev() {
            service = layer(service);
        }
        Ok(Transport {
            inner: Arc::new(Inner { config, service }),
        })
    }
}

/// The one `reqwest::Client` of a transport.
fn build_client(config: &PixelbinConfig, env: &EnvLookup) -> Result<reqwest::Client, Error> {
    let http = config.http();
    let builder = reqwest::Client::builder()
        .connect_timeout(http.connect_timeout)
        // No client-wide read timeout: reqwest applies it to the wait for the
        // headers too, which would cap per-request timeouts (a long upload
        // completion) at the default. The timeout layer bounds each attempt up
        // to its headers and `send` bounds the body read.
        .pool_idle_timeout(Duration::from_secs(90))
        .redirect(crate::redirect::policy());
    let builder = ProxyPlan::new(http, env)?.apply(builder)?;
    builder.build().map_err(|e| Error::Transport {
        message: "could not set up the HTTP client; check the TLS features and proxy settings"
            .into(),
        not_sent: true,
        source: Some(Box::new(e.without_url())),
    })
}

/// Whether a TLS backend was compiled in (without one reqwest cannot speak https).
const TLS_ENABLED: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// The innermost service: sends one attempt with a `reqwest::Client`.
#[derive(Clone, Debug)]
pub struct HttpService {
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpService {
    /// A service over `client`; `timeout` is only used to describe read timeouts.
    pub fn new(client: reqwest::Client, timeout: Duration) -> Self {
        HttpService { client, timeout }
    }
}

impl Service<HttpRequest> for HttpService {
    type Response = HttpResponse;
    type Error = Error;
    type Future = BoxFuture<'static, Result<HttpResponse, Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // reqwest's pool queues requests itself.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        let client = self.client.clone();
        let timeout = self.timeout;
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let url = Url::parse(&parts.uri.to_string()).map_err(|e| {
                Error::IllegalArgument(format!("the request URI is not an absolute URL: {e}"))
            })?;
            if url.scheme() == "https" && !TLS_ENABLED {
                return Err(Error::IllegalArgument(
                    "https needs TLS: enable the `rustls` (default) or `native-tls` feature of pixelbin-http".into(),
                ));
            }
            let mut request = reqwest::Request::new(parts.method, url);
            *request.headers_mut() = parts.headers;
            if !body.is_empty() {
                *request.body_mut() = Some(body.into_reqwest());
            }
            let resp = client
                .execute(request)
                .await
                .map_err(|e| Error::from_reqwest(e, Some(timeout)))?;
            Ok(http::Response::from(resp))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_url_joins_paths() {
        let base = Url::parse("https://api.pixelbin.io").unwrap();
        assert_eq!(
            join_api_path(&base, "/service/platform/x").as_str(),
            "https://api.pixelbin.io/service/platform/x"
        );
        assert_eq!(
            join_api_path(&base, "a b?c").as_str(),
            "https://api.pixelbin.io/a%20b%3Fc"
        );
        let prefixed = Url::parse("http://127.0.0.1:9000/prefix/").unwrap();
        assert_eq!(
            join_api_path(&prefixed, "/service/x").as_str(),
            "http://127.0.0.1:9000/prefix/service/x"
        );
    }

    use crate::config::PixelbinConfig;
    use crate::request::ApiRequest;
    use crate::retry::RetryPolicy;
    use std::collections::HashMap;
    use std::sync::Mutex;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use wiremock::{Mock, MockServer, ResponseTemplate, matchers::path};

    /// A fake forward proxy on loopback: records each request head and
    /// answers 200 itself.
    async fn fake_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    record
                        .lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&head).into_owned());
                    let body = r#"{"via":"proxy"}"#;
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                });
            }
        });
        (format!("http://{addr}"), seen)
    }

    fn env_of(
        vars: Vec<(&'static str, String)>,
    ) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        let map: HashMap<&'static str, String> = vars.into_iter().collect();
        move |k| map.get(k).cloned()
    }

    async fn origin_server() -> MockServer {
        let server = MockServer::start().await;
        Mock::given(path("/direct"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"via":"direct"}"#))
            .mount(&server)
            .await;
        server
    }

    fn config(domain: &str, trust_env: bool) -> PixelbinConfig {
        PixelbinConfig::builder()
            .api_secret("secret-token")
            .domain(domain)
            .trust_env(trust_env)
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    }

    async fn via(transport: &Transport, server: &MockServer) -> String {
        let url = Url::parse(&format!("{}/direct", server.uri())).unwrap();
        let v: serde_json::Value = transport.send_json(ApiRequest::get(url)).await.unwrap();
        v["via"].as_str().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn proxy_environment_is_ignored_without_trust_env() {
        let server = origin_server().await;
        let (proxy, seen) = fake_proxy().await;
        let transport = Transport::builder(config(&server.uri(), false))
            .env(env_of(vec![
                ("HTTP_PROXY", proxy.clone()),
                ("http_proxy", proxy),
            ]))
            .build()
            .unwrap();
        assert_eq!(via(&transport, &server).await, "direct");
        assert!(seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn proxy_environment_and_netrc_are_used_with_trust_env() {
        let server = origin_server().await;
        let (proxy, seen) = fake_proxy().await;
        let dir = std::env::temp_dir().join(format!("pixelbin-transport-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let netrc = dir.join("netrc");
        std::fs::write(
            &netrc,
            "machine 127.0.0.1 login proxyuser password proxypass\n",
        )
        .unwrap();
        let transport = Transport::builder(config(&server.uri(), true))
            .env(env_of(vec![
                ("HTTP_PROXY", proxy),
                ("NETRC", netrc.to_string_lossy().into_owned()),
            ]))
            .build()
            .unwrap();
        assert_eq!(via(&transport, &server).await, "proxy");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 1);
        let head = seen[0].to_ascii_lowercase();
        // Absolute-form request line, as sent to a forward proxy.
        assert!(
            head.starts_with(&format!("get {}/direct http/1.1", server.uri())),
            "{head}"
        );
        // base64("proxyuser:proxypass")
        assert!(
            head.contains("proxy-authorization: basic chjvehl1c2vyonbyb3h5cgfzcw=="),
            "{head}"
        );
        assert!(server.received_requests().await.unwrap().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn no_proxy_bypasses_the_proxy() {
        let server = origin_server().await;
        let (proxy, seen) = fake_proxy().await;
        let transport = Transport::builder(config(&server.uri(), true))
            .env(env_of(vec![
                ("http_proxy", proxy),
                ("no_proxy", "localhost,127.0.0.1".into()),
            ]))
            .build()
            .unwrap();
        assert_eq!(via(&transport, &server).await, "direct");
        assert!(seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn explicit_proxy_is_used_without_trust_env() {
        let server = origin_server().await;
        let (proxy, seen) = fake_proxy().await;
        let config = PixelbinConfig::builder()
            .api_secret("secret-token")
            .domain(server.uri())
            .proxy(proxy)
            .build()
            .unwrap();
        let transport = Transport::builder(config)
            .env(env_of(vec![]))
            .build()
            .unwrap();
        assert_eq!(via(&transport, &server).await, "proxy");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}
