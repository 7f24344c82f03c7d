//! The one error type of the canvas crate; the API maps it to HTTP in one place.

use atelier_store::{StorageError, StorageFailure};

/// Why a canvas operation was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CanvasError {
    /// The record does not exist, belongs to another tenant, or the caller may not see it
    /// (`"document"`, `"version"`, `"grant"`, `"user"`).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Invalid input, naming the field at fault.
    #[error("`{field}`: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The caller sees the document but may not do this; `code` is stable for clients.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// The change conflicts with the current state; `code` is stable for clients
    /// (`document_archived`, ...).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A Yjs update (or JSON edit) was malformed or over a limit; the document is unchanged.
    #[error(transparent)]
    Update(#[from] atelier_canvas_sync::SyncError),
    /// The document's content could not be loaded or made durable: try again.
    #[error("the document's content is unavailable")]
    Unavailable,
    /// Storage failed: [`StorageError::is_unavailable`] (answer 503) or internal.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("identity: {0}")]
    Identity(#[from] atelier_identity::IdentityError),
}

impl From<mongodb::error::Error> for CanvasError {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Storage(error.into())
    }
}

impl From<atelier_outbox::OutboxError> for CanvasError {
    fn from(error: atelier_outbox::OutboxError) -> Self {
        Self::Storage(atelier_outbox::unit::storage_error(error))
    }
}

impl From<crate::log::LogError> for CanvasError {
    fn from(error: crate::log::LogError) -> Self {
        match error {
            crate::log::LogError::Storage(error) => Self::Storage(error),
            crate::log::LogError::Corrupt { .. } | crate::log::LogError::Stopped => {
                tracing::error!(%error, "canvas document content");
                Self::Unavailable
            }
        }
    }
}

impl From<crate::sync::EditError> for CanvasError {
    fn from(error: crate::sync::EditError) -> Self {
        match error {
            crate::sync::EditError::Refused(error) => Self::Update(error),
            crate::sync::EditError::Unavailable => Self::Unavailable,
        }
    }
}

impl StorageFailure for CanvasError {
    fn storage_error(&self) -> Option<&StorageError> {
        match self {
            Self::Storage(error) => Some(error),
            Self::Identity(error) => error.storage_error(),
            _ => None,
        }
    }
}

impl CanvasError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn archived() -> Self {
        Self::conflict(
            "document_archived",
            "the document is archived: unarchive it before editing",
        )
    }
}
