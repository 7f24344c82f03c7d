//! Test harness: runs the real server in-process against the real MongoDB-compatible server
//! and RabbitMQ, each test in its own database and queue prefix.
//!
//! `./scripts/test` starts the dependencies and exports `ATELIER_TEST_MONGODB_URI` (and
//! optionally `ATELIER_TEST_AMQP_URL`). [`TestApp::spawn`] binds `127.0.0.1:0` and calls the
//! same `Server::run` the binary calls.

pub mod chat;
pub mod proxy;
pub mod realtime;
pub mod recorder;

use std::{sync::Arc, time::Duration};

use atelier_bus::{Bus, BusConfig, Handler};
use atelier_observability::Metrics;
use atelier_server::{Config, Server};
use atelier_store::{MongoConfig, Store};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// The MongoDB URI tests use.
pub fn mongodb_uri() -> String {
    std::env::var("ATELIER_TEST_MONGODB_URI").unwrap_or_else(|_| {
        panic!(
            "ATELIER_TEST_MONGODB_URI is not set: run the tests with ./scripts/test, which starts \
             a MongoDB-compatible server (or set it to a real MongoDB replica set)"
        )
    })
}

/// The `host:port` of the MongoDB server tests use (for a proxy in front of it).
pub fn mongodb_address() -> std::net::SocketAddr {
    use std::net::ToSocketAddrs;
    let uri = mongodb_uri();
    let authority = uri
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', '?']).next())
        .expect("a mongodb://host:port URI");
    let host_port = authority.rsplit('@').next().expect("a host and port");
    host_port
        .split(',')
        .next()
        .expect("one host")
        .to_socket_addrs()
        .expect("a resolvable MongoDB address")
        .next()
        .expect("at least one MongoDB address")
}

/// A URI reaching MongoDB at `address` (a proxy in front of [`mongodb_address`]) directly.
pub fn mongodb_uri_via(address: std::net::SocketAddr) -> String {
    format!("mongodb://{address}/?directConnection=true")
}

/// Set by `./scripts/test` when the MongoDB server is the development stand-in (nx-27017).
pub fn serialize_transactions() -> bool {
    std::env::var("ATELIER_TEST_MONGODB_SERIALIZE_TRANSACTIONS").is_ok_and(|v| v == "true")
}

