//! Ordered, idempotent schema migrations.
//!
//! A [`Migration`] is data: the collections and indexes it creates. Migrations run in list
//! order; each applied one is recorded in `schema_migrations` with a checksum of its
//! definition. Running the list again skips recorded migrations, so `atelier migrate` and
//! migrate-on-start are safe to repeat and to run from several nodes at once (creating an
//! existing collection or an identical index is a no-op). Editing an applied migration is
//! refused: add a new one instead.
//!
//! **Checksums** are the SHA-256 of a canonical text written out field by field here
//! ([`Migration::canonical_form`]): the id, each collection name, each index's keys (typed
//! values, in key order) and the index options we support (`name`, `unique`, `sparse`,
//! `expire_after`, `partial_filter_expression`). Nothing in it comes from `Debug` output, a
//! hasher or the driver's serialisation, so a new toolchain or driver version never changes a
//! recorded checksum and a node with `migrate_on_start` never refuses to start because a
//! dependency moved. An index option outside that list is refused by [`validate`] until the
//! canonical form learns it (as a new [`CHECKSUM_ALGORITHM`]).
//!
//! **Upgrade from the legacy checksum.** Records written before the canonical digest carry a
//! `DefaultHasher` value and no `checksum_algorithm`; a run re-stamps such a record with the
//! canonical checksum when its id matches (logged), and compares canonically from then on.

use chrono::Utc;
use mongodb::{
    Database, IndexModel,
    bson::{self, Bson, doc},
    options::IndexOptions,
};
use sha2::{Digest, Sha256};

/// The collection recording applied migrations.
pub const MIGRATIONS_COLLECTION: &str = "schema_migrations";

/// Names the checksum in `schema_migrations.checksum_algorithm`. Change it (and re-stamp)
/// only together with the canonical form.
pub const CHECKSUM_ALGORITHM: &str = "sha256-canonical-v1";

/// Index options the canonical form writes out (as the driver serialises their names).
const SUPPORTED_INDEX_OPTIONS: &[&str] = &[
    "name",
    "unique",
    "sparse",
    "expireAfterSeconds",
    "partialFilterExpression",
];

/// One collection and the indexes its queries need.
#[derive(Debug, Clone)]
pub struct CollectionSpec {
    /// Letters, digits and underscores only (portable across MongoDB-compatible servers).
    pub name: &'static str,
    pub indexes: Vec<IndexModel>,
}

/// One step of the schema. Frozen once applied anywhere: its collections come from a function
/// of the owning crate that never changes afterwards (a new index is a new function and a new
/// migration; `atelier-server` pins every applied migration's checksum in a golden list).
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
    /// Records that carried the legacy checksum and were re-stamped with the canonical one.
    pub restamped: Vec<String>,
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
    #[error(
        "migration `{id}` uses {what}, which the canonical checksum does not cover; extend the canonical form first"
    )]
    Unsupported { id: String, what: String },
    #[error(
        "migration `{id}` was recorded with checksum algorithm `{algorithm}`, unknown to this version (written by a newer one?)"
    )]
    UnknownChecksumAlgorithm { id: String, algorithm: String },
    #[error("migration `{id}` failed: {source}")]
    Failed {
        id: String,
        #[source]
        source: mongodb::error::Error,
    },
}

impl Migration {
    /// The canonical text the checksum digests: one line per item, every value typed and
    /// written out explicitly (see the module docs).
    pub fn canonical_form(&self) -> Result<String, MigrationError> {
        let unsupported = |what: String| MigrationError::Unsupported {
            id: self.id.to_owned(),
            what,
        };
        let mut out = String::from(CHECKSUM_ALGORITHM);
        out.push_str("\nmigration ");
        push_string(&mut out, self.id);
        for collection in &self.collections {
            out.push_str("\ncollection ");
            push_string(&mut out, collection.name);
            for index in &collection.indexes {
                out.push_str("\nindex keys ");
                push_document(&mut out, &index.keys).map_err(|what| {
                    unsupported(format!(
                        "{what} in the keys of an index on `{}`",
                        collection.name
                    ))
                })?;
                let default = IndexOptions::default();
                let options = index.options.as_ref().unwrap_or(&default);
                check_supported_options(options).map_err(|what| {
                    unsupported(format!("{what} on an index of `{}`", collection.name))
                })?;
                out.push_str(" name ");
                match &options.name {
                    Some(name) => push_string(&mut out, name),
                    None => out.push('-'),
                }
                out.push_str(if options.unique.unwrap_or(false) {
                    " unique true"
                } else {
                    " unique false"
                });
                out.push_str(if options.sparse.unwrap_or(false) {
                    " sparse true"
                } else {
                    " sparse false"
                });
                out.push_str(" expire_after_seconds ");
                match options.expire_after {
                    Some(after) => out.push_str(&after.as_secs().to_string()),
                    None => out.push('-'),
                }
                out.push_str(" partial_filter ");
                match &options.partial_filter_expression {
                    Some(filter) => push_document(&mut out, filter).map_err(|what| {
                        unsupported(format!(
                            "{what} in a partial filter on `{}`",
                            collection.name
                        ))
                    })?,
                    None => out.push('-'),
                }
            }
        }
        out.push('\n');
        Ok(out)
    }

