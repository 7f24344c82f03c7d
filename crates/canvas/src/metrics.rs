//! The canvas series (names are a contract with `slo/`): what a node's live documents hold,
//! their update rates, durable-ack latency and compaction progress.

use atelier_observability::Metrics;
use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts};

/// Handles of the canvas series. Cheap to clone.
#[derive(Clone)]
pub struct CanvasMetrics {
    /// Documents loaded on this node.
    pub loaded_documents: IntGauge,
    /// Encoded bytes of the documents loaded on this node (measured now and then).
    pub loaded_bytes: IntGauge,
    /// Sync sockets attached to documents on this node.
    pub connections: IntGauge,
    /// Updates applied, by source: `client` (a socket), `server` (HTTP or agent edit),
    /// `remote` (another node).
    pub updates: IntCounterVec,
    /// Client frames refused (malformed, over a limit); each closed its socket.
    pub refused_frames: IntCounter,
    /// Sockets dropped because they did not read their frames in time.
    pub slow_readers: IntCounter,
    /// From accepting an update to its being durable in the log.
    pub durable_seconds: Histogram,
    /// Compactions that folded updates into a new snapshot.
    pub compactions: IntCounter,
    /// Compactions that failed (the log is intact; the next one retries).
    pub compaction_failures: IntCounter,
    /// Updates logged for the loaded documents and not yet folded into a snapshot.
    pub unfolded_updates: IntGauge,
}

impl std::fmt::Debug for CanvasMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CanvasMetrics").finish_non_exhaustive()
    }
}

/// Durable-ack latency buckets, in seconds (the SLO threshold is 0.3 s).
const DURABLE_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl CanvasMetrics {
    /// The bundle on the node's registry, registered the first time.
    pub fn of(metrics: &Metrics) -> Result<CanvasMetrics, prometheus::Error> {
        metrics.module_bundle(|registrar| {
            let bundle = CanvasMetrics::unregistered()?;
            // A labelled series is only collected once a label is used: name every source.
            for source in ["client", "server", "remote"] {
                bundle.updates.with_label_values(&[source]);
            }
            registrar.register(bundle.loaded_documents.clone())?;
            registrar.register(bundle.loaded_bytes.clone())?;
            registrar.register(bundle.connections.clone())?;
            registrar.register(bundle.updates.clone())?;
            registrar.register(bundle.refused_frames.clone())?;
            registrar.register(bundle.slow_readers.clone())?;
            registrar.register(bundle.durable_seconds.clone())?;
            registrar.register(bundle.compactions.clone())?;
            registrar.register(bundle.compaction_failures.clone())?;
            registrar.register(bundle.unfolded_updates.clone())?;
            Ok(bundle)
        })
    }

    /// Series on no registry (tests, benches, a hub built without a node).
    pub fn unregistered() -> Result<CanvasMetrics, prometheus::Error> {
        Ok(CanvasMetrics {
            loaded_documents: IntGauge::new(
                "atelier_canvas_loaded_documents",
                "Canvas documents loaded on this node.",
            )?,
            loaded_bytes: IntGauge::new(
                "atelier_canvas_loaded_bytes",
                "Encoded bytes of the canvas documents loaded on this node.",
            )?,
            connections: IntGauge::new(
                "atelier_canvas_connections",
                "Canvas sync sockets attached to documents on this node.",
            )?,
            updates: IntCounterVec::new(
                Opts::new(
                    "atelier_canvas_updates_total",
                    "Canvas document updates applied, by source (client, server, remote).",
                ),
                &["source"],
            )?,
            refused_frames: IntCounter::new(
                "atelier_canvas_refused_frames_total",
                "Canvas sync frames refused (malformed or over a limit); each closed its socket.",
            )?,
            slow_readers: IntCounter::new(
                "atelier_canvas_slow_readers_total",
                "Canvas sync sockets dropped for not reading their frames in time.",
            )?,
            durable_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "atelier_canvas_durable_seconds",
                    "Seconds from accepting a canvas update to its being durable in the update log.",
                )
                .buckets(DURABLE_BUCKETS.to_vec()),
            )?,
            compactions: IntCounter::new(
                "atelier_canvas_compactions_total",
                "Canvas compactions that folded updates into a new snapshot.",
            )?,
            compaction_failures: IntCounter::new(
                "atelier_canvas_compaction_failures_total",
                "Canvas compactions that failed (the log is intact; the next one retries).",
            )?,
            unfolded_updates: IntGauge::new(
                "atelier_canvas_unfolded_updates",
                "Updates logged for the canvas documents loaded on this node and not yet folded into a snapshot.",
            )?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_series_is_registered_once_per_node() {
        let metrics = Metrics::new();
        let bundle = CanvasMetrics::of(&metrics).unwrap();
        bundle.compactions.inc();
        let again = CanvasMetrics::of(&metrics).unwrap();
        assert_eq!(again.compactions.get(), 1, "the same series");
        let rendered = metrics.render();
        for name in [
            "atelier_canvas_loaded_documents",
            "atelier_canvas_updates_total",
            "atelier_canvas_durable_seconds_bucket",
            "atelier_canvas_unfolded_updates",
        ] {
            assert!(rendered.contains(name), "{name} missing");
        }
    }
}
