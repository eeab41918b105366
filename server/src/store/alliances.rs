//! Alliances and their members (migration 0027). A status change is a
//! conditional update (`WHERE status = from`), so two moves of one alliance
//! never both apply, on any number of nodes. Every write carries its
//! timeline entry ([`NewAllianceActivity`]) in the same transaction.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

/// An alliance with the ids of its partner members.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AllianceRow {
    pub id: i64,
    pub name: String,
    /// `prospect`, `negotiation`, `active`, `paused` or `closed`.
    pub status: String,
    /// The reason given with the last status change ("" when none).
    pub status_reason: String,
    /// The staff member who owns it.
    pub owner_id: UserId,
    pub tier: String,
    pub region: String,
    pub industry: String,
    pub website: String,
    pub notes: String,
    /// The CSV import's key, unique per tenant.
    pub external_id: Option<String>,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Partner members, by id.
    pub members: Vec<i64>,
}

/// The editable fields of an alliance (all of them, already validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllianceFields {
    pub name: String,
    pub owner_id: UserId,
    pub tier: String,
    pub region: String,
    pub industry: String,
    pub website: String,
    pub notes: String,
}

/// A timeline entry to append: `kind` is `call`, `meeting`, `email`,
/// `note` or `system`; `verb` `<record>.<past tense>`.
#[derive(Debug, Clone)]
pub struct NewAllianceActivity {
    /// A snowflake from the node's generator: orders the timeline.
    pub id: i64,
    pub alliance_id: i64,
    pub actor: Option<UserId>,
    pub kind: &'static str,
    pub verb: &'static str,
    pub summary: String,
    pub data: serde_json::Value,
}

/// The directory's filters; `None` (or empty) fields filter nothing.
#[derive(Debug, Clone, Default)]
pub struct AllianceFilter {
    /// Case-insensitive substring of the name, website, notes or external id.
    pub q: Option<String>,
    pub status: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<UserId>,
    pub region: Option<String>,
    pub industry: Option<String>,
    /// Only the alliance this partner belongs to.
    pub member: Option<UserId>,
}

const SELECT: &str = "SELECT a.id, a.name, a.status, a.status_reason, a.owner_id, a.tier, a.region,
        a.industry, a.website, a.notes, a.external_id, a.created_by, a.created_at, a.updated_at,
        COALESCE((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM alliance_members m
                  WHERE m.tenant_id = a.tenant_id AND m.alliance_id = a.id), '{}') AS members
    FROM alliances a";

impl Store {
    /// Appends a timeline entry inside the caller's transaction.
    pub(crate) async fn insert_alliance_activity_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        a: &NewAllianceActivity,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alliance_activities (tenant_id, id, alliance_id, actor_id, kind, verb, summary, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant_id)
        .bind(a.id)
        .bind(a.alliance_id)
        .bind(a.actor)
        .bind(a.kind)
        .bind(a.verb)
        .bind(&a.summary)
        .bind(&a.data)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn fetch_alliance_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<AllianceRow>, StoreError> {
        let q = format!("{SELECT} WHERE a.tenant_id = $1 AND a.id = $2");
        Ok(sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?)
    }

