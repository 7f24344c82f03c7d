//! [`StorageError`]: a MongoDB failure classified once, for the domain crates' error enums.
//!
//! Domain crates wrap it in their own error type (`ChatError::Storage`, ...), so the driver's
//! error type stops there: the edge asks [`StorageError::is_unavailable`] (answer 503 with
//! `Retry-After`) and treats everything else as an internal failure (an opaque 500).

use mongodb::error::{ErrorKind, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};

/// What kind of storage failure this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageErrorKind {
    /// The server could not be reached, selected or answered in time: retry later.
    Unavailable,
    /// A unique index refused the write (E11000).
    DuplicateKey,
    /// Anything else: a bug, bad data, a server-side refusal. Internal.
    Internal,
}

/// A classified MongoDB failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct StorageError {
    kind: StorageErrorKind,
    message: String,
    transient_transaction: bool,
    unknown_commit_result: bool,
}

impl StorageError {
    /// An internal failure that did not come from the driver (undecodable stored data, ...).
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            kind: StorageErrorKind::Internal,
            message: message.into(),
            transient_transaction: false,
            unknown_commit_result: false,
        }
    }

    pub fn kind(&self) -> StorageErrorKind {
        self.kind
    }

    /// Network, timeout or server selection: the edge answers 503 with `Retry-After`.
    pub fn is_unavailable(&self) -> bool {
        self.kind == StorageErrorKind::Unavailable
    }

    pub fn is_duplicate_key(&self) -> bool {
        self.kind == StorageErrorKind::DuplicateKey
    }

    /// The whole transaction may be retried (`TransientTransactionError` label).
    pub fn is_transient_transaction(&self) -> bool {
        self.transient_transaction
    }

    /// The commit may be retried (`UnknownTransactionCommitResult` label).
    pub fn is_unknown_commit_result(&self) -> bool {
        self.unknown_commit_result
    }
}

impl From<mongodb::error::Error> for StorageError {
    fn from(error: mongodb::error::Error) -> Self {
        let kind = if crate::is_duplicate_key(&error) {
            StorageErrorKind::DuplicateKey
        } else if is_unavailable(&error) {
            StorageErrorKind::Unavailable
        } else {
            StorageErrorKind::Internal
        };
        Self {
            kind,
            transient_transaction: error.contains_label(TRANSIENT_TRANSACTION_ERROR),
            unknown_commit_result: error.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT),
            message: error.to_string(),
        }
    }
}

/// Network errors and timeouts (both `Io`), server selection, a cleared pool, and anything the driver labels
/// retryable.
pub(crate) fn is_unavailable(error: &mongodb::error::Error) -> bool {
    matches!(
        error.kind.as_ref(),
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
    ) || error.contains_label(mongodb::error::RETRYABLE_WRITE_ERROR)
}

/// Lets the unit of work find the storage failure inside a domain error (to retry transient
/// transaction errors), whatever the domain's error type.
pub trait StorageFailure {
    fn storage_error(&self) -> Option<&StorageError>;
}

impl StorageFailure for StorageError {
    fn storage_error(&self) -> Option<&StorageError> {
        Some(self)
    }
}
