//! Outbox storage: appending events inside a domain transaction, and the relay's queries.

use std::sync::Arc;

use atelier_core::{EventEnvelope, NewEvent, TenantId, event::validate_event_type};
use chrono::{DateTime, Utc};
use futures_util::{FutureExt, TryStreamExt};
use mongodb::{
    ClientSession, Collection, IndexModel,
    bson::{self, Document, doc},
    options::{IndexOptions, ReturnDocument},
};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use atelier_store::{CollectionSpec, Fence, StorageError, Store};

pub const OUTBOX_COLLECTION: &str = "outbox_events";
const COUNTERS_COLLECTION: &str = "counters";
const LOG_BATCH_COUNTER: &str = "outbox_log_batch";

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    InvalidEventType(#[from] atelier_core::event::InvalidEventType),
    #[error("event data could not be stored: {0}")]
    Encode(#[from] bson::ser::Error),
    #[error("stored event could not be read: {0}")]
    Decode(String),
    #[error(transparent)]
    Mongo(#[from] mongodb::error::Error),
}

/// The log batch counter held something that is not an integer: nothing is marked.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the event log's batch counter is unreadable: {0}")]
struct UnreadableCounter(String);

/// Publication state of an outbox event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Published,
}

/// An outbox document.
///
/// `order` repeats the event id: it is the relay's sort key inside the `(status, order)`
/// index. (Indexing `_id` itself inside a compound index would also be valid MongoDB, but some
/// MongoDB-compatible servers used in development reject it; see README.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEvent {
    #[serde(rename = "_id")]
    pub id: String,
    pub order: String,
    pub tenant: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub envelope_version: u32,
    pub data_version: u32,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub occurred_at: bson::DateTime,
    pub data: bson::Bson,
    pub status: Status,
    /// Unix milliseconds (an Int64, not a date: see the lease module on why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at_ms: Option<i64>,
    /// Set when published: events become visible to the event log batch by batch, in
    /// increasing batch order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_batch: Option<i64>,
}

impl StoredEvent {
    fn from_envelope(envelope: &EventEnvelope) -> Result<Self, OutboxError> {
        Ok(Self {
            id: envelope.id.to_string(),
            order: envelope.id.to_string(),
            tenant: envelope.tenant.to_string(),
            event_type: envelope.event_type.clone(),
            envelope_version: envelope.envelope_version,
            data_version: envelope.data_version,
            aggregate_type: envelope.aggregate_type.clone(),
            aggregate_id: envelope.aggregate_id.clone(),
            occurred_at: bson::DateTime::from_chrono(envelope.occurred_at),
            data: bson::to_bson(&envelope.data)?,
            status: Status::Pending,
            published_at_ms: None,
            log_batch: None,
        })
    }

    /// The RabbitMQ message the relay publishes for this event: routing key = event type,
    /// message id = event id, the envelope as JSON.
    pub fn to_message(&self) -> Result<(String, atelier_bus::OutgoingMessage), OutboxError> {
        let envelope = self.to_envelope()?;
        let body = serde_json::to_vec(&envelope)
            .map_err(|error| OutboxError::Decode(error.to_string()))?;
        Ok((
            envelope.event_type.clone(),
            atelier_bus::OutgoingMessage {
                message_id: envelope.id.to_string(),
                body,
                content_type: "application/json".to_owned(),
                headers: vec![
                    ("tenant".to_owned(), envelope.tenant.to_string()),
                    ("aggregate_type".to_owned(), envelope.aggregate_type.clone()),
                    ("aggregate_id".to_owned(), envelope.aggregate_id.clone()),
                ],
                timestamp: Some(envelope.occurred_at),
            },
        ))
    }

    /// Back to the wire envelope.
    pub fn to_envelope(&self) -> Result<EventEnvelope, OutboxError> {
        let decode = |what: &str, error: &dyn std::fmt::Display| {
            OutboxError::Decode(format!("event {}: {what}: {error}", self.id))
        };
        Ok(EventEnvelope {
            envelope_version: self.envelope_version,
            id: self.id.parse().map_err(|e| decode("id", &e))?,
            event_type: self.event_type.clone(),
            data_version: self.data_version,
            tenant: self.tenant.parse().map_err(|e| decode("tenant", &e))?,
            aggregate_type: self.aggregate_type.clone(),
            aggregate_id: self.aggregate_id.clone(),
            occurred_at: self.occurred_at.to_chrono(),
            data: self.data.clone().into_relaxed_extjson(),
        })
    }
}

