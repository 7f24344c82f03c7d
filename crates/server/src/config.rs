//! Configuration: defaults, then an optional TOML file, then `ATELIER_*` environment variables.
//!
//! Every setting has one line in [`SETTINGS`] (its documentation, printed by
//! `atelier serve --help`). Environment variables are the setting's dotted path upper-cased
//! with `_` for `.`: `mongodb.uri` is `ATELIER_MONGODB_URI`, `admin_token` is
//! `ATELIER_ADMIN_TOKEN`. [`Config::load`] validates everything at start-up and names the
//! setting at fault.

use std::{collections::BTreeMap, net::SocketAddr, path::Path, time::Duration};

use atelier_api::rate_limit::RateLimitConfig;
use atelier_bus::BusConfig;
use atelier_identity::IdentityConfig;
use atelier_observability::LogFormat;
use atelier_outbox::RelayConfig;
use atelier_platform::{ModuleConfig, settings::SettingError};
use atelier_realtime::RealtimeConfig;
use atelier_store::MongoConfig;
use figment::{
    Figment,
    providers::{Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

pub use atelier_platform::Roles;

/// Prefix of every environment variable.
pub const ENV_PREFIX: &str = "ATELIER_";

/// The platform's sections; an env var whose first word is one of these (or a module's name)
/// addresses a field in it.
const SECTIONS: &[&str] = &[
    "http",
    "mongodb",
    "amqp",
    "outbox",
    "identity",
    "rate_limits",
    "realtime",
    "log",
];

/// The platform's top-level settings (every field of [`Config`] but the module sections).
const PLATFORM_KEYS: &[&str] = &[
    "roles",
    "node_id",
    "admin_token",
    "migrate_on_start",
    "http",
    "mongodb",
    "amqp",
    "outbox",
    "identity",
    "rate_limits",
    "realtime",
    "log",
];

/// The whole configuration of one node: the platform's sections, typed, and one section per
/// registered module, kept as merged JSON and read by the module itself
/// ([`Config::module_config`]).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Config {
    /// What this node runs.
    pub roles: Roles,
    /// Identifies this node in leases and logs.
    pub node_id: String,
    /// Operator bearer token for `/v1/admin`; unset disables the admin API.
    pub admin_token: Option<String>,
    /// Apply pending migrations before serving.
    pub migrate_on_start: bool,
    pub http: HttpConfig,
    pub mongodb: MongoConfig,
    pub amqp: BusConfig,
    pub outbox: RelayConfig,
    pub identity: IdentityConfig,
    pub rate_limits: RateLimitConfig,
    pub realtime: RealtimeConfig,
    pub log: LogConfig,
    /// Each module's section by module name (`chat`, `webhooks`), checked by the module.
    #[serde(flatten)]
    pub modules: BTreeMap<String, serde_json::Value>,
}

/// HTTP listener settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    pub addr: SocketAddr,
    pub max_body_bytes: usize,
    /// How long in-flight requests may take to finish on shutdown.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Rate-limit anonymous callers by the rightmost `X-Forwarded-For` entry (only behind a
    /// proxy that appends it).
    pub trust_forwarded_for: bool,
    /// Every request is answered within this: past it, 503 `request_timeout` with
    /// `Retry-After`. A WebSocket is exempt once upgraded.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// A connection must deliver a complete request head within this (from its opening, or
    /// from its previous response when kept alive), or it is closed.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// A request body must arrive whole within this, or the request answers 408
    /// `body_read_timeout`.
    #[serde(with = "humantime_serde")]
    pub body_read_timeout: Duration,
    /// Open connections per client IP (the peer address); more are refused. 0: no limit.
    pub max_connections_per_ip: usize,
}

/// Logging settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub format: LogFormat,
    /// `tracing` EnvFilter directives, e.g. `info,atelier_outbox=debug`.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            roles: Roles::ALL,
            node_id: format!("node-{}", ulid::Ulid::new().to_string().to_lowercase()),
            admin_token: None,
            migrate_on_start: false,
            http: HttpConfig {
                addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
                max_body_bytes: 1024 * 1024,
                shutdown_grace: Duration::from_secs(20),
                trust_forwarded_for: false,
                request_timeout: Duration::from_secs(10),
                header_read_timeout: Duration::from_secs(10),
                body_read_timeout: Duration::from_secs(10),
                max_connections_per_ip: 256,
            },
            mongodb: MongoConfig::default(),
            amqp: BusConfig::default(),
            outbox: RelayConfig::default(),
            identity: IdentityConfig::default(),
            rate_limits: RateLimitConfig::default(),
            realtime: RealtimeConfig::default(),
            log: LogConfig {
                format: LogFormat::Pretty,
                filter: "info".to_owned(),
            },
            modules: crate::modules::all()
                .iter()
                .map(|module| (module.name().to_owned(), module.settings().defaults))
                .collect(),
        }
    }
}

