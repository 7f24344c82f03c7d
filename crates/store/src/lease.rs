//! Leases: "node X runs singleton worker W until time T".
//!
//! A lease is one document in `leases`, taken with a conditional upsert: it succeeds when the
//! lease is free, expired, or already ours. Holders renew well before expiry; a crashed holder's
//! lease lapses after its TTL and another node takes over. Correctness never depends on a lease
//! alone (the outbox relay is at-least-once either way); the lease only avoids duplicate work.
//!
//! Times are stored as Unix milliseconds (Int64) rather than BSON dates: some development
//! servers store dates written by `$set` as strings (see README), and integers compare the
//! same everywhere.

use std::time::Duration;

use chrono::Utc;
use mongodb::{
    Database, IndexModel,
    bson::{self, doc},
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
        }
    }

    /// Takes or renews the lease. `Ok(false)` means another live owner holds it.
    pub async fn try_acquire(&self) -> Result<bool, LeaseError> {
        let now = Utc::now();
        let ttl = chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::seconds(30));
        let result = self
            .collection
            .update_one(
                doc! {
                    "_id": &self.name,
                    "$or": [
                        { "owner": &self.owner },
                        { "expires_at_ms": { "$lt": now.timestamp_millis() } },
                    ],
                },
                doc! { "$set": {
                    "owner": &self.owner,
                    "expires_at_ms": (now + ttl).timestamp_millis(),
                    "renewed_at_ms": now.timestamp_millis(),
                }},
            )
            .upsert(true)
            .await;
        match result {
            Ok(_) => Ok(true),
            // The filter did not match an existing document, so the upsert tried to insert a
            // second document with the same _id: someone else holds a live lease.
            Err(error) if is_duplicate_key(&error) => Ok(false),
            Err(source) => Err(LeaseError {
                name: self.name.clone(),
                source,
            }),
        }
    }

    /// Gives the lease up (on shutdown), so a successor need not wait for expiry.
    pub async fn release(&self) -> Result<(), LeaseError> {
        self.collection
            .delete_one(doc! { "_id": &self.name, "owner": &self.owner })
            .await
            .map(|_| ())
            .map_err(|source| LeaseError {
                name: self.name.clone(),
                source,
            })
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// The `leases` collection (no secondary indexes: looked up by `_id`).
pub fn collection_spec() -> CollectionSpec {
    CollectionSpec {
        name: LEASES_COLLECTION,
        indexes: Vec::<IndexModel>::new(),
    }
}
