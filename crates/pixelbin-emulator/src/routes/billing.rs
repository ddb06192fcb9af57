//! Billing routes of `@pixelbin/admin`'s Billing area, answered from the emulator's own
//! accounting: credits spent by the calling token (see [`crate::jobs::credits`]) and bytes of stored
//! files.
//!
//! The admin SDK's models do not say which shape each route answers; the emulator answers the
//! current usage (`getUsageV2`) with `PixelbinUsageSchema`, `{storage: {total, used}, credits:
//! {total, used}}`, and the deprecated subscription usage (`getUsage`) with
//! `CompleteUsageSchema`, `{credits: {used}, total: {credits, storage}, usage: {storage}}`.
//! Storage is in bytes; `usage.storage` is the same figure as text. Without `--credits` the
//! credit total is `null` (unlimited).

use axum::Json;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde_json::{Value, json};

use crate::state::AppState;
use crate::wire::auth::{Authed, token};
use crate::wire::errors::ApiError;

/// Storage an emulated account may hold, in bytes (reported, not enforced).
pub const STORAGE_QUOTA: u64 = 10 * 1024 * 1024 * 1024;

/// What the calling token has used; extracting it checks the Authorization header.
pub struct Usage {
    credits_total: Option<u64>,
    credits_used: u64,
    storage_used: u64,
}

impl FromRequestParts<AppState> for Usage {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Usage, ApiError> {
        Authed::from_request_parts(parts, state).await?;
        let token = token(&parts.headers).unwrap_or_default();
        Ok(Usage {
            credits_total: state.credits.balance(),
            credits_used: state.credits.used(&token),
            storage_used: state.store().files().values().map(|f| f.size).sum(),
        })
    }
}

/// `GET /service/platform/payment/v1.0/usage`
pub async fn usage_v2(usage: Usage) -> Json<Value> {
    Json(json!({
        "storage": {"total": STORAGE_QUOTA, "used": usage.storage_used},
        "credits": {"total": usage.credits_total, "used": usage.credits_used},
    }))
}

/// `GET /service/platform/payment/v1.0/usage/subscription` (deprecated by the service)
pub async fn usage_subscription(usage: Usage) -> Json<Value> {
    Json(json!({
        "credits": {"used": usage.credits_used},
        "total": {"credits": usage.credits_total, "storage": STORAGE_QUOTA},
        "usage": {"storage": usage.storage_used.to_string()},
    }))
}
