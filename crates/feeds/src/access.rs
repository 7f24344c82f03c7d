//! Who may read and write a feed, decided with `atelier_identity::policy`.
//!
//! A feed's group says who owns its feeds ([`FeedOwner`]):
//! - **user** (`user:usr_1`, `timeline:usr_1`): the key is a user of the tenant; that user
//!   reads the feed and writes activities to it (as the actor); API keys read and write it.
//! - **workspace** (`project:wsp_1`): the key is a workspace; its members who may read the
//!   workspace's resources (`ResourceRead`: owners, admins, members, not guests) read the
//!   feed; API keys read and write it.
//! - **backend** (`document:doc_9`): any key; only API keys read and write it. The tenant's
//!   backend knows what a `doc_9` is and decides who sees it.
//!
//! A feed the caller may not read answers 404 (`feed_not_found`), as does a user or workspace
//! key of another tenant. Writing needs a full-scope API key, or being the feed's user.
//!
//! **Follows and fan-out.** A follow is made by someone who may write the follower feed and
//! read the source. A follower only receives what its readers may see: a workspace feed's
//! activities reach a user's feed only while that user may read the workspace's resources
//! (checked again for every fanned-out activity, so a removed member's timeline receives
//! nothing), and another workspace's feed never. Sources owned by a user or the backend are
//! delivered to every follower: the follow itself was the decision.

use std::collections::BTreeMap;

use atelier_core::TenantId;
use atelier_identity::{
    Principal, UserId, WorkspaceId,
    policy::{self, Access, Permission},
};

use crate::{
    Feeds, FeedsError,
    model::{FeedId, FeedOwner, GroupRecord},
};

/// The groups of one tenant read so far, by name (`None`: no such group).
pub(crate) type Groups = BTreeMap<String, Option<GroupRecord>>;

/// A feed resolved against the tenant's groups: who owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub id: FeedId,
    pub owner: Owner,
}

impl Feed {
    pub fn name(&self) -> String {
        self.id.to_string()
    }
}

/// The owner of one feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    User(UserId),
    Workspace(WorkspaceId),
    Backend,
}

impl Feeds {
    /// Resolves a feed id of the principal's tenant: 400 naming `field` for an unknown group
    /// or a key that does not fit the group, 404 for a user or workspace that does not exist.
    pub async fn resolve(
        &self,
        tenant: TenantId,
        field: &'static str,
        text: &str,
    ) -> Result<Feed, FeedsError> {
        self.resolve_with(tenant, field, text, &mut Groups::new())
            .await
    }

    /// [`Feeds::resolve`] reading each group at most once into `groups` (groups never change
    /// once created): the fan-out resolves many followers of few groups.
    pub(crate) async fn resolve_with(
        &self,
        tenant: TenantId,
        field: &'static str,
        text: &str,
        groups: &mut Groups,
    ) -> Result<Feed, FeedsError> {
        let id = FeedId::parse(field, text)?;
        let group = match groups.get(&id.group) {
            Some(group) => group.clone(),
            None => {
                let group = self.find_group(tenant, &id.group).await?;
                groups.insert(id.group.clone(), group.clone());
                group
            }
        };
        let group = group.ok_or_else(|| {
            FeedsError::invalid(
                field,
                format!("the feed group `{}` does not exist", id.group),
            )
        })?;
        let owner = self.owner_of(tenant, field, &group, &id.key).await?;
        Ok(Feed { id, owner })
    }

    async fn owner_of(
        &self,
        tenant: TenantId,
        field: &'static str,
        group: &GroupRecord,
        key: &str,
    ) -> Result<Owner, FeedsError> {
        match group.owner {
            FeedOwner::User => {
                let user = key.parse::<UserId>().map_err(|_| {
                    FeedsError::invalid(
                        field,
                        format!(
                            "feeds of `{}` are keyed by a user id (`usr_...`)",
                            group.name
                        ),
                    )
                })?;
                self.tenancy
                    .get_user(tenant, user)
                    .await
                    .map_err(not_found_as_feed)?;
                Ok(Owner::User(user))
            }
            FeedOwner::Workspace => {
                let workspace = key.parse::<WorkspaceId>().map_err(|_| {
                    FeedsError::invalid(
                        field,
                        format!(
                            "feeds of `{}` are keyed by a workspace id (`wsp_...`)",
                            group.name
                        ),
                    )
                })?;
                self.tenancy
                    .get_workspace(tenant, workspace)
                    .await
                    .map_err(not_found_as_feed)?;
                Ok(Owner::Workspace(workspace))
            }
            FeedOwner::Backend => Ok(Owner::Backend),
        }
    }

