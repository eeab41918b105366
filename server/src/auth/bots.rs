//! Bot accounts and their API tokens (PROTOCOL.md §7): a bot is a member
//! with role `bot`; each token is 256 random bits shown once and stored as
//! its SHA-256, with the scopes (domain APIs) and channels it grants.
//! [`principal`] accepts a bot token or a JWT wherever a token is taken.

use super::{random_token, token_hash, AuthError, Grant, Tokens};
use crate::ids::{TenantId, UserId};
use crate::registry::{Actor, BotGrant, Registry};
use crate::store::{NewBotToken, Store, StoreError};
use arena_protocol::model::Role;
use arena_protocol::SnowflakeGenerator;
use std::sync::Arc;

/// Prefix of every bot token: tells it from a JWT without a database lookup.
pub const BOT_TOKEN_PREFIX: &str = "arb_";

/// Scopes a bot token may carry: the domains with an API for bots.
pub const SCOPES: [&str; 2] = ["revenue", "growth-hub"];

/// Longest bot name, characters.
const MAX_NAME: usize = 64;

/// A bot token just made: the token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct CreatedBot {
    pub user_id: UserId,
    pub token_id: i64,
    pub token: String,
}

/// Why a bot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The grant a token asks for, checked against the tenant's registry.
#[derive(Debug, Clone)]
pub struct BotSpec {
    pub name: String,
    /// Channel keys.
    pub channels: Vec<String>,
    pub scopes: Vec<String>,
}

impl BotSpec {
    fn validate(&self, registry: &Registry, tenant_id: TenantId) -> Result<(), BotError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > MAX_NAME || self.name.chars().any(char::is_control) {
            return Err(BotError::Invalid(format!(
                "name must be 1..{MAX_NAME} characters without control characters"
            )));
        }
        let reg = registry.tenant(tenant_id);
        if let Some(k) = self.channels.iter().find(|k| reg.by_key(k).is_none()) {
            return Err(BotError::Invalid(format!("unknown channel {k:?}")));
        }
        if let Some(s) = self.scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
            return Err(BotError::Invalid(format!(
                "unknown scope {s:?} (known: {})",
                SCOPES.join(", ")
            )));
        }
        Ok(())
    }
}

/// The bot's email: bots have no mailbox; the address only keys the member row.
fn bot_email(name: &str) -> String {
    let slug: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{slug}@bots.arena")
}

/// Makes (or finds, by name) the bot member of `tenant_id` and issues it a
/// new token with `spec`'s grant.
pub async fn create_bot(
    store: &Store,
    registry: &Registry,
    ids: &SnowflakeGenerator,
    tenant_id: TenantId,
    spec: &BotSpec,
    created_by: Option<UserId>,
) -> Result<CreatedBot, BotError> {
    registry.ensure_tenant(store, tenant_id).await?;
    spec.validate(registry, tenant_id)?;
    let email = bot_email(&spec.name);
    let user = match store.fetch_user_by_email(tenant_id, &email).await {
        Ok(u) if u.role == Role::Bot.as_str() => u,
        Ok(_) => return Err(BotError::Invalid("that name belongs to a member".into())),
        Err(StoreError::NotFound) => {
            store
                .insert_user(
                    tenant_id,
                    ids.next_id().into(),
                    &email,
                    spec.name.trim(),
                    Role::Bot.as_str(),
                    None,
                    None,
                )
                .await?
        }
        Err(e) => return Err(e.into()),
    };
    issue_token(
        store,
        ids,
        tenant_id,
        user.id,
        &spec.channels,
        &spec.scopes,
        created_by,
    )
    .await
}

/// Issues a new token to the bot member `user_id` with this grant.
pub async fn issue_token(
    store: &Store,
    ids: &SnowflakeGenerator,
    tenant_id: TenantId,
    user_id: UserId,
    channels: &[String],
    scopes: &[String],
    created_by: Option<UserId>,
) -> Result<CreatedBot, BotError> {
    let token = format!("{BOT_TOKEN_PREFIX}{}", random_token());
    let token_id = ids.next_id().0 as i64;
    store
        .insert_bot_token(&NewBotToken {
            tenant_id,
            id: token_id,
            user_id,
            token_hash: &token_hash(&token),
            scopes,
            channels,
            created_by,
        })
        .await?;
    Ok(CreatedBot {
        user_id,
        token_id,
        token,
    })
}

/// Who a token names: a bot token is looked up (its grant, role bot; no
/// [`Grant`]: it lives until revoked); a JWT is only verified, its role and
/// tier as of issue, with its [`Grant`] (see [`super::grant::admit`]).
pub async fn principal(
    tokens: &Tokens,
    store: &Store,
    token: &str,
) -> Result<(Actor, Option<Grant>), AuthError> {
    if !token.starts_with(BOT_TOKEN_PREFIX) {
        return tokens.verify(token).map(|(a, g)| (a, Some(g)));
    }
    let row = match store.fetch_bot_token(&token_hash(token)).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => {
            return Err(AuthError::Invalid("unknown or revoked bot token".into()))
        }
        Err(e) => return Err(AuthError::Unavailable(e.to_string())),
    };
    if row.role != Role::Bot.as_str() {
        return Err(AuthError::Invalid(
            "bot token of a member who is no bot".into(),
        ));
    }
    let mut actor = Actor::member(row.tenant_id, row.user_id, Role::Bot, None);
    actor.bot = Some(Arc::new(BotGrant {
        token_id: row.id,
        scopes: row.scopes,
        channels: row.channels,
    }));
    Ok((actor, None))
}

/// The token of an `Authorization` header value: `Bearer <token>`, or
/// `Bot <token>` as Discord libraries send it.
pub fn from_header(value: &str) -> Option<&str> {
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("Bot "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}