/// Documentation of every platform setting: (dotted path, meaning); modules document their own
/// sections ([`all_settings`]). A test checks the two cover every field.
pub const SETTINGS: &[(&str, &str)] = &[
    (
        "roles",
        "Comma list of roles this node runs: api, relay, consumers (or all).",
    ),
    (
        "node_id",
        "Name of this node in leases and logs (default: random per start).",
    ),
    (
        "admin_token",
        "Operator bearer token for /v1/admin (16+ characters); unset disables the admin API.",
    ),
    (
        "migrate_on_start",
        "Apply pending MongoDB migrations before serving (true/false).",
    ),
    (
        "http.addr",
        "Address the HTTP and WebSocket listener binds, e.g. 0.0.0.0:8080.",
    ),
    (
        "http.max_body_bytes",
        "Largest accepted request body in bytes; larger answers 413.",
    ),
    (
        "http.shutdown_grace",
        "Time in-flight requests get to finish on shutdown, e.g. 20s.",
    ),
    (
        "http.trust_forwarded_for",
        "Take the client IP for anonymous rate limits from the rightmost X-Forwarded-For entry (only behind a proxy).",
    ),
    (
        "http.request_timeout",
        "Deadline of every request, e.g. 10s; past it the answer is 503 request_timeout with Retry-After (WebSockets are exempt once upgraded).",
    ),
    (
        "http.header_read_timeout",
        "A connection that has not sent a complete request head within this (also between keep-alive requests) is closed, e.g. 10s.",
    ),
    (
        "http.body_read_timeout",
        "A request body that has not arrived whole within this answers 408 body_read_timeout, e.g. 10s.",
    ),
    (
        "http.max_connections_per_ip",
        "Open connections per client IP (peer address); more are refused with 503 too_many_connections. 0: no limit.",
    ),
    (
        "mongodb.uri",
        "MongoDB connection string (a replica set in production: transactions).",
    ),
    (
        "mongodb.database",
        "Database holding every Atelier collection.",
    ),
    (
        "mongodb.server_selection_timeout",
        "How long an operation waits for a reachable server, e.g. 5s.",
    ),
    (
        "mongodb.operation_timeout",
        "Bound on every MongoDB transaction and on the wait for majority write acknowledgement, e.g. 5s; past it the operation fails as unavailable (503). Shorter than http.request_timeout.",
    ),
    (
        "mongodb.serialize_transactions",
        "One transaction at a time per process: only for dev servers without transaction isolation (nx-27017).",
    ),
    (
        "amqp.url",
        "RabbitMQ URL, e.g. amqp://guest:guest@127.0.0.1:5672/%2f.",
    ),
    (
        "amqp.prefix",
        "Prefix of every exchange and queue name (letters, digits, . _ -).",
    ),
    ("amqp.pool_size", "Maximum pooled RabbitMQ connections."),
    (
        "amqp.prefetch",
        "Unacknowledged deliveries per consumer (basic.qos).",
    ),
    (
        "amqp.delivery_limit",
        "Quorum-queue delivery limit before a message is dead-lettered.",
    ),
    (
        "amqp.confirm_timeout",
        "How long a publish waits for the broker's confirm, e.g. 10s.",
    ),
    (
        "amqp.reconnect_backoff_max",
        "Longest pause between consumer reconnect attempts, e.g. 10s.",
    ),
    (
        "outbox.batch_size",
        "Outbox events the relay publishes per cycle.",
    ),
    (
        "outbox.poll_interval",
        "Relay poll interval when idle, e.g. 100ms.",
    ),
    (
        "outbox.lease_ttl",
        "Relay leadership lease time-to-live, e.g. 15s; longer than amqp.confirm_timeout.",
    ),
    (
        "outbox.stall_after",
        "Readiness fails when the relay made no progress for this long, e.g. 30s.",
    ),
    (
        "outbox.retention",
        "How long published events stay in the event log (GET /v1/events), e.g. 30days; older ones are purged by the relay every minute.",
    ),
    ("identity.issuer", "`iss` claim of user access tokens."),
    ("identity.audience", "`aud` claim of user access tokens."),
    (
        "identity.access_token_ttl",
        "Lifetime of user access tokens, e.g. 15m.",
    ),
    (
        "identity.refresh_token_ttl",
        "Lifetime of a refresh token, e.g. 30days.",
    ),
    (
        "identity.leeway",
        "Clock skew tolerated on token exp/nbf, e.g. 30s.",
    ),
    (
        "identity.usage_flush_interval",
        "How often in-memory usage counters are written to MongoDB, e.g. 10s.",
    ),
    (
        "identity.idempotency_ttl",
        "How long Idempotency-Key responses are kept and replayed, e.g. 24h.",
    ),
    (
        "rate_limits.enabled",
        "Enforce rate limits (true/false); off only for benchmarks.",
    ),
    (
        "rate_limits.api_key_per_second",
        "Requests per second per API key (sustained).",
    ),
    (
        "rate_limits.api_key_burst",
        "Requests an API key may send at once.",
    ),
    (
        "rate_limits.user_per_second",
        "Requests per second per end user (sustained).",
    ),
    (
        "rate_limits.user_burst",
        "Requests an end user may send at once.",
    ),
    (
        "rate_limits.anonymous_per_second",
        "Requests per second per client IP without credentials.",
    ),
    (
        "rate_limits.anonymous_burst",
        "Requests a client IP without credentials may send at once.",
    ),
    (
        "rate_limits.tenants",
        "TOML table only: per-tenant overrides, [rate_limits.tenants.ten_...] with api_key_per_second, api_key_burst, user_per_second, user_burst.",
    ),
    (
        "realtime.max_frame_bytes",
        "Largest WebSocket frame a client may send, in bytes; larger closes the socket with 1009.",
    ),
    (
        "realtime.outbound_queue",
        "Frames queued per WebSocket connection before the client counts as too slow (closed with 4008).",
    ),
    (
        "realtime.stalled_after",
        "A WebSocket whose oldest queued frame could not be written for this long is closed with 4008 (or dropped), e.g. 5s.",
    ),
    (
        "realtime.max_subscriptions",
        "Channel subscriptions plus presence watches per WebSocket connection.",
    ),
    (
        "realtime.frames_per_second",
        "Client frames per second per WebSocket (sustained); beyond it frames are refused with rate_limited, and a client that keeps sending is closed with 4029.",
    ),
    (
        "realtime.frame_burst",
        "Client frames a WebSocket may send at once (the token bucket's size).",
    ),
    (
        "realtime.max_sockets_per_user",
        "WebSockets one user may hold on this node (per node, not cluster-wide); one more is closed with 4030.",
    ),
    (
        "realtime.ping_interval",
        "How often the gateway pings each WebSocket, e.g. 15s.",
    ),
    (
        "realtime.ping_timeout",
        "A WebSocket silent (no pong, no frame) for this long is closed with 4000, e.g. 45s.",
    ),
    (
        "realtime.typing_throttle",
        "At most one typing notice per user and channel per this interval, e.g. 2s.",
    ),
    (
        "realtime.typing_ttl",
        "How long clients show a typing notice, e.g. 6s.",
    ),
    (
        "realtime.presence_ttl",
        "A presence announcement expires after this without a heartbeat, e.g. 60s.",
    ),
    (
        "realtime.resume_max_events",
        "Most events a resume replays per channel; beyond it the channel gets resync_required.",
    ),
    (
        "realtime.resume_window",
        "A resume cursor older than this gets resync_required, e.g. 1h.",
    ),
    ("log.format", "pretty or json."),
    (
        "log.filter",
        "tracing filter directives, e.g. info,atelier_outbox=debug.",
    ),
];

