//! #clients-industries: per industry of the viewer's roster (a partner's
//! own, the program's for staff), the clients, open opportunities, win rate
//! (won / (won + lost)) and open pipeline value in the reporting currency;
//! plus the recommendations staff curate (a staff form adds one).

use super::commands::{RECOMMENDATIONS_LIMIT, ROSTER_LIMIT};
use super::pipeline::PIPELINE_LIMIT;
use super::ClientExchange;
use crate::domains::money::money;
use crate::ids::UserId;
use crate::store::StoreError;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `won / (won + lost)` as a whole percentage, or "—" before any is closed.
pub fn win_rate(won: usize, lost: usize) -> String {
    match won + lost {
        0 => "—".to_owned(),
        n => format!("{} %", (won * 100 + n / 2) / n),
    }
}

#[derive(Default)]
struct Row {
    label: String,
    clients: usize,
    active: usize,
    open: usize,
    won: usize,
    lost: usize,
    pipeline: i64,
}

pub(super) async fn panel(
    ce: &ClientExchange,
    partner: Option<UserId>,
) -> Result<Value, StoreError> {
    let t = ce.tenant_id;
    let program = &ce.ctx.program;
    let clients = ce.store().fetch_clients(t, partner, ROSTER_LIMIT).await?;
    let opps = ce
        .store()
        .fetch_opportunities(t, partner, PIPELINE_LIMIT)
        .await?;
    let recs = ce
        .store()
        .fetch_recommendations(t, RECOMMENDATIONS_LIMIT)
        .await?;
    // Industries compare case-insensitively; the first spelling seen is shown.
    let mut by: BTreeMap<String, Row> = BTreeMap::new();
    fn row<'a>(by: &'a mut BTreeMap<String, Row>, industry: &str) -> &'a mut Row {
        let e = by.entry(industry.trim().to_lowercase()).or_default();
        if e.label.is_empty() {
            e.label = industry.trim().to_owned();
        }
        e
    }
    for c in &clients {
        let r = row(&mut by, &c.industry);
        r.clients += 1;
        r.active += usize::from(c.status == "active");
    }
    for o in &opps {
        let r = row(&mut by, &o.industry);
        match o.stage.as_str() {
            "won" => r.won += 1,
            "lost" => r.lost += 1,
            _ => {
                r.open += 1;
                r.pipeline += program
                    .to_reporting(o.amount_minor, &o.currency)
                    .unwrap_or(0);
            }
        }
    }
    let recommended: std::collections::BTreeSet<String> = recs
        .iter()
        .map(|r| r.industry.trim().to_lowercase())
        .collect();
    let mut rows: Vec<&Row> = by.values().collect();
    rows.sort_by(|a, b| {
        b.pipeline
            .cmp(&a.pipeline)
            .then(b.clients.cmp(&a.clients))
            .then(a.label.cmp(&b.label))
    });
    let cur = &program.currency;
    let table: Vec<Value> = rows
        .iter()
        .map(|r| {
            let star = if recommended.contains(&r.label.to_lowercase()) {
                " ★"
            } else {
                ""
            };
            json!([
                format!("{}{star}", r.label),
                r.clients,
                r.active,
                r.open,
                r.won,
                r.lost,
                win_rate(r.won, r.lost),
                money(r.pipeline, cur)
            ])
        })
        .collect();
    let won: usize = rows.iter().map(|r| r.won).sum();
    let lost: usize = rows.iter().map(|r| r.lost).sum();
    let items: Vec<Value> = recs
        .iter()
        .map(|r| json!({"title": r.industry, "subtitle": r.note}))
        .collect();
    let mut blocks = vec![
        json!({"type": "figures", "items": [
            {"label": "Industries", "value": rows.len()},
            {"label": "Win rate", "value": win_rate(won, lost)},
            {"label": "Open pipeline", "value": money(rows.iter().map(|r| r.pipeline).sum(), cur)},
        ]}),
        json!({"type": "table", "columns": ["Industry", "Clients", "Active", "Open", "Won", "Lost", "Win rate", format!("Pipeline ({cur})")], "rows": table, "filter": true}),
        json!({"type": "text", "text": "Recommended by the partner team (★ in the table):"}),
        json!({"type": "list", "items": items}),
    ];
    if partner.is_none() {
        blocks.push(json!({"type": "form", "id": "recommend", "title": "Recommend an industry", "action": "recommend", "submit": "Recommend", "fields": [
            {"name": "industry", "label": "Industry", "input": "text", "required": true, "max_length": super::input::MAX_INDUSTRY},
            {"name": "note", "label": "Why, and what to pitch", "input": "textarea", "required": true, "max_length": super::input::MAX_NOTE},
        ]}));
    }
    Ok(json!({
        "title": if partner.is_some() { "Your industries" } else { "Program industries" },
        "blocks": blocks,
    }))
}

#[cfg(test)]
mod tests {
    use super::win_rate;

    #[test]
    fn win_rate_rounds_and_waits_for_a_closed_deal() {
        assert_eq!(win_rate(0, 0), "—");
        assert_eq!(win_rate(1, 2), "33 %");
        assert_eq!(win_rate(2, 1), "67 %");
        assert_eq!(win_rate(3, 0), "100 %");
    }
}
