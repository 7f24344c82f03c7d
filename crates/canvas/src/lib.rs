//! Canvas: collaborative Yjs documents in a workspace (a platform module).
//!
//! - [`documents`]: the [`Canvas`] service: documents, access (one policy), sharing through
//!   resource grants, content reads and edits, versions and restore.
//! - [`sync`]: the node's live documents (one task per loaded document, durable acks,
//!   compaction requests, eviction, access re-checks).
//! - [`log`]: the append-only update log (group commit, load, compaction, purge).
//! - [`fanout`]: multi-node documents (updates and access events through RabbitMQ).
//! - [`versions`]: named, periodic and before-restore versions of a document.
//! - [`topic`]: the realtime topic kind `document` (a document's activity on `/v1/realtime`).
//! - [`json_edit`]: server-side edits in JSON.
//! - [`asyncapi`]: the sync socket's AsyncAPI document.
//! - [`events`], [`metrics`], [`config`], [`module`]: what the platform seam asks for.

pub mod asyncapi;
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
pub mod topic;
pub mod versions;

use atelier_store::CollectionSpec;
use mongodb::{IndexModel, bson::doc, options::IndexOptions};

pub use config::CanvasConfig;
pub use documents::Canvas;
pub use error::CanvasError;
pub use model::DocumentId;
pub use module::CanvasModule;

/// Every collection of the module and its indexes. Lists sort by `_id` within these
/// (a compound index ending in `_id` is what MongoDB would use, but nx-27017 refuses writes to a
/// collection with one; see the README).
pub fn collection_specs() -> Vec<CollectionSpec> {
    let mut specs = vec![CollectionSpec {
        name: documents::DOCUMENTS,
        indexes: vec![
            IndexModel::builder()
                .keys(doc! { "tenant": 1, "workspace": 1 })
                .options(
                    IndexOptions::builder()
                        .name("tenant_workspace".to_owned())
                        .build(),
                )
                .build(),
        ],
    }];
    specs.extend(log::collection_specs());
    specs.extend(versions::collection_specs());
    specs
}
