//! The growth hub's referral tables (migration 0014): partners' referral
//! codes, de-duplicated click and visit counting (a salted hash of the
//! address, never the address), referred leads with their stage, and the
//! append-only rewards. Every change to a lead commits with its activity
//! entry; a stage move is conditional on the stage it was checked against.
//! Landing pages are in `growth_pages.rs`, campaigns in `growth_campaigns.rs`.

use super::activity::NewActivity;
use super::{Store, StoreError};
use crate::ids::{LandingPageId, LeadId, TenantId, UserId};
use time::OffsetDateTime;

/// One referral code.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub tenant_id: TenantId,
    pub id: i64,
    pub partner_id: UserId,
    pub code: String,
    /// The code's own redirect target; `None`: the program's.
    pub target: Option<String>,
    /// Counted clicks.
    pub clicks: i64,
    pub created_at: OffsetDateTime,
}

/// One referred lead.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadRow {
    pub id: LeadId,
    pub partner_id: UserId,
    /// `panel`, `api` or `landing_page`.
    pub source: String,
    pub page_id: Option<LandingPageId>,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub note: String,
    /// `referred`, `contacted`, `qualified`, `won` or `lost`.
    pub stage: String,
    /// The won deal's value, minor units of `currency`.
    pub value_minor: Option<i64>,
    pub currency: Option<String>,
    /// The won deal is recorded in revenue.
    pub deal_recorded: bool,
    pub created_at: OffsetDateTime,
    /// Last touched (created or moved).
    pub updated_at: OffsetDateTime,
}

/// A lead to store (fields validated by the domain).
#[derive(Debug, Clone)]
pub struct NewLead<'a> {
    pub id: LeadId,
    pub partner_id: UserId,
    pub source: &'a str,
    pub page_id: Option<LandingPageId>,
    pub name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub company: &'a str,
    pub note: &'a str,
}

/// A stage move to store: conditional on `from`.
#[derive(Debug, Clone)]
pub struct LeadMove<'a> {
    pub id: LeadId,
    pub from: &'a str,
    pub to: &'a str,
    /// Set when moving to won.
    pub value: Option<(i64, &'a str)>,
}

/// A reward earned as a lead reached a stage.
#[derive(Debug, Clone)]
pub struct NewReward<'a> {
    pub id: i64,
    pub stage: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

/// One reward as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RewardRow {
    pub id: i64,
    pub partner_id: UserId,
    pub lead_id: LeadId,
    pub stage: String,
    pub amount_minor: i64,
    pub currency: String,
    pub created_at: OffsetDateTime,
}

/// Per partner: counted clicks, leads, won leads, landing-page visits.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartnerFiguresRow {
    pub partner_id: UserId,
    pub clicks: i64,
    pub leads: i64,
    pub won: i64,
    pub visits: i64,
}

const CODE_COLS: &str = "tenant_id, id, partner_id, code, target, clicks, created_at";
const LEAD_COLS: &str = "id, partner_id, source, page_id, name, email, phone, company, note, stage, value_minor, currency, deal_recorded, created_at, updated_at";
const REWARD_COLS: &str = "id, partner_id, lead_id, stage, amount_minor, currency, created_at";

