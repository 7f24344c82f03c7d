//! Fan-out on write: the `feeds_fanout` consumer copies each new activity into the feeds
//! that follow the feeds it was added to directly (one hop), in chunks of
//! `feeds.fanout_chunk_size` follower feeds, one transaction per chunk.
//!
//! It runs on the bus's retry tiers and dead-letter queue (a failed chunk retries the whole
//! event). Redelivery is harmless: a chunk writes only the entries its follower feeds do not
//! hold yet, and the entry's `_id` (`<feed>|<activity>`, unique) refuses a second copy, so a
//! redelivered event never duplicates an entry. A follower whose readers may no longer see
//! the source (see [`crate::access`]) receives nothing.

use std::collections::BTreeMap;

use atelier_bus::{ConsumerSpec, Delivery, Handler, Outcome, RetryPolicy};
use atelier_core::{EventEnvelope, TenantId};
use atelier_identity::{UserId, WorkspaceRole};
use futures_util::{FutureExt, TryStreamExt};
use mongodb::bson::doc;

use crate::{
    Feeds, FeedsError,
    access::{Groups, Owner},
    model::{ActivityId, ActivityRecord, EntryRecord, FollowRecord},
};

/// The consumer's name (its queue is `<prefix>.feeds_fanout`).
pub const FANOUT_CONSUMER: &str = "feeds_fanout";

/// The fan-out consumer.
#[derive(Debug, Clone)]
pub struct FanoutHandler {
    feeds: Feeds,
}

impl FanoutHandler {
    pub fn new(feeds: Feeds) -> Self {
        Self { feeds }
    }
}

#[async_trait::async_trait]
impl Handler for FanoutHandler {
    fn spec(&self) -> ConsumerSpec {
        ConsumerSpec {
            name: FANOUT_CONSUMER.to_owned(),
            bindings: vec!["feeds.activity.created".to_owned()],
            retry: RetryPolicy::default(),
        }
    }

    async fn handle(&self, delivery: &Delivery) -> Outcome {
        let event: EventEnvelope = match serde_json::from_slice(&delivery.body) {
            Ok(event) => event,
            Err(error) => {
                return Outcome::Reject {
                    reason: format!("not an event envelope: {error}"),
                };
            }
        };
        let Some(activity) = event
            .data
            .pointer("/activity/id")
            .and_then(serde_json::Value::as_str)
            .and_then(|id| id.parse::<ActivityId>().ok())
        else {
            return Outcome::Reject {
                reason: "feeds.activity.created without data.activity.id".to_owned(),
            };
        };
        match self.feeds.fan_out(event.tenant, activity).await {
            Ok(copies) => {
                tracing::debug!(%activity, copies, "fanned out");
                Outcome::Ack
            }
            Err(error) => Outcome::Retry {
                reason: format!("fan-out of {activity}: {error}"),
            },
        }
    }
}

impl Feeds {
    /// Copies `activity` into the followers of the feeds it was added to; returns how many
    /// entries were written. Safe to repeat.
    pub async fn fan_out(&self, tenant: TenantId, activity: ActivityId) -> Result<u64, FeedsError> {
        let Some(record) =
            atelier_store::scoped::get(&self.activities, tenant, &activity.to_string()).await?
        else {
            // Deleted before its fan-out: nothing to copy.
            return Ok(0);
        };
        let direct: Vec<String> = std::iter::once(record.feed.clone())
            .chain(record.to.iter().cloned())
            .collect();
        let mut groups = Groups::new();
        let mut written = 0;
        for source in &direct {
            written += self
                .fan_out_from(tenant, &record, source, &direct, &mut groups)
                .await?;
        }
        Ok(written)
    }

    async fn fan_out_from(
        &self,
        tenant: TenantId,
        record: &ActivityRecord,
        source: &str,
        direct: &[String],
        groups: &mut Groups,
    ) -> Result<u64, FeedsError> {
        let Ok(source_feed) = self.resolve_with(tenant, "feed_id", source, groups).await else {
            return Ok(0);
        };
        // Workspace sources: their members' roles, read once per event.
        let roles: BTreeMap<UserId, WorkspaceRole> = match source_feed.owner {
            Owner::Workspace(workspace) => self
                .tenancy
                .members_of(tenant, workspace)
                .await?
                .into_iter()
                .map(|member| (member.user, member.role))
                .collect(),
            _ => BTreeMap::new(),
        };
        let chunk = self.config.fanout_chunk_size.max(1);
        let mut after: Option<String> = None;
        let mut written = 0;
        loop {
            let mut filter = doc! { "tenant": tenant.to_string(), "source": source };
            if let Some(after) = &after {
                filter.insert("_id", doc! { "$gt": after });
            }
            let follows: Vec<FollowRecord> = self
                .follows
                .find(filter)
                .sort(doc! { "_id": 1 })
                .limit(i64::try_from(chunk).unwrap_or(i64::MAX))
                .await?
                .try_collect()
                .await?;
            let Some(last) = follows.last() else {
                break;
            };
            after = Some(last.id.clone());
            let mut targets = Vec::with_capacity(follows.len());
            for follow in &follows {
                if direct.contains(&follow.follower) {
                    continue;
                }
                let Ok(follower) = self
                    .resolve_with(tenant, "feed_id", &follow.follower, groups)
                    .await
                else {
                    continue;
                };
                let role = match follower.owner {
                    Owner::User(user) => roles.get(&user).copied(),
                    _ => None,
                };
                if Self::follower_may_see(tenant, follower.owner, source_feed.owner, role) {
                    targets.push(follow.follower.clone());
                }
            }
            written += self.write_chunk(tenant, record.id, source, targets).await?;
            if follows.len() < chunk {
                break;
            }
        }
        Ok(written)
    }

    /// One transaction: the entries of `activity` that `targets` do not hold yet.
    async fn write_chunk(
        &self,
        tenant: TenantId,
        activity: ActivityId,
        source: &str,
        targets: Vec<String>,
    ) -> Result<u64, FeedsError> {
        if targets.is_empty() {
            return Ok(0);
        }
        self.unit
            .run_detached::<_, _, FeedsError, _>(
                tenant,
                (self.clone(), targets, source.to_owned()),
                move |tx, (this, targets, source)| {
                    async move {
                        let session = tx.session();
                        let keys: Vec<String> = targets
                            .iter()
                            .map(|feed| EntryRecord::key(feed, activity))
                            .collect();
                        let held: Vec<EntryRecord> = this
                            .entries
                            .find(doc! { "_id": { "$in": keys }, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?
                            .stream(&mut *session)
                            .try_collect()
                            .await?;
                        let mut written = 0;
                        for feed in targets.iter() {
                            if held.iter().any(|entry| &entry.feed == feed) {
                                continue;
                            }
                            this.write_entries(session, tenant, feed, &[activity], source)
                                .await?;
                            written += 1;
                        }
                        Ok(written)
                    }
                    .boxed()
                },
            )
            .await
    }
}
