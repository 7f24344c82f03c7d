//! Migrations are ordered, recorded and idempotent; the committed spec matches the code.

use atelier_server::migrations;
use atelier_store::{CollectionSpec, Migration, MigrationError, Store, migrate};
use atelier_tests::{mongodb_uri, unique};
use futures_util::TryStreamExt;
use mongodb::{IndexModel, bson::doc};

async fn fresh_store() -> Store {
    Store::connect(&atelier_store::MongoConfig {
        uri: mongodb_uri(),
        database: format!("t_{}", unique()),
        serialize_transactions: atelier_tests::serialize_transactions(),
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn migrations_apply_once_and_create_indexes() {
    let store = fresh_store().await;
    let first = migrations::run(&store).await.unwrap();
    assert_eq!(
        first.applied,
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
    let second = migrations::run(&store).await.unwrap();
    assert!(second.applied.is_empty());
    assert_eq!(
        second.already_applied,
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

    // Compared by keys: some development servers rename indexes (see README).
    let keys: Vec<Vec<String>> = store
        .database()
        .collection::<mongodb::bson::Document>("outbox_events")
        .list_indexes()
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(|index| index.keys.keys().cloned().collect())
        .collect();
    assert!(
        keys.contains(&vec!["status".to_owned(), "order".to_owned()]),
        "{keys:?}"
    );
    assert!(
        keys.contains(&vec![
            "tenant".to_owned(),
            "log_batch".to_owned(),
            "order".to_owned()
        ]),
        "{keys:?}"
    );
    assert!(
        keys.contains(&vec!["status".to_owned(), "occurred_at".to_owned()]),
        "{keys:?}"
    );
    // Realtime resume reads an aggregate's events by id.
    assert!(
        keys.contains(&vec![
            "tenant".to_owned(),
            "aggregate_type".to_owned(),
            "aggregate_id".to_owned(),
            "order".to_owned()
        ]),
        "{keys:?}"
    );
    store.drop_database().await.unwrap();
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let store = fresh_store().await;
    let original = Migration {
        id: "0001_test",
        description: "test",
        collections: vec![CollectionSpec {
            name: "things",
            indexes: vec![IndexModel::builder().keys(doc! { "a": 1 }).build()],
        }],
    };
    migrate::run(store.database(), std::slice::from_ref(&original))
        .await
        .unwrap();
    let mut edited = original.clone();
    edited.collections[0].indexes = vec![IndexModel::builder().keys(doc! { "b": 1 }).build()];
    let error = migrate::run(store.database(), &[edited]).await.unwrap_err();
    assert!(matches!(error, MigrationError::Changed { .. }), "{error}");
    store.drop_database().await.unwrap();
}

/// A database migrated by a version that recorded `DefaultHasher` checksums (toolchain- and
/// driver-dependent) starts: the records are re-stamped with the canonical checksum, once.
#[tokio::test]
async fn legacy_checksums_are_restamped_once() {
    let store = fresh_store().await;
    migrations::run(&store).await.unwrap();
    let records = store
        .database()
        .collection::<mongodb::bson::Document>(migrate::MIGRATIONS_COLLECTION);
    // What the previous version wrote: a 16-hex-digit checksum and no algorithm.
    let ids: Vec<&str> = migrations::all().iter().map(|m| m.id).collect();
    for id in &ids {
        records
            .replace_one(
                doc! { "_id": id },
                doc! { "description": "old", "checksum": "00c0ffee00c0ffee", "applied_at": mongodb::bson::DateTime::now() },
            )
            .await
            .unwrap();
    }
    let report = migrations::run(&store).await.unwrap();
    assert!(report.applied.is_empty());
    assert_eq!(report.restamped, ids);
    for (id, golden) in migrations::GOLDEN_CHECKSUMS {
        let record = records.find_one(doc! { "_id": id }).await.unwrap().unwrap();
        assert_eq!(record.get_str("checksum").unwrap(), *golden);
        assert_eq!(
            record.get_str("checksum_algorithm").unwrap(),
            migrate::CHECKSUM_ALGORITHM
        );
        assert_eq!(
            record.get_str("legacy_checksum").unwrap(),
            "00c0ffee00c0ffee"
        );
    }
    let again = migrations::run(&store).await.unwrap();
    assert!(again.restamped.is_empty(), "{again:?}");
    assert_eq!(again.already_applied, ids);

    // A record from a future algorithm is not second-guessed.
    records
        .update_one(
            doc! { "_id": ids[0] },
            doc! { "$set": { "checksum_algorithm": "sha512-canonical-v9" } },
        )
        .await
        .unwrap();
    let error = migrations::run(&store).await.unwrap_err();
    assert!(
        matches!(error, MigrationError::UnknownChecksumAlgorithm { .. }),
        "{error}"
    );
    store.drop_database().await.unwrap();
}

#[test]
fn committed_spec_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/v1.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let generated = atelier_server::spec_json();
    assert!(
        committed == generated,
        "openapi/v1.json is out of date with the code. Regenerate it with:\n\n    cargo run -q -p atelier -- openapi --out openapi/v1.json\n"
    );
}

#[test]
fn operations_have_stable_ids_and_tags() {
    let spec: serde_json::Value = serde_json::from_str(&atelier_server::spec_json()).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.contains('.') && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'),
                "{id}"
            );
            assert!(seen.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} has no tag"
            );
            let responses = operation["responses"].as_object().unwrap();
            if path.starts_with("/v1/") {
                for status in ["400", "401", "404", "500", "503"] {
                    assert!(
                        responses.contains_key(status),
                        "{id} does not document {status}"
                    );
                }
            }
        }
    }
}

