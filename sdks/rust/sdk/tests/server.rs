//! Against a running Atelier node: `ATELIER_BASE_URL` and `ATELIER_API_KEY` (a full-scope key),
//! e.g. `./scripts/with-server sdks/rust/test.sh` from the repository root.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use atelier_sdk::webhooks::{Verifier, WebhookError};
use atelier_sdk::{
    api_key_client, call, types, user_client, Client, RetryPolicy, TokenPair, UserSession,
};
use base64::Engine;
use hmac::Mac;
use reqwest::header::{HeaderMap, HeaderValue};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need a running Atelier node; run them with \
             `./scripts/with-server sdks/rust/test.sh` from the repository root \
             (or set ATELIER_BASE_URL and ATELIER_API_KEY)"
        )
    })
}

fn backend() -> (String, Client) {
    let base = env("ATELIER_BASE_URL");
    let key = env("ATELIER_API_KEY");
    let client = api_key_client(&base, &key).expect("API key client");
    (base, client)
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

async fn create_user(client: &Client, name: &str) -> types::User {
    let policy = RetryPolicy::default();
    let body = types::CreateUser {
        display_name: name.parse().expect("a valid display name"),
        external_id: Some(unique(name)),
    };
    call(&policy, |key| {
        let (client, body) = (client.clone(), body.clone());
        async move {
            client
                .users_create()
                .idempotency_key(key.as_str())
                .body(body)
                .send()
                .await
        }
    })
    .await
    .expect("POST /v1/users")
    .into_inner()
}

async fn mint(client: &Client, user_id: &str) -> types::TokenResponse {
    call(&RetryPolicy::default(), |key| {
        let client = client.clone();
        async move {
            client
                .tokens_mint()
                .user_id(user_id)
                .idempotency_key(key.as_str())
                .send()
                .await
        }
    })
    .await
    .expect("POST /v1/users/{id}/tokens")
    .into_inner()
}

/// The README's backend flow: two users, a workspace owned by the first, the second added as
/// a member, and tokens for both.
struct World {
    base: String,
    a: types::User,
    b: types::User,
    workspace: types::Workspace,
    a_tokens: types::TokenResponse,
    b_tokens: types::TokenResponse,
}

async fn world() -> World {
    let (base, backend) = backend();
    let a = create_user(&backend, "Ada").await;
    let b = create_user(&backend, "Grace").await;
    assert!(a.id.starts_with("usr_"), "{}", a.id);
    let workspace = call(&RetryPolicy::default(), |key| {
        let backend = backend.clone();
        let body = types::CreateWorkspace {
            name: "Design".parse().unwrap(),
            owner_id: Some(a.id.clone()),
        };
        async move {
            backend
                .workspaces_create()
                .idempotency_key(key.as_str())
                .body(body)
                .send()
                .await
        }
    })
    .await
    .expect("POST /v1/workspaces")
    .into_inner();
    let member = backend
        .workspaces_members_put()
        .workspace_id(&workspace.id)
        .user_id(&b.id)
        .body(types::SetMember {
            role: types::WorkspaceRole::Member,
        })
        .send()
        .await
        .expect("PUT /v1/workspaces/{id}/members/{user_id}")
        .into_inner();
    assert_eq!(member.role, types::WorkspaceRole::Member);
    let a_tokens = mint(&backend, &a.id).await;
    let b_tokens = mint(&backend, &b.id).await;
    World {
        base,
        a,
        b,
        workspace,
        a_tokens,
        b_tokens,
    }
}

async fn private_channel(client: &Client, workspace_id: &str) -> types::Channel {
    client
        .chat_channels_create()
        .workspace_id(workspace_id)
        .body(types::CreateChannel {
            creator_id: None,
            kind: types::ChannelKind::Private,
            member_ids: None,
            name: Some("launch".parse().unwrap()),
            slow_mode_seconds: None,
            topic: Some("Friday".parse().unwrap()),
        })
        .send()
        .await
        .expect("POST /v1/workspaces/{id}/channels")
        .into_inner()
}

#[tokio::test]
async fn backend_flow_and_two_user_chat_session() {
    let w = world().await;
    let ada = user_client(&w.base, &w.a_tokens.access_token).unwrap();
    // Grace's app uses a refreshing session.
    let refreshed = Arc::new(AtomicUsize::new(0));
    let counter = refreshed.clone();
    let grace = UserSession::new(&w.base, TokenPair::from(w.b_tokens.clone()))
        .unwrap()
        .on_refresh(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });

    let me = ada
        .tenancy_me()
        .send()
        .await
        .expect("GET /v1/me")
        .into_inner();
    let _ = me;

    let channel = private_channel(&ada, &w.workspace.id).await;
    assert!(channel.id.starts_with("chn_"), "{}", channel.id);
    ada.chat_members_put()
        .channel_id(&channel.id)
        .user_id(&w.b.id)
        .body(types::SetChannelMember { role: None })
        .send()
        .await
        .expect("PUT /v1/channels/{id}/members/{user_id}");

    let text = format!("Ready, <@{}>?", w.b.id);
    let sent = call(&RetryPolicy::default(), |key| {
        let ada = ada.clone();
        let body = types::SendMessage::builder().text(text.clone());
        let channel_id = channel.id.clone();
        async move {
            ada.chat_messages_send()
                .channel_id(channel_id)
                .idempotency_key(key.as_str())
                .body(body)
                .send()
                .await
        }
    })
    .await
    .expect("POST /v1/channels/{id}/messages")
    .into_inner();
    assert_eq!(sent.text, text);
    assert_eq!(sent.author_id, w.a.id);
    assert_eq!(sent.mention_ids, vec![w.b.id.clone()]);

    // Grace's badge: 1 unread, 1 mention.
    let badge = grace
        .call(|c, _| async move { c.chat_unread_get().send().await })
        .await
        .expect("GET /v1/me/unread")
        .into_inner();
    assert_eq!(
        (badge.unread_count, badge.mention_count),
        (1, 1),
        "{badge:?}"
    );

    // Grace reacts 👍.
    let channel_id = channel.id.as_str();
    let message_id = sent.id.as_str();
    let reacted = grace
        .call(|c, key| async move {
            c.chat_reactions_add()
                .channel_id(channel_id)
                .message_id(message_id)
                .idempotency_key(key.as_str())
                .body(types::AddReaction {
                    emoji: "👍".parse().unwrap(),
                    user_id: None,
                })
                .send()
                .await
        })
        .await
        .expect("POST .../reactions")
        .into_inner();
    assert_eq!(reacted.reactions.len(), 1);
    assert_eq!(
        (
            reacted.reactions[0].emoji.as_str(),
            reacted.reactions[0].count,
            reacted.reactions[0].me
        ),
        ("👍", 1, true)
    );

    // Grace reads the history (after a token refresh: the rotated pair works).
    grace.refresh().await.expect("POST /v1/auth/refresh");
    assert_eq!(refreshed.load(Ordering::SeqCst), 1);
    assert_ne!(grace.tokens().access_token, w.b_tokens.access_token);
    let history = grace
        .call(|c, _| async move { c.chat_messages_list().channel_id(channel_id).send().await })
        .await
        .expect("GET /v1/channels/{id}/messages")
        .into_inner();
    assert_eq!(history.items.len(), 1, "{history:?}");
    let read = &history.items[0];
    assert_eq!(
        (read.id.as_str(), read.text.as_str()),
        (message_id, text.as_str())
    );
    assert_eq!(
        (read.reactions[0].emoji.as_str(), read.reactions[0].count),
        ("👍", 1)
    );

    // Grace marks the channel read: badge 0.
    let state = grace
        .call(|c, key| async move {
            c.chat_read_mark()
                .channel_id(channel_id)
                .idempotency_key(key.as_str())
                .body(types::MarkRead { seq: None })
                .send()
                .await
        })
        .await
        .expect("POST /v1/channels/{id}/read")
        .into_inner();
    assert_eq!(state.last_read_seq, sent.seq);
    let badge = grace
        .call(|c, _| async move { c.chat_unread_get().send().await })
        .await
        .expect("GET /v1/me/unread")
        .into_inner();
    assert_eq!(
        (badge.unread_count, badge.mention_count),
        (0, 0),
        "{badge:?}"
    );
}

