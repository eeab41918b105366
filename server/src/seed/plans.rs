//! Demo app plans for the `demo` workspace: the curated templates, ana's
//! draft plan for a restaurant and ben's approved plan for a gym, filled
//! from the templates like the wizard does. Written once: a workspace that
//! already has plans is left alone (idempotent on rerun).

use crate::domains::plans::render::{self, Answers, TemplateInfo};
use crate::domains::plans::templates;
use crate::domains::plans::NAME;
use crate::ids::{PlanId, TenantId, UserId};
use crate::store::{NewActivity, NewPlan, PlanMove, PlanRow, Store, StoreError};
use arena_protocol::SnowflakeGenerator;
use serde_json::json;

/// Seeds the demo plans unless the `demo` workspace has plans already.
pub async fn seed(store: &Store, ids: &SnowflakeGenerator) -> Result<(), StoreError> {
    let tenant = match store.fetch_tenant_by_slug("demo").await {
        Ok(t) => t.id,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    let curated = templates::curated();
    let rows: Vec<_> = curated
        .iter()
        .enumerate()
        .map(|(i, t)| t.to_new(i as i32, None))
        .collect();
    store.insert_seed_plan_templates(tenant, &rows).await?;
    if !store
        .fetch_plans(tenant, None, None, false, 1)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let user = |email: &'static str| async move {
        store.fetch_user_by_email(tenant, email).await.map(|u| u.id)
    };
    let (ana, ben, staff) = (
        user("ana@demo.test").await?,
        user("ben@demo.test").await?,
        user("staff@demo.test").await?,
    );
    let draft = Answers {
        client_name: "Luna Trattoria".into(),
        template: "restaurant".into(),
        goals:
            "Take pickup orders without a marketplace fee and bring regulars back on weeknights."
                .into(),
        audience: "Families and office workers within 3 km".into(),
        colors: "terracotta, cream".into(),
        tone: "friendly".into(),
        features: vec![
            "ordering".into(),
            "loyalty".into(),
            "push".into(),
            "payments".into(),
        ],
        ..Answers::default()
    };
    plan(store, ids, tenant, ana, &draft).await?;
    let approved = Answers {
        client_name: "Harbor Gym".into(),
        template: "gym".into(),
        goals: "Fill the early-morning classes and cut no-shows in half.".into(),
        audience: "Members aged 25-45 who train before work".into(),
        colors: "navy, orange".into(),
        tone: "energetic".into(),
        features: vec!["bookings".into(), "memberships".into(), "push".into()],
        features_other: "class waitlists".into(),
        ..Answers::default()
    };
    let p = plan(store, ids, tenant, ben, &approved).await?;
    let id = |ids: &SnowflakeGenerator| ids.next_id().0 as i64;
    let entry = |by: UserId, verb: &'static str, summary: &'static str| NewActivity {
        id: id(ids),
        partner: ben,
        actor: Some(by),
        domain: NAME,
        verb,
        summary,
        data: json!({ "plan_id": p.id.to_string() }),
    };
    let submit = PlanMove {
        id: p.id,
        from: "draft",
        to: "submitted",
        submission: true,
        decision: None,
    };
    store
        .update_plan_status(
            tenant,
            &submit,
            &entry(
                ben,
                "plan.submitted",
                "Submitted the plan “Harbor Gym app plan” for review",
            ),
        )
        .await?;
    let approve = PlanMove {
        id: p.id,
        from: "submitted",
        to: "approved",
        submission: false,
        decision: Some((staff, "Great scope for a first release.")),
    };
    store
        .update_plan_status(
            tenant,
            &approve,
            &entry(
                staff,
                "plan.approved",
                "The plan “Harbor Gym app plan” was approved",
            ),
        )
        .await?;
    Ok(())
}

async fn plan(
    store: &Store,
    ids: &SnowflakeGenerator,
    tenant: TenantId,
    partner: UserId,
    a: &Answers,
) -> Result<PlanRow, StoreError> {
    let t = store.fetch_plan_template(tenant, &a.template).await?;
    let info = TemplateInfo {
        name: &t.name,
        vertical: &t.vertical,
    };
    let sections = render::render(&t.sections.0, a, &info);
    let title = format!("{} app plan", a.client_name);
    let answers = serde_json::to_value(a).map_err(|e| StoreError::Other(e.to_string()))?;
    let id = PlanId(ids.next_id().0 as i64);
    let summary = format!("Created the plan “{title}” from the {} template", t.name);
    store
        .insert_plan(
            tenant,
            &NewPlan {
                id,
                partner_id: partner,
                template_key: &t.key,
                template_name: &t.name,
                title: &title,
                client_name: &a.client_name,
                answers: &answers,
                sections: &sections,
                narrative: "template",
            },
            &NewActivity {
                id: ids.next_id().0 as i64,
                partner,
                actor: Some(partner),
                domain: NAME,
                verb: "plan.created",
                summary: &summary,
                data: json!({ "plan_id": id.to_string(), "template": t.key }),
            },
        )
        .await
}