/// Handle on the outbox collection. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Outbox {
    events: Collection<StoredEvent>,
    counters: Collection<Document>,
    pub(crate) store: Store,
    committed: Arc<Notify>,
}

impl Outbox {
    pub fn new(store: &Store) -> Self {
        let database = store.database();
        Self {
            events: database.collection(OUTBOX_COLLECTION),
            counters: database.collection(COUNTERS_COLLECTION),
            store: store.clone(),
            committed: store.commit_signal(),
        }
    }

    /// Stores events inside the caller's transaction. Call [`Outbox::notify_committed`] after
    /// the transaction commits so a relay in this process publishes without waiting for its
    /// next poll.
    pub async fn append(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        events: Vec<NewEvent>,
    ) -> Result<Vec<EventEnvelope>, OutboxError> {
        let now = Utc::now();
        let mut envelopes = Vec::with_capacity(events.len());
        let mut documents = Vec::with_capacity(events.len());
        for event in events {
            validate_event_type(&event.event_type)?;
            let envelope = event.into_envelope(tenant, now);
            documents.push(StoredEvent::from_envelope(&envelope)?);
            envelopes.push(envelope);
        }
        if !documents.is_empty() {
            self.events.insert_many(documents).session(session).await?;
        }
        Ok(envelopes)
    }

    /// Appends events in a transaction of their own (for writes that have no other document,
    /// and for tests).
    pub async fn append_now(
        &self,
        tenant: TenantId,
        events: Vec<NewEvent>,
    ) -> Result<Vec<EventEnvelope>, StorageError> {
        crate::UnitOfWork::new(&self.store)
            .run_detached(tenant, (self.clone(), events), |tx, (outbox, events)| {
                async move {
                    let tenant = tx.tenant();
                    outbox
                        .append(tx.session(), tenant, events.clone())
                        .await
                        .map_err(crate::unit::storage_error)
                }
                .boxed()
            })
            .await
    }

    /// Wakes a relay waiting in this process.
    pub fn notify_committed(&self) {
        self.committed.notify_one();
    }

    pub(crate) fn committed(&self) -> Arc<Notify> {
        self.committed.clone()
    }

    /// The oldest pending events, in publish order.
    pub async fn pending(&self, limit: i64) -> Result<Vec<StoredEvent>, OutboxError> {
        self.pending_excluding(limit, &[]).await
    }

    /// The oldest pending events, in publish order, leaving out `in_flight` (ids the relay has
    /// sent and not yet marked): the relay's read of its next batch while the current one is
    /// being published. An event that commits late with an id below the batches in flight is
    /// still found (it is not excluded), unlike with a `order > last` cursor.
    ///
    /// Served by the `(status, order)` index: the equality on `status` and the `$nin` on
    /// `order` are both index bounds, the sort is the index order, so the server walks at most
    /// `limit + in_flight.len()` keys. One round trip: the cursor's first batch is the whole
    /// `limit` (the default first batch is 101 documents, then a `getMore`). The equality is
    /// spelled `$eq` (see [`pending_filter`]).
    pub async fn pending_excluding(
        &self,
        limit: i64,
        in_flight: &[String],
    ) -> Result<Vec<StoredEvent>, OutboxError> {
        let mut filter = pending_filter();
        if !in_flight.is_empty() {
            filter.insert("order", doc! { "$nin": in_flight });
        }
        let _gate = self.store.transaction_gate().await;
        let events = self
            .events
            .find(filter)
            .sort(doc! { "order": 1 })
            .limit(limit)
            .batch_size(u32::try_from(limit).unwrap_or(u32::MAX))
            .await?
            .try_collect()
            .await?;
        Ok(events)
    }

