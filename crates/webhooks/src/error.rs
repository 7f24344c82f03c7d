//! The one error type of the webhooks crate; the API maps it to HTTP in one place.

use atelier_store::{StorageError, StorageFailure};

use crate::ssrf::UrlError;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The record does not exist or belongs to another tenant (`"endpoint"`, ...).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Invalid input, naming the field at fault.
    #[error("`{field}`: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The endpoint URL is refused by the SSRF guard (syntax or resolved addresses).
    #[error("url: {0}")]
    Url(#[from] UrlError),
    /// Storage failed: [`StorageError::is_unavailable`] (answer 503) or internal.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    /// The acting principal may not do this (the policy's refusal, answered 403).
    #[error(transparent)]
    Access(#[from] atelier_identity::IdentityError),
    /// Enqueueing a delivery job failed (RabbitMQ down or refusing).
    #[error("RabbitMQ: {0}")]
    Bus(#[from] atelier_bus::BusError),
}

impl From<mongodb::error::Error> for WebhookError {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Storage(error.into())
    }
}

impl From<atelier_outbox::OutboxError> for WebhookError {
    fn from(error: atelier_outbox::OutboxError) -> Self {
        Self::Storage(atelier_outbox::unit::storage_error(error))
    }
}

impl StorageFailure for WebhookError {
    fn storage_error(&self) -> Option<&StorageError> {
        match self {
            Self::Storage(error) => Some(error),
            _ => None,
        }
    }
}

impl WebhookError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
