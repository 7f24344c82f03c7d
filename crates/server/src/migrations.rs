//! The ordered list of schema migrations: the platform's own, and every registered module's
//! ([`atelier_platform::Module::migrations`]), sorted by id. Each service defines its
//! collections and indexes next to the code that queries them. Never edit an applied
//! migration: append a new one. A new index or collection for a service is a new function of
//! that service (like `Outbox::retention_collection_specs`) and a new migration; the functions
//! behind applied migrations never change. Module migrations touch only the module's own
//! collections, so their order relative to other modules' does not matter. The checksum of
//! every migration is pinned in [`GOLDEN_CHECKSUMS`], so an edit (or a dependency that changed
//! what a spec contains) fails the tests instead of a node's start.

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

/// The checksum (`sha256-canonical-v1`) every migration is recorded with. Append a line with
/// each new migration; never change a line.
pub const GOLDEN_CHECKSUMS: &[(&str, &str)] = &[
    (
        "0001_platform",
        "c8ce5dc03de388c23f7dcfad8006500ec426a6b4e87eae8ca25e66bf30f613ed",
    ),
    (
        "0002_identity",
        "c3c882c19e1b22309ae4cf97092be229579c7837f697fd8c4759cbc87ad9af95",
    ),
    (
        "0003_event_log",
        "7ed1eab5ab0d3ddc3a003abcb8d7000bbcaf2b0cc67e131c0c35926535fc6045",
    ),
    (
        "0004_webhooks",
        "860d520bcdbe028da0df2803f1a461ed5a838ec04c4552dbaa089daab8210bcd",
    ),
    (
        "0005_chat",
        "97ada065b10f7ee1373a8a9ffd4dfb1fae830c0176f15e9df6ac978b0a6e4011",
    ),
    (
        "0006_realtime",
        "9e663b192e1eb1f0f9aff03569fb977d053baee0a11266f2b94351d10628f123",
    ),
    (
        "0007_webhook_exhaustions",
        "4bb8b4ba0abcda887e11298e134984ae99831a15edd7731e44aea3de0546ee37",
    ),
    (
        "0008_canvas",
        "bdb6ef70c3e129306a054a078ec8230e48ca81367d35d759b8d357838134a52a",
    ),
    (
        "0009_feeds",
        "cc54bf78f72d5d3c8a96c555e1a35279843ce3632208c3a4e4bdb99f0e720fc7",
    ),
];

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
                "0006_realtime",
                "0007_webhook_exhaustions",
                "0008_canvas",
                "0009_feeds"
            ]
        );
    }

    #[test]
    fn every_migration_matches_its_golden_checksum() {
        let actual: Vec<(&str, String)> = super::all()
            .iter()
            .map(|migration| (migration.id, migration.checksum().unwrap()))
            .collect();
        for (position, (id, checksum)) in actual.iter().enumerate() {
            match super::GOLDEN_CHECKSUMS.get(position) {
                Some((golden_id, golden)) => assert!(
                    golden_id == id && golden == checksum,
                    "migration `{id}` no longer matches its golden checksum: applied migrations \
                     are frozen. Put the new index or collection in a new migration (and a new \
                     spec function of its service) instead of editing `{id}`"
                ),
                None => panic!(
                    "migration `{id}` has no golden checksum: append (\"{id}\", \"{checksum}\") \
                     to GOLDEN_CHECKSUMS"
                ),
            }
        }
        assert_eq!(
            super::GOLDEN_CHECKSUMS.len(),
            actual.len(),
            "GOLDEN_CHECKSUMS lists a migration that is gone: applied migrations are never removed"
        );
    }
}
