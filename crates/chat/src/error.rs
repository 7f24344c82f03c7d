//! The one error type of the chat crate; the API maps it to HTTP in one place.

use atelier_store::{StorageError, StorageFailure};

/// Why a chat operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The record does not exist, belongs to another tenant, or the caller may not see it
    /// (`"channel"`, `"message"`, ...).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Invalid input, naming the field at fault.
    #[error("`{field}`: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The text is longer than `chat.max_message_chars`.
    #[error("`text` is {length} characters long; at most {max} are allowed")]
    TextTooLong { length: usize, max: usize },
    /// The channel is frozen (read-only).
    #[error("the channel is frozen: it is read-only")]
    Frozen,
    /// The channel is archived.
    #[error("the channel is archived")]
    Archived,
    /// Slow mode: the member must wait this many seconds before sending again.
    #[error("slow mode: wait {retry_after_seconds} s before sending again")]
    SlowMode { retry_after_seconds: u64 },
    /// The change conflicts with the current state; `code` is stable for clients.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The caller sees the channel but may not do this; `code` is stable for clients.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Storage failed: [`StorageError::is_unavailable`] (answer 503) or internal.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("identity: {0}")]
    Identity(#[from] atelier_identity::IdentityError),
}

impl From<mongodb::error::Error> for ChatError {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Storage(error.into())
    }
}

impl From<atelier_outbox::OutboxError> for ChatError {
    fn from(error: atelier_outbox::OutboxError) -> Self {
        Self::Storage(atelier_outbox::unit::storage_error(error))
    }
}

impl StorageFailure for ChatError {
    fn storage_error(&self) -> Option<&StorageError> {
        match self {
            Self::Storage(error) => Some(error),
            Self::Identity(error) => error.storage_error(),
            _ => None,
        }
    }
}

impl ChatError {
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
