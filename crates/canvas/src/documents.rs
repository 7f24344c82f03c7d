//! The canvas service: documents in a workspace, who may do what with them, their content,
//! versions and grants. Every operation takes the acting principal and decides with
//! `atelier_identity::policy` (one policy for HTTP, the sync socket and agents):
//!
//! - every document access needs **current workspace membership** of a user, and then the
//!   policy: workspace members read and comment on every document of the workspace, admins and
//!   owners edit, share and delete them; a **resource grant** (`canvas_document`) adds a role on
//!   one document (viewer, commenter, editor, owner); the creator owns what they create (a
//!   grant). A document the caller may not read is [`CanvasError::NotFound`], exactly like one
//!   that does not exist;
//! - content edits need `ResourceEdit` and an unarchived document (409 `document_archived`);
//!   sharing follows the policy's member-change table (only owners grant or take ownership);
//!   archiving and deleting need `ResourceDelete`;
//! - **API keys** (the tenant's backend) may do everything a `full` key may (`read_only` keys
//!   only read); their edits name no user.
//!
//! Writes others care about run in a unit of work with their event; content goes through the
//! node's [`SyncHub`] (and the update log), never the outbox.

use std::collections::BTreeSet;

use atelier_canvas_sync::{Change, restore_update};
use atelier_core::TenantId;
use atelier_identity::{
    Principal, ResourceRole, UserId, WorkspaceId,
    policy::{self, Access, Decision, Permission},
    tenancy::{GrantRecord, GrantSubject, Tenancy},
};
use atelier_outbox::{Outbox, UnitOfWork};
use atelier_store::{Store, scoped::PageRequest};
use futures_util::FutureExt;
use mongodb::{Collection, bson::doc};
use serde_json::json;

use crate::{
    CanvasError,
    events::{self, document_json, version_json},
    model::{DeclaredRoot, DocumentId, DocumentRecord},
    sync::{Joining, RESOURCE_TYPE, SyncHub},
    versions::{VersionKind, VersionRecord, Versions},
};

/// The documents collection.
pub const DOCUMENTS: &str = "canvas_documents";
/// Longest document name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Most declared roots per document.
pub const MAX_ROOTS: usize = 32;

/// A document to create.
#[derive(Debug, Clone, Default)]
pub struct NewDocument {
    pub name: String,
    pub description: String,
    pub roots: Vec<DeclaredRoot>,
}

/// A change to a document's metadata; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct DocumentPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub roots: Option<Vec<DeclaredRoot>>,
    pub archived: Option<bool>,
}

/// A document and what the caller may do with it.
#[derive(Debug, Clone)]
pub struct VisibleDocument {
    pub record: DocumentRecord,
    pub access: Access,
}

/// The canvas service. Cheap to clone.
#[derive(Clone)]
pub struct Canvas {
    store: Store,
    unit: UnitOfWork,
    outbox: Outbox,
    tenancy: Tenancy,
    documents: Collection<DocumentRecord>,
    hub: SyncHub,
    versions: Versions,
}

impl std::fmt::Debug for Canvas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Canvas").finish_non_exhaustive()
    }
}

impl Canvas {
    pub fn new(store: &Store, hub: SyncHub) -> Canvas {
        Canvas {
            store: store.clone(),
            unit: UnitOfWork::new(store),
            outbox: Outbox::new(store),
            tenancy: Tenancy::new(store),
            documents: store.database().collection(DOCUMENTS),
            hub,
            versions: Versions::new(store),
        }
    }

    /// The node's live documents.
    pub fn hub(&self) -> &SyncHub {
        &self.hub
    }

