//! The demo workspace (`arena seed-demo`) from `seed/demo.toml`, and bulk load
//! tenants for benchmarks (`arena seed-load`). Both are idempotent: users are
//! upserted, and messages are written only into a tenant that has none.

pub mod activation;
mod alliances;
mod clients;
mod growth;
mod insights;
mod plans;
mod support;

use crate::auth::password;
use crate::domains::revenue::program::commission;
use crate::domains::revenue::{Program, DEAL_WIN};
use crate::registry::{Registry, RegistryFile};
use crate::store::{NewDeal, NewLedgerEntry};
use crate::store::{NewMessage, Store, StoreError};
use arena_protocol::model::{Card, Message, Role, User};
use arena_protocol::{Snowflake, SnowflakeGenerator};
use serde::Deserialize;
use std::collections::HashMap;
use time::OffsetDateTime;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "arena-demo";

mod enablement;

const DEMO: &str = include_str!("seed/demo.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    tenant: Vec<SeedTenant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedTenant {
    slug: String,
    name: String,
    user: Vec<SeedUser>,
    #[serde(default)]
    message: Vec<SeedMessage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedUser {
    email: String,
    display_name: String,
    role: String,
    #[serde(default)]
    tier: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedMessage {
    channel: String,
    author: String,
    minutes_ago: i64,
    content: String,
    #[serde(default)]
    reply_to: Option<usize>,
    #[serde(default)]
    card: Option<Card>,
    #[serde(default)]
    reactions: Vec<SeedReaction>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedReaction {
    emoji: String,
    users: Vec<String>,
}

/// A seed failure, naming what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("seed file: {0}")]
    File(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates the `demo` and `acme` tenants, their members (password
/// [`DEMO_PASSWORD`]) and, the first time, their messages.
pub async fn seed_demo(
    store: &Store,
    ids: &SnowflakeGenerator,
    file: &RegistryFile,
    program: &Program,
) -> Result<(), SeedError> {
    let seed: SeedFile = toml::from_str(DEMO).map_err(|e| SeedError::File(e.to_string()))?;
    let registry = Registry::default();
    for t in seed.tenant {
        let tenant = store
            .insert_tenant(ids.next_id().into(), &t.slug, &t.name)
            .await?;
        let mut users: HashMap<String, User> = HashMap::new();
        let mut tiers: HashMap<crate::ids::UserId, Option<String>> = HashMap::new();
        for u in &t.user {
            let pw = DEMO_PASSWORD.to_owned();
            let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
                .await
                .map_err(|e| SeedError::File(e.to_string()))?
                .map_err(SeedError::File)?;
            let row = store
                .insert_user(
                    tenant.id,
                    ids.next_id().into(),
                    &u.email,
                    &u.display_name,
                    &u.role,
                    u.tier.as_deref(),
                    Some(&hash),
                )
                .await?;
            tiers.insert(row.id, row.tier.clone());
            users.insert(u.email.clone(), row.to_user());
        }
        registry.sync_tenant(store, ids, tenant.id, file).await?;
        clients::seed(store, ids, tenant.id, &users).await?;
        alliances::seed(store, ids, tenant.id, &users).await?;
        let members: Vec<crate::ids::UserId> = users.values().map(|u| u.id.into()).collect();
        activation::seed(store, ids, program, tenant.id, &t.slug, &members).await?;
        enablement::seed(store, ids, tenant.id).await?;
        let channels = registry.tenant(tenant.id);
        if channels
            .channels
            .iter()
            .any(|c| c.kind != arena_protocol::model::ChannelKind::Panel)
        {
            let heads = store.fetch_channel_states(tenant.id).await?;
            if heads.iter().any(|h| h.last_seq > 0) {
                continue;
            }
        }
        let now = OffsetDateTime::now_utc();
        let mut made: Vec<Message> = Vec::new();
        for (i, m) in t.message.iter().enumerate() {
            let author = users.get(&m.author).ok_or_else(|| {
                SeedError::File(format!("message {}: unknown author {}", i + 1, m.author))
            })?;
            let channel = channels.by_key(&m.channel).ok_or_else(|| {
                SeedError::File(format!("message {}: unknown channel {}", i + 1, m.channel))
            })?;
            let at = now - time::Duration::minutes(m.minutes_ago);
            // Ids sort by creation time, so make them from the message's time.
            let ms = (at.unix_timestamp_nanos() / 1_000_000) as u64;
            let id = Snowflake(Snowflake::from_unix_ms(ms).0 | (i as u64 & 0xfff));
            let reply_to = match m.reply_to {
                Some(n) => Some(made.get(n.wrapping_sub(1)).map(|r| r.id).ok_or_else(|| {
                    SeedError::File(format!("message {}: reply_to {n} is not earlier", i + 1))
                })?),
                None => None,
            };
            let message = Message {
                id,
                channel_id: channel.id.snowflake(),
                channel_seq: 0,
                author: author.clone(),
                content: m.content.clone(),
                card: m.card.clone(),
                reply_to,
                nonce: None,
                created_at: crate::store::rfc3339(at),
                edited_at: None,
                pinned: false,
                reactions: Vec::new(),
                mentions: Vec::new(),
            };
            let stored = store
                .insert_messages(&[NewMessage {
                    tenant_id: tenant.id,
                    message,
                    created_at: at,
                }])
                .await?;
            if let (Some(card), Some(m)) = (&m.card, stored.first()) {
                if card.kind == DEAL_WIN {
                    record_seed_deal(
                        store, ids, program, tenant.id, &users, &tiers, card, m, i, at,
                    )
                    .await?;
                }
            }
            made.extend(stored);
            for r in &m.reactions {
                for u in &r.users {
                    let who = users.get(u).ok_or_else(|| {
                        SeedError::File(format!("message {}: unknown reactor {u}", i + 1))
                    })?;
                    store
                        .update_reaction(
                            tenant.id,
                            channel.id,
                            id.into(),
                            who.id.into(),
                            &r.emoji,
                            true,
                        )
                        .await?;
                }
            }
        }
    }
    support::seed(store, ids).await?;
    growth::seed(store, ids).await?;
    insights::seed(store, ids, &registry).await?;
    plans::seed(store, ids).await?;
    Ok(())
}

/// Creates tenant `slug` with `users` partners `user{i}@{slug}.test` (no password:
/// tokens are minted with `arena token --all`).
pub async fn seed_load(
    store: &Store,
    ids: &SnowflakeGenerator,
    file: &RegistryFile,
    slug: &str,
    users: usize,
) -> Result<(), SeedError> {
    let tenant = store
        .insert_tenant(ids.next_id().into(), slug, &format!("Load test {slug}"))
        .await?;
    let rows: Vec<(crate::ids::UserId, String, String)> = (0..users)
        .map(|i| {
            (
                ids.next_id().into(),
                format!("user{i}@{slug}.test"),
                format!("Load User {i}"),
            )
        })
        .collect();
    for chunk in rows.chunks(5000) {
        store
            .insert_users_bulk(tenant.id, chunk, Role::Partner.as_str(), Some("silver"))
            .await?;
    }
    Registry::default()
        .sync_tenant(store, ids, tenant.id, file)
        .await?;
    activation::welcomed(store, tenant.id, None).await?;
    Ok(())
}

/// Records a seeded deal-win card as the revenue domain would have: the deal
/// (id `demo-<n>`), its pending commission at the partner's tier rate, and
/// the link to the card.
#[allow(clippy::too_many_arguments)]
async fn record_seed_deal(
    store: &Store,
    ids: &SnowflakeGenerator,
    program: &Program,
    tenant_id: crate::ids::TenantId,
    users: &HashMap<String, User>,
    tiers: &HashMap<crate::ids::UserId, Option<String>>,
    card: &Card,
    message: &Message,
    n: usize,
    at: OffsetDateTime,
) -> Result<(), SeedError> {
    let d = &card.data;
    let name = d["partner_name"].as_str().unwrap_or_default();
    let partner = users
        .values()
        .find(|u| u.display_name == name)
        .ok_or_else(|| SeedError::File(format!("deal win {n}: no member named {name:?}")))?;
    let partner_id = crate::ids::UserId::from(partner.id);
    let tier = tiers
        .get(&partner_id)
        .and_then(|t| t.as_deref())
        .and_then(|t| program.tier(t))
        .unwrap_or(&program.tier[0]);
    let amount = d["amount_minor"].as_i64().unwrap_or(0);
    let currency = d["currency"].as_str().unwrap_or_default().to_owned();
    let deal_id = format!("demo-{n}");
    let recorded_by = crate::ids::UserId::from(message.author.id);
    let deal = NewDeal {
        deal_id: deal_id.clone(),
        partner_id,
        client: d["client"].as_str().unwrap_or_default().to_owned(),
        amount_minor: amount,
        currency: currency.clone(),
        closed_at: at,
        body_hash: format!("seed-{n}"),
        recorded_by,
    };
    let entry = NewLedgerEntry {
        deal_id: deal_id.clone(),
        partner_id,
        from: &[],
        status: "pending",
        amount_minor: commission(amount, tier.rate_bp),
        currency,
        rate_bp: tier.rate_bp,
        reference: String::new(),
        actor_id: recorded_by,
    };
    store
        .insert_deal_win(tenant_id, &deal, entry, ids.next_id().0 as i64)
        .await?;
    store
        .update_deal_message(tenant_id, &deal_id, message.id.into())
        .await?;
    Ok(())
}
