//! Roles and graceful shutdown.

use std::time::Duration;

use atelier_server::Roles;
use atelier_store::Lease;
use atelier_tests::{TestApp, eventually, test_config};
use serde_json::Value;

async fn check_names(app: &TestApp) -> Vec<String> {
    let body: Value = app
        .http
        .get(app.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn worker_only_nodes_serve_operations_endpoints_only() {
    let mut config = test_config();
    config.roles = Roles::parse("relay,consumers").unwrap();
    let app = TestApp::spawn(config).await;
    assert_eq!(
        app.http
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        app.http
            .get(app.url("/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        app.admin(app.http.get(app.url("/v1/admin/consumers")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        check_names(&app).await,
        ["mongodb", "rabbitmq", "consumers", "outbox_relay"]
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn api_only_nodes_check_only_their_dependencies() {
    let mut config = test_config();
    config.roles = Roles::parse("api").unwrap();
    let app = TestApp::spawn(config).await;
    // The realtime hub is an API node's own RabbitMQ subscription.
    assert_eq!(
        check_names(&app).await,
        ["mongodb", "rabbitmq", "realtime_hub"]
    );
    assert_eq!(
        app.http
            .get(app.url("/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    app.stop_and_clean().await;
}

#[tokio::test]
async fn graceful_shutdown_stops_listening_and_releases_the_relay_lease() {
    let config = test_config();
    let app = TestApp::spawn(config.clone()).await;
    let store = app.store().await;
    let successor = Lease::new(
        store.database(),
        "outbox_relay",
        "successor",
        Duration::from_secs(30),
    );
    // Watch the lease document: trying to acquire it here would take it whenever the check
    // ran before the relay's first attempt, and then hold it against the relay for 30 s.
    let leases = store
        .database()
        .collection::<mongodb::bson::Document>(atelier_store::lease::LEASES_COLLECTION);
    eventually(Duration::from_secs(10), "relay holds its lease", || async {
        let now = chrono::Utc::now().timestamp_millis();
        leases
            .find_one(mongodb::bson::doc! { "_id": "outbox_relay" })
            .await
            .unwrap()
            .is_some_and(|lease| {
                lease
                    .get_str("owner")
                    .is_ok_and(|owner| owner != "successor")
                    && lease
                        .get("expires_at_ms")
                        .and_then(atelier_store::integer)
                        .is_some_and(|expires| expires > now)
            })
    })
    .await;
    let url = app.url("/healthz");
    let bus = app.bus();
    app.stop()
        .await
        .expect("run returns Ok after a graceful shutdown");
    assert!(
        reqwest::get(&url).await.is_err(),
        "no longer accepting connections"
    );
    assert!(
        successor.try_acquire().await.unwrap(),
        "the lease was released, not left to expire"
    );
    atelier_tests::cleanup(&store, &bus, &[]).await;
}
