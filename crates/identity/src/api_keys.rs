//! API keys of a tenant's backend.
//!
//! A key is `atk_` followed by 32 random bytes in base64url: high entropy, so a single SHA-256
//! is a sound verifier and lets authentication be one indexed lookup. The secret is returned
//! once, at creation; only its hash and a short display prefix are stored.

use atelier_core::TenantId;
use base64::Engine;
use chrono::Utc;
use mongodb::{Collection, IndexModel, bson::doc, options::IndexOptions};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::{sync::Arc, time::Instant};

use atelier_outbox::UnitOfWork;
use atelier_store::{CollectionSpec, Store};
use futures_util::FutureExt;

use crate::{
    IdentityError,
    model::{ApiKeyId, ApiKeyScope, AuthError, AuthFailure, Principal},
    policy::{Access, Permission},
    principal_cache::{CachedKey, PrincipalCache},
    tenancy::Tenancy,
};

pub const API_KEY_PREFIX: &str = "atk_";
const COLLECTION: &str = "api_keys";
/// `last_used_at` is refreshed at most this often per key, so authentication stays a read.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

impl CreatedApiKey {
    /// The principal this key authenticates as.
    pub fn principal(&self) -> Principal {
        Principal::ApiKey {
            tenant: self.record.tenant,
            key_id: self.record.id,
            scope: self.record.scope,
        }
    }
}

/// A stored key (never the secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    #[serde(rename = "_id")]
    pub id: ApiKeyId,
    pub tenant: TenantId,
    pub name: String,
    pub scope: ApiKeyScope,
    /// SHA-256 of the whole key, hex.
    pub key_hash: String,
    /// The first characters of the key, to recognise it in listings.
    pub display_prefix: String,
    pub created_at_ms: i64,
    #[serde(default)]
    pub last_used_at_ms: Option<i64>,
    #[serde(default)]
    pub revoked_at_ms: Option<i64>,
}

/// A freshly created key: the only time the secret exists outside the caller's hands.
#[derive(Debug, Clone)]
pub struct CreatedApiKey {
    pub record: ApiKeyRecord,
    /// `None` when the request's unit of work had already committed this key (an
    /// `Idempotency-Key` retry after a crash): the secret was shown once and is stored nowhere.
    pub secret: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiKeys {
    keys: Collection<ApiKeyRecord>,
    unit: UnitOfWork,
    store: Store,
    cache: Arc<PrincipalCache>,
}

impl ApiKeys {
    pub fn new(store: &Store) -> Self {
        Self {
            keys: store.database().collection(COLLECTION),
            unit: UnitOfWork::new(store),
            store: store.clone(),
            cache: Arc::default(),
        }
    }

    /// Resolves keys through `cache` (the node's, shared with user tokens).
    #[must_use]
    pub fn with_cache(mut self, cache: Arc<PrincipalCache>) -> Self {
        self.cache = cache;
        self
    }

    /// Creates a key; the secret is in the result and nowhere else (the unit of work's stored
    /// result is the record, which holds only the hash).
    pub async fn create(
        &self,
        principal: &Principal,
        name: &str,
        scope: ApiKeyScope,
    ) -> Result<CreatedApiKey, IdentityError> {
        Tenancy::require(principal, Permission::TenantAdmin, Access::default())?;
        self.bootstrap(principal.tenant(), name, scope).await
    }

    /// Creates a key with no principal: operator tooling only (`atelier admin create-tenant`,
    /// the demo, test and bench set-up), which is how a tenant gets its first key.
    pub async fn bootstrap(
        &self,
        tenant: TenantId,
        name: &str,
        scope: ApiKeyScope,
    ) -> Result<CreatedApiKey, IdentityError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(IdentityError::invalid(
                "name",
                "must be 1 to 100 characters",
            ));
        }
        let mut bytes = [0_u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!(
            "{API_KEY_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let record = ApiKeyRecord {
            id: ApiKeyId::generate(),
            tenant,
            name: name.to_owned(),
            scope,
            key_hash: hash(&secret),
            display_prefix: secret.chars().take(10).collect(),
            created_at_ms: Utc::now().timestamp_millis(),
            last_used_at_ms: None,
            revoked_at_ms: None,
        };
        let record = self
            .unit
            .run::<_, _, IdentityError, _>(
                tenant,
                (self.keys.clone(), record),
                |tx, (keys, record)| {
                    async move {
                        keys.insert_one(&*record).session(tx.session()).await?;
                        Ok(record.clone())
                    }
                    .boxed()
                },
            )
            .await?;
        // A replayed unit returns the key committed earlier, whose secret is not this one.
        let secret = (record.key_hash == hash(&secret)).then_some(secret);
        Ok(CreatedApiKey { record, secret })
    }

