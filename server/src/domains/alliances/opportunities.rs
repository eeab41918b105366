//! Joint opportunities of an alliance (deals and campaigns): prospect →
//! proposal → negotiation → won, any open stage → lost, lost → prospect;
//! won is final. Won records one deal win through the revenue domain
//! (`deal_id` = `alliance-opportunity:<id>`), crediting the opportunity's
//! partner or else the alliance's first member.
//!
//! Exactly once, as the client-exchange pipeline does it: the move to won is
//! a conditional update (one mover wins, on any node; on one node the actor
//! runs one command at a time), revenue is idempotent on `deal_id` with the
//! same body, and a won opportunity whose recording failed records again
//! (and only that) when moved to won again; once recorded, won again is a
//! `conflict`. The win is recorded by `by` when they are staff, else by the
//! system member acting as staff.

use super::access::{check_edit, entry, err, is_staff, visible};
use super::input;
use super::Alliances;
use crate::domains::revenue::{self, DealWin};
use crate::domains::Domain;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{AllianceOpportunityRow, AllianceRow, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde::Deserialize;
use serde_json::json;

/// Most opportunities a read or a panel shows.
pub const OPPORTUNITY_LIMIT: i64 = 500;

/// A stage of an opportunity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Prospect,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

/// Every stage, in board order.
pub const STAGES: [Stage; 5] = [
    Stage::Prospect,
    Stage::Proposal,
    Stage::Negotiation,
    Stage::Won,
    Stage::Lost,
];

impl Stage {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::Proposal => "proposal",
            Stage::Negotiation => "negotiation",
            Stage::Won => "won",
            Stage::Lost => "lost",
        }
    }

    /// The stage named `s`, if any.
    pub fn parse(s: &str) -> Option<Stage> {
        STAGES.into_iter().find(|x| x.as_str() == s)
    }

    /// Neither won nor lost.
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Won | Stage::Lost)
    }

    /// The stages this one may move to.
    pub fn moves(self) -> &'static [Stage] {
        match self {
            Stage::Prospect => &[Stage::Proposal, Stage::Lost],
            Stage::Proposal => &[Stage::Negotiation, Stage::Lost],
            Stage::Negotiation => &[Stage::Won, Stage::Lost],
            Stage::Lost => &[Stage::Prospect],
            Stage::Won => &[],
        }
    }
}

/// The revenue `deal_id` of opportunity `id`.
pub fn deal_id(id: i64) -> String {
    format!("alliance-opportunity:{id}")
}

/// The stages `o` may move to (won again only to retry a failed recording).
pub fn moves(o: &AllianceOpportunityRow) -> Vec<Stage> {
    match Stage::parse(&o.stage) {
        Some(Stage::Won) if !o.deal_recorded => vec![Stage::Won],
        Some(s) => s.moves().to_vec(),
        None => Vec::new(),
    }
}

/// A new opportunity (in prospect).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    /// 1..120 characters, unique per alliance.
    pub title: String,
    /// `deal` (default) or `campaign`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Minor units of `currency`, 1..10^13.
    pub value_minor: i64,
    /// ISO 4217, one the program converts; the program's currency by default.
    #[serde(default)]
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub expected_close: Option<String>,
    /// A staff member (decimal id); the alliance's owner by default.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// The member credited on a win (decimal id of a member of the alliance).
    #[serde(default)]
    pub partner_id: Option<String>,
}

/// Adds an opportunity to alliance `alliance_id` (its editors).
pub(super) async fn create(
    al: &Alliances,
    by: &Actor,
    alliance_id: i64,
    i: OpportunityInput,
) -> Result<(AllianceRow, AllianceOpportunityRow), ErrorBody> {
    let a = visible(al, by, alliance_id).await?;
    check_edit(by, &a)?;
    let title = input::name(&i.title).map_err(|_| input::bad("title must be 1..120 characters"))?;
    let kind = match i.kind.as_deref().unwrap_or("deal") {
        k @ ("deal" | "campaign") => k.to_owned(),
        _ => return Err(input::bad("kind must be deal or campaign")),
    };
    let value_minor = crate::domains::clients::input::amount("value_minor", i.value_minor, 1)?;
    let program = &al.ctx.program;
    let currency = crate::domains::clients::input::currency(
        program,
        i.currency.as_deref().unwrap_or(&program.currency),
    )?;
    let expected_close = input::opt_date("expected_close", i.expected_close.as_deref())?;
    let owner_id = match i.owner_id.as_deref() {
        Some(o) if !o.trim().is_empty() => {
            let id = UserId(input::id("owner_id", o)?);
            match al.store().fetch_user(al.tenant_id, id).await {
                Ok(u) if u.role == Role::Staff.as_str() || u.role == Role::Admin.as_str() => id,
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(input::bad("owner_id must be a staff member or admin"))
                }
                Err(e) => return Err(store_error(e)),
            }
        }
        _ => a.owner_id,
    };
    let partner_id = match i.partner_id.as_deref() {
        Some(p) if !p.trim().is_empty() => {
            let id = input::id("partner_id", p)?;
            if !a.members.contains(&id) {
                return Err(input::bad("partner_id must be a member of the alliance"));
            }
            Some(UserId(id))
        }
        _ => None,
    };
    let now = time::OffsetDateTime::now_utc();
    let o = AllianceOpportunityRow {
        id: al.next_id(),
        alliance_id,
        title,
        kind,
        stage: Stage::Prospect.as_str().to_owned(),
        value_minor,
        currency,
        expected_close,
        owner_id,
        partner_id,
        won_partner: None,
        deal_recorded: false,
        created_by: by.user_id,
        created_at: now,
        updated_at: now,
    };
    let e = entry(
        al,
        alliance_id,
        by,
        "opportunity.created",
        format!("New opportunity {} for {}", o.title, a.name),
        json!({"opportunity_id": o.id.to_string(), "value_minor": o.value_minor, "currency": o.currency}),
    );
    match al
        .store()
        .insert_alliance_opportunity(al.tenant_id, &o, &e)
        .await
    {
        Ok(row) => Ok((a, row)),
        Err(StoreError::Conflict(_)) => Err(err(
            ErrorCode::Conflict,
            format!("{} already has an opportunity titled {:?}", a.name, o.title),
        )),
        Err(e) => Err(store_error(e)),
    }
}

