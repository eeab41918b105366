//! What the tenant's enablement actor is asked to do (REST and
//! `panel.action`), each answered through its own reply after the commit,
//! and the course commands: staff create, edit and publish courses
//! (draft → published; publishing posts in #training).

use super::views::{self, Course, CourseDraft, CourseEdit};
use super::{rules, Enablement, COURSE_PUBLISHED, TRAINING_CHANNEL};
use crate::bus::Projection;
use crate::domains::Changed;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{CoursePatch, CourseRow, NewCourse};
use arena_protocol::model::Card;
use arena_protocol::{ErrorBody, ErrorCode};
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// What the enablement actor is asked to do.
#[derive(Debug)]
pub enum Command {
    /// The catalogue: published courses (staff: drafts too).
    ListCourses {
        by: Actor,
        reply: Reply<Vec<Course>>,
    },
    /// Create a draft course (staff).
    CreateCourse {
        by: Actor,
        draft: CourseDraft,
        reply: Reply<Course>,
    },
    /// Change a course (staff); modules and pass mark of drafts only.
    EditCourse {
        by: Actor,
        course_id: i64,
        edit: CourseEdit,
        reply: Reply<Course>,
    },
    /// Publish a draft (staff).
    Publish {
        by: Actor,
        course_id: i64,
        reply: Reply<Course>,
    },
    /// Mark the next module of a course done (partners).
    CompleteModule {
        by: Actor,
        course_id: i64,
        module_id: i64,
        reply: Reply<views::CourseProgress>,
    },
    /// Submit a quiz score, percent (partners).
    SubmitQuiz {
        by: Actor,
        course_id: i64,
        score: i64,
        reply: Reply<views::CourseProgress>,
    },
    /// Progress of one partner, or (staff, `None`) of every partner.
    Progress {
        by: Actor,
        partner: Option<UserId>,
        reply: Reply<Vec<views::PartnerProgress>>,
    },
    /// A partner's badges (earned and still to earn); staff name the partner.
    Badges {
        by: Actor,
        partner: Option<UserId>,
        reply: Reply<Vec<views::BadgeView>>,
    },
    /// Share completions in #training or not (partners, their own).
    SetSharing {
        by: Actor,
        share: bool,
        reply: Reply<bool>,
    },
    /// Start an SOP board for a client (partners).
    AddClient {
        by: Actor,
        client: String,
        client_type: String,
        reply: Reply<()>,
    },
    /// Tick or untick an item of a client's board (partners).
    Tick {
        by: Actor,
        client: String,
        item: String,
        done: bool,
        reply: Reply<()>,
    },
}

pub(super) fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// Staff or admins acting as themselves (not a bot).
pub(super) fn staff_only(by: &Actor) -> Result<(), ErrorBody> {
    if by.role.is_staff() && by.bot.is_none() {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "staff only"))
    }
}

/// A partner acting as themselves.
pub(super) fn partner_only(by: &Actor, what: &str) -> Result<UserId, ErrorBody> {
    if by.role == arena_protocol::model::Role::Partner && by.bot.is_none() {
        Ok(by.user_id)
    } else {
        Err(err(ErrorCode::Forbidden, format!("only partners {what}")))
    }
}

/// A partner's projection and the program's.
pub(super) fn partner_and_program(p: UserId) -> Changed {
    Changed::Only(vec![Projection::Partner(p), Projection::Program])
}

/// Runs one command and says which projections changed.
pub(super) async fn run(e: &mut Enablement, command: Command) -> Changed {
    match command {
        Command::ListCourses { by, reply } => {
            let _ = reply.send(list(e, &by).await);
            Changed::Nothing
        }
        Command::CreateCourse { by, draft, reply } => {
            let r = create(e, &by, draft).await;
            crate::domains::answer(reply, r, Changed::Only(vec![Projection::Program]))
        }
        Command::EditCourse {
            by,
            course_id,
            edit,
            reply,
        } => {
            let r = edit_course(e, &by, course_id, edit).await;
            let changed = match &r {
                Ok(c) if c.status == "published" => Changed::All,
                Ok(_) => Changed::Only(vec![Projection::Program]),
                Err(_) => Changed::Nothing,
            };
            let _ = reply.send(r);
            changed
        }
        Command::Publish {
            by,
            course_id,
            reply,
        } => {
            let r = publish(e, &by, course_id).await;
            crate::domains::answer(reply, r, Changed::All)
        }
        Command::CompleteModule {
            by,
            course_id,
            module_id,
            reply,
        } => {
            let r = super::completion::complete_module(e, &by, course_id, module_id).await;
            crate::domains::answer(reply, r, partner_and_program(by.user_id))
        }
        Command::SubmitQuiz {
            by,
            course_id,
            score,
            reply,
        } => {
            let r = super::completion::submit_quiz(e, &by, course_id, score).await;
            crate::domains::answer(reply, r, partner_and_program(by.user_id))
        }
        Command::Progress { by, partner, reply } => {
            let _ = reply.send(super::completion::progress(e, &by, partner).await);
            Changed::Nothing
        }
        Command::Badges { by, partner, reply } => {
            let _ = reply.send(super::badges::of(e, &by, partner).await);
            Changed::Nothing
        }
        Command::SetSharing { by, share, reply } => {
            let r = super::boards::set_sharing(e, &by, share).await;
            let changed = match r {
                Ok(true) => partner_and_program(by.user_id),
                _ => Changed::Nothing,
            };
            let _ = reply.send(r.map(|_| share));
            changed
        }
        Command::AddClient {
            by,
            client,
            client_type,
            reply,
        } => {
            let r = super::boards::add_client(e, &by, &client, &client_type).await;
            crate::domains::answer(reply, r, partner_and_program(by.user_id))
        }
        Command::Tick {
            by,
            client,
            item,
            done,
            reply,
        } => {
            let r = super::boards::tick(e, &by, &client, &item, done).await;
            crate::domains::answer(reply, r, partner_and_program(by.user_id))
        }
    }
}