/// The committed document validates as the OpenAPI version it declares, with the stock
/// validator (openapi-spec-validator, pinned in scripts/lib.sh, in the `.venv` the scripts set
/// up): strict generators (openapi-generator) refuse an invalid one.
#[test]
fn the_committed_spec_validates() {
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python");
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/v1.json");
    let output = std::process::Command::new(python)
        .args([
            "-c",
            "import json, sys\n\
             from openapi_spec_validator import validate\n\
             validate(json.load(open(sys.argv[1])))\n\
             print('valid')",
            spec,
        ])
        .output()
        .expect("the .venv python (run the tests through scripts/test)");
    assert!(
        output.status.success(),
        "openapi/v1.json does not validate:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// What stock generators need of every operation: one success type (two success statuses
/// only with the same schema, so `data` is one type), plain `application/json` media types,
/// every error status explicit (no `default`), and `Problem.errors` optional (it is only
/// sent for invalid fields).
#[test]
fn every_operation_is_typed_for_generators() {
    let spec: serde_json::Value = serde_json::from_str(&atelier_server::spec_json()).unwrap();
    assert_eq!(spec["openapi"], "3.0.0");
    assert!(
        spec["info"].get("summary").is_none(),
        "info.summary is 3.1 only"
    );
    assert!(spec["servers"].as_array().is_some_and(|s| !s.is_empty()));
    let problem_required = spec["components"]["schemas"]["Problem"]["required"]
        .as_array()
        .unwrap();
    assert!(!problem_required.contains(&serde_json::json!("errors")));
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap();
            let responses = operation["responses"].as_object().unwrap();
            let success: std::collections::BTreeSet<String> = responses
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .filter_map(|(_, response)| {
                    response["content"]
                        .as_object()
                        .and_then(|content| content.values().next())
                        .map(|media| media["schema"].to_string())
                })
                .collect();
            assert!(
                success.len() <= 1,
                "{id} has several success types: {success:?}"
            );
            let media_types = responses
                .values()
                .chain(operation.get("requestBody"))
                .filter_map(|part| part["content"].as_object())
                .flat_map(|content| content.keys());
            for media_type in media_types {
                assert!(
                    !media_type.contains(';'),
                    "{method} {path}: media type `{media_type}` has parameters"
                );
            }
            if path.starts_with("/v1/") {
                // progenitor counts a `default` as a possible success: every status is explicit.
                assert!(
                    !responses.contains_key("default"),
                    "{id} has a default response"
                );
                if !operation.as_object().unwrap().contains_key("requestBody") {
                    assert!(
                        !responses.contains_key("413"),
                        "{id} has no body, yet lists 413"
                    );
                }
            }
        }
    }
}

/// The v1 contract only grows: compared with the last released document
/// (`openapi/releases/v1.json`), no operation, response field or accepted request value went
/// away and nothing new is required (README, "Versioning"). A breaking change ships as `/v2`.
/// At a release, the released document is copied there.
#[test]
fn v1_has_no_breaking_change_since_the_last_release() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/releases/v1.json");
    let released: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("openapi/releases/v1.json"))
            .expect("the released document is JSON");
    let current: serde_json::Value = serde_json::from_str(&atelier_server::spec_json()).unwrap();
    let breaking = atelier_api::contract::breaking_changes(&released, &current);
    assert!(
        breaking.is_empty(),
        "breaking changes to v1 since the last release:\n  {}",
        breaking.join("\n  ")
    );
}

/// Every list pages the same way (README, "HTTP contract"): a `GET` answering `items` takes
/// the string `cursor` and the integer `limit`, and answers `has_more` (required) and
/// `next_cursor` (a string, given while more follow).
#[test]
fn every_list_is_paginated_the_same_way() {
    let spec: serde_json::Value = serde_json::from_str(&atelier_server::spec_json()).unwrap();
    let resolve = |schema: &serde_json::Value| -> serde_json::Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.trim_start_matches("#/components/schemas/");
                spec["components"]["schemas"][name].clone()
            }
            None => schema.clone(),
        }
    };
    let mut lists = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(operation) = item.get("get") else {
            continue;
        };
        let body = resolve(&operation["responses"]["200"]["content"]["application/json"]["schema"]);
        if body["properties"]["items"]["type"] != "array" {
            continue;
        }
        lists += 1;
        let id = operation["operationId"].as_str().unwrap();
        let query = |name: &str| {
            operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|parameter| parameter["in"] == "query" && parameter["name"] == name)
                .map(|parameter| parameter["schema"]["type"].clone())
        };
        assert_eq!(
            query("cursor"),
            Some("string".into()),
            "{id} ({path}): cursor"
        );
        assert_eq!(
            query("limit"),
            Some("integer".into()),
            "{id} ({path}): limit"
        );
        for cursor_alias in ["after", "since", "page", "offset"] {
            if id != "chat.messages.list" {
                assert_eq!(
                    query(cursor_alias),
                    None,
                    "{id}: `{cursor_alias}` besides `cursor`"
                );
            }
        }
        assert_eq!(body["properties"]["has_more"]["type"], "boolean", "{id}");
        assert_eq!(body["properties"]["next_cursor"]["type"], "string", "{id}");
        let required: Vec<&str> = body["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|name| name.as_str())
            .collect();
        assert!(required.contains(&"has_more"), "{id}: {required:?}");
    }
    assert!(
        lists >= 20,
        "only {lists} lists found: the check looks in the wrong place"
    );
}
