//! The actor that owns one domain's state for one tenant ("Actors with
//! Tokio": a task owning its state, a bounded mailbox, oneshot replies).
//! It answers panel reads from a cache of built panels, reacts to committed
//! events, and on a change rebuilds its built panels and publishes
//! PANEL_UPDATE. It is supervised: a panic while handling a message is
//! logged, the state is rebuilt with [`Domain::start`], and the actor goes
//! on with the next message; after [`IDLE`] without mail it retires.

use super::{Changed, Context, Domain};
use crate::bus::{Audience, Projection};
use crate::error::store_error;
use crate::ids::TenantId;
use crate::registry::Actor;
use arena_protocol::event::PanelUpdate;
use arena_protocol::model::{Panel, Role};
use arena_protocol::{ErrorBody, ErrorCode, Event};
use futures_util::FutureExt;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// What a domain actor's mailbox takes.
#[derive(Debug)]
pub enum Msg<C> {
    /// `panel.get`: the panel `kind` as `viewer` sees it.
    Panel {
        kind: String,
        viewer: Actor,
        reply: oneshot::Sender<Result<Panel, ErrorBody>>,
    },
    /// A committed event the domain declared interest in.
    Committed(Event),
    /// A fact another domain committed that this one wants.
    Signal(super::Signal),
    /// A domain command (REST, `panel.action`), answering through itself.
    Command(C),
    /// A panel another node built after a change there (issue 11): cached
    /// here if newer than this node's copy, so `panel.get` here is current
    /// and the next change here compares with it.
    Adopt {
        projection: Projection,
        panel: Panel,
    },
}

/// Oldest a cached panel may be when read, ms: panels fed by pushes stay
/// current; this bounds the staleness of read models without a push.
const MAX_AGE_MS: u64 = 60_000;

/// Time without mail after which an actor retires (its tenant went quiet).
pub const IDLE: Duration = Duration::from_secs(300);

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// One domain's state for one tenant plus the projections it built.
struct DomainActor<D> {
    domain: D,
    tenant_id: TenantId,
    ctx: Context,
    /// Built panels by (kind, projection); `version` is the build time in
    /// Unix ms (kept growing), so it grows across restarts too. Bounded by
    /// the tenant's viewers times its panel kinds; cleared on retirement.
    panels: HashMap<(String, Projection), Panel>,
}

impl<D: Domain> DomainActor<D> {
    fn start(ctx: &Context, tenant_id: TenantId) -> Self {
        DomainActor {
            domain: D::start(ctx, tenant_id),
            tenant_id,
            ctx: ctx.clone(),
            panels: HashMap::new(),
        }
    }

    async fn handle(&mut self, msg: Msg<D::Command>) {
        let changed = match msg {
            Msg::Panel {
                kind,
                viewer,
                reply,
            } => {
                let projection = D::projection(&kind, &viewer);
                let key = (kind, projection);
                let r = match self.panels.get(&key) {
                    Some(p) if now_ms().saturating_sub(p.version) < MAX_AGE_MS => Ok(p.clone()),
                    _ => self.build(&key.0, key.1).await.map(|(p, _)| p),
                };
                let _ = reply.send(r);
                Changed::Nothing
            }
            Msg::Committed(event) => self.domain.on_committed(event).await,
            Msg::Signal(signal) => self.domain.on_signal(signal).await,
            Msg::Command(c) => self.domain.command(c).await,
            Msg::Adopt { projection, panel } => {
                let key = (panel.kind.clone(), projection);
                if self
                    .panels
                    .get(&key)
                    .is_none_or(|p| p.version < panel.version)
                {
                    self.panels.insert(key, panel);
                }
                Changed::Nothing
            }
        };
        match changed {
            Changed::Nothing => {}
            Changed::All => {
                self.republish(|_| true, &[Projection::Program, Projection::Everyone])
                    .await
            }
            Changed::Only(ps) => self.republish(|p| ps.contains(p), &ps).await,
        }
    }

