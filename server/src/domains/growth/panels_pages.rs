//! The #growth-landing-pages panel (`growth-hub.landing-pages`):
//!
//! - A partner: a form to create a page; the page they last opened
//!   (`view_page`, else their first) with its edit form, a `preview` of its
//!   public URL and a Share button (posts in #landing-pages); a table of
//!   their pages with visits, submissions and conversion rate (row actions
//!   Open and Share); a bar `chart` comparing visits and submissions per
//!   page; their activity.
//! - Staff: every page with its partner and figures, the chart, the page
//!   staff last opened with its preview and edit form, and the activity.

use super::pages::{conversion, path, FIELDS, MAX_CTA};
use super::panels::{activity, names};
use super::Growth;
use crate::bus::Projection;
use crate::ids::UserId;
use crate::store::{PageRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Pages listed at most.
const ROWS: i64 = 100;

fn page_form(p: Option<&PageRow>) -> Value {
    let v = |f: fn(&PageRow) -> String| p.map(f).unwrap_or_default();
    let asks = |f: &str| p.is_some_and(|p| p.fields.iter().any(|x| x == f));
    let mut fields = vec![
        json!({ "name": "slug", "label": "Address (a-z, 0-9, -)", "input": "text", "required": true, "max_length": super::input::MAX_SLUG, "value": v(|p| p.slug.clone()) }),
        json!({ "name": "headline", "label": "Headline", "input": "text", "required": true, "max_length": super::input::MAX_SHORT, "value": v(|p| p.headline.clone()) }),
        json!({ "name": "body", "label": "Text", "input": "textarea", "max_length": super::input::MAX_LONG, "value": v(|p| p.body.clone()) }),
        json!({ "name": "cta", "label": "Call to action (button label)", "input": "text", "required": true, "max_length": MAX_CTA, "value": p.map(|p| p.cta.clone()).unwrap_or_else(|| "Contact me".into()) }),
    ];
    for f in FIELDS.iter().filter(|f| !matches!(**f, "name" | "email")) {
        fields.push(json!({ "name": format!("field_{f}"), "label": format!("Ask for {f}"), "input": "checkbox", "value": asks(f) }));
    }
    fields.push(json!({ "name": "published", "label": "Published", "input": "checkbox", "value": p.is_some_and(|p| p.published) }));
    match p {
        Some(p) => {
            json!({ "type": "form", "id": format!("edit-page-{}", p.id), "title": format!("Edit /{}", p.slug),
                           "action": "save_page", "submit": "Save page", "params": { "page_id": p.id.to_string() }, "fields": fields })
        }
        None => {
            json!({ "type": "form", "id": "new-page", "title": "New landing page (name and email are always asked)",
                        "action": "save_page", "submit": "Create page", "fields": fields })
        }
    }
}

fn chart(pages: &[PageRow]) -> Value {
    json!({
        "type": "chart", "kind": "bar", "title": "Visits and submissions per page",
        "x": pages.iter().map(|p| p.slug.clone()).collect::<Vec<_>>(),
        "series": [
            { "name": "Visits", "values": pages.iter().map(|p| p.visits).collect::<Vec<_>>() },
            { "name": "Submissions", "values": pages.iter().map(|p| p.submissions).collect::<Vec<_>>() },
        ],
    })
}

fn table(
    pages: &[PageRow],
    tenant: &str,
    names: Option<&BTreeMap<UserId, String>>,
    share: bool,
) -> Value {
    let rows: Vec<Value> = pages
        .iter()
        .map(|p| {
            let mut r = vec![
                json!(path(tenant, &p.slug)),
                json!(p.headline),
                json!(if p.published { "published" } else { "draft" }),
                json!(p.visits),
                json!(p.submissions),
                json!(format!("{} %", conversion(p))),
            ];
            if let Some(n) = names {
                r.insert(0, json!(n.get(&p.partner_id).cloned().unwrap_or_default()));
            }
            Value::Array(r)
        })
        .collect();
    let actions: Vec<Value> = pages
        .iter()
        .map(|p| {
            let mut a = vec![json!({ "label": "Open", "action": "view_page", "params": { "page_id": p.id.to_string() } })];
            if share && p.published {
                a.push(json!({ "label": "Share in #landing-pages", "action": "share_page", "params": { "page_id": p.id.to_string() } }));
            }
            Value::Array(a)
        })
        .collect();
    let mut columns = vec![
        "Page",
        "Headline",
        "Status",
        "Visits",
        "Submissions",
        "Conversion",
    ];
    if names.is_some() {
        columns.insert(0, "Partner");
    }
    json!({ "type": "table", "columns": columns, "rows": rows, "row_actions": actions, "filter": true })
}

fn focused_blocks(p: &PageRow, tenant: &str, share: bool) -> Vec<Value> {
    let mut out = vec![page_form(Some(p))];
    if p.published {
        out.push(json!({ "type": "preview", "url": path(tenant, &p.slug), "title": p.headline, "height": 480 }));
        if share {
            out.push(json!({ "type": "actions", "items": [{ "label": "Share in #landing-pages", "action": "share_page", "params": { "page_id": p.id.to_string() }, "style": "primary" }] }));
        }
    } else {
        out.push(json!({ "type": "text", "text": format!("/{} is a draft: publish it to preview and share it.", p.slug) }));
    }
    out
}

/// Builds the panel in `projection`.
pub(super) async fn build(g: &mut Growth, projection: Projection) -> Result<Value, StoreError> {
    let names = names(g).await?;
    let tenant = g.store.fetch_tenant(g.tenant_id).await?.slug;
    let partner = match projection {
        Projection::Partner(p) => Some(p),
        _ => None,
    };
    let pages = g
        .store
        .fetch_growth_pages(g.tenant_id, partner, ROWS)
        .await?;
    let focus = g
        .focus
        .get(&projection)
        .and_then(|id| pages.iter().find(|p| p.id == *id));
    let focus = match (focus, partner) {
        (Some(f), _) => Some(f),
        (None, Some(_)) => pages.first(),
        (None, None) => None,
    };
    let mut blocks = Vec::new();
    if partner.is_some() {
        blocks.push(page_form(None));
    }
    if let Some(p) = focus {
        blocks.extend(focused_blocks(p, &tenant, partner.is_some()));
    }
    blocks.push(table(
        &pages,
        &tenant,
        partner.is_none().then_some(&names),
        partner.is_some(),
    ));
    if !pages.is_empty() {
        blocks.push(chart(&pages));
    }
    blocks.push(activity(g, partner, &names).await?);
    let title = if partner.is_some() {
        "Your landing pages"
    } else {
        "Landing pages"
    };
    Ok(json!({ "title": title, "blocks": blocks }))
}
