//! Metadata of uploaded files (migration 0013); the bytes are in
//! [`crate::files::FileStore`].

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};

/// One file's metadata.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub owner_id: UserId,
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    pub created_at: time::OffsetDateTime,
}

impl FileRow {
    /// The wire shape `{id, name, content_type, size, sha256, owner_id, created_at}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id.to_string(),
            "name": self.name,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "owner_id": self.owner_id.to_string(),
            "created_at": super::rfc3339(self.created_at),
        })
    }
}

impl Store {
    /// Records an uploaded file (after its bytes are stored).
    pub async fn insert_file(&self, tenant_id: TenantId, f: &FileRow) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO files (tenant_id, id, owner_id, name, content_type, size, sha256, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant_id)
        .bind(f.id)
        .bind(f.owner_id)
        .bind(&f.name)
        .bind(&f.content_type)
        .bind(f.size)
        .bind(&f.sha256)
        .bind(f.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The file `id` of this tenant, or `NotFound` (also for another
    /// tenant's file: the tenant is part of the key).
    pub async fn fetch_file(&self, tenant_id: TenantId, id: i64) -> Result<FileRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT id, owner_id, name, content_type, size, sha256, created_at FROM files
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}
