//! Cached principals across two nodes: API keys and user tokens resolve from each node's cache
//! (no database read on the hot path, counted by `atelier_principal_cache_lookups_total`),
//! and a revocation committed through node A is refused by node B within a second, through
//! the event the revocation emits (the cache trusts an entry for a minute while revocations
//! arrive as events, so only the event can make B refuse this fast).

use std::time::{Duration, Instant};

use atelier_tests::{TestApp, eventually, test_config, unique};
use reqwest::Method;
use serde_json::{Value, json};

/// The value of one series of a node's metrics (0 when absent).
fn series(app: &TestApp, name_and_labels: &str) -> f64 {
    app.metrics
        .render()
        .lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.trim().parse().ok())
        .unwrap_or(0.0)
}

fn hits(app: &TestApp, credential: &str) -> f64 {
    series(
        app,
        &format!(
            "atelier_principal_cache_lookups_total{{credential=\"{credential}\",result=\"hit\"}}"
        ),
    )
}

async fn me(app: &TestApp, bearer: &str) -> u16 {
    app.http
        .get(app.url("/v1/me"))
        .bearer_auth(bearer)
        .send()
        .await
        .expect("GET /v1/me")
        .status()
        .as_u16()
}

/// Waits until `bearer` is refused by `app`, answering how long that took.
async fn refused_within(app: &TestApp, bearer: &str, limit: Duration, what: &str) -> Duration {
    let started = Instant::now();
    loop {
        if me(app, bearer).await == 401 {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{what} still accepted after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn revoked_keys_and_deleted_users_are_refused_on_every_node_within_a_second() {
    let config = test_config();
    let node_a = TestApp::spawn(config.clone()).await;
    let mut config_b = config.clone();
    config_b.node_id = format!("test-{}", unique());
    let node_b = TestApp::spawn(config_b).await;
    for node in [&node_a, &node_b] {
        eventually(
            Duration::from_secs(10),
            "the node's revocation subscription",
            || async { series(node, "atelier_consumer_up{consumer=\"principals\"}") == 1.0 },
        )
        .await;
    }

    let tenant = node_a.create_tenant().await;
    let (status, created) = node_a
        .call(
            &tenant.api_key,
            Method::POST,
            "/v1/api-keys",
            Some(json!({ "name": "ci", "scope": "full" })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let key = created["key"]
        .as_str()
        .expect("the new key's secret")
        .to_owned();
    let key_id = created["api_key"]["id"]
        .as_str()
        .expect("the new key's id")
        .to_owned();
    let user = node_a.create_user(&tenant, "Ada").await;
    let (status, tokens) = node_a
        .call(
            &tenant.api_key,
            Method::POST,
            &format!("/v1/users/{user}/tokens"),
            None,
        )
        .await;
    assert_eq!(status, 201, "{tokens}");
    let token = tokens["access_token"]
        .as_str()
        .expect("access token")
        .to_owned();

    // Both credentials work on node B, the second time from its cache.
    let (key_hits, token_hits) = (hits(&node_b, "api_key"), hits(&node_b, "user_token"));
    for _ in 0..3 {
        assert_eq!(me(&node_b, &key).await, 200);
        assert_eq!(me(&node_b, &token).await, 200);
    }
    assert!(
        hits(&node_b, "api_key") >= key_hits + 2.0,
        "API keys cached"
    );
    assert!(
        hits(&node_b, "user_token") >= token_hits + 2.0,
        "user logins cached"
    );

    // Revoked through node A: node B refuses the key within a second.
    let (status, revoked) = node_a
        .call(
            &tenant.api_key,
            Method::DELETE,
            &format!("/v1/api-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(
        me(&node_a, &key).await,
        401,
        "the revoking node refuses at once"
    );
    let took = refused_within(&node_b, &key, Duration::from_secs(1), "the revoked key").await;
    eprintln!("revoked key refused by the other node after {took:?}");

    // The user deleted through node A: node B refuses their token within a second.
    let (status, body) = node_a
        .call(
            &tenant.api_key,
            Method::DELETE,
            &format!("/v1/users/{user}"),
            None,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let took = refused_within(
        &node_b,
        &token,
        Duration::from_secs(1),
        "the deleted user's token",
    )
    .await;
    eprintln!("deleted user's token refused by the other node after {took:?}");

    // The revocation is an event like any other (webhooks, the event log).
    let (status, events) = node_b
        .call(
            &tenant.api_key,
            Method::GET,
            "/v1/events?types=identity.api_key.revoked",
            None,
        )
        .await;
    assert_eq!(status, 200, "{events}");
    let data: Vec<&Value> = events["items"]
        .as_array()
        .expect("events")
        .iter()
        .map(|event| &event["data"])
        .collect();
    assert_eq!(data, [&json!({ "key_id": key_id, "name": "ci" })]);

    node_a.stop_and_clean().await;
    node_b.stop().await.expect("node B stops");
}
