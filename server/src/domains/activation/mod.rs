//! The activation domain (#welcome, #starter-checklist,
//! #onboarding-checklist, #onboarding-forms): onboarding checklists from
//! program config, ticked by the partner or by facts (an approved
//! application, the accepted agreement, an active payout account, a
//! completed course, a post in #introductions); the partner's application
//! (submitted → under_review → approved | rejected); agreement acceptances
//! by version; compliance documents referencing uploaded files; and the
//! welcome in #welcome on a partner's first connection ever.
//!
//! Files: [`config`] (`[onboarding]` of program.toml), [`application`]
//! (the pure state machine), [`checklist`] (progress and ticks), [`forms`]
//! (application, agreement, documents), [`welcome`], [`commands`],
//! [`actions`] (`panel.action`), [`read`], [`views`], and the panels in
//! `panels.rs` and `form_panel.rs`.

pub mod actions;
pub mod application;
pub mod checklist;
pub mod commands;
pub mod config;
mod form_panel;
pub mod forms;
mod panels;
pub mod read;
pub mod views;
pub mod welcome;

pub use commands::Command;

use super::{Changed, Context, Domain, Signal};
use crate::bus::Projection;
use crate::ids::{TenantId, UserId};
use crate::registry::{Actor, Registry};
use crate::store::{Store, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{Event, Snowflake, SnowflakeGenerator};
use config::Auto;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock, RwLock};

/// The domain's name (channels.toml `domain`).
pub const NAME: &str = "activation";

/// The channel whose first post by a partner ticks "introduce yourself".
pub const INTRODUCTIONS_CHANNEL: &str = "introductions";

/// Ids of the #introductions channels of the tenants whose activation actor
/// has started on this node: lets [`Domain::interested`] pick a partner's
/// post there without I/O. Grows by one id per tenant.
static INTRODUCTIONS: LazyLock<RwLock<HashSet<Snowflake>>> = LazyLock::new(Default::default);

/// Notes the tenant's #introductions channel for [`Domain::interested`].
fn note_introductions(registry: &Registry, tenant_id: TenantId) {
    if let Some(c) = registry.tenant(tenant_id).by_key(INTRODUCTIONS_CHANNEL) {
        let id = c.id.snowflake();
        let known = INTRODUCTIONS
            .read()
            .map(|s| s.contains(&id))
            .unwrap_or(true);
        if !known {
            if let Ok(mut s) = INTRODUCTIONS.write() {
                s.insert(id);
            }
        }
    }
}

/// The activation domain's state for one tenant.
pub struct Activation {
    store: Store,
    registry: Registry,
    tenant_id: TenantId,
    program: Arc<super::revenue::Program>,
    ids: Arc<SnowflakeGenerator>,
    links: super::Links,
    /// Members whose welcome is settled (done, or not partners): a
    /// reconnect costs no query. Bounded in [`welcome`].
    settled: HashSet<UserId>,
}

impl Activation {
    /// `[onboarding]` of the program.
    fn cfg(&self) -> &config::Onboarding {
        &self.program.onboarding
    }
}

/// The gateway's hook on a successful IDENTIFY: asks the tenant's actor,
/// without waiting, to welcome `actor` if they are a partner connecting for
/// the first time ever. A full mailbox drops it (the next connection asks again).
pub fn on_identified(domains: &super::Domains, actor: &Actor) {
    if actor.role == Role::Partner && actor.bot.is_none() {
        let member = actor.user_id;
        if let Err(e) = domains
            .activation()
            .command(actor.tenant_id, Command::Welcome { member })
        {
            tracing::debug!(error = %e.message, "activation: welcome deferred to the next connection");
        }
    }
}

impl Domain for Activation {
    const NAME: &'static str = NAME;
    type Command = Command;

    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        note_introductions(&ctx.registry, tenant_id);
        Activation {
            store: ctx.store.clone(),
            registry: ctx.registry.clone(),
            tenant_id,
            program: Arc::clone(&ctx.program),
            ids: Arc::clone(&ctx.ids),
            links: ctx.links.clone(),
            settled: HashSet::new(),
        }
    }

    /// A partner's post in an #introductions channel (an in-memory lookup).
    fn interested(event: &Event) -> bool {
        match event {
            Event::MessageCreate(m) => {
                m.author.role == Role::Partner
                    && INTRODUCTIONS
                        .read()
                        .map(|s| s.contains(&m.channel_id))
                        .unwrap_or(false)
            }
            _ => false,
        }
    }

    /// Ticks "introduce yourself" for the author of a post in this
    /// tenant's #introductions.
    async fn on_committed(&mut self, event: Event) -> Changed {
        let Event::MessageCreate(m) = event else {
            return Changed::Nothing;
        };
        let ours = self
            .registry
            .tenant(self.tenant_id)
            .by_key(INTRODUCTIONS_CHANNEL)
            .is_some_and(|c| c.id.snowflake() == m.channel_id);
        let author = UserId::from(m.author.id);
        if !ours || m.author.role != Role::Partner {
            return Changed::Nothing;
        }
        let why = "posted in #introductions";
        if checklist::tick_fact(
            self,
            author,
            Some(author),
            Auto::IntroductionPosted,
            "event",
            why,
        )
        .await
        {
            Changed::Only(vec![Projection::Partner(author), Projection::Program])
        } else {
            Changed::Nothing
        }
    }

    /// A payout account active (revenue) and a course completed
    /// (enablement) tick their items.
    fn wants(signal: &Signal) -> bool {
        matches!(
            signal,
            Signal::PayoutAccountActive { .. } | Signal::CourseCompleted { .. }
        )
    }

    async fn on_signal(&mut self, signal: Signal) -> Changed {
        let (partner, auto, why) = match signal {
            Signal::PayoutAccountActive { partner } => (
                partner,
                Auto::PayoutAccountActive,
                "payout account active".to_owned(),
            ),
            Signal::CourseCompleted { partner, course_id } => (
                partner,
                Auto::CourseCompleted,
                format!("course {course_id} completed"),
            ),
            _ => return Changed::Nothing,
        };
        if checklist::tick_fact(self, partner, None, auto, "signal", &why).await {
            Changed::Only(vec![Projection::Partner(partner), Projection::Program])
        } else {
            Changed::Nothing
        }
    }

    async fn command(&mut self, command: Command) -> Changed {
        note_introductions(&self.registry, self.tenant_id);
        commands::run(self, command).await
    }

    async fn build_panel(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> Result<Option<Value>, StoreError> {
        panels::build(self, kind, projection).await
    }
}
