//! The onboarding checklist: where each partner stands (computed from the
//! stored ticks and the domain's own records), the partner's own ticks, and
//! the ticks facts make (signals from other domains, a post in
//! #introductions). Ticks are idempotent: a fact arriving twice changes
//! nothing and writes no second activity entry.

use super::config::{Auto, Onboarding};
use super::views::{ItemView, ProgressView};
use super::{Activation, NAME};
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{rfc3339, AgreementRow, ApplicationRow, NewActivity, PartnerRow, TickRow};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

/// Most partners the program's progress covers (the oldest first).
pub const MAX_PARTNERS: i64 = 5000;

/// The facts of one partner the checklist is computed from.
#[derive(Debug, Default, Clone, Copy)]
pub struct Facts<'a> {
    pub ticks: &'a [&'a TickRow],
    pub application: Option<&'a ApplicationRow>,
    /// The acceptance of the current agreement version, if any.
    pub agreement: Option<&'a AgreementRow>,
}

/// The items as the partner with `facts` stands with them, in program order.
pub fn items(cfg: &Onboarding, facts: Facts<'_>) -> Vec<ItemView> {
    cfg.item
        .iter()
        .map(|it| {
            let done_at = match it.auto {
                Some(Auto::ApplicationApproved) => facts
                    .application
                    .filter(|a| a.status == "approved")
                    .map(|a| a.updated_at),
                Some(Auto::AgreementAccepted) => facts.agreement.map(|a| a.accepted_at),
                _ => facts
                    .ticks
                    .iter()
                    .find(|t| t.item_key == it.key && t.done)
                    .map(|t| t.updated_at),
            };
            ItemView {
                key: it.key.clone(),
                label: it.label.clone(),
                done: done_at.is_some(),
                done_at: done_at.map(rfc3339),
                auto: it.auto.is_some(),
                hint: it.hint.clone(),
            }
        })
        .collect()
}

/// The progress of `partner` with `items`: done of total, the newest tick
/// (or the join time), and whether they are stuck at `now`.
pub fn progress(
    cfg: &Onboarding,
    partner: &PartnerRow,
    items: &[ItemView],
    facts: Facts<'_>,
    now: OffsetDateTime,
) -> ProgressView {
    let done = items.iter().filter(|i| i.done).count();
    let newest = newest_tick(cfg, facts).unwrap_or(partner.created_at);
    let idle = now - newest;
    ProgressView {
        partner_id: partner.id.to_string(),
        display_name: partner.display_name.clone(),
        done,
        total: items.len(),
        last_progress_at: rfc3339(newest),
        stuck: done < items.len() && idle >= Duration::days(i64::from(cfg.stuck_after_days)),
        application: facts.application.map(|a| a.status.clone()),
    }
}

/// When the partner last ticked an item that is still done.
fn newest_tick(cfg: &Onboarding, facts: Facts<'_>) -> Option<OffsetDateTime> {
    let approved = cfg
        .item_for(Auto::ApplicationApproved)
        .and(facts.application.filter(|a| a.status == "approved"))
        .map(|a| a.updated_at);
    let agreed = cfg
        .item_for(Auto::AgreementAccepted)
        .and(facts.agreement)
        .map(|a| a.accepted_at);
    facts
        .ticks
        .iter()
        .filter(|t| t.done && cfg.item(&t.item_key).is_some())
        .map(|t| t.updated_at)
        .chain(approved)
        .chain(agreed)
        .max()
}

/// Every partner's facts, read at once (the program's view).
pub struct Everyone {
    pub partners: Vec<PartnerRow>,
    pub ticks: HashMap<UserId, Vec<TickRow>>,
    pub applications: HashMap<UserId, ApplicationRow>,
    pub agreements: HashMap<UserId, AgreementRow>,
}

impl Everyone {
    /// Reads the tenant's partners (at most [`MAX_PARTNERS`]) and their facts.
    pub async fn read(a: &Activation) -> Result<Everyone, crate::store::StoreError> {
        let (s, t) = (&a.store, a.tenant_id);
        let partners = s.fetch_partners(t, MAX_PARTNERS).await?;
        let mut ticks: HashMap<UserId, Vec<TickRow>> = HashMap::new();
        for row in s.fetch_ticks(t, None).await? {
            ticks.entry(row.partner_id).or_default().push(row);
        }
        let applications = s
            .fetch_applications(t, MAX_PARTNERS)
            .await?
            .into_iter()
            .map(|r| (r.partner_id, r))
            .collect();
        let agreements = s
            .fetch_agreements(t, None, &a.cfg().agreement_version)
            .await?
            .into_iter()
            .map(|r| (r.partner_id, r))
            .collect();
        Ok(Everyone {
            partners,
            ticks,
            applications,
            agreements,
        })
    }

    /// Each partner's progress, stuck ones first, then by least done.
    pub fn progress(&self, cfg: &Onboarding, now: OffsetDateTime) -> Vec<ProgressView> {
        let mut all: Vec<ProgressView> = self
            .partners
            .iter()
            .map(|p| {
                let ticks: Vec<&TickRow> = self.ticks.get(&p.id).into_iter().flatten().collect();
                let facts = Facts {
                    ticks: &ticks,
                    application: self.applications.get(&p.id),
                    agreement: self.agreements.get(&p.id),
                };
                progress(cfg, p, &items(cfg, facts), facts, now)
            })
            .collect();
        all.sort_by(|a, b| {
            b.stuck
                .cmp(&a.stuck)
                .then(a.done.cmp(&b.done))
                .then(a.display_name.cmp(&b.display_name))
        });
        all
    }
}

