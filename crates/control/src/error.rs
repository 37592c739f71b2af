//! The control plane's errors, each knowing its HTTP status.

use http::StatusCode;
use verge_store::StoreError;

/// Control plane results.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a control plane operation failed. Every variant maps to one HTTP status ([`Error::status`]); the
/// message is what the API returns as `{"error": "..."}`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request is malformed or names something invalid (400).
    #[error("{0}")]
    BadRequest(String),
    /// No bearer token, or one the control plane does not know (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The token lacks the scope the request needs (403).
    #[error("{0}")]
    Forbidden(String),
    /// The worker, version, bundle or token does not exist (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the platform's state, e.g. a route another worker serves (409).
    #[error("{0}")]
    Conflict(String),
    /// The request body is over the configured limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// The method is not served on this path (405).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A part of the platform that is not wired in this build (501).
    #[error("{0}")]
    NotImplemented(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored document could not be read or written, or another internal failure (500).
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            Self::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(StoreError::InvalidName(_)) => StatusCode::BAD_REQUEST,
            Self::Store(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub(crate) fn internal(what: &str, e: impl std::fmt::Display) -> Self {
        Self::Internal(format!("{what}: {e}"))
    }
}
