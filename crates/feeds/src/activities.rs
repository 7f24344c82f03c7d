//! Activities: add (one or a batch) to a feed and its `to` targets, get, update and delete by
//! id or by foreign id, and reading a feed by position (see the crate docs for why positions).
//!
//! An activity is stored once; every feed it reaches (its feed, its `to` targets, and the
//! followers the fan-out copies it to) holds an entry pointing at it, so an update shows in all
//! of them and a delete removes all of them.

use std::collections::BTreeMap;

use atelier_identity::Principal;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::bson::doc;
use serde_json::{Value, json};

use crate::{
    Feeds, FeedsError,
    access::Feed,
    event, events,
    model::{ActivityId, ActivityRecord, EntryRecord},
    now_ms,
};

/// Most activities in one batch add.
pub const MAX_BATCH: usize = 100;
/// Most `to` targets of one activity.
pub const MAX_TO: usize = 20;
/// Most activities one foreign id may name in an update or delete.
pub const MAX_BY_FOREIGN_ID: i64 = 100;
/// Longest actor, object, target and foreign id.
pub const MAX_REFERENCE_CHARS: usize = 200;
/// Longest verb.
pub const MAX_VERB_CHARS: usize = 64;

/// An activity to add.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewActivity {
    /// Required for API keys; users act as themselves.
    pub actor: Option<String>,
    pub verb: String,
    pub object: String,
    pub target: Option<String>,
    /// Unix milliseconds; default now.
    pub time_ms: Option<i64>,
    pub foreign_id: Option<String>,
    /// Further feeds to add it to.
    pub to: Vec<String>,
    /// A JSON object.
    pub extra: Option<Value>,
}

/// Changes to an activity; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityPatch {
    pub verb: Option<String>,
    pub object: Option<String>,
    pub target: Option<String>,
    pub time_ms: Option<i64>,
    pub extra: Option<Value>,
}

/// Which activities an update or delete means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityRef {
    Id(ActivityId),
    /// Every activity with this foreign id (at most [`MAX_BY_FOREIGN_ID`]).
    ForeignId(String),
}

/// One entry of a feed as read.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// The entry's position in the feed (see the crate docs).
    pub position: i64,
    pub activity: ActivityRecord,
}

impl Feeds {
    /// Adds activities to `feed` (and each to its `to` targets) in one unit of work.
    pub async fn add_activities(
        &self,
        principal: &Principal,
        feed: &str,
        news: Vec<NewActivity>,
    ) -> Result<Vec<ActivityRecord>, FeedsError> {
        let tenant = principal.tenant();
        let feed = self.resolve(tenant, "feed_id", feed).await?;
        self.require_write(principal, &feed).await?;
        if news.is_empty() || news.len() > MAX_BATCH {
            return Err(FeedsError::invalid(
                "activities",
                format!("a batch has 1 to {MAX_BATCH} activities"),
            ));
        }
        let now = now_ms();
        let mut records = Vec::with_capacity(news.len());
        for new in news {
            records.push(self.prepare(principal, &feed, new, now).await?);
        }
        self.unit
            .run::<_, _, FeedsError, _>(tenant, (self.clone(), records), |tx, (this, records)| {
                async move {
                    let session = tx.session();
                    this.activities
                        .insert_many(records.iter())
                        .session(&mut *session)
                        .await?;
                    let mut by_feed: BTreeMap<&str, Vec<ActivityId>> = BTreeMap::new();
                    for record in records.iter() {
                        for target in std::iter::once(&record.feed).chain(&record.to) {
                            by_feed.entry(target).or_default().push(record.id);
                        }
                    }
                    for (target, ids) in by_feed {
                        this.write_entries(session, tenant, target, &ids, "")
                            .await?;
                    }
                    for record in records.iter() {
                        tx.append(event(
                            "feeds.activity.created",
                            &record.feed,
                            json!({
                                "feed_id": record.feed,
                                "activity": events::activity_data(record),
                            }),
                        ));
                    }
                    Ok(records.clone())
                }
                .boxed()
            })
            .await
    }

