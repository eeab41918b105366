//! Password resets (issue 13): a single-use link valid 30 minutes. Only the
//! SHA-256 of the token is kept; the confirm finds the row by its token
//! hash as `arena_system` ([`Store::system_tx`]), then scopes the
//! transaction to the row's tenant ([`Store::scope_tx`]) to set the password.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

impl Store {
    /// Stores a reset of `user_id`'s password with the token's hash.
    pub async fn insert_password_reset(
        &self,
        tenant_id: TenantId,
        id: i64,
        user_id: UserId,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO password_resets (tenant_id, id, user_id, token_hash, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(id)
        .bind(user_id)
        .bind(token_hash)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses the live reset with this token hash, in one transaction: sets
    /// the member's password to `password_hash` (argon2 PHC), moves their
    /// token epoch on (every access token refused), deletes their refresh
    /// tokens, marks this and every other open reset of theirs used, and
    /// writes the `password.reset` audit entry (actor: the member). Returns
    /// the member; `NotFound` for an unknown, used or expired token.
    pub async fn use_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        audit_id: i64,
    ) -> Result<(TenantId, UserId), StoreError> {
        let mut tx = self.system_tx().await?;
        let (tenant_id, id, user_id): (TenantId, i64, UserId) = sqlx::query_as(
            "SELECT tenant_id, id, user_id FROM password_resets
              WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() FOR UPDATE",
        )
        .bind(token_hash)
        .fetch_one(&mut *tx)
        .await?;
        Self::scope_tx(&mut tx, tenant_id).await?;
        sqlx::query(
            "UPDATE users SET password_hash = $3, token_epoch = token_epoch + 1
              WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(password_hash)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE password_resets SET used_at = now()
              WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL",
        )
        .bind(tenant_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        super::invites::audit(
            &mut tx,
            tenant_id,
            audit_id,
            user_id,
            "password.reset",
            id,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok((tenant_id, user_id))
    }
}
