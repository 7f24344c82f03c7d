//! Document versions: the whole state of a document at a moment, kept by name (on demand) or
//! periodically, readable as a Yjs update, as JSON and as a diff, and restorable as a forward
//! edit ([`atelier_canvas_sync::restore_update`]).

use atelier_core::TenantId;
use atelier_store::{CollectionSpec, StorageError, Store};
use futures_util::TryStreamExt;
use mongodb::{
    IndexModel,
    bson::{Binary, DateTime, doc, spec::BinarySubtype},
    options::IndexOptions,
};
use serde::{Deserialize, Serialize};

/// Every version of every document.
pub const VERSIONS_COLLECTION: &str = "canvas_versions";

atelier_core::define_id!(
    /// A document version.
    VersionId,
    "ver"
);

/// How a version came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// Asked for, with a name.
    Named,
    /// Taken by the server while the document was being edited.
    Periodic,
    /// Taken just before a restore replaced the content, so the restore can be undone.
    BeforeRestore,
}

/// A stored version (without its state unless read with [`Versions::get`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VersionRecord {
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: String,
    pub document: String,
    pub name: Option<String>,
    pub kind: VersionKind,
    /// Who asked for it (a user id); `None` for periodic versions.
    pub created_by: Option<String>,
    pub created_at: DateTime,
    /// Encoded size of the state.
    pub bytes: i64,
    /// The state as one v1 update; empty in listings.
    #[serde(default = "empty_binary")]
    pub state: Binary,
}

fn empty_binary() -> Binary {
    Binary {
        subtype: BinarySubtype::Generic,
        bytes: Vec::new(),
    }
}

/// The collection and its indexes.
pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![CollectionSpec {
        name: VERSIONS_COLLECTION,
        indexes: vec![
            IndexModel::builder()
                .keys(doc! { "tenant": 1, "document": 1 })
                .options(
                    IndexOptions::builder()
                        .name("tenant_document".to_owned())
                        .build(),
                )
                .build(),
        ],
    }]
}

/// The versions store.
#[derive(Debug, Clone)]
pub struct Versions {
    store: Store,
}

impl Versions {
    pub fn new(store: &Store) -> Versions {
        Versions {
            store: store.clone(),
        }
    }

    fn collection(&self) -> mongodb::Collection<VersionRecord> {
        self.store.database().collection(VERSIONS_COLLECTION)
    }

    /// Keeps `state` as a new version of the document.
    pub async fn create(
        &self,
        tenant: TenantId,
        document: &str,
        name: Option<String>,
        kind: VersionKind,
        created_by: Option<String>,
        state: Vec<u8>,
    ) -> Result<VersionRecord, StorageError> {
        let record = VersionRecord {
            id: VersionId::generate().to_string(),
            tenant: tenant.to_string(),
            document: document.to_owned(),
            name,
            kind,
            created_by,
            created_at: DateTime::now(),
            bytes: i64::try_from(state.len()).unwrap_or(i64::MAX),
            state: Binary {
                subtype: BinarySubtype::Generic,
                bytes: state,
            },
        };
        let _gate = self.store.transaction_gate().await;
        self.collection().insert_one(&record).await?;
        Ok(record)
    }

    /// Versions of the document in creation order, after `after`, at most `limit` plus whether
    /// more follow. States are left out.
    pub async fn page(
        &self,
        tenant: TenantId,
        document: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<VersionRecord>, bool), StorageError> {
        let mut filter = doc! { "tenant": tenant.to_string(), "document": document };
        if let Some(after) = after {
            filter.insert("_id", doc! { "$gt": after });
        }
        let mut records: Vec<VersionRecord> = self
            .collection()
            .find(filter)
            .projection(doc! { "state": 0 })
            .sort(doc! { "_id": 1 })
            .limit(i64::from(limit) + 1)
            .await?
            .try_collect()
            .await?;
        let more = records.len() > limit as usize;
        records.truncate(limit as usize);
        Ok((records, more))
    }

    /// One version with its state; `None` when the document has no such version.
    pub async fn get(
        &self,
        tenant: TenantId,
        document: &str,
        version: &str,
    ) -> Result<Option<VersionRecord>, StorageError> {
        Ok(self
            .collection()
            .find_one(doc! {
                "_id": version,
                "tenant": tenant.to_string(),
                "document": document,
            })
            .await?)
    }

    /// The document's newest version, without its state.
    pub async fn latest(
        &self,
        tenant: TenantId,
        document: &str,
    ) -> Result<Option<VersionRecord>, StorageError> {
        Ok(self
            .collection()
            .find_one(doc! { "tenant": tenant.to_string(), "document": document })
            .projection(doc! { "state": 0 })
            .sort(doc! { "_id": -1 })
            .await?)
    }

    /// Deletes every version of the document (the document was deleted).
    pub async fn purge(&self, tenant: TenantId, document: &str) -> Result<(), StorageError> {
        let _gate = self.store.transaction_gate().await;
        self.collection()
            .delete_many(doc! { "tenant": tenant.to_string(), "document": document })
            .await?;
        Ok(())
    }
}
