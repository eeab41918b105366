//! The roster's rules: who sees a client (its partner and staff; anyone
//! else gets `not_found`), who may change it, notes private to their
//! author, staff assigning a client to a partner (with a notice in
//! #clients), and staff recommendations.

use super::commands::{
    activity, err, is_staff, member_only, partner, staff_only, visible_client, NOTES_LIMIT,
    ROSTER_LIMIT,
};
use super::input::{self, ClientInput, MAX_NOTE};
use super::views::{ClientView, NoteView, RecommendationView};
use super::{ClientExchange, CLIENT_ASSIGNED, NOTICE_CHANNEL, ROSTER_CHANNEL};
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{ClientFields, ClientRow, NewActivity, StoreError, UserRow};
use arena_protocol::model::Card;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;

fn name_taken(e: StoreError, name: &str) -> ErrorBody {
    match e {
        StoreError::Conflict(_) => err(
            ErrorCode::Conflict,
            format!("this roster already has a client named {name:?}"),
        ),
        other => store_error(other),
    }
}

fn fields_of(c: &ClientRow) -> ClientFields {
    ClientFields {
        name: c.name.clone(),
        industry: c.industry.clone(),
        status: c.status.clone(),
        stage: c.stage.clone(),
        value_minor: c.value_minor,
        currency: c.currency.clone(),
        next_step: c.next_step.clone(),
    }
}

pub(super) async fn list_clients(
    ce: &ClientExchange,
    by: &Actor,
) -> Result<Vec<ClientView>, ErrorBody> {
    member_only(by)?;
    let owner = if is_staff(by) { None } else { Some(by.user_id) };
    let rows = ce
        .store()
        .fetch_clients(ce.tenant_id, owner, ROSTER_LIMIT)
        .await
        .map_err(store_error)?;
    Ok(rows.iter().map(ClientView::from).collect())
}

pub(super) async fn get_client(
    ce: &ClientExchange,
    by: &Actor,
    id: i64,
) -> Result<ClientView, ErrorBody> {
    member_only(by)?;
    let c = visible_client(ce, by, id).await?;
    let notes = ce
        .store()
        .fetch_client_notes(ce.tenant_id, Some(by.user_id), None, Some(id), NOTES_LIMIT)
        .await
        .map_err(store_error)?;
    let mut v = ClientView::from(&c);
    v.notes = Some(notes.iter().map(NoteView::from).collect());
    Ok(v)
}

pub(super) async fn create_client(
    ce: &ClientExchange,
    by: &Actor,
    asked: Option<UserId>,
    input: ClientInput,
) -> Result<ClientRow, ErrorBody> {
    member_only(by)?;
    let owner = if is_staff(by) {
        match asked {
            Some(p) => Some(partner(ce, p).await?.id),
            None => None,
        }
    } else {
        if asked.is_some_and(|p| p != by.user_id) {
            return Err(err(
                ErrorCode::Forbidden,
                "a partner adds clients to their own roster only",
            ));
        }
        Some(by.user_id)
    };
    let f = input.create(&ce.ctx.program)?;
    let id = ce.ctx.ids.next_id().0 as i64;
    let summary = format!("Added client {}", f.name);
    let entry = owner.map(|o| {
        activity(
            ce,
            o,
            Some(by.user_id),
            "client.created",
            &summary,
            json!({"client_id": id.to_string(), "name": f.name}),
        )
    });
    ce.store()
        .insert_client(ce.tenant_id, id, owner, &f, by.user_id, entry.as_ref())
        .await
        .map_err(|e| name_taken(e, &f.name))
}

pub(super) async fn update_client(
    ce: &ClientExchange,
    by: &Actor,
    id: i64,
    input: ClientInput,
) -> Result<ClientRow, ErrorBody> {
    member_only(by)?;
    let c = visible_client(ce, by, id).await?;
    let f = input.apply(fields_of(&c), &ce.ctx.program)?;
    if f == fields_of(&c) {
        return Ok(c);
    }
    let changed: Vec<&str> = [
        ("name", f.name != c.name),
        ("industry", f.industry != c.industry),
        ("status", f.status != c.status),
        ("stage", f.stage != c.stage),
        (
            "value",
            f.value_minor != c.value_minor || f.currency != c.currency,
        ),
        ("next step", f.next_step != c.next_step),
    ]
    .into_iter()
    .filter_map(|(n, d)| d.then_some(n))
    .collect();
    let summary = format!("Updated client {} ({})", f.name, changed.join(", "));
    let entries: Vec<NewActivity> = c
        .owner_id
        .map(|o| {
            activity(
                ce,
                o,
                Some(by.user_id),
                "client.updated",
                &summary,
                json!({"client_id": id.to_string(), "changed": changed}),
            )
        })
        .into_iter()
        .collect();
    ce.store()
        .update_client(ce.tenant_id, id, c.owner_id, &f, &entries)
        .await
        .map_err(|e| name_taken(e, &f.name))
}

