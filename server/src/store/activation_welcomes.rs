//! Welcome claims of the activation domain (migration 0009): one welcome
//! post per partner, its message id reserved before the post.

use super::{NewActivity, Store, StoreError};
use crate::ids::{MessageId, TenantId, UserId};
use time::OffsetDateTime;

/// A partner's welcome claim: `message_id` reserved for the post (None: a
/// member welcomed before the claims existed), `posted_at` once it is posted.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WelcomeRow {
    pub message_id: Option<MessageId>,
    pub posted_at: Option<OffsetDateTime>,
}

impl Store {
    /// Claims `partner`'s welcome, reserving `candidate` as its message id
    /// and writing `activity`, unless a claim exists: then that claim,
    /// unchanged. The primary key makes one claim win across nodes.
    pub async fn insert_welcome_claim(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        candidate: MessageId,
        activity: &NewActivity<'_>,
    ) -> Result<WelcomeRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let new: Option<WelcomeRow> = sqlx::query_as(
            "INSERT INTO activation_welcomes (tenant_id, partner_id, message_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING RETURNING message_id, posted_at",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(candidate)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = new {
            Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
            tx.commit().await?;
            return Ok(row);
        }
        // Claimed before: read that claim in the same transaction.
        let row = sqlx::query_as(
            "SELECT message_id, posted_at FROM activation_welcomes WHERE tenant_id = $1 AND partner_id = $2",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Marks `partner`'s welcome as posted.
    pub async fn update_welcome_posted(
        &self,
        tenant_id: TenantId,
        partner: UserId,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE activation_welcomes SET posted_at = COALESCE(posted_at, now())
             WHERE tenant_id = $1 AND partner_id = $2",
        )
        .bind(tenant_id)
        .bind(partner)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks partners as already welcomed without a post (seeded members,
    /// whose welcome is part of the seeded history): those in `only`, or
    /// every partner of the tenant; idempotent.
    pub async fn insert_welcomes_for_partners(
        &self,
        tenant_id: TenantId,
        only: Option<&[UserId]>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let only: Option<Vec<i64>> = only.map(|ids| ids.iter().map(|u| u.0).collect());
        sqlx::query(
            "INSERT INTO activation_welcomes (tenant_id, partner_id, posted_at)
             SELECT tenant_id, id, now() FROM users
             WHERE tenant_id = $1 AND role = 'partner' AND ($2::bigint[] IS NULL OR id = ANY($2))
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant_id)
        .bind(only)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
