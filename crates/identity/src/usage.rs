//! Per-tenant usage metering in hourly buckets.
//!
//! One document per tenant and hour in `usage_hourly`:
//! `{ _id: "<tenant>:<hour>", tenant, hour, counters: { "<metric>": n, ... } }`, where `hour` is
//! the Unix second the hour starts at. Metrics are free-form names: `op:<operationId>` (one per
//! request), `requests`, `request_bytes`, `response_bytes`, and later `bytes_stored` (chat) or
//! `realtime_seconds` (gateway). Every feature adds its own through the same calls.
//!
//! Two ways to count:
//! - [`Usage::record`] / [`Usage::record_many`]: one `$inc` of the hour's bucket (inserted by
//!   the hour's first write), written before returning.
//! - [`UsageRecorder`]: adds up increments in memory and writes them every flush interval and
//!   once more when its shutdown future completes, for hot paths where a write per event is too
//!   dear. Increments of a failed flush are kept for the next one.
//!
//! Metric names may contain `.` (operationIds do), which MongoDB reads as a path separator, so
//! stored counter keys are escaped: `%` → `%25`, `.` → `%2E`, `$` → `%24` ([`encode_metric`]).

use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use atelier_core::TenantId;
use chrono::Utc;
use futures_util::TryStreamExt;
use mongodb::{
    Collection, IndexModel,
    bson::{Bson, Document, doc},
    options::IndexOptions,
};

use atelier_store::{CollectionSpec, Store, is_duplicate_key};

use crate::IdentityError;

const COLLECTION: &str = "usage_hourly";
/// Longest metric name, in bytes.
pub const MAX_METRIC_BYTES: usize = 128;
const SECONDS_PER_HOUR: i64 = 3600;

/// One tenant's counters for one hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourUsage {
    /// Unix second the hour starts at.
    pub hour: i64,
    pub counters: BTreeMap<String, i64>,
}

/// The usage service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Usage {
    hourly: Collection<Document>,
}

impl Usage {
    pub fn new(store: &Store) -> Self {
        Self {
            hourly: store.database().collection(COLLECTION),
        }
    }

    /// Adds `amount` to `metric` in the current hour.
    pub async fn record(
        &self,
        tenant: TenantId,
        metric: &str,
        amount: i64,
    ) -> Result<(), IdentityError> {
        let increments = BTreeMap::from([(metric.to_owned(), amount)]);
        self.record_many(tenant, hour_of(Utc::now().timestamp()), &increments)
            .await
    }

