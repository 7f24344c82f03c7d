//! The webhook metrics (a contract with `slo/` and `runbooks/`), registered on the node's
//! registry as this module's bundle.

use atelier_observability::Metrics;
use prometheus::{IntCounterVec, Opts};

/// Handles of the webhook series. Cheap to clone.
#[derive(Clone)]
pub struct WebhookMetrics {
    attempts: IntCounterVec,
    deferred: IntCounterVec,
    endpoints_disabled: IntCounterVec,
}

impl std::fmt::Debug for WebhookMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookMetrics").finish_non_exhaustive()
    }
}

impl WebhookMetrics {
    /// The bundle on `metrics`, registered the first time.
    pub fn of(metrics: &Metrics) -> Result<WebhookMetrics, prometheus::Error> {
        metrics.module_bundle(|registrar| {
            Ok(WebhookMetrics {
                attempts: registrar.register(IntCounterVec::new(
                    Opts::new(
                        "atelier_webhook_attempts_total",
                        "Webhook delivery attempts, by outcome (succeeded, failed, gone, refused, skipped).",
                    ),
                    &["outcome"],
                )?)?,
                deferred: registrar.register(IntCounterVec::new(
                    Opts::new(
                        "atelier_webhook_deferred_total",
                        "Webhook deliveries put back by an endpoint's throttle (no attempt used), by reason.",
                    ),
                    &["reason"],
                )?)?,
                endpoints_disabled: registrar.register(IntCounterVec::new(
                    Opts::new(
                        "atelier_webhook_endpoints_disabled_total",
                        "Webhook endpoints disabled by the platform, by reason (gone, failing).",
                    ),
                    &["reason"],
                )?)?,
            })
        })
    }

    /// One webhook delivery attempt ended with `outcome`.
    pub fn attempt(&self, outcome: &str) {
        self.attempts.with_label_values(&[outcome]).inc();
    }

    /// A webhook delivery was put back for `reason` without using an attempt.
    pub fn deferred(&self, reason: &str) {
        self.deferred.with_label_values(&[reason]).inc();
    }

    /// The platform disabled a webhook endpoint for `reason`.
    pub fn endpoint_disabled(&self, reason: &str) {
        self.endpoints_disabled.with_label_values(&[reason]).inc();
    }
}
