//! Accepting connections and serving them with hyper, with the ability to reset a connection on
//! purpose (fault injection) and to stop everything when the emulator is dropped.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::faults::ConnReset;
use crate::network::Network;

/// Accepts connections until `shutdown` is cancelled; with a `network`, each connection is
/// shaped by its model.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
    network: Option<Arc<Network>>,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, app.clone(), shutdown.clone(), network.clone()));
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
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    let reset_requested = tokio::select! {
        _ = connection => false,
        _ = reset.cancelled() => true,
        _ = shutdown.cancelled() => false,
    };
    if reset_requested && let Some(twin) = &twin {
        let _ = socket2::SockRef::from(twin).set_linger(Some(Duration::ZERO));
    }
    drop(twin);
}
