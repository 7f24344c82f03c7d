//! Stored first responses for `Idempotency-Key` retries.
//!
//! A client that retries a `POST` with the same `Idempotency-Key` gets the first response
//! again instead of a second side effect. One document per (tenant, principal, key) in
//! `idempotency_keys`:
//!
//! | field | meaning |
//! |---|---|
//! | `_id` | hex SHA-256 of tenant, actor and key (length-prefixed, so no two triples collide) |
//! | `tenant` | the tenant; every query also filters on it |
//! | `fingerprint` | SHA-256 of the request (method, path, body), computed by the API |
//! | `state` | `in_flight` while the first request runs, then `done` |
//! | `state` (cont.) | `committed`: the effect committed, the response was never stored |
//! | `results` | `{u0: .., u1: ..}`: each unit of work's result, written in its transaction |
//! | `status`, `content_type`, `location`, `body` | the stored response (when `done`) |
//! | `created_at_ms`, `completed_at_ms` | Unix millis |
//! | `expires_at` | a BSON date (`created + ttl`), set at insert only; a TTL index deletes the record |
//!
//! [`Idempotency::begin`] inserts the `in_flight` record; the unique `_id` makes concurrent
//! duplicates lose the insert and read the winner's record instead. [`Idempotency::complete`]
//! stores the response; [`Idempotency::abandon`] deletes an `in_flight` record (the handler
//! failed with a 5xx, so a retry may run again). A record left `in_flight` by a crashed node is
//! taken over after [`IN_FLIGHT_STALE_AFTER`], so a key is not blocked for the whole TTL.
//!
//! **Atomic with the effect.** The API runs the request's units of work with a request scope
//! that, inside each unit's transaction, first looks for that unit's committed result here
//! ([`Idempotency::committed_result`]: if present, the unit returns it and does nothing) and
//! otherwise stores the result with the write ([`Idempotency::record_result`]). So a retry
//! after a post-commit failure (5xx: the record becomes `committed`, not deleted) or a crash
//! (the stale `in_flight` record keeps its results) renders the same answer without acting
//! twice. Results never hold secrets: units return records that store only hashes, or ids.
//!
//! Dates written by updates come back as strings on the development server (nx-27017), so
//! times are Unix millis and the only date, `expires_at`, is written by inserts.

use std::time::Duration;

use atelier_core::TenantId;
use atelier_store::{CollectionSpec, StorageError, Store, is_duplicate_key};
use chrono::Utc;
use mongodb::{
    ClientSession, Collection, IndexModel,
    bson::{self, Binary, doc, spec::BinarySubtype},
    options::IndexOptions,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::IdentityError;

const COLLECTION: &str = "idempotency_keys";
/// An `in_flight` record older than this belongs to a request that died with its node: a
/// retry takes it over. Far above any handler's running time.
pub const IN_FLIGHT_STALE_AFTER: Duration = Duration::from_secs(5 * 60);

/// The `idempotency_keys` store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Idempotency {
    records: Collection<IdempotencyRecord>,
    ttl: Duration,
}

/// What the caller should do with a request carrying an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// First time: run the request, then [`Idempotency::complete`] or [`Idempotency::abandon`].
    Started,
    /// Already answered: send this response again.
    Replay(StoredResponse),
    /// The key was used for a different request (another fingerprint).
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdempotencyRecord {
    #[serde(rename = "_id")]
    id: String,
    tenant: TenantId,
    fingerprint: String,
    state: RecordState,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    body: Option<Binary>,
    created_at_ms: i64,
    #[serde(default)]
    completed_at_ms: Option<i64>,
    expires_at: bson::DateTime,
    /// The serialized result of each unit of work the request committed, by slot (`u0`,
    /// `u1`, ...), written in the unit's own transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    results: Option<bson::Document>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RecordState {
    InFlight,
    /// The request's effect committed (its units' results are in `results`) but its response
    /// was never stored (a failure after the commit): a retry runs the handler again and its
    /// units of work return the stored results instead of acting.
    Committed,
    Done,
}

impl Idempotency {
    pub fn new(store: &Store, ttl: Duration) -> Self {
        Self {
            records: store.database().collection(COLLECTION),
            ttl,
        }
    }