    /// Marks events published and stamps them with the next log batch, atomically: a reader of
    /// the event log sees a whole batch or none of it, and batches in increasing order.
    ///
    /// Fenced: the transaction first holds the relay lease at `fence`'s generation (renewing
    /// it); when the lease was taken over since, nothing is written and the answer is `None`
    /// (the new holder publishes and marks these events itself).
    pub async fn mark_published(
        &self,
        ids: &[String],
        fence: &Fence,
    ) -> Result<Option<i64>, OutboxError> {
        let mut session = self.store.gated_session().await?;
        let batch = session
            .start_transaction()
            .and_run(
                (
                    self.counters.clone(),
                    self.events.clone(),
                    ids.to_vec(),
                    fence.clone(),
                ),
                |session, (counters, events, ids, fence)| {
                    async move {
                        if !fence.hold(&mut *session).await? {
                            return Ok(None);
                        }
                        let counter = counters
                            .find_one_and_update(
                                doc! { "_id": LOG_BATCH_COUNTER },
                                doc! { "$inc": { "value": 1_i64 } },
                            )
                            .upsert(true)
                            .return_document(ReturnDocument::After)
                            .session(&mut *session)
                            .await?;
                        // Never a default: a stamp read wrong would order the event log
                        // wrong for good. (nx-27017 answers the `$inc`ed Int64 as an Int32.)
                        let value = counter.as_ref().and_then(|counter| counter.get("value"));
                        let Some(batch) = value.and_then(atelier_store::integer) else {
                            return Err(mongodb::error::Error::custom(UnreadableCounter(format!(
                                "{LOG_BATCH_COUNTER} is {value:?}"
                            ))));
                        };
                        events
                            .update_many(
                                doc! { "_id": { "$in": &*ids }, "status": "pending" },
                                doc! { "$set": {
                                    "status": "published",
                                    "published_at_ms": Utc::now().timestamp_millis(),
                                    "log_batch": batch,
                                }},
                            )
                            .session(&mut *session)
                            .await?;
                        Ok(Some(batch))
                    }
                    .boxed()
                },
            )
            .await;
        // `and_run` commits or aborts before it returns.
        session.settle();
        Ok(batch?)
    }

    /// Number of pending events and the time the oldest was written.
    pub async fn backlog(&self) -> Result<(u64, Option<DateTime<Utc>>), OutboxError> {
        let pending = self.events.count_documents(pending_filter()).await?;
        // No transaction gate: a metric may count an event whose transaction is still open.
        let oldest = if pending == 0 {
            None
        } else {
            self.events
                .find_one(pending_filter())
                .sort(doc! { "order": 1 })
                .await?
                .map(|event| event.occurred_at.to_chrono())
        };
        Ok((pending, oldest))
    }

    /// Every event of a tenant in log order, for tests and the event log.
    pub async fn find_by_tenant(&self, tenant: TenantId) -> Result<Vec<StoredEvent>, OutboxError> {
        Ok(self
            .events
            .find(doc! { "tenant": tenant.to_string() })
            .sort(doc! { "order": 1 })
            .await?
            .try_collect()
            .await?)
    }

