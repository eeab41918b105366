//! The campaign scheduler: a task started with the server that, every
//! `[growth] campaign_tick_s`, claims up to [`BATCH`] due steps of any
//! tenant (`FOR UPDATE SKIP LOCKED`: several nodes never emit one twice)
//! and queues each as an outgoing webhook event `campaign.step_due` in the
//! transaction that marks it emitted. It also forgets visitors counted
//! longer ago than the click window.
//!
//! `campaign.step_due` data: `{run_id, campaign_id, campaign_name, step,
//! channel: "email" | "sms", subject, text, due_at, lead: {id, name, email,
//! phone, company}, partner: {id, name}, callback}` where `subject` and
//! `text` are rendered and `callback` is the path the tool answers on
//! (`POST /api/v1/growth/campaign-steps/{run_id}/done`).

use super::commands::Command;
use super::render::{render, Values};
use crate::domains::Domains;
use crate::store::{rfc3339, DueRunRow, EmitRun, Store};
use serde_json::json;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Most steps emitted per tick (the rest wait for the next).
pub const BATCH: i64 = 100;

/// The callback path of a run.
pub fn callback(run_id: i64) -> String {
    format!("/api/v1/growth/campaign-steps/{run_id}/done")
}

/// The event data of a due run, rendered.
pub fn payload(d: &DueRunRow) -> serde_json::Value {
    let v = Values {
        lead_name: &d.lead_name,
        lead_company: &d.lead_company,
        lead_email: &d.lead_email,
        lead_phone: &d.lead_phone,
        partner_name: &d.partner_name,
        campaign_name: &d.campaign_name,
    };
    json!({
        "run_id": d.id.to_string(),
        "campaign_id": d.campaign_id.to_string(),
        "campaign_name": d.campaign_name,
        "step": d.position,
        "channel": d.channel,
        "subject": render(&d.subject, &v),
        "text": render(&d.template, &v),
        "due_at": rfc3339(d.due_at),
        "lead": { "id": d.lead_id.to_string(), "name": d.lead_name, "email": d.lead_email,
                  "phone": d.lead_phone, "company": d.lead_company },
        "partner": { "id": d.partner_id.to_string(), "name": d.partner_name },
        "callback": callback(d.id.0),
    })
}

/// Emits the due steps once; answers how many.
pub async fn tick(store: &Store, domains: &Domains) -> usize {
    let ids = &domains.growth().context().ids;
    let emit = |d: &DueRunRow| EmitRun {
        payload: payload(d).to_string(),
        activity_id: ids.next_id().0 as i64,
        summary: format!(
            "“{}” step {} ({}) due for “{}”: sent to the mail tool",
            d.campaign_name, d.position, d.channel, d.lead_name
        ),
    };
    match store.update_growth_emit_due(BATCH, super::NAME, emit).await {
        Ok(done) => {
            for d in &done {
                // Best effort: the panels' refresh bound covers a full mailbox.
                let _ = domains.growth().command(
                    d.tenant_id,
                    Command::Touched {
                        partner: d.partner_id,
                    },
                );
            }
            done.len()
        }
        Err(e) => {
            tracing::warn!(error = %e, "campaign scheduler");
            0
        }
    }
}

/// Runs until `stop`: a tick every `every`.
pub async fn run(
    store: Store,
    domains: Domains,
    stop: CancellationToken,
    every: Duration,
    window: Duration,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            _ = interval.tick() => {
                while tick(&store, &domains).await as i64 == BATCH {}
                if let Err(e) = store.delete_growth_visitors(window.as_secs() as i64).await {
                    tracing::warn!(error = %e, "forgetting growth visitors");
                }
            }
        }
    }
}
