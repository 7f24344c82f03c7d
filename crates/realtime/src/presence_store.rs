//! Presence announcements in MongoDB: the snapshot a node reads when it starts watching a
//! workspace (announcements made before it listened). Live changes travel over RabbitMQ; rows
//! carry their own expiry (`expires_at_ms`, Unix milliseconds) and are filtered on it, so a
//! node that died without withdrawing its sessions leaves nothing visible. The hub purges
//! expired rows now and then.

use atelier_core::TenantId;
use atelier_identity::{UserId, WorkspaceId};
use atelier_store::{CollectionSpec, Store};
use futures_util::TryStreamExt;
use mongodb::{Collection, IndexModel, bson::doc, options::IndexOptions};
use serde::{Deserialize, Serialize};

use crate::frame::PresenceStatus;

pub const PRESENCE_COLLECTION: &str = "realtime_presence";

/// One connection's announcement in one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceRow {
    /// `{session}:{workspace}`.
    #[serde(rename = "_id")]
    pub id: String,
    pub tenant: String,
    pub workspace: String,
    pub user: String,
    pub session: String,
    pub status: PresenceStatus,
    pub expires_at_ms: i64,
}

/// Handle on the presence collection. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PresenceStore {
    rows: Collection<PresenceRow>,
}

impl PresenceStore {
    pub fn new(store: &Store) -> Self {
        Self {
            rows: store.database().collection(PRESENCE_COLLECTION),
        }
    }

    pub async fn upsert(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
        user: UserId,
        session: &str,
        status: PresenceStatus,
        expires_at_ms: i64,
    ) -> Result<(), mongodb::error::Error> {
        let row = PresenceRow {
            id: format!("{session}:{workspace}"),
            tenant: tenant.to_string(),
            workspace: workspace.to_string(),
            user: user.to_string(),
            session: session.to_owned(),
            status,
            expires_at_ms,
        };
        self.rows
            .replace_one(doc! { "_id": &row.id, "tenant": &row.tenant }, &row)
            .upsert(true)
            .await?;
        Ok(())
    }

    pub async fn remove(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
        session: &str,
    ) -> Result<(), mongodb::error::Error> {
        self.rows
            .delete_one(
                doc! { "_id": format!("{session}:{workspace}"), "tenant": tenant.to_string() },
            )
            .await?;
        Ok(())
    }

    /// Live announcements of a workspace.
    pub async fn snapshot(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
        now_ms: i64,
    ) -> Result<Vec<PresenceRow>, mongodb::error::Error> {
        self.rows
            .find(doc! {
                "tenant": tenant.to_string(),
                "workspace": workspace.to_string(),
                "expires_at_ms": { "$gt": now_ms },
            })
            .await?
            .try_collect()
            .await
    }

    /// Deletes rows that expired before `before_ms`.
    pub async fn purge_expired(&self, before_ms: i64) -> Result<u64, mongodb::error::Error> {
        Ok(self
            .rows
            .delete_many(doc! { "expires_at_ms": { "$lt": before_ms } })
            .await?
            .deleted_count)
    }

    /// The collection and the index the snapshot query uses.
    pub fn collection_specs() -> Vec<CollectionSpec> {
        vec![CollectionSpec {
            name: PRESENCE_COLLECTION,
            indexes: vec![
                IndexModel::builder()
                    .keys(doc! { "tenant": 1, "workspace": 1, "expires_at_ms": 1 })
                    .options(
                        IndexOptions::builder()
                            .name("tenant_workspace_expires".to_owned())
                            .build(),
                    )
                    .build(),
                IndexModel::builder()
                    .keys(doc! { "expires_at_ms": 1 })
                    .options(IndexOptions::builder().name("expires".to_owned()).build())
                    .build(),
            ],
        }]
    }
}