    fn require(
        principal: &Principal,
        permission: Permission,
        access: Access,
    ) -> Result<(), CanvasError> {
        match policy::authorize(principal, permission, access) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => {
                tracing::info!(actor = %principal.actor(), ?permission, reason, "canvas operation refused");
                Err(CanvasError::forbidden(
                    "forbidden",
                    format!("your role on this document does not allow this ({reason})"),
                ))
            }
        }
    }

    // ---- documents ----------------------------------------------------------------------

    pub async fn create(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
        new: NewDocument,
    ) -> Result<DocumentRecord, CanvasError> {
        let tenant = principal.tenant();
        let access = self.tenancy.workspace_access(principal, workspace).await?;
        Self::require(principal, Permission::ResourceCreate, access)?;
        let now = now_ms();
        let creator = match principal {
            Principal::User { user_id, .. } => Some(*user_id),
            Principal::ApiKey { .. } => None,
        };
        let document = DocumentRecord {
            id: DocumentId::generate(),
            tenant,
            workspace,
            name: check_name(&new.name)?,
            description: check_description(&new.description)?,
            roots: check_roots(new.roots)?,
            created_by: creator,
            created_at_ms: now,
            updated_at_ms: now,
            archived_at_ms: None,
        };
        let event = events::event(
            "canvas.document.created",
            &document,
            json!({ "document": document_json(&document) }),
        );
        self.unit
            .run::<_, _, CanvasError, _>(
                tenant,
                (self.clone(), document, event),
                |tx, (this, document, event)| {
                    async move {
                        let session = tx.session();
                        this.documents
                            .insert_one(&*document)
                            .session(&mut *session)
                            .await?;
                        if let Some(creator) = document.created_by {
                            this.tenancy
                                .grant_in(
                                    session,
                                    document.tenant,
                                    RESOURCE_TYPE,
                                    &document.id.to_string(),
                                    GrantSubject::User(creator),
                                    ResourceRole::Owner,
                                )
                                .await?;
                        }
                        tx.append(event.clone());
                        Ok(document.clone())
                    }
                    .boxed()
                },
            )
            .await
    }

    async fn get_record(
        &self,
        tenant: TenantId,
        document: DocumentId,
    ) -> Result<DocumentRecord, CanvasError> {
        atelier_store::scoped::get(&self.documents, tenant, &document.to_string())
            .await?
            .ok_or(CanvasError::NotFound("document"))
    }

    /// What a user holds on a document (nothing for API keys: their scope decides).
    async fn access_of(
        &self,
        principal: &Principal,
        record: &DocumentRecord,
    ) -> Result<Access, CanvasError> {
        match principal {
            Principal::ApiKey { .. } => Ok(Access::default()),
            Principal::User { tenant, user_id } => {
                let access = self
                    .tenancy
                    .access(
                        *tenant,
                        *user_id,
                        record.workspace,
                        Some((RESOURCE_TYPE, &record.id.to_string())),
                    )
                    .await?;
                // A grant outlives nothing: without workspace membership it counts for nothing.
                if access.workspace_role.is_none() {
                    return Ok(Access::default());
                }
                Ok(access)
            }
        }
    }

    /// The document and the caller's access, or `NotFound("document")` when it does not
    /// exist in the tenant or the caller may not read it.
    pub async fn visible(
        &self,
        principal: &Principal,
        document: DocumentId,
    ) -> Result<VisibleDocument, CanvasError> {
        let record = self.get_record(principal.tenant(), document).await?;
        let access = self.access_of(principal, &record).await?;
        match policy::authorize(principal, Permission::ResourceRead, access) {
            Decision::Allow => Ok(VisibleDocument { record, access }),
            Decision::Deny(reason) => {
                tracing::info!(actor = %principal.actor(), %document, reason, "document hidden");
                Err(CanvasError::NotFound("document"))
            }
        }
    }

    /// The document if the caller may do `permission` on it (and, for content edits, it is
    /// not archived).
    async fn authorized(
        &self,
        principal: &Principal,
        document: DocumentId,
        permission: Permission,
    ) -> Result<DocumentRecord, CanvasError> {
        let visible = self.visible(principal, document).await?;
        Self::require(principal, permission, visible.access)?;
        Ok(visible.record)
    }

    /// A page of the workspace's documents the caller can read, oldest first.
    pub async fn list(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
        request: &PageRequest,
    ) -> Result<(Vec<DocumentRecord>, bool), CanvasError> {
        let tenant = principal.tenant();
        let access = self.tenancy.workspace_access(principal, workspace).await?;
        let filter = doc! { "workspace": workspace.to_string() };
        // Members (and API keys) read every document of the workspace: one page query.
        if policy::authorize(principal, Permission::ResourceRead, access).is_allowed() {
            return Ok(
                atelier_store::scoped::page(&self.documents, tenant, filter, request).await?,
            );
        }
        // Guests read what is shared with them: batches until a page of visible ones.
        let mut batch = PageRequest::new(request.after.clone(), request.limit.max(50));
        let mut visible = Vec::with_capacity(request.limit + 1);
        loop {
            let (records, more) =
                atelier_store::scoped::page(&self.documents, tenant, filter.clone(), &batch)
                    .await?;
            batch.after = records.last().map(|record| record.id.to_string());
            for record in records {
                let access = self.access_of(principal, &record).await?;
                if policy::authorize(principal, Permission::ResourceRead, access).is_allowed() {
                    visible.push(record);
                    if visible.len() > request.limit {
                        visible.truncate(request.limit);
                        return Ok((visible, true));
                    }
                }
            }
            if !more {
                return Ok((visible, false));
            }
        }
    }

    /// Renames, re-describes, re-declares roots, archives or unarchives.
    pub async fn update(
        &self,
        principal: &Principal,
        document: DocumentId,
        patch: DocumentPatch,
    ) -> Result<DocumentRecord, CanvasError> {
        let visible = self.visible(principal, document).await?;
        let mut record = visible.record;
        let mut changed = Vec::new();
        if let Some(archived) = patch.archived
            && archived != record.is_archived()
        {
            Self::require(principal, Permission::ResourceDelete, visible.access)?;
            record.archived_at_ms = archived.then(now_ms);
            changed.push("archived");
        }
        let edits_metadata =
            patch.name.is_some() || patch.description.is_some() || patch.roots.is_some();
        if edits_metadata {
            Self::require(principal, Permission::ResourceEdit, visible.access)?;
            if record.is_archived() {
                return Err(CanvasError::archived());
            }
        }
        if let Some(name) = patch.name {
            let name = check_name(&name)?;
            if name != record.name {
                record.name = name;
                changed.push("name");
            }
        }
        if let Some(description) = patch.description {
            let description = check_description(&description)?;
            if description != record.description {
                record.description = description;
                changed.push("description");
            }
        }
        if let Some(roots) = patch.roots {
            let roots = check_roots(roots)?;
            if roots != record.roots {
                record.roots = roots;
                changed.push("roots");
            }
        }
        if changed.is_empty() {
            return Ok(record);
        }
        record.updated_at_ms = now_ms();
        let event = events::event(
            "canvas.document.updated",
            &record,
            json!({ "document": document_json(&record), "changed": changed }),
        );
        self.unit
            .run::<_, _, CanvasError, _>(
                record.tenant,
                (self.clone(), record, event),
                |tx, (this, record, event)| {
                    async move {
                        let replaced = this
                            .documents
                            .replace_one(
                                doc! { "_id": record.id.to_string(), "tenant": record.tenant.to_string() },
                                &*record,
                            )
                            .session(tx.session())
                            .await?;
                        if replaced.matched_count == 0 {
                            return Err(CanvasError::NotFound("document"));
                        }
                        tx.append(event.clone());
                        Ok(record.clone())
                    }
                    .boxed()
                },
            )
            .await
    }

    /// Deletes the document, its grants, content and versions; open sockets close (4404).
    pub async fn delete(
        &self,
        principal: &Principal,
        document: DocumentId,
    ) -> Result<(), CanvasError> {
        let record = self
            .authorized(principal, document, Permission::ResourceDelete)
            .await?;
        let event = events::event("canvas.document.deleted", &record, json!({}));
        self.unit
            .run::<_, _, CanvasError, _>(
                record.tenant,
                (self.clone(), record.clone(), event),
                |tx, (this, record, event)| {
                    async move {
                        let session = tx.session();
                        let deleted = this
                            .documents
                            .delete_one(doc! { "_id": record.id.to_string(), "tenant": record.tenant.to_string() })
                            .session(&mut *session)
                            .await?;
                        if deleted.deleted_count == 0 {
                            return Err(CanvasError::NotFound("document"));
                        }
                        this.tenancy
                            .purge_grants_in(
                                session,
                                record.tenant,
                                RESOURCE_TYPE,
                                &record.id.to_string(),
                            )
                            .await?;
                        tx.append(event.clone());
                        Ok(())
                    }
                    .boxed()
                },
            )
            .await?;
        // The metadata is gone, so nobody can reach the content any more; what follows only
        // frees space (a failure leaves unreachable records, logged).
        self.hub
            .access_changed(crate::sync::AccessChange::DocumentDeleted {
                tenant: record.tenant,
                document: record.id.to_string(),
            });
        let id = record.id.to_string();
        if let Err(error) = self.hub.log().purge(record.tenant, &id).await {
            tracing::warn!(document = %id, %error, "purging a deleted document's log failed");
        }
        if let Err(error) = self.versions.purge(record.tenant, &id).await {
            tracing::warn!(document = %id, %error, "purging a deleted document's versions failed");
        }
        Ok(())
    }

    // ---- sharing ------------------------------------------------------------------------

    /// Sets `user`'s role on the document (`None`: revokes it). Decided by the policy's
    /// member-change rules on the caller's access; the user must be a workspace member.
    pub async fn share(
        &self,
        principal: &Principal,
        document: DocumentId,
        user: UserId,
        role: Option<ResourceRole>,
    ) -> Result<Option<GrantRecord>, CanvasError> {
        let visible = self.visible(principal, document).await?;
        let record = visible.record;
        let tenant = record.tenant;
        let current = self
            .tenancy
            .get_grant(
                tenant,
                RESOURCE_TYPE,
                &record.id.to_string(),
                GrantSubject::User(user),
            )
            .await?
            .map(|grant| grant.role);
        if current.is_none() && role.is_none() {
            return Err(CanvasError::NotFound("grant"));
        }
        if current == role {
            return Ok(None);
        }
        // Sharing is the owners' (and workspace admins') decision: the member-change rules
        // alone would let anyone who comments invite viewers. Giving up one's own grant is
        // always allowed.
        let own = matches!(principal, Principal::User { user_id, .. } if *user_id == user);
        if !(own && role.is_none()) {
            Self::require(principal, Permission::ResourceShare, visible.access)?;
        }
        match policy::authorize_resource_member_change(principal, visible.access, current, role) {
            Decision::Allow => {}
            Decision::Deny(reason) => {
                tracing::info!(actor = %principal.actor(), %document, reason, "share refused");
                return Err(CanvasError::forbidden(
                    "forbidden",
                    format!("your role on this document does not allow this change ({reason})"),
                ));
            }
        }
        if role.is_some()
            && self
                .tenancy
                .member_role(tenant, record.workspace, user)
                .await?
                .is_none()
        {
            return Err(CanvasError::invalid(
                "user_id",
                format!("{user} is not a member of the document's workspace"),
            ));
        }
        let by = principal_user(principal);
        let event = events::event(
            "canvas.document.shared",
            &record,
            json!({ "user_id": user, "role": role.map(ResourceRole::as_str), "by": by }),
        );
        self.unit
            .run::<_, _, CanvasError, _>(
                tenant,
                (self.clone(), record, user, role, event),
                |tx, (this, record, user, role, event)| {
                    async move {
                        let session = tx.session();
                        let id = record.id.to_string();
                        let grant = match role {
                            Some(role) => Some(
                                this.tenancy
                                    .grant_in(
                                        session,
                                        record.tenant,
                                        RESOURCE_TYPE,
                                        &id,
                                        GrantSubject::User(*user),
                                        *role,
                                    )
                                    .await?,
                            ),
                            None => {
                                if !this
                                    .tenancy
                                    .revoke_grant_in(
                                        session,
                                        record.tenant,
                                        RESOURCE_TYPE,
                                        &id,
                                        GrantSubject::User(*user),
                                    )
                                    .await?
                                {
                                    return Err(CanvasError::NotFound("grant"));
                                }
                                None
                            }
                        };
                        tx.append(event.clone());
                        Ok(grant)
                    }
                    .boxed()
                },
            )
            .await
    }

    /// A page of the document's grants (readers may see who it is shared with).
    pub async fn grants(
        &self,
        principal: &Principal,
        document: DocumentId,
        request: &PageRequest,
    ) -> Result<(Vec<GrantRecord>, bool), CanvasError> {
        let record = self.visible(principal, document).await?.record;
        Ok(self
            .tenancy
            .grants_page(
                record.tenant,
                RESOURCE_TYPE,
                &record.id.to_string(),
                request,
            )
            .await?)
    }

    // ---- content ------------------------------------------------------------------------

    /// What a sync socket of `principal` may do on the document (users only).
    pub async fn join(
        &self,
        principal: &Principal,
        document: &str,
        wants_acks: bool,
        login: Option<String>,
    ) -> Result<Joining, CanvasError> {
        let Principal::User { user_id, .. } = principal else {
            return Err(CanvasError::forbidden(
                "user_token_required",
                "the sync socket is for end users: connect with a user access token",
            ));
        };
        let document: DocumentId = document
            .parse()
            .map_err(|_| CanvasError::NotFound("document"))?;
        let visible = self.visible(principal, document).await?;
        let can_write = !visible.record.is_archived()
            && policy::authorize(principal, Permission::ResourceEdit, visible.access).is_allowed();
        Ok(Joining {
            user: Some(user_id.to_string()),
            workspace: Some(visible.record.workspace.to_string()),
            login,
            can_write,
            wants_acks,
        })
    }

    /// The current content as one Yjs update (v1), and the document.
    pub async fn content(
        &self,
        principal: &Principal,
        document: DocumentId,
    ) -> Result<(DocumentRecord, Vec<u8>), CanvasError> {
        let record = self.visible(principal, document).await?.record;
        let state = self
            .hub
            .state(record.tenant, &record.id.to_string())
            .await?;
        Ok((record, state))
    }

    /// The state vector of what is durable (encoded v1).
    pub async fn durable_state_vector(
        &self,
        principal: &Principal,
        document: DocumentId,
    ) -> Result<Vec<u8>, CanvasError> {
        use atelier_canvas_sync::yrs::updates::encoder::Encode;
        let record = self.visible(principal, document).await?.record;
        let vector = self
            .hub
            .durable_state_vector(record.tenant, &record.id.to_string())
            .await?;
        Ok(vector.encode_v1())
    }

    /// Applies a Yjs update (v1) as the caller's edit; answers once it is durable. False when
    /// it changed nothing.
    pub async fn apply_update(
        &self,
        principal: &Principal,
        document: DocumentId,
        update: Vec<u8>,
    ) -> Result<bool, CanvasError> {
        let record = self.editable(principal, document).await?;
        let changed = self
            .hub
            .edit(
                record.tenant,
                &record.id.to_string(),
                update,
                principal_user(principal),
            )
            .await?;
        Ok(changed)
    }

    /// The document if the caller may edit its content now.
    async fn editable(
        &self,
        principal: &Principal,
        document: DocumentId,
    ) -> Result<DocumentRecord, CanvasError> {
        let record = self
            .authorized(principal, document, Permission::ResourceEdit)
            .await?;
        if record.is_archived() {
            return Err(CanvasError::archived());
        }
        Ok(record)
    }

    /// Applies a JSON edit (see [`crate::json_edit`]) as the caller's edit.
    pub async fn apply_json_edit(
        &self,
        principal: &Principal,
        document: DocumentId,
        edit: crate::json_edit::JsonEdit,
    ) -> Result<bool, CanvasError> {
        let record = self.editable(principal, document).await?;
        let id = record.id.to_string();
        let state = self.hub.state(record.tenant, &id).await?;
        let update = tokio::task::spawn_blocking(move || edit.to_update(&state))
            .await
            .map_err(|_| CanvasError::Unavailable)??;
        Ok(self
            .hub
            .edit(record.tenant, &id, update, principal_user(principal))
            .await?)
    }

    // ---- versions -----------------------------------------------------------------------

    /// Keeps the current content as a named version.
    pub async fn create_version(
        &self,
        principal: &Principal,
        document: DocumentId,
        name: String,
    ) -> Result<VersionRecord, CanvasError> {
        let record = self
            .authorized(principal, document, Permission::ResourceEdit)
            .await?;
        let name = check_name(&name)
            .map_err(|_| CanvasError::invalid("name", "a version name is 1 to 200 characters"))?;
        self.keep_version(principal, &record, Some(name), VersionKind::Named)
            .await
    }

    async fn keep_version(
        &self,
        principal: &Principal,
        record: &DocumentRecord,
        name: Option<String>,
        kind: VersionKind,
    ) -> Result<VersionRecord, CanvasError> {
        let id = record.id.to_string();
        let state = self.hub.state(record.tenant, &id).await?;
        let version = self
            .versions
            .create(
                record.tenant,
                &id,
                name,
                kind,
                principal_user(principal),
                state,
            )
            .await?;
        self.append_event(
            record.tenant,
            events::event(
                "canvas.document.version.created",
                record,
                json!({ "version": version_json(&version) }),
            ),
        )
        .await?;
        Ok(version)
    }

    pub async fn versions(
        &self,
        principal: &Principal,
        document: DocumentId,
        after: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<VersionRecord>, bool), CanvasError> {
        let record = self.visible(principal, document).await?.record;
        Ok(self
            .versions
            .page(record.tenant, &record.id.to_string(), after, limit)
            .await?)
    }

    /// One version with its content, and the document.
    pub async fn version(
        &self,
        principal: &Principal,
        document: DocumentId,
        version: &str,
    ) -> Result<(DocumentRecord, VersionRecord), CanvasError> {
        let record = self.visible(principal, document).await?.record;
        let version = self
            .versions
            .get(record.tenant, &record.id.to_string(), version)
            .await?
            .ok_or(CanvasError::NotFound("version"))?;
        Ok((record, version))
    }

    /// Which declared roots (and map keys) differ between two versions (`to = None`: the
    /// current content).
    pub async fn diff(
        &self,
        principal: &Principal,
        document: DocumentId,
        from: &str,
        to: Option<&str>,
    ) -> Result<Vec<Change>, CanvasError> {
        let (record, old) = self.version(principal, document, from).await?;
        let new = match to {
            Some(to) => self.version(principal, document, to).await?.1.state.bytes,
            None => {
                self.hub
                    .state(record.tenant, &record.id.to_string())
                    .await?
            }
        };
        let roots: Vec<DeclaredRoot> = record.roots.clone();
        let changes = tokio::task::spawn_blocking(move || {
            let roots: Vec<atelier_canvas_sync::Root<'_>> = roots
                .iter()
                .map(|root| (root.name.as_str(), root.kind.kind()))
                .collect();
            atelier_canvas_sync::diff(&old.state.bytes, &new, &roots)
        })
        .await
        .map_err(|_| CanvasError::Unavailable)??;
        Ok(changes)
    }

    /// Restores a version as a forward edit every connected client receives; the content
    /// before is kept as a `before_restore` version.
    pub async fn restore(
        &self,
        principal: &Principal,
        document: DocumentId,
        version: &str,
    ) -> Result<VersionRecord, CanvasError> {
        let record = self.editable(principal, document).await?;
        let id = record.id.to_string();
        let target = self
            .versions
            .get(record.tenant, &id, version)
            .await?
            .ok_or(CanvasError::NotFound("version"))?;
        let before = self
            .keep_version(principal, &record, None, VersionKind::BeforeRestore)
            .await?;
        let restore = {
            let version = target.state.bytes.clone();
            let current = before.state.bytes.clone();
            tokio::task::spawn_blocking(move || restore_update(&version, &current))
                .await
                .map_err(|_| CanvasError::Unavailable)??
        };
        self.hub
            .edit(record.tenant, &id, restore, principal_user(principal))
            .await?;
        self.append_event(
            record.tenant,
            events::event(
                "canvas.document.restored",
                &record,
                json!({ "version": version_json(&target), "by": principal_user(principal) }),
            ),
        )
        .await?;
        Ok(target)
    }

    async fn append_event(
        &self,
        tenant: TenantId,
        event: atelier_core::NewEvent,
    ) -> Result<(), CanvasError> {
        self.outbox.append_now(tenant, vec![event]).await?;
        self.store.notify_committed();
        Ok(())
    }

    /// The throttled content event: `editors` edited the document in the last window.
    pub async fn content_edited(
        &self,
        tenant: TenantId,
        document: &str,
        editors: Vec<String>,
    ) -> Result<(), CanvasError> {
        let Ok(id) = document.parse::<DocumentId>() else {
            return Ok(());
        };
        let Some(record) =
            atelier_store::scoped::get(&self.documents, tenant, &id.to_string()).await?
        else {
            return Ok(());
        };
        let editors: BTreeSet<String> = editors.into_iter().collect();
        let event = events::event(
            "canvas.document.updated",
            &record,
            json!({ "document": document_json(&record), "changed": ["content"], "editor_ids": editors }),
        );
        self.append_event(tenant, event).await
    }
}

