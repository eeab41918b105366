//! Access tokens: JWT, HS256 only (PROTOCOL.md §7; RFC 8725 §3.1: one
//! algorithm, fixed by the server). `alg: none` and any other algorithm are
//! rejected by the validation, as are wrong `iss`/`aud` (RFC 8725 §3.9) and a
//! token without the `kid` of a configured key. Tokens are signed with the
//! current key and name it in `kid`; a previous key (rotation) still
//! verifies the tokens it signed until they expire.

use crate::ids::{TenantId, UserId};
use crate::registry::Actor;
use arena_protocol::model::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// Issuer claim.
pub const ISSUER: &str = "arena";
/// Audience claim.
pub const AUDIENCE: &str = "arena-gateway";

/// The claims of PROTOCOL.md §7; ids are decimal strings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub tid: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The member's token epoch at issue (`users.token_epoch`): the token
    /// is refused once the epoch moved on (kick, logout, a role change).
    pub epoch: i64,
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Issued at, Unix seconds.
    pub iat: u64,
    pub iss: String,
    pub aud: String,
}

/// What a verified access token grants beyond the member: until when, and
/// for which token epoch. A session keeps it and is closed with 4004 when
/// `exp` passes or the member's epoch moves on ([`crate::auth::watch`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// The member's token epoch the token was issued in.
    pub epoch: i64,
}

/// A token was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Bad signature, expired, unknown or revoked: 401 / close 4004.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The token could not be checked now (Postgres down): 503 / close 4000.
    #[error("token check unavailable: {0}")]
    Unavailable(String),
}

/// One HS256 key and its id.
struct Key {
    kid: String,
    decoding: DecodingKey,
}

/// Issues and verifies access tokens. Cheap to clone? No: share it in `Arc`.
pub struct Tokens {
    encoding: EncodingKey,
    /// The current key first, then the previous one (rotation), if any.
    keys: Vec<Key>,
    validation: Validation,
    /// Access token lifetime, seconds.
    pub ttl_s: u64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("ttl_s", &self.ttl_s)
            .field(
                "kids",
                &self.keys.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Now, Unix seconds.
pub fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The key id of an HS256 secret: the first 16 hex digits of
/// SHA-256("arena-jwt-kid:" + secret). Derived, so the current and the
/// previous key can never share an id by mistake; with a secret of 32 or more
/// random bytes it reveals nothing usable about the key.
pub fn key_id(secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"arena-jwt-kid:");
    h.update(secret.as_bytes());
    hex::encode(h.finalize())[..16].to_owned()
}

impl Tokens {
    /// Keys from an HS256 secret.
    pub fn new(secret: &str, ttl_s: u64) -> Tokens {
        Tokens::with_previous(secret, None, ttl_s)
    }

    /// Keys from the current HS256 secret (signs and verifies) and, during a
    /// rotation, the previous one (verifies only the tokens whose `kid` names it).
    pub fn with_previous(secret: &str, previous: Option<&str>, ttl_s: u64) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        let key = |s: &str| Key {
            kid: key_id(s),
            decoding: DecodingKey::from_secret(s.as_bytes()),
        };
        let mut keys = vec![key(secret)];
        keys.extend(previous.filter(|p| *p != secret).map(key));
        Tokens {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            keys,
            validation,
            ttl_s,
        }
    }

    /// The `kid` new tokens carry.
    pub fn current_kid(&self) -> &str {
        &self.keys[0].kid
    }

    /// Signs a token for this member, of this token epoch, valid for `ttl_s` seconds.
    pub fn issue(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        role: Role,
        tier: Option<String>,
        epoch: i64,
        ttl_s: u64,
    ) -> String {
        let iat = now_s();
        let claims = Claims {
            sub: user_id.to_string(),
            tid: tenant_id.to_string(),
            role,
            tier,
            epoch,
            exp: iat + ttl_s,
            iat,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current_kid().to_owned());
        // HS256 signing of a plain struct cannot fail.
        jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap_or_default()
    }