/// The environment variable of a setting.
pub fn env_var(path: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        path.replace('.', "_").to_ascii_uppercase()
    )
}

/// Every setting's dotted path and meaning: the platform's, then each module's section.
pub fn all_settings() -> Vec<(String, &'static str)> {
    let mut settings: Vec<(String, &'static str)> = SETTINGS
        .iter()
        .map(|(path, meaning)| ((*path).to_owned(), *meaning))
        .collect();
    for module in crate::modules::all() {
        for (key, meaning) in module.settings().docs {
            settings.push((format!("{}.{key}", module.name()), meaning));
        }
    }
    settings
}

/// The settings table as help text, with each default.
pub fn settings_help() -> String {
    let defaults = flatten(&serde_json::to_value(Config::default()).unwrap_or_default());
    let mut text = String::from(
        "Settings (defaults, then the --config TOML file, then environment variables):\n",
    );
    for (path, meaning) in all_settings() {
        let path = path.as_str();
        let default = defaults
            .iter()
            .find(|(key, _)| key == path)
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        let default = if path == "node_id" {
            "random".to_owned()
        } else {
            default
        };
        text.push_str(&format!(
            "\n  {:<40} {meaning}\n  {:<40} default: {}\n",
            env_var(path),
            format!("({path})"),
            if default.is_empty() {
                "unset".to_owned()
            } else {
                default
            }
        ));
    }
    text
}

fn flatten(value: &serde_json::Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match value {
            // An empty table (a map such as `rate_limits.tenants`) is one setting.
            serde_json::Value::Object(map) if map.is_empty() && !prefix.is_empty() => {
                out.push((prefix.to_owned(), String::new()));
            }
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, child, out);
                }
            }
            serde_json::Value::Null => out.push((prefix.to_owned(), String::new())),
            serde_json::Value::String(text) => out.push((prefix.to_owned(), text.clone())),
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