async fn list(e: &Enablement, by: &Actor) -> Result<Vec<Course>, ErrorBody> {
    let staff = by.role.is_staff() && by.bot.is_none();
    let t = e.tenant_id;
    let courses = e
        .store()
        .fetch_courses(t, !staff, rules::MAX_COURSES)
        .await
        .map_err(store_error)?;
    let modules = e
        .store()
        .fetch_modules(t, None)
        .await
        .map_err(store_error)?;
    Ok(courses.iter().map(|c| Course::of(c, &modules)).collect())
}

/// A course with its modules, as the caller may see it: a draft is
/// `not_found` for anyone but staff.
pub(super) async fn course(e: &Enablement, by: &Actor, id: i64) -> Result<CourseRow, ErrorBody> {
    match e
        .store()
        .fetch_course(e.tenant_id, id)
        .await
        .map_err(store_error)?
    {
        Some(c) if c.status == "published" || (by.role.is_staff() && by.bot.is_none()) => Ok(c),
        _ => Err(err(ErrorCode::NotFound, format!("no course {id}"))),
    }
}

async fn with_modules(e: &Enablement, c: &CourseRow) -> Result<Course, ErrorBody> {
    let modules = e
        .store()
        .fetch_modules(e.tenant_id, Some(c.id))
        .await
        .map_err(store_error)?;
    Ok(Course::of(c, &modules))
}

async fn create(e: &Enablement, by: &Actor, d: CourseDraft) -> Result<Course, ErrorBody> {
    staff_only(by)?;
    let t = e.tenant_id;
    let existing = e
        .store()
        .fetch_courses(t, false, rules::MAX_COURSES)
        .await
        .map_err(store_error)?;
    if existing.len() as i64 >= rules::MAX_COURSES {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "the workspace has {} courses, the most it may have",
                rules::MAX_COURSES
            ),
        ));
    }
    let course = NewCourse {
        id: e.ctx.ids.next_id().0 as i64,
        slug: None,
        title: rules::text("title", &d.title, rules::MAX_TITLE, false, false)?,
        summary: rules::text(
            "summary",
            d.summary.as_deref().unwrap_or_default(),
            rules::MAX_SUMMARY,
            true,
            true,
        )?,
        pass_mark: d.pass_mark.map(rules::pass_mark).transpose()?,
        status: "draft",
        created_by: Some(by.user_id),
        modules: views::modules(&d.modules, &e.ctx.ids)?,
    };
    e.store()
        .insert_course(t, &course)
        .await
        .map_err(store_error)?;
    let row = course_row(e, course.id).await?;
    with_modules(e, &row).await
}

async fn course_row(e: &Enablement, id: i64) -> Result<CourseRow, ErrorBody> {
    e.store()
        .fetch_course(e.tenant_id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| err(ErrorCode::NotFound, format!("no course {id}")))
}

async fn edit_course(
    e: &Enablement,
    by: &Actor,
    id: i64,
    ed: CourseEdit,
) -> Result<Course, ErrorBody> {
    staff_only(by)?;
    let now = course_row(e, id).await?;
    if now.status == "published" && (ed.modules.is_some() || ed.pass_mark.is_some()) {
        return Err(err(
            ErrorCode::Conflict,
            format!("course {id} is published: only its title and summary may change"),
        ));
    }
    let patch = CoursePatch {
        title: ed
            .title
            .map(|t| rules::text("title", &t, rules::MAX_TITLE, false, false))
            .transpose()?,
        summary: ed
            .summary
            .map(|s| rules::text("summary", &s, rules::MAX_SUMMARY, true, true))
            .transpose()?,
        pass_mark: match ed.pass_mark {
            None => None,
            Some(0) => Some(None),
            Some(m) => Some(Some(rules::pass_mark(m)?)),
        },
        modules: ed
            .modules
            .map(|m| views::modules(&m, &e.ctx.ids))
            .transpose()?,
    };
    let row = e
        .store()
        .update_course(e.tenant_id, id, &patch)
        .await
        .map_err(store_error)?;
    with_modules(e, &row).await
}

async fn publish(e: &Enablement, by: &Actor, id: i64) -> Result<Course, ErrorBody> {
    staff_only(by)?;
    let Some(row) = e
        .store()
        .update_course_published(e.tenant_id, id)
        .await
        .map_err(store_error)?
    else {
        let now = course_row(e, id).await?;
        return Err(err(
            ErrorCode::Conflict,
            format!("course {id} is already {}", now.status),
        ));
    };
    let course = with_modules(e, &row).await?;
    let content = format!(
        "📚 New course published: “{}” ({} module{}). Find it in #enablement-curriculum.",
        course.title,
        course.modules.len(),
        if course.modules.len() == 1 { "" } else { "s" }
    );
    let card = Card {
        kind: COURSE_PUBLISHED.into(),
        data: serde_json::json!({"course_id": course.id, "title": course.title, "modules": course.modules.len()}),
    };
    if let Err(er) = e
        .ctx
        .post_as_system(e.tenant_id, TRAINING_CHANNEL, content, Some(card))
        .await
    {
        tracing::warn!(tenant = %e.tenant_id, course = id, error = ?er, "course published but its #training post failed");
    }
    Ok(course)
}
