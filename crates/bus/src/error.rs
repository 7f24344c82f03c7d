//! [`BusError`], the single error type of the bus crate.

use std::time::Duration;

/// Everything that can go wrong talking to RabbitMQ.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// [`crate::Bus::new`] binds the pool to the current tokio runtime; there was none.
    #[error("no tokio runtime: the bus must be created inside a tokio runtime")]
    NoRuntime,
    /// The pool could not be built from the configuration.
    #[error("creating the RabbitMQ connection pool: {0}")]
    CreatePool(String),
    /// No pooled connection could be obtained (broker down, bad credentials, pool closed).
    #[error("getting a RabbitMQ connection from the pool: {0}")]
    Pool(#[from] deadpool_lapin::PoolError),
    /// Opening a dedicated connection failed.
    #[error("connecting to RabbitMQ: {0}")]
    Connection(#[source] lapin::Error),
    /// A channel-level operation failed (the broker closes the channel on most errors).
    #[error("RabbitMQ `{operation}` failed: {source}")]
    Channel {
        operation: &'static str,
        #[source]
        source: lapin::Error,
    },
    /// The broker answered a publish with a negative confirm.
    #[error("broker refused (nack) a message published to `{exchange}` with key `{routing_key}`")]
    PublishNacked {
        exchange: String,
        routing_key: String,
    },
    /// A mandatory publish matched no queue (missing topology): it was returned, not stored.
    #[error("message published to `{exchange}` with key `{routing_key}` was unroutable")]
    Unroutable {
        exchange: String,
        routing_key: String,
    },
    /// The broker confirm did not arrive in time; the message may or may not be stored.
    #[error("no broker confirm within {0:?}")]
    ConfirmTimeout(Duration),
    /// An acknowledgement could not be sent because its channel is gone.
    #[error("acknowledgement not sent: the channel was closed")]
    AckLost,
    /// The queues of this consumer do not exist.
    #[error("unknown consumer `{0}`: its queues do not exist")]
    UnknownConsumer(String),
    /// A [`crate::ConsumerSpec`] that cannot be turned into topology.
    #[error("invalid consumer spec: {0}")]
    InvalidSpec(String),
    /// An exchange, queue, routing key or header name longer than AMQP's 255 bytes.
    #[error("name longer than 255 bytes: `{0}`")]
    NameTooLong(String),
    /// A broker operation without a timeout of its own took too long.
    #[error("RabbitMQ `{operation}` timed out after {after:?}")]
    Timeout {
        operation: &'static str,
        after: Duration,
    },
    /// The readiness probe did not complete in time.
    #[error("RabbitMQ readiness check timed out after {0:?}")]
    CheckTimeout(Duration),
    /// An ephemeral consumer's session is gone (the broker ended it, or a binding failed), or
    /// a binding could not be made while it was down.
    #[error("ephemeral consumer: {0}")]
    Ephemeral(String),
}

impl BusError {
    /// True when the broker is unreachable or the link to it broke (worth a 503 and a retry),
    /// as opposed to a refusal or a programming error.
    pub fn is_unavailable(&self) -> bool {
        match self {
            BusError::Pool(_)
            | BusError::Connection(_)
            | BusError::ConfirmTimeout(_)
            | BusError::CheckTimeout(_)
            | BusError::Timeout { .. }
            | BusError::Ephemeral(_)
            | BusError::AckLost => true,
            BusError::Channel { source, .. } => !matches!(
                source.kind(),
                lapin::ErrorKind::ProtocolError(error)
                    if matches!(error.kind(), lapin::protocol::AMQPErrorKind::Soft(_))
            ),
            BusError::NoRuntime
            | BusError::CreatePool(_)
            | BusError::PublishNacked { .. }
            | BusError::Unroutable { .. }
            | BusError::UnknownConsumer(_)
            | BusError::InvalidSpec(_)
            | BusError::NameTooLong(_) => false,
        }
    }

    pub(crate) fn channel(operation: &'static str) -> impl FnOnce(lapin::Error) -> BusError {
        move |source| BusError::Channel { operation, source }
    }

    /// True when the broker answered 404 NOT_FOUND (a passive declare of a missing queue).
    pub(crate) fn is_not_found(&self) -> bool {
        use lapin::protocol::{AMQPErrorKind, AMQPSoftError};
        match self {
            BusError::Channel { source, .. } => matches!(
                source.kind(),
                lapin::ErrorKind::ProtocolError(error)
                    if matches!(error.kind(), AMQPErrorKind::Soft(AMQPSoftError::NOTFOUND))
            ),
            _ => false,
        }
    }
}
