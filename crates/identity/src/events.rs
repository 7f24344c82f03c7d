//! The identity event types (`identity.*`) and the JSON Schemas of their `data`: the catalog
//! entries this crate owns (see `atelier_outbox::catalog`).

use atelier_outbox::catalog::{
    EventType,
    schema::{name, object_schema, prefixed_id},
};
use serde_json::json;

/// Every identity event type, at every `data_version` still emitted.
pub fn types() -> Vec<EventType> {
    vec![
        workspace_created(),
        user_created(),
        member_updated(),
        member_removed(),
        login_revoked(),
        user_deleted(),
        grant_revoked(),
        api_key_revoked(),
    ]
}

fn workspace_created() -> EventType {
    let description = "A workspace was created, optionally with its first owner.";
    EventType {
        event_type: "identity.workspace.created",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.workspace.created",
            1,
            description,
            json!({
                "workspace_id": prefixed_id("wsp", "The new workspace."),
                "name": name("The workspace's name."),
                "owner": {
                    "description": "The user made owner at creation, or null.",
                    "oneOf": [prefixed_id("usr", "The first owner."), { "type": "null" }],
                },
            }),
            &["workspace_id", "name", "owner"],
        ),
    }
}

fn user_created() -> EventType {
    let description = "A user of the organisation was created.";
    EventType {
        event_type: "identity.user.created",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.user.created",
            1,
            description,
            json!({
                "user_id": prefixed_id("usr", "The new user."),
                "display_name": name("The user's display name."),
                "external_id": {
                    "description": "The tenant's own id for this user, or null.",
                    "type": ["string", "null"],
                    "minLength": 1,
                    "maxLength": 200,
                },
            }),
            &["user_id", "display_name", "external_id"],
        ),
    }
}

fn member_updated() -> EventType {
    let description = "A user was added to a workspace or their role in it changed.";
    EventType {
        event_type: "identity.member.updated",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.member.updated",
            1,
            description,
            json!({
                "workspace_id": prefixed_id("wsp", "The workspace."),
                "user_id": prefixed_id("usr", "The member."),
                "role": {
                    "description": "The member's role from now on.",
                    "type": "string",
                    "enum": ["owner", "admin", "member", "guest"],
                },
            }),
            &["workspace_id", "user_id", "role"],
        ),
    }
}

fn member_removed() -> EventType {
    let description = "A user was removed from a workspace.";
    EventType {
        event_type: "identity.member.removed",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.member.removed",
            1,
            description,
            json!({
                "workspace_id": prefixed_id("wsp", "The workspace."),
                "user_id": prefixed_id("usr", "The removed member."),
            }),
            &["workspace_id", "user_id"],
        ),
    }
}

// The types that end access: every node's realtime hub binds to them and drops or closes
// what they make unreadable.

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

fn api_key_revoked() -> EventType {
    let description =
        "An API key was revoked: every node refuses it from the moment this event reaches it.";
    EventType {
        event_type: "identity.api_key.revoked",
        data_version: 1,
        description,
        schema: object_schema(
            "identity.api_key.revoked",
            1,
            description,
            json!({
                "key_id": prefixed_id("key", "The revoked key."),
                "name": name("The key's name."),
            }),
            &["key_id", "name"],
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

#[cfg(test)]
mod tests {
    use atelier_outbox::catalog::check;
    use serde_json::json;

    use super::types;

    #[test]
    fn entries_are_valid() {
        check::entries_are_valid(types(), |schema| {
            jsonschema::draft202012::meta::validate(schema).is_ok()
        });
    }

    /// What each schema accepts and refuses: `(type, data, valid)`.
    #[test]
    fn schemas_accept_what_tenancy_emits_and_refuse_the_rest() {
        let workspace = "wsp_01J9ZQ2V3M4N5P6Q7R8S9T0VWX";
        let user = "usr_01J9ZQ2V3M4N5P6Q7R8S9T0VWY";
        let cases = [
            (
                "identity.workspace.created",
                json!({ "workspace_id": workspace, "name": "Design", "owner": user }),
                true,
            ),
            (
                "identity.workspace.created",
                json!({ "workspace_id": workspace, "name": "Design", "owner": null }),
                true,
            ),
            (
                "identity.workspace.created",
                json!({ "workspace_id": user, "name": "Design", "owner": null }),
                false,
            ),
            (
                "identity.workspace.created",
                json!({ "workspace_id": workspace, "name": "Design" }),
                false,
            ),
            (
                "identity.user.created",
                json!({ "user_id": user, "display_name": "Ada", "external_id": null }),
                true,
            ),
            (
                "identity.user.created",
                json!({ "user_id": user, "display_name": "Ada", "external_id": "42" }),
                true,
            ),
            (
                "identity.user.created",
                json!({ "user_id": user, "display_name": "", "external_id": null }),
                false,
            ),
            (
                "identity.member.updated",
                json!({ "workspace_id": workspace, "user_id": user, "role": "guest" }),
                true,
            ),
            (
                "identity.member.updated",
                json!({ "workspace_id": workspace, "user_id": user, "role": "boss" }),
                false,
            ),
            (
                "identity.member.removed",
                json!({ "workspace_id": workspace, "user_id": user }),
                true,
            ),
            (
                "identity.member.removed",
                json!({ "workspace_id": workspace }),
                false,
            ),
        ];
        check::schema_cases(types(), cases, |schema, data| {
            jsonschema::draft202012::new(schema).unwrap().is_valid(data)
        });
    }
}