#[tokio::test]
async fn unknown_channel_is_a_parsed_not_found_problem() {
    let (_, backend) = backend();
    let err = call(&RetryPolicy::default(), |_| {
        let backend = backend.clone();
        async move {
            backend
                .chat_channels_get()
                .channel_id("chn_01ARZ3NDEKTSV4RRFFQ69G5FAV")
                .send()
                .await
        }
    })
    .await
    .expect_err("an unknown channel must not be found");
    assert_eq!(
        err.status(),
        Some(reqwest::StatusCode::NOT_FOUND),
        "{err:?}"
    );
    let code = err.code().expect("a problem body");
    eprintln!("unknown channel: {code}: {err}");
    assert!(code.ends_with("not_found"), "{code}");
    let problem = err.problem().unwrap();
    assert_eq!(problem.status, 404);
    assert!(!problem.detail.is_empty());
    assert!(problem.errors.is_empty());
    assert!(err.request_id().is_some_and(|r| !r.is_empty()), "{err:?}");
    assert!(err.to_string().contains("404"), "{err}");

    // Declared limits are checked before sending: an empty display name never leaves.
    let refused = "".parse::<types::CreateUserDisplayName>();
    assert!(refused.is_err(), "{refused:?}");
    let too_long = "x".repeat(201).parse::<types::CreateUserDisplayName>();
    assert!(too_long.is_err(), "{too_long:?}");
    // A field error from the server: a workspace without an owner names `owner_id`.
    let err = backend
        .workspaces_create()
        .body(types::CreateWorkspace {
            name: "No owner".parse().unwrap(),
            owner_id: None,
        })
        .send()
        .await
        .expect_err("no owner");
    let err = atelier_sdk::Error::from_progenitor(err).await;
    assert_eq!(
        err.status(),
        Some(reqwest::StatusCode::BAD_REQUEST),
        "{err:?}"
    );
    assert!(
        err.problem_error()
            .unwrap()
            .errors()
            .iter()
            .any(|e| format!("{e:?}").contains("owner_id")),
        "{err:?}"
    );
}

