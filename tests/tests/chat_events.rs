//! Chat events: every mutation writes its outbox event; each is catalogued, its `data`
//! validates (and declares every field it carries), and it keeps the contract the realtime
//! gateway relies on: `aggregate_type = "channel"`, `aggregate_id` = `data.channel_id`,
//! `data.workspace_id`, messages as the API shows them, reaction counts, read positions.

use std::collections::BTreeSet;

use atelier_outbox::Outbox;
use atelier_tests::{TestApp, chat::ChatFixture, test_config};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn every_chat_mutation_emits_a_catalogued_event() {
    let app = TestApp::spawn(test_config()).await;
    let chat = ChatFixture::new(&app, 3).await;
    let channel = chat.channel(&app, "public", 0, &[1]).await;
    let owner = chat.user(0).token.clone();
    let member = chat.user(1).token.clone();
    let c = format!("/v1/channels/{channel}");
    let message = chat.send(&app, 0, &channel, "hello").await;
    let m = format!("{c}/messages/{}", message["id"].as_str().unwrap());
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let steps: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            &owner,
            Method::PATCH,
            c.clone(),
            Some(json!({"topic": "news"})),
        ),
        (
            &owner,
            Method::PUT,
            format!("{c}/members/{}", chat.user(2).id),
            Some(json!({})),
        ),
        (
            &owner,
            Method::PUT,
            format!("{c}/members/{}", chat.user(2).id),
            Some(json!({"role": "moderator"})),
        ),
        (
            &owner,
            Method::DELETE,
            format!("{c}/members/{}", chat.user(2).id),
            None,
        ),
        (
            &owner,
            Method::PATCH,
            m.clone(),
            Some(json!({"text": "hello, edited"})),
        ),
        (
            &member,
            Method::POST,
            format!("{m}/reactions"),
            Some(json!({"emoji": "👍"})),
        ),
        (
            &member,
            Method::DELETE,
            format!("{m}/reactions/%F0%9F%91%8D"),
            None,
        ),
        (&member, Method::PUT, format!("{m}/pin"), None),
        (
            &member,
            Method::POST,
            format!("{c}/messages"),
            Some(json!({"text": "reply", "parent_id": message["id"]})),
        ),
        (&member, Method::POST, format!("{c}/read"), Some(json!({}))),
        (
            &owner,
            Method::POST,
            format!("{m}/thread/read"),
            Some(json!({})),
        ),
        (
            &owner,
            Method::POST,
            format!("{c}/scheduled-messages"),
            Some(json!({"text": "later", "send_at": later})),
        ),
        (&owner, Method::DELETE, m.clone(), None),
    ];
    let mut scheduled = None;
    for (token, method, path, body) in steps {
        let (status, answer) = app.call(token, method.clone(), &path, body).await;
        assert!(status.is_success(), "{method} {path}: {answer}");
        if path.ends_with("scheduled-messages") {
            scheduled = Some(answer["id"].as_str().unwrap().to_owned());
        }
    }
    app.call(
        &owner,
        Method::DELETE,
        &format!("{c}/scheduled-messages/{}", scheduled.unwrap()),
        None,
    )
    .await;

    let store = app.store().await;
    let events = Outbox::new(&store)
        .find_by_tenant(chat.tenant.tenant)
        .await
        .unwrap();
    let chat_events: Vec<_> = events
        .iter()
        .map(|event| event.to_envelope().unwrap())
        .filter(|envelope| envelope.event_type.starts_with("chat."))
        .collect();
    let types: BTreeSet<&str> = chat_events.iter().map(|e| e.event_type.as_str()).collect();
    let catalog = atelier_server::modules::catalog();
    let catalogued: BTreeSet<&str> = catalog
        .entries()
        .iter()
        .map(|entry| entry.event_type)
        .filter(|t| t.starts_with("chat."))
        .collect();
    assert_eq!(
        types, catalogued,
        "every chat event type is emitted by this session"
    );
    for envelope in &chat_events {
        let entry = catalog
            .find(&envelope.event_type, envelope.data_version)
            .unwrap_or_else(|| panic!("{} is not catalogued", envelope.event_type));
        let validator = jsonschema::draft202012::new(&entry.schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&envelope.data)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {} {errors:?}",
            envelope.event_type,
            envelope.data
        );
        for field in envelope.data.as_object().unwrap().keys() {
            assert!(
                entry.schema["properties"].get(field).is_some(),
                "{}: `{field}` is not declared in the catalog",
                envelope.event_type
            );
        }
        if let Some(message) = envelope.data.get("message") {
            for field in message.as_object().unwrap().keys() {
                assert!(
                    entry.schema["properties"]["message"]["properties"]
                        .get(field)
                        .is_some(),
                    "{}: message field `{field}` is not declared",
                    envelope.event_type
                );
            }
        }
        // The realtime gateway's contract.
        assert_eq!(
            envelope.aggregate_type, "channel",
            "{}",
            envelope.event_type
        );
        assert_eq!(envelope.aggregate_id, channel, "{}", envelope.event_type);
        assert_eq!(
            envelope.data["channel_id"],
            channel.as_str(),
            "{}",
            envelope.event_type
        );
        assert_eq!(
            envelope.data["workspace_id"],
            chat.workspace.as_str(),
            "{}",
            envelope.event_type
        );
    }
    // Message events carry the message as the API shows it.
    let created = chat_events
        .iter()
        .find(|e| {
            e.event_type == "chat.message.created" && e.data["message"]["id"] == message["id"]
        })
        .unwrap();
    for field in [
        "id",
        "seq",
        "change_seq",
        "author_id",
        "text",
        "channel_id",
        "mention_ids",
        "deleted",
    ] {
        assert_eq!(created.data["message"][field], message[field], "{field}");
    }
    let reaction = chat_events
        .iter()
        .find(|e| e.event_type == "chat.reaction.added")
        .unwrap();
    assert_eq!(
        (
            &reaction.data["message_id"],
            &reaction.data["emoji"],
            &reaction.data["user_id"],
            &reaction.data["count"]
        ),
        (
            &message["id"],
            &json!("👍"),
            &json!(chat.user(1).id),
            &json!(1)
        )
    );
    let removed = chat_events
        .iter()
        .find(|e| e.event_type == "chat.reaction.removed")
        .unwrap();
    assert_eq!(removed.data["count"], 0);
    let read = chat_events
        .iter()
        .find(|e| e.event_type == "chat.read.updated")
        .unwrap();
    assert_eq!(
        (&read.data["user_id"], &read.data["last_read_seq"]),
        (&json!(chat.user(1).id), &json!(2))
    );
    let deleted = chat_events
        .iter()
        .find(|e| e.event_type == "chat.message.deleted")
        .unwrap();
    assert_eq!(
        (
            &deleted.data["message"]["deleted"],
            &deleted.data["message"]["text"]
        ),
        (&json!(true), &json!(""))
    );
    // Change positions grow with every message change.
    let change_seqs: Vec<i64> = chat_events
        .iter()
        .filter_map(|e| {
            e.data
                .get("message")
                .map(|m| m["change_seq"].as_i64().unwrap())
        })
        .collect();
    let mut sorted = change_seqs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        change_seqs.len(),
        "distinct change positions: {change_seqs:?}"
    );
    app.stop_and_clean().await;
}
