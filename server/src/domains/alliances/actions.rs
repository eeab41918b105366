//! `panel.action` on alliance panels (PROTOCOL.md §4): the same commands as
//! the REST routes, params validated like requests (`bad_request` naming
//! what is wrong), answered after the commit. Form fields sent empty count
//! as absent.
//!
//! - #alliance-directory: `create {name, owner_id?, tier?, region?,
//!   industry?, website?, notes?, member_id?}`, `edit {alliance_id, …same}`
//!   (`member_id` adds that partner), `set_status {alliance_id, status,
//!   reason?}`, `bulk_status {ids: [id], status, reason?}` → `{results}`,
//!   `add_contact {alliance_id, name, role?, email?, phone?}`,
//!   `add_opportunity {alliance_id, title, kind?, value_minor, currency?,
//!   expected_close?, partner_id?}`, `move_opportunity {id, to}` (the
//!   board), `log {alliance_id, kind, summary}`, `import {file}` (an
//!   uploaded CSV's file id) → `{report}`, `edit_field {alliance_id, field,
//!   value}` (an inline edit of `owner_id`, `tier`, `region` or `industry`,
//!   checked like the PATCH route; `""` clears a text field) → `{alliance}`.
//!   The alliance page (staff; only the sender's own projection changes):
//!   `open_alliance {alliance_id}`, `timeline_page {before?}`,
//!   `close_alliance {}` → `{open, before}`.
//! - #partner-workspace: `add_task {alliance_id, title, due_on?}`,
//!   `set_task_status {task_id, status}`, `add_document {alliance_id, title,
//!   url? | file_id?}`.

use super::commands::Command;
use super::input::{self, AllianceInput};
use super::opportunities::OpportunityInput;
use super::page::PageOp;
use super::work::{ContactInput, DocumentInput, LogInput, TaskInput, TaskPatch};
use super::{Alliances, DIRECTORY, WORKSPACE};
use crate::domains::handle::Handle;
use crate::registry::Actor;
use arena_protocol::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// Forms send every field, empty ones as "" (or null): those mean "not given".
fn drop_empty(v: Value) -> Value {
    match v {
        Value::Null => json!({}),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, x)| !x.is_null() && x.as_str() != Some(""))
                .collect(),
        ),
        other => other,
    }
}

fn params<T: DeserializeOwned>(action: &str, v: Value) -> Result<T, ErrorBody> {
    serde_json::from_value(drop_empty(v))
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))
}

/// A form's alliance fields, the alliance (edits) and one member to add.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllianceParams {
    #[serde(default)]
    alliance_id: Option<String>,
    #[serde(default)]
    member_id: Option<String>,
    #[serde(flatten)]
    fields: AllianceFields,
}

#[derive(Deserialize, Default)]
struct AllianceFields {
    name: Option<String>,
    owner_id: Option<String>,
    tier: Option<String>,
    region: Option<String>,
    industry: Option<String>,
    website: Option<String>,
    notes: Option<String>,
    member_ids: Option<Vec<String>>,
}

