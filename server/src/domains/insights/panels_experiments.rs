//! The #analytics-experiments panel, per viewer.
//!
//! - Staff: every experiment in a `table` (status, sample, conversions;
//!   row actions start / stop / conclude with a winner), per started
//!   experiment its results `table` (rate and p-value against the control)
//!   and a bar `chart` of conversion per variant, and a `form` to create one.
//! - A partner: the running experiments, with a `join` button for opt-in
//!   ones they have not joined and their own variant once assigned (an
//!   automatic experiment assigns them when they first see it), and their
//!   own experiment activity.

use super::experiments::{self, ExperimentView, LIST_LIMIT};
use super::{sees_program, Insights};
use crate::bus::Projection;
use crate::domains::Domain;
use crate::store::{rfc3339, StoreError};
use serde_json::{json, Value};

/// Experiments whose results are drawn (newest first).
const DRAWN: usize = 10;

fn pct(r: f64) -> f64 {
    (r * 1000.0).round() / 10.0
}

fn row_actions(e: &ExperimentView) -> Value {
    let id = &e.id;
    match e.status.as_str() {
        "draft" => json!([{ "label": "Start", "action": "start", "params": { "experiment_id": id }, "style": "primary",
            "confirm": "Starting posts in #experiments and opens the experiment to partners." }]),
        "running" => json!([{ "label": "Stop", "action": "stop", "params": { "experiment_id": id } }]),
        "stopped" => Value::Array(
            e.variants
                .iter()
                .map(|v| json!({ "label": format!("Conclude: {}", v.name), "action": "conclude",
                    "params": { "experiment_id": id, "winner": v.name }, "confirm": format!("Conclude with {} as the winner?", v.name) }))
                .collect(),
        ),
        _ => json!([]),
    }
}

fn results(e: &ExperimentView) -> [Value; 2] {
    let rows: Vec<Value> = e
        .variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!([
                if i == 0 {
                    format!("{} (control)", v.name)
                } else {
                    v.name.clone()
                },
                v.weight,
                v.n,
                v.conversions,
                format!("{:.1} %", pct(v.rate)),
                v.p_value
                    .map_or_else(|| "—".to_owned(), |p| format!("{p:.4}")),
            ])
        })
        .collect();
    [
        json!({ "type": "table", "columns": [format!("{} — variant", e.name), "Weight", "Partners", "Conversions", "Rate", "p (vs control)"], "rows": rows }),
        json!({ "type": "chart", "kind": "bar", "title": format!("{}: conversion per variant", e.name), "unit": "%",
            "x": e.variants.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
            "series": [{ "name": "Conversion", "values": e.variants.iter().map(|v| pct(v.rate)).collect::<Vec<_>>() }] }),
    ]
}

fn create_form() -> Value {
    json!({ "type": "form", "id": "create_experiment", "title": "New experiment", "action": "create", "submit": "Create draft",
    "fields": [
        { "name": "name", "label": "Name", "input": "text", "required": true, "max_length": experiments::MAX_NAME },
        { "name": "hypothesis", "label": "Hypothesis", "input": "textarea", "max_length": experiments::MAX_HYPOTHESIS },
        { "name": "metric", "label": "Metric", "input": "select", "required": true, "value": "deal_won", "options": [
            { "value": "deal_won", "label": "Deal won" },
            { "value": "course_completed", "label": "Course completed" },
            { "value": "message_posted", "label": "Message posted in a channel" } ] },
        { "name": "channel", "label": "Channel key (message posted)", "input": "text", "max_length": 64 },
        { "name": "assignment", "label": "Assignment", "input": "select", "value": "opt_in", "options": [
            { "value": "opt_in", "label": "Partners opt in" },
            { "value": "automatic", "label": "Automatic (random, stable per partner)" } ] },
        { "name": "variants", "label": "Variants: name:weight, … (2–5, the first is the control)", "input": "text",
          "required": true, "value": "Control:50, Variant B:50", "max_length": 300 },
    ]})
}

pub(super) async fn build(s: &mut Insights, projection: Projection) -> Result<Value, StoreError> {
    let viewer = s.viewer(projection).await?;
    match viewer {
        Some(v) if !sees_program(&v) => partner(s, v.user_id).await,
        _ => staff(s).await,
    }
}

