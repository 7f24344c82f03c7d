//! Canvas: collaborative Yjs documents in a workspace (a platform module).
//!
//! - [`documents`]: the [`Canvas`] service: documents, access (one policy), sharing through
//!   resource grants, content reads and edits, versions and restore.
//! - [`sync`]: the node's live documents (one task per loaded document, durable acks,
//!   compaction requests, eviction, access re-checks).
//! - [`log`]: the append-only update log (group commit, load, compaction, purge).
//! - [`fanout`]: multi-node documents (updates and access events through RabbitMQ).
//! - [`versions`]: named, periodic and before-restore versions of a document.
//! - [`json_edit`]: server-side edits in JSON.
//! - [`events`], [`metrics`], [`config`], [`module`]: what the platform seam asks for.

pub mod config;
pub mod documents;
pub mod error;
pub mod events;
pub mod fanout;
pub mod json_edit;
pub mod log;
pub mod metrics;
pub mod model;
pub mod module;
pub mod sync;
pub mod versions;

use atelier_store::CollectionSpec;
use mongodb::{IndexModel, bson::doc, options::IndexOptions};

pub use config::CanvasConfig;
pub use documents::Canvas;
pub use error::CanvasError;
pub use model::DocumentId;
pub use module::CanvasModule;

/// Every collection of the module and its indexes.
pub fn collection_specs() -> Vec<CollectionSpec> {
    let mut specs = vec![CollectionSpec {
        name: documents::DOCUMENTS,
        indexes: vec![
            IndexModel::builder()
                .keys(doc! { "tenant": 1, "workspace": 1, "_id": 1 })
                .options(
                    IndexOptions::builder()
                        .name("tenant_workspace_id".to_owned())
                        .build(),
                )
                .build(),
        ],
    }];
    specs.extend(log::collection_specs());
    specs.extend(versions::collection_specs());
    specs
}