/// A partner ticks (`done`) or unticks their own item `key`. Errors:
/// `forbidden` for anyone but a partner, `bad_request` for an unknown item
/// or one that ticks itself from a fact.
pub(super) async fn tick(
    a: &Activation,
    by: &Actor,
    key: &str,
    done: bool,
) -> Result<bool, ErrorBody> {
    if by.role != Role::Partner || by.bot.is_some() {
        return Err(ErrorBody::new(
            ErrorCode::Forbidden,
            "only partners tick their own checklist",
        ));
    }
    let item = a.cfg().item(key).ok_or_else(|| {
        ErrorBody::new(ErrorCode::BadRequest, format!("no checklist item {key:?}"))
    })?;
    if item.auto.is_some() {
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!("“{}” ticks itself; it cannot be ticked by hand", item.label),
        ));
    }
    let summary = if done {
        format!("Ticked “{}”", item.label)
    } else {
        format!("Unticked “{}”", item.label)
    };
    let activity = NewActivity {
        id: a.ids.next_id().0 as i64,
        partner: by.user_id,
        actor: Some(by.user_id),
        domain: NAME,
        verb: if done {
            "checklist.ticked"
        } else {
            "checklist.unticked"
        },
        summary: &summary,
        data: serde_json::json!({ "item": key, "done": done }),
    };
    a.store
        .update_tick(a.tenant_id, by.user_id, key, done, "partner", &activity)
        .await
        .map_err(store_error)
}

/// Ticks the item the fact `auto` ticks for `partner` (if the program has
/// one), from `source` (`signal` or `event`), saying `why`; true when it
/// was not ticked before. Failures are logged (a later fact retries).
pub(super) async fn tick_fact(
    a: &Activation,
    partner: UserId,
    actor: Option<UserId>,
    auto: Auto,
    source: &str,
    why: &str,
) -> bool {
    let Some(item) = a.cfg().item_for(auto) else {
        return false;
    };
    let summary = format!("“{}” ticked: {why}", item.label);
    let activity = NewActivity {
        id: a.ids.next_id().0 as i64,
        partner,
        actor,
        domain: NAME,
        verb: "checklist.ticked",
        summary: &summary,
        data: serde_json::json!({ "item": item.key, "done": true, "source": source }),
    };
    match a
        .store
        .update_tick(a.tenant_id, partner, &item.key, true, source, &activity)
        .await
    {
        Ok(changed) => changed,
        Err(e) => {
            tracing::warn!(error = %e, tenant = %a.tenant_id, %partner, item = %item.key, "activation: tick from a fact failed");
            false
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domains::activation::config::Item;

    fn cfg() -> Onboarding {
        let item = |key: &str, auto| Item {
            key: key.into(),
            label: key.to_uppercase(),
            auto,
            hint: None,
        };
        Onboarding {
            stuck_after_days: 7,
            item: vec![
                item("profile", None),
                item("agreement", Some(Auto::AgreementAccepted)),
                item("payout", Some(Auto::PayoutAccountActive)),
            ],
            ..Onboarding::default()
        }
    }

    fn tick(key: &str, done: bool, at: OffsetDateTime) -> TickRow {
        TickRow {
            partner_id: UserId(1),
            item_key: key.into(),
            done,
            source: "partner".into(),
            updated_at: at,
        }
    }

    #[test]
    fn progress_counts_done_items_and_finds_the_stuck() {
        let now = OffsetDateTime::now_utc();
        let joined = now - Duration::days(30);
        let partner = PartnerRow {
            id: UserId(1),
            display_name: "Ana".into(),
            created_at: joined,
        };
        let cfg = cfg();
        // Nothing ticked since joining 30 days ago: stuck.
        let facts = Facts::default();
        let p = progress(&cfg, &partner, &items(&cfg, facts), facts, now);
        assert_eq!((p.done, p.total, p.stuck), (0, 3, true));
        // A tick two days ago: progressing; an unticked row counts for nothing.
        let t = [
            tick("profile", true, now - Duration::days(2)),
            tick("payout", false, now),
        ];
        let refs: Vec<&TickRow> = t.iter().collect();
        let facts = Facts {
            ticks: &refs,
            ..Facts::default()
        };
        let its = items(&cfg, facts);
        assert_eq!(
            its.iter().map(|i| i.done).collect::<Vec<_>>(),
            [true, false, false]
        );
        let p = progress(&cfg, &partner, &its, facts, now);
        assert_eq!((p.done, p.stuck), (1, false));
        // Everything done long ago: finished, never stuck.
        let agreement = AgreementRow {
            partner_id: UserId(1),
            version: "1".into(),
            accepted_at: joined,
        };
        let t = [tick("profile", true, joined), tick("payout", true, joined)];
        let refs: Vec<&TickRow> = t.iter().collect();
        let facts = Facts {
            ticks: &refs,
            application: None,
            agreement: Some(&agreement),
        };
        let p = progress(&cfg, &partner, &items(&cfg, facts), facts, now);
        assert_eq!((p.done, p.stuck), (3, false));
    }
}