    /// Claims `key` for this request, or says what happened to an earlier one.
    /// `actor` is the principal's [`actor`](crate::Principal::actor); `fingerprint` identifies
    /// the request (the same key with another fingerprint is a [`Begin::Mismatch`]).
    pub async fn begin(
        &self,
        tenant: TenantId,
        actor: &str,
        key: &str,
        fingerprint: &str,
    ) -> Result<Begin, IdentityError> {
        let id = record_id(tenant, actor, key);
        // A few rounds: a record can expire or be abandoned between our insert and our read.
        for _ in 0..3 {
            let now = Utc::now().timestamp_millis();
            let expires_at =
                now.saturating_add(i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX));
            let record = IdempotencyRecord {
                id: id.clone(),
                tenant,
                fingerprint: fingerprint.to_owned(),
                state: RecordState::InFlight,
                status: None,
                content_type: None,
                location: None,
                body: None,
                created_at_ms: now,
                completed_at_ms: None,
                expires_at: bson::DateTime::from_millis(expires_at),
                results: None,
            };
            match self.records.insert_one(&record).await {
                Ok(_) => return Ok(Begin::Started),
                Err(error) if is_duplicate_key(&error) => {}
                Err(error) => return Err(error.into()),
            }
            let Some(existing) = self
                .records
                .find_one(doc! { "_id": &id, "tenant": tenant.to_string() })
                .await?
            else {
                continue;
            };
            if existing.fingerprint != fingerprint {
                return Ok(Begin::Mismatch);
            }
            if existing.expires_at.timestamp_millis() <= now {
                // Expired but not yet swept by the TTL monitor: treat as absent.
                self.delete_if(&id, tenant, existing.created_at_ms).await?;
                continue;
            }
            match existing.state {
                RecordState::Done => return Ok(Begin::Replay(existing.into_response())),
                RecordState::Committed => {
                    if self.claim(&id, tenant, &existing, now).await? {
                        return Ok(Begin::Started);
                    }
                }
                RecordState::InFlight => {
                    let stale_before =
                        now - i64::try_from(IN_FLIGHT_STALE_AFTER.as_millis()).unwrap_or(i64::MAX);
                    if existing.created_at_ms >= stale_before {
                        return Ok(Begin::InFlight);
                    }
                    tracing::warn!(%tenant, "taking over a stale in-flight idempotency record");
                    if existing.results.is_some() {
                        // Its node died after committing: keep the results for the rerun.
                        if self.claim(&id, tenant, &existing, now).await? {
                            return Ok(Begin::Started);
                        }
                    } else {
                        self.delete_if(&id, tenant, existing.created_at_ms).await?;
                    }
                }
            }
        }
        // Someone keeps winning the race: the fair answer is "still running".
        Ok(Begin::InFlight)
    }

    /// Stores the response of a [`Begin::Started`] request for replay.
    pub async fn complete(
        &self,
        tenant: TenantId,
        actor: &str,
        key: &str,
        response: &StoredResponse,
    ) -> Result<(), IdentityError> {
        let id = record_id(tenant, actor, key);
        let body = Binary {
            subtype: BinarySubtype::Generic,
            bytes: response.body.clone(),
        };
        let result = self
            .records
            .update_one(
                doc! { "_id": &id, "tenant": tenant.to_string(), "state": "in_flight" },
                doc! { "$set": {
                    "state": "done",
                    "status": i32::from(response.status),
                    "content_type": response.content_type.as_deref(),
                    "location": response.location.as_deref(),
                    "body": body,
                    "completed_at_ms": Utc::now().timestamp_millis(),
                } },
            )
            .await?;
        if result.matched_count == 0 {
            return Err(IdentityError::NotFound("in-flight idempotency record"));
        }
        Ok(())
    }

    /// Forgets an `in_flight` record, so a retry runs the request again. A record whose
    /// request already committed an effect is kept as `committed` instead: the retry runs the
    /// handler again and gets the committed results back from its units of work.
    pub async fn abandon(
        &self,
        tenant: TenantId,
        actor: &str,
        key: &str,
    ) -> Result<(), IdentityError> {
        let id = record_id(tenant, actor, key);
        let deleted = self
            .records
            .delete_one(doc! {
                "_id": &id,
                "tenant": tenant.to_string(),
                "state": "in_flight",
                "results": { "$exists": false },
            })
            .await?;
        if deleted.deleted_count == 0 {
            self.records
                .update_one(
                    doc! { "_id": &id, "tenant": tenant.to_string(), "state": "in_flight" },
                    doc! { "$set": { "state": "committed" } },
                )
                .await?;
        }
        Ok(())
    }

    /// Takes over a `committed` (or stale) record for a rerun; false when another request
    /// took it first.
    async fn claim(
        &self,
        id: &str,
        tenant: TenantId,
        existing: &IdempotencyRecord,
        now: i64,
    ) -> Result<bool, IdentityError> {
        let state = match existing.state {
            RecordState::InFlight => "in_flight",
            RecordState::Committed => "committed",
            RecordState::Done => "done",
        };
        let claimed = self
            .records
            .update_one(
                doc! {
                    "_id": id,
                    "tenant": tenant.to_string(),
                    "state": state,
                    "created_at_ms": existing.created_at_ms,
                },
                doc! { "$set": { "state": "in_flight", "created_at_ms": now } },
            )
            .await?;
        Ok(claimed.matched_count == 1)
    }

    /// Inside a unit of work's transaction: the committed result of unit `slot` of this
    /// request, if an earlier attempt of the request committed it.
    pub async fn committed_result(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        actor: &str,
        key: &str,
        slot: usize,
    ) -> Result<Option<bson::Bson>, StorageError> {
        let id = record_id(tenant, actor, key);
        let record = self
            .records
            .find_one(doc! { "_id": &id, "tenant": tenant.to_string() })
            .session(session)
            .await?;
        Ok(record
            .and_then(|record| record.results)
            .and_then(|mut results| results.remove(slot_key(slot))))
    }

    /// Inside a unit of work's transaction: stores the result of unit `slot`, so it commits
    /// with the unit's effect.
    pub async fn record_result(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        actor: &str,
        key: &str,
        slot: usize,
        result: bson::Bson,
    ) -> Result<(), StorageError> {
        let id = record_id(tenant, actor, key);
        let field = format!("results.{}", slot_key(slot));
        let updated = self
            .records
            .update_one(
                doc! { "_id": &id, "tenant": tenant.to_string(), "state": "in_flight" },
                doc! { "$set": { field: result } },
            )
            .session(session)
            .await?;
        if updated.matched_count == 0 {
            return Err(StorageError::internal(
                "the in-flight idempotency record of this request is gone",
            ));
        }
        Ok(())
    }

    async fn delete_if(
        &self,
        id: &str,
        tenant: TenantId,
        created_at_ms: i64,
    ) -> Result<(), IdentityError> {
        self.records
            .delete_one(
                doc! { "_id": id, "tenant": tenant.to_string(), "created_at_ms": created_at_ms },
            )
            .await?;
        Ok(())
    }
}