/// The RabbitMQ URL tests use.
pub fn amqp_url() -> String {
    std::env::var("ATELIER_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// A fresh lowercase unique suffix.
pub fn unique() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

/// A configuration isolated from every other test: own database, own queue prefix.
pub fn test_config() -> Config {
    let suffix = unique();
    let mut config = Config::default();
    config.http.addr = "127.0.0.1:0".parse().expect("valid address");
    config.http.shutdown_grace = Duration::from_secs(5);
    config.mongodb = MongoConfig {
        uri: mongodb_uri(),
        database: format!("t_{suffix}"),
        server_selection_timeout: Duration::from_secs(3),
        operation_timeout: Duration::from_secs(5),
        serialize_transactions: serialize_transactions(),
    };
    config.amqp = BusConfig {
        url: amqp_url(),
        prefix: format!("t{suffix}"),
        reconnect_backoff_max: Duration::from_secs(1),
        // Below the relay lease (validated: a confirm wait must not outlive it).
        confirm_timeout: Duration::from_secs(2),
        ..BusConfig::default()
    };
    config.outbox.poll_interval = Duration::from_millis(20);
    config.outbox.lease_ttl = Duration::from_secs(3);
    config.outbox.stall_after = Duration::from_secs(10);
    config.admin_token = Some(ADMIN_TOKEN.to_owned());
    config.identity.usage_flush_interval = Duration::from_millis(50);
    config.migrate_on_start = true;
    config.node_id = format!("test-{}", unique());
    // Tests fire requests back to back from one IP; the rate-limit tests set small limits.
    config.rate_limits.api_key_per_second = 10_000;
    config.rate_limits.api_key_burst = 10_000;
    config.rate_limits.user_per_second = 10_000;
    config.rate_limits.user_burst = 10_000;
    config.rate_limits.anonymous_per_second = 10_000;
    config.rate_limits.anonymous_burst = 10_000;
    // Test receivers listen on loopback over plain HTTP; retries are compressed.
    config.update_module_config(|webhooks: &mut atelier_webhooks::WebhooksConfig| {
        webhooks.allow_http = true;
        webhooks.allowed_hosts = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        webhooks.retry_schedule = vec![
            Duration::from_millis(200),
            Duration::from_millis(400),
            Duration::from_millis(800),
        ];
        // Tests change an endpoint and expect the very next delivery to see it; the cache
        // has unit tests and the tests that want it turn it on.
        webhooks.endpoint_cache_ttl = Duration::ZERO;
    });
    config
}

/// An organisation created for a test, with the secret of a full-scope API key.
#[derive(Debug, Clone)]
pub struct TestTenant {
    pub tenant: atelier_core::TenantId,
    pub api_key: String,
}

/// A running server.
pub struct TestApp {
    pub base_url: String,
    pub config: Config,
    pub metrics: Metrics,
    pub http: reqwest::Client,
    shutdown: CancellationToken,
    /// `None` once stopped or crashed.
    handle: Option<JoinHandle<anyhow::Result<()>>>,
    handlers: Vec<Arc<dyn Handler>>,
}

impl TestApp {
    pub async fn spawn(config: Config) -> TestApp {
        Self::spawn_with(config, Vec::new()).await
    }

    /// Starts a server with extra consumers.
    pub async fn spawn_with(config: Config, handlers: Vec<Arc<dyn Handler>>) -> TestApp {
        Self::spawn_full(config, handlers, None).await
    }

    /// Starts a server whose realtime gateway serves `kind` besides (or, for a `channel` kind,
    /// instead of) chat's own topic kind.
    pub async fn spawn_with_access(
        config: Config,
        access: Arc<dyn atelier_realtime::TopicKind>,
    ) -> TestApp {
        Self::spawn_full(config, Vec::new(), Some(access)).await
    }

    async fn spawn_full(
        config: Config,
        handlers: Vec<Arc<dyn Handler>>,
        access: Option<Arc<dyn atelier_realtime::TopicKind>>,
    ) -> TestApp {
        atelier_observability::init_tracing(
            atelier_observability::LogFormat::Pretty,
            &std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("local address");
        let mut server = Server::new(config.clone());
        for handler in &handlers {
            server = server.with_handler(handler.clone());
        }
        if let Some(access) = access {
            server = server.with_topic_kind(access);
        }
        let metrics = server.metrics();
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(server.run(listener, shutdown.clone()));
        let app = TestApp {
            base_url: format!("http://{address}"),
            config,
            metrics,
            http: reqwest::Client::new(),
            shutdown,
            handle: Some(handle),
            handlers,
        };
        app.wait_until_serving().await;
        app
    }

    async fn wait_until_serving(&self) {
        for _ in 0..200 {
            if let Ok(response) = self.http.get(self.url("/healthz")).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("server did not start at {}", self.base_url);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn admin(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.bearer_auth(ADMIN_TOKEN)
    }

    /// A MongoDB handle on this app's database.
    pub async fn store(&self) -> Store {
        Store::connect(&self.config.mongodb).await.expect("store")
    }

    /// A bus on this app's prefix (for topology checks and cleanup).
    pub fn bus(&self) -> Bus {
        Bus::new(self.config.amqp.clone(), Metrics::new()).expect("bus")
    }

    /// Identity services on this app's database.
    pub async fn identity(&self) -> atelier_identity::Identity {
        atelier_identity::Identity::new(&self.store().await, self.config.identity.clone())
    }

    /// A new organisation with a full-scope API key (as `atelier admin create-tenant` does).
    pub async fn create_tenant(&self) -> TestTenant {
        let identity = self.identity().await;
        let record = identity
            .tenancy
            .create_tenant(&format!("Tenant {}", unique()))
            .await
            .expect("create tenant");
        let key = identity
            .api_keys
            .bootstrap(record.id, "test", atelier_identity::ApiKeyScope::Full)
            .await
            .expect("create API key");
        TestTenant {
            tenant: record.id,
            api_key: key.secret.expect("a new API key has its secret"),
        }
    }

    /// Creates a user of `tenant` through the API.
    pub async fn create_user(&self, tenant: &TestTenant, name: &str) -> atelier_identity::UserId {
        let response = self
            .http
            .post(self.url("/v1/users"))
            .bearer_auth(&tenant.api_key)
            .json(&serde_json::json!({ "display_name": name }))
            .send()
            .await
            .expect("create user");
        assert_eq!(response.status(), 201, "creating a user");
        let body: serde_json::Value = response.json().await.expect("user json");
        body["id"]
            .as_str()
            .expect("user id")
            .parse()
            .expect("a user id")
    }

    /// Creates a user of `tenant` directly in the domain, outside any request: no audit entry,
    /// no metered request (for tests that count those and only need an owner for a workspace).
    pub async fn create_user_quietly(
        &self,
        tenant: &TestTenant,
        name: &str,
    ) -> atelier_identity::UserId {
        let backend = atelier_identity::Principal::ApiKey {
            tenant: tenant.tenant,
            key_id: atelier_identity::ApiKeyId::generate(),
            scope: atelier_identity::ApiKeyScope::Full,
        };
        self.identity()
            .await
            .tenancy
            .create_user(&backend, name, None)
            .await
            .expect("create user")
            .id
    }

    /// Sends a request with `bearer` credentials and returns the status and the JSON body
    /// (`null` when the body is not JSON).
    pub async fn call(
        &self,
        bearer: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(bearer);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("response body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
        )
    }

    /// Graceful stop; returns what `run` returned.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let handle = self.handle.take().expect("a running server");
        handle.await.expect("server task")
    }

    /// Abrupt stop, as if the process crashed.
    pub async fn crash(mut self) {
        let handle = self.handle.take().expect("a running server");
        handle.abort();
        let outcome = handle.await;
        assert!(
            outcome.is_err(),
            "an aborted server should not finish normally"
        );
    }

    /// Graceful stop, then deletes the database and every queue and exchange of the prefix.
    pub async fn stop_and_clean(self) {
        let store = self.store().await;
        let bus = self.bus();
        let handlers = prefix_handlers(&store, &bus, &self.config, &self.handlers)
            .expect("the test's configuration starts every module");
        self.stop().await.expect("server stopped cleanly");
        cleanup(&store, &bus, &handlers).await;
    }
}

/// Every consumer that declared queues on the app's prefix: the platform's own and the test's.
fn prefix_handlers(
    store: &Store,
    bus: &Bus,
    config: &Config,
    extra: &[Arc<dyn Handler>],
) -> anyhow::Result<Vec<Arc<dyn Handler>>> {
    let mut handlers = atelier_server::platform_handlers(&atelier_server::PlatformContext {
        store: store.clone(),
        outbox: atelier_outbox::Outbox::new(store),
        bus: bus.clone(),
        config: config.clone(),
    })?;
    handlers.extend(extra.iter().cloned());
    Ok(handlers)
}

/// A test that panics never reaches [`TestApp::stop_and_clean`]: its queues, exchanges and
/// database would stay behind (queues hold the broker's file descriptors). Dropped while
/// panicking, the app stops its server and cleans its prefix and database from a thread of its
/// own (the test's runtime is unwinding and drives nothing, so the server's consumers cannot
/// declare their queues again meanwhile). Other nodes of a failing multi-node test share the
/// prefix; cleaning it twice is harmless. A normal drop (after `stop`, `crash`, or a node
/// that a test keeps running elsewhere) cleans nothing.
impl Drop for TestApp {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        self.shutdown.cancel();
        if let Some(handle) = self.handle.take() {
            handle.abort();
        }
        let config = self.config.clone();
        let extra = self.handlers.clone();
        let cleaner = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                let clean = async {
                    let store = Store::connect(&config.mongodb).await?;
                    let bus = Bus::new(config.amqp.clone(), Metrics::new())?;
                    let handlers = prefix_handlers(&store, &bus, &config, &extra)?;
                    cleanup(&store, &bus, &handlers).await;
                    anyhow::Ok(())
                };
                match tokio::time::timeout(Duration::from_secs(30), clean).await {
                    Ok(Ok(())) => eprintln!("cleanup: a failing test's app cleaned its prefix"),
                    Ok(Err(error)) => eprintln!("cleanup after a failing test failed: {error:#}"),
                    Err(_) => eprintln!("cleanup after a failing test timed out"),
                }
            });
        });
        if cleaner.join().is_err() {
            eprintln!("cleanup after a failing test panicked");
        }
    }
}

