//! The shared pieces of the HTTP edge: one [`ApiResult`], id parsing, the one opaque
//! [`cursor`] codec and [`page::Page`] type, strict JSON bodies ([`json`]), timestamps
//! ([`time`]), the sockets' [`websocket`] configuration, and the one mapping of each domain error type to a problem ([`identity_error`],
//! [`chat_error`], [`webhook_error`]). Area modules (`chat`, `identity`, `webhooks`, ...)
//! import these from here and never helpers from a sibling area.

pub mod cursor;
pub mod json;
pub mod page;
pub mod time;
pub mod websocket;

pub use page::Page;

use atelier_chat::ChatError;
use atelier_identity::IdentityError;
use atelier_webhooks::WebhookError;
use poem::http::StatusCode;
use poem_openapi::payload::Json;

use crate::problem::{ErrorResponse, Problem};

/// What every operation returns.
pub type ApiResult<T> = Result<T, ErrorResponse>;

/// Parses a prefixed id from a path or body field, answering 400 naming the field.
pub fn parse_id<T: std::str::FromStr<Err = atelier_core::IdError>>(
    field: &str,
    text: &str,
) -> Result<T, ErrorResponse> {
    text.parse::<T>()
        .map_err(|error| ErrorResponse::invalid_field(field, error.to_string()))
}

/// 404 `<what>_not_found`.
pub fn not_found(what: &str) -> ErrorResponse {
    ErrorResponse::not_found(&format!("{what}_not_found"), format!("No such {what}."))
}

/// One mapping of identity errors to HTTP.
pub fn identity_error(error: IdentityError) -> ErrorResponse {
    match error {
        IdentityError::NotFound(what) => not_found(&what.replace(' ', "_").to_lowercase()),
        IdentityError::Conflict { code, message } => ErrorResponse::conflict(code, message),
        IdentityError::Forbidden { code } => {
            ErrorResponse::forbidden(code, "Your credentials do not allow this operation.")
        }
        IdentityError::Invalid { field, message } => ErrorResponse::invalid_field(field, message),
        IdentityError::Storage(error) => ErrorResponse::storage("identity operation", &error),
    }
}

/// One mapping of chat errors to HTTP.
pub fn chat_error(error: ChatError) -> ErrorResponse {
    match error {
        ChatError::NotFound(what) => not_found(what),
        ChatError::Invalid { field, message } => ErrorResponse::invalid_field(field, message),
        ChatError::TextTooLong { length, max } => {
            let detail = format!("is {length} characters long; at most {max} are allowed");
            ErrorResponse::PayloadTooLarge(Json(
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "text_too_long",
                    format!("`text` {detail}"),
                )
                .with_field("text", detail),
            ))
        }
        ChatError::Frozen => {
            ErrorResponse::forbidden("channel_frozen", "The channel is frozen: it is read-only.")
        }
        ChatError::Archived => ErrorResponse::conflict(
            "channel_archived",
            "The channel is archived: unarchive it to change it.",
        ),
        ChatError::SlowMode {
            retry_after_seconds,
        } => ErrorResponse::TooManyRequests(
            Json(Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "slow_mode",
                format!("Slow mode is on: wait {retry_after_seconds} s before sending again."),
            )),
            retry_after_seconds,
        ),
        ChatError::Conflict { code, message } => ErrorResponse::conflict(code, message),
        ChatError::Forbidden { code, message } => ErrorResponse::forbidden(code, message),
        ChatError::Identity(error) => identity_error(error),
        ChatError::Storage(error) => ErrorResponse::storage("chat operation", &error),
    }
}

/// One mapping of feeds errors to HTTP.
pub fn feeds_error(error: atelier_feeds::FeedsError) -> ErrorResponse {
    use atelier_feeds::FeedsError;
    match error {
        FeedsError::NotFound(what) => not_found(what),
        FeedsError::Invalid { field, message } => ErrorResponse::invalid_field(field, message),
        FeedsError::ExtraTooLarge { size, max } => {
            let detail = format!("is {size} bytes of JSON; at most {max} are allowed");
            ErrorResponse::PayloadTooLarge(Json(
                Problem::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "extra_too_large",
                    format!("`extra` {detail}"),
                )
                .with_field("extra", detail),
            ))
        }
        FeedsError::Conflict { code, message } => ErrorResponse::conflict(code, message),
        FeedsError::Forbidden { code, message } => ErrorResponse::forbidden(code, message),
        FeedsError::Identity(error) => identity_error(error),
        FeedsError::Storage(error) => ErrorResponse::storage("feeds operation", &error),
    }
}

/// One mapping of canvas errors to HTTP.
pub fn canvas_error(error: atelier_canvas::CanvasError) -> ErrorResponse {
    use atelier_canvas::CanvasError;
    use atelier_canvas_sync::SyncError;
    match error {
        CanvasError::NotFound(what) => not_found(what),
        CanvasError::Invalid { field, message } => ErrorResponse::invalid_field(field, message),
        CanvasError::Forbidden { code, message } => ErrorResponse::forbidden(code, message),
        CanvasError::Conflict { code, message } => ErrorResponse::conflict(code, message),
        CanvasError::Update(SyncError::UpdateTooLarge { size, limit }) => {
            ErrorResponse::PayloadTooLarge(Json(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "update_too_large",
                format!("The update is {size} bytes; this tenant's limit is {limit}."),
            )))
        }
        CanvasError::Update(SyncError::DocumentTooLarge { projected, limit }) => {
            ErrorResponse::PayloadTooLarge(Json(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "document_too_large",
                format!(
                    "The update would grow the document to {projected} bytes; this tenant's limit is {limit}."
                ),
            )))
        }
        CanvasError::Update(error) => ErrorResponse::BadRequest(Json(Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed_update",
            format!("The Yjs update was refused and the document is unchanged: {error}."),
        ))),
        CanvasError::Unavailable => ErrorResponse::unavailable("canvas document", 1),
        CanvasError::Identity(error) => identity_error(error),
        CanvasError::Storage(error) => ErrorResponse::storage("canvas operation", &error),
    }
}

/// One mapping of webhook errors to HTTP.
pub fn webhook_error(error: WebhookError) -> ErrorResponse {
    match error {
        WebhookError::NotFound(what) => not_found(what),
        WebhookError::Invalid { field, message } => ErrorResponse::invalid_field(field, message),
        WebhookError::Url(error) => ErrorResponse::invalid_field("url", error.to_string()),
        WebhookError::Storage(error) => ErrorResponse::storage("webhook operation", &error),
        WebhookError::Access(error) => identity_error(error),
        other => ErrorResponse::internal("webhook operation", &other),
    }
}
