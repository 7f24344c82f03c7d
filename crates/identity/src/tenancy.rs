//! Organisations (tenants), workspaces, users, workspace memberships and resource grants.
//!
//! Every function but [`Tenancy::create_tenant`] takes the tenant first and filters on it, so
//! an id of another tenant is "not found". Changes others care about are written together with
//! their outbox events in one transaction (`identity.workspace.created`,
//! `identity.user.created`, `identity.member.updated`, `identity.member.removed`).
//!
//! A workspace keeps `owner_count`; demoting or removing an owner decrements it only while it is
//! above one, in the same transaction, so two concurrent demotions cannot leave a workspace
//! without an owner.

use atelier_core::{NewEvent, TenantId};
use atelier_outbox::Outbox;
use atelier_store::{CollectionSpec, Store, is_duplicate_key, scoped};
use chrono::Utc;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::{Collection, IndexModel, bson::doc, options::IndexOptions};
use serde::{Deserialize, Serialize};

use crate::{
    IdentityError,
    model::{ResourceRole, UserId, WorkspaceId, WorkspaceRole},
    policy::Access,
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
    fn key(self) -> String {
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
    store: Store,
    outbox: Outbox,
    tenants: Collection<TenantRecord>,
    workspaces: Collection<WorkspaceRecord>,
    users: Collection<UserRecord>,
    members: Collection<MemberRecord>,
    grants: Collection<GrantRecord>,
}

/// Domain refusals raised inside a transaction closure travel as custom driver errors.
#[derive(Debug, Clone)]
enum Refusal {
    LastOwner,
    NotFound(&'static str),
}

fn refusal(refusal: Refusal) -> mongodb::error::Error {
    mongodb::error::Error::custom(refusal)
}

fn map_error(error: mongodb::error::Error) -> IdentityError {
    match error.get_custom::<Refusal>() {
        Some(Refusal::LastOwner) => IdentityError::conflict(
            "last_owner",
            "the workspace must keep at least one owner: promote another member first",
        ),
        Some(Refusal::NotFound(what)) => IdentityError::NotFound(what),
        None => match error.get_custom::<String>() {
            Some(message) => IdentityError::conflict("conflict", message.clone()),
            None => IdentityError::Mongo(error),
        },
    }
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
            store: store.clone(),
            outbox: Outbox::new(store),
            tenants: database.collection(TENANTS),
            workspaces: database.collection(WORKSPACES),
            users: database.collection(USERS),
            members: database.collection(MEMBERS),
            grants: database.collection(GRANTS),
        }
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

    /// Creates a workspace, optionally with its first owner.
    pub async fn create_workspace(
        &self,
        tenant: TenantId,
        name: &str,
        owner: Option<UserId>,
    ) -> Result<WorkspaceRecord, IdentityError> {
        if let Some(owner) = owner {
            self.get_user(tenant, owner).await?;
        }
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
        let context = (self.clone(), workspace.clone(), member, event);
        self.store
            .transaction(context, |session, (this, workspace, member, event)| {
                async move {
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
                    this.append(session, workspace.tenant, event.clone()).await
                }
                .boxed()
            })
            .await
            .map_err(map_error)?;
        self.outbox.notify_committed();
        Ok(workspace)
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

    /// Creates a user of the organisation. `external_id` (the tenant's own id) is unique.
    pub async fn create_user(
        &self,
        tenant: TenantId,
        display_name: &str,
        external_id: Option<&str>,
    ) -> Result<UserRecord, IdentityError> {
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
            .store
            .transaction(
                (self.clone(), user.clone(), event),
                |session, (this, user, event)| {
                    async move {
                        this.users.insert_one(&*user).session(&mut *session).await?;
                        this.append(session, user.tenant, event.clone()).await
                    }
                    .boxed()
                },
            )
            .await;
        match result {
            Ok(()) => {
                self.outbox.notify_committed();
                Ok(user)
            }
            Err(error) if is_duplicate_key(&error) => Err(IdentityError::conflict(
                "external_id_taken",
                "a user with this external_id already exists",
            )),
            Err(error) => Err(map_error(error)),
        }
    }

    /// The organisation's users (deleted ones are gone).
    pub async fn list_users(&self, tenant: TenantId) -> Result<Vec<UserRecord>, IdentityError> {
        let mut users = scoped::list(&self.users, tenant).await?;
        users.retain(|user| !user.is_deleted());
        Ok(users)
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
        self.store
            .transaction((self.clone(), tenant, user), |session, (this, tenant, user)| {
                async move {
                    let (tenant, user) = (*tenant, *user);
                    let filter = doc! { "_id": user.to_string(), "tenant": tenant.to_string() };
                    let mut record = this
                        .users
                        .find_one(filter.clone())
                        .session(&mut *session)
                        .await?
                        .filter(|record| !record.is_deleted())
                        .ok_or_else(|| refusal(Refusal::NotFound("user")))?;
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
            .map_err(map_error)?;
        self.outbox.notify_committed();
        Ok(())
    }

    /// Adds a member or changes their role. Demoting the last owner is refused.
    pub async fn set_member(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
        user: UserId,
        role: WorkspaceRole,
    ) -> Result<MemberRecord, IdentityError> {
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
        let event = NewEvent::new(
            "identity.member.updated",
            "workspace",
            workspace.to_string(),
            serde_json::json!({ "workspace_id": workspace, "user_id": user, "role": role }),
        );
        self.store
            .transaction((self.clone(), member.clone(), event), |session, (this, member, event)| {
                async move {
                    let previous = this
                        .members
                        .find_one(doc! { "_id": &member.key, "tenant": member.tenant.to_string() })
                        .session(&mut *session)
                        .await?
                        .map(|m| m.role);
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
                    this.append(session, member.tenant, event.clone()).await
                }
                .boxed()
            })
            .await
            .map_err(map_error)?;
        self.outbox.notify_committed();
        Ok(member)
    }

    /// Removes a member. Removing the last owner is refused.
    pub async fn remove_member(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
        user: UserId,
    ) -> Result<(), IdentityError> {
        let key = format!("{workspace}:{user}");
        let event = NewEvent::new(
            "identity.member.removed",
            "workspace",
            workspace.to_string(),
            serde_json::json!({ "workspace_id": workspace, "user_id": user }),
        );
        self.store
            .transaction(
                (self.clone(), key, tenant, workspace, event),
                |session, (this, key, tenant, workspace, event)| {
                    async move {
                        let existing = this
                            .members
                            .find_one(doc! { "_id": &*key, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?
                            .ok_or_else(|| refusal(Refusal::NotFound("member")))?;
                        if existing.role == WorkspaceRole::Owner {
                            this.release_owner(session, *tenant, *workspace).await?;
                        }
                        this.members
                            .delete_one(doc! { "_id": &*key })
                            .session(&mut *session)
                            .await?;
                        this.append(session, *tenant, event.clone()).await
                    }
                    .boxed()
                },
            )
            .await
            .map_err(map_error)?;
        self.outbox.notify_committed();
        Ok(())
    }

    pub async fn list_members(
        &self,
        tenant: TenantId,
        workspace: WorkspaceId,
    ) -> Result<Vec<MemberRecord>, IdentityError> {
        self.get_workspace(tenant, workspace).await?;
        Ok(self
            .members
            .find(doc! { "tenant": tenant.to_string(), "workspace": workspace.to_string() })
            .sort(doc! { "updated_at_ms": 1 })
            .await?
            .try_collect()
            .await?)
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
        self.store
            .transaction(
                (self.clone(), key, tenant, event),
                |session, (this, key, tenant, event)| {
                    async move {
                        let deleted = this
                            .grants
                            .delete_one(doc! { "_id": &*key, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?;
                        if deleted.deleted_count == 0 {
                            return Err(refusal(Refusal::NotFound("grant")));
                        }
                        this.append(session, *tenant, event.clone()).await
                    }
                    .boxed()
                },
            )
            .await
            .map_err(map_error)?;
        self.outbox.notify_committed();
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
    ) -> mongodb::error::Result<()> {
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
            return Err(refusal(Refusal::LastOwner));
        }
        Ok(())
    }

    async fn append(
        &self,
        session: &mut mongodb::ClientSession,
        tenant: TenantId,
        event: NewEvent,
    ) -> mongodb::error::Result<()> {
        self.outbox
            .append(session, tenant, vec![event])
            .await
            .map(|_| ())
            .map_err(|error| match error {
                atelier_outbox::OutboxError::Mongo(mongo) => mongo,
                other => mongodb::error::Error::custom(other.to_string()),
            })
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
