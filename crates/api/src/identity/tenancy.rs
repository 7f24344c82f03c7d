//! The tenancy API: who am I, workspaces, members, users and API keys.
//!
//! The tenant always comes from the authenticated principal; ids from another tenant are
//! simply not found. Users see the workspaces they belong to; the tenant's backend (API key)
//! administers everything.

use crate::edge::json::JsonBody;
use crate::edge::page::{self, Page};
use crate::edge::time::Timestamp;
use atelier_identity::{
    ApiKeyId, ApiKeyScope, Principal, UserId, WorkspaceId, WorkspaceRole,
    api_keys::ApiKeyRecord,
    tenancy::{MemberRecord, UserRecord, WorkspaceRecord},
};
use chrono::{TimeZone, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

/// The cursor kinds of this area's lists (see `edge::cursor`).
const WORKSPACE_CURSOR: &str = "workspaces";
const MEMBER_CURSOR: &str = "members";
const USER_CURSOR: &str = "users";
const API_KEY_CURSOR: &str = "api_keys";

use crate::{
    ApiState, ApiTags,
    auth::TenantAuth,
    edge::{ApiResult, identity_error, parse_id},
};

/// The tenancy API.
#[derive(Debug, Default)]
pub struct TenancyApi;

/// What kind of principal called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PrincipalKind {
    ApiKey,
    User,
}

/// An API key's scope: `full` may do everything the tenant's administrators may, `read_only`
/// only reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "ApiKeyScope", rename_all = "snake_case")]
pub enum KeyScope {
    Full,
    ReadOnly,
}

impl From<ApiKeyScope> for KeyScope {
    fn from(scope: ApiKeyScope) -> Self {
        match scope {
            ApiKeyScope::Full => Self::Full,
            ApiKeyScope::ReadOnly => Self::ReadOnly,
        }
    }
}

impl From<KeyScope> for ApiKeyScope {
    fn from(scope: KeyScope) -> Self {
        match scope {
            KeyScope::Full => Self::Full,
            KeyScope::ReadOnly => Self::ReadOnly,
        }
    }
}

/// A workspace member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "WorkspaceRole", rename_all = "snake_case")]
pub enum MemberRole {
    Owner,
    Admin,
    Member,
    Guest,
}

impl From<WorkspaceRole> for MemberRole {
    fn from(role: WorkspaceRole) -> Self {
        match role {
            WorkspaceRole::Owner => Self::Owner,
            WorkspaceRole::Admin => Self::Admin,
            WorkspaceRole::Member => Self::Member,
            WorkspaceRole::Guest => Self::Guest,
        }
    }
}

impl From<MemberRole> for WorkspaceRole {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Owner => Self::Owner,
            MemberRole::Admin => Self::Admin,
            MemberRole::Member => Self::Member,
            MemberRole::Guest => Self::Guest,
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Object)]
pub struct Me {
    pub tenant_id: String,
    pub kind: PrincipalKind,
    #[oai(skip_serializing_if_is_none)]
    pub user_id: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub api_key_id: Option<String>,
    /// API keys only.
    #[oai(skip_serializing_if_is_none)]
    pub scope: Option<KeyScope>,
}

#[derive(Debug, Object)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct CreateWorkspace {
    /// 1 to 200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub name: String,
    /// The first owner (a user id of this organisation). Required: a workspace always has an
    /// owner (400 naming `owner_id` without one).
    pub owner_id: Option<String>,
}

