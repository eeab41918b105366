//! The #analytics and #analytics-dashboard panels, per viewer.
//!
//! - #analytics: staff (and partners when staff share program figures) see
//!   the latest daily snapshot as `figures`, the history as a `table`, line
//!   `chart`s of the last 30 snapshots; staff also a "Snapshot now" button,
//!   the sharing toggle and the time-zone form. A partner without sharing
//!   sees their own figures of today.
//! - #analytics-dashboard: the KPIs over the viewer's filter (a `form`
//!   whose submit is `filter`), daily line `chart`s and the pipeline
//!   `funnel`; program figures for staff (and for partners when shared),
//!   else the partner's own.

use super::commands::zone;
use super::kpis::{self, Filter, Kpis};
use super::{clock, sees_program, Insights};
use crate::bus::Projection;
use crate::domains::money::money;
use crate::ids::UserId;
use crate::store::{rfc3339, KpiScope, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Snapshots the history shows.
const HISTORY: i64 = 30;
/// Activity entries a panel shows.
const ACTIVITY: i64 = 10;
/// Pipeline stages in funnel order.
const STAGES: [&str; 5] = ["prospect", "qualified", "proposal", "negotiation", "won"];

fn internal(e: arena_protocol::ErrorBody) -> StoreError {
    StoreError::Other(e.message)
}

fn money_list(a: &[kpis::Amount]) -> String {
    if a.is_empty() {
        return "—".into();
    }
    a.iter()
        .map(|m| money(m.amount_minor, &m.currency))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The figures block of a set of KPIs.
pub(super) fn figures(k: &Kpis) -> Value {
    json!({ "type": "figures", "items": [
        { "label": "Active partners", "value": k.active_partners },
        { "label": "Active partners (30 days)", "value": k.active_partners_30d },
        { "label": "Messages", "value": k.messages },
        { "label": "Deal wins", "value": k.deal_wins },
        { "label": "Revenue", "value": money_list(&k.revenue) },
        { "label": "Open pipeline", "value": money_list(&k.pipeline) },
        { "label": "Course completions", "value": k.course_completions },
        { "label": "Open cases", "value": k.open_cases },
    ]})
}

async fn activity(s: &Insights, partner: Option<UserId>) -> Result<Value, StoreError> {
    let rows = s
        .store
        .fetch_activity(
            s.tenant_id,
            partner,
            Some(<Insights as crate::domains::Domain>::NAME),
            None,
            ACTIVITY,
        )
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| json!({ "id": r.id.to_string(), "summary": r.summary, "created_at": rfc3339(r.created_at) }))
        .collect();
    Ok(json!({ "type": "activity", "items": items }))
}

/// Does this viewer see program figures? (`None` viewer: the program.)
async fn sees_figures(
    s: &Insights,
    viewer: Option<&crate::registry::Actor>,
) -> Result<bool, StoreError> {
    match viewer {
        None => Ok(true),
        Some(v) if sees_program(v) => Ok(true),
        Some(_) => s.store.fetch_share_with_partners(s.tenant_id).await,
    }
}

pub(super) async fn analytics(
    s: &mut Insights,
    projection: Projection,
) -> Result<Value, StoreError> {
    let viewer = s.viewer(projection).await?;
    let staff = viewer.as_ref().is_none_or(sees_program);
    let (tz_name, tz) = zone(s).await.map_err(internal)?;
    let now = OffsetDateTime::now_utc();
    let today = clock::local_day(now, &tz);
    if !sees_figures(s, viewer.as_ref()).await? {
        let me = viewer.as_ref().map(|v| v.user_id);
        let (from, to) = clock::day_bounds(today, &tz);
        let channels = s.readable_channels(viewer.as_ref());
        let scope = KpiScope {
            partner: me,
            channels: channels.as_deref(),
            ..KpiScope::default()
        };
        let k = kpis::compute(&s.store, s.tenant_id, from, to, scope).await?;
        return Ok(json!({
            "title": "Your figures today",
            "blocks": [
                { "type": "text", "text": format!("Program KPIs are shared with partners when staff allow it. Your own figures for {today} ({tz_name}):") },
                figures(&k),
                activity(s, me).await?,
            ]
        }));
    }
    let rows = s.store.fetch_snapshots(s.tenant_id, today, HISTORY).await?;
    // Staff see the program's figures, partners the shared ones (no hidden
    // channel's traffic); a snapshot without shared figures is staff-only.
    let snaps: Vec<(time::Date, Kpis, &crate::store::SnapshotRow)> = rows
        .iter()
        .filter_map(|r| {
            let figures = if staff {
                Some(&r.kpis)
            } else {
                r.shared_kpis.as_ref()
            }?;
            Some((
                r.day,
                serde_json::from_value(figures.clone()).unwrap_or_default(),
                r,
            ))
        })
        .collect();
    let mut blocks = Vec::new();
    match snaps.first() {
        Some((day, k, r)) => {
            let by = if r.computed_by.is_some() { "on demand" } else { "at midnight" };
            blocks.push(json!({ "type": "text", "text": format!("Latest snapshot: {day} ({tz_name}), taken {by} at {}.", rfc3339(r.computed_at)) }));
            blocks.push(figures(k));
        }
        None => blocks.push(json!({ "type": "text", "text": format!("No snapshot yet: the first is taken at midnight ({tz_name}).") })),
    }
    // Oldest first for the charts.
    let asc: Vec<&(time::Date, Kpis, &crate::store::SnapshotRow)> = snaps.iter().rev().collect();
    let x: Vec<String> = asc.iter().map(|s| s.0.to_string()).collect();
    let series = |name: &str, f: &dyn Fn(&Kpis) -> i64| json!({ "name": name, "values": asc.iter().map(|s| f(&s.1)).collect::<Vec<_>>() });
    if !asc.is_empty() {
        blocks.push(json!({ "type": "chart", "kind": "line", "title": "Activity (last 30 days)", "x": x,
            "series": [series("Active partners", &|k| k.active_partners), series("Messages", &|k| k.messages)] }));
        blocks.push(json!({ "type": "chart", "kind": "line", "title": "Outcomes (last 30 days)", "x": x,
            "series": [series("Deal wins", &|k| k.deal_wins), series("Course completions", &|k| k.course_completions), series("Open cases", &|k| k.open_cases)] }));
        let mut currencies: Vec<String> = asc
            .iter()
            .flat_map(|s| s.1.revenue.iter().map(|a| a.currency.clone()))
            .collect();
        currencies.sort();
        currencies.dedup();
        for cur in currencies.iter().take(3) {
            let values: Vec<Option<i64>> = asc
                .iter()
                .map(|s| {
                    Some(
                        s.1.revenue
                            .iter()
                            .find(|a| &a.currency == cur)
                            .map_or(0, |a| a.amount_minor),
                    )
                })
                .collect();
            blocks.push(json!({ "type": "chart", "kind": "line", "title": format!("Revenue in {cur}"), "x": x, "currency": cur,
                "series": [{ "name": "Revenue", "values": values }] }));
        }
    }
    let history: Vec<Value> = snaps
        .iter()
        .map(|(d, k, r)| {
            json!([
                d.to_string(),
                k.active_partners,
                k.messages,
                k.deal_wins,
                money_list(&k.revenue),
                money_list(&k.pipeline),
                k.course_completions,
                k.open_cases,
                if r.computed_by.is_some() {
                    "on demand"
                } else {
                    "midnight"
                }
            ])
        })
        .collect();
    blocks.push(json!({ "type": "table", "columns": ["Day", "Active", "Messages", "Deal wins", "Revenue", "Pipeline", "Completions", "Open cases", "Taken"], "rows": history }));
    if staff {
        let share = s.store.fetch_share_with_partners(s.tenant_id).await?;
        blocks.push(json!({ "type": "actions", "items": [
            { "label": "Snapshot now", "action": "snapshot", "style": "primary" },
            if share {
                json!({ "label": "Stop sharing program KPIs with partners", "action": "share", "params": { "share": false } })
            } else {
                json!({ "label": "Share program KPIs with partners", "action": "share", "params": { "share": true }, "confirm": "Partners will see program-level figures." })
            },
        ]}));
        blocks.push(json!({ "type": "form", "id": "timezone", "title": "Snapshot time zone", "action": "set_timezone", "submit": "Save",
            "fields": [{ "name": "timezone", "label": "IANA time zone (e.g. Europe/Berlin)", "input": "text", "required": true, "value": tz_name, "max_length": clock::MAX_TZ }] }));
    }
    blocks.push(
        activity(
            s,
            if staff {
                None
            } else {
                viewer.as_ref().map(|v| v.user_id)
            },
        )
        .await?,
    );
    Ok(json!({ "title": "Program KPIs", "blocks": blocks }))
}

pub(super) async fn dashboard(
    s: &mut Insights,
    projection: Projection,
) -> Result<Value, StoreError> {
    let viewer = s.viewer(projection).await?;
    let filter = viewer
        .as_ref()
        .and_then(|v| s.filters.get(&v.user_id).cloned())
        .unwrap_or_default();
    let program = sees_figures(s, viewer.as_ref()).await?;
    let me = if program {
        None
    } else {
        viewer.as_ref().map(|v| v.user_id)
    };
    let (tz_name, tz) = zone(s).await.map_err(internal)?;
    let today = clock::local_day(OffsetDateTime::now_utc(), &tz);
    let (first, last) = filter.days(today);
    let (from, _) = clock::day_bounds(first, &tz);
    let (_, to) = clock::day_bounds(last, &tz);
    let channels = s.readable_channels(viewer.as_ref());
    let scope = filter.scope(me, channels.as_deref());
    let k = kpis::compute(&s.store, s.tenant_id, from, to, scope).await?;
    let mut blocks = vec![
        json!({ "type": "text", "text": format!("{} — {}{} ({tz_name}).", filter.label(),
            if program { "program figures" } else { "your own figures" },
            if program || viewer.as_ref().is_none_or(sees_program) { "" } else { "; program figures appear when staff share them" }) }),
        figures(&k),
    ];
    blocks.extend(series_charts(s, scope, first, last, from, to, &tz_name).await?);
    let stages = s.store.fetch_kpi_stages(s.tenant_id, scope).await?;
    let counts: Vec<i64> = STAGES
        .iter()
        .map(|st| stages.iter().find(|r| r.stage == *st).map_or(0, |r| r.n))
        .collect();
    blocks.push(json!({ "type": "chart", "kind": "funnel", "title": "Pipeline by stage", "x": STAGES, "series": [{ "name": "Opportunities", "values": counts }] }));
    blocks.push(filter_form(s, &filter).await?);
    Ok(json!({ "title": "KPI dashboard", "blocks": blocks }))
}

#[allow(clippy::too_many_arguments)]
async fn series_charts(
    s: &Insights,
    scope: KpiScope<'_>,
    first: time::Date,
    last: time::Date,
    from: OffsetDateTime,
    to: OffsetDateTime,
    tz_name: &str,
) -> Result<Vec<Value>, StoreError> {
    let rows = s
        .store
        .fetch_kpi_series(s.tenant_id, from, to, tz_name, scope)
        .await?;
    let mut days = Vec::new();
    let mut d = first;
    while d <= last && days.len() < kpis::MAX_DAYS as usize {
        days.push(d);
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    let x: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    let mut by: BTreeMap<(String, Option<String>), BTreeMap<time::Date, i64>> = BTreeMap::new();
    for r in rows {
        by.entry((r.metric, r.currency))
            .or_default()
            .insert(r.day, r.value);
    }
    let values = |metric: &str, cur: Option<&str>| -> Vec<i64> {
        let m = by.get(&(metric.to_owned(), cur.map(str::to_owned)));
        days.iter()
            .map(|d| m.and_then(|m| m.get(d)).copied().unwrap_or(0))
            .collect()
    };
    let mut charts = vec![
        json!({ "type": "chart", "kind": "line", "title": "Activity per day", "x": x, "series": [
            { "name": "Active partners", "values": values("active", None) },
            { "name": "Messages", "values": values("messages", None) },
        ]}),
        json!({ "type": "chart", "kind": "line", "title": "Deal wins and completions per day", "x": x, "series": [
            { "name": "Deal wins", "values": values("deal_wins", None) },
            { "name": "Course completions", "values": values("completions", None) },
        ]}),
    ];
    let currencies: Vec<String> = by
        .keys()
        .filter(|(m, _)| m == "revenue")
        .filter_map(|(_, c)| c.clone())
        .collect();
    for cur in currencies.iter().take(3) {
        charts.push(json!({ "type": "chart", "kind": "line", "title": format!("Revenue per day in {cur}"), "x": x, "currency": cur,
            "series": [{ "name": "Revenue", "values": values("revenue", Some(cur)) }] }));
    }
    Ok(charts)
}

async fn filter_form(s: &Insights, f: &Filter) -> Result<Value, StoreError> {
    let industries = s.store.fetch_client_industries(s.tenant_id).await?;
    let mut ind = vec![json!({ "value": "", "label": "Any industry" })];
    ind.extend(industries.iter().map(|i| json!({ "value": i, "label": i })));
    let mut tiers = vec![json!({ "value": "", "label": "Any tier" })];
    tiers.extend(
        kpis::TIERS
            .iter()
            .map(|t| json!({ "value": t, "label": t })),
    );
    let v = f.to_json();
    Ok(
        json!({ "type": "form", "id": "filter", "title": "Filter", "action": "filter", "submit": "Apply", "fields": [
            { "name": "timeframe", "label": "Timeframe", "input": "select", "value": v["timeframe"], "options": [
                { "value": "7d", "label": "Last 7 days" }, { "value": "30d", "label": "Last 30 days" },
                { "value": "90d", "label": "Last 90 days" }, { "value": "custom", "label": "From – to" } ] },
            { "name": "from", "label": "From (custom)", "input": "date", "value": v["from"] },
            { "name": "to", "label": "To (custom)", "input": "date", "value": v["to"] },
            { "name": "industry", "label": "Industry", "input": "select", "value": v["industry"].as_str().unwrap_or(""), "options": ind },
            { "name": "tier", "label": "Tier", "input": "select", "value": v["tier"].as_str().unwrap_or(""), "options": tiers },
        ]}),
    )
}
