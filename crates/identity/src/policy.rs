//! The access policy: "may principal P do action A on resource R".
//!
//! Sans-IO: callers resolve what the principal holds on the target (its workspace role and any
//! resource grant, see [`crate::tenancy::Tenancy::access`]) and ask [`authorize`]. Which role
//! grants which permission is the data in [`WORKSPACE_ROLES`] and [`RESOURCE_ROLES`].

use crate::model::{ApiKeyScope, Principal, ResourceRole, WorkspaceRole};

/// Something a principal may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    WorkspaceRead,
    WorkspaceUpdate,
    WorkspaceDelete,
    MembersRead,
    MembersManage,
    ResourceCreate,
    ResourceRead,
    ResourceComment,
    ResourceEdit,
    ResourceShare,
    ResourceDelete,
    /// Tenant administration: users, API keys, tokens, audit, usage. API keys only.
    TenantAdmin,
    /// Reading tenant-wide records (audit, usage, users). API keys only.
    TenantRead,
}

impl Permission {
    /// Read-only keys may do exactly these.
    pub fn is_read(self) -> bool {
        matches!(
            self,
            Self::WorkspaceRead | Self::MembersRead | Self::ResourceRead | Self::TenantRead
        )
    }
}

use Permission::*;

/// What each workspace role allows on the workspace and on every resource in it.
pub const WORKSPACE_ROLES: &[(WorkspaceRole, &[Permission])] = &[
    (
        WorkspaceRole::Owner,
        &[
            WorkspaceRead,
            WorkspaceUpdate,
            WorkspaceDelete,
            MembersRead,
            MembersManage,
            ResourceCreate,
            ResourceRead,
            ResourceComment,
            ResourceEdit,
            ResourceShare,
            ResourceDelete,
        ],
    ),
    (
        WorkspaceRole::Admin,
        &[
            WorkspaceRead,
            WorkspaceUpdate,
            MembersRead,
            MembersManage,
            ResourceCreate,
            ResourceRead,
            ResourceComment,
            ResourceEdit,
            ResourceShare,
            ResourceDelete,
        ],
    ),
    (
        WorkspaceRole::Member,
        &[
            WorkspaceRead,
            MembersRead,
            ResourceCreate,
            ResourceRead,
            ResourceComment,
        ],
    ),
    // Guests see the workspace; resources only through explicit grants.
    (WorkspaceRole::Guest, &[WorkspaceRead]),
];

/// What each role on a shared resource allows on that resource.
pub const RESOURCE_ROLES: &[(ResourceRole, &[Permission])] = &[
    (
        ResourceRole::Owner,
        &[
            ResourceRead,
            ResourceComment,
            ResourceEdit,
            ResourceShare,
            ResourceDelete,
        ],
    ),
    (
        ResourceRole::Editor,
        &[ResourceRead, ResourceComment, ResourceEdit],
    ),
    (ResourceRole::Commenter, &[ResourceRead, ResourceComment]),
    (ResourceRole::Viewer, &[ResourceRead]),
];

/// What a user holds on the target, resolved from storage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    pub workspace_role: Option<WorkspaceRole>,
    /// The strongest role granted on the resource, to the user or to one of their workspaces.
    pub resource_role: Option<ResourceRole>,
}

/// The answer, with the reason for denials (for the audit log, never for the client).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny(&'static str),
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// May `principal` do `permission` on a target where it holds `access`?
pub fn authorize(principal: &Principal, permission: Permission, access: Access) -> Decision {
    match principal {
        Principal::ApiKey { scope, .. } => match scope {
            ApiKeyScope::Full => Decision::Allow,
            ApiKeyScope::ReadOnly if permission.is_read() => Decision::Allow,
            ApiKeyScope::ReadOnly => Decision::Deny("read-only API key"),
        },
        Principal::User { .. } => {
            if matches!(permission, TenantAdmin | TenantRead) {
                return Decision::Deny("tenant administration needs an API key");
            }
            let by_workspace = access
                .workspace_role
                .is_some_and(|role| workspace_permissions(role).contains(&permission));
            let by_grant = access
                .resource_role
                .is_some_and(|role| resource_permissions(role).contains(&permission));
            if by_workspace || by_grant {
                Decision::Allow
            } else {
                Decision::Deny("role does not include the permission")
            }
        }
    }
}

pub fn workspace_permissions(role: WorkspaceRole) -> &'static [Permission] {
    WORKSPACE_ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, permissions)| *permissions)
        .unwrap_or(&[])
}

