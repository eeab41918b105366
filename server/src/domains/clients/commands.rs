//! The client-exchange actor's commands (from REST and `panel.action`), each
//! answered through its reply after Postgres committed, and the rules they
//! share: who sees a record (its partner and staff; anyone else gets
//! `not_found`) and which projections a change touches.

use super::input::ClientInput;
use super::pipeline::{self, OpportunityInput};
use super::roster::{
    add_note, assign, create_client, get_client, list_clients, recommend, update_client,
};
use super::ClientExchange;
use crate::bus::Projection;
use crate::domains::{Changed, Domain};
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{ClientRow, NewActivity, OpportunityRow, StoreError, UserRow};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use tokio::sync::oneshot;

pub use super::views::{ClientView, NoteView, RecommendationView};
pub use pipeline::OpportunityView;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// Most clients a roster read returns.
pub const ROSTER_LIMIT: i64 = 500;
/// Most notes a read returns.
pub const NOTES_LIMIT: i64 = 200;
/// Most recommendations a read returns.
pub const RECOMMENDATIONS_LIMIT: i64 = 50;

/// What the client-exchange actor is asked to do.
#[derive(Debug)]
pub enum Command {
    /// The clients `by` sees (a partner's own, staff all), by name.
    ListClients {
        by: Actor,
        reply: Reply<Vec<ClientView>>,
    },
    /// One client with `by`'s own notes on it.
    GetClient {
        by: Actor,
        id: i64,
        reply: Reply<ClientView>,
    },
    /// A new client: a partner's own; staff name the partner or leave it unassigned.
    CreateClient {
        by: Actor,
        partner: Option<UserId>,
        input: ClientInput,
        reply: Reply<ClientView>,
    },
    /// Changes the named fields of a client.
    UpdateClient {
        by: Actor,
        id: i64,
        input: ClientInput,
        reply: Reply<ClientView>,
    },
    /// Assigns a client to a partner (staff).
    Assign {
        by: Actor,
        id: i64,
        partner: UserId,
        reply: Reply<ClientView>,
    },
    /// Adds a note private to `by`.
    AddNote {
        by: Actor,
        id: i64,
        body: String,
        reply: Reply<NoteView>,
    },
    /// The opportunities `by` sees, newest first.
    ListOpportunities {
        by: Actor,
        reply: Reply<Vec<OpportunityView>>,
    },
    /// A new opportunity (in prospect) of a client `by` sees.
    CreateOpportunity {
        by: Actor,
        input: OpportunityInput,
        reply: Reply<OpportunityView>,
    },
    /// Moves an opportunity to stage `to`.
    Move {
        by: Actor,
        id: i64,
        to: String,
        reply: Reply<OpportunityView>,
    },
    /// Staff recommendations of industries to target, newest first.
    ListRecommendations {
        by: Actor,
        reply: Reply<Vec<RecommendationView>>,
    },
    /// Adds a recommendation (staff).
    Recommend {
        by: Actor,
        industry: String,
        note: String,
        reply: Reply<RecommendationView>,
    },
}

pub(super) fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// Staff or an admin acting as themselves (not a bot token).
pub fn is_staff(by: &Actor) -> bool {
    by.role.is_staff() && by.bot.is_none()
}

/// Partners and staff use the domain; bots have no client-exchange scope.
pub(super) fn member_only(by: &Actor) -> Result<(), ErrorBody> {
    if by.bot.is_none() && (by.role == Role::Partner || by.role.is_staff()) {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "partners and staff only"))
    }
}

pub(super) fn staff_only(by: &Actor) -> Result<(), ErrorBody> {
    if is_staff(by) {
        Ok(())
    } else {
        Err(err(ErrorCode::Forbidden, "staff only"))
    }
}

/// Does `by` see a record owned by `owner`? Staff all; a partner their own.
pub fn sees(by: &Actor, owner: Option<UserId>) -> bool {
    is_staff(by) || (by.role == Role::Partner && by.bot.is_none() && owner == Some(by.user_id))
}

/// The projections a change of records owned by `owners` touches.
pub(super) fn touched(owners: &[Option<UserId>]) -> Changed {
    let mut ps = vec![Projection::Program];
    for o in owners.iter().flatten() {
        if !ps.contains(&Projection::Partner(*o)) {
            ps.push(Projection::Partner(*o));
        }
    }
    Changed::Only(ps)
}