/// Start-up configuration errors, each naming the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(Box<figment::Error>),
    #[error("configuration: {setting} ({env}): {message}")]
    Invalid {
        setting: String,
        env: String,
        message: String,
    },
}

impl Config {
    /// Loads defaults, then `file` if given, then the process environment; validates.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_from(file, std::env::vars())
    }

    /// Like [`Config::load`] with an explicit environment (for tests).
    pub fn load_from(
        file: Option<&Path>,
        environment: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            figment = figment.merge(Toml::file_exact(file));
        }
        // Env vars are collected first so tests can pass their own. `ATELIER_CONFIG` names the
        // file; `ATELIER_TEST_*` and `ATELIER_BENCH_*` belong to the test and bench harnesses.
        let variables: Vec<(String, String)> = environment
            .into_iter()
            .filter(|(key, _)| {
                key.starts_with(ENV_PREFIX)
                    && key != "ATELIER_CONFIG"
                    && !key.starts_with("ATELIER_TEST_")
                    && !key.starts_with("ATELIER_BENCH_")
            })
            .collect();
        for (key, value) in &variables {
            let path = env_key_to_path(&key[ENV_PREFIX.len()..]);
            figment = figment.merge(Serialized::default(&path, typed_env_value(&path, value)));
        }
        let config = Config::extract(&figment)?;
        config.validate()?;
        Ok(config)
    }

    /// The platform's sections typed one by one (so figment names the source of a bad value),
    /// each module's section as JSON, and an error for any other top-level key.
    fn extract(figment: &Figment) -> Result<Config, ConfigError> {
        let load = |error: figment::Error| ConfigError::Load(Box::new(error));
        // `extract_inner(key)` appends `key` to the error's path; put it first, so the error
        // names `http.addr`, as the setting is written.
        let section = |key: &str, error: figment::Error| {
            let mut error = error;
            if error.path.last().map(String::as_str) == Some(key) {
                error.path.pop();
                error.path.insert(0, key.to_owned());
            }
            ConfigError::Load(Box::new(error))
        };
        let modules = crate::modules::all();
        let whole: figment::value::Dict = figment.extract().map_err(load)?;
        if let Some(unknown) = whole.keys().find(|key| {
            !PLATFORM_KEYS.contains(&key.as_str())
                && !modules.iter().any(|module| module.name() == key.as_str())
        }) {
            return Err(ConfigError::Invalid {
                setting: unknown.clone(),
                env: env_var(unknown),
                message: "no such setting".to_owned(),
            });
        }
        let mut sections = BTreeMap::new();
        for module in &modules {
            let value: serde_json::Value = figment
                .extract_inner(module.name())
                .map_err(|error| section(module.name(), error))?;
            sections.insert(module.name().to_owned(), value);
        }
        Ok(Config {
            roles: figment
                .extract_inner("roles")
                .map_err(|e| section("roles", e))?,
            node_id: figment
                .extract_inner("node_id")
                .map_err(|e| section("node_id", e))?,
            admin_token: figment
                .extract_inner("admin_token")
                .map_err(|e| section("admin_token", e))?,
            migrate_on_start: figment
                .extract_inner("migrate_on_start")
                .map_err(|e| section("migrate_on_start", e))?,
            http: figment
                .extract_inner("http")
                .map_err(|e| section("http", e))?,
            mongodb: figment
                .extract_inner("mongodb")
                .map_err(|e| section("mongodb", e))?,
            amqp: figment
                .extract_inner("amqp")
                .map_err(|e| section("amqp", e))?,
            outbox: figment
                .extract_inner("outbox")
                .map_err(|e| section("outbox", e))?,
            identity: figment
                .extract_inner("identity")
                .map_err(|e| section("identity", e))?,
            rate_limits: figment
                .extract_inner("rate_limits")
                .map_err(|e| section("rate_limits", e))?,
            realtime: figment
                .extract_inner("realtime")
                .map_err(|e| section("realtime", e))?,
            log: figment
                .extract_inner("log")
                .map_err(|e| section("log", e))?,
            modules: sections,
        })
    }

    /// Checks values serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting: &'static str, message: String| ConfigError::Invalid {
            setting: setting.to_owned(),
            env: env_var(setting),
            message,
        };
        if !(self.mongodb.uri.starts_with("mongodb://")
            || self.mongodb.uri.starts_with("mongodb+srv://"))
        {
            return Err(invalid(
                "mongodb.uri",
                "must start with mongodb:// or mongodb+srv://".into(),
            ));
        }
        let name_ok = |name: &str, extra: &[u8]| {
            !name.is_empty()
                && name.len() <= 63
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
        };
        if !name_ok(&self.mongodb.database, b"_") {
            return Err(invalid(
                "mongodb.database",
                "use 1 to 63 letters, digits or underscores".into(),
            ));
        }
        if !(self.amqp.url.starts_with("amqp://") || self.amqp.url.starts_with("amqps://")) {
            return Err(invalid(
                "amqp.url",
                "must start with amqp:// or amqps://".into(),
            ));
        }
        if !name_ok(&self.amqp.prefix, b"._-") {
            return Err(invalid(
                "amqp.prefix",
                "use 1 to 63 letters, digits, '.', '_' or '-'".into(),
            ));
        }
        if self.amqp.pool_size < 2 {
            return Err(invalid("amqp.pool_size", "must be at least 2".into()));
        }
        if self.amqp.prefetch == 0 {
            return Err(invalid("amqp.prefetch", "must be at least 1".into()));
        }
        if self.amqp.delivery_limit == 0 {
            return Err(invalid("amqp.delivery_limit", "must be at least 1".into()));
        }
        if self.http.max_body_bytes < 1024 {
            return Err(invalid(
                "http.max_body_bytes",
                "must be at least 1024".into(),
            ));
        }
        for (setting, value) in [
            ("http.request_timeout", self.http.request_timeout),
            ("http.header_read_timeout", self.http.header_read_timeout),
            ("http.body_read_timeout", self.http.body_read_timeout),
            ("mongodb.operation_timeout", self.mongodb.operation_timeout),
        ] {
            if value < Duration::from_secs(1) {
                return Err(invalid(setting, "must be at least 1s".into()));
            }
        }
        if self.outbox.batch_size == 0 || self.outbox.batch_size > 10_000 {
            return Err(invalid(
                "outbox.batch_size",
                "must be between 1 and 10000".into(),
            ));
        }
        if self.outbox.poll_interval >= self.outbox.stall_after {
            return Err(invalid(
                "outbox.poll_interval",
                "must be shorter than outbox.stall_after, or an idle relay would look stalled"
                    .into(),
            ));
        }
        if self.outbox.lease_ttl < Duration::from_secs(1) {
            return Err(invalid("outbox.lease_ttl", "must be at least 1s".into()));
        }
        if self.outbox.lease_ttl <= self.amqp.confirm_timeout {
            return Err(invalid(
                "outbox.lease_ttl",
                format!(
                    "must be longer than amqp.confirm_timeout ({:?}): a relay waiting that long for \
                     its publish confirms would outlive its lease and never mark what it published",
                    self.amqp.confirm_timeout
                ),
            ));
        }
        if self.outbox.retention < Duration::from_secs(60) {
            return Err(invalid("outbox.retention", "must be at least 1m".into()));
        }
        if let Some(token) = &self.admin_token
            && token.len() < 16
        {
            return Err(invalid(
                "admin_token",
                "must be at least 16 characters".into(),
            ));
        }
        if let Err(error) = self.rate_limits.validate() {
            return Err(invalid(error.setting, error.message));
        }
        if self.node_id.is_empty() {
            return Err(invalid("node_id", "must not be empty".into()));
        }
        if let Err((setting, message)) = self.realtime.validate() {
            return Err(invalid(setting, message.into()));
        }
        self.check_modules().map(|_warnings| ())
    }

    /// Lets every module check its section; returns their warnings.
    fn check_modules(&self) -> Result<Vec<String>, ConfigError> {
        let mut warnings = Vec::new();
        for module in crate::modules::all() {
            let name = module.name();
            let section = self.modules.get(name).cloned().unwrap_or_default();
            match module.check_settings(&section) {
                Ok(found) => warnings.extend(found),
                Err(SettingError { setting, message }) => {
                    let setting = if setting.is_empty() {
                        name.to_owned()
                    } else {
                        format!("{name}.{setting}")
                    };
                    return Err(ConfigError::Invalid {
                        env: env_var(&setting),
                        setting,
                        message,
                    });
                }
            }
        }
        Ok(warnings)
    }

    /// A module's typed section (the defaults when the module is not registered).
    ///
    /// # Panics
    /// When the section does not deserialize: [`Config::load`] and [`Config::validate`] refuse
    /// such a configuration, so only a test that wrote a bad section by hand gets here.
    pub fn module_config<C: ModuleConfig>(&self) -> C {
        match self.modules.get(C::SECTION) {
            Some(section) => atelier_platform::settings::parse(section)
                .unwrap_or_else(|error| panic!("[{}] {error}", C::SECTION)),
            None => C::default(),
        }
    }

    /// Changes a module's typed section in place (tests and tools).
    pub fn update_module_config<C: ModuleConfig>(&mut self, change: impl FnOnce(&mut C)) {
        let mut config: C = self.module_config();
        change(&mut config);
        self.modules.insert(
            C::SECTION.to_owned(),
            serde_json::to_value(&config).expect("a configuration struct serialises to JSON"),
        );
    }

    /// Legal but risky combinations, logged at start-up.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.roles.api && self.admin_token.is_none() {
            warnings.push("ATELIER_ADMIN_TOKEN is unset: the admin API answers 403".to_owned());
        }
        if self.amqp.confirm_timeout > self.outbox.stall_after {
            warnings.push(
                "amqp.confirm_timeout exceeds outbox.stall_after: one slow confirm marks the relay stalled"
                    .to_owned(),
            );
        }
        if self.mongodb.operation_timeout >= self.http.request_timeout {
            warnings.push(
                "mongodb.operation_timeout is not shorter than http.request_timeout: requests waiting on a hung MongoDB answer 503 request_timeout rather than dependency_unavailable"
                    .to_owned(),
            );
        }
        if self.http.body_read_timeout > self.http.request_timeout {
            warnings.push(
                "http.body_read_timeout exceeds http.request_timeout: a slow body meets the request deadline (503) before its own (408)"
                    .to_owned(),
            );
        }
        if self.http.trust_forwarded_for && self.http.max_connections_per_ip > 0 {
            warnings.push(
                "http.max_connections_per_ip counts peer addresses: behind a proxy every client shares the proxy's limit"
                    .to_owned(),
            );
        }
        // Modules warn about their own sections (an invalid one never gets this far).
        warnings.extend(self.check_modules().unwrap_or_default());
        if !self.http.addr.ip().is_loopback() && self.admin_token.is_none() && self.roles.api {
            warnings.push("listening beyond loopback without an admin token".to_owned());
        }
        warnings
    }

    /// The configuration with secrets replaced, for `atelier config` and logs.
    pub fn redacted(&self) -> Config {
        let mut copy = self.clone();
        if copy.admin_token.is_some() {
            copy.admin_token = Some("<redacted>".to_owned());
        }
        copy.mongodb.uri = redact_url_password(&copy.mongodb.uri);
        copy.amqp.url = redact_url_password(&copy.amqp.url);
        copy
    }
}