    /// Writes entries of `activities` (in this order) into `feed` with the next positions,
    /// then trims the feed. The caller has left out activities the feed already holds.
    pub(crate) async fn write_entries(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: atelier_core::TenantId,
        feed: &str,
        activities: &[ActivityId],
        via: &str,
    ) -> Result<(), FeedsError> {
        if activities.is_empty() {
            return Ok(());
        }
        let first = self
            .take_positions(session, tenant, feed, activities.len())
            .await?;
        let now = now_ms();
        let entries: Vec<EntryRecord> = activities
            .iter()
            .zip(first..)
            .map(|(activity, position)| EntryRecord {
                id: EntryRecord::key(feed, *activity),
                tenant,
                feed: feed.to_owned(),
                activity: *activity,
                position,
                via: via.to_owned(),
                created_at_ms: now,
            })
            .collect();
        let newest = entries.last().map_or(first, |entry| entry.position);
        self.entries
            .insert_many(entries)
            .session(&mut *session)
            .await?;
        self.trim(session, tenant, feed, newest).await
    }

    async fn prepare(
        &self,
        principal: &Principal,
        feed: &Feed,
        new: NewActivity,
        now: i64,
    ) -> Result<ActivityRecord, FeedsError> {
        let tenant = principal.tenant();
        let actor = match (principal, new.actor) {
            (Principal::User { user_id, .. }, None) => user_id.to_string(),
            (Principal::User { user_id, .. }, Some(actor)) => {
                if actor != user_id.to_string() {
                    return Err(FeedsError::forbidden(
                        "actor_mismatch",
                        "Users add activities as themselves: `actor` is their own user id.",
                    ));
                }
                actor
            }
            (Principal::ApiKey { .. }, None) => {
                return Err(FeedsError::invalid("actor", "required"));
            }
            (Principal::ApiKey { .. }, Some(actor)) => actor,
        };
        let name = feed.name();
        let mut to: Vec<String> = Vec::new();
        if new.to.len() > MAX_TO {
            return Err(FeedsError::invalid(
                "to",
                format!("at most {MAX_TO} target feeds"),
            ));
        }
        for target in &new.to {
            let target = self.resolve(tenant, "to", target).await?;
            self.require_write(principal, &target).await?;
            let target = target.name();
            if target != name && !to.contains(&target) {
                to.push(target);
            }
        }
        Ok(ActivityRecord {
            id: ActivityId::generate(),
            tenant,
            feed: name,
            actor: check_text("actor", actor, 1, MAX_REFERENCE_CHARS)?,
            verb: check_text("verb", new.verb, 1, MAX_VERB_CHARS)?,
            object: check_text("object", new.object, 1, MAX_REFERENCE_CHARS)?,
            target: check_text(
                "target",
                new.target.unwrap_or_default(),
                0,
                MAX_REFERENCE_CHARS,
            )?,
            time_ms: check_time(new.time_ms)?.unwrap_or(now),
            foreign_id: check_text(
                "foreign_id",
                new.foreign_id.unwrap_or_default(),
                0,
                MAX_REFERENCE_CHARS,
            )?,
            to,
            extra: self
                .check_extra(new.extra)?
                .unwrap_or_else(|| "{}".to_owned()),
            created_at_ms: now,
            updated_at_ms: now,
        })
    }

    /// The `extra` data as stored (its JSON text): an object within `feeds.max_extra_bytes`.
    fn check_extra(&self, extra: Option<Value>) -> Result<Option<String>, FeedsError> {
        let Some(extra) = extra else {
            return Ok(None);
        };
        if !extra.is_object() {
            return Err(FeedsError::invalid("extra", "must be a JSON object"));
        }
        let text = extra.to_string();
        if text.len() > self.config.max_extra_bytes {
            return Err(FeedsError::ExtraTooLarge {
                size: text.len(),
                max: self.config.max_extra_bytes,
            });
        }
        Ok(Some(text))
    }

