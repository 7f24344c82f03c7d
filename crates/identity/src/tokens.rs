//! User tokens: Ed25519 signing keys, access tokens (JWT), rotating refresh tokens and the JWKS.
//!
//! - **Signing keys** (`signing_keys`): Ed25519 key pairs named `sk_<ulid>`. Exactly one is
//!   active (it holds `slot: "active"`, under a unique index, so concurrent first mints converge
//!   on one key); `rotate` retires it (it keeps verifying until `now + access_token_ttl +
//!   leeway`, long enough for every token it signed to expire) and activates a new one. A
//!   retired key never signs again, so its private half is deleted when it retires.
//! - **Access tokens**: JWTs `{alg: EdDSA, typ: at+jwt, kid}` with `iss`, `aud`, `sub` (user),
//!   `tid` (tenant), `iat`, `nbf`, `exp`, `jti` and, for tokens of a login, `sid` (the login's
//!   refresh-token family, so a revoked login's tokens can be refused and its sockets closed). Verification is the sans-IO [`AccessToken`]
//!   (parse, then check against one public key and the clock) fed from an in-memory key cache,
//!   reloaded from MongoDB when an unknown kid arrives, at most once per
//!   [`KEY_RELOAD_INTERVAL`]. Minting always reads the active key from MongoDB, so a rotation
//!   done by another process (the CLI) takes effect at once.
//! - **Refresh tokens** (`refresh_tokens`): opaque `rt_<base64url of 32 random bytes>`, stored
//!   as their SHA-256. Each use consumes the token (a conditional `active → used` update) and
//!   issues the next one of the same family, both in one transaction (a failure between them
//!   leaves the presented token usable); presenting a used token again revokes the whole
//!   family (RFC 9700 §4.14.2 reuse detection). Revoking a family (reuse, or explicitly)
//!   emits `identity.login.revoked` through the outbox in the same transaction.
//!
//! Times are stored as Unix milliseconds (Int64): the development server turns dates written by
//! `$set` into strings.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use atelier_core::TenantId;
use atelier_outbox::UnitOfWork;
use atelier_store::{CollectionSpec, StorageError, Store, is_duplicate_key};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey, pkcs8::EncodePrivateKey};
use futures_util::{FutureExt, TryStreamExt};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mongodb::{
    Collection, IndexModel,
    bson::{Binary, doc, spec::BinarySubtype},
    options::IndexOptions,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{ANONYMOUS_ACTOR, AuditLog, COMMITTED_OUTCOME, NewAuditEntry};
use crate::{
    IdentityConfig, IdentityError,
    model::{AuthError, AuthFailure, Principal, TokenFamilyId, UserId},
};

/// Prefix of refresh tokens.
pub const REFRESH_TOKEN_PREFIX: &str = "rt_";
/// The `typ` header of access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// An unknown kid reloads the keys from MongoDB at most this often, so a flood of forged kids
/// cannot turn into a flood of queries.
pub const KEY_RELOAD_INTERVAL: Duration = Duration::from_secs(1);

const SIGNING_KEYS: &str = "signing_keys";
const REFRESH_TOKENS: &str = "refresh_tokens";
/// The `slot` of the active key. Retired keys hold `retired:<kid>`, so the unique index on
/// `slot` admits exactly one active key without needing a partial index.
const ACTIVE_SLOT: &str = "active";

/// Whether a signing key signs new tokens or only verifies old ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SigningKeyStatus {
    Active,
    Retired,
}

impl SigningKeyStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }
}

/// A signing key as operators see it (never the private half).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyInfo {
    pub kid: String,
    pub status: SigningKeyStatus,
    pub created_at_ms: i64,
    pub retired_at_ms: Option<i64>,
    /// For retired keys: tokens they signed are accepted until then. `None` while active.
    pub verify_until_ms: Option<i64>,
}

impl SigningKeyInfo {
    pub fn created_at(&self) -> DateTime<Utc> {
        time(self.created_at_ms)
    }

    pub fn verify_until(&self) -> Option<DateTime<Utc>> {
        self.verify_until_ms.map(time)
    }
}

/// A public key still valid for verification, as published in the JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSigningKey {
    pub kid: String,
    /// The raw 32-byte Ed25519 public key.
    pub public_key: [u8; 32],
}

impl PublicSigningKey {
    /// The key as a JWK (RFC 8037).
    pub fn to_jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(self.public_key),
            "kid": self.kid,
            "alg": "EdDSA",
            "use": "sig",
        })
    }
}

/// An access token with its refresh token, as handed to a client.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub tenant: TenantId,
    pub user: UserId,
    pub access_token: String,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    /// The login this pair belongs to; every refresh of it keeps the family.
    pub family: TokenFamilyId,
}

/// Signing keys, access tokens and refresh tokens. Cheap to clone (the key cache is shared).
#[derive(Debug, Clone)]
pub struct Tokens {
    store: Store,
    unit: UnitOfWork,
    keys: Collection<SigningKeyDocument>,
    refresh_tokens: Collection<RefreshTokenDocument>,
    expectations: Arc<Expectations>,
    access_token_ttl: Duration,
    refresh_token_ttl: Duration,
    cache: Arc<RwLock<KeyCache>>,
    /// Serializes reloads, so concurrent misses cause one query.
    reload: Arc<tokio::sync::Mutex<()>>,
    /// Refreshes and detected reuse are audited in the transaction that makes them.
    audit: AuditLog,
    /// Access tokens whose signature and claims were verified, so a client's next request
    /// with the same token skips the signature check (see [`VerifiedTokens`]).
    verified: Arc<std::sync::Mutex<VerifiedTokens>>,
}

/// Where refresh tokens are presented: the target of their audit records.
const REFRESH_PATH: &str = "/v1/auth/refresh";

impl Tokens {
    pub fn new(store: &Store, config: &IdentityConfig) -> Tokens {
        let database = store.database();
        Tokens {
            store: store.clone(),
            unit: UnitOfWork::new(store),
            keys: database.collection(SIGNING_KEYS),
            refresh_tokens: database.collection(REFRESH_TOKENS),
            expectations: Arc::new(Expectations {
                issuer: config.issuer.clone(),
                audience: config.audience.clone(),
                leeway_seconds: i64::try_from(config.leeway.as_secs()).unwrap_or(i64::MAX),
            }),
            access_token_ttl: config.access_token_ttl,
            refresh_token_ttl: config.refresh_token_ttl,
            cache: Arc::new(RwLock::new(KeyCache::default())),
            reload: Arc::new(tokio::sync::Mutex::new(())),
            audit: AuditLog::new(store),
            verified: Arc::default(),
        }
    }

