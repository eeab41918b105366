//! Completion per partner: a partner marks the next module of a published
//! course done, or submits the course's quiz score; when every module is
//! done (and the score reaches the pass mark) the course is completed and
//! certified, once. After that commits: a post in #training if the partner
//! shares completions, the `CourseCompleted` signal to the other domains,
//! and the badges the new count earns.

use super::commands::{course, err, partner_only, staff_only};
use super::views::{CourseProgress, PartnerProgress};
use super::{rules, Enablement, COURSE_COMPLETED, TRAINING_CHANNEL};
use crate::domains::Signal;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{Completion, CourseRow, ModuleRow};
use arena_protocol::model::{Card, Role};
use arena_protocol::{ErrorBody, ErrorCode};
use std::collections::BTreeMap;

/// Marks `module_id` of `course_id` done for the calling partner. Errors:
/// `forbidden` for anyone but a partner, `not_found` for a course that is
/// not published or a module not in it, `conflict` for a module done
/// already or one whose predecessor is not done yet.
pub(super) async fn complete_module(
    e: &Enablement,
    by: &Actor,
    course_id: i64,
    module_id: i64,
) -> Result<CourseProgress, ErrorBody> {
    let partner = partner_only(by, "complete modules")?;
    let c = course(e, by, course_id).await?;
    let modules = e
        .store()
        .fetch_modules(e.tenant_id, Some(c.id))
        .await
        .map_err(store_error)?;
    let module = modules.iter().find(|m| m.id == module_id).ok_or_else(|| {
        err(
            ErrorCode::NotFound,
            format!("course {course_id} has no module {module_id}"),
        )
    })?;
    let done = e
        .store()
        .fetch_module_completions(e.tenant_id, Some(partner))
        .await
        .map_err(store_error)?;
    let is_done = |id: i64| done.iter().any(|d| d.2 == id);
    if is_done(module.id) {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "module {} “{}” is already completed",
                module.position, module.title
            ),
        ));
    }
    if let Some(next) = rules::next_module(&modules, |m| m.id, is_done) {
        if next.id != module.id {
            return Err(err(
                ErrorCode::Conflict,
                format!(
                    "modules are taken in order: complete module {} “{}” first",
                    next.position, next.title
                ),
            ));
        }
    }
    let r = e
        .store()
        .insert_module_completion(e.tenant_id, partner, &c, module, &e.ctx.ids)
        .await
        .map_err(store_error)?;
    if !r.recorded {
        return Err(err(
            ErrorCode::Conflict,
            format!("module {} is already completed", module.position),
        ));
    }
    after(e, partner, &c, &r).await;
    one(e, partner, &c, &modules).await
}

/// Records the calling partner's quiz score (0..100) for a published course
/// with a pass mark; the best score stands. Errors: `forbidden`,
/// `not_found`, `bad_request` for a course without a quiz or a bad score.
pub(super) async fn submit_quiz(
    e: &Enablement,
    by: &Actor,
    course_id: i64,
    score: i64,
) -> Result<CourseProgress, ErrorBody> {
    let partner = partner_only(by, "submit quiz scores")?;
    let score = rules::score(score)?;
    let c = course(e, by, course_id).await?;
    if c.pass_mark.is_none() {
        return Err(err(
            ErrorCode::BadRequest,
            format!("course {course_id} has no quiz"),
        ));
    }
    let r = e
        .store()
        .insert_quiz_score(e.tenant_id, partner, &c, score, &e.ctx.ids)
        .await
        .map_err(store_error)?;
    after(e, partner, &c, &r).await;
    let modules = e
        .store()
        .fetch_modules(e.tenant_id, Some(c.id))
        .await
        .map_err(store_error)?;
    one(e, partner, &c, &modules).await
}

/// The effects of a committed completion: the #training post (with the
/// partner's consent), the signal, and badges. Failures are logged: the
/// completion itself stands.
async fn after(e: &Enablement, partner: UserId, c: &CourseRow, r: &Completion) {
    let t = e.tenant_id;
    if r.course_completed {
        match e.store().fetch_share_completions(t, partner).await {
            Ok(true) => {
                if let Err(er) = post_completion(e, partner, c).await {
                    tracing::warn!(tenant = %t, %partner, error = ?er, "course completed but its #training post failed");
                }
            }
            Ok(false) => {}
            Err(er) => {
                tracing::warn!(tenant = %t, error = ?er, "could not read the sharing setting")
            }
        }
        if let Ok(domains) = e.ctx.links.domains() {
            domains
                .signal(
                    t,
                    Signal::CourseCompleted {
                        partner,
                        course_id: c.id,
                    },
                )
                .await;
        }
    }
    if let Err(er) = super::badges::check(e, partner, false).await {
        tracing::warn!(tenant = %t, %partner, error = ?er, "badge check failed");
    }
}