#[tokio::test]
async fn idempotency_key_replays_the_same_message() {
    let w = world().await;
    let ada = user_client(&w.base, &w.a_tokens.access_token).unwrap();
    let channel = private_channel(&ada, &w.workspace.id).await;
    let key = uuid::Uuid::new_v4().to_string();
    let send = |key: String| {
        let ada = ada.clone();
        let channel_id = channel.id.clone();
        async move {
            ada.chat_messages_send()
                .channel_id(channel_id)
                .idempotency_key(key.as_str())
                .body(types::SendMessage::builder().text("once"))
                .send()
                .await
        }
    };
    let policy = RetryPolicy::default();
    let first = atelier_sdk::retry::call_with_key(&policy, key.clone(), send)
        .await
        .unwrap();
    let second = atelier_sdk::retry::call_with_key(&policy, key.clone(), send)
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(
        second
            .headers()
            .get("idempotency-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    assert!(first
        .headers()
        .get("idempotency-replayed")
        .is_none_or(|v| v != "true"));
    // A different key sends another message.
    let third = atelier_sdk::retry::call_with_key(&policy, uuid::Uuid::new_v4().to_string(), send)
        .await
        .unwrap();
    assert_ne!(first.id, third.id);
    // The same key with a different request is refused.
    let err = atelier_sdk::retry::call_with_key(&policy, key, |key| {
        let ada = ada.clone();
        let channel_id = channel.id.clone();
        async move {
            ada.chat_messages_send()
                .channel_id(channel_id)
                .idempotency_key(key.as_str())
                .body(types::SendMessage::builder().text("twice"))
                .send()
                .await
        }
    })
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some("idempotency_key_reused"), "{err:?}");
}

