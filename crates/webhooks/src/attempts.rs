//! The attempt log: one `webhook_attempts` document per delivery attempt (sent, failed before
//! sending, or skipped because the endpoint was gone or disabled).
//!
//! Read by endpoint (newest first, `(tenant, endpoint_id, at_ms)` index), by message
//! (`(tenant, event_id)` index), and by the recovery of an endpoint's failed messages. Pages are
//! keyed by `(at_ms, _id)`, newest first: ids are ULIDs, so `_id` breaks ties in time order.
//! Times are Unix milliseconds (see the README on the development server's dates).

use std::{collections::BTreeMap, sync::Arc};

use tokio::sync::oneshot;

use atelier_core::{EventId, TenantId, define_id};
use atelier_identity::{Principal, tenancy::Tenancy};
use atelier_store::{CollectionSpec, Store};
use futures_util::TryStreamExt;
use mongodb::{
    Collection, IndexModel,
    bson::{Document, doc},
    options::IndexOptions,
};
use serde::{Deserialize, Serialize};

use crate::{EndpointId, WebhookError};

pub const ATTEMPTS_COLLECTION: &str = "webhook_attempts";
/// Longest response body kept, in bytes (cut at a character boundary).
pub const MAX_RESPONSE_BODY_BYTES: usize = 2048;
/// Most attempts a recovery reads; a wider range is recovered in several calls.
pub const MAX_RECOVERY_SCAN: i64 = 10_000;

define_id!(
    /// One delivery attempt.
    AttemptId,
    "wat"
);

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptStatus {
    /// The receiver answered 2xx.
    Succeeded,
    /// Any other answer, a network error or a refused address.
    Failed,
    /// Not sent: the endpoint was deleted or disabled.
    Skipped,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Succeeded => "succeeded",
            AttemptStatus::Failed => "failed",
            AttemptStatus::Skipped => "skipped",
        }
    }
}

/// A stored attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    #[serde(rename = "_id")]
    pub id: AttemptId,
    pub tenant: TenantId,
    pub endpoint_id: EndpointId,
    pub event_id: EventId,
    pub event_type: String,
    /// 1-based attempt number of this delivery job.
    pub attempt: u32,
    pub at_ms: i64,
    pub status: AttemptStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<i64>,
    /// At most [`MAX_RESPONSE_BODY_BYTES`], lossy UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A page position: the `(at_ms, id)` of the last attempt returned.
pub type AttemptCursor = (i64, AttemptId);

/// Handle on the attempt log. Cheap to clone (clones share one [`GroupCommit`]).
#[derive(Debug, Clone)]
pub struct Attempts {
    collection: Collection<AttemptRecord>,
    group: Arc<GroupCommit>,
}

/// Records waiting to be written, and the right to write them.
///
/// Group commit without a background task: a caller queues its record, then waits for the
/// writer lock; whoever holds it writes *everything* queued in one `insert_many`. While one
/// write is in flight, the records of concurrent deliveries pile up and go in the next write, so
/// a busy delivery consumer makes one round trip per batch instead of one per attempt, and each
/// caller still returns only once its own record is stored (before its delivery is acked).
#[derive(Debug, Default)]
struct GroupCommit {
    queued: std::sync::Mutex<Vec<Queued>>,
    writer: tokio::sync::Mutex<()>,
}

type Queued = (
    AttemptRecord,
    oneshot::Sender<Result<(), Arc<mongodb::error::Error>>>,
);

impl Attempts {
    pub fn new(store: &Store) -> Self {
        Self {
            collection: store.database().collection(ATTEMPTS_COLLECTION),
            group: Arc::default(),
        }
    }

    /// Stores one attempt inside the caller's transaction (the last attempt of an exhausted
    /// job commits with its `webhook.attempt.exhausted` event).
    pub async fn record_in(
        &self,
        session: &mut mongodb::ClientSession,
        attempt: &AttemptRecord,
    ) -> Result<(), mongodb::error::Error> {
        self.collection
            .insert_one(attempt)
            .session(session)
            .await
            .map(drop)
    }

