//! Refresh tokens, stored as SHA-256-free opaque hashes (argon2 is for
//! passwords; these are 256-bit random values, so a fast keyed hash suffices).

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

impl Store {
    /// Stores a refresh token's hash.
    pub async fn insert_refresh_token(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO refresh_tokens (tenant_id, token_hash, user_id, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(tenant_id)
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Consumes (deletes) a live refresh token and returns whose it was; rotation means one use each.
    pub async fn delete_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<(TenantId, UserId), StoreError> {
        Ok(sqlx::query_as(
            "DELETE FROM refresh_tokens WHERE token_hash = $1 AND expires_at > now() RETURNING tenant_id, user_id",
        )
        .bind(token_hash)
        .fetch_one(&self.pool)
        .await?)
    }
}
