//! The ordered list of schema migrations. Each service defines its collections and indexes
//! next to the code that queries them; this list only orders them. Never edit an applied
//! migration: append a new one.

use atelier_outbox::Outbox;
use atelier_store::{Migration, MigrationError, MigrationReport, Store, lease};

/// Every migration, oldest first.
pub fn all() -> Vec<Migration> {
    let mut platform = Outbox::collection_specs();
    platform.push(lease::collection_spec());
    vec![
        Migration {
            id: "0001_platform",
            description: "outbox, counters and leases",
            collections: platform,
        },
        Migration {
            id: "0002_identity",
            description: "tenants, workspaces, users, memberships, grants, API keys, tokens, audit, idempotency, usage",
            collections: atelier_identity::collection_specs(),
        },
        Migration {
            id: "0003_event_log",
            description: "outbox (status, occurred_at) index for the event log's retention purge",
            collections: Outbox::retention_collection_specs(),
        },
        Migration {
            id: "0004_webhooks",
            description: "webhook endpoints and delivery records",
            collections: atelier_webhooks::collection_specs(),
        },
        Migration {
            id: "0005_chat",
            description: "chat channels, members, messages, reactions, thread read state, scheduled messages",
            collections: atelier_chat::collection_specs(),
        },
        Migration {
            id: "0006_realtime",
            description: "outbox (tenant, aggregate) index for realtime resume; presence rows",
            collections: {
                let mut specs = Outbox::aggregate_collection_specs();
                specs.extend(atelier_realtime::PresenceStore::collection_specs());
                specs
            },
        },
    ]
}

/// Applies every pending migration.
pub async fn run(store: &Store) -> Result<MigrationReport, MigrationError> {
    atelier_store::migrate::run(store.database(), &all()).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn migration_list_is_valid() {
        atelier_store::migrate::validate(&super::all()).unwrap();
    }
}
