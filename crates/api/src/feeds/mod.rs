//! Activity feeds over HTTP: feed groups, activities (add, batch add, get, update and delete by
//! id or by foreign id), reading a feed, follows, followers and following.
//!
//! Who may do what is decided in the feeds domain (`atelier_feeds::access`): handlers parse,
//! call and convert. A feed is `group:key` (`user:usr_...`); an unknown group or a malformed
//! id answers 400 naming the field; a feed the caller may not read answers 404
//! `feed_not_found`.

use std::collections::BTreeMap;

use atelier_feeds::{
    ActivityId, Feeds,
    activities::{ActivityPatch, ActivityRef, FeedItem, NewActivity},
    model::{ActivityRecord, FeedOwner, FollowRecord, GroupKind, GroupRecord},
};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use serde_json::Value;

use crate::{
    ApiState, ApiTags,
    auth::TenantAuth,
    edge::{
        ApiResult, cursor, feeds_error,
        json::JsonBody,
        page::{self, Page},
        parse_id,
        time::Timestamp,
    },
};

/// Activity feeds.
#[derive(Debug, Default)]
pub struct FeedsApi;

/// How a group's feeds are read: `flat` (activities newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "FeedGroupKind", rename_all = "snake_case")]
pub enum FeedGroupKindName {
    Flat,
}

/// Who owns a group's feeds, which decides who reads and writes them: `user` (keyed by a user
/// id; that user and API keys), `workspace` (keyed by a workspace id; members who may read the
/// workspace's resources, and API keys), `backend` (any key; API keys only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "FeedOwner", rename_all = "snake_case")]
pub enum FeedOwnerName {
    User,
    Workspace,
    Backend,
}

/// A feed group.
#[derive(Debug, Object)]
pub struct FeedGroup {
    pub name: String,
    pub kind: FeedGroupKindName,
    pub owner: FeedOwnerName,
    pub created_at: Timestamp,
}

#[derive(Debug, Object)]
pub struct CreateFeedGroup {
    /// 1 to 32 characters: a lower-case letter, then lower-case letters, digits or `_`.
    #[oai(validator(min_length = 1, max_length = 32))]
    pub name: String,
    pub kind: FeedGroupKindName,
    pub owner: FeedOwnerName,
}

/// An activity.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Activity {
    /// `act_...`.
    pub id: String,
    /// The feed it was added to.
    pub feed_id: String,
    pub actor: String,
    pub verb: String,
    pub object: String,
    pub target: Option<String>,
    pub time: Timestamp,
    pub foreign_id: Option<String>,
    /// Further feeds it was added to directly.
    pub to: Vec<String>,
    pub extra: BTreeMap<String, Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// An activity in a feed.
#[derive(Debug, Object)]
pub struct FeedActivity {
    /// Its position in this feed: later arrivals have higher positions.
    pub position: i64,
    pub activity: Activity,
}

#[derive(Debug, Object)]
pub struct AddActivity {
    /// Who did it. API keys: required. Users: their own user id (the default).
    #[oai(validator(min_length = 1, max_length = 200))]
    pub actor: Option<String>,
    #[oai(validator(min_length = 1, max_length = 64))]
    pub verb: String,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub object: String,
    #[oai(validator(max_length = 200))]
    pub target: Option<String>,
    /// When it happened (default: now).
    pub time: Option<Timestamp>,
    /// Your own id for it: update and delete by it everywhere it went.
    #[oai(validator(max_length = 200))]
    pub foreign_id: Option<String>,
    /// Further feeds to add it to (at most 20; the caller must be able to write each).
    pub to: Option<Vec<String>>,
    /// Free-form data, at most `feeds.max_extra_bytes` of JSON (413 `extra_too_large`).
    pub extra: Option<BTreeMap<String, Value>>,
}

#[derive(Debug, Object)]
pub struct AddActivities {
    /// 1 to 100 activities, added in this order.
    pub activities: Vec<AddActivity>,
}

