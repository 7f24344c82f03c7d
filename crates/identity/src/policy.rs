//! The access policy: "may principal P do action A on resource R".
//!
//! Sans-IO: the domain services resolve what the principal holds on the target (its workspace
//! role and any resource grant, see [`crate::tenancy::Tenancy::access`]) and ask [`authorize`].
//! Which role grants which permission is the data in [`WORKSPACE_ROLES`] and
//! [`RESOURCE_ROLES`]; which permission a change to someone's membership needs is the data in
//! [`WORKSPACE_MEMBER_CHANGES`] and [`RESOURCE_MEMBER_CHANGES`] (the rank rule: only owners
//! grant or take ownership, and removing a member needs what changing their role needs).
//!
//! Only the domain crates call this module; the HTTP edge, the realtime gateway and queue
//! consumers call the domain services, which decide with it.

use crate::model::{ApiKeyScope, Principal, ResourceRole, UserId, WorkspaceRole};

/// Something a principal may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    WorkspaceRead,
    WorkspaceUpdate,
    WorkspaceDelete,
    MembersRead,
    MembersManage,
    /// Granting or taking a workspace's ownership (making, demoting or removing an owner).
    OwnershipManage,
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
            OwnershipManage,
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

/// A change to someone's membership of a workspace or a shared resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberOperation {
    /// Adding a new member at a role.
    Add,
    /// Changing an existing member's role (from one role to another).
    ChangeRole,
    /// Removing a member (someone else: leaving is always allowed).
    Remove,
}

use MemberOperation::{Add, ChangeRole, Remove};

/// The permission a change to a workspace membership needs, by operation and by each role it
/// touches (the target's current role and the role given). A change touching several roles
/// needs every permission they name.
pub const WORKSPACE_MEMBER_CHANGES: &[(MemberOperation, WorkspaceRole, Permission)] = &[
    (Add, WorkspaceRole::Owner, OwnershipManage),
    (Add, WorkspaceRole::Admin, MembersManage),
    (Add, WorkspaceRole::Member, MembersManage),
    (Add, WorkspaceRole::Guest, MembersManage),
    (ChangeRole, WorkspaceRole::Owner, OwnershipManage),
    (ChangeRole, WorkspaceRole::Admin, MembersManage),
    (ChangeRole, WorkspaceRole::Member, MembersManage),
    (ChangeRole, WorkspaceRole::Guest, MembersManage),
    (Remove, WorkspaceRole::Owner, OwnershipManage),
    (Remove, WorkspaceRole::Admin, MembersManage),
    (Remove, WorkspaceRole::Member, MembersManage),
    (Remove, WorkspaceRole::Guest, MembersManage),
];