    /// SHA-256 (lowercase hex) of [`Migration::canonical_form`].
    pub fn checksum(&self) -> Result<String, MigrationError> {
        let canonical = self.canonical_form()?;
        Ok(hex::encode(Sha256::digest(canonical.as_bytes())))
    }
}

/// Refuses options the canonical form would silently leave out. The driver's own
/// serialisation is only used to *detect* a set option, never to build the checksum.
fn check_supported_options(options: &IndexOptions) -> Result<(), String> {
    let set =
        bson::to_document(options).map_err(|error| format!("unreadable options ({error})"))?;
    match set
        .keys()
        .find(|key| !SUPPORTED_INDEX_OPTIONS.contains(&key.as_str()))
    {
        Some(key) => Err(format!("the index option `{key}`")),
        None => Ok(()),
    }
}

/// A JSON-style quoted string: `"` and `\\` escaped, control characters as `\u{..}`.
fn push_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `{"key":value,...}` in the document's own order (index key order is meaningful).
fn push_document(out: &mut String, document: &bson::Document) -> Result<(), String> {
    out.push('{');
    for (position, (key, value)) in document.iter().enumerate() {
        if position > 0 {
            out.push(',');
        }
        push_string(out, key);
        out.push(':');
        push_value(out, value)?;
    }
    out.push('}');
    Ok(())
}

