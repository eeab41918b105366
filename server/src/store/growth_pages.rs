//! Partners' landing pages (migration 0014): one row per page, its slug
//! unique in the tenant, with its counted visits; submissions are the leads
//! whose `page_id` is the page (`growth.rs`).

use super::activity::NewActivity;
use super::{Store, StoreError};
use crate::ids::{LandingPageId, TenantId, UserId};
use time::OffsetDateTime;

/// One landing page with its figures.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PageRow {
    pub id: LandingPageId,
    pub partner_id: UserId,
    pub slug: String,
    pub headline: String,
    pub body: String,
    /// The call-to-action label.
    pub cta: String,
    /// Contact form fields, of `name`, `email`, `phone`, `company`, `message`.
    pub fields: Vec<String>,
    pub published: bool,
    /// Counted visits.
    pub visits: i64,
    /// Leads that came from its form.
    pub submissions: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A page's content as the partner wrote it (validated by the domain).
#[derive(Debug, Clone)]
pub struct PageContent<'a> {
    pub slug: &'a str,
    pub headline: &'a str,
    pub body: &'a str,
    pub cta: &'a str,
    pub fields: &'a [String],
    pub published: bool,
}

const PAGE_COLS: &str = "p.id, p.partner_id, p.slug, p.headline, p.body, p.cta, p.fields, p.published, p.visits,
    (SELECT COUNT(*) FROM growth_leads l WHERE l.tenant_id = p.tenant_id AND l.page_id = p.id) AS submissions,
    p.created_at, p.updated_at";

impl Store {
    /// Creates a page (`id` new) or replaces the content of page `id`, with
    /// its activity entry. A slug taken in the tenant is
    /// `Conflict("growth_pages_tenant_id_slug_key")`.
    pub async fn upsert_growth_page(
        &self,
        tenant_id: TenantId,
        id: LandingPageId,
        partner_id: UserId,
        c: &PageContent<'_>,
        activity: &NewActivity<'_>,
    ) -> Result<PageRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO growth_pages (tenant_id, id, partner_id, slug, headline, body, cta, fields, published)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (tenant_id, id) DO UPDATE SET slug = $4, headline = $5, body = $6,
                 cta = $7, fields = $8, published = $9, updated_at = now()",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(partner_id)
        .bind(c.slug)
        .bind(c.headline)
        .bind(c.body)
        .bind(c.cta)
        .bind(c.fields)
        .bind(c.published)
        .execute(&mut *tx)
        .await?;
        Self::insert_activity_tx(&mut tx, tenant_id, activity).await?;
        let q =
            format!("SELECT {PAGE_COLS} FROM growth_pages p WHERE p.tenant_id = $1 AND p.id = $2");
        let row = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// The page `id`, or `NotFound`.
    pub async fn fetch_growth_page(
        &self,
        tenant_id: TenantId,
        id: LandingPageId,
    ) -> Result<PageRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q =
            format!("SELECT {PAGE_COLS} FROM growth_pages p WHERE p.tenant_id = $1 AND p.id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The page with `slug` in the tenant, or `NotFound`.
    pub async fn fetch_growth_page_by_slug(
        &self,
        tenant_id: TenantId,
        slug: &str,
    ) -> Result<PageRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {PAGE_COLS} FROM growth_pages p WHERE p.tenant_id = $1 AND p.slug = $2"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(slug)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Pages by slug (one partner's with `partner`), at most `limit`.
    pub async fn fetch_growth_pages(
        &self,
        tenant_id: TenantId,
        partner: Option<UserId>,
        limit: i64,
    ) -> Result<Vec<PageRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {PAGE_COLS} FROM growth_pages p WHERE p.tenant_id = $1
             AND ($2::bigint IS NULL OR p.partner_id = $2) ORDER BY p.slug LIMIT $3"
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
}