/// The same for a shared resource's members (a channel: owner, moderator = editor, member =
/// commenter). Members invite members; moderators remove members; only owners set roles or
/// remove moderators and owners.
pub const RESOURCE_MEMBER_CHANGES: &[(MemberOperation, ResourceRole, Permission)] = &[
    (Add, ResourceRole::Owner, ResourceShare),
    (Add, ResourceRole::Editor, ResourceShare),
    (Add, ResourceRole::Commenter, ResourceComment),
    (Add, ResourceRole::Viewer, ResourceComment),
    (ChangeRole, ResourceRole::Owner, ResourceShare),
    (ChangeRole, ResourceRole::Editor, ResourceShare),
    (ChangeRole, ResourceRole::Commenter, ResourceShare),
    (ChangeRole, ResourceRole::Viewer, ResourceShare),
    (Remove, ResourceRole::Owner, ResourceShare),
    (Remove, ResourceRole::Editor, ResourceShare),
    (Remove, ResourceRole::Commenter, ResourceEdit),
    (Remove, ResourceRole::Viewer, ResourceEdit),
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

/// May `principal`, holding `access` on the workspace, make this change to a workspace
/// membership? `current` is the target's role now (`None`: not a member), `new` the role given
/// (`None`: removal).
pub fn authorize_workspace_member_change(
    principal: &Principal,
    access: Access,
    current: Option<WorkspaceRole>,
    new: Option<WorkspaceRole>,
) -> Decision {
    let Some(operation) = member_operation(current, new) else {
        return Decision::Deny("neither a current nor a new role");
    };
    let touched = current.into_iter().chain(new);
    let needed = touched.flat_map(|role| {
        WORKSPACE_MEMBER_CHANGES
            .iter()
            .filter(move |(op, r, _)| *op == operation && *r == role)
            .map(|(_, _, permission)| *permission)
    });
    authorize_all(principal, access, needed)
}

/// The same for a shared resource's membership (channel roles mapped to resource roles).
pub fn authorize_resource_member_change(
    principal: &Principal,
    access: Access,
    current: Option<ResourceRole>,
    new: Option<ResourceRole>,
) -> Decision {
    let Some(operation) = member_operation(current, new) else {
        return Decision::Deny("neither a current nor a new role");
    };
    let touched = current.into_iter().chain(new);
    let needed = touched.flat_map(|role| {
        RESOURCE_MEMBER_CHANGES
            .iter()
            .filter(move |(op, r, _)| *op == operation && *r == role)
            .map(|(_, _, permission)| *permission)
    });
    authorize_all(principal, access, needed)
}

fn member_operation<R: PartialEq>(current: Option<R>, new: Option<R>) -> Option<MemberOperation> {
    match (current, new) {
        (None, Some(_)) => Some(Add),
        (Some(_), Some(_)) => Some(ChangeRole),
        (Some(_), None) => Some(Remove),
        (None, None) => None,
    }
}

fn authorize_all(
    principal: &Principal,
    access: Access,
    needed: impl Iterator<Item = Permission>,
) -> Decision {
    let mut any = false;
    for permission in needed {
        any = true;
        if let Decision::Deny(reason) = authorize(principal, permission, access) {
            return Decision::Deny(reason);
        }
    }
    if any {
        Decision::Allow
    } else {
        Decision::Deny("no rule for this change")
    }
}

/// Who an action is attributed to: the user themself, or for an API key the user it acts on
/// behalf of (which it must name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub principal: Principal,
    pub user: UserId,
}

/// Why an [`Actor`] could not be established.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorError {
    /// A user named another user to act as.
    NotYourself,
    /// An API key named nobody.
    UserRequired,
}

impl Actor {
    /// Users act as themselves (naming themselves is allowed); API keys act on behalf of the
    /// user they name.
    pub fn resolve(
        principal: &Principal,
        on_behalf_of: Option<UserId>,
    ) -> Result<Actor, ActorError> {
        let user = match principal {
            Principal::User { user_id, .. } => match on_behalf_of {
                Some(other) if other != *user_id => return Err(ActorError::NotYourself),
                _ => *user_id,
            },
            Principal::ApiKey { .. } => on_behalf_of.ok_or(ActorError::UserRequired)?,
        };
        Ok(Actor {
            principal: principal.clone(),
            user,
        })
    }

