//! Sans-IO presence: per watched workspace, which connections of which users announced what,
//! until when.
//!
//! Every announcement (from any node, through RabbitMQ, or from the MongoDB snapshot when a
//! node starts watching a workspace) is `(workspace, user, session, status, expires_at)`. A
//! user's status is the strongest of their live sessions (online > away); a user without one is
//! offline. [`PresenceTracker::apply`] and [`PresenceTracker::expire`] return the users whose
//! status changed, which the hub turns into `presence` frames. Time is passed in, so expiry is
//! tested without sleeping.

use std::{
    collections::{BTreeMap, HashMap},
    time::Instant,
};

use atelier_core::TenantId;
use atelier_identity::{UserId, WorkspaceId};

use crate::frame::PresenceStatus;

/// A workspace of a tenant.
pub type WorkspaceKey = (TenantId, WorkspaceId);

/// One user's status change in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceChange {
    pub workspace: WorkspaceKey,
    pub user: UserId,
    pub status: PresenceStatus,
}

#[derive(Debug, Default, Clone)]
struct UserSessions {
    /// session id → (status, expires at). Never holds `Offline`.
    sessions: BTreeMap<String, (PresenceStatus, Instant)>,
}

impl UserSessions {
    fn status(&self) -> PresenceStatus {
        // `Online < Away` in the enum order: the minimum is the strongest.
        self.sessions
            .values()
            .map(|(status, _)| *status)
            .min()
            .unwrap_or(PresenceStatus::Offline)
    }
}

/// Presence of the workspaces this node watches.
#[derive(Debug, Default, Clone)]
pub struct PresenceTracker {
    workspaces: HashMap<WorkspaceKey, HashMap<UserId, UserSessions>>,
}

impl PresenceTracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts tracking a workspace (its first local watcher). Idempotent.
    pub fn track(&mut self, workspace: WorkspaceKey) {
        self.workspaces.entry(workspace).or_default();
    }

    /// Stops tracking a workspace (its last local watcher left).
    pub fn forget(&mut self, workspace: WorkspaceKey) {
        self.workspaces.remove(&workspace);
    }

    pub fn is_tracked(&self, workspace: WorkspaceKey) -> bool {
        self.workspaces.contains_key(&workspace)
    }

    /// Applies an announcement; `Offline` withdraws the session. Returns the user's new
    /// status when it changed. Announcements for untracked workspaces are ignored.
    pub fn apply(
        &mut self,
        workspace: WorkspaceKey,
        user: UserId,
        session: &str,
        status: PresenceStatus,
        expires_at: Instant,
    ) -> Option<PresenceChange> {
        let users = self.workspaces.get_mut(&workspace)?;
        let entry = users.entry(user).or_default();
        let before = entry.status();
        if status == PresenceStatus::Offline {
            entry.sessions.remove(session);
        } else {
            entry
                .sessions
                .insert(session.to_owned(), (status, expires_at));
        }
        let after = entry.status();
        if entry.sessions.is_empty() {
            users.remove(&user);
        }
        (before != after).then_some(PresenceChange {
            workspace,
            user,
            status: after,
        })
    }

    /// Like [`PresenceTracker::apply`] but never overrides what is known about the session
    /// (snapshot rows may be older than announcements already received).
    pub fn apply_if_unknown(
        &mut self,
        workspace: WorkspaceKey,
        user: UserId,
        session: &str,
        status: PresenceStatus,
        expires_at: Instant,
    ) -> Option<PresenceChange> {
        let known = self
            .workspaces
            .get(&workspace)?
            .get(&user)
            .is_some_and(|entry| entry.sessions.contains_key(session));
        if known {
            return None;
        }
        self.apply(workspace, user, session, status, expires_at)
    }

    /// Drops sessions that expired at `now`; returns the users whose status changed.
    pub fn expire(&mut self, now: Instant) -> Vec<PresenceChange> {
        let mut changes = Vec::new();
        for (workspace, users) in &mut self.workspaces {
            users.retain(|user, entry| {
                let before = entry.status();
                entry
                    .sessions
                    .retain(|_, (_, expires_at)| *expires_at > now);
                let after = entry.status();
                if before != after {
                    changes.push(PresenceChange {
                        workspace: *workspace,
                        user: *user,
                        status: after,
                    });
                }
                !entry.sessions.is_empty()
            });
        }
        changes
    }

    /// Every present (online or away) user of a workspace.
    pub fn snapshot(&self, workspace: WorkspaceKey) -> Vec<(UserId, PresenceStatus)> {
        let mut users: Vec<_> = self
            .workspaces
            .get(&workspace)
            .map(|users| {
                users
                    .iter()
                    .map(|(user, entry)| (*user, entry.status()))
                    .collect()
            })
            .unwrap_or_default();
        users.sort();
        users
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use PresenceStatus::{Away, Offline, Online};

    #[test]
    fn presence_table() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        let workspace = (TenantId::generate(), WorkspaceId::generate());
        let user = UserId::generate();
        let mut tracker = PresenceTracker::new();
        assert_eq!(
            tracker.apply(workspace, user, "s1", Online, at(10)),
            None,
            "untracked workspaces are ignored"
        );
        tracker.track(workspace);
        // (session, status, expires at s, expected change)
        let steps = [
            ("s1", Online, 10, Some(Online)),
            ("s1", Online, 20, None),
            ("s2", Away, 30, None),
            ("s1", Offline, 0, Some(Away)),
            ("s2", Online, 30, Some(Online)),
            ("s2", Offline, 0, Some(Offline)),
            ("s3", Away, 30, Some(Away)),
        ];
        for (session, status, expires, expected) in steps {
            let change = tracker.apply(workspace, user, session, status, at(expires));
            assert_eq!(
                change.map(|change| change.status),
                expected,
                "{session} {status:?}"
            );
        }
        assert_eq!(tracker.snapshot(workspace), vec![(user, Away)]);
        assert!(tracker.expire(at(29)).is_empty());
        let expired = tracker.expire(at(30));
        assert_eq!(
            expired,
            vec![PresenceChange {
                workspace,
                user,
                status: Offline
            }]
        );
        assert!(tracker.snapshot(workspace).is_empty());
    }

    #[test]
    fn snapshot_rows_do_not_override_announcements() {
        let start = Instant::now();
        let workspace = (TenantId::generate(), WorkspaceId::generate());
        let user = UserId::generate();
        let mut tracker = PresenceTracker::new();
        tracker.track(workspace);
        tracker.apply(workspace, user, "s1", Away, start + Duration::from_secs(5));
        assert_eq!(
            tracker.apply_if_unknown(workspace, user, "s1", Online, start),
            None
        );
        assert_eq!(tracker.snapshot(workspace), vec![(user, Away)]);
    }
}
