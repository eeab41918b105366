//! Partner tiers (program.toml `[[tier]]`): a partner's tier follows their
//! won revenue over the trailing 90 days in the reporting currency. A
//! recorded win can promote (never demote: the seeded or staff-set tier is
//! kept until the revenue says more); a reversal re-evaluates both ways;
//! staff set a tier directly. Each change is written with its audit and
//! activity entries and the `tier.changed` webhook, then MEMBER_UPDATE goes
//! to the tenant, and [`crate::access`] moves the partner's open sessions
//! into the channels of the new tier and out of the old tier's.

use super::Revenue;
use crate::bus::Audience;
use crate::domains::money::money;
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{StoreError, TierChange};
use arena_protocol::event::MemberUpdate;
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode, Event};
use time::{Duration, OffsetDateTime};

/// The window of won revenue a tier is computed on.
pub const TRAILING_DAYS: i64 = 90;

/// A tier change as answered: `{partner_id, from, to}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub partner: UserId,
    pub from: Option<String>,
    pub to: String,
}

impl Changed {
    /// The wire shape `{partner_id, from, to}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "partner_id": self.partner.to_string(), "from": self.from, "to": self.to })
    }
}

/// The partner's won revenue over the trailing window, reporting minor units.
pub(super) async fn trailing(r: &Revenue, partner: UserId) -> Result<i64, StoreError> {
    let since = OffsetDateTime::now_utc() - Duration::days(TRAILING_DAYS);
    let won = r
        .store
        .fetch_partner_won_since(r.tenant_id, partner, since)
        .await?;
    Ok(won
        .iter()
        .filter_map(|(cur, amount)| r.program.to_reporting(*amount, cur))
        .fold(0, i64::saturating_add))
}

/// Re-evaluates `partner`'s tier after a win (`demote` false: only up) or
/// a reversal (`demote` true: either way). `Ok(None)` when it stays.
pub(super) async fn evaluate(
    r: &Revenue,
    partner: UserId,
    demote: bool,
) -> Result<Option<Changed>, ErrorBody> {
    let user = r
        .store
        .fetch_user(r.tenant_id, partner)
        .await
        .map_err(store_error)?;
    if user.role != Role::Partner.as_str() {
        return Ok(None);
    }
    let revenue = trailing(r, partner).await.map_err(store_error)?;
    let earned = r.program.tier_for(revenue);
    let rank =
        |name: Option<&str>| name.and_then(|n| r.program.tier.iter().position(|t| t.name == n));
    let (now, next) = (rank(user.tier.as_deref()), rank(Some(&earned.name)));
    let moves = match (now, next) {
        (Some(a), Some(b)) => b > a || (demote && b < a),
        _ => true,
    };
    if !moves {
        return Ok(None);
    }
    let reason = format!(
        "won {} in the last {TRAILING_DAYS} days",
        money(revenue, &r.program.currency)
    );
    apply(r, partner, user.tier, earned.name.clone(), None, reason).await
}

/// Staff set `partner`'s tier to `tier` (`forbidden` for others,
/// `bad_request` for a tier the program lacks or a member who is no
/// partner). Setting the current tier changes nothing.
pub(super) async fn set(
    r: &Revenue,
    by: &Actor,
    partner: UserId,
    tier: &str,
) -> Result<Changed, ErrorBody> {
    if !by.role.is_staff() || by.bot.is_some() {
        return Err(ErrorBody::new(ErrorCode::Forbidden, "staff only"));
    }
    if r.program.tier(tier).is_none() {
        let names: Vec<&str> = r.program.tier.iter().map(|t| t.name.as_str()).collect();
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!("tier must be one of {}", names.join(", ")),
        ));
    }
    let user = match r.store.fetch_user(r.tenant_id, partner).await {
        Ok(u) if u.role == Role::Partner.as_str() => u,
        Ok(_) => {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                "the member is no partner",
            ))
        }
        Err(StoreError::NotFound) => {
            return Err(ErrorBody::new(ErrorCode::NotFound, "no such member"))
        }
        Err(e) => return Err(store_error(e)),
    };
    if user.tier.as_deref() == Some(tier) {
        return Ok(Changed {
            partner,
            from: user.tier.clone(),
            to: tier.to_owned(),
        });
    }
    let reason = "set by staff".to_owned();
    let changed = apply(
        r,
        partner,
        user.tier,
        tier.to_owned(),
        Some(by.user_id),
        reason,
    )
    .await?;
    changed.ok_or_else(|| ErrorBody::new(ErrorCode::Internal, "tier change not applied"))
}

/// Writes the change and announces it with MEMBER_UPDATE.
async fn apply(
    r: &Revenue,
    partner: UserId,
    from: Option<String>,
    to: String,
    by: Option<UserId>,
    reason: String,
) -> Result<Option<Changed>, ErrorBody> {
    let change = TierChange {
        partner,
        from: from.clone(),
        to: to.clone(),
        by,
        reason,
        audit_id: r.ids.next_id().0 as i64,
        activity_id: r.ids.next_id().0 as i64,
    };
    match r.store.update_partner_tier(r.tenant_id, &change).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(ErrorBody::new(
                ErrorCode::Conflict,
                "the tier changed meanwhile; retry",
            ))
        }
        Err(e) => return Err(store_error(e)),
    }
    metrics::counter!("arena_tier_changes_total").increment(1);
    r.bus.publish(
        Audience::Tenant(r.tenant_id),
        Event::MemberUpdate(MemberUpdate {
            user_id: partner.snowflake(),
            muted_until: None,
            muted_reason: None,
            role: None,
            tier: Some(to.clone()),
            ..Default::default()
        }),
    );
    Ok(Some(Changed { partner, from, to }))
}

/// `Command::SetTier`: sets the tier, answers, and says which projections
/// moved (the partner's and the program's, when the tier changed).
pub(super) async fn run_set(
    r: &Revenue,
    by: &Actor,
    partner: UserId,
    tier: &str,
    reply: super::ledger::Reply<Changed>,
) -> crate::domains::Changed {
    let result = set(r, by, partner, tier).await;
    let changed = match &result {
        Ok(c) if c.from.as_deref() != Some(c.to.as_str()) => crate::domains::Changed::Only(vec![
            crate::bus::Projection::Partner(partner),
            crate::bus::Projection::Program,
        ]),
        _ => crate::domains::Changed::Nothing,
    };
    let _ = reply.send(result);
    changed
}

/// A win may lift the partner into a higher tier; a failure is logged (the
/// win stands, the next one re-evaluates).
pub(super) async fn promote(r: &Revenue, partner: UserId) {
    if let Err(e) = evaluate(r, partner, false).await {
        tracing::warn!(error = ?e, "tier evaluation after a win failed");
    }
}
