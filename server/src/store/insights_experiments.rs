//! Experiments of community insights (migration 0015): experiments with
//! their variants, per-partner assignments (stored on first exposure, never
//! changed) and conversions (once per partner and experiment, after the
//! assignment). Assignments and conversions write the partner's activity
//! entry in the same transaction; status moves are conditional on the
//! status they were checked against.

use super::activity::NewActivity;
use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// One experiment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExperimentRow {
    pub id: i64,
    pub name: String,
    pub hypothesis: String,
    /// `deal_won`, `course_completed` or `message_posted`.
    pub metric: String,
    /// For `message_posted`: the channel key counted.
    pub channel_key: Option<String>,
    /// `opt_in` or `automatic`.
    pub assignment: String,
    /// `[{name, weight}]`, the first is the control.
    pub variants: serde_json::Value,
    /// `draft`, `running`, `stopped` or `concluded`.
    pub status: String,
    pub winner: Option<String>,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub stopped_at: Option<OffsetDateTime>,
    pub concluded_at: Option<OffsetDateTime>,
}

/// An experiment to create (a draft).
#[derive(Debug, Clone)]
pub struct NewExperiment<'a> {
    pub id: i64,
    pub name: &'a str,
    pub hypothesis: &'a str,
    pub metric: &'a str,
    pub channel_key: Option<&'a str>,
    pub assignment: &'a str,
    pub variants: serde_json::Value,
    pub created_by: UserId,
}

/// A partner's assignment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssignmentRow {
    pub experiment_id: i64,
    pub partner_id: UserId,
    pub variant: String,
    pub assigned_at: OffsetDateTime,
    pub converted_at: Option<OffsetDateTime>,
}

/// Sample size and conversions of one variant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VariantCountRow {
    pub variant: String,
    pub n: i64,
    pub conversions: i64,
}

const COLS: &str =
    "id, name, hypothesis, metric, channel_key, assignment, variants, status, winner,
    created_by, created_at, started_at, stopped_at, concluded_at";

