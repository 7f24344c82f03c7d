//! What a scenario that ran the real server leaves behind, deleted: its database, the queues
//! the platform's consumers declared on its prefix (a node declares them whatever its roles,
//! so an API-only bench node leaves them too) and its exchanges. Failures are reported, not
//! fatal: the figures are already measured.

use atelier_bus::Bus;
use atelier_observability::Metrics;
use atelier_server::{Config, PlatformContext, platform_handlers};
use atelier_store::Store;

/// Deletes the database, the platform consumers' queues and the exchanges of `config`.
pub(crate) async fn platform(scenario: &str, config: &Config) {
    let store = match Store::connect(&config.mongodb).await {
        Ok(store) => store,
        Err(error) => {
            eprintln!("{scenario}: cleanup: connecting to MongoDB failed: {error}");
            return;
        }
    };
    if let Err(error) = store.drop_database().await {
        eprintln!("{scenario}: cleanup: dropping the bench database failed: {error}");
    }
    let bus = match Bus::new(config.amqp.clone(), Metrics::new()) {
        Ok(bus) => bus,
        Err(error) => {
            eprintln!("{scenario}: cleanup: connecting to RabbitMQ failed: {error}");
            return;
        }
    };
    let context = PlatformContext {
        store: store.clone(),
        outbox: atelier_outbox::Outbox::new(&store),
        bus: bus.clone(),
        config: config.clone(),
    };
    match platform_handlers(&context) {
        Ok(handlers) => {
            for handler in handlers {
                if let Err(error) = bus.delete_consumer_topology(&handler.spec()).await {
                    eprintln!("{scenario}: cleanup: deleting consumer queues failed: {error}");
                }
            }
        }
        Err(error) => eprintln!("{scenario}: cleanup: listing the platform consumers: {error:#}"),
    }
    if let Err(error) = bus.delete_base().await {
        eprintln!("{scenario}: cleanup: deleting the bench exchanges failed: {error}");
    }
}
