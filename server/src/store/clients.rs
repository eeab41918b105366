//! The client-exchange domain's tables (migration 0010): clients (one
//! partner's roster, or unassigned), notes private to their author, and
//! staff-curated industry recommendations. Every change that touches a
//! partner's records takes that partner's activity entry and writes it in
//! the same transaction.

use super::{NewActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// A client as stored. `value_minor` is minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClientRow {
    pub id: i64,
    /// The partner whose client it is; `None` while unassigned.
    pub owner_id: Option<UserId>,
    pub name: String,
    pub industry: String,
    /// `active`, `paused` or `churned`.
    pub status: String,
    /// `lead`, `onboarding`, `live` or `renewal`.
    pub stage: String,
    pub value_minor: i64,
    pub currency: String,
    pub next_step: String,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The fields of a client a create or an edit sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFields {
    pub name: String,
    pub industry: String,
    pub status: String,
    pub stage: String,
    pub value_minor: i64,
    pub currency: String,
    pub next_step: String,
}

/// A note as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientNoteRow {
    pub id: i64,
    pub client_id: i64,
    pub author_id: UserId,
    pub body: String,
    pub created_at: OffsetDateTime,
}

/// A staff recommendation of an industry to target.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecommendationRow {
    pub id: i64,
    pub industry: String,
    pub note: String,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
}

const CLIENT_COLS: &str = "id, owner_id, name, industry, status, stage, value_minor, currency, next_step, created_by, created_at, updated_at";

impl Store {
    /// Inserts a client (id a snowflake) with its activity entry, if any.
    /// `Conflict("clients_owner_name")` when the owner has a client of that name.
    pub async fn insert_client(
        &self,
        tenant_id: TenantId,
        id: i64,
        owner: Option<UserId>,
        f: &ClientFields,
        created_by: UserId,
        activity: Option<&NewActivity<'_>>,
    ) -> Result<ClientRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO clients (tenant_id, id, owner_id, name, industry, status, stage, value_minor, currency, next_step, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {CLIENT_COLS}"
        );
        let row: ClientRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(owner)
            .bind(&f.name)
            .bind(&f.industry)
            .bind(&f.status)
            .bind(&f.stage)
            .bind(f.value_minor)
            .bind(&f.currency)
            .bind(&f.next_step)
            .bind(created_by)
            .fetch_one(&mut *tx)
            .await?;
        if let Some(a) = activity {
            Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Inserts a demo client unless its owner already has one of that name;
    /// `None` when it existed (the seed is idempotent).
    pub async fn insert_client_if_absent(
        &self,
        tenant_id: TenantId,
        id: i64,
        owner: UserId,
        f: &ClientFields,
    ) -> Result<Option<ClientRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "INSERT INTO clients (tenant_id, id, owner_id, name, industry, status, stage, value_minor, currency, next_step, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $3)
             ON CONFLICT DO NOTHING RETURNING {CLIENT_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(owner)
            .bind(&f.name)
            .bind(&f.industry)
            .bind(&f.status)
            .bind(&f.stage)
            .bind(f.value_minor)
            .bind(&f.currency)
            .bind(&f.next_step)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The client with this id, if any.
    pub async fn fetch_client(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<ClientRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {CLIENT_COLS} FROM clients WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Clients by name, at most `limit`: one partner's when `owner` is given,
    /// else every client of the tenant.
    pub async fn fetch_clients(
        &self,
        tenant_id: TenantId,
        owner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<ClientRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {CLIENT_COLS} FROM clients
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR owner_id = $2)
             ORDER BY lower(name), id LIMIT $3"
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

    /// Sets a client's fields (and owner) with the change's activity entry.
    pub async fn update_client(
        &self,
        tenant_id: TenantId,
        id: i64,
        owner: Option<UserId>,
        f: &ClientFields,
        activity: &[NewActivity<'_>],
    ) -> Result<ClientRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE clients SET owner_id = $3, name = $4, industry = $5, status = $6, stage = $7,
                    value_minor = $8, currency = $9, next_step = $10, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 RETURNING {CLIENT_COLS}"
        );
        let row: ClientRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(owner)
            .bind(&f.name)
            .bind(&f.industry)
            .bind(&f.status)
            .bind(&f.stage)
            .bind(f.value_minor)
            .bind(&f.currency)
            .bind(&f.next_step)
            .fetch_one(&mut *tx)
            .await?;
        for a in activity {
            Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Adds a note with its activity entry, if any.
    pub async fn insert_client_note(
        &self,
        tenant_id: TenantId,
        id: i64,
        client_id: i64,
        author: UserId,
        body: &str,
        activity: Option<&NewActivity<'_>>,
    ) -> Result<ClientNoteRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let row: ClientNoteRow = sqlx::query_as(
            "INSERT INTO client_notes (tenant_id, id, client_id, author_id, body)
             VALUES ($1, $2, $3, $4, $5) RETURNING id, client_id, author_id, body, created_at",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(client_id)
        .bind(author)
        .bind(body)
        .fetch_one(&mut *tx)
        .await?;
        if let Some(a) = activity {
            Self::insert_activity_tx(&mut tx, tenant_id, a).await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Notes, newest first, at most `limit`: by `author` only, or (with
    /// `authors_role`) by every member of that role; of one client when
    /// `client` is given.
    pub async fn fetch_client_notes(
        &self,
        tenant_id: TenantId,
        author: Option<UserId>,
        authors_role: Option<&[&str]>,
        client: Option<i64>,
        limit: i64,
    ) -> Result<Vec<ClientNoteRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let roles: Option<Vec<String>> =
            authors_role.map(|r| r.iter().map(|s| (*s).to_owned()).collect());
        let out = sqlx::query_as(
            "SELECT n.id, n.client_id, n.author_id, n.body, n.created_at
             FROM client_notes n JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.author_id
             WHERE n.tenant_id = $1 AND ($2::bigint IS NULL OR n.author_id = $2)
               AND ($3::text[] IS NULL OR u.role = ANY($3))
               AND ($4::bigint IS NULL OR n.client_id = $4)
             ORDER BY n.id DESC LIMIT $5",
        )
        .bind(tenant_id)
        .bind(author)
        .bind(roles)
        .bind(client)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Adds a recommendation.
    pub async fn insert_recommendation(
        &self,
        tenant_id: TenantId,
        id: i64,
        industry: &str,
        note: &str,
        by: UserId,
    ) -> Result<RecommendationRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "INSERT INTO industry_recommendations (tenant_id, id, industry, note, created_by)
             VALUES ($1, $2, $3, $4, $5) RETURNING id, industry, note, created_by, created_at",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(industry)
        .bind(note)
        .bind(by)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Recommendations, newest first, at most `limit`.
    pub async fn fetch_recommendations(
        &self,
        tenant_id: TenantId,
        limit: i64,
    ) -> Result<Vec<RecommendationRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, industry, note, created_by, created_at FROM industry_recommendations
             WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
