//! The document update log: every accepted Yjs update, appended by group commit, folded into a
//! snapshot by compaction.
//!
//! CRDT traffic does not go through the event outbox (ARCHITECTURE.md, "The written
//! exception"): a document takes tens of updates a second per editor, each a few bytes, and the
//! outbox's per-event transaction would cost a round trip per keystroke. Instead:
//!
//! - **Append** ([`UpdateLog::append`]) hands the update to the node's one writer task and
//!   resolves once it is on disk. The writer takes everything queued while its previous write
//!   was in flight (any number of documents) and writes it with one `insert_many`: one round
//!   trip per batch, never per update. Each record's `_id` is chosen before the first attempt,
//!   so a retried batch (the write's outcome unknown) never stores an update twice: a duplicate
//!   key is an update already there.
//! - **Load** ([`UpdateLog::load`]): the document's snapshot plus every update logged since.
//!   Yjs updates commute and re-applying one is a no-op, so the order and any overlap between
//!   the snapshot and the updates do not matter.
//! - **Compaction** ([`UpdateLog::compact`]) reads the snapshot and the updates, merges them off
//!   the async threads, and in one transaction replaces the snapshot (only if no other
//!   compaction replaced it since: a generation check) and deletes exactly the updates it read.
//!   Updates appended meanwhile are not among them, so they stay in the log: editors never wait
//!   for compaction and nothing that arrives during it is lost.
//! - **Purge** ([`UpdateLog::purge`]) deletes a document's snapshot and updates.
//!
//! Records carry the tenant, and every query filters on it.

use std::{collections::HashMap, sync::Arc, time::Duration};

use atelier_canvas_sync::{DocumentSession, SessionLimits, SyncError};
use atelier_core::TenantId;
use atelier_store::{CollectionSpec, StorageError, Store};
use futures_util::{FutureExt, TryStreamExt};
use mongodb::{
    IndexModel,
    bson::{Binary, DateTime, doc, oid::ObjectId, spec::BinarySubtype},
    options::IndexOptions,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

/// Every accepted update not yet folded into its document's snapshot.
pub const UPDATES_COLLECTION: &str = "canvas_updates";
/// One snapshot per document: its state as one v1 update.
pub const SNAPSHOTS_COLLECTION: &str = "canvas_snapshots";

/// Most updates one `insert_many` carries.
const MAX_BATCH: usize = 1_000;
/// Appends waiting for the writer before `append` waits for room (back-pressure on sockets).
const QUEUE: usize = 8_192;
/// Attempts at a batch the server refuses for a reason other than being unavailable.
const FAILED_ATTEMPTS: u32 = 3;
/// Longest wait between two attempts at a failed batch.
const MAX_RETRY_BACKOFF: Duration = Duration::from_secs(2);

/// The log's collections and indexes.
pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![
        CollectionSpec {
            name: UPDATES_COLLECTION,
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
        },
        CollectionSpec {
            name: SNAPSHOTS_COLLECTION,
            indexes: vec![
                IndexModel::builder()
                    .keys(doc! { "tenant": 1, "document": 1 })
                    .options(
                        IndexOptions::builder()
                            .name("tenant_document".to_owned())
                            .unique(true)
                            .build(),
                    )
                    .build(),
            ],
        },
    ]
}

/// One logged update.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UpdateRecord {
    #[serde(rename = "_id")]
    id: ObjectId,
    tenant: String,
    document: String,
    update: Binary,
    /// Who made the edit (a user id), when known.
    by: Option<String>,
    at: DateTime,
}

/// A document's snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SnapshotRecord {
    /// `{tenant}/{document}`.
    #[serde(rename = "_id")]
    id: String,
    tenant: String,
    document: String,
    /// The state as one v1 update.
    state: Binary,
    /// Raised by every compaction; a compaction writes only over the generation it read.
    generation: i64,
    /// How many updates have been folded in, over the document's life.
    folded: i64,
    at: DateTime,
}

/// What [`UpdateLog::load`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub snapshot: Option<Vec<u8>>,
    pub updates: Vec<Vec<u8>>,
}

impl Stored {
    /// Bytes read (snapshot and updates).
    pub fn bytes(&self) -> usize {
        self.snapshot.as_ref().map_or(0, Vec::len)
            + self.updates.iter().map(Vec::len).sum::<usize>()
    }
}

