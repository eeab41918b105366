//! Badges: awarded by the rules of `[[enablement.badge]]` in program.toml,
//! each at most once per partner (the table's primary key), with an
//! activity entry, and announced in #spotlight by the system member.
//!
//! Checked after each change a partner makes in this domain and when the
//! revenue domain signals a deal win (the only source of `first_deal`).

use super::commands::{err, staff_only};
use super::config::Rule;
use super::views::BadgeView;
use super::{rules, Enablement, BADGE_AWARDED, SPOTLIGHT_CHANNEL};
use crate::error::store_error;
use crate::ids::UserId;
use crate::registry::Actor;
use crate::store::{NewActivity, StoreError};
use arena_protocol::model::{Card, Role};
use arena_protocol::{ErrorBody, ErrorCode};
use time::OffsetDateTime;

/// Awards every badge `partner` now meets and has not earned; `deal_won`
/// when called for a deal win. Answers how many were awarded. Only
/// partners earn badges.
pub(super) async fn check(
    e: &Enablement,
    partner: UserId,
    deal_won: bool,
) -> Result<usize, StoreError> {
    let (s, t) = (e.store(), e.tenant_id);
    let badges = &e.config().badge;
    if badges.is_empty() {
        return Ok(0);
    }
    let user = match s.fetch_user(t, partner).await {
        Ok(u) if u.role == Role::Partner.as_str() => u,
        Ok(_) | Err(StoreError::NotFound) => return Ok(0),
        Err(er) => return Err(er),
    };
    let earned = s.fetch_badge_awards(t, Some(partner)).await?;
    let open: Vec<_> = badges
        .iter()
        .filter(|b| !earned.iter().any(|a| a.badge == b.id))
        .collect();
    if open.is_empty() {
        return Ok(0);
    }
    let courses = if open
        .iter()
        .any(|b| matches!(b.rule(), Rule::CoursesCompleted(_)))
    {
        s.fetch_course_completions(t, Some(partner)).await?.len() as u32
    } else {
        0
    };
    let streak = match open
        .iter()
        .filter_map(|b| match b.rule() {
            Rule::WeeklyStreak(n) => Some(n),
            _ => None,
        })
        .max()
    {
        Some(n) => {
            let now = OffsetDateTime::now_utc();
            let since = now - time::Duration::weeks(i64::from(n) + 1);
            let weeks = s.fetch_active_weeks(t, partner, since).await?;
            rules::streak(&weeks, now.date())
        }
        None => 0,
    };
    let mut awarded = 0;
    for b in open {
        let meets = match b.rule() {
            Rule::FirstDeal => deal_won,
            Rule::CoursesCompleted(n) => courses >= n,
            Rule::WeeklyStreak(n) => streak >= n,
        };
        if !meets {
            continue;
        }
        let summary = format!("Earned the badge “{}”", b.name);
        let a = NewActivity {
            id: e.ctx.ids.next_id().0 as i64,
            partner,
            actor: None,
            domain: "enablement",
            verb: "badge.awarded",
            summary: &summary,
            data: serde_json::json!({"badge": b.id}),
        };
        if !s.insert_badge_award(t, partner, &b.id, &a).await? {
            continue;
        }
        awarded += 1;
        let content = format!(
            "🏅 {} earned the badge “{}”: {}",
            user.display_name,
            b.name,
            b.rule_text()
        );
        let card = Card {
            kind: BADGE_AWARDED.into(),
            data: serde_json::json!({"badge": b.id, "name": b.name, "rule": b.rule_text(),
                                     "partner_id": partner.to_string(), "partner_name": user.display_name}),
        };
        if let Err(er) = e
            .ctx
            .post_as_system(t, SPOTLIGHT_CHANNEL, content, Some(card))
            .await
        {
            tracing::warn!(tenant = %t, %partner, badge = %b.id, error = ?er, "badge awarded but its #spotlight post failed");
        }
    }
    Ok(awarded)
}

/// Every badge of the program with when `partner` earned it (absent: still
/// to earn). A partner reads their own (`forbidden` for another's); staff
/// name the partner (`bad_request` without one).
pub(super) async fn of(
    e: &Enablement,
    by: &Actor,
    partner: Option<UserId>,
) -> Result<Vec<BadgeView>, ErrorBody> {
    let partner = match (staff_only(by).is_ok(), partner) {
        (true, Some(p)) => p,
        (true, None) => {
            return Err(err(
                ErrorCode::BadRequest,
                "partner_id is required for staff",
            ))
        }
        (false, Some(p)) if p != by.user_id => {
            return Err(err(
                ErrorCode::Forbidden,
                "a partner reads only their own badges",
            ))
        }
        (false, _) => by.user_id,
    };
    let earned = e
        .store()
        .fetch_badge_awards(e.tenant_id, Some(partner))
        .await
        .map_err(store_error)?;
    Ok(e.config()
        .badge
        .iter()
        .map(|b| BadgeView {
            id: b.id.clone(),
            name: b.name.clone(),
            rule: b.rule_text(),
            awarded_at: earned
                .iter()
                .find(|a| a.badge == b.id)
                .map(|a| crate::store::rfc3339(a.awarded_at)),
        })
        .collect())
}