    pub fn is_api_key(&self) -> bool {
        matches!(self.principal, Principal::ApiKey { .. })
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

    /// Rows: the target's current role (owner, admin, member, guest, not a member); columns:
    /// the role given (owner, admin, member, guest) and removal. `Y` allowed, `N` refused,
    /// `-` not a change.
    const WORKSPACE_CHANGES: &[(Option<WorkspaceRole>, [&str; 5])] = &[
        (
            Some(WorkspaceRole::Owner),
            ["YYYYY", "YYYYY", "YYYYY", "YYYYY", "YYYY-"],
        ),
        // Admins manage everyone below owner and never grant or take ownership.
        (
            Some(WorkspaceRole::Admin),
            ["NNNNN", "NYYYY", "NYYYY", "NYYYY", "NYYY-"],
        ),
        (
            Some(WorkspaceRole::Member),
            ["NNNNN", "NNNNN", "NNNNN", "NNNNN", "NNNN-"],
        ),
        (
            Some(WorkspaceRole::Guest),
            ["NNNNN", "NNNNN", "NNNNN", "NNNNN", "NNNN-"],
        ),
        (None, ["NNNNN", "NNNNN", "NNNNN", "NNNNN", "NNNN-"]),
    ];

    /// The same for a channel: roles owner, editor (moderator), commenter (member), viewer.
    const RESOURCE_CHANGES: &[(Option<ResourceRole>, [&str; 5])] = &[
        (
            Some(ResourceRole::Owner),
            ["YYYYY", "YYYYY", "YYYYY", "YYYYY", "YYYY-"],
        ),
        // Moderators invite and remove members, never moderators or owners, and set no roles.
        (
            Some(ResourceRole::Editor),
            ["NNNNN", "NNNNN", "NNNNY", "NNNNY", "NNYY-"],
        ),
        // Members invite members.
        (
            Some(ResourceRole::Commenter),
            ["NNNNN", "NNNNN", "NNNNN", "NNNNN", "NNYY-"],
        ),
        (
            Some(ResourceRole::Viewer),
            ["NNNNN", "NNNNN", "NNNNN", "NNNNN", "NNNN-"],
        ),
        (None, ["NNNNN", "NNNNN", "NNNNN", "NNNNN", "NNNN-"]),
    ];

    fn expected(cell: u8) -> Option<bool> {
        match cell {
            b'Y' => Some(true),
            b'N' => Some(false),
            _ => None,
        }
    }

    #[test]
    fn workspace_member_changes_follow_rank() {
        let targets: Vec<Option<WorkspaceRole>> = WorkspaceRole::ALL
            .into_iter()
            .map(Some)
            .chain([None])
            .collect();
        let mut checked = 0;
        for (actor_role, rows) in WORKSPACE_CHANGES {
            let access = access(*actor_role, None);
            for (current, row) in targets.iter().zip(rows) {
                for (new, cell) in targets.iter().zip(row.bytes()) {
                    let decision =
                        authorize_workspace_member_change(&user(), access, *current, *new);
                    match expected(cell) {
                        Some(allowed) => assert_eq!(
                            decision.is_allowed(),
                            allowed,
                            "{actor_role:?} changing {current:?} to {new:?}"
                        ),
                        None => assert!(!decision.is_allowed()),
                    }
                    // A full key may do every change, a read-only key none.
                    let valid = expected(cell).is_some();
                    assert_eq!(
                        authorize_workspace_member_change(
                            &key(ApiKeyScope::Full),
                            Access::default(),
                            *current,
                            *new
                        )
                        .is_allowed(),
                        valid
                    );
                    assert!(
                        !authorize_workspace_member_change(
                            &key(ApiKeyScope::ReadOnly),
                            Access::default(),
                            *current,
                            *new
                        )
                        .is_allowed()
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 5 * 5, "every (actor, target, operation)");
    }

    #[test]
    fn resource_member_changes_follow_rank() {
        let targets: Vec<Option<ResourceRole>> = ResourceRole::ALL
            .into_iter()
            .map(Some)
            .chain([None])
            .collect();
        let mut checked = 0;
        for (actor_role, rows) in RESOURCE_CHANGES {
            let access = access(None, *actor_role);
            for (current, row) in targets.iter().zip(rows) {
                for (new, cell) in targets.iter().zip(row.bytes()) {
                    let decision =
                        authorize_resource_member_change(&user(), access, *current, *new);
                    assert_eq!(
                        decision.is_allowed(),
                        expected(cell).unwrap_or(false),
                        "{actor_role:?} changing {current:?} to {new:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 5 * 5, "every (actor, target, operation)");
    }

    #[test]
    fn workspace_admins_manage_public_channels_like_owners() {
        // On a public channel a workspace admin holds `ResourceShare` through their
        // workspace role, so they may set channel roles.
        let admin = access(Some(WorkspaceRole::Admin), None);
        assert!(
            authorize_resource_member_change(&user(), admin, Some(ResourceRole::Owner), None)
                .is_allowed()
        );
    }

    #[test]
    fn actors_act_as_themselves_or_on_behalf_of_a_named_user() {
        let me = user();
        let Principal::User { user_id, .. } = me.clone() else {
            unreachable!()
        };
        let other = UserId::generate();
        assert_eq!(Actor::resolve(&me, None).unwrap().user, user_id);
        assert_eq!(Actor::resolve(&me, Some(user_id)).unwrap().user, user_id);
        assert_eq!(
            Actor::resolve(&me, Some(other)),
            Err(ActorError::NotYourself)
        );
        let backend = key(ApiKeyScope::Full);
        assert_eq!(Actor::resolve(&backend, Some(other)).unwrap().user, other);
        assert_eq!(
            Actor::resolve(&backend, None),
            Err(ActorError::UserRequired)
        );
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