    /// Verifies the key (by `kid`), signature, algorithm, expiry, issuer
    /// and audience; the member as of issue and what the token grants.
    pub fn verify(&self, token: &str) -> Result<(Actor, Grant), AuthError> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.iter().find(|k| k.kid == kid))
            .ok_or_else(|| AuthError::Invalid("no key with this kid".into()))?;
        let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let c = data.claims;
        let parse = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| AuthError::Invalid("bad id claim".into()))
        };
        let actor = Actor::member(
            TenantId(parse(&c.tid)?),
            UserId(parse(&c.sub)?),
            c.role,
            c.tier,
        );
        Ok((
            actor,
            Grant {
                exp: c.exp,
                epoch: c.epoch,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let t = Tokens::new("0123456789abcdef0123", 60);
        let tok = t.issue(
            TenantId(7),
            UserId(9),
            Role::Partner,
            Some("gold".into()),
            3,
            60,
        );
        let a = t.verify(&tok).map_err(|e| e.to_string());
        assert_eq!(
            a.map(|(a, g)| (a.tenant_id, a.user_id, g.epoch)),
            Ok((TenantId(7), UserId(9), 3))
        );
        // Another key.
        assert!(Tokens::new("another-secret-0123456", 60)
            .verify(&tok)
            .is_err());
        // alg: none, hand-made.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI5IiwidGlkIjoiNyIsInJvbGUiOiJhZG1pbiIsImV4cCI6OTk5OTk5OTk5OSwiaWF0IjoxLCJpc3MiOiJhcmVuYSIsImF1ZCI6ImFyZW5hLWdhdGV3YXkifQ.";
        assert!(t.verify(none).is_err());
        // Expired.
        let old = t.issue(TenantId(7), UserId(9), Role::Partner, None, 0, 0);
        std::thread::sleep(std::time::Duration::from_millis(10));
        let mut strict = Tokens::new("0123456789abcdef0123", 60);
        strict.validation.leeway = 0;
        let _ = old;
        let expired = {
            let claims = Claims {
                sub: "9".into(),
                tid: "7".into(),
                role: Role::Partner,
                tier: None,
                epoch: 0,
                exp: 1,
                iat: 0,
                iss: ISSUER.into(),
                aud: AUDIENCE.into(),
            };
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some(strict.current_kid().to_owned());
            jsonwebtoken::encode(&header, &claims, &strict.encoding).unwrap_or_default()
        };
        assert!(strict.verify(&expired).is_err());
    }

    #[test]
    fn rotation_verifies_by_kid() {
        let old = Tokens::new("old-secret-0123456789abcdef0123456789", 60);
        let by_old = old.issue(TenantId(1), UserId(2), Role::Staff, None, 0, 60);
        let rotated = Tokens::with_previous(
            "new-secret-0123456789abcdef0123456789",
            Some("old-secret-0123456789abcdef0123456789"),
            60,
        );
        let by_new = rotated.issue(TenantId(1), UserId(2), Role::Staff, None, 0, 60);
        assert_ne!(old.current_kid(), rotated.current_kid());
        assert!(
            rotated.verify(&by_old).is_ok(),
            "the previous key still verifies"
        );
        assert!(rotated.verify(&by_new).is_ok());
        // Only the current key once the previous one is dropped.
        let after = Tokens::new("new-secret-0123456789abcdef0123456789", 60);
        assert!(after.verify(&by_old).is_err());
        assert!(after.verify(&by_new).is_ok());
        // A token whose kid names the current key but was signed by another
        // key, and one without a kid, are refused.
        let claims = Claims {
            sub: "2".into(),
            tid: "1".into(),
            role: Role::Admin,
            tier: None,
            epoch: 0,
            exp: now_s() + 60,
            iat: now_s(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        let forged = {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some(after.current_kid().to_owned());
            jsonwebtoken::encode(&h, &claims, &old.encoding).unwrap_or_default()
        };
        let no_kid = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &after.encoding)
            .unwrap_or_default();
        assert!(after.verify(&no_kid).is_err());
        assert!(after.verify(&forged).is_err());
    }
}
