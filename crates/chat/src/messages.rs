//! Messages: send, edit, delete, pins, reactions, threads, history, the change feed, search.
//!
//! Every change runs in a transaction that first increments the channel document's counters
//! (`seq` for a new message, `change_seq` for every change; see the crate docs), stamps the
//! message with them, and appends the matching event with the message as [`MessageView`].
//!
//! **Idempotent send.** Each message has an `idempotency_key` unique per channel: the client's
//! `client_message_id` or, without one, the message id. A retry with the same client id finds
//! the original inside the transaction (or, when two race, loses on the unique index and reads
//! the winner) and returns it unchanged.

use atelier_core::TenantId;
use atelier_identity::UserId;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::{
    ClientSession,
    bson::{Document, doc},
    options::ReturnDocument,
};
use serde_json::json;

use crate::{
    Chat, ChatError, event,
    model::{
        ChannelId, ChannelRecord, Draft, EditRecord, MessageId, MessageRecord, ReactionRecord,
        ReactionSummary, ScheduledMessageId, ThreadSummary,
    },
    now_ms, text,
    view::MessageView,
};

/// How a message is sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendOptions {
    /// The client's id for the message: a retry with the same id returns the original.
    pub client_message_id: Option<String>,
    /// Moderators (and the tenant's backend) skip slow mode.
    pub slow_mode_exempt: bool,
    /// Set by the scheduled-send worker.
    pub scheduled: Option<ScheduledMessageId>,
}

/// Which part of the history to read. At most one of `before`, `after`, `around`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HistoryQuery {
    /// Messages with a smaller sequence number (the page just before it).
    pub before: Option<i64>,
    /// Messages with a larger sequence number.
    pub after: Option<i64>,
    /// The page centred on this message.
    pub around: Option<MessageId>,
    pub limit: usize,
}

/// A page of history, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    pub items: Vec<MessageRecord>,
    pub has_more_before: bool,
    pub has_more_after: bool,
}

/// Search filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchQuery {
    pub query: String,
    /// Only these channels; `None`: every channel of the tenant (API keys only).
    pub channels: Option<Vec<ChannelId>>,
    pub author: Option<UserId>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Continue after this message (newest first).
    pub before: Option<MessageId>,
    pub limit: usize,
}