#[tokio::test]
async fn webhook_signature_verification() {
    let (_, backend) = backend();
    // A real endpoint secret from the server.
    let created = backend
        .webhooks_endpoints_create()
        .body(types::CreateWebhookEndpoint {
            description: Some("sdk test".parse().unwrap()),
            enabled: Some(false),
            event_types: None,
            headers: Default::default(),
            rate_limit_per_second: None,
            url: "https://example.com/atelier-hooks".parse().unwrap(),
        })
        .send()
        .await
        .expect("POST /v1/webhooks/endpoints")
        .into_inner();
    let secret = created.secret;
    assert!(secret.starts_with("whsec_"), "{secret}");

    // Sign a delivery the way the server does, independently of the SDK's verifier.
    let id = "msg_2mTNfgSUV7uVAQmTcOcPB2gbF9A";
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let body = br#"{"type":"identity.user.created","data":{"id":"usr_1"}}"#;
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let signature = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );

    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::from_static(id));
    headers.insert(
        "webhook-timestamp",
        HeaderValue::from_str(&timestamp).unwrap(),
    );
    headers.insert(
        "webhook-signature",
        HeaderValue::from_str(&signature).unwrap(),
    );
    let verifier = Verifier::new(&secret).unwrap();
    assert_eq!(verifier.verify(&headers, body), Ok(()));
    assert_eq!(
        verifier.sign(id, timestamp.parse().unwrap(), body),
        signature
    );

    let tampered = br#"{"type":"identity.user.created","data":{"id":"usr_2"}}"#;
    assert_eq!(
        verifier.verify(&headers, tampered),
        Err(WebhookError::NoMatchingSignature)
    );
    let other = Verifier::new("whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM=").unwrap();
    assert_eq!(
        other.verify(&headers, body),
        Err(WebhookError::NoMatchingSignature)
    );
}

#[tokio::test]
async fn pages_follow_next_cursor_until_has_more_is_false() {
    use atelier_sdk::{pages, Page};
    use futures_util::TryStreamExt;
    let (_, backend) = backend();
    for n in 0..3 {
        create_user(&backend, &format!("Pager {n}")).await;
    }
    let limit = std::num::NonZeroU32::new(2).unwrap();
    let stream = pages(RetryPolicy::default(), None, |cursor| {
        let backend = backend.clone();
        async move {
            let request = backend.audit_list().limit(limit);
            match cursor {
                Some(cursor) => request.cursor(cursor),
                None => request,
            }
            .send()
            .await
        }
    });
    let all: Vec<types::PageAuditEntry> = stream.try_collect().await.expect("GET /v1/audit pages");
    assert!(
        all.len() >= 2,
        "3 user creations give at least 2 pages of 2: {}",
        all.len()
    );
    assert!(all[..all.len() - 1]
        .iter()
        .all(|p| p.has_more() && p.items().len() == 2));
    assert!(!all.last().unwrap().has_more());
    let seqs: std::collections::HashSet<u64> = all
        .iter()
        .flat_map(|p| p.items().iter().map(|e| e.seq))
        .collect();
    assert_eq!(
        seqs.len(),
        all.iter().map(|p| p.items().len()).sum::<usize>(),
        "no item twice"
    );
}

