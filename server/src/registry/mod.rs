//! The channel registry: `channels.toml` parsed and validated ([`file`]), who
//! may read and post ([`permission`]), and the per-tenant in-memory copy that
//! every read and post is checked against ([`Registry`]).

pub mod file;
pub mod permission;

pub use file::{RegistryError, RegistryFile};
pub use permission::{Actor, BotGrant, Principal};

use crate::ids::{ChannelId, MessageId, TenantId, UserId};
use crate::store::{CategoryRow, ChannelRow, Store, StoreError};
use arena_protocol::model::{Category, Channel, ChannelKind, TenantInfo};
use arena_protocol::{ErrorBody, ErrorCode, SnowflakeGenerator};
use dashmap::DashMap;
use std::sync::Arc;

/// One channel as the server checks it; `last_seq` lives in Postgres, not here.
#[derive(Debug, Clone)]
pub struct ChannelInfo {
    pub tenant_id: TenantId,
    pub id: ChannelId,
    pub key: String,
    pub name: String,
    pub category: String,
    pub kind: ChannelKind,
    pub domain: Option<String>,
    pub panel: Option<String>,
    pub topic: Option<String>,
    pub position: i32,
    pub read: Vec<Principal>,
    pub post: Vec<Principal>,
    pub slow_mode_s: u32,
    pub locked: bool,
}

impl ChannelInfo {
    /// Builds the in-memory form of a stored channel (unknown principals are dropped).
    pub fn from_row(r: &ChannelRow) -> ChannelInfo {
        ChannelInfo {
            tenant_id: r.tenant_id,
            id: r.id,
            key: r.key.clone(),
            name: r.name.clone(),
            category: r.category.clone(),
            kind: ChannelKind::parse(&r.kind).unwrap_or(ChannelKind::Chat),
            domain: r.domain.clone(),
            panel: r.panel.clone(),
            topic: r.topic.clone(),
            position: r.position,
            read: r
                .read_rule
                .iter()
                .filter_map(|p| Principal::parse(p))
                .collect(),
            post: r
                .post_rule
                .iter()
                .filter_map(|p| Principal::parse(p))
                .collect(),
            slow_mode_s: r.slow_mode_s.max(0) as u32,
            locked: r.locked,
        }
    }

    /// May `actor` see this channel and its history? Admins always may,
    /// except a direct message channel, which only its two members read; a
    /// bot token further limits a bot to the channels it was granted.
    pub fn can_read(&self, actor: &Actor) -> bool {
        if self.kind == ChannelKind::Dm {
            return permission::allows(&self.read, actor);
        }
        actor.grant_admits(&self.key)
            && (actor.role.is_admin() || permission::allows(&self.read, actor))
    }

    /// May `actor` post here? Needs read; panels take no messages; a locked
    /// channel takes staff posts only; then the post rule decides.
    pub fn can_post(&self, actor: &Actor) -> bool {
        if !self.can_read(actor) || self.kind == ChannelKind::Panel {
            return false;
        }
        if actor.role.is_admin() && self.kind != ChannelKind::Dm {
            return true;
        }
        if self.locked && !actor.role.is_staff() {
            return false;
        }
        permission::allows(&self.post, actor)
    }

    /// The channel's name as `actor` sees it: a direct message channel is
    /// named for the other member (its stored name holds both members'
    /// display names, in the order of its `user:` rule, split by
    /// [`DM_NAME_SEPARATOR`]); anyone else sees both, joined by " & ".
    pub fn name_for(&self, actor: &Actor) -> String {
        if self.kind != ChannelKind::Dm {
            return self.name.clone();
        }
        let Some((first, second)) = self.name.split_once(DM_NAME_SEPARATOR) else {
            return self.name.clone();
        };
        match self.read.first() {
            Some(Principal::User(u)) if *u == actor.user_id => second.to_owned(),
            Some(_) if self.read.contains(&Principal::User(actor.user_id)) => first.to_owned(),
            _ => format!("{first} & {second}"),
        }
    }

    /// The wire `Channel` with `can_post` false, for the shared log.
    pub fn to_wire_neutral(&self, last_seq: u64, last_message_id: Option<MessageId>) -> Channel {
        let nobody = Actor::member(
            self.tenant_id,
            UserId(0),
            arena_protocol::model::Role::Bot,
            None,
        );
        let mut c = self.to_wire(&nobody, last_seq, last_message_id);
        c.can_post = false;
        c
    }

    /// The wire `Channel` for `actor`, with the log head given.
    pub fn to_wire(
        &self,
        actor: &Actor,
        last_seq: u64,
        last_message_id: Option<MessageId>,
    ) -> Channel {
        Channel {
            id: self.id.snowflake(),
            key: self.key.clone(),
            name: self.name_for(actor),
            category: self.category.clone(),
            kind: self.kind,
            domain: self.domain.clone(),
            topic: self.topic.clone(),
            position: self.position,
            can_post: self.can_post(actor),
            slow_mode_s: self.slow_mode_s,
            locked: self.locked,
            last_seq,
            last_message_id: last_message_id.map(MessageId::snowflake),
        }
    }
}

/// Splits the two members' display names in a direct message channel's
/// stored name (a control character, which no display name may contain).
pub const DM_NAME_SEPARATOR: char = '\u{1f}';

/// A tenant's channels and categories, replaced whole on change (copy on write).
#[derive(Debug, Default)]
pub struct TenantChannels {
    /// `{id, slug, name}` as READY shows it.
    pub tenant: Option<TenantInfo>,
    pub categories: Vec<Category>,
    /// In registry order (category position, then channel position).
    pub channels: Vec<ChannelInfo>,
}

