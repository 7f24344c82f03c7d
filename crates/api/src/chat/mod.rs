//! Chat over HTTP: channels and members ([`channels`]), messages, reactions, threads, the
//! change feed and search ([`messages`]), read state, the badge and scheduled messages
//! ([`reads`]). Who may do what is decided in the chat domain (`atelier_chat::access`);
//! these handlers parse, call and convert.

pub mod channels;
pub mod messages;
pub mod reads;
