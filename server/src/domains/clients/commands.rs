//! The client-exchange actor's commands (from REST and `panel.action`), each
//! answered through its reply after Postgres committed, and the roster's
//! rules: who sees a client (its partner and staff; anyone else gets
//! `not_found`), who may change it, notes private to their author, and
//! staff assigning a client to a partner (with a notice in #clients).

use super::input::{self, ClientInput, MAX_NOTE};
use super::pipeline::{self, OpportunityInput};
use super::{ClientExchange, CLIENT_ASSIGNED, NOTICE_CHANNEL, ROSTER_CHANNEL};
use crate::bus::Projection;
use crate::domains::{Changed, Domain};
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{
    ClientFields, ClientNoteRow, ClientRow, NewActivity, OpportunityRow, RecommendationRow, StoreError,
    UserRow,
};
use arena_protocol::model::{Card, Role};
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Serialize;
use serde_json::json;
use tokio::sync::oneshot;

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
    ListClients { by: Actor, reply: Reply<Vec<ClientView>> },
    /// One client with `by`'s own notes on it.
    GetClient { by: Actor, id: i64, reply: Reply<ClientView> },
    /// A new client: a partner's own; staff name the partner or leave it unassigned.
    CreateClient { by: Actor, partner: Option<UserId>, input: ClientInput, reply: Reply<ClientView> },
    /// Changes the named fields of a client.
    UpdateClient { by: Actor, id: i64, input: ClientInput, reply: Reply<ClientView> },
    /// Assigns a client to a partner (staff).
    Assign { by: Actor, id: i64, partner: UserId, reply: Reply<ClientView> },
    /// Adds a note private to `by`.
    AddNote { by: Actor, id: i64, body: String, reply: Reply<NoteView> },
    /// The opportunities `by` sees, newest first.
    ListOpportunities { by: Actor, reply: Reply<Vec<OpportunityView>> },
    /// A new opportunity (in prospect) of a client `by` sees.
    CreateOpportunity { by: Actor, input: OpportunityInput, reply: Reply<OpportunityView> },
    /// Moves an opportunity to stage `to`.
    Move { by: Actor, id: i64, to: String, reply: Reply<OpportunityView> },
    /// Staff recommendations of industries to target, newest first.
    ListRecommendations { by: Actor, reply: Reply<Vec<RecommendationView>> },
    /// Adds a recommendation (staff).
    Recommend { by: Actor, industry: String, note: String, reply: Reply<RecommendationView> },
}

/// A client as the API shows it; `notes` are the caller's own (detail reads only).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClientView {
    pub id: String,
    /// The partner (decimal id), null while unassigned.
    pub partner_id: Option<String>,
    pub name: String,
    pub industry: String,
    /// `active`, `paused` or `churned`.
    pub status: String,
    /// `lead`, `onboarding`, `live` or `renewal`.
    pub stage: String,
    /// Minor units of `currency`.
    pub value_minor: i64,
    pub currency: String,
    pub next_step: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<NoteView>>,
}

impl From<&ClientRow> for ClientView {
    fn from(c: &ClientRow) -> Self {
        ClientView {
            id: c.id.to_string(),
            partner_id: c.owner_id.map(|o| o.to_string()),
            name: c.name.clone(),
            industry: c.industry.clone(),
            status: c.status.clone(),
            stage: c.stage.clone(),
            value_minor: c.value_minor,
            currency: c.currency.clone(),
            next_step: c.next_step.clone(),
            created_at: crate::store::rfc3339(c.created_at),
            updated_at: crate::store::rfc3339(c.updated_at),
            notes: None,
        }
    }
}

/// A note (only ever shown to its author).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub id: String,
    pub client_id: String,
    pub body: String,
    pub created_at: String,
}

impl From<&ClientNoteRow> for NoteView {
    fn from(n: &ClientNoteRow) -> Self {
        NoteView {
            id: n.id.to_string(),
            client_id: n.client_id.to_string(),
            body: n.body.clone(),
            created_at: crate::store::rfc3339(n.created_at),
        }
    }
}