impl TenantChannels {
    /// The channel with this id, if it belongs to this tenant.
    pub fn get(&self, id: ChannelId) -> Option<&ChannelInfo> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// The channel with this key.
    pub fn by_key(&self, key: &str) -> Option<&ChannelInfo> {
        self.channels.iter().find(|c| c.key == key)
    }
}

/// Cheap-clone handle to every tenant's channel registry. Reads clone an `Arc`
/// out of a sharded map; writers (start-up sync, `channel.update`) swap it.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    tenants: Arc<DashMap<TenantId, Arc<TenantChannels>>>,
}

impl Registry {
    /// The tenant's registry (empty if the tenant has none loaded).
    pub fn tenant(&self, tenant_id: TenantId) -> Arc<TenantChannels> {
        self.tenants
            .get(&tenant_id)
            .map(|t| Arc::clone(&t))
            .unwrap_or_default()
    }

    /// Looks a channel up within its tenant: a channel id of another tenant is `None`.
    pub fn channel(&self, tenant_id: TenantId, channel_id: ChannelId) -> Option<ChannelInfo> {
        self.tenants.get(&tenant_id)?.get(channel_id).cloned()
    }

    /// The channel if it exists in the actor's tenant and the actor may read
    /// it. Another tenant's channel, or one hidden from the actor, is
    /// `not_found`, never `forbidden`: its existence does not leak.
    pub fn readable(
        &self,
        actor: &Actor,
        channel_id: impl Into<ChannelId>,
    ) -> Result<ChannelInfo, ErrorBody> {
        self.channel(actor.tenant_id, channel_id.into())
            .filter(|c| c.can_read(actor))
            .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "unknown channel"))
    }

    /// Installs a tenant's registry as given (tests build one without Postgres).
    pub fn set_tenant(&self, tenant_id: TenantId, channels: TenantChannels) {
        self.tenants.insert(tenant_id, Arc::new(channels));
    }

    /// Writes `file` into Postgres for `tenant_id` (new channels get fresh ids)
    /// and reloads the tenant's in-memory copy from Postgres.
    pub async fn sync_tenant(
        &self,
        store: &Store,
        ids: &SnowflakeGenerator,
        tenant_id: TenantId,
        file: &RegistryFile,
    ) -> Result<(), StoreError> {
        let categories: Vec<CategoryRow> = file
            .category
            .iter()
            .enumerate()
            .map(|(i, c)| CategoryRow {
                key: c.key.clone(),
                name: c.name.clone(),
                position: i as i32,
            })
            .collect();
        let mut positions: std::collections::HashMap<&str, i32> = Default::default();
        let channels: Vec<ChannelRow> = file
            .channel
            .iter()
            .map(|c| {
                let pos = positions.entry(c.category.as_str()).or_insert(0);
                let position = *pos;
                *pos += 1;
                ChannelRow {
                    tenant_id,
                    id: ids.next_id().into(),
                    key: c.key.clone(),
                    name: c.key.clone(),
                    category: c.category.clone(),
                    kind: c.kind.as_str().to_owned(),
                    domain: c.domain.clone(),
                    panel: c.panel.clone(),
                    topic: c.topic.clone(),
                    position: c.position.unwrap_or(position),
                    read_rule: c.read.clone(),
                    post_rule: c.post.clone(),
                    slow_mode_s: c.slow_mode_s as i32,
                    locked: false,
                    last_seq: 0,
                    last_message_id: None,
                }
            })
            .collect();
        store
            .update_registry(tenant_id, &categories, &channels)
            .await?;
        self.reload_tenant(store, tenant_id).await
    }

    /// Loads a tenant created after start (e.g. by `arena seed-load`) on first use.
    pub async fn ensure_tenant(
        &self,
        store: &Store,
        tenant_id: TenantId,
    ) -> Result<(), StoreError> {
        if self.tenants.contains_key(&tenant_id) {
            return Ok(());
        }
        self.reload_tenant(store, tenant_id).await
    }

    /// Reloads one tenant's registry from Postgres.
    pub async fn reload_tenant(
        &self,
        store: &Store,
        tenant_id: TenantId,
    ) -> Result<(), StoreError> {
        let t = store.fetch_tenant(tenant_id).await?;
        let tenant = Some(TenantInfo {
            id: t.id.snowflake(),
            slug: t.slug,
            name: t.name,
        });
        let cats = store.fetch_categories(tenant_id).await?;
        let rows = store.fetch_channels(tenant_id).await?;
        let t = TenantChannels {
            tenant,
            categories: cats
                .into_iter()
                .map(|c| Category {
                    key: c.key,
                    name: c.name,
                    position: c.position,
                })
                .collect(),
            channels: rows.iter().map(ChannelInfo::from_row).collect(),
        };
        self.tenants.insert(tenant_id, Arc::new(t));
        Ok(())
    }

    /// Replaces one channel after a run-time change (slow mode, lock,
    /// topic), or adds one created at run time (a direct message channel).
    /// The tenant must be loaded.
    pub fn upsert_channel(&self, row: &ChannelRow) {
        let info = ChannelInfo::from_row(row);
        if let Some(mut t) = self.tenants.get_mut(&row.tenant_id) {
            let mut channels = t.channels.clone();
            match channels.iter_mut().find(|c| c.id == info.id) {
                Some(c) => *c = info,
                None => channels.push(info),
            }
            *t = Arc::new(TenantChannels {
                tenant: t.tenant.clone(),
                categories: t.categories.clone(),
                channels,
            });
        }
    }
}
