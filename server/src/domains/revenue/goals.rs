//! Monthly goals (#goals): staff set a target for the program and for each
//! partner, in the reporting currency; the panel shows targets against this
//! month's won revenue, converted at the program's fixed rates.

use super::Revenue;
use crate::bus::Projection;
use crate::domains::money::money;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::StoreError;
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Largest goal, minor units (10^13, as deal amounts).
const MAX_TARGET: i64 = super::deals::MAX_AMOUNT_MINOR;

/// A goal to set.
#[derive(Debug, Clone)]
pub struct Goal {
    /// Any day of the month; stored as its first day.
    pub month: Date,
    /// The partner, or `None` for the program.
    pub partner: Option<UserId>,
    /// Reporting currency, minor units, 1..10^13.
    pub target_minor: i64,
}

/// The first day of `d`'s month.
pub fn month_of(d: Date) -> Date {
    d.replace_day(1).unwrap_or(d)
}

/// Sets a goal (staff only): `bad_request` for a bad target or a member who
/// is not a partner.
pub(super) async fn set(r: &Revenue, by: &Actor, goal: Goal) -> Result<(), ErrorBody> {
    if !by.role.is_staff() || by.bot.is_some() {
        return Err(ErrorBody::new(ErrorCode::Forbidden, "staff only"));
    }
    if !(1..=MAX_TARGET).contains(&goal.target_minor) {
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!("target_minor must be 1..{MAX_TARGET} (reporting currency minor units)"),
        ));
    }
    if let Some(p) = goal.partner {
        match r.store.fetch_user(r.tenant_id, p).await {
            Ok(u) if u.role == Role::Partner.as_str() => {}
            Ok(_) | Err(StoreError::NotFound) => {
                return Err(ErrorBody::new(
                    ErrorCode::BadRequest,
                    "partner_id is not a partner",
                ))
            }
            Err(e) => return Err(store_error(e)),
        }
    }
    r.store
        .update_goal(
            r.tenant_id,
            month_of(goal.month),
            goal.partner,
            goal.target_minor,
            by.user_id,
            r.ids.next_id().0 as i64,
        )
        .await
        .map_err(store_error)
}

/// The #goals panel of this month for `partner` (or the program).
pub(super) async fn panel(r: &Revenue, projection: Projection) -> Result<Value, StoreError> {
    let now = OffsetDateTime::now_utc();
    let month = month_of(now.date());
    let goals = r.store.fetch_goals(r.tenant_id, month).await?;
    let won = r
        .store
        .fetch_won_since(r.tenant_id, month.midnight().assume_utc())
        .await?;
    let cur = &r.program.currency;
    let mut actual: BTreeMap<UserId, (String, i64)> = BTreeMap::new();
    for w in &won {
        let e = actual
            .entry(w.partner_id)
            .or_insert((w.display_name.clone(), 0));
        e.1 = e.1.saturating_add(
            r.program
                .to_reporting(w.amount_minor, &w.currency)
                .unwrap_or(0),
        );
    }
    let program_actual: i64 = actual.values().map(|a| a.1).fold(0, i64::saturating_add);
    let progress = |label: String, value: i64, target: i64| json!({ "label": format!("{label}: {} of {}", money(value, cur), money(target, cur)), "value": value.min(target), "max": target, "currency": cur });
    let mut items = Vec::new();
    if let Some((_, t)) = goals.iter().find(|(p, _)| p.is_none()) {
        items.push(progress("Program".into(), program_actual, *t));
    }
    let mut blocks = Vec::new();
    match projection {
        Projection::Partner(me) => {
            if let Some((_, t)) = goals.iter().find(|(p, _)| *p == Some(me)) {
                items.push(progress(
                    "You".into(),
                    actual.get(&me).map_or(0, |a| a.1),
                    *t,
                ));
            }
        }
        Projection::Program | Projection::Everyone => {
            let names = r.store.fetch_members(r.tenant_id).await?;
            let rows: Vec<Value> = goals
                .iter()
                .filter_map(|(p, t)| p.map(|p| (p, *t)))
                .map(|(p, t)| {
                    let name = names
                        .iter()
                        .find(|u| u.id == p)
                        .map_or(String::new(), |u| u.display_name.clone());
                    let a = actual.get(&p).map_or(0, |a| a.1);
                    json!([
                        name,
                        money(t, cur),
                        money(a, cur),
                        format!("{} %", (i128::from(a) * 100 / i128::from(t.max(1))))
                    ])
                })
                .collect();
            blocks.push(json!({ "type": "table", "columns": ["Partner", "Target", "Won", "Reached"], "rows": rows }));
        }
    }
    if items.is_empty() {
        blocks.insert(
            0,
            json!({ "type": "text", "text": "No goals set for this month yet." }),
        );
    } else {
        blocks.insert(0, json!({ "type": "progress", "items": items }));
    }
    Ok(json!({ "title": format!("Goals, {} {}", month.month(), month.year()), "blocks": blocks }))
}
