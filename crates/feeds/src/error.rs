//! The one error type of the feeds crate; the API maps it to HTTP in one place.

use atelier_store::{StorageError, StorageFailure};

/// Why a feeds operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum FeedsError {
    /// The record does not exist, belongs to another tenant, or the caller may not see it
    /// (`"feed"`, `"activity"`, `"feed_group"`, `"follow"`).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Invalid input, naming the field at fault.
    #[error("`{field}`: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The activity's `extra` data is larger than `feeds.max_extra_bytes`.
    #[error("`extra` is {size} bytes; at most {max} are allowed")]
    ExtraTooLarge { size: usize, max: usize },
    /// The change conflicts with the current state; `code` is stable for clients.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The caller sees the target but may not do this; `code` is stable for clients.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Storage failed: [`StorageError::is_unavailable`] (answer 503) or internal.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("identity: {0}")]
    Identity(#[from] atelier_identity::IdentityError),
}

impl From<mongodb::error::Error> for FeedsError {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Storage(error.into())
    }
}

impl From<atelier_outbox::OutboxError> for FeedsError {
    fn from(error: atelier_outbox::OutboxError) -> Self {
        Self::Storage(atelier_outbox::unit::storage_error(error))
    }
}

impl StorageFailure for FeedsError {
    fn storage_error(&self) -> Option<&StorageError> {
        match self {
            Self::Storage(error) => Some(error),
            Self::Identity(error) => error.storage_error(),
            _ => None,
        }
    }
}

impl FeedsError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }
}