    // ---- signing keys -------------------------------------------------------------------

    /// Publishes a new signing key and makes it the active one. The previous active key is
    /// retired: it signs nothing more and verifies until `now + access_token_ttl + leeway`.
    /// Returns the new kid.
    pub async fn rotate(&self) -> Result<String, IdentityError> {
        let now = now_ms();
        let verify_until = now
            .saturating_add(duration_ms(self.access_token_ttl))
            .saturating_add(self.expectations.leeway_seconds.saturating_mul(1000));
        let (new_key, _) = generate_key(now)?;
        let context = (self.keys.clone(), new_key.clone());
        let result = self
            .store
            .transaction(context, move |session, (keys, new_key)| {
                async move {
                    if let Some(old) = keys
                        .find_one(doc! { "slot": ACTIVE_SLOT })
                        .session(&mut *session)
                        .await?
                    {
                        keys.update_one(
                            doc! { "_id": &old.kid, "slot": ACTIVE_SLOT },
                            doc! {
                                "$set": {
                                    "slot": format!("retired:{}", old.kid),
                                    "status": SigningKeyStatus::Retired.as_str(),
                                    "retired_at_ms": now,
                                    "verify_until_ms": verify_until,
                                },
                                "$unset": { "private_key": "" },
                            },
                        )
                        .session(&mut *session)
                        .await?;
                    }
                    keys.insert_one(&*new_key).session(&mut *session).await?;
                    Ok(())
                }
                .boxed()
            })
            .await;
        match result {
            Ok(()) => {}
            Err(error) if is_duplicate_key(&error) => {
                return Err(IdentityError::conflict(
                    "signing_key_rotation_conflict",
                    "another rotation or first key creation happened at the same time; retry",
                ));
            }
            Err(error) => return Err(error.into()),
        }
        tracing::info!(kid = %new_key.kid, "signing key rotated");
        // Learn the new key and the old key's deadline now rather than on the next miss.
        if let Err(error) = self.reload_keys().await {
            tracing::warn!(%error, "could not reload signing keys after rotation");
        }
        Ok(new_key.kid)
    }

    /// Every signing key, oldest first (for operators).
    pub async fn list_keys(&self) -> Result<Vec<SigningKeyInfo>, IdentityError> {
        let documents: Vec<SigningKeyDocument> = self
            .keys
            .find(doc! {})
            .sort(doc! { "created_at_ms": 1 })
            .await?
            .try_collect()
            .await?;
        Ok(documents
            .into_iter()
            .map(|document| SigningKeyInfo {
                kid: document.kid,
                status: document.status,
                created_at_ms: document.created_at_ms,
                retired_at_ms: document.retired_at_ms,
                verify_until_ms: document.verify_until_ms,
            })
            .collect())
    }

    /// The public keys that currently verify tokens: the active key and retired keys within
    /// their grace period. Read from MongoDB at most once per [`KEY_RELOAD_INTERVAL`]; when
    /// MongoDB is unreachable the cached keys are answered if there are any.
    pub async fn verification_keys(&self) -> Result<Vec<PublicSigningKey>, IdentityError> {
        if let Err(error) = self.reload_keys_if_due().await {
            let cached = self.read_cache().verification_keys(now_ms());
            if cached.is_empty() {
                return Err(error.into());
            }
            tracing::warn!(%error, "serving cached signing keys: reload failed");
        }
        Ok(self.read_cache().verification_keys(now_ms()))
    }

    /// The JWKS document (RFC 7517) of [`Self::verification_keys`]; empty if none can be read.
    pub async fn jwks(&self) -> serde_json::Value {
        let keys = match self.verification_keys().await {
            Ok(keys) => keys,
            Err(error) => {
                tracing::warn!(%error, "JWKS: no signing keys could be read");
                Vec::new()
            }
        };
        serde_json::json!({ "keys": keys.iter().map(PublicSigningKey::to_jwk).collect::<Vec<_>>() })
    }

    // ---- access tokens ------------------------------------------------------------------