    /// One activity, if the caller may read the feed it was added to.
    pub async fn get_activity(
        &self,
        principal: &Principal,
        id: ActivityId,
    ) -> Result<ActivityRecord, FeedsError> {
        let tenant = principal.tenant();
        let record = atelier_store::scoped::get(&self.activities, tenant, &id.to_string())
            .await?
            .ok_or(FeedsError::NotFound("activity"))?;
        let feed = self
            .resolve(tenant, "feed_id", &record.feed)
            .await
            .map_err(|_| FeedsError::NotFound("activity"))?;
        if !self.can_read(principal, &feed).await? {
            return Err(FeedsError::NotFound("activity"));
        }
        Ok(record)
    }

    /// The activities `reference` names that the caller may change: 404 when there are none
    /// (or the caller may not read their feed), 403 when the caller may not write one of them.
    async fn writable(
        &self,
        principal: &Principal,
        reference: &ActivityRef,
    ) -> Result<Vec<ActivityRecord>, FeedsError> {
        let tenant = principal.tenant();
        let records: Vec<ActivityRecord> = match reference {
            ActivityRef::Id(id) => {
                atelier_store::scoped::get(&self.activities, tenant, &id.to_string())
                    .await?
                    .into_iter()
                    .collect()
            }
            ActivityRef::ForeignId(foreign_id) => {
                check_text("foreign_id", foreign_id.clone(), 1, MAX_REFERENCE_CHARS)?;
                self.activities
                    .find(doc! { "tenant": tenant.to_string(), "foreign_id": foreign_id })
                    .sort(doc! { "_id": 1 })
                    .limit(MAX_BY_FOREIGN_ID)
                    .await?
                    .try_collect()
                    .await?
            }
        };
        let mut visible = Vec::with_capacity(records.len());
        for record in records {
            let Ok(feed) = self.resolve(tenant, "feed_id", &record.feed).await else {
                continue;
            };
            if self.can_read(principal, &feed).await? {
                self.require_write(principal, &feed).await?;
                visible.push(record);
            }
        }
        if visible.is_empty() {
            return Err(FeedsError::NotFound("activity"));
        }
        Ok(visible)
    }

    /// Updates the activities `reference` names (one by id; every one by foreign id). Every
    /// feed holding them shows the change.
    pub async fn update_activities(
        &self,
        principal: &Principal,
        reference: &ActivityRef,
        patch: ActivityPatch,
    ) -> Result<Vec<ActivityRecord>, FeedsError> {
        let tenant = principal.tenant();
        let mut set = doc! { "updated_at_ms": now_ms() };
        if let Some(verb) = patch.verb {
            set.insert("verb", check_text("verb", verb, 1, MAX_VERB_CHARS)?);
        }
        if let Some(object) = patch.object {
            set.insert(
                "object",
                check_text("object", object, 1, MAX_REFERENCE_CHARS)?,
            );
        }
        if let Some(target) = patch.target {
            set.insert(
                "target",
                check_text("target", target, 0, MAX_REFERENCE_CHARS)?,
            );
        }
        if let Some(time_ms) = check_time(patch.time_ms)? {
            set.insert("time_ms", time_ms);
        }
        if let Some(extra) = self.check_extra(patch.extra)? {
            set.insert("extra", extra);
        }
        let records = self.writable(principal, reference).await?;
        self.unit
            .run::<_, _, FeedsError, _>(
                tenant,
                (self.clone(), records, set),
                |tx, (this, records, set)| {
                    async move {
                        let mut updated = Vec::with_capacity(records.len());
                        for record in records.iter() {
                            let record = this
                                .activities
                                .find_one_and_update(
                                    doc! { "_id": record.id.to_string(), "tenant": tenant.to_string() },
                                    doc! { "$set": set.clone() },
                                )
                                .return_document(mongodb::options::ReturnDocument::After)
                                .session(tx.session())
                                .await?
                                .ok_or(FeedsError::NotFound("activity"))?;
                            tx.append(event(
                                "feeds.activity.updated",
                                &record.feed,
                                json!({
                                    "feed_id": record.feed,
                                    "activity": events::activity_data(&record),
                                }),
                            ));
                            updated.push(record);
                        }
                        Ok(updated)
                    }
                    .boxed()
                },
            )
            .await
    }

