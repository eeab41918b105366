//! Outreach campaigns (migration 0014): campaigns and their ordered steps,
//! enrollments of leads, and step runs (the step as it was at enrollment,
//! due at enrollment + its day offset). The scheduler claims due runs with
//! `FOR UPDATE SKIP LOCKED`, so several nodes never emit one twice, and
//! queues `campaign.step_due` in the transaction that marks the run emitted.

use super::activity::NewActivity;
use super::{Store, StoreError};
use crate::ids::{CampaignId, LeadId, StepRunId, TenantId, UserId};
use time::OffsetDateTime;

/// One campaign.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: CampaignId,
    /// The partner (or staff member) who built it.
    pub owner_id: UserId,
    pub name: String,
    pub created_at: OffsetDateTime,
}

/// One step of a campaign.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    pub campaign_id: CampaignId,
    /// 1, 2, … in order.
    pub position: i32,
    /// `email` or `sms`.
    pub channel: String,
    /// Days after enrollment, ≥ 0.
    pub day_offset: i32,
    /// Email subject template ("" for SMS).
    pub subject: String,
    /// The script template with `{{lead.name}}`-style placeholders.
    pub template: String,
}

/// A live enrollment with its lead and its next pending step.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EnrollmentRow {
    pub id: i64,
    pub campaign_id: CampaignId,
    pub lead_id: LeadId,
    pub lead_name: String,
    pub enrolled_at: OffsetDateTime,
    pub next_position: Option<i32>,
    pub next_due_at: Option<OffsetDateTime>,
    /// Runs sent, failed, emitted (awaiting the tool's answer).
    pub sent: i64,
    pub failed: i64,
    pub emitted: i64,
}

/// One step run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunRow {
    pub tenant_id: TenantId,
    pub id: StepRunId,
    pub campaign_id: CampaignId,
    pub lead_id: LeadId,
    pub position: i32,
    /// `pending`, `emitted`, `sent`, `failed` or `cancelled`.
    pub status: String,
    pub detail: String,
    pub due_at: OffsetDateTime,
}

/// A due run with what rendering it needs (claimed by the scheduler).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueRunRow {
    pub tenant_id: TenantId,
    pub id: StepRunId,
    pub campaign_id: CampaignId,
    pub campaign_name: String,
    pub lead_id: LeadId,
    pub position: i32,
    pub channel: String,
    pub subject: String,
    pub template: String,
    pub due_at: OffsetDateTime,
    pub lead_name: String,
    pub lead_email: String,
    pub lead_phone: String,
    pub lead_company: String,
    pub partner_id: UserId,
    pub partner_name: String,
}

/// What the scheduler writes for one due run: the event data and the
/// partner's activity entry (its id and summary; verb `campaign.step_emitted`).
#[derive(Debug, Clone)]
pub struct EmitRun {
    /// `campaign.step_due` data, JSON text.
    pub payload: String,
    pub activity_id: i64,
    pub summary: String,
}

const CAMPAIGN_COLS: &str = "id, owner_id, name, created_at";
const STEP_COLS: &str = "campaign_id, position, channel, day_offset, subject, template";
const RUN_COLS: &str = "tenant_id, id, campaign_id, lead_id, position, status, detail, due_at";

