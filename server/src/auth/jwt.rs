//! Access tokens: JWT, HS256 only (PROTOCOL.md §7). `alg: none` and any other
//! algorithm are rejected by the validation, as are wrong `iss`/`aud`.

use crate::ids::{TenantId, UserId};
use crate::registry::Actor;
use arena_protocol::model::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
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
    /// Expiry, Unix seconds.
    pub exp: u64,
    /// Issued at, Unix seconds.
    pub iat: u64,
    pub iss: String,
    pub aud: String,
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

/// Issues and verifies access tokens. Cheap to clone? No: share it in `Arc`.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Access token lifetime, seconds.
    pub ttl_s: u64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("ttl_s", &self.ttl_s)
            .finish_non_exhaustive()
    }
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Tokens {
    /// Keys from an HS256 secret.
    pub fn new(secret: &str, ttl_s: u64) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Tokens {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl_s,
        }
    }

    /// Signs a token for this member valid for `ttl_s` seconds.
    pub fn issue(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        role: Role,
        tier: Option<String>,
        ttl_s: u64,
    ) -> String {
        let iat = now_s();
        let claims = Claims {
            sub: user_id.to_string(),
            tid: tenant_id.to_string(),
            role,
            tier,
            exp: iat + ttl_s,
            iat,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        // HS256 signing of a plain struct cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .unwrap_or_default()
    }

    /// Verifies signature, algorithm, expiry, issuer and audience.
    pub fn verify(&self, token: &str) -> Result<Actor, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let c = data.claims;
        let parse = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| AuthError::Invalid("bad id claim".into()))
        };
        Ok(Actor::member(
            TenantId(parse(&c.tid)?),
            UserId(parse(&c.sub)?),
            c.role,
            c.tier,
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
            60,
        );
        let a = t.verify(&tok).map_err(|e| e.to_string());
        assert_eq!(
            a.map(|a| (a.tenant_id, a.user_id)),
            Ok((TenantId(7), UserId(9)))
        );
        // Another key.
        assert!(Tokens::new("another-secret-0123456", 60)
            .verify(&tok)
            .is_err());
        // alg: none, hand-made.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiI5IiwidGlkIjoiNyIsInJvbGUiOiJhZG1pbiIsImV4cCI6OTk5OTk5OTk5OSwiaWF0IjoxLCJpc3MiOiJhcmVuYSIsImF1ZCI6ImFyZW5hLWdhdGV3YXkifQ.";
        assert!(t.verify(none).is_err());
        // Expired.
        let old = t.issue(TenantId(7), UserId(9), Role::Partner, None, 0);
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
                exp: 1,
                iat: 0,
                iss: ISSUER.into(),
                aud: AUDIENCE.into(),
            };
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &strict.encoding)
                .unwrap_or_default()
        };
        assert!(strict.verify(&expired).is_err());
    }
}
