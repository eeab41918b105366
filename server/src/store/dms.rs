//! Direct messages and mentions: DM channels (kind `dm`, one per pair of
//! members), the members' DM preference, and the member lookups mentions
//! and `dm.open` need.

use super::channels::CHANNEL_COLS;
use super::{ChannelRow, Store, StoreError, UserRow};
use crate::ids::{ChannelId, TenantId, UserId};

impl Store {
    /// The DM channel with `key` (`dm:{low id}:{high id}`), created with
    /// `id`, `name` and the two members' `rule` (read and post) unless it
    /// exists; returns the stored row either way (an existing channel keeps
    /// its id). Concurrent opens of one pair create it once (the key is
    /// unique per tenant).
    pub async fn insert_dm_channel(
        &self,
        tenant_id: TenantId,
        id: ChannelId,
        key: &str,
        name: &str,
        rule: &[String],
    ) -> Result<ChannelRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO channels (tenant_id, id, key, name, category, kind, position, read_rule, post_rule)
             VALUES ($1, $2, $3, $4, 'dm', 'dm', 0, $5, $5)
             ON CONFLICT ON CONSTRAINT channels_key_unique DO NOTHING",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(key)
        .bind(name)
        .bind(rule)
        .execute(&mut *tx)
        .await?;
        let q = format!("SELECT {CHANNEL_COLS} FROM channels WHERE tenant_id = $1 AND key = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Writes the member's new display name into the stored names of their
    /// DM channels (each holds both members' names, the lower id's first,
    /// split by U+001F); returns the channels changed.
    pub async fn rename_in_dms(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        display_name: &str,
    ) -> Result<Vec<ChannelRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE channels SET name = CASE WHEN key LIKE 'dm:' || $2 || ':%'
                    THEN $3 || chr(31) || split_part(name, chr(31), 2)
                    ELSE split_part(name, chr(31), 1) || chr(31) || $3 END
              WHERE tenant_id = $1 AND kind = 'dm'
                AND (key LIKE 'dm:' || $2 || ':%' OR key LIKE 'dm:%:' || $2)
              RETURNING {CHANNEL_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(user_id.0.to_string())
            .bind(display_name)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One channel by id (any kind, archived or not), or `NotFound`.
    pub async fn fetch_channel(
        &self,
        tenant_id: TenantId,
        id: ChannelId,
    ) -> Result<ChannelRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {CHANNEL_COLS} FROM channels WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Does the member take DMs opened by other partners? `NotFound` for no such member.
    pub async fn fetch_allows_partner_dms(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "SELECT allow_partner_dms FROM users WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Sets whether the member takes DMs opened by other partners.
    pub async fn update_allows_partner_dms(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        allow: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let r =
            sqlx::query("UPDATE users SET allow_partner_dms = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant_id)
                .bind(user_id)
                .bind(allow)
                .execute(&mut *tx)
                .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    /// The members of the tenant among `ids` (unknown ids are left out), for
    /// checking mentions.
    pub async fn fetch_users_by_ids(
        &self,
        tenant_id: TenantId,
        ids: &[i64],
    ) -> Result<Vec<UserRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {} FROM users WHERE tenant_id = $1 AND id = ANY($2)",
            super::users::USER_COLS
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(ids)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }
}
