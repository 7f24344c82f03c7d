//! Follows: a feed follows a feed. Following copies the source's latest activities (the
//! backfill: those added to it directly, newest `backfill_limit`, default
//! `feeds.default_backfill`, at most `feeds.max_backfill`); from then on the fan-out copies
//! each new one. Unfollowing removes the copies, or keeps them when asked.
//!
//! Only activities added *directly* to a feed travel to its followers, one hop: a copy is
//! never copied on, so follow loops (a follows b follows a) are accepted and fan-out stays
//! bounded.

use atelier_identity::Principal;
use atelier_store::scoped::{self, PageRequest};
use futures_util::{FutureExt, TryStreamExt};
use mongodb::bson::doc;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    Feeds, FeedsError, event,
    model::{ActivityId, EntryRecord, FollowRecord},
    now_ms,
};

/// What a follow did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Followed {
    pub follow: FollowRecord,
    /// False when the feed already followed the source (nothing changed).
    pub created: bool,
    /// Activities copied into the follower.
    pub backfilled: u64,
}

impl Feeds {
    /// `follower` follows `source`, copying up to `backfill` of its latest activities.
    pub async fn follow(
        &self,
        principal: &Principal,
        follower: &str,
        source: &str,
        backfill: Option<u32>,
    ) -> Result<Followed, FeedsError> {
        let tenant = principal.tenant();
        let follower = self.resolve(tenant, "feed_id", follower).await?;
        let source = self.resolve(tenant, "target_feed_id", source).await?;
        self.require_write(principal, &follower).await?;
        self.require_read(principal, &source).await?;
        if follower.id == source.id {
            return Err(FeedsError::invalid(
                "target_feed_id",
                "a feed does not follow itself",
            ));
        }
        let backfill = backfill.unwrap_or(self.config.default_backfill);
        if backfill > self.config.max_backfill {
            return Err(FeedsError::invalid(
                "backfill_limit",
                format!("at most {}", self.config.max_backfill),
            ));
        }
        if !self
            .follower_may_see_now(tenant, follower.owner, source.owner)
            .await?
        {
            return Err(FeedsError::forbidden(
                "source_not_visible",
                "The follower feed's readers may not see the target feed.",
            ));
        }
        let record = FollowRecord {
            id: FollowRecord::key(tenant, &follower.name(), &source.name()),
            tenant,
            follower: follower.name(),
            source: source.name(),
            created_at_ms: now_ms(),
        };
        self.unit
            .run::<_, _, FeedsError, _>(
                tenant,
                (self.clone(), record),
                move |tx, (this, record)| {
                    async move {
                        if let Some(existing) =
                            scoped::get(&this.follows, tenant, &record.id).await?
                        {
                            tx.unchanged();
                            return Ok(Followed {
                                follow: existing,
                                created: false,
                                backfilled: 0,
                            });
                        }
                        let session = tx.session();
                        this.follows
                            .insert_one(&*record)
                            .session(&mut *session)
                            .await?;
                        // The source's latest direct activities, oldest first, less those the
                        // follower already holds.
                        let latest: Vec<EntryRecord> = this
                            .entries
                            .find(doc! {
                                "tenant": tenant.to_string(),
                                "feed": &record.source,
                                "via": "",
                            })
                            .sort(doc! { "position": -1 })
                            .limit(i64::from(backfill))
                            .session(&mut *session)
                            .await?
                            .stream(&mut *session)
                            .try_collect()
                            .await?;
                        let keys: Vec<String> = latest
                            .iter()
                            .map(|entry| EntryRecord::key(&record.follower, entry.activity))
                            .collect();
                        let held: Vec<EntryRecord> = this
                            .entries
                            .find(doc! { "_id": { "$in": keys }, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?
                            .stream(&mut *session)
                            .try_collect()
                            .await?;
                        let copies: Vec<ActivityId> = latest
                            .iter()
                            .rev()
                            .map(|entry| entry.activity)
                            .filter(|activity| !held.iter().any(|h| h.activity == *activity))
                            .collect();
                        this.write_entries(
                            session,
                            tenant,
                            &record.follower,
                            &copies,
                            &record.source,
                        )
                        .await?;
                        let backfilled = u64::try_from(copies.len()).unwrap_or(u64::MAX);
                        tx.append(event(
                            "feeds.follow.created",
                            &record.follower,
                            json!({
                                "feed_id": record.follower,
                                "target_feed_id": record.source,
                                "backfilled": backfilled,
                            }),
                        ));
                        Ok(Followed {
                            follow: record.clone(),
                            created: true,
                            backfilled,
                        })
                    }
                    .boxed()
                },
            )
            .await
    }

    /// `follower` stops following `source`; its copies of the source's activities are removed
    /// unless `keep_history`.
    pub async fn unfollow(
        &self,
        principal: &Principal,
        follower: &str,
        source: &str,
        keep_history: bool,
    ) -> Result<(), FeedsError> {
        let tenant = principal.tenant();
        let follower = self.resolve(tenant, "feed_id", follower).await?;
        let source = self.resolve(tenant, "target_feed_id", source).await?;
        self.require_write(principal, &follower).await?;
        let key = FollowRecord::key(tenant, &follower.name(), &source.name());
        self.unit
            .run::<_, _, FeedsError, _>(tenant, (self.clone(), key), move |tx, (this, key)| {
                async move {
                    let session = tx.session();
                    let Some(record) = this
                        .follows
                        .find_one_and_delete(
                            doc! { "_id": key.as_str(), "tenant": tenant.to_string() },
                        )
                        .session(&mut *session)
                        .await?
                    else {
                        return Err(FeedsError::NotFound("follow"));
                    };
                    if !keep_history {
                        this.entries
                            .delete_many(doc! {
                                "tenant": tenant.to_string(),
                                "feed": &record.follower,
                                "via": &record.source,
                            })
                            .session(&mut *session)
                            .await?;
                    }
                    tx.append(event(
                        "feeds.follow.deleted",
                        &record.follower,
                        json!({
                            "feed_id": record.follower,
                            "target_feed_id": record.source,
                            "kept_history": keep_history,
                        }),
                    ));
                    Ok(())
                }
                .boxed()
            })
            .await
    }

    /// The feeds following `feed`, by feed id.
    pub async fn followers(
        &self,
        principal: &Principal,
        feed: &str,
        request: &PageRequest,
    ) -> Result<(Vec<FollowRecord>, bool), FeedsError> {
        self.follow_list(principal, feed, "source", request).await
    }

    /// The feeds `feed` follows, by feed id.
    pub async fn following(
        &self,
        principal: &Principal,
        feed: &str,
        request: &PageRequest,
    ) -> Result<(Vec<FollowRecord>, bool), FeedsError> {
        self.follow_list(principal, feed, "follower", request).await
    }

    async fn follow_list(
        &self,
        principal: &Principal,
        feed: &str,
        side: &str,
        request: &PageRequest,
    ) -> Result<(Vec<FollowRecord>, bool), FeedsError> {
        let tenant = principal.tenant();
        let feed = self.resolve(tenant, "feed_id", feed).await?;
        self.require_read(principal, &feed).await?;
        Ok(scoped::page(&self.follows, tenant, doc! { side: feed.name() }, request).await?)
    }
}