/// What one compaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compaction {
    /// Nothing to fold: no update was logged since the snapshot.
    Nothing,
    /// `updates` were folded into a snapshot of `snapshot_bytes`.
    Folded {
        updates: usize,
        snapshot_bytes: usize,
    },
    /// Another compaction replaced the snapshot first; nothing was written (the log is intact).
    Superseded,
}

/// Errors of the update log.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored document does not decode: a snapshot or update the log should never hold.
    #[error("stored document {document} is unreadable: {source}")]
    Corrupt {
        document: String,
        #[source]
        source: SyncError,
    },
    /// The writer task has stopped (the node is shutting down).
    #[error("the update log writer has stopped")]
    Stopped,
}

struct Append {
    record: UpdateRecord,
    done: oneshot::Sender<Result<(), StorageError>>,
}

/// The node's update log: cheap to clone (one writer task behind a channel).
#[derive(Clone)]
pub struct UpdateLog {
    store: Store,
    appends: mpsc::Sender<Append>,
    stats: Arc<WriterStats>,
}

impl std::fmt::Debug for UpdateLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateLog").finish_non_exhaustive()
    }
}

/// Counters the writer keeps (read by metrics and benches).
#[derive(Debug, Default)]
pub struct WriterStats {
    pub batches: std::sync::atomic::AtomicU64,
    pub updates: std::sync::atomic::AtomicU64,
    pub failed_attempts: std::sync::atomic::AtomicU64,
}

impl UpdateLog {
    /// Starts the writer task on the current runtime. It ends when every clone of the log is
    /// dropped, after writing what was queued.
    pub fn start(store: &Store) -> UpdateLog {
        let (appends, queue) = mpsc::channel(QUEUE);
        let stats = Arc::new(WriterStats::default());
        tokio::spawn(write_batches(store.clone(), queue, stats.clone()));
        UpdateLog {
            store: store.clone(),
            appends,
            stats,
        }
    }

    /// The writer's counters.
    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Logs one update of `document` and resolves once it is durable (majority-acknowledged).
    /// A store outage makes this wait: the writer retries the batch until it lands.
    pub async fn append(
        &self,
        tenant: TenantId,
        document: &str,
        update: Vec<u8>,
        by: Option<String>,
    ) -> Result<(), LogError> {
        let (done, durable) = oneshot::channel();
        let record = UpdateRecord {
            id: ObjectId::new(),
            tenant: tenant.to_string(),
            document: document.to_owned(),
            update: Binary {
                subtype: BinarySubtype::Generic,
                bytes: update,
            },
            by,
            at: DateTime::now(),
        };
        self.appends
            .send(Append { record, done })
            .await
            .map_err(|_| LogError::Stopped)?;
        durable
            .await
            .map_err(|_| LogError::Stopped)?
            .map_err(LogError::Storage)
    }

    /// The document's snapshot and every update logged after it.
    pub async fn load(&self, tenant: TenantId, document: &str) -> Result<Stored, LogError> {
        let snapshot = self
            .snapshots()
            .find_one(doc! { "_id": snapshot_id(tenant, document), "tenant": tenant.to_string() })
            .await
            .map_err(StorageError::from)?;
        let updates: Vec<UpdateRecord> = self
            .updates()
            .find(doc! { "tenant": tenant.to_string(), "document": document })
            .sort(doc! { "_id": 1 })
            .await
            .map_err(StorageError::from)?
            .try_collect()
            .await
            .map_err(StorageError::from)?;
        Ok(Stored {
            snapshot: snapshot.map(|snapshot| snapshot.state.bytes),
            updates: updates
                .into_iter()
                .map(|record| record.update.bytes)
                .collect(),
        })
    }

    /// Number of updates logged for the document since its snapshot.
    pub async fn pending(&self, tenant: TenantId, document: &str) -> Result<u64, LogError> {
        Ok(self
            .updates()
            .count_documents(doc! { "tenant": tenant.to_string(), "document": document })
            .await
            .map_err(StorageError::from)?)
    }

