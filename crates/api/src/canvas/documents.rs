//! Canvas documents over HTTP: metadata, sharing, content (for servers and agents) and
//! versions. Who may do what is decided in the canvas domain (`atelier_canvas::documents`, with
//! the one policy in `atelier_identity::policy`): handlers parse, call and convert.
//!
//! Yjs updates and state vectors travel as standard base64 (v1 encoding) inside JSON, so every
//! stock generator types them as strings.

use atelier_canvas::{
    Canvas, DocumentId,
    documents::{DocumentPatch, NewDocument},
    json_edit::{JsonEdit, JsonOp},
    model::{DeclaredRoot, DocumentRecord, RootKindName},
    versions::{VersionKind, VersionRecord},
};
use atelier_identity::{ResourceRole, UserId, WorkspaceId, tenancy::GrantRecord};
use base64::{Engine, engine::general_purpose::STANDARD};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use crate::{
    ApiState, ApiTags,
    auth::TenantAuth,
    edge::{
        ApiResult, canvas_error,
        json::JsonBody,
        page::{self, Page},
        parse_id,
        time::Timestamp,
    },
    problem::ErrorResponse,
};

/// Canvas documents.
#[derive(Debug, Default)]
pub struct CanvasApi;

/// How the application uses a root type of the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "CanvasRootKind", rename_all = "snake_case")]
pub enum RootKindView {
    Map,
    Array,
    Text,
    XmlFragment,
}

impl From<RootKindName> for RootKindView {
    fn from(kind: RootKindName) -> Self {
        match kind {
            RootKindName::Map => Self::Map,
            RootKindName::Array => Self::Array,
            RootKindName::Text => Self::Text,
            RootKindName::XmlFragment => Self::XmlFragment,
        }
    }
}

impl From<RootKindView> for RootKindName {
    fn from(kind: RootKindView) -> Self {
        match kind {
            RootKindView::Map => Self::Map,
            RootKindView::Array => Self::Array,
            RootKindView::Text => Self::Text,
            RootKindView::XmlFragment => Self::XmlFragment,
        }
    }
}

/// A root type the application declares, so JSON views and diffs can render it (a Yjs root
/// has no type on the wire).
#[derive(Debug, Clone, Object)]
#[oai(rename = "CanvasRoot")]
pub struct RootView {
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    pub kind: RootKindView,
}

fn roots_in(roots: Vec<RootView>) -> Vec<DeclaredRoot> {
    roots
        .into_iter()
        .map(|root| DeclaredRoot {
            name: root.name,
            kind: root.kind.into(),
        })
        .collect()
}

