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
    /// `MESSAGE_CREATE` for each. Returns the messages with `channel_seq` set,
    /// in batch order. Nothing is visible before the commit returns. A batch
    /// may hold several tenants: the transaction is scoped to each in turn
    /// (row-level security), usually just one.
    pub async fn insert_messages(&self, batch: &[NewMessage]) -> Result<Vec<Message>, StoreError> {
        let mut tenants: Vec<TenantId> = batch.iter().map(|m| m.tenant_id).collect();
        tenants.sort_unstable();
        tenants.dedup();
        let Some(&first) = tenants.first() else {
            return Ok(Vec::new());
        };
        let mut tx = self.tenant_tx(first).await?;
        let mut out: Vec<Option<Message>> = vec![None; batch.len()];
        for (i, &tenant) in tenants.iter().enumerate() {
            if i > 0 {
                Self::scope_tx(&mut tx, tenant).await?;
            }
            let (slots, group): (Vec<usize>, Vec<&NewMessage>) = batch
                .iter()
                .enumerate()
                .filter(|(_, m)| m.tenant_id == tenant)
                .unzip();
            let committed = Self::insert_messages_tx(&mut tx, &group).await?;
            for (slot, m) in slots.into_iter().zip(committed) {
                out[slot] = Some(m);
            }
        }
        tx.commit().await?;
        out.into_iter()
            .map(|m| m.ok_or(StoreError::NotFound))
            .collect()
    }

    /// The messages of one tenant, in a transaction scoped to it.
    async fn insert_messages_tx(
        tx: &mut Transaction<'_, Postgres>,
        batch: &[&NewMessage],
    ) -> Result<Vec<Message>, StoreError> {
        // Count per (tenant, channel), in key order.
        let mut counts: std::collections::BTreeMap<(i64, i64), (i64, i64)> = Default::default();
        for m in batch {
            let e = counts
                .entry((m.tenant_id.0, m.message.channel_id.0 as i64))
                .or_insert((0, 0));
            e.0 += 1;
            e.1 = e.1.max(m.message.id.0 as i64);
        }
        let heads: Vec<(i64, i64, i64, i64)> = counts
            .iter()
            .map(|(&(t, c), &(n, max))| (t, c, n, max))
            .collect();
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "UPDATE channels c SET last_seq = c.last_seq + v.n,
                    last_message_id = GREATEST(COALESCE(c.last_message_id, 0), v.max_id)
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS v(tenant_id, channel_id, n, max_id)
             WHERE c.tenant_id = v.tenant_id AND c.id = v.channel_id AND NOT c.archived
             RETURNING c.tenant_id, c.id, c.last_seq",
        )
        .bind(heads.iter().map(|h| h.0).collect::<Vec<_>>())
        .bind(heads.iter().map(|h| h.1).collect::<Vec<_>>())
        .bind(heads.iter().map(|h| h.2).collect::<Vec<_>>())
        .bind(heads.iter().map(|h| h.3).collect::<Vec<_>>())
        .fetch_all(&mut **tx)
        .await?;
        if rows.len() != heads.len() {
            return Err(StoreError::NotFound);
        }
        // next seq per channel = last_seq - n + 1
        let mut next: std::collections::HashMap<(i64, i64), i64> = rows
            .iter()
            .map(|&(t, c, last)| ((t, c), last - counts.get(&(t, c)).map_or(1, |x| x.0) + 1))
            .collect();
        let mut out = Vec::with_capacity(batch.len());
        let n = batch.len();
        let (
            mut tenant,
            mut id,
            mut channel,
            mut author,
            mut content,
            mut card,
            mut reply,
            mut nonce,
            mut seq,
            mut at,
            mut d,
            mut mentions,
        ) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for nm in batch {
            let mut m = nm.message.clone();
            let ch = m.channel_id.0 as i64;
            let slot = next
                .get_mut(&(nm.tenant_id.0, ch))
                .ok_or(StoreError::NotFound)?;
            m.channel_seq = *slot as u64;
            *slot += 1;
            tenant.push(nm.tenant_id.0);
            id.push(m.id.0 as i64);
            channel.push(ch);
            author.push(m.author.id.0 as i64);
            content.push(m.content.clone());
            card.push(m.card.as_ref().and_then(|c| serde_json::to_string(c).ok()));
            reply.push(m.reply_to.map(|r| r.0 as i64));
            nonce.push(m.nonce.clone());
            seq.push(m.channel_seq as i64);
            at.push(nm.created_at);
            mentions.push(array_literal(&m.mentions));
            d.push(serde_json::to_string(&m).map_err(|e| StoreError::Other(e.to_string()))?);
            out.push(m);
        }
        sqlx::query(
            "INSERT INTO messages (tenant_id, id, channel_id, author_id, content, card, reply_to, nonce, channel_seq, created_at, mentions)
             SELECT t, i, c, a, body, card::jsonb, r, n, s, at, mm::bigint[]
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                         $7::bigint[], $8::text[], $9::bigint[], $10::timestamptz[], $11::text[])
               AS v(t, i, c, a, body, card, r, n, s, at, mm)",
        )
        .bind(&tenant)
        .bind(&id)
        .bind(&channel)
        .bind(&author)
        .bind(&content)
        .bind(&card)
        .bind(&reply)
        .bind(&nonce)
        .bind(&seq)
        .bind(&at)
        .bind(&mentions)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO channel_events (tenant_id, channel_id, seq, t, d, message_id)
             SELECT t, c, s, 'MESSAGE_CREATE', d, i
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[]) AS v(t, c, s, d, i)",
        )
        .bind(&tenant)
        .bind(&channel)
        .bind(&seq)
        .bind(&d)
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        // Outgoing webhooks subscribed to these channels, in the same transaction.
        Self::insert_message_outbox_tx(tx, &tenant, &id, &channel, &d).await?;
        Ok(out)
    }

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
