//! Webhooks as a platform module: the `[webhooks]` settings, collections, event types, the
//! fan-out and delivery consumers, the webhook metrics, and the services of the HTTP edge
//! ([`Endpoints`], [`Attempts`], [`Redelivery`], [`WebhooksConfig`]).

use std::time::Duration;

use atelier_observability::Metrics;
use atelier_outbox::catalog::EventType;
use atelier_platform::{
    Module, ModuleConfig, ModuleContext, ModuleError, Running, SettingError, Settings, settings,
};
use atelier_store::Migration;
use serde_json::Value;

use crate::{
    Attempts, Endpoints, WebhooksConfig,
    delivery::{self, Redelivery},
    metrics::WebhookMetrics,
};

impl ModuleConfig for WebhooksConfig {
    const SECTION: &'static str = "webhooks";
}

/// The webhooks module (register it in the server's module list).
#[derive(Debug, Clone, Copy, Default)]
pub struct WebhooksModule;

/// One line per setting of `[webhooks]`.
const SETTINGS: &[(&str, &str)] = &[
    (
        "allow_http",
        "Accept http:// webhook endpoint URLs (true/false); development and tests only.",
    ),
    (
        "allowed_hosts",
        "Comma list of hosts or IP addresses exempt from the SSRF guard (matched as written in the URL), e.g. 127.0.0.1,localhost.",
    ),
    (
        "retry_schedule",
        "Comma list of delays before each delivery retry, e.g. 5s,5m,30m,2h,5h,10h,10h.",
    ),
    (
        "connect_timeout",
        "TCP connect (and DNS resolution) timeout of a webhook delivery, e.g. 5s.",
    ),
    (
        "request_timeout",
        "Whole-request timeout of a webhook delivery, e.g. 15s.",
    ),
    (
        "max_retry_after",
        "Longest Retry-After honoured from a webhook receiver, e.g. 1h.",
    ),
    (
        "disable_after",
        "Disable an endpoint failing without a success for this long, e.g. 5days.",
    ),
    (
        "secret_rotation_overlap",
        "How long the previous signing secret keeps signing after a rotation, e.g. 24h.",
    ),
    (
        "endpoint_cache_ttl",
        "How long deliveries reuse an endpoint record they read, e.g. 1s (0s: read every time); endpoint changes reach deliveries within it.",
    ),
    (
        "throttle_max_wait",
        "Longest a delivery waits for its endpoint's throttle slot before it is put back on a delay tier without using an attempt, e.g. 1s.",
    ),
    (
        "delivery_concurrency",
        "Webhook deliveries one node sends at once (the delivery consumer's prefetch), e.g. 128.",
    ),
];

impl WebhooksConfig {
    /// Checks values serde cannot.
    pub fn validate(&self) -> Result<(), SettingError> {
        if self.retry_schedule.is_empty() {
            return Err(SettingError::new(
                "retry_schedule",
                "must list at least one delay, e.g. 5s,5m,30m",
            ));
        }
        if self.retry_schedule.iter().any(Duration::is_zero) {
            return Err(SettingError::new(
                "retry_schedule",
                "every delay must be greater than zero",
            ));
        }
        let positive = [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
            ("max_retry_after", self.max_retry_after),
            ("disable_after", self.disable_after),
        ];
        if let Some((setting, _)) = positive.iter().find(|(_, value)| value.is_zero()) {
            return Err(SettingError::new(*setting, "must be greater than zero"));
        }
        if self.delivery_concurrency == 0 {
            return Err(SettingError::new(
                "delivery_concurrency",
                "must be at least 1",
            ));
        }
        if self.connect_timeout > self.request_timeout {
            return Err(SettingError::new(
                "connect_timeout",
                "must not exceed webhooks.request_timeout",
            ));
        }
        let is_host = |host: &str| {
            host.parse::<std::net::IpAddr>().is_ok()
                || (host.starts_with('[') && host.ends_with(']'))
                || (!host.is_empty()
                    && !host.contains(|c: char| c.is_whitespace() || "/:@?#".contains(c)))
        };
        if let Some(host) = self.allowed_hosts.iter().find(|host| !is_host(host)) {
            return Err(SettingError::new(
                "allowed_hosts",
                format!("`{host}` is not a host name or IP address (no scheme, port or path)"),
            ));
        }
        Ok(())
    }
}