/// A canvas document (its metadata; the content is read and written as Yjs).
#[derive(Debug, Object)]
#[oai(rename = "CanvasDocument", skip_serializing_if_is_none)]
pub struct DocumentView {
    /// `doc_...`.
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub description: String,
    /// The roots JSON views and diffs render.
    pub roots: Vec<RootView>,
    /// Archived documents are read-only: edits answer 409 `document_archived`.
    pub archived: bool,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

fn document_view(record: &DocumentRecord) -> DocumentView {
    DocumentView {
        id: record.id.to_string(),
        workspace_id: record.workspace.to_string(),
        name: record.name.clone(),
        description: record.description.clone(),
        roots: record
            .roots
            .iter()
            .map(|root| RootView {
                name: root.name.clone(),
                kind: root.kind.into(),
            })
            .collect(),
        archived: record.is_archived(),
        created_by: record.created_by.map(|user| user.to_string()),
        created_at: timestamp(record.created_at_ms),
        updated_at: timestamp(record.updated_at_ms),
    }
}

#[derive(Debug, Object)]
#[oai(rename = "CreateCanvasDocument")]
pub struct CreateDocument {
    /// 1 to 200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    /// Up to 2,000 characters.
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
    /// Up to 32 roots, each named once.
    #[oai(validator(max_items = 32))]
    pub roots: Option<Vec<RootView>>,
}

/// Changes; absent fields stay as they are. Archiving and unarchiving need the right to
/// delete; the rest the right to edit.
#[derive(Debug, Object)]
#[oai(rename = "UpdateCanvasDocument")]
pub struct UpdateDocument {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: Option<String>,
    #[oai(validator(max_length = 2000))]
    pub description: Option<String>,
    #[oai(validator(max_items = 32))]
    pub roots: Option<Vec<RootView>>,
    pub archived: Option<bool>,
}

/// A role on a shared document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "CanvasRole", rename_all = "snake_case")]
pub enum RoleView {
    Owner,
    Editor,
    Commenter,
    Viewer,
}

impl From<ResourceRole> for RoleView {
    fn from(role: ResourceRole) -> Self {
        match role {
            ResourceRole::Owner => Self::Owner,
            ResourceRole::Editor => Self::Editor,
            ResourceRole::Commenter => Self::Commenter,
            ResourceRole::Viewer => Self::Viewer,
        }
    }
}

impl From<RoleView> for ResourceRole {
    fn from(role: RoleView) -> Self {
        match role {
            RoleView::Owner => Self::Owner,
            RoleView::Editor => Self::Editor,
            RoleView::Commenter => Self::Commenter,
            RoleView::Viewer => Self::Viewer,
        }
    }
}

/// A grant on the document: to one user, or to every member of a workspace.
#[derive(Debug, Object)]
#[oai(rename = "CanvasGrant", skip_serializing_if_is_none)]
pub struct GrantView {
    pub document_id: String,
    /// Set for a grant to one user.
    pub user_id: Option<String>,
    /// Set for a grant to every member of a workspace.
    pub workspace_id: Option<String>,
    pub role: RoleView,
}

fn grant_view(grant: &GrantRecord) -> GrantView {
    let (user_id, workspace_id) = match grant.subject.split_once(':') {
        Some(("user", id)) => (Some(id.to_owned()), None),
        Some(("workspace", id)) => (None, Some(id.to_owned())),
        _ => (None, None),
    };
    GrantView {
        document_id: grant.resource_id.clone(),
        user_id,
        workspace_id,
        role: grant.role.into(),
    }
}

#[derive(Debug, Object)]
#[oai(rename = "SetCanvasGrant")]
pub struct SetGrant {
    pub role: RoleView,
}

/// The content as Yjs.
#[derive(Debug, Object)]
#[oai(rename = "CanvasContent")]
pub struct ContentView {
    /// The whole document as one Yjs update (v1 encoding, standard base64): apply it to an
    /// empty `Y.Doc` with `Y.applyUpdate`.
    pub update: String,
    /// The document's state vector (v1, base64).
    pub state_vector: String,
}

/// The content as JSON: each declared root rendered (maps as objects, arrays as arrays, texts
/// as strings, XML fragments as XML strings).
#[derive(Debug, Object)]
#[oai(rename = "CanvasJson")]
pub struct JsonView {
    pub document_id: String,
    pub content: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A Yjs update to apply.
#[derive(Debug, Object)]
#[oai(rename = "CanvasUpdate")]
pub struct UpdateBody {
    /// A Yjs update, v1 encoding, standard base64 (at most `canvas.max_update_bytes` decoded).
    #[oai(validator(min_length = 1, max_length = 22369622))]
    pub update: String,
}

/// One operation of a JSON edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "CanvasEditOpKind", rename_all = "snake_case")]
pub enum EditOpKind {
    MapSet,
    MapDelete,
    TextInsert,
    TextDelete,
    ArrayPush,
    ArrayInsert,
    ArrayDelete,
}

/// One operation: `map_set` (`root`, `key`, `value`), `map_delete` (`root`, `key`),
/// `text_insert` (`root`, `index`, `text`), `text_delete` (`root`, `index`, `length`),
/// `array_push` (`root`, `value`), `array_insert` (`root`, `index`, `value`), `array_delete`
/// (`root`, `index`, `length`). Indexes count characters (texts) or items (arrays).
#[derive(Debug, Object)]
#[oai(rename = "CanvasEditOp")]
pub struct EditOp {
    pub op: EditOpKind,
    #[oai(validator(min_length = 1, max_length = 100))]
    pub root: String,
    #[oai(validator(max_length = 1000))]
    pub key: Option<String>,
    pub value: Option<serde_json::Value>,
    pub index: Option<u32>,
    pub length: Option<u32>,
    pub text: Option<String>,
}

/// A JSON edit: the operations apply in order, all or none.
#[derive(Debug, Object)]
#[oai(rename = "CanvasJsonEdit")]
pub struct JsonEditBody {
    #[oai(validator(min_items = 1, max_items = 1000))]
    pub ops: Vec<EditOp>,
}

/// What an edit did.
#[derive(Debug, Object)]
#[oai(rename = "CanvasEditResult")]
pub struct EditResult {
    /// False when the document already had everything in the update (nothing was logged).
    pub changed: bool,
    /// The durable state vector after the edit (v1, base64): the edit is durable.
    pub durable_state_vector: String,
}

/// What the server has made durable.
#[derive(Debug, Object)]
#[oai(rename = "CanvasDurableState")]
pub struct DurableView {
    pub document_id: String,
    /// The state vector (v1, base64) of every update written to the document's log.
    pub state_vector: String,
}

/// How a version came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "CanvasVersionKind", rename_all = "snake_case")]
pub enum VersionKindView {
    Named,
    Periodic,
    BeforeRestore,
}

/// A version of a document (without its content).
#[derive(Debug, Object)]
#[oai(rename = "CanvasVersion", skip_serializing_if_is_none)]
pub struct VersionView {
    /// `ver_...`.
    pub id: String,
    pub document_id: String,
    pub name: Option<String>,
    pub kind: VersionKindView,
    pub created_by: Option<String>,
    pub created_at: Timestamp,
    /// Encoded size of the content.
    pub bytes: i64,
}

fn version_view(version: &VersionRecord) -> VersionView {
    VersionView {
        id: version.id.clone(),
        document_id: version.document.clone(),
        name: version.name.clone(),
        kind: match version.kind {
            VersionKind::Named => VersionKindView::Named,
            VersionKind::Periodic => VersionKindView::Periodic,
            VersionKind::BeforeRestore => VersionKindView::BeforeRestore,
        },
        created_by: version.created_by.clone(),
        created_at: timestamp(version.created_at.timestamp_millis()),
        bytes: version.bytes,
    }
}

#[derive(Debug, Object)]
#[oai(rename = "CreateCanvasVersion")]
pub struct CreateVersion {
    /// 1 to 200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
}

/// One change between two versions: a root, and for map roots the key.
#[derive(Debug, Object)]
#[oai(rename = "CanvasChange", skip_serializing_if_is_none)]
pub struct ChangeView {
    pub root: String,
    /// For map roots: the key added, removed or changed.
    pub key: Option<String>,
}

/// Which declared roots (and map keys) differ between two versions.
#[derive(Debug, Object)]
#[oai(rename = "CanvasDiff")]
pub struct DiffView {
    pub from_version_id: String,
    /// The other version; absent when compared with the current content.
    #[oai(skip_serializing_if_is_none)]
    pub to_version_id: Option<String>,
    pub changes: Vec<ChangeView>,
}

#[derive(Debug, ApiResponse)]
pub enum DocumentResponse {
    #[oai(status = 200)]
    Ok(Json<DocumentView>),
}

#[derive(Debug, ApiResponse)]
pub enum DocumentCreated {
    #[oai(status = 201)]
    Created(Json<DocumentView>),
}

#[derive(Debug, ApiResponse)]
pub enum DocumentListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<DocumentView>>),
}