async fn post_completion(e: &Enablement, partner: UserId, c: &CourseRow) -> Result<(), ErrorBody> {
    let name = e
        .store()
        .fetch_user(e.tenant_id, partner)
        .await
        .map_err(store_error)?
        .display_name;
    let content = format!("🎓 {name} completed “{}” and is now certified.", c.title);
    let card = Card {
        kind: COURSE_COMPLETED.into(),
        data: serde_json::json!({"course_id": c.id.to_string(), "title": c.title,
                                 "partner_id": partner.to_string(), "partner_name": name}),
    };
    e.ctx
        .post_as_system(e.tenant_id, TRAINING_CHANNEL, content, Some(card))
        .await?;
    Ok(())
}

/// A partner's records, read once for several courses.
pub(super) struct Records {
    pub done: Vec<crate::store::ModuleDone>,
    pub completed: Vec<crate::store::CourseRecordRow>,
    pub certified: Vec<crate::store::CourseRecordRow>,
    pub scores: Vec<crate::store::CourseRecordRow>,
}

impl Records {
    /// The records of `partner`, or of everyone.
    pub async fn read(
        e: &Enablement,
        partner: Option<UserId>,
    ) -> Result<Records, crate::store::StoreError> {
        let (s, t) = (e.store(), e.tenant_id);
        Ok(Records {
            done: s.fetch_module_completions(t, partner).await?,
            completed: s.fetch_course_completions(t, partner).await?,
            certified: s.fetch_certifications(t, partner).await?,
            scores: s.fetch_quiz_scores(t, partner).await?,
        })
    }

    /// `partner`'s progress in `c` (whose modules are `modules`, any order of courses).
    pub fn progress(
        &self,
        partner: UserId,
        c: &CourseRow,
        modules: &[ModuleRow],
    ) -> CourseProgress {
        let mine: Vec<&ModuleRow> = modules.iter().filter(|m| m.course_id == c.id).collect();
        let is_done = |id: i64| self.done.iter().any(|d| d.0 == partner && d.2 == id);
        let find = |rows: &[crate::store::CourseRecordRow]| {
            rows.iter()
                .find(|r| r.partner_id == partner && r.course_id == c.id)
                .cloned()
        };
        let cert = find(&self.certified);
        CourseProgress {
            course_id: c.id.to_string(),
            title: c.title.clone(),
            modules_done: mine.iter().filter(|m| is_done(m.id)).count() as i64,
            modules_total: mine.len() as i64,
            quiz_score: find(&self.scores).and_then(|s| s.score),
            pass_mark: c.pass_mark,
            next_module_id: rules::next_module(mine.iter().copied(), |m| m.id, is_done)
                .map(|m| m.id.to_string()),
            completed_at: find(&self.completed).map(|r| crate::store::rfc3339(r.at)),
            certification_id: cert.and_then(|r| r.id).map(|i| i.to_string()),
        }
    }
}

async fn one(
    e: &Enablement,
    partner: UserId,
    c: &CourseRow,
    modules: &[ModuleRow],
) -> Result<CourseProgress, ErrorBody> {
    let r = Records::read(e, Some(partner)).await.map_err(store_error)?;
    Ok(r.progress(partner, c, modules))
}

/// Progress in every published course: of `partner` (a partner may name
/// only themselves: `forbidden` otherwise), or, for staff without one, of
/// every partner.
pub(super) async fn progress(
    e: &Enablement,
    by: &Actor,
    partner: Option<UserId>,
) -> Result<Vec<PartnerProgress>, ErrorBody> {
    let staff = staff_only(by).is_ok();
    let partner = match (staff, partner) {
        (true, p) => p,
        (false, Some(p)) if p != by.user_id => {
            return Err(err(
                ErrorCode::Forbidden,
                "a partner reads only their own progress",
            ))
        }
        (false, _) => Some(by.user_id),
    };
    let (s, t) = (e.store(), e.tenant_id);
    let courses = s
        .fetch_courses(t, true, rules::MAX_COURSES)
        .await
        .map_err(store_error)?;
    let modules = s.fetch_modules(t, None).await.map_err(store_error)?;
    let records = Records::read(e, partner).await.map_err(store_error)?;
    let members = s.fetch_members(t).await.map_err(store_error)?;
    let partners: BTreeMap<UserId, String> = members
        .into_iter()
        .filter(|u| u.role == Role::Partner.as_str() && partner.is_none_or(|p| p == u.id))
        .map(|u| (u.id, u.display_name))
        .collect();
    if let Some(p) = partner {
        if !partners.contains_key(&p) {
            return Err(err(ErrorCode::NotFound, format!("no partner {p}")));
        }
    }
    let not_sharing = s.fetch_not_sharing(t).await.map_err(store_error)?;
    let mut out = Vec::with_capacity(partners.len());
    for (id, name) in partners {
        out.push(PartnerProgress {
            partner_id: id.to_string(),
            display_name: name,
            share_completions: !not_sharing.contains(&id),
            courses: courses
                .iter()
                .map(|c| records.progress(id, c, &modules))
                .collect(),
        });
    }
    Ok(out)
}
