//! The day-to-day records of an alliance: contacts, partner tasks (a
//! partner adds and updates their own; editors any), documents (a link or a
//! file the adder uploaded, as onboarding documents are) and the timeline
//! (calls, meetings, emails and notes logged by editors; `system` entries
//! written by every change).

use super::access::{check_edit, entry, err, is_partner, visible};
use super::input::{self, MAX_NAME, MAX_SHORT};
use super::Alliances;
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::{
    AllianceActivityRow, AllianceContactRow, AllianceDocumentRow, AllianceRow, AllianceTaskRow,
    NewAllianceActivity, StoreError,
};
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Deserialize;
use serde_json::json;

/// Most timeline entries one page holds (and the default page).
pub const MAX_PAGE: i64 = 100;
/// Most tasks or documents a read returns.
pub const LIST_LIMIT: i64 = 500;
/// Kinds of entries logged by hand.
pub const LOGGED_KINDS: [&str; 4] = ["call", "meeting", "email", "note"];

/// A contact (added, or updated by name).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// 1..120 characters; an existing name updates that contact.
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

/// Checks a contact's fields: `(name, role, email, phone)`.
pub fn contact_fields(i: &ContactInput) -> Result<(String, String, String, String), ErrorBody> {
    let name = crate::domains::clients::input::text("name", &i.name, 1, MAX_NAME, false)?;
    let role = input::short("role", i.role.as_deref().unwrap_or(""), MAX_SHORT)?;
    let email = input::short("email", i.email.as_deref().unwrap_or(""), 254)?;
    if !email.is_empty() && (!email.contains('@') || email.contains(' ')) {
        return Err(input::bad("email must be an address like name@example.com"));
    }
    let phone = input::short("phone", i.phone.as_deref().unwrap_or(""), 40)?;
    Ok((name, role, email, phone))
}

pub(super) async fn add_contact(
    al: &Alliances,
    by: &Actor,
    alliance_id: i64,
    i: ContactInput,
) -> Result<(AllianceRow, AllianceContactRow), ErrorBody> {
    let a = visible(al, by, alliance_id).await?;
    check_edit(by, &a)?;
    let (name, role, email, phone) = contact_fields(&i)?;
    let now = time::OffsetDateTime::now_utc();
    let c = AllianceContactRow {
        id: al.next_id(),
        alliance_id,
        name,
        role,
        email,
        phone,
        created_at: now,
        updated_at: now,
    };
    let e = entry(
        al,
        alliance_id,
        by,
        "contact.saved",
        format!("Saved contact {} ({})", c.name, a.name),
        json!({"contact": c.name}),
    );
    let row = al
        .store()
        .upsert_alliance_contact(al.tenant_id, &c, &e)
        .await
        .map_err(store_error)?;
    Ok((a, row))
}

/// A new task; `due_on` is `YYYY-MM-DD`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    /// 1..120 characters.
    pub title: String,
    #[serde(default)]
    pub due_on: Option<String>,
    /// A member of the alliance or staff (decimal id); a partner's own
    /// tasks are always theirs.
    #[serde(default)]
    pub assignee_id: Option<String>,
}

/// A task change: any of title, due date, status (`open` or `done`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    #[serde(default)]
    pub title: Option<String>,
    /// `YYYY-MM-DD`, or "" to clear.
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

pub(super) async fn add_task(
    al: &Alliances,
    by: &Actor,
    alliance_id: i64,
    i: TaskInput,
) -> Result<(AllianceRow, AllianceTaskRow), ErrorBody> {
    let a = visible(al, by, alliance_id).await?;
    let assignee = if is_partner(by) {
        Some(by.user_id)
    } else {
        check_edit(by, &a)?;
        match i.assignee_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(crate::ids::UserId(input::id("assignee_id", s)?)),
        }
    };
    let title = crate::domains::clients::input::text("title", &i.title, 1, MAX_NAME, false)?;
    let due_on = input::opt_date("due_on", i.due_on.as_deref())?;
    let now = time::OffsetDateTime::now_utc();
    let t = AllianceTaskRow {
        id: al.next_id(),
        alliance_id,
        title,
        due_on,
        status: "open".into(),
        assignee_id: assignee,
        created_by: by.user_id,
        created_at: now,
        updated_at: now,
    };
    let e = entry(
        al,
        alliance_id,
        by,
        "task.created",
        format!("New task {}", t.title),
        json!({"task_id": t.id.to_string()}),
    );
    let row = al
        .store()
        .insert_alliance_task(al.tenant_id, &t, &e)
        .await
        .map_err(store_error)?;
    Ok((a, row))
}

