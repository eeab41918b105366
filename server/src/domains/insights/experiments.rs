//! Experiment changes: create a draft, start / stop / conclude (posting in
//! #experiments when one starts or concludes), assign a partner (opt-in
//! join, or automatic on first exposure), record conversions, and the
//! results per variant with their z-tests against the control.

use super::commands::staff_only;
use super::rules::{self, Metric, Move, Status, Variant};
use super::{watch, Insights, EXPERIMENTS_CHANNEL};
use crate::bus::Projection;
use crate::domains::{Changed, Domain};
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{AssignmentRow, ExperimentRow, NewActivity, NewExperiment, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Serialize;

/// Longest experiment name and hypothesis.
pub const MAX_NAME: usize = 80;
pub const MAX_HYPOTHESIS: usize = 1000;
/// Experiments a panel or list shows.
pub const LIST_LIMIT: i64 = 50;

/// An experiment to create, as staff wrote it (checked by the actor).
#[derive(Debug, Clone)]
pub struct NewExperimentInput {
    pub name: String,
    pub hypothesis: String,
    /// `deal_won`, `course_completed` or `message_posted`.
    pub metric: String,
    /// The channel key for `message_posted`.
    pub channel: Option<String>,
    /// `opt_in` (default) or `automatic`.
    pub assignment: Option<String>,
    pub variants: Vec<Variant>,
}

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

fn one_line(s: &str, max: usize, what: &str) -> Result<String, ErrorBody> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(err(
            ErrorCode::BadRequest,
            format!("{what} is 1..{max} characters on one line"),
        ));
    }
    Ok(t.to_owned())
}

/// The variants stored with an experiment.
pub fn variants_of(e: &ExperimentRow) -> Vec<Variant> {
    serde_json::from_value(e.variants.clone()).unwrap_or_default()
}

pub(super) async fn create(
    s: &Insights,
    by: &Actor,
    x: NewExperimentInput,
) -> Result<ExperimentRow, ErrorBody> {
    staff_only(by, "create experiments")?;
    let name = one_line(&x.name, MAX_NAME, "name")?;
    let hypothesis = x.hypothesis.trim().to_owned();
    if hypothesis.chars().count() > MAX_HYPOTHESIS
        || hypothesis
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(err(
            ErrorCode::BadRequest,
            format!("hypothesis is at most {MAX_HYPOTHESIS} characters"),
        ));
    }
    let metric = Metric::parse(x.metric.trim()).ok_or_else(|| {
        err(
            ErrorCode::BadRequest,
            "metric must be deal_won, course_completed or message_posted",
        )
    })?;
    let channel = match metric {
        Metric::MessagePosted => {
            let key = x.channel.as_deref().map(str::trim).unwrap_or("");
            let key = key.strip_prefix('#').unwrap_or(key);
            let reg = s.ctx.registry.tenant(s.tenant_id);
            if reg.by_key(key).is_none() {
                return Err(err(
                    ErrorCode::BadRequest,
                    "message_posted needs channel: the key of a channel",
                ));
            }
            Some(key.to_owned())
        }
        _ => None,
    };
    let assignment = match x.assignment.as_deref().map(str::trim).unwrap_or("opt_in") {
        a @ ("opt_in" | "automatic") => a.to_owned(),
        _ => {
            return Err(err(
                ErrorCode::BadRequest,
                "assignment must be opt_in or automatic",
            ))
        }
    };
    let variants: Vec<Variant> = x
        .variants
        .into_iter()
        .map(|v| Variant {
            name: v.name.trim().to_owned(),
            weight: v.weight,
        })
        .collect();
    rules::check_variants(&variants).map_err(|m| err(ErrorCode::BadRequest, m))?;
    let new = NewExperiment {
        id: s.next_id(),
        name: &name,
        hypothesis: &hypothesis,
        metric: metric.as_str(),
        channel_key: channel.as_deref(),
        assignment: &assignment,
        variants: serde_json::to_value(&variants).unwrap_or_default(),
        created_by: by.user_id,
    };
    s.store
        .insert_experiment(s.tenant_id, &new)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => err(
                ErrorCode::Conflict,
                format!("an experiment named {name:?} exists"),
            ),
            e => store_error(e),
        })
}

/// Loads an experiment (`not_found` if absent).
pub(super) async fn load(s: &Insights, id: i64) -> Result<ExperimentRow, ErrorBody> {
    s.store
        .fetch_experiment(s.tenant_id, id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => err(ErrorCode::NotFound, "no such experiment"),
            e => store_error(e),
        })
}

pub(super) async fn move_experiment(
    s: &Insights,
    by: &Actor,
    id: i64,
    action: Move,
    winner: Option<String>,
) -> Result<ExperimentRow, ErrorBody> {
    staff_only(by, &format!("{} experiments", action.verb()))?;
    let e = load(s, id).await?;
    let from = Status::parse(&e.status).unwrap_or(Status::Draft);
    let to = action
        .apply(from)
        .map_err(|m| err(ErrorCode::Conflict, m))?;
    let winner = match action {
        Move::Conclude => {
            let w = winner.as_deref().map(str::trim).unwrap_or("");
            let v = variants_of(&e)
                .into_iter()
                .find(|v| v.name.eq_ignore_ascii_case(w))
                .ok_or_else(|| {
                    err(
                        ErrorCode::BadRequest,
                        "conclude needs winner: the name of a variant",
                    )
                })?;
            Some(v.name)
        }
        _ => None,
    };
    let row = s
        .store
        .update_experiment_status(
            s.tenant_id,
            id,
            from.as_str(),
            to.as_str(),
            winner.as_deref(),
        )
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            err(
                ErrorCode::Conflict,
                "the experiment changed meanwhile; reload",
            )
        })?;
    if let (Move::Start, Some(key)) = (action, &row.channel_key) {
        watch(&s.ctx.registry, s.tenant_id, std::slice::from_ref(key));
    }
    let post = match action {
        Move::Start => Some(format!(
            "🧪 Experiment started: **{}** — metric {}, variants {}. {}",
            row.name,
            row.metric,
            variants_of(&row)
                .iter()
                .map(|v| v.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if row.assignment == "opt_in" {
                "Join it in #analytics-experiments."
            } else {
                "Partners are assigned automatically."
            }
        )),
        Move::Conclude => Some(format!(
            "🏁 Experiment concluded: **{}** — winner: {}.",
            row.name,
            row.winner.as_deref().unwrap_or("?")
        )),
        Move::Stop => None,
    };
    if let Some(content) = post {
        if let Err(e) = s
            .ctx
            .post_as_system(s.tenant_id, EXPERIMENTS_CHANNEL, content, None)
            .await
        {
            tracing::warn!(tenant = %s.tenant_id, error = ?e, "posting in #experiments failed");
        }
    }
    Ok(row)
}

