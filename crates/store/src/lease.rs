//! Leases: "node X runs singleton worker W until time T".
//!
//! A lease is one document in `leases`, taken with a conditional upsert: it succeeds when the
//! lease is free, expired, or already ours. Holders renew well before expiry; a crashed holder's
//! lease lapses after its TTL and another node takes over.
//!
//! **Fencing.** Every takeover increments the lease's `generation` (a fencing token); a holder
//! renews only at the generation it took. [`Lease::acquire`] answers a [`Fence`], and a write
//! that only the holder may make runs [`Fence::hold`] inside its transaction: a conditional
//! update of the lease document at that generation. A holder whose lease lapsed and was taken
//! over fails it (the transaction writes nothing), and on MongoDB a takeover racing the
//! transaction write-conflicts with it, so the two never both commit. A holder whose lease
//! lapsed but that nobody took keeps its generation and may go on.
//!
//! Times are stored as Unix milliseconds (Int64) rather than BSON dates: some development
//! servers store dates written by `$set` as strings (see README), and integers compare the
//! same everywhere.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use mongodb::{
    ClientSession, Database, IndexModel,
    bson::{self, doc},
    options::ReturnDocument,
};

use crate::{CollectionSpec, is_duplicate_key};

pub const LEASES_COLLECTION: &str = "leases";

#[derive(Debug, thiserror::Error)]
#[error("lease `{name}` could not be read or written: {source}")]
pub struct LeaseError {
    name: String,
    #[source]
    source: mongodb::error::Error,
}

/// A named lease this node may hold.
#[derive(Debug, Clone)]
pub struct Lease {
    collection: mongodb::Collection<bson::Document>,
    name: String,
    owner: String,
    ttl: Duration,
    /// The generation this node took the lease at, while it believes it holds it.
    held: Arc<Mutex<Option<i64>>>,
}

/// The lease held at one generation: proof for fenced writes (see the module docs).
#[derive(Debug, Clone)]
pub struct Fence {
    lease: Lease,
    generation: i64,
}

impl Lease {
    pub fn new(
        database: &Database,
        name: impl Into<String>,
        owner: impl Into<String>,
        ttl: Duration,
    ) -> Self {
        Self {
            collection: database.collection(LEASES_COLLECTION),
            name: name.into(),
            owner: owner.into(),
            ttl,
            held: Arc::new(Mutex::new(None)),
        }
    }