/// The client `id` if `by` may see it; `not_found` otherwise (as if absent).
pub(super) async fn visible_client(
    ce: &ClientExchange,
    by: &Actor,
    id: i64,
) -> Result<ClientRow, ErrorBody> {
    match ce
        .store()
        .fetch_client(ce.tenant_id, id)
        .await
        .map_err(store_error)?
    {
        Some(c) if sees(by, c.owner_id) => Ok(c),
        _ => Err(err(ErrorCode::NotFound, format!("no client {id}"))),
    }
}

/// The member `id` if they are a partner of this workspace; `bad_request` otherwise.
pub(super) async fn partner(ce: &ClientExchange, id: UserId) -> Result<UserRow, ErrorBody> {
    match ce.store().fetch_user(ce.tenant_id, id).await {
        Ok(u) if u.role == Role::Partner.as_str() => Ok(u),
        Ok(_) | Err(StoreError::NotFound) => Err(err(
            ErrorCode::BadRequest,
            "partner_id is not a partner of this workspace",
        )),
        Err(e) => Err(store_error(e)),
    }
}

/// An activity entry of this domain.
pub(super) fn activity<'a>(
    ce: &ClientExchange,
    partner: UserId,
    by: Option<UserId>,
    verb: &'a str,
    summary: &'a str,
    data: serde_json::Value,
) -> NewActivity<'a> {
    NewActivity {
        id: ce.ctx.ids.next_id().0 as i64,
        partner,
        actor: by,
        domain: ClientExchange::NAME,
        verb,
        summary,
        data,
    }
}

/// Runs one command and says which projections changed.
pub(super) async fn run(ce: &mut ClientExchange, command: Command) -> Changed {
    match command {
        Command::ListClients { by, reply } => {
            let r = list_clients(ce, &by).await;
            let _ = reply.send(r);
            Changed::Nothing
        }
        Command::GetClient { by, id, reply } => {
            let r = get_client(ce, &by, id).await;
            let _ = reply.send(r);
            Changed::Nothing
        }
        Command::CreateClient {
            by,
            partner,
            input,
            reply,
        } => {
            let r = create_client(ce, &by, partner, input).await;
            finish(r, reply, |c: &ClientRow| touched(&[c.owner_id]))
        }
        Command::UpdateClient {
            by,
            id,
            input,
            reply,
        } => {
            let r = update_client(ce, &by, id, input).await;
            finish(r, reply, |c: &ClientRow| touched(&[c.owner_id]))
        }
        Command::Assign {
            by,
            id,
            partner,
            reply,
        } => {
            let r = assign(ce, &by, id, partner).await;
            finish(r, reply, |(c, before): &(ClientRow, Option<UserId>)| {
                touched(&[c.owner_id, *before])
            })
        }
        Command::AddNote {
            by,
            id,
            body,
            reply,
        } => {
            let r = add_note(ce, &by, id, body).await;
            let changed = match &r {
                Ok(_) => Changed::Only(vec![Projection::of(&by)]),
                Err(_) => Changed::Nothing,
            };
            let _ = reply.send(r);
            changed
        }
        Command::ListOpportunities { by, reply } => {
            let _ = reply.send(pipeline::list(ce, &by).await);
            Changed::Nothing
        }
        Command::CreateOpportunity { by, input, reply } => {
            let r = pipeline::create(ce, &by, input).await;
            finish(r, reply, |o: &OpportunityRow| touched(&[o.owner_id]))
        }
        Command::Move { by, id, to, reply } => {
            let r = pipeline::move_to(ce, &by, id, &to).await;
            finish(r, reply, |o: &OpportunityRow| touched(&[o.owner_id]))
        }
        Command::ListRecommendations { by, reply } => {
            let r = match member_only(&by) {
                Ok(()) => ce
                    .store()
                    .fetch_recommendations(ce.tenant_id, RECOMMENDATIONS_LIMIT)
                    .await
                    .map(|rows| rows.iter().map(RecommendationView::from).collect())
                    .map_err(store_error),
                Err(e) => Err(e),
            };
            let _ = reply.send(r);
            Changed::Nothing
        }
        Command::Recommend {
            by,
            industry,
            note,
            reply,
        } => {
            let r = recommend(ce, &by, &industry, &note).await;
            crate::domains::answer(reply, r, Changed::All)
        }
    }
}

/// Answers `r` (minus what only the change needs) and says what it touched.
fn finish<T, V: From<T>>(
    r: Result<T, ErrorBody>,
    reply: Reply<V>,
    touched: impl Fn(&T) -> Changed,
) -> Changed {
    let changed = r.as_ref().map_or(Changed::Nothing, &touched);
    let _ = reply.send(r.map(V::from));
    changed
}
