//! The user-token API: the tenant's backend mints tokens for its users, clients refresh them,
//! and anyone can fetch the public keys (JWKS) to verify access tokens themselves.
//!
//! Token responses follow the shape of RFC 6749 §5.1 (`access_token`, `token_type`,
//! `expires_in`, `refresh_token`) and are never cached. Refusals are 401 problems whose `code`
//! says why (`refresh_token_reused`, `invalid_refresh_token`, ...); they never echo a token.

use crate::edge::json::JsonBody;
use atelier_identity::{AuthError, UserId, tokens::TokenPair};
use chrono::Utc;
use poem::web::Data;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, param::Path, payload::Json};

use crate::{
    ApiState, ApiTags,
    auth::ApiKeyAuth,
    edge::{ApiResult, identity_error, parse_id},
    problem::ErrorResponse,
};

/// Token responses carry secrets: no cache may keep them (RFC 6749 §5.1).
const NO_STORE: &str = "no-store";
/// Clients and proxies may keep the JWKS for five minutes; a rotated-out key verifies for at
/// least the access-token lifetime, so a stale JWKS is never missing a key in use for long.
const JWKS_CACHE_CONTROL: &str = "public, max-age=300";

/// The token API.
#[derive(Debug, Default)]
pub struct TokensApi;

/// How the access token is sent: always `Bearer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum TokenType {
    Bearer,
}

/// A user access token and the refresh token to renew it.
#[derive(Debug, Object)]
pub struct TokenResponse {
    /// The access token (a JWT signed with EdDSA), sent as `Authorization: Bearer <token>`.
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Exchange it at `POST /v1/auth/refresh` for a new pair. Single use: presenting it twice
    /// revokes the whole login.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

/// A refresh request.
#[derive(Debug, Object)]
pub struct RefreshRequest {
    /// The refresh token (`rt_...`) from the last token response.
    pub refresh_token: String,
}

/// An Ed25519 public key (RFC 8037).
#[derive(Debug, Object)]
pub struct Jwk {
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// The key id, matching the `kid` header of tokens it signed.
    pub kid: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Always `sig`.
    #[oai(rename = "use")]
    pub key_use: String,
}

/// The keys that currently verify access tokens (RFC 7517).
#[derive(Debug, Object)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, ApiResponse)]
pub enum MintResponse {
    /// The tokens were minted.
    #[oai(status = 201)]
    Created(Json<TokenResponse>, #[oai(header = "Cache-Control")] String),
}

#[derive(Debug, ApiResponse)]
pub enum RefreshResponse {
    /// A new pair; the presented refresh token is used up.
    #[oai(status = 200)]
    Ok(Json<TokenResponse>, #[oai(header = "Cache-Control")] String),
}

#[derive(Debug, ApiResponse)]
pub enum JwksResponse {
    #[oai(status = 200)]
    Ok(Json<JwkSet>, #[oai(header = "Cache-Control")] String),
}

#[OpenApi(tag = "ApiTags::Tokens")]
impl TokensApi {
    /// Mints an access token and a refresh token for a user of your organisation (API key,
    /// full scope). Starts a new login: refreshing it keeps the login, reusing a refresh token
    /// ends it. No request body is needed.
    #[oai(
        path = "/v1/users/:user_id/tokens",
        method = "post",
        operation_id = "tokens.mint"
    )]
    async fn mint(
        &self,
        auth: ApiKeyAuth,
        state: Data<&ApiState>,
        /// The user's id (`usr_...`).
        user_id: Path<String>,
    ) -> ApiResult<MintResponse> {
        let principal = &auth.0;
        let user: UserId = parse_id("user_id", &user_id)?;
        let pair = state
            .identity
            .mint_user_tokens(principal, user)
            .await
            .map_err(identity_error)?;
        tracing::info!(
            actor = %principal.actor(),
            user = %user,
            family = %pair.family,
            "user tokens minted"
        );
        Ok(MintResponse::Created(
            Json(token_response(&pair)),
            NO_STORE.to_owned(),
        ))
    }

    /// Exchanges a refresh token for a new access token and refresh token. No credentials
    /// besides the refresh token itself.
    #[oai(
        path = "/v1/auth/refresh",
        method = "post",
        operation_id = "tokens.refresh"
    )]
    async fn refresh(
        &self,
        state: Data<&ApiState>,
        body: JsonBody<RefreshRequest>,
    ) -> ApiResult<RefreshResponse> {
        match state.identity.tokens.refresh(&body.refresh_token).await {
            Ok(pair) => Ok(RefreshResponse::Ok(
                Json(token_response(&pair)),
                NO_STORE.to_owned(),
            )),
            Err(failure) => {
                if failure.error == AuthError::RefreshTokenReused {
                    tracing::warn!(tenant = ?failure.tenant, "refresh token reuse refused");
                }
                Err(auth_error(&failure.error))
            }
        }
    }

    /// The public keys verifying access tokens, for services that check tokens themselves.
    /// Match a token's `kid` header; refetch when an unknown kid appears.
    #[oai(
        path = "/.well-known/jwks.json",
        method = "get",
        operation_id = "tokens.jwks"
    )]
    async fn jwks(&self, state: Data<&ApiState>) -> ApiResult<JwksResponse> {
        let keys = state
            .identity
            .tokens
            .verification_keys()
            .await
            .map_err(identity_error)?;
        let keys = keys
            .iter()
            .map(|key| {
                let jwk = key.to_jwk();
                let field = |name: &str| jwk[name].as_str().unwrap_or_default().to_owned();
                Jwk {
                    kty: field("kty"),
                    crv: field("crv"),
                    x: field("x"),
                    kid: field("kid"),
                    alg: field("alg"),
                    key_use: field("use"),
                }
            })
            .collect();
        Ok(JwksResponse::Ok(
            Json(JwkSet { keys }),
            JWKS_CACHE_CONTROL.to_owned(),
        ))
    }
}

fn token_response(pair: &TokenPair) -> TokenResponse {
    let now = Utc::now();
    let seconds_until =
        |at: chrono::DateTime<Utc>| u64::try_from(at.timestamp() - now.timestamp()).unwrap_or(0);
    TokenResponse {
        access_token: pair.access_token.clone(),
        token_type: TokenType::Bearer,
        expires_in: seconds_until(pair.access_expires_at),
        refresh_token: pair.refresh_token.clone(),
        refresh_expires_in: seconds_until(pair.refresh_expires_at),
    }
}

/// 401 with the refusal's code (503 when storage is down). Never echoes the token.
fn auth_error(error: &AuthError) -> ErrorResponse {
    match error {
        AuthError::Unavailable(dependency) => ErrorResponse::unavailable(dependency, 5),
        other => ErrorResponse::unauthorized(other.code(), other.to_string()),
    }
}
