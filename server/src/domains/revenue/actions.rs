//! `panel.action` on revenue panels (PROTOCOL.md §4): staff approve, pay
//! and reverse commissions from the ledger panels, set goals in #goals and
//! set a partner's tier in #revenue-tiers.
//! The same commands as the REST routes; params are validated like requests
//! (`bad_request` naming what is wrong), answers come after the commit.

use super::goals::Goal;
use super::{Command, LedgerEntry, Revenue};
use crate::domains::handle::Handle;
use crate::registry::Actor;
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

/// Panels whose rows are ledger entries: they take the commission actions.
const LEDGER_PANELS: [&str; 3] = ["revenue.overview", "revenue.commissions", "revenue.payouts"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Deals {
    deal_ids: Vec<String>,
    #[serde(default)]
    reference: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reverse {
    deal_id: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetGoal {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    partner_id: Option<Snowflake>,
    target_minor: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetTier {
    partner_id: Snowflake,
    tier: String,
}

fn params<T: DeserializeOwned>(action: &str, v: Value) -> Result<T, ErrorBody> {
    let v = if v.is_null() { json!({}) } else { v };
    serde_json::from_value(v)
        .map_err(|e| ErrorBody::new(ErrorCode::BadRequest, format!("{action}: {e}")))
}

fn entries(rows: &[crate::store::LedgerRow]) -> Value {
    json!({ "entries": rows.iter().map(LedgerEntry::from).collect::<Vec<_>>() })
}

/// Runs `action` of panel `kind` for `by`; the answer is the changed entries.
pub async fn run(
    handle: &Handle<Revenue>,
    by: &Actor,
    kind: &str,
    action: &str,
    p: Value,
) -> Result<Value, ErrorBody> {
    let t = by.tenant_id;
    let who = by.clone();
    match (action, kind) {
        ("approve", k) if LEDGER_PANELS.contains(&k) => {
            let d: Deals = params(action, p)?;
            let rows = handle
                .ask(t, |reply| Command::Approve { by: who, deal_ids: d.deal_ids, reply })
                .await?;
            Ok(entries(&rows))
        }
        ("payout", k) if LEDGER_PANELS.contains(&k) => {
            let d: Deals = params(action, p)?;
            let reference = d.reference.unwrap_or_default();
            let rows = handle
                .ask(t, |reply| Command::Payout { by: who, deal_ids: d.deal_ids, reference, reply })
                .await?;
            Ok(entries(&rows))
        }
        ("reverse", k) if LEDGER_PANELS.contains(&k) => {
            let r: Reverse = params(action, p)?;
            let row = handle
                .ask(t, |reply| Command::Reverse { by: who, deal_id: r.deal_id, reason: r.reason, reply })
                .await?;
            Ok(json!({ "entry": LedgerEntry::from(&row) }))
        }
        ("set_goal", "revenue.goals") => {
            let g: SetGoal = params(action, p)?;
            let month = match g.month.as_deref() {
                None => time::OffsetDateTime::now_utc().date(),
                Some(m) => parse_month(m)?,
            };
            let goal = Goal {
                month,
                partner: g.partner_id.map(Into::into),
                target_minor: g.target_minor,
            };
            handle.ask(t, |reply| Command::SetGoal { by: who, goal, reply }).await?;
            Ok(json!({}))
        }
        ("set_tier", "revenue.tiers") => {
            let s: SetTier = params(action, p)?;
            let partner = s.partner_id.into();
            let c = handle
                .ask(t, |reply| Command::SetTier { by: who, partner, tier: s.tier, reply })
                .await?;
            Ok(c.to_json())
        }
        _ => Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!(
                "no action {action:?} on {kind}; ledger panels take approve, payout, reverse; #goals takes set_goal; #revenue-tiers takes set_tier"
            ),
        )),
    }
}

/// `YYYY-MM` as the month's first day.
pub fn parse_month(m: &str) -> Result<time::Date, ErrorBody> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(&format!("{m}-01"), fmt)
        .map_err(|_| ErrorBody::new(ErrorCode::BadRequest, "month must be YYYY-MM"))
}