#[derive(Debug, ApiResponse)]
pub enum GrantResponse {
    #[oai(status = 200)]
    Ok(Json<GrantView>),
}

#[derive(Debug, ApiResponse)]
pub enum GrantListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<GrantView>>),
}

#[derive(Debug, ApiResponse)]
pub enum ContentResponse {
    #[oai(status = 200)]
    Ok(Json<ContentView>),
}

#[derive(Debug, ApiResponse)]
pub enum JsonResponse {
    #[oai(status = 200)]
    Ok(Json<JsonView>),
}

#[derive(Debug, ApiResponse)]
pub enum EditResponse {
    #[oai(status = 200)]
    Ok(Json<EditResult>),
}

#[derive(Debug, ApiResponse)]
pub enum DurableResponse {
    #[oai(status = 200)]
    Ok(Json<DurableView>),
}

#[derive(Debug, ApiResponse)]
pub enum VersionResponse {
    #[oai(status = 200)]
    Ok(Json<VersionView>),
}

#[derive(Debug, ApiResponse)]
pub enum VersionCreated {
    #[oai(status = 201)]
    Created(Json<VersionView>),
}

#[derive(Debug, ApiResponse)]
pub enum VersionListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<VersionView>>),
}

#[derive(Debug, ApiResponse)]
pub enum DiffResponse {
    #[oai(status = 200)]
    Ok(Json<DiffView>),
}

