//! The wire: reading one client frame, writing server frames, and the durable-ack extension.
//!
//! Outgoing frames are built from yrs's own [`Message`] / [`SyncMessage`] types and encoded with
//! yrs's v1 encoder, so their bytes are exactly what y-protocols writes. Incoming frames are read
//! with yrs's lib0 [`Cursor`] (varints and length-prefixed buffers) and their payloads decoded
//! with yrs's [`StateVector`], [`yrs::Update`] and [`AwarenessUpdate`] decoders. We do not use
//! `Message::decode` for input because it cannot tell us whether bytes are left over after the
//! message, and it turns a truncated frame into "end of stream" (see [`parse_frame`]).

use yrs::StateVector;
use yrs::encoding::read::{Cursor, Read};
use yrs::sync::{AwarenessUpdate, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;

use crate::error::SyncError;

/// y-protocols message type: a sync message (step 1, step 2 or update follows).
pub const MESSAGE_SYNC: u64 = 0;
/// y-protocols message type: an awareness update.
pub const MESSAGE_AWARENESS: u64 = 1;
/// y-protocols message type: an auth message (server to client only).
pub const MESSAGE_AUTH: u64 = 2;
/// y-protocols message type: a request for the current awareness states.
pub const MESSAGE_QUERY_AWARENESS: u64 = 3;
/// Atelier's extension: the durable state vector (server to client only). See the crate docs.
pub const MESSAGE_DURABLE_ACK: u64 = 100;

/// Sync sub-type: the sender's state vector.
pub const SYNC_STEP_1: u64 = 0;
/// Sync sub-type: the update answering a step 1.
pub const SYNC_STEP_2: u64 = 1;
/// Sync sub-type: an incremental update.
pub const SYNC_UPDATE: u64 = 2;

/// Encodes the durable-ack frame: `varuint(100) · varuint8array(state vector, v1)`.
///
/// The state vector says which updates the server has made durable (written to the document's
/// log); a client that knows this message type can tell which of its edits are safe.
pub fn encode_durable_ack(durable: &StateVector) -> Vec<u8> {
    // `Message::Custom` writes the tag as one byte; 100 < 128 is also its one-byte varint.
    Message::Custom(MESSAGE_DURABLE_ACK as u8, durable.encode_v1()).encode_v1()
}

/// Decodes a durable-ack frame written by [`encode_durable_ack`] (as a client would).
pub fn decode_durable_ack(frame: &[u8]) -> Result<StateVector, SyncError> {
    let mut cursor = Cursor::new(frame);
    let message_type: u64 = cursor.read_var().map_err(SyncError::malformed)?;
    if message_type != MESSAGE_DURABLE_ACK {
        return Err(SyncError::malformed(format!(
            "message type {message_type} is not a durable ack"
        )));
    }
    let payload = read_buf(&mut cursor, frame)?;
    expect_end(&cursor)?;
    StateVector::decode_v1(payload).map_err(SyncError::malformed)
}

/// One message a client sent, read from one frame. Payloads stay raw bytes until the session
/// has checked the connection's role and the size limits.
#[derive(Debug)]
pub(crate) enum Inbound<'a> {
    SyncStep1(StateVector),
    SyncStep2(&'a [u8]),
    Update(&'a [u8]),
    Awareness(&'a [u8]),
    QueryAwareness,
    /// A message type only a server sends (auth, durable ack).
    ServerOnly(u64),
    /// A message type we do not know; its body is not read (we cannot know its shape).
    Unknown(u64),
}

/// Reads one frame as exactly one message.
///
/// y-websocket sends one message per WebSocket frame and its server reads only the first message
/// of a frame, so a frame with bytes left after its message is malformed here rather than
/// silently truncated. A known message type whose body is cut short, a truncated varint or a
/// state vector that does not decode are malformed too.
pub(crate) fn parse_frame(frame: &[u8]) -> Result<Inbound<'_>, SyncError> {
    let mut cursor = Cursor::new(frame);
    let message_type: u64 = cursor.read_var().map_err(SyncError::malformed)?;
    let inbound = match message_type {
        MESSAGE_SYNC => {
            let sub_type: u64 = cursor.read_var().map_err(SyncError::malformed)?;
            let payload = read_buf(&mut cursor, frame)?;
            match sub_type {
                SYNC_STEP_1 => Inbound::SyncStep1(
                    StateVector::decode_v1(payload).map_err(SyncError::malformed)?,
                ),
                SYNC_STEP_2 => Inbound::SyncStep2(payload),
                SYNC_UPDATE => Inbound::Update(payload),
                other => {
                    return Err(SyncError::malformed(format!(
                        "unknown sync message sub-type {other}"
                    )));
                }
            }
        }
        MESSAGE_AWARENESS => Inbound::Awareness(read_buf(&mut cursor, frame)?),
        MESSAGE_QUERY_AWARENESS => Inbound::QueryAwareness,
        MESSAGE_AUTH | MESSAGE_DURABLE_ACK => return Ok(Inbound::ServerOnly(message_type)),
        other => return Ok(Inbound::Unknown(other)),
    };
    expect_end(&cursor)?;
    Ok(inbound)
}

pub(crate) fn decode_awareness(payload: &[u8]) -> Result<AwarenessUpdate, SyncError> {
    AwarenessUpdate::decode_v1(payload).map_err(SyncError::malformed)
}

pub(crate) fn sync_step1_frame(state_vector: StateVector) -> Vec<u8> {
    Message::Sync(SyncMessage::SyncStep1(state_vector)).encode_v1()
}

pub(crate) fn sync_step2_frame(update: Vec<u8>) -> Vec<u8> {
    Message::Sync(SyncMessage::SyncStep2(update)).encode_v1()
}

pub(crate) fn update_frame(update: Vec<u8>) -> Vec<u8> {
    Message::Sync(SyncMessage::Update(update)).encode_v1()
}

pub(crate) fn awareness_frame(update: AwarenessUpdate) -> Vec<u8> {
    Message::Awareness(update).encode_v1()
}

/// Reads a `varuint8array` and returns it as a slice of `frame` (the cursor's own slice borrows
/// the cursor, not the frame).
fn read_buf<'a>(cursor: &mut Cursor<'a>, frame: &'a [u8]) -> Result<&'a [u8], SyncError> {
    let len = cursor.read_buf().map_err(SyncError::malformed)?.len();
    let end = cursor.next;
    Ok(&frame[end - len..end])
}

fn expect_end(cursor: &Cursor<'_>) -> Result<(), SyncError> {
    if cursor.has_content() {
        return Err(SyncError::malformed(format!(
            "{} trailing bytes after the message",
            cursor.buf.len() - cursor.next
        )));
    }
    Ok(())
}
