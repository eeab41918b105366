//! Direct messages (PROTOCOL.md §4 `dm.open`): one channel of kind `dm` per
//! pair of members of a tenant, created on first use and returned after.
//! It behaves as a chat channel (history, edits, reactions, read states,
//! RESUME) whose read and post rule names exactly its two members, so
//! nobody else reads it, admins included (`ChannelInfo::can_read`).
//!
//! A partner may refuse DMs opened by other partners
//! (`allow_partner_dms`); staff and admins may always open one.

use super::{err, Chat, Kind};
use crate::bus::Control;
use crate::error::store_error;
use crate::ids::{ChannelId, TenantId, UserId};
use crate::registry::{Actor, DM_NAME_SEPARATOR};
use arena_protocol::model::{Channel, Role};
use arena_protocol::request::DmOpen;
use arena_protocol::{ErrorBody, ErrorCode};

/// The registry key of the DM channel of two members: `dm:{low id}:{high id}`.
pub fn dm_key(a: UserId, b: UserId) -> String {
    let (lo, hi) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    format!("dm:{}:{}", lo.0, hi.0)
}

impl Chat {
    /// `dm.open {user_id}`: the caller's DM channel with that member,
    /// created (and joined by both members' open sessions on every node,
    /// CHANNEL_CREATE) on first use. Errors: `forbidden` for a bot token or
    /// a partner the other partner does not take DMs from; `bad_request`
    /// for oneself or a bot; `not_found` for a member of no such id in the
    /// caller's tenant; `rate_limited` past the REST write budget.
    pub async fn open_dm(&self, actor: &Actor, p: DmOpen) -> Result<Channel, ErrorBody> {
        if actor.bot.is_some() || actor.role == Role::Bot {
            return Err(err(
                ErrorCode::Forbidden,
                "bots do not open direct messages",
            ));
        }
        let target = UserId::from(p.user_id);
        if target == actor.user_id {
            return Err(err(
                ErrorCode::BadRequest,
                "a direct message needs another member",
            ));
        }
        self.limiter.check(actor, Kind::RestWrite).await?;
        let other = self
            .store
            .fetch_user(actor.tenant_id, target)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::NotFound => err(ErrorCode::NotFound, "unknown member"),
                e => store_error(e),
            })?;
        if other.role == Role::Bot.as_str() {
            return Err(err(
                ErrorCode::BadRequest,
                "bots do not take direct messages",
            ));
        }
        let both_partners = actor.role == Role::Partner && other.role == Role::Partner.as_str();
        if both_partners
            && !self
                .store
                .fetch_allows_partner_dms(actor.tenant_id, target)
                .await
                .map_err(store_error)?
        {
            return Err(err(
                ErrorCode::Forbidden,
                format!(
                    "{} does not take direct messages from partners",
                    other.display_name
                ),
            ));
        }
        let me = self
            .store
            .fetch_user(actor.tenant_id, actor.user_id)
            .await
            .map_err(store_error)?;
        let (lo, hi) = if me.id.0 <= other.id.0 {
            (&me, &other)
        } else {
            (&other, &me)
        };
        let row = self
            .store
            .insert_dm_channel(
                actor.tenant_id,
                ChannelId::from(self.ids.next_id()),
                &dm_key(lo.id, hi.id),
                &format!("{}{DM_NAME_SEPARATOR}{}", lo.display_name, hi.display_name),
                &[format!("user:{}", lo.id.0), format!("user:{}", hi.id.0)],
            )
            .await
            .map_err(store_error)?;
        if self.registry.channel(actor.tenant_id, row.id).is_none() {
            self.registry.upsert_channel(&row);
            let members = [lo.id, hi.id];
            for m in members {
                self.access.rejoin(actor.tenant_id, m);
            }
            self.publisher.control(Control::ChannelOpened {
                tenant_id: actor.tenant_id,
                channel_id: row.id,
                members,
            });
        }
        let info = self
            .registry
            .channel(actor.tenant_id, row.id)
            .ok_or_else(|| err(ErrorCode::Internal, "direct message channel not loaded"))?;
        Ok(info.to_wire(actor, row.last_seq.max(0) as u64, row.last_message_id))
    }

    /// The member took a new display name: their DM channels carry it from
    /// now on (stored, this node's registry, and every other node's through
    /// the same control a DM opened elsewhere sends). Their open sessions
    /// learn it from MEMBER_UPDATE `display_name`; READY names DMs anew.
    pub async fn member_renamed(
        &self,
        tenant_id: TenantId,
        user_id: UserId,
        display_name: &str,
    ) -> Result<(), ErrorBody> {
        let rows = self
            .store
            .rename_in_dms(tenant_id, user_id, display_name)
            .await
            .map_err(store_error)?;
        for row in rows {
            self.registry.upsert_channel(&row);
            let members: Vec<UserId> = row
                .key
                .strip_prefix("dm:")
                .into_iter()
                .flat_map(|k| k.split(':'))
                .filter_map(|id| id.parse().ok().map(UserId))
                .collect();
            if let [a, b] = members[..] {
                self.publisher.control(Control::ChannelOpened {
                    tenant_id,
                    channel_id: row.id,
                    members: [a, b],
                });
            }
        }
        Ok(())
    }

    /// Another node opened a DM channel: load it into this node's registry
    /// and join its members' sessions here (in the background; a failure to
    /// read it is logged, and the members' next IDENTIFY lists it).
    pub fn channel_opened_elsewhere(
        &self,
        tenant_id: TenantId,
        channel_id: ChannelId,
        members: [UserId; 2],
    ) {
        let this = self.clone();
        self.access.tasks.spawn(async move {
            match this.store.fetch_channel(tenant_id, channel_id).await {
                Ok(row) => {
                    this.registry.upsert_channel(&row);
                    for m in members {
                        this.access.rejoin(tenant_id, m);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, channel = %channel_id, "a channel opened on another node could not be read")
                }
            }
        });
    }

    /// Sets whether `actor` takes DMs opened by other partners.
    pub async fn set_partner_dms(&self, actor: &Actor, allow: bool) -> Result<(), ErrorBody> {
        self.store
            .update_allows_partner_dms(actor.tenant_id, actor.user_id, allow)
            .await
            .map_err(store_error)
    }
}