/// Deletes a test's database and RabbitMQ objects. Failures are reported, not fatal: a stale
/// test queue does no harm beyond clutter.
pub async fn cleanup(store: &Store, bus: &Bus, handlers: &[Arc<dyn Handler>]) {
    if let Err(error) = store.drop_database().await {
        eprintln!("cleanup: dropping the test database failed: {error}");
    }
    for handler in handlers {
        if let Err(error) = bus.delete_consumer_topology(&handler.spec()).await {
            eprintln!("cleanup: deleting consumer topology failed: {error}");
        }
    }
    if let Err(error) = bus.delete_base().await {
        eprintln!("cleanup: deleting exchanges failed: {error}");
    }
}

/// Cross-tenant probe: calls each `(method, path, body)` (paths naming another tenant's ids)
/// with `intruder`'s credentials and asserts every answer is a 404 problem. Issues that add
/// endpoints append their routes to their own probe list.
pub async fn assert_cross_tenant_404(
    app: &TestApp,
    intruder: &TestTenant,
    probes: &[(reqwest::Method, String, Option<serde_json::Value>)],
) {
    for (method, path, body) in probes {
        let mut request = app
            .http
            .request(method.clone(), app.url(path))
            .bearer_auth(&intruder.api_key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("probe request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(
            status, 404,
            "{method} {path} from another tenant answered {status}: {text}"
        );
        let problem: serde_json::Value = serde_json::from_str(&text).expect("problem json");
        assert!(
            problem["code"]
                .as_str()
                .is_some_and(|code| code.ends_with("not_found")),
            "{method} {path}: {problem}"
        );
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if condition().await {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
