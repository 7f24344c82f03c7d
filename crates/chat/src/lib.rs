//! Chat: channels inside workspaces, their members and messages.
//!
//! - [`model`]: ids ([`ChannelId`], [`MessageId`], [`ScheduledMessageId`]) and stored records;
//! - [`text`]: sans-IO rules (validation, mentions, search terms, cursors, slow mode);
//! - [`view`]: the versioned public shapes events carry and the API answers;
//! - [`config`]: [`ChatConfig`], the `chat` section of the configuration;
//! - [`error`]: [`ChatError`], the crate's one error type;
//! - [`channels`]: channels, members and access ([`Chat`]'s channel methods);
//! - [`messages`]: send (sequence numbers, idempotency, slow mode), edit, delete, pins,
//!   reactions, threads, history, the change feed and search;
//! - [`reads`]: read state, unread and mention counts, thread read state, the badge;
//! - [`scheduled`]: scheduled messages and the worker that sends them;
//! - [`topic`]: [`ChannelTopics`], the realtime `channel` topic kind.
//!
//! Every storage function takes the tenant first and filters on it. Every mutation writes its
//! outbox event in the same transaction. Events have `aggregate_type = "channel"` and
//! `aggregate_id` = the channel id, and `data.channel_id` and `data.workspace_id`.
//!
//! Concurrency: every message change first increments the channel document's counters (`seq`
//! for a new message, `change_seq` for every change) inside its transaction, so changes of one
//! channel serialize on that document: sequence numbers have no duplicates, and the change
//! feed has no gaps (a change with a higher `change_seq` commits after every lower one).

pub mod channels;
pub mod config;
pub mod error;
pub mod messages;
pub mod model;
pub mod reads;
pub mod scheduled;
pub mod text;
pub mod topic;
pub mod view;

use atelier_core::{NewEvent, TenantId};
use atelier_identity::tenancy::Tenancy;
use atelier_outbox::Outbox;
use atelier_store::{CollectionSpec, Store};
use mongodb::{Collection, IndexModel, bson::doc, options::IndexOptions};

pub use config::ChatConfig;
pub use error::ChatError;
pub use model::{ChannelId, ChannelKind, ChannelRole, MessageId, ScheduledMessageId};
pub use topic::ChannelTopics;

pub const CHANNELS: &str = "chat_channels";
pub const MEMBERS: &str = "chat_members";
pub const MESSAGES: &str = "chat_messages";
pub const REACTIONS: &str = "chat_reactions";
pub const THREAD_READS: &str = "chat_thread_reads";
pub const SCHEDULED: &str = "chat_scheduled_messages";

/// The chat service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Chat {
    store: Store,
    outbox: Outbox,
    tenancy: Tenancy,
    config: ChatConfig,
    channels: Collection<model::ChannelRecord>,
    members: Collection<model::MemberRecord>,
    messages: Collection<model::MessageRecord>,
    reactions: Collection<model::ReactionRecord>,
    thread_reads: Collection<model::ThreadReadRecord>,
    scheduled: Collection<model::ScheduledRecord>,
}

impl Chat {
    pub fn new(store: &Store, config: ChatConfig) -> Self {
        let database = store.database();
        Self {
            store: store.clone(),
            outbox: Outbox::new(store),
            tenancy: Tenancy::new(store),
            config,
            channels: database.collection(CHANNELS),
            members: database.collection(MEMBERS),
            messages: database.collection(MESSAGES),
            reactions: database.collection(REACTIONS),
            thread_reads: database.collection(THREAD_READS),
            scheduled: database.collection(SCHEDULED),
        }
    }

    pub fn config(&self) -> &ChatConfig {
        &self.config
    }

    /// Appends events inside the caller's transaction.
    async fn append(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        events: Vec<NewEvent>,
    ) -> mongodb::error::Result<()> {
        self.outbox
            .append(session, tenant, events)
            .await
            .map(|_| ())
            .map_err(|error| match error {
                atelier_outbox::OutboxError::Mongo(mongo) => mongo,
                other => mongodb::error::Error::custom(Refusal::Internal(other.to_string())),
            })
    }
}