/// `ATELIER_MONGODB_SERVER_SELECTION_TIMEOUT` → `mongodb.server_selection_timeout`.
fn env_key_to_path(key: &str) -> String {
    let key = key.to_ascii_lowercase();
    // Sections may contain `_` themselves (`rate_limits`).
    let modules: Vec<&'static str> = crate::modules::all()
        .iter()
        .map(|module| module.name())
        .collect();
    SECTIONS
        .iter()
        .chain(&modules)
        .find_map(|section| {
            let rest = key.strip_prefix(section)?.strip_prefix('_')?;
            Some(format!("{section}.{rest}"))
        })
        .unwrap_or(key)
}

/// Env values are text; a setting whose default is a number or a boolean gets its text parsed
/// as one (so `ATELIER_AMQP_PREFETCH=8` works), every other setting keeps it as text (so a
/// numeric-looking token stays a string). Unparsable text stays text and fails with the
/// setting's name in the error.
fn typed_env_value(path: &str, raw: &str) -> serde_json::Value {
    let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
    let default = path
        .split('.')
        .try_fold(&defaults, |value, key| value.get(key));
    let text = serde_json::Value::String(raw.to_owned());
    match default {
        Some(serde_json::Value::Number(_)) => raw
            .parse::<u64>()
            .map(serde_json::Value::from)
            .unwrap_or(text),
        // Lists are comma-separated: `ATELIER_WEBHOOKS_ALLOWED_HOSTS=127.0.0.1,localhost`.
        Some(serde_json::Value::Array(_)) => serde_json::Value::Array(
            raw.split(',')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| serde_json::Value::String(part.to_owned()))
                .collect(),
        ),
        Some(serde_json::Value::Bool(_)) => raw
            .parse::<bool>()
            .map(serde_json::Value::Bool)
            .unwrap_or(text),
        _ => text,
    }
}

fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:<redacted>@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_setting_is_documented_and_every_documented_setting_exists() {
        let paths: Vec<String> = flatten(&serde_json::to_value(Config::default()).unwrap())
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        let settings = all_settings();
        for path in &paths {
            assert!(
                settings.iter().any(|(documented, _)| documented == path),
                "{path} is not documented (SETTINGS or its module's settings)"
            );
        }
        for (documented, _) in &settings {
            assert!(
                paths.iter().any(|p| p == documented),
                "{documented} does not exist"
            );
        }
    }

    #[test]
    fn environment_overrides_defaults() {
        let config = Config::load_from(
            None,
            env(&[
                ("ATELIER_MONGODB_URI", "mongodb://db:27017/?replicaSet=rs0"),
                ("ATELIER_MONGODB_SERVER_SELECTION_TIMEOUT", "2s"),
                ("ATELIER_HTTP_ADDR", "0.0.0.0:9000"),
                ("ATELIER_ROLES", "api,relay"),
                ("ATELIER_AMQP_PREFETCH", "8"),
                ("ATELIER_MIGRATE_ON_START", "true"),
                ("ATELIER_ADMIN_TOKEN", "0123456789abcdef0123"),
                ("UNRELATED", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.mongodb.uri, "mongodb://db:27017/?replicaSet=rs0");
        assert_eq!(
            config.mongodb.server_selection_timeout,
            Duration::from_secs(2)
        );
        assert_eq!(config.http.addr, "0.0.0.0:9000".parse().unwrap());
        assert!(config.roles.api && config.roles.relay && !config.roles.consumers);
        assert_eq!(config.amqp.prefetch, 8);
        assert!(config.migrate_on_start);
    }

    #[test]
    fn file_then_environment() {
        let dir = std::env::temp_dir().join(format!("atelier-config-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("atelier.toml");
        std::fs::write(
            &file,
            "roles = \"consumers\"\n[mongodb]\ndatabase = \"from_file\"\n[amqp]\nprefix = \"file\"\n",
        )
        .unwrap();
        let config =
            Config::load_from(Some(&file), env(&[("ATELIER_AMQP_PREFIX", "env")])).unwrap();
        assert_eq!(config.mongodb.database, "from_file");
        assert_eq!(config.amqp.prefix, "env");
        assert!(config.roles.consumers && !config.roles.api);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// The relay renews its lease at the start of a cycle and marks after the confirms: a
    /// confirm timeout as long as the lease could let the lease lapse in between, every cycle.
    #[test]
    fn a_confirm_timeout_that_can_outlive_the_relay_lease_is_refused() {
        let error = Config::load_from(
            None,
            env(&[
                ("ATELIER_AMQP_CONFIRM_TIMEOUT", "20s"),
                ("ATELIER_OUTBOX_LEASE_TTL", "15s"),
            ]),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("ATELIER_OUTBOX_LEASE_TTL"), "{error}");
        assert!(error.contains("amqp.confirm_timeout (20s)"), "{error}");
        Config::load_from(
            None,
            env(&[
                ("ATELIER_AMQP_CONFIRM_TIMEOUT", "2s"),
                ("ATELIER_OUTBOX_LEASE_TTL", "3s"),
            ]),
        )
        .unwrap();
    }

    #[test]
    fn bad_settings_are_named() {
        let cases = [
            ("ATELIER_HTTP_ADDR", "not-an-address", "http.addr"),
            ("ATELIER_MONGODB_URI", "postgres://x", "ATELIER_MONGODB_URI"),
            (
                "ATELIER_MONGODB_DATABASE",
                "bad.name",
                "ATELIER_MONGODB_DATABASE",
            ),
            ("ATELIER_AMQP_URL", "http://x", "ATELIER_AMQP_URL"),
            ("ATELIER_ROLES", "api,cooking", "cooking"),
            ("ATELIER_ADMIN_TOKEN", "short", "ATELIER_ADMIN_TOKEN"),
            ("ATELIER_AMQP_PREFETCH", "0", "ATELIER_AMQP_PREFETCH"),
            ("ATELIER_HTTP_MAX_BODY_BYTES", "lots", "http.max_body_bytes"),
            (
                "ATELIER_OUTBOX_POLL_INTERVAL",
                "1h",
                "ATELIER_OUTBOX_POLL_INTERVAL",
            ),
            // Not longer than the default 10s confirm timeout.
            (
                "ATELIER_OUTBOX_LEASE_TTL",
                "10s",
                "ATELIER_OUTBOX_LEASE_TTL",
            ),
            ("ATELIER_NO_SUCH_SETTING", "1", "no_such_setting"),
            (
                "ATELIER_WEBHOOKS_RETRY_SCHEDULE",
                " , ",
                "ATELIER_WEBHOOKS_RETRY_SCHEDULE",
            ),
            (
                "ATELIER_WEBHOOKS_RETRY_SCHEDULE",
                "5s,soon",
                "webhooks.retry_schedule",
            ),
            (
                "ATELIER_WEBHOOKS_CONNECT_TIMEOUT",
                "0s",
                "ATELIER_WEBHOOKS_CONNECT_TIMEOUT",
            ),
            (
                "ATELIER_WEBHOOKS_ALLOWED_HOSTS",
                "http://127.0.0.1:8080",
                "ATELIER_WEBHOOKS_ALLOWED_HOSTS",
            ),
            (
                "ATELIER_CHAT_MAX_MESSAGE_CHARS",
                "0",
                "ATELIER_CHAT_MAX_MESSAGE_CHARS",
            ),
            (
                "ATELIER_CHAT_MAX_MESSAGE_CHARS",
                "many",
                "chat.max_message_chars",
            ),
            (
                "ATELIER_CHAT_SCHEDULER_POLL_INTERVAL",
                "1ms",
                "ATELIER_CHAT_SCHEDULER_POLL_INTERVAL",
            ),
        ];
        for (key, value, named) in cases {
            let error = Config::load_from(None, env(&[(key, value)])).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(named), "{key}={value}: {message}");
        }
    }

    #[test]
    fn chat_from_environment() {
        let config = Config::load_from(
            None,
            env(&[
                ("ATELIER_CHAT_MAX_MESSAGE_CHARS", "500"),
                ("ATELIER_CHAT_SCHEDULER_POLL_INTERVAL", "100ms"),
            ]),
        )
        .unwrap();
        let chat: atelier_chat::ChatConfig = config.module_config();
        assert_eq!(chat.max_message_chars, 500);
        assert_eq!(chat.scheduler_poll_interval, Duration::from_millis(100));
    }

    #[test]
    fn rate_limits_from_environment_and_file() {
        let dir = std::env::temp_dir().join(format!("atelier-config-{}", ulid::Ulid::new()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("atelier.toml");
        let tenant = atelier_core::TenantId::generate();
        std::fs::write(
            &file,
            format!("[rate_limits.tenants.{tenant}]\napi_key_burst = 500\n"),
        )
        .unwrap();
        let config = Config::load_from(
            Some(&file),
            env(&[
                ("ATELIER_RATE_LIMITS_API_KEY_PER_SECOND", "7"),
                ("ATELIER_RATE_LIMITS_ENABLED", "false"),
                ("ATELIER_HTTP_TRUST_FORWARDED_FOR", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(config.rate_limits.api_key_per_second, 7);
        assert!(!config.rate_limits.enabled);
        assert!(config.http.trust_forwarded_for);
        assert_eq!(
            config.rate_limits.tenants[&tenant.to_string()].api_key_burst,
            Some(500)
        );
        let error = Config::load_from(None, env(&[("ATELIER_RATE_LIMITS_USER_BURST", "0")]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("ATELIER_RATE_LIMITS_USER_BURST"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn webhooks_from_environment() {
        let config = Config::load_from(
            None,
            env(&[
                ("ATELIER_WEBHOOKS_ALLOW_HTTP", "true"),
                ("ATELIER_WEBHOOKS_ALLOWED_HOSTS", "127.0.0.1, localhost,::1"),
                ("ATELIER_WEBHOOKS_RETRY_SCHEDULE", "200ms,1s"),
                ("ATELIER_WEBHOOKS_DISABLE_AFTER", "2days"),
            ]),
        )
        .unwrap();
        let webhooks: atelier_webhooks::WebhooksConfig = config.module_config();
        assert!(webhooks.allow_http);
        assert_eq!(
            webhooks.allowed_hosts,
            vec!["127.0.0.1", "localhost", "::1"]
        );
        assert_eq!(
            webhooks.retry_schedule,
            vec![Duration::from_millis(200), Duration::from_secs(1)]
        );
        assert_eq!(webhooks.disable_after, Duration::from_secs(2 * 24 * 3600));
    }

    #[test]
    fn numeric_looking_strings_stay_strings() {
        let config = Config::load_from(
            None,
            env(&[
                ("ATELIER_ADMIN_TOKEN", "12345678901234567890"),
                ("ATELIER_NODE_ID", "42"),
            ]),
        )
        .unwrap();
        assert_eq!(config.admin_token.as_deref(), Some("12345678901234567890"));
        assert_eq!(config.node_id, "42");
    }

    #[test]
    fn redaction_hides_secrets() {
        let mut config = Config {
            admin_token: Some("0123456789abcdef0123".to_owned()),
            ..Config::default()
        };
        config.amqp.url = "amqp://user:pa55word@host:5672/%2f".to_owned();
        let redacted = serde_json::to_string(&config.redacted()).unwrap();
        assert!(!redacted.contains("pa55word"));
        assert!(!redacted.contains("0123456789abcdef0123"));
    }

    #[test]
    fn help_lists_every_env_var() {
        let help = settings_help();
        for (path, _) in SETTINGS {
            assert!(help.contains(&env_var(path)), "{path}");
        }
    }
}
