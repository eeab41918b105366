//! What a token grants now: a JWT names a member and carries their token
//! epoch; it is honoured only while that epoch is still the member's
//! (`users.token_epoch`, read with the member's row on every REST call, at
//! IDENTIFY and at RESUME, so no node ever accepts a revoked token), and
//! the role and tier come from that row, not from the token (RFC 8725 §3.10:
//! claims are checked against the server's state). Bot tokens are looked up
//! on every use and revoked by deleting them.

use super::{principal, AuthError, Grant, Tokens};
use crate::registry::Actor;
use crate::store::{Store, StoreError, UserRow};
use arena_protocol::model::Role;

/// The actor a token stands for and, for a JWT, its [`Grant`]: the member's
/// row is read, the token's epoch checked against it and role and tier taken
/// from it. `Invalid` for a revoked (older epoch), expired or bad token or a
/// member who no longer exists; `Unavailable` when Postgres is down.
pub async fn authenticate_grant(
    tokens: &Tokens,
    store: &Store,
    token: &str,
) -> Result<(Actor, Option<Grant>), AuthError> {
    let (mut actor, grant) = principal(tokens, store, token).await?;
    if let Some(g) = grant {
        let row = match store.fetch_user(actor.tenant_id, actor.user_id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                return Err(AuthError::Invalid("the member no longer exists".into()))
            }
            Err(e) => return Err(AuthError::Unavailable(e.to_string())),
        };
        admit(&mut actor, g, &row)?;
    }
    Ok((actor, grant))
}

/// [`authenticate_grant`] without the grant (REST).
pub async fn authenticate(tokens: &Tokens, store: &Store, token: &str) -> Result<Actor, AuthError> {
    authenticate_grant(tokens, store, token)
        .await
        .map(|(a, _)| a)
}

/// Admits a JWT's actor against `row`, the member's current row: `Invalid`
/// when the token's epoch is not the member's (revoked by kick, logout, role,
/// tier or password change) or the member is deactivated, else the role and tier are set from the row.
/// IDENTIFY reads the row anyway and calls this instead of [`authenticate`].
pub fn admit(actor: &mut Actor, grant: Grant, row: &UserRow) -> Result<(), AuthError> {
    if grant.epoch != row.token_epoch {
        return Err(AuthError::Invalid("the token was revoked".into()));
    }
    if row.deactivated {
        return Err(AuthError::Invalid("the member was deactivated".into()));
    }
    with_rights(actor, row)
}

/// Sets `actor`'s role and tier from `row`, the member's current row (a
/// JWT carries them as of issue).
pub fn with_rights(actor: &mut Actor, row: &UserRow) -> Result<(), AuthError> {
    actor.role = Role::parse(&row.role)
        .ok_or_else(|| AuthError::Invalid("the member has an unknown role".into()))?;
    actor.tier = row.tier.clone();
    Ok(())
}
