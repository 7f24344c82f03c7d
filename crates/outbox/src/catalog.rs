//! The event catalog: every event type the platform emits, with the JSON Schema of its `data`.
//!
//! The catalog is the contract integrators code against (the event log and webhooks deliver
//! these types). Each crate that emits events owns their entries (`atelier_identity::events`,
//! `atelier_chat::events`, ...): one [`EventType`] per `(type, data_version)`, whose schema is
//! JSON Schema draft 2020-12 describing `data` only (the envelope around it is fixed, see
//! [`atelier_core::EventEnvelope`]). The server assembles the deployment's [`Catalog`] from the
//! platform's entries and those of every registered module; this crate only defines the shape
//! and the [`schema`] helpers, and knows no product.
//!
//! The schemas are also committed as files, `openapi/events/<type>.v<version>.json`, rendered by
//! [`Catalog::schema_files`] and written by `atelier events-schemas --out openapi/events`; a
//! server test fails when the files and the catalog differ, and the integration tests check that
//! every emitted event is catalogued and that its `data` validates.

use std::sync::Arc;

use serde_json::Value;

/// The JSON Schema dialect of every `data` schema.
pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// One event type at one `data_version`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventType {
    /// Dotted type, also the RabbitMQ routing key, e.g. `identity.user.created`.
    pub event_type: &'static str,
    /// Version of the `data` layout described by `schema`.
    pub data_version: u32,
    /// One line: what happened.
    pub description: &'static str,
    /// JSON Schema (draft 2020-12) of the event's `data`.
    pub schema: Value,
}

impl EventType {
    /// The committed schema file's name: `<type>.v<version>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.v{}.json", self.event_type, self.data_version)
    }
}

