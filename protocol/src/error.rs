//! Request error codes (PROTOCOL.md §4): answered in RESPONSE `ok:false` and in
//! HTTP error bodies; an error never closes the connection.

use serde::{Deserialize, Serialize};

/// The machine-readable reason a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    /// Carries `retry_after_ms`.
    RateLimited,
    /// Carries `retry_after_ms`.
    SlowMode,
    TooLarge,
    Conflict,
    /// The store is down; retry.
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// The HTTP status the REST API answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::RateLimited | ErrorCode::SlowMode => 429,
            ErrorCode::TooLarge => 413,
            ErrorCode::Conflict => 409,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

/// `{code, message, retry_after_ms?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl ErrorBody {
    /// An error without a retry hint.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// A `rate_limited` or `slow_mode` error with its retry hint in milliseconds.
    pub fn retry(code: ErrorCode, message: impl Into<String>, retry_after_ms: u64) -> Self {
        ErrorBody {
            code,
            message: message.into(),
            retry_after_ms: Some(retry_after_ms),
        }
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ErrorBody {}
