//! Opportunities of the client-exchange pipeline (migration 0010). An
//! opportunity belongs to a client; its partner is the client's owner. A
//! stage change is a conditional update (`WHERE stage = from`), so two
//! moves of one opportunity never both apply, on any number of nodes.

use super::{NewActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// An opportunity with its client's owner, name and industry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpportunityRow {
    pub id: i64,
    pub client_id: i64,
    pub title: String,
    /// `prospect`, `qualified`, `proposal`, `negotiation`, `won` or `lost`.
    pub stage: String,
    pub amount_minor: i64,
    pub currency: String,
    /// Who won it and the client's name then (set on the move to won).
    pub won_partner: Option<UserId>,
    pub won_client: Option<String>,
    /// The revenue domain recorded its deal win.
    pub deal_recorded: bool,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The client's owner (the opportunity's partner), if assigned.
    pub owner_id: Option<UserId>,
    pub client_name: String,
    pub industry: String,
}

/// An opportunity to create.
#[derive(Debug, Clone)]
pub struct NewOpportunity {
    pub id: i64,
    pub client_id: i64,
    pub title: String,
    pub stage: &'static str,
    pub amount_minor: i64,
    pub currency: String,
    pub created_by: UserId,
}

const OPP_SELECT: &str =
    "SELECT o.id, o.client_id, o.title, o.stage, o.amount_minor, o.currency, o.won_partner,
        o.won_client, o.deal_recorded, o.created_by, o.created_at, o.updated_at,
        c.owner_id, c.name AS client_name, c.industry
    FROM opportunities o JOIN clients c ON c.tenant_id = o.tenant_id AND c.id = o.client_id";

impl Store {
    /// Inserts an opportunity with its activity entry, if any; `None` when
    /// the client already has one of that title and `if_absent` (the seed).
    pub async fn insert_opportunity(
        &self,
        tenant_id: TenantId,
        o: &NewOpportunity,
        activity: Option<&NewActivity<'_>>,
        if_absent: bool,
    ) -> Result<Option<OpportunityRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = if if_absent {
            "INSERT INTO opportunities (tenant_id, id, client_id, title, stage, amount_minor, currency, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id"
        } else {
            "INSERT INTO opportunities (tenant_id, id, client_id, title, stage, amount_minor, currency, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        };
        let made: Option<i64> = sqlx::query_scalar(q)
            .bind(tenant_id)
            .bind(o.id)
            .bind(o.client_id)
            .bind(&o.title)
            .bind(o.stage)
            .bind(o.amount_minor)
            .bind(&o.currency)
            .bind(o.created_by)
            .fetch_optional(&mut *tx)
            .await?;
        if made.is_none() {
            return Ok(None);
        }
        if let Some(a) = activity {
            Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        }
        tx.commit().await?;
        self.fetch_opportunity(tenant_id, o.id).await
    }

    /// The opportunity with this id, if any.
    pub async fn fetch_opportunity(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<OpportunityRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("{OPP_SELECT} WHERE o.tenant_id = $1 AND o.id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Opportunities, newest first, at most `limit`: of one partner's clients
    /// when `owner` is given, else all.
    pub async fn fetch_opportunities(
        &self,
        tenant_id: TenantId,
        owner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<OpportunityRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "{OPP_SELECT} WHERE o.tenant_id = $1 AND ($2::bigint IS NULL OR c.owner_id = $2)
             ORDER BY o.id DESC LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(owner)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves an opportunity from stage `from` to `to` with its activity
    /// entry; `won` (partner, client name) is kept on a move to won.
    /// `Conflict("stage")` when it is no longer in `from`.
    pub async fn update_opportunity_stage(
        &self,
        tenant_id: TenantId,
        id: i64,
        from: &str,
        to: &str,
        won: Option<(UserId, &str)>,
        activity: Option<&NewActivity<'_>>,
    ) -> Result<OpportunityRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let moved: Option<i64> = sqlx::query_scalar(
            "UPDATE opportunities SET stage = $4, updated_at = now(),
                    won_partner = COALESCE($5, won_partner), won_client = COALESCE($6, won_client)
             WHERE tenant_id = $1 AND id = $2 AND stage = $3 RETURNING id",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(won.map(|w| w.0))
        .bind(won.map(|w| w.1))
        .fetch_optional(&mut *tx)
        .await?;
        if moved.is_none() {
            return Err(StoreError::Conflict("stage".into()));
        }
        if let Some(a) = activity {
            Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        }
        tx.commit().await?;
        self.fetch_opportunity(tenant_id, id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Marks a won opportunity's deal win as recorded by the revenue domain.
    pub async fn update_opportunity_recorded(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE opportunities SET deal_recorded = true WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