/// Stores `partner`'s assignment in running experiment `e` (their stable
/// variant) unless one exists; answers it and whether it is new.
pub(super) async fn assign(
    s: &Insights,
    e: &ExperimentRow,
    partner: UserId,
) -> Result<(AssignmentRow, bool), StoreError> {
    let vs = variants_of(e);
    let v = rules::assign(e.id, partner.0, &vs)
        .map(|v| v.name.clone())
        .unwrap_or_default();
    let summary = format!("Joined experiment “{}” (variant {v})", e.name);
    let a = NewActivity {
        id: s.next_id(),
        partner,
        actor: Some(partner),
        domain: Insights::NAME,
        verb: "experiment.joined",
        summary: &summary,
        data: serde_json::json!({ "experiment_id": e.id.to_string(), "variant": v }),
    };
    s.store
        .insert_assignment(s.tenant_id, e.id, partner, &v, &a)
        .await
}

pub(super) async fn join(
    s: &Insights,
    by: &Actor,
    id: i64,
) -> Result<(AssignmentRow, bool), ErrorBody> {
    if by.role != Role::Partner || by.bot.is_some() {
        return Err(err(
            ErrorCode::Forbidden,
            "only partners take part in experiments",
        ));
    }
    let e = load(s, id).await?;
    if e.status != "running" {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "the experiment is {}; only a running one can be joined",
                e.status
            ),
        ));
    }
    assign(s, &e, by.user_id).await.map_err(store_error)
}

/// Records a conversion of `partner` for `metric` in the running
/// experiments they are assigned to (once each).
pub(super) async fn convert(
    s: &mut Insights,
    partner: UserId,
    metric: Metric,
    channel: Option<&str>,
) -> Changed {
    let ids = std::sync::Arc::clone(&s.ctx.ids);
    match s
        .store
        .update_conversions(s.tenant_id, partner, metric.as_str(), channel, || {
            ids.next_id().0 as i64
        })
        .await
    {
        Ok(hits) if !hits.is_empty() => {
            Changed::Only(vec![Projection::Partner(partner), Projection::Program])
        }
        Ok(_) => Changed::Nothing,
        Err(e) => {
            tracing::warn!(tenant = %s.tenant_id, error = %e, "recording an experiment conversion");
            Changed::Nothing
        }
    }
}

/// One variant's results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VariantResult {
    pub name: String,
    pub weight: u32,
    /// Partners assigned.
    pub n: i64,
    pub conversions: i64,
    /// conversions / n (0 when n is 0).
    pub rate: f64,
    /// Against the control (the first variant); `None` for the control or
    /// when a test is not possible (an empty sample, no variance).
    pub z: Option<f64>,
    pub p_value: Option<f64>,
}

/// An experiment with its results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExperimentView {
    pub id: String,
    pub name: String,
    pub hypothesis: String,
    pub metric: String,
    pub channel: Option<String>,
    pub assignment: String,
    pub status: String,
    pub winner: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub concluded_at: Option<String>,
    pub variants: Vec<VariantResult>,
}

/// The results of `e`: per variant in order, the control first.
pub async fn view(
    store: &crate::store::Store,
    tenant: crate::ids::TenantId,
    e: &ExperimentRow,
) -> Result<ExperimentView, StoreError> {
    let counts = store.fetch_variant_counts(tenant, e.id).await?;
    let get = |name: &str| {
        counts
            .iter()
            .find(|c| c.variant == name)
            .map_or((0, 0), |c| (c.n, c.conversions))
    };
    let vs = variants_of(e);
    let control = vs.first().map(|v| get(&v.name)).unwrap_or((0, 0));
    let variants = vs
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (n, x) = get(&v.name);
            let test = (i > 0)
                .then(|| rules::z_test(control.1 as u64, control.0 as u64, x as u64, n as u64))
                .flatten();
            VariantResult {
                name: v.name.clone(),
                weight: v.weight,
                n,
                conversions: x,
                rate: if n > 0 { x as f64 / n as f64 } else { 0.0 },
                z: test.map(|t| t.0),
                p_value: test.map(|t| t.1),
            }
        })
        .collect();
    use crate::store::rfc3339;
    Ok(ExperimentView {
        id: e.id.to_string(),
        name: e.name.clone(),
        hypothesis: e.hypothesis.clone(),
        metric: e.metric.clone(),
        channel: e.channel_key.clone(),
        assignment: e.assignment.clone(),
        status: e.status.clone(),
        winner: e.winner.clone(),
        created_at: rfc3339(e.created_at),
        started_at: e.started_at.map(rfc3339),
        concluded_at: e.concluded_at.map(rfc3339),
        variants,
    })
}