pub(super) async fn assign(
    ce: &ClientExchange,
    by: &Actor,
    id: i64,
    to: UserId,
) -> Result<(ClientRow, Option<UserId>), ErrorBody> {
    staff_only(by)?;
    let c = visible_client(ce, by, id).await?;
    let assignee = partner(ce, to).await?;
    if c.owner_id == Some(to) {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "the client is already assigned to {}",
                assignee.display_name
            ),
        ));
    }
    let summary = format!("Assigned client {} to {}", c.name, assignee.display_name);
    let left = format!("Client {} was reassigned to another partner", c.name);
    let data = json!({"client_id": id.to_string(), "partner_id": to.to_string()});
    let mut entries = vec![activity(
        ce,
        to,
        Some(by.user_id),
        "client.assigned",
        &summary,
        data.clone(),
    )];
    if let Some(before) = c.owner_id {
        entries.push(activity(
            ce,
            before,
            Some(by.user_id),
            "client.unassigned",
            &left,
            json!({"client_id": id.to_string()}),
        ));
    }
    let row = ce
        .store()
        .update_client(ce.tenant_id, id, Some(to), &fields_of(&c), &entries)
        .await
        .map_err(|e| name_taken(e, &c.name))?;
    notify_assignee(ce, &row, &assignee).await;
    Ok((row, c.owner_id))
}

/// The notice in #clients: names the assignee and the client, links to the
/// roster, and never shows the client's value (every partner reads #clients).
async fn notify_assignee(ce: &ClientExchange, c: &ClientRow, assignee: &UserRow) {
    let roster = ce
        .ctx
        .registry
        .tenant(ce.tenant_id)
        .by_key(ROSTER_CHANNEL)
        .map(|ch| ch.id.to_string());
    let content = format!(
        "{}, you have a new client: {} ({}). See #{ROSTER_CHANNEL} for the details and your notes.",
        assignee.display_name, c.name, c.industry
    );
    let card = Card {
        kind: CLIENT_ASSIGNED.into(),
        data: json!({
            "client_id": c.id.to_string(),
            "client_name": c.name,
            "industry": c.industry,
            "partner_id": assignee.id.to_string(),
            "partner_name": assignee.display_name,
            "channel": ROSTER_CHANNEL,
            "channel_id": roster,
        }),
    };
    if let Err(e) = ce
        .ctx
        .post_as_system(ce.tenant_id, NOTICE_CHANNEL, content, Some(card))
        .await
    {
        tracing::warn!(tenant = %ce.tenant_id, client = c.id, error = ?e, "client assignment notice not posted");
    }
}

pub(super) async fn add_note(
    ce: &ClientExchange,
    by: &Actor,
    id: i64,
    body: String,
) -> Result<NoteView, ErrorBody> {
    member_only(by)?;
    let c = visible_client(ce, by, id).await?;
    let body = input::text("body", &body, 1, MAX_NOTE, true)?;
    // Only the client's partner's own notes go to their log: a staff note is
    // private to its author, so not even its existence is shown to the partner.
    let summary = format!("Added a note on {}", c.name);
    let entry = c.owner_id.filter(|o| *o == by.user_id).map(|o| {
        activity(
            ce,
            o,
            Some(by.user_id),
            "client.note_added",
            &summary,
            json!({"client_id": id.to_string()}),
        )
    });
    let row = ce
        .store()
        .insert_client_note(
            ce.tenant_id,
            ce.ctx.ids.next_id().0 as i64,
            id,
            by.user_id,
            &body,
            entry.as_ref(),
        )
        .await
        .map_err(store_error)?;
    Ok(NoteView::from(&row))
}

pub(super) async fn recommend(
    ce: &ClientExchange,
    by: &Actor,
    industry: &str,
    note: &str,
) -> Result<RecommendationView, ErrorBody> {
    staff_only(by)?;
    let industry = input::text("industry", industry, 1, input::MAX_INDUSTRY, false)?;
    let note = input::text("note", note, 1, MAX_NOTE, true)?;
    let row = ce
        .store()
        .insert_recommendation(
            ce.tenant_id,
            ce.ctx.ids.next_id().0 as i64,
            &industry,
            &note,
            by.user_id,
        )
        .await
        .map_err(store_error)?;
    Ok(RecommendationView::from(&row))
}