/// An industry recommendation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecommendationView {
    pub id: String,
    pub industry: String,
    pub note: String,
    pub created_at: String,
}

impl From<&RecommendationRow> for RecommendationView {
    fn from(r: &RecommendationRow) -> Self {
        RecommendationView {
            id: r.id.to_string(),
            industry: r.industry.clone(),
            note: r.note.clone(),
            created_at: crate::store::rfc3339(r.created_at),
        }
    }
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
pub(super) async fn visible_client(ce: &ClientExchange, by: &Actor, id: i64) -> Result<ClientRow, ErrorBody> {
    match ce.store().fetch_client(ce.tenant_id, id).await.map_err(store_error)? {
        Some(c) if sees(by, c.owner_id) => Ok(c),
        _ => Err(err(ErrorCode::NotFound, format!("no client {id}"))),
    }
}

/// The member `id` if they are a partner of this workspace; `bad_request` otherwise.
pub(super) async fn partner(ce: &ClientExchange, id: UserId) -> Result<UserRow, ErrorBody> {
    match ce.store().fetch_user(ce.tenant_id, id).await {
        Ok(u) if u.role == Role::Partner.as_str() => Ok(u),
        Ok(_) | Err(StoreError::NotFound) => Err(err(ErrorCode::BadRequest, "partner_id is not a partner of this workspace")),
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

fn name_taken(e: StoreError, name: &str) -> ErrorBody {
    match e {
        StoreError::Conflict(_) => err(ErrorCode::Conflict, format!("this roster already has a client named {name:?}")),
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
        Command::CreateClient { by, partner, input, reply } => {
            let r = create_client(ce, &by, partner, input).await;
            finish(r, reply, |c: &ClientRow| touched(&[c.owner_id]))
        }
        Command::UpdateClient { by, id, input, reply } => {
            let r = update_client(ce, &by, id, input).await;
            finish(r, reply, |c: &ClientRow| touched(&[c.owner_id]))
        }
        Command::Assign { by, id, partner, reply } => {
            let r = assign(ce, &by, id, partner).await;
            finish(r, reply, |(c, before): &(ClientRow, Option<UserId>)| {
                touched(&[c.owner_id, *before])
            })
        }
        Command::AddNote { by, id, body, reply } => {
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
        Command::Recommend { by, industry, note, reply } => {
            let r = recommend(ce, &by, &industry, &note).await;
            let changed = if r.is_ok() { Changed::All } else { Changed::Nothing };
            let _ = reply.send(r);
            changed
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

impl From<ClientRow> for ClientView {
    fn from(c: ClientRow) -> Self {
        ClientView::from(&c)
    }
}

impl From<(ClientRow, Option<UserId>)> for ClientView {
    fn from(x: (ClientRow, Option<UserId>)) -> Self {
        ClientView::from(&x.0)
    }
}

async fn list_clients(ce: &ClientExchange, by: &Actor) -> Result<Vec<ClientView>, ErrorBody> {
    member_only(by)?;
    let owner = if is_staff(by) { None } else { Some(by.user_id) };
    let rows = ce
        .store()
        .fetch_clients(ce.tenant_id, owner, ROSTER_LIMIT)
        .await
        .map_err(store_error)?;
    Ok(rows.iter().map(ClientView::from).collect())
}

async fn get_client(ce: &ClientExchange, by: &Actor, id: i64) -> Result<ClientView, ErrorBody> {
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

async fn create_client(
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
            return Err(err(ErrorCode::Forbidden, "a partner adds clients to their own roster only"));
        }
        Some(by.user_id)
    };
    let f = input.create(&ce.ctx.program)?;
    let id = ce.ctx.ids.next_id().0 as i64;
    let summary = format!("Added client {}", f.name);
    let entry = owner.map(|o| activity(ce, o, Some(by.user_id), "client.created", &summary, json!({"client_id": id.to_string(), "name": f.name})));
    ce.store()
        .insert_client(ce.tenant_id, id, owner, &f, by.user_id, entry.as_ref())
        .await
        .map_err(|e| name_taken(e, &f.name))
}

async fn update_client(
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
        ("value", f.value_minor != c.value_minor || f.currency != c.currency),
        ("next step", f.next_step != c.next_step),
    ]
    .into_iter()
    .filter_map(|(n, d)| d.then_some(n))
    .collect();
    let summary = format!("Updated client {} ({})", f.name, changed.join(", "));
    let entries: Vec<NewActivity> = c
        .owner_id
        .map(|o| activity(ce, o, Some(by.user_id), "client.updated", &summary, json!({"client_id": id.to_string(), "changed": changed})))
        .into_iter()
        .collect();
    ce.store()
        .update_client(ce.tenant_id, id, c.owner_id, &f, &entries)
        .await
        .map_err(|e| name_taken(e, &f.name))
}

async fn assign(
    ce: &ClientExchange,
    by: &Actor,
    id: i64,
    to: UserId,
) -> Result<(ClientRow, Option<UserId>), ErrorBody> {
    staff_only(by)?;
    let c = visible_client(ce, by, id).await?;
    let assignee = partner(ce, to).await?;
    if c.owner_id == Some(to) {
        return Err(err(ErrorCode::Conflict, format!("the client is already assigned to {}", assignee.display_name)));
    }
    let summary = format!("Assigned client {} to {}", c.name, assignee.display_name);
    let left = format!("Client {} was reassigned to another partner", c.name);
    let data = json!({"client_id": id.to_string(), "partner_id": to.to_string()});
    let mut entries = vec![activity(ce, to, Some(by.user_id), "client.assigned", &summary, data.clone())];
    if let Some(before) = c.owner_id {
        entries.push(activity(ce, before, Some(by.user_id), "client.unassigned", &left, json!({"client_id": id.to_string()})));
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
    let roster = ce.ctx.registry.tenant(ce.tenant_id).by_key(ROSTER_CHANNEL).map(|ch| ch.id.to_string());
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
    if let Err(e) = ce.ctx.post_as_system(ce.tenant_id, NOTICE_CHANNEL, content, Some(card)).await {
        tracing::warn!(tenant = %ce.tenant_id, client = c.id, error = ?e, "client assignment notice not posted");
    }
}

async fn add_note(ce: &ClientExchange, by: &Actor, id: i64, body: String) -> Result<NoteView, ErrorBody> {
    member_only(by)?;
    let c = visible_client(ce, by, id).await?;
    let body = input::text("body", &body, 1, MAX_NOTE, true)?;
    // Only the client's partner's own notes go to their log: a staff note is
    // private to its author, so not even its existence is shown to the partner.
    let summary = format!("Added a note on {}", c.name);
    let entry = c
        .owner_id
        .filter(|o| *o == by.user_id)
        .map(|o| activity(ce, o, Some(by.user_id), "client.note_added", &summary, json!({"client_id": id.to_string()})));
    let row = ce
        .store()
        .insert_client_note(ce.tenant_id, ce.ctx.ids.next_id().0 as i64, id, by.user_id, &body, entry.as_ref())
        .await
        .map_err(store_error)?;
    Ok(NoteView::from(&row))
}

async fn recommend(ce: &ClientExchange, by: &Actor, industry: &str, note: &str) -> Result<RecommendationView, ErrorBody> {
    staff_only(by)?;
    let industry = input::text("industry", industry, 1, input::MAX_INDUSTRY, false)?;
    let note = input::text("note", note, 1, MAX_NOTE, true)?;
    let row = ce
        .store()
        .insert_recommendation(ce.tenant_id, ce.ctx.ids.next_id().0 as i64, &industry, &note, by.user_id)
        .await
        .map_err(store_error)?;
    Ok(RecommendationView::from(&row))
}
