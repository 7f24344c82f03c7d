//! This node's readiness checks and the background probe that keeps the dependency and
//! dead-letter gauges fresh between scrapes.

use std::{sync::Arc, time::Duration};

use atelier_api::{Check, ReadinessProbe};
use atelier_bus::{Bus, ConsumerHealth, ConsumerSpec};
use atelier_observability::Metrics;
use atelier_outbox::RelayHealth;
use atelier_store::Store;
use tokio_util::sync::CancellationToken;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub(crate) struct NodeReadiness {
    pub store: Store,
    pub bus: Bus,
    pub metrics: Metrics,
    /// `None` on nodes without the consumers role.
    pub consumer_health: Option<ConsumerHealth>,
    /// `None` on nodes without the relay role.
    pub relay: Option<RelayHealth>,
    /// The realtime hub, on `api` nodes.
    pub realtime_hub: Option<atelier_realtime::Hub>,
}

#[async_trait::async_trait]
impl ReadinessProbe for NodeReadiness {
    async fn check(&self) -> Vec<Check> {
        let (mongo, rabbit) = tokio::join!(self.store.ping(PROBE_TIMEOUT), async {
            tokio::time::timeout(PROBE_TIMEOUT, self.bus.check()).await
        });
        self.metrics.set_dependency_up("mongodb", mongo.is_ok());
        let rabbit = match rabbit {
            Ok(result) => result.map_err(|error| error.to_string()),
            Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
        };
        self.metrics.set_dependency_up("rabbitmq", rabbit.is_ok());
        let mut checks = vec![
            match mongo {
                Ok(()) => Check::ok("mongodb"),
                Err(error) => Check::failing("mongodb", error.to_string()),
            },
            match rabbit {
                Ok(()) => Check::ok("rabbitmq"),
                Err(error) => Check::failing("rabbitmq", error),
            },
        ];
        if let Some(health) = &self.consumer_health {
            let down: Vec<String> = health
                .snapshot()
                .into_iter()
                .filter(|(_, alive)| !alive)
                .map(|(name, _)| name)
                .collect();
            checks.push(if down.is_empty() {
                Check::ok("consumers")
            } else {
                Check::failing("consumers", format!("not consuming: {}", down.join(", ")))
            });
        }
        if let Some(relay) = &self.relay {
            checks.push(if relay.is_stalled() {
                Check::failing(
                    "outbox_relay",
                    format!("no progress for {:.0} s", relay.seconds_since_progress()),
                )
            } else {
                Check::ok("outbox_relay")
            });
        }
        if let Some(hub) = &self.realtime_hub {
            checks.push(if hub.is_connected() {
                Check::ok("realtime_hub")
            } else {
                Check::failing(
                    "realtime_hub",
                    "not subscribed to RabbitMQ: WebSocket clients get no live events".to_owned(),
                )
            });
        }
        checks
    }
}

/// Probes dependencies and samples dead-letter depths every `interval`, so the gauges the
/// alerts read stay current even when nobody calls `/readyz`.
pub(crate) async fn monitor(
    probe: Arc<NodeReadiness>,
    consumers: Vec<ConsumerSpec>,
    interval: Duration,
    cancel: CancellationToken,
) {
    loop {
        probe.check().await;
        for consumer in &consumers {
            // dlq_depth updates the gauge itself; a failure only means RabbitMQ is down, which
            // the dependency gauge already reports.
            if let Err(error) = probe.bus.dlq_depth(&consumer.name).await {
                tracing::debug!(consumer = %consumer.name, %error, "dead-letter depth not sampled");
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(interval) => {}
        }
    }
}