impl AllianceFields {
    fn input(self) -> AllianceInput {
        AllianceInput {
            name: self.name,
            owner_id: self.owner_id,
            tier: self.tier,
            region: self.region,
            industry: self.industry,
            website: self.website,
            notes: self.notes,
            member_ids: self.member_ids,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusParams {
    alliance_id: String,
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BulkParams {
    ids: Vec<String>,
    status: String,
    #[serde(default)]
    reason: Option<String>,
}

/// `{alliance_id, …T}`.
#[derive(Deserialize)]
struct On<T> {
    alliance_id: String,
    #[serde(flatten)]
    rest: T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveParams {
    id: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskStatus {
    task_id: String,
    status: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldEdit {
    alliance_id: String,
    field: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenParams {
    alliance_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    #[serde(default)]
    before: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

/// The fields a directory cell edits inline.
pub const INLINE_FIELDS: [&str; 4] = ["owner_id", "tier", "region", "industry"];

/// One inline edit as an update of that field alone.
fn field_input(e: FieldEdit) -> Result<(i64, AllianceInput), ErrorBody> {
    let id = input::id("alliance_id", &e.alliance_id)?;
    let mut f = AllianceFields::default();
    let v = Some(e.value);
    match e.field.as_str() {
        "owner_id" => f.owner_id = v,
        "tier" => f.tier = v,
        "region" => f.region = v,
        "industry" => f.industry = v,
        other => {
            return Err(input::bad(format!(
                "edit_field: {other:?} is not edited inline; one of {}",
                INLINE_FIELDS.join(", ")
            )))
        }
    }
    Ok((id, f.input()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportParams {
    file: String,
}

/// Runs `action` of panel `kind` for `by`; answers the changed record.
pub async fn run(
    handle: &Handle<Alliances>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let by = by.clone();
    match (kind, action) {
        (DIRECTORY, "create") => {
            let a: AllianceParams = params(action, p)?;
            let mut input = a.fields.input();
            if let Some(m) = a.member_id {
                input.member_ids.get_or_insert_with(Vec::new).push(m);
            }
            let v = handle.ask(t, |reply| Command::Create { by, input, reply }).await?;
            Ok(json!({ "alliance": v }))
        }
        (DIRECTORY, "edit") => {
            let a: AllianceParams = params(action, p)?;
            let id = input::id("alliance_id", a.alliance_id.as_deref().unwrap_or(""))?;
            let mut input = a.fields.input();
            if let Some(m) = a.member_id {
                // Adds one partner to the current members.
                let by2 = by.clone();
                let current = handle.ask(t, |reply| Command::Get { by: by2, id, reply }).await?;
                let mut ids = current.alliance.member_ids;
                ids.push(m);
                input.member_ids = Some(ids);
            }
            let v = handle.ask(t, |reply| Command::Update { by, id, input, reply }).await?;
            Ok(json!({ "alliance": v }))
        }
        (DIRECTORY, "set_status") => {
            let s: StatusParams = params(action, p)?;
            let id = input::id("alliance_id", &s.alliance_id)?;
            let reason = s.reason.unwrap_or_default();
            let v = handle.ask(t, |reply| Command::SetStatus { by, id, status: s.status, reason, reply }).await?;
            Ok(json!({ "alliance": v }))
        }
        (DIRECTORY, "bulk_status") => {
            let b: BulkParams = params(action, p)?;
            let reason = b.reason.unwrap_or_default();
            let v = handle.ask(t, |reply| Command::BulkStatus { by, ids: b.ids, status: b.status, reason, reply }).await?;
            Ok(json!({ "results": v }))
        }
        (DIRECTORY, "add_contact") => {
            let c: On<ContactInput> = params(action, p)?;
            let id = input::id("alliance_id", &c.alliance_id)?;
            let v = handle.ask(t, |reply| Command::AddContact { by, id, input: c.rest, reply }).await?;
            Ok(json!({ "contact": v }))
        }
        (DIRECTORY, "add_opportunity") => {
            let o: On<OpportunityInput> = params(action, p)?;
            let id = input::id("alliance_id", &o.alliance_id)?;
            let v = handle.ask(t, |reply| Command::CreateOpportunity { by, id, input: o.rest, reply }).await?;
            Ok(json!({ "opportunity": v }))
        }
        (DIRECTORY, "move_opportunity") => {
            let m: MoveParams = params(action, p)?;
            let id = input::id("id", &m.id)?;
            let v = handle.ask(t, |reply| Command::MoveOpportunity { by, id, to: m.to, reply }).await?;
            Ok(json!({ "opportunity": v }))
        }
        (DIRECTORY, "log") => {
            let l: On<LogInput> = params(action, p)?;
            let id = input::id("alliance_id", &l.alliance_id)?;
            let v = handle.ask(t, |reply| Command::Log { by, id, input: l.rest, reply }).await?;
            Ok(json!({ "activity": v }))
        }
        (DIRECTORY, "import") => {
            let i: ImportParams = params(action, p)?;
            let file_id = input::id("file", &i.file)?;
            let csv = read_upload(handle, &by, file_id).await?;
            let v = handle.ask(t, |reply| Command::Import { by, csv, reply }).await?;
            Ok(json!({ "report": v }))
        }
        (DIRECTORY, "edit_field") => {
            // Not `params`: an empty value is sent on purpose (it clears the field).
            let e: FieldEdit = serde_json::from_value(p)
                .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))?;
            let (id, input) = field_input(e)?;
            let v = handle.ask(t, |reply| Command::Update { by, id, input, reply }).await?;
            Ok(json!({ "alliance": v }))
        }
        (DIRECTORY, "open_alliance") => {
            let o: OpenParams = params(action, p)?;
            let op = PageOp::Open(input::id("alliance_id", &o.alliance_id)?);
            handle.ask(t, |reply| Command::Select { by, op, reply }).await
        }
        (DIRECTORY, "timeline_page") => {
            let o: PageParams = params(action, p)?;
            let before = o.before.as_deref().map(|b| input::id("before", b)).transpose()?;
            let op = PageOp::Timeline(before);
            handle.ask(t, |reply| Command::Select { by, op, reply }).await
        }
        (DIRECTORY, "close_alliance") => {
            let _: NoParams = params(action, p)?;
            let op = PageOp::Close;
            handle.ask(t, |reply| Command::Select { by, op, reply }).await
        }
        (WORKSPACE, "add_task") => {
            let x: On<TaskInput> = params(action, p)?;
            let id = input::id("alliance_id", &x.alliance_id)?;
            let v = handle.ask(t, |reply| Command::AddTask { by, id, input: x.rest, reply }).await?;
            Ok(json!({ "task": v }))
        }
        (WORKSPACE, "set_task_status") => {
            let s: TaskStatus = params(action, p)?;
            let id = input::id("task_id", &s.task_id)?;
            let patch = TaskPatch { status: Some(s.status), ..TaskPatch::default() };
            let v = handle.ask(t, |reply| Command::UpdateTask { by, id, patch, reply }).await?;
            Ok(json!({ "task": v }))
        }
        (WORKSPACE, "add_document") => {
            let d: On<DocumentInput> = params(action, p)?;
            let id = input::id("alliance_id", &d.alliance_id)?;
            let v = handle.ask(t, |reply| Command::AddDocument { by, id, input: d.rest, reply }).await?;
            Ok(json!({ "document": v }))
        }
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "no action {action:?} on {kind}; #alliance-directory takes create, edit, set_status, bulk_status, \
                 add_contact, add_opportunity, move_opportunity, log, import, edit_field, open_alliance, \
                 timeline_page, close_alliance; #partner-workspace takes add_task, \
                 set_task_status, add_document"
            ),
        )),
    }
}

/// The bytes of uploaded file `id`, if `by` uploaded it (`not_found`
/// otherwise) and it is at most the import limit.
async fn read_upload(
    handle: &Handle<Alliances>,
    by: &Actor,
    id: i64,
) -> Result<Vec<u8>, ErrorBody> {
    let store = &handle.context().store;
    match store.fetch_file(by.tenant_id, id).await {
        Ok(f) if f.owner_id == by.user_id => {
            if f.size as usize > super::import::MAX_IMPORT_BYTES {
                return Err(input::bad(format!(
                    "the file may be at most {} bytes",
                    super::import::MAX_IMPORT_BYTES
                )));
            }
        }
        Ok(_) | Err(crate::store::StoreError::NotFound) => {
            return Err(ErrorBody::new(ErrorCode::NotFound, format!("no file {id}")))
        }
        Err(e) => return Err(crate::error::store_error(e)),
    }
    let files =
        handle.context().files.as_ref().ok_or_else(|| {
            ErrorBody::new(ErrorCode::Unavailable, "file storage is not configured")
        })?;
    let bytes = files.get(by.tenant_id, id).await.map_err(|e| {
        tracing::error!(error = %e, file = id, "import file missing or storage down");
        ErrorBody::new(ErrorCode::Unavailable, "file storage is unavailable; retry")
    })?;
    Ok(bytes.to_vec())
}
