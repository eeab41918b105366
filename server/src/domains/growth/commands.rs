//! What the growth actor is asked to do, and the dispatch: each change is
//! one transaction with its activity entry, answered after commit; the
//! touched partner's projection and the program's then move.

use super::{campaigns, pages, referrals, Growth};
use crate::bus::Projection;
use crate::domains::Changed;
use crate::ids::{CampaignId, LandingPageId, LeadId, StepRunId, UserId};
use crate::registry::Actor;
use crate::store::{CodeRow, LeadRow, PageRow, RunRow, StepRow};
use arena_protocol::ErrorBody;
use tokio::sync::oneshot;

/// Reply channel of a command.
pub type Reply<T> = oneshot::Sender<Result<T, ErrorBody>>;

/// A lead as written (validated by the actor).
#[derive(Debug, Clone, Default)]
pub struct LeadInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub note: String,
}

/// A landing page as written (validated by the actor).
#[derive(Debug, Clone, Default)]
pub struct PageInput {
    pub slug: String,
    pub headline: String,
    pub body: String,
    pub cta: String,
    pub fields: Vec<String>,
    pub published: bool,
}

/// A campaign step as written (validated by the actor).
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub channel: String,
    pub day_offset: i64,
    pub subject: String,
    pub template: String,
}

/// The growth actor's commands.
#[derive(Debug)]
pub enum Command {
    /// The partner's codes (staff: `partner`'s), one created on first need.
    Codes {
        by: Actor,
        partner: Option<UserId>,
        reply: Reply<Vec<CodeRow>>,
    },
    /// One more code for the partner (staff: for `partner`), with its own
    /// redirect target if given.
    NewCode {
        by: Actor,
        partner: Option<UserId>,
        target: Option<String>,
        reply: Reply<CodeRow>,
    },
    /// Add a lead (a partner their own; staff for `partner`).
    AddLead {
        by: Actor,
        partner: Option<UserId>,
        lead: LeadInput,
        reply: Reply<LeadRow>,
    },
    /// A visitor (`visitor`: the salted hash of their address) submitted a
    /// landing page's form.
    PageLead {
        page: Box<PageRow>,
        visitor: String,
        lead: LeadInput,
        reply: Reply<LeadRow>,
    },
    /// Move a lead (`value` required for won, which staff set).
    MoveLead {
        by: Actor,
        lead_id: LeadId,
        to: String,
        value: Option<(i64, String)>,
        reply: Reply<LeadRow>,
    },
    /// Create (`page_id` None) or edit a landing page.
    SavePage {
        by: Actor,
        page_id: Option<LandingPageId>,
        page: PageInput,
        reply: Reply<PageRow>,
    },
    /// Open a page in the viewer's panel (its edit form and preview).
    FocusPage {
        by: Actor,
        page_id: LandingPageId,
        reply: Reply<PageRow>,
    },
    /// Post a page's link and figures in #landing-pages.
    SharePage {
        by: Actor,
        page_id: LandingPageId,
        reply: Reply<PageRow>,
    },
    /// Create a campaign.
    CreateCampaign {
        by: Actor,
        name: String,
        reply: Reply<crate::store::CampaignRow>,
    },
    /// Append a step to a campaign.
    AddStep {
        by: Actor,
        campaign_id: CampaignId,
        step: StepInput,
        reply: Reply<StepRow>,
    },
    /// Remove a step of a campaign.
    RemoveStep {
        by: Actor,
        campaign_id: CampaignId,
        position: i32,
        reply: Reply<()>,
    },
    /// Enroll a lead in a campaign: its steps are scheduled.
    Enroll {
        by: Actor,
        campaign_id: CampaignId,
        lead_id: LeadId,
        reply: Reply<()>,
    },
    /// Unenroll: pending steps are cancelled.
    Unenroll {
        by: Actor,
        campaign_id: CampaignId,
        lead_id: LeadId,
        reply: Reply<u64>,
    },
    /// The mail tool's answer for an emitted step.
    StepDone {
        by: Actor,
        run_id: StepRunId,
        status: String,
        detail: String,
        reply: Reply<RunRow>,
    },
    /// A counted click or visit, or an emitted step: refresh the partner's panels.
    Touched { partner: UserId },
}

/// The partner's projection and the program's.
pub fn touched(partner: UserId) -> Changed {
    Changed::Only(vec![Projection::Partner(partner), Projection::Program])
}

/// Replies and says what changed (the partner `of` the answer, and the program).
fn answer<T>(reply: Reply<T>, r: Result<T, ErrorBody>, of: impl Fn(&T) -> UserId) -> Changed {
    let changed = r.as_ref().map(&of).map(touched).unwrap_or(Changed::Nothing);
    let _ = reply.send(r);
    changed
}

