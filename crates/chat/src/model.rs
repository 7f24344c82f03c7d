//! Chat ids.

use atelier_core::define_id;

define_id!(
    /// A channel (public, private or direct) inside a workspace.
    ChannelId,
    "chn"
);

define_id!(
    /// A message in a channel.
    MessageId,
    "msg"
);
