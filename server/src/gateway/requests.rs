//! REQUEST (op 8) → RESPONSE (op 12): parses the method and routes it to
//! chat, presence, the member list or the domains. Errors answer `ok:false`
//! and never close the socket.

use crate::budget::ReplyBudget;
use crate::chat::Turn;
use crate::session::Session;
use crate::state::AppState;
use arena_protocol::request::{
    Empty, MemberList, MemberPage, Method, MethodName, PanelResult, PresenceList, Request, Response,
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

/// Handles one request and returns its response. `turn` orders a session's creates.
pub async fn handle(
    state: &AppState,
    session: &Arc<Session>,
    r: Request,
    turn: Option<Turn>,
) -> Response {
    if r.id.len() > MAX_ID {
        let id: String = r.id.chars().take(MAX_ID / 4).collect();
        return Response::err(
            id,
            ErrorBody::new(ErrorCode::BadRequest, "request id longer than 64 bytes"),
        );
    }
    let started = std::time::Instant::now();
    // A bounded label set: unknown methods share one label.
    let label = MethodName::parse(&r.method).map_or("unknown", MethodName::as_str);
    let result = match Method::parse(&r.method, r.params) {
        Ok(m) => run(state, session, m, turn).await,
        Err(e) => Err(e),
    };
    metrics::histogram!("arena_request_seconds", "method" => label)
        .record(started.elapsed().as_secs_f64());
    match result {
        Ok(v) => Response::ok(r.id, v),
        Err(e) => Response::err(r.id, e),
    }
}

/// Most members or presences one `member.list` / `presence.list` page asks
/// for (Discord's List Guild Members allows 1..1000).
const MAX_MEMBER_PAGE: u32 = 1000;

/// The `limit` of a member or presence page: 1..1000, default 1000.
fn page_limit(p: &MemberPage) -> Result<usize, ErrorBody> {
    let limit = p.limit.unwrap_or(MAX_MEMBER_PAGE);
    if !(1..=MAX_MEMBER_PAGE).contains(&limit) {
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            "limit must be 1..1000",
        ));
    }
    Ok(limit as usize)
}

async fn run(
    state: &AppState,
    session: &Arc<Session>,
    method: Method,
    turn: Option<Turn>,
) -> Result<Value, ErrorBody> {
    let actor = &*session.actor();
    let chat = &state.chat;
    let done = |_| json(Empty {});
    let budget_bytes = state.cfg.reply_budget_bytes;
    let budget = ReplyBudget::new(session.outbox.encoding, budget_bytes);
    match method {
        Method::MessageCreate(p) => json(chat.create(actor, &session.user, p, turn).await?),
        Method::MessageEdit(p) => json(chat.edit(actor, p).await?),
        Method::MessageDelete(p) => chat.delete(actor, p.message_id).await.and_then(done),
        Method::MessagePin(p) => chat.pin(actor, p.message_id, true).await.and_then(done),
        Method::MessageUnpin(p) => chat.pin(actor, p.message_id, false).await.and_then(done),
        Method::ReactionAdd(p) => chat.react(actor, p, true).await.and_then(done),
        Method::ReactionRemove(p) => chat.react(actor, p, false).await.and_then(done),
        Method::TypingStart(p) => chat.typing(actor, p.channel_id).await.and_then(done),
        Method::ChannelHistory(p) => json(chat.history(actor, p, budget).await?),
        Method::ChannelEvents(p) => json(chat.events(actor, p, budget, budget_bytes).await?),
        Method::ChannelAck(p) => chat.ack(actor, p).await.and_then(done),
        Method::ChannelUpdate(p) => json(chat.update_channel(actor, p).await?),
        Method::DmOpen(p) => json(chat.open_dm(actor, p).await?),
        Method::Search(p) => {
            let mut r = chat.search(actor, p).await?;
            let mut budget = budget;
            r.has_more |= budget.fit(&mut r.hits);
            json(r)
        }
        Method::PresenceList(p) => {
            let limit = page_limit(&p)?;
            let after = p.after.map(crate::ids::UserId::from);
            let mut presences = state
                .presence
                .cluster_page(actor.tenant_id, after, limit + 1)
                .await;
            let mut has_more = presences.len() > limit;
            presences.truncate(limit);
            let mut budget = budget;
            has_more |= budget.fit(&mut presences);
            json(PresenceList {
                presences,
                has_more,
            })
        }
        Method::MemberList(p) => {
            let limit = page_limit(&p)?;
            let rows = state
                .store
                .fetch_members_page(actor.tenant_id, p.after.map(Into::into), limit as i64 + 1)
                .await
                .map_err(crate::error::store_error)?;
            let mut members: Vec<_> = rows.iter().map(|u| u.to_user()).collect();
            let mut has_more = members.len() > limit;
            members.truncate(limit);
            let mut budget = budget;
            has_more |= budget.fit(&mut members);
            json(MemberList { members, has_more })
        }
        Method::PanelGet(p) => {
            let channel = state.registry.readable(actor, p.channel_id)?;
            json(PanelResult {
                panel: state.domains.panel(actor, &channel).await?,
            })
        }
        Method::PanelAction(p) => {
            let channel = state.registry.readable(actor, p.channel_id)?;
            state
                .domains
                .action(actor, &channel, &p.action, p.params)
                .await
        }
        Method::ModerationTimeout(p) => {
            json(serde_json::json!({ "muted_until": chat.timeout(actor, p).await? }))
        }
        Method::ModerationKick(p) => chat.kick(actor, p).await.and_then(done),
        Method::SessionReauth(p) => json(arena_protocol::request::SessionReauthResult {
            exp: crate::auth::watch::reauth(state, session, &p.token).await?,
        }),
    }
}