/// Changes; absent fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateActivity {
    #[oai(validator(min_length = 1, max_length = 64))]
    pub verb: Option<String>,
    #[oai(validator(min_length = 1, max_length = 200))]
    pub object: Option<String>,
    #[oai(validator(max_length = 200))]
    pub target: Option<String>,
    pub time: Option<Timestamp>,
    /// Replaces the extra data.
    pub extra: Option<BTreeMap<String, Value>>,
}

/// Activities.
#[derive(Debug, Object)]
pub struct ActivityList {
    pub items: Vec<Activity>,
}

#[derive(Debug, Object)]
pub struct FollowFeed {
    /// How many of the target's latest activities to copy (default 100, at most 1,000).
    pub backfill_limit: Option<u32>,
}

/// A follow: `feed_id` follows `target_feed_id`.
#[derive(Debug, Object)]
pub struct Follow {
    pub feed_id: String,
    pub target_feed_id: String,
    pub created_at: Timestamp,
}

/// A new follow, with how many activities it copied.
#[derive(Debug, Object)]
pub struct FollowCreated {
    pub feed_id: String,
    pub target_feed_id: String,
    pub created_at: Timestamp,
    /// Activities copied into the follower (0 when it already followed).
    pub backfilled: u64,
}

#[derive(Debug, ApiResponse)]
pub enum FeedGroupCreated {
    #[oai(status = 201)]
    Created(Json<FeedGroup>),
}

#[derive(Debug, ApiResponse)]
pub enum FeedGroupResponse {
    #[oai(status = 200)]
    Ok(Json<FeedGroup>),
}

#[derive(Debug, ApiResponse)]
pub enum FeedGroupListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<FeedGroup>>),
}

#[derive(Debug, ApiResponse)]
pub enum ActivityCreated {
    #[oai(status = 201)]
    Created(Json<Activity>),
}

#[derive(Debug, ApiResponse)]
pub enum ActivitiesCreated {
    #[oai(status = 201)]
    Created(Json<ActivityList>),
}

#[derive(Debug, ApiResponse)]
pub enum ActivityResponse {
    #[oai(status = 200)]
    Ok(Json<Activity>),
}

#[derive(Debug, ApiResponse)]
pub enum ActivityListResponse {
    #[oai(status = 200)]
    Ok(Json<ActivityList>),
}

#[derive(Debug, ApiResponse)]
pub enum FeedPageResponse {
    #[oai(status = 200)]
    Ok(Json<Page<FeedActivity>>),
}

#[derive(Debug, ApiResponse)]
pub enum FollowResponse {
    /// The feed already followed the target; nothing changed.
    #[oai(status = 200)]
    Existing(Json<FollowCreated>),
    #[oai(status = 201)]
    Created(Json<FollowCreated>),
}

#[derive(Debug, ApiResponse)]
pub enum FollowListResponse {
    #[oai(status = 200)]
    Ok(Json<Page<Follow>>),
}

#[derive(Debug, ApiResponse)]
pub enum NoContentResponse {
    #[oai(status = 204)]
    NoContent,
}

