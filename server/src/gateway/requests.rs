//! REQUEST (op 8) → RESPONSE (op 12): parses the method and routes it to the
//! messaging service. Errors answer `ok:false` and never close the socket.

use super::session::Session;
use crate::state::AppState;
use arena_protocol::request::{
    Empty, HistoryResult, MemberList, Method, PanelResult, PresenceList, Request, Response,
};
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

fn json<T: Serialize>(v: T) -> Result<Value, ErrorBody> {
    serde_json::to_value(v).map_err(|e| ErrorBody::new(ErrorCode::Internal, e.to_string()))
}

/// Longest request id echoed back, bytes.
const MAX_ID: usize = 64;

/// Handles one request and returns its response.
pub async fn handle(
    state: &AppState,
    session: &Arc<Session>,
    r: Request,
    turn: Option<crate::chat::Turn>,
) -> Response {
    if r.id.len() > MAX_ID {
        let id: String = r.id.chars().take(MAX_ID / 4).collect();
        return Response::err(
            id,
            ErrorBody::new(ErrorCode::BadRequest, "request id longer than 64 bytes"),
        );
    }
    let started = std::time::Instant::now();
    let method = r.method.clone();
    let result = run(state, session, &r.method, r.params, turn).await;
    let ms = started.elapsed().as_secs_f64();
    metrics::histogram!("arena_request_seconds", "method" => method_label(&method)).record(ms);
    match result {
        Ok(v) => Response::ok(r.id, v),
        Err(e) => Response::err(r.id, e),
    }
}

/// A bounded label set for metrics (unknown methods share one label).
fn method_label(m: &str) -> &'static str {
    const KNOWN: [&str; 18] = [
        "message.create",
        "message.edit",
        "message.delete",
        "message.pin",
        "message.unpin",
        "reaction.add",
        "reaction.remove",
        "typing.start",
        "channel.history",
        "channel.events",
        "channel.ack",
        "channel.update",
        "panel.get",
        "panel.action",
        "presence.list",
        "member.list",
        "moderation.timeout",
        "moderation.kick",
    ];
    KNOWN
        .iter()
        .find(|k| **k == m)
        .copied()
        .unwrap_or("unknown")
}

async fn run(
    state: &AppState,
    session: &Arc<Session>,
    method: &str,
    params: Value,
    turn: Option<crate::chat::Turn>,
) -> Result<Value, ErrorBody> {
    let actor = session.actor();
    let chat = &state.chat;
    match Method::parse(method, params)? {
        Method::MessageCreate(p) => json(chat.create(actor, &session.user, p, turn).await?),
        Method::MessageEdit(p) => json(chat.edit(actor, p).await?),
        Method::MessageDelete(p) => chat
            .delete(actor, p.message_id)
            .await
            .and_then(|_| json(Empty {})),
        Method::MessagePin(p) => chat
            .pin(actor, p.message_id, true)
            .await
            .and_then(|_| json(Empty {})),
        Method::MessageUnpin(p) => chat
            .pin(actor, p.message_id, false)
            .await
            .and_then(|_| json(Empty {})),
        Method::ReactionAdd(p) => chat
            .react(actor, p, true)
            .await
            .and_then(|_| json(Empty {})),
        Method::ReactionRemove(p) => chat
            .react(actor, p, false)
            .await
            .and_then(|_| json(Empty {})),
        Method::TypingStart(p) => chat
            .typing(actor, p.channel_id)
            .and_then(|_| json(Empty {})),
        Method::ChannelHistory(p) => json(HistoryResult {
            messages: chat.history(actor, p).await?,
        }),
        Method::ChannelEvents(p) => json(chat.events(actor, p).await?),
        Method::ChannelAck(p) => chat.ack(actor, p).await.and_then(|_| json(Empty {})),
        Method::ChannelUpdate(p) => json(chat.update_channel(actor, p).await?),
        Method::PresenceList => json(PresenceList {
            presences: state.presence.list(actor.tenant_id, usize::MAX),
        }),
        Method::MemberList => {
            let rows = state
                .store
                .fetch_members(actor.tenant_id)
                .await
                .map_err(crate::error::store_error)?;
            json(MemberList {
                members: rows.iter().map(|u| u.to_user()).collect(),
            })
        }
        Method::PanelGet(p) => json(PanelResult {
            panel: chat.panel(actor, p.channel_id).await?,
        }),
        Method::PanelAction(p) => {
            chat.readable(actor, p.channel_id)?;
            Err(ErrorBody::new(
                ErrorCode::NotFound,
                format!("no panel action {:?} here yet", p.action),
            ))
        }
        Method::ModerationTimeout(p) => {
            json(serde_json::json!({ "muted_until": chat.timeout(actor, p).await? }))
        }
        Method::ModerationKick(p) => {
            if !actor.role.is_staff() {
                return Err(ErrorBody::new(ErrorCode::Forbidden, "staff only"));
            }
            let target = p.user_id.0 as i64;
            state
                .store
                .fetch_user(actor.tenant_id, target)
                .await
                .map_err(crate::error::store_error)?;
            chat.audit(actor, "moderation.kick", &p.user_id.to_string(), &p.reason)
                .await;
            for s in state.sessions.of_user(actor.tenant_id, target) {
                s.outbox.close(arena_protocol::CloseCode::SessionReplaced);
            }
            json(Empty {})
        }
    }
}
