//! Messages and reactions. Each change bumps the channel's `last_seq` under the
//! channel row's lock and appends to the log in the same transaction, so the
//! log is gap-free and an acknowledged change is durable.

use super::rows::rfc3339;
use super::{Store, StoreError};
use crate::ids::{ChannelId, MessageId, TenantId, UserId};
use arena_protocol::model::{Card, Message, ReactionCount, Role, User};
use arena_protocol::Snowflake;
use sqlx::{FromRow, Postgres, Transaction};
use time::OffsetDateTime;

/// A message to commit: the wire message (its `channel_seq` is filled in by the
/// store) plus the tenant and creation time.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub tenant_id: TenantId,
    pub message: Message,
    pub created_at: OffsetDateTime,
}

#[derive(FromRow)]
pub(super) struct MessageRow {
    id: i64,
    channel_id: ChannelId,
    channel_seq: i64,
    content: String,
    card: Option<serde_json::Value>,
    reply_to: Option<i64>,
    nonce: Option<String>,
    pinned: bool,
    created_at: OffsetDateTime,
    edited_at: Option<OffsetDateTime>,
    author_id: i64,
    display_name: String,
    role: String,
    tier: Option<String>,
    reactions: serde_json::Value,
    mentions: Vec<i64>,
}

impl MessageRow {
    pub(super) fn into_message(self) -> Message {
        Message {
            id: Snowflake(self.id as u64),
            channel_id: self.channel_id.snowflake(),
            channel_seq: self.channel_seq as u64,
            author: User {
                id: Snowflake(self.author_id as u64),
                display_name: self.display_name,
                role: Role::parse(&self.role).unwrap_or(Role::Partner),
                tier: self.tier,
            },
            content: self.content,
            card: self
                .card
                .and_then(|c| serde_json::from_value::<Card>(c).ok()),
            reply_to: self.reply_to.map(|r| Snowflake(r as u64)),
            nonce: self.nonce,
            created_at: rfc3339(self.created_at),
            edited_at: self.edited_at.map(rfc3339),
            pinned: self.pinned,
            reactions: serde_json::from_value::<Vec<ReactionCount>>(self.reactions)
                .unwrap_or_default(),
            mentions: self
                .mentions
                .into_iter()
                .map(|u| Snowflake(u as u64))
                .collect(),
        }
    }
}

pub(super) const MESSAGE_SELECT: &str = "SELECT m.id, m.channel_id, m.channel_seq, m.content, m.card, m.reply_to, m.nonce,
        m.pinned, m.created_at, m.edited_at, u.id AS author_id, u.display_name, u.role, u.tier,
        COALESCE((SELECT jsonb_agg(jsonb_build_object('emoji', x.emoji, 'count', x.n) ORDER BY x.first)
                  FROM (SELECT emoji, count(*) AS n, min(created_at) AS first FROM reactions r
                        WHERE r.tenant_id = m.tenant_id AND r.message_id = m.id GROUP BY emoji) x),
                 '[]'::jsonb) AS reactions, m.mentions
   FROM messages m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.author_id";

impl Store {
    /// Group commit: inserts every message of `batch` in one transaction,
    /// assigning each its channel's next seqs in batch order, and logs
    /// `MESSAGE_CREATE` for each (and queues `message.created` for the
    /// outgoing webhooks subscribed to its channel). Returns the messages with
    /// `channel_seq` set, in batch order. One statement and one round trip:
    /// `arena_insert_messages` (migration 0029) runs on its own, so it returns
    /// only once the commit is durable, and nothing is visible before. A batch
    /// may hold several tenants: the function scopes each in turn (row-level
    /// security). A missing or archived channel: `NotFound`, nothing written.
    pub async fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Message>, StoreError> {
        insert_messages(&self.pool, batch).await
    }

    /// [`Store::insert_messages`] on a connection the caller owns (a
    /// committer shard's, [`Store::dedicated`]): no pool acquire or release
    /// ping, so one round trip per batch.
    pub async fn insert_messages_on(
        conn: &mut sqlx::PgConnection,
        batch: &[NewMessage],
    ) -> Result<Vec<Message>, StoreError> {
        insert_messages(conn, batch).await
    }
}

