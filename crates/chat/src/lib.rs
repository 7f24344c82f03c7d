//! Chat: channels inside workspaces, their members and messages.
//!
//! - [`model`]: ids ([`ChannelId`], [`MessageId`], [`ScheduledMessageId`]) and stored records;
//! - [`text`]: sans-IO rules (validation, mentions, search terms, cursors, slow mode);
//! - [`view`]: the versioned public shapes events carry and the API answers;
//! - [`config`]: [`ChatConfig`], the `chat` section of the configuration;
//! - [`module`]: [`ChatModule`], chat's registration with the platform (settings, migrations,
//!   events, the scheduled-send worker, the [`Chat`] service);
//! - [`events`]: the `chat.*` event types and their `data` schemas;
//! - [`error`]: [`ChatError`], the crate's one error type;
//! - [`access`]: who may do what, for every caller (HTTP, realtime, consumers), decided with
//!   `atelier_identity::policy`;
//! - [`channels`]: channels and members ([`Chat`]'s channel methods);
//! - [`messages`]: send (sequence numbers, idempotency, slow mode), edit, delete, pins,
//!   reactions, threads, history, the change feed and search;
//! - [`reads`]: read state, unread and mention counts, thread read state, the badge;
//! - [`scheduled`]: scheduled messages and the worker that sends them;
//! - [`topic`]: [`ChannelTopics`], the realtime `channel` topic kind.
//!
//! Every storage function takes the tenant first and filters on it. Every mutation runs as one
//! [`UnitOfWork`]: its writes and outbox events commit together, and refusals are plain
//! `Err(ChatError::..)` that abort it. Events have `aggregate_type = "channel"` and
//! `aggregate_id` = the channel id, and `data.channel_id` and `data.workspace_id`.
//!
//! Concurrency: every message change first increments the channel document's counters (`seq`
//! for a new message, `change_seq` for every change) inside its transaction, so changes of one
//! channel serialize on that document: sequence numbers have no duplicates, and the change
//! feed has no gaps (a change with a higher `change_seq` commits after every lower one).

pub mod access;
pub mod channels;
pub mod config;
pub mod error;
pub mod events;
pub mod messages;
pub mod model;
pub mod module;
pub mod reads;
pub mod scheduled;
pub mod text;
pub mod topic;
pub mod view;

use atelier_core::{NewEvent, TenantId};
use atelier_identity::tenancy::Tenancy;
use atelier_outbox::{Outbox, UnitOfWork};
use atelier_store::{CollectionSpec, Store};
use mongodb::{Collection, IndexModel, bson::doc, options::IndexOptions};

pub use config::ChatConfig;
pub use error::ChatError;
pub use model::{ChannelId, ChannelKind, ChannelRole, MessageId, ScheduledMessageId};
pub use module::ChatModule;
pub use topic::ChannelTopics;

pub const CHANNELS: &str = "chat_channels";
pub const MEMBERS: &str = "chat_members";
pub const MESSAGES: &str = "chat_messages";
pub const REACTIONS: &str = "chat_reactions";
pub const THREAD_READS: &str = "chat_thread_reads";
pub const SCHEDULED: &str = "chat_scheduled_messages";

/// Collections holding per-workspace memberships (`tenant`, `workspace`, `user`), deleted with
/// a workspace membership (`Tenancy::with_member_cascade`).
pub const WORKSPACE_MEMBER_COLLECTIONS: &[&str] = &[MEMBERS];

/// The chat service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Chat {
    store: Store,
    outbox: Outbox,
    unit: UnitOfWork,
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
            unit: UnitOfWork::new(store),
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

    /// Appends events inside the unit of work's transaction.
    async fn append(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        events: Vec<NewEvent>,
    ) -> Result<(), ChatError> {
        self.outbox.append(session, tenant, events).await?;
        Ok(())
    }
}

/// A chat event: `aggregate_type = "channel"`, `aggregate_id` = the channel id.
fn event(event_type: &str, channel: ChannelId, data: serde_json::Value) -> NewEvent {
    NewEvent::new(event_type, "channel", channel.to_string(), data)
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
