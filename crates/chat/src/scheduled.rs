//! Scheduled messages and the worker that sends them.
//!
//! A scheduled message is a stored draft with a send time (`pending`). The worker
//! ([`Scheduler::run`], on nodes with the `consumers` role) polls every
//! `chat.scheduler_poll_interval` and claims one due message at a time with a single
//! `findOneAndUpdate` (`pending` and due, or `claimed` with an expired claim → `claimed` by
//! this node until now + `chat.scheduler_claim_ttl`), so two nodes never both take it. It then
//! sends it through the normal send path with the client message id `scheduled:<sch_...>`:
//! if the node dies after sending and before marking it `sent`, the next claimer's send
//! returns the same message instead of a duplicate. State lives in MongoDB only, so restarts
//! lose nothing. Cancelling is a conditional update from `pending`, so a message being sent
//! cannot be cancelled halfway.

use std::time::Duration;

use atelier_core::TenantId;
use atelier_identity::UserId;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::{bson::doc, options::ReturnDocument};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::{
    Chat, ChatError, event,
    messages::SendOptions,
    model::{ChannelId, Draft, ScheduledMessageId, ScheduledRecord, ScheduledStatus},
    now_ms, text,
};

/// How far ahead a message may be scheduled.
pub const MAX_SCHEDULE_AHEAD_MS: i64 = 366 * 24 * 3600 * 1000;

impl Chat {
    /// Schedules `draft` for `send_at_ms` (in the future). Emits `chat.scheduled.created`.
    pub async fn schedule(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        author: UserId,
        draft: Draft,
        send_at_ms: i64,
    ) -> Result<ScheduledRecord, ChatError> {
        let draft = text::validate_draft(draft, self.config.max_message_chars)?;
        let now = now_ms();
        if send_at_ms <= now {
            return Err(ChatError::invalid("send_at", "must be in the future"));
        }
        if send_at_ms > now + MAX_SCHEDULE_AHEAD_MS {
            return Err(ChatError::invalid("send_at", "at most a year ahead"));
        }
        let channel_record = self.get_channel(tenant, channel).await?;
        if channel_record.archived {
            return Err(ChatError::Archived);
        }
        if self.membership(tenant, channel, author).await?.is_none() {
            return Err(ChatError::forbidden(
                "not_a_member",
                "Only members may send to this channel; join it first.",
            ));
        }
        let record = ScheduledRecord {
            id: ScheduledMessageId::generate(),
            tenant,
            workspace: channel_record.workspace,
            channel,
            author,
            draft,
            send_at_ms,
            status: ScheduledStatus::Pending,
            claimed_by: None,
            claim_expires_at_ms: None,
            message: None,
            failure: None,
            created_at_ms: now,
            updated_at_ms: now,
        };
        self.unit
            .run::<_, _, ChatError, _>(
                tenant,
                (self.clone(), record.clone()),
                |tx, (this, record)| {
                    async move {
                        let session = tx.session();
                        this.scheduled
                            .insert_one(&*record)
                            .session(&mut *session)
                            .await?;
                        let event = scheduled_event("chat.scheduled.created", record);
                        this.append(session, record.tenant, vec![event]).await
                    }
                    .boxed()
                },
            )
            .await?;
        Ok(record)
    }

    /// A page of the channel's scheduled messages not yet sent or cancelled (and failed ones),
    /// by send time, after the one at `after` (its send time and id); only `author`'s when
    /// given.
    pub async fn list_scheduled(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        author: Option<UserId>,
        after: Option<(i64, String)>,
        limit: usize,
    ) -> Result<(Vec<ScheduledRecord>, bool), ChatError> {
        let mut filter = doc! {
            "tenant": tenant.to_string(),
            "channel": channel.to_string(),
            "status": { "$in": ["pending", "claimed", "failed"] },
        };
        if let Some(author) = author {
            filter.insert("author", author.to_string());
        }
        if let Some((send_at_ms, id)) = after {
            filter.insert(
                "$or",
                vec![
                    doc! { "send_at_ms": { "$gt": send_at_ms } },
                    doc! { "send_at_ms": send_at_ms, "_id": { "$gt": id } },
                ],
            );
        }
        let mut records: Vec<ScheduledRecord> = self
            .scheduled
            .find(filter)
            .sort(doc! { "send_at_ms": 1, "_id": 1 })
            .limit(i64::try_from(limit + 1).unwrap_or(i64::MAX))
            .await?
            .try_collect()
            .await?;
        let has_more = records.len() > limit;
        records.truncate(limit);
        Ok((records, has_more))
    }

    pub async fn get_scheduled(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        id: ScheduledMessageId,
    ) -> Result<ScheduledRecord, ChatError> {
        self.scheduled
            .find_one(doc! {
                "_id": id.to_string(),
                "tenant": tenant.to_string(),
                "channel": channel.to_string(),
            })
            .await?
            .ok_or(ChatError::NotFound("scheduled_message"))
    }