/// Every typed call the chat session and the backend make decodes the server's real
/// responses (a spec/server mismatch shows here as `InvalidResponsePayload`, naming the call).
#[tokio::test]
async fn typed_calls_decode_real_responses() {
    use atelier_sdk::{pages, IntoSdk, Page};
    use futures_util::TryStreamExt;
    macro_rules! ok {
        ($what:literal, $fut:expr) => {
            $fut.into_sdk()
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", $what))
        };
    }
    let w = world().await;
    let (_, backend) = backend();
    let ada = user_client(&w.base, &w.a_tokens.access_token).unwrap();
    let grace = user_client(&w.base, &w.b_tokens.access_token).unwrap();
    let channel = private_channel(&ada, &w.workspace.id).await;
    let chn = channel.id.as_str();
    ok!(
        "chat_members_put",
        ada.chat_members_put()
            .channel_id(chn)
            .user_id(&w.b.id)
            .body(types::SetChannelMember { role: None })
            .send()
    );
    let text = format!("Ready, <@{}>?", w.b.id);
    let msg = ok!(
        "chat_messages_send",
        ada.chat_messages_send()
            .channel_id(chn)
            .body(
                types::SendMessage::builder().text(text).client_message_id(
                    "ada-1"
                        .parse::<types::SendMessageClientMessageId>()
                        .unwrap()
                )
            )
            .send()
    );
    let reply = ok!(
        "chat_messages_send (thread)",
        grace
            .chat_messages_send()
            .channel_id(chn)
            .body(
                types::SendMessage::builder()
                    .text("Ready!")
                    .parent_id(Some(msg.id.clone()))
            )
            .send()
    );
    assert_eq!(reply.parent_id.as_deref(), Some(msg.id.as_str()));
    ok!(
        "chat_reactions_add",
        grace
            .chat_reactions_add()
            .channel_id(chn)
            .message_id(&msg.id)
            .body(types::AddReaction {
                emoji: "👍".parse().unwrap(),
                user_id: None
            })
            .send()
    );
    let edited = ok!(
        "chat_messages_edit",
        ada.chat_messages_edit()
            .channel_id(chn)
            .message_id(&msg.id)
            .body(types::EditMessage {
                text: format!("Ready now, <@{}>?", w.b.id)
            })
            .send()
    );
    assert_eq!(edited.edit_count, 1);
    ok!(
        "chat_messages_pin",
        ada.chat_messages_pin()
            .channel_id(chn)
            .message_id(&msg.id)
            .send()
    );

    ok!("tenancy_me", ada.tenancy_me().send());
    ok!("tenancy_me (API key)", backend.tenancy_me().send());
    ok!("users_list", backend.users_list().send());
    ok!("workspaces_list", backend.workspaces_list().send());
    ok!(
        "workspaces_members_list",
        backend
            .workspaces_members_list()
            .workspace_id(&w.workspace.id)
            .send()
    );
    ok!("api_keys_list", backend.api_keys_list().send());
    ok!("audit_verify", backend.audit_verify().send());
    ok!("usage_get", backend.usage_get().send());
    ok!("events_types_list", backend.events_types_list().send());
    ok!("tokens_jwks", backend.tokens_jwks().send());
    ok!(
        "webhooks_endpoints_list",
        backend.webhooks_endpoints_list().send()
    );
    ok!(
        "chat_channels_list",
        ada.chat_channels_list()
            .workspace_id(&w.workspace.id)
            .send()
    );
    ok!(
        "chat_channels_get",
        grace.chat_channels_get().channel_id(chn).send()
    );
    ok!(
        "chat_members_list",
        grace.chat_members_list().channel_id(chn).send()
    );
    ok!(
        "chat_messages_get",
        grace
            .chat_messages_get()
            .channel_id(chn)
            .message_id(&msg.id)
            .send()
    );
    ok!(
        "chat_messages_edits",
        grace
            .chat_messages_edits()
            .channel_id(chn)
            .message_id(&msg.id)
            .send()
    );
    ok!(
        "chat_pins_list",
        grace.chat_pins_list().channel_id(chn).send()
    );
    let replies = ok!(
        "chat_messages_replies",
        grace
            .chat_messages_replies()
            .channel_id(chn)
            .message_id(&msg.id)
            .send()
    );
    assert_eq!(replies.items.len(), 1);
    let reactors = ok!(
        "chat_reactions_users",
        ada.chat_reactions_users()
            .channel_id(chn)
            .message_id(&msg.id)
            .emoji("👍")
            .send()
    );
    assert_eq!(reactors.items().len(), 1);
    let changes = ok!(
        "chat_changes_list",
        ada.chat_changes_list().channel_id(chn).send()
    );
    assert!(!changes.items().is_empty());
    ok!(
        "chat_messages_search",
        grace.chat_messages_search().q("Ready").send()
    );
    ok!(
        "chat_read_get",
        grace.chat_read_get().channel_id(chn).send()
    );
    ok!(
        "chat_threads_read",
        ada.chat_threads_read()
            .channel_id(chn)
            .message_id(&msg.id)
            .body(types::MarkThreadRead { seq: None })
            .send()
    );
    ok!(
        "chat_scheduled_list",
        ada.chat_scheduled_list().channel_id(chn).send()
    );
    ok!("chat_unread_get", ada.chat_unread_get().send());

    // The event log: every published event decodes into its `types::Event` variant; wait
    // (bounded) for the relay to publish this message's creation.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let all: Vec<types::PageEvent> = pages(RetryPolicy::default(), None, |cursor| {
            let backend = backend.clone();
            async move {
                let request = backend
                    .events_list()
                    .limit(std::num::NonZeroU32::new(100).unwrap());
                match cursor {
                    Some(cursor) => request.cursor(cursor),
                    None => request,
                }
                .send()
                .await
            }
        })
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("events_list: {e}"));
        let found = all.iter().flat_map(|p| p.items()).any(|e| {
            matches!(e, types::Event::ChatMessageCreatedEvent(created) if created.aggregate_id == msg.id || format!("{:?}", created.data).contains(&msg.id))
        });
        if found {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no chat.message.created event for {} within 20 s",
            msg.id
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}
