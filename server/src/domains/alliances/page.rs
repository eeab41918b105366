//! The alliance page: one alliance opened from #alliance-directory by a
//! staff viewer (`open_alliance {alliance_id}`), shown at the top of that
//! viewer's own directory projection only — its record, the actions on it
//! (status change with a reason, add a contact, add an opportunity, move an
//! opportunity's stage on a board), its contacts and its timeline, newest
//! first, [`TIMELINE_PAGE`] entries a page (`timeline_page {before?}`).
//! `close_alliance` closes it. The selection is view state kept in
//! Postgres (`alliance_page_views`), so every node builds the same
//! projection for the viewer and it survives restarts.
//! A partner's directory always shows their own alliance instead.

use super::access::{self, err};
use super::opportunities::{moves, Stage, OPPORTUNITY_LIMIT, STAGES};
use super::panels::{names, options, pipeline};
use super::status::Status;
use super::work::LIST_LIMIT;
use super::Alliances;
use crate::domains::money::money;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{AllianceOpportunityRow, StoreError};
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::{json, Value};

/// Timeline entries on one page of the alliance page.
pub const TIMELINE_PAGE: i64 = 10;
/// What one staff viewer has open: an alliance and the timeline page
/// (entries older than `before`, a timeline entry id; `None` the newest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub alliance_id: i64,
    pub before: Option<i64>,
}

/// What a viewer does with their alliance page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageOp {
    /// Open this alliance (its newest timeline entries).
    Open(i64),
    /// Show the open alliance's timeline entries older than this entry id
    /// (`None`: the newest).
    Timeline(Option<i64>),
    /// Close the page.
    Close,
}

/// What `viewer` has open, from Postgres.
async fn selection(al: &Alliances, viewer: UserId) -> Result<Option<Selection>, StoreError> {
    Ok(al
        .store()
        .fetch_alliance_page(al.tenant_id, viewer)
        .await?
        .map(|(alliance_id, before)| Selection {
            alliance_id,
            before,
        }))
}

/// Applies `op` to what `by` has open and commits it. Staff only (a
/// partner's view is their own alliance: `forbidden`); an alliance `by`
/// does not see answers `not_found`; a timeline page with nothing open
/// answers `bad_request`. Answers `{open: id | null, before: id | null}`.
pub(super) async fn select(al: &Alliances, by: &Actor, op: PageOp) -> Result<Value, ErrorBody> {
    if !access::is_staff(by) {
        return Err(err(
            ErrorCode::Forbidden,
            "a partner's directory shows their own alliance",
        ));
    }
    let s = match op {
        PageOp::Open(id) => {
            access::visible(al, by, id).await?;
            Some(Selection {
                alliance_id: id,
                before: None,
            })
        }
        PageOp::Timeline(before) => match selection(al, by.user_id).await.map_err(store_error)? {
            Some(s) => Some(Selection {
                alliance_id: s.alliance_id,
                before,
            }),
            None => return Err(err(ErrorCode::BadRequest, "open an alliance first")),
        },
        PageOp::Close => None,
    };
    al.store()
        .set_alliance_page(
            al.tenant_id,
            by.user_id,
            s.map(|s| (s.alliance_id, s.before)),
        )
        .await
        .map_err(store_error)?;
    Ok(
        json!({"open": s.map(|s| s.alliance_id.to_string()), "before": s.and_then(|s| s.before).map(|b| b.to_string())}),
    )
}

/// A form field choosing the page's alliance, preset (forms have no hidden field).
fn this_alliance(id: i64, name: &str) -> Value {
    json!({"name": "alliance_id", "label": "Alliance", "input": "select", "required": true,
        "options": [{"value": id.to_string(), "label": name}], "value": id.to_string()})
}

