//! Revenue panels built from committed deal wins: the leaderboard and the
//! commissions/overview snapshot, as generic panel data (`{title, blocks}`).

use crate::domains::money::money;
use crate::ids::TenantId;
use crate::store::{Store, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The partners ranked by wins, then by the sum of what they won.
pub(super) async fn leaderboard(store: &Store, tenant_id: TenantId) -> Result<Value, StoreError> {
    let wins = store.fetch_deal_wins(tenant_id, 10_000).await?;
    // partner → (wins, currency → total)
    let mut by_partner: BTreeMap<String, (u32, BTreeMap<String, i64>)> = BTreeMap::new();
    for w in &wins {
        let e = by_partner.entry(w.partner_name.clone()).or_default();
        e.0 += 1;
        *e.1.entry(w.currency.clone()).or_default() += w.amount_minor;
    }
    let mut ranked: Vec<_> = by_partner.into_iter().collect();
    ranked.sort_by(|a, b| {
        b.1 .0.cmp(&a.1 .0).then_with(|| {
            let sa: i64 = a.1 .1.values().sum();
            let sb: i64 = b.1 .1.values().sum();
            sb.cmp(&sa)
        })
    });
    let rows: Vec<Value> = ranked
        .iter()
        .enumerate()
        .map(|(i, (name, (n, totals)))| {
            let total = totals
                .iter()
                .map(|(c, m)| money(*m, c))
                .collect::<Vec<_>>()
                .join(" + ");
            json!([i + 1, name, n, total])
        })
        .collect();
    Ok(json!({
        "title": "Leaderboard",
        "blocks": [
            { "type": "figures", "items": [
                { "label": "Deals won", "value": wins.len() },
                { "label": "Partners with a win", "value": ranked.len() },
            ]},
            { "type": "table", "columns": ["#", "Partner", "Wins", "Won"], "rows": rows },
        ]
    }))
}

/// Won totals per currency, the win count and the ten newest wins.
pub(super) async fn overview(
    store: &Store,
    tenant_id: TenantId,
    kind: &str,
) -> Result<Value, StoreError> {
    let wins = store.fetch_deal_wins(tenant_id, 10_000).await?;
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for w in &wins {
        *totals.entry(w.currency.clone()).or_default() += w.amount_minor;
    }
    let figures: Vec<Value> = totals
        .iter()
        .map(|(c, m)| json!({ "label": format!("Won in {c}"), "value": money(*m, c) }))
        .chain(std::iter::once(
            json!({ "label": "Deals won", "value": wins.len() }),
        ))
        .collect();
    let recent: Vec<Value> = wins
        .iter()
        .take(10)
        .map(|w| json!({ "title": format!("{} — {}", w.partner_name, w.client), "subtitle": money(w.amount_minor, &w.currency) }))
        .collect();
    let title = if kind == "revenue.commissions" {
        "Commissions snapshot"
    } else {
        "Revenue overview"
    };
    Ok(json!({
        "title": title,
        "blocks": [
            { "type": "figures", "items": figures },
            { "type": "text", "text": "Deal wins posted in #deal-wins, newest first." },
            { "type": "list", "items": recent },
        ]
    }))
}
