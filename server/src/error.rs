//! The one error type of the API: every failure leaves as
//! `{"error": {"code", "message", "fields"?}}` with a matching status.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use console_api::{ErrorBody, ErrorCode, ErrorEnvelope};
use std::{collections::BTreeMap, time::Duration};

#[derive(Debug)]
pub enum ApiError {
    /// Bad input; `fields` maps a field name to what is wrong with it.
    Validation {
        message: String,
        fields: BTreeMap<String, String>,
        status: StatusCode,
    },
    Unauthorized(&'static str),
    EmailNotVerified,
    AccountDisabled,
    AccountLocked {
        retry_after: Duration,
    },
    RateLimited {
        retry_after: Duration,
    },
    Token(TokenProblem),
    AlreadyVerified,
    GoogleNotConfigured,
    Forbidden(&'static str),
    /// The message says what is missing, e.g. which role.
    PermissionDenied(String),
    /// The session is too old for this action; the current password is needed with it.
    ReauthRequired,
    NotFound,
    MethodNotAllowed,
    /// Too many password hashes waiting: shed load instead of queueing without bound.
    Overloaded,
    /// Anything unexpected: logged here with its whole source chain, never shown to the
    /// client.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

/// Why a one-time token cannot be spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Invalid,
    Expired,
    Used,
}

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError::Validation {
            fields: BTreeMap::from([(field.to_owned(), message.clone())]),
            message,
            status: StatusCode::BAD_REQUEST,
        }
    }

    /// A request that could not be read at all (not JSON, wrong types, too large).
    pub fn bad_body(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Validation {
            message: message.into(),
            fields: BTreeMap::new(),
            status,
        }
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiError::Internal(err.into())
    }

    fn parts(&self) -> (StatusCode, ErrorCode, String) {
        use ApiError::*;
        let (status, code, message): (StatusCode, ErrorCode, &str) = match self {
            Validation {
                message, status, ..
            } => return (*status, ErrorCode::ValidationError, message.clone()),
            Unauthorized(message) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message),
            EmailNotVerified => (
                StatusCode::FORBIDDEN,
                ErrorCode::EmailNotVerified,
                "Email not verified",
            ),
            AccountDisabled => (
                StatusCode::FORBIDDEN,
                ErrorCode::AccountDisabled,
                "This account is disabled",
            ),
            AccountLocked { .. } => (
                StatusCode::LOCKED,
                ErrorCode::AccountLocked,
                "Too many failed sign-in attempts; the account is locked for a while",
            ),
            RateLimited { .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "Too many requests; try again later",
            ),
            Token(TokenProblem::Invalid) => (
                StatusCode::BAD_REQUEST,
                ErrorCode::TokenInvalid,
                "This link is not valid",
            ),
            Token(TokenProblem::Expired) => (
                StatusCode::GONE,
                ErrorCode::TokenExpired,
                "This link has expired",
            ),
            Token(TokenProblem::Used) => (
                StatusCode::GONE,
                ErrorCode::TokenUsed,
                "This link has already been used",
            ),
            AlreadyVerified => (
                StatusCode::CONFLICT,
                ErrorCode::AlreadyVerified,
                "This email address is already verified",
            ),
            GoogleNotConfigured => (
                StatusCode::NOT_FOUND,
                ErrorCode::GoogleNotConfigured,
                "Google sign-in is not configured on this server",
            ),
            Forbidden(message) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden, message),
            PermissionDenied(message) => {
                return (
                    StatusCode::FORBIDDEN,
                    ErrorCode::PermissionDenied,
                    message.clone(),
                );
            }
            ReauthRequired => (
                StatusCode::FORBIDDEN,
                ErrorCode::ReauthRequired,
                "This needs a recent sign-in: enter your password again",
            ),
            NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound, "Not found"),
            MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::MethodNotAllowed,
                "Method not allowed",
            ),
            Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Overloaded,
                "The server is busy; try again in a moment",
            ),
            Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalError,
                "Something went wrong on our side",
            ),
        };
        (status, code, message.to_owned())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (_, code, message) = self.parts();
        write!(f, "{code:?}: {message}")
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        ApiError::internal(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(err) = &self {
            tracing::error!(error = %chain(err.as_ref()), "internal error");
        }
        let (status, code, message) = self.parts();
        let fields = match &self {
            ApiError::Validation { fields, .. } if !fields.is_empty() => Some(fields.clone()),
            _ => None,
        };
        let retry_after = match &self {
            ApiError::RateLimited { retry_after } | ApiError::AccountLocked { retry_after } => {
                Some(retry_after.as_secs().max(1))
            }
            ApiError::Overloaded => Some(1),
            _ => None,
        };
        let body = ErrorEnvelope {
            error: ErrorBody {
                code,
                message,
                fields,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// An error and every error beneath it, outermost first: `a: b: c`.
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}
