//! Feature domains beside chat. Each domain is a folder (`revenue/`,
//! `insights/` …) that says what it is ([`Domain`]): the committed events it
//! reacts to and the panels it builds. The machinery every domain shares is
//! here: one actor per (tenant, domain) with a bounded mailbox ([`actor`]),
//! supervised (a panic restarts it with fresh state, an idle tenant's actor
//! exits and starts again on demand), reached through a [`handle::Handle`].
//!
//! Committed events reach domains through one subscription:
//! [`crate::publish::Publisher::committed`] calls [`Domains::on_committed`],
//! which offers each event to the domains whose [`Domain::interested`] accepts
//! it. Chat and group commit name no domain. A domain's SQL lives in `store/`.
//!
//! Domains with panels today: `revenue`, `activation`, `client-exchange`,
//! `enablement`, `support`, `community-insights`, `app-plans`, `growth-hub`,
//! `alliances`.

pub mod activation;
pub mod actor;
pub mod alliances;
pub mod clients;
pub mod enablement;
pub mod fit;
pub mod growth;
pub mod handle;
pub mod insights;
pub mod money;
pub mod plans;
pub mod revenue;
pub mod support;

use crate::bus::{Bus, Projection};
use crate::ids::{TenantId, UserId};
use crate::registry::{Actor, ChannelInfo, Registry};
use crate::store::{Store, StoreError};
use arena_protocol::model::Panel;
use arena_protocol::{ErrorBody, ErrorCode, Event};
use handle::Handle;
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// What a domain's actor may use: its tables (through the store), the
/// channel registry, and the bus for PANEL_UPDATE.
#[derive(Clone)]
pub struct Context {
    pub store: Store,
    pub registry: Registry,
    pub bus: Arc<dyn Bus>,
    /// The partner program (`program.toml`).
    pub program: Arc<revenue::Program>,
    pub ids: Arc<arena_protocol::SnowflakeGenerator>,
    /// The node's narrative writer for app plans (`llm_url` in the server
    /// config); `None`: template text only.
    pub llm: Option<Arc<plans::llm::Writer>>,
    /// Chat and the other domains, set once at start (they are built after
    /// the domains, which they call).
    pub links: Links,
    /// Uploaded files' bytes (an alliance CSV import read from an upload);
    /// `None` where no file store is configured (unit tests).
    pub files: Option<crate::files::FileStore>,
    /// Most bytes of a panel's data as JSON ([`fit::budget`] of
    /// `max_server_frame_bytes`); larger panels have their longest lists cut.
    pub panel_budget_bytes: usize,
}

/// The parts a domain calls that are built after it: chat, to post server
/// messages and cards (a welcome, a deal-win card, an escalation notice),
/// and the other domains (an opportunity won records a deal win through the
/// revenue domain). Set once by [`crate::build`].
#[derive(Clone, Default)]
pub struct Links(Arc<std::sync::OnceLock<Linked>>);

struct Linked {
    chat: crate::chat::Chat,
    domains: Domains,
}

impl Links {
    /// Sets the links; a second call is ignored.
    pub fn set(&self, chat: crate::chat::Chat, domains: Domains) {
        let _ = self.0.set(Linked { chat, domains });
    }

    /// Chat; `unavailable` before start has linked it.
    pub fn chat(&self) -> Result<&crate::chat::Chat, ErrorBody> {
        self.0.get().map(|l| &l.chat).ok_or_else(not_linked)
    }

    /// Every domain; `unavailable` before start has linked them.
    pub fn domains(&self) -> Result<&Domains, ErrorBody> {
        self.0.get().map(|l| &l.domains).ok_or_else(not_linked)
    }
}

fn not_linked() -> ErrorBody {
    ErrorBody::new(ErrorCode::Unavailable, "the server is still starting")
}

impl Context {
    /// Posts `content` (and `card`, of a type the posting domain owns) in
    /// channel `key` as the tenant's system member "Arena", through group
    /// commit; answers the stored message once committed. Errors: `not_found`
    /// for an unknown channel, `unavailable` when commit is saturated.
    pub async fn post_as_system(
        &self,
        tenant_id: TenantId,
        key: &str,
        content: String,
        card: Option<arena_protocol::model::Card>,
    ) -> Result<arena_protocol::model::Message, ErrorBody> {
        let author = self
            .store
            .fetch_system_user(tenant_id, self.ids.next_id().into())
            .await
            .map_err(crate::error::store_error)?
            .to_user();
        self.links
            .chat()?
            .post_as_server(tenant_id, key, &author, content, card, None)
            .await
    }
}

