//! Validation of alliance requests: each field's bounds, answered as
//! `bad_request` naming the field. Text fields are trimmed and refuse
//! control characters (notes may hold line breaks).

use crate::domains::clients::input::text;
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Deserialize;

/// Longest name or title, characters.
pub const MAX_NAME: usize = 120;
/// Longest tier, region, industry or contact role, characters.
pub const MAX_SHORT: usize = 60;
/// Longest website or document link, characters.
pub const MAX_URL: usize = 500;
/// Longest notes, activity summary or status reason, characters.
pub const MAX_NOTES: usize = 2000;
/// Longest external id (the CSV key), characters.
pub const MAX_EXTERNAL_ID: usize = 100;
/// Most partner members of one alliance.
pub const MAX_MEMBERS: usize = 50;

pub(super) fn bad(msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::BadRequest, msg)
}

/// The fields of an alliance; on create `name` is required, on PATCH every
/// absent field stays as it is. Ids are decimal strings.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllianceInput {
    /// 1..120 characters, unique per workspace (case-insensitive).
    #[serde(default)]
    pub name: Option<String>,
    /// A staff member or admin (decimal id); the creator by default.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// 0..60 characters each.
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    /// An http(s) URL or "" (0..500 characters).
    #[serde(default)]
    pub website: Option<String>,
    /// 0..2000 characters.
    #[serde(default)]
    pub notes: Option<String>,
    /// The partner users who belong to it (decimal ids, at most 50); each
    /// partner belongs to at most one alliance. PATCH replaces the list.
    #[serde(default)]
    pub member_ids: Option<Vec<String>>,
}

/// A short optional field: 0..`max` characters.
pub fn short(field: &str, s: &str, max: usize) -> Result<String, ErrorBody> {
    text(field, s, 0, max, false)
}

/// The alliance name.
pub fn name(s: &str) -> Result<String, ErrorBody> {
    text("name", s, 1, MAX_NAME, false)
}

/// Notes (line breaks allowed).
pub fn notes(field: &str, s: &str) -> Result<String, ErrorBody> {
    text(field, s, 0, MAX_NOTES, true)
}

/// An http(s) URL, or "" when `optional`.
pub fn url(field: &str, s: &str, optional: bool) -> Result<String, ErrorBody> {
    let t = text(field, s, 0, MAX_URL, false)?;
    if t.is_empty() && optional {
        return Ok(t);
    }
    match url::Url::parse(&t) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(t),
        _ => Err(bad(format!("{field} must be an http(s) URL"))),
    }
}

/// A date `YYYY-MM-DD`.
pub fn date(field: &str, s: &str) -> Result<time::Date, ErrorBody> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.trim(), &f).map_err(|_| bad(format!("{field} must be a date YYYY-MM-DD")))
}

/// An optional date: "" is none.
pub fn opt_date(field: &str, s: Option<&str>) -> Result<Option<time::Date>, ErrorBody> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => date(field, d).map(Some),
    }
}

/// A decimal record id (positive), `bad_request` naming `field` otherwise.
pub fn id(field: &str, s: &str) -> Result<i64, ErrorBody> {
    crate::domains::clients::pipeline::parse_id(field, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_http_and_may_be_empty_when_optional() {
        assert!(url("website", "https://acme.test/x", false).is_ok());
        assert_eq!(url("website", " ", true).expect("empty"), "");
        assert!(url("website", "", false).is_err());
        assert!(url("website", "javascript:alert(1)", true).is_err());
        assert!(url("website", "ftp://acme.test", true).is_err());
    }

    #[test]
    fn dates_are_iso_days() {
        assert_eq!(
            opt_date("due_on", Some("2026-12-01")).expect("ok"),
            Some(time::macros::date!(2026 - 12 - 01))
        );
        assert_eq!(opt_date("due_on", Some("")).expect("empty"), None);
        let e = opt_date("due_on", Some("12/01/2026")).expect_err("format");
        assert!(e.message.contains("due_on"), "{}", e.message);
    }

    #[test]
    fn names_are_bounded() {
        assert!(name("").is_err());
        assert!(name(&"x".repeat(MAX_NAME + 1)).is_err());
        assert_eq!(name("  Acme  ").expect("ok"), "Acme");
        assert!(name("a\nb").is_err());
    }
}