    /// One page of a tenant's event log: its published events after `after` (a
    /// `(log_batch, order)` position, exclusive), in `(log_batch, order)` order, optionally only
    /// of the given `types`.
    ///
    /// Gapless: batches become visible in increasing order and whole (see
    /// [`Outbox::mark_published`]), so no event can later appear before a position a reader has
    /// already passed. Served by the `(tenant, log_batch, order)` index.
    pub async fn log_page(
        &self,
        tenant: TenantId,
        after: Option<(i64, String)>,
        types: &[String],
        limit: i64,
    ) -> Result<Vec<StoredEvent>, OutboxError> {
        let mut filter = doc! { "tenant": tenant.to_string(), "status": "published" };
        match after {
            Some((batch, order)) => {
                filter.insert(
                    "$or",
                    vec![
                        doc! { "log_batch": { "$gt": batch } },
                        doc! { "log_batch": batch, "order": { "$gt": order } },
                    ],
                );
            }
            // Batches start at 1: this only says "has a batch", and bounds the index range.
            None => {
                filter.insert("log_batch", doc! { "$gt": 0_i64 });
            }
        }
        if !types.is_empty() {
            filter.insert("type", doc! { "$in": types });
        }
        // Waits for a marking transaction in flight on servers without isolation (README).
        let _gate = self.store.transaction_gate().await;
        Ok(self
            .events
            .find(filter)
            .sort(doc! { "log_batch": 1, "order": 1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?)
    }

    /// Up to `limit` events of one aggregate after the event id `after` (exclusive), in id
    /// order, pending or published: what a realtime client that saw `after` missed. Served by
    /// the `(tenant, aggregate_type, aggregate_id, order)` index.
    pub async fn aggregate_events_after(
        &self,
        tenant: TenantId,
        aggregate_type: &str,
        aggregate_id: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, OutboxError> {
        let filter = doc! {
            "tenant": tenant.to_string(),
            "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id,
            "order": { "$gt": after },
        };
        // Waits for a transaction in flight on servers without isolation (README).
        let _gate = self.store.transaction_gate().await;
        Ok(self
            .events
            .find(filter)
            .sort(doc! { "order": 1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?)
    }

    /// The id of one aggregate's newest event (pending or published), if it has any: where a
    /// new realtime subscription's live events start. Served by the same index.
    pub async fn aggregate_head(
        &self,
        tenant: TenantId,
        aggregate_type: &str,
        aggregate_id: &str,
    ) -> Result<Option<String>, OutboxError> {
        let filter = doc! {
            "tenant": tenant.to_string(),
            "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id,
        };
        // Waits for a transaction in flight on servers without isolation (README).
        let _gate = self.store.transaction_gate().await;
        let newest: Vec<StoredEvent> = self
            .events
            .find(filter)
            .sort(doc! { "order": -1 })
            .limit(1)
            .await?
            .try_collect()
            .await?;
        Ok(newest.into_iter().next().map(|event| event.id))
    }

    /// Indexes added by the realtime gateway: an aggregate's events by id, for resume.
    pub fn aggregate_collection_specs() -> Vec<CollectionSpec> {
        vec![CollectionSpec {
            name: OUTBOX_COLLECTION,
            indexes: vec![
                IndexModel::builder()
                    .keys(doc! { "tenant": 1, "aggregate_type": 1, "aggregate_id": 1, "order": 1 })
                    .options(
                        IndexOptions::builder()
                            .name("tenant_aggregate_order".to_owned())
                            .build(),
                    )
                    .build(),
            ],
        }]
    }

    /// Deletes up to `limit` published events that occurred before `cutoff`, oldest first;
    /// returns how many were deleted (`limit` means more may remain). Pending events are never
    /// deleted, however old: they have not been delivered yet.
    pub async fn purge_published(
        &self,
        cutoff: DateTime<Utc>,
        limit: i64,
    ) -> Result<u64, OutboxError> {
        // `$eq`: see `pending_filter`.
        let filter = doc! {
            "status": { "$eq": "published" },
            "occurred_at": { "$lt": bson::DateTime::from_chrono(cutoff) },
        };
        let _gate = self.store.transaction_gate().await;
        let ids: Vec<String> = self
            .events
            .clone_with_type::<Document>()
            .find(filter.clone())
            .sort(doc! { "occurred_at": 1 })
            .projection(doc! { "_id": 1 })
            .limit(limit)
            .await?
            .try_filter_map(|document| async move {
                Ok(document.get_str("_id").ok().map(str::to_owned))
            })
            .try_collect()
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        // The filter is repeated so an id is only deleted while it still qualifies.
        let mut delete = filter;
        delete.insert("_id", doc! { "$in": ids });
        Ok(self.events.delete_many(delete).await?.deleted_count)
    }

    /// Indexes added after the first migration: the retention purge's
    /// `(status, occurred_at)` range.
    pub fn retention_collection_specs() -> Vec<CollectionSpec> {
        vec![CollectionSpec {
            name: OUTBOX_COLLECTION,
            indexes: vec![
                IndexModel::builder()
                    .keys(doc! { "status": 1, "occurred_at": 1 })
                    .options(
                        IndexOptions::builder()
                            .name("status_occurred_at".to_owned())
                            .build(),
                    )
                    .build(),
            ],
        }]
    }

    /// The collections and indexes the outbox queries need.
    pub fn collection_specs() -> Vec<CollectionSpec> {
        let index = |keys: Document, name: &str| {
            IndexModel::builder()
                .keys(keys)
                .options(IndexOptions::builder().name(name.to_owned()).build())
                .build()
        };
        vec![
            CollectionSpec {
                name: OUTBOX_COLLECTION,
                indexes: vec![
                    // Relay: oldest pending first.
                    index(doc! { "status": 1, "order": 1 }, "status_order"),
                    // Event log: a tenant's published events by cursor.
                    index(
                        doc! { "tenant": 1, "log_batch": 1, "order": 1 },
                        "tenant_log_batch_order",
                    ),
                ],
            },
            CollectionSpec {
                name: COUNTERS_COLLECTION,
                indexes: vec![],
            },
        ]
    }
}

/// `{status: {$eq: "pending"}}`: the relay's predicate, served by the `(status, order)` index.
///
/// On MongoDB `{$eq: v}` and a bare `v` are the same query with the same plan. nx-27017 runs a
/// bare value as "equal, or an array containing it", an `OR` over `json_each` that no index
/// serves: every read of the relay scanned the whole collection (published events included),
/// 30 to 50 ms at 20,000 events. `$eq` is plain equality there and uses the index (README).
fn pending_filter() -> Document {
    doc! { "status": { "$eq": "pending" } }
}