#[derive(Debug, Object)]
pub struct Member {
    pub workspace_id: String,
    pub user_id: String,
    pub role: MemberRole,
    pub updated_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct SetMember {
    pub role: MemberRole,
}

#[derive(Debug, Object)]
pub struct User {
    pub id: String,
    pub display_name: String,
    #[oai(skip_serializing_if_is_none)]
    pub external_id: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct CreateUser {
    /// 1 to 200 characters.
    #[oai(validator(min_length = 1, max_length = 200))]
    pub display_name: String,
    /// Your own id for this user; unique within the organisation.
    pub external_id: Option<String>,
}

#[derive(Debug, Object)]
// Absent optional fields are omitted, never null: the contract says optional, not nullable.
#[oai(skip_serializing_if_is_none)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub scope: KeyScope,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A new key; `scope` defaults to `full`.
#[derive(Debug, Object)]
pub struct CreateApiKey {
    /// 1 to 100 characters.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
    pub scope: Option<KeyScope>,
}

/// A new key. `key` is shown this once and never again: store it now.
#[derive(Debug, Object)]
pub struct CreatedApiKey {
    pub key: String,
    pub api_key: ApiKey,
}

#[derive(Debug, ApiResponse)]
pub enum MeResponse {
    #[oai(status = 200)]
    Ok(Json<Me>),
}

#[derive(Debug, ApiResponse)]
pub enum WorkspaceResponse {
    #[oai(status = 200)]
    Ok(Json<Workspace>),
}

#[derive(Debug, ApiResponse)]
pub enum WorkspaceCreated {
    #[oai(status = 201)]
    Created(Json<Workspace>),
}

#[derive(Debug, ApiResponse)]
pub enum WorkspaceListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Workspace>>),
}

#[derive(Debug, ApiResponse)]
pub enum MemberResponse {
    #[oai(status = 200)]
    Ok(Json<Member>),
}

#[derive(Debug, ApiResponse)]
pub enum MemberListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Member>>),
}

#[derive(Debug, ApiResponse)]
pub enum DeletedResponse {
    /// Done.
    #[oai(status = 204)]
    NoContent,
}

#[derive(Debug, ApiResponse)]
pub enum UserResponse {
    #[oai(status = 200)]
    Ok(Json<User>),
}

#[derive(Debug, ApiResponse)]
pub enum UserCreated {
    #[oai(status = 201)]
    Created(Json<User>),
}

#[derive(Debug, ApiResponse)]
pub enum UserListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<User>>),
}

#[derive(Debug, ApiResponse)]
pub enum ApiKeyResponse {
    #[oai(status = 200)]
    Ok(Json<ApiKey>),
}

#[derive(Debug, ApiResponse)]
pub enum ApiKeyCreated {
    #[oai(status = 201)]
    Created(Json<CreatedApiKey>),
}

#[derive(Debug, ApiResponse)]
pub enum ApiKeyListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<ApiKey>>),
}

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Tenancy")]
impl TenancyApi {
    /// The authenticated caller: tenant and principal.
    #[oai(path = "/me", method = "get", operation_id = "tenancy.me")]
    async fn me(&self, auth: TenantAuth) -> ApiResult<MeResponse> {
        let me = match auth.principal() {
            Principal::ApiKey {
                tenant,
                key_id,
                scope,
            } => Me {
                tenant_id: tenant.to_string(),
                kind: PrincipalKind::ApiKey,
                user_id: None,
                api_key_id: Some(key_id.to_string()),
                scope: Some((*scope).into()),
            },
            Principal::User { tenant, user_id } => Me {
                tenant_id: tenant.to_string(),
                kind: PrincipalKind::User,
                user_id: Some(user_id.to_string()),
                api_key_id: None,
                scope: None,
            },
        };
        Ok(MeResponse::Ok(Json(me)))
    }

