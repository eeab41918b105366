//! `panel.action` on client-exchange panels (PROTOCOL.md §4): the same
//! commands as the REST routes, params validated like requests
//! (`bad_request` naming what is wrong), answered after the commit.
//!
//! - #clients-roster: `add_client {name, industry, status?, stage?,
//!   value_minor?, currency?, next_step?, partner_id?}`, `edit_client
//!   {client_id, …fields}`, `set_status {client_id, status}`, `add_note
//!   {client_id, body}`, `assign {client_id, partner_id}` (staff).
//! - #clients-opportunities: `add_opportunity {client_id, title,
//!   amount_minor, currency?}`, `move {id, to}` (the board's action).
//! - #clients-industries: `recommend {industry, note}` (staff).

use super::commands::Command;
use super::input::ClientInput;
use super::pipeline::{parse_id, OpportunityInput};
use super::{ClientExchange, INDUSTRIES, OPPORTUNITIES, ROSTER};
use crate::domains::handle::Handle;
use crate::ids::UserId;
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

/// A client's fields plus, for staff adding one, the partner it is for and,
/// for an edit, the client.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientParams {
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    partner_id: Option<String>,
    name: Option<String>,
    industry: Option<String>,
    status: Option<String>,
    stage: Option<String>,
    value_minor: Option<i64>,
    currency: Option<String>,
    next_step: Option<String>,
}

impl ClientParams {
    fn fields(self) -> ClientInput {
        ClientInput {
            name: self.name,
            industry: self.industry,
            status: self.status,
            stage: self.stage,
            value_minor: self.value_minor,
            currency: self.currency,
            next_step: self.next_step,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    client_id: String,
    body: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assign {
    client_id: String,
    partner_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Move {
    id: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Recommend {
    industry: String,
    note: String,
}

/// Serialises an answer.
fn answer<T: serde::Serialize>(key: &str, v: T) -> Value {
    json!({ key: v })
}

/// Runs `action` of panel `kind` for `by`; answers the changed record.
pub async fn run(
    handle: &Handle<ClientExchange>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let by = by.clone();
    match (kind, action) {
        (ROSTER, "add_client") => {
            let a: ClientParams = params(action, p)?;
            let partner = match &a.partner_id {
                Some(s) => Some(UserId(parse_id("partner_id", s)?)),
                None => None,
            };
            let input = a.fields();
            let c = handle
                .ask(t, |reply| Command::CreateClient { by, partner, input, reply })
                .await?;
            Ok(answer("client", c))
        }
        (ROSTER, "edit_client") | (ROSTER, "set_status") => {
            let e: ClientParams = params(action, p)?;
            let id = parse_id("client_id", e.client_id.as_deref().unwrap_or(""))?;
            if e.partner_id.is_some() {
                return Err(ErrorBody::new(ErrorCode::BadRequest, "partner_id is changed with assign"));
            }
            let input = e.fields();
            let c = handle
                .ask(t, |reply| Command::UpdateClient { by, id, input, reply })
                .await?;
            Ok(answer("client", c))
        }
        (ROSTER, "add_note") => {
            let n: Note = params(action, p)?;
            let id = parse_id("client_id", &n.client_id)?;
            let note = handle
                .ask(t, |reply| Command::AddNote { by, id, body: n.body, reply })
                .await?;
            Ok(answer("note", note))
        }
        (ROSTER, "assign") => {
            let a: Assign = params(action, p)?;
            let id = parse_id("client_id", &a.client_id)?;
            let partner = UserId(parse_id("partner_id", &a.partner_id)?);
            let c = handle
                .ask(t, |reply| Command::Assign { by, id, partner, reply })
                .await?;
            Ok(answer("client", c))
        }
        (OPPORTUNITIES, "add_opportunity") => {
            let input: OpportunityInput = params(action, p)?;
            let o = handle
                .ask(t, |reply| Command::CreateOpportunity { by, input, reply })
                .await?;
            Ok(answer("opportunity", o))
        }
        (OPPORTUNITIES, "move") => {
            let m: Move = params(action, p)?;
            let id = parse_id("id", &m.id)?;
            let o = handle
                .ask(t, |reply| Command::Move { by, id, to: m.to, reply })
                .await?;
            Ok(answer("opportunity", o))
        }
        (INDUSTRIES, "recommend") => {
            let r: Recommend = params(action, p)?;
            let rec = handle
                .ask(t, |reply| Command::Recommend { by, industry: r.industry, note: r.note, reply })
                .await?;
            Ok(answer("recommendation", rec))
        }
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "no action {action:?} on {kind}; #clients-roster takes add_client, edit_client, set_status, add_note, assign; \
                 #clients-opportunities takes add_opportunity, move; #clients-industries takes recommend"
            ),
        )),
    }
}