impl Store {
    /// Stores a campaign (no steps yet) with its activity entry.
    pub async fn insert_growth_campaign(
        &self,
        tenant_id: TenantId,
        id: CampaignId,
        owner_id: UserId,
        name: &str,
        activity: &NewActivity<'_>,
    ) -> Result<CampaignRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO growth_campaigns (tenant_id, id, owner_id, name) VALUES ($1, $2, $3, $4)
             RETURNING {CAMPAIGN_COLS}"
        );
        let row = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(owner_id)
            .bind(name)
            .fetch_one(&mut *tx)
            .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The campaign `id`, or `NotFound`.
    pub async fn fetch_growth_campaign(
        &self,
        tenant_id: TenantId,
        id: CampaignId,
    ) -> Result<CampaignRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {CAMPAIGN_COLS} FROM growth_campaigns WHERE tenant_id = $1 AND id = $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Campaigns newest first (one owner's with `owner`), at most `limit`.
    pub async fn fetch_growth_campaigns(
        &self,
        tenant_id: TenantId,
        owner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<CampaignRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {CAMPAIGN_COLS} FROM growth_campaigns WHERE tenant_id = $1
             AND ($2::bigint IS NULL OR owner_id = $2) ORDER BY id DESC LIMIT $3"
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

    /// The steps of these campaigns, in order.
    pub async fn fetch_growth_steps(
        &self,
        tenant_id: TenantId,
        campaigns: &[CampaignId],
    ) -> Result<Vec<StepRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let ids: Vec<i64> = campaigns.iter().map(|c| c.0).collect();
        let q = format!(
            "SELECT {STEP_COLS} FROM growth_campaign_steps WHERE tenant_id = $1
             AND campaign_id = ANY($2) ORDER BY campaign_id, position"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(&ids)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Appends a step (its position after the last) with an activity entry
    /// for the campaign's owner.
    pub async fn insert_growth_step(
        &self,
        tenant_id: TenantId,
        s: &StepRow,
        activity: &NewActivity<'_>,
    ) -> Result<StepRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        // Serialises appends to one campaign (positions stay 1, 2, …).
        sqlx::query("SELECT 1 FROM growth_campaigns WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
            .bind(tenant_id)
            .bind(s.campaign_id)
            .fetch_one(&mut *tx)
            .await?;
        let q = format!(
            "INSERT INTO growth_campaign_steps (tenant_id, campaign_id, position, channel, day_offset, subject, template)
             SELECT $1, $2, COALESCE(MAX(position), 0) + 1, $3, $4, $5, $6
             FROM growth_campaign_steps WHERE tenant_id = $1 AND campaign_id = $2
             RETURNING {STEP_COLS}"
        );
        let row = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(s.campaign_id)
            .bind(&s.channel)
            .bind(s.day_offset)
            .bind(&s.subject)
            .bind(&s.template)
            .fetch_one(&mut *tx)
            .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes step `position`; the later steps move up one. Runs already
    /// scheduled keep their copy of the step.
    pub async fn delete_growth_step(
        &self,
        tenant_id: TenantId,
        campaign_id: CampaignId,
        position: i32,
        activity: &NewActivity<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let r = sqlx::query(
            "DELETE FROM growth_campaign_steps WHERE tenant_id = $1 AND campaign_id = $2 AND position = $3",
        )
        .bind(tenant_id)
        .bind(campaign_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        // Two passes: the key is checked row by row.
        for set in ["position = -(position - 1)", "position = -position"] {
            let q = format!(
                "UPDATE growth_campaign_steps SET {set} WHERE tenant_id = $1 AND campaign_id = $2
                 AND (position > $3 OR position < 0)"
            );
            sqlx::query(&q)
                .bind(tenant_id)
                .bind(campaign_id)
                .bind(position)
                .execute(&mut *tx)
                .await?;
        }
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enrolls a lead: the enrollment and one pending run per step (ids
    /// given, in step order), each due at now + its day offset, with the
    /// lead's activity entry. Already enrolled (and not cancelled):
    /// `Conflict("growth_enrollments_live")`.
    pub async fn insert_growth_enrollment(
        &self,
        tenant_id: TenantId,
        id: i64,
        lead_id: LeadId,
        runs: &[(StepRunId, StepRow)],
        activity: &NewActivity<'_>,
    ) -> Result<(), StoreError> {
        let Some((_, first)) = runs.first() else {
            return Err(StoreError::Other("a campaign without steps".into()));
        };
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO growth_enrollments (tenant_id, id, campaign_id, lead_id) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(first.campaign_id)
        .bind(lead_id)
        .execute(&mut *tx)
        .await?;
        for (run_id, s) in runs {
            sqlx::query(
                "INSERT INTO growth_step_runs (tenant_id, id, enrollment_id, campaign_id, lead_id, position,
                     channel, subject, template, due_at, status)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, e.enrolled_at + make_interval(days => $10), 'pending'
                 FROM growth_enrollments e WHERE e.tenant_id = $1 AND e.id = $3",
            )
            .bind(tenant_id)
            .bind(run_id)
            .bind(id)
            .bind(s.campaign_id)
            .bind(lead_id)
            .bind(s.position)
            .bind(&s.channel)
            .bind(&s.subject)
            .bind(&s.template)
            .bind(s.day_offset)
            .execute(&mut *tx)
            .await?;
        }
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Cancels a lead's live enrollment in a campaign and its pending runs,
    /// with the lead's activity entry; `NotFound` when not enrolled.
    /// Answers how many runs were cancelled.
    pub async fn update_growth_unenroll(
        &self,
        tenant_id: TenantId,
        campaign_id: CampaignId,
        lead_id: LeadId,
        activity: &NewActivity<'_>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let (id,): (i64,) = sqlx::query_as(
            "UPDATE growth_enrollments SET cancelled_at = now() WHERE tenant_id = $1 AND campaign_id = $2
             AND lead_id = $3 AND cancelled_at IS NULL RETURNING id",
        )
        .bind(tenant_id)
        .bind(campaign_id)
        .bind(lead_id)
        .fetch_one(&mut *tx)
        .await?;
        let r = sqlx::query(
            "UPDATE growth_step_runs SET status = 'cancelled', done_at = now()
             WHERE tenant_id = $1 AND enrollment_id = $2 AND status = 'pending'",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(r.rows_affected())
    }

    /// Live enrollments of these campaigns with their next pending step,
    /// newest first, at most `limit`.
    pub async fn fetch_growth_enrollments(
        &self,
        tenant_id: TenantId,
        campaigns: &[CampaignId],
        limit: i64,
    ) -> Result<Vec<EnrollmentRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let ids: Vec<i64> = campaigns.iter().map(|c| c.0).collect();
        let out = sqlx::query_as(
            "SELECT e.id, e.campaign_id, e.lead_id, l.name AS lead_name, e.enrolled_at,
               n.position AS next_position, n.due_at AS next_due_at,
               (SELECT COUNT(*) FROM growth_step_runs r WHERE r.tenant_id = e.tenant_id AND r.enrollment_id = e.id AND r.status = 'sent') AS sent,
               (SELECT COUNT(*) FROM growth_step_runs r WHERE r.tenant_id = e.tenant_id AND r.enrollment_id = e.id AND r.status = 'failed') AS failed,
               (SELECT COUNT(*) FROM growth_step_runs r WHERE r.tenant_id = e.tenant_id AND r.enrollment_id = e.id AND r.status = 'emitted') AS emitted
             FROM growth_enrollments e
             JOIN growth_leads l ON l.tenant_id = e.tenant_id AND l.id = e.lead_id
             LEFT JOIN LATERAL (SELECT position, due_at FROM growth_step_runs r
                 WHERE r.tenant_id = e.tenant_id AND r.enrollment_id = e.id AND r.status = 'pending'
                 ORDER BY position LIMIT 1) n ON true
             WHERE e.tenant_id = $1 AND e.campaign_id = ANY($2) AND e.cancelled_at IS NULL
             ORDER BY e.id DESC LIMIT $3",
        )
        .bind(tenant_id)
        .bind(&ids)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Claims up to `limit` due pending runs of any tenant (skipping rows
    /// another node holds), queues `campaign.step_due` with `emit(run)`'s
    /// payload for each, marks them emitted and writes the partner's
    /// activity entry (of `domain`), all in one transaction. Answers the
    /// runs emitted.
    pub async fn update_growth_emit_due(
        &self,
        limit: i64,
        domain: &str,
        emit: impl Fn(&DueRunRow) -> EmitRun,
    ) -> Result<Vec<DueRunRow>, StoreError> {
        let mut tx = self.system_tx().await?;
        let due: Vec<DueRunRow> = sqlx::query_as(
            "SELECT r.tenant_id, r.id, r.campaign_id, c.name AS campaign_name, r.lead_id, r.position,
                    r.channel, r.subject, r.template, r.due_at,
                    l.name AS lead_name, l.email AS lead_email, l.phone AS lead_phone,
                    l.company AS lead_company, l.partner_id, u.display_name AS partner_name
             FROM growth_step_runs r
             JOIN growth_campaigns c ON c.tenant_id = r.tenant_id AND c.id = r.campaign_id
             JOIN growth_leads l ON l.tenant_id = r.tenant_id AND l.id = r.lead_id
             JOIN users u ON u.tenant_id = l.tenant_id AND u.id = l.partner_id
             WHERE r.status = 'pending' AND r.due_at <= now()
             ORDER BY r.due_at LIMIT $1
             FOR UPDATE OF r SKIP LOCKED",
        )
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        for d in &due {
            // The rows are locked; the writes go in as their tenant.
            Self::scope_tx(&mut tx, d.tenant_id).await?;
            let e = emit(d);
            Self::insert_outbox_tx(&mut tx, d.tenant_id, "campaign.step_due", &e.payload).await?;
            let a = NewActivity {
                id: e.activity_id,
                partner: d.partner_id,
                actor: None,
                domain,
                verb: "campaign.step_emitted",
                summary: &e.summary,
                data: serde_json::json!({ "run_id": d.id.to_string(), "lead_id": d.lead_id.to_string() }),
            };
            Self::insert_activity_tx(&mut tx, d.tenant_id, &a).await?;
            sqlx::query(
                "UPDATE growth_step_runs SET status = 'emitted', emitted_at = now() WHERE tenant_id = $1 AND id = $2",
            )
            .bind(d.tenant_id)
            .bind(d.id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(due)
    }

    /// The run `id`, or `NotFound`.
    pub async fn fetch_growth_run(
        &self,
        tenant_id: TenantId,
        id: StepRunId,
    ) -> Result<RunRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {RUN_COLS} FROM growth_step_runs WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Marks an emitted run `sent` or `failed` with the tool's detail and the
    /// lead's activity entry. `Conflict(status)` naming the run's status when
    /// it is no longer emitted.
    pub async fn update_growth_run_done(
        &self,
        tenant_id: TenantId,
        id: StepRunId,
        status: &str,
        detail: &str,
        activity: &NewActivity<'_>,
    ) -> Result<RunRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE growth_step_runs SET status = $3, detail = $4, done_at = now()
             WHERE tenant_id = $1 AND id = $2 AND status = 'emitted' RETURNING {RUN_COLS}"
        );
        let row: Option<RunRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(status)
            .bind(detail)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            let (now,): (String,) = sqlx::query_as(
                "SELECT status FROM growth_step_runs WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            return Err(StoreError::Conflict(now));
        };
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }
}
