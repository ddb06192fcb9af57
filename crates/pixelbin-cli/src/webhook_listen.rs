//! `pixelbin webhook listen`: a local webhook receiver, like `stripe listen`.
//!
//! Each POST (any path) is checked with [`pixelbin::WebhookEvent::verify`] (constant-time
//! signature comparison), answered 200 when valid and 401 when not, and printed as one line
//! on stdout (`--json`: `{"valid": BOOL, "event": OBJECT}`, plus `reason` when invalid).
//! Valid deliveries are then forwarded, unchanged, to `--forward`; how that went is reported
//! on stderr so stdout keeps one line per delivery.

use std::future::IntoFuture;
use std::io::Write;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use pixelbin::WebhookEvent;
use pixelbin::predictions::WEBHOOK_SIGNATURE_HEADER;
use serde_json::{Value, json};

use crate::output::Output;
use crate::webhook::ListenArgs;

/// Largest delivery accepted (a prediction job is a few KiB); bigger ones get 413 and a line
/// on stderr. `webhook listen --help` states it.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// How long requests in flight may finish after Ctrl-C or SIGTERM before they are cut.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);
/// How long forwarding one delivery may take in all.
const FORWARD_TIMEOUT: Duration = Duration::from_secs(10);

/// What every delivery is checked and forwarded with.
struct Receiver {
    secret: String,
    forward: Option<Forward>,
    out: Output,
}

/// Where valid deliveries go, and the client that takes them there.
struct Forward {
    url: String,
    client: reqwest::Client,
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn run(args: ListenArgs, out: Output) -> anyhow::Result<()> {
    let forward = match args.forward {
        Some(url) => Some(Forward {
            url,
            // Bounded like every client of ours: a whole forward ends within the timeout, and a
            // redirect is an answer, not a reason to post the delivery somewhere else.
            client: reqwest::Client::builder()
                .timeout(FORWARD_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .context("could not build the forwarding HTTP client")?,
        }),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
        .await
        .with_context(|| {
            format!(
                "could not listen on 127.0.0.1:{}; pick another --port or use 0",
                args.port
            )
        })?;
    let addr = listener
        .local_addr()
        .context("could not read the bound address")?;
    let receiver = Arc::new(Receiver {
        secret: args.secret.value,
        forward,
        out,
    });
    let app = Router::new()
        .fallback(receive)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(receiver);
    // Installed before the announcement, so a signal sent on reading it is handled.
    let shutdown = pixelbin_emulator::cli::shutdown_signal();
    eprintln!("pixelbin webhook listen: receiving on http://{addr}/ (Ctrl-C to stop)");
    // On Ctrl-C or SIGTERM, stop accepting and give requests in flight a short grace; a client
    // stalled mid-request is cut when it runs out, so the command always ends within a second.
    let stop = Arc::new(tokio::sync::Notify::new());
    let signalled = stop.clone();
    let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        signalled.notify_one();
    });
    tokio::select! {
        served = serve.into_future() => served.context("the webhook receiver stopped"),
        () = async {
            stop.notified().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => {
            // Not `eprintln!`: a closed stderr must not turn a clean stop into a panic.
            let _ = writeln!(
                std::io::stderr(),
                "pixelbin webhook listen: stopped; requests still in flight were cut"
            );
            Ok(())
        }
    }
}

/// Checks, prints, answers and (when valid) forwards one delivery.
async fn receive(
    State(receiver): State<Arc<Receiver>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> StatusCode {
    if method != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED;
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                let _ = writeln!(
                    std::io::stderr(),
                    "pixelbin webhook listen: refused a delivery to {} over the {} MiB limit (413)",
                    uri.path(),
                    MAX_BODY / (1024 * 1024)
                );
            } else {
                let _ = writeln!(
                    std::io::stderr(),
                    "pixelbin webhook listen: could not read a delivery to {}: {rejection}",
                    uri.path()
                );
            }
            return status;
        }
    };
    let signature = headers
        .get(WEBHOOK_SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    let verdict = WebhookEvent::verify(&body, signature, &receiver.secret);
    let where_ = format!("POST {}, {} bytes", uri.path(), body.len());
    let (status, printed) = match &verdict {
        Ok(event) => {
            let line = json!({"valid": true, "event": event.raw});
            let summary = match &event.prediction {
                Some(job) => format!("{} {}", job.id, job.status),
                None => "(not a prediction job)".into(),
            };
            let printed = receiver
                .out
                .emit_line(&line, |w| writeln!(w, "valid    {summary} ({where_})"));
            (StatusCode::OK, printed)
        }
        Err(reason) => {
            let event = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
            let line = json!({"valid": false, "event": event, "reason": reason.to_string()});
            let printed = receiver
                .out
                .emit_line(&line, |w| writeln!(w, "invalid  ({where_}): {reason}"));
            // A correct signature over a body that is not JSON is a bad request, not a
            // failed authentication.
            let status = match reason {
                pixelbin::predictions::WebhookError::Body(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            (status, printed)
        }
    };
    if let Err(e) = printed {
        eprintln!("pixelbin webhook listen: could not print a delivery: {e:#}");
    }
    if verdict.is_ok() && receiver.forward.is_some() {
        let receiver = receiver.clone();
        let content_type = headers.get(header::CONTENT_TYPE).cloned();
        let signature = signature.map(str::to_string);
        // Answered now: a slow target must not make the sender time out and retry.
        tokio::spawn(async move {
            if let Some(forward) = &receiver.forward {
                forward_one(forward, body, content_type, signature).await;
            }
        });
    }
    status
}

/// Sends one valid delivery on, exactly as received, and reports the answer on stderr.
async fn forward_one(
    forward: &Forward,
    body: Bytes,
    content_type: Option<header::HeaderValue>,
    signature: Option<String>,
) {
    let mut request = forward.client.post(&forward.url).body(body);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(signature) = signature {
        request = request.header(WEBHOOK_SIGNATURE_HEADER, signature);
    }
    // Only the status matters; the answer's body is never read.
    match request.send().await {
        Ok(answer) => eprintln!(
            "pixelbin webhook listen: forwarded to {}: {}",
            forward.url,
            answer.status()
        ),
        Err(e) => eprintln!(
            "pixelbin webhook listen: could not forward to {}: {}",
            forward.url,
            crate::error::one_line(&e.without_url().to_string())
        ),
    }
}
