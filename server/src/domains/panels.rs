//! Panel builders: a panel kind (`<domain>.<name>` in channels.toml) turned
//! into the generic panel data of docs/protocol.md (`{title, blocks}`) from
//! the domain's read models. Kinds without a builder are `None`.

use crate::store::{Store, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Formats minor units with two decimals and the ISO currency code, e.g. `4,800.00 USD`.
pub fn money(minor: i64, currency: &str) -> String {
    let major = minor / 100;
    let cents = (minor % 100).abs();
    let digits = major.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    format!("{sign}{grouped}.{cents:02} {currency}")
}

/// Builds the data of panel `kind` for a tenant; `Ok(None)` if the kind has no builder yet.
pub async fn build(store: &Store, tenant_id: i64, kind: &str) -> Result<Option<Value>, StoreError> {
    Ok(Some(match kind {
        "revenue.leaderboard" => leaderboard(store, tenant_id).await?,
        "revenue.commissions" | "revenue.overview" => {
            revenue_overview(store, tenant_id, kind).await?
        }
        "community-insights.analytics" | "community-insights.dashboard" => {
            activity(store, tenant_id).await?
        }
        _ => return Ok(None),
    }))
}

async fn leaderboard(store: &Store, tenant_id: i64) -> Result<Value, StoreError> {
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

async fn revenue_overview(store: &Store, tenant_id: i64, kind: &str) -> Result<Value, StoreError> {
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

async fn activity(store: &Store, tenant_id: i64) -> Result<Value, StoreError> {
    let channels = store.fetch_channel_activity(tenant_id, 7).await?;
    let days = store.fetch_daily_messages(tenant_id, 7).await?;
    let total: i64 = channels.iter().map(|c| c.messages).sum();
    let busiest = channels.iter().take(5).map(|c| json!({ "label": format!("#{}", c.channel_key), "value": c.messages, "max": total.max(1) }));
    Ok(json!({
        "title": "Workspace activity (7 days)",
        "blocks": [
            { "type": "figures", "items": [
                { "label": "Messages", "value": total },
                { "label": "Active channels", "value": channels.len() },
                { "label": "Today", "value": days.last().map_or(0, |d| d.1) },
            ]},
            { "type": "progress", "items": busiest.collect::<Vec<_>>() },
            { "type": "table", "columns": ["Day", "Messages"], "rows": days.iter().map(|(d, n)| json!([d, n])).collect::<Vec<_>>() },
        ]
    }))
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_groups_and_pads() {
        assert_eq!(money(480000, "USD"), "4,800.00 USD");
        assert_eq!(money(5, "EUR"), "0.05 EUR");
        assert_eq!(money(123456789, "GBP"), "1,234,567.89 GBP");
    }
}
