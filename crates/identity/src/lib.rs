//! Identity, tenancy and access for every Atelier service.
//!
//! - [`model`]: ids, roles and the authenticated [`Principal`];
//! - [`policy`]: the one place that answers "may P do A on R", from a data table;
//! - [`tenancy`]: organisations (tenants), workspaces, users, memberships, resource grants;
//! - [`api_keys`]: the tenant backend's keys: generated, shown once, stored hashed;
//! - [`tokens`]: signing keys, user access tokens (JWT), rotating refresh tokens, JWKS;
//! - [`audit`]: the per-tenant hash-chained audit log;
//! - [`idempotency`]: stored first responses for `Idempotency-Key` retries;
//! - [`scope`]: the audit entry and idempotency result that commit with a request's effect;
//! - [`usage`]: per-tenant hourly usage counters.
//!
//! Every storage function takes the [`TenantId`](atelier_core::TenantId) as its first argument
//! and filters on it: a record of another tenant is simply not found.

pub mod api_keys;
pub mod audit;
pub mod events;
pub mod idempotency;
pub mod model;
pub mod policy;
pub mod principal_cache;
pub mod scope;
pub mod tenancy;
pub mod tokens;
pub mod usage;

pub use model::{
    ApiKeyId, ApiKeyScope, AuthError, AuthFailure, Principal, ResourceRole, TokenFamilyId, UserId,
    WorkspaceId, WorkspaceRole,
};

use atelier_store::{StorageError, StorageFailure, Store};

/// Settings of the identity services.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// `iss` of user tokens, e.g. `https://atelier.example.com`.
    pub issuer: String,
    /// `aud` of user tokens.
    pub audience: String,
    /// Lifetime of user access tokens.
    #[serde(with = "humantime_serde")]
    pub access_token_ttl: std::time::Duration,
    /// Lifetime of refresh tokens (each rotation starts a new one).
    #[serde(with = "humantime_serde")]
    pub refresh_token_ttl: std::time::Duration,
    /// Clock skew tolerated on `exp` and `nbf`.
    #[serde(with = "humantime_serde")]
    pub leeway: std::time::Duration,
    /// How long stored `Idempotency-Key` responses are replayed.
    #[serde(with = "humantime_serde")]
    pub idempotency_ttl: std::time::Duration,
    /// How often usage counters kept in memory are written to MongoDB.
    #[serde(with = "humantime_serde")]
    pub usage_flush_interval: std::time::Duration,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        Self {
            issuer: "atelier".to_owned(),
            audience: "atelier-api".to_owned(),
            access_token_ttl: std::time::Duration::from_secs(15 * 60),
            refresh_token_ttl: std::time::Duration::from_secs(30 * 24 * 3600),
            leeway: std::time::Duration::from_secs(30),
            idempotency_ttl: std::time::Duration::from_secs(24 * 3600),
            usage_flush_interval: std::time::Duration::from_secs(10),
        }
    }
}

/// Every identity service, sharing one store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Identity {
    pub config: IdentityConfig,
    /// Credentials resolved recently (shared with [`api_keys::ApiKeys`]).
    pub cache: std::sync::Arc<principal_cache::PrincipalCache>,
    pub tenancy: tenancy::Tenancy,
    pub api_keys: api_keys::ApiKeys,
    pub tokens: tokens::Tokens,
    pub audit: audit::AuditLog,
    pub usage: usage::Usage,
    pub idempotency: idempotency::Idempotency,
}

impl Identity {
    /// Starts a login for `user` on behalf of the acting principal (tenant administrators): a
    /// user of another tenant, or none, is not found.
    pub async fn mint_user_tokens(
        &self,
        principal: &Principal,
        user: UserId,
    ) -> Result<tokens::TokenPair, IdentityError> {
        let tenant = tenancy::Tenancy::administered_tenant(principal)?;
        self.tenancy.get_user(tenant, user).await?;
        self.tokens.issue_pair(tenant, user).await
    }

    pub fn new(store: &Store, config: IdentityConfig) -> Self {
        let cache = std::sync::Arc::new(principal_cache::PrincipalCache::default());
        Self {
            tenancy: tenancy::Tenancy::new(store),
            api_keys: api_keys::ApiKeys::new(store).with_cache(cache.clone()),
            tokens: tokens::Tokens::new(store, &config),
            audit: audit::AuditLog::new(store),
            usage: usage::Usage::new(store),
            idempotency: idempotency::Idempotency::new(store, config.idempotency_ttl),
            config,
            cache,
        }
    }

