//! Who may read and post: principals from channels.toml matched against the
//! acting member's role and tier.

use crate::ids::{TenantId, UserId};
use arena_protocol::model::Role;
use std::sync::Arc;

/// The member a request acts for, from the verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The tenant the token was issued in; every lookup is scoped to it.
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub role: Role,
    /// The partner tier (`bronze` … `platinum`), for partners only.
    pub tier: Option<String>,
    /// Set when the request authenticated with a bot token: what the token
    /// allows. A bot logged in with a password has none (rules only).
    pub bot: Option<Arc<BotGrant>>,
}

/// What a bot token allows (PROTOCOL.md §7 bots): the domain APIs named by
/// its scopes, and only the channels listed (by key), within the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotGrant {
    /// The token's id (rotation and revocation name it).
    pub token_id: i64,
    /// Domain scopes, e.g. `revenue`.
    pub scopes: Vec<String>,
    /// Channel keys the bot may read and post in.
    pub channels: Vec<String>,
}

impl Actor {
    /// The same member through the same credential kind (the same bot
    /// token, or no bot token): role and tier may differ, they change while
    /// a session lives.
    pub fn same_principal(&self, other: &Actor) -> bool {
        self.tenant_id == other.tenant_id
            && self.user_id == other.user_id
            && self.bot.as_ref().map(|b| b.token_id) == other.bot.as_ref().map(|b| b.token_id)
    }

    /// A member acting with their own rights (no bot grant).
    pub fn member(tenant_id: TenantId, user_id: UserId, role: Role, tier: Option<String>) -> Actor {
        Actor {
            tenant_id,
            user_id,
            role,
            tier,
            bot: None,
        }
    }

    /// May this actor call the domain API `scope`? Staff and admins always;
    /// a bot token only with the scope; nobody else.
    pub fn has_scope(&self, scope: &str) -> bool {
        match &self.bot {
            Some(g) => g.scopes.iter().any(|s| s == scope),
            None => self.role.is_staff(),
        }
    }

    /// Does a bot grant (if any) admit the channel `key`?
    pub fn grant_admits(&self, key: &str) -> bool {
        self.bot
            .as_ref()
            .is_none_or(|g| g.channels.iter().any(|c| c == key))
    }
}

/// A principal of a read or post rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Every member of the tenant.
    Everyone,
    /// Members with this role.
    Role(Role),
    /// Exactly this member (`user:<id>`): the two members of a direct
    /// message channel.
    User(UserId),
    /// Partners of exactly this tier.
    Tier(String),
}

/// The tiers a `tier:` principal may name, lowest first.
pub const TIERS: [&str; 4] = ["bronze", "silver", "gold", "platinum"];

impl Principal {
    /// Parses `everyone`, `role:<role>`, `tier:<tier>` or `user:<id>`; `None` if unknown.
    pub fn parse(s: &str) -> Option<Principal> {
        if s == "everyone" {
            return Some(Principal::Everyone);
        }
        if let Some(r) = s.strip_prefix("role:") {
            return Role::parse(r).map(Principal::Role);
        }
        if let Some(t) = s.strip_prefix("tier:") {
            return TIERS.contains(&t).then(|| Principal::Tier(t.to_owned()));
        }
        if let Some(u) = s.strip_prefix("user:") {
            return u.parse().ok().map(|id| Principal::User(UserId(id)));
        }
        None
    }
}

/// Does any principal of `rule` match `actor`? Staff rules also admit admins.
pub fn allows(rule: &[Principal], actor: &Actor) -> bool {
    rule.iter().any(|p| match p {
        Principal::Everyone => true,
        Principal::Role(Role::Staff) => actor.role.is_staff(),
        Principal::Role(r) => *r == actor.role,
        Principal::User(u) => *u == actor.user_id && actor.bot.is_none(),
        Principal::Tier(t) => {
            actor.role == Role::Partner && actor.tier.as_deref() == Some(t.as_str())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, tier: Option<&str>) -> Actor {
        Actor::member(TenantId(1), UserId(1), role, tier.map(str::to_owned))
    }

    #[test]
    fn tiers_and_roles_match_exactly() {
        let rule = vec![Principal::Role(Role::Staff), Principal::Tier("gold".into())];
        assert!(allows(&rule, &actor(Role::Partner, Some("gold"))));
        assert!(!allows(&rule, &actor(Role::Partner, Some("silver"))));
        assert!(allows(&rule, &actor(Role::Staff, None)));
        assert!(allows(&rule, &actor(Role::Admin, None)));
        assert!(!allows(&rule, &actor(Role::Bot, None)));
    }

    #[test]
    fn unknown_principals_are_refused() {
        assert_eq!(Principal::parse("tier:diamond"), None);
        assert_eq!(Principal::parse("role:owner"), None);
        assert_eq!(Principal::parse("everyone"), Some(Principal::Everyone));
        assert_eq!(
            Principal::parse("user:42"),
            Some(Principal::User(UserId(42)))
        );
        assert_eq!(Principal::parse("user:ana"), None);
    }
}
