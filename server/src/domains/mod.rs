//! Feature-domain actors: one task per (tenant, domain) with a bounded
//! mailbox ("Actors with Tokio": a handle holding the sender, a message enum
//! with oneshot replies, a task owning its state). An actor owns its panels:
//! it answers `panel.get`, and when its data changes (e.g. a deal win is
//! committed) it rebuilds them and publishes PANEL_UPDATE through the bus.

pub mod panels;

use crate::bus::{Audience, Bus};
use crate::error::store_error;
use crate::registry::Registry;
use crate::store::Store;
use arena_protocol::event::PanelUpdate;
use arena_protocol::model::Panel;
use arena_protocol::{ErrorBody, ErrorCode, Event, Snowflake};
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Messages an actor takes; full mailbox answers `unavailable` (get) or drops (refresh: the next one covers it).
enum Msg {
    Get {
        kind: String,
        reply: oneshot::Sender<Result<Panel, ErrorBody>>,
    },
    /// The domain's data changed: rebuild and publish every built panel.
    Refresh,
}

/// Oldest a cached panel may be when read, ms.
const MAX_AGE_MS: u64 = 60_000;

/// Pending messages per actor.
const MAILBOX: usize = 256;

/// Cheap-clone handle to the domain actors of every tenant on this node.
#[derive(Clone)]
pub struct Domains {
    actors: Arc<DashMap<(i64, String), mpsc::Sender<Msg>>>,
    store: Store,
    registry: Registry,
    bus: Arc<dyn Bus>,
}

impl Domains {
    /// No actors yet; each starts on first use.
    pub fn new(store: Store, registry: Registry, bus: Arc<dyn Bus>) -> Domains {
        Domains {
            actors: Arc::default(),
            store,
            registry,
            bus,
        }
    }

    fn actor(&self, tenant_id: i64, domain: &str) -> mpsc::Sender<Msg> {
        self.actors
            .entry((tenant_id, domain.to_owned()))
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(MAILBOX);
                let actor = Actor {
                    tenant_id,
                    domain: domain.to_owned(),
                    store: self.store.clone(),
                    registry: self.registry.clone(),
                    bus: Arc::clone(&self.bus),
                    panels: HashMap::new(),
                };
                tokio::spawn(actor.run(rx));
                tx
            })
            .clone()
    }

    /// The panel `kind` owned by `domain`, built on first request.
    pub async fn panel(
        &self,
        tenant_id: i64,
        domain: &str,
        kind: &str,
    ) -> Result<Panel, ErrorBody> {
        let (reply, rx) = oneshot::channel();
        self.actor(tenant_id, domain)
            .try_send(Msg::Get {
                kind: kind.to_owned(),
                reply,
            })
            .map_err(|_| {
                ErrorBody::retry(ErrorCode::Unavailable, "the domain is busy; retry", 200)
            })?;
        rx.await
            .unwrap_or_else(|_| Err(ErrorBody::new(ErrorCode::Internal, "domain actor stopped")))
    }

    /// Tells `domain` of a tenant that its data changed (no-op if it never started).
    pub fn refresh(&self, tenant_id: i64, domain: &str) {
        if let Some(tx) = self.actors.get(&(tenant_id, domain.to_owned())) {
            let _ = tx.try_send(Msg::Refresh);
        }
    }
}

struct Actor {
    tenant_id: i64,
    domain: String,
    store: Store,
    registry: Registry,
    bus: Arc<dyn Bus>,
    /// Built panels by kind; `version` is the build time in Unix ms, so it
    /// keeps growing across restarts.
    panels: HashMap<String, Panel>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Actor {
    async fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        while let Some(msg) = rx.recv().await {
            match msg {
                Msg::Get { kind, reply } => {
                    // Panels fed by pushes stay current; a minute bounds the staleness
                    // of read models without a push (activity counts).
                    let r = match self.panels.get(&kind) {
                        Some(p) if now_ms().saturating_sub(p.version) < MAX_AGE_MS => Ok(p.clone()),
                        _ => self.build(&kind).await,
                    };
                    let _ = reply.send(r);
                }
                Msg::Refresh => {
                    let kinds: Vec<String> = self.panels.keys().cloned().collect();
                    for kind in kinds {
                        if let Ok(p) = self.build(&kind).await {
                            self.publish(&kind, p);
                        }
                    }
                }
            }
        }
    }

    async fn build(&mut self, kind: &str) -> Result<Panel, ErrorBody> {
        let data = panels::build(&self.store, self.tenant_id, kind)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                ErrorBody::new(
                    ErrorCode::NotFound,
                    format!("the {} domain has no {kind} panel yet", self.domain),
                )
            })?;
        let version = now_ms().max(self.panels.get(kind).map_or(0, |p| p.version + 1));
        let p = Panel {
            kind: kind.to_owned(),
            version,
            data,
        };
        self.panels.insert(kind.to_owned(), p.clone());
        Ok(p)
    }

    fn publish(&self, kind: &str, panel: Panel) {
        let reg = self.registry.tenant(self.tenant_id);
        for c in reg
            .channels
            .iter()
            .filter(|c| c.panel.as_deref() == Some(kind))
        {
            let e = PanelUpdate {
                channel_id: Snowflake(c.id as u64),
                panel: panel.clone(),
            };
            self.bus
                .publish(Audience::Channel(c.id), Event::PanelUpdate(e));
        }
    }
}