/// The cursor kind of a feed's pages (a position).
const FEED_KIND: &str = "feed_activities";

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Feeds")]
impl FeedsApi {
    /// Creates a feed group (full-scope API keys: tenant administration).
    #[oai(
        path = "/feed-groups",
        method = "post",
        operation_id = "feeds.groups.create"
    )]
    async fn create_group(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        body: JsonBody<CreateFeedGroup>,
    ) -> ApiResult<FeedGroupCreated> {
        let body = body.0;
        let kind = match body.kind {
            FeedGroupKindName::Flat => GroupKind::Flat,
        };
        let owner = match body.owner {
            FeedOwnerName::User => FeedOwner::User,
            FeedOwnerName::Workspace => FeedOwner::Workspace,
            FeedOwnerName::Backend => FeedOwner::Backend,
        };
        let group = state
            .service::<Feeds>()?
            .create_group(auth.principal(), &body.name, kind, owner)
            .await
            .map_err(feeds_error)?;
        Ok(FeedGroupCreated::Created(Json(group_view(&group))))
    }

    /// The tenant's feed groups, by name.
    #[oai(
        path = "/feed-groups",
        method = "get",
        operation_id = "feeds.groups.list"
    )]
    async fn list_groups(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<FeedGroupListResponse> {
        const KIND: &str = "feed_groups";
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Feeds>()?
            .list_groups(auth.principal(), &request)
            .await
            .map_err(feeds_error)?;
        Ok(FeedGroupListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |group| group.name.clone(),
            |group| group_view(&group),
        ))))
    }

    /// One feed group.
    #[oai(
        path = "/feed-groups/:group_name",
        method = "get",
        operation_id = "feeds.groups.get"
    )]
    async fn get_group(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        group_name: Path<String>,
    ) -> ApiResult<FeedGroupResponse> {
        let group = state
            .service::<Feeds>()?
            .get_group(auth.principal(), &group_name)
            .await
            .map_err(feeds_error)?;
        Ok(FeedGroupResponse::Ok(Json(group_view(&group))))
    }

    /// Adds an activity to a feed and to its `to` targets; followers of each receive a copy
    /// shortly after (fan-out).
    #[oai(
        path = "/feeds/:feed_id/activities",
        method = "post",
        operation_id = "feeds.activities.add"
    )]
    async fn add(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        feed_id: Path<String>,
        body: JsonBody<AddActivity>,
    ) -> ApiResult<ActivityCreated> {
        let new = new_activity(body.0)?;
        let mut records = state
            .service::<Feeds>()?
            .add_activities(auth.principal(), &feed_id, vec![new])
            .await
            .map_err(feeds_error)?;
        // One activity in, one out.
        let record = records.pop().ok_or_else(|| {
            crate::problem::ErrorResponse::Internal(Json(crate::problem::Problem::internal()))
        })?;
        Ok(ActivityCreated::Created(Json(activity_view(record))))
    }

    /// Adds 1 to 100 activities to a feed (each to its `to` targets too) in one transaction.
    #[oai(
        path = "/feeds/:feed_id/activities/batch",
        method = "post",
        operation_id = "feeds.activities.addBatch"
    )]
    async fn add_batch(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        feed_id: Path<String>,
        body: JsonBody<AddActivities>,
    ) -> ApiResult<ActivitiesCreated> {
        let news = body
            .0
            .activities
            .into_iter()
            .map(new_activity)
            .collect::<Result<Vec<_>, _>>()?;
        let records = state
            .service::<Feeds>()?
            .add_activities(auth.principal(), &feed_id, news)
            .await
            .map_err(feeds_error)?;
        Ok(ActivitiesCreated::Created(Json(ActivityList {
            items: records.into_iter().map(activity_view).collect(),
        })))
    }

    /// A feed's activities, latest arrival first. The cursor is a position in the feed, so
    /// paging on never skips or repeats an activity, whatever arrives meanwhile.
    #[oai(
        path = "/feeds/:feed_id/activities",
        method = "get",
        operation_id = "feeds.read"
    )]
    async fn read(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        feed_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the newest.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<FeedPageResponse> {
        let before = cursor::decode::<i64>(FEED_KIND, "cursor", cursor.0.as_deref())?;
        let limit = limit.0.unwrap_or(page::DEFAULT_LIMIT) as usize;
        let items = state
            .service::<Feeds>()?
            .read_feed(auth.principal(), &feed_id, before, limit)
            .await
            .map_err(feeds_error)?;
        Ok(FeedPageResponse::Ok(Json(Page::of(
            items,
            limit,
            |item: &FeedItem| cursor::encode(FEED_KIND, &item.position),
            |item| FeedActivity {
                position: item.position,
                activity: activity_view(item.activity),
            },
        ))))
    }

    /// One activity (if the caller may read the feed it was added to).
    #[oai(
        path = "/activities/:activity_id",
        method = "get",
        operation_id = "feeds.activities.get"
    )]
    async fn get(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        activity_id: Path<String>,
    ) -> ApiResult<ActivityResponse> {
        let id = parse_id::<ActivityId>("activity_id", &activity_id)?;
        let record = state
            .service::<Feeds>()?
            .get_activity(auth.principal(), id)
            .await
            .map_err(feeds_error)?;
        Ok(ActivityResponse::Ok(Json(activity_view(record))))
    }

    /// Changes an activity; every feed holding it shows the change.
    #[oai(
        path = "/activities/:activity_id",
        method = "patch",
        operation_id = "feeds.activities.update"
    )]
    async fn update(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        activity_id: Path<String>,
        body: JsonBody<UpdateActivity>,
    ) -> ApiResult<ActivityResponse> {
        let id = parse_id::<ActivityId>("activity_id", &activity_id)?;
        let mut records = state
            .service::<Feeds>()?
            .update_activities(auth.principal(), &ActivityRef::Id(id), patch(body.0))
            .await
            .map_err(feeds_error)?;
        let record = records
            .pop()
            .ok_or_else(|| crate::edge::not_found("activity"))?;
        Ok(ActivityResponse::Ok(Json(activity_view(record))))
    }

    /// Deletes an activity from every feed holding it.
    #[oai(
        path = "/activities/:activity_id",
        method = "delete",
        operation_id = "feeds.activities.delete"
    )]
    async fn delete(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        activity_id: Path<String>,
    ) -> ApiResult<NoContentResponse> {
        let id = parse_id::<ActivityId>("activity_id", &activity_id)?;
        state
            .service::<Feeds>()?
            .delete_activities(auth.principal(), &ActivityRef::Id(id))
            .await
            .map_err(feeds_error)?;
        Ok(NoContentResponse::NoContent)
    }

    /// Changes every activity with this foreign id (at most 100); every feed holding them
    /// shows the change.
    #[oai(
        path = "/activities/by-foreign-id/:foreign_id",
        method = "patch",
        operation_id = "feeds.activities.updateByForeignId"
    )]
    async fn update_by_foreign_id(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        #[oai(validator(min_length = 1, max_length = 200))] foreign_id: Path<String>,
        body: JsonBody<UpdateActivity>,
    ) -> ApiResult<ActivityListResponse> {
        let records = state
            .service::<Feeds>()?
            .update_activities(
                auth.principal(),
                &ActivityRef::ForeignId(foreign_id.0),
                patch(body.0),
            )
            .await
            .map_err(feeds_error)?;
        Ok(ActivityListResponse::Ok(Json(ActivityList {
            items: records.into_iter().map(activity_view).collect(),
        })))
    }

    /// Deletes every activity with this foreign id (at most 100) from every feed holding it.
    #[oai(
        path = "/activities/by-foreign-id/:foreign_id",
        method = "delete",
        operation_id = "feeds.activities.deleteByForeignId"
    )]
    async fn delete_by_foreign_id(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        #[oai(validator(min_length = 1, max_length = 200))] foreign_id: Path<String>,
    ) -> ApiResult<NoContentResponse> {
        state
            .service::<Feeds>()?
            .delete_activities(auth.principal(), &ActivityRef::ForeignId(foreign_id.0))
            .await
            .map_err(feeds_error)?;
        Ok(NoContentResponse::NoContent)
    }

    /// `feed_id` follows `target_feed_id`, copying its latest activities (`backfill_limit`).
    /// Following again answers 200 and copies nothing.
    #[oai(
        path = "/feeds/:feed_id/following/:target_feed_id",
        method = "put",
        operation_id = "feeds.follows.put"
    )]
    async fn follow(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        feed_id: Path<String>,
        target_feed_id: Path<String>,
        body: JsonBody<FollowFeed>,
    ) -> ApiResult<FollowResponse> {
        let followed = state
            .service::<Feeds>()?
            .follow(
                auth.principal(),
                &feed_id,
                &target_feed_id,
                body.0.backfill_limit,
            )
            .await
            .map_err(feeds_error)?;
        let view = FollowCreated {
            feed_id: followed.follow.follower,
            target_feed_id: followed.follow.source,
            created_at: time(followed.follow.created_at_ms),
            backfilled: followed.backfilled,
        };
        Ok(if followed.created {
            FollowResponse::Created(Json(view))
        } else {
            FollowResponse::Existing(Json(view))
        })
    }

    /// `feed_id` stops following `target_feed_id`. Its copies of the target's activities are
    /// removed unless `keep_history=true`.
    #[oai(
        path = "/feeds/:feed_id/following/:target_feed_id",
        method = "delete",
        operation_id = "feeds.follows.delete"
    )]
    async fn unfollow(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        feed_id: Path<String>,
        target_feed_id: Path<String>,
        /// Keep the activities already copied (default false).
        keep_history: Query<Option<bool>>,
    ) -> ApiResult<NoContentResponse> {
        state
            .service::<Feeds>()?
            .unfollow(
                auth.principal(),
                &feed_id,
                &target_feed_id,
                keep_history.0.unwrap_or(false),
            )
            .await
            .map_err(feeds_error)?;
        Ok(NoContentResponse::NoContent)
    }

    /// The feeds following this feed, by feed id.
    #[oai(
        path = "/feeds/:feed_id/followers",
        method = "get",
        operation_id = "feeds.followers.list"
    )]
    async fn followers(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        feed_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<FollowListResponse> {
        const KIND: &str = "feed_followers";
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Feeds>()?
            .followers(auth.principal(), &feed_id, &request)
            .await
            .map_err(feeds_error)?;
        Ok(FollowListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |follow| follow.id.clone(),
            follow_view,
        ))))
    }

    /// The feeds this feed follows, by feed id.
    #[oai(
        path = "/feeds/:feed_id/following",
        method = "get",
        operation_id = "feeds.following.list"
    )]
    async fn following(
        &self,
        auth: TenantAuth,
        state: Data<&ApiState>,
        feed_id: Path<String>,
        /// `next_cursor` of the previous page; omit to start at the beginning.
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<FollowListResponse> {
        const KIND: &str = "feed_following";
        let request = page::request(KIND, cursor.0.as_deref(), limit.0)?;
        let records = state
            .service::<Feeds>()?
            .following(auth.principal(), &feed_id, &request)
            .await
            .map_err(feeds_error)?;
        Ok(FollowListResponse::Ok(Json(Page::by_id(
            KIND,
            records,
            |follow| follow.id.clone(),
            follow_view,
        ))))
    }
}

