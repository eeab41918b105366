//! `panel.action` on the insights panels (PROTOCOL.md §4), the same
//! commands as the REST routes, answered after commit:
//!
//! - #analytics: `snapshot {day?}` (staff) → `{snapshot}`; `share {share}`
//!   and `set_timezone {timezone}` (staff) → `{settings}`
//! - #analytics-dashboard: `filter {timeframe, from?, to?, industry?, tier?}`
//!   → `{filter}` (the viewer's own); `share {share}` (staff)
//! - #analytics-experiments: `create {name, hypothesis?, metric, channel?,
//!   assignment?, variants}` (staff; variants "A:50, B:50" or
//!   `[{name, weight}]`) → `{experiment}`; `start|stop {experiment_id}`,
//!   `conclude {experiment_id, winner}` (staff) → `{experiment}`;
//!   `join {experiment_id}` (partners) → `{assignment}`

use super::commands::Command;
use super::experiments::NewExperimentInput;
use super::kpis::FilterParams;
use super::rules::{self, Move, Variant};
use super::{Insights, ANALYTICS_PANEL, DASHBOARD_PANEL, EXPERIMENTS_PANEL};
use crate::domains::handle::Handle;
use crate::registry::Actor;
use crate::store::{rfc3339, AssignmentRow, SnapshotRow};
use arena_protocol::{ErrorBody, ErrorCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

fn params<T: DeserializeOwned>(action: &str, v: Value) -> Result<T, ErrorBody> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v)
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))
}

/// Variants as a form's text (`"A:50, B:50"`) or a list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Variants {
    Text(String),
    List(Vec<Variant>),
}

impl Variants {
    /// The checked list (`bad_request` naming the problem).
    pub fn into_list(self) -> Result<Vec<Variant>, ErrorBody> {
        let r = match self {
            Variants::Text(t) => rules::parse_variants(&t),
            Variants::List(v) => rules::check_variants(&v).map(|_| v),
        };
        r.map_err(|m| ErrorBody::new(ErrorCode::BadRequest, m))
    }
}

/// A decimal id as a string or number.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Id {
    Text(String),
    Number(i64),
}

impl Id {
    pub fn get(&self) -> Result<i64, ErrorBody> {
        match self {
            Id::Number(n) => Ok(*n),
            Id::Text(s) => s.trim().parse().map_err(|_| {
                ErrorBody::new(ErrorCode::BadRequest, "experiment_id must be a decimal id")
            }),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotParams {
    #[serde(default)]
    day: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Share {
    share: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tz {
    timezone: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Create {
    name: String,
    #[serde(default)]
    hypothesis: Option<String>,
    metric: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    assignment: Option<String>,
    variants: Variants,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentRef {
    experiment_id: Id,
    #[serde(default)]
    winner: Option<String>,
}

/// The wire form of a snapshot, `{day, kpis, computed_at, computed_by}`,
/// with the program's figures for staff and the shared ones for partners
/// (`None` when the snapshot has none shared: see [`SnapshotRow`]).
pub fn snapshot_json(r: &SnapshotRow, staff: bool) -> Option<Value> {
    let kpis = if staff {
        Some(&r.kpis)
    } else {
        r.shared_kpis.as_ref()
    }?;
    Some(
        json!({ "day": r.day.to_string(), "kpis": kpis, "computed_at": rfc3339(r.computed_at),
            "computed_by": r.computed_by.map(|u| u.to_string()) }),
    )
}

/// The wire form of an assignment: `{experiment_id, partner_id, variant, assigned_at, converted_at}`.
pub fn assignment_json(a: &AssignmentRow) -> Value {
    json!({ "experiment_id": a.experiment_id.to_string(), "partner_id": a.partner_id.to_string(),
            "variant": a.variant, "assigned_at": rfc3339(a.assigned_at), "converted_at": a.converted_at.map(rfc3339) })
}

/// A `YYYY-MM-DD` day (`bad_request` otherwise).
pub fn day(s: &str) -> Result<time::Date, ErrorBody> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| ErrorBody::new(ErrorCode::BadRequest, "day must be a date YYYY-MM-DD"))
}

/// Runs `action` of panel `kind` for `by`.
pub async fn run(
    h: &Handle<Insights>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let who = by.clone();
    match (kind, action) {
        (ANALYTICS_PANEL, "snapshot") => {
            let q: SnapshotParams = params(action, p)?;
            let d = q.day.as_deref().filter(|d| !d.trim().is_empty()).map(day).transpose()?;
            let r = h.ask(t, |reply| Command::Snapshot { by: Some(who), day: d, now: None, reply }).await?;
            Ok(json!({ "snapshot": snapshot_json(&r, true) }))
        }
        (ANALYTICS_PANEL | DASHBOARD_PANEL, "share") => {
            let q: Share = params(action, p)?;
            let r = h
                .ask(t, |reply| Command::Settings { by: who, share_with_partners: Some(q.share), timezone: None, reply })
                .await?;
            Ok(json!({ "settings": r }))
        }
        (ANALYTICS_PANEL, "set_timezone") => {
            let q: Tz = params(action, p)?;
            let r = h
                .ask(t, |reply| Command::Settings { by: who, share_with_partners: None, timezone: Some(q.timezone), reply })
                .await?;
            Ok(json!({ "settings": r }))
        }
        (DASHBOARD_PANEL, "filter") => {
            let q: FilterParams = params(action, p)?;
            let filter = q.parse().map_err(|m| ErrorBody::new(ErrorCode::BadRequest, m))?;
            let f = h.ask(t, |reply| Command::SetFilter { by: who, filter, reply }).await?;
            Ok(json!({ "filter": f.to_json() }))
        }
        (EXPERIMENTS_PANEL, "create") => {
            let q: Create = params(action, p)?;
            let experiment = NewExperimentInput {
                name: q.name,
                hypothesis: q.hypothesis.unwrap_or_default(),
                metric: q.metric,
                channel: q.channel.filter(|c| !c.trim().is_empty()),
                assignment: q.assignment.filter(|a| !a.trim().is_empty()),
                variants: q.variants.into_list()?,
            };
            let r = h.ask(t, |reply| Command::Create { by: who, experiment, reply }).await?;
            Ok(json!({ "experiment": r }))
        }
        (EXPERIMENTS_PANEL, "start" | "stop" | "conclude") => {
            let q: ExperimentRef = params(action, p)?;
            let id = q.experiment_id.get()?;
            let mv = match action {
                "start" => Move::Start,
                "stop" => Move::Stop,
                _ => Move::Conclude,
            };
            let r = h
                .ask(t, |reply| Command::Move { by: who, id, action: mv, winner: q.winner, reply })
                .await?;
            Ok(json!({ "experiment": r }))
        }
        (EXPERIMENTS_PANEL, "join") => {
            let q: ExperimentRef = params(action, p)?;
            let id = q.experiment_id.get()?;
            let a = h.ask(t, |reply| Command::Join { by: who, id, reply }).await?;
            Ok(json!({ "assignment": assignment_json(&a) }))
        }
        (ANALYTICS_PANEL | DASHBOARD_PANEL | EXPERIMENTS_PANEL, _) => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!("no action {action:?} on {kind}; #analytics takes snapshot, share, set_timezone; the dashboard filter, share; experiments create, start, stop, conclude, join"),
        )),
        _ => Err(ErrorBody::new(ErrorCode::NotFound, format!("{kind} has no actions"))),
    }
}
