//! The enablement domain's course tables (migration 0011): courses with
//! ordered modules, module completions per partner, quiz scores, course
//! completions and certifications. Each change to a partner's records
//! writes its activity entries in the same transaction.

use super::{NewActivity, Store, StoreError};
use crate::ids::{TenantId, UserId};
use arena_protocol::SnowflakeGenerator;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

/// The domain name activity entries are written under.
const DOMAIN: &str = "enablement";

/// A course (without its modules).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseRow {
    pub id: i64,
    /// Seeded courses' stable key.
    pub slug: Option<String>,
    pub title: String,
    pub summary: String,
    /// `draft` or `published`.
    pub status: String,
    /// Quiz pass mark, percent (1..100); `None`: no quiz.
    pub pass_mark: Option<i32>,
    pub created_at: OffsetDateTime,
    pub published_at: Option<OffsetDateTime>,
}

/// One module of a course; `position` orders them (1, 2, …).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModuleRow {
    pub course_id: i64,
    pub id: i64,
    pub position: i32,
    pub title: String,
    pub body: String,
}

/// A module to write (ids from the node's generator).
#[derive(Debug, Clone)]
pub struct NewModule {
    pub id: i64,
    pub title: String,
    pub body: String,
}

/// A course to create with its modules, in order.
#[derive(Debug, Clone)]
pub struct NewCourse {
    pub id: i64,
    pub slug: Option<String>,
    pub title: String,
    pub summary: String,
    pub pass_mark: Option<i32>,
    /// `draft` (staff create) or `published` (seeded examples).
    pub status: &'static str,
    pub created_by: Option<UserId>,
    pub modules: Vec<NewModule>,
}

/// A change to a course; `None` leaves a field as it is. `pass_mark:
/// Some(None)` removes the quiz.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub pass_mark: Option<Option<i32>>,
    /// Replaces every module (drafts only; the caller checks).
    pub modules: Option<Vec<NewModule>>,
}

/// `(partner, course, module, completed_at)` of a completed module.
pub type ModuleDone = (UserId, i64, i64, OffsetDateTime);

/// A partner's course record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CourseRecordRow {
    pub partner_id: UserId,
    pub course_id: i64,
    /// Completion (or certificate issue) time.
    pub at: OffsetDateTime,
    /// Certificate number (certifications only).
    pub id: Option<i64>,
    /// Quiz score (quiz scores and certifications of courses with a quiz).
    pub score: Option<i32>,
}

/// What a completed module or a submitted score led to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    /// The module or score was new (false: nothing was written).
    pub recorded: bool,
    pub modules_done: i64,
    pub modules_total: i64,
    /// The course became completed now (and its certification issued).
    pub course_completed: bool,
    pub certification_id: Option<i64>,
}

const COURSE_COLS: &str = "id, slug, title, summary, status, pass_mark, created_at, published_at";

