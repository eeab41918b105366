//! Authentication: HS256 access tokens ([`jwt`]), what they grant now
//! ([`grant`]: the member's token epoch, role and tier), argon2 password
//! hashes ([`password`]), bot accounts and their tokens ([`bots`]), opaque
//! refresh tokens, and the sessions whose token lapsed ([`watch`]).

pub mod bots;
pub mod grant;
pub mod jwt;
pub mod password;
pub mod totp;
pub mod watch;

pub use bots::principal;
pub use grant::{admit, authenticate, authenticate_grant, with_rights};
pub use jwt::{AuthError, Claims, Grant, Tokens};

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new opaque token: 256 random bits as 64 hex characters.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of an opaque token, hex: what the store keeps (the token has 256
/// bits of entropy, so a fast hash is enough; argon2 is for passwords).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