/// The group commit's one statement, on any executor (see [`Store::insert_messages`]).
async fn insert_messages<'e, E>(
    executor: E,
    batch: &[NewMessage],
) -> Result<Vec<Message>, StoreError>
where
    E: sqlx::PgExecutor<'e>,
{
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let n = batch.len();
    let mut cols = MessageColumns::with_capacity(n);
    for nm in batch {
        cols.push(nm)?;
    }
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT o_id, o_seq FROM arena_insert_messages($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&cols.tenant)
    .bind(&cols.id)
    .bind(&cols.channel)
    .bind(&cols.author)
    .bind(&cols.content)
    .bind(&cols.card)
    .bind(&cols.reply)
    .bind(&cols.nonce)
    .bind(&cols.at)
    .bind(&cols.mentions)
    .bind(&cols.d_head)
    .bind(&cols.d_tail)
    .fetch_all(executor)
    .await?;
    let seqs: std::collections::HashMap<i64, i64> = rows.into_iter().collect();
    batch
        .iter()
        .map(|nm| {
            let mut m = nm.message.clone();
            let seq = seqs.get(&(m.id.0 as i64)).ok_or(StoreError::NotFound)?;
            m.channel_seq = *seq as u64;
            Ok(m)
        })
        .collect()
}

impl Store {
    /// One live (not deleted) message, or `NotFound`.
    pub async fn fetch_message(
        &self,
        tenant_id: TenantId,
        id: MessageId,
    ) -> Result<Message, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "{MESSAGE_SELECT} WHERE m.tenant_id = $1 AND m.id = $2 AND m.deleted_at IS NULL"
        );
        let row: MessageRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.into_message())
    }

    /// A page of live messages: newest first before `before` (or the newest when
    /// no cursor), oldest first after `after`.
    pub async fn fetch_history(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        before: Option<MessageId>,
        after: Option<MessageId>,
        limit: i64,
    ) -> Result<Vec<Message>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let (cond, order) = match (before, after) {
            (_, Some(_)) => ("AND m.id > $3", "ASC"),
            (Some(_), None) => ("AND m.id < $3", "DESC"),
            (None, None) => ("AND $3::bigint IS NULL", "DESC"),
        };
        let q = format!(
            "{MESSAGE_SELECT} WHERE m.tenant_id = $1 AND m.channel_id = $2 AND m.deleted_at IS NULL {cond}
             ORDER BY m.id {order} LIMIT $4"
        );
        let rows: Vec<MessageRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(channel_id)
            .bind(after.or(before))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(MessageRow::into_message).collect())
    }

    /// Opens a change of `channel_id`: takes its row lock and the next seq.
    async fn begin_change(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
    ) -> Result<(Transaction<'static, Postgres>, i64), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let seq: i64 = sqlx::query_scalar(
            "UPDATE channels SET last_seq = last_seq + 1 WHERE tenant_id = $1 AND id = $2 RETURNING last_seq",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .fetch_one(&mut *tx)
        .await?;
        Ok((tx, seq))
    }

    async fn fetch_message_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        id: MessageId,
    ) -> Result<Message, StoreError> {
        let q = format!("{MESSAGE_SELECT} WHERE m.tenant_id = $1 AND m.id = $2");
        let row: MessageRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        Ok(row.into_message())
    }

    /// Edits content (with the mentions it makes) and/or the pin of a live
    /// message; logs `MESSAGE_UPDATE`.
    pub async fn update_message(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        id: MessageId,
        content: Option<(&str, &[Snowflake])>,
        pinned: Option<bool>,
    ) -> Result<Message, StoreError> {
        let (mut tx, seq) = self.begin_change(tenant_id, channel_id).await?;
        let r = sqlx::query(
            "UPDATE messages SET content = COALESCE($4, content), pinned = COALESCE($5, pinned),
                    edited_at = CASE WHEN $4::text IS NULL THEN edited_at ELSE now() END, channel_seq = $6,
                    mentions = COALESCE($7::text::bigint[], mentions)
             WHERE tenant_id = $1 AND channel_id = $2 AND id = $3 AND deleted_at IS NULL",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(id)
        .bind(content.map(|c| c.0))
        .bind(pinned)
        .bind(seq)
        .bind(content.map(|c| array_literal(c.1)))
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let m = Self::fetch_message_tx(&mut tx, tenant_id, id).await?;
        let d = serde_json::to_value(&m).map_err(|e| StoreError::Other(e.to_string()))?;
        Self::insert_message_event(
            &mut tx,
            tenant_id,
            channel_id,
            seq,
            "MESSAGE_UPDATE",
            &d,
            id,
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Soft-deletes a live message and redacts its text: the row's content
    /// and card, and those of its logged MESSAGE_CREATE and MESSAGE_UPDATE
    /// events (which stay, so `channel_seq` has no gap); logs
    /// `MESSAGE_DELETE`, all in one transaction. Returns the seq.
    pub async fn delete_message(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        id: MessageId,
    ) -> Result<i64, StoreError> {
        let (mut tx, seq) = self.begin_change(tenant_id, channel_id).await?;
        let r = sqlx::query(
            "UPDATE messages SET deleted_at = now(), channel_seq = $4, content = '', card = NULL
             WHERE tenant_id = $1 AND channel_id = $2 AND id = $3 AND deleted_at IS NULL",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(id)
        .bind(seq)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "UPDATE channel_events SET d = ((d::jsonb - 'card') || '{\"content\": \"\"}'::jsonb)::text
             WHERE tenant_id = $1 AND message_id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let d = serde_json::json!({
            "id": id.to_string(), "channel_id": channel_id.to_string(), "channel_seq": seq
        });
        Self::insert_event(&mut tx, tenant_id, channel_id, seq, "MESSAGE_DELETE", &d).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Adds (`add`) or removes one user's reaction; logs `REACTION_ADD`/`REMOVE`
    /// only when something changed. Returns the seq, or `None` for a no-op.
    pub async fn update_reaction(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        message_id: MessageId,
        user_id: UserId,
        emoji: &str,
        add: bool,
    ) -> Result<Option<i64>, StoreError> {
        let (mut tx, seq) = self.begin_change(tenant_id, channel_id).await?;
        let live: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM messages WHERE tenant_id = $1 AND channel_id = $2 AND id = $3 AND deleted_at IS NULL",
        )
        .bind(tenant_id)
        .bind(channel_id)
        .bind(message_id)
        .fetch_optional(&mut *tx)
        .await?;
        if live.is_none() {
            return Err(StoreError::NotFound);
        }
        let q = if add {
            "INSERT INTO reactions (tenant_id, message_id, user_id, emoji) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM reactions WHERE tenant_id = $1 AND message_id = $2 AND user_id = $3 AND emoji = $4"
        };
        let r = sqlx::query(q)
            .bind(tenant_id)
            .bind(message_id)
            .bind(user_id)
            .bind(emoji)
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() == 0 {
            // Nothing changed: roll back so the seq is not consumed.
            tx.rollback().await?;
            return Ok(None);
        }
        let d = serde_json::json!({
            "message_id": message_id.to_string(), "channel_id": channel_id.to_string(),
            "user_id": user_id.to_string(), "emoji": emoji, "channel_seq": seq
        });
        let t = if add {
            "REACTION_ADD"
        } else {
            "REACTION_REMOVE"
        };
        Self::insert_event(&mut tx, tenant_id, channel_id, seq, t, &d).await?;
        tx.commit().await?;
        Ok(Some(seq))
    }
}

/// A Postgres array literal of ids (`{1,2}`), for a `bigint[]` per row
/// inside `unnest` (which cannot take an array of arrays).
fn array_literal(ids: &[Snowflake]) -> String {
    let inner: Vec<String> = ids.iter().map(|u| u.0.to_string()).collect();
    format!("{{{}}}", inner.join(","))
}

/// A batch of messages as the parallel arrays `arena_insert_messages` takes
/// (migration 0029), one element per message in batch order.
struct MessageColumns {
    tenant: Vec<i64>,
    id: Vec<i64>,
    channel: Vec<i64>,
    author: Vec<i64>,
    content: Vec<String>,
    card: Vec<Option<String>>,
    reply: Vec<Option<i64>>,
    nonce: Vec<Option<String>>,
    at: Vec<OffsetDateTime>,
    mentions: Vec<String>,
    /// The wire JSON up to the value of `channel_seq`, and after it: the
    /// function puts the seq it assigns between the two.
    d_head: Vec<String>,
    d_tail: Vec<String>,
}

impl MessageColumns {
    fn with_capacity(n: usize) -> Self {
        MessageColumns {
            tenant: Vec::with_capacity(n),
            id: Vec::with_capacity(n),
            channel: Vec::with_capacity(n),
            author: Vec::with_capacity(n),
            content: Vec::with_capacity(n),
            card: Vec::with_capacity(n),
            reply: Vec::with_capacity(n),
            nonce: Vec::with_capacity(n),
            at: Vec::with_capacity(n),
            mentions: Vec::with_capacity(n),
            d_head: Vec::with_capacity(n),
            d_tail: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, nm: &NewMessage) -> Result<(), StoreError> {
        let m = &nm.message;
        self.tenant.push(nm.tenant_id.0);
        self.id.push(m.id.0 as i64);
        self.channel.push(m.channel_id.0 as i64);
        self.author.push(m.author.id.0 as i64);
        self.content.push(m.content.clone());
        self.card
            .push(m.card.as_ref().and_then(|c| serde_json::to_string(c).ok()));
        self.reply.push(m.reply_to.map(|r| r.0 as i64));
        self.nonce.push(m.nonce.clone());
        self.at.push(nm.created_at);
        self.mentions.push(array_literal(&m.mentions));
        let (head, tail) = split_at_seq(m)?;
        self.d_head.push(head);
        self.d_tail.push(tail);
        Ok(())
    }
}

/// `m`'s wire JSON split around the value of its `channel_seq`: serde writes
/// a struct's fields in declaration order, so the top-level key comes right
/// after `id` and `channel_id` (two ids, never that text), before any content.
fn split_at_seq(m: &Message) -> Result<(String, String), StoreError> {
    const KEY: &str = "\"channel_seq\":";
    let json = serde_json::to_string(m).map_err(|e| StoreError::Other(e.to_string()))?;
    let seq = m.channel_seq.to_string();
    let at = json
        .find(KEY)
        .map(|i| i + KEY.len())
        .filter(|&i| json[i..].starts_with(&seq))
        .ok_or_else(|| StoreError::Other("message JSON without channel_seq".into()))?;
    Ok((json[..at].to_owned(), json[at + seq.len()..].to_owned()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_json_splits_around_the_seq_and_joins_back() {
        let m = Message {
            id: Snowflake(7),
            channel_id: Snowflake(8),
            channel_seq: 41,
            author: User {
                id: Snowflake(9),
                display_name: "\"channel_seq\":1".into(),
                role: Role::Partner,
                tier: None,
            },
            content: "\"channel_seq\":41".into(),
            card: None,
            reply_to: None,
            nonce: None,
            created_at: "2026-11-26T00:00:00Z".into(),
            edited_at: None,
            pinned: false,
            reactions: Vec::new(),
            mentions: Vec::new(),
        };
        let (head, tail) = split_at_seq(&m).unwrap();
        assert!(head.ends_with("\"channel_seq\":"), "{head}");
        let joined: Message = serde_json::from_str(&format!("{head}42{tail}")).unwrap();
        assert_eq!(joined.channel_seq, 42);
        assert_eq!(
            Message {
                channel_seq: 41,
                ..joined
            },
            m
        );
    }
}