/// A fact one domain committed that other domains may react to: the domain
/// subscription for changes that are not chat events (a course completed
/// ticks the onboarding item "first training"). Sent after commit through
/// [`Domains::signal`] to every domain whose [`Domain::wants`] accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A partner completed a course (enablement).
    CourseCompleted { partner: UserId, course_id: i64 },
    /// A partner's payout account became able to receive payouts (revenue).
    PayoutAccountActive { partner: UserId },
    /// A deal win was recorded for a partner (revenue).
    DealWon { partner: UserId, deal_id: String },
    /// A partner's application was approved (activation).
    ApplicationApproved { partner: UserId },
}

/// Answers a command with `result` and says what changed: `on_ok` when it
/// succeeded, nothing otherwise (a refused command changes no panel).
pub fn answer<T>(
    reply: tokio::sync::oneshot::Sender<Result<T, ErrorBody>>,
    result: Result<T, ErrorBody>,
    on_ok: Changed,
) -> Changed {
    let changed = if result.is_ok() {
        on_ok
    } else {
        Changed::Nothing
    };
    let _ = reply.send(result);
    changed
}

/// Which projections of the domain's panels a change touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    Nothing,
    /// Rebuild every built projection.
    All,
    /// Rebuild these projections only (e.g. one partner's and the program's).
    Only(Vec<Projection>),
}

/// A feature domain: its state for one tenant and its rules. The actor
/// ([`actor`]) owns one value of it per tenant and calls these one at a time.
pub trait Domain: Sized + Send + 'static {
    /// The `domain` of its channels in channels.toml, e.g. `"revenue"`.
    const NAME: &'static str;

    /// Card types only this domain posts: chat refuses them from clients.
    const CARD_TYPES: &'static [&'static str] = &[];

    /// Requests to the domain from REST or `panel.action`; each carries its
    /// own reply channel.
    type Command: Send + 'static;

    /// Its state for one tenant: built when the actor starts, and again
    /// when the actor restarts after a panic.
    fn start(ctx: &Context, tenant_id: TenantId) -> Self;

    /// Does this committed event concern the domain? Runs on the commit
    /// path for every event: cheap and without I/O.
    fn interested(event: &Event) -> bool;

    /// Reacts to a committed event it declared interest in.
    fn on_committed(&mut self, event: Event) -> impl Future<Output = Changed> + Send;

    /// Does the domain react to this signal from another domain?
    fn wants(_signal: &Signal) -> bool {
        false
    }

    /// Reacts to a signal it wants (after the other domain committed).
    fn on_signal(&mut self, _signal: Signal) -> impl Future<Output = Changed> + Send {
        async { Changed::Nothing }
    }

    /// Carries out a command (answering through the command's reply).
    fn command(&mut self, command: Self::Command) -> impl Future<Output = Changed> + Send;

    /// Which projection of panel `kind` `viewer` sees. Per viewer by default
    /// (a partner their own records, staff the program).
    fn projection(_kind: &str, viewer: &Actor) -> Projection {
        Projection::of(viewer)
    }

    /// The data (`{title, blocks}`, docs/protocol.md) of panel `kind` in
    /// `projection`; `Ok(None)` when the domain has no such panel.
    fn build_panel(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> impl Future<Output = Result<Option<Value>, StoreError>> + Send;
}

/// Cheap-clone registry of every domain's actors on this node.
#[derive(Clone)]
pub struct Domains {
    revenue: Handle<revenue::Revenue>,
    insights: Handle<insights::Insights>,
    clients: Handle<clients::ClientExchange>,
    activation: Handle<activation::Activation>,
    support: Handle<support::Support>,
    enablement: Handle<enablement::Enablement>,
    plans: Handle<plans::Plans>,
    growth: Handle<growth::Growth>,
    alliances: Handle<alliances::Alliances>,
}

