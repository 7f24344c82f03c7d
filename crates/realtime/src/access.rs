//! Who may read a channel: the [`ChannelAccess`] seam to the chat domain.

use atelier_chat::ChannelId;
use atelier_core::TenantId;
use atelier_identity::{UserId, WorkspaceId};

/// The chat domain's answer to "may this user read this channel".
#[async_trait::async_trait]
pub trait ChannelAccess: Send + Sync + 'static {
    /// The channel's workspace when `user` may read `channel` in `tenant`; `None` when it does not exist there or is not readable by them.
    async fn readable_channel(
        &self,
        tenant: TenantId,
        user: UserId,
        channel: ChannelId,
    ) -> Result<Option<WorkspaceId>, AccessError>;
}

/// The access check could not be answered (storage unavailable...). Answered to the client as
/// an `unavailable` error frame; logged.
#[derive(Debug, thiserror::Error)]
#[error("channel access check failed: {0}")]
pub struct AccessError(pub String);

/// The safe default until a chat domain is wired: no channel is readable.
#[derive(Debug, Clone, Copy, Default)]
pub struct DenyAllChannels;

#[async_trait::async_trait]
impl ChannelAccess for DenyAllChannels {
    async fn readable_channel(
        &self,
        _tenant: TenantId,
        _user: UserId,
        _channel: ChannelId,
    ) -> Result<Option<WorkspaceId>, AccessError> {
        Ok(None)
    }
}

/// The chat domain decides: a channel is readable when `Chat::readable_channel` says so.
#[async_trait::async_trait]
impl ChannelAccess for atelier_chat::Chat {
    async fn readable_channel(
        &self,
        tenant: TenantId,
        user: UserId,
        channel: ChannelId,
    ) -> Result<Option<WorkspaceId>, AccessError> {
        atelier_chat::Chat::readable_channel(self, tenant, user, channel)
            .await
            .map_err(|error| AccessError(error.to_string()))
    }
}
