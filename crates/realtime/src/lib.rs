//! The realtime gateway's core (no HTTP): frames, sessions, subscriptions, presence, typing and
//! the node's fan-out hub. The WebSocket endpoint itself lives in `atelier-api`
//! (`/v1/realtime`); README's "Realtime gateway" section documents the protocol for clients.
//!
//! Layout, sans-IO first:
//! - [`frame`]: the versioned JSON frames (v1), their decoding and the close codes;
//! - [`session`]: a connection's subscriptions under the cap, and the typing [`Throttle`];
//! - [`presence`]: the presence tracker (sessions per user per workspace, expiry);
//! - [`resume`]: whether missed events can be replayed from a cursor;
//! - [`config`]: [`RealtimeConfig`], the `realtime` configuration section;
//! - [`access`]: [`ChannelAccess`], the seam to the chat domain's read permission;
//! - [`presence_store`]: presence rows in MongoDB (the snapshot for new watchers);
//! - [`hub`]: the node's supervised RabbitMQ subscription and local fan-out;
//! - [`gateway`]: what a connection does with each frame ([`Gateway`], [`Connection`]).

pub mod access;
pub mod config;
pub mod frame;
pub mod gateway;
pub mod hub;
pub mod presence;
pub mod presence_store;
pub mod resume;
pub mod session;

pub use access::{AccessError, ChannelAccess, DenyAllChannels};
pub use config::RealtimeConfig;
pub use gateway::{Close, Connection, Gateway, GatewayParts};
pub use hub::{Hub, HubError, Outbound, OutboundReceiver};
pub use presence_store::PresenceStore;
pub use session::{Subscriptions, Throttle};
