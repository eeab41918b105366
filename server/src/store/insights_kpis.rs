//! KPI reads for community insights, read-only over other domains' tables:
//! `messages` and `activity_log` (activity), `deals` (revenue, 0003),
//! `clients` and `opportunities` (client-exchange, 0010),
//! `course_completions` (enablement, 0011) and `support_cases` (support,
//! 0012). Every read takes a [`KpiScope`]: the partners it covers.
//!
//! Bind order of every query: $1 tenant, $2 period start, $3 period end
//! (exclusive), $4 tier, $5 industry, $6 one partner; the two that count
//! messages then the readable channels (`$7` counts, `$8` series).

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::{Date, OffsetDateTime};

/// Which partners the figures cover: all partners when every part is
/// `None`; else partners of `tier`, owning a client in `industry` (its
/// pipeline: clients in that industry), and/or one `partner`.
#[derive(Debug, Clone, Copy, Default)]
pub struct KpiScope<'a> {
    pub tier: Option<&'a str>,
    pub industry: Option<&'a str>,
    pub partner: Option<UserId>,
    /// The channels whose messages count (message totals and activity): the
    /// viewer's readable ones, so a hidden channel's traffic does not show
    /// (issue 12 item 7). `None`: every channel (staff, snapshots).
    pub channels: Option<&'a [i64]>,
}

/// Counts over a period.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct KpiCounts {
    /// Partners in scope.
    pub partners: i64,
    /// Partners in scope who posted a message or made a recorded change
    /// (an activity-log entry they acted in) during the period.
    pub active_partners: i64,
    /// The same over the 30 days ending at the period's end.
    pub active_partners_30d: i64,
    /// Messages posted in the period (all members' unless the scope is
    /// filtered: then the scope's partners').
    pub messages: i64,
    /// Deal wins closed in the period.
    pub deal_wins: i64,
    /// Courses completed in the period.
    pub course_completions: i64,
    /// Support cases open or pending now, opened before the period's end.
    pub open_cases: i64,
}

/// An amount per currency.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MoneyRow {
    pub currency: String,
    pub amount_minor: i64,
}

/// Opportunities per pipeline stage.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StageRow {
    pub stage: String,
    pub n: i64,
}

/// One value of one daily series: `metric` is `messages`, `active`,
/// `deal_wins`, `revenue` (with `currency`) or `completions`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeriesRow {
    pub day: Date,
    pub metric: String,
    pub currency: Option<String>,
    pub value: i64,
}

const SCOPE: &str = "scope AS (
    SELECT u.id FROM users u
    WHERE u.tenant_id = $1 AND u.role = 'partner'
      AND ($4::text IS NULL OR u.tier = $4)
      AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM clients c WHERE c.tenant_id = $1
            AND c.owner_id = u.id AND lower(c.industry) = lower($5)))
      AND ($6::bigint IS NULL OR u.id = $6)),
  filtered AS (SELECT ($4::text IS NOT NULL OR $5::text IS NOT NULL OR $6::bigint IS NOT NULL) AS is_on)";