    /// Mints an access token for `user` of `tenant` with the active key (creating the first
    /// key if there is none). Does not check that the user exists: callers do.
    pub async fn mint_access(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<(String, DateTime<Utc>), IdentityError> {
        self.mint_access_token(tenant, user, None).await
    }

    /// Mints an access token of a login: it carries `sid` = the login's family.
    pub async fn mint_access_for_login(
        &self,
        tenant: TenantId,
        user: UserId,
        login: TokenFamilyId,
    ) -> Result<(String, DateTime<Utc>), IdentityError> {
        self.mint_access_token(tenant, user, Some(login)).await
    }

    async fn mint_access_token(
        &self,
        tenant: TenantId,
        user: UserId,
        login: Option<TokenFamilyId>,
    ) -> Result<(String, DateTime<Utc>), IdentityError> {
        let key = self.active_key().await?;
        let now = Utc::now();
        let issued_at = now.timestamp();
        let expires_at = issued_at.saturating_add(duration_seconds(self.access_token_ttl));
        let claims = AccessClaims {
            iss: self.expectations.issuer.clone(),
            aud: self.expectations.audience.clone(),
            sub: user.to_string(),
            tid: tenant.to_string(),
            iat: issued_at,
            nbf: issued_at,
            exp: expires_at,
            jti: ulid::Ulid::new().to_string(),
            sid: login.map(|login| login.to_string()),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_ed_der(&key.private_key),
        )
        .map_err(|error| corrupt_key(&key.kid, &error.to_string()))?;
        let expires_at = Utc.timestamp_opt(expires_at, 0).single().unwrap_or(now);
        Ok((token, expires_at))
    }

    /// Verifies a user access token and answers its principal. Only EdDSA with a known key
    /// is accepted. The failure names the tenant only when the signature verified.
    pub async fn verify_access(&self, token: &str) -> Result<Principal, AuthFailure> {
        self.verify_access_login(token)
            .await
            .map(|(principal, _login)| principal)
    }

    /// Like [`Tokens::verify_access`], with the token's login (`sid`) when it names one.
    pub async fn verify_access_login(
        &self,
        token: &str,
    ) -> Result<(Principal, Option<TokenFamilyId>), AuthFailure> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = Utc::now().timestamp();
        let hit = self
            .verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&digest, now);
        // Still trusted only while its signing key verifies (a retired key lapses).
        if let Some(verified) = hit
            && self.read_cache().lookup(&verified.kid, now_ms()).is_some()
        {
            return Ok((verified.principal, verified.login));
        }
        let token = AccessToken::parse(token)?;
        let key = self.verifying_key(&token.kid).await?;
        let (principal, login, expires) =
            token.verify_login_until(&key, &self.expectations, now)?;
        self.verified
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(
                digest,
                VerifiedToken {
                    principal: principal.clone(),
                    login,
                    kid: token.kid.clone(),
                    usable_until: expires.saturating_add(self.expectations.leeway_seconds),
                },
                now,
            );
        Ok((principal, login))
    }

    /// Whether a login was revoked (explicitly, or after refresh-token reuse). One indexed read.
    pub async fn is_login_revoked(
        &self,
        tenant: TenantId,
        login: TokenFamilyId,
    ) -> Result<bool, IdentityError> {
        Ok(self
            .refresh_tokens
            .find_one(doc! {
                "tenant": tenant.to_string(),
                "family": login.to_string(),
                "status": RefreshStatus::Revoked.as_str(),
            })
            .await?
            .is_some())
    }

    /// Revokes every login of a user (their deletion), emitting `identity.login.revoked` for
    /// each login that still had a usable token. Answers how many logins were revoked.
    pub async fn revoke_user_logins(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<u64, IdentityError> {
        let families: Vec<String> = self
            .refresh_tokens
            .distinct(
                "family",
                doc! { "tenant": tenant.to_string(), "user": user.to_string(), "status": RefreshStatus::Active.as_str() },
            )
            .await?
            .into_iter()
            .filter_map(|family| family.as_str().map(str::to_owned))
            .collect();
        let mut revoked = 0;
        for family in families {
            let Ok(family) = family.parse::<TokenFamilyId>() else {
                continue;
            };
            if self.revoke_family(tenant, family).await? > 0 {
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    // ---- refresh tokens -----------------------------------------------------------------

    /// Starts a login: a new refresh-token family and its first access and refresh tokens.
    /// Does not check that the user exists: callers do.
    pub async fn issue_pair(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<TokenPair, IdentityError> {
        let family = TokenFamilyId::generate();
        let (refresh_token, record) = self.new_refresh_token(tenant, user, family);
        self.refresh_tokens.insert_one(&record).await?;
        let (access_token, access_expires_at) =
            self.mint_access_for_login(tenant, user, family).await?;
        Ok(TokenPair {
            tenant,
            user,
            access_token,
            access_expires_at,
            refresh_token,
            refresh_expires_at: time(record.expires_at_ms),
            family,
        })
    }

    /// Exchanges a refresh token for a new pair of the same family. The presented token is
    /// consumed; presenting it again revokes the whole family and answers
    /// [`AuthError::RefreshTokenReused`] (with the tenant, for its audit log).
    pub async fn refresh(&self, presented: &str) -> Result<TokenPair, AuthFailure> {
        if !is_well_formed_refresh_token(presented) {
            return Err(AuthError::InvalidRefreshToken.into());
        }
        let hash = hash(presented);
        let now = now_ms();
        // The token's tenant never changes: read it first, so the rotation runs as a unit of
        // work of that tenant.
        let tenant = match self.refresh_tokens.find_one(doc! { "_id": &hash }).await {
            Ok(Some(record)) => record.tenant,
            Ok(None) => return Err(AuthError::InvalidRefreshToken.into()),
            Err(error) => return Err(unavailable("reading a refresh token", &error).into()),
        };
        // Consume and issue in one transaction: a crash or an outage between the two steps
        // rolls the consumption back, so the presented token stays usable (never neither).
        // Detached from any request scope: the body writes its own audit entry.
        let rotated = self
            .unit
            .run_detached::<_, _, IdentityError, _>(
                tenant,
                (self.clone(), hash.clone()),
                move |tx, (tokens, hash)| {
                    async move {
                        let session = tx.session();
                        let Some(consumed) = tokens
                            .refresh_tokens
                            .find_one_and_update(
                                doc! { "_id": &*hash, "tenant": tenant.to_string(), "status": RefreshStatus::Active.as_str(), "expires_at_ms": { "$gt": now } },
                                doc! { "$set": { "status": RefreshStatus::Used.as_str(), "used_at_ms": now } },
                            )
                            .session(&mut *session)
                            .await?
                        else {
                            return Ok(None);
                        };
                        atelier_store::faults::check(
                            atelier_store::faults::REFRESH_AFTER_CONSUME,
                            &consumed.tenant.to_string(),
                        )
                        .await
                        .map_err(StorageError::from)?;
                        let (refresh_token, record) = tokens.new_refresh_token(
                            consumed.tenant,
                            consumed.user,
                            consumed.family,
                        );
                        tokens
                            .refresh_tokens
                            .insert_one(&record)
                            .session(&mut *session)
                            .await?;
                        let entry = NewAuditEntry::new(
                            format!("user:{}", consumed.user),
                            "tokens.refresh",
                            REFRESH_PATH,
                            COMMITTED_OUTCOME,
                        )
                        .details(serde_json::json!({ "login": consumed.family.to_string() }));
                        tokens
                            .audit
                            .append_in(session, consumed.tenant, &entry)
                            .await?;
                        Ok(Some((consumed, refresh_token, record)))
                    }
                    .boxed()
                },
            )
            .await
            .map_err(|error| AuthFailure {
                error: unavailable("rotating a refresh token", &error),
                tenant: Some(tenant),
            })?;
        let Some((consumed, refresh_token, record)) = rotated else {
            return Err(self.refusal(&hash).await);
        };
        let failure = |error: AuthError| AuthFailure {
            error,
            tenant: Some(consumed.tenant),
        };

        // A reuse of the consumed token may have revoked the family between our update and our
        // insert, missing the new token: look again and finish the revocation if so.
        let current = self
            .refresh_tokens
            .find_one(doc! { "_id": &hash })
            .await
            .map_err(|error| failure(unavailable("re-reading a refresh token", &error)))?;
        if current.is_none_or(|current| current.status == RefreshStatus::Revoked) {
            self.revoke_family_after_reuse(&consumed).await;
            return Err(failure(AuthError::RefreshTokenReused));
        }

        let (access_token, access_expires_at) = self
            .mint_access_for_login(consumed.tenant, consumed.user, consumed.family)
            .await
            .map_err(|error| {
                tracing::error!(%error, "minting an access token during refresh failed");
                failure(AuthError::Unavailable("token signing"))
            })?;
        Ok(TokenPair {
            tenant: consumed.tenant,
            user: consumed.user,
            access_token,
            access_expires_at,
            refresh_token,
            refresh_expires_at: time(record.expires_at_ms),
            family: consumed.family,
        })
    }

    /// Revokes every refresh token of a login (sign-out everywhere for that login). Answers how
    /// many tokens were still usable. The login's access tokens are refused from then on (see
    /// [`Tokens::is_login_revoked`]); `identity.login.revoked` is emitted when any token was.
    pub async fn revoke_family(
        &self,
        tenant: TenantId,
        family: TokenFamilyId,
    ) -> Result<u64, IdentityError> {
        let filter = doc! {
            "tenant": tenant.to_string(),
            "family": family.to_string(),
            "status": RefreshStatus::Active.as_str(),
        };
        let revoked = self
            .revoke_and_announce(tenant, family, filter, "revoked", None)
            .await?;
        Ok(revoked)
    }

    /// Marks the tokens matching `filter` revoked and, when any was, emits
    /// `identity.login.revoked` in the same transaction. `audit`, when given, is appended in
    /// that transaction too, with the outcome `login_revoked` (or `already_revoked` when no
    /// token was still usable).
    async fn revoke_and_announce(
        &self,
        tenant: TenantId,
        family: TokenFamilyId,
        filter: mongodb::bson::Document,
        reason: &'static str,
        audit: Option<NewAuditEntry>,
    ) -> Result<u64, IdentityError> {
        let detached = audit.is_some();
        let context = Revocation {
            tokens: self.clone(),
            family,
            filter,
            reason,
            audit,
        };
        // A revocation with its own audit entry (a reused token) is not the request's effect;
        // one a caller asked for is, and commits with the request's records.
        if detached {
            self.unit.run_detached(tenant, context, revoke).await
        } else {
            self.unit.run(tenant, context, revoke).await
        }
    }

    // ---- internals ----------------------------------------------------------------------

    /// Why a refresh token that could not be consumed is refused; a used one revokes its family.
    async fn refusal(&self, hash: &str) -> AuthFailure {
        let record = match self.refresh_tokens.find_one(doc! { "_id": hash }).await {
            Ok(Some(record)) => record,
            Ok(None) => return AuthError::InvalidRefreshToken.into(),
            Err(error) => return unavailable("reading a refresh token", &error).into(),
        };
        let error = match record.status {
            RefreshStatus::Used => {
                self.revoke_family_after_reuse(&record).await;
                AuthError::RefreshTokenReused
            }
            RefreshStatus::Active | RefreshStatus::Revoked => AuthError::InvalidRefreshToken,
        };
        AuthFailure {
            error,
            tenant: Some(record.tenant),
        }
    }

    async fn revoke_family_after_reuse(&self, record: &RefreshTokenDocument) {
        tracing::warn!(
            tenant = %record.tenant,
            user = %record.user,
            family = %record.family,
            "refresh token reused: revoking its family"
        );
        // Every token of the family not yet revoked, used ones included, so that the reuse is
        // recorded on all. Whoever presented the token is unknown: the actor is anonymous.
        let entry = NewAuditEntry::new(
            ANONYMOUS_ACTOR,
            "auth.refresh_token_reused",
            REFRESH_PATH,
            "login_revoked",
        )
        .details(serde_json::json!({
            "login": record.family.to_string(),
            "user": record.user.to_string(),
        }));
        let result = self
            .revoke_and_announce(
                record.tenant,
                record.family,
                doc! {
                    "tenant": record.tenant.to_string(),
                    "family": record.family.to_string(),
                    "status": { "$ne": RefreshStatus::Revoked.as_str() },
                },
                "refresh_token_reused",
                Some(entry),
            )
            .await;
        if let Err(error) = result {
            // The presented token is refused regardless; the family's newest token stays usable
            // until the next reuse attempt retries the revocation.
            tracing::error!(%error, family = %record.family, "revoking a reused refresh token's family failed");
        }
    }

    fn new_refresh_token(
        &self,
        tenant: TenantId,
        user: UserId,
        family: TokenFamilyId,
    ) -> (String, RefreshTokenDocument) {
        let mut bytes = [0_u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("{REFRESH_TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
        let now = now_ms();
        let record = RefreshTokenDocument {
            hash: hash(&secret),
            tenant,
            user,
            family,
            status: RefreshStatus::Active,
            created_at_ms: now,
            expires_at_ms: now.saturating_add(duration_ms(self.refresh_token_ttl)),
            used_at_ms: None,
            revoked_at_ms: None,
        };
        (secret, record)
    }

    /// The active key, read from MongoDB (so a rotation by another process applies at once);
    /// created if there is none. Concurrent creators race on the unique `slot` index and
    /// every loser adopts the winner.
    async fn active_key(&self) -> Result<ActiveKey, IdentityError> {
        let document = match self.keys.find_one(doc! { "slot": ACTIVE_SLOT }).await? {
            Some(document) => document,
            None => {
                let (document, _) = generate_key(now_ms())?;
                match self.keys.insert_one(&document).await {
                    Ok(_) => {
                        tracing::info!(kid = %document.kid, "first signing key created");
                        document
                    }
                    Err(error) if is_duplicate_key(&error) => self
                        .keys
                        .find_one(doc! { "slot": ACTIVE_SLOT })
                        .await?
                        .ok_or_else(|| {
                            corrupt_key(
                                "active",
                                "the active key vanished after a concurrent creation",
                            )
                        })?,
                    Err(error) => return Err(error.into()),
                }
            }
        };
        let public_key = public_key_bytes(&document)?;
        let private_key = document
            .private_key
            .as_ref()
            .map(|binary| binary.bytes.clone())
            .ok_or_else(|| corrupt_key(&document.kid, "the active key has no private key"))?;
        // Tokens it signs will verify here without a reload.
        self.write_cache().learn(&document.kid, public_key, None);
        Ok(ActiveKey {
            kid: document.kid,
            private_key,
        })
    }

    /// The public key named `kid`, from the cache or, at most once per interval, MongoDB.
    async fn verifying_key(&self, kid: &str) -> Result<[u8; 32], AuthFailure> {
        if let Some(key) = self.read_cache().lookup(kid, now_ms()) {
            return Ok(key);
        }
        self.reload_keys_if_due()
            .await
            .map_err(|error| unavailable("loading signing keys", &error))?;
        self.read_cache()
            .lookup(kid, now_ms())
            .ok_or_else(|| AuthError::UnknownSigningKey.into())
    }

    async fn reload_keys_if_due(&self) -> Result<(), mongodb::error::Error> {
        let _reloading = self.reload.lock().await;
        // Whoever held the lock before us may just have reloaded.
        if self
            .read_cache()
            .reloaded_at
            .is_some_and(|at| at.elapsed() < KEY_RELOAD_INTERVAL)
        {
            return Ok(());
        }
        self.load_keys().await
    }

    async fn reload_keys(&self) -> Result<(), mongodb::error::Error> {
        let _reloading = self.reload.lock().await;
        self.load_keys().await
    }

    /// Replaces the cache with the keys that verify now. Call with `self.reload` held.
    async fn load_keys(&self) -> Result<(), mongodb::error::Error> {
        let now = now_ms();
        let documents: Vec<SigningKeyDocument> = self
            .keys
            .find(
                doc! { "$or": [ { "slot": ACTIVE_SLOT }, { "verify_until_ms": { "$gt": now } } ] },
            )
            .await?
            .try_collect()
            .await?;
        let mut fresh = KeyCache {
            reloaded_at: Some(Instant::now()),
            ..KeyCache::default()
        };
        for document in documents {
            match public_key_bytes(&document) {
                Ok(public_key) => {
                    let until = match document.status {
                        SigningKeyStatus::Active => None,
                        SigningKeyStatus::Retired => Some(document.verify_until_ms.unwrap_or(0)),
                    };
                    fresh.learn(&document.kid, public_key, until);
                }
                Err(error) => {
                    tracing::error!(%error, kid = %document.kid, "skipping an unreadable signing key")
                }
            }
        }
        *self.write_cache() = fresh;
        Ok(())
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, KeyCache> {
        // A panic while holding the lock cannot leave the map half-written in a harmful way.
        self.cache
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write_cache(&self) -> std::sync::RwLockWriteGuard<'_, KeyCache> {
        self.cache
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Collections and indexes of this module.
pub fn collection_specs() -> Vec<CollectionSpec> {
    let index = |keys, name: &str, unique: bool| {
        IndexModel::builder()
            .keys(keys)
            .options(
                IndexOptions::builder()
                    .name(name.to_owned())
                    .unique(unique)
                    .build(),
            )
            .build()
    };
    vec![
        CollectionSpec {
            name: SIGNING_KEYS,
            indexes: vec![
                // Exactly one active key.
                index(doc! { "slot": 1 }, "slot", true),
                index(doc! { "verify_until_ms": 1 }, "verify_until", false),
            ],
        },
        CollectionSpec {
            // `_id` is the SHA-256 of the token: unique and the lookup key.
            name: REFRESH_TOKENS,
            indexes: vec![index(
                doc! { "tenant": 1, "family": 1 },
                "tenant_family",
                false,
            )],
        },
    ]
}

// ---- sans-IO verification -------------------------------------------------------------------

/// What a valid access token must say besides its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectations {
    pub issuer: String,
    pub audience: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway_seconds: i64,
}

/// An access token split and its header checked, before any key is known.
#[derive(Debug, Clone)]
pub struct AccessToken<'a> {
    /// `header.payload`: what the signature covers.
    signed: &'a str,
    payload: &'a str,
    signature: Vec<u8>,
    typ: Option<String>,
    /// The signing key named by the header.
    pub kid: String,
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<serde_json::Value>,
    typ: Option<serde_json::Value>,
    kid: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawClaims {
    iss: Option<serde_json::Value>,
    aud: Option<serde_json::Value>,
    sub: Option<serde_json::Value>,
    tid: Option<serde_json::Value>,
    nbf: Option<serde_json::Value>,
    exp: Option<serde_json::Value>,
    sid: Option<serde_json::Value>,
}

impl<'a> AccessToken<'a> {
    /// Splits a compact JWS and checks its header: not three base64url parts with a JSON
    /// header → `Malformed`; any algorithm but EdDSA → `BadSignature`; no kid →
    /// `UnknownSigningKey`.
    pub fn parse(token: &'a str) -> Result<AccessToken<'a>, AuthFailure> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AuthError::Malformed.into());
        };
        let header_json = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| AuthError::Malformed)?;
        let header_fields: RawHeader =
            serde_json::from_slice(&header_json).map_err(|_| AuthError::Malformed)?;
        if header_fields
            .alg
            .as_ref()
            .and_then(serde_json::Value::as_str)
            != Some("EdDSA")
        {
            return Err(AuthError::BadSignature.into());
        }
        let kid = header_fields
            .kid
            .as_ref()
            .and_then(serde_json::Value::as_str)
            .filter(|kid| !kid.is_empty() && kid.len() <= 100)
            .ok_or(AuthError::UnknownSigningKey)?
            .to_owned();
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| AuthError::Malformed)?;
        Ok(AccessToken {
            signed: &token[..header.len() + 1 + payload.len()],
            payload,
            signature,
            typ: header_fields
                .typ
                .as_ref()
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            kid,
        })
    }

    /// Checks the signature with `public_key`, then the header type and the claims at `now`
    /// (Unix seconds).
    pub fn verify(
        &self,
        public_key: &[u8; 32],
        expected: &Expectations,
        now: i64,
    ) -> Result<Principal, AuthFailure> {
        self.verify_login(public_key, expected, now)
            .map(|(principal, _login)| principal)
    }

    /// Like [`AccessToken::verify`], with the login (`sid`) the token names, if any. A `sid`
    /// that is not a login id is malformed.
    pub fn verify_login(
        &self,
        public_key: &[u8; 32],
        expected: &Expectations,
        now: i64,
    ) -> Result<(Principal, Option<TokenFamilyId>), AuthFailure> {
        let (principal, login, _) = self.verify_login_until(public_key, expected, now)?;
        Ok((principal, login))
    }

    /// Like [`AccessToken::verify_login`], with the token's `exp` (Unix seconds).
    pub fn verify_login_until(
        &self,
        public_key: &[u8; 32],
        expected: &Expectations,
        now: i64,
    ) -> Result<(Principal, Option<TokenFamilyId>, i64), AuthFailure> {
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| AuthError::BadSignature)?;
        let signature = ed25519_dalek::Signature::from_slice(&self.signature)
            .map_err(|_| AuthError::BadSignature)?;
        key.verify_strict(self.signed.as_bytes(), &signature)
            .map_err(|_| AuthError::BadSignature)?;

        // Signed by us from here on: failures may name the tenant.
        let claims_json = URL_SAFE_NO_PAD
            .decode(self.payload)
            .map_err(|_| AuthError::Malformed)?;
        let claims: RawClaims =
            serde_json::from_slice(&claims_json).map_err(|_| AuthError::Malformed)?;
        let text = |value: &Option<serde_json::Value>| {
            value
                .as_ref()
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let tenant = text(&claims.tid).and_then(|tid| tid.parse::<TenantId>().ok());
        let fail = |error: AuthError| AuthFailure { error, tenant };

        if self.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return Err(fail(AuthError::WrongClaim("typ")));
        }
        if text(&claims.iss).as_deref() != Some(expected.issuer.as_str()) {
            return Err(fail(AuthError::WrongClaim("iss")));
        }
        let audience_matches = match &claims.aud {
            Some(serde_json::Value::String(audience)) => *audience == expected.audience,
            Some(serde_json::Value::Array(audiences)) => audiences
                .iter()
                .any(|audience| audience.as_str() == Some(expected.audience.as_str())),
            _ => false,
        };
        if !audience_matches {
            return Err(fail(AuthError::WrongClaim("aud")));
        }
        let seconds =
            |value: &Option<serde_json::Value>| value.as_ref().and_then(serde_json::Value::as_i64);
        let (Some(expires), Some(not_before)) = (seconds(&claims.exp), seconds(&claims.nbf)) else {
            return Err(fail(AuthError::Malformed));
        };
        if now > expires.saturating_add(expected.leeway_seconds) {
            return Err(fail(AuthError::Expired));
        }
        if not_before > now.saturating_add(expected.leeway_seconds) {
            return Err(fail(AuthError::NotYetValid));
        }
        let user_id = text(&claims.sub)
            .and_then(|sub| sub.parse::<UserId>().ok())
            .ok_or_else(|| fail(AuthError::Malformed))?;
        let login = match &claims.sid {
            None | Some(serde_json::Value::Null) => None,
            Some(sid) => Some(
                sid.as_str()
                    .and_then(|sid| sid.parse::<TokenFamilyId>().ok())
                    .ok_or_else(|| fail(AuthError::Malformed))?,
            ),
        };
        let tenant = tenant.ok_or_else(|| fail(AuthError::Malformed))?;
        Ok((Principal::User { tenant, user_id }, login, expires))
    }
}

/// An access token verified once: what it authenticates as, until when, signed by which key.
#[derive(Debug, Clone)]
struct VerifiedToken {
    principal: Principal,
    login: Option<TokenFamilyId>,
    kid: String,
    /// `exp` plus the leeway, Unix seconds.
    usable_until: i64,
}

/// Access tokens verified recently, by the SHA-256 of the whole token: a client sends the same
/// token with every request for its lifetime, and an Ed25519 check costs more than the rest of
/// a cached request. Only a token byte-for-byte identical to one verified is trusted, and only
/// until its own expiry (with the leeway) while its signing key still verifies; liveness (user
/// deleted, login revoked) is checked on every request as before. Bounded.
#[derive(Debug, Default)]
struct VerifiedTokens {
    tokens: HashMap<[u8; 32], VerifiedToken>,
}

impl VerifiedTokens {
    const MAX: usize = 10_000;

    fn get(&self, digest: &[u8; 32], now: i64) -> Option<VerifiedToken> {
        self.tokens
            .get(digest)
            .filter(|token| now <= token.usable_until)
            .cloned()
    }

    fn insert(&mut self, digest: [u8; 32], token: VerifiedToken, now: i64) {
        if self.tokens.len() >= Self::MAX {
            self.tokens.retain(|_, token| now <= token.usable_until);
            if self.tokens.len() >= Self::MAX {
                self.tokens.clear();
            }
        }
        self.tokens.insert(digest, token);
    }
}

// ---- storage shapes and helpers -------------------------------------------------------------

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SigningKeyDocument {
    #[serde(rename = "_id")]
    kid: String,
    /// `active` or `retired:<kid>`; unique.
    slot: String,
    status: SigningKeyStatus,
    /// PKCS#8 DER; removed when the key retires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    private_key: Option<Binary>,
    /// The raw 32-byte Ed25519 public key.
    public_key: Binary,
    created_at_ms: i64,
    #[serde(default)]
    retired_at_ms: Option<i64>,
    #[serde(default)]
    verify_until_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RefreshStatus {
    Active,
    Used,
    Revoked,
}

impl RefreshStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Used => "used",
            Self::Revoked => "revoked",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RefreshTokenDocument {
    /// SHA-256 of the token, hex.
    #[serde(rename = "_id")]
    hash: String,
    tenant: TenantId,
    user: UserId,
    family: TokenFamilyId,
    status: RefreshStatus,
    created_at_ms: i64,
    expires_at_ms: i64,
    #[serde(default)]
    used_at_ms: Option<i64>,
    #[serde(default)]
    revoked_at_ms: Option<i64>,
}

#[derive(Serialize)]
struct AccessClaims {
    iss: String,
    aud: String,
    sub: String,
    tid: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    /// The login (refresh-token family); absent for tokens minted outside a login.
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
}

/// `identity.login.revoked`: the login's tokens are refused from now on.
/// What [`Tokens::revoke_and_announce`] hands its unit of work.
struct Revocation {
    tokens: Tokens,
    family: TokenFamilyId,
    filter: mongodb::bson::Document,
    reason: &'static str,
    audit: Option<NewAuditEntry>,
}

/// The body of a revocation: marks the matching tokens revoked, appends the audit entry when
/// one is given and `identity.login.revoked` when a token was still usable.
fn revoke<'b>(
    tx: &'b mut atelier_outbox::Tx,
    revocation: &'b mut Revocation,
) -> futures_util::future::BoxFuture<'b, Result<u64, IdentityError>> {
    async move {
        let tenant = tx.tenant();
        let Revocation {
            tokens,
            family,
            filter,
            reason,
            audit,
        } = revocation;
        let result = tokens
            .refresh_tokens
            .update_many(
                filter.clone(),
                doc! { "$set": { "status": RefreshStatus::Revoked.as_str(), "revoked_at_ms": now_ms() } },
            )
            .session(tx.session())
            .await?;
        if let Some(entry) = audit {
            let mut entry = entry.clone();
            entry.outcome = if result.modified_count > 0 {
                "login_revoked"
            } else {
                "already_revoked"
            }
            .to_owned();
            tokens.audit.append_in(tx.session(), tenant, &entry).await?;
        }
        if result.modified_count == 0 {
            tx.unchanged();
            return Ok(0);
        }
        let user = tokens
            .refresh_tokens
            .find_one(doc! { "tenant": tenant.to_string(), "family": family.to_string() })
            .session(tx.session())
            .await?
            .map(|token| token.user);
        if let Some(user) = user {
            tx.append(login_revoked_event(user, *family, reason));
        }
        Ok(result.modified_count)
    }
    .boxed()
}

fn login_revoked_event(
    user: UserId,
    login: TokenFamilyId,
    reason: &'static str,
) -> atelier_core::NewEvent {
    atelier_core::NewEvent::new(
        "identity.login.revoked",
        "user",
        user.to_string(),
        serde_json::json!({ "user_id": user, "login_id": login, "reason": reason }),
    )
}

struct ActiveKey {
    kid: String,
    /// PKCS#8 DER.
    private_key: Vec<u8>,
}

/// Public keys by kid, with the deadline of retired ones.
#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, ([u8; 32], Option<i64>)>,
    reloaded_at: Option<Instant>,
}

impl std::fmt::Debug for KeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .field("reloaded_at", &self.reloaded_at)
            .finish()
    }
}

