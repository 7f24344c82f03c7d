//! Chat: channels inside workspaces, their members and messages.
//!
//! - [`model`]: the chat ids ([`ChannelId`], [`MessageId`]).

pub mod model;

pub use model::{ChannelId, MessageId};