    /// Deletes the activities `reference` names and every feed entry of them.
    pub async fn delete_activities(
        &self,
        principal: &Principal,
        reference: &ActivityRef,
    ) -> Result<(), FeedsError> {
        let tenant = principal.tenant();
        let records = self.writable(principal, reference).await?;
        self.unit
            .run::<_, _, FeedsError, _>(tenant, (self.clone(), records), |tx, (this, records)| {
                async move {
                    for record in records.iter() {
                        let id = record.id.to_string();
                        this.activities
                            .delete_one(doc! { "_id": &id, "tenant": tenant.to_string() })
                            .session(tx.session())
                            .await?;
                        this.entries
                            .delete_many(doc! { "tenant": tenant.to_string(), "activity": &id })
                            .session(tx.session())
                            .await?;
                        tx.append(event(
                            "feeds.activity.deleted",
                            &record.feed,
                            json!({
                                "feed_id": record.feed,
                                "activity_id": id,
                                "foreign_id": record.foreign_id,
                            }),
                        ));
                    }
                    Ok(())
                }
                .boxed()
            })
            .await
    }

    /// The feed's entries newest first, below position `before` (all when `None`): up to
    /// `limit + 1` items (the extra one says that more follow).
    pub async fn read_feed(
        &self,
        principal: &Principal,
        feed: &str,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<FeedItem>, FeedsError> {
        let tenant = principal.tenant();
        let feed = self.resolve(tenant, "feed_id", feed).await?;
        self.require_read(principal, &feed).await?;
        let mut filter = doc! { "tenant": tenant.to_string(), "feed": feed.name() };
        if let Some(before) = before {
            filter.insert("position", doc! { "$lt": before });
        }
        let entries: Vec<EntryRecord> = self
            .entries
            .find(filter)
            .sort(doc! { "position": -1 })
            .limit(i64::try_from(limit + 1).unwrap_or(i64::MAX))
            .await?
            .try_collect()
            .await?;
        let ids: Vec<String> = entries.iter().map(|e| e.activity.to_string()).collect();
        let mut activities: BTreeMap<ActivityId, ActivityRecord> = self
            .activities
            .find(doc! { "tenant": tenant.to_string(), "_id": { "$in": ids } })
            .await?
            .try_collect::<Vec<_>>()
            .await?
            .into_iter()
            .map(|record| (record.id, record))
            .collect();
        // An entry whose activity was deleted meanwhile is left out.
        Ok(entries
            .into_iter()
            .filter_map(|entry| {
                activities.remove(&entry.activity).map(|activity| FeedItem {
                    position: entry.position,
                    activity,
                })
            })
            .collect())
    }
}

/// `value` trimmed is `min` to `max` characters.
fn check_text(
    field: &'static str,
    value: String,
    min: usize,
    max: usize,
) -> Result<String, FeedsError> {
    let value = value.trim().to_owned();
    let length = value.chars().count();
    if length < min || length > max {
        return Err(FeedsError::invalid(
            field,
            format!("must be {min} to {max} characters"),
        ));
    }
    Ok(value)
}

/// A time from year 1970 to 9999.
fn check_time(time_ms: Option<i64>) -> Result<Option<i64>, FeedsError> {
    const MAX: i64 = 253_402_300_799_999;
    match time_ms {
        Some(time) if !(0..=MAX).contains(&time) => {
            Err(FeedsError::invalid("time", "must be between 1970 and 9999"))
        }
        other => Ok(other),
    }
}
