//! Refresh tokens and token epochs. Refresh tokens are 256-bit random values
//! kept as their SHA-256 (argon2 is for passwords); each login starts a
//! family, each refresh rotates within it, and a used token stays (marked)
//! until it expires so its reuse is seen (OAuth 2.0 Security BCP, RFC 9700
//! §4.14.2). The token epoch of a member is a counter in `users`: access
//! tokens carry it and are refused once it moved on.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// Expired refresh tokens removed per login or refresh at most (bounded work
/// on the request path; every issue purges, so the table stays near its live size).
pub const PURGE_BATCH: i64 = 100;

/// The token watch's read of members' epochs: `$1` tenant ids and `$2` user
/// ids, pairwise; answers `(tenant_id, id, token_epoch)` for those that exist.
/// Each key is looked up through `users_pkey` on its own (a LATERAL
/// subquery that `OFFSET 0` keeps from being flattened into a join): joined
/// directly, Postgres planned 1,000 keys as a hash join over a sequential
/// scan of every tenant's members, 49–57 ms with 113,000 members against
/// ~5 ms this way (`EXPLAIN ANALYZE`, issue 14, seventh pass), and the watch
/// runs it every `token_check_ms` per 1,000 attached members.
pub const TOKEN_EPOCHS_SQL: &str = "SELECT k.tenant_id, k.id, u.token_epoch
   FROM unnest($1::bigint[], $2::bigint[]) AS k(tenant_id, id)
   CROSS JOIN LATERAL (
     SELECT token_epoch FROM users u
      WHERE u.tenant_id = k.tenant_id AND u.id = k.id
     OFFSET 0) u";

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshUse {
    /// A live, unused token: it is now used and its successor is stored.
    Rotated {
        tenant_id: TenantId,
        user_id: UserId,
    },
    /// The token had been used before: its whole family is revoked.
    Reused {
        tenant_id: TenantId,
        user_id: UserId,
    },
    /// Unknown, revoked or expired.
    Invalid,
}

impl Store {
    /// Stores a refresh token's hash as a member of `family` (a new login
    /// names a new family) and purges up to [`PURGE_BATCH`] expired tokens.
    pub async fn insert_refresh_token(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        token_hash: &str,
        family: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (tenant_id, token_hash, user_id, family, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(token_hash)
        .bind(user_id)
        .bind(family)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.purge_expired_refresh_tokens(PURGE_BATCH).await?;
        Ok(())
    }

    /// Presents the refresh token `old_hash`: when it is live and unused it is
    /// marked used and `new_hash` joins its family (one transaction); when it
    /// was used before, its family is deleted (reuse: RFC 9700 §4.14.2).
    pub async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<RefreshUse, StoreError> {
        // The token names its tenant: look it up across tenants, then act as that tenant.
        let mut tx = self.system_tx().await?;
        let row: Option<(TenantId, UserId, String, bool, bool)> = sqlx::query_as(
            "SELECT tenant_id, user_id, family, used_at IS NOT NULL, expires_at <= now()
               FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
        )
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((tenant_id, user_id, family, used, expired)) = row else {
            return Ok(RefreshUse::Invalid);
        };
        if expired {
            return Ok(RefreshUse::Invalid);
        }
        Self::scope_tx(&mut tx, tenant_id).await?;
        if used {
            sqlx::query("DELETE FROM refresh_tokens WHERE family = $1")
                .bind(&family)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(RefreshUse::Reused { tenant_id, user_id });
        }
        sqlx::query("UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1")
            .bind(old_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO refresh_tokens (tenant_id, token_hash, user_id, family, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(new_hash)
        .bind(user_id)
        .bind(&family)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(RefreshUse::Rotated { tenant_id, user_id })
    }

    /// Deletes the family of the refresh token `token_hash` if it is this
    /// member's (logout); returns how many tokens went.
    pub async fn revoke_refresh_family(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        token_hash: &str,
    ) -> Result<u64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query(
            "DELETE FROM refresh_tokens WHERE family = (
               SELECT family FROM refresh_tokens
                WHERE token_hash = $3 AND tenant_id = $1 AND user_id = $2)",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes every refresh token of the member (kick, logout everywhere).
    pub async fn revoke_refresh_tokens(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<u64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(out)
    }

    /// Deletes up to `limit` expired refresh tokens; returns how many.
    pub async fn purge_expired_refresh_tokens(&self, limit: i64) -> Result<u64, StoreError> {
        let mut tx = self.system_tx().await?;
        let out = sqlx::query(
            "DELETE FROM refresh_tokens WHERE token_hash IN (
               SELECT token_hash FROM refresh_tokens WHERE expires_at <= now() LIMIT $1)",
        )
        .bind(limit)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(out)
    }

    /// Ends every token of the member in one transaction: the token epoch
    /// moves on (access tokens refused) and the refresh tokens are deleted.
    /// Returns the new epoch; `NotFound` for no such member. One commit, so a
    /// kick closes its sessions right after it (the token watcher sees the
    /// new epoch no earlier than the kick does).
    pub async fn end_member_tokens(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<i64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let epoch = sqlx::query_scalar(
            "UPDATE users SET token_epoch = token_epoch + 1
              WHERE tenant_id = $1 AND id = $2 RETURNING token_epoch",
        )
        .bind(tenant_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(epoch)
    }

    /// Moves the member's token epoch on, so every access token issued
    /// before is refused; returns the new epoch. `NotFound` for no such member.
    pub async fn bump_token_epoch(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<i64, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_scalar(
            "UPDATE users SET token_epoch = token_epoch + 1
              WHERE tenant_id = $1 AND id = $2 RETURNING token_epoch",
        )
        .bind(tenant_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The database's clock (`now()`), the clock `users.epoch_changed_at`
    /// is stamped with: where the token watch's first read of changes starts.
    pub async fn database_now(&self) -> Result<OffsetDateTime, StoreError> {
        Ok(sqlx::query_scalar("SELECT now()")
            .fetch_one(&self.pool)
            .await?)
    }

    /// The database's time at the start of this read (`now()`) and every
    /// member whose token epoch changed after `since`
    /// (`users.epoch_changed_at`, stamped by a trigger, migration 0030) as
    /// `(tenant, user, current epoch)`. The token watch passes its previous
    /// read's time minus a lookback, so a change committed after that read
    /// began is still seen.
    pub async fn fetch_token_epoch_changes(
        &self,
        since: OffsetDateTime,
    ) -> Result<(OffsetDateTime, Vec<(TenantId, UserId, i64)>), StoreError> {
        let mut tx = self.system_tx().await?;
        let now: OffsetDateTime = sqlx::query_scalar("SELECT now()")
            .fetch_one(&mut *tx)
            .await?;
        let changed = sqlx::query_as(
            "SELECT tenant_id, id, token_epoch FROM users WHERE epoch_changed_at > $1",
        )
        .bind(since)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((now, changed))
    }

    /// The current token epochs of these members, `(tenant, user, epoch)`;
    /// a member who no longer exists is missing from the answer. One
    /// statement ([`TOKEN_EPOCHS_SQL`]) for the whole slice.
    pub async fn fetch_token_epochs(
        &self,
        members: &[(TenantId, UserId)],
    ) -> Result<Vec<(TenantId, UserId, i64)>, StoreError> {
        let tenants: Vec<i64> = members.iter().map(|m| m.0 .0).collect();
        let users: Vec<i64> = members.iter().map(|m| m.1 .0).collect();
        let mut tx = self.system_tx().await?;
        let out = sqlx::query_as(TOKEN_EPOCHS_SQL)
            .bind(&tenants)
            .bind(&users)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }
}
