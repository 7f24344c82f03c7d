//! The realtime gateway's core (no HTTP): frames, sessions, subscriptions, presence, typing and
//! the node's fan-out hub. The WebSocket endpoint itself lives in `atelier-api`.
