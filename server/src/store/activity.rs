//! The per-partner activity log (migration 0008): one entry per change a
//! domain makes to a partner's records, written in the change's own
//! transaction. Append-only (a trigger refuses UPDATE and DELETE).

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use sqlx::{Postgres, Transaction};

/// One entry to append: `partner` is whose log it goes to, `actor` who did
/// it (`None`: the system, e.g. an item ticked by an event).
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    /// A snowflake from the node's generator: orders the log.
    pub id: i64,
    pub partner: UserId,
    pub actor: Option<UserId>,
    /// The domain's name, e.g. `"activation"`.
    pub domain: &'a str,
    /// What happened, `<record>.<past tense>`, e.g. `"checklist.ticked"`.
    pub verb: &'a str,
    /// One sentence a person reads, e.g. "Ticked “Payout details”".
    pub summary: &'a str,
    /// Details for tools (ids, old and new status).
    pub data: serde_json::Value,
}

/// One entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: i64,
    pub partner_id: UserId,
    pub actor_id: Option<UserId>,
    pub domain: String,
    pub verb: String,
    pub summary: String,
    pub data: serde_json::Value,
    pub created_at: time::OffsetDateTime,
}

impl ActivityRow {
    /// The wire shape: `{id, partner_id, actor_id, domain, verb, summary,
    /// data, created_at}` with ids as decimal strings and an RFC 3339 time.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.to_string(),
            "partner_id": self.partner_id.to_string(),
            "actor_id": self.actor_id.map(|a| a.to_string()),
            "domain": self.domain,
            "verb": self.verb,
            "summary": self.summary,
            "data": self.data,
            "created_at": super::rfc3339(self.created_at),
        })
    }
}

impl Store {
    /// Appends `a` to the tenant's activity log inside the caller's
    /// transaction, so the entry commits with the change it describes.
    pub(crate) async fn insert_activity_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        a: &NewActivity<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO activity_log (tenant_id, id, partner_id, actor_id, domain, verb, summary, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant_id)
        .bind(a.id)
        .bind(a.partner)
        .bind(a.actor)
        .bind(a.domain)
        .bind(a.verb)
        .bind(a.summary)
        .bind(&a.data)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Appends one entry on its own (a change that has no other rows).
    pub async fn insert_activity(
        &self,
        tenant_id: TenantId,
        a: &NewActivity<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Entries newest first, older than `before` (a snowflake) when given,
    /// at most `limit`; one partner's when `partner` is given, else the
    /// whole program's. `domain` filters to one domain.
    pub async fn fetch_activity(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        domain: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ActivityRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, partner_id, actor_id, domain, verb, summary, data, created_at
             FROM activity_log
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2)
               AND ($3::text IS NULL OR domain = $3) AND ($4::bigint IS NULL OR id < $4)
             ORDER BY id DESC LIMIT $5",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(domain)
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
