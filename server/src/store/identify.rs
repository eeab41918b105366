//! IDENTIFY's reads in one transaction: the member's row (token epoch,
//! role, tier, mute) and, once the session is subscribed, READY's heads and
//! read states. One pool checkout and three round trips on the IDENTIFY
//! path (plus one after it) instead of two checkouts and six (plus two):
//! issue 14 "Fast IDENTIFY".

use super::read_states::ready_heads;
use super::users::USER_COLS;
use super::{ReadyHead, Store, StoreError, UserRow};
use crate::ids::{ChannelId, TenantId, UserId};
use sqlx::{FromRow, Postgres, Row, Transaction};

/// A read-only transaction scoped to one tenant for one IDENTIFY. Each
/// statement sees what was committed before it started (READ COMMITTED),
/// so heads read after subscribing miss nothing committed before them.
/// Dropping it ends it: sqlx queues the ROLLBACK and sends it with the
/// pool's release check, off the IDENTIFY path (nothing was written).
pub struct IdentifyReads {
    tx: Transaction<'static, Postgres>,
    tenant_id: TenantId,
}

impl Store {
    /// Begins IDENTIFY's reads in `tenant_id` (one round trip).
    /// Errors: the pool or Postgres ([`StoreError::Unavailable`], [`StoreError::Other`]).
    pub async fn identify_reads(&self, tenant_id: TenantId) -> Result<IdentifyReads, StoreError> {
        Ok(IdentifyReads {
            tx: self.tenant_tx(tenant_id).await?,
            tenant_id,
        })
    }
}

impl IdentifyReads {
    /// The member's row, as [`Store::fetch_user`] reads it, and whether
    /// their welcome in #welcome is settled (a claim that was posted, or
    /// one from before claims: [`crate::domains::activation::welcome`]),
    /// so that IDENTIFY asks the activation actor only for members who may
    /// still need it. Errors: [`StoreError::NotFound`] when the tenant has
    /// no such member.
    pub async fn user(&mut self, id: UserId) -> Result<(UserRow, bool), StoreError> {
        let q = format!(
            "SELECT {USER_COLS}, EXISTS (SELECT 1 FROM activation_welcomes w
                 WHERE w.tenant_id = $1 AND w.partner_id = $2
                   AND (w.message_id IS NULL OR w.posted_at IS NOT NULL)) AS welcomed
             FROM users WHERE tenant_id = $1 AND id = $2"
        );
        let row = sqlx::query(&q)
            .bind(self.tenant_id)
            .bind(id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok((UserRow::from_row(&row)?, row.try_get("welcomed")?))
    }

    /// READY's heads and `user_id`'s read states for `channel_ids`, as
    /// [`Store::fetch_ready_heads`] reads them (one row per existing channel).
    pub async fn heads(
        &mut self,
        user_id: UserId,
        channel_ids: &[ChannelId],
    ) -> Result<Vec<ReadyHead>, StoreError> {
        ready_heads(&mut self.tx, self.tenant_id, user_id, channel_ids).await
    }
}
