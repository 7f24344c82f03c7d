//! Test clients: real yrs documents speaking y-protocols to a session, like y-websocket would.

#![allow(dead_code)] // each test binary uses a different part of the helpers

use atelier_canvas_sync::yrs::sync::{Message, SyncMessage};
use atelier_canvas_sync::yrs::updates::decoder::Decode;
use atelier_canvas_sync::yrs::updates::encoder::Encode;
use atelier_canvas_sync::yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact, Update};
use atelier_canvas_sync::{ConnId, DocumentSession};

/// A v1 update made by a fresh document with `client_id` inserting `text` into root text `t`.
pub fn text_update(client_id: u64, text: &str) -> Vec<u8> {
    let doc = Doc::with_client_id(client_id);
    let t = doc.get_or_insert_text("t");
    let mut txn = doc.transact_mut();
    t.push(&mut txn, text);
    txn.encode_update_v1()
}

pub fn frame(message: Message) -> Vec<u8> {
    message.encode_v1()
}

pub fn update_frame(update: Vec<u8>) -> Vec<u8> {
    frame(Message::Sync(SyncMessage::Update(update)))
}

pub fn step1_frame(sv: StateVector) -> Vec<u8> {
    frame(Message::Sync(SyncMessage::SyncStep1(sv)))
}

/// A y-websocket-like client: a document, and what it does with server frames.
pub struct Client {
    pub conn: ConnId,
    pub doc: Doc,
}

impl Client {
    pub fn new(conn: u64, client_id: u64) -> Self {
        Client {
            conn: ConnId(conn),
            doc: Doc::with_client_id(client_id),
        }
    }

    pub fn text(&self) -> String {
        let t = self.doc.get_or_insert_text("t");
        t.get_string(&self.doc.transact())
    }

    /// Edits locally and returns the update frame the client would send.
    pub fn insert(&self, index: u32, text: &str) -> Vec<u8> {
        let t = self.doc.get_or_insert_text("t");
        let mut txn = self.doc.transact_mut();
        t.insert(&mut txn, index, text);
        update_frame(txn.encode_update_v1())
    }

    pub fn step1(&self) -> Vec<u8> {
        step1_frame(self.doc.transact().state_vector())
    }

    /// Handles a server frame; returns the client's answer, if any.
    pub fn handle(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        match Message::decode_v1(bytes).expect("server frames decode") {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let update = self.doc.transact().encode_state_as_update_v1(&sv);
                Some(frame(Message::Sync(SyncMessage::SyncStep2(update))))
            }
            Message::Sync(SyncMessage::SyncStep2(update))
            | Message::Sync(SyncMessage::Update(update)) => {
                let update = Update::decode_v1(&update).expect("server updates decode");
                self.doc
                    .transact_mut()
                    .apply_update(update)
                    .expect("server updates apply");
                None
            }
            _ => None,
        }
    }
}

/// Connects `client` and runs the handshake both ways (server step 1 and the client's step 1),
/// delivering what the session broadcasts to `others`.
pub fn join(session: &mut DocumentSession, client: &Client, can_write: bool, others: &[&Client]) {
    for server_frame in session.connect(client.conn, can_write) {
        if let Some(answer) = client.handle(&server_frame) {
            deliver(session, client, &answer, others);
        }
    }
    deliver(session, client, &client.step1(), others);
}

/// Sends `bytes` from `from` and routes the outcome: replies back to `from`, broadcasts to
/// `others`.
pub fn deliver(session: &mut DocumentSession, from: &Client, bytes: &[u8], others: &[&Client]) {
    let outcome = session.receive(from.conn, bytes).expect("frame accepted");
    for reply in outcome.reply {
        assert!(from.handle(&reply).is_none(), "no ping-pong in tests");
    }
    for broadcast in outcome.broadcast {
        for other in others {
            assert!(other.handle(&broadcast).is_none());
        }
    }
}
