//! The registered product modules: the one list a new product is added to.
//!
//! Everything else loops over [`all`]: configuration sections and their documentation
//! (`config`), migrations (`migrations`), the event catalog ([`catalog`]), consumers, workers,
//! metrics and the services of the HTTP edge ([`start_all`]).

use std::sync::Arc;

use atelier_identity::Identity;
use atelier_observability::Metrics;
use atelier_outbox::catalog::Catalog;
use atelier_platform::{Module, ModuleContext, ModuleError, Running};

/// Every product module of this build, in start order.
pub fn all() -> Vec<Arc<dyn Module>> {
    vec![
        Arc::new(atelier_webhooks::WebhooksModule),
        Arc::new(atelier_chat::ChatModule),
        Arc::new(atelier_canvas::CanvasModule),
        Arc::new(atelier_feeds::FeedsModule),
    ]
}

/// The deployment's event catalog: the platform's own types (identity) and every module's.
///
/// # Panics
/// When two crates catalogue the same `(type, version)` or an entry is malformed: a build
/// error caught by this module's tests, never a runtime condition.
pub fn catalog() -> Catalog {
    let mut entries = atelier_identity::events::types();
    for module in all() {
        entries.extend(module.event_types());
    }
    Catalog::new(entries).unwrap_or_else(|error| panic!("the event catalog is invalid: {error}"))
}

/// Registers every module's metrics, starts it with its own section of the configuration (see
/// [`ModuleContext`]) and merges what they hand back.
pub fn start_all(
    platform: &crate::PlatformContext,
    metrics: &Metrics,
    identity: &Identity,
    catalog: &Catalog,
) -> Result<Running, ModuleError> {
    let config = &platform.config;
    let mut all_running = Running::default();
    for module in all() {
        let section = config
            .modules
            .get(module.name())
            .cloned()
            .unwrap_or_else(|| module.settings().defaults);
        module.register_metrics(metrics)?;
        let running = module.start(&ModuleContext {
            store: &platform.store,
            outbox: &platform.outbox,
            bus: &platform.bus,
            metrics,
            identity,
            catalog,
            node_id: &config.node_id,
            roles: &config.roles,
            settings: &section,
        })?;
        all_running.consumers.extend(running.consumers);
        all_running.workers.extend(running.workers);
        all_running.topic_kinds.extend(running.topic_kinds);
        all_running.services.merge(running.services)?;
    }
    Ok(all_running)
}

/// Every metric series a node exports: the platform's and every module's (histograms expanded
/// into `_bucket`, `_sum` and `_count`). The SLO rule checks compare it with the rules.
///
/// # Panics
/// When a module's metrics cannot be registered (a duplicate name: a build error).
pub fn metric_series_names() -> Vec<String> {
    let metrics = atelier_observability::Metrics::new();
    for module in all() {
        module
            .register_metrics(&metrics)
            .unwrap_or_else(|error| panic!("{}: {error}", module.name()));
    }
    metrics.series_names()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/events");
    const REGENERATE: &str = "cargo run -q -p atelier -- events-schemas --out openapi/events";

    #[test]
    fn module_names_are_unique_sections() {
        let names: Vec<&str> = all().iter().map(|module| module.name()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for name in names {
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
        }
    }

    #[test]
    fn the_catalog_assembles() {
        let catalog = catalog();
        assert!(catalog.is_known_type("identity.user.created"));
        assert!(catalog.is_known_type("chat.message.created"));
        assert!(catalog.is_known_type("webhook.attempt.exhausted"));
    }

    #[test]
    fn committed_schema_files_match_the_catalog() {
        let expected = catalog().schema_files();
        for (name, contents) in &expected {
            let committed =
                std::fs::read_to_string(format!("{EVENTS_DIR}/{name}")).unwrap_or_default();
            assert!(
                &committed == contents,
                "openapi/events/{name} is missing or differs from the catalog. Regenerate with:\n\n    {REGENERATE}\n"
            );
        }
        let mut stale = Vec::new();
        for file in std::fs::read_dir(EVENTS_DIR).expect("openapi/events exists") {
            let name = file.unwrap().file_name().to_string_lossy().into_owned();
            if !expected.iter().any(|(expected, _)| expected == &name) {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "openapi/events has files the catalog does not list: {stale:?}. Delete them and regenerate with:\n\n    {REGENERATE}\n"
        );
    }
}