/// Moves opportunity `id` to `to` (recording the deal win on won).
pub(super) async fn move_to(
    al: &Alliances,
    by: &Actor,
    id: i64,
    to: &str,
) -> Result<(AllianceRow, AllianceOpportunityRow), ErrorBody> {
    let to = Stage::parse(to)
        .ok_or_else(|| input::bad("to must be prospect, proposal, negotiation, won or lost"))?;
    let o = al
        .store()
        .fetch_alliance_opportunity(al.tenant_id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| err(ErrorCode::NotFound, format!("no opportunity {id}")))?;
    let a = visible(al, by, o.alliance_id)
        .await
        .map_err(|_| err(ErrorCode::NotFound, format!("no opportunity {id}")))?;
    check_edit(by, &a)?;
    let from =
        Stage::parse(&o.stage).ok_or_else(|| err(ErrorCode::Internal, "unknown stored stage"))?;
    if from == Stage::Won && to == Stage::Won && !o.deal_recorded {
        // The move committed earlier but its recording did not: retry it only.
        let o = record_win(al, by, &a, o).await?;
        return Ok((a, o));
    }
    if !from.moves().contains(&to) {
        let allowed: Vec<&str> = from.moves().iter().map(|s| s.as_str()).collect();
        let allowed = if allowed.is_empty() {
            "none: it is final".to_owned()
        } else {
            allowed.join(", ")
        };
        return Err(err(
            ErrorCode::Conflict,
            format!(
                "the opportunity is {}; it cannot move to {} (allowed: {allowed})",
                from.as_str(),
                to.as_str()
            ),
        ));
    }
    let credited = if to == Stage::Won {
        match o
            .partner_id
            .or_else(|| a.members.first().map(|m| UserId(*m)))
        {
            Some(p) => Some(p),
            None => {
                return Err(err(
                    ErrorCode::Conflict,
                    "the alliance has no partner member to credit; add one before winning",
                ))
            }
        }
    } else {
        None
    };
    let verb = if to == Stage::Won {
        "opportunity.won"
    } else {
        "opportunity.moved"
    };
    let e = entry(
        al,
        a.id,
        by,
        verb,
        format!("{}: {} → {}", o.title, from.as_str(), to.as_str()),
        json!({"opportunity_id": id.to_string(), "from": from.as_str(), "to": to.as_str()}),
    );
    let moved = match al
        .store()
        .update_alliance_opportunity_stage(
            al.tenant_id,
            id,
            from.as_str(),
            to.as_str(),
            credited,
            &e,
        )
        .await
    {
        Ok(m) => m,
        Err(StoreError::Conflict(_)) => {
            let now = al
                .store()
                .fetch_alliance_opportunity(al.tenant_id, id)
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
        let o = record_win(al, by, &a, moved).await?;
        Ok((a, o))
    } else {
        Ok((a, moved))
    }
}

/// Records the won opportunity's deal win in revenue and marks it recorded.
async fn record_win(
    al: &Alliances,
    by: &Actor,
    a: &AllianceRow,
    o: AllianceOpportunityRow,
) -> Result<AllianceOpportunityRow, ErrorBody> {
    let Some(partner) = o.won_partner else {
        return Err(err(
            ErrorCode::Internal,
            "won opportunity without its partner",
        ));
    };
    let win = DealWin {
        partner_id: partner,
        client: a.name.clone(),
        amount_minor: o.value_minor,
        currency: o.currency.clone(),
        deal_id: deal_id(o.id),
        closed_at: None,
    };
    let as_who = if is_staff(by) && by.has_scope(<revenue::Revenue as Domain>::NAME) {
        by.clone()
    } else {
        let system = al
            .store()
            .fetch_system_user(al.tenant_id, al.ctx.ids.next_id().into())
            .await
            .map_err(store_error)?;
        Actor::member(al.tenant_id, system.id, Role::Staff, None)
    };
    let recorded = al
        .ctx
        .links
        .domains()?
        .revenue()
        .ask(al.tenant_id, |reply| revenue::Command::RecordWin {
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
    al.store()
        .update_alliance_opportunity_recorded(al.tenant_id, o.id)
        .await
        .map_err(store_error)?;
    Ok(AllianceOpportunityRow {
        deal_recorded: true,
        ..o
    })
}

#[cfg(test)]
mod tests {
    use super::Stage::*;
    use super::*;

    #[test]
    fn stages_move_forward_one_at_a_time_and_won_is_final() {
        assert!(Prospect.moves().contains(&Proposal));
        assert!(!Prospect.moves().contains(&Won), "no skipping to won");
        assert!(Negotiation.moves().contains(&Won));
        assert!(Won.moves().is_empty());
        assert_eq!(Lost.moves(), &[Prospect]);
        for s in STAGES.into_iter().filter(|s| s.is_open()) {
            assert!(s.moves().contains(&Lost), "{s:?}");
        }
    }

    #[test]
    fn deal_ids_name_the_domain() {
        assert_eq!(deal_id(42), "alliance-opportunity:42");
        for s in STAGES {
            assert_eq!(Stage::parse(s.as_str()), Some(s));
        }
    }
}