#[derive(Debug, ApiResponse)]
pub enum NoContentResponse {
    #[oai(status = 204)]
    NoContent,
}

/// Stored times are in range; a corrupt one reads as the epoch rather than failing the read.
fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis).unwrap_or(Timestamp(chrono::DateTime::UNIX_EPOCH))
}

fn document_id(value: &str) -> Result<DocumentId, ErrorResponse> {
    parse_id::<DocumentId>("document_id", value)
}

fn version_id(value: &str) -> Result<String, ErrorResponse> {
    parse_id::<atelier_canvas::versions::VersionId>("version_id", value).map(|id| id.to_string())
}

fn decode_base64(field: &str, value: &str) -> Result<Vec<u8>, ErrorResponse> {
    STANDARD
        .decode(value.trim())
        .map_err(|_| ErrorResponse::invalid_field(field, "must be standard base64"))
}

fn json_op(op: EditOp) -> Result<JsonOp, ErrorResponse> {
    let missing = |field: &str| {
        ErrorResponse::invalid_field("ops", format!("`{field}` is required for this operation"))
    };
    let root = op.root;
    Ok(match op.op {
        EditOpKind::MapSet => JsonOp::MapSet {
            root,
            key: op.key.ok_or_else(|| missing("key"))?,
            value: op.value.unwrap_or(serde_json::Value::Null),
        },
        EditOpKind::MapDelete => JsonOp::MapDelete {
            root,
            key: op.key.ok_or_else(|| missing("key"))?,
        },
        EditOpKind::TextInsert => JsonOp::TextInsert {
            root,
            index: op.index.ok_or_else(|| missing("index"))?,
            text: op.text.ok_or_else(|| missing("text"))?,
        },
        EditOpKind::TextDelete => JsonOp::TextDelete {
            root,
            index: op.index.ok_or_else(|| missing("index"))?,
            length: op.length.ok_or_else(|| missing("length"))?,
        },
        EditOpKind::ArrayPush => JsonOp::ArrayPush {
            root,
            value: op.value.unwrap_or(serde_json::Value::Null),
        },
        EditOpKind::ArrayInsert => JsonOp::ArrayInsert {
            root,
            index: op.index.ok_or_else(|| missing("index"))?,
            value: op.value.unwrap_or(serde_json::Value::Null),
        },
        EditOpKind::ArrayDelete => JsonOp::ArrayDelete {
            root,
            index: op.index.ok_or_else(|| missing("index"))?,
            length: op.length.ok_or_else(|| missing("length"))?,
        },
    })
}

