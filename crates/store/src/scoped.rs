//! Tenant-scoped reads: the tenant filter every storage call must carry, written once.
//!
//! Records keep their tenant in a `tenant` field; reading by id through [`get`] also filters on
//! it, so an id of another tenant is simply not found.

use atelier_core::TenantId;
use futures_util::TryStreamExt;
use mongodb::{
    Collection,
    bson::{Document, doc},
};
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

/// Where a page of a list starts and how many records it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// The `_id` of the previous page's last record; `None` starts at the beginning.
    pub after: Option<String>,
    pub limit: usize,
}

impl PageRequest {
    pub fn new(after: Option<String>, limit: usize) -> Self {
        Self { after, limit }
    }

    /// `filter` narrowed to the records after the cursor (added to an `_id` condition the
    /// filter already has, such as `$in`).
    pub fn narrow(&self, mut filter: Document) -> Document {
        if let Some(after) = &self.after {
            match filter.get_document_mut("_id") {
                Ok(condition) => {
                    condition.insert("$gt", after);
                }
                Err(_) => {
                    filter.insert("_id", doc! { "$gt": after });
                }
            }
        }
        filter
    }

    /// Up to `limit` of `items` (already in `_id` order) after the cursor, and whether more
    /// follow: for lists built in memory (catalogues, fixed sets).
    pub fn slice<T>(&self, items: Vec<T>, id: impl Fn(&T) -> &str) -> (Vec<T>, bool) {
        let mut items: Vec<T> = items
            .into_iter()
            .filter(|item| self.after.as_deref().is_none_or(|after| id(item) > after))
            .take(self.limit + 1)
            .collect();
        let has_more = items.len() > self.limit;
        items.truncate(self.limit);
        (items, has_more)
    }
}

/// A page of `tenant`'s records matching `filter`, in `_id` order (ids are ULIDs, so oldest
/// first) after `request.after`: up to `limit` records and whether more follow.
pub async fn page<T>(
    collection: &Collection<T>,
    tenant: TenantId,
    mut filter: Document,
    request: &PageRequest,
) -> mongodb::error::Result<(Vec<T>, bool)>
where
    T: DeserializeOwned + Send + Sync,
{
    filter.insert("tenant", tenant.to_string());
    let mut records: Vec<T> = collection
        .find(request.narrow(filter))
        .sort(doc! { "_id": 1 })
        .limit(i64::try_from(request.limit + 1).unwrap_or(i64::MAX))
        .await?
        .try_collect()
        .await?;
    let has_more = records.len() > request.limit;
    records.truncate(request.limit);
    Ok((records, has_more))
}