    /// Builds and caches one projection; also says whether its data differs
    /// from what was cached (a new build always counts as changed).
    async fn build(
        &mut self,
        kind: &str,
        projection: Projection,
    ) -> Result<(Panel, bool), ErrorBody> {
        let data = self
            .domain
            .build_panel(kind, projection)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                ErrorBody::new(
                    ErrorCode::NotFound,
                    format!("the {} domain has no {kind} panel yet", D::NAME),
                )
            })?;
        let mut data = data;
        let dropped = super::fit::fit(&mut data, self.ctx.panel_budget_bytes);
        if dropped > 0 {
            tracing::warn!(
                domain = D::NAME,
                kind,
                dropped,
                "panel cut to fit one frame"
            );
        }
        let key = (kind.to_owned(), projection);
        let before = self.panels.get(&key);
        let changed = before.is_none_or(|p| p.data != data);
        let version = now_ms().max(before.map_or(0, |p| p.version + 1));
        let p = Panel {
            kind: kind.to_owned(),
            version,
            data,
        };
        self.panels.insert(key, p.clone());
        Ok((p, changed))
    }

    /// Rebuilds the built projections `which` selects, and `also` for every
    /// panel kind of the domain even if not built here (after a retirement
    /// or restart the cache is empty, yet viewers still watch), and pushes
    /// each whose data changed to the channels showing it, to the viewers
    /// who see it.
    async fn republish(&mut self, which: impl Fn(&Projection) -> bool, also: &[Projection]) {
        let mut keys: Vec<(String, Projection)> = self
            .panels
            .keys()
            .filter(|(_, p)| which(p))
            .cloned()
            .collect();
        for kind in self.kinds() {
            for p in also {
                let key = (kind.clone(), *p);
                if applies::<D>(&kind, *p, self.tenant_id) && !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        let reg = self.ctx.registry.tenant(self.tenant_id);
        for (kind, projection) in keys {
            let Ok((panel, true)) = self.build(&kind, projection).await else {
                continue;
            };
            for c in reg
                .channels
                .iter()
                .filter(|c| c.panel.as_deref() == Some(&kind))
            {
                let e = PanelUpdate {
                    channel_id: c.id.snowflake(),
                    panel: panel.clone(),
                };
                self.ctx.bus.publish(
                    Audience::Panel {
                        tenant_id: self.tenant_id,
                        channel_id: c.id,
                        projection,
                    },
                    Event::PanelUpdate(e),
                );
            }
        }
    }

    /// The panel kinds of this domain's channels in the tenant's registry.
    fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self
            .ctx
            .registry
            .tenant(self.tenant_id)
            .channels
            .iter()
            .filter(|c| c.domain.as_deref() == Some(D::NAME))
            .filter_map(|c| c.panel.clone())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Handles one message; a panic is logged and the state rebuilt.
    async fn supervise(&mut self, msg: Msg<D::Command>) {
        if AssertUnwindSafe(self.handle(msg))
            .catch_unwind()
            .await
            .is_err()
        {
            tracing::error!(domain = D::NAME, tenant = %self.tenant_id, "domain actor panicked; restarted with fresh state");
            metrics::counter!("arena_domain_actor_restarts_total", "domain" => D::NAME)
                .increment(1);
            *self = Self::start(&self.ctx, self.tenant_id);
        }
    }
}

/// Does panel `kind` have projection `p`, i.e. does some viewer see it?
fn applies<D: Domain>(kind: &str, p: Projection, tenant_id: TenantId) -> bool {
    let viewer = match p {
        Projection::Partner(u) => Actor::member(tenant_id, u, Role::Partner, None),
        Projection::Program | Projection::Everyone => {
            Actor::member(tenant_id, crate::ids::UserId(0), Role::Staff, None)
        }
    };
    D::projection(kind, &viewer) == p
}

/// Runs the actor of `D` for `tenant_id` until `shutdown`, until every
/// sender is gone, or until it has been idle for `idle`: then `retire`
/// unlists it (new mail starts a fresh actor), the mailbox is closed, and
/// what was already in it is still handled.
pub(super) async fn run<D: Domain>(
    ctx: Context,
    tenant_id: TenantId,
    mut rx: mpsc::Receiver<Msg<D::Command>>,
    idle: Duration,
    retire: impl FnOnce(),
    shutdown: CancellationToken,
) {
    let mut actor = DomainActor::<D>::start(&ctx, tenant_id);
    loop {
        let next = tokio::select! {
            _ = shutdown.cancelled() => break,
            next = tokio::time::timeout(idle, rx.recv()) => next,
        };
        match next {
            Ok(Some(msg)) => actor.supervise(msg).await,
            Ok(None) => return,
            Err(_) => break,
        }
    }
    retire();
    rx.close();
    while let Some(msg) = rx.recv().await {
        actor.supervise(msg).await;
    }
}
