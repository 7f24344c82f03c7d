//! Tracing set-up and the Prometheus metrics Atelier exports.
//!
//! [`Metrics`] owns its own [`prometheus::Registry`]: every running instance (and every test
//! running several instances in one process) has separate counters. The names here are the
//! contract with `slo/` and `runbooks/`: a test there checks that every metric a rule uses is
//! listed by [`Metrics::series_names`]. Modules register their own collectors on the same
//! registry through [`Metrics::module_bundle`].

use std::{
    any::{Any, TypeId},
    collections::HashMap,
    sync::{Arc, Mutex},
};

use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
    core::{Collector, Desc},
};

/// Registers one module's collectors (inside [`Metrics::module_bundle`]).
pub struct ModuleRegistrar<'a> {
    metrics: &'a Metrics,
    series: Mutex<Vec<String>>,
}

impl std::fmt::Debug for ModuleRegistrar<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModuleRegistrar").finish_non_exhaustive()
    }
}

impl ModuleRegistrar<'_> {
    /// Registers `collector` and returns it (a clone shares the same series).
    pub fn register<C: Collector + Clone + 'static>(
        &self,
        collector: C,
    ) -> Result<C, prometheus::Error> {
        let mut names = Vec::new();
        for family in collector.collect() {
            if family.get_field_type() == prometheus::proto::MetricType::HISTOGRAM {
                for suffix in ["_bucket", "_sum", "_count"] {
                    names.push(format!("{}{suffix}", family.name()));
                }
            } else {
                names.push(family.name().to_owned());
            }
        }
        self.metrics
            .inner
            .registry
            .register(Box::new(collector.clone()))?;
        self.series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(names);
        Ok(collector)
    }
}

/// Buckets for HTTP latency, in seconds: fine-grained where the SLO thresholds are.
const HTTP_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// All metrics of one Atelier instance.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    outbox_backlog: IntGauge,
    outbox_oldest_pending_age: Gauge,
    outbox_published: IntCounterVec,
    outbox_relay_last_progress: Gauge,
    queue_published: IntCounterVec,
    queue_consumed: IntCounterVec,
    queue_retried: IntCounterVec,
    queue_dead_lettered: IntCounterVec,
    queue_dlq_depth: GaugeVec,
    consumer_up: GaugeVec,
    websocket_open: IntGauge,
    dependency_up: GaugeVec,
    realtime_frames: IntCounterVec,
    realtime_slow_consumers: prometheus::IntCounter,
    principal_cache_lookups: IntCounterVec,
    /// What modules registered: their metric bundles by type, and the series they export.
    modules: Mutex<ModuleMetrics>,
}

