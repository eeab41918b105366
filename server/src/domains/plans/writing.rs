//! Narrative writing off the actor: a plan created in state `writing` gets
//! a job on the node's [`super::llm::Writer`], spawned so the actor never
//! waits for the model; the outcome comes back as [`Command::Narrative`]
//! and is stored only if the plan still waits for that writing (its
//! generation), with an activity entry. Any failure keeps the template
//! text and records why.

use super::commands::{activity, Command};
use super::llm::Job;
use super::Plans;
use crate::ids::{PlanId, TenantId};
use crate::store::{NarrativeOutcome, PlanRow, PlanSection, StoreError};
use serde_json::json;

/// Starts writing the narrative of `plan` (in state `writing`) on the
/// node's writer, off the actor: the outcome comes back as
/// [`Command::Narrative`]. Without a writer the plan is marked failed.
pub(super) async fn start_writing(s: &Plans, plan: &PlanRow) {
    let Some(writer) = s.ctx.llm.clone() else {
        let outcome = Err("no language model is configured".to_owned());
        if let Err(e) = store_narrative(s, plan.id, plan.narrative_gen, outcome).await {
            tracing::warn!(plan = %plan.id, error = ?e, "narrative not stored");
        }
        return;
    };
    let job = Job {
        client_name: plan.client_name.clone(),
        vertical: plan.template_name.clone(),
        tone: plan.answers["tone"].as_str().unwrap_or_default().to_owned(),
        sections: plan
            .sections
            .0
            .iter()
            .enumerate()
            .filter(|(_, x)| x.narrative)
            .map(|(i, x)| (i, x.title.clone(), x.body.clone()))
            .collect(),
    };
    let (links, tenant, plan_id, gen) = (
        s.ctx.links.clone(),
        s.tenant_id,
        plan.id,
        plan.narrative_gen,
    );
    // A job of this node may still run for it (the actor retired and
    // restarted meanwhile): its outcome will come; do not call twice.
    let key = (tenant.0, plan_id.0);
    if !writer.claim(key) {
        return;
    }
    tokio::spawn(async move {
        let outcome = writer.rewrite(&job).await;
        deliver(&links, tenant, plan_id, gen, outcome).await;
        writer.release(key);
    });
}

/// Sends the outcome to the tenant's actor, retrying while its mailbox is
/// full (bounded: after that the plan stays "writing" until the actor's
/// next start restarts the job).
async fn deliver(
    links: &crate::domains::Links,
    tenant: TenantId,
    plan_id: PlanId,
    gen: i32,
    outcome: Result<Vec<(usize, String)>, String>,
) {
    for _ in 0..50 {
        let Ok(d) = links.domains() else { return };
        let c = Command::Narrative {
            plan_id,
            gen,
            outcome: outcome.clone(),
        };
        if d.plans().command(tenant, c).is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tracing::warn!(tenant = %tenant, plan = %plan_id, "narrative outcome not delivered (mailbox full)");
}

pub(super) async fn store_narrative(
    s: &Plans,
    plan_id: PlanId,
    gen: i32,
    outcome: Result<Vec<(usize, String)>, String>,
) -> Result<Option<PlanRow>, StoreError> {
    let plan = match s.store().fetch_plan(s.tenant_id, plan_id).await {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    match outcome {
        Ok(texts) => {
            let mut sections: Vec<PlanSection> = plan.sections.0.clone();
            for (i, text) in texts {
                if let Some(sec) = sections.get_mut(i).filter(|x| x.narrative) {
                    sec.body = text;
                    sec.source = "assistant".into();
                }
            }
            let summary = format!("The assistant wrote the narrative of “{}”", plan.title);
            let a = activity(s, &plan, None, "plan.written", &summary, json!({}));
            s.store()
                .update_plan_narrative(
                    s.tenant_id,
                    &NarrativeOutcome {
                        id: plan_id,
                        gen,
                        narrative: "written",
                        note: None,
                        sections: Some(&sections),
                    },
                    &a,
                )
                .await
        }
        Err(reason) => {
            let summary = format!(
                "The assistant could not write “{}” ({reason}); the template text stands",
                plan.title
            );
            let a = activity(
                s,
                &plan,
                None,
                "plan.writing_failed",
                &summary,
                json!({ "reason": reason }),
            );
            s.store()
                .update_plan_narrative(
                    s.tenant_id,
                    &NarrativeOutcome {
                        id: plan_id,
                        gen,
                        narrative: "failed",
                        note: Some(&reason),
                        sections: None,
                    },
                    &a,
                )
                .await
        }
    }
}
