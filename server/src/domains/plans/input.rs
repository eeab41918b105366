//! Validation of what partners and staff write in app plans: bounded text
//! without control characters (line breaks and tabs where multi-line), the
//! wizard's answers, and a logo file id (the actor's own upload, or any of
//! the tenant's for staff).

use super::render::{feature_label, Answers, FEATURES};
use crate::error::store_error;
use crate::ids::TenantId;
use crate::registry::Actor;
use crate::store::{Store, StoreError};
use arena_protocol::{ErrorBody, ErrorCode};

/// Longest client name, characters.
pub const MAX_CLIENT: usize = 120;
/// Longest goals text.
pub const MAX_GOALS: usize = 2000;
/// Longest audience text.
pub const MAX_AUDIENCE: usize = 500;
/// Longest colours text.
pub const MAX_COLORS: usize = 200;
/// Longest tone.
pub const MAX_TONE: usize = 60;
/// Longest free-text feature wish.
pub const MAX_FEATURES_OTHER: usize = 1000;
/// Longest plan title.
pub const MAX_TITLE: usize = 160;
/// Longest decision note.
pub const MAX_NOTE: usize = 1000;

pub(super) fn bad(msg: impl Into<String>) -> ErrorBody {
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

/// The wizard's answers as given (the template key is checked by the actor).
#[derive(Debug, Clone, Default)]
pub struct RawAnswers {
    pub client_name: String,
    pub template: String,
    pub goals: String,
    pub audience: String,
    /// A file id (decimal string); empty: none.
    pub logo: String,
    pub colors: String,
    pub tone: String,
    /// Catalogue keys, any order.
    pub features: Vec<String>,
    pub features_other: String,
}

/// Checks the answers' text and features; the logo is checked by [`logo`].
pub fn answers(r: &RawAnswers) -> Result<Answers, ErrorBody> {
    for f in &r.features {
        if feature_label(f).is_none() {
            let keys: Vec<&str> = FEATURES.iter().map(|(k, _)| *k).collect();
            return Err(bad(format!(
                "features: {f:?} is not in the catalogue ({})",
                keys.join(", ")
            )));
        }
    }
    let features: Vec<String> = FEATURES
        .iter()
        .filter(|(k, _)| r.features.iter().any(|f| f == k))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    Ok(Answers {
        client_name: text("client_name", &r.client_name, 1, MAX_CLIENT, false)?,
        template: r.template.trim().to_owned(),
        goals: text("goals", &r.goals, 1, MAX_GOALS, true)?,
        audience: text("audience", &r.audience, 0, MAX_AUDIENCE, true)?,
        logo_file: None,
        colors: text("colors", &r.colors, 0, MAX_COLORS, false)?,
        tone: text("tone", &r.tone, 0, MAX_TONE, false)?,
        features,
        features_other: text(
            "features_other",
            &r.features_other,
            0,
            MAX_FEATURES_OTHER,
            true,
        )?,
    })
}

/// Checks a logo file id ("" is none): a file of this tenant uploaded by
/// `by` (staff: any). `not_found` for a file the actor may not use.
pub async fn logo(
    store: &Store,
    tenant_id: TenantId,
    by: &Actor,
    raw: &str,
) -> Result<Option<String>, ErrorBody> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let id: i64 = raw
        .parse()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| bad(format!("logo: {raw:?} is not a file id")))?;
    match store.fetch_file(tenant_id, id).await {
        Ok(f) if f.owner_id == by.user_id || by.role.is_staff() => Ok(Some(id.to_string())),
        Ok(_) | Err(StoreError::NotFound) => {
            Err(ErrorBody::new(ErrorCode::NotFound, format!("no file {id}")))
        }
        Err(e) => Err(store_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_bounded_and_features_come_in_catalogue_order() {
        let r = RawAnswers {
            client_name: " Harbor Gym ".into(),
            template: "gym".into(),
            goals: "More\r\nmembers".into(),
            features: vec!["push".into(), "bookings".into(), "push".into()],
            ..RawAnswers::default()
        };
        let a = answers(&r).expect("valid");
        assert_eq!(a.client_name, "Harbor Gym");
        assert_eq!(a.goals, "More\nmembers");
        assert_eq!(a.features, ["bookings", "push"]);
        let e = answers(&RawAnswers {
            features: vec!["teleport".into()],
            ..r.clone()
        })
        .expect_err("unknown feature");
        assert!(e.message.contains("teleport"), "{e:?}");
        assert!(answers(&RawAnswers {
            client_name: "a\u{0}b".into(),
            ..r.clone()
        })
        .is_err());
        assert!(answers(&RawAnswers {
            goals: String::new(),
            ..r
        })
        .is_err());
    }
}
