//! Validation of what partners, staff and visitors write: bounded text
//! without control characters, contact details, slugs and money.

use arena_protocol::{ErrorBody, ErrorCode};

/// Longest name, company or headline, characters.
pub const MAX_SHORT: usize = 120;
/// Longest note, page body or script template, characters.
pub const MAX_LONG: usize = 4000;
/// Longest email address or phone number, characters.
pub const MAX_CONTACT: usize = 254;
/// Longest page slug, characters.
pub const MAX_SLUG: usize = 60;

/// A `bad_request` answer.
pub fn bad(msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::BadRequest, msg)
}

/// `s` trimmed, `min..=max` characters, no control characters except line
/// breaks and tabs when `multiline` (CRLF becomes LF).
pub fn text(
    field: &str,
    s: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, ErrorBody> {
    let s = s.replace("\r\n", "\n");
    let s = s.trim();
    let n = s.chars().count();
    if n < min || n > max {
        return Err(bad(format!("{field} must be {min}..{max} characters")));
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if s.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(bad(format!("{field} must not contain control characters")));
    }
    Ok(s.to_owned())
}

/// An optional email address: "" or `local@domain` with a dot in the domain.
pub fn email(s: &str) -> Result<String, ErrorBody> {
    let s = text("email", s, 0, MAX_CONTACT, false)?;
    if s.is_empty() {
        return Ok(s);
    }
    let ok = s.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    }) && !s.contains(char::is_whitespace);
    if ok {
        Ok(s)
    } else {
        Err(bad("email must be an address such as name@example.com"))
    }
}

/// An optional phone number: "" or digits with `+ - ( ) .` and spaces.
pub fn phone(s: &str) -> Result<String, ErrorBody> {
    let s = text("phone", s, 0, 40, false)?;
    let ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || "+-(). ".contains(c));
    if ok && (s.is_empty() || s.chars().filter(char::is_ascii_digit).count() >= 5) {
        Ok(s)
    } else {
        Err(bad(
            "phone must be a phone number (digits, + - ( ) . and spaces)",
        ))
    }
}

/// A page slug: 1..60 of `a-z 0-9 -`, not starting or ending with `-`.
pub fn slug(s: &str) -> Result<String, ErrorBody> {
    let s = s.trim().to_ascii_lowercase();
    let ok = (1..=MAX_SLUG).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-');
    if ok {
        Ok(s)
    } else {
        Err(bad(format!(
            "slug must be 1..{MAX_SLUG} of a-z, 0-9 and - (not at either end)"
        )))
    }
}

/// A deal value: positive minor units and an ISO 4217 code.
pub fn money(amount_minor: i64, currency: &str) -> Result<(i64, String), ErrorBody> {
    if !(1..=1_000_000_000_000).contains(&amount_minor) {
        return Err(bad("value_minor must be 1..1000000000000 minor units"));
    }
    let c = currency.trim().to_ascii_uppercase();
    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(bad("currency must be an ISO 4217 code such as USD"));
    }
    Ok((amount_minor, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_and_slugs_are_checked() {
        assert_eq!(email(" a@b.co ").expect("ok"), "a@b.co");
        assert_eq!(email("").expect("empty is fine"), "");
        assert!(email("nope").is_err());
        assert!(email("a b@c.de").is_err());
        assert!(phone("+1 (555) 010-2000").is_ok());
        assert!(phone("call me").is_err());
        assert_eq!(slug("Spring-Offer").expect("ok"), "spring-offer");
        assert!(slug("-x").is_err());
        assert!(slug("a/b").is_err());
        assert!(text("name", "a\u{0}b", 1, 10, false).is_err());
        assert!(money(0, "USD").is_err());
        assert_eq!(money(5, "eur").expect("ok").1, "EUR");
    }
}