    /// Renews the lease at the generation this node holds, or takes it over (a new
    /// generation) when it is free, expired or recorded as ours. `None`: another live owner
    /// holds it.
    pub async fn acquire(&self) -> Result<Option<Fence>, LeaseError> {
        if let Some(generation) = self.held_generation()
            && self.renew(generation).await?
        {
            return Ok(Some(self.fence(generation)));
        }
        let now = Utc::now().timestamp_millis();
        let result = self
            .collection
            .find_one_and_update(
                doc! {
                    "_id": &self.name,
                    "$or": [
                        { "owner": &self.owner },
                        { "expires_at_ms": { "$lt": now } },
                    ],
                },
                doc! {
                    "$set": {
                        "owner": &self.owner,
                        "expires_at_ms": self.expiry(now),
                        "renewed_at_ms": now,
                    },
                    "$inc": { "generation": 1_i64 },
                },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await;
        match result {
            Ok(returned) => {
                // Some development servers return no document (or a partial one) for an upsert
                // that inserted: read what was written.
                let document = match returned.filter(|d| read_generation(d).is_some()) {
                    Some(document) => Some(document),
                    None => self
                        .collection
                        .find_one(doc! { "_id": &self.name, "owner": &self.owner })
                        .await
                        .map_err(|source| LeaseError {
                            name: self.name.clone(),
                            source,
                        })?,
                };
                let Some(document) = document else {
                    // Nothing of ours: the filter matched no document and the server did not
                    // report the upsert's duplicate key. Someone else holds a live lease.
                    *self.held_slot() = None;
                    return Ok(None);
                };
                let generation = read_generation(&document).ok_or_else(|| LeaseError {
                    name: self.name.clone(),
                    source: mongodb::error::Error::custom(format!(
                        "lease `{}` has no integer generation after a takeover: {document:?}",
                        self.name
                    )),
                })?;
                tracing::info!(lease = %self.name, owner = %self.owner, generation, "lease taken");
                *self.held_slot() = Some(generation);
                Ok(Some(self.fence(generation)))
            }
            // The filter did not match an existing document, so the upsert tried to insert a
            // second document with the same _id: someone else holds a live lease.
            Err(error) if is_duplicate_key(&error) => {
                *self.held_slot() = None;
                Ok(None)
            }
            Err(source) => Err(LeaseError {
                name: self.name.clone(),
                source,
            }),
        }
    }

    /// Takes or renews the lease. `Ok(false)` means another live owner holds it.
    pub async fn try_acquire(&self) -> Result<bool, LeaseError> {
        Ok(self.acquire().await?.is_some())
    }

    /// Extends the lease if this node still holds it at `generation`; `false` (and the lease
    /// forgotten) when it was taken over.
    pub async fn renew(&self, generation: i64) -> Result<bool, LeaseError> {
        let now = Utc::now().timestamp_millis();
        let result = self
            .collection
            .update_one(
                doc! { "_id": &self.name, "owner": &self.owner, "generation": generation },
                doc! { "$set": { "expires_at_ms": self.expiry(now), "renewed_at_ms": now } },
            )
            .await
            .map_err(|source| LeaseError {
                name: self.name.clone(),
                source,
            })?;
        let held = result.matched_count == 1;
        if !held {
            tracing::warn!(lease = %self.name, owner = %self.owner, generation, "lease lost to a takeover");
            *self.held_slot() = None;
        }
        Ok(held)
    }

    /// Gives the lease up (on shutdown), so a successor need not wait for expiry: it expires
    /// now. Only at the generation this node holds (a successor's lease is never touched), and
    /// the document stays, so generations only ever grow.
    pub async fn release(&self) -> Result<(), LeaseError> {
        let Some(generation) = self.held_slot().take() else {
            return Ok(());
        };
        self.collection
            .update_one(
                doc! { "_id": &self.name, "owner": &self.owner, "generation": generation },
                doc! { "$set": { "expires_at_ms": 0_i64 } },
            )
            .await
            .map(|_| ())
            .map_err(|source| LeaseError {
                name: self.name.clone(),
                source,
            })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn fence(&self, generation: i64) -> Fence {
        Fence {
            lease: self.clone(),
            generation,
        }
    }

    fn expiry(&self, now_ms: i64) -> i64 {
        let ttl_ms = i64::try_from(self.ttl.as_millis()).unwrap_or(30_000);
        now_ms.saturating_add(ttl_ms)
    }

    fn held_generation(&self) -> Option<i64> {
        *self.held_slot()
    }

    fn held_slot(&self) -> std::sync::MutexGuard<'_, Option<i64>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Fence {
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// Inside the caller's transaction: confirms and renews the lease at this fence's
    /// generation, as one of the transaction's writes. `false`: the lease was taken over; the
    /// caller must write nothing and abandon the work (the transaction has written nothing
    /// here).
    pub async fn hold(&self, session: &mut ClientSession) -> Result<bool, mongodb::error::Error> {
        let lease = &self.lease;
        let now = Utc::now().timestamp_millis();
        let result = lease
            .collection
            .update_one(
                doc! { "_id": &lease.name, "owner": &lease.owner, "generation": self.generation },
                doc! { "$set": { "expires_at_ms": lease.expiry(now), "renewed_at_ms": now } },
            )
            .session(session)
            .await?;
        Ok(result.matched_count == 1)
    }
}

fn read_generation(document: &bson::Document) -> Option<i64> {
    document.get("generation").and_then(crate::integer)
}

/// The `leases` collection (no secondary indexes: looked up by `_id`).
pub fn collection_spec() -> CollectionSpec {
    CollectionSpec {
        name: LEASES_COLLECTION,
        indexes: Vec::<IndexModel>::new(),
    }
}
