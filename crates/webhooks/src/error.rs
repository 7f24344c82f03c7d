//! The one error type of the webhooks crate; the API maps it to HTTP in one place.

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
    #[error("MongoDB: {0}")]
    Mongo(#[from] mongodb::error::Error),
    #[error("outbox: {0}")]
    Outbox(#[from] atelier_outbox::OutboxError),
    /// Enqueueing a delivery job failed (RabbitMQ down or refusing).
    #[error("RabbitMQ: {0}")]
    Bus(#[from] atelier_bus::BusError),
}

impl WebhookError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
