//! Authentication at the edge.
//!
//! The [`authenticate`] middleware resolves the `Authorization: Bearer` credential once per
//! request (API keys by their `atk_` prefix, anything else as a user JWT) and stores the
//! [`AuthOutcome`] in the request extensions, where the rate limiter, audit and usage
//! recording find the principal. Operations declare who may call them with the security
//! schemes below, which read that outcome; the tenant is taken from the principal only.

use atelier_identity::{AuthError, AuthFailure, Principal};
use poem::{Endpoint, IntoResponse, Request, Response, Result, http::header};
use poem_openapi::{SecurityScheme, auth::Bearer};
use std::sync::Arc;

use crate::{
    ApiState,
    problem::{Problem, ProblemError},
};

/// The result of authenticating this request's bearer credential; absent when the request
/// carried none.
#[derive(Debug, Clone)]
pub struct AuthOutcome(pub Result<Principal, AuthFailure>);

impl AuthOutcome {
    pub fn principal(&self) -> Option<&Principal> {
        self.0.as_ref().ok()
    }
}

pub async fn authenticate<E: Endpoint>(next: Arc<E>, mut request: Request) -> Result<Response> {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .map(str::trim)
        .map(str::to_owned);
    if let (Some(bearer), Some(state)) = (bearer, request.data::<ApiState>().cloned()) {
        let outcome = if bearer.is_empty() || bearer.len() > 4096 {
            Err(AuthError::Malformed.into())
        } else {
            state.identity.authenticate(&bearer).await
        };
        request.extensions_mut().insert(AuthOutcome(outcome));
    }
    Ok(next.call(request).await?.into_response())
}

/// The 401 problem for a refused credential. Never echoes the credential.
pub fn unauthorized(error: &AuthError) -> poem::Error {
    let status = match error {
        AuthError::Unavailable(_) => poem::http::StatusCode::SERVICE_UNAVAILABLE,
        _ => poem::http::StatusCode::UNAUTHORIZED,
    };
    let retry_after = matches!(error, AuthError::Unavailable(_)).then_some(5);
    ProblemError(
        Problem::new(status, error.code(), error.to_string()),
        retry_after,
    )
    .into()
}

fn outcome(request: &Request) -> Result<Principal, poem::Error> {
    match request.extensions().get::<AuthOutcome>() {
        Some(AuthOutcome(Ok(principal))) => Ok(principal.clone()),
        Some(AuthOutcome(Err(failure))) => Err(unauthorized(&failure.error)),
        None => Err(unauthorized(&AuthError::Missing)),
    }
}

async fn check_api_key(request: &Request, _bearer: Bearer) -> poem::Result<Principal> {
    match outcome(request)? {
        principal @ Principal::ApiKey { .. } => Ok(principal),
        Principal::User { .. } => Err(ProblemError(
            Problem::new(
                poem::http::StatusCode::FORBIDDEN,
                "api_key_required",
                "This operation is for the tenant's backend: authenticate with an API key.",
            ),
            None,
        )
        .into()),
    }
}

async fn check_user_token(request: &Request, _bearer: Bearer) -> poem::Result<Principal> {
    match outcome(request)? {
        principal @ Principal::User { .. } => Ok(principal),
        Principal::ApiKey { .. } => Err(ProblemError(
            Problem::new(
                poem::http::StatusCode::FORBIDDEN,
                "user_token_required",
                "This operation acts as an end user: authenticate with a user access token.",
            ),
            None,
        )
        .into()),
    }
}

/// The tenant's backend: `Authorization: Bearer atk_...` (an API key).
#[derive(Debug, SecurityScheme)]
#[oai(
    rename = "ApiKey",
    ty = "bearer",
    bearer_format = "atk_...",
    checker = "check_api_key"
)]
pub struct ApiKeyAuth(pub Principal);

/// An end user: `Authorization: Bearer <JWT>` minted by the tenant's backend.
#[derive(Debug, SecurityScheme)]
#[oai(
    rename = "UserToken",
    ty = "bearer",
    bearer_format = "JWT",
    checker = "check_user_token"
)]
pub struct UserAuth(pub Principal);

/// Either principal.
#[derive(Debug, SecurityScheme)]
pub enum TenantAuth {
    ApiKey(ApiKeyAuth),
    User(UserAuth),
}

impl TenantAuth {
    pub fn principal(&self) -> &Principal {
        match self {
            Self::ApiKey(ApiKeyAuth(principal)) | Self::User(UserAuth(principal)) => principal,
        }
    }
}