/// A chat event: `aggregate_type = "channel"`, `aggregate_id` = the channel id.
fn event(event_type: &str, channel: ChannelId, data: serde_json::Value) -> NewEvent {
    NewEvent::new(event_type, "channel", channel.to_string(), data)
}

/// Refusals decided inside a transaction travel as custom driver errors (which abort it).
#[derive(Debug, Clone)]
enum Refusal {
    NotFound(&'static str),
    Frozen,
    Archived,
    SlowMode(u64),
    Invalid(&'static str, String),
    Conflict(&'static str, String),
    Forbidden(&'static str, String),
    Internal(String),
}

impl Refusal {
    fn error(self) -> mongodb::error::Error {
        mongodb::error::Error::custom(self)
    }
}

fn map_error(error: mongodb::error::Error) -> ChatError {
    match error.get_custom::<Refusal>().cloned() {
        Some(Refusal::NotFound(what)) => ChatError::NotFound(what),
        Some(Refusal::Frozen) => ChatError::Frozen,
        Some(Refusal::Archived) => ChatError::Archived,
        Some(Refusal::SlowMode(seconds)) => ChatError::SlowMode {
            retry_after_seconds: seconds,
        },
        Some(Refusal::Invalid(field, message)) => ChatError::Invalid { field, message },
        Some(Refusal::Conflict(code, message)) => ChatError::Conflict { code, message },
        Some(Refusal::Forbidden(code, message)) => ChatError::Forbidden { code, message },
        Some(Refusal::Internal(message)) => {
            ChatError::Outbox(atelier_outbox::OutboxError::Decode(message))
        }
        None => ChatError::Mongo(error),
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn index(keys: mongodb::bson::Document, unique: bool) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(IndexOptions::builder().unique(unique).build())
        .build()
}

/// Every collection and index of the crate, for the server's migrations.
pub fn collection_specs() -> Vec<CollectionSpec> {
    vec![
        CollectionSpec {
            name: CHANNELS,
            indexes: vec![
                index(doc! { "tenant": 1, "unique_key": 1 }, true),
                index(
                    doc! { "tenant": 1, "workspace": 1, "created_at_ms": 1 },
                    false,
                ),
            ],
        },
        CollectionSpec {
            name: MEMBERS,
            indexes: vec![
                index(doc! { "tenant": 1, "user": 1 }, false),
                index(doc! { "tenant": 1, "channel": 1, "joined_at_ms": 1 }, false),
            ],
        },
        CollectionSpec {
            name: MESSAGES,
            indexes: vec![
                index(doc! { "tenant": 1, "channel": 1, "seq": 1 }, true),
                index(doc! { "tenant": 1, "channel": 1, "change_seq": 1 }, false),
                index(
                    doc! { "tenant": 1, "channel": 1, "idempotency_key": 1 },
                    true,
                ),
                index(doc! { "tenant": 1, "parent": 1, "seq": 1 }, false),
                index(doc! { "tenant": 1, "thread.participants": 1 }, false),
                // Multikey: search terms (the development server has no `$text`, see README).
                index(doc! { "tenant": 1, "terms": 1 }, false),
            ],
        },
        CollectionSpec {
            name: REACTIONS,
            indexes: vec![index(
                doc! { "tenant": 1, "message": 1, "emoji": 1, "user": 1 },
                false,
            )],
        },
        CollectionSpec {
            name: THREAD_READS,
            indexes: vec![index(doc! { "tenant": 1, "user": 1 }, false)],
        },
        CollectionSpec {
            name: SCHEDULED,
            indexes: vec![
                index(doc! { "status": 1, "send_at_ms": 1 }, false),
                index(doc! { "status": 1, "claim_expires_at_ms": 1 }, false),
                index(doc! { "tenant": 1, "channel": 1, "send_at_ms": 1 }, false),
            ],
        },
    ]
}