    /// Creates a workspace (API key, full scope).
    #[oai(
        path = "/workspaces",
        method = "post",
        operation_id = "workspaces.create"
    )]
    async fn create_workspace(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        body: JsonBody<CreateWorkspace>,
    ) -> ApiResult<WorkspaceCreated> {
        let principal = auth.principal();
        let owner = body
            .owner_id
            .as_deref()
            .map(|id| parse_id::<UserId>("owner_id", id))
            .transpose()?;
        let workspace = state
            .identity
            .tenancy
            .create_workspace(principal, &body.name, owner)
            .await
            .map_err(identity_error)?;
        Ok(WorkspaceCreated::Created(Json(workspace_view(workspace))))
    }

    /// Lists workspaces: all of them for API keys, the caller's own for users.
    #[oai(path = "/workspaces", method = "get", operation_id = "workspaces.list")]
    async fn list_workspaces(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<WorkspaceListResponse> {
        let request = page::request(WORKSPACE_CURSOR, cursor.0.as_deref(), limit.0)?;
        let records = state
            .identity
            .tenancy
            .workspaces_page(auth.principal(), &request)
            .await
            .map_err(identity_error)?;
        Ok(WorkspaceListResponse::Ok(Json(Page::by_id(
            WORKSPACE_CURSOR,
            records,
            |workspace| workspace.id.to_string(),
            workspace_view,
        ))))
    }

    /// One workspace (404 when the caller cannot see it).
    #[oai(
        path = "/workspaces/:workspace_id",
        method = "get",
        operation_id = "workspaces.get"
    )]
    async fn get_workspace(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
    ) -> ApiResult<WorkspaceResponse> {
        let principal = auth.principal();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let record = state
            .identity
            .tenancy
            .visible_workspace(principal, workspace)
            .await
            .map_err(identity_error)?;
        Ok(WorkspaceResponse::Ok(Json(workspace_view(record))))
    }

    /// Lists a workspace's members.
    #[oai(
        path = "/workspaces/:workspace_id/members",
        method = "get",
        operation_id = "workspaces.members.list"
    )]
    async fn list_members(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<MemberListResponse> {
        let principal = auth.principal();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let request = page::request(MEMBER_CURSOR, cursor.0.as_deref(), limit.0)?;
        let records = state
            .identity
            .tenancy
            .list_members(principal, workspace, &request)
            .await
            .map_err(identity_error)?;
        Ok(MemberListResponse::Ok(Json(Page::by_id(
            MEMBER_CURSOR,
            records,
            |member| member.key.clone(),
            member_view,
        ))))
    }

    /// Adds a member or changes their role. Demoting the last owner answers 409.
    #[oai(
        path = "/workspaces/:workspace_id/members/:user_id",
        method = "put",
        operation_id = "workspaces.members.put"
    )]
    async fn put_member(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
        user_id: Path<String>,
        body: JsonBody<SetMember>,
    ) -> ApiResult<MemberResponse> {
        let principal = auth.principal();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        let role = body.role.into();
        let member = state
            .identity
            .tenancy
            .set_member(principal, workspace, user, role)
            .await
            .map_err(identity_error)?;
        Ok(MemberResponse::Ok(Json(member_view(member))))
    }

    /// Removes a member. Removing the last owner answers 409.
    #[oai(
        path = "/workspaces/:workspace_id/members/:user_id",
        method = "delete",
        operation_id = "workspaces.members.delete"
    )]
    async fn delete_member(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        workspace_id: Path<String>,
        user_id: Path<String>,
    ) -> ApiResult<DeletedResponse> {
        let principal = auth.principal();
        let workspace = parse_id::<WorkspaceId>("workspace_id", &workspace_id)?;
        let user = parse_id::<UserId>("user_id", &user_id)?;
        state
            .identity
            .tenancy
            .remove_member(principal, workspace, user)
            .await
            .map_err(identity_error)?;
        Ok(DeletedResponse::NoContent)
    }

    /// Creates a user of the organisation (API key, full scope).
    #[oai(path = "/users", method = "post", operation_id = "users.create")]
    async fn create_user(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        body: JsonBody<CreateUser>,
    ) -> ApiResult<UserCreated> {
        let principal = auth.principal();
        let user = state
            .identity
            .tenancy
            .create_user(principal, &body.display_name, body.external_id.as_deref())
            .await
            .map_err(identity_error)?;
        Ok(UserCreated::Created(Json(user_view(user))))
    }

    /// Lists the organisation's users (API key).
    #[oai(path = "/users", method = "get", operation_id = "users.list")]
    async fn list_users(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<UserListResponse> {
        let principal = auth.principal();
        let request = page::request(USER_CURSOR, cursor.0.as_deref(), limit.0)?;
        let records = state
            .identity
            .tenancy
            .list_users(principal, &request)
            .await
            .map_err(identity_error)?;
        Ok(UserListResponse::Ok(Json(Page::by_id(
            USER_CURSOR,
            records,
            |user| user.id.to_string(),
            user_view,
        ))))
    }

    /// One user (API key, or the user themself).
    #[oai(path = "/users/:user_id", method = "get", operation_id = "users.get")]
    async fn get_user(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        user_id: Path<String>,
    ) -> ApiResult<UserResponse> {
        let principal = auth.principal();
        let user = parse_id::<UserId>("user_id", &user_id)?;
        let record = state
            .identity
            .tenancy
            .visible_user(principal, user)
            .await
            .map_err(identity_error)?;
        Ok(UserResponse::Ok(Json(user_view(record))))
    }

    /// Deletes a user (API key, full scope): removes their workspace memberships, revokes
    /// every login they hold (their tokens are refused from now on and their realtime sockets
    /// close with 4003) and emits `identity.user.deleted`. A user who is the last owner of a
    /// workspace answers 409 `last_owner`: make someone else owner first.
    #[oai(
        path = "/users/:user_id",
        method = "delete",
        operation_id = "users.delete"
    )]
    async fn delete_user(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        user_id: Path<String>,
    ) -> ApiResult<DeletedResponse> {
        let principal = auth.principal();
        let user = parse_id::<UserId>("user_id", &user_id)?;
        state
            .identity
            .delete_user(principal, user)
            .await
            .map_err(identity_error)?;
        Ok(DeletedResponse::NoContent)
    }

    /// Creates an API key. The secret is in this response only.
    #[oai(path = "/api-keys", method = "post", operation_id = "apiKeys.create")]
    async fn create_api_key(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        body: JsonBody<CreateApiKey>,
    ) -> ApiResult<ApiKeyCreated> {
        let principal = auth.principal();
        let scope = body.scope.map_or(ApiKeyScope::Full, ApiKeyScope::from);
        let created = state
            .identity
            .api_keys
            .create(principal, &body.name, scope)
            .await
            .map_err(identity_error)?;
        Ok(ApiKeyCreated::Created(Json(CreatedApiKey {
            // A replay (the key was committed by an earlier attempt of this request) cannot
            // show the secret again: it is stored nowhere.
            key: created
                .secret
                .unwrap_or_else(|| crate::idempotency::REDACTED_SECRET.to_owned()),
            api_key: api_key_view(created.record),
        })))
    }

    /// Lists API keys with their last use (never the secrets).
    #[oai(path = "/api-keys", method = "get", operation_id = "apiKeys.list")]
    async fn list_api_keys(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<ApiKeyListResponse> {
        let principal = auth.principal();
        let request = page::request(API_KEY_CURSOR, cursor.0.as_deref(), limit.0)?;
        let records = state
            .identity
            .api_keys
            .list(principal, &request)
            .await
            .map_err(identity_error)?;
        Ok(ApiKeyListResponse::Ok(Json(Page::by_id(
            API_KEY_CURSOR,
            records,
            |key| key.id.to_string(),
            api_key_view,
        ))))
    }

    /// Revokes an API key; it stops working at once.
    #[oai(
        path = "/api-keys/:api_key_id",
        method = "delete",
        operation_id = "apiKeys.revoke"
    )]
    async fn revoke_api_key(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        api_key_id: Path<String>,
    ) -> ApiResult<ApiKeyResponse> {
        let principal = auth.principal();
        let key = parse_id::<ApiKeyId>("api_key_id", &api_key_id)?;
        let record = state
            .identity
            .api_keys
            .revoke(principal, key)
            .await
            .map_err(identity_error)?;
        Ok(ApiKeyResponse::Ok(Json(api_key_view(record))))
    }
}

fn time(millis: i64) -> Timestamp {
    Utc.timestamp_millis_opt(millis)
        .single()
        .unwrap_or_default()
        .into()
}

fn workspace_view(record: WorkspaceRecord) -> Workspace {
    Workspace {
        id: record.id.to_string(),
        name: record.name,
        created_at: time(record.created_at_ms),
    }
}

fn member_view(record: MemberRecord) -> Member {
    Member {
        workspace_id: record.workspace.to_string(),
        user_id: record.user.to_string(),
        role: record.role.into(),
        updated_at: time(record.updated_at_ms),
    }
}

fn user_view(record: UserRecord) -> User {
    User {
        id: record.id.to_string(),
        display_name: record.display_name,
        external_id: record.external_id,
        created_at: time(record.created_at_ms),
    }
}

fn api_key_view(record: ApiKeyRecord) -> ApiKey {
    ApiKey {
        id: record.id.to_string(),
        name: record.name,
        scope: record.scope.into(),
        prefix: record.display_prefix,
        created_at: time(record.created_at_ms),
        last_used_at: record.last_used_at_ms.map(time),
        revoked_at: record.revoked_at_ms.map(time),
    }
}
