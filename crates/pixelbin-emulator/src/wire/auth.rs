//! Bearer-token checks: `Authorization: Bearer base64(api_secret)`.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;

use crate::state::AppState;
use crate::wire::errors::ApiError;

/// Shortest API secret the platform accepts (the reference SDK's own minimum).
const MIN_SECRET_CHARS: usize = 5;

/// Proof that the request carried an acceptable token; handlers of authenticated routes take it.
#[derive(Debug, Clone, Copy)]
pub struct Authed;

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        check(&parts.headers, state.api_secret.as_deref())?;
        Ok(Authed)
    }
}

/// The raw `Authorization` value: the token requests, jobs and credits are counted against.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Checks the Authorization header against `secret` (or only its form when `secret` is `None`).
pub fn check(headers: &HeaderMap, secret: Option<&str>) -> Result<(), ApiError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "Missing Authorization header: send `Authorization: Bearer <base64 of your API secret>`",
            )
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized("Authorization header is not valid text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "Authorization header must be `Bearer <base64 of your API secret>`",
            )
        })?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|_| {
            ApiError::unauthorized(
                "Invalid API Secret Token: the Bearer token must be the base64 encoding of your API secret",
            )
        })?;
    let decoded = String::from_utf8(decoded).map_err(|_| {
        ApiError::unauthorized("Invalid API Secret Token: the decoded secret is not UTF-8 text")
    })?;
    match secret {
        Some(expected) if !constant_time_eq(decoded.as_bytes(), expected.as_bytes()) => {
            Err(ApiError::unauthorized(
                "Invalid API Secret Token: the token does not match the secret this emulator was started with",
            ))
        }
        Some(_) => Ok(()),
        None if decoded.chars().count() < MIN_SECRET_CHARS => Err(ApiError::unauthorized(
            "Invalid API Secret Token: the secret must have at least 5 characters",
        )),
        None => Ok(()),
    }
}

/// Compares without an early exit, so timing does not reveal how much of a secret matched.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert("authorization", HeaderValue::from_str(value).unwrap());
        map
    }

    fn bearer(secret: &str) -> HeaderMap {
        headers(&format!(
            "Bearer {}",
            base64::engine::general_purpose::STANDARD.encode(secret)
        ))
    }

    #[test]
    fn any_well_formed_token_without_a_secret() {
        assert!(check(&bearer("abcde"), None).is_ok());
        assert!(check(&bearer("abcd"), None).is_err());
        assert!(check(&headers("Bearer !!!"), None).is_err());
        assert!(check(&headers("Basic abc"), None).is_err());
        assert!(check(&HeaderMap::new(), None).is_err());
    }

    #[test]
    fn only_the_configured_secret() {
        assert!(check(&bearer("right-secret"), Some("right-secret")).is_ok());
        let err = check(&bearer("wrong-secret"), Some("right-secret")).unwrap_err();
        assert_eq!(err.status.as_u16(), 401);
        assert!(!err.message.contains("right-secret"));
    }

    #[test]
    fn constant_time_compare() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