    /// The alliance with this id, if any.
    pub async fn fetch_alliance(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<AllianceRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = Self::fetch_alliance_tx(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Alliances matching `f`, by name, at most `limit`.
    pub async fn fetch_alliances(
        &self,
        tenant_id: TenantId,
        f: &AllianceFilter,
        limit: i64,
    ) -> Result<Vec<AllianceRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "{SELECT} WHERE a.tenant_id = $1
               AND ($2::text IS NULL OR strpos(lower(a.name || ' ' || a.website || ' ' || a.notes || ' ' || COALESCE(a.external_id, '')), lower($2)) > 0)
               AND ($3::text IS NULL OR a.status = $3)
               AND ($4::text IS NULL OR lower(a.tier) = lower($4))
               AND ($5::bigint IS NULL OR a.owner_id = $5)
               AND ($6::text IS NULL OR lower(a.region) = lower($6))
               AND ($7::text IS NULL OR lower(a.industry) = lower($7))
               AND ($8::bigint IS NULL OR EXISTS (SELECT 1 FROM alliance_members m
                    WHERE m.tenant_id = a.tenant_id AND m.alliance_id = a.id AND m.user_id = $8))
             ORDER BY lower(a.name), a.id LIMIT $9"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(f.q.as_deref())
            .bind(f.status.as_deref())
            .bind(f.tier.as_deref())
            .bind(f.owner)
            .bind(f.region.as_deref())
            .bind(f.industry.as_deref())
            .bind(f.member)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Replaces the members of alliance `id` inside the caller's transaction.
    /// `Conflict("alliance_members_tenant_id_user_id_key")` when a partner
    /// already belongs to another alliance.
    async fn set_members_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        id: i64,
        members: &[UserId],
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        sqlx::query(
            "DELETE FROM alliance_members WHERE tenant_id = $1 AND alliance_id = $2
               AND NOT (user_id = ANY($3))",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(&ids)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO alliance_members (tenant_id, alliance_id, user_id)
             SELECT $1, $2, u FROM unnest($3::bigint[]) AS u
             ON CONFLICT (tenant_id, alliance_id, user_id) DO NOTHING",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(&ids)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Creates an alliance (status `status`) with its members and timeline
    /// entry. `Conflict(constraint)` for a taken name or external id, or a
    /// partner who belongs to another alliance.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_alliance(
        &self,
        tenant_id: TenantId,
        id: i64,
        f: &AllianceFields,
        status: &str,
        external_id: Option<&str>,
        members: &[UserId],
        created_by: UserId,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        Self::insert_alliance_tx(&mut tx, tenant_id, id, f, status, external_id, created_by)
            .await?;
        Self::set_members_tx(&mut tx, tenant_id, id, members).await?;
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        let row = Self::fetch_alliance_tx(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }

    pub(crate) async fn insert_alliance_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        id: i64,
        f: &AllianceFields,
        status: &str,
        external_id: Option<&str>,
        created_by: UserId,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alliances (tenant_id, id, name, status, owner_id, tier, region, industry,
                                    website, notes, external_id, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(&f.name)
        .bind(status)
        .bind(f.owner_id)
        .bind(&f.tier)
        .bind(&f.region)
        .bind(&f.industry)
        .bind(&f.website)
        .bind(&f.notes)
        .bind(external_id)
        .bind(created_by)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    pub(crate) async fn update_alliance_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        id: i64,
        f: &AllianceFields,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE alliances SET name = $3, owner_id = $4, tier = $5, region = $6, industry = $7,
                    website = $8, notes = $9, updated_at = now()
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(&f.name)
        .bind(f.owner_id)
        .bind(&f.tier)
        .bind(&f.region)
        .bind(&f.industry)
        .bind(&f.website)
        .bind(&f.notes)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Writes the fields (and, with `members`, the member list) of alliance
    /// `id` with its timeline entry. Errors as [`Store::insert_alliance`].
    pub async fn update_alliance(
        &self,
        tenant_id: TenantId,
        id: i64,
        f: &AllianceFields,
        members: Option<&[UserId]>,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        Self::update_alliance_tx(&mut tx, tenant_id, id, f).await?;
        if let Some(m) = members {
            Self::set_members_tx(&mut tx, tenant_id, id, m).await?;
        }
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        let row = Self::fetch_alliance_tx(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }

    /// Moves alliance `id` from status `from` to `to` (keeping `reason`)
    /// with its timeline entry. `Conflict("status")` when it is no longer in
    /// `from` (another node moved it).
    pub async fn update_alliance_status(
        &self,
        tenant_id: TenantId,
        id: i64,
        from: &str,
        to: &str,
        reason: &str,
        activity: &NewAllianceActivity,
    ) -> Result<AllianceRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let moved = sqlx::query(
            "UPDATE alliances SET status = $4, status_reason = $5, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 AND status = $3",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(from)
        .bind(to)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        if moved.rows_affected() == 0 {
            return Err(StoreError::Conflict("status".into()));
        }
        Self::insert_alliance_activity_tx(&mut tx, tenant_id, activity).await?;
        let row = Self::fetch_alliance_tx(&mut tx, tenant_id, id).await?;
        tx.commit().await?;
        row.ok_or(StoreError::NotFound)
    }

    /// The alliance with external id `external_id`, inside the caller's transaction.
    pub(crate) async fn fetch_alliance_by_external_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        external_id: &str,
    ) -> Result<Option<AllianceRow>, StoreError> {
        let q = format!("{SELECT} WHERE a.tenant_id = $1 AND a.external_id = $2");
        Ok(sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(external_id)
            .fetch_optional(&mut **tx)
            .await?)
    }

    /// Commission not yet paid (each deal's newest ledger status `pending`
    /// or `approved`) of the partners `partners` (all partners when `None`),
    /// per currency: `(currency, minor units)`.
    pub async fn fetch_commission_owed(
        &self,
        tenant_id: TenantId,
        partners: Option<&[i64]>,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT currency, SUM(amount_minor)::bigint FROM (
                SELECT DISTINCT ON (deal_id) deal_id, status, amount_minor, currency
                FROM commission_ledger
                WHERE tenant_id = $1 AND ($2::bigint[] IS NULL OR partner_id = ANY($2))
                ORDER BY deal_id, seq DESC) d
             WHERE status IN ('pending', 'approved') GROUP BY currency",
        )
        .bind(tenant_id)
        .bind(partners)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
