//! The realtime gateway's core (no HTTP): frames, sessions, topic subscriptions, presence,
//! typing, the node's fan-out hub and access enforcement on live subscriptions. The WebSocket
//! endpoint itself lives in `atelier-api` (`/v1/realtime`); README's "Realtime gateway"
//! section documents the protocol for clients.
//!
//! This crate knows no product: each domain registers a [`TopicKind`] (chat's `channel`, in
//! `atelier-chat`) and the server hands the [`TopicRegistry`] to the [`Hub`].
//!
//! Layout, sans-IO first:
//! - [`topic`]: [`Topic`], the [`TopicKind`] seam and the [`TopicRegistry`];
//! - [`frame`]: the versioned JSON frames (v1), their decoding and the close codes;
//! - [`session`]: a connection's subscriptions under the cap, and the typing [`Throttle`];
//! - [`presence`]: the presence tracker (sessions per user per workspace, expiry);
//! - [`resume`]: whether missed events can be replayed from a cursor;
//! - [`config`]: [`RealtimeConfig`], the `realtime` configuration section;
//! - [`presence_store`]: presence rows in MongoDB (the snapshot for new watchers);
//! - [`hub`]: the node's supervised RabbitMQ subscription (the bus's ephemeral consumer),
//!   local fan-out, and the re-checks that revoke subscriptions after access changes;
//! - [`gateway`]: what a connection does with each frame ([`Gateway`], [`Connection`]).

pub mod asyncapi;
pub mod config;
pub mod frame;
pub mod gateway;
pub mod hub;
pub mod presence;
pub mod presence_store;
pub mod resume;
pub mod session;
pub mod topic;

pub use config::RealtimeConfig;
pub use gateway::{Close, Connection, Gateway, GatewayParts};
pub use hub::{Hub, HubError, Outbound, OutboundReceiver, Queued};
pub use presence_store::PresenceStore;
pub use session::{FrameBudget, FrameVerdict, Subscriptions, Throttle};
pub use topic::{
    AccessChange, AccessError, BinaryRefusal, ReplaySource, Topic, TopicKind, TopicRegistry,
    TopicScope,
};
