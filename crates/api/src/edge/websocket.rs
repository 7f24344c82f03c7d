//! The one WebSocket configuration both sockets (`/v1/realtime` and the canvas sync socket)
//! use.
//!
//! tungstenite's default read buffer is 128 KiB per connection, and it fills the whole buffer
//! with zeroes before each read, so every open socket kept 128 KiB resident whether it ever
//! received more than a ping. Most sockets are idle most of the time (a viewer on a canvas, a
//! chat client between messages): a small buffer makes an idle socket cost a few KiB. 2 KiB
//! holds the frames sockets mostly carry (a keystroke's Yjs update, an awareness renewal, a
//! chat command) in one read; larger frames still arrive whole: the codec reserves a frame's
//! full length once its header is read, then reads into that in chunks of this size.

use poem::web::websocket::WebSocketConfig;

/// Bytes read from the socket per read call, and the buffer an idle socket keeps.
pub const READ_BUFFER_BYTES: usize = 2 * 1024;

/// The configuration of a socket whose messages (and frames) are at most `max_message_bytes`.
pub fn socket_config(max_message_bytes: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_socket_keeps_a_small_read_buffer_and_the_limits_it_was_given() {
        let config = socket_config(70_000);
        assert_eq!(config.read_buffer_size, READ_BUFFER_BYTES);
        assert_eq!(config.max_message_size, Some(70_000));
        assert_eq!(config.max_frame_size, Some(70_000));
        // The write buffer must stay above one frame, or tungstenite refuses the config.
        assert!(config.max_write_buffer_size > config.write_buffer_size);
    }
}