    /// Resolves a presented key to its principal.
    pub async fn authenticate(&self, presented: &str) -> Result<Principal, AuthFailure> {
        let body = presented.strip_prefix(API_KEY_PREFIX).unwrap_or_default();
        if body.len() != 43
            || !body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AuthError::Malformed.into());
        }
        let key_hash = hash(presented);
        let now = Instant::now();
        let key = match self.cache.key(&key_hash, now) {
            Some(key) => key,
            None => {
                let epoch = self.cache.epoch();
                let key = self.look_up(&key_hash).await?;
                self.cache.remember_key(epoch, key_hash.clone(), key, now);
                key
            }
        };
        let now_ms = Utc::now().timestamp_millis();
        if key
            .last_used_at_ms
            .is_none_or(|last| now_ms - last >= LAST_USED_GRANULARITY_MS)
        {
            // Best effort, off the request's path: a failed bookkeeping write must not fail or
            // slow the request.
            self.cache.key_used(&key_hash, now_ms);
            let keys = self.keys.clone();
            tokio::spawn(async move {
                if let Err(error) = keys
                    .update_one(
                        doc! { "_id": key.key_id.to_string() },
                        doc! { "$set": { "last_used_at_ms": now_ms } },
                    )
                    .await
                {
                    tracing::warn!(%error, key = %key.key_id, "could not record API key use");
                }
            });
        }
        Ok(key.principal())
    }

    /// The active key whose secret hashes to `key_hash`, from MongoDB.
    async fn look_up(&self, key_hash: &str) -> Result<CachedKey, AuthFailure> {
        let record = self
            .store
            .bounded(self.keys.find_one(doc! { "key_hash": key_hash }))
            .await
            .map_err(|error| {
                // The driver's error names internal addresses: the log gets it, the caller a
                // stable code and the dependency's name.
                tracing::warn!(%error, "looking up an API key failed");
                AuthError::Unavailable("MongoDB")
            })?
            .ok_or(AuthError::UnknownKey)?;
        if record.revoked_at_ms.is_some() {
            return Err(AuthFailure {
                error: AuthError::RevokedKey,
                tenant: Some(record.tenant),
            });
        }
        Ok(CachedKey {
            tenant: record.tenant,
            key_id: record.id,
            scope: record.scope,
            last_used_at_ms: record.last_used_at_ms,
        })
    }

    /// The tenant's keys (tenant readers).
    pub async fn list(
        &self,
        principal: &Principal,
        request: &atelier_store::scoped::PageRequest,
    ) -> Result<(Vec<ApiKeyRecord>, bool), IdentityError> {
        Tenancy::require(principal, Permission::TenantRead, Access::default())?;
        let keys = &self.keys;
        Ok(atelier_store::scoped::page(keys, principal.tenant(), doc! {}, request).await?)
    }

    /// Revokes a key of this tenant (tenant administrators), emitting `identity.api_key.revoked`
    /// (which every API node's principal cache drops the key on). Revoking twice is harmless.
    pub async fn revoke(
        &self,
        principal: &Principal,
        key: ApiKeyId,
    ) -> Result<ApiKeyRecord, IdentityError> {
        Tenancy::require(principal, Permission::TenantAdmin, Access::default())?;
        let tenant = principal.tenant();
        let now = Utc::now().timestamp_millis();
        let record = self
            .unit
            .run::<_, _, IdentityError, _>(tenant, self.keys.clone(), move |tx, keys| {
                async move {
                    let filter = doc! { "_id": key.to_string(), "tenant": tenant.to_string() };
                    let mut unrevoked = filter.clone();
                    unrevoked.insert("revoked_at_ms", mongodb::bson::Bson::Null);
                    let revoked = keys
                        .update_one(unrevoked, doc! { "$set": { "revoked_at_ms": now } })
                        .session(tx.session())
                        .await?;
                    let record = keys
                        .find_one(filter)
                        .session(tx.session())
                        .await?
                        .ok_or(IdentityError::NotFound("API key"))?;
                    if revoked.modified_count > 0 {
                        tx.append(revoked_event(&record));
                    }
                    Ok(record)
                }
                .boxed()
            })
            .await?;
        // This node at once; the others when `identity.api_key.revoked` reaches them.
        self.cache.forget_key(tenant, key);
        Ok(record)
    }
}

fn revoked_event(record: &ApiKeyRecord) -> atelier_core::NewEvent {
    atelier_core::NewEvent::new(
        "identity.api_key.revoked",
        "api_key",
        record.id.to_string(),
        serde_json::json!({ "key_id": record.id, "name": record.name }),
    )
}

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

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
    vec![CollectionSpec {
        name: COLLECTION,
        indexes: vec![
            index(doc! { "key_hash": 1 }, "key_hash", true),
            index(
                doc! { "tenant": 1, "created_at_ms": 1 },
                "tenant_created",
                false,
            ),
        ],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_hex_sha256() {
        assert_eq!(hash("atk_x").len(), 64);
        assert_ne!(hash("atk_x"), hash("atk_y"));
    }
}