impl Domains {
    /// No actors yet; each starts on first use. Actors are spawned on
    /// `tasks` and exit when `shutdown` is cancelled.
    pub fn new(ctx: Context, tasks: TaskTracker, shutdown: CancellationToken) -> Domains {
        Domains {
            revenue: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            clients: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            insights: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            activation: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            support: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            plans: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            enablement: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            alliances: Handle::new(ctx.clone(), tasks.clone(), shutdown.clone()),
            growth: Handle::new(ctx, tasks, shutdown),
        }
    }

    /// The domain subscription: offers a committed event of `tenant_id` to
    /// every domain interested in it. Never waits (a full mailbox drops the
    /// event for that domain, counted in `arena_domain_events_dropped_total`).
    pub fn on_committed(&self, tenant_id: TenantId, event: &Event) {
        self.revenue.committed(tenant_id, event);
        self.insights.committed(tenant_id, event);
        self.clients.committed(tenant_id, event);
        self.activation.committed(tenant_id, event);
        self.support.committed(tenant_id, event);
        self.enablement.committed(tenant_id, event);
        self.plans.committed(tenant_id, event);
        self.growth.committed(tenant_id, event);
        self.alliances.committed(tenant_id, event);
    }

    /// Offers `signal` (a fact of `tenant_id` another domain committed) to
    /// every domain that wants it; waits only while a mailbox is full.
    pub async fn signal(&self, tenant_id: TenantId, signal: Signal) {
        self.revenue.signal(tenant_id, &signal).await;
        self.insights.signal(tenant_id, &signal).await;
        self.clients.signal(tenant_id, &signal).await;
        self.activation.signal(tenant_id, &signal).await;
        self.support.signal(tenant_id, &signal).await;
        self.enablement.signal(tenant_id, &signal).await;
        self.plans.signal(tenant_id, &signal).await;
        self.growth.signal(tenant_id, &signal).await;
        self.alliances.signal(tenant_id, &signal).await;
    }

    /// The revenue domain (deal wins, the ledger, payouts).
    pub fn revenue(&self) -> &Handle<revenue::Revenue> {
        &self.revenue
    }

    /// The client-exchange domain (rosters, the pipeline, industries).
    pub fn clients(&self) -> &Handle<clients::ClientExchange> {
        &self.clients
    }

    /// The activation domain (onboarding checklists, applications, the welcome).
    pub fn activation(&self) -> &Handle<activation::Activation> {
        &self.activation
    }

    /// The support domain (cases, their threads, escalation notices).
    pub fn support(&self) -> &Handle<support::Support> {
        &self.support
    }

    /// The community-insights domain (KPI snapshots, the dashboard, experiments).
    pub fn insights(&self) -> &Handle<insights::Insights> {
        &self.insights
    }

    /// The enablement domain (courses, SOP boards, badges).
    pub fn enablement(&self) -> &Handle<enablement::Enablement> {
        &self.enablement
    }

    /// The app-plans domain (plan templates, plans, their review).
    pub fn plans(&self) -> &Handle<plans::Plans> {
        &self.plans
    }

    /// The growth hub (referrals, landing pages, campaigns).
    pub fn growth(&self) -> &Handle<growth::Growth> {
        &self.growth
    }

    /// The alliance CRM (alliances, their records, the directory).
    pub fn alliances(&self) -> &Handle<alliances::Alliances> {
        &self.alliances
    }

    /// Is `kind` a card type some domain posts itself (refused from clients)?
    pub fn owns_card_type(kind: &str) -> bool {
        revenue::Revenue::CARD_TYPES.contains(&kind)
            || insights::Insights::CARD_TYPES.contains(&kind)
            || clients::ClientExchange::CARD_TYPES.contains(&kind)
            || support::Support::CARD_TYPES.contains(&kind)
            || enablement::Enablement::CARD_TYPES.contains(&kind)
            || plans::Plans::CARD_TYPES.contains(&kind)
    }