impl IdempotencyRecord {
    fn into_response(self) -> StoredResponse {
        StoredResponse {
            status: self.status.unwrap_or(200),
            content_type: self.content_type,
            location: self.location,
            body: self.body.map(|binary| binary.bytes).unwrap_or_default(),
        }
    }
}

fn slot_key(slot: usize) -> String {
    format!("u{slot}")
}

/// `_id` of a record: hex SHA-256 over the length-prefixed tenant, actor and key.
fn record_id(tenant: TenantId, actor: &str, key: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [tenant.to_string().as_str(), actor, key] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![CollectionSpec {
        name: COLLECTION,
        indexes: vec![
            IndexModel::builder()
                .keys(doc! { "expires_at": 1 })
                .options(
                    IndexOptions::builder()
                        .name("expires_at_ttl".to_owned())
                        .expire_after(Duration::ZERO)
                        .build(),
                )
                .build(),
        ],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_separate_tenants_actors_and_keys() {
        let tenant = TenantId::generate();
        let other = TenantId::generate();
        let base = record_id(tenant, "key:a", "k1");
        assert_eq!(base, record_id(tenant, "key:a", "k1"));
        assert_eq!(base.len(), 64);
        for different in [
            record_id(other, "key:a", "k1"),
            record_id(tenant, "key:b", "k1"),
            record_id(tenant, "key:a", "k2"),
            // Length prefixes: moving a character between parts changes the id.
            record_id(tenant, "key:ak", "1"),
        ] {
            assert_ne!(base, different);
        }
    }
}