pub fn resource_permissions(role: ResourceRole) -> &'static [Permission] {
    RESOURCE_ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, permissions)| *permissions)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use atelier_core::TenantId;

    use super::*;
    use crate::model::{ApiKeyId, UserId};

    fn user() -> Principal {
        Principal::User {
            tenant: TenantId::generate(),
            user_id: UserId::generate(),
        }
    }

    fn key(scope: ApiKeyScope) -> Principal {
        Principal::ApiKey {
            tenant: TenantId::generate(),
            key_id: ApiKeyId::generate(),
            scope,
        }
    }

    fn access(workspace: Option<WorkspaceRole>, resource: Option<ResourceRole>) -> Access {
        Access {
            workspace_role: workspace,
            resource_role: resource,
        }
    }

    #[test]
    fn decision_table() {
        use ResourceRole as R;
        use WorkspaceRole as W;
        let cases: &[(Principal, Permission, Access, bool)] = &[
            (key(ApiKeyScope::Full), TenantAdmin, Access::default(), true),
            (
                key(ApiKeyScope::Full),
                ResourceDelete,
                Access::default(),
                true,
            ),
            (
                key(ApiKeyScope::ReadOnly),
                TenantRead,
                Access::default(),
                true,
            ),
            (
                key(ApiKeyScope::ReadOnly),
                ResourceRead,
                Access::default(),
                true,
            ),
            (
                key(ApiKeyScope::ReadOnly),
                ResourceCreate,
                Access::default(),
                false,
            ),
            (
                key(ApiKeyScope::ReadOnly),
                TenantAdmin,
                Access::default(),
                false,
            ),
            (user(), TenantAdmin, access(Some(W::Owner), None), false),
            (user(), TenantRead, access(Some(W::Owner), None), false),
            (user(), WorkspaceDelete, access(Some(W::Owner), None), true),
            (user(), WorkspaceDelete, access(Some(W::Admin), None), false),
            (user(), MembersManage, access(Some(W::Admin), None), true),
            (user(), MembersManage, access(Some(W::Member), None), false),
            (user(), ResourceCreate, access(Some(W::Member), None), true),
            (user(), ResourceRead, access(Some(W::Member), None), true),
            (user(), ResourceEdit, access(Some(W::Member), None), false),
            (
                user(),
                ResourceEdit,
                access(Some(W::Member), Some(R::Editor)),
                true,
            ),
            (user(), ResourceRead, access(Some(W::Guest), None), false),
            (
                user(),
                ResourceRead,
                access(Some(W::Guest), Some(R::Viewer)),
                true,
            ),
            (
                user(),
                ResourceComment,
                access(Some(W::Guest), Some(R::Viewer)),
                false,
            ),
            (
                user(),
                ResourceComment,
                access(None, Some(R::Commenter)),
                true,
            ),
            (user(), ResourceShare, access(None, Some(R::Editor)), false),
            (user(), ResourceShare, access(None, Some(R::Owner)), true),
            (user(), ResourceRead, Access::default(), false),
            (user(), WorkspaceRead, Access::default(), false),
        ];
        for (index, (principal, permission, access, allowed)) in cases.iter().enumerate() {
            assert_eq!(
                authorize(principal, *permission, *access).is_allowed(),
                *allowed,
                "case {index}: {principal:?} {permission:?} {access:?}"
            );
        }
    }

    #[test]
    fn stronger_roles_include_weaker_ones() {
        for pair in WorkspaceRole::ALL.windows(2) {
            let (strong, weak) = (
                workspace_permissions(pair[0]),
                workspace_permissions(pair[1]),
            );
            assert!(
                weak.iter().all(|p| strong.contains(p)),
                "{:?} ⊇ {:?}",
                pair[0],
                pair[1]
            );
        }
        for pair in ResourceRole::ALL.windows(2) {
            let (strong, weak) = (resource_permissions(pair[0]), resource_permissions(pair[1]));
            assert!(
                weak.iter().all(|p| strong.contains(p)),
                "{:?} ⊇ {:?}",
                pair[0],
                pair[1]
            );
        }
    }

    #[test]
    fn every_role_is_in_the_table() {
        for role in WorkspaceRole::ALL {
            assert!(!workspace_permissions(role).is_empty(), "{role:?}");
        }
        for role in ResourceRole::ALL {
            assert!(!resource_permissions(role).is_empty(), "{role:?}");
        }
    }
}
