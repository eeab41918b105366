//! Tenants.

use super::{Store, StoreError, TenantRow};
use crate::ids::TenantId;

impl Store {
    /// Creates the tenant, or returns the existing one with that slug.
    pub async fn insert_tenant(
        &self,
        id: TenantId,
        slug: &str,
        name: &str,
    ) -> Result<TenantRow, StoreError> {
        sqlx::query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING")
            .bind(id)
            .bind(slug)
            .bind(name)
            .execute(&self.pool)
            .await?;
        self.fetch_tenant_by_slug(slug).await
    }

    /// Creates a new tenant; `Conflict` when the slug is taken (tenant
    /// creation, where an existing workspace must not be adopted).
    pub async fn insert_new_tenant(
        &self,
        id: TenantId,
        slug: &str,
        name: &str,
    ) -> Result<TenantRow, StoreError> {
        Ok(sqlx::query_as(
            "INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3) RETURNING id, slug, name",
        )
        .bind(id)
        .bind(slug)
        .bind(name)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The tenant with this slug, or `NotFound`.
    pub async fn fetch_tenant_by_slug(&self, slug: &str) -> Result<TenantRow, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, slug, name FROM tenants WHERE slug = $1")
                .bind(slug)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The tenant with this id, or `NotFound`.
    pub async fn fetch_tenant(&self, id: TenantId) -> Result<TenantRow, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, slug, name FROM tenants WHERE id = $1")
                .bind(id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Every tenant (for the registry sync at start).
    pub async fn fetch_tenants(&self) -> Result<Vec<TenantRow>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, slug, name FROM tenants ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}