/// The gatekeeper of the sync sockets: the same decision as [`Canvas::join`], for a user the
/// hub asks about again when an access event arrives.
#[async_trait::async_trait]
impl crate::sync::Gatekeeper for Canvas {
    async fn recheck(
        &self,
        tenant: TenantId,
        user: &str,
        document: &str,
    ) -> Result<Option<bool>, String> {
        let Ok(user_id) = user.parse::<UserId>() else {
            return Ok(None);
        };
        let principal = Principal::User { tenant, user_id };
        match self.join(&principal, document, false, None).await {
            Ok(joining) => Ok(Some(joining.can_write)),
            Err(CanvasError::NotFound(_) | CanvasError::Forbidden { .. }) => Ok(None),
            Err(error) => Err(error.to_string()),
        }
    }

    async fn edited(&self, tenant: TenantId, document: &str, editors: Vec<String>) {
        if let Err(error) = self.content_edited(tenant, document, editors).await {
            tracing::warn!(%tenant, document, %error, "the content event of a canvas document was not written");
        }
    }
}

/// The user a principal acts as (`None` for API keys).
fn principal_user(principal: &Principal) -> Option<String> {
    match principal {
        Principal::User { user_id, .. } => Some(user_id.to_string()),
        Principal::ApiKey { .. } => None,
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn check_name(name: &str) -> Result<String, CanvasError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(CanvasError::invalid(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} characters (trimmed)"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(CanvasError::invalid(
            "name",
            "must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

fn check_description(description: &str) -> Result<String, CanvasError> {
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(CanvasError::invalid(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    Ok(description.trim().to_owned())
}

fn check_roots(roots: Vec<DeclaredRoot>) -> Result<Vec<DeclaredRoot>, CanvasError> {
    if roots.len() > MAX_ROOTS {
        return Err(CanvasError::invalid(
            "roots",
            format!("at most {MAX_ROOTS} roots"),
        ));
    }
    let mut names = BTreeSet::new();
    for root in &roots {
        let chars = root.name.chars().count();
        if chars == 0 || chars > 100 {
            return Err(CanvasError::invalid(
                "roots",
                "a root name is 1 to 100 characters",
            ));
        }
        if !names.insert(root.name.as_str()) {
            return Err(CanvasError::invalid(
                "roots",
                format!("`{}` is declared twice", root.name),
            ));
        }
    }
    Ok(roots)
}