    /// Resolves a bearer credential: API keys by their prefix, anything else as a user token.
    /// A user token is refused ([`AuthError::Revoked`]) when its user was deleted or its login
    /// revoked. Both are answered from the node's [`principal_cache::PrincipalCache`] when it
    /// holds them, so the hot path reads no database; revocations reach it as events.
    pub async fn authenticate(&self, bearer: &str) -> Result<Principal, AuthFailure> {
        self.authenticate_checked(bearer, true).await
    }

    /// Like [`Identity::authenticate`], always looking the user and login up (for long-lived
    /// connections, which must not start on a token revoked a moment ago).
    pub async fn authenticate_fresh(&self, bearer: &str) -> Result<Principal, AuthFailure> {
        self.authenticate_checked(bearer, false).await
    }

    async fn authenticate_checked(
        &self,
        bearer: &str,
        cached: bool,
    ) -> Result<Principal, AuthFailure> {
        if bearer.starts_with(api_keys::API_KEY_PREFIX) {
            return self.api_keys.authenticate(bearer).await;
        }
        let (principal, login) = self.tokens.verify_access_login(bearer).await?;
        if let Principal::User { tenant, user_id } = &principal {
            self.check_live(*tenant, *user_id, login, cached).await?;
        }
        Ok(principal)
    }

    /// Deletes a user ([`tenancy::Tenancy::delete_user`]) and revokes every login they hold
    /// (`identity.login.revoked` each): their tokens and sockets stop working on every node.
    /// Only tenant administrators (full API keys) may.
    pub async fn delete_user(
        &self,
        principal: &Principal,
        user: UserId,
    ) -> Result<(), IdentityError> {
        let tenant = tenancy::Tenancy::administered_tenant(principal)?;
        self.tenancy.delete_user(tenant, user).await?;
        self.tokens.revoke_user_logins(tenant, user).await?;
        // This node at once; the others when `identity.user.deleted` reaches them.
        self.cache.forget_user(tenant, user);
        Ok(())
    }

    /// Refuses a deleted user or a revoked login (cached briefly when live).
    async fn check_live(
        &self,
        tenant: atelier_core::TenantId,
        user: UserId,
        login: Option<TokenFamilyId>,
        cached: bool,
    ) -> Result<(), AuthFailure> {
        let key = (tenant, user, login);
        let now = std::time::Instant::now();
        if cached && self.cache.login_is_live(&key, now) {
            return Ok(());
        }
        let epoch = self.cache.epoch();
        let failure = |error: AuthError| AuthFailure {
            error,
            tenant: Some(tenant),
        };
        let unavailable = |error: IdentityError| {
            tracing::warn!(%error, "checking a user token's login failed");
            failure(AuthError::Unavailable("MongoDB"))
        };
        if !self
            .tenancy
            .is_active_user(tenant, user)
            .await
            .map_err(unavailable)?
        {
            return Err(failure(AuthError::Revoked));
        }
        if let Some(login) = login
            && self
                .tokens
                .is_login_revoked(tenant, login)
                .await
                .map_err(unavailable)?
        {
            return Err(failure(AuthError::Revoked));
        }
        self.cache.remember_login(epoch, key, now);
        Ok(())
    }
}

/// Collections and indexes of this crate, for the migration list.
pub fn collection_specs() -> Vec<atelier_store::CollectionSpec> {
    let mut specs = tenancy::collection_specs();
    specs.extend(api_keys::collection_specs());
    specs.extend(tokens::collection_specs());
    specs.extend(audit::collection_specs());
    specs.extend(idempotency::collection_specs());
    specs.extend(usage::collection_specs());
    specs
}

/// Errors of the identity crate.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The record does not exist for this tenant (it may exist for another).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change conflicts with current state; `code` is stable for clients.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The caller may see the target but not do this; `code` is stable for clients (the reason
    /// goes to the log, never to the client).
    #[error("forbidden ({code})")]
    Forbidden { code: &'static str },
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// Storage failed: [`StorageError::is_unavailable`] (answer 503) or internal.
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
}

impl From<mongodb::error::Error> for IdentityError {
    fn from(error: mongodb::error::Error) -> Self {
        Self::Storage(error.into())
    }
}

impl From<atelier_outbox::OutboxError> for IdentityError {
    fn from(error: atelier_outbox::OutboxError) -> Self {
        Self::Storage(atelier_outbox::unit::storage_error(error))
    }
}

impl StorageFailure for IdentityError {
    fn storage_error(&self) -> Option<&StorageError> {
        match self {
            Self::Storage(error) => Some(error),
            _ => None,
        }
    }
}

impl IdentityError {
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// The policy's refusal: logs the reason, answers the generic `forbidden` code.
    pub fn denied(principal: &Principal, what: &str, reason: &str) -> Self {
        tracing::info!(actor = %principal.actor(), what, reason, "permission denied");
        Self::Forbidden { code: "forbidden" }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}