pub(super) async fn update_task(
    al: &Alliances,
    by: &Actor,
    id: i64,
    p: TaskPatch,
) -> Result<(AllianceRow, AllianceTaskRow), ErrorBody> {
    let t = al
        .store()
        .fetch_alliance_task(al.tenant_id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| err(ErrorCode::NotFound, format!("no task {id}")))?;
    let a = visible(al, by, t.alliance_id)
        .await
        .map_err(|_| err(ErrorCode::NotFound, format!("no task {id}")))?;
    if is_partner(by) {
        if t.assignee_id != Some(by.user_id) {
            return Err(err(
                ErrorCode::Forbidden,
                "partners change only their own tasks",
            ));
        }
    } else {
        check_edit(by, &a)?;
    }
    let mut next = t.clone();
    if let Some(title) = &p.title {
        next.title = crate::domains::clients::input::text("title", title, 1, MAX_NAME, false)?;
    }
    if p.due_on.is_some() {
        next.due_on = input::opt_date("due_on", p.due_on.as_deref())?;
    }
    if let Some(s) = &p.status {
        match s.as_str() {
            "open" | "done" => next.status = s.clone(),
            _ => return Err(input::bad("status must be open or done")),
        }
    }
    let summary = if next.status != t.status {
        format!("Task {} marked {}", next.title, next.status)
    } else {
        format!("Task {} edited", next.title)
    };
    let e = entry(
        al,
        a.id,
        by,
        "task.updated",
        summary,
        json!({"task_id": id.to_string(), "status": next.status}),
    );
    let row = al
        .store()
        .update_alliance_task(al.tenant_id, &next, &e)
        .await
        .map_err(store_error)?;
    Ok((a, row))
}

/// A document: `url` (an http(s) link) or `file_id` (an upload of the adder's).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    /// 1..120 characters.
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub file_id: Option<String>,
}

pub(super) async fn add_document(
    al: &Alliances,
    by: &Actor,
    alliance_id: i64,
    i: DocumentInput,
) -> Result<(AllianceRow, AllianceDocumentRow), ErrorBody> {
    let a = visible(al, by, alliance_id).await?;
    check_edit(by, &a)?;
    let title = crate::domains::clients::input::text("title", &i.title, 1, MAX_NAME, false)?;
    let url = i.url.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let file = i
        .file_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let (url, file_id) = match (url, file) {
        (Some(u), None) => (Some(input::url("url", u, false)?), None),
        (None, Some(f)) => {
            let fid = input::id("file_id", f)?;
            match al.store().fetch_file(al.tenant_id, fid).await {
                Ok(row) if row.owner_id == by.user_id => (None, Some(fid)),
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(err(ErrorCode::NotFound, format!("no file {fid}")))
                }
                Err(e) => return Err(store_error(e)),
            }
        }
        _ => return Err(input::bad("give exactly one of url and file_id")),
    };
    let d = AllianceDocumentRow {
        id: al.next_id(),
        alliance_id,
        title,
        url,
        file_id,
        added_by: by.user_id,
        created_at: time::OffsetDateTime::now_utc(),
    };
    let e = entry(
        al,
        alliance_id,
        by,
        "document.added",
        format!("Added document {}", d.title),
        json!({"document_id": d.id.to_string()}),
    );
    let row = al
        .store()
        .insert_alliance_document(al.tenant_id, &d, &e)
        .await
        .map_err(store_error)?;
    Ok((a, row))
}

/// A timeline entry logged by hand.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogInput {
    /// `call`, `meeting`, `email` or `note`.
    pub kind: String,
    /// 1..2000 characters.
    pub summary: String,
}

pub(super) async fn log(
    al: &Alliances,
    by: &Actor,
    alliance_id: i64,
    i: LogInput,
) -> Result<(AllianceRow, AllianceActivityRow), ErrorBody> {
    let a = visible(al, by, alliance_id).await?;
    check_edit(by, &a)?;
    let Some(kind) = LOGGED_KINDS.iter().find(|k| **k == i.kind) else {
        return Err(input::bad("kind must be call, meeting, email or note"));
    };
    let summary =
        crate::domains::clients::input::text("summary", &i.summary, 1, input::MAX_NOTES, true)?;
    let e = NewAllianceActivity {
        id: al.next_id(),
        alliance_id,
        actor: Some(by.user_id),
        kind,
        verb: "activity.logged",
        summary: summary.clone(),
        data: json!({}),
    };
    al.store()
        .insert_alliance_activity(al.tenant_id, &e)
        .await
        .map_err(store_error)?;
    let row = AllianceActivityRow {
        id: e.id,
        alliance_id,
        actor_id: e.actor,
        kind: (*kind).to_owned(),
        verb: e.verb.to_owned(),
        summary,
        data: e.data,
        created_at: time::OffsetDateTime::now_utc(),
    };
    Ok((a, row))
}

/// A page of the timeline of alliance `alliance_id` (newest first).
pub(super) async fn activities(
    al: &Alliances,
    by: &Actor,
    alliance_id: i64,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<Vec<AllianceActivityRow>, ErrorBody> {
    visible(al, by, alliance_id).await?;
    let limit = limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(input::bad(format!("limit must be 1..{MAX_PAGE}")));
    }
    al.store()
        .fetch_alliance_activities(al.tenant_id, Some(alliance_id), before, limit)
        .await
        .map_err(store_error)
}