/// Integers print alike whatever their BSON width (`1` and `1_i64` are the same index);
/// doubles print their exact bits.
fn push_value(out: &mut String, value: &Bson) -> Result<(), String> {
    match value {
        Bson::Int32(number) => out.push_str(&number.to_string()),
        Bson::Int64(number) => out.push_str(&number.to_string()),
        Bson::Double(number) => out.push_str(&format!("f64:{:016x}", number.to_bits())),
        Bson::String(text) => push_string(out, text),
        Bson::Boolean(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Bson::Null => out.push_str("null"),
        Bson::Document(document) => push_document(out, document)?,
        Bson::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                push_value(out, item)?;
            }
            out.push(']');
        }
        other => return Err(format!("a BSON {:?} value", other.element_type())),
    }
    Ok(())
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
    for migration in migrations {
        migration.checksum()?;
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
        let checksum = migration.checksum()?;
        if let Some(record) = records
            .find_one(doc! { "_id": migration.id })
            .await
            .map_err(failed)?
        {
            match record.get_str("checksum_algorithm") {
                Ok(CHECKSUM_ALGORITHM) => {
                    if record.get_str("checksum").ok() != Some(checksum.as_str()) {
                        return Err(MigrationError::Changed {
                            id: migration.id.to_owned(),
                        });
                    }
                }
                Ok(other) => {
                    return Err(MigrationError::UnknownChecksumAlgorithm {
                        id: migration.id.to_owned(),
                        algorithm: other.to_owned(),
                    });
                }
                Err(_) => {
                    restamp(&records, migration.id, &record, &checksum)
                        .await
                        .map_err(failed)?;
                    report.restamped.push(migration.id.to_owned());
                }
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
                    "checksum_algorithm": CHECKSUM_ALGORITHM,
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

/// Replaces a legacy (`DefaultHasher` over `Debug` text) checksum by the canonical one. The
/// legacy value cannot be verified (it depended on the toolchain and driver that wrote it), so
/// the migration id vouches for the definition, as it does for every applied migration; the
/// old value is kept in `legacy_checksum`. Conditional, so concurrent nodes re-stamp once.
async fn restamp(
    records: &mongodb::Collection<bson::Document>,
    id: &str,
    record: &bson::Document,
    checksum: &str,
) -> Result<(), mongodb::error::Error> {
    let legacy = record.get_str("checksum").unwrap_or("").to_owned();
    let result = records
        .update_one(
            doc! { "_id": id, "checksum": &legacy },
            doc! { "$set": {
                "checksum": checksum,
                "checksum_algorithm": CHECKSUM_ALGORITHM,
                "legacy_checksum": &legacy,
                "restamped_at": bson::DateTime::from_chrono(Utc::now()),
            }},
        )
        .await?;
    tracing::info!(
        migration = id,
        legacy_checksum = %legacy,
        checksum,
        modified = result.modified_count,
        "migration record re-stamped from the legacy checksum to {CHECKSUM_ALGORITHM}"
    );
    Ok(())
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
        assert_eq!(one.checksum().unwrap(), two.checksum().unwrap());
        two.collections[0].indexes[0] = IndexModel::builder().keys(doc! { "b": 1 }).build();
        assert_ne!(one.checksum().unwrap(), two.checksum().unwrap());
    }

    /// Every supported option, keys of each BSON type an index or filter uses.
    fn fixed_spec() -> Migration {
        Migration {
            id: "0042_golden",
            description: "not part of the checksum",
            collections: vec![
                CollectionSpec {
                    name: "things",
                    indexes: vec![
                        IndexModel::builder()
                            .keys(doc! { "tenant": 1, "order": -1_i64 })
                            .options(
                                IndexOptions::builder()
                                    .name("tenant_order".to_owned())
                                    .unique(true)
                                    .partial_filter_expression(
                                        doc! { "email": { "$type": "string" } },
                                    )
                                    .build(),
                            )
                            .build(),
                        IndexModel::builder()
                            .keys(doc! { "expires_at": 1 })
                            .options(
                                IndexOptions::builder()
                                    .name("expires_at_ttl".to_owned())
                                    .expire_after(std::time::Duration::from_secs(3600))
                                    .sparse(true)
                                    .build(),
                            )
                            .build(),
                        IndexModel::builder().keys(doc! { "body": "text" }).build(),
                    ],
                },
                CollectionSpec {
                    name: "empty",
                    indexes: Vec::new(),
                },
            ],
        }
    }

    /// The canonical form is frozen: a toolchain or driver upgrade that changed it would make
    /// every node refuse its recorded migrations. If this fails, the canonical form changed:
    /// introduce a new [`CHECKSUM_ALGORITHM`] with a re-stamp instead.
    #[test]
    fn golden_canonical_form_and_checksum() {
        let spec = fixed_spec();
        assert_eq!(
            spec.canonical_form().unwrap(),
            concat!(
                "sha256-canonical-v1\n",
                "migration \"0042_golden\"\n",
                "collection \"things\"\n",
                "index keys {\"tenant\":1,\"order\":-1} name \"tenant_order\" unique true sparse false expire_after_seconds - partial_filter {\"email\":{\"$type\":\"string\"}}\n",
                "index keys {\"expires_at\":1} name \"expires_at_ttl\" unique false sparse true expire_after_seconds 3600 partial_filter -\n",
                "index keys {\"body\":\"text\"} name - unique false sparse false expire_after_seconds - partial_filter -\n",
                "collection \"empty\"\n",
            )
        );
        assert_eq!(spec.checksum().unwrap(), GOLDEN_CHECKSUM);
    }

    const GOLDEN_CHECKSUM: &str =
        "c90f51c9b999b498b1d0dabe75bfb54f8662495409df32c189cf2e4ced57ae1f";

    #[test]
    fn equivalent_definitions_share_a_checksum() {
        let narrow = Migration {
            collections: vec![CollectionSpec {
                name: "a",
                indexes: vec![
                    IndexModel::builder()
                        .keys(doc! { "a": 1_i32 })
                        .options(IndexOptions::builder().unique(false).build())
                        .build(),
                ],
            }],
            ..migration("0001_a", "a")
        };
        let wide = Migration {
            collections: vec![CollectionSpec {
                name: "a",
                indexes: vec![IndexModel::builder().keys(doc! { "a": 1_i64 }).build()],
            }],
            ..migration("0001_a", "a")
        };
        assert_eq!(narrow.checksum().unwrap(), wide.checksum().unwrap());
        // Key order is part of an index.
        let swapped = Migration {
            collections: vec![CollectionSpec {
                name: "a",
                indexes: vec![IndexModel::builder().keys(doc! { "b": 1, "a": 1 }).build()],
            }],
            ..migration("0001_a", "a")
        };
        let ordered = Migration {
            collections: vec![CollectionSpec {
                name: "a",
                indexes: vec![IndexModel::builder().keys(doc! { "a": 1, "b": 1 }).build()],
            }],
            ..migration("0001_a", "a")
        };
        assert_ne!(swapped.checksum().unwrap(), ordered.checksum().unwrap());
    }

    #[test]
    fn options_outside_the_canonical_form_are_refused() {
        let mut list = vec![migration("0001_a", "a")];
        list[0].collections[0].indexes[0] = IndexModel::builder()
            .keys(doc! { "a": 1 })
            .options(IndexOptions::builder().hidden(true).build())
            .build();
        let error = validate(&list).unwrap_err();
        assert!(
            matches!(&error, MigrationError::Unsupported { what, .. } if what.contains("hidden")),
            "{error}"
        );
        list[0].collections[0].indexes[0] = IndexModel::builder()
            .keys(doc! { "a": bson::oid::ObjectId::new() })
            .build();
        assert!(matches!(
            validate(&list),
            Err(MigrationError::Unsupported { .. })
        ));
    }
}
