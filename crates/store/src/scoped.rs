//! Tenant-scoped reads: the tenant filter every storage call must carry, written once.
//!
//! Records keep their tenant in a `tenant` field; reading by id through [`get`] also filters on
//! it, so an id of another tenant is simply not found.

use atelier_core::TenantId;
use futures_util::TryStreamExt;
use mongodb::{Collection, bson::doc};
use serde::de::DeserializeOwned;

/// The record with this `_id`, if it belongs to `tenant`.
pub async fn get<T>(
    collection: &Collection<T>,
    tenant: TenantId,
    id: &str,
) -> mongodb::error::Result<Option<T>>
where
    T: DeserializeOwned + Send + Sync,
{
    collection
        .find_one(doc! { "_id": id, "tenant": tenant.to_string() })
        .await
}

/// Every record of `tenant`, oldest first (by `created_at_ms`).
pub async fn list<T>(collection: &Collection<T>, tenant: TenantId) -> mongodb::error::Result<Vec<T>>
where
    T: DeserializeOwned + Send + Sync,
{
    collection
        .find(doc! { "tenant": tenant.to_string() })
        .sort(doc! { "created_at_ms": 1 })
        .await?
        .try_collect()
        .await
}
