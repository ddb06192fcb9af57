//! `webhook_endpoint`: receive Pixelbin's webhook deliveries in your own service.
//!
//! A prediction created with a webhook URL (`predictions().create(name, input, Some(url))`)
//! is delivered there when it finishes, signed with the webhook secret of the console
//! (`x-erbg-signature`). This endpoint checks the signature over the raw body before trusting
//! anything in it, answers `401` to a delivery that does not verify and `400` to a signed body
//! that is not JSON, and prints each verified job.
//!
//! `PIXELBIN_WEBHOOK_SECRET=... cargo run -p pixelbin --example webhook_endpoint [ADDRESS]`
//! (default address `127.0.0.1:8080`; port 0 picks a free one). It prints
//! `listening on http://ADDRESS/pixelbin-webhook` first.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use pixelbin::WebhookEvent;
use pixelbin::predictions::WebhookError;

/// Deliveries are small JSON documents; anything larger is refused unread.
const MAX_DELIVERY_BYTES: usize = 1024 * 1024;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let secret = std::env::var("PIXELBIN_WEBHOOK_SECRET")
        .map_err(|_| anyhow::anyhow!("set PIXELBIN_WEBHOOK_SECRET to the webhook secret"))?;
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!(
        "listening on http://{}/pixelbin-webhook",
        listener.local_addr()?
    );

    let app = Router::new()
        .route("/pixelbin-webhook", post(receive))
        .layer(DefaultBodyLimit::max(MAX_DELIVERY_BYTES))
        .with_state(secret);
    axum::serve(listener, app).await?;
    Ok(())
}

/// One delivery: verified first, then read.
async fn receive(State(secret): State<String>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("x-erbg-signature")
        .and_then(|value| value.to_str().ok());
    match WebhookEvent::verify(&body, signature, &secret) {
        Ok(event) => {
            match event.prediction {
                Some(job) => println!("job {} {} {:?}", job.id, job.status, job.output_urls()),
                None => println!("event {}", event.raw),
            }
            StatusCode::OK
        }
        Err(WebhookError::Body(_)) => StatusCode::BAD_REQUEST,
        Err(error) => {
            eprintln!("refused a delivery: {error}");
            StatusCode::UNAUTHORIZED
        }
    }
}
