//! The identity event types that end access (`identity.login.revoked`, `identity.user.deleted`,
//! `identity.grant.revoked`): every node's realtime hub binds to them and drops or closes what
//! they make unreadable. Kept apart from the other identity types so they can move to the
//! identity crate with them.

use serde_json::json;

use super::{EventType, object_schema, prefixed_id};

pub(super) fn types() -> Vec<EventType> {
    vec![login_revoked(), user_deleted(), grant_revoked()]
}

fn login_revoked() -> EventType {
    let description = "A login (refresh-token family) was revoked: its tokens are refused and its realtime sockets closed.";
    EventType {
        event_type: "identity.login.revoked",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.login.revoked",
            1,
            description,
            json!({
                "user_id": prefixed_id("usr", "The user whose login it was."),
                "login_id": prefixed_id("rtf", "The login (the `sid` claim of its access tokens)."),
                "reason": {
                    "description": "`refresh_token_reused` (a used refresh token was presented again) or `revoked` (signed out, or the user deleted).",
                    "type": "string",
                    "enum": ["refresh_token_reused", "revoked"],
                },
            }),
            &["user_id", "login_id", "reason"],
        ),
    }
}

fn user_deleted() -> EventType {
    let description = "A user was deleted: their memberships are removed, their logins revoked, and they can no longer authenticate.";
    EventType {
        event_type: "identity.user.deleted",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.user.deleted",
            1,
            description,
            json!({ "user_id": prefixed_id("usr", "The deleted user.") }),
            &["user_id"],
        ),
    }
}

fn grant_revoked() -> EventType {
    let description = "A resource grant was revoked (from a user or a whole workspace).";
    EventType {
        event_type: "identity.grant.revoked",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.grant.revoked",
            1,
            description,
            json!({
                "resource_type": {
                    "description": "The kind of resource, e.g. `doc`.",
                    "type": "string",
                    "minLength": 1,
                },
                "resource_id": {
                    "description": "The resource's id.",
                    "type": "string",
                    "minLength": 1,
                },
                "user_id": prefixed_id("usr", "The user the grant was to (absent for a workspace grant)."),
                "workspace_id": prefixed_id("wsp", "The workspace the grant was to (absent for a user grant)."),
            }),
            &["resource_type", "resource_id"],
        ),
    }
}