impl Store {
    /// The counts of [`KpiCounts`] over `[from, to)`.
    pub async fn fetch_kpi_counts(
        &self,
        tenant_id: TenantId,
        from: OffsetDateTime,
        to: OffsetDateTime,
        scope: KpiScope<'_>,
    ) -> Result<KpiCounts, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let sql = format!(
            "WITH {SCOPE},
             acts AS (
               SELECT author_id AS p, created_at FROM messages
               WHERE tenant_id = $1 AND deleted_at IS NULL AND created_at >= $3 - interval '30 days'
                 AND created_at < $3 AND author_id IN (SELECT id FROM scope)
                 AND ($7::bigint[] IS NULL OR channel_id = ANY($7))
               UNION ALL
               SELECT actor_id, created_at FROM activity_log
               WHERE tenant_id = $1 AND created_at >= $3 - interval '30 days' AND created_at < $3
                 AND actor_id IN (SELECT id FROM scope))
             SELECT
               (SELECT count(*) FROM scope) AS partners,
               (SELECT count(DISTINCT p) FROM acts WHERE created_at >= $2) AS active_partners,
               (SELECT count(DISTINCT p) FROM acts) AS active_partners_30d,
               (SELECT count(*) FROM messages WHERE tenant_id = $1 AND deleted_at IS NULL
                  AND created_at >= $2 AND created_at < $3
                  AND ($7::bigint[] IS NULL OR channel_id = ANY($7))
                  AND (NOT (SELECT is_on FROM filtered) OR author_id IN (SELECT id FROM scope))) AS messages,
               (SELECT count(*) FROM deals WHERE tenant_id = $1 AND closed_at >= $2 AND closed_at < $3
                  AND partner_id IN (SELECT id FROM scope)) AS deal_wins,
               (SELECT count(*) FROM course_completions WHERE tenant_id = $1
                  AND completed_at >= $2 AND completed_at < $3
                  AND partner_id IN (SELECT id FROM scope)) AS course_completions,
               (SELECT count(*) FROM support_cases WHERE tenant_id = $1 AND status IN ('open', 'pending')
                  AND created_at < $3 AND author_id IN (SELECT id FROM scope)) AS open_cases"
        );
        let out = sqlx::query_as(&sql)
            .bind(tenant_id)
            .bind(from)
            .bind(to)
            .bind(scope.tier)
            .bind(scope.industry)
            .bind(scope.partner)
            .bind(scope.channels)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Revenue of deal wins closed in `[from, to)` per currency (minor units).
    pub async fn fetch_kpi_revenue(
        &self,
        tenant_id: TenantId,
        from: OffsetDateTime,
        to: OffsetDateTime,
        scope: KpiScope<'_>,
    ) -> Result<Vec<MoneyRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let sql = format!(
            "WITH {SCOPE}
             SELECT currency, sum(amount_minor)::bigint AS amount_minor FROM deals
             WHERE tenant_id = $1 AND closed_at >= $2 AND closed_at < $3
               AND partner_id IN (SELECT id FROM scope)
             GROUP BY currency ORDER BY currency"
        );
        let out = sqlx::query_as(&sql)
            .bind(tenant_id)
            .bind(from)
            .bind(to)
            .bind(scope.tier)
            .bind(scope.industry)
            .bind(scope.partner)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The open pipeline now (opportunities not won or lost) per currency.
    /// Unfiltered it includes clients not assigned to a partner; with an
    /// industry, only clients of that industry.
    pub async fn fetch_kpi_pipeline(
        &self,
        tenant_id: TenantId,
        scope: KpiScope<'_>,
    ) -> Result<Vec<MoneyRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let sql = format!(
            "WITH {SCOPE}
             SELECT o.currency, sum(o.amount_minor)::bigint AS amount_minor
             FROM opportunities o JOIN clients c ON c.tenant_id = o.tenant_id AND c.id = o.client_id
             WHERE o.tenant_id = $1 AND o.stage NOT IN ('won', 'lost') AND $2::timestamptz <= $3
               AND ($5::text IS NULL OR lower(c.industry) = lower($5))
               AND (NOT (SELECT is_on FROM filtered) OR c.owner_id IN (SELECT id FROM scope))
             GROUP BY o.currency ORDER BY o.currency"
        );
        // $2 and $3 (the period) do not apply to the pipeline, which is as
        // it stands now; they are bound to keep the scope's numbering.
        let now = OffsetDateTime::now_utc();
        let out = sqlx::query_as(&sql)
            .bind(tenant_id)
            .bind(now)
            .bind(now)
            .bind(scope.tier)
            .bind(scope.industry)
            .bind(scope.partner)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Opportunities per stage now (the pipeline funnel), same scope as
    /// [`Store::fetch_kpi_pipeline`] but with won and lost included.
    pub async fn fetch_kpi_stages(
        &self,
        tenant_id: TenantId,
        scope: KpiScope<'_>,
    ) -> Result<Vec<StageRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let sql = format!(
            "WITH {SCOPE}
             SELECT o.stage, count(*) AS n
             FROM opportunities o JOIN clients c ON c.tenant_id = o.tenant_id AND c.id = o.client_id
             WHERE o.tenant_id = $1 AND $2::timestamptz <= $3
               AND ($5::text IS NULL OR lower(c.industry) = lower($5))
               AND (NOT (SELECT is_on FROM filtered) OR c.owner_id IN (SELECT id FROM scope))
             GROUP BY o.stage"
        );
        // $2 and $3 (the period) do not apply to the pipeline, which is as
        // it stands now; they are bound to keep the scope's numbering.
        let now = OffsetDateTime::now_utc();
        let out = sqlx::query_as(&sql)
            .bind(tenant_id)
            .bind(now)
            .bind(now)
            .bind(scope.tier)
            .bind(scope.industry)
            .bind(scope.partner)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Daily series over `[from, to)`, days in time zone `tz` (an IANA
    /// name Postgres knows): messages, active partners, deal wins, revenue
    /// per currency and course completions. Days without data are absent.
    pub async fn fetch_kpi_series(
        &self,
        tenant_id: TenantId,
        from: OffsetDateTime,
        to: OffsetDateTime,
        tz: &str,
        scope: KpiScope<'_>,
    ) -> Result<Vec<SeriesRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let sql = format!(
            "WITH {SCOPE}
             SELECT (created_at AT TIME ZONE $7)::date AS day, 'messages' AS metric, NULL::text AS currency, count(*) AS value
             FROM messages WHERE tenant_id = $1 AND deleted_at IS NULL AND created_at >= $2 AND created_at < $3
               AND ($8::bigint[] IS NULL OR channel_id = ANY($8))
               AND (NOT (SELECT is_on FROM filtered) OR author_id IN (SELECT id FROM scope))
             GROUP BY 1
             UNION ALL
             SELECT day, 'active', NULL, count(DISTINCT p) FROM (
               SELECT (created_at AT TIME ZONE $7)::date AS day, author_id AS p FROM messages
               WHERE tenant_id = $1 AND deleted_at IS NULL AND created_at >= $2 AND created_at < $3
                 AND author_id IN (SELECT id FROM scope)
                 AND ($8::bigint[] IS NULL OR channel_id = ANY($8))
               UNION ALL
               SELECT (created_at AT TIME ZONE $7)::date, actor_id FROM activity_log
               WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3
                 AND actor_id IN (SELECT id FROM scope)) a GROUP BY day
             UNION ALL
             SELECT (closed_at AT TIME ZONE $7)::date, 'deal_wins', NULL, count(*) FROM deals
             WHERE tenant_id = $1 AND closed_at >= $2 AND closed_at < $3 AND partner_id IN (SELECT id FROM scope)
             GROUP BY 1
             UNION ALL
             SELECT (closed_at AT TIME ZONE $7)::date, 'revenue', currency, sum(amount_minor)::bigint FROM deals
             WHERE tenant_id = $1 AND closed_at >= $2 AND closed_at < $3 AND partner_id IN (SELECT id FROM scope)
             GROUP BY 1, 3
             UNION ALL
             SELECT (completed_at AT TIME ZONE $7)::date, 'completions', NULL, count(*) FROM course_completions
             WHERE tenant_id = $1 AND completed_at >= $2 AND completed_at < $3 AND partner_id IN (SELECT id FROM scope)
             GROUP BY 1"
        );
        let out = sqlx::query_as(&sql)
            .bind(tenant_id)
            .bind(from)
            .bind(to)
            .bind(scope.tier)
            .bind(scope.industry)
            .bind(scope.partner)
            .bind(tz)
            .bind(scope.channels)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The industries of the tenant's clients (the dashboard's filter options), at most 100.
    pub async fn fetch_client_industries(
        &self,
        tenant_id: TenantId,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "SELECT DISTINCT industry FROM clients WHERE tenant_id = $1 ORDER BY industry LIMIT 100",
        )
        .bind(tenant_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
