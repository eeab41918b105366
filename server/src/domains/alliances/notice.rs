//! `[alliances]` in `program.toml` and the staff notice an alliance going
//! active posts there (issue 15 "Live"): the system member "Arena" posts
//! the alliance's name, tier and region in the configured channel, after
//! the move committed. A failed post is logged and does not undo the move.

use super::Alliances;
use crate::registry::Actor;
use crate::store::AllianceRow;
use serde::Deserialize;

/// The notice channel when `program.toml` names none.
pub const DEFAULT_NOTICE_CHANNEL: &str = "alliance-notices";

/// `[alliances]`; every key has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlliancesConfig {
    /// The channel key (channels.toml) the "went active" notice is posted in;
    /// meant for a staff-only feed. Default `alliance-notices`.
    #[serde(default = "default_channel")]
    pub notice_channel: String,
}

fn default_channel() -> String {
    DEFAULT_NOTICE_CHANNEL.to_owned()
}

impl Default for AlliancesConfig {
    fn default() -> Self {
        AlliancesConfig {
            notice_channel: default_channel(),
        }
    }
}

/// Posts "<name> is now active" in the notice channel.
pub(super) async fn went_active(al: &Alliances, by: &Actor, a: &AllianceRow) {
    let key = al.ctx.program.alliances.notice_channel.clone();
    let by_name = match al.store().fetch_user(al.tenant_id, by.user_id).await {
        Ok(u) => u.display_name,
        Err(_) => "staff".to_owned(),
    };
    let mut details: Vec<&str> = Vec::new();
    if !a.tier.is_empty() {
        details.push(&a.tier);
    }
    if !a.region.is_empty() {
        details.push(&a.region);
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    let content = format!(
        "🤝 Alliance **{}**{details} is now active (moved by {}). Open #alliance-directory for its record.",
        a.name, by_name
    );
    if let Err(e) = al
        .ctx
        .post_as_system(al.tenant_id, &key, content, None)
        .await
    {
        tracing::warn!(channel = %key, alliance = a.id, error = %e.message, "alliance notice not posted");
    }
}
