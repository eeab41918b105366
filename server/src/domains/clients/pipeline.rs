//! Opportunities: created in prospect on a client the caller sees, moved
//! along the pipeline by [`super::stages`], and on won recorded once as a
//! deal win through the revenue domain (`deal_id` = `opportunity:<id>`), so
//! it shows in #deal-wins and the partner's commissions.
//!
//! Recording needs the revenue scope. Staff have it and record as
//! themselves; when a partner wins their own opportunity, the win is
//! recorded by the tenant's system member ("Arena") acting with staff
//! rights, because the pipeline's rules, not the partner, vouch for it.
//!
//! Exactly once: the move to won is a conditional update (one mover wins,
//! on any node), and the revenue domain is idempotent on `deal_id` with the
//! same body (partner and client name are kept on the opportunity at the
//! move). If recording fails after the move committed, moving to won again
//! retries the recording (and only that).

use super::commands::{activity, err, is_staff, member_only, sees, visible_client};
use super::input;
use super::stages::Stage;
use super::ClientExchange;
use crate::domains::revenue::{self, DealWin};
use crate::domains::Domain;
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::{NewOpportunity, OpportunityRow, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Most opportunities a read or the board shows.
pub const PIPELINE_LIMIT: i64 = 500;

/// A new opportunity.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    /// The client (decimal id), one the caller sees.
    pub client_id: String,
    /// 1..120 characters, unique per client.
    pub title: String,
    /// Minor units of `currency`, 1..10^13.
    pub amount_minor: i64,
    /// ISO 4217, one the program converts; the program's currency by default.
    #[serde(default)]
    pub currency: Option<String>,
}

/// An opportunity as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OpportunityView {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub industry: String,
    /// The client's partner (decimal id), null while unassigned.
    pub partner_id: Option<String>,
    pub title: String,
    /// `prospect`, `qualified`, `proposal`, `negotiation`, `won` or `lost`.
    pub stage: String,
    /// The stages it may move to now.
    pub moves: Vec<String>,
    /// Minor units of `currency`.
    pub amount_minor: i64,
    pub currency: String,
    /// Won and its deal win recorded in revenue (`deal_id` below).
    pub deal_recorded: bool,
    pub deal_id: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The revenue `deal_id` of opportunity `id`.
pub fn deal_id(id: i64) -> String {
    format!("opportunity:{id}")
}

/// The stages `o` may move to (won again only to retry a failed recording).
pub fn moves(o: &OpportunityRow) -> Vec<Stage> {
    match Stage::parse(&o.stage) {
        Some(Stage::Won) if !o.deal_recorded => vec![Stage::Won],
        Some(s) => s.moves().to_vec(),
        None => Vec::new(),
    }
}

impl From<OpportunityRow> for OpportunityView {
    fn from(o: OpportunityRow) -> Self {
        OpportunityView::from(&o)
    }
}

impl From<&OpportunityRow> for OpportunityView {
    fn from(o: &OpportunityRow) -> Self {
        OpportunityView {
            id: o.id.to_string(),
            client_id: o.client_id.to_string(),
            client_name: o.client_name.clone(),
            industry: o.industry.clone(),
            partner_id: o.owner_id.map(|p| p.to_string()),
            title: o.title.clone(),
            stage: o.stage.clone(),
            moves: moves(o).iter().map(|s| s.as_str().to_owned()).collect(),
            amount_minor: o.amount_minor,
            currency: o.currency.clone(),
            deal_recorded: o.deal_recorded,
            deal_id: deal_id(o.id),
            created_at: crate::store::rfc3339(o.created_at),
            updated_at: crate::store::rfc3339(o.updated_at),
        }
    }
}

/// The opportunities `by` sees, newest first.
pub(super) async fn list(
    ce: &ClientExchange,
    by: &Actor,
) -> Result<Vec<OpportunityView>, ErrorBody> {
    member_only(by)?;
    let owner = if is_staff(by) { None } else { Some(by.user_id) };
    let rows = ce
        .store()
        .fetch_opportunities(ce.tenant_id, owner, PIPELINE_LIMIT)
        .await
        .map_err(store_error)?;
    Ok(rows.iter().map(OpportunityView::from).collect())
}

/// Parses a decimal record id; `bad_request` naming the field otherwise.
pub fn parse_id(field: &str, s: &str) -> Result<i64, ErrorBody> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            err(
                ErrorCode::BadRequest,
                format!("{field} must be a decimal id"),
            )
        })
}

/// Creates an opportunity in prospect.
pub(super) async fn create(
    ce: &ClientExchange,
    by: &Actor,
    i: OpportunityInput,
) -> Result<OpportunityRow, ErrorBody> {
    member_only(by)?;
    let client_id = parse_id("client_id", &i.client_id)?;
    let title = input::text("title", &i.title, 1, input::MAX_NAME, false)?;
    let amount_minor = input::amount("amount_minor", i.amount_minor, 1)?;
    let program = &ce.ctx.program;
    let currency = input::currency(program, i.currency.as_deref().unwrap_or(&program.currency))?;
    let c = visible_client(ce, by, client_id).await?;
    let o = NewOpportunity {
        id: ce.ctx.ids.next_id().0 as i64,
        client_id,
        title,
        stage: Stage::Prospect.as_str(),
        amount_minor,
        currency,
        created_by: by.user_id,
    };
    let summary = format!("New opportunity {} for {}", o.title, c.name);
    let entry = c.owner_id.map(|p| {
        activity(
            ce,
            p,
            Some(by.user_id),
            "opportunity.created",
            &summary,
            json!({"opportunity_id": o.id.to_string(), "client_id": c.id.to_string()}),
        )
    });
    match ce
        .store()
        .insert_opportunity(ce.tenant_id, &o, entry.as_ref(), false)
        .await
    {
        Ok(Some(row)) => Ok(row),
        Ok(None) => Err(err(ErrorCode::Internal, "opportunity not written")),
        Err(StoreError::Conflict(_)) => Err(err(
            ErrorCode::Conflict,
            format!("{} already has an opportunity titled {:?}", c.name, o.title),
        )),
        Err(e) => Err(store_error(e)),
    }
}

