//! Canvas ids and stored records. Times are Unix milliseconds (Int64; see the README on the
//! development server's dates); no booleans are stored (the development server returns `$set`
//! booleans as integers), archiving is a time.

use atelier_core::{TenantId, define_id};
use atelier_identity::{UserId, WorkspaceId};
use serde::{Deserialize, Serialize};

define_id!(
    /// A canvas document inside a workspace.
    DocumentId,
    "doc"
);

/// How a declared root of the document is used (see [`atelier_canvas_sync::RootKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RootKindName {
    Map,
    Array,
    Text,
    XmlFragment,
}

impl RootKindName {
    pub fn kind(self) -> atelier_canvas_sync::RootKind {
        match self {
            Self::Map => atelier_canvas_sync::RootKind::Map,
            Self::Array => atelier_canvas_sync::RootKind::Array,
            Self::Text => atelier_canvas_sync::RootKind::Text,
            Self::XmlFragment => atelier_canvas_sync::RootKind::XmlFragment,
        }
    }
}

/// A root type the application declares, so the server can render and diff it (Yjs roots have
/// no type on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredRoot {
    pub name: String,
    pub kind: RootKindName,
}

/// A stored document (its metadata; the content lives in the update log).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentRecord {
    #[serde(rename = "_id")]
    pub id: DocumentId,
    pub tenant: TenantId,
    pub workspace: WorkspaceId,
    pub name: String,
    pub description: String,
    /// The roots the JSON views and diffs render.
    #[serde(default)]
    pub roots: Vec<DeclaredRoot>,
    pub created_by: Option<UserId>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    /// Set while the document is archived (read-only).
    pub archived_at_ms: Option<i64>,
}

impl DocumentRecord {
    pub fn is_archived(&self) -> bool {
        self.archived_at_ms.is_some()
    }

    /// The declared roots as the sync core's views take them.
    pub fn view_roots(&self) -> Vec<atelier_canvas_sync::Root<'_>> {
        self.roots
            .iter()
            .map(|root| (root.name.as_str(), root.kind.kind()))
            .collect()
    }
}
