//! Partner tier changes (issue 8): the member row, its audit entry, the
//! partner's activity entry and the `tier.changed` outgoing webhook, in one
//! transaction.

use super::{NewActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// One tier change to write.
#[derive(Debug, Clone)]
pub struct TierChange {
    pub partner: UserId,
    /// The tier the change expects the partner to have now (the change is
    /// refused with `Conflict` when another change came first).
    pub from: Option<String>,
    pub to: String,
    /// Staff who set it; `None`: the program's thresholds (the system).
    pub by: Option<UserId>,
    /// Why, e.g. "won 100,000.00 USD in the last 90 days".
    pub reason: String,
    /// Snowflakes for the audit and activity entries.
    pub audit_id: i64,
    pub activity_id: i64,
}

impl Store {
    /// Won revenue of one partner per currency for deals closed since
    /// `since` and not reversed: `(currency, amount_minor)`.
    pub async fn fetch_partner_won_since(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        since: OffsetDateTime,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT d.currency, sum(d.amount_minor)::bigint FROM deals d
             WHERE d.tenant_id = $1 AND d.partner_id = $2 AND d.closed_at >= $3
               AND NOT EXISTS (SELECT 1 FROM commission_ledger l WHERE l.tenant_id = d.tenant_id
                               AND l.deal_id = d.deal_id AND l.status = 'reversed')
             GROUP BY d.currency",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Applies `c`: the partner's tier (only if it is still `c.from`, else
    /// `Conflict("tier")`), an audit entry, an activity entry and the
    /// `tier.changed` event for webhook subscribers, committed together.
    pub async fn update_partner_tier(
        &self,
        tenant_id: TenantId,
        c: &TierChange,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let updated = sqlx::query(
            "UPDATE users SET tier = $4 WHERE tenant_id = $1 AND id = $2 AND role = 'partner'
               AND tier IS NOT DISTINCT FROM $3",
        )
        .bind(tenant_id)
        .bind(c.partner)
        .bind(c.from.as_deref())
        .bind(&c.to)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            return Err(StoreError::Conflict("tier".into()));
        }
        let actor = c.by.unwrap_or(UserId(0));
        let target = c.partner.to_string();
        Self::insert_audit_tx(
            &mut tx,
            tenant_id,
            c.audit_id,
            actor,
            "revenue.tier",
            &target,
        )
        .await?;
        let from = c.from.as_deref().unwrap_or("none");
        let summary = format!("Tier {from} → {}: {}", c.to, c.reason);
        let data = serde_json::json!({ "from": c.from, "to": c.to, "reason": c.reason });
        Self::insert_activity_tx(
            &mut tx,
            tenant_id,
            &NewActivity {
                id: c.activity_id,
                partner: c.partner,
                actor: c.by,
                domain: "revenue",
                verb: "tier.changed",
                summary: &summary,
                data: data.clone(),
            },
        )
        .await?;
        let payload = serde_json::json!({
            "partner_id": target, "from": c.from, "to": c.to, "reason": c.reason,
            "by": c.by.map(|b| b.to_string()), "at": super::rfc3339(OffsetDateTime::now_utc()),
        });
        Self::insert_outbox_tx(&mut tx, tenant_id, "tier.changed", &payload.to_string()).await?;
        tx.commit().await?;
        Ok(())
    }
}
