//! The app-plans domain's tables (migration 0016): plan templates per
//! tenant and the plans partners build from them. Every change to a plan
//! commits with its activity entry in one transaction; status, content and
//! narrative changes are conditional on the state they were checked
//! against, so a change made meanwhile is a `Conflict`, never overwritten.

use super::activity::NewActivity;
use super::{Store, StoreError};
use crate::ids::{PlanId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use time::OffsetDateTime;

/// One section of a template or a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSection {
    pub title: String,
    /// Plain text; in a template it carries `{{placeholders}}`.
    pub body: String,
    /// May the language model rewrite it?
    #[serde(default)]
    pub narrative: bool,
    /// In a plan: who wrote the body, `template`, `assistant` or `partner`
    /// (empty in a template).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// One template as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanTemplateRow {
    pub key: String,
    pub name: String,
    pub vertical: String,
    pub description: String,
    pub sections: Json<Vec<PlanSection>>,
    pub position: i32,
    /// `None`: seeded.
    pub created_by: Option<UserId>,
    pub retired_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A template to write (seeded or made by staff).
#[derive(Debug, Clone)]
pub struct NewPlanTemplate<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub vertical: &'a str,
    pub description: &'a str,
    pub sections: &'a [PlanSection],
    pub position: i32,
    pub created_by: Option<UserId>,
}

/// One plan as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRow {
    pub id: PlanId,
    pub partner_id: UserId,
    pub template_key: String,
    pub template_name: String,
    pub title: String,
    pub client_name: String,
    pub answers: serde_json::Value,
    pub sections: Json<Vec<PlanSection>>,
    /// `draft`, `submitted`, `approved` or `changes_requested`.
    pub status: String,
    /// `template`, `writing`, `written` or `failed`.
    pub narrative: String,
    pub narrative_note: Option<String>,
    pub narrative_gen: i32,
    pub submissions: i32,
    pub decision_note: Option<String>,
    pub decided_by: Option<UserId>,
    pub submitted_at: Option<OffsetDateTime>,
    pub decided_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A plan to insert.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub id: PlanId,
    pub partner_id: UserId,
    pub template_key: &'a str,
    pub template_name: &'a str,
    pub title: &'a str,
    pub client_name: &'a str,
    pub answers: &'a serde_json::Value,
    pub sections: &'a [PlanSection],
    /// `template` or `writing`.
    pub narrative: &'a str,
}

/// A status move to commit.
#[derive(Debug, Clone)]
pub struct PlanMove<'a> {
    pub id: PlanId,
    pub from: &'a str,
    pub to: &'a str,
    /// A submission: counts it and stamps `submitted_at`.
    pub submission: bool,
    /// A decision (staff): its note and who made it.
    pub decision: Option<(UserId, &'a str)>,
}

/// What narrative writing produced, to store.
#[derive(Debug, Clone)]
pub struct NarrativeOutcome<'a> {
    pub id: PlanId,
    /// The writing's generation (the plan's `narrative_gen` when it started).
    pub gen: i32,
    /// `written` or `failed`.
    pub narrative: &'a str,
    /// Why it failed.
    pub note: Option<&'a str>,
    /// The sections with the rewritten bodies (when written).
    pub sections: Option<&'a [PlanSection]>,
}

const TEMPLATE_COLS: &str = "key, name, vertical, description, sections, position, created_by, retired_at, created_at, updated_at";
const PLAN_COLS: &str = "id, partner_id, template_key, template_name, title, client_name, answers, sections, status, narrative, narrative_note, narrative_gen, submissions, decision_note, decided_by, submitted_at, decided_at, created_at, updated_at";

fn conflict(what: &str) -> StoreError {
    StoreError::Conflict(what.to_owned())
}

