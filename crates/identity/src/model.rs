//! Ids, roles and the authenticated principal.

use atelier_core::{TenantId, define_id};
use serde::{Deserialize, Serialize};

define_id!(
    /// A workspace inside an organisation.
    WorkspaceId,
    "wsp"
);
define_id!(
    /// A user of an organisation (an end user of the tenant's app).
    UserId,
    "usr"
);
define_id!(
    /// An API key of the tenant's backend.
    ApiKeyId,
    "key"
);
define_id!(
    /// A refresh-token family: every rotation of one login shares it.
    TokenFamilyId,
    "rtf"
);

/// A user's role in a workspace, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkspaceRole {
    Owner,
    Admin,
    Member,
    Guest,
}

impl WorkspaceRole {
    pub const ALL: [WorkspaceRole; 4] = [Self::Owner, Self::Admin, Self::Member, Self::Guest];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Guest => "guest",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// A role on one shared resource (a channel, document or feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceRole {
    Owner,
    Editor,
    Commenter,
    Viewer,
}

impl ResourceRole {
    pub const ALL: [ResourceRole; 4] = [Self::Owner, Self::Editor, Self::Commenter, Self::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Editor => "editor",
            Self::Commenter => "commenter",
            Self::Viewer => "viewer",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyScope {
    /// Reads only.
    ReadOnly,
    /// Everything the tenant's backend may do.
    Full,
}

impl ApiKeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "read_only",
            Self::Full => "full",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::ReadOnly, Self::Full]
            .into_iter()
            .find(|scope| scope.as_str() == text)
    }
}

/// Who is calling, established by authentication. The tenant is taken from here and nowhere
/// else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The tenant's own backend, with an API key.
    ApiKey {
        tenant: TenantId,
        key_id: ApiKeyId,
        scope: ApiKeyScope,
    },
    /// An end user, with an access token minted for them.
    User { tenant: TenantId, user_id: UserId },
}

impl Principal {
    pub fn tenant(&self) -> TenantId {
        match self {
            Self::ApiKey { tenant, .. } | Self::User { tenant, .. } => *tenant,
        }
    }

    /// A short stable description for the audit log and rate-limit keys: `key:<id>` or
    /// `user:<id>`.
    pub fn actor(&self) -> String {
        match self {
            Self::ApiKey { key_id, .. } => format!("key:{key_id}"),
            Self::User { user_id, .. } => format!("user:{user_id}"),
        }
    }
}

/// Why a credential was refused. Every variant answers 401; the code tells clients which.
/// Messages never contain the presented secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("credentials are missing: send `Authorization: Bearer <API key or user token>`")]
    Missing,
    #[error("the credential is malformed")]
    Malformed,
    #[error("the API key is not valid")]
    UnknownKey,
    #[error("the API key has been revoked")]
    RevokedKey,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's signature or algorithm is not accepted")]
    BadSignature,
    #[error("the token was signed with an unknown key")]
    UnknownSigningKey,
    #[error("the token's {0} claim is not accepted")]
    WrongClaim(&'static str),
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    #[error("the refresh token was already used; every token of its login has been revoked")]
    RefreshTokenReused,
    #[error("the token's login was revoked or its user deleted")]
    Revoked,
    /// A dependency could not answer. Names the dependency only (`MongoDB`): the cause is
    /// logged where it happened, never shown to the caller.
    #[error("authentication is unavailable: {0} could not be reached")]
    Unavailable(&'static str),
}

impl AuthError {
    /// Stable machine code for problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "unauthenticated",
            Self::Malformed => "malformed_credentials",
            Self::UnknownKey => "invalid_api_key",
            Self::RevokedKey => "revoked_api_key",
            Self::Expired => "token_expired",
            Self::NotYetValid => "token_not_yet_valid",
            Self::BadSignature => "invalid_token_signature",
            Self::UnknownSigningKey => "unknown_signing_key",
            Self::WrongClaim(_) => "invalid_token_claims",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::Revoked => "token_revoked",
            Self::Unavailable(_) => "dependency_unavailable",
        }
    }
}

/// A refused credential and, when it could be established, the tenant it belongs to (so the
/// refusal can go to that tenant's audit log). A forged token names no tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFailure {
    pub error: AuthError,
    pub tenant: Option<TenantId>,
}

impl From<AuthError> for AuthFailure {
    fn from(error: AuthError) -> Self {
        Self {
            error,
            tenant: None,
        }
    }
}