impl Chat {
    /// Sends a message (or a thread reply when `draft.parent` is set). Returns the message
    /// and whether it was created now (`false`: a retry of an earlier send).
    pub async fn send(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        author: UserId,
        draft: Draft,
        options: SendOptions,
    ) -> Result<(MessageRecord, bool), ChatError> {
        let draft = text::validate_draft(draft, self.config.max_message_chars)?;
        let client_message_id = options
            .client_message_id
            .as_deref()
            .map(text::check_client_message_id)
            .transpose()?;
        let id = MessageId::generate();
        let idempotency_key = client_message_id.clone().unwrap_or_else(|| id.to_string());
        let outcome = self
            .unit
            .run::<_, _, ChatError, _>(
                tenant,
                (self.clone(), draft, idempotency_key.clone()),
                move |tx, (this, draft, idempotency_key)| {
                    let client_message_id = client_message_id.clone();
                    let options = options.clone();
                    async move {
                        let session = tx.session();
                        let by_key = doc! {
                            "tenant": tenant.to_string(),
                            "channel": channel.to_string(),
                            "idempotency_key": &*idempotency_key,
                        };
                        if client_message_id.is_some()
                            && let Some(existing) = this
                                .messages
                                .find_one(by_key)
                                .session(&mut *session)
                                .await?
                        {
                            tx.unchanged();
                            return Ok((existing, false));
                        }
                        let bump = if draft.parent.is_some() { 2 } else { 1 };
                        let record = this.bump(session, tenant, channel, 1, bump).await?;
                        let member = this
                            .members
                            .find_one(doc! {
                                "_id": crate::model::MemberRecord::key(channel, author),
                                "tenant": tenant.to_string(),
                            })
                            .session(&mut *session)
                            .await?
                            .ok_or_else(|| {
                                ChatError::forbidden(
                                    "not_a_member",
                                    "Only members may send to this channel; join it first.",
                                )
                            })?;
                        let now = now_ms();
                        if !options.slow_mode_exempt
                            && let Some(wait) = text::slow_mode_wait(
                                record.slow_mode_seconds,
                                member.last_sent_at_ms,
                                now,
                            )
                        {
                            return Err(ChatError::SlowMode {
                                retry_after_seconds: wait,
                            });
                        }
                        this.members
                            .update_one(
                                doc! { "_id": &member.id, "tenant": tenant.to_string() },
                                doc! { "$set": { "last_sent_at_ms": now } },
                            )
                            .session(&mut *session)
                            .await?;
                        if let Some(quoted) = draft.quoted_message {
                            this.find_in(session, tenant, channel, quoted)
                                .await?
                                .ok_or_else(|| {
                                    ChatError::invalid(
                                        "quoted_message_id",
                                        "no such message in this channel",
                                    )
                                })?;
                        }
                        let mut events = Vec::new();
                        if let Some(parent) = draft.parent {
                            let mut root = this
                                .find_in(session, tenant, channel, parent)
                                .await?
                                .filter(|root| !root.is_reply && !root.deleted)
                                .ok_or_else(|| {
                                    ChatError::invalid(
                                        "parent_id",
                                        "no such top-level message in this channel",
                                    )
                                })?;
                            let thread = root.thread.get_or_insert_with(ThreadSummary::default);
                            if thread.participants.is_empty() {
                                thread.participants.push(root.author);
                            }
                            if !thread.participants.contains(&author) {
                                thread.participants.push(author);
                            }
                            thread.reply_count += 1;
                            thread.last_reply_at_ms = now;
                            thread.last_reply_seq = record.seq;
                            root.change_seq = record.change_seq - 1;
                            this.replace(session, &root).await?;
                            events.push(message_event(
                                "chat.message.updated",
                                &root,
                                Some(&["thread"]),
                            ));
                        }
                        let message = MessageRecord {
                            id,
                            tenant,
                            workspace: record.workspace,
                            channel,
                            seq: record.seq,
                            change_seq: record.change_seq,
                            author,
                            terms: text::terms(&draft.text),
                            text: draft.text.clone(),
                            mentions: draft.mentions.clone(),
                            mention_channel: draft.mention_channel,
                            attachments: draft.attachments.clone(),
                            quoted_message: draft.quoted_message,
                            parent: draft.parent,
                            is_reply: draft.parent.is_some(),
                            client_message_id: client_message_id.clone(),
                            idempotency_key: idempotency_key.clone(),
                            edits: Vec::new(),
                            edited_at_ms: None,
                            deleted: false,
                            deleted_at_ms: None,
                            pinned_by: None,
                            pinned_at_ms: None,
                            reactions: Vec::new(),
                            thread: None,
                            scheduled: options.scheduled,
                            created_at_ms: now,
                        };
                        this.messages
                            .insert_one(&message)
                            .session(&mut *session)
                            .await?;
                        events.insert(0, message_event("chat.message.created", &message, None));
                        this.append(session, tenant, events).await?;
                        Ok((message, true))
                    }
                    .boxed()
                },
            )
            .await;
        match outcome {
            Ok((message, created)) => Ok((message, created)),
            // A concurrent retry with the same client id committed first.
            Err(ChatError::Storage(error)) if error.is_duplicate_key() => self
                .messages
                .find_one(doc! {
                    "tenant": tenant.to_string(),
                    "channel": channel.to_string(),
                    "idempotency_key": &idempotency_key,
                })
                .await?
                .map(|existing| (existing, false))
                .ok_or(ChatError::Storage(error)),
            Err(error) => Err(error),
        }
    }

