//! RFC 9457 problem details: the one shape of every error response.
//!
//! Handlers return [`ErrorResponse`] (listed in the spec for every operation); errors raised by
//! the framework before a handler runs (unknown route, wrong method, unparsable parameters or
//! body, wrong content type, body too large) are converted by [`from_poem_error`]. The
//! [`crate::middleware::Problems`] middleware fills in the request id of both kinds.

use poem::http::StatusCode;
use poem_openapi::{ApiResponse, Object, payload::Json};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";
/// `Retry-After` of a 503 answered because MongoDB is unavailable.
pub const STORAGE_RETRY_AFTER_SECONDS: u64 = 5;

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// A URI naming the problem type (`urn:atelier:problem:<code>`).
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem type (the HTTP reason phrase).
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Human-readable explanation of this occurrence.
    pub detail: String,
    /// Stable machine-readable code, e.g. `invalid_parameter`. Clients branch on this.
    pub code: String,
    /// The request id (also in the `X-Request-Id` response header); quote it to support.
    #[oai(skip_serializing_if_is_none)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Per-field errors, for invalid parameters and bodies; absent otherwise.
    #[oai(default, skip_serializing_if_is_empty)]
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid field of a request.
#[derive(Debug, Clone, Object, serde::Serialize, serde::Deserialize)]
pub struct FieldError {
    /// Parameter or body field name.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("urn:atelier:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            request_id: None,
            errors: Vec::new(),
        }
    }

    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
        self
    }

    /// The opaque answer to an unexpected failure; the cause goes to the log only.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "An unexpected error occurred. It has been logged; quote the request id to support.",
        )
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Serialises into a `poem::Response` with the problem content type.
    pub fn into_poem_response(self) -> poem::Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        poem::Response::builder()
            .status(status)
            .content_type(PROBLEM_CONTENT_TYPE)
            .body(body)
    }
}

/// Every error an operation can answer. Listed in the spec for each operation that returns it.
#[derive(Debug, ApiResponse)]
pub enum ErrorResponse {
    /// The request is malformed: a parameter or body field is invalid (see `errors`).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// Credentials are missing or invalid.
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(Json<Problem>),
    /// The credentials are valid but do not allow this.
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// The resource does not exist (or belongs to another tenant).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the resource's current state.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The body is larger than the configured limit.
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body's content type is not supported (send `application/json`).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// Too many requests; retry after the given number of seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Json<Problem>, #[oai(header = "Retry-After")] u64),
    /// An unexpected failure. Logged with context; the body is deliberately opaque.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// A dependency (MongoDB, RabbitMQ) is unavailable; retry after the given seconds.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>, #[oai(header = "Retry-After")] u64),
}

impl ErrorResponse {
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::BadRequest(Json(Problem::new(StatusCode::BAD_REQUEST, code, detail)))
    }

    pub fn invalid_field(field: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self::BadRequest(Json(
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_field",
                format!("`{field}`: {detail}"),
            )
            .with_field(field, detail),
        ))
    }

    pub fn not_found(code: &str, detail: impl Into<String>) -> Self {
        Self::NotFound(Json(Problem::new(StatusCode::NOT_FOUND, code, detail)))
    }

    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        Self::Conflict(Json(Problem::new(StatusCode::CONFLICT, code, detail)))
    }

    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        Self::Forbidden(Json(Problem::new(StatusCode::FORBIDDEN, code, detail)))
    }

    pub fn unauthorized(code: &str, detail: impl Into<String>) -> Self {
        Self::Unauthorized(Json(Problem::new(StatusCode::UNAUTHORIZED, code, detail)))
    }

    /// A dependency is down: 503 with a `Retry-After`.
    pub fn unavailable(dependency: &str, retry_after_seconds: u64) -> Self {
        Self::Unavailable(
            Json(Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "dependency_unavailable",
                format!("{dependency} is unavailable; retry in {retry_after_seconds} s"),
            )),
            retry_after_seconds,
        )
    }

    /// A storage failure: 503 + `Retry-After` when MongoDB is unavailable, else an opaque 500.
    /// The one place the edge decides this (domain errors carry a classified
    /// [`StorageError`](atelier_store::StorageError), never the driver's error).
    pub fn storage(context: &str, error: &atelier_store::StorageError) -> Self {
        if error.is_unavailable() {
            tracing::warn!(%error, context, "MongoDB unavailable");
            Self::unavailable("MongoDB", STORAGE_RETRY_AFTER_SECONDS)
        } else {
            Self::internal(context, error)
        }
    }

    /// Logs the cause with context and answers an opaque 500.
    pub fn internal(context: &str, error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error, context, "unexpected failure");
        Self::Internal(Json(Problem::internal()))
    }
}