impl Store {
    /// Creates a course and its modules; a seeded course whose `slug`
    /// exists already is left as it is (`false`).
    pub async fn insert_course(
        &self,
        tenant_id: TenantId,
        c: &NewCourse,
    ) -> Result<bool, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "INSERT INTO courses (tenant_id, id, slug, title, summary, status, pass_mark, created_by, published_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $6 = 'published' THEN now() END)
             ON CONFLICT (tenant_id, slug) DO NOTHING",
        )
        .bind(tenant_id)
        .bind(c.id)
        .bind(&c.slug)
        .bind(&c.title)
        .bind(&c.summary)
        .bind(c.status)
        .bind(c.pass_mark)
        .bind(c.created_by)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        Self::insert_modules_tx(&mut tx, tenant_id, c.id, &c.modules).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_modules_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        course_id: i64,
        modules: &[NewModule],
    ) -> Result<(), StoreError> {
        for (i, m) in modules.iter().enumerate() {
            sqlx::query(
                "INSERT INTO course_modules (tenant_id, course_id, id, position, title, body)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(tenant_id)
            .bind(course_id)
            .bind(m.id)
            .bind(i as i32 + 1)
            .bind(&m.title)
            .bind(&m.body)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Applies `p` to a course; `NotFound` when it does not exist.
    pub async fn update_course(
        &self,
        tenant_id: TenantId,
        id: i64,
        p: &CoursePatch,
    ) -> Result<CourseRow, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE courses SET title = COALESCE($3, title), summary = COALESCE($4, summary),
                    pass_mark = CASE WHEN $5 THEN $6 ELSE pass_mark END, updated_at = now()
             WHERE tenant_id = $1 AND id = $2 RETURNING {COURSE_COLS}"
        );
        let row: CourseRow = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .bind(&p.title)
            .bind(&p.summary)
            .bind(p.pass_mark.is_some())
            .bind(p.pass_mark.flatten())
            .fetch_one(&mut *tx)
            .await?;
        if let Some(modules) = &p.modules {
            sqlx::query("DELETE FROM course_modules WHERE tenant_id = $1 AND course_id = $2")
                .bind(tenant_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Self::insert_modules_tx(&mut tx, tenant_id, id, modules).await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// Publishes a draft; `None` when the course is not a draft (or absent).
    pub async fn update_course_published(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<CourseRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "UPDATE courses SET status = 'published', published_at = now(), updated_at = now()
             WHERE tenant_id = $1 AND id = $2 AND status = 'draft' RETURNING {COURSE_COLS}"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The tenant's courses (published only when `published_only`), oldest
    /// first, at most `limit`.
    pub async fn fetch_courses(
        &self,
        tenant_id: TenantId,
        published_only: bool,
        limit: i64,
    ) -> Result<Vec<CourseRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!(
            "SELECT {COURSE_COLS} FROM courses WHERE tenant_id = $1 AND (NOT $2 OR status = 'published')
             ORDER BY created_at, id LIMIT $3"
        );
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(published_only)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// One course, if it exists.
    pub async fn fetch_course(
        &self,
        tenant_id: TenantId,
        id: i64,
    ) -> Result<Option<CourseRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let q = format!("SELECT {COURSE_COLS} FROM courses WHERE tenant_id = $1 AND id = $2");
        let out = sqlx::query_as(&q)
            .bind(tenant_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Modules of one course, or of every course, in course and position order.
    pub async fn fetch_modules(
        &self,
        tenant_id: TenantId,
        course_id: Option<i64>,
    ) -> Result<Vec<ModuleRow>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let out = sqlx::query_as(
            "SELECT course_id, id, position, title, body FROM course_modules
             WHERE tenant_id = $1 AND ($2::bigint IS NULL OR course_id = $2)
             ORDER BY course_id, position",
        )
        .bind(tenant_id)
        .bind(course_id)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Marks `module` of `course` done for `partner` (nothing when it was
    /// done already), and completes the course when that was its last
    /// module and its quiz (if any) is passed; one transaction with the
    /// activity entries.
    pub async fn insert_module_completion(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        course: &CourseRow,
        module: &ModuleRow,
        ids: &SnowflakeGenerator,
    ) -> Result<Completion, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "INSERT INTO module_completions (tenant_id, partner_id, course_id, module_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(course.id)
        .bind(module.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(Completion::default());
        }
        let summary = format!(
            "Completed module {} “{}” of “{}”",
            module.position, module.title, course.title
        );
        let a = NewActivity {
            id: ids.next_id().0 as i64,
            partner,
            actor: Some(partner),
            domain: DOMAIN,
            verb: "module.completed",
            summary: &summary,
            data: serde_json::json!({"course_id": course.id.to_string(), "module_id": module.id.to_string()}),
        };
        Self::insert_activity_tx(&mut tx, tenant_id, &a).await?;
        let c = Self::complete_course_tx(&mut tx, tenant_id, partner, course, ids).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Records a quiz score (the best one stands; a lower one changes
    /// nothing) and completes the course when its modules are done and the
    /// score reaches the pass mark.
    pub async fn insert_quiz_score(
        &self,
        tenant_id: TenantId,
        partner: UserId,
        course: &CourseRow,
        score: i32,
        ids: &SnowflakeGenerator,
    ) -> Result<Completion, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let n = sqlx::query(
            "INSERT INTO quiz_scores (tenant_id, partner_id, course_id, score) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, partner_id, course_id) DO UPDATE
               SET score = EXCLUDED.score, submitted_at = now() WHERE quiz_scores.score < EXCLUDED.score",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(course.id)
        .bind(score)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let summary = format!("Scored {score} % in the quiz of “{}”", course.title);
        let a = NewActivity {
            id: ids.next_id().0 as i64,
            partner,
            actor: Some(partner),
            domain: DOMAIN,
            verb: "quiz.submitted",
            summary: &summary,
            data: serde_json::json!({"course_id": course.id.to_string(), "score": score}),
        };
        Self::insert_activity_tx(&mut tx, tenant_id, &a).await?;
        let mut c = Self::complete_course_tx(&mut tx, tenant_id, partner, course, ids).await?;
        c.recorded = n > 0;
        tx.commit().await?;
        Ok(c)
    }

    /// Counts the partner's progress in `course` and, when every module is
    /// done and the quiz passed, writes the completion and certification
    /// (once: a completed course stays as it is).
    async fn complete_course_tx(
        tx: &mut Transaction<'_, Postgres>,
        tenant_id: TenantId,
        partner: UserId,
        course: &CourseRow,
        ids: &SnowflakeGenerator,
    ) -> Result<Completion, StoreError> {
        let (total, done, score): (i64, i64, Option<i32>) = sqlx::query_as(
            "SELECT (SELECT count(*) FROM course_modules WHERE tenant_id = $1 AND course_id = $2),
                    (SELECT count(*) FROM module_completions WHERE tenant_id = $1 AND course_id = $2 AND partner_id = $3),
                    (SELECT score FROM quiz_scores WHERE tenant_id = $1 AND course_id = $2 AND partner_id = $3)",
        )
        .bind(tenant_id)
        .bind(course.id)
        .bind(partner)
        .fetch_one(&mut **tx)
        .await?;
        let mut c = Completion {
            recorded: true,
            modules_done: done,
            modules_total: total,
            ..Completion::default()
        };
        if !crate::domains::enablement::rules::passed(total, done, course.pass_mark, score) {
            return Ok(c);
        }
        let n = sqlx::query(
            "INSERT INTO course_completions (tenant_id, partner_id, course_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(tenant_id)
        .bind(partner)
        .bind(course.id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(c);
        }
        let cert = ids.next_id().0 as i64;
        sqlx::query(
            "INSERT INTO certifications (tenant_id, id, partner_id, course_id, score) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(tenant_id)
        .bind(cert)
        .bind(partner)
        .bind(course.id)
        .bind(course.pass_mark.and(score))
        .execute(&mut **tx)
        .await?;
        let data = serde_json::json!({"course_id": course.id.to_string(), "certification_id": cert.to_string()});
        for (verb, summary) in [
            (
                "course.completed",
                format!("Completed the course “{}”", course.title),
            ),
            (
                "certification.issued",
                format!("Certified in “{}” (certificate {cert})", course.title),
            ),
        ] {
            let a = NewActivity {
                id: ids.next_id().0 as i64,
                partner,
                actor: None,
                domain: DOMAIN,
                verb,
                summary: &summary,
                data: data.clone(),
            };
            Self::insert_activity_tx(tx, tenant_id, &a).await?;
        }
        c.course_completed = true;
        c.certification_id = Some(cert);
        Ok(c)
    }
}
