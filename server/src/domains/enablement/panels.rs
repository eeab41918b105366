//! #enablement-curriculum as panel data per projection. A partner sees the
//! catalogue with their progress per course (`progress`), buttons to
//! complete each course's next module, the quiz form where one is due,
//! their certifications, their sharing setting and their recent activity.
//! Staff see every course with its completion count (publish buttons for
//! drafts), completions per partner, the course form and the program's
//! activity.

use super::completion::Records;
use super::{rules, Enablement};
use crate::bus::Projection;
use crate::ids::UserId;
use crate::store::{CourseRow, ModuleRow, StoreError};
use arena_protocol::model::Role;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Activity entries shown per panel.
const ACTIVITY: i64 = 15;

/// Entries of the domain's activity log whose verb starts with one of
/// `prefixes`, of `partner` or of the program, as an `activity` block.
pub(super) async fn activity(
    e: &Enablement,
    partner: Option<UserId>,
    prefixes: &[&str],
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let rows = e
        .store()
        .fetch_activity(e.tenant_id, partner, Some("enablement"), None, 200)
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .filter(|r| prefixes.iter().any(|p| r.verb.starts_with(p)))
        .take(ACTIVITY as usize)
        .map(|r| {
            let summary = match partner {
                Some(_) => r.summary.clone(),
                None => format!("{}: {}", names.get(&r.partner_id).map_or("?", String::as_str), r.summary),
            };
            json!({
                "id": r.id.to_string(),
                "actor": r.actor_id.map(|a| names.get(&a).cloned().unwrap_or_else(|| "Arena".into())),
                "summary": summary,
                "created_at": crate::store::rfc3339(r.created_at),
            })
        })
        .collect();
    Ok(json!({ "type": "activity", "items": items }))
}

