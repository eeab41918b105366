//! The `deal_win` card in #deal-wins, posted by the revenue actor itself
//! once a deal is recorded, whoever recorded it (a bot over REST, staff, an
//! opportunity won in client-exchange, a referral).

use super::{Recorded, Revenue, DEAL_WIN, DEAL_WINS_CHANNEL};
use crate::domains::money::money;
use crate::error::store_error;
use crate::registry::Actor;
use crate::store::StoreError;
use arena_protocol::model::Card;
use arena_protocol::{ErrorBody, ErrorCode};

/// Makes sure the card of `r`'s deal is posted and returns `r` with its
/// `message_id`. The card's id is reserved on the deal first, so repeated
/// or concurrent recordings post one card, and a card lost to a failure
/// after the reservation is posted by the next recording with the same id.
/// Errors: chat's (`unavailable` when group commit is full) or the store's.
pub(super) async fn ensure_posted(
    rev: &Revenue,
    by: &Actor,
    mut r: Recorded,
) -> Result<Recorded, ErrorBody> {
    let tenant = rev.tenant_id;
    let mid = match r.deal.message_id {
        Some(m) => m,
        None => rev
            .store
            .update_deal_message_claim(tenant, &r.deal.deal_id, rev.ids.next_id().into())
            .await
            .map_err(store_error)?,
    };
    r.deal.message_id = Some(mid);
    match rev.store.fetch_message(tenant, mid).await {
        Ok(_) => return Ok(r),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(store_error(e)),
    }
    let partner = rev
        .store
        .fetch_user(tenant, r.deal.partner_id)
        .await
        .map_err(store_error)?;
    let author = rev
        .store
        .fetch_user(tenant, by.user_id)
        .await
        .map_err(store_error)?
        .to_user();
    let content = format!(
        "🎉 {} closed {}: {}",
        partner.display_name,
        r.deal.client,
        money(r.deal.amount_minor, &r.deal.currency)
    );
    let card = Card {
        kind: DEAL_WIN.into(),
        data: serde_json::json!({
            "deal_id": r.deal.deal_id,
            "partner_id": r.deal.partner_id.to_string(),
            "partner_name": partner.display_name,
            "client": r.deal.client,
            "amount_minor": r.deal.amount_minor,
            "currency": r.deal.currency,
        }),
    };
    match rev
        .links
        .chat()?
        .post_as_server(
            tenant,
            DEAL_WINS_CHANNEL,
            &author,
            content,
            Some(card),
            Some(mid.snowflake()),
        )
        .await
    {
        Ok(_) => Ok(r),
        // Another recording posted it between our check and our post.
        Err(e) if e.code == ErrorCode::Conflict => Ok(r),
        Err(e) => Err(e),
    }
}