    pub async fn get_message(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<MessageRecord, ChatError> {
        self.messages
            .find_one(doc! {
                "_id": message.to_string(),
                "tenant": tenant.to_string(),
                "channel": channel.to_string(),
            })
            .await?
            .ok_or(ChatError::NotFound("message"))
    }

    /// Replaces the text, keeping the previous version in the edit history.
    pub async fn edit(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
        new_text: String,
    ) -> Result<MessageRecord, ChatError> {
        let max = self.config.max_message_chars;
        // Checked before any IO so oversize text answers like a send does.
        text::validate_draft(
            Draft {
                text: new_text.clone(),
                ..Draft::default()
            },
            max,
        )?;
        self.change_message(tenant, channel, message, move |record, now| {
            if record.deleted {
                return Err(ChatError::conflict(
                    "message_deleted",
                    "A deleted message cannot be edited.",
                ));
            }
            if record.text == new_text {
                return Ok(None);
            }
            let draft = text::validate_draft(
                Draft {
                    text: new_text.clone(),
                    attachments: record.attachments.clone(),
                    ..Draft::default()
                },
                max,
            )
            .map_err(refusal_of)?;
            let previous = std::mem::replace(&mut record.text, draft.text);
            record.edits.push(EditRecord {
                text: previous,
                replaced_at_ms: now,
            });
            record.mentions = draft.mentions;
            record.mention_channel = draft.mention_channel;
            record.terms = text::terms(&record.text);
            record.edited_at_ms = Some(now);
            Ok(Some(("chat.message.updated", vec!["text"])))
        })
        .await
    }

    /// Deletes a message, leaving a tombstone (no text, attachments, mentions or history).
    pub async fn delete(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<MessageRecord, ChatError> {
        self.change_message(tenant, channel, message, |record, now| {
            if record.deleted {
                return Ok(None);
            }
            record.deleted = true;
            record.deleted_at_ms = Some(now);
            record.text.clear();
            record.attachments.clear();
            record.mentions.clear();
            record.mention_channel = false;
            record.terms.clear();
            record.edits.clear();
            record.pinned_by = None;
            record.pinned_at_ms = None;
            Ok(Some(("chat.message.deleted", vec![])))
        })
        .await
    }

    /// Pins (`Some(user)`) or unpins (`None`) a message.
    pub async fn pin(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
        by: Option<UserId>,
    ) -> Result<MessageRecord, ChatError> {
        self.change_message(tenant, channel, message, move |record, now| {
            if record.deleted {
                return Err(ChatError::conflict(
                    "message_deleted",
                    "A deleted message cannot be pinned.",
                ));
            }
            match by {
                Some(_) if record.pinned_at_ms.is_some() => return Ok(None),
                None if record.pinned_at_ms.is_none() => return Ok(None),
                Some(user) => {
                    record.pinned_by = Some(user);
                    record.pinned_at_ms = Some(now);
                }
                None => {
                    record.pinned_by = None;
                    record.pinned_at_ms = None;
                }
            }
            Ok(Some(("chat.message.updated", vec!["pinned"])))
        })
        .await
    }

    /// A page of the channel's pinned messages, most recently pinned first, after the pin at
    /// `after` (its pin time and message id).
    pub async fn pins(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        after: Option<(i64, String)>,
        limit: usize,
    ) -> Result<(Vec<MessageRecord>, bool), ChatError> {
        let mut filter = doc! {
            "tenant": tenant.to_string(),
            "channel": channel.to_string(),
            "pinned_at_ms": { "$gt": 0_i64 },
        };
        if let Some((pinned_at_ms, id)) = after {
            filter.insert(
                "$or",
                vec![
                    doc! { "pinned_at_ms": { "$lt": pinned_at_ms } },
                    doc! { "pinned_at_ms": pinned_at_ms, "_id": { "$lt": id } },
                ],
            );
        }
        let mut records: Vec<MessageRecord> = self
            .messages
            .find(filter)
            .sort(doc! { "pinned_at_ms": -1, "_id": -1 })
            .limit(i64::try_from(limit + 1).unwrap_or(i64::MAX))
            .await?
            .try_collect()
            .await?;
        let has_more = records.len() > limit;
        records.truncate(limit);
        Ok((records, has_more))
    }

    /// Adds `user`'s reaction; `false` when it was already there.
    pub async fn react(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
        user: UserId,
        emoji: &str,
    ) -> Result<(MessageRecord, bool), ChatError> {
        self.reaction(
            tenant,
            channel,
            message,
            user,
            text::check_emoji(emoji)?,
            true,
        )
        .await
    }

    /// Removes `user`'s reaction; `false` when there was none.
    pub async fn unreact(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
        user: UserId,
        emoji: &str,
    ) -> Result<(MessageRecord, bool), ChatError> {
        self.reaction(
            tenant,
            channel,
            message,
            user,
            text::check_emoji(emoji)?,
            false,
        )
        .await
    }

    async fn reaction(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
        user: UserId,
        emoji: String,
        add: bool,
    ) -> Result<(MessageRecord, bool), ChatError> {
        let outcome = self
            .unit
            .run::<_, _, ChatError, _>(tenant, (self.clone(), emoji), move |tx, (this, emoji)| {
                async move {
                    let session = tx.session();
                    let key = format!("{message}:{user}:{emoji}");
                    let existing = this
                        .reactions
                        .find_one(doc! { "_id": &key, "tenant": tenant.to_string() })
                        .session(&mut *session)
                        .await?;
                    if existing.is_some() == add {
                        let record = this
                            .find_in(session, tenant, channel, message)
                            .await?
                            .ok_or(ChatError::NotFound("message"))?;
                        tx.unchanged();
                        return Ok((record, false));
                    }
                    let counters = this.bump(session, tenant, channel, 0, 1).await?;
                    let mut record = this
                        .find_in(session, tenant, channel, message)
                        .await?
                        .ok_or(ChatError::NotFound("message"))?;
                    if record.deleted {
                        return Err(ChatError::conflict(
                            "message_deleted",
                            "A deleted message takes no reactions.",
                        ));
                    }
                    let position = record.reactions.iter().position(|r| r.emoji == *emoji);
                    let count = if add {
                        this.reactions
                            .insert_one(ReactionRecord {
                                id: key,
                                tenant,
                                channel,
                                message,
                                emoji: emoji.clone(),
                                user,
                                created_at_ms: now_ms(),
                            })
                            .session(&mut *session)
                            .await?;
                        match position {
                            Some(index) => {
                                record.reactions[index].count += 1;
                                record.reactions[index].count
                            }
                            None => {
                                record.reactions.push(ReactionSummary {
                                    emoji: emoji.clone(),
                                    count: 1,
                                });
                                1
                            }
                        }
                    } else {
                        this.reactions
                            .delete_one(doc! { "_id": &key, "tenant": tenant.to_string() })
                            .session(&mut *session)
                            .await?;
                        match position {
                            Some(index) if record.reactions[index].count > 1 => {
                                record.reactions[index].count -= 1;
                                record.reactions[index].count
                            }
                            Some(index) => {
                                record.reactions.remove(index);
                                0
                            }
                            None => 0,
                        }
                    };
                    record.change_seq = counters.change_seq;
                    this.replace(session, &record).await?;
                    let event_type = if add {
                        "chat.reaction.added"
                    } else {
                        "chat.reaction.removed"
                    };
                    let data = json!({
                        "channel_id": channel,
                        "workspace_id": record.workspace,
                        "message_id": message,
                        "emoji": &*emoji,
                        "user_id": user,
                        "count": count,
                        "change_seq": record.change_seq,
                    });
                    this.append(session, tenant, vec![event(event_type, channel, data)])
                        .await?;
                    Ok((record, true))
                }
                .boxed()
            })
            .await?;
        Ok(outcome)
    }

    /// Who reacted to `message` with `emoji`, by user id, `limit` after `after`.
    pub async fn reactors(
        &self,
        tenant: TenantId,
        message: MessageId,
        emoji: &str,
        after: Option<UserId>,
        limit: usize,
    ) -> Result<(Vec<ReactionRecord>, bool), ChatError> {
        let mut filter = doc! {
            "tenant": tenant.to_string(),
            "message": message.to_string(),
            "emoji": emoji,
        };
        if let Some(after) = after {
            filter.insert("user", doc! { "$gt": after.to_string() });
        }
        let mut items: Vec<ReactionRecord> = self
            .reactions
            .find(filter)
            .sort(doc! { "user": 1 })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let more = items.len() > limit;
        items.truncate(limit);
        Ok((items, more))
    }

    /// The `(message, emoji)` pairs `user` reacted with among `messages`.
    pub async fn my_reactions(
        &self,
        tenant: TenantId,
        user: UserId,
        messages: &[MessageId],
    ) -> Result<Vec<(MessageId, String)>, ChatError> {
        if messages.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = messages.iter().map(ToString::to_string).collect();
        let records: Vec<ReactionRecord> = self
            .reactions
            .find(doc! {
                "tenant": tenant.to_string(),
                "message": { "$in": ids },
                "user": user.to_string(),
            })
            .await?
            .try_collect()
            .await?;
        Ok(records.into_iter().map(|r| (r.message, r.emoji)).collect())
    }

    /// Top-level messages (thread replies are read with [`Chat::replies`]).
    pub async fn history(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        query: HistoryQuery,
    ) -> Result<HistoryPage, ChatError> {
        let limit = query.limit.max(1);
        let base = doc! {
            "tenant": tenant.to_string(),
            "channel": channel.to_string(),
            "is_reply": false,
        };
        if let Some(around) = query.around {
            let centre = self.get_message(tenant, channel, around).await?;
            if centre.is_reply {
                return Err(ChatError::invalid(
                    "around",
                    "a thread reply: read it with the thread's replies",
                ));
            }
            let half = limit / 2;
            let (mut older, more_before) = self
                .page(&base, doc! { "$lt": centre.seq }, -1, half)
                .await?;
            older.reverse();
            let (newer, more_after) = self
                .page(&base, doc! { "$gte": centre.seq }, 1, limit - half)
                .await?;
            older.extend(newer);
            return Ok(HistoryPage {
                items: older,
                has_more_before: more_before,
                has_more_after: more_after,
            });
        }
        if let Some(after) = query.after {
            let (items, more_after) = self.page(&base, doc! { "$gt": after }, 1, limit).await?;
            let has_more_before = self.exists(&base, doc! { "$lte": after }).await?;
            return Ok(HistoryPage {
                items,
                has_more_before,
                has_more_after: more_after,
            });
        }
        let (range, has_more_after) = match query.before {
            Some(before) => (
                doc! { "$lt": before },
                self.exists(&base, doc! { "$gte": before }).await?,
            ),
            None => (doc! { "$gte": 0_i64 }, false),
        };
        let (mut items, more_before) = self.page(&base, range, -1, limit).await?;
        items.reverse();
        Ok(HistoryPage {
            items,
            has_more_before: more_before,
            has_more_after,
        })
    }

    async fn page(
        &self,
        base: &Document,
        seq: Document,
        direction: i32,
        limit: usize,
    ) -> Result<(Vec<MessageRecord>, bool), ChatError> {
        if limit == 0 {
            let more = self.exists(base, seq).await?;
            return Ok((Vec::new(), more));
        }
        let mut filter = base.clone();
        filter.insert("seq", seq);
        let mut items: Vec<MessageRecord> = self
            .messages
            .find(filter)
            .sort(doc! { "seq": direction })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let more = items.len() > limit;
        items.truncate(limit);
        Ok((items, more))
    }

    async fn exists(&self, base: &Document, seq: Document) -> Result<bool, ChatError> {
        let mut filter = base.clone();
        filter.insert("seq", seq);
        Ok(self.messages.find_one(filter).await?.is_some())
    }

    /// A thread's replies, oldest first, after the reply with sequence number `after`.
    pub async fn replies(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        root: MessageId,
        after: Option<i64>,
        limit: usize,
    ) -> Result<(Vec<MessageRecord>, bool), ChatError> {
        let root = self.get_message(tenant, channel, root).await?;
        let base = doc! {
            "tenant": tenant.to_string(),
            "parent": root.id.to_string(),
        };
        self.page(&base, doc! { "$gt": after.unwrap_or(0) }, 1, limit.max(1))
            .await
    }

    /// The change feed: messages whose latest change is after `since`, in change order, and
    /// the position to continue from. Deleted messages come as tombstones; reaction changes
    /// as the message with its new counts.
    pub async fn changes(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        since: i64,
        limit: usize,
    ) -> Result<(Vec<MessageRecord>, i64, bool), ChatError> {
        // On development servers without transaction isolation, wait for the transaction in
        // flight so an uncommitted change is never handed out.
        let _gate = self.store.transaction_gate().await;
        let limit = limit.max(1);
        let mut items: Vec<MessageRecord> = self
            .messages
            .find(doc! {
                "tenant": tenant.to_string(),
                "channel": channel.to_string(),
                "change_seq": { "$gt": since },
            })
            .sort(doc! { "change_seq": 1 })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next = items.last().map_or(since, |message| message.change_seq);
        Ok((items, next, more))
    }

    /// Full-text search (every term, whole words), newest first.
    pub async fn search(
        &self,
        tenant: TenantId,
        query: SearchQuery,
    ) -> Result<(Vec<MessageRecord>, bool), ChatError> {
        let terms = text::terms(&query.query);
        if terms.is_empty() {
            return Err(ChatError::invalid(
                "q",
                "must contain at least one word (letters or digits)",
            ));
        }
        if terms.len() > 20 {
            return Err(ChatError::invalid("q", "at most 20 words"));
        }
        let mut filter = doc! {
            "tenant": tenant.to_string(),
            "terms": { "$all": terms },
            "deleted": false,
        };
        if let Some(channels) = &query.channels {
            if channels.is_empty() {
                return Ok((Vec::new(), false));
            }
            let ids: Vec<String> = channels.iter().map(ToString::to_string).collect();
            filter.insert("channel", doc! { "$in": ids });
        }
        if let Some(author) = query.author {
            filter.insert("author", author.to_string());
        }
        let mut created = Document::new();
        if let Some(from) = query.from_ms {
            created.insert("$gte", from);
        }
        if let Some(to) = query.to_ms {
            created.insert("$lt", to);
        }
        if !created.is_empty() {
            filter.insert("created_at_ms", created);
        }
        if let Some(before) = query.before {
            filter.insert("_id", doc! { "$lt": before.to_string() });
        }
        let limit = query.limit.max(1);
        let mut items: Vec<MessageRecord> = self
            .messages
            .find(filter)
            .sort(doc! { "_id": -1 })
            .limit(limit as i64 + 1)
            .await?
            .try_collect()
            .await?;
        let more = items.len() > limit;
        items.truncate(limit);
        Ok((items, more))
    }

    /// Increments the channel's counters inside the transaction (refusing archived and frozen
    /// channels) and returns it with the new values.
    async fn bump(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        channel: ChannelId,
        seq: i64,
        change_seq: i64,
    ) -> Result<ChannelRecord, ChatError> {
        let record = self
            .channels
            .find_one_and_update(
                doc! { "_id": channel.to_string(), "tenant": tenant.to_string() },
                doc! { "$inc": { "seq": seq, "change_seq": change_seq } },
            )
            .return_document(ReturnDocument::After)
            .session(&mut *session)
            .await?
            .ok_or(ChatError::NotFound("channel"))?;
        if record.archived {
            return Err(ChatError::Archived);
        }
        if record.frozen {
            return Err(ChatError::Frozen);
        }
        Ok(record)
    }

    async fn find_in(
        &self,
        session: &mut ClientSession,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
    ) -> mongodb::error::Result<Option<MessageRecord>> {
        self.messages
            .find_one(doc! {
                "_id": message.to_string(),
                "tenant": tenant.to_string(),
                "channel": channel.to_string(),
            })
            .session(session)
            .await
    }

    async fn replace(
        &self,
        session: &mut ClientSession,
        message: &MessageRecord,
    ) -> mongodb::error::Result<()> {
        self.messages
            .replace_one(
                doc! { "_id": message.id.to_string(), "tenant": message.tenant.to_string() },
                message,
            )
            .session(session)
            .await
            .map(|_| ())
    }

    /// Read, change and write one message with its event; `change` answers `None` when
    /// nothing changes (no write, no event).
    async fn change_message<F>(
        &self,
        tenant: TenantId,
        channel: ChannelId,
        message: MessageId,
        change: F,
    ) -> Result<MessageRecord, ChatError>
    where
        F: FnMut(
                &mut MessageRecord,
                i64,
            ) -> Result<Option<(&'static str, Vec<&'static str>)>, ChatError>
            + Send
            + 'static,
    {
        let outcome = self
            .unit
            .run::<_, _, ChatError, _>(tenant, (self.clone(), change), move |tx, (this, change)| {
                async move {
                    let session = tx.session();
                    let mut record = this
                        .find_in(session, tenant, channel, message)
                        .await?
                        .ok_or(ChatError::NotFound("message"))?;
                    let Some((event_type, changed)) = change(&mut record, now_ms())? else {
                        tx.unchanged();
                        return Ok((record, false));
                    };
                    let counters = this.bump(session, tenant, channel, 0, 1).await?;
                    record.change_seq = counters.change_seq;
                    this.replace(session, &record).await?;
                    let changed = (!changed.is_empty()).then_some(changed.as_slice());
                    this.append(
                        session,
                        tenant,
                        vec![message_event(event_type, &record, changed)],
                    )
                    .await?;
                    Ok((record, true))
                }
                .boxed()
            })
            .await?;
        Ok(outcome.0)
    }
}

/// Validation inside a change answers like validation before it, with the field named.
fn refusal_of(error: ChatError) -> ChatError {
    match error {
        ChatError::TextTooLong { length, max } => ChatError::invalid(
            "text",
            format!("is {length} characters long; at most {max} are allowed"),
        ),
        other => other,
    }
}

/// `chat.message.*`: the message as the API shows it, with the channel and workspace ids.
fn message_event(
    event_type: &str,
    message: &MessageRecord,
    changed: Option<&[&str]>,
) -> atelier_core::NewEvent {
    let mut data = json!({
        "channel_id": message.channel,
        "workspace_id": message.workspace,
        "message": MessageView::from(message),
    });
    if let Some(changed) = changed {
        data["changed"] = json!(changed);
    }
    event(event_type, message.channel, data)
}
