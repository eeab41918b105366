//! A partner's SOP boards (#enablement-checklists) and their sharing
//! setting. A board is a client the partner names (free text, 1..80
//! characters, at most 50 per partner) with a client type from
//! `[enablement.sop.<type>]`; its items are ticked per client.

use super::commands::{err, partner_only};
use super::{rules, Enablement};
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::{NewActivity, StoreError};
use arena_protocol::{ErrorBody, ErrorCode};

/// Sets whether the calling partner's completions are posted in #training;
/// `true` when the setting changed.
pub(super) async fn set_sharing(
    e: &Enablement,
    by: &Actor,
    share: bool,
) -> Result<bool, ErrorBody> {
    let partner = partner_only(by, "have a sharing setting")?;
    let summary = if share {
        "Shares course completions in #training"
    } else {
        "Stopped sharing course completions in #training"
    };
    let a = NewActivity {
        id: e.ctx.ids.next_id().0 as i64,
        partner,
        actor: Some(partner),
        domain: "enablement",
        verb: "settings.changed",
        summary,
        data: serde_json::json!({"share_completions": share}),
    };
    e.store()
        .update_share_completions(e.tenant_id, partner, share, &a)
        .await
        .map_err(store_error)
}

/// Starts a board for client `client` of type `client_type`. Errors:
/// `bad_request` for a bad name or an unknown type, `conflict` for a name
/// the partner uses already or past the limit of boards.
pub(super) async fn add_client(
    e: &Enablement,
    by: &Actor,
    client: &str,
    client_type: &str,
) -> Result<(), ErrorBody> {
    let partner = partner_only(by, "keep SOP boards")?;
    let client = rules::text("client", client, rules::MAX_CLIENT, false, false)?;
    let Some(sop) = e.config().sop(client_type) else {
        let known: Vec<&str> = e.config().sop.keys().map(String::as_str).collect();
        return Err(err(
            ErrorCode::BadRequest,
            format!("client_type must be one of: {}", known.join(", ")),
        ));
    };
    let t = e.tenant_id;
    let clients = e
        .store()
        .fetch_sop_clients(t, Some(partner))
        .await
        .map_err(store_error)?;
    if clients.len() >= rules::MAX_CLIENTS {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "you have {} client boards, the most there may be",
                rules::MAX_CLIENTS
            ),
        ));
    }
    let summary = format!(
        "Started the SOP board “{}” for {client}",
        sop.title.as_deref().unwrap_or(client_type)
    );
    let a = NewActivity {
        id: e.ctx.ids.next_id().0 as i64,
        partner,
        actor: Some(partner),
        domain: "enablement",
        verb: "checklist.started",
        summary: &summary,
        data: serde_json::json!({"client": client, "client_type": client_type}),
    };
    match e
        .store()
        .insert_sop_client(t, partner, &client, client_type, &a)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(err(
                ErrorCode::Conflict,
                format!("you have a board for {client} already"),
            ))
        }
        Err(er) => return Err(store_error(er)),
    }
    let _ = super::badges::check(e, partner, false).await;
    Ok(())
}

/// Ticks (`done`) or unticks `item` on the board of `client`. Errors:
/// `not_found` for a client the partner has no board for or an item not on
/// its SOP, `conflict` when the item is already in that state.
pub(super) async fn tick(
    e: &Enablement,
    by: &Actor,
    client: &str,
    item: &str,
    done: bool,
) -> Result<(), ErrorBody> {
    let partner = partner_only(by, "tick SOP items")?;
    let t = e.tenant_id;
    let clients = e
        .store()
        .fetch_sop_clients(t, Some(partner))
        .await
        .map_err(store_error)?;
    let board = clients
        .iter()
        .find(|c| c.client == client.trim())
        .ok_or_else(|| {
            err(
                ErrorCode::NotFound,
                format!("no board for client {client:?}"),
            )
        })?;
    let sop = e.config().sop(&board.client_type).ok_or_else(|| {
        err(
            ErrorCode::NotFound,
            format!(
                "client type {} is no longer in the program",
                board.client_type
            ),
        )
    })?;
    let (id, label) = sop.items().find(|(id, _)| id == item).ok_or_else(|| {
        err(
            ErrorCode::NotFound,
            format!("the {} board has no item {item:?}", board.client_type),
        )
    })?;
    let summary = format!(
        "{} “{label}” for {}",
        if done { "Ticked" } else { "Unticked" },
        board.client
    );
    let a = NewActivity {
        id: e.ctx.ids.next_id().0 as i64,
        partner,
        actor: Some(partner),
        domain: "enablement",
        verb: if done {
            "checklist.ticked"
        } else {
            "checklist.unticked"
        },
        summary: &summary,
        data: serde_json::json!({"client": board.client, "item": id}),
    };
    let changed = e
        .store()
        .update_sop_tick(t, partner, &board.client, &id, done, &a)
        .await
        .map_err(store_error)?;
    if !changed {
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "“{label}” is already {}",
                if done { "ticked" } else { "not ticked" }
            ),
        ));
    }
    let _ = super::badges::check(e, partner, false).await;
    Ok(())
}
