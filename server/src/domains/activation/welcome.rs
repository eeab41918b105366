//! The welcome in #welcome on a partner's first connection ever, once
//! across restarts and nodes: the welcome is claimed in Postgres (a unique
//! key per partner, reserving the message id) BEFORE it is posted; a post
//! lost to a failure after the claim is retried by the next connection with
//! the same id, which chat accepts only once.

use super::{Activation, NAME};
use crate::ids::UserId;
use crate::store::{NewActivity, StoreError};
use arena_protocol::model::Role;
use arena_protocol::ErrorCode;

/// The channel welcomes are posted in.
pub const WELCOME_CHANNEL: &str = "welcome";

/// Most members remembered as settled per tenant (welcomed or not
/// partners) before the memory is cleared.
const MAX_SETTLED: usize = 100_000;

/// The welcome's text for `name`.
pub fn text(name: &str) -> String {
    format!(
        "Welcome, {name}! Start with #starter-checklist; your application and agreement are in #onboarding-forms."
    )
}

/// Welcomes `member` if they are a partner never welcomed; true when the
/// claim was made now (their activity log changed). Failures are logged and
/// leave the claim for the next connection to finish.
pub(super) async fn welcome(a: &mut Activation, member: UserId) -> bool {
    if a.settled.contains(&member) {
        return false;
    }
    match run(a, member).await {
        Ok((claimed, settled)) => {
            if settled {
                if a.settled.len() >= MAX_SETTLED {
                    a.settled.clear();
                }
                a.settled.insert(member);
            }
            claimed
        }
        Err(e) => {
            tracing::warn!(tenant = %a.tenant_id, %member, error = %e.message, "activation: welcome not posted; the next connection retries");
            false
        }
    }
}

/// (claimed now, settled for good).
async fn run(a: &Activation, member: UserId) -> Result<(bool, bool), arena_protocol::ErrorBody> {
    let (s, t) = (&a.store, a.tenant_id);
    let user = match s.fetch_user(t, member).await {
        Ok(u) => u,
        Err(StoreError::NotFound) => return Ok((false, true)),
        Err(e) => return Err(crate::error::store_error(e)),
    };
    if user.role != Role::Partner.as_str() {
        return Ok((false, true));
    }
    let summary = "Welcomed in #welcome";
    let activity = NewActivity {
        id: a.ids.next_id().0 as i64,
        partner: member,
        actor: None,
        domain: NAME,
        verb: "welcome.posted",
        summary,
        data: serde_json::json!({}),
    };
    let candidate: crate::ids::MessageId = a.ids.next_id().into();
    let claim = s
        .insert_welcome_claim(t, member, candidate, &activity)
        .await
        .map_err(crate::error::store_error)?;
    let claimed = claim.message_id == Some(candidate);
    let Some(mid) = claim.message_id.filter(|_| claim.posted_at.is_none()) else {
        // Posted before, or welcomed before claims existed.
        return Ok((claimed, true));
    };
    let posted = match s.fetch_message(t, mid).await {
        Ok(_) => true,
        Err(StoreError::NotFound) => false,
        Err(e) => return Err(crate::error::store_error(e)),
    };
    if !posted {
        let author = s
            .fetch_system_user(t, a.ids.next_id().into())
            .await
            .map_err(crate::error::store_error)?
            .to_user();
        match a
            .links
            .chat()?
            .post_as_server(
                t,
                WELCOME_CHANNEL,
                &author,
                text(&user.display_name),
                None,
                Some(mid.snowflake()),
            )
            .await
        {
            Ok(_) => {}
            // Posted by another node (or a moderator removed it): either way, done.
            Err(e) if e.code == ErrorCode::Conflict => {}
            // No #welcome in this registry: nothing to post, nothing to retry.
            Err(e) if e.code == ErrorCode::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    s.update_welcome_posted(t, member)
        .await
        .map_err(crate::error::store_error)?;
    Ok((claimed, true))
}
