//! The ordered list of schema migrations: the platform's own, and every registered module's
//! ([`atelier_platform::Module::migrations`]), sorted by id. Each service defines its
//! collections and indexes next to the code that queries them. Never edit an applied
//! migration: append a new one. Module migrations touch only the module's own collections, so
//! their order relative to other modules' does not matter.

use atelier_outbox::Outbox;
use atelier_store::{Migration, MigrationError, MigrationReport, Store, lease};

/// Every migration, in id order: the platform's and every module's.
pub fn all() -> Vec<Migration> {
    let mut migrations = platform();
    for module in crate::modules::all() {
        migrations.extend(module.migrations());
    }
    migrations.sort_by_key(|migration| migration.id);
    migrations
}

/// The platform's own migrations (outbox, leases, identity, event log, realtime).
fn platform() -> Vec<Migration> {
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

    /// Databases migrated before the module seam recorded these ids in this order; the
    /// modules' migrations keep them.
    #[test]
    fn ids_are_those_already_applied() {
        let ids: Vec<&str> = super::all().iter().map(|migration| migration.id).collect();
        assert_eq!(
            ids,
            [
                "0001_platform",
                "0002_identity",
                "0003_event_log",
                "0004_webhooks",
                "0005_chat",
                "0006_realtime"
            ]
        );
    }
}
