//! Password hashes: argon2id with the crate's default (OWASP) parameters,
//! PHC strings in the database. Hashing is CPU-bound: call from `spawn_blocking`.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Hashes a password into a PHC string.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// True when `password` matches the PHC string; false for a malformed hash.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash of a random password, made once: login verifies against it when the
/// workspace or the email is unknown (or has no password), so an answer takes
/// as long whether or not the account exists (OWASP Authentication Cheat
/// Sheet, "Authentication Responses"). Empty if hashing failed, which makes
/// [`verify`] fail fast; it cannot fail with the default parameters.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        hash(random.as_str()).unwrap_or_default()
    })
}

/// [`verify`] off the async threads, at most as many at once as `work` has
/// permits (`login_work`, issue 12 item 11; hashing goes through
/// `http::invites::hash_password` under the same bound). False when the
/// server is stopping (the semaphore closed) or the task failed.
pub async fn verify_bounded(work: &tokio::sync::Semaphore, password: String, phc: String) -> bool {
    let Ok(_turn) = work.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || verify(&password, &phc))
        .await
        .unwrap_or(false)
}