    /// May the principal read the feed?
    pub async fn can_read(&self, principal: &Principal, feed: &Feed) -> Result<bool, FeedsError> {
        Ok(match (principal, feed.owner) {
            (Principal::ApiKey { .. }, _) => {
                policy::authorize(principal, Permission::ResourceRead, Access::default())
                    .is_allowed()
            }
            (Principal::User { user_id, .. }, Owner::User(owner)) => *user_id == owner,
            (Principal::User { tenant, user_id }, Owner::Workspace(workspace)) => {
                let access = self
                    .tenancy
                    .access(*tenant, *user_id, workspace, None)
                    .await?;
                policy::authorize(principal, Permission::ResourceRead, access).is_allowed()
            }
            (Principal::User { .. }, Owner::Backend) => false,
        })
    }

    /// 404 unless the principal may read the feed.
    pub async fn require_read(&self, principal: &Principal, feed: &Feed) -> Result<(), FeedsError> {
        if self.can_read(principal, feed).await? {
            Ok(())
        } else {
            Err(FeedsError::NotFound("feed"))
        }
    }

    /// 404 unless the principal may read the feed, 403 unless it may write it.
    pub async fn require_write(
        &self,
        principal: &Principal,
        feed: &Feed,
    ) -> Result<(), FeedsError> {
        self.require_read(principal, feed).await?;
        let allowed = match (principal, feed.owner) {
            (Principal::ApiKey { .. }, _) => {
                policy::authorize(principal, Permission::ResourceCreate, Access::default())
                    .is_allowed()
            }
            (Principal::User { user_id, .. }, Owner::User(owner)) => *user_id == owner,
            (Principal::User { .. }, _) => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(FeedsError::forbidden(
                "feed_not_writable",
                "Only a full-scope API key, or the user a feed belongs to, writes to it.",
            ))
        }
    }

    /// May the readers of `follower` see what arrives in `source`? (See the module docs.)
    /// `members` gives the workspace role of a user in the source's workspace.
    pub fn follower_may_see(
        tenant: TenantId,
        follower: Owner,
        source: Owner,
        workspace_role: Option<atelier_identity::WorkspaceRole>,
    ) -> bool {
        match (source, follower) {
            (Owner::Workspace(_), Owner::User(user)) => policy::authorize(
                &Principal::User {
                    tenant,
                    user_id: user,
                },
                Permission::ResourceRead,
                Access {
                    workspace_role,
                    resource_role: None,
                },
            )
            .is_allowed(),
            (Owner::Workspace(source), Owner::Workspace(follower)) => source == follower,
            _ => true,
        }
    }

    /// [`Feeds::follower_may_see`], reading the follower's workspace role where it matters.
    pub async fn follower_may_see_now(
        &self,
        tenant: TenantId,
        follower: Owner,
        source: Owner,
    ) -> Result<bool, FeedsError> {
        let role = match (source, follower) {
            (Owner::Workspace(workspace), Owner::User(user)) => {
                self.tenancy.member_role(tenant, workspace, user).await?
            }
            _ => None,
        };
        Ok(Self::follower_may_see(tenant, follower, source, role))
    }
}

fn not_found_as_feed(error: atelier_identity::IdentityError) -> FeedsError {
    match error {
        atelier_identity::IdentityError::NotFound(_) => FeedsError::NotFound("feed"),
        other => FeedsError::Identity(other),
    }
}

#[cfg(test)]
mod tests {
    use atelier_identity::WorkspaceRole;

    use super::*;

    #[test]
    fn followers_see_workspace_feeds_only_while_they_read_its_resources() {
        let tenant = TenantId::generate();
        let user = Owner::User(UserId::generate());
        let workspace = WorkspaceId::generate();
        let source = Owner::Workspace(workspace);
        // (follower, source, the follower's role in the source's workspace, delivered)
        let cases = [
            (user, source, Some(WorkspaceRole::Owner), true),
            (user, source, Some(WorkspaceRole::Member), true),
            (user, source, Some(WorkspaceRole::Guest), false),
            (user, source, None, false),
            (Owner::Workspace(workspace), source, None, true),
            (
                Owner::Workspace(WorkspaceId::generate()),
                source,
                None,
                false,
            ),
            (Owner::Backend, source, None, true),
            (user, Owner::User(UserId::generate()), None, true),
            (user, Owner::Backend, None, true),
        ];
        for (follower, source, role, delivered) in cases {
            assert_eq!(
                Feeds::follower_may_see(tenant, follower, source, role),
                delivered,
                "{follower:?} <- {source:?} as {role:?}"
            );
        }
    }
}
