//! The crate's one error type and the WebSocket close code each variant maps to.

use crate::session::ConnId;

/// Why a frame, an update or a load was refused.
///
/// Every variant leaves the document exactly as it was before the call (see
/// [`crate::DocumentSession::receive`]). The server turns a client's error into a close of that
/// connection with [`SyncError::close_code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The frame is not a complete y-protocols message of a known type, or its payload (state
    /// vector, update, awareness update) does not decode, or the update cannot be integrated.
    #[error("malformed frame: {reason}")]
    Malformed { reason: String },
    /// A sync update (step 2 or update) or an awareness update is larger than
    /// [`crate::SessionLimits::max_update_bytes`].
    #[error("update of {size} bytes is over the limit of {limit} bytes")]
    UpdateTooLarge { size: usize, limit: usize },
    /// Applying the update could make the document's encoded state larger than
    /// [`crate::SessionLimits::max_document_bytes`].
    #[error("document would grow to {projected} bytes, over the limit of {limit} bytes")]
    DocumentTooLarge { projected: usize, limit: usize },
    /// `receive` for a connection that was never `connect`ed (or was disconnected): a server bug.
    #[error("connection {0} is not connected to this document")]
    UnknownConnection(ConnId),
}

/// WebSocket close code for [`SyncError::Malformed`]: "invalid frame payload data" (RFC 6455).
pub const CLOSE_MALFORMED: u16 = 1007;
/// WebSocket close code for [`SyncError::UpdateTooLarge`]: "message too big" (RFC 6455).
pub const CLOSE_UPDATE_TOO_LARGE: u16 = 1009;
/// Application close code for [`SyncError::DocumentTooLarge`] (4000-4999 are ours; 413 echoes
/// HTTP's "content too large").
pub const CLOSE_DOCUMENT_TOO_LARGE: u16 = 4413;
/// WebSocket close code for [`SyncError::UnknownConnection`]: "internal error" (RFC 6455).
pub const CLOSE_INTERNAL: u16 = 1011;

impl SyncError {
    /// The close code the server sends when this error ends a client's connection.
    pub fn close_code(&self) -> u16 {
        match self {
            SyncError::Malformed { .. } => CLOSE_MALFORMED,
            SyncError::UpdateTooLarge { .. } => CLOSE_UPDATE_TOO_LARGE,
            SyncError::DocumentTooLarge { .. } => CLOSE_DOCUMENT_TOO_LARGE,
            SyncError::UnknownConnection(_) => CLOSE_INTERNAL,
        }
    }

    pub(crate) fn malformed(reason: impl std::fmt::Display) -> Self {
        SyncError::Malformed {
            reason: reason.to_string(),
        }
    }
}