/// Display names of the tenant's members.
pub(super) async fn names(e: &Enablement) -> Result<BTreeMap<UserId, String>, StoreError> {
    Ok(e.store()
        .fetch_members(e.tenant_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// The curriculum panel of `projection`.
pub(super) async fn curriculum(
    e: &Enablement,
    projection: Projection,
) -> Result<Value, StoreError> {
    match projection {
        Projection::Partner(p) => partner_view(e, p).await,
        Projection::Program | Projection::Everyone => staff_view(e).await,
    }
}

async fn partner_view(e: &Enablement, p: UserId) -> Result<Value, StoreError> {
    let (s, t) = (e.store(), e.tenant_id);
    let courses = s.fetch_courses(t, true, rules::MAX_COURSES).await?;
    let modules = s.fetch_modules(t, None).await?;
    let records = Records::read(e, Some(p)).await?;
    let share = s.fetch_share_completions(t, p).await?;
    let mut progress = Vec::new();
    let mut buttons = Vec::new();
    let mut blocks = Vec::new();
    let mut quizzes = Vec::new();
    for c in &courses {
        let pr = records.progress(p, c, &modules);
        let state = if pr.completed_at.is_some() {
            " ✓ certified".to_owned()
        } else {
            String::new()
        };
        progress.push(json!({
            "label": format!("{} ({} of {} modules){state}", c.title, pr.modules_done, pr.modules_total),
            "value": pr.modules_done, "max": pr.modules_total.max(1),
        }));
        if pr.completed_at.is_some() {
            continue;
        }
        if let Some(next) = pr
            .next_module_id
            .as_deref()
            .and_then(|id| module(&modules, id))
        {
            buttons.push(json!({
                "label": format!("{}: complete module {} “{}”", c.title, next.position, next.title),
                "action": "complete_module",
                "params": {"course_id": c.id.to_string(), "module_id": next.id.to_string()},
                "style": "primary",
            }));
        } else if let Some(mark) = c.pass_mark {
            quizzes.push(quiz_form(c, mark, pr.quiz_score));
        }
    }
    let certified = records.certified.len();
    blocks.push(json!({ "type": "figures", "items": [
        { "label": "Courses", "value": courses.len() },
        { "label": "Completed", "value": records.completed.len() },
        { "label": "Certifications", "value": certified },
    ]}));
    if courses.is_empty() {
        blocks.push(json!({ "type": "text", "text": "No courses are published yet." }));
    } else {
        blocks.push(json!({ "type": "progress", "items": progress }));
    }
    if !buttons.is_empty() {
        blocks.push(json!({ "type": "actions", "items": buttons }));
    }
    blocks.extend(quizzes);
    if certified > 0 {
        let items: Vec<Value> = records
            .certified
            .iter()
            .map(|r| {
                let title = courses.iter().find(|c| c.id == r.course_id).map_or("", |c| c.title.as_str());
                json!({ "title": format!("🎓 {title}"), "subtitle": format!("Certificate {} · {}", r.id.unwrap_or_default(), crate::store::rfc3339(r.at)) })
            })
            .collect();
        blocks.push(json!({ "type": "list", "items": items }));
    }
    blocks.push(json!({ "type": "actions", "items": [{
        "label": if share { "Stop sharing my completions in #training" } else { "Share my completions in #training" },
        "action": "set_sharing",
        "params": {"share_completions": !share},
    }]}));
    blocks.push(json!({ "type": "text", "text": if share {
        "Your completed courses are announced in #training."
    } else {
        "Your completed courses are not announced in #training."
    }}));
    let names = names(e).await?;
    blocks.push(
        activity(
            e,
            Some(p),
            &["module.", "course.", "certification.", "quiz.", "settings."],
            &names,
        )
        .await?,
    );
    Ok(json!({ "title": "Your curriculum", "blocks": blocks }))
}

fn module<'a>(modules: &'a [ModuleRow], id: &str) -> Option<&'a ModuleRow> {
    modules.iter().find(|m| m.id.to_string() == id)
}

fn quiz_form(c: &CourseRow, mark: i32, score: Option<i32>) -> Value {
    let title = match score {
        Some(s) => format!("{}: quiz (pass mark {mark} %, your best {s} %)", c.title),
        None => format!("{}: quiz (pass mark {mark} %)", c.title),
    };
    json!({
        "type": "form", "id": format!("quiz-{}", c.id), "title": title,
        "action": "submit_quiz", "submit": "Submit score",
        "params": {"course_id": c.id.to_string()},
        "fields": [{ "name": "score", "label": "Score (%)", "input": "number", "required": true }],
    })
}

async fn staff_view(e: &Enablement) -> Result<Value, StoreError> {
    let (s, t) = (e.store(), e.tenant_id);
    let courses = s.fetch_courses(t, false, rules::MAX_COURSES).await?;
    let modules = s.fetch_modules(t, None).await?;
    let records = Records::read(e, None).await?;
    let members = s.fetch_members(t).await?;
    let names: BTreeMap<UserId, String> = members
        .iter()
        .map(|u| (u.id, u.display_name.clone()))
        .collect();
    let count = |course: i64| {
        records
            .completed
            .iter()
            .filter(|r| r.course_id == course)
            .count()
    };
    let mut rows = Vec::new();
    let mut row_actions = Vec::new();
    for c in &courses {
        let n = modules.iter().filter(|m| m.course_id == c.id).count();
        rows.push(json!([
            c.title,
            c.status,
            n,
            c.pass_mark.map_or("—".to_owned(), |m| format!("{m} %")),
            count(c.id)
        ]));
        row_actions.push(if c.status == "draft" {
            json!([{ "label": "Publish", "action": "publish", "params": {"course_id": c.id.to_string()}, "style": "primary",
                     "confirm": format!("Publish “{}” to every partner and announce it in #training?", c.title) }])
        } else {
            json!([])
        });
    }
    let partners: Vec<Value> = members
        .iter()
        .filter(|u| u.role == Role::Partner.as_str())
        .map(|u| {
            let mods = records.done.iter().filter(|d| d.0 == u.id).count();
            let done = records
                .completed
                .iter()
                .filter(|r| r.partner_id == u.id)
                .count();
            let certs = records
                .certified
                .iter()
                .filter(|r| r.partner_id == u.id)
                .count();
            json!([u.display_name, mods, done, certs])
        })
        .collect();
    let published = courses.iter().filter(|c| c.status == "published").count();
    let drafts: Vec<Value> = courses
        .iter()
        .filter(|c| c.status == "draft")
        .map(|c| json!({"value": c.id.to_string(), "label": c.title}))
        .collect();
    let mut blocks = vec![
        json!({ "type": "figures", "items": [
            { "label": "Published courses", "value": published },
            { "label": "Drafts", "value": courses.len() - published },
            { "label": "Completions", "value": records.completed.len() },
            { "label": "Certifications", "value": records.certified.len() },
        ]}),
        json!({ "type": "table", "columns": ["Course", "Status", "Modules", "Pass mark", "Completed by"],
                "rows": rows, "row_actions": row_actions, "filter": true }),
        json!({ "type": "table", "columns": ["Partner", "Modules done", "Courses completed", "Certifications"],
                "rows": partners, "filter": true }),
        json!({
            "type": "form", "id": "create-course", "title": "New course (saved as a draft)",
            "action": "create_course", "submit": "Create draft",
            "fields": [
                { "name": "title", "label": "Title", "input": "text", "required": true, "max_length": rules::MAX_TITLE },
                { "name": "summary", "label": "Summary", "input": "textarea", "max_length": rules::MAX_SUMMARY },
                { "name": "pass_mark", "label": "Quiz pass mark (%; empty: no quiz)", "input": "number" },
                { "name": "modules", "label": "Modules, one title per line, in order", "input": "textarea", "required": true },
            ],
        }),
    ];
    if !drafts.is_empty() {
        blocks.push(json!({
            "type": "form", "id": "edit-course", "title": "Edit a draft",
            "action": "edit_course", "submit": "Save",
            "fields": [
                { "name": "course_id", "label": "Course", "input": "select", "required": true, "options": drafts },
                { "name": "title", "label": "New title (empty: unchanged)", "input": "text", "max_length": rules::MAX_TITLE },
                { "name": "summary", "label": "New summary (empty: unchanged)", "input": "textarea", "max_length": rules::MAX_SUMMARY },
                { "name": "modules", "label": "New modules, one per line (empty: unchanged)", "input": "textarea" },
            ],
        }));
    }
    blocks.push(
        activity(
            e,
            None,
            &["module.", "course.", "certification.", "quiz."],
            &names,
        )
        .await?,
    );
    Ok(json!({ "title": "Curriculum", "blocks": blocks }))
}
