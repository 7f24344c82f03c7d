//! Feed groups: per tenant, managed by tenant administrators (full-scope API keys, the
//! policy's `TenantAdmin`), read by every principal of the tenant (clients need a group's
//! kind and owner to address its feeds).

use atelier_core::{NewEvent, TenantId};
use atelier_identity::{Principal, tenancy::Tenancy};
use atelier_store::scoped::{self, PageRequest};
use futures_util::FutureExt;
use mongodb::bson::doc;
use serde_json::json;

use crate::{
    Feeds, FeedsError,
    model::{FeedOwner, GroupKind, GroupRecord, check_group_name},
    now_ms,
};

/// Most feed groups a tenant may have.
pub const MAX_GROUPS: u64 = 100;

impl Feeds {
    /// Creates a feed group (tenant administration). A name already taken answers 409
    /// `feed_group_exists`.
    pub async fn create_group(
        &self,
        principal: &Principal,
        name: &str,
        kind: GroupKind,
        owner: FeedOwner,
    ) -> Result<GroupRecord, FeedsError> {
        let tenant = Tenancy::administered_tenant(principal)?;
        check_group_name("name", name)?;
        if self.find_group(tenant, name).await?.is_some() {
            return Err(group_exists(name));
        }
        let count = self
            .groups
            .count_documents(doc! { "tenant": tenant.to_string() })
            .await?;
        if count >= MAX_GROUPS {
            return Err(FeedsError::conflict(
                "too_many_feed_groups",
                format!("a tenant has at most {MAX_GROUPS} feed groups"),
            ));
        }
        let group = GroupRecord {
            id: format!("{tenant}:{name}"),
            tenant,
            name: name.to_owned(),
            kind,
            owner,
            created_at_ms: now_ms(),
        };
        let outcome = self
            .unit
            .run::<_, _, FeedsError, _>(
                tenant,
                (self.clone(), group.clone()),
                |tx, (this, group)| {
                    async move {
                        this.groups
                            .insert_one(&*group)
                            .session(tx.session())
                            .await?;
                        tx.append(NewEvent::new(
                            "feeds.group.created",
                            "feed_group",
                            group.name.clone(),
                            json!({
                                "name": group.name,
                                "kind": group.kind,
                                "owner": group.owner,
                            }),
                        ));
                        Ok(group.clone())
                    }
                    .boxed()
                },
            )
            .await;
        match outcome {
            Err(FeedsError::Storage(error)) if error.is_duplicate_key() => Err(group_exists(name)),
            other => other,
        }
    }

    /// The tenant's feed groups, by name.
    pub async fn list_groups(
        &self,
        principal: &Principal,
        request: &PageRequest,
    ) -> Result<(Vec<GroupRecord>, bool), FeedsError> {
        let tenant = principal.tenant();
        let request = PageRequest::new(
            request
                .after
                .as_ref()
                .map(|name| format!("{tenant}:{name}")),
            request.limit,
        );
        Ok(scoped::page(&self.groups, tenant, doc! {}, &request).await?)
    }

    /// One feed group.
    pub async fn get_group(
        &self,
        principal: &Principal,
        name: &str,
    ) -> Result<GroupRecord, FeedsError> {
        check_group_name("group_name", name)?;
        self.find_group(principal.tenant(), name)
            .await?
            .ok_or(FeedsError::NotFound("feed_group"))
    }

    pub(crate) async fn find_group(
        &self,
        tenant: TenantId,
        name: &str,
    ) -> Result<Option<GroupRecord>, FeedsError> {
        Ok(scoped::get(&self.groups, tenant, &format!("{tenant}:{name}")).await?)
    }
}

fn group_exists(name: &str) -> FeedsError {
    FeedsError::conflict(
        "feed_group_exists",
        format!("the feed group `{name}` already exists"),
    )
}