    /// Cancels a pending scheduled message; 409 `already_sent` once the worker took it.
    pub async fn cancel_scheduled(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        id: ScheduledMessageId,
    ) -> Result<ScheduledRecord, ChatError> {
        let record = self
            .unit
            .run::<_, _, ChatError, _>(tenant, self.clone(), move |tx, this| {
                async move {
                    let session = tx.session();
                    let filter = doc! {
                        "_id": id.to_string(),
                        "tenant": tenant.to_string(),
                        "channel": channel.to_string(),
                    };
                    let mut pending = filter.clone();
                    pending.insert("status", "pending");
                    let updated = this
                        .scheduled
                        .find_one_and_update(
                            pending,
                            doc! { "$set": { "status": "cancelled", "updated_at_ms": now_ms() } },
                        )
                        .return_document(ReturnDocument::After)
                        .session(&mut *session)
                        .await?;
                    let Some(record) = updated else {
                        let exists = this
                            .scheduled
                            .find_one(filter)
                            .session(&mut *session)
                            .await?;
                        return Err(match exists {
                            None => ChatError::NotFound("scheduled_message"),
                            Some(record) => ChatError::conflict(
                                "scheduled_message_not_pending",
                                format!(
                                    "The scheduled message is {}; only pending ones can be cancelled.",
                                    record.status.as_str()
                                ),
                            ),
                        });
                    };
                    this.append(
                        session,
                        tenant,
                        vec![scheduled_event("chat.scheduled.cancelled", &record)],
                    )
                    .await?;
                    Ok(record)
                }
                .boxed()
            })
            .await?;
        Ok(record)
    }

    /// Claims one due scheduled message for `node`, atomically.
    pub async fn claim_due(&self, node: &str) -> Result<Option<ScheduledRecord>, ChatError> {
        let now = now_ms();
        let expires =
            now + i64::try_from(self.config.scheduler_claim_ttl.as_millis()).unwrap_or(i64::MAX);
        Ok(self
            .scheduled
            .find_one_and_update(
                doc! { "$or": [
                    { "status": "pending", "send_at_ms": { "$lte": now } },
                    { "status": "claimed", "claim_expires_at_ms": { "$lte": now } },
                ] },
                doc! { "$set": {
                    "status": "claimed",
                    "claimed_by": node,
                    "claim_expires_at_ms": expires,
                    "updated_at_ms": now,
                } },
            )
            .sort(doc! { "send_at_ms": 1 })
            .return_document(ReturnDocument::After)
            .await?)
    }

    /// Sends a claimed scheduled message and records the outcome.
    pub async fn deliver_scheduled(&self, record: &ScheduledRecord) -> Result<(), ChatError> {
        let sent = self
            .send(
                record.tenant,
                record.channel,
                record.author,
                record.draft.clone(),
                SendOptions {
                    client_message_id: Some(format!("scheduled:{}", record.id)),
                    // The author chose the time; slow mode does not delay it further.
                    slow_mode_exempt: true,
                    scheduled: Some(record.id),
                },
            )
            .await;
        let filter = doc! {
            "_id": record.id.to_string(),
            "tenant": record.tenant.to_string(),
            "status": "claimed",
        };
        let update = match &sent {
            Ok((message, _)) => doc! { "$set": {
                "status": "sent",
                "message": message.id.to_string(),
                "updated_at_ms": now_ms(),
            } },
            Err(
                error @ (ChatError::NotFound(_)
                | ChatError::Frozen
                | ChatError::Archived
                | ChatError::Forbidden { .. }
                | ChatError::Invalid { .. }
                | ChatError::TextTooLong { .. }),
            ) => doc! { "$set": {
                "status": "failed",
                "failure": error.to_string(),
                "updated_at_ms": now_ms(),
            } },
            // Unexpected (MongoDB down...): leave it claimed; the claim expires and it is retried.
            Err(_) => return sent.map(|_| ()),
        };
        self.scheduled.update_one(filter, update).await?;
        Ok(())
    }
}

/// The scheduled-send worker of one node.
#[derive(Debug, Clone)]
pub struct Scheduler {
    chat: Chat,
    node: String,
}

impl Scheduler {
    pub fn new(chat: Chat, node: impl Into<String>) -> Self {
        Self {
            chat,
            node: node.into(),
        }
    }

    /// Sends due messages until `cancel` fires, finishing the message in hand.
    pub async fn run(self, cancel: CancellationToken) {
        let interval = self.chat.config.scheduler_poll_interval;
        tracing::info!(node = %self.node, ?interval, "chat scheduler started");
        while !cancel.is_cancelled() {
            match self.chat.claim_due(&self.node).await {
                Ok(Some(record)) => {
                    if let Err(error) = self.chat.deliver_scheduled(&record).await {
                        tracing::warn!(%error, scheduled = %record.id, "scheduled send failed; retried after the claim expires");
                    }
                    // Look for the next due message at once.
                    continue;
                }
                Ok(None) => {}
                Err(error) => tracing::warn!(%error, "claiming scheduled messages failed"),
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(interval.max(Duration::from_millis(10))) => {}
            }
        }
        tracing::info!(node = %self.node, "chat scheduler stopped");
    }
}

fn scheduled_event(event_type: &str, record: &ScheduledRecord) -> atelier_core::NewEvent {
    event(
        event_type,
        record.channel,
        json!({
            "channel_id": record.channel,
            "workspace_id": record.workspace,
            "scheduled_message_id": record.id,
            "author_id": record.author,
            "send_at": crate::view::time(record.send_at_ms),
        }),
    )
}