#[derive(Default)]
struct ModuleMetrics {
    bundles: HashMap<TypeId, Box<dyn Any + Send + Sync>>,
    series: Vec<String>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates a fresh registry with every Atelier metric registered.
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "atelier_http_requests_total",
                "HTTP requests answered, by route (operationId or fixed path), method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "atelier_http_request_duration_seconds",
                "HTTP request latency from first byte in to response head out.",
            )
            .buckets(HTTP_BUCKETS.to_vec()),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let outbox_backlog = IntGauge::new(
            "atelier_outbox_backlog",
            "Outbox events written but not yet published to RabbitMQ.",
        )
        .expect("valid metric");
        let outbox_oldest_pending_age = Gauge::new(
            "atelier_outbox_oldest_pending_age_seconds",
            "Age of the oldest unpublished outbox event (0 when the backlog is empty).",
        )
        .expect("valid metric");
        let outbox_published = IntCounterVec::new(
            Opts::new(
                "atelier_outbox_published_total",
                "Outbox events published with a broker confirm, by event type.",
            ),
            &["event_type"],
        )
        .expect("valid metric");
        let outbox_relay_last_progress = Gauge::new(
            "atelier_outbox_relay_last_progress_timestamp_seconds",
            "Unix time at which the outbox relay last completed a poll cycle.",
        )
        .expect("valid metric");
        let queue_published = IntCounterVec::new(
            Opts::new(
                "atelier_queue_published_total",
                "Messages published to RabbitMQ and confirmed, by exchange and purpose.",
            ),
            &["exchange", "purpose"],
        )
        .expect("valid metric");
        let queue_consumed = IntCounterVec::new(
            Opts::new(
                "atelier_queue_consumed_total",
                "Deliveries handled by a consumer, by outcome (ack, retry, dead_letter).",
            ),
            &["consumer", "outcome"],
        )
        .expect("valid metric");
        let queue_retried = IntCounterVec::new(
            Opts::new(
                "atelier_queue_retried_total",
                "Deliveries sent to a delayed retry tier, by consumer and tier.",
            ),
            &["consumer", "tier"],
        )
        .expect("valid metric");
        let queue_dead_lettered = IntCounterVec::new(
            Opts::new(
                "atelier_queue_dead_lettered_total",
                "Deliveries moved to a consumer's dead-letter queue, by reason.",
            ),
            &["consumer", "reason"],
        )
        .expect("valid metric");
        let queue_dlq_depth = GaugeVec::new(
            Opts::new(
                "atelier_queue_dlq_depth",
                "Messages waiting in a consumer's dead-letter queue (sampled).",
            ),
            &["consumer"],
        )
        .expect("valid metric");
        let consumer_up = GaugeVec::new(
            Opts::new(
                "atelier_consumer_up",
                "1 while a consumer holds an active subscription, 0 while it reconnects.",
            ),
            &["consumer"],
        )
        .expect("valid metric");
        let websocket_open = IntGauge::new(
            "atelier_websocket_open_connections",
            "WebSocket connections currently open on this node.",
        )
        .expect("valid metric");
        let realtime_frames = IntCounterVec::new(
            Opts::new(
                "atelier_realtime_frames_delivered_total",
                "Frames queued to WebSocket clients by the realtime hub, by frame type.",
            ),
            &["type"],
        )
        .expect("valid metric");
        let realtime_slow_consumers = prometheus::IntCounter::new(
            "atelier_realtime_slow_consumers_total",
            "WebSocket connections closed (4008) because their outbound queue was full.",
        )
        .expect("valid metric");
        let principal_cache_lookups = IntCounterVec::new(
            Opts::new(
                "atelier_principal_cache_lookups_total",
                "Credentials looked up in the node's principal cache, by credential (api_key, user_token) and result (hit, miss: read from MongoDB).",
            ),
            &["credential", "result"],
        )
        .expect("valid metric");
        let dependency_up = GaugeVec::new(
            Opts::new(
                "atelier_dependency_up",
                "1 when the last probe of a dependency (mongodb, rabbitmq) succeeded.",
            ),
            &["dependency"],
        )
        .expect("valid metric");

        let collectors: Vec<Box<dyn Collector>> = vec![
            Box::new(http_requests.clone()),
            Box::new(http_duration.clone()),
            Box::new(outbox_backlog.clone()),
            Box::new(outbox_oldest_pending_age.clone()),
            Box::new(outbox_published.clone()),
            Box::new(outbox_relay_last_progress.clone()),
            Box::new(queue_published.clone()),
            Box::new(queue_consumed.clone()),
            Box::new(queue_retried.clone()),
            Box::new(queue_dead_lettered.clone()),
            Box::new(queue_dlq_depth.clone()),
            Box::new(consumer_up.clone()),
            Box::new(websocket_open.clone()),
            Box::new(dependency_up.clone()),
            Box::new(realtime_frames.clone()),
            Box::new(realtime_slow_consumers.clone()),
            Box::new(principal_cache_lookups.clone()),
        ];
        for collector in collectors {
            registry
                .register(collector)
                .expect("metric names are unique");
        }

        Self {
            inner: Arc::new(Inner {
                registry,
                http_requests,
                http_duration,
                outbox_backlog,
                outbox_oldest_pending_age,
                outbox_published,
                outbox_relay_last_progress,
                queue_published,
                queue_consumed,
                queue_retried,
                queue_dead_lettered,
                queue_dlq_depth,
                consumer_up,
                websocket_open,
                dependency_up,
                realtime_frames,
                realtime_slow_consumers,
                principal_cache_lookups,
                modules: Mutex::new(ModuleMetrics::default()),
            }),
        }
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.inner.registry.gather(), &mut buffer)
            .expect("text encoding into a Vec cannot fail");
        String::from_utf8(buffer).expect("prometheus text format is UTF-8")
    }

    /// A module's metric bundle `T` on this registry: built and registered by `register` the
    /// first time, the same handles every later time (so a module's services and its
    /// [`Metrics::series_names`] listing share one registration).
    pub fn module_bundle<T: Clone + Send + Sync + 'static>(
        &self,
        register: impl FnOnce(&ModuleRegistrar<'_>) -> Result<T, prometheus::Error>,
    ) -> Result<T, prometheus::Error> {
        if let Some(bundle) = self.lock_modules().bundles.get(&TypeId::of::<T>()) {
            return Ok(bundle
                .downcast_ref::<T>()
                .expect("bundles are keyed by their type")
                .clone());
        }
        let registrar = ModuleRegistrar {
            metrics: self,
            series: Mutex::new(Vec::new()),
        };
        let bundle = register(&registrar)?;
        let series = registrar
            .series
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut modules = self.lock_modules();
        modules.series.extend(series);
        modules
            .bundles
            .insert(TypeId::of::<T>(), Box::new(bundle.clone()));
        Ok(bundle)
    }

    fn lock_modules(&self) -> std::sync::MutexGuard<'_, ModuleMetrics> {
        // The guarded maps stay consistent even if a holder panicked.
        self.inner
            .modules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every series name a scrape of this registry can contain (the platform's and those of
    /// the module bundles registered so far), histograms expanded into `_bucket`, `_sum` and
    /// `_count`. The SLO rule checks compare it with the names rules use.
    pub fn series_names(&self) -> Vec<String> {
        let mut names = Self::exported_names();
        names.extend(self.lock_modules().series.iter().cloned());
        names.sort();
        names
    }

    /// The platform's own series names (see [`Metrics::series_names`]).
    pub fn exported_names() -> Vec<String> {
        let metrics = Self::new();
        let histograms = ["atelier_http_request_duration_seconds"];
        let mut names = Vec::new();
        for family in metrics.descriptors() {
            if histograms.contains(&family.fq_name.as_str()) {
                for suffix in ["_bucket", "_sum", "_count"] {
                    names.push(format!("{}{suffix}", family.fq_name));
                }
            } else {
                names.push(family.fq_name.clone());
            }
        }
        names
    }

    fn descriptors(&self) -> Vec<Desc> {
        let i = &self.inner;
        let collectors: [&dyn Collector; 17] = [
            &i.http_requests,
            &i.http_duration,
            &i.outbox_backlog,
            &i.outbox_oldest_pending_age,
            &i.outbox_published,
            &i.outbox_relay_last_progress,
            &i.queue_published,
            &i.queue_consumed,
            &i.queue_retried,
            &i.queue_dead_lettered,
            &i.queue_dlq_depth,
            &i.consumer_up,
            &i.websocket_open,
            &i.dependency_up,
            &i.realtime_frames,
            &i.realtime_slow_consumers,
            &i.principal_cache_lookups,
        ];
        collectors
            .iter()
            .flat_map(|c| c.desc().into_iter().cloned())
            .collect()
    }

    /// Records one answered HTTP request.
    pub fn observe_http(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [route, method, status.as_str()];
        self.inner.http_requests.with_label_values(&labels).inc();
        self.inner
            .http_duration
            .with_label_values(&labels)
            .observe(seconds);
    }

    pub fn set_outbox_backlog(&self, pending: i64, oldest_age_seconds: f64) {
        self.inner.outbox_backlog.set(pending);
        self.inner.outbox_oldest_pending_age.set(oldest_age_seconds);
    }

    pub fn outbox_published(&self, event_type: &str) {
        self.inner
            .outbox_published
            .with_label_values(&[event_type])
            .inc();
    }

    pub fn outbox_relay_progress(&self, unix_seconds: f64) {
        self.inner.outbox_relay_last_progress.set(unix_seconds);
    }

    pub fn queue_published(&self, exchange: &str, purpose: &str) {
        self.inner
            .queue_published
            .with_label_values(&[exchange, purpose])
            .inc();
    }

    pub fn queue_consumed(&self, consumer: &str, outcome: &str) {
        self.inner
            .queue_consumed
            .with_label_values(&[consumer, outcome])
            .inc();
    }

    pub fn queue_retried(&self, consumer: &str, tier: &str) {
        self.inner
            .queue_retried
            .with_label_values(&[consumer, tier])
            .inc();
    }

    pub fn queue_dead_lettered(&self, consumer: &str, reason: &str) {
        self.inner
            .queue_dead_lettered
            .with_label_values(&[consumer, reason])
            .inc();
    }

    pub fn set_dlq_depth(&self, consumer: &str, depth: u32) {
        self.inner
            .queue_dlq_depth
            .with_label_values(&[consumer])
            .set(f64::from(depth));
    }

    pub fn set_consumer_up(&self, consumer: &str, up: bool) {
        self.inner
            .consumer_up
            .with_label_values(&[consumer])
            .set(if up { 1.0 } else { 0.0 });
    }

    pub fn websocket_opened(&self) {
        self.inner.websocket_open.inc();
    }

    pub fn websocket_closed(&self) {
        self.inner.websocket_open.dec();
    }

    /// `count` frames of `frame_type` queued to WebSocket clients.
    pub fn realtime_delivered(&self, frame_type: &str, count: u64) {
        self.inner
            .realtime_frames
            .with_label_values(&[frame_type])
            .inc_by(count);
    }

    /// A WebSocket client was too slow and is being closed.
    pub fn realtime_slow_consumer(&self) {
        self.inner.realtime_slow_consumers.inc();
    }

    /// One credential looked up in the principal cache (`hit`: no database read).
    pub fn principal_cache_lookup(&self, credential: &str, hit: bool) {
        self.inner
            .principal_cache_lookups
            .with_label_values(&[credential, if hit { "hit" } else { "miss" }])
            .inc();
    }

    pub fn set_dependency_up(&self, dependency: &str, up: bool) {
        self.inner
            .dependency_up
            .with_label_values(&[dependency])
            .set(if up { 1.0 } else { 0.0 });
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for terminals.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Installs the global tracing subscriber. `filter` is an `EnvFilter` directive such as
/// `info,atelier=debug`. Calling it twice is harmless (the second call is ignored), which keeps
/// tests that start several servers simple.
pub fn init_tracing(format: LogFormat, filter: &str) {
    use tracing_subscriber::{EnvFilter, fmt, prelude::*};
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        // Logs go to stderr, so command output on stdout (JSON, keys) stays machine-readable.
        LogFormat::Pretty => registry
            .with(fmt::layer().with_target(true).with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    if result.is_err() {
        tracing::debug!("tracing subscriber already installed; keeping the first one");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_names_cover_histogram_series() {
        let names = Metrics::exported_names();
        assert!(names.contains(&"atelier_http_request_duration_seconds_bucket".to_string()));
        assert!(names.contains(&"atelier_outbox_backlog".to_string()));
        assert!(!names.contains(&"atelier_http_request_duration_seconds".to_string()));
    }

    #[derive(Clone)]
    struct Bundle {
        things: IntCounterVec,
        seconds: HistogramVec,
    }

    fn bundle(metrics: &Metrics) -> Bundle {
        metrics
            .module_bundle(|registrar| {
                Ok(Bundle {
                    things: registrar.register(IntCounterVec::new(
                        Opts::new("atelier_test_things_total", "Things."),
                        &["kind"],
                    )?)?,
                    seconds: registrar.register(HistogramVec::new(
                        HistogramOpts::new("atelier_test_seconds", "Seconds."),
                        &["kind"],
                    )?)?,
                })
            })
            .unwrap()
    }

    #[test]
    fn module_bundles_register_once_and_are_listed_and_rendered() {
        let metrics = Metrics::new();
        let first = bundle(&metrics);
        let second = bundle(&metrics);
        first.things.with_label_values(&["a"]).inc();
        second.things.with_label_values(&["a"]).inc();
        second.seconds.with_label_values(&["a"]).observe(0.5);
        assert!(
            metrics
                .render()
                .contains("atelier_test_things_total{kind=\"a\"} 2")
        );
        let names = metrics.series_names();
        for name in [
            "atelier_test_things_total",
            "atelier_test_seconds_bucket",
            "atelier_test_seconds_count",
            "atelier_outbox_backlog",
        ] {
            assert!(names.contains(&name.to_owned()), "{name} in {names:?}");
        }
        // Another registry has its own series.
        assert!(
            !Metrics::new()
                .series_names()
                .contains(&"atelier_test_things_total".to_owned())
        );
    }

    #[test]
    fn render_includes_observed_series() {
        let metrics = Metrics::new();
        metrics.observe_http("system.health", "GET", 200, 0.002);
        metrics.set_consumer_up("webhooks", true);
        let text = metrics.render();
        assert!(text.contains(
            "atelier_http_requests_total{method=\"GET\",route=\"system.health\",status=\"200\"} 1"
        ));
        assert!(text.contains("atelier_consumer_up{consumer=\"webhooks\"} 1"));
    }
}
