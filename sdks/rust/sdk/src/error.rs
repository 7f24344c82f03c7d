//! The SDK's error: progenitor's `Error<ByteStream>` with the problem body read and parsed.
//!
//! Atelier answers every error as `application/problem+json` ([`types::Problem`]). Progenitor
//! 0.11.2 only types `application/json` bodies, so its generated operations return
//! `progenitor_client::Error<ByteStream>`; [`Error::from_progenitor`] reads the body and parses
//! the problem.

use std::time::Duration;

use futures_util::TryStreamExt;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::types;

/// An error answered by the server, with its parsed problem.
#[derive(Debug, Clone)]
pub struct ProblemError {
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The parsed `application/problem+json` body; `None` when the body was not a problem
    /// (e.g. a proxy's HTML page), in which case `body` holds it.
    pub problem: Option<types::Problem>,
    /// The raw body (for diagnostics when it is not a problem).
    pub body: bytes::Bytes,
    /// `Retry-After`, when the response carried one (seconds or an HTTP date).
    pub retry_after: Option<Duration>,
    /// The `X-Request-Id` header (also `problem.request_id`).
    pub request_id: Option<String>,
}

impl ProblemError {
    /// Builds one from a response's parts.
    pub fn new(status: StatusCode, headers: &HeaderMap, body: bytes::Bytes) -> Self {
        let problem = serde_json::from_slice::<types::Problem>(&body).ok();
        let request_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| problem.as_ref().and_then(|p| p.request_id.clone()));
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::retry::parse_retry_after(v, chrono::Utc::now()));
        Self {
            status,
            problem,
            body,
            retry_after,
            request_id,
        }
    }

    /// The problem's stable code (`not_found`, `token_expired`, ...), if the body was a problem.
    pub fn code(&self) -> Option<&str> {
        self.problem.as_ref().map(|p| p.code.as_str())
    }

    /// The problem's human-readable detail.
    pub fn detail(&self) -> Option<&str> {
        self.problem.as_ref().map(|p| p.detail.as_str())
    }

    /// Per-field errors (empty unless the request was invalid).
    pub fn errors(&self) -> &[types::FieldError] {
        self.problem.as_ref().map_or(&[], |p| p.errors.as_slice())
    }
}

/// Everything an SDK call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered an error status (a problem).
    #[error("{} {}: {}", .0.status, .0.code().unwrap_or("(no problem body)"), .0.detail().unwrap_or(""))]
    Api(Box<ProblemError>),
    /// The request was not sent: a parameter did not validate client-side, or a value did not
    /// fit its field's declared limits (`"Design".parse::<types::CreateWorkspaceName>()?`).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The connection failed or timed out, or the body could not be read.
    #[error("communication error: {0}")]
    Communication(#[from] reqwest::Error),
    /// A success response whose body did not match the contract (a spec or server defect).
    #[error("invalid response payload: {error} (body: {})", String::from_utf8_lossy(.body))]
    InvalidResponsePayload {
        /// The body received.
        body: bytes::Bytes,
        /// What failed to deserialize.
        error: serde_json::Error,
    },
    /// A response the contract does not list and that is a success status.
    #[error("unexpected response {status}: {}", String::from_utf8_lossy(.body))]
    UnexpectedResponse {
        /// Its status.
        status: StatusCode,
        /// Its body.
        body: bytes::Bytes,
    },
    /// Anything else (a progenitor hook error, a refresh that could not happen).
    #[error("{0}")]
    Other(String),
}

impl Error {
    /// Converts progenitor's error, reading and parsing the problem body of error responses.
    pub async fn from_progenitor(error: progenitor_client::Error<ByteStream>) -> Self {
        use progenitor_client::Error as P;
        match error {
            P::ErrorResponse(rv) => Self::from_error_response(rv).await,
            P::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(body) if status.is_client_error() || status.is_server_error() => {
                        Self::Api(Box::new(ProblemError::new(status, &headers, body)))
                    }
                    Ok(body) => Self::UnexpectedResponse { status, body },
                    Err(e) => Self::Communication(e),
                }
            }
            P::InvalidRequest(s) => Self::InvalidRequest(s),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                Self::Communication(e)
            }
            P::InvalidResponsePayload(body, error) => Self::InvalidResponsePayload { body, error },
            P::Custom(s) => Self::Other(s),
        }
    }

    async fn from_error_response(rv: ResponseValue<ByteStream>) -> Self {
        let status = rv.status();
        let headers = rv.headers().clone();
        let chunks: Result<Vec<bytes::Bytes>, reqwest::Error> =
            rv.into_inner_stream().try_collect().await;
        match chunks {
            Ok(chunks) => {
                let body = bytes::Bytes::from(chunks.concat());
                Self::Api(Box::new(ProblemError::new(status, &headers, body)))
            }
            Err(e) => Self::Communication(e),
        }
    }

    /// The server's answer, when this is an error response.
    pub fn problem_error(&self) -> Option<&ProblemError> {
        match self {
            Self::Api(p) => Some(p),
            _ => None,
        }
    }

    /// The parsed problem, when the server answered one.
    pub fn problem(&self) -> Option<&types::Problem> {
        self.problem_error().and_then(|p| p.problem.as_ref())
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(p) => Some(p.status),
            Self::UnexpectedResponse { status, .. } => Some(*status),
            Self::Communication(e) => e.status(),
            _ => None,
        }
    }

    /// The problem code (`not_found`, `rate_limited`, ...), when the server answered one.
    pub fn code(&self) -> Option<&str> {
        self.problem_error().and_then(ProblemError::code)
    }

    /// The request id to quote to support, when the server answered.
    pub fn request_id(&self) -> Option<&str> {
        self.problem_error().and_then(|p| p.request_id.as_deref())
    }

    /// Whether this is the 401 `token_expired` that a token refresh cures.
    pub fn is_token_expired(&self) -> bool {
        self.status() == Some(StatusCode::UNAUTHORIZED) && self.code() == Some("token_expired")
    }
}

/// Turns a generated operation's `send()` future into one that answers the body or an SDK
/// [`Error`] (with the problem parsed), for calls that need no retry:
/// `client.users_get().user_id(id).send().into_sdk().await?`.
pub trait IntoSdk<T>:
    std::future::Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>> + Sized
{
    /// The response body, or the SDK error.
    fn into_sdk(self) -> impl std::future::Future<Output = Result<T, Error>> {
        async move {
            match self.await {
                Ok(v) => Ok(v.into_inner()),
                Err(e) => Err(Error::from_progenitor(e).await),
            }
        }
    }
}

impl<T, F> IntoSdk<T> for F where
    F: std::future::Future<Output = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>>
{
}

impl From<crate::types::error::ConversionError> for Error {
    /// A value outside its field's declared limits (length, pattern), refused before sending.
    fn from(error: crate::types::error::ConversionError) -> Self {
        Error::InvalidRequest(error.to_string())
    }
}