impl Module for WebhooksModule {
    fn name(&self) -> &'static str {
        WebhooksConfig::SECTION
    }

    fn settings(&self) -> Settings {
        Settings::of::<WebhooksConfig>(SETTINGS)
    }

    fn check_settings(&self, section: &Value) -> Result<Vec<String>, SettingError> {
        let config: WebhooksConfig = settings::parse(section)?;
        config.validate()?;
        let mut warnings = Vec::new();
        if config.allow_http {
            warnings.push(
                "webhooks.allow_http is on: endpoint URLs may be plain http (development only)"
                    .to_owned(),
            );
        }
        Ok(warnings)
    }

    fn migrations(&self) -> Vec<Migration> {
        vec![
            Migration {
                id: "0004_webhooks",
                description: "webhook endpoints and delivery records",
                collections: crate::collection_specs(),
            },
            Migration {
                id: "0007_webhook_exhaustions",
                description: "exhaustion marks, so webhook.attempt.exhausted is emitted once per exhausted job",
                collections: delivery::exhaustion_collection_specs(),
            },
        ]
    }

    fn event_types(&self) -> Vec<EventType> {
        crate::events::types()
    }

    fn register_metrics(&self, metrics: &Metrics) -> Result<(), ModuleError> {
        WebhookMetrics::of(metrics)
            .map(|_bundle| ())
            .map_err(|error| ModuleError::Metrics(error.to_string()))
    }

    fn start(&self, context: &ModuleContext<'_>) -> Result<Running, ModuleError> {
        let config: WebhooksConfig = settings::parse(context.settings)?;
        let metrics = WebhookMetrics::of(context.metrics)
            .map_err(|error| ModuleError::Metrics(error.to_string()))?;
        let mut running = Running {
            consumers: delivery::handlers(
                context.store,
                context.bus,
                &config,
                context.catalog,
                &metrics,
            ),
            ..Running::default()
        };
        let services = &mut running.services;
        services.insert(
            Endpoints::new(context.store, context.catalog.clone()).with_config(config.clone()),
        )?;
        services.insert(Attempts::new(context.store))?;
        services.insert(crate::EventLog::new(context.store, context.catalog.clone()))?;
        services.insert(Redelivery::new(context.store, context.bus, context.catalog))?;
        services.insert(config)?;
        Ok(running)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn settings_are_documented_and_checked() {
        let settings = WebhooksModule.settings();
        let documented: Vec<&str> = settings.docs.iter().map(|(key, _)| *key).collect();
        for key in settings.defaults.as_object().unwrap().keys() {
            assert!(
                documented.contains(&key.as_str()),
                "webhooks.{key} is not documented"
            );
        }
        assert_eq!(
            WebhooksModule.check_settings(&settings.defaults),
            Ok(Vec::new())
        );
        let cases = [
            (json!({ "retry_schedule": "" }), "retry_schedule"),
            (json!({ "retry_schedule": "5s,0s" }), "retry_schedule"),
            (json!({ "connect_timeout": "0s" }), "connect_timeout"),
            (
                json!({ "connect_timeout": "20s", "request_timeout": "10s" }),
                "connect_timeout",
            ),
            (json!({ "delivery_concurrency": 0 }), "delivery_concurrency"),
            (json!({ "allowed_hosts": ["http://x"] }), "allowed_hosts"),
        ];
        for (change, setting) in cases {
            let mut section = settings.defaults.clone();
            for (key, value) in change.as_object().unwrap() {
                section[key] = value.clone();
            }
            let error = WebhooksModule.check_settings(&section).unwrap_err();
            assert_eq!(error.setting, setting, "{change}");
        }
        let mut http = settings.defaults.clone();
        http["allow_http"] = json!(true);
        assert_eq!(WebhooksModule.check_settings(&http).unwrap().len(), 1);
    }
}
