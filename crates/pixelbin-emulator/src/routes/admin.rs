//! The emulator's own admin API under `/_emulator/` (never a Pixelbin API path), for tests
//! written in any language: counters, webhook attempts and a reset.
//!
//! Admin requests are not counted, limited nor faulted: they sit outside the observed routes.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::routes::route_names;
use crate::state::AppState;

/// Prefix of every admin path.
pub const PREFIX: &str = "/_emulator";

/// The admin routes, to merge outside the observed API routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(&format!("{PREFIX}/stats"), get(stats))
        .route(&format!("{PREFIX}/reset"), post(reset))
        .route(&format!("{PREFIX}/webhooks"), get(webhooks))
        .with_state(state)
}

/// The body of `GET /_emulator/stats`.
pub fn stats_json(state: &AppState) -> Value {
    let requests: BTreeMap<&str, u64> = route_names()
        .into_iter()
        .map(|name| (name, state.recorder.count(name)))
        .collect();
    json!({
        "requests": requests,
        "predictions_created": state.predictions_created.load(Ordering::Relaxed),
        "files": state.store().files().len(),
    })
}

/// Forgets request counts, recorded requests, the created-predictions count and the webhook
/// attempts.
pub fn reset_counts(state: &AppState) {
    state.recorder.reset();
    state.clear_webhook_attempts();
    state.predictions_created.store(0, Ordering::Relaxed);
}

/// `GET /_emulator/stats`: `{"requests": {route: count}, "predictions_created": N, "files": N}`.
async fn stats(State(state): State<AppState>) -> Json<Value> {
    Json(stats_json(&state))
}

/// `GET /_emulator/webhooks`: every webhook delivery attempt, oldest first, as
/// `[{url, job_id, attempt, status, error, time}]`.
async fn webhooks(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.webhooks.attempts()))
}

/// `POST /_emulator/reset`: clears the counts; answers 204.
async fn reset(State(state): State<AppState>) -> StatusCode {
    reset_counts(&state);
    StatusCode::NO_CONTENT
}