fn new_activity(body: AddActivity) -> ApiResult<NewActivity> {
    Ok(NewActivity {
        actor: body.actor,
        verb: body.verb,
        object: body.object,
        target: body.target,
        time_ms: body.time.map(|time| time.timestamp_millis()),
        foreign_id: body.foreign_id,
        to: body.to.unwrap_or_default(),
        extra: body
            .extra
            .map(|extra| Value::Object(extra.into_iter().collect())),
    })
}

fn patch(body: UpdateActivity) -> ActivityPatch {
    ActivityPatch {
        verb: body.verb,
        object: body.object,
        target: body.target,
        time_ms: body.time.map(|time| time.timestamp_millis()),
        extra: body
            .extra
            .map(|extra| Value::Object(extra.into_iter().collect())),
    }
}

fn time(ms: i64) -> Timestamp {
    Timestamp(chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

fn group_view(group: &GroupRecord) -> FeedGroup {
    FeedGroup {
        name: group.name.clone(),
        kind: match group.kind {
            GroupKind::Flat => FeedGroupKindName::Flat,
        },
        owner: match group.owner {
            FeedOwner::User => FeedOwnerName::User,
            FeedOwner::Workspace => FeedOwnerName::Workspace,
            FeedOwner::Backend => FeedOwnerName::Backend,
        },
        created_at: time(group.created_at_ms),
    }
}

fn activity_view(record: ActivityRecord) -> Activity {
    Activity {
        id: record.id.to_string(),
        feed_id: record.feed,
        actor: record.actor,
        verb: record.verb,
        object: record.object,
        target: Some(record.target).filter(|target| !target.is_empty()),
        time: time(record.time_ms),
        foreign_id: Some(record.foreign_id).filter(|id| !id.is_empty()),
        to: record.to,
        extra: atelier_feeds::events::extra(&record.extra)
            .into_iter()
            .collect(),
        created_at: time(record.created_at_ms),
        updated_at: time(record.updated_at_ms),
    }
}

fn follow_view(follow: FollowRecord) -> Follow {
    Follow {
        feed_id: follow.follower,
        target_feed_id: follow.source,
        created_at: time(follow.created_at_ms),
    }
}