/// Moves opportunity `id` to stage `to` (recording the deal win on won).
pub(super) async fn move_to(
    ce: &ClientExchange,
    by: &Actor,
    id: i64,
    to: &str,
) -> Result<OpportunityRow, ErrorBody> {
    member_only(by)?;
    let to = Stage::parse(to).ok_or_else(|| {
        err(
            ErrorCode::BadRequest,
            "to must be prospect, qualified, proposal, negotiation, won or lost",
        )
    })?;
    let o = match ce
        .store()
        .fetch_opportunity(ce.tenant_id, id)
        .await
        .map_err(store_error)?
    {
        Some(o) if sees(by, o.owner_id) => o,
        _ => return Err(err(ErrorCode::NotFound, format!("no opportunity {id}"))),
    };
    let from =
        Stage::parse(&o.stage).ok_or_else(|| err(ErrorCode::Internal, "unknown stored stage"))?;
    if from == Stage::Won && to == Stage::Won && !o.deal_recorded {
        // The move committed earlier but its recording did not: retry it only.
        return record_win(ce, by, o).await;
    }
    from.move_to(to)
        .map_err(|e| err(ErrorCode::Conflict, e.to_string()))?;
    let won = match (to, o.owner_id) {
        (Stage::Won, Some(p)) => Some((p, o.client_name.as_str())),
        (Stage::Won, None) => {
            return Err(err(
                ErrorCode::Conflict,
                "the client has no partner yet; assign it before winning",
            ))
        }
        _ => None,
    };
    let verb = if to == Stage::Won {
        "opportunity.won"
    } else {
        "opportunity.moved"
    };
    let summary = format!("{}: {} → {}", o.title, from.as_str(), to.as_str());
    let entry = o.owner_id.map(|p| {
        activity(
            ce,
            p,
            Some(by.user_id),
            verb,
            &summary,
            json!({"opportunity_id": id.to_string(), "from": from.as_str(), "to": to.as_str()}),
        )
    });
    let moved = match ce
        .store()
        .update_opportunity_stage(
            ce.tenant_id,
            id,
            from.as_str(),
            to.as_str(),
            won,
            entry.as_ref(),
        )
        .await
    {
        Ok(m) => m,
        // Moved meanwhile (another node): name the stage it is in now.
        Err(StoreError::Conflict(_)) => {
            let now = ce
                .store()
                .fetch_opportunity(ce.tenant_id, id)
                .await
                .map_err(store_error)?;
            let stage = now.map_or_else(|| "gone".to_owned(), |n| n.stage);
            return Err(err(
                ErrorCode::Conflict,
                format!("the opportunity is {stage} now; it moved meanwhile"),
            ));
        }
        Err(e) => return Err(store_error(e)),
    };
    if to == Stage::Won {
        record_win(ce, by, moved).await
    } else {
        Ok(moved)
    }
}

/// Who records the win: staff as themselves, anyone else through the
/// tenant's system member acting as staff (see the module doc).
async fn recorder(ce: &ClientExchange, by: &Actor) -> Result<Actor, ErrorBody> {
    if is_staff(by) && by.has_scope(<revenue::Revenue as Domain>::NAME) {
        return Ok(by.clone());
    }
    let system = ce
        .store()
        .fetch_system_user(ce.tenant_id, ce.ctx.ids.next_id().into())
        .await
        .map_err(store_error)?;
    Ok(Actor::member(ce.tenant_id, system.id, Role::Staff, None))
}

/// Records the won opportunity's deal win in revenue (idempotent there) and
/// marks it recorded.
async fn record_win(
    ce: &ClientExchange,
    by: &Actor,
    o: OpportunityRow,
) -> Result<OpportunityRow, ErrorBody> {
    let (Some(partner), Some(client)) = (o.won_partner, o.won_client.clone()) else {
        return Err(err(
            ErrorCode::Internal,
            "won opportunity without its partner",
        ));
    };
    let win = DealWin {
        partner_id: partner,
        client,
        amount_minor: o.amount_minor,
        currency: o.currency.clone(),
        deal_id: deal_id(o.id),
        closed_at: None,
    };
    let as_who = recorder(ce, by).await?;
    let recorded = ce
        .ctx
        .links
        .domains()?
        .revenue()
        .ask(ce.tenant_id, |reply| revenue::Command::RecordWin {
            by: as_who,
            win,
            reply,
        })
        .await;
    if let Err(e) = recorded {
        return Err(err(
            e.code,
            format!("the opportunity is won, but its deal win is not recorded yet ({}); move it to won again to retry", e.message),
        ));
    }
    ce.store()
        .update_opportunity_recorded(ce.tenant_id, o.id)
        .await
        .map_err(store_error)?;
    Ok(OpportunityRow {
        deal_recorded: true,
        ..o
    })
}