    /// Folds the updates logged so far into a new snapshot (see the module documentation).
    pub async fn compact(&self, tenant: TenantId, document: &str) -> Result<Compaction, LogError> {
        let snapshot = self
            .snapshots()
            .find_one(doc! { "_id": snapshot_id(tenant, document), "tenant": tenant.to_string() })
            .await
            .map_err(StorageError::from)?;
        let updates: Vec<UpdateRecord> = self
            .updates()
            .find(doc! { "tenant": tenant.to_string(), "document": document })
            .sort(doc! { "_id": 1 })
            .limit(100_000)
            .await
            .map_err(StorageError::from)?
            .try_collect()
            .await
            .map_err(StorageError::from)?;
        if updates.is_empty() {
            return Ok(Compaction::Nothing);
        }
        let generation = match &snapshot {
            Some(snapshot) => snapshot.generation,
            None => 0,
        };
        let folded_before = snapshot.as_ref().map_or(0, |snapshot| snapshot.folded);
        let ids: Vec<ObjectId> = updates.iter().map(|record| record.id).collect();
        let count = updates.len();
        let name = document.to_owned();
        // Merging decodes and integrates every update: CPU work, off the async threads.
        let state = tokio::task::spawn_blocking(move || {
            let session = DocumentSession::load(
                SessionLimits::default(),
                snapshot
                    .as_ref()
                    .map(|snapshot| snapshot.state.bytes.as_slice()),
                updates.iter().map(|record| record.update.bytes.as_slice()),
            )?;
            Ok::<_, SyncError>(session.encode_state_as_update())
        })
        .await
        .map_err(|error| StorageError::internal(format!("compaction task: {error}")))?
        .map_err(|source| LogError::Corrupt {
            document: name,
            source,
        })?;
        let snapshot_bytes = state.len();
        let record = SnapshotRecord {
            id: snapshot_id(tenant, document),
            tenant: tenant.to_string(),
            document: document.to_owned(),
            state: Binary {
                subtype: BinarySubtype::Generic,
                bytes: state,
            },
            generation: generation + 1,
            folded: folded_before + i64::try_from(count).unwrap_or(i64::MAX),
            at: DateTime::now(),
        };
        let replaced = self
            .store
            .transaction(
                (self.clone(), record, ids, generation),
                |session, (log, record, ids, generation)| {
                    async move {
                        let written = if *generation == 0 {
                            match log
                                .snapshots()
                                .insert_one(&*record)
                                .session(&mut *session)
                                .await
                            {
                                Ok(_) => true,
                                Err(error) if atelier_store::is_duplicate_key(&error) => false,
                                Err(error) => return Err(error),
                            }
                        } else {
                            // Delete and insert rather than replace: same effect in one
                            // transaction (nx-27017 cannot replace a document holding binary).
                            let deleted = log
                                .snapshots()
                                .delete_one(doc! {
                                    "_id": &record.id,
                                    "tenant": &record.tenant,
                                    "generation": *generation,
                                })
                                .session(&mut *session)
                                .await?;
                            if deleted.deleted_count == 1 {
                                log.snapshots()
                                    .insert_one(&*record)
                                    .session(&mut *session)
                                    .await?;
                            }
                            deleted.deleted_count == 1
                        };
                        if !written {
                            return Ok(false);
                        }
                        log.updates()
                            .delete_many(doc! {
                                "tenant": &record.tenant,
                                "_id": { "$in": ids.clone() },
                            })
                            .session(&mut *session)
                            .await?;
                        Ok(true)
                    }
                    .boxed()
                },
            )
            .await
            .map_err(StorageError::from)?;
        Ok(if replaced {
            Compaction::Folded {
                updates: count,
                snapshot_bytes,
            }
        } else {
            Compaction::Superseded
        })
    }

    /// Deletes the document's snapshot and updates (the document was deleted).
    pub async fn purge(&self, tenant: TenantId, document: &str) -> Result<(), LogError> {
        let filter = doc! { "tenant": tenant.to_string(), "document": document };
        let _gate = self.store.transaction_gate().await;
        self.updates()
            .delete_many(filter.clone())
            .await
            .map_err(StorageError::from)?;
        self.snapshots()
            .delete_many(filter)
            .await
            .map_err(StorageError::from)?;
        Ok(())
    }

    fn updates(&self) -> mongodb::Collection<UpdateRecord> {
        self.store.database().collection(UPDATES_COLLECTION)
    }

    fn snapshots(&self) -> mongodb::Collection<SnapshotRecord> {
        self.store.database().collection(SNAPSHOTS_COLLECTION)
    }
}

fn snapshot_id(tenant: TenantId, document: &str) -> String {
    format!("{tenant}/{document}")
}