impl Store {
    /// Stores a referral code with its activity entry. A code already taken
    /// (in any tenant) is `Conflict("growth_codes_code")`.
    pub async fn insert_growth_code(
        &self,
        tenant_id: TenantId,
        id: i64,
        partner_id: UserId,
        code: &str,
        target: Option<&str>,
        activity: &NewActivity<'_>,
    ) -> Result<CodeRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO growth_codes (tenant_id, id, partner_id, code, target)
             VALUES ($1, $2, $3, $4, $5) RETURNING {CODE_COLS}"
        );
        let row: CodeRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(partner_id)
            .bind(code)
            .bind(target)
            .fetch_one(&mut *tx)
            .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The tenant's codes (one partner's with `partner`), oldest first, at most `limit`.
    pub async fn fetch_growth_codes(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<CodeRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {CODE_COLS} FROM growth_codes WHERE tenant_id = $1
             AND ($2::bigint IS NULL OR partner_id = $2) ORDER BY id LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The code `code` in whichever tenant holds it (public redirect), or `NotFound`.
    pub async fn fetch_growth_code_by_code(&self, code: &str) -> Result<CodeRow, StoreError> {
        let q = format!("SELECT {CODE_COLS} FROM growth_codes WHERE code = $1");
        let mut tx = self.system_tx().await?;
        let out = sqlx::query_as(&q).bind(code).fetch_one(&mut *tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Counts a hit of `visitor` (a salted hash) on a code (`kind` click)
    /// or a landing page (`kind` visit) unless the same visitor was counted
    /// on it within `window_s` seconds. Atomic: concurrent repeats count once.
    /// Answers whether this hit was counted.
    pub async fn update_growth_hit(
        &self,
        tenant_id: TenantId,
        kind: &str,
        subject_id: i64,
        visitor: &str,
        window_s: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let table = if kind == "click" {
            "growth_codes SET clicks = clicks + 1"
        } else {
            "growth_pages SET visits = visits + 1"
        };
        let q = format!(
            "WITH v AS (
               INSERT INTO growth_visitors (tenant_id, kind, subject_id, visitor)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (tenant_id, kind, subject_id, visitor) DO UPDATE SET counted_at = now()
               WHERE growth_visitors.counted_at < now() - make_interval(secs => $5)
               RETURNING 1)
             UPDATE {table} WHERE tenant_id = $1 AND id = $3 AND EXISTS (SELECT 1 FROM v)
             RETURNING id"
        );
        let row: Option<(i64,)> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(kind)
            .bind(subject_id)
            .bind(visitor)
            .bind(window_s as f64)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row.is_some())
    }

    /// Forgets visitors counted more than `older_than_s` seconds ago (every
    /// tenant): they would be counted again anyway. Answers how many.
    pub async fn delete_growth_visitors(&self, older_than_s: i64) -> Result<u64, StoreError> {
        let mut tx = self.system_tx().await?;
        let r = sqlx::query(
            "DELETE FROM growth_visitors WHERE counted_at < now() - make_interval(secs => $1)",
        )
        .bind(older_than_s as f64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(r.rows_affected())
    }

    /// Stores a lead with its activity entry.
    pub async fn insert_growth_lead(
        &self,
        tenant_id: TenantId,
        l: &NewLead<'_>,
        activity: &NewActivity<'_>,
    ) -> Result<LeadRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO growth_leads (tenant_id, id, partner_id, source, page_id, name, email, phone, company, note, stage)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'referred') RETURNING {LEAD_COLS}"
        );
        let row: LeadRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(l.id)
            .bind(l.partner_id)
            .bind(l.source)
            .bind(l.page_id)
            .bind(l.name)
            .bind(l.email)
            .bind(l.phone)
            .bind(l.company)
            .bind(l.note)
            .fetch_one(&mut *tx)
            .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The lead `id` of this tenant, or `NotFound`.
    pub async fn fetch_growth_lead(
        &self,
        tenant_id: TenantId,
        id: LeadId,
    ) -> Result<LeadRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {LEAD_COLS} FROM growth_leads WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Leads most recently touched first (one partner's with `partner`; one
    /// stage's with `stage`), at most `limit`.
    pub async fn fetch_growth_leads(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        stage: Option<&str>,
        limit: i64,
    ) -> Result<Vec<LeadRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {LEAD_COLS} FROM growth_leads WHERE tenant_id = $1
             AND ($2::bigint IS NULL OR partner_id = $2) AND ($3::text IS NULL OR stage = $3)
             ORDER BY updated_at DESC, id DESC LIMIT $4"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(stage)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves a lead from `m.from` to `m.to` with the rewards it earns (once
    /// per lead and stage) and its activity entry, in one transaction; won
    /// or lost also cancels the lead's pending campaign steps.
    /// `Conflict(stage)` naming the current stage when it is no longer `from`.
    pub async fn update_growth_lead_stage(
        &self,
        tenant_id: TenantId,
        m: &LeadMove<'_>,
        rewards: &[NewReward<'_>],
        activity: &NewActivity<'_>,
    ) -> Result<LeadRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE growth_leads SET stage = $4, updated_at = now(),
                 value_minor = COALESCE($5, value_minor), currency = COALESCE($6, currency)
             WHERE tenant_id = $1 AND id = $2 AND stage = $3 RETURNING {LEAD_COLS}"
        );
        let row: Option<LeadRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(m.id)
            .bind(m.from)
            .bind(m.to)
            .bind(m.value.map(|v| v.0))
            .bind(m.value.map(|v| v.1))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            let (now,): (String,) =
                sqlx::query_as("SELECT stage FROM growth_leads WHERE tenant_id = $1 AND id = $2")
                    .bind(tenant_id)
                    .bind(m.id)
                    .fetch_one(&mut *tx)
                    .await?;
            return Err(StoreError::Conflict(now));
        };
        if matches!(m.to, "won" | "lost") {
            // A decided lead gets no more outreach.
            sqlx::query(
                "UPDATE growth_step_runs SET status = 'cancelled', done_at = now()
                 WHERE tenant_id = $1 AND lead_id = $2 AND status = 'pending'",
            )
            .bind(tenant_id)
            .bind(m.id)
            .execute(&mut *tx)
            .await?;
        }
        for r in rewards {
            sqlx::query(
                "INSERT INTO growth_rewards (tenant_id, id, partner_id, lead_id, stage, amount_minor, currency)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, lead_id, stage) DO NOTHING",
            )
            .bind(tenant_id)
            .bind(r.id)
            .bind(row.partner_id)
            .bind(row.id)
            .bind(r.stage)
            .bind(r.amount_minor)
            .bind(r.currency)
            .execute(&mut *tx)
            .await?;
        }
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Marks a won lead's deal win as recorded in revenue.
    pub async fn update_growth_lead_recorded(
        &self,
        tenant_id: TenantId,
        id: LeadId,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE growth_leads SET deal_recorded = true WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Rewards newest first (one partner's with `partner`), at most `limit`.
    pub async fn fetch_growth_rewards(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<RewardRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {REWARD_COLS} FROM growth_rewards WHERE tenant_id = $1
             AND ($2::bigint IS NULL OR partner_id = $2) ORDER BY id DESC LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Reward totals per currency (one partner's with `partner`).
    pub async fn fetch_growth_reward_totals(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT currency, SUM(amount_minor)::bigint FROM growth_rewards WHERE tenant_id = $1
             AND ($2::bigint IS NULL OR partner_id = $2) GROUP BY currency ORDER BY currency",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Figures per partner who has a code, a lead or a page (one partner's
    /// with `partner`), at most `limit` partners, most leads first.
    pub async fn fetch_growth_figures(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<PartnerFiguresRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "WITH p AS (
                SELECT partner_id FROM growth_codes WHERE tenant_id = $1
                UNION SELECT partner_id FROM growth_leads WHERE tenant_id = $1
                UNION SELECT partner_id FROM growth_pages WHERE tenant_id = $1)
             SELECT p.partner_id,
               COALESCE((SELECT SUM(clicks) FROM growth_codes c WHERE c.tenant_id = $1 AND c.partner_id = p.partner_id), 0)::bigint AS clicks,
               (SELECT COUNT(*) FROM growth_leads l WHERE l.tenant_id = $1 AND l.partner_id = p.partner_id) AS leads,
               (SELECT COUNT(*) FROM growth_leads l WHERE l.tenant_id = $1 AND l.partner_id = p.partner_id AND l.stage = 'won') AS won,
               COALESCE((SELECT SUM(visits) FROM growth_pages g WHERE g.tenant_id = $1 AND g.partner_id = p.partner_id), 0)::bigint AS visits
             FROM p WHERE ($2::bigint IS NULL OR p.partner_id = $2)
             ORDER BY leads DESC, p.partner_id LIMIT $3",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
