//! TOTP two-factor codes (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps, one
//! step of skew either way, as authenticator apps expect) through the
//! `totp-rs` crate, the enrolment QR code (SVG, `qrcode` crate) and
//! recovery codes.

use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// A new shared secret: 160 random bits (RFC 4226 §4 recommends 160), base32.
pub fn new_secret() -> String {
    let mut b = [0u8; 20];
    rand::rng().fill_bytes(&mut b);
    Secret::from(b.to_vec()).to_base32()
}

/// The TOTP of a base32 `secret`, labelled `issuer:account` for the
/// authenticator app (a ':' in either is replaced, RFC-wise it separates
/// them). `None` for a secret that is not base32 of at least 128 bits.
pub fn totp(secret: &str, issuer: &str, account: &str) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(bytes)
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .ok()
}

/// The time step a 6-digit `code` is valid for at `now_s` (Unix seconds),
/// if any; the caller accepts each step once (RFC 6238 §5.2).
pub fn check(totp: &Totp, code: &str, now_s: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // totp-rs answers the matched counter, i.e. the time step number.
    totp.check(code, now_s)
}

/// The `otpauth://totp/…` URL an authenticator app scans, and its QR code
/// as an SVG document.
pub fn enrolment(totp: &Totp) -> Option<(String, String)> {
    let url = totp.to_url().ok()?;
    let qr = qrcode::QrCode::new(url.as_bytes()).ok()?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Some((url, svg))
}

/// [`RECOVERY_CODES`] new recovery codes, `xxxxx-xxxxx` of lowercase
/// base32 (50 random bits each).
pub fn recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut s = String::with_capacity(11);
            for i in 0..10 {
                if i == 5 {
                    s.push('-');
                }
                s.push(ALPHABET[(rng.next_u32() % 32) as usize] as char);
            }
            s
        })
        .collect()
}

/// A recovery code as typed, normalised (lowercase, spaces dropped) before
/// hashing, so "ABCDE-FGHIJ " matches.
pub fn normalise_recovery(code: &str) -> String {
    code.trim().to_lowercase().replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_of_the_current_step_and_its_neighbours_is_accepted_once_per_step() {
        let secret = new_secret();
        let t = totp(&secret, "Arena", "ana@demo.test").expect("valid secret");
        let now = 1_800_000_000;
        let code = t.generate(now).to_string();
        assert_eq!(check(&t, &code, now), Some(now / 30));
        // One step of skew either way (RFC 6238 §5.2), not two.
        assert_eq!(check(&t, &code, now + 30), Some(now / 30));
        assert_eq!(check(&t, &code, now + 90), None);
        assert_eq!(check(&t, "12345", now), None);
        assert_eq!(check(&t, "abcdef", now), None);
    }

    #[test]
    fn the_enrolment_url_names_issuer_and_account() {
        let t = totp(&new_secret(), "Arena: demo", "ana@demo.test").expect("valid secret");
        let (url, svg) = enrolment(&t).expect("url");
        assert!(url.starts_with("otpauth://totp/"), "{url}");
        assert!(url.contains("issuer=Arena"), "{url}");
        assert!(svg.contains("<svg"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalise() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let set: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(set.len(), RECOVERY_CODES);
        assert_eq!(normalise_recovery(" ABCDE-FGHIJ "), "abcde-fghij");
    }
}