    /// Stores one attempt, batched with concurrent callers' (see [`GroupCommit`]).
    pub async fn record(&self, attempt: &AttemptRecord) -> Result<(), Arc<mongodb::error::Error>> {
        let (done, written) = oneshot::channel();
        self.group
            .queued
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((attempt.clone(), done));
        {
            let _writer = self.group.writer.lock().await;
            let batch = std::mem::take(
                &mut *self
                    .group
                    .queued
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            // Empty when an earlier writer already took this caller's record.
            if !batch.is_empty() {
                let (records, waiters): (Vec<AttemptRecord>, Vec<_>) = batch.into_iter().unzip();
                let result = self
                    .collection
                    .insert_many(&records)
                    .ordered(false)
                    .await
                    .map(drop)
                    .map_err(Arc::new);
                for waiter in waiters {
                    // A waiter that has gone away (its delivery was cancelled) needs no answer.
                    if waiter.send(result.clone()).is_err() {
                        tracing::debug!("an attempt's writer left before its batch was stored");
                    }
                }
            }
        }
        written.await.unwrap_or_else(|_dropped| {
            // Unreachable: the record was queued before this caller took the writer lock, so a
            // writer (this caller or an earlier one) has answered it.
            Err(Arc::new(mongodb::error::Error::custom(
                "the attempt's batch was dropped",
            )))
        })
    }

    /// An endpoint's attempts, newest first, after `cursor` (readers of the tenant).
    pub async fn list_by_endpoint(
        &self,
        principal: &Principal,
        endpoint_id: EndpointId,
        cursor: Option<AttemptCursor>,
        limit: i64,
    ) -> Result<Vec<AttemptRecord>, WebhookError> {
        let tenant = Tenancy::readable_tenant(principal)?;
        let filter = doc! { "tenant": tenant.to_string(), "endpoint_id": endpoint_id.to_string() };
        Ok(self.page(filter, cursor, limit).await?)
    }

    /// A message's attempts to every endpoint, newest first, after `cursor` (readers of the
    /// tenant).
    pub async fn list_by_message(
        &self,
        principal: &Principal,
        event_id: EventId,
        cursor: Option<AttemptCursor>,
        limit: i64,
    ) -> Result<Vec<AttemptRecord>, WebhookError> {
        let tenant = Tenancy::readable_tenant(principal)?;
        let filter = doc! { "tenant": tenant.to_string(), "event_id": event_id.to_string() };
        Ok(self.page(filter, cursor, limit).await?)
    }

    /// Events whose latest attempt to `endpoint_id` failed within `[since_ms, until_ms)`, in
    /// the order of those attempts. Reads at most [`MAX_RECOVERY_SCAN`] attempts from
    /// `since_ms` on.
    pub async fn failed_events(
        &self,
        tenant: TenantId,
        endpoint_id: EndpointId,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<EventId>, mongodb::error::Error> {
        let attempts: Vec<AttemptRecord> = self
            .collection
            .find(doc! {
                "tenant": tenant.to_string(),
                "endpoint_id": endpoint_id.to_string(),
                "at_ms": { "$gte": since_ms },
            })
            .sort(doc! { "at_ms": 1, "_id": 1 })
            .limit(MAX_RECOVERY_SCAN)
            .await?
            .try_collect()
            .await?;
        Ok(latest_failed(&attempts, until_ms))
    }

    async fn page(
        &self,
        mut filter: Document,
        cursor: Option<AttemptCursor>,
        limit: i64,
    ) -> Result<Vec<AttemptRecord>, mongodb::error::Error> {
        if let Some((at_ms, id)) = cursor {
            filter.insert(
                "$or",
                vec![
                    doc! { "at_ms": { "$lt": at_ms } },
                    doc! { "at_ms": at_ms, "_id": { "$lt": id.to_string() } },
                ],
            );
        }
        self.collection
            .find(filter)
            .sort(doc! { "at_ms": -1, "_id": -1 })
            .limit(limit)
            .await?
            .try_collect()
            .await
    }

    /// The collection and its indexes (applied by a migration).
    pub fn collection_specs() -> Vec<CollectionSpec> {
        let index = |keys: Document, name: &str| {
            IndexModel::builder()
                .keys(keys)
                .options(IndexOptions::builder().name(name.to_owned()).build())
                .build()
        };
        vec![CollectionSpec {
            name: ATTEMPTS_COLLECTION,
            indexes: vec![
                index(
                    doc! { "tenant": 1, "endpoint_id": 1, "at_ms": 1 },
                    "tenant_endpoint_at",
                ),
                index(doc! { "tenant": 1, "event_id": 1 }, "tenant_event"),
            ],
        }]
    }
}

/// Sans-IO core of [`Attempts::failed_events`]: given attempts in time order, the events whose
/// latest attempt failed before `until_ms`, in the order of those attempts.
pub fn latest_failed(attempts: &[AttemptRecord], until_ms: i64) -> Vec<EventId> {
    let mut latest: BTreeMap<EventId, &AttemptRecord> = BTreeMap::new();
    for attempt in attempts {
        latest.insert(attempt.event_id, attempt);
    }
    let mut failed: Vec<&AttemptRecord> = latest
        .into_values()
        .filter(|attempt| attempt.status == AttemptStatus::Failed && attempt.at_ms < until_ms)
        .collect();
    failed.sort_by_key(|attempt| (attempt.at_ms, attempt.id));
    failed.into_iter().map(|attempt| attempt.event_id).collect()
}

/// A response body as kept in the log: at most [`MAX_RESPONSE_BODY_BYTES`] of lossy UTF-8.
pub fn truncate_body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_RESPONSE_BODY_BYTES)]);
    // A replacement character (3 bytes) may push a lossy decoding past the limit.
    let mut end = text.len().min(MAX_RESPONSE_BODY_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(event: EventId, at_ms: i64, status: AttemptStatus) -> AttemptRecord {
        AttemptRecord {
            id: AttemptId::generate(),
            tenant: TenantId::generate(),
            endpoint_id: EndpointId::generate(),
            event_id: event,
            event_type: "identity.user.created".to_owned(),
            attempt: 1,
            at_ms,
            status,
            response_status: None,
            latency_ms: None,
            response_body: None,
            error: None,
        }
    }

    #[test]
    fn latest_failed_keeps_events_whose_last_attempt_failed_in_range() {
        let [a, b, c, d] = [(); 4].map(|()| EventId::generate());
        let attempts = vec![
            attempt(a, 10, AttemptStatus::Failed),
            attempt(b, 11, AttemptStatus::Failed),
            attempt(c, 12, AttemptStatus::Failed),
            attempt(a, 13, AttemptStatus::Failed),
            // b recovered on its own.
            attempt(b, 14, AttemptStatus::Succeeded),
            // d's last failure is past the range.
            attempt(d, 30, AttemptStatus::Failed),
        ];
        assert_eq!(latest_failed(&attempts, 20), vec![c, a]);
        assert_eq!(latest_failed(&attempts, 31), vec![c, a, d]);
        assert!(latest_failed(&[], 100).is_empty());
    }

    #[test]
    fn bodies_are_truncated_to_2_kib_of_lossy_utf8() {
        let cases: Vec<(Vec<u8>, usize)> = vec![
            (b"ok".to_vec(), 2),
            (vec![b'x'; 5000], MAX_RESPONSE_BODY_BYTES),
            ("é".repeat(2000).into_bytes(), MAX_RESPONSE_BODY_BYTES),
            (vec![0xff; 3000], MAX_RESPONSE_BODY_BYTES - 2),
        ];
        for (input, expected_len) in cases {
            let kept = truncate_body(&input);
            assert_eq!(
                kept.len(),
                expected_len,
                "{:?}",
                &input[..4.min(input.len())]
            );
        }
    }
}
