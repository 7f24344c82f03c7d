//! Activity feeds: feed groups per tenant, activities, follows with backfill and fan-out on
//! write.
//!
//! - [`model`]: [`ActivityId`], [`FeedId`] (`group:key`) and the stored records;
//! - [`config`]: [`FeedsConfig`], the `feeds` section of the configuration;
//! - [`module`]: [`FeedsModule`], the registration with the platform;
//! - [`events`]: the `feeds.*` event types and their `data` schemas;
//! - [`error`]: [`FeedsError`], the crate's one error type;
//! - [`access`]: who reads and writes a feed, and what a follower may receive;
//! - [`groups`]: feed groups (tenant administration);
//! - [`activities`]: add (one or a batch, to a feed and its `to` targets), get, update and
//!   delete by id or foreign id, and reading a feed by position;
//! - [`follows`]: follow with backfill, unfollow (removing the copies or keeping them),
//!   followers and following;
//! - [`fanout`]: the `feeds_fanout` consumer copying new activities into follower feeds.
//!
//! **Storage.** An activity is stored once (`feeds_activities`); a feed holds one entry per
//! activity (`feeds_entries`, `_id` = `<feed>|<activity>`, unique), so an update is seen in
//! every feed at once and a delete removes every entry. Each feed has a counter document
//! (`feeds_counters`); an entry takes the next value as its `position` inside the transaction
//! that writes it, so positions of one feed are strictly increasing in commit order (writers of
//! one feed conflict on its counter document and retry). Reads page by position, never by time:
//! an entry that commits later always has a higher position, so a reader paging down from the
//! newest never skips or repeats an entry, whatever arrives meanwhile. Feeds are trimmed to
//! `feeds.max_feed_length` entries on write.
//!
//! Every storage function takes the tenant first and filters on it. Every change runs as one
//! [`UnitOfWork`]; events have `aggregate_type = "feed"` and the feed id as `aggregate_id`.

pub mod access;
pub mod activities;
pub mod config;
pub mod error;
pub mod events;
pub mod fanout;
pub mod follows;
pub mod groups;
pub mod model;
pub mod module;

use atelier_core::{NewEvent, TenantId};
use atelier_identity::tenancy::Tenancy;
use atelier_outbox::UnitOfWork;
use atelier_store::{CollectionSpec, Store};
use mongodb::{
    ClientSession, Collection, IndexModel,
    bson::{Bson, Document, doc},
    options::{IndexOptions, ReturnDocument},
};

pub use config::FeedsConfig;
pub use error::FeedsError;
pub use model::{ActivityId, FeedId};
pub use module::FeedsModule;

pub const GROUPS: &str = "feeds_groups";
pub const ACTIVITIES: &str = "feeds_activities";
pub const ENTRIES: &str = "feeds_entries";
pub const COUNTERS: &str = "feeds_counters";
pub const FOLLOWS: &str = "feeds_follows";

/// The feeds service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Feeds {
    unit: UnitOfWork,
    tenancy: Tenancy,
    config: FeedsConfig,
    groups: Collection<model::GroupRecord>,
    activities: Collection<model::ActivityRecord>,
    entries: Collection<model::EntryRecord>,
    counters: Collection<Document>,
    follows: Collection<model::FollowRecord>,
}

impl Feeds {
    pub fn new(store: &Store, config: FeedsConfig) -> Self {
        let database = store.database();
        Self {
            unit: UnitOfWork::new(store),
            tenancy: Tenancy::new(store),
            config,
            groups: database.collection(GROUPS),
            activities: database.collection(ACTIVITIES),
            entries: database.collection(ENTRIES),
            counters: database.collection(COUNTERS),
            follows: database.collection(FOLLOWS),
        }
    }

    pub fn config(&self) -> &FeedsConfig {
        &self.config
    }

    /// Takes `count` positions of `feed` inside the transaction: the first one taken (the
    /// others follow it). The counter document serializes the feed's writers.
    async fn take_positions(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        feed: &str,
        count: usize,
    ) -> Result<i64, FeedsError> {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        let counter = self
            .counters
            .find_one_and_update(
                doc! { "_id": format!("{tenant}|{feed}"), "tenant": tenant.to_string() },
                doc! { "$inc": { "position": count }, "$setOnInsert": { "feed": feed } },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .session(session)
            .await?
            .ok_or_else(|| {
                FeedsError::Storage(atelier_store::StorageError::internal(
                    "an upserted feed counter was not returned",
                ))
            })?;
        let last = number(counter.get("position")).unwrap_or(count);
        Ok(last - count + 1)
    }

    /// Deletes the entries of `feed` that fall off its end (`feeds.max_feed_length`), given
    /// the newest position just written.
    async fn trim(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        feed: &str,
        newest: i64,
    ) -> Result<(), FeedsError> {
        let keep = i64::try_from(self.config.max_feed_length).unwrap_or(i64::MAX);
        if newest > keep {
            self.entries
                .delete_many(doc! {
                    "tenant": tenant.to_string(),
                    "feed": feed,
                    "position": { "$lte": newest - keep },
                })
                .session(session)
                .await?;
        }
        Ok(())
    }
}

/// A number as stored: the development server may answer an `$inc`ed Int64 as Int32 (see the
/// README), so every integer width (and a double) is read.
fn number(value: Option<&Bson>) -> Option<i64> {
    match value? {
        Bson::Int32(value) => Some(i64::from(*value)),
        Bson::Int64(value) => Some(*value),
        // A counter is a whole number well inside 2^53.
        #[allow(clippy::cast_possible_truncation)]
        Bson::Double(value) => Some(*value as i64),
        _ => None,
    }
}

/// A feeds event: `aggregate_type = "feed"`, `aggregate_id` = the feed id.
fn event(event_type: &str, feed: &str, data: serde_json::Value) -> NewEvent {
    NewEvent::new(event_type, "feed", feed, data)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn index(keys: Document, unique: bool) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(IndexOptions::builder().unique(unique).build())
        .build()
}

/// Every collection and index of the crate, for the server's migrations.
pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![
        CollectionSpec {
            name: GROUPS,
            indexes: vec![index(doc! { "tenant": 1, "name": 1 }, true)],
        },
        CollectionSpec {
            name: ACTIVITIES,
            indexes: vec![index(doc! { "tenant": 1, "foreign_id": 1 }, false)],
        },
        CollectionSpec {
            name: ENTRIES,
            indexes: vec![
                index(doc! { "tenant": 1, "feed": 1, "activity": 1 }, true),
                index(doc! { "tenant": 1, "feed": 1, "position": 1 }, false),
                index(doc! { "tenant": 1, "activity": 1 }, false),
                index(doc! { "tenant": 1, "feed": 1, "via": 1 }, false),
            ],
        },
        CollectionSpec {
            name: COUNTERS,
            indexes: vec![index(doc! { "tenant": 1 }, false)],
        },
        CollectionSpec {
            name: FOLLOWS,
            indexes: vec![
                index(doc! { "tenant": 1, "follower": 1 }, false),
                index(doc! { "tenant": 1, "source": 1 }, false),
            ],
        },
    ]
}
