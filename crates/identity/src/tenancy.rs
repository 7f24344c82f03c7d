//! Organisations (tenants), workspaces, users, workspace memberships and resource grants.
//!
//! Every function but [`Tenancy::create_tenant`] takes the tenant first and filters on it, so
//! an id of another tenant is "not found". Changes others care about are written together with
//! their outbox events in one [`UnitOfWork`] (`identity.workspace.created`,
//! `identity.user.created`, `identity.member.updated`, `identity.member.removed`).
//!
//! A workspace keeps `owner_count`; demoting or removing an owner decrements it only while it is
//! above one, in the same transaction, so two concurrent demotions cannot leave a workspace
//! without an owner.

use atelier_core::{NewEvent, TenantId};
use atelier_outbox::{Outbox, UnitOfWork};
use atelier_store::{
    CollectionSpec, StorageError, Store,
    scoped::{self, PageRequest},
};
use chrono::Utc;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::{Collection, IndexModel, bson::doc, options::IndexOptions};
use serde::{Deserialize, Serialize};

use crate::{
    IdentityError,
    model::{Principal, ResourceRole, UserId, WorkspaceId, WorkspaceRole},
    policy::{self, Access, Decision, Permission},
};

const TENANTS: &str = "tenants";
const WORKSPACES: &str = "workspaces";
const USERS: &str = "users";
const MEMBERS: &str = "workspace_members";
const GRANTS: &str = "resource_grants";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantRecord {
    #[serde(rename = "_id")]
    pub id: TenantId,
    pub name: String,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkspaceRecord {
    #[serde(rename = "_id")]
    pub id: WorkspaceId,
    pub tenant: TenantId,
    pub name: String,
    pub owner_count: i64,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    #[serde(rename = "_id")]
    pub id: UserId,
    pub tenant: TenantId,
    /// The tenant's own id for this user, unique within the tenant. Absent (not null) when
    /// unset, so the partial unique index ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub display_name: String,
    pub created_at_ms: i64,
    /// Set when the user was deleted: a deleted user is not found and cannot authenticate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at_ms: Option<i64>,
}

impl UserRecord {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at_ms.is_some()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MemberRecord {
    /// `<workspace>:<user>`.
    #[serde(rename = "_id")]
    pub key: String,
    pub tenant: TenantId,
    pub workspace: WorkspaceId,
    pub user: UserId,
    pub role: WorkspaceRole,
    pub updated_at_ms: i64,
}

/// Who a resource is shared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantSubject {
    User(UserId),
    Workspace(WorkspaceId),
}

impl GrantSubject {
    /// `user:<id>` or `workspace:<id>`, as stored in [`GrantRecord::subject`].
    pub fn key(self) -> String {
        match self {
            Self::User(user) => format!("user:{user}"),
            Self::Workspace(workspace) => format!("workspace:{workspace}"),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GrantRecord {
    /// `<resource_type>:<resource_id>:<subject>`.
    #[serde(rename = "_id")]
    pub key: String,
    pub tenant: TenantId,
    pub resource_type: String,
    pub resource_id: String,
    /// `user:<id>` or `workspace:<id>`.
    pub subject: String,
    pub role: ResourceRole,
}

#[derive(Debug, Clone)]
pub struct Tenancy {
    outbox: Outbox,
    unit: UnitOfWork,
    /// The database, for the modules' member cascade collections.
    database: mongodb::Database,
    tenants: Collection<TenantRecord>,
    workspaces: Collection<WorkspaceRecord>,
    users: Collection<UserRecord>,
    members: Collection<MemberRecord>,
    grants: Collection<GrantRecord>,
    /// Collections of other services holding per-workspace memberships (documents with
    /// `tenant`, `workspace` and `user` fields), deleted with a workspace membership.
    member_cascades: std::sync::Arc<[&'static str]>,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn check_name(field: &'static str, name: &str) -> Result<String, IdentityError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(IdentityError::invalid(field, "must be 1 to 200 characters"));
    }
    Ok(name.to_owned())
}

impl Tenancy {
    pub fn new(store: &Store) -> Self {
        let database = store.database();
        Self {
            outbox: Outbox::new(store),
            unit: UnitOfWork::new(store),
            database: database.clone(),
            tenants: database.collection(TENANTS),
            workspaces: database.collection(WORKSPACES),
            users: database.collection(USERS),
            members: database.collection(MEMBERS),
            grants: database.collection(GRANTS),
            member_cascades: std::sync::Arc::new([]),
        }
    }

    /// Removing someone from a workspace also deletes their documents in `collections`
    /// (fields `tenant`, `workspace`, `user`: e.g. their channel memberships), in the same
    /// transaction. Services register their collections here when the server wires them.
    pub fn with_member_cascade(mut self, collections: &[&'static str]) -> Self {
        let mut all: Vec<&'static str> = self.member_cascades.to_vec();
        all.extend_from_slice(collections);
        self.member_cascades = all.into();
        self
    }

    /// 403 unless the policy allows `permission` (tenant-wide operations hold no role).
    pub fn require(
        principal: &Principal,
        permission: Permission,
        access: Access,
    ) -> Result<(), IdentityError> {
        match policy::authorize(principal, permission, access) {
            Decision::Allow => Ok(()),
            Decision::Deny(reason) => Err(IdentityError::denied(
                principal,
                &format!("{permission:?}"),
                reason,
            )),
        }
    }

    /// Tenant administration (users, keys, tokens, webhooks, DLQ): the tenant to act on, for
    /// principals the policy lets administer it (full-scope API keys); 403 otherwise.
    pub fn administered_tenant(principal: &Principal) -> Result<TenantId, IdentityError> {
        Self::require(principal, Permission::TenantAdmin, Access::default())?;
        Ok(principal.tenant())
    }

    /// Reading tenant-wide records (audit, usage, events, webhook attempts): the tenant to read,
    /// for principals the policy lets read it (API keys); 403 otherwise.
    pub fn readable_tenant(principal: &Principal) -> Result<TenantId, IdentityError> {
        Self::require(principal, Permission::TenantRead, Access::default())?;
        Ok(principal.tenant())
    }

    /// What the principal holds on the workspace (nothing for API keys: their scope decides).
    /// A workspace that does not exist, or that a user cannot see, is not found.
    pub async fn workspace_access(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
    ) -> Result<Access, IdentityError> {
        self.get_workspace(principal.tenant(), workspace).await?;
        match principal {
            Principal::ApiKey { .. } => Ok(Access::default()),
            Principal::User { tenant, user_id } => {
                let access = self.access(*tenant, *user_id, workspace, None).await?;
                if policy::authorize(principal, Permission::WorkspaceRead, access).is_allowed() {
                    Ok(access)
                } else {
                    Err(IdentityError::NotFound("workspace"))
                }
            }
        }
    }

    /// One workspace the principal can see.
    pub async fn visible_workspace(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
    ) -> Result<WorkspaceRecord, IdentityError> {
        self.workspace_access(principal, workspace).await?;
        self.get_workspace(principal.tenant(), workspace).await
    }

    /// The workspaces the principal can see: all of them for API keys, their own for users.
    pub async fn visible_workspaces(
        &self,
        principal: &Principal,
    ) -> Result<Vec<WorkspaceRecord>, IdentityError> {
        let all = self.list_workspaces(principal.tenant()).await?;
        Ok(match self.own_workspace_ids(principal).await? {
            None => all,
            Some(mine) => all
                .into_iter()
                .filter(|workspace| mine.contains(&workspace.id.to_string()))
                .collect(),
        })
    }

    /// A page of the workspaces the principal can see, oldest first.
    pub async fn workspaces_page(
        &self,
        principal: &Principal,
        request: &PageRequest,
    ) -> Result<(Vec<WorkspaceRecord>, bool), IdentityError> {
        let filter = match self.own_workspace_ids(principal).await? {
            None => doc! {},
            Some(mine) => doc! { "_id": { "$in": mine } },
        };
        Ok(scoped::page(&self.workspaces, principal.tenant(), filter, request).await?)
    }

    /// The ids of the workspaces a user may read; `None` for API keys (every workspace).
    async fn own_workspace_ids(
        &self,
        principal: &Principal,
    ) -> Result<Option<Vec<String>>, IdentityError> {
        let Principal::User { tenant, user_id } = principal else {
            return Ok(None);
        };
        let members: Vec<MemberRecord> = self
            .members
            .find(doc! { "tenant": tenant.to_string(), "user": user_id.to_string() })
            .await?
            .try_collect()
            .await?;
        Ok(Some(
            members
                .into_iter()
                .filter(|member| {
                    let access = Access {
                        workspace_role: Some(member.role),
                        resource_role: None,
                    };
                    policy::authorize(principal, Permission::WorkspaceRead, access).is_allowed()
                })
                .map(|member| member.workspace.to_string())
                .collect(),
        ))
    }

    /// Creates an organisation. Operator-only (the CLI's `admin create-tenant`).
    pub async fn create_tenant(&self, name: &str) -> Result<TenantRecord, IdentityError> {
        let record = TenantRecord {
            id: TenantId::generate(),
            name: check_name("name", name)?,
            created_at_ms: now_ms(),
        };
        self.tenants.insert_one(&record).await?;
        Ok(record)
    }

    /// The oldest organisation with this exact name (operator tooling: the demo tenant).
    pub async fn find_tenant_by_name(
        &self,
        name: &str,
    ) -> Result<Option<TenantRecord>, IdentityError> {
        Ok(self
            .tenants
            .find_one(doc! { "name": name })
            .sort(doc! { "created_at_ms": 1 })
            .await?)
    }

    /// The user the tenant knows by `external_id`.
    pub async fn find_user_by_external_id(
        &self,
        tenant: TenantId,
        external_id: &str,
    ) -> Result<Option<UserRecord>, IdentityError> {
        Ok(self
            .users
            .find_one(doc! { "tenant": tenant.to_string(), "external_id": external_id })
            .await?
            .filter(|user| !user.is_deleted()))
    }

    pub async fn get_tenant(&self, tenant: TenantId) -> Result<TenantRecord, IdentityError> {
        self.tenants
            .find_one(doc! { "_id": tenant.to_string() })
            .await?
            .ok_or(IdentityError::NotFound("tenant"))
    }

    /// Creates a workspace with its first owner (the tenant's backend only): a workspace has
    /// an owner from its creation on (and keeps one, see `owner_count`), so one without
    /// `owner` is refused, naming `owner_id`.
    pub async fn create_workspace(
        &self,
        principal: &Principal,
        name: &str,
        owner: Option<UserId>,
    ) -> Result<WorkspaceRecord, IdentityError> {
        Self::require(principal, Permission::TenantAdmin, Access::default())?;
        let tenant = principal.tenant();
        check_name("name", name)?;
        let Some(owner) = owner else {
            return Err(IdentityError::Invalid {
                field: "owner_id",
                message: "a workspace needs an owner from its creation: name a user of your \
                          organisation"
                    .to_owned(),
            });
        };
        self.get_user(tenant, owner).await?;
        let owner = Some(owner);
        let now = now_ms();
        let workspace = WorkspaceRecord {
            id: WorkspaceId::generate(),
            tenant,
            name: check_name("name", name)?,
            owner_count: i64::from(owner.is_some()),
            created_at_ms: now,
        };
        let member = owner.map(|user| MemberRecord {
            key: format!("{}:{user}", workspace.id),
            tenant,
            workspace: workspace.id,
            user,
            role: WorkspaceRole::Owner,
            updated_at_ms: now,
        });
        let event = NewEvent::new(
            "identity.workspace.created",
            "workspace",
            workspace.id.to_string(),
            serde_json::json!({ "workspace_id": workspace.id, "name": workspace.name, "owner": owner }),
        );
        let context = (self.clone(), workspace, member, event);
        self.unit
            .run::<_, _, IdentityError, _>(
                tenant,
                context,
                |tx, (this, workspace, member, event)| {
                    async move {
                        let session = tx.session();
                        this.workspaces
                            .insert_one(&*workspace)
                            .session(&mut *session)
                            .await?;
                        if let Some(member) = member {
                            this.members
                                .insert_one(&*member)
                                .session(&mut *session)
                                .await?;
                        }
                        this.append(session, workspace.tenant, event.clone())
                            .await?;
                        Ok(workspace.clone())
                    }
                    .boxed()
                },
            )
            .await
    }

    pub async fn list_workspaces(
        &self,
        tenant: TenantId,
    ) -> Result<Vec<WorkspaceRecord>, IdentityError> {
        Ok(scoped::list(&self.workspaces, tenant).await?)
    }

    pub async fn get_workspace(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
    ) -> Result<WorkspaceRecord, IdentityError> {
        scoped::get(&self.workspaces, tenant, &workspace.to_string())
            .await?
            .ok_or(IdentityError::NotFound("workspace"))
    }

    /// Creates a user of the organisation (the tenant's backend only). `external_id` (the
    /// tenant's own id) is unique.
    pub async fn create_user(
        &self,
        principal: &Principal,
        display_name: &str,
        external_id: Option<&str>,
    ) -> Result<UserRecord, IdentityError> {
        Self::require(principal, Permission::TenantAdmin, Access::default())?;
        let tenant = principal.tenant();
        if let Some(external) = external_id
            && (external.is_empty() || external.len() > 200)
        {
            return Err(IdentityError::invalid(
                "external_id",
                "must be 1 to 200 characters",
            ));
        }
        let user = UserRecord {
            id: UserId::generate(),
            tenant,
            external_id: external_id.map(str::to_owned),
            display_name: check_name("display_name", display_name)?,
            created_at_ms: now_ms(),
            deleted_at_ms: None,
        };
        let event = NewEvent::new(
            "identity.user.created",
            "user",
            user.id.to_string(),
            serde_json::json!({ "user_id": user.id, "display_name": user.display_name, "external_id": user.external_id }),
        );
        let result = self
            .unit
            .run::<_, _, IdentityError, _>(
                tenant,
                (self.clone(), user, event),
                |tx, (this, user, event)| {
                    async move {
                        let session = tx.session();
                        this.users.insert_one(&*user).session(&mut *session).await?;
                        this.append(session, user.tenant, event.clone()).await?;
                        Ok(user.clone())
                    }
                    .boxed()
                },
            )
            .await;
        match result {
            Err(IdentityError::Storage(error)) if error.is_duplicate_key() => {
                Err(IdentityError::conflict(
                    "external_id_taken",
                    "a user with this external_id already exists",
                ))
            }
            other => other,
        }
    }

    /// The organisation's users (tenant readers: API keys).
    pub async fn list_users(
        &self,
        principal: &Principal,
        request: &PageRequest,
    ) -> Result<(Vec<UserRecord>, bool), IdentityError> {
        Self::require(principal, Permission::TenantRead, Access::default())?;
        // Deleted users keep their record (ids stay resolvable in history) but leave the list.
        let live = doc! { "deleted_at_ms": null };
        Ok(scoped::page(&self.users, principal.tenant(), live, request).await?)
    }

    /// One user, for tenant readers or the user themself.
    pub async fn visible_user(
        &self,
        principal: &Principal,
        user: UserId,
    ) -> Result<UserRecord, IdentityError> {
        let is_self = matches!(principal, Principal::User { user_id, .. } if *user_id == user);
        if !is_self {
            Self::require(principal, Permission::TenantRead, Access::default())?;
        }
        self.get_user(principal.tenant(), user).await
    }

    /// A user of the organisation; a deleted user is not found.
    pub async fn get_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<UserRecord, IdentityError> {
        scoped::get(&self.users, tenant, &user.to_string())
            .await?
            .filter(|user| !user.is_deleted())
            .ok_or(IdentityError::NotFound("user"))
    }

    /// Whether `user` exists in the tenant and was not deleted. One indexed read.
    pub async fn is_active_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<bool, IdentityError> {
        Ok(scoped::get(&self.users, tenant, &user.to_string())
            .await?
            .is_some_and(|user| !user.is_deleted()))
    }

    /// Deletes a user: marks the record deleted and removes their workspace memberships, in
    /// one transaction with `identity.member.removed` per membership and
    /// `identity.user.deleted`. Refused (409 `last_owner`) while they are the last owner of a
    /// workspace. Their logins are revoked by [`crate::Identity::delete_user`].
    pub async fn delete_user(&self, tenant: TenantId, user: UserId) -> Result<(), IdentityError> {
        self.unit
            .run::<_, _, IdentityError, _>(tenant, (self.clone(), tenant, user), |tx, (this, tenant, user)| {
                async move {
                    let session = tx.session();
                    let (tenant, user) = (*tenant, *user);
                    let filter = doc! { "_id": user.to_string(), "tenant": tenant.to_string() };
                    let mut record = this
                        .users
                        .find_one(filter.clone())
                        .session(&mut *session)
                        .await?
                        .filter(|record| !record.is_deleted())
                        .ok_or(IdentityError::NotFound("user"))?;
                    let memberships: Vec<MemberRecord> = this
                        .members
                        .find(doc! { "tenant": tenant.to_string(), "user": user.to_string() })
                        .session(&mut *session)
                        .await?
                        .stream(&mut *session)
                        .try_collect()
                        .await?;
                    let mut events = Vec::new();
                    for member in &memberships {
                        if member.role == WorkspaceRole::Owner {
                            this.release_owner(session, tenant, member.workspace).await?;
                        }
                        this.members
                            .delete_one(doc! { "_id": &member.key, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?;
                        // The modules' per-user documents of the workspace go with it.
                        for collection in this.member_cascades.iter() {
                            this.database
                                .collection::<mongodb::bson::Document>(collection)
                                .delete_many(doc! {
                                    "tenant": tenant.to_string(),
                                    "workspace": member.workspace.to_string(),
                                    "user": user.to_string(),
                                })
                                .session(&mut *session)
                                .await?;
                        }
                        events.push(NewEvent::new(
                            "identity.member.removed",
                            "workspace",
                            member.workspace.to_string(),
                            serde_json::json!({ "workspace_id": member.workspace, "user_id": user }),
                        ));
                    }
                    record.deleted_at_ms = Some(now_ms());
                    // Replaced whole: the development server stores `$set` values loosely.
                    this.users
                        .replace_one(filter, &record)
                        .session(&mut *session)
                        .await?;
                    events.push(NewEvent::new(
                        "identity.user.deleted",
                        "user",
                        user.to_string(),
                        serde_json::json!({ "user_id": user }),
                    ));
                    for event in events {
                        this.append(session, tenant, event).await?;
                    }
                    Ok(())
                }
                .boxed()
            })
            .await
    }

    /// Adds a member or changes their role, as the policy's member-change rules allow (only
    /// owners grant or take ownership). Demoting the last owner is refused.
    pub async fn set_member(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
        user: UserId,
        role: WorkspaceRole,
    ) -> Result<MemberRecord, IdentityError> {
        let tenant = principal.tenant();
        let access = self.workspace_access(principal, workspace).await?;
        self.get_workspace(tenant, workspace).await?;
        self.get_user(tenant, user).await?;
        let member = MemberRecord {
            key: format!("{workspace}:{user}"),
            tenant,
            workspace,
            user,
            role,
            updated_at_ms: now_ms(),
        };
        atelier_store::faults::check(
            atelier_store::faults::MEMBER_CHANGE_BEFORE_WRITE,
            &tenant.to_string(),
        )
        .await
        .map_err(StorageError::from)?;
        let event = NewEvent::new(
            "identity.member.updated",
            "workspace",
            workspace.to_string(),
            serde_json::json!({ "workspace_id": workspace, "user_id": user, "role": role }),
        );
        self.unit
            .run::<_, _, IdentityError, _>(tenant, (self.clone(), member, event, principal.clone()), move |tx, (this, member, event, principal)| {
                async move {
                    let session = tx.session();
                    let previous = this
                        .members
                        .find_one(doc! { "_id": &member.key, "tenant": member.tenant.to_string() })
                        .session(&mut *session)
                        .await?
                        .map(|m| m.role);
                    // The rank rule judges the role this transaction reads.
                    if let Decision::Deny(reason) = policy::authorize_workspace_member_change(
                        principal,
                        access,
                        previous,
                        Some(member.role),
                    ) {
                        return Err(IdentityError::denied(
                            principal,
                            "workspace member change",
                            reason,
                        ));
                    }
                    let was_owner = previous == Some(WorkspaceRole::Owner);
                    let is_owner = member.role == WorkspaceRole::Owner;
                    if was_owner && !is_owner {
                        this.release_owner(session, member.tenant, member.workspace).await?;
                    } else if is_owner && !was_owner {
                        this.workspaces
                            .update_one(
                                doc! { "_id": member.workspace.to_string(), "tenant": member.tenant.to_string() },
                                doc! { "$inc": { "owner_count": 1_i64 } },
                            )
                            .session(&mut *session)
                            .await?;
                    }
                    this.members
                        .replace_one(doc! { "_id": &member.key }, &*member)
                        .upsert(true)
                        .session(&mut *session)
                        .await?;
                    this.append(session, member.tenant, event.clone()).await?;
                    Ok(member.clone())
                }
                .boxed()
            })
            .await
    }

    /// Removes a member, as the policy's member-change rules allow (removing an owner takes an
    /// owner). Removing the last owner is refused. Their documents in the registered
    /// [cascade collections](Self::with_member_cascade) go in the same transaction.
    pub async fn remove_member(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<(), IdentityError> {
        let tenant = principal.tenant();
        let access = self.workspace_access(principal, workspace).await?;
        atelier_store::faults::check(
            atelier_store::faults::MEMBER_CHANGE_BEFORE_WRITE,
            &tenant.to_string(),
        )
        .await
        .map_err(StorageError::from)?;
        let key = format!("{workspace}:{user}");
        let event = NewEvent::new(
            "identity.member.removed",
            "workspace",
            workspace.to_string(),
            serde_json::json!({ "workspace_id": workspace, "user_id": user }),
        );
        self.unit
            .run::<_, _, IdentityError, _>(
                tenant,
                (
                    self.clone(),
                    key,
                    tenant,
                    workspace,
                    event,
                    principal.clone(),
                ),
                move |tx, (this, key, tenant, workspace, event, principal)| {
                    async move {
                        let session = tx.session();
                        // The rank rule judges the role this transaction reads (a change
                        // committed since the caller asked is seen, or conflicts).
                        let existing = this
                            .members
                            .find_one(doc! { "_id": &*key, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?;
                        let decision = match &existing {
                            Some(existing) => policy::authorize_workspace_member_change(
                                principal,
                                access,
                                Some(existing.role),
                                None,
                            ),
                            None => policy::authorize(principal, Permission::MembersManage, access),
                        };
                        if let Decision::Deny(reason) = decision {
                            return Err(IdentityError::denied(
                                principal,
                                "workspace member removal",
                                reason,
                            ));
                        }
                        let existing = existing.ok_or(IdentityError::NotFound("member"))?;
                        if existing.role == WorkspaceRole::Owner {
                            this.release_owner(session, *tenant, *workspace).await?;
                        }
                        this.members
                            .delete_one(doc! { "_id": &*key })
                            .session(&mut *session)
                            .await?;
                        for collection in this.member_cascades.iter() {
                            this.database
                                .collection::<mongodb::bson::Document>(collection)
                                .delete_many(doc! {
                                    "tenant": tenant.to_string(),
                                    "workspace": workspace.to_string(),
                                    "user": existing.user.to_string(),
                                })
                                .session(&mut *session)
                                .await?;
                        }
                        this.append(session, *tenant, event.clone()).await
                    }
                    .boxed()
                },
            )
            .await?;
        Ok(())
    }

    /// A workspace's members, for those who may read them (others: not found).
    pub async fn list_members(
        &self,
        principal: &Principal,
        workspace: WorkspaceId,
        request: &PageRequest,
    ) -> Result<(Vec<MemberRecord>, bool), IdentityError> {
        let tenant = principal.tenant();
        let access = self.workspace_access(principal, workspace).await?;
        if !policy::authorize(principal, Permission::MembersRead, access).is_allowed() {
            return Err(IdentityError::NotFound("workspace"));
        }
        // Member ids are `{workspace}:{user}`: in a workspace, ordered by user id.
        let filter = doc! { "workspace": workspace.to_string() };
        Ok(scoped::page(&self.members, tenant, filter, request).await?)
    }

    /// A workspace's members, unchecked: for services that have already decided the caller
    /// may see what they derive from it.
    pub async fn members_of(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
    ) -> Result<Vec<MemberRecord>, IdentityError> {
        Ok(self
            .members
            .find(doc! { "tenant": tenant.to_string(), "workspace": workspace.to_string() })
            .await?
            .try_collect()
            .await?)
    }

    /// The workspaces `user` is a member of now, unchecked.
    pub async fn workspaces_of(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<WorkspaceId>, IdentityError> {
        Ok(self
            .members
            .find(doc! { "tenant": tenant.to_string(), "user": user.to_string() })
            .await?
            .try_collect::<Vec<MemberRecord>>()
            .await?
            .into_iter()
            .map(|member| member.workspace)
            .collect())
    }

    pub async fn member_role(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<Option<WorkspaceRole>, IdentityError> {
        Ok(self
            .members
            .find_one(doc! { "_id": format!("{workspace}:{user}"), "tenant": tenant.to_string() })
            .await?
            .map(|member| member.role))
    }

    /// Shares a resource with a user or a whole workspace at `role` (replacing an earlier grant
    /// to the same subject).
    pub async fn grant(
        &self,
        tenant: TenantId,
        resource_type: &str,
        resource_id: &str,
        subject: GrantSubject,
        role: ResourceRole,
    ) -> Result<GrantRecord, IdentityError> {
        let record = GrantRecord {
            key: format!("{resource_type}:{resource_id}:{}", subject.key()),
            tenant,
            resource_type: resource_type.to_owned(),
            resource_id: resource_id.to_owned(),
            subject: subject.key(),
            role,
        };
        self.grants
            .replace_one(
                doc! { "_id": &record.key, "tenant": tenant.to_string() },
                &record,
            )
            .upsert(true)
            .await?;
        Ok(record)
    }

    pub async fn revoke_grant(
        &self,
        tenant: TenantId,
        resource_type: &str,
        resource_id: &str,
        subject: GrantSubject,
    ) -> Result<(), IdentityError> {
        let key = format!("{resource_type}:{resource_id}:{}", subject.key());
        // Aggregate `grant`, so the event never passes for one of the resource's own.
        let event = NewEvent::new(
            "identity.grant.revoked",
            "grant",
            format!("{resource_type}:{resource_id}"),
            grant_revoked_data(resource_type, resource_id, subject),
        );
        self.unit
            .run::<_, _, IdentityError, _>(
                tenant,
                (self.clone(), key, tenant, event),
                |tx, (this, key, tenant, event)| {
                    async move {
                        let session = tx.session();
                        let deleted = this
                            .grants
                            .delete_one(doc! { "_id": &*key, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?;
                        if deleted.deleted_count == 0 {
                            return Err(IdentityError::NotFound("grant"));
                        }
                        this.append(session, *tenant, event.clone()).await
                    }
                    .boxed()
                },
            )
            .await
    }

    /// The grant of one subject on a resource, if any.
    pub async fn get_grant(
        &self,
        tenant: TenantId,
        resource_type: &str,
        resource_id: &str,
        subject: GrantSubject,
    ) -> Result<Option<GrantRecord>, IdentityError> {
        let key = format!("{resource_type}:{resource_id}:{}", subject.key());
        Ok(scoped::get(&self.grants, tenant, &key).await?)
    }

    /// A page of a resource's grants, in key order.
    pub async fn grants_page(
        &self,
        tenant: TenantId,
        resource_type: &str,
        resource_id: &str,
        request: &PageRequest,
    ) -> Result<(Vec<GrantRecord>, bool), IdentityError> {
        Ok(scoped::page(
            &self.grants,
            tenant,
            doc! { "resource_type": resource_type, "resource_id": resource_id },
            request,
        )
        .await?)
    }

    /// [`Tenancy::grant`] inside the caller's transaction (a product's unit of work, which
    /// appends its own event).
    pub async fn grant_in(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        resource_type: &str,
        resource_id: &str,
        subject: GrantSubject,
        role: ResourceRole,
    ) -> Result<GrantRecord, IdentityError> {
        let record = GrantRecord {
            key: format!("{resource_type}:{resource_id}:{}", subject.key()),
            tenant,
            resource_type: resource_type.to_owned(),
            resource_id: resource_id.to_owned(),
            subject: subject.key(),
            role,
        };
        self.grants
            .replace_one(
                doc! { "_id": &record.key, "tenant": tenant.to_string() },
                &record,
            )
            .upsert(true)
            .session(session)
            .await?;
        Ok(record)
    }

    /// Removes one subject's grant inside the caller's transaction; false when there was none.
    pub async fn revoke_grant_in(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        resource_type: &str,
        resource_id: &str,
        subject: GrantSubject,
    ) -> Result<bool, IdentityError> {
        let key = format!("{resource_type}:{resource_id}:{}", subject.key());
        let deleted = self
            .grants
            .delete_one(doc! { "_id": key, "tenant": tenant.to_string() })
            .session(session)
            .await?;
        Ok(deleted.deleted_count == 1)
    }

    /// Removes every grant on a resource inside the caller's transaction (it was deleted).
    pub async fn purge_grants_in(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<(), IdentityError> {
        self.grants
            .delete_many(doc! {
                "tenant": tenant.to_string(),
                "resource_type": resource_type,
                "resource_id": resource_id,
            })
            .session(session)
            .await?;
        Ok(())
    }

    /// What `user` holds on a resource in `workspace`: their workspace role and the strongest
    /// grant to them or to one of their workspaces.
    pub async fn access(
        &self,
        tenant: TenantId,
        user: UserId,
        workspace: WorkspaceId,
        resource: Option<(&str, &str)>,
    ) -> Result<Access, IdentityError> {
        let workspace_role = self.member_role(tenant, workspace, user).await?;
        let mut resource_role = None;
        if let Some((resource_type, resource_id)) = resource {
            let memberships: Vec<MemberRecord> = self
                .members
                .find(doc! { "tenant": tenant.to_string(), "user": user.to_string() })
                .await?
                .try_collect()
                .await?;
            let mut subjects = vec![GrantSubject::User(user).key()];
            subjects.extend(
                memberships
                    .iter()
                    .map(|m| GrantSubject::Workspace(m.workspace).key()),
            );
            let grants: Vec<GrantRecord> = self
                .grants
                .find(doc! {
                    "tenant": tenant.to_string(),
                    "resource_type": resource_type,
                    "resource_id": resource_id,
                    "subject": { "$in": subjects },
                })
                .await?
                .try_collect()
                .await?;
            // Roles are declared strongest first, so the minimum is the strongest.
            resource_role = grants.iter().map(|grant| grant.role).min();
        }
        Ok(Access {
            workspace_role,
            resource_role,
        })
    }

    async fn release_owner(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        workspace: WorkspaceId,
    ) -> Result<(), IdentityError> {
        let released = self
            .workspaces
            .update_one(
                doc! {
                    "_id": workspace.to_string(),
                    "tenant": tenant.to_string(),
                    "owner_count": { "$gt": 1_i64 },
                },
                doc! { "$inc": { "owner_count": -1_i64 } },
            )
            .session(session)
            .await?;
        if released.matched_count == 0 {
            return Err(IdentityError::conflict(
                "last_owner",
                "the workspace must keep at least one owner: promote another member first",
            ));
        }
        Ok(())
    }

    async fn append(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        event: NewEvent,
    ) -> Result<(), IdentityError> {
        self.outbox.append(session, tenant, vec![event]).await?;
        Ok(())
    }
}

/// The `data` of `identity.grant.revoked`.
fn grant_revoked_data(
    resource_type: &str,
    resource_id: &str,
    subject: GrantSubject,
) -> serde_json::Value {
    let mut data = serde_json::json!({
        "resource_type": resource_type,
        "resource_id": resource_id,
    });
    match subject {
        GrantSubject::User(user) => data["user_id"] = serde_json::json!(user),
        GrantSubject::Workspace(workspace) => data["workspace_id"] = serde_json::json!(workspace),
    }
    data
}

pub fn collection_specs() -> Vec<CollectionSpec> {
    let index = |keys, name: &str, unique: bool, only_with_string: Option<&str>| {
        IndexModel::builder()
            .keys(keys)
            .options(
                IndexOptions::builder()
                    .name(name.to_owned())
                    .unique(unique)
                    .partial_filter_expression(
                        only_with_string.map(|field| doc! { field: { "$type": "string" } }),
                    )
                    .build(),
            )
            .build()
    };
    vec![
        CollectionSpec {
            name: TENANTS,
            indexes: vec![index(
                doc! { "name": 1, "created_at_ms": 1 },
                "name_created",
                false,
                None,
            )],
        },
        CollectionSpec {
            name: WORKSPACES,
            indexes: vec![index(
                doc! { "tenant": 1, "created_at_ms": 1 },
                "tenant_created",
                false,
                None,
            )],
        },
        CollectionSpec {
            name: USERS,
            indexes: vec![
                index(
                    doc! { "tenant": 1, "created_at_ms": 1 },
                    "tenant_created",
                    false,
                    None,
                ),
                // Unique per tenant; users without an external id are not indexed.
                index(
                    doc! { "tenant": 1, "external_id": 1 },
                    "tenant_external_id",
                    true,
                    Some("external_id"),
                ),
            ],
        },
        CollectionSpec {
            name: MEMBERS,
            indexes: vec![
                index(
                    doc! { "tenant": 1, "workspace": 1 },
                    "tenant_workspace",
                    false,
                    None,
                ),
                index(doc! { "tenant": 1, "user": 1 }, "tenant_user", false, None),
            ],
        },
        CollectionSpec {
            name: GRANTS,
            indexes: vec![index(
                doc! { "tenant": 1, "resource_type": 1, "resource_id": 1 },
                "tenant_resource",
                false,
                None,
            )],
        },
    ]
}
