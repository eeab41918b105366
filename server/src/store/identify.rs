//! IDENTIFY's reads, batched over concurrent IDENTIFYs of one tenant
//! (issue 14 "Fast IDENTIFY": Postgres only for per-member data, batched).
//! [`crate::gateway::loader`] collects the requests; each batch is one
//! read-only transaction scoped to the tenant and one statement per kind,
//! so a ramp of IDENTIFYs costs Postgres a few round trips per batch, not
//! three per session.

use super::read_states::ReadyHead;
use super::users::USER_COLS;
use super::{Store, StoreError, UserRow};
use crate::ids::{ChannelId, TenantId, UserId};
use sqlx::{FromRow, Row};
use std::collections::HashMap;

/// A member's row as IDENTIFY needs it, and whether their welcome in
/// #welcome is settled (a claim that was posted, or one from before claims:
/// [`crate::domains::activation::welcome`]), so that IDENTIFY asks the
/// activation actor only for members who may still need it.
#[derive(Debug, Clone)]
pub struct MemberRead {
    pub user: UserRow,
    pub welcomed: bool,
}

/// One IDENTIFY's channels whose heads READY needs, for `user_id`.
#[derive(Debug, Clone)]
pub struct HeadsRequest {
    pub user_id: UserId,
    pub channels: Vec<ChannelId>,
}

impl Store {
    /// The rows of `users` in `tenant_id` (one statement), by id; a member
    /// the tenant does not have is absent. Errors: the pool or Postgres
    /// ([`StoreError::Unavailable`], [`StoreError::Other`]).
    pub async fn identify_members(
        &self,
        tenant_id: TenantId,
        users: &[UserId],
    ) -> Result<HashMap<UserId, MemberRead>, StoreError> {
        let q = format!(
            "SELECT {USER_COLS}, EXISTS (SELECT 1 FROM activation_welcomes w
                 WHERE w.tenant_id = $1 AND w.partner_id = users.id
                   AND (w.message_id IS NULL OR w.posted_at IS NOT NULL)) AS welcomed
             FROM users WHERE tenant_id = $1 AND id = ANY($2)"
        );
        let mut tx = self.tenant_tx(tenant_id).await?;
        let rows = sqlx::query(&q)
            .bind(tenant_id)
            .bind(users)
            .fetch_all(&mut *tx)
            .await?;
        // Read only: dropping the transaction rolls it back with the pool's
        // release check, off the caller's path.
        drop(tx);
        let mut out = HashMap::with_capacity(rows.len());
        for row in rows {
            let user = UserRow::from_row(&row)?;
            let welcomed = row.try_get("welcomed")?;
            out.insert(user.id, MemberRead { user, welcomed });
        }
        Ok(out)
    }

    /// READY's heads and read states for each request (one statement for
    /// all of them): per request, one row per existing channel, as
    /// [`Store::fetch_ready_heads`] reads them. Errors: as
    /// [`Store::identify_members`].
    pub async fn identify_heads(
        &self,
        tenant_id: TenantId,
        requests: &[HeadsRequest],
    ) -> Result<Vec<Vec<ReadyHead>>, StoreError> {
        let mut idx: Vec<i32> = Vec::new();
        let mut users: Vec<UserId> = Vec::new();
        let mut channels: Vec<ChannelId> = Vec::new();
        for (i, r) in requests.iter().enumerate() {
            let i = i32::try_from(i).map_err(|_| StoreError::Other("batch too large".into()))?;
            for &c in &r.channels {
                idx.push(i);
                users.push(r.user_id);
                channels.push(c);
            }
        }
        let mut tx = self.tenant_tx(tenant_id).await?;
        let rows = sqlx::query(BATCH_HEADS)
            .bind(tenant_id)
            .bind(&idx)
            .bind(&users)
            .bind(&channels)
            .fetch_all(&mut *tx)
            .await?;
        drop(tx);
        let mut out: Vec<Vec<ReadyHead>> = requests
            .iter()
            .map(|r| Vec::with_capacity(r.channels.len()))
            .collect();
        for row in rows {
            let i: i32 = row.try_get("idx")?;
            let head = ReadyHead::from_row(&row)?;
            if let Some(v) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                v.push(head);
            }
        }
        Ok(out)
    }
}

/// Per requested (request `idx`, member `user_id`, channel `channel_id`):
/// the channel's head and the member's read marker, unread and mention
/// counts (each capped at 100) in tenant `$1`.
const BATCH_HEADS: &str = "SELECT r.idx, c.id, c.last_seq, c.last_message_id, rs.last_read_id,
        CASE WHEN c.last_message_id IS NULL OR c.last_message_id <= COALESCE(rs.last_read_id, 0) THEN 0
        ELSE (SELECT count(*) FROM (SELECT 1 FROM messages m
              WHERE m.tenant_id = $1 AND m.channel_id = c.id AND m.deleted_at IS NULL
                AND m.author_id <> r.user_id AND m.id > COALESCE(rs.last_read_id, 0) LIMIT 100) x)
        END AS unread,
        CASE WHEN c.last_message_id IS NULL OR c.last_message_id <= COALESCE(rs.last_read_id, 0) THEN 0
        ELSE (SELECT count(*) FROM (SELECT 1 FROM messages m
              WHERE m.tenant_id = $1 AND m.channel_id = c.id AND m.deleted_at IS NULL
                AND m.mentions <> '{}' AND m.mentions @> ARRAY[r.user_id]
                AND m.author_id <> r.user_id AND m.id > COALESCE(rs.last_read_id, 0) LIMIT 100) x)
        END AS mentions
 FROM unnest($2::int[], $3::bigint[], $4::bigint[]) AS r(idx, user_id, channel_id)
 JOIN channels c ON c.tenant_id = $1 AND c.id = r.channel_id
 LEFT JOIN read_states rs ON rs.tenant_id = $1 AND rs.user_id = r.user_id AND rs.channel_id = c.id";