fn json_object(value: serde_json::Value) -> std::collections::BTreeMap<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map.into_iter().collect(),
        _ => std::collections::BTreeMap::new(),
    }
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Canvas")]
impl CanvasApi {
    /// Creates a canvas document in a workspace; the creating user owns it. Its content is
    /// edited over the sync socket (`/v1/canvas/sync/{document_id}`) or the content endpoints.
    #[oai(
        path = "/workspaces/:workspace_id/canvas/documents",
        method = "post",
        operation_id = "canvas.documents.create"
    )]
    async fn create(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
        body: JsonBody<CreateDocument>,
    ) -> ApiResult<DocumentCreated> {
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let body = body.0;
        let record = state
            .service::<Canvas>()?
            .create(
                auth.principal(),
                workspace,
                NewDocument {
                    name: body.name,
                    description: body.description.unwrap_or_default(),
                    roots: roots_in(body.roots.unwrap_or_default()),
                },
            )
            .await
            .map_err(canvas_error)?;
        Ok(DocumentCreated::Created(Json(document_view(&record))))
    }

    /// The workspace's documents the caller can read, oldest first.
    #[oai(
        path = "/workspaces/:workspace_id/canvas/documents",
        method = "get",
        operation_id = "canvas.documents.list"
    )]
    async fn list(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<DocumentListResponse> {
        const KIND: &str = "canvas_documents";
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Canvas>()?
            .list(auth.principal(), workspace, &request)
            .await
            .map_err(canvas_error)?;
        Ok(DocumentListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |record| record.id.to_string(),
            |record| document_view(&record),
        ))))
    }

    /// One document.
    #[oai(
        path = "/canvas/documents/:document_id",
        method = "get",
        operation_id = "canvas.documents.get"
    )]
    async fn get(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
    ) -> ApiResult<DocumentResponse> {
        let document = self::document_id(&document_id)?;
        let visible = state
            .service::<Canvas>()?
            .visible(auth.principal(), document)
            .await
            .map_err(canvas_error)?;
        Ok(DocumentResponse::Ok(Json(document_view(&visible.record))))
    }

    /// Renames, re-describes, re-declares roots, archives or unarchives.
    #[oai(
        path = "/canvas/documents/:document_id",
        method = "patch",
        operation_id = "canvas.documents.update"
    )]
    async fn update(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        body: JsonBody<UpdateDocument>,
    ) -> ApiResult<DocumentResponse> {
        let document = self::document_id(&document_id)?;
        let body = body.0;
        let record = state
            .service::<Canvas>()?
            .update(
                auth.principal(),
                document,
                DocumentPatch {
                    name: body.name,
                    description: body.description,
                    roots: body.roots.map(roots_in),
                    archived: body.archived,
                },
            )
            .await
            .map_err(canvas_error)?;
        Ok(DocumentResponse::Ok(Json(document_view(&record))))
    }

    /// Deletes the document with its content, versions and grants; its sockets close (4404).
    #[oai(
        path = "/canvas/documents/:document_id",
        method = "delete",
        operation_id = "canvas.documents.delete"
    )]
    async fn delete(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
    ) -> ApiResult<NoContentResponse> {
        let document = self::document_id(&document_id)?;
        state
            .service::<Canvas>()?
            .delete(auth.principal(), document)
            .await
            .map_err(canvas_error)?;
        Ok(NoContentResponse::NoContent)
    }

    /// Who the document is shared with, in grant order.
    #[oai(
        path = "/canvas/documents/:document_id/grants",
        method = "get",
        operation_id = "canvas.grants.list"
    )]
    async fn grants(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<GrantListResponse> {
        const KIND: &str = "canvas_grants";
        let document = self::document_id(&document_id)?;
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Canvas>()?
            .grants(auth.principal(), document, &request)
            .await
            .map_err(canvas_error)?;
        Ok(GrantListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |grant| grant.key.clone(),
            |grant| grant_view(&grant),
        ))))
    }

    /// Shares the document with a workspace member at a role (or changes it). Only owners
    /// grant or take ownership; open sockets of the user follow within seconds.
    #[oai(
        path = "/canvas/documents/:document_id/grants/:user_id",
        method = "put",
        operation_id = "canvas.grants.put"
    )]
    async fn put_grant(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        user_id: Path<String>,
        body: JsonBody<SetGrant>,
    ) -> ApiResult<GrantResponse> {
        let document = self::document_id(&document_id)?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        let role = ResourceRole::from(body.0.role);
        state
            .service::<Canvas>()?
            .share(auth.principal(), document, user, Some(role))
            .await
            .map_err(canvas_error)?;
        Ok(GrantResponse::Ok(Json(GrantView {
            document_id: document.to_string(),
            user_id: Some(user.to_string()),
            workspace_id: None,
            role: role.into(),
        })))
    }

    /// Revokes a user's grant; their open sockets close (4403) or reconnect with what their
    /// workspace role still allows (4409).
    #[oai(
        path = "/canvas/documents/:document_id/grants/:user_id",
        method = "delete",
        operation_id = "canvas.grants.delete"
    )]
    async fn delete_grant(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        user_id: Path<String>,
    ) -> ApiResult<NoContentResponse> {
        let document = self::document_id(&document_id)?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        state
            .service::<Canvas>()?
            .share(auth.principal(), document, user, None)
            .await
            .map_err(canvas_error)?;
        Ok(NoContentResponse::NoContent)
    }

    /// The current content as one Yjs update.
    #[oai(
        path = "/canvas/documents/:document_id/content",
        method = "get",
        operation_id = "canvas.content.get"
    )]
    async fn content(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
    ) -> ApiResult<ContentResponse> {
        use atelier_canvas_sync::yrs::{
            ReadTxn, Transact, Update,
            updates::{decoder::Decode, encoder::Encode},
        };
        let document = self::document_id(&document_id)?;
        let (_, update) = state
            .service::<Canvas>()?
            .content(auth.principal(), document)
            .await
            .map_err(canvas_error)?;
        let doc = atelier_canvas_sync::yrs::Doc::new();
        if let Ok(decoded) = Update::decode_v1(&update) {
            doc.transact_mut().apply_update(decoded).ok();
        }
        let state_vector = doc.transact().state_vector().encode_v1();
        Ok(ContentResponse::Ok(Json(ContentView {
            update: STANDARD.encode(&update),
            state_vector: STANDARD.encode(state_vector),
        })))
    }

    /// The current content as JSON: the document's declared roots rendered.
    #[oai(
        path = "/canvas/documents/:document_id/content/json",
        method = "get",
        operation_id = "canvas.content.json"
    )]
    async fn content_json(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
    ) -> ApiResult<JsonResponse> {
        let document = self::document_id(&document_id)?;
        let (record, update) = state
            .service::<Canvas>()?
            .content(auth.principal(), document)
            .await
            .map_err(canvas_error)?;
        let content = render(&record, &update)?;
        Ok(JsonResponse::Ok(Json(JsonView {
            document_id: record.id.to_string(),
            content,
        })))
    }

    /// Applies a Yjs update as the caller's edit: every connected client receives it. Answers
    /// once it is durable.
    #[oai(
        path = "/canvas/documents/:document_id/updates",
        method = "post",
        operation_id = "canvas.content.update"
    )]
    async fn apply_update(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        body: JsonBody<UpdateBody>,
    ) -> ApiResult<EditResponse> {
        let document = self::document_id(&document_id)?;
        let update = decode_base64("update", &body.0.update)?;
        let canvas = state.service::<Canvas>()?;
        let changed = canvas
            .apply_update(auth.principal(), document, update)
            .await
            .map_err(canvas_error)?;
        edit_result(canvas, auth.principal(), document, changed).await
    }

    /// Applies a JSON edit (operations on named roots) as the caller's edit: every connected
    /// client receives it as a Yjs update. Answers once it is durable.
    #[oai(
        path = "/canvas/documents/:document_id/edits",
        method = "post",
        operation_id = "canvas.content.edit"
    )]
    async fn apply_edit(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        body: JsonBody<JsonEditBody>,
    ) -> ApiResult<EditResponse> {
        let document = self::document_id(&document_id)?;
        let ops = body
            .0
            .ops
            .into_iter()
            .map(json_op)
            .collect::<Result<Vec<_>, _>>()?;
        let canvas = state.service::<Canvas>()?;
        let changed = canvas
            .apply_json_edit(auth.principal(), document, JsonEdit { ops })
            .await
            .map_err(canvas_error)?;
        edit_result(canvas, auth.principal(), document, changed).await
    }

    /// The state vector of everything the server has made durable for the document.
    #[oai(
        path = "/canvas/documents/:document_id/durable",
        method = "get",
        operation_id = "canvas.content.durable"
    )]
    async fn durable(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
    ) -> ApiResult<DurableResponse> {
        let document = self::document_id(&document_id)?;
        let vector = state
            .service::<Canvas>()?
            .durable_state_vector(auth.principal(), document)
            .await
            .map_err(canvas_error)?;
        Ok(DurableResponse::Ok(Json(DurableView {
            document_id: document.to_string(),
            state_vector: STANDARD.encode(vector),
        })))
    }

    /// Keeps the current content as a named version.
    #[oai(
        path = "/canvas/documents/:document_id/versions",
        method = "post",
        operation_id = "canvas.versions.create"
    )]
    async fn create_version(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        body: JsonBody<CreateVersion>,
    ) -> ApiResult<VersionCreated> {
        let document = self::document_id(&document_id)?;
        let version = state
            .service::<Canvas>()?
            .create_version(auth.principal(), document, body.0.name)
            .await
            .map_err(canvas_error)?;
        Ok(VersionCreated::Created(Json(version_view(&version))))
    }

    /// The document's versions (named, periodic and before-restore), oldest first.
    #[oai(
        path = "/canvas/documents/:document_id/versions",
        method = "get",
        operation_id = "canvas.versions.list"
    )]
    async fn versions(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<VersionListResponse> {
        const KIND: &str = "canvas_versions";
        let document = self::document_id(&document_id)?;
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let limit = u32::try_from(request.limit).unwrap_or(200);
        let records = state
            .service::<Canvas>()?
            .versions(auth.principal(), document, request.after.as_deref(), limit)
            .await
            .map_err(canvas_error)?;
        Ok(VersionListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |version| version.id.clone(),
            |version| version_view(&version),
        ))))
    }

    /// One version (without its content).
    #[oai(
        path = "/canvas/documents/:document_id/versions/:version_id",
        method = "get",
        operation_id = "canvas.versions.get"
    )]
    async fn version(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        version_id: Path<String>,
    ) -> ApiResult<VersionResponse> {
        let document = self::document_id(&document_id)?;
        let version = self::version_id(&version_id)?;
        let (_, version) = state
            .service::<Canvas>()?
            .version(auth.principal(), document, &version)
            .await
            .map_err(canvas_error)?;
        Ok(VersionResponse::Ok(Json(version_view(&version))))
    }

    /// A version's content as one Yjs update.
    #[oai(
        path = "/canvas/documents/:document_id/versions/:version_id/content",
        method = "get",
        operation_id = "canvas.versions.content"
    )]
    async fn version_content(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        version_id: Path<String>,
    ) -> ApiResult<ContentResponse> {
        use atelier_canvas_sync::yrs::{
            ReadTxn, Transact, Update,
            updates::{decoder::Decode, encoder::Encode},
        };
        let document = self::document_id(&document_id)?;
        let version = self::version_id(&version_id)?;
        let (_, version) = state
            .service::<Canvas>()?
            .version(auth.principal(), document, &version)
            .await
            .map_err(canvas_error)?;
        let doc = atelier_canvas_sync::yrs::Doc::new();
        if let Ok(decoded) = Update::decode_v1(&version.state.bytes) {
            doc.transact_mut().apply_update(decoded).ok();
        }
        let state_vector = doc.transact().state_vector().encode_v1();
        Ok(ContentResponse::Ok(Json(ContentView {
            update: STANDARD.encode(&version.state.bytes),
            state_vector: STANDARD.encode(state_vector),
        })))
    }

    /// A version's content as JSON (the document's declared roots).
    #[oai(
        path = "/canvas/documents/:document_id/versions/:version_id/content/json",
        method = "get",
        operation_id = "canvas.versions.json"
    )]
    async fn version_json(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        version_id: Path<String>,
    ) -> ApiResult<JsonResponse> {
        let document = self::document_id(&document_id)?;
        let version = self::version_id(&version_id)?;
        let (record, version) = state
            .service::<Canvas>()?
            .version(auth.principal(), document, &version)
            .await
            .map_err(canvas_error)?;
        let content = render(&record, &version.state.bytes)?;
        Ok(JsonResponse::Ok(Json(JsonView {
            document_id: record.id.to_string(),
            content,
        })))
    }

    /// Which declared roots (and map keys) differ between this version and another (`to`), or
    /// the current content when `to` is omitted.
    #[oai(
        path = "/canvas/documents/:document_id/versions/:version_id/diff",
        method = "get",
        operation_id = "canvas.versions.diff"
    )]
    async fn diff(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        version_id: Path<String>,
        /// The version to compare with (`ver_...`); omit for the current content.
        to: Query<Option<String>>,
    ) -> ApiResult<DiffResponse> {
        let document = self::document_id(&document_id)?;
        let from = self::version_id(&version_id)?;
        let to = to.0.as_deref().map(self::version_id).transpose()?;
        let changes = state
            .service::<Canvas>()?
            .diff(auth.principal(), document, &from, to.as_deref())
            .await
            .map_err(canvas_error)?;
        Ok(DiffResponse::Ok(Json(DiffView {
            from_version_id: from,
            to_version_id: to,
            changes: changes
                .into_iter()
                .map(|change| ChangeView {
                    root: change.root,
                    key: change.key,
                })
                .collect(),
        })))
    }

    /// Restores a version as a forward edit every connected client receives (never a swap);
    /// the content before is kept as a `before_restore` version.
    #[oai(
        path = "/canvas/documents/:document_id/versions/:version_id/restore",
        method = "post",
        operation_id = "canvas.versions.restore"
    )]
    async fn restore(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        document_id: Path<String>,
        version_id: Path<String>,
    ) -> ApiResult<VersionResponse> {
        let document = self::document_id(&document_id)?;
        let version = self::version_id(&version_id)?;
        let restored = state
            .service::<Canvas>()?
            .restore(auth.principal(), document, &version)
            .await
            .map_err(canvas_error)?;
        Ok(VersionResponse::Ok(Json(version_view(&restored))))
    }
}

async fn edit_result(
    canvas: &Canvas,
    principal: &atelier_identity::Principal,
    document: DocumentId,
    changed: bool,
) -> ApiResult<EditResponse> {
    let vector = canvas
        .durable_state_vector(principal, document)
        .await
        .map_err(canvas_error)?;
    Ok(EditResponse::Ok(Json(EditResult {
        changed,
        durable_state_vector: STANDARD.encode(vector),
    })))
}

/// The declared roots of `record` rendered from a state.
fn render(
    record: &DocumentRecord,
    state: &[u8],
) -> Result<std::collections::BTreeMap<String, serde_json::Value>, ErrorResponse> {
    use atelier_canvas_sync::yrs::{Transact, Update, updates::decoder::Decode};
    let doc = atelier_canvas_sync::yrs::Doc::new();
    let update = Update::decode_v1(state)
        .map_err(|error| ErrorResponse::internal("canvas content", &error))?;
    doc.transact_mut()
        .apply_update(update)
        .map_err(|error| ErrorResponse::internal("canvas content", &error))?;
    Ok(json_object(atelier_canvas_sync::to_json(
        &doc,
        &record.view_roots(),
    )))
}
