//! Wire shapes of the enablement domain (REST bodies and answers, also the
//! answers of `panel.action`): courses, modules, a partner's progress and
//! badges. Ids are decimal strings, times RFC 3339.

use super::rules;
use crate::store::{CourseRow, ModuleRow, NewModule};
use arena_protocol::{ErrorBody, ErrorCode, SnowflakeGenerator};
use serde::{Deserialize, Serialize};

/// A course with its modules in order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// `draft` or `published`.
    pub status: String,
    /// Quiz pass mark in percent; absent: no quiz.
    pub pass_mark: Option<i32>,
    pub modules: Vec<Module>,
    pub created_at: String,
    pub published_at: Option<String>,
}

/// A module of a course.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Module {
    pub id: String,
    /// 1, 2, … : modules are completed in this order.
    pub position: i32,
    pub title: String,
    pub body: String,
}

impl Course {
    /// The course `c` with those of `modules` that belong to it.
    pub fn of(c: &CourseRow, modules: &[ModuleRow]) -> Course {
        Course {
            id: c.id.to_string(),
            title: c.title.clone(),
            summary: c.summary.clone(),
            status: c.status.clone(),
            pass_mark: c.pass_mark,
            modules: modules
                .iter()
                .filter(|m| m.course_id == c.id)
                .map(|m| Module {
                    id: m.id.to_string(),
                    position: m.position,
                    title: m.title.clone(),
                    body: m.body.clone(),
                })
                .collect(),
            created_at: crate::store::rfc3339(c.created_at),
            published_at: c.published_at.map(crate::store::rfc3339),
        }
    }
}

/// One partner's progress in one course.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CourseProgress {
    pub course_id: String,
    pub title: String,
    pub modules_done: i64,
    pub modules_total: i64,
    /// The best submitted quiz score, percent.
    pub quiz_score: Option<i32>,
    pub pass_mark: Option<i32>,
    /// The module to complete next; absent when all are done.
    pub next_module_id: Option<String>,
    /// When the course was passed; absent while it is not.
    pub completed_at: Option<String>,
    /// The certificate number, once passed.
    pub certification_id: Option<String>,
}

/// One partner's progress in every published course.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartnerProgress {
    pub partner_id: String,
    pub display_name: String,
    pub share_completions: bool,
    pub courses: Vec<CourseProgress>,
}

/// A badge of the program and, per partner, when it was earned.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BadgeView {
    pub id: String,
    pub name: String,
    /// How it is earned, as a sentence.
    pub rule: String,
    /// When the partner earned it; absent: still to earn.
    pub awarded_at: Option<String>,
}

/// A module to write: its title and optional body.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModuleInput {
    /// 1..120 characters.
    pub title: String,
    /// 0..4000 characters (newlines allowed).
    #[serde(default)]
    pub body: Option<String>,
}

/// Body of `POST /api/v1/courses`: a new draft.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseDraft {
    /// 1..120 characters.
    pub title: String,
    /// 0..1000 characters.
    #[serde(default)]
    pub summary: Option<String>,
    /// 1..100 percent: the course then needs a quiz score at least this.
    #[serde(default)]
    pub pass_mark: Option<i64>,
    /// 1..30 modules, in order.
    pub modules: Vec<ModuleInput>,
}

/// Body of `PATCH /api/v1/courses/{id}`: the fields to change. Modules and
/// the pass mark change only while the course is a draft.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourseEdit {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// 1..100 percent; 0 removes the quiz.
    #[serde(default)]
    pub pass_mark: Option<i64>,
    /// Replaces every module (1..30, in order).
    #[serde(default)]
    pub modules: Option<Vec<ModuleInput>>,
}

/// Validated modules with fresh ids.
pub fn modules(
    input: &[ModuleInput],
    ids: &SnowflakeGenerator,
) -> Result<Vec<NewModule>, ErrorBody> {
    if input.is_empty() || input.len() > rules::MAX_MODULES {
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!("modules must list 1..{} modules", rules::MAX_MODULES),
        ));
    }
    input
        .iter()
        .enumerate()
        .map(|(i, m)| {
            Ok(NewModule {
                id: ids.next_id().0 as i64,
                title: rules::text(
                    &format!("modules[{i}].title"),
                    &m.title,
                    rules::MAX_TITLE,
                    false,
                    false,
                )?,
                body: rules::text(
                    &format!("modules[{i}].body"),
                    m.body.as_deref().unwrap_or_default(),
                    rules::MAX_BODY,
                    true,
                    true,
                )?,
            })
        })
        .collect()
}
