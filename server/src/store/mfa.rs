//! Two-factor login (issue 13): each member's TOTP secret (RFC 6238),
//! their recovery codes (SHA-256, single use) and the short-lived
//! challenges that stand between a right password and the code.

use super::{Store, StoreError};
use crate::ids::{TenantId, UserId};
use time::OffsetDateTime;

/// Most wrong codes one challenge takes before it is spent.
pub const CHALLENGE_ATTEMPTS: i32 = 5;

/// What a challenge is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengePurpose {
    /// The member has two-factor login on: the code finishes the login.
    Login,
    /// The tenant requires it of staff and the member has none yet: the
    /// challenge lets them enrol, then finishes the login.
    Enroll,
}

impl ChallengePurpose {
    fn as_str(self) -> &'static str {
        match self {
            ChallengePurpose::Login => "login",
            ChallengePurpose::Enroll => "enroll",
        }
    }
}

/// A live challenge, as presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub purpose: ChallengePurpose,
}

/// The member's TOTP state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpRow {
    /// Base32 secret, pending or active; `None` before any enrolment.
    pub totp_secret: Option<String>,
    pub enabled: bool,
    /// The last time step accepted (a code is accepted once).
    pub totp_last_step: Option<i64>,
}

impl Store {
    /// Stores a challenge (`token_hash`, SHA-256 of the token handed out)
    /// for the member, live until `expires_at`; purges expired ones.
    pub async fn insert_mfa_challenge(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        token_hash: &str,
        purpose: ChallengePurpose,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query("DELETE FROM mfa_challenges WHERE tenant_id = $1 AND expires_at <= now()")
            .bind(tenant_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO mfa_challenges (tenant_id, token_hash, user_id, purpose, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(token_hash)
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live challenge `token_hash` names (the token names its tenant, so
    /// it is looked up across tenants), counting one attempt; `None` when
    /// unknown, expired or out of attempts ([`CHALLENGE_ATTEMPTS`]).
    pub async fn use_mfa_challenge(
        &self,
        token_hash: &str,
    ) -> Result<Option<Challenge>, StoreError> {
        let mut tx = self.system_tx().await?;
        let row: Option<(TenantId, UserId, String, i32, bool)> = sqlx::query_as(
            "SELECT tenant_id, user_id, purpose, attempts, expires_at <= now()
               FROM mfa_challenges WHERE token_hash = $1 FOR UPDATE",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((tenant_id, user_id, purpose, attempts, expired)) = row else {
            return Ok(None);
        };
        if expired || attempts >= CHALLENGE_ATTEMPTS {
            sqlx::query("DELETE FROM mfa_challenges WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(None);
        }
        sqlx::query("UPDATE mfa_challenges SET attempts = attempts + 1 WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let purpose = if purpose == "enroll" {
            ChallengePurpose::Enroll
        } else {
            ChallengePurpose::Login
        };
        Ok(Some(Challenge {
            tenant_id,
            user_id,
            purpose,
        }))
    }

    /// Ends a challenge once it did its work.
    pub async fn delete_mfa_challenge(
        &self,
        tenant_id: TenantId,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query("DELETE FROM mfa_challenges WHERE tenant_id = $1 AND token_hash = $2")
            .bind(tenant_id)
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The member's TOTP state; `NotFound` for no such member.
    pub async fn fetch_totp(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
    ) -> Result<TotpRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT totp_secret, totp_enabled_at IS NOT NULL AS enabled, totp_last_step
               FROM users WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Starts an enrolment: stores `secret` as pending (two-factor login
    /// stays as it was until [`Store::enable_totp`]). `Conflict` when it is
    /// already on.
    pub async fn set_pending_totp(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        secret: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "UPDATE users SET totp_secret = $3, totp_last_step = NULL
              WHERE tenant_id = $1 AND id = $2 AND totp_enabled_at IS NULL",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(secret)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(
                "two-factor login is already on".into(),
            ));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Accepts the code of time step `step` once: moves `totp_last_step` to
    /// it only if it is later than the last accepted (RFC 6238 §5.2: a code
    /// is accepted once); `false` for a replayed or older step.
    pub async fn accept_totp_step(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        step: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "UPDATE users SET totp_last_step = $3
              WHERE tenant_id = $1 AND id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3)",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(step)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Turns two-factor login on with the pending secret and replaces the
    /// member's recovery codes with `code_hashes`; audited as `mfa.enabled`.
    pub async fn enable_totp(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        code_hashes: &[String],
        audit_id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE users SET totp_enabled_at = now()
              WHERE tenant_id = $1 AND id = $2 AND totp_secret IS NOT NULL",
        )
        .bind(tenant_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO recovery_codes (tenant_id, user_id, code_hash)
             SELECT $1, $2, unnest($3::text[])",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(code_hashes)
        .execute(&mut *tx)
        .await?;
        let target = user_id.to_string();
        Self::insert_audit_tx(
            &mut tx,
            tenant_id,
            audit_id,
            user_id,
            "mfa.enabled",
            &target,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns two-factor login off (secret and recovery codes gone), by the
    /// member or by staff (`by`); audited as `mfa.disabled`.
    pub async fn disable_totp(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        by: UserId,
        audit_id: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
              WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let target = user_id.to_string();
        Self::insert_audit_tx(&mut tx, tenant_id, audit_id, by, "mfa.disabled", &target).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Spends the recovery code with hash `code_hash` if the member has it
    /// unused; `false` otherwise.
    pub async fn use_recovery_code(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        code_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "UPDATE recovery_codes SET used_at = now()
              WHERE tenant_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(code_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }
}