    /// Adds several counters of one hour in a single upsert.
    pub async fn record_many(
        &self,
        tenant: TenantId,
        hour: i64,
        increments: &BTreeMap<String, i64>,
    ) -> Result<(), IdentityError> {
        let mut inc = Document::new();
        let mut initial = Document::new();
        for (metric, amount) in increments {
            validate_metric(metric)?;
            if *amount != 0 {
                inc.insert(format!("counters.{}", encode_metric(metric)), *amount);
                initial.insert(encode_metric(metric), *amount);
            }
        }
        if inc.is_empty() {
            return Ok(());
        }
        let hour = hour_of(hour);
        let id = format!("{tenant}:{hour}");
        // Update the hour's bucket; the first write of an hour inserts it. (Not one `$inc`
        // upsert: nx-27017 stores dotted `$inc` paths of an upserted document as literal field
        // names, see README. The common case is still one round trip.) When two first writers
        // race, the insert of the loser fails on `_id` and its retry updates.
        for _ in 0..3 {
            let updated = self
                .hourly
                .update_one(doc! { "_id": &id }, doc! { "$inc": inc.clone() })
                .await?;
            if updated.matched_count > 0 {
                return Ok(());
            }
            let bucket = doc! {
                "_id": &id,
                "tenant": tenant.to_string(),
                "hour": hour,
                "counters": initial.clone(),
            };
            match self.hourly.insert_one(bucket).await {
                Ok(_) => return Ok(()),
                Err(error) if is_duplicate_key(&error) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(IdentityError::conflict(
            "usage_contention",
            format!("could not write the usage bucket {id}"),
        ))
    }

    /// The tenant's buckets with `from_hour <= hour < to`, oldest first. `from_hour` is rounded
    /// down to its hour; `to` is a Unix second (exclusive).
    /// [`Usage::report`] of the acting principal's tenant (readers of the tenant).
    pub async fn report_for(
        &self,
        principal: &crate::Principal,
        from_hour: i64,
        to: i64,
    ) -> Result<Vec<HourUsage>, IdentityError> {
        let tenant = crate::tenancy::Tenancy::readable_tenant(principal)?;
        self.report(tenant, from_hour, to).await
    }

    pub async fn report(
        &self,
        tenant: TenantId,
        from_hour: i64,
        to: i64,
    ) -> Result<Vec<HourUsage>, IdentityError> {
        let mut cursor = self
            .hourly
            .find(doc! {
                "tenant": tenant.to_string(),
                "hour": { "$gte": hour_of(from_hour), "$lt": to },
            })
            .sort(doc! { "hour": 1 })
            .await?;
        let mut hours = Vec::new();
        while let Some(document) = cursor.try_next().await? {
            hours.push(decode_bucket(&document));
        }
        Ok(hours)
    }
}

/// The start of the hour containing `unix_seconds`.
pub fn hour_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(SECONDS_PER_HOUR) * SECONDS_PER_HOUR
}

/// Escapes a metric name for use as a MongoDB field name.
pub fn encode_metric(metric: &str) -> String {
    let mut out = String::with_capacity(metric.len());
    for c in metric.chars() {
        match c {
            '%' => out.push_str("%25"),
            '.' => out.push_str("%2E"),
            '$' => out.push_str("%24"),
            other => out.push(other),
        }
    }
    out
}

/// Inverse of [`encode_metric`].
pub fn decode_metric(stored: &str) -> String {
    let mut out = String::with_capacity(stored.len());
    let mut rest = stored;
    while let Some(index) = rest.find('%') {
        out.push_str(&rest[..index]);
        let escape = rest.get(index..index + 3);
        let decoded = match escape {
            Some("%25") => Some('%'),
            Some("%2E") => Some('.'),
            Some("%24") => Some('$'),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[index + 3..];
            }
            // Not one of ours: keep it verbatim.
            None => {
                out.push('%');
                rest = &rest[index + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn validate_metric(metric: &str) -> Result<(), IdentityError> {
    if metric.is_empty() || metric.len() > MAX_METRIC_BYTES || metric.chars().any(char::is_control)
    {
        return Err(IdentityError::invalid(
            "metric",
            format!("must be 1 to {MAX_METRIC_BYTES} bytes without control characters"),
        ));
    }
    Ok(())
}

fn decode_bucket(document: &Document) -> HourUsage {
    let hour = match document.get("hour") {
        Some(Bson::Int64(hour)) => *hour,
        Some(Bson::Int32(hour)) => i64::from(*hour),
        _ => 0,
    };
    let mut counters = BTreeMap::new();
    if let Ok(stored) = document.get_document("counters") {
        for (key, value) in stored {
            let amount = match value {
                Bson::Int64(n) => *n,
                Bson::Int32(n) => i64::from(*n),
                // Counters are integers; a server that widened one to a double still counts.
                #[expect(clippy::cast_possible_truncation, reason = "counters are integral")]
                Bson::Double(n) => *n as i64,
                other => {
                    tracing::warn!(
                        counter = key,
                        ?other,
                        "usage counter is not a number; skipped"
                    );
                    continue;
                }
            };
            counters.insert(decode_metric(key), amount);
        }
    }
    HourUsage { hour, counters }
}

/// Batches increments in memory and writes them periodically. Cheap to clone; clones share
/// the pending increments.
///
/// Start [`UsageRecorder::run`] as a worker with the node's shutdown future; it flushes every
/// interval and once more on shutdown. Increments added after that final flush are lost, so
/// stop producers (the HTTP server) before the recorder.
#[derive(Debug, Clone)]
pub struct UsageRecorder {
    usage: Usage,
    pending: Arc<Mutex<Pending>>,
}

type Pending = HashMap<(TenantId, i64), BTreeMap<String, i64>>;

impl UsageRecorder {
    pub fn new(usage: Usage) -> Self {
        Self {
            usage,
            pending: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Adds `amount` to `metric` in the current hour (in memory until the next flush).
    pub fn add(&self, tenant: TenantId, metric: &str, amount: i64) {
        if let Err(error) = validate_metric(metric) {
            tracing::warn!(%error, metric, "usage metric refused");
            return;
        }
        let hour = hour_of(Utc::now().timestamp());
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *pending
            .entry((tenant, hour))
            .or_default()
            .entry(metric.to_owned())
            .or_insert(0) += amount;
    }

    /// Writes everything pending: one upsert per tenant and hour. Buckets that fail to write
    /// are put back for the next flush; the first error is returned.
    pub async fn flush(&self) -> Result<usize, IdentityError> {
        let batch = std::mem::take(
            &mut *self
                .pending
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut written = 0;
        let mut first_error = None;
        for ((tenant, hour), increments) in batch {
            match self.usage.record_many(tenant, hour, &increments).await {
                Ok(()) => written += 1,
                Err(error) => {
                    let mut pending = self
                        .pending
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    let bucket = pending.entry((tenant, hour)).or_default();
                    for (metric, amount) in increments {
                        *bucket.entry(metric).or_insert(0) += amount;
                    }
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(written),
        }
    }

    /// Flushes every `interval` until `shutdown` completes, then flushes once more.
    pub async fn run(self, interval: Duration, shutdown: impl Future<Output = ()>) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = ticker.tick() => {
                    if let Err(error) = self.flush().await {
                        tracing::warn!(%error, "usage flush failed; will retry");
                    }
                }
            }
        }
        if let Err(error) = self.flush().await {
            tracing::error!(%error, "final usage flush failed; pending usage is lost");
        }
    }
}

pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![CollectionSpec {
        name: COLLECTION,
        indexes: vec![
            IndexModel::builder()
                .keys(doc! { "tenant": 1, "hour": 1 })
                .options(
                    IndexOptions::builder()
                        .name("tenant_hour".to_owned())
                        .unique(true)
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
    fn metric_names_round_trip() {
        for metric in [
            "op:workspaces.create",
            "bytes_stored",
            "a$b%2E.c",
            "%",
            "日本.語",
        ] {
            let encoded = encode_metric(metric);
            assert!(
                !encoded.contains('.') && !encoded.contains('$'),
                "{encoded}"
            );
            assert_eq!(decode_metric(&encoded), metric);
        }
    }

    #[test]
    fn hours_round_down() {
        let cases = [(0, 0), (3599, 0), (3600, 3600), (7201, 7200), (-1, -3600)];
        for (second, hour) in cases {
            assert_eq!(hour_of(second), hour, "{second}");
        }
    }

    #[test]
    fn bad_metrics_are_refused() {
        for metric in ["", "a\nb", &"x".repeat(MAX_METRIC_BYTES + 1)] {
            assert!(validate_metric(metric).is_err(), "{metric:?}");
        }
    }

    #[test]
    fn stored_buckets_decode() {
        let document = doc! {
            "_id": "x", "tenant": "t", "hour": 7200_i64,
            "counters": { "op:a%2Eb": 2_i32, "bytes_stored": 5_i64, "w": 1.0, "bad": "x" },
        };
        let bucket = decode_bucket(&document);
        assert_eq!(bucket.hour, 7200);
        assert_eq!(
            bucket.counters,
            BTreeMap::from([
                ("bytes_stored".to_owned(), 5),
                ("op:a.b".to_owned(), 2),
                ("w".to_owned(), 1),
            ])
        );
    }
}
