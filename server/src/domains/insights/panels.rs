//! Community-insights panels: workspace activity read models as generic
//! panel data (`{title, blocks}`).

use crate::ids::{ChannelId, TenantId};
use crate::store::{Store, StoreError};
use serde_json::{json, Value};

/// Messages and active channels over the last 7 days, busiest channels, per day.
/// Counts only `readable`: the viewer's own channels, so a partner learns
/// nothing of channels hidden from them.
pub(super) async fn activity(
    store: &Store,
    tenant_id: TenantId,
    readable: &[ChannelId],
) -> Result<Value, StoreError> {
    let channels = store.fetch_channel_activity(tenant_id, 7, readable).await?;
    let days = store.fetch_daily_messages(tenant_id, 7, readable).await?;
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
