//! Authentication: HS256 access tokens ([`jwt`]), argon2 password hashes
//! ([`password`]), bot accounts and their tokens ([`bots`]) and opaque
//! refresh tokens.

pub mod bots;
pub mod jwt;
pub mod password;

pub use bots::{authenticate, principal, with_rights};
pub use jwt::{AuthError, Claims, Tokens};

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