async fn staff(s: &Insights) -> Result<Value, StoreError> {
    let rows = s
        .store
        .fetch_experiments(s.tenant_id, None, LIST_LIMIT)
        .await?;
    let mut views = Vec::with_capacity(rows.len());
    for r in &rows {
        views.push(experiments::view(&s.store, s.tenant_id, r).await?);
    }
    let table_rows: Vec<Value> = views
        .iter()
        .map(|e| {
            let n: i64 = e.variants.iter().map(|v| v.n).sum();
            let x: i64 = e.variants.iter().map(|v| v.conversions).sum();
            json!([
                e.name,
                e.metric,
                e.assignment,
                e.status,
                n,
                x,
                e.winner.clone().unwrap_or_default()
            ])
        })
        .collect();
    let mut blocks = vec![json!({ "type": "figures", "items": [
        { "label": "Running", "value": views.iter().filter(|e| e.status == "running").count() },
        { "label": "Drafts", "value": views.iter().filter(|e| e.status == "draft").count() },
        { "label": "Concluded", "value": views.iter().filter(|e| e.status == "concluded").count() },
    ]})];
    blocks.push(json!({ "type": "table", "columns": ["Experiment", "Metric", "Assignment", "Status", "Partners", "Conversions", "Winner"],
        "rows": table_rows, "row_actions": views.iter().map(row_actions).collect::<Vec<_>>(), "filter": true }));
    for e in views.iter().filter(|e| e.status != "draft").take(DRAWN) {
        blocks.extend(results(e));
    }
    blocks.push(json!({ "type": "text", "text": "p is the two-sided p-value of a pooled two-proportion z-test of each variant against the control." }));
    blocks.push(create_form());
    Ok(json!({ "title": "Experiments", "blocks": blocks }))
}

async fn partner(s: &Insights, me: crate::ids::UserId) -> Result<Value, StoreError> {
    let running = s
        .store
        .fetch_experiments(s.tenant_id, Some("running"), LIST_LIMIT)
        .await?;
    let ids: Vec<i64> = running.iter().map(|e| e.id).collect();
    let mut mine = s.store.fetch_assignments_of(s.tenant_id, me, &ids).await?;
    // First exposure of an automatic experiment assigns the partner.
    for e in running.iter().filter(|e| e.assignment == "automatic") {
        if !mine.iter().any(|a| a.experiment_id == e.id) {
            let (a, _) = experiments::assign(s, e, me).await?;
            mine.push(a);
        }
    }
    let mut joined = Vec::new();
    let mut open = Vec::new();
    for e in &running {
        match mine.iter().find(|a| a.experiment_id == e.id) {
            Some(a) => joined.push(json!({
                "title": format!("{} — your variant: {}", e.name, a.variant),
                "subtitle": format!("{}{} · since {}", e.metric.replace('_', " "),
                    if a.converted_at.is_some() { " · converted" } else { "" }, rfc3339(a.assigned_at)),
            })),
            None => open.push(json!({ "label": format!("Join “{}”", e.name), "action": "join", "params": { "experiment_id": e.id.to_string() }, "style": "primary" })),
        }
    }
    let mut blocks = Vec::new();
    if running.is_empty() {
        blocks.push(json!({ "type": "text", "text": "No experiment is running right now." }));
    }
    if !joined.is_empty() {
        blocks.push(json!({ "type": "list", "items": joined }));
    }
    if !open.is_empty() {
        blocks.push(json!({ "type": "text", "text": "Experiments open to join:" }));
        blocks.push(json!({ "type": "actions", "items": open }));
    }
    let rows = s
        .store
        .fetch_activity(s.tenant_id, Some(me), Some(Insights::NAME), None, 10)
        .await?;
    blocks.push(json!({ "type": "activity", "items": rows.iter().map(|r| json!({ "id": r.id.to_string(), "summary": r.summary, "created_at": rfc3339(r.created_at) })).collect::<Vec<_>>() }));
    Ok(json!({ "title": "Experiments", "blocks": blocks }))
}
