//! Revenue panels as generic panel data (`{title, blocks}`), per projection:
//! a partner's own records, or the program for staff. The leaderboard is
//! one ranking for everyone: names, ranks and deal counts, no money.

use super::Revenue;
use crate::bus::Projection;
use crate::domains::money::money;
use crate::ids::UserId;
use crate::store::{LedgerRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::{Date, Duration, OffsetDateTime};

/// Ledger entries read for #revenue-payouts (the newest).
const PAYOUT_HISTORY: i64 = 5000;

/// Ledger entries shown in #revenue-overview.
const LEDGER_PAGE: i64 = 25;

/// Builds panel `kind` in `projection`; `None` for a kind without a builder.
pub(super) async fn build(
    r: &Revenue,
    kind: &str,
    projection: Projection,
) -> Result<Option<Value>, StoreError> {
    let partner = match projection {
        Projection::Partner(p) => Some(p),
        Projection::Program | Projection::Everyone => None,
    };
    Ok(Some(match kind {
        "revenue.commissions" => commissions(r, partner).await?,
        "revenue.overview" => overview(r, partner).await?,
        "revenue.leaderboard" => leaderboard(r).await?,
        "revenue.tiers" => tiers(r, partner).await?,
        "revenue.payouts" => payouts(r, partner).await?,
        "revenue.goals" => super::goals::panel(r, projection).await?,
        _ => return Ok(None),
    }))
}

/// The next payout day on or after today (UTC).
fn next_payout(day: u8) -> Date {
    let today = OffsetDateTime::now_utc().date();
    let this_month = today.replace_day(day).unwrap_or(today);
    if this_month >= today {
        this_month
    } else {
        let next = today + Duration::days(32);
        next.replace_day(day).unwrap_or(next)
    }
}

/// Sums per (status, currency) of each deal's current entry.
fn totals(statuses: &[LedgerRow]) -> BTreeMap<(&str, &str), i64> {
    let mut t = BTreeMap::new();
    for e in statuses {
        let sum: &mut i64 = t
            .entry((e.status.as_str(), e.currency.as_str()))
            .or_default();
        // Checked: a sum past i64 stays at the bound instead of wrapping (issue 12 item 7).
        *sum = sum.saturating_add(e.amount_minor);
    }
    t
}

async fn commissions(r: &Revenue, partner: Option<UserId>) -> Result<Value, StoreError> {
    let statuses = r.store.fetch_deal_statuses(r.tenant_id, partner).await?;
    let t = totals(&statuses);
    let mut figures = Vec::new();
    for status in ["pending", "approved", "paid"] {
        let per: Vec<String> = t
            .iter()
            .filter(|((s, _), _)| *s == status)
            .map(|((_, c), m)| money(*m, c))
            .collect();
        let value = if per.is_empty() {
            money(0, &r.program.currency)
        } else {
            per.join(" + ")
        };
        figures.push(json!({ "label": capitalise(status), "value": value }));
    }
    let payout = next_payout(r.program.payouts.day_of_month);
    figures.push(json!({ "label": "Next payout", "value": payout.to_string() }));
    let title = match partner {
        Some(p) => {
            let u = r.store.fetch_user(r.tenant_id, p).await?;
            let tier = u
                .tier
                .as_deref()
                .and_then(|t| r.program.tier(t))
                .unwrap_or(&r.program.tier[0]);
            figures.push(json!({ "label": "Your rate", "value": format!("{:.2} %", f64::from(tier.rate_bp) / 100.0) }));
            "Your commissions"
        }
        None => {
            let partners: std::collections::BTreeSet<UserId> =
                statuses.iter().map(|e| e.partner_id).collect();
            figures.push(json!({ "label": "Partners earning", "value": partners.len() }));
            "Program commissions"
        }
    };
    Ok(json!({
        "title": title,
        "blocks": [
            { "type": "figures", "items": figures },
            { "type": "text", "text": "Each deal's commission as it stands: pending until staff approve it, paid in the next payout after approval. Amounts per currency, never converted." },
        ]
    }))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

async fn overview(r: &Revenue, partner: Option<UserId>) -> Result<Value, StoreError> {
    let rows = r
        .store
        .fetch_ledger(r.tenant_id, partner, LEDGER_PAGE)
        .await?;
    let names = if partner.is_none() {
        member_names(r).await?
    } else {
        BTreeMap::new()
    };
    let table: Vec<Value> = rows
        .iter()
        .map(|e| {
            let mut row = vec![json!(e.seq), json!(e.deal_id)];
            if partner.is_none() {
                row.push(json!(names.get(&e.partner_id).cloned().unwrap_or_default()));
            }
            row.extend([
                json!(e.status),
                json!(money(e.amount_minor, &e.currency)),
                json!(crate::store::rfc3339(e.created_at)),
            ]);
            Value::Array(row)
        })
        .collect();
    let mut columns = vec!["#", "Deal"];
    if partner.is_none() {
        columns.push("Partner");
    }
    columns.extend(["Status", "Commission", "When"]);
    Ok(json!({
        "title": if partner.is_some() { "Your ledger" } else { "Commission ledger" },
        "blocks": [
            { "type": "text", "text": format!("The newest {LEDGER_PAGE} entries of the append-only ledger; every change is a new entry, chained by SHA-256.") },
            { "type": "table", "columns": columns, "rows": table },
        ]
    }))
}

async fn member_names(r: &Revenue) -> Result<BTreeMap<UserId, String>, StoreError> {
    Ok(r.store
        .fetch_members(r.tenant_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// This calendar month's won revenue per partner, converted for ranking.
async fn leaderboard(r: &Revenue) -> Result<Value, StoreError> {
    let now = OffsetDateTime::now_utc();
    let month = now
        .replace_day(1)
        .unwrap_or(now)
        .replace_time(time::Time::MIDNIGHT);
    let won = r.store.fetch_won_since(r.tenant_id, month).await?;
    let mut by: BTreeMap<UserId, (String, i64, i64)> = BTreeMap::new();
    for w in won {
        let e = by
            .entry(w.partner_id)
            .or_insert((w.display_name.clone(), 0, 0));
        e.1 += w.deals;
        e.2 = e.2.saturating_add(
            r.program
                .to_reporting(w.amount_minor, &w.currency)
                .unwrap_or(0),
        );
    }
    let mut ranked: Vec<(String, i64, i64)> = by.into_values().collect();
    ranked.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    let deals: i64 = ranked.iter().map(|x| x.1).sum();
    let rows: Vec<Value> = ranked
        .iter()
        .enumerate()
        .map(|(i, (name, n, _))| json!([i + 1, name, n]))
        .collect();
    Ok(json!({
        "title": format!("Leaderboard, {} {}", now.month(), now.year()),
        "blocks": [
            { "type": "figures", "items": [
                { "label": "Deals won this month", "value": deals },
                { "label": "Partners with a win", "value": ranked.len() },
            ]},
            { "type": "table", "columns": ["#", "Partner", "Deals"], "rows": rows },
            { "type": "text", "text": format!("Ranked by won revenue in {}, converted at the program's fixed rates.", r.program.currency) },
        ]
    }))
}

async fn tiers(r: &Revenue, partner: Option<UserId>) -> Result<Value, StoreError> {
    let since = OffsetDateTime::now_utc() - Duration::days(90);
    let won = r.store.fetch_won_since(r.tenant_id, since).await?;
    let cur = &r.program.currency;
    let Some(p) = partner else {
        let members = r.store.fetch_members(r.tenant_id).await?;
        let rows: Vec<Value> = r
            .program
            .tier
            .iter()
            .map(|t| {
                let n = members
                    .iter()
                    .filter(|m| m.role == "partner" && m.tier.as_deref() == Some(t.name.as_str()))
                    .count();
                json!([
                    t.name,
                    money(t.threshold_minor, cur),
                    format!("{:.2} %", f64::from(t.rate_bp) / 100.0),
                    n
                ])
            })
            .collect();
        // Staff set a tier here (panel.action `set_tier`); a menu of at most
        // 500 partners keeps the panel bounded (REST takes any partner).
        let partners: Vec<Value> = members
            .iter()
            .filter(|m| m.role == "partner")
            .take(500)
            .map(|m| json!({ "value": m.id.to_string(), "label": format!("{} ({})", m.display_name, m.tier.as_deref().unwrap_or("none")) }))
            .collect();
        let tiers: Vec<Value> = r
            .program
            .tier
            .iter()
            .map(|t| json!({ "value": t.name, "label": t.name }))
            .collect();
        return Ok(json!({
            "title": "Program tiers",
            "blocks": [
                { "type": "table", "columns": ["Tier", "From (90 days)", "Rate", "Partners"], "rows": rows },
                { "type": "form", "id": "set-tier", "title": "Set a partner's tier", "action": "set_tier", "submit": "Set tier",
                  "fields": [
                    { "name": "partner_id", "label": "Partner", "input": "select", "required": true, "options": partners },
                    { "name": "tier", "label": "Tier", "input": "select", "required": true, "options": tiers },
                  ] },
            ]
        }));
    };
    let trailing: i64 = won
        .iter()
        .filter(|w| w.partner_id == p)
        .map(|w| {
            r.program
                .to_reporting(w.amount_minor, &w.currency)
                .unwrap_or(0)
        })
        .fold(0, i64::saturating_add);
    let u = r.store.fetch_user(r.tenant_id, p).await?;
    let tier = u
        .tier
        .as_deref()
        .and_then(|t| r.program.tier(t))
        .unwrap_or(&r.program.tier[0]);
    let mut blocks = vec![json!({ "type": "figures", "items": [
        { "label": "Your tier", "value": tier.name },
        { "label": "Rate", "value": format!("{:.2} %", f64::from(tier.rate_bp) / 100.0) },
        { "label": "Won, last 90 days", "value": money(trailing, cur) },
    ]})];
    if let Some(next) = r.program.next_tier(&tier.name) {
        blocks.push(json!({ "type": "progress", "items": [
            { "label": format!("To {} ({})", next.name, money(next.threshold_minor, cur)), "value": trailing.min(next.threshold_minor), "max": next.threshold_minor, "currency": cur },
        ]}));
    }
    let perks: Vec<Value> = tier.perks.iter().map(|p| json!({ "title": p })).collect();
    blocks.push(json!({ "type": "list", "items": perks }));
    Ok(json!({ "title": "Your tier", "blocks": blocks }))
}

async fn payouts(r: &Revenue, partner: Option<UserId>) -> Result<Value, StoreError> {
    // Every paid entry, even of a deal reversed later: a payout made stays in the history.
    let statuses = r
        .store
        .fetch_ledger(r.tenant_id, partner, PAYOUT_HISTORY)
        .await?;
    // reference → (latest time, currency → total)
    let mut by: BTreeMap<&str, (OffsetDateTime, BTreeMap<&str, i64>)> = BTreeMap::new();
    for e in statuses.iter().filter(|e| e.status == "paid") {
        let x = by
            .entry(e.reference.as_str())
            .or_insert((e.created_at, BTreeMap::new()));
        x.0 = x.0.max(e.created_at);
        let sum: &mut i64 = x.1.entry(e.currency.as_str()).or_default();
        *sum = sum.saturating_add(e.amount_minor);
    }
    let mut rows: Vec<(OffsetDateTime, Value)> = by
        .into_iter()
        .map(|(reference, (at, per))| {
            let total: Vec<String> = per.iter().map(|(c, m)| money(*m, c)).collect();
            (
                at,
                json!([reference, crate::store::rfc3339(at), total.join(" + ")]),
            )
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    Ok(json!({
        "title": if partner.is_some() { "Your payouts" } else { "Program payouts" },
        "blocks": [
            { "type": "figures", "items": [
                { "label": "Next payout", "value": next_payout(r.program.payouts.day_of_month).to_string() },
                { "label": "Payouts made", "value": rows.len() },
            ]},
            { "type": "table", "columns": ["Reference", "Paid", "Amount"], "rows": rows.into_iter().map(|x| x.1).collect::<Vec<_>>() },
        ]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(amount_minor: i64) -> LedgerRow {
        LedgerRow {
            seq: 1,
            deal_id: "d".into(),
            partner_id: UserId(1),
            status: "pending".into(),
            amount_minor,
            currency: "EUR".into(),
            rate_bp: 100,
            reference: String::new(),
            actor_id: UserId(1),
            created_at: OffsetDateTime::UNIX_EPOCH,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn totals_saturate_instead_of_overflowing() {
        let rows = [entry(i64::MAX - 1), entry(5), entry(7)];
        let t = totals(&rows);
        assert_eq!(t[&("pending", "EUR")], i64::MAX);
    }
}