/// Runs one command and says which projections changed.
pub(super) async fn run(g: &mut Growth, command: Command) -> Changed {
    match command {
        Command::Codes { by, partner, reply } => {
            let r = referrals::codes(g, &by, partner).await;
            let changed = match &r {
                Ok((codes, true)) => codes
                    .first()
                    .map(|c| touched(c.partner_id))
                    .unwrap_or(Changed::Nothing),
                _ => Changed::Nothing,
            };
            let _ = reply.send(r.map(|(c, _)| c));
            changed
        }
        Command::NewCode {
            by,
            partner,
            target,
            reply,
        } => answer(
            reply,
            referrals::new_code(g, &by, partner, target).await,
            |c| c.partner_id,
        ),
        Command::AddLead {
            by,
            partner,
            lead,
            reply,
        } => answer(
            reply,
            referrals::add_lead(g, &by, partner, lead).await,
            |l| l.partner_id,
        ),
        Command::PageLead {
            page,
            visitor,
            lead,
            reply,
        } => {
            let r = match g.submissions.admit(&visitor, std::time::Instant::now()) {
                true => pages::page_lead(g, &page, lead).await,
                false => Err(ErrorBody::retry(
                    arena_protocol::ErrorCode::RateLimited,
                    "too many submissions from this address; try again later",
                    super::pages::SUBMIT_WINDOW.as_millis() as u64,
                )),
            };
            answer(reply, r, |l| l.partner_id)
        }
        Command::MoveLead {
            by,
            lead_id,
            to,
            value,
            reply,
        } => answer(
            reply,
            referrals::move_lead(g, &by, lead_id, &to, value).await,
            |l| l.partner_id,
        ),
        Command::SavePage {
            by,
            page_id,
            page,
            reply,
        } => answer(reply, pages::save(g, &by, page_id, page).await, |p| {
            p.partner_id
        }),
        Command::FocusPage { by, page_id, reply } => match pages::visible(g, &by, page_id).await {
            Ok(p) => {
                let projection =
                    <Growth as crate::domains::Domain>::projection(super::PAGES_PANEL, &by);
                let moved = g.focus.insert(projection, p.id) != Some(p.id);
                let _ = reply.send(Ok(p));
                if moved {
                    Changed::Only(vec![projection])
                } else {
                    Changed::Nothing
                }
            }
            Err(e) => {
                let _ = reply.send(Err(e));
                Changed::Nothing
            }
        },
        Command::SharePage { by, page_id, reply } => {
            let r = pages::share(g, &by, page_id).await;
            let _ = reply.send(r);
            Changed::Nothing
        }
        Command::CreateCampaign { by, name, reply } => {
            answer(reply, campaigns::create(g, &by, name).await, |c| c.owner_id)
        }
        Command::AddStep {
            by,
            campaign_id,
            step,
            reply,
        } => {
            let r = campaigns::add_step(g, &by, campaign_id, step).await;
            let changed = if r.is_ok() {
                Changed::All
            } else {
                Changed::Nothing
            };
            let _ = reply.send(r.map(|(s, _)| s));
            changed
        }
        Command::RemoveStep {
            by,
            campaign_id,
            position,
            reply,
        } => {
            let r = campaigns::remove_step(g, &by, campaign_id, position).await;
            let changed = if r.is_ok() {
                Changed::All
            } else {
                Changed::Nothing
            };
            let _ = reply.send(r);
            changed
        }
        Command::Enroll {
            by,
            campaign_id,
            lead_id,
            reply,
        } => {
            let r = campaigns::enroll(g, &by, campaign_id, lead_id).await;
            let changed = r.as_ref().map(|p| touched(*p)).unwrap_or(Changed::Nothing);
            let _ = reply.send(r.map(|_| ()));
            changed
        }
        Command::Unenroll {
            by,
            campaign_id,
            lead_id,
            reply,
        } => {
            let r = campaigns::unenroll(g, &by, campaign_id, lead_id).await;
            let changed = r
                .as_ref()
                .map(|(p, _)| touched(*p))
                .unwrap_or(Changed::Nothing);
            let _ = reply.send(r.map(|(_, n)| n));
            changed
        }
        Command::StepDone {
            by,
            run_id,
            status,
            detail,
            reply,
        } => {
            let r = campaigns::step_done(g, &by, run_id, &status, &detail).await;
            let changed = match &r {
                Ok((_, Some(p))) => touched(*p),
                _ => Changed::Nothing,
            };
            let _ = reply.send(r.map(|(run, _)| run));
            changed
        }
        Command::Touched { partner } => touched(partner),
    }
}