/// A catalog entry that cannot be accepted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogError {
    #[error("event type {0:?} is not a valid dotted type: {1}")]
    InvalidType(&'static str, String),
    #[error("{0} v{1} is catalogued twice")]
    Duplicate(&'static str, u32),
    #[error("{0} v{1}: the description must be one non-empty line")]
    Description(&'static str, u32),
    #[error("{0} v{1}: the schema must declare \"$schema\": \"{SCHEMA_DIALECT}\"")]
    Dialect(&'static str, u32),
}

/// The deployment's event types, sorted by type then version. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Catalog {
    entries: Arc<[EventType]>,
}

impl Catalog {
    /// Checks and sorts the entries: valid dotted types, one entry per `(type, version)`, a
    /// one-line description and the catalog's schema dialect.
    pub fn new(entries: impl IntoIterator<Item = EventType>) -> Result<Catalog, CatalogError> {
        let mut entries: Vec<EventType> = entries.into_iter().collect();
        entries.sort_by(|a, b| (a.event_type, a.data_version).cmp(&(b.event_type, b.data_version)));
        for (index, entry) in entries.iter().enumerate() {
            atelier_core::event::validate_event_type(entry.event_type)
                .map_err(|error| CatalogError::InvalidType(entry.event_type, error.to_string()))?;
            if index > 0 {
                let previous = &entries[index - 1];
                if (previous.event_type, previous.data_version)
                    == (entry.event_type, entry.data_version)
                {
                    return Err(CatalogError::Duplicate(
                        entry.event_type,
                        entry.data_version,
                    ));
                }
            }
            if entry.description.is_empty() || entry.description.contains('\n') {
                return Err(CatalogError::Description(
                    entry.event_type,
                    entry.data_version,
                ));
            }
            if entry.schema["$schema"] != SCHEMA_DIALECT {
                return Err(CatalogError::Dialect(entry.event_type, entry.data_version));
            }
        }
        Ok(Catalog {
            entries: entries.into(),
        })
    }

    /// Every entry, sorted by type then version.
    pub fn entries(&self) -> &[EventType] {
        &self.entries
    }

    /// The entry of `event_type` at `data_version`.
    pub fn find(&self, event_type: &str, data_version: u32) -> Option<&EventType> {
        self.entries
            .iter()
            .find(|entry| entry.event_type == event_type && entry.data_version == data_version)
    }

    /// Whether any version of `event_type` is catalogued.
    pub fn is_known_type(&self, event_type: &str) -> bool {
        self.entries
            .iter()
            .any(|entry| entry.event_type == event_type)
    }

    /// The committed schema files: `(file name, contents)`, pretty JSON with a final newline.
    pub fn schema_files(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .map(|entry| {
                let mut text = serde_json::to_string_pretty(&entry.schema)
                    .expect("a serde_json::Value always serializes");
                text.push('\n');
                (entry.file_name(), text)
            })
            .collect()
    }
}

/// Building blocks for `data` schemas, shared by every crate that emits events.
pub mod schema {
    use serde_json::{Value, json};

    use super::SCHEMA_DIALECT;

    /// An object schema with the catalog's `$schema`, `$id` and `title`.
    ///
    /// Deliberately open (no `additionalProperties: false`): within one `data_version` fields
    /// are only ever added, so a consumer validating with today's schema must keep accepting
    /// tomorrow's events. Incompatible changes get a new `data_version` and a new entry. (Our
    /// own tests are stricter: every field an emitted event carries must be declared.)
    pub fn object_schema(
        event_type: &str,
        data_version: u32,
        description: &str,
        properties: Value,
        required: &[&str],
    ) -> Value {
        json!({
            "$schema": SCHEMA_DIALECT,
            "$id": format!("urn:atelier:event:{event_type}:v{data_version}"),
            "title": format!("{event_type} v{data_version} data"),
            "description": description,
            "type": "object",
            "properties": properties,
            "required": required,
        })
    }

    /// `<prefix>_<ULID>`: a typed Atelier id (Crockford base32, upper case).
    pub fn prefixed_id(prefix: &str, description: &str) -> Value {
        json!({
            "description": description,
            "type": "string",
            "pattern": format!("^{prefix}_[0-9A-HJKMNP-TV-Z]{{26}}$"),
        })
    }

    /// A trimmed display name, 1 to 200 characters (as the identity crate enforces).
    pub fn name(description: &str) -> Value {
        json!({
            "description": description,
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
        })
    }
}

/// Test helpers for the crates that own catalog entries (behind `cfg(test)` there; plain
/// functions here so each owner can call them).
pub mod check {
    use super::{Catalog, EventType};

    /// Panics unless `entries` form a valid catalog whose schemas are valid 2020-12 schemas.
    /// Needs the caller to validate the meta-schema itself (this crate does not ship a
    /// validator): pass `meta_valid`, e.g. `|schema| jsonschema::draft202012::meta::is_valid(schema)`.
    pub fn entries_are_valid(
        entries: Vec<EventType>,
        meta_valid: impl Fn(&serde_json::Value) -> bool,
    ) {
        let catalog = Catalog::new(entries).unwrap_or_else(|error| panic!("{error}"));
        for entry in catalog.entries() {
            assert!(
                meta_valid(&entry.schema),
                "{} v{}: not a valid 2020-12 schema",
                entry.event_type,
                entry.data_version
            );
        }
    }

    /// Panics unless each `(type, data, valid)` case's `data` is accepted by version 1 of its
    /// type's schema exactly when `valid` says so. `is_valid(schema, data)` is the caller's
    /// validator (e.g. `jsonschema::draft202012`).
    pub fn schema_cases<'a>(
        entries: Vec<EventType>,
        cases: impl IntoIterator<Item = (&'a str, serde_json::Value, bool)>,
        is_valid: impl Fn(&serde_json::Value, &serde_json::Value) -> bool,
    ) {
        let catalog = Catalog::new(entries).unwrap_or_else(|error| panic!("{error}"));
        for (event_type, data, valid) in cases {
            let entry = catalog
                .find(event_type, 1)
                .unwrap_or_else(|| panic!("{event_type} v1 is not catalogued"));
            assert_eq!(
                is_valid(&entry.schema, &data),
                valid,
                "{event_type}: {data}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn entry(event_type: &'static str, version: u32) -> EventType {
        EventType {
            event_type,
            data_version: version,
            description: "Something happened.",
            schema: schema::object_schema(
                event_type,
                version,
                "Something happened.",
                json!({}),
                &[],
            ),
        }
    }

    #[test]
    fn catalog_sorts_and_refuses_bad_entries() {
        let catalog = Catalog::new([
            entry("b.thing.done", 1),
            entry("a.thing.done", 2),
            entry("a.thing.done", 1),
        ])
        .unwrap();
        let order: Vec<_> = catalog
            .entries()
            .iter()
            .map(|entry| (entry.event_type, entry.data_version))
            .collect();
        assert_eq!(
            order,
            [
                ("a.thing.done", 1),
                ("a.thing.done", 2),
                ("b.thing.done", 1)
            ]
        );
        assert!(catalog.is_known_type("a.thing.done"));
        assert!(!catalog.is_known_type("a.thing"));
        assert!(catalog.find("a.thing.done", 3).is_none());

        assert_eq!(
            Catalog::new([entry("a.thing.done", 1), entry("a.thing.done", 1)]).unwrap_err(),
            CatalogError::Duplicate("a.thing.done", 1)
        );
        assert!(matches!(
            Catalog::new([entry("Not A Type", 1)]).unwrap_err(),
            CatalogError::InvalidType(..)
        ));
        let mut two_lines = entry("a.thing.done", 1);
        two_lines.description = "one\ntwo";
        assert_eq!(
            Catalog::new([two_lines]).unwrap_err(),
            CatalogError::Description("a.thing.done", 1)
        );
        let mut no_dialect = entry("a.thing.done", 1);
        no_dialect.schema = json!({ "type": "object" });
        assert_eq!(
            Catalog::new([no_dialect]).unwrap_err(),
            CatalogError::Dialect("a.thing.done", 1)
        );
    }

    #[test]
    fn schema_files_are_pretty_json_named_by_type_and_version() {
        let catalog = Catalog::new([entry("a.thing.done", 2)]).unwrap();
        let files = catalog.schema_files();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, "a.thing.done.v2.json");
        assert!(files[0].1.ends_with("}\n"));
        let parsed: serde_json::Value = serde_json::from_str(&files[0].1).unwrap();
        assert_eq!(parsed["$id"], "urn:atelier:event:a.thing.done:v2");
    }
}
