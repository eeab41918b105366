//! Validation of what partners and staff write: bounded text without
//! control characters, priorities and statuses by name, and evidence file
//! ids (of this tenant, uploaded by the actor unless staff attach them).

use super::status::{Priority, Status};
use crate::error::store_error;
use crate::ids::TenantId;
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::{ErrorBody, ErrorCode};

/// Longest subject, characters.
pub const MAX_SUBJECT: usize = 120;
/// Longest case body or reply, characters.
pub const MAX_BODY: usize = 4000;
/// Longest status-change reason, characters.
pub const MAX_REASON: usize = 500;
/// Most files one opening or reply attaches.
pub const MAX_FILES_PER_CHANGE: usize = 5;
/// Most files a case holds.
pub const MAX_FILES_PER_CASE: i64 = 20;

fn bad(msg: impl Into<String>) -> ErrorBody {
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
        return Err(bad(format!(
            "{field} must not contain control characters{}",
            if multiline {
                " (line breaks and tabs are fine)"
            } else {
                ""
            }
        )));
    }
    Ok(s.to_owned())
}

/// The priority named `s` (`bad_request` listing the names otherwise).
pub fn priority(s: &str) -> Result<Priority, ErrorBody> {
    Priority::parse(s).ok_or_else(|| bad("priority must be low, normal, high or urgent"))
}

/// The status named `s` (`bad_request` listing the names otherwise).
pub fn status(s: &str) -> Result<Status, ErrorBody> {
    Status::parse(s).ok_or_else(|| bad("status must be open, pending, resolved or closed"))
}

/// Checks evidence file ids (decimal strings; empty strings, as an empty
/// form field sends, are skipped): at most [`MAX_FILES_PER_CHANGE`], each a
/// file of this tenant uploaded by `by` (staff may attach any file of the
/// tenant). `not_found` for a file the actor may not use, as for one that
/// does not exist. Answers the ids, without repeats.
pub async fn evidence(
    store: &Store,
    tenant_id: TenantId,
    by: &Actor,
    ids: &[String],
) -> Result<Vec<i64>, ErrorBody> {
    let mut out: Vec<i64> = Vec::new();
    for raw in ids.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        let id: i64 = raw
            .parse()
            .ok()
            .filter(|i| *i > 0)
            .ok_or_else(|| bad(format!("evidence: {raw:?} is not a file id")))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.len() > MAX_FILES_PER_CHANGE {
        return Err(bad(format!(
            "evidence: at most {MAX_FILES_PER_CHANGE} files at a time"
        )));
    }
    for id in &out {
        let not_found = || ErrorBody::new(ErrorCode::NotFound, format!("no file {id}"));
        match store.fetch_file(tenant_id, *id).await {
            Ok(f) if f.owner_id == by.user_id || super::is_staff(by) => {}
            Ok(_) | Err(StoreError::NotFound) => return Err(not_found()),
            Err(e) => return Err(store_error(e)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(
            text("subject", "  Hi ", 1, 10, false).expect("accepted"),
            "Hi"
        );
        assert!(text("subject", "   ", 1, 10, false).is_err());
        assert!(text("subject", "a\nb", 1, 10, false).is_err());
        assert_eq!(
            text("body", "a\r\nb\tc", 1, 10, true).expect("accepted"),
            "a\nb\tc"
        );
        assert!(text("body", "a\0b", 1, 10, true).is_err());
        assert!(text("body", "a\u{1b}b", 1, 10, true).is_err());
        let e = text("body", &"x".repeat(11), 1, 10, true).expect_err("refused");
        assert!(e.message.contains("body"), "{e:?}");
        assert_eq!(text("reason", "", 0, 10, true).expect("accepted"), "");
    }
}