/// The page blocks of what `viewer` has open (none when nothing is).
pub(super) async fn blocks(al: &Alliances, viewer: UserId) -> Result<Vec<Value>, StoreError> {
    let Some(sel) = selection(al, viewer).await? else {
        return Ok(Vec::new());
    };
    let t = al.tenant_id;
    let Some(a) = al.store().fetch_alliance(t, sel.alliance_id).await? else {
        return Ok(Vec::new());
    };
    let names = names(al).await?;
    let name_of = |u: UserId| names.get(&u).map_or("—".to_owned(), |n| n.0.clone());
    let contacts = al
        .store()
        .fetch_alliance_contacts(t, Some(a.id), LIST_LIMIT)
        .await?;
    let opps = al
        .store()
        .fetch_alliance_opportunities(t, Some(a.id), OPPORTUNITY_LIMIT)
        .await?;
    let entries = al
        .store()
        .fetch_alliance_activities(t, Some(a.id), sel.before, TIMELINE_PAGE + 1)
        .await?;
    let more = entries.len() as i64 > TIMELINE_PAGE;
    let shown = &entries[..entries.len().min(TIMELINE_PAGE as usize)];
    let all: Vec<&AllianceOpportunityRow> = opps.iter().collect();
    let cur = &al.ctx.program.currency;
    let members: Vec<String> = a.members.iter().map(|m| name_of(UserId(*m))).collect();
    let or_dash = |s: &str| {
        if s.is_empty() {
            "—".to_owned()
        } else {
            s.to_owned()
        }
    };

    let status_moves: Vec<&str> = Status::parse(&a.status)
        .map_or(&[][..], Status::moves)
        .iter()
        .map(|s| s.as_str())
        .collect();
    let columns: Vec<Value> = STAGES.iter().map(|st| {
        let cards: Vec<Value> = opps.iter().filter(|o| o.stage == st.as_str()).map(|o| {
            let m: Vec<&str> = moves(o).iter().map(|s| s.as_str()).collect();
            json!({"id": o.id.to_string(), "title": o.title, "subtitle": o.kind,
                "fields": [{"label": "Value", "value": o.value_minor, "currency": o.currency}], "moves": m})
        }).collect();
        json!({"id": st.as_str(), "title": st.as_str(), "cards": cards})
    }).collect();
    let items: Vec<Value> = shown
        .iter()
        .map(|e| json!({"id": e.id.to_string(), "actor": e.actor_id.map(|x| x.to_string()),
            "summary": format!("[{}] {}", e.kind, e.summary), "created_at": crate::store::rfc3339(e.created_at)}))
        .collect();
    let mut paging = Vec::new();
    if sel.before.is_some() {
        paging.push(json!({"label": "Newest entries", "action": "timeline_page", "params": {}}));
    }
    if let (true, Some(last)) = (more, shown.last()) {
        paging.push(json!({"label": "Older entries", "action": "timeline_page", "params": {"before": last.id.to_string()}}));
    }
    let open_value: i64 = pipeline(al, &all);
    let won = opps
        .iter()
        .filter(|o| o.stage == Stage::Won.as_str())
        .count();

    let mut out = vec![
        json!({"type": "text", "id": "alliance_page", "text": format!("Alliance page: {} · {} · owner {}", a.name, a.status, name_of(a.owner_id))}),
        json!({"type": "actions", "items": [{"label": "Close the alliance page", "action": "close_alliance", "params": {}}]}),
        json!({"type": "figures", "items": [
            {"label": "Status", "value": a.status},
            {"label": "Tier", "value": or_dash(&a.tier)},
            {"label": "Region", "value": or_dash(&a.region)},
            {"label": "Industry", "value": or_dash(&a.industry)},
            {"label": "Open pipeline", "value": money(open_value, cur)},
            {"label": "Opportunities won", "value": won},
        ]}),
        json!({"type": "text", "text": format!("Website: {} · Members: {} · Notes: {}", or_dash(&a.website),
            if members.is_empty() { "—".to_owned() } else { members.join(", ") }, or_dash(&a.notes))}),
    ];
    if !status_moves.is_empty() {
        out.push(json!({"type": "form", "id": "page_status", "title": format!("Change {}'s status", a.name), "action": "set_status", "submit": "Change status", "fields": [
            this_alliance(a.id, &a.name),
            {"name": "status", "label": "New status", "input": "select", "required": true, "options": options(status_moves)},
            {"name": "reason", "label": "Reason", "input": "textarea", "max_length": super::input::MAX_NOTES},
        ]}));
    }
    out.push(json!({"type": "table", "id": "page_contacts", "columns": ["Contact", "Role", "Email", "Phone"],
        "rows": contacts.iter().map(|c| json!([c.name, c.role, c.email, c.phone])).collect::<Vec<_>>()}));
    out.push(json!({"type": "board", "id": "page_opportunities", "action": "move_opportunity", "columns": columns}));
    out.push(json!({"type": "form", "id": "page_add_contact", "title": format!("Add a contact to {}", a.name), "action": "add_contact", "submit": "Add contact", "fields": [
        this_alliance(a.id, &a.name),
        {"name": "name", "label": "Name", "input": "text", "required": true, "max_length": super::input::MAX_NAME},
        {"name": "role", "label": "Role", "input": "text", "max_length": super::input::MAX_SHORT},
        {"name": "email", "label": "Email", "input": "text", "max_length": 254},
        {"name": "phone", "label": "Phone", "input": "text", "max_length": 40},
    ]}));
    out.push(json!({"type": "form", "id": "page_add_opportunity", "title": format!("Add an opportunity to {}", a.name), "action": "add_opportunity", "submit": "Add opportunity", "fields": [
        this_alliance(a.id, &a.name),
        {"name": "title", "label": "Title", "input": "text", "required": true, "max_length": super::input::MAX_NAME},
        {"name": "kind", "label": "Kind", "input": "select", "options": options(["deal", "campaign"])},
        {"name": "value_minor", "label": "Value", "input": "money", "required": true, "currency": cur},
        {"name": "expected_close", "label": "Expected close", "input": "date"},
    ]}));
    out.push(
        json!({"type": "text", "text": format!("Timeline of {}, newest first{}", a.name,
        if sel.before.is_some() { " (older entries)" } else { "" })}),
    );
    out.push(json!({"type": "activity", "id": "page_timeline", "items": items}));
    if !paging.is_empty() {
        out.push(json!({"type": "actions", "items": paging}));
    }
    Ok(out)
}