impl Store {
    /// Writes the templates whose keys the tenant does not have yet (a key
    /// once written is never written again: staff edits stay).
    pub async fn insert_seed_plan_templates(
        &self,
        tenant_id: TenantId,
        templates: &[NewPlanTemplate<'_>],
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        for t in templates {
            sqlx::query(
                "INSERT INTO app_plan_templates (tenant_id, key, name, vertical, description, sections, position, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, key) DO NOTHING",
            )
            .bind(tenant_id)
            .bind(t.key)
            .bind(t.name)
            .bind(t.vertical)
            .bind(t.description)
            .bind(Json(t.sections))
            .bind(t.position)
            .bind(t.created_by)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a template; `Conflict` when the key is taken (retired included).
    pub async fn insert_plan_template(
        &self,
        tenant_id: TenantId,
        t: &NewPlanTemplate<'_>,
    ) -> Result<PlanTemplateRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO app_plan_templates (tenant_id, key, name, vertical, description, sections, position, created_by)
             VALUES ($1, $2, $3, $4, $5, $6,
                     (SELECT COALESCE(max(position), 0) + 1 FROM app_plan_templates WHERE tenant_id = $1), $7)
             RETURNING {TEMPLATE_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(t.key)
            .bind(t.name)
            .bind(t.vertical)
            .bind(t.description)
            .bind(Json(t.sections))
            .bind(t.created_by)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Replaces a template's name, vertical, description and sections.
    pub async fn update_plan_template(
        &self,
        tenant_id: TenantId,
        t: &NewPlanTemplate<'_>,
    ) -> Result<PlanTemplateRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE app_plan_templates SET name = $3, vertical = $4, description = $5, sections = $6, updated_at = now()
             WHERE tenant_id = $1 AND key = $2 RETURNING {TEMPLATE_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(t.key)
            .bind(t.name)
            .bind(t.vertical)
            .bind(t.description)
            .bind(Json(t.sections))
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Retires (`true`) or restores a template.
    pub async fn update_plan_template_retired(
        &self,
        tenant_id: TenantId,
        key: &str,
        retired: bool,
    ) -> Result<PlanTemplateRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE app_plan_templates
             SET retired_at = CASE WHEN $3 THEN COALESCE(retired_at, now()) ELSE NULL END, updated_at = now()
             WHERE tenant_id = $1 AND key = $2 RETURNING {TEMPLATE_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(key)
            .bind(retired)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The template `key`, or `NotFound`.
    pub async fn fetch_plan_template(
        &self,
        tenant_id: TenantId,
        key: &str,
    ) -> Result<PlanTemplateRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {TEMPLATE_COLS} FROM app_plan_templates WHERE tenant_id = $1 AND key = $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Templates in list order, at most `limit`; retired ones only when asked.
    pub async fn fetch_plan_templates(
        &self,
        tenant_id: TenantId,
        retired: bool,
        limit: i64,
    ) -> Result<Vec<PlanTemplateRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {TEMPLATE_COLS} FROM app_plan_templates
             WHERE tenant_id = $1 AND ($2 OR retired_at IS NULL)
             ORDER BY retired_at IS NOT NULL, position, key LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(retired)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// How many templates the tenant has (retired included).
    pub async fn fetch_plan_template_count(&self, tenant_id: TenantId) -> Result<i64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out =
            sqlx::query_scalar("SELECT count(*) FROM app_plan_templates WHERE tenant_id = $1")
                .bind(tenant_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Inserts a plan (status `draft`) with its creation activity entry.
    pub async fn insert_plan(
        &self,
        tenant_id: TenantId,
        p: &NewPlan<'_>,
        activity: &NewActivity<'_>,
    ) -> Result<PlanRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO app_plans (tenant_id, id, partner_id, template_key, template_name, title, client_name,
                                    answers, sections, status, narrative)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'draft', $10) RETURNING {PLAN_COLS}"
        );
        let row: PlanRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(p.id)
            .bind(p.partner_id)
            .bind(p.template_key)
            .bind(p.template_name)
            .bind(p.title)
            .bind(p.client_name)
            .bind(p.answers)
            .bind(Json(p.sections))
            .bind(p.narrative)
            .fetch_one(&mut *tx)
            .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The plan `id`, or `NotFound`.
    pub async fn fetch_plan(&self, tenant_id: TenantId, id: PlanId) -> Result<PlanRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {PLAN_COLS} FROM app_plans WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Plans most recently updated first (submitted ones first when
    /// `submitted_first`), at most `limit`: one partner's or everyone's,
    /// optionally of one status.
    pub async fn fetch_plans(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        status: Option<&str>,
        submitted_first: bool,
        limit: i64,
    ) -> Result<Vec<PlanRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {PLAN_COLS} FROM app_plans
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2) AND ($3::text IS NULL OR status = $3)
             ORDER BY ($4 AND status = 'submitted') DESC, updated_at DESC, id DESC LIMIT $5"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(partner)
            .bind(status)
            .bind(submitted_first)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Plans per status, one partner's or all: `(status, n)`.
    pub async fn fetch_plan_counts(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT status, count(*) FROM app_plans
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR partner_id = $2) GROUP BY 1",
        )
        .bind(tenant_id)
        .bind(partner)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Plans whose narrative is being written (at most `limit`).
    pub async fn fetch_plans_writing(
        &self,
        tenant_id: TenantId,
        limit: i64,
    ) -> Result<Vec<PlanRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {PLAN_COLS} FROM app_plans WHERE tenant_id = $1 AND narrative = 'writing' ORDER BY id LIMIT $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Replaces a plan's title and sections while it is a draft or has
    /// changes requested and no narrative is being written; `Conflict`
    /// otherwise (changed meanwhile).
    pub async fn update_plan_content(
        &self,
        tenant_id: TenantId,
        id: PlanId,
        title: &str,
        sections: &[PlanSection],
        activity: &NewActivity<'_>,
    ) -> Result<PlanRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE app_plans SET title = $3, sections = $4, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 AND status IN ('draft', 'changes_requested') AND narrative <> 'writing'
             RETURNING {PLAN_COLS}"
        );
        let row: Option<PlanRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(title)
            .bind(Json(sections))
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.ok_or_else(|| conflict("the plan changed meanwhile"))?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Moves a plan from `m.from` to `m.to` (no narrative being written);
    /// `Conflict` when it is no longer in `m.from`.
    pub async fn update_plan_status(
        &self,
        tenant_id: TenantId,
        m: &PlanMove<'_>,
        activity: &NewActivity<'_>,
    ) -> Result<PlanRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE app_plans SET status = $4, updated_at = now(),
                 submissions = submissions + CASE WHEN $5 THEN 1 ELSE 0 END,
                 submitted_at = CASE WHEN $5 THEN now() ELSE submitted_at END,
                 decided_by = CASE WHEN $6::bigint IS NULL THEN decided_by ELSE $6 END,
                 decided_at = CASE WHEN $6::bigint IS NULL THEN decided_at ELSE now() END,
                 decision_note = CASE WHEN $6::bigint IS NULL THEN decision_note ELSE $7 END
             WHERE tenant_id = $1 AND id = $2 AND status = $3 AND narrative <> 'writing'
             RETURNING {PLAN_COLS}"
        );
        let row: Option<PlanRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(m.id)
            .bind(m.from)
            .bind(m.to)
            .bind(m.submission)
            .bind(m.decision.map(|d| d.0))
            .bind(m.decision.map(|d| d.1))
            .fetch_optional(&mut *tx)
            .await?;
        let row = row.ok_or_else(|| conflict(&format!("the plan is no longer {}", m.from)))?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Stores the outcome of narrative writing `o.gen`: the state, the note,
    /// and the sections when written. `None` when the plan is no longer
    /// waiting for that writing (a stale result).
    pub async fn update_plan_narrative(
        &self,
        tenant_id: TenantId,
        o: &NarrativeOutcome<'_>,
        activity: &NewActivity<'_>,
    ) -> Result<Option<PlanRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE app_plans SET narrative = $4, narrative_note = $5, sections = COALESCE($6, sections), updated_at = now()
             WHERE tenant_id = $1 AND id = $2 AND narrative = 'writing' AND narrative_gen = $3
             RETURNING {PLAN_COLS}"
        );
        let row: Option<PlanRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(o.id)
            .bind(o.gen)
            .bind(o.narrative)
            .bind(o.note)
            .bind(o.sections.map(Json))
            .fetch_optional(&mut *tx)
            .await?;
        if row.is_some() {
            Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        }
        tx.commit().await?;
        Ok(row)
    }
}