/// Converts any error poem or poem-openapi raised into a problem.
pub fn from_poem_error(error: &poem::Error, method: &str, path: &str) -> (Problem, Option<u64>) {
    use poem::error::{MethodNotAllowedError, NotFoundError, ReadBodyError, SizedLimitError};
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };

    let status = error.status();
    let problem = if error.is::<NotFoundError>() {
        Problem::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            format!("No route matches {method} {path}."),
        )
    } else if error.is::<MethodNotAllowedError>() {
        Problem::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{path} does not accept {method}."),
        )
    } else if let Some(param) = error.downcast_ref::<ParseParamError>() {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!("Parameter `{}` is invalid: {}", param.name, param.reason),
        )
        .with_field(param.name, &param.reason)
    } else if let Some(param) = error.downcast_ref::<ParsePathError>() {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            format!(
                "Path parameter `{}` is invalid: {}",
                param.name, param.reason
            ),
        )
        .with_field(param.name, &param.reason)
    } else if let Some(payload) = error.downcast_ref::<ParseRequestPayloadError>() {
        let problem = Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            format!("The request body is invalid: {}", payload.reason),
        );
        match offending_field(&payload.reason) {
            Some(field) => problem.with_field(field, &payload.reason),
            None => problem,
        }
    } else if let Some(content_type) = error.downcast_ref::<ContentTypeError>() {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("{content_type}; send `application/json`."),
        )
    } else if error.is::<crate::middleware::BodyTooLarge>()
        || matches!(
            error.downcast_ref::<ReadBodyError>(),
            Some(ReadBodyError::PayloadTooLarge)
        )
        || matches!(
            error.downcast_ref::<SizedLimitError>(),
            Some(SizedLimitError::PayloadTooLarge)
        )
    {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            error.to_string(),
        )
    } else if error.is::<AuthorizationError>() {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "This operation needs credentials: send `Authorization: Bearer <token>`.",
        )
    } else if let Some(problem) = error.downcast_ref::<ProblemError>() {
        problem.0.clone()
    } else if status.is_server_error() {
        tracing::error!(error = %error, method, path, "unexpected failure");
        Problem::internal()
    } else {
        let code = status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
            .replace(' ', "_");
        Problem::new(status, &code, error.to_string())
    };
    let retry_after = error.downcast_ref::<ProblemError>().and_then(|p| p.1);
    (problem, retry_after)
}

/// The `Allow` header of a 405 for `path`: the methods the API serves there, or `None` when
/// no route has that path.
pub fn allowed_methods(path: &str) -> Option<String> {
    static ROUTES: std::sync::OnceLock<Vec<(Vec<String>, Vec<String>)>> =
        std::sync::OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let spec: serde_json::Value = serde_json::from_str(&crate::spec_json(
            &atelier_outbox::catalog::Catalog::new(Vec::new()).unwrap(),
        ))
        .unwrap_or_default();
        let mut routes: Vec<(Vec<String>, Vec<String>)> = spec["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, operations)| {
                        let methods = operations
                            .as_object()
                            .map(|operations| {
                                operations.keys().map(|m| m.to_ascii_uppercase()).collect()
                            })
                            .unwrap_or_default();
                        (segments(template), methods)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // Routes outside the OpenAPI service.
        for path in [
            "/v1/realtime",
            "/v1/canvas/sync/{document_id}",
            "/v1/openapi.json",
            "/docs",
        ] {
            routes.push((segments(path), vec!["GET".to_owned()]));
        }
        routes
    });
    let wanted = segments(path);
    let mut methods: Vec<&str> = routes
        .iter()
        .filter(|(template, _)| {
            template.len() == wanted.len()
                && template.iter().zip(&wanted).all(|(template, segment)| {
                    (template.starts_with('{') && !segment.is_empty()) || template == segment
                })
        })
        .flat_map(|(_, methods)| methods.iter().map(String::as_str))
        .collect();
    methods.sort_unstable();
    methods.dedup();
    (!methods.is_empty()).then(|| methods.join(", "))
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// A problem's response for an error raised by poem or a middleware, with `Retry-After` and
/// (for a 405) `Allow`.
pub fn poem_error_response(error: &poem::Error, method: &str, path: &str) -> poem::Response {
    let (problem, retry_after) = from_poem_error(error, method, path);
    let mut response = problem.into_poem_response();
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(
            poem::http::header::RETRY_AFTER,
            poem::http::HeaderValue::from(seconds),
        );
    }
    if error.is::<poem::error::MethodNotAllowedError>()
        && let Some(allowed) = allowed_methods(path)
        && let Ok(value) = poem::http::HeaderValue::from_str(&allowed)
    {
        response
            .headers_mut()
            .insert(poem::http::header::ALLOW, value);
    }
    response
}

/// A problem raised as a `poem::Error` (from extractors and security checkers, which cannot
/// return an `ErrorResponse`).
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.detail)]
pub struct ProblemError(pub Problem, pub Option<u64>);

impl poem::error::ResponseError for ProblemError {
    fn status(&self) -> StatusCode {
        self.0.status_code()
    }
}

/// Finds the field serde or poem-openapi blamed, e.g. "missing field `limit`".
fn offending_field(reason: &str) -> Option<String> {
    for marker in ["field `", "field \"", "property `", "parse \""] {
        if let Some(start) = reason.rfind(marker) {
            let rest = &reason[start + marker.len()..];
            let end = rest.find(['`', '"'])?;
            let field = &rest[..end];
            if !field.is_empty() && field.len() <= 64 {
                return Some(field.to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offending_field_table() {
        let cases = [
            ("missing field `limit` at line 1 column 2", Some("limit")),
            (
                "failed to parse field \"limit\": not a number",
                Some("limit"),
            ),
            ("expected value at line 1 column 1", None),
        ];
        for (reason, expected) in cases {
            assert_eq!(offending_field(reason).as_deref(), expected, "{reason}");
        }
    }

    #[test]
    fn problem_serialises_per_rfc_9457() {
        let problem = Problem::new(
            StatusCode::NOT_FOUND,
            "channel_not_found",
            "No such channel.",
        );
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "urn:atelier:problem:channel_not_found");
        assert_eq!(json["title"], "Not Found");
        assert_eq!(json["status"], 404);
        assert!(json.get("errors").is_none());
    }
}
