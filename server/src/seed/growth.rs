//! Demo growth-hub data: for every partner of the demo workspaces a
//! referral code and a published landing page (slug: the part of their
//! email before the @), a few referred leads for ana and ben, and ana's
//! outreach campaign with one enrolled lead (its steps due in days, not
//! at once). Written once: a workspace with landing pages is left alone.

use crate::domains::growth::referrals::random_code;
use crate::ids::{CampaignId, LandingPageId, LeadId, StepRunId, TenantId, UserId};
use crate::store::{NewActivity, NewLead, PageContent, StepRow, Store, StoreError};
use arena_protocol::SnowflakeGenerator;
use serde_json::json;

fn activity<'a>(
    ids: &SnowflakeGenerator,
    partner: UserId,
    verb: &'a str,
    summary: &'a str,
) -> NewActivity<'a> {
    NewActivity {
        id: ids.next_id().0 as i64,
        partner,
        actor: Some(partner),
        domain: crate::domains::growth::NAME,
        verb,
        summary,
        data: json!({ "seed": true }),
    }
}

/// Seeds the growth hub of the `demo` and `acme` workspaces once.
pub async fn seed(store: &Store, ids: &SnowflakeGenerator) -> Result<(), StoreError> {
    for slug in ["demo", "acme"] {
        let tenant = match store.fetch_tenant_by_slug(slug).await {
            Ok(t) => t.id,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        if !store.fetch_growth_pages(tenant, None, 1).await?.is_empty() {
            continue;
        }
        seed_tenant(store, ids, tenant).await?;
    }
    Ok(())
}

async fn seed_tenant(
    store: &Store,
    ids: &SnowflakeGenerator,
    tenant: TenantId,
) -> Result<(), StoreError> {
    let fields: Vec<String> = ["name", "email", "company", "message"]
        .map(String::from)
        .to_vec();
    let partners: Vec<_> = store
        .fetch_members(tenant)
        .await?
        .into_iter()
        .filter(|u| u.role == "partner")
        .collect();
    for p in &partners {
        let code = random_code();
        let summary = format!("Referral code {code} created");
        let a = activity(ids, p.id, "referral_code.created", &summary);
        store
            .insert_growth_code(tenant, ids.next_id().0 as i64, p.id, &code, None, &a)
            .await?;
        let slug = p
            .email
            .split('@')
            .next()
            .unwrap_or("partner")
            .to_ascii_lowercase();
        let headline = format!("Grow your business with {}", p.display_name);
        let content = PageContent {
            slug: &slug,
            headline: &headline,
            body: "Partners like me help studios, gyms and clinics win more clients.\nLeave your details and I will get back to you within a day.",
            cta: "Get in touch",
            fields: &fields,
            published: true,
        };
        let summary = format!("Landing page /{slug} created");
        let a = activity(ids, p.id, "landing_page.created", &summary);
        store
            .upsert_growth_page(
                tenant,
                LandingPageId(ids.next_id().0 as i64),
                p.id,
                &content,
                &a,
            )
            .await?;
    }
    let leads = [
        (
            "ana@demo.test",
            "Maya Lopez",
            "maya@harborgym.example",
            "Harbor Gym",
        ),
        (
            "ana@demo.test",
            "Noah Kim",
            "noah@brightdental.example",
            "Bright Dental",
        ),
        (
            "ben@demo.test",
            "Iris Novak",
            "iris@corestudio.example",
            "Core Studio",
        ),
    ];
    let mut first: Option<(UserId, LeadId, String)> = None;
    for (email, name, mail, company) in leads {
        let Ok(u) = store.fetch_user_by_email(tenant, email).await else {
            continue;
        };
        let id = LeadId(ids.next_id().0 as i64);
        let summary = format!("Referred lead “{name}” added");
        let a = activity(ids, u.id, "lead.created", &summary);
        let new = NewLead {
            id,
            partner_id: u.id,
            source: "panel",
            page_id: None,
            name,
            email: mail,
            phone: "",
            company,
            note: "",
        };
        store.insert_growth_lead(tenant, &new, &a).await?;
        first.get_or_insert((u.id, id, name.to_owned()));
    }
    let Some((ana, lead, _)) = first else {
        return Ok(());
    };
    let cid = CampaignId(ids.next_id().0 as i64);
    let a = activity(
        ids,
        ana,
        "campaign.created",
        "Campaign “New referral welcome” created",
    );
    store
        .insert_growth_campaign(tenant, cid, ana, "New referral welcome", &a)
        .await?;
    let steps = [
        ("email", 2, "Nice to meet you, {{lead.first_name}}", "Hi {{lead.first_name}},\n\nthanks for your interest. I'm {{partner.name}}; could we talk this week about how {{lead.company}} could grow?\n\nBest,\n{{partner.name}}"),
        ("sms", 5, "", "Hi {{lead.first_name}}, {{partner.name}} here. Shall I call you this week?"),
    ];
    let mut rows = Vec::new();
    for (channel, day, subject, template) in steps {
        let step = StepRow {
            campaign_id: cid,
            position: 0,
            channel: channel.into(),
            day_offset: day,
            subject: subject.into(),
            template: template.into(),
        };
        let a = activity(ids, ana, "campaign.step_added", "Campaign step added");
        rows.push((
            StepRunId(ids.next_id().0 as i64),
            store.insert_growth_step(tenant, &step, &a).await?,
        ));
    }
    let a = activity(
        ids,
        ana,
        "campaign.enrolled",
        "Lead enrolled in “New referral welcome”",
    );
    store
        .insert_growth_enrollment(tenant, ids.next_id().0 as i64, lead, &rows, &a)
        .await?;
    Ok(())
}
