//! Ordered, idempotent schema migrations.
//!
//! A [`Migration`] is data: the collections and indexes it creates. Migrations run in list
//! order; each applied one is recorded in `schema_migrations` with a checksum of its
//! definition. Running the list again skips recorded migrations, so `atelier migrate` and
//! migrate-on-start are safe to repeat and to run from several nodes at once (creating an
//! existing collection or an identical index is a no-op). Editing an applied migration is
//! refused: add a new one instead.

use std::{
    collections::hash_map::DefaultHasher,
    hash::{Hash, Hasher},
};

use chrono::Utc;
use mongodb::{
    Database, IndexModel,
    bson::{self, doc},
};

/// The collection recording applied migrations.
pub const MIGRATIONS_COLLECTION: &str = "schema_migrations";

/// One collection and the indexes its queries need.
#[derive(Debug, Clone)]
pub struct CollectionSpec {
    /// Letters, digits and underscores only (portable across MongoDB-compatible servers).
    pub name: &'static str,
    pub indexes: Vec<IndexModel>,
}

/// One step of the schema.
#[derive(Debug, Clone)]
pub struct Migration {
    /// Sortable and unique, e.g. `0001_outbox`.
    pub id: &'static str,
    pub description: &'static str,
    pub collections: Vec<CollectionSpec>,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    pub applied: Vec<String>,
    pub already_applied: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("migration ids must be strictly increasing: `{previous}` then `{next}`")]
    OutOfOrder { previous: String, next: String },
    #[error("collection name `{0}` must use only letters, digits and underscores")]
    BadCollectionName(String),
    #[error(
        "migration `{id}` was applied with a different definition; add a new migration instead of editing it"
    )]
    Changed { id: String },
    #[error("migration `{id}` failed: {source}")]
    Failed {
        id: String,
        #[source]
        source: mongodb::error::Error,
    },
}

impl Migration {
    /// A stable digest of the definition (collection names, index keys and options).
    pub fn checksum(&self) -> String {
        let mut hasher = DefaultHasher::new();
        self.id.hash(&mut hasher);
        for collection in &self.collections {
            collection.name.hash(&mut hasher);
            for index in &collection.indexes {
                // Documents print deterministically in insertion order.
                index.keys.to_string().hash(&mut hasher);
                format!("{:?}", index.options).hash(&mut hasher);
            }
        }
        format!("{:016x}", hasher.finish())
    }
}

/// Checks ids and names without touching the database.
pub fn validate(migrations: &[Migration]) -> Result<(), MigrationError> {
    for pair in migrations.windows(2) {
        if pair[0].id >= pair[1].id {
            return Err(MigrationError::OutOfOrder {
                previous: pair[0].id.to_owned(),
                next: pair[1].id.to_owned(),
            });
        }
    }
    for collection in migrations.iter().flat_map(|m| &m.collections) {
        let valid = !collection.name.is_empty()
            && collection
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(MigrationError::BadCollectionName(
                collection.name.to_owned(),
            ));
        }
    }
    Ok(())
}

/// Applies every migration not yet recorded, in order.
pub async fn run(
    database: &Database,
    migrations: &[Migration],
) -> Result<MigrationReport, MigrationError> {
    validate(migrations)?;
    let records = database.collection::<bson::Document>(MIGRATIONS_COLLECTION);
    let mut report = MigrationReport::default();
    for migration in migrations {
        let failed = |source| MigrationError::Failed {
            id: migration.id.to_owned(),
            source,
        };
        let checksum = migration.checksum();
        if let Some(record) = records
            .find_one(doc! { "_id": migration.id })
            .await
            .map_err(failed)?
        {
            if record.get_str("checksum").ok() != Some(checksum.as_str()) {
                return Err(MigrationError::Changed {
                    id: migration.id.to_owned(),
                });
            }
            report.already_applied.push(migration.id.to_owned());
            continue;
        }
        apply(database, migration).await.map_err(failed)?;
        let now = bson::DateTime::from_chrono(Utc::now());
        records
            .update_one(
                doc! { "_id": migration.id },
                doc! { "$setOnInsert": {
                    "description": migration.description,
                    "checksum": &checksum,
                    "applied_at": now,
                }},
            )
            .upsert(true)
            .await
            .map_err(failed)?;
        tracing::info!(migration = migration.id, "migration applied");
        report.applied.push(migration.id.to_owned());
    }
    Ok(report)
}

async fn apply(database: &Database, migration: &Migration) -> Result<(), mongodb::error::Error> {
    let existing = database.list_collection_names().await?;
    for collection in &migration.collections {
        if !existing.iter().any(|name| name == collection.name) {
            match database.create_collection(collection.name).await {
                Ok(()) => {}
                // Another node created it between our listing and now.
                Err(error) if is_namespace_exists(&error) => {}
                Err(error) => return Err(error),
            }
        }
        if !collection.indexes.is_empty() {
            database
                .collection::<bson::Document>(collection.name)
                .create_indexes(collection.indexes.clone())
                .await?;
        }
    }
    Ok(())
}

fn is_namespace_exists(error: &mongodb::error::Error) -> bool {
    matches!(error.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == 48)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(id: &'static str, collection: &'static str) -> Migration {
        Migration {
            id,
            description: "test",
            collections: vec![CollectionSpec {
                name: collection,
                indexes: vec![IndexModel::builder().keys(doc! { "a": 1 }).build()],
            }],
        }
    }

    #[test]
    fn validation_table() {
        let cases: Vec<(Vec<Migration>, bool)> = vec![
            (
                vec![migration("0001_a", "a"), migration("0002_b", "b")],
                true,
            ),
            (
                vec![migration("0002_a", "a"), migration("0001_b", "b")],
                false,
            ),
            (
                vec![migration("0001_a", "a"), migration("0001_a", "b")],
                false,
            ),
            (vec![migration("0001_a", "with.dot")], false),
            (vec![migration("0001_a", "with-hyphen")], false),
            (vec![migration("0001_a", "")], false),
        ];
        for (list, ok) in cases {
            let ids: Vec<_> = list.iter().map(|m| m.id).collect();
            assert_eq!(validate(&list).is_ok(), ok, "{ids:?}");
        }
    }

    #[test]
    fn checksum_changes_with_definition() {
        let one = migration("0001_a", "a");
        let mut two = one.clone();
        assert_eq!(one.checksum(), two.checksum());
        two.collections[0].indexes[0] = IndexModel::builder().keys(doc! { "b": 1 }).build();
        assert_ne!(one.checksum(), two.checksum());
    }
}