impl KeyCache {
    fn learn(&mut self, kid: &str, public_key: [u8; 32], verify_until_ms: Option<i64>) {
        self.keys
            .insert(kid.to_owned(), (public_key, verify_until_ms));
    }

    fn lookup(&self, kid: &str, now_ms: i64) -> Option<[u8; 32]> {
        self.keys
            .get(kid)
            .filter(|(_, until)| until.is_none_or(|until| until > now_ms))
            .map(|(key, _)| *key)
    }

    fn verification_keys(&self, now_ms: i64) -> Vec<PublicSigningKey> {
        let mut keys: Vec<PublicSigningKey> = self
            .keys
            .iter()
            .filter(|(_, (_, until))| until.is_none_or(|until| until > now_ms))
            .map(|(kid, (public_key, _))| PublicSigningKey {
                kid: kid.clone(),
                public_key: *public_key,
            })
            .collect();
        keys.sort_by(|a, b| a.kid.cmp(&b.kid));
        keys
    }
}

fn generate_key(now: i64) -> Result<(SigningKeyDocument, SigningKey), IdentityError> {
    let mut seed = [0_u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let signing_key = SigningKey::from_bytes(&seed);
    let kid = format!("sk_{}", ulid::Ulid::new().to_string().to_lowercase());
    let der = signing_key
        .to_pkcs8_der()
        .map_err(|error| corrupt_key(&kid, &error.to_string()))?;
    let document = SigningKeyDocument {
        slot: ACTIVE_SLOT.to_owned(),
        status: SigningKeyStatus::Active,
        private_key: Some(binary(der.as_bytes().to_vec())),
        public_key: binary(signing_key.verifying_key().to_bytes().to_vec()),
        created_at_ms: now,
        retired_at_ms: None,
        verify_until_ms: None,
        kid,
    };
    Ok((document, signing_key))
}

fn binary(bytes: Vec<u8>) -> Binary {
    Binary {
        subtype: BinarySubtype::Generic,
        bytes,
    }
}

fn public_key_bytes(document: &SigningKeyDocument) -> Result<[u8; 32], IdentityError> {
    <[u8; 32]>::try_from(document.public_key.bytes.as_slice())
        .map_err(|_| corrupt_key(&document.kid, "the public key is not 32 bytes"))
}

/// A stored key that cannot be used is an internal fault (answered as an opaque 500): the
/// stored document is what is wrong.
fn corrupt_key(kid: &str, message: &str) -> IdentityError {
    IdentityError::Storage(atelier_store::StorageError::internal(format!(
        "signing key {kid} is unusable: {message}"
    )))
}

/// Logged with context; the client sees only "authentication is unavailable: MongoDB".
fn unavailable(context: &'static str, error: &dyn std::fmt::Display) -> AuthError {
    tracing::error!(%error, context, "token storage failed");
    AuthError::Unavailable("MongoDB")
}

fn is_well_formed_refresh_token(presented: &str) -> bool {
    presented
        .strip_prefix(REFRESH_TOKEN_PREFIX)
        .is_some_and(|body| {
            body.len() == 43
                && body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn time(millis: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or_default()
}

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn duration_seconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::{Value, json};

    use super::*;

    const NOW: i64 = 1_750_000_000;

    fn expectations() -> Expectations {
        Expectations {
            issuer: "atelier".to_owned(),
            audience: "atelier-api".to_owned(),
            leeway_seconds: 30,
        }
    }

    struct Fixture {
        signing_key: SigningKey,
        tenant: TenantId,
        user: UserId,
    }

    impl Fixture {
        fn new() -> Self {
            Self {
                signing_key: SigningKey::from_bytes(&[7; 32]),
                tenant: TenantId::generate(),
                user: UserId::generate(),
            }
        }

        fn public_key(&self) -> [u8; 32] {
            self.signing_key.verifying_key().to_bytes()
        }

        fn claims(&self) -> Value {
            json!({
                "iss": "atelier", "aud": "atelier-api",
                "sub": self.user.to_string(), "tid": self.tenant.to_string(),
                "iat": NOW, "nbf": NOW, "exp": NOW + 900, "jti": "j1",
            })
        }

        fn header(&self) -> Header {
            let mut header = Header::new(Algorithm::EdDSA);
            header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
            header.kid = Some("sk_test".to_owned());
            header
        }

        fn sign(&self, header: &Header, claims: &Value) -> String {
            let der = self.signing_key.to_pkcs8_der().unwrap();
            jsonwebtoken::encode(header, claims, &EncodingKey::from_ed_der(der.as_bytes())).unwrap()
        }

        fn with_claim(&self, name: &str, value: Value) -> String {
            let mut claims = self.claims();
            claims[name] = value;
            self.sign(&self.header(), &claims)
        }
    }

    fn unsigned(header: Value, claims: &Value) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    fn check(token: &str, public_key: &[u8; 32]) -> Result<Principal, AuthFailure> {
        AccessToken::parse(token)?.verify(public_key, &expectations(), NOW)
    }

    #[test]
    fn a_valid_token_yields_the_user() {
        let fixture = Fixture::new();
        let token = fixture.sign(&fixture.header(), &fixture.claims());
        assert_eq!(AccessToken::parse(&token).unwrap().kid, "sk_test");
        assert_eq!(
            check(&token, &fixture.public_key()),
            Ok(Principal::User {
                tenant: fixture.tenant,
                user_id: fixture.user,
            })
        );
    }

    /// (case, token, expected error, whether the failure names the tenant)
    #[test]
    fn refusal_table() {
        let fixture = Fixture::new();
        let public_key = fixture.public_key();
        let good = fixture.sign(&fixture.header(), &fixture.claims());
        let other_key = SigningKey::from_bytes(&[9; 32]);
        let by_other_key = {
            let der = other_key.to_pkcs8_der().unwrap();
            jsonwebtoken::encode(
                &fixture.header(),
                &fixture.claims(),
                &EncodingKey::from_ed_der(der.as_bytes()),
            )
            .unwrap()
        };
        let hs256_with_public_key = {
            let mut header = Header::new(Algorithm::HS256);
            header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
            header.kid = Some("sk_test".to_owned());
            jsonwebtoken::encode(
                &header,
                &fixture.claims(),
                &EncodingKey::from_secret(&public_key),
            )
            .unwrap()
        };
        let tampered = {
            let parts: Vec<&str> = good.split('.').collect();
            let mut claims = fixture.claims();
            claims["sub"] = json!(UserId::generate().to_string());
            format!(
                "{}.{}.{}",
                parts[0],
                URL_SAFE_NO_PAD.encode(claims.to_string()),
                parts[2]
            )
        };
        let wrong_typ = {
            let mut header = fixture.header();
            header.typ = Some("JWT".to_owned());
            fixture.sign(&header, &fixture.claims())
        };
        let no_kid = {
            let mut header = fixture.header();
            header.kid = None;
            fixture.sign(&header, &fixture.claims())
        };
        let no_exp = {
            let mut claims = fixture.claims();
            claims.as_object_mut().unwrap().remove("exp");
            fixture.sign(&fixture.header(), &claims)
        };
        let alg_none = unsigned(
            json!({"alg": "none", "typ": "at+jwt", "kid": "sk_test"}),
            &fixture.claims(),
        );
        let cases: Vec<(&str, String, AuthError, bool)> = vec![
            ("alg none", alg_none, AuthError::BadSignature, false),
            (
                "HS256 keyed with the public key",
                hs256_with_public_key,
                AuthError::BadSignature,
                false,
            ),
            (
                "signed by another key",
                by_other_key,
                AuthError::BadSignature,
                false,
            ),
            ("tampered payload", tampered, AuthError::BadSignature, false),
            ("no kid", no_kid, AuthError::UnknownSigningKey, false),
            ("garbage", "garbage".to_owned(), AuthError::Malformed, false),
            (
                "four parts",
                format!("{good}.x"),
                AuthError::Malformed,
                false,
            ),
            (
                "header not JSON",
                "bm90IGpzb24.e30.AAAA".to_owned(),
                AuthError::Malformed,
                false,
            ),
            ("empty", String::new(), AuthError::Malformed, false),
            ("wrong typ", wrong_typ, AuthError::WrongClaim("typ"), true),
            (
                "wrong iss",
                fixture.with_claim("iss", json!("someone")),
                AuthError::WrongClaim("iss"),
                true,
            ),
            (
                "wrong aud",
                fixture.with_claim("aud", json!("other-api")),
                AuthError::WrongClaim("aud"),
                true,
            ),
            (
                "aud list without ours",
                fixture.with_claim("aud", json!(["a", "b"])),
                AuthError::WrongClaim("aud"),
                true,
            ),
            (
                "expired beyond leeway",
                fixture.with_claim("exp", json!(NOW - 31)),
                AuthError::Expired,
                true,
            ),
            (
                "nbf beyond leeway",
                fixture.with_claim("nbf", json!(NOW + 31)),
                AuthError::NotYetValid,
                true,
            ),
            ("no exp", no_exp, AuthError::Malformed, true),
            (
                "sub not a user id",
                fixture.with_claim("sub", json!("bob")),
                AuthError::Malformed,
                true,
            ),
            (
                "tid not a tenant id",
                fixture.with_claim("tid", json!("acme")),
                AuthError::Malformed,
                false,
            ),
        ];
        for (case, token, error, names_tenant) in cases {
            let failure = check(&token, &public_key).expect_err(case);
            assert_eq!(failure.error, error, "{case}");
            assert_eq!(
                failure.tenant,
                names_tenant.then_some(fixture.tenant),
                "{case}: tenant"
            );
        }
    }

    #[test]
    fn leeway_is_tolerated() {
        let fixture = Fixture::new();
        let public_key = fixture.public_key();
        let cases = [
            (
                "expired within leeway",
                fixture.with_claim("exp", json!(NOW - 30)),
            ),
            (
                "nbf within leeway",
                fixture.with_claim("nbf", json!(NOW + 30)),
            ),
            (
                "aud list with ours",
                fixture.with_claim("aud", json!(["x", "atelier-api"])),
            ),
        ];
        for (case, token) in cases {
            assert!(check(&token, &public_key).is_ok(), "{case}");
        }
    }

    #[test]
    fn key_cache_forgets_keys_past_their_deadline() {
        let mut cache = KeyCache::default();
        cache.learn("sk_active", [1; 32], None);
        cache.learn("sk_old", [2; 32], Some(1_000));
        assert_eq!(cache.lookup("sk_old", 999), Some([2; 32]));
        assert_eq!(cache.lookup("sk_old", 1_000), None);
        assert_eq!(cache.lookup("sk_active", i64::MAX), Some([1; 32]));
        assert_eq!(cache.lookup("sk_unknown", 0), None);
        let kids: Vec<String> = cache
            .verification_keys(1_000)
            .into_iter()
            .map(|key| key.kid)
            .collect();
        assert_eq!(kids, ["sk_active"]);
    }

    #[test]
    fn verified_tokens_are_trusted_until_their_expiry_and_stay_bounded() {
        let mut verified = VerifiedTokens::default();
        let token = VerifiedToken {
            principal: Principal::User {
                tenant: TenantId::generate(),
                user_id: UserId::generate(),
            },
            login: None,
            kid: "sk_active".to_owned(),
            usable_until: NOW + 30,
        };
        verified.insert([1; 32], token.clone(), NOW);
        assert!(verified.get(&[1; 32], NOW + 30).is_some());
        assert!(verified.get(&[1; 32], NOW + 31).is_none(), "expired");
        assert!(verified.get(&[2; 32], NOW).is_none(), "another token");
        for index in 0..VerifiedTokens::MAX + 5 {
            let mut digest = [0; 32];
            digest[..8].copy_from_slice(&(index as u64).to_le_bytes());
            verified.insert(digest, token.clone(), NOW);
        }
        assert!(verified.tokens.len() <= VerifiedTokens::MAX);
    }

    #[test]
    fn refresh_token_shape() {
        let fixture_token = format!(
            "{REFRESH_TOKEN_PREFIX}{}",
            URL_SAFE_NO_PAD.encode([3_u8; 32])
        );
        assert!(is_well_formed_refresh_token(&fixture_token));
        for bad in [
            "",
            "rt_",
            "rt_short",
            "atk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            &format!("{fixture_token}="),
        ] {
            assert!(!is_well_formed_refresh_token(bad), "{bad}");
        }
        assert_eq!(hash(&fixture_token).len(), 64);
    }

    #[test]
    fn jwk_shape() {
        let key = PublicSigningKey {
            kid: "sk_1".to_owned(),
            public_key: [0; 32],
        };
        let jwk = key.to_jwk();
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kid"], "sk_1");
        assert_eq!(jwk["x"].as_str().unwrap().len(), 43);
    }
}
