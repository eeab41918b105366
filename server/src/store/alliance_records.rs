//! The records of an alliance (migration 0027): contacts, joint
//! opportunities, partner tasks, documents and the timeline. Each write
//! carries its timeline entry in the same transaction. An opportunity's
//! stage change is a conditional update (`WHERE stage = from`): one mover
//! wins, so a won opportunity records its deal win once.

use super::{NewAllianceActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::{Date, OffsetDateTime};

/// A contact at the partner organisation.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllianceContactRow {
    pub id: i64,
    pub alliance_id: i64,
    pub name: String,
    pub role: String,
    pub email: String,
    pub phone: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A joint opportunity (deal or campaign).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllianceOpportunityRow {
    pub id: i64,
    pub alliance_id: i64,
    pub title: String,
    /// `deal` or `campaign`.
    pub kind: String,
    /// `prospect`, `proposal`, `negotiation`, `won` or `lost`.
    pub stage: String,
    /// Minor units of `currency`.
    pub value_minor: i64,
    pub currency: String,
    pub expected_close: Option<Date>,
    pub owner_id: UserId,
    /// The member credited on a win (`None`: the alliance's first member).
    pub partner_id: Option<UserId>,
    /// Who was credited (set on the move to won).
    pub won_partner: Option<UserId>,
    pub deal_recorded: bool,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A partner task.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllianceTaskRow {
    pub id: i64,
    pub alliance_id: i64,
    pub title: String,
    pub due_on: Option<Date>,
    /// `open` or `done`.
    pub status: String,
    pub assignee_id: Option<UserId>,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A document: a link or an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllianceDocumentRow {
    pub id: i64,
    pub alliance_id: i64,
    pub title: String,
    pub url: Option<String>,
    pub file_id: Option<i64>,
    pub added_by: UserId,
    pub created_at: OffsetDateTime,
}

/// A timeline entry as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AllianceActivityRow {
    pub id: i64,
    pub alliance_id: i64,
    pub actor_id: Option<UserId>,
    pub kind: String,
    pub verb: String,
    pub summary: String,
    pub data: serde_json::Value,
    pub created_at: OffsetDateTime,
}

const OPP_COLS: &str = "id, alliance_id, title, kind, stage, value_minor, currency, expected_close,
    owner_id, partner_id, won_partner, deal_recorded, created_by, created_at, updated_at";
const TASK_COLS: &str =
    "id, alliance_id, title, due_on, status, assignee_id, created_by, created_at, updated_at";

impl Store {
    /// Adds a contact or, when the alliance has one of that name
    /// (case-insensitive), updates its role, email and phone; with the entry.
    pub async fn upsert_alliance_contact(
        &self,
        tenant_id: TenantId,
        c: &AllianceContactRow,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceContactRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let row = Self::upsert_alliance_contact_tx(&mut tx, tenant_id, c).await?;
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn upsert_alliance_contact_tx(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        tenant_id: TenantId,
        c: &AllianceContactRow,
    ) -> Result<AllianceContactRow, StoreError> {
        Ok(sqlx::query_as(
            "INSERT INTO alliance_contacts (tenant_id, id, alliance_id, name, role, email, phone)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (tenant_id, alliance_id, lower(name)) DO UPDATE
               SET role = EXCLUDED.role, email = EXCLUDED.email, phone = EXCLUDED.phone, updated_at = now()
             RETURNING id, alliance_id, name, role, email, phone, created_at, updated_at",
        )
        .bind(tenant_id)
        .bind(c.id)
        .bind(c.alliance_id)
        .bind(&c.name)
        .bind(&c.role)
        .bind(&c.email)
        .bind(&c.phone)
        .fetch_one(&mut **tx)
        .await?)
    }

    /// Contacts by name, at most `limit`: of one alliance, or of all.
    pub async fn fetch_alliance_contacts(
        &self,
        tenant_id: TenantId,
        alliance_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AllianceContactRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, alliance_id, name, role, email, phone, created_at, updated_at
             FROM alliance_contacts WHERE tenant_id = $1 AND ($2::bigint IS NULL OR alliance_id = $2)
             ORDER BY lower(name), id LIMIT $3",
        )
        .bind(tenant_id)
        .bind(alliance_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Adds an opportunity with its entry; `Conflict` for a taken title.
    pub async fn insert_alliance_opportunity(
        &self,
        tenant_id: TenantId,
        o: &AllianceOpportunityRow,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceOpportunityRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO alliance_opportunities (tenant_id, id, alliance_id, title, kind, stage,
                value_minor, currency, expected_close, owner_id, partner_id, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {OPP_COLS}"
        );
        let row = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(o.id)
            .bind(o.alliance_id)
            .bind(&o.title)
            .bind(&o.kind)
            .bind(&o.stage)
            .bind(o.value_minor)
            .bind(&o.currency)
            .bind(o.expected_close)
            .bind(o.owner_id)
            .bind(o.partner_id)
            .bind(o.created_by)
            .fetch_one(&mut *tx)
            .await?;
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The opportunity with this id, if any.
    pub async fn fetch_alliance_opportunity(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<AllianceOpportunityRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {OPP_COLS} FROM alliance_opportunities WHERE tenant_id = $1 AND id = $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Opportunities newest first, at most `limit`: of one alliance, or all.
    pub async fn fetch_alliance_opportunities(
        &self,
        tenant_id: TenantId,
        alliance_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AllianceOpportunityRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {OPP_COLS} FROM alliance_opportunities
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR alliance_id = $2)
             ORDER BY id DESC LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(alliance_id)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Moves an opportunity from `from` to `to` (keeping `won_partner` on a
    /// move to won) with its entry; `Conflict("stage")` when it is no longer
    /// in `from`.
    pub async fn update_alliance_opportunity_stage(
        &self,
        tenant_id: TenantId,
        id: i64,
        from: &str,
        to: &str,
        won_partner: Option<UserId>,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceOpportunityRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE alliance_opportunities SET stage = $4, updated_at = now(),
                    won_partner = COALESCE($5, won_partner)
             WHERE tenant_id = $1 AND id = $2 AND stage = $3 RETURNING {OPP_COLS}"
        );
        let row: Option<AllianceOpportunityRow> = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(won_partner)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Conflict("stage".into()));
        };
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Marks a won opportunity's deal win as recorded by revenue.
    pub async fn update_alliance_opportunity_recorded(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE alliance_opportunities SET deal_recorded = true WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a task with its entry.
    pub async fn insert_alliance_task(
        &self,
        tenant_id: TenantId,
        t: &AllianceTaskRow,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceTaskRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO alliance_tasks (tenant_id, id, alliance_id, title, due_on, status, assignee_id, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {TASK_COLS}"
        );
        let row = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(t.id)
            .bind(t.alliance_id)
            .bind(&t.title)
            .bind(t.due_on)
            .bind(&t.status)
            .bind(t.assignee_id)
            .bind(t.created_by)
            .fetch_one(&mut *tx)
            .await?;
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The task with this id, if any.
    pub async fn fetch_alliance_task(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<AllianceTaskRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {TASK_COLS} FROM alliance_tasks WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Tasks by due date (undated last), at most `limit`: of one alliance, or all.
    pub async fn fetch_alliance_tasks(
        &self,
        tenant_id: TenantId,
        alliance_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AllianceTaskRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {TASK_COLS} FROM alliance_tasks
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR alliance_id = $2)
             ORDER BY status = 'done', due_on NULLS LAST, id LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(alliance_id)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Writes a task's title, due date and status with its entry.
    pub async fn update_alliance_task(
        &self,
        tenant_id: TenantId,
        t: &AllianceTaskRow,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceTaskRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE alliance_tasks SET title = $3, due_on = $4, status = $5, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 RETURNING {TASK_COLS}"
        );
        let row = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(t.id)
            .bind(&t.title)
            .bind(t.due_on)
            .bind(&t.status)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a document with its entry.
    pub async fn insert_alliance_document(
        &self,
        tenant_id: TenantId,
        d: &AllianceDocumentRow,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceDocumentRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let row = sqlx::query_as(
            "INSERT INTO alliance_documents (tenant_id, id, alliance_id, title, url, file_id, added_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             RETURNING id, alliance_id, title, url, file_id, added_by, created_at",
        )
        .bind(tenant_id)
        .bind(d.id)
        .bind(d.alliance_id)
        .bind(&d.title)
        .bind(d.url.as_deref())
        .bind(d.file_id)
        .bind(d.added_by)
        .fetch_one(&mut *tx)
        .await?;
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Documents newest first, at most `limit`: of one alliance, or all.
    pub async fn fetch_alliance_documents(
        &self,
        tenant_id: TenantId,
        alliance_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AllianceDocumentRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, alliance_id, title, url, file_id, added_by, created_at FROM alliance_documents
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR alliance_id = $2)
             ORDER BY id DESC LIMIT $3",
        )
        .bind(tenant_id)
        .bind(alliance_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Is file `file_id` a document of the alliance `user` belongs to? (A
    /// partner member may download it though someone else uploaded it.)
    pub async fn fetch_alliance_file_shared(
        &self,
        tenant_id: TenantId,
        file_id: i64,
        user: UserId,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM alliance_documents d JOIN alliance_members m
                ON m.tenant_id = d.tenant_id AND m.alliance_id = d.alliance_id
             WHERE d.tenant_id = $1 AND d.file_id = $2 AND m.user_id = $3)",
        )
        .bind(tenant_id)
        .bind(file_id)
        .bind(user)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Appends one timeline entry on its own (a logged call, meeting …).
    pub async fn insert_alliance_activity(
        &self,
        tenant_id: TenantId,
        a: &NewAllianceActivity,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, a).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Timeline entries newest first, older than `before` (a snowflake) when
    /// given, at most `limit`: of one alliance, or of all.
    pub async fn fetch_alliance_activities(
        &self,
        tenant_id: TenantId,
        alliance_id: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AllianceActivityRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, alliance_id, actor_id, kind, verb, summary, data, created_at
             FROM alliance_activities
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR alliance_id = $2)
               AND ($3::bigint IS NULL OR id < $3)
             ORDER BY id DESC LIMIT $4",
        )
        .bind(tenant_id)
        .bind(alliance_id)
        .bind(before)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
