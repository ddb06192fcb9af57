//! Accepting connections and serving them with hyper, with the ability to reset a connection on
//! purpose (fault injection) and to stop everything when the emulator is dropped.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::network::Network;
use crate::network::faults::ConnReset;

/// How long a connection may wait on its client.
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// Time to receive a request's headers once a request has begun.
    header_read: Duration,
    /// Longest time without a byte in either direction before the connection is closed.
    idle: Duration,
}

impl ConnLimits {
    /// Limits from the emulator's idle timeout; headers get at most 30 s.
    pub fn new(idle: Duration) -> Self {
        ConnLimits {
            header_read: idle.min(Duration::from_secs(30)),
            idle,
        }
    }
}

/// Accepts connections until `shutdown` is cancelled; with a `network`, each connection is
/// shaped by its model; `limits` close connections whose client stalls or idles.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
    network: Option<Arc<Network>>,
    limits: ConnLimits,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(
                        stream,
                        app.clone(),
                        shutdown.clone(),
                        network.clone(),
                        limits,
                    ));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// Serves one connection; a [`ConnReset`] cancelled by a handler drops it with a TCP reset.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    shutdown: CancellationToken,
    network: Option<Arc<Network>>,
    limits: ConnLimits,
) {
    let _ = stream.set_nodelay(true);
    // A second handle on the socket lets us set SO_LINGER=0 after hyper owns the stream, so
    // closing it sends RST rather than FIN.
    let Ok(std_stream) = stream.into_std() else {
        return;
    };
    let twin = std_stream.try_clone().ok();
    let Ok(stream) = TcpStream::from_std(std_stream) else {
        return;
    };
    let reset = CancellationToken::new();
    let reset_for_requests = reset.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request
            .extensions_mut()
            .insert(ConnReset(reset_for_requests.clone()));
        let app = app.clone();
        async move {
            let response = app
                .oneshot(request.map(axum::body::Body::new))
                .await
                .unwrap_or_else(|never: Infallible| match never {});
            Ok::<_, Infallible>(response)
        }
    });
    let stream = match &network {
        Some(network) => {
            network.connect().await;
            Either::Right(network.shape(stream))
        }
        None => Either::Left(stream),
    };
    let activity = Activity::default();
    let stream = Watched {
        inner: stream,
        activity: activity.clone(),
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .serve_connection(TokioIo::new(stream), service);
    let reset_requested = tokio::select! {
        _ = connection => false,
        _ = reset.cancelled() => true,
        _ = shutdown.cancelled() => false,
        () = activity.idle_for(limits.idle) => false,
    };
    if reset_requested && let Some(twin) = &twin {
        let _ = socket2::SockRef::from(twin).set_linger(Some(Duration::ZERO));
    }
    drop(twin);
}

/// When a connection last moved a byte.
#[derive(Clone)]
struct Activity(Arc<Mutex<Instant>>);

impl Default for Activity {
    fn default() -> Self {
        Activity(Arc::new(Mutex::new(Instant::now())))
    }
}

impl Activity {
    fn touch(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// Resolves once nothing has moved for `limit`.
    async fn idle_for(&self, limit: Duration) {
        loop {
            let last = *self.0.lock().unwrap_or_else(|e| e.into_inner());
            let quiet = last.elapsed();
            if quiet >= limit {
                return;
            }
            tokio::time::sleep(limit - quiet).await;
        }
    }
}

/// A stream that records each read and write in its [`Activity`].
struct Watched<S> {
    inner: S,
    activity: Activity,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