    /// `panel.action` on `channel`'s panel (PROTOCOL.md §4), answered after
    /// the change is committed; `not_found` for a panel without actions.
    pub async fn action(
        &self,
        by: &Actor,
        channel: &ChannelInfo,
        action: &str,
        params: Value,
    ) -> Result<Value, ErrorBody> {
        match (channel.domain.as_deref(), channel.panel.as_deref()) {
            (Some(revenue::Revenue::NAME), Some(kind)) => {
                revenue::actions::run(&self.revenue, by, kind, action, params).await
            }
            (Some(clients::ClientExchange::NAME), Some(kind)) => {
                clients::actions::run(&self.clients, by, kind, action, params).await
            }
            (Some(activation::NAME), Some(kind)) => {
                activation::actions::run(&self.activation, by, kind, action, params).await
            }
            (Some(support::Support::NAME), Some(kind)) => {
                support::actions::run(&self.support, by, kind, action, params).await
            }
            (Some(enablement::Enablement::NAME), Some(kind)) => {
                enablement::actions::run(&self.enablement, by, kind, action, params).await
            }
            (Some(insights::Insights::NAME), Some(kind)) => {
                insights::actions::run(&self.insights, by, kind, action, params).await
            }
            (Some(plans::NAME), Some(kind)) => {
                plans::actions::run(&self.plans, by, kind, action, params).await
            }
            (Some(growth::NAME), Some(kind)) => {
                growth::actions::run(&self.growth, by, kind, action, params).await
            }
            (Some(alliances::NAME), Some(kind)) => {
                alliances::actions::run(&self.alliances, by, kind, action, params).await
            }
            _ => Err(ErrorBody::new(
                ErrorCode::NotFound,
                format!("#{} has no panel actions yet", channel.key),
            )),
        }
    }

    /// A PANEL_UPDATE another node published for `projection` of
    /// `channel`'s panel: the domain's actor here caches it (issue 11; each
    /// node runs its own actors, so without this a node would answer
    /// `panel.get` from its older build until its own next change).
    pub fn adopt(
        &self,
        tenant_id: TenantId,
        channel: &ChannelInfo,
        projection: crate::bus::Projection,
        panel: Panel,
    ) {
        match channel.domain.as_deref() {
            Some(revenue::Revenue::NAME) => self.revenue.adopt(tenant_id, projection, panel),
            Some(insights::Insights::NAME) => self.insights.adopt(tenant_id, projection, panel),
            Some(clients::ClientExchange::NAME) => self.clients.adopt(tenant_id, projection, panel),
            Some(activation::NAME) => self.activation.adopt(tenant_id, projection, panel),
            Some(support::Support::NAME) => self.support.adopt(tenant_id, projection, panel),
            Some(enablement::Enablement::NAME) => {
                self.enablement.adopt(tenant_id, projection, panel)
            }
            Some(plans::NAME) => self.plans.adopt(tenant_id, projection, panel),
            Some(growth::NAME) => self.growth.adopt(tenant_id, projection, panel),
            Some(alliances::NAME) => self.alliances.adopt(tenant_id, projection, panel),
            _ => {}
        }
    }

    /// The panel of `channel` as `viewer` sees it, from its domain's actor.
    /// `not_found` when the channel has no panel or its domain none yet;
    /// `unavailable` when the actor's mailbox is full.
    pub async fn panel(&self, viewer: &Actor, channel: &ChannelInfo) -> Result<Panel, ErrorBody> {
        let (Some(domain), Some(kind)) = (channel.domain.as_deref(), channel.panel.as_deref())
        else {
            return Err(ErrorBody::new(
                ErrorCode::NotFound,
                format!("#{} has no panel", channel.key),
            ));
        };
        match domain {
            revenue::Revenue::NAME => self.revenue.panel(viewer, kind).await,
            insights::Insights::NAME => self.insights.panel(viewer, kind).await,
            clients::ClientExchange::NAME => self.clients.panel(viewer, kind).await,
            activation::NAME => self.activation.panel(viewer, kind).await,
            support::Support::NAME => self.support.panel(viewer, kind).await,
            enablement::Enablement::NAME => self.enablement.panel(viewer, kind).await,
            plans::NAME => self.plans.panel(viewer, kind).await,
            growth::NAME => self.growth.panel(viewer, kind).await,
            alliances::NAME => self.alliances.panel(viewer, kind).await,
            other => Err(ErrorBody::new(
                ErrorCode::NotFound,
                format!("the {other} domain has no {kind} panel yet"),
            )),
        }
    }
}

#[cfg(test)]
mod tests;
