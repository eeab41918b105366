//! `panel.action` on enablement panels (PROTOCOL.md §4). The same commands
//! as the REST routes; params are validated like requests (`bad_request`
//! naming what is wrong), answers come after the commit.
//!
//! - #enablement-curriculum: `complete_module {course_id, module_id}`,
//!   `submit_quiz {course_id, score}`, `set_sharing {share_completions}`
//!   (partners); `create_course {title, summary?, pass_mark?, modules}`,
//!   `edit_course {course_id, title?, summary?, pass_mark?, modules?}`,
//!   `publish {course_id}` (staff). `modules` is a list of `{title, body?}`
//!   or text with one title per line (the panel's form).
//! - #enablement-checklists: `add_client {client, client_type}`,
//!   `tick {client, item, done?}` (partners; `done` defaults to true).

use super::views::{CourseDraft, CourseEdit, ModuleInput};
use super::{Command, Enablement};
use crate::domains::handle::Handle;
use crate::registry::Actor;
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteModule {
    course_id: Snowflake,
    module_id: Snowflake,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitQuiz {
    course_id: Snowflake,
    score: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetSharing {
    share_completions: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Modules {
    List(Vec<ModuleInput>),
    Lines(String),
}

impl Modules {
    fn into_list(self) -> Option<Vec<ModuleInput>> {
        match self {
            Modules::List(l) => Some(l),
            Modules::Lines(s) if s.trim().is_empty() => None,
            Modules::Lines(s) => Some(
                s.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| ModuleInput {
                        title: l.to_owned(),
                        body: None,
                    })
                    .collect(),
            ),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateCourse {
    title: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    pass_mark: Option<Value>,
    modules: Modules,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditCourse {
    course_id: Snowflake,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    pass_mark: Option<Value>,
    #[serde(default)]
    modules: Option<Modules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Publish {
    course_id: Snowflake,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddClient {
    client: String,
    client_type: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tick {
    client: String,
    item: String,
    #[serde(default)]
    done: Option<bool>,
}

fn params<T: DeserializeOwned>(action: &str, v: Value) -> Result<T, ErrorBody> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v)
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))
}

/// A form's number: absent, null or "" is none; a number or a numeric string.
fn number(field: &str, v: Option<Value>) -> Result<Option<i64>, ErrorBody> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad_number(field)),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad_number(field)),
        Some(_) => Err(bad_number(field)),
    }
}

fn bad_number(field: &str) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::BadRequest,
        format!("{field} must be a whole number"),
    )
}

/// A form's optional text: empty means unchanged.
fn changed(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// An answer as JSON.
fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn id(s: Snowflake) -> i64 {
    s.0 as i64
}

/// Runs `action` of panel `kind` for `by`; the answer is the changed record.
pub async fn run(
    handle: &Handle<Enablement>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let by = by.clone();
    match (kind, action) {
        ("enablement.curriculum", "complete_module") => {
            let c: CompleteModule = params(action, p)?;
            let r = handle
                .ask(t, |reply| Command::CompleteModule { by, course_id: id(c.course_id), module_id: id(c.module_id), reply })
                .await?;
            Ok(to_json(&r))
        }
        ("enablement.curriculum", "submit_quiz") => {
            let q: SubmitQuiz = params(action, p)?;
            let score = number("score", Some(q.score))?.ok_or_else(|| bad_number("score"))?;
            let r = handle.ask(t, |reply| Command::SubmitQuiz { by, course_id: id(q.course_id), score, reply }).await?;
            Ok(to_json(&r))
        }
        ("enablement.curriculum", "set_sharing") => {
            let s: SetSharing = params(action, p)?;
            let share = handle.ask(t, |reply| Command::SetSharing { by, share: s.share_completions, reply }).await?;
            Ok(json!({ "share_completions": share }))
        }
        ("enablement.curriculum", "create_course") => {
            let c: CreateCourse = params(action, p)?;
            let draft = CourseDraft {
                title: c.title,
                summary: c.summary,
                pass_mark: number("pass_mark", c.pass_mark)?,
                modules: c.modules.into_list().unwrap_or_default(),
            };
            let r = handle.ask(t, |reply| Command::CreateCourse { by, draft, reply }).await?;
            Ok(to_json(&r))
        }
        ("enablement.curriculum", "edit_course") => {
            let c: EditCourse = params(action, p)?;
            let edit = CourseEdit {
                title: changed(c.title),
                summary: c.summary,
                pass_mark: number("pass_mark", c.pass_mark)?,
                modules: c.modules.and_then(Modules::into_list),
            };
            let course_id = id(c.course_id);
            let r = handle.ask(t, |reply| Command::EditCourse { by, course_id, edit, reply }).await?;
            Ok(to_json(&r))
        }
        ("enablement.curriculum", "publish") => {
            let c: Publish = params(action, p)?;
            let r = handle.ask(t, |reply| Command::Publish { by, course_id: id(c.course_id), reply }).await?;
            Ok(to_json(&r))
        }
        ("enablement.checklists", "add_client") => {
            let c: AddClient = params(action, p)?;
            handle
                .ask(t, |reply| Command::AddClient { by, client: c.client, client_type: c.client_type, reply })
                .await?;
            Ok(json!({}))
        }
        ("enablement.checklists", "tick") => {
            let c: Tick = params(action, p)?;
            let done = c.done.unwrap_or(true);
            handle.ask(t, |reply| Command::Tick { by, client: c.client, item: c.item, done, reply }).await?;
            Ok(json!({}))
        }
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "no action {action:?} on {kind}; #enablement-curriculum takes complete_module, submit_quiz, set_sharing, \
                 create_course, edit_course, publish; #enablement-checklists takes add_client, tick; #enablement-badges has none"
            ),
        )),
    }
}