impl Store {
    /// Creates a draft; `Conflict("experiments_name")` for a name in use.
    pub async fn insert_experiment(
        &self,
        tenant_id: TenantId,
        e: &NewExperiment<'_>,
    ) -> Result<ExperimentRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(&format!(
            "INSERT INTO experiments (tenant_id, id, name, hypothesis, metric, channel_key, assignment, variants, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLS}"
        ))
        .bind(tenant_id)
        .bind(e.id)
        .bind(e.name)
        .bind(e.hypothesis)
        .bind(e.metric)
        .bind(e.channel_key)
        .bind(e.assignment)
        .bind(&e.variants)
        .bind(e.created_by)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One experiment, or `NotFound`.
    pub async fn fetch_experiment(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<ExperimentRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(&format!(
            "SELECT {COLS} FROM experiments WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Experiments newest first (of `status` when given), at most `limit`.
    pub async fn fetch_experiments(
        &self,
        tenant_id: TenantId,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ExperimentRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(&format!(
            "SELECT {COLS} FROM experiments WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
             ORDER BY id DESC LIMIT $3"
        ))
        .bind(tenant_id)
        .bind(status)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves an experiment from `from` to `to` (stamping the move's time,
    /// and `winner` when concluding); `None` when its status is no longer `from`.
    pub async fn update_experiment_status(
        &self,
        tenant_id: TenantId,
        id: i64,
        from: &str,
        to: &str,
        winner: Option<&str>,
    ) -> Result<Option<ExperimentRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(&format!(
            "UPDATE experiments SET status = $4,
                started_at = CASE WHEN $4 = 'running' THEN now() ELSE started_at END,
                stopped_at = CASE WHEN $4 = 'stopped' THEN now() ELSE stopped_at END,
                concluded_at = CASE WHEN $4 = 'concluded' THEN now() ELSE concluded_at END,
                winner = COALESCE($5, winner)
             WHERE tenant_id = $1 AND id = $2 AND status = $3 RETURNING {COLS}"
        ))
        .bind(tenant_id)
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(winner)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Stores `partner`'s assignment unless one exists, with its activity
    /// entry; answers the assignment (the existing one if any) and whether
    /// it is new.
    pub async fn insert_assignment(
        &self,
        tenant_id: TenantId,
        experiment_id: i64,
        partner: UserId,
        variant: &str,
        activity: &NewActivity<'_>,
    ) -> Result<(AssignmentRow, bool), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let new: Option<AssignmentRow> = sqlx::query_as(
            "INSERT INTO experiment_assignments (tenant_id, experiment_id, partner_id, variant)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING
             RETURNING experiment_id, partner_id, variant, assigned_at, converted_at",
        )
        .bind(tenant_id)
        .bind(experiment_id)
        .bind(partner)
        .bind(variant)
        .fetch_optional(&mut *tx)
        .await?;
        let r = match new {
            Some(row) => {
                Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
                (row, true)
            }
            None => {
                let row = sqlx::query_as(
                    "SELECT experiment_id, partner_id, variant, assigned_at, converted_at
                     FROM experiment_assignments WHERE tenant_id = $1 AND experiment_id = $2 AND partner_id = $3",
                )
                .bind(tenant_id)
                .bind(experiment_id)
                .bind(partner)
                .fetch_one(&mut *tx)
                .await?;
                (row, false)
            }
        };
        tx.commit().await?;
        Ok(r)
    }

    /// The partner's assignments in the given experiments.
    pub async fn fetch_assignments_of(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        experiment_ids: &[i64],
    ) -> Result<Vec<AssignmentRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT experiment_id, partner_id, variant, assigned_at, converted_at
             FROM experiment_assignments WHERE tenant_id = $1 AND partner_id = $2 AND experiment_id = ANY($3)",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(experiment_ids)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records a conversion of `partner` in every running experiment of
    /// `metric` (and `channel_key` for `message_posted`) they are assigned
    /// to and have not converted in yet, each with its activity entry
    /// (ids from `next_id`); answers the experiments that counted one.
    pub async fn update_conversions(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        metric: &str,
        channel_key: Option<&str>,
        mut next_id: impl FnMut() -> i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let hits: Vec<(i64, String, String)> = sqlx::query_as(
            "UPDATE experiment_assignments a SET converted_at = now()
             FROM experiments e
             WHERE a.tenant_id = $1 AND a.partner_id = $2 AND a.converted_at IS NULL
               AND e.tenant_id = a.tenant_id AND e.id = a.experiment_id AND e.status = 'running'
               AND e.metric = $3 AND ($4::text IS NULL OR e.channel_key = $4)
             RETURNING e.id, e.name, a.variant",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(metric)
        .bind(channel_key)
        .fetch_all(&mut *tx)
        .await?;
        for (id, name, variant) in &hits {
            let summary = format!("Converted in experiment “{name}” ({metric})");
            let a = NewActivity {
                id: next_id(),
                partner,
                actor: None,
                domain: "community-insights",
                verb: "experiment.converted",
                summary: &summary,
                data: serde_json::json!({ "experiment_id": id.to_string(), "variant": variant, "metric": metric }),
            };
            Self::insert_activity_tx(&mut tx, tenant_id, &a).await?;
        }
        tx.commit().await?;
        Ok(hits.into_iter().map(|(id, name, _)| (id, name)).collect())
    }

    /// Assigned partners and conversions per variant of an experiment.
    pub async fn fetch_variant_counts(
        &self,
        tenant_id: TenantId,
        experiment_id: i64,
    ) -> Result<Vec<VariantCountRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT variant, count(*) AS n, count(converted_at) AS conversions
             FROM experiment_assignments WHERE tenant_id = $1 AND experiment_id = $2 GROUP BY variant",
        )
        .bind(tenant_id)
        .bind(experiment_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Channel keys counted by running `message_posted` experiments, per tenant.
    pub async fn fetch_watched_channel_keys(&self) -> Result<Vec<(TenantId, String)>, StoreError> {
        let mut tx = self.system_tx().await?;
        let out = sqlx::query_as(
            "SELECT DISTINCT tenant_id, channel_key FROM experiments
             WHERE status = 'running' AND metric = 'message_posted' AND channel_key IS NOT NULL",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
