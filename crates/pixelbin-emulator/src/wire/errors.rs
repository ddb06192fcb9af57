//! The Pixelbin error body `{message, status, errorCode, exception, info}` and its responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer of the emulator, rendered as the Pixelbin error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// What was wrong and what to do, for people.
    pub message: String,
    /// Stable machine-readable code, e.g. `PB-EMU-0401`.
    pub error_code: String,
    /// Exception class name, e.g. `UnauthorizedError`.
    pub exception: &'static str,
    /// Seconds for a `Retry-After` header, on injected 429/503 faults.
    pub retry_after: Option<u64>,
    /// Help link sent as `info`.
    pub info: &'static str,
}

/// Where the `info` field points people for help.
const INFO: &str = "https://github.com/pixelbin-rs/pixelbin-rs/tree/main/crates/pixelbin-emulator";

impl ApiError {
    /// An error with `status`, an exception name and a message.
    pub fn new(
        status: StatusCode,
        exception: &'static str,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            error_code: format!("PB-EMU-{:04}", status.as_u16()),
            exception,
            retry_after: None,
            info: INFO,
        }
    }

    /// 400: the request itself is malformed.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BadRequestError", message)
    }

    /// 400: the request body does not match the expected schema.
    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "ValidationError", message)
    }

    /// 401: the Authorization header is missing or wrong.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "UnauthorizedError", message)
    }

    /// 403: a presigned URL is expired or its signature does not match.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "ForbiddenError", message)
    }

    /// 403 when the token's credits are spent: the service's documented body, field for field.
    pub fn usage_limit() -> ApiError {
        ApiError {
            status: StatusCode::FORBIDDEN,
            message: "Usage Limit Exceeded".into(),
            error_code: "JR-1000".into(),
            exception: "UsageBlockedError",
            retry_after: None,
            info: "https://fynd.engineering/erasebg/docs/error/1000",
        }
    }

    /// 404: the named resource does not exist.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFoundError", message)
    }

    /// 409: the resource already exists.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "ConflictError", message)
    }

    /// 413: the body is larger than the route accepts.
    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PayloadTooLargeError",
            message,
        )
    }

    /// 500: the emulator itself failed (disk full, temp dir gone, ...).
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }

    /// An injected fault with an arbitrary status.
    pub fn injected(status: u16, retry_after: Option<u64>) -> ApiError {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let exception = match status.as_u16() {
            429 => "TooManyRequestsError",
            503 => "ServiceUnavailableError",
            400..=499 => "BadRequestError",
            _ => "InternalServerError",
        };
        let mut error = ApiError::new(
            status,
            exception,
            format!(
                "Injected fault: the emulator answered {} on purpose (see its fault options)",
                status.as_u16()
            ),
        );
        error.retry_after = retry_after;
        error
    }

    /// The JSON body of this error.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "message": self.message,
            "status": self.status.as_u16(),
            "errorCode": self.error_code,
            "exception": self.exception,
            "info": self.info,
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