/// The writer: one `insert_many` per batch of whatever is queued, retried until it lands.
async fn write_batches(store: Store, mut queue: mpsc::Receiver<Append>, stats: Arc<WriterStats>) {
    let updates = store
        .database()
        .collection::<UpdateRecord>(UPDATES_COLLECTION);
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let records: Vec<&UpdateRecord> = batch.iter().map(|append| &append.record).collect();
        let mut backoff = Duration::from_millis(50);
        let mut attempts = 0;
        let outcome = loop {
            attempts += 1;
            match insert(&store, &updates, &records).await {
                Ok(()) => break Ok(()),
                // MongoDB unreachable or stalled: wait for it (appends queue up behind this
                // batch and push back on the sockets).
                Err(error) if error.is_unavailable() || attempts < FAILED_ATTEMPTS => {
                    stats
                        .failed_attempts
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::warn!(%error, updates = records.len(), ?backoff, "update log write failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_RETRY_BACKOFF);
                }
                // Refused by the server for another reason: the batch is not durable; its
                // documents drop it from memory and their clients re-send on reconnect.
                Err(error) => {
                    tracing::error!(%error, updates = records.len(), "update log write refused; the batch is not durable");
                    break Err(error);
                }
            }
        };
        if let Err(error) = outcome {
            for append in batch.drain(..) {
                append.done.send(Err(error.clone())).ok();
            }
            continue;
        }
        stats
            .batches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        stats
            .updates
            .fetch_add(records.len() as u64, std::sync::atomic::Ordering::Relaxed);
        for append in batch.drain(..) {
            // The caller may have gone (its socket closed): the update is durable regardless.
            append.done.send(Ok(())).ok();
        }
    }
}

/// One attempt at a batch. Unordered, so one duplicate (a record a lost-answer attempt already
/// wrote) does not stop the rest; duplicates count as written.
async fn insert(
    store: &Store,
    updates: &mongodb::Collection<UpdateRecord>,
    records: &[&UpdateRecord],
) -> Result<(), StorageError> {
    let _gate = store.transaction_gate().await;
    let write = updates.insert_many(records.iter().copied()).ordered(false);
    match store.bounded(write).await {
        Ok(_) => Ok(()),
        Err(error) if only_duplicates(&error) => Ok(()),
        Err(error) => Err(StorageError::from(error)),
    }
}

fn only_duplicates(error: &mongodb::error::Error) -> bool {
    use mongodb::error::ErrorKind;
    match error.kind.as_ref() {
        ErrorKind::InsertMany(failure) => {
            failure.write_concern_error.is_none()
                && failure
                    .write_errors
                    .as_ref()
                    .is_some_and(|errors| errors.iter().all(|error| error.code == 11000))
        }
        _ => atelier_store::is_duplicate_key(error),
    }
}

/// Per-document counts of updates this node appended since it last asked for a compaction; the
/// caller asks [`UpdateLog::compact`] once a document passes its threshold.
#[derive(Debug, Default)]
pub struct CompactionTrigger {
    since: HashMap<(TenantId, String), u64>,
}

impl CompactionTrigger {
    /// Counts one append; true when the document reached `threshold` (the count restarts).
    pub fn count(&mut self, tenant: TenantId, document: &str, threshold: u64) -> bool {
        let count = self.since.entry((tenant, document.to_owned())).or_insert(0);
        *count += 1;
        if *count >= threshold {
            *count = 0;
            true
        } else {
            false
        }
    }

    /// Forgets a document (unloaded or deleted).
    pub fn forget(&mut self, tenant: TenantId, document: &str) {
        self.since.remove(&(tenant, document.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trigger_fires_at_the_threshold_and_restarts() {
        let mut trigger = CompactionTrigger::default();
        let tenant = TenantId::generate();
        assert!(!trigger.count(tenant, "doc_a", 3));
        assert!(!trigger.count(tenant, "doc_a", 3));
        assert!(!trigger.count(tenant, "doc_b", 3), "counted per document");
        assert!(trigger.count(tenant, "doc_a", 3));
        assert!(!trigger.count(tenant, "doc_a", 3), "restarted");
        trigger.forget(tenant, "doc_b");
        assert!(!trigger.count(tenant, "doc_b", 2));
        assert!(trigger.count(tenant, "doc_b", 2));
    }

    #[test]
    fn stored_counts_its_bytes() {
        let stored = Stored {
            snapshot: Some(vec![0; 10]),
            updates: vec![vec![0; 3], vec![0; 4]],
        };
        assert_eq!(stored.bytes(), 17);
    }
}
