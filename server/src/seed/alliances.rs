//! Demo alliances (issue 15) of each demo tenant, linked to demo partners,
//! with a contact, an opportunity and a task each (`arena seed-demo`).
//! Idempotent: an alliance whose name the tenant already has is skipped
//! with its records. ana, ben and zoe are left without an alliance (the
//! tests add them to their own).

use crate::ids::{TenantId, UserId};
use crate::store::{
    AllianceContactRow, AllianceFields, AllianceOpportunityRow, AllianceTaskRow,
    NewAllianceActivity, Store, StoreError,
};
use arena_protocol::model::User;
use arena_protocol::SnowflakeGenerator;
use std::collections::HashMap;

/// (owner email, name, status, tier, region, industry, website, member emails,
/// contact (name, role, email), opportunity (title, value minor, currency), task
/// (title, days from today)).
type DemoAlliance = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
    (&'static str, &'static str, &'static str),
    (&'static str, i64, &'static str),
    (&'static str, i64),
);

const ALLIANCES: &[DemoAlliance] = &[
    (
        "staff@demo.test",
        "Northwind Digital",
        "active",
        "gold",
        "EMEA",
        "Agencies",
        "https://northwind.example",
        &["priya@demo.test", "jordan@demo.test"],
        ("Hana Ito", "Head of partnerships", "hana@northwind.example"),
        ("Retail app bundle", 2_400_000, "EUR"),
        ("Send the co-marketing brief", -3),
    ),
    (
        "staff@demo.test",
        "Blue Harbor Consulting",
        "negotiation",
        "silver",
        "North America",
        "Consulting",
        "https://blueharbor.example",
        &["lena@demo.test"],
        ("Owen Price", "Managing partner", "owen@blueharbor.example"),
        ("Gym chain rollout", 1_200_000, "USD"),
        ("Review the draft agreement", 5),
    ),
    (
        "admin@demo.test",
        "Atlas Resellers",
        "prospect",
        "bronze",
        "APAC",
        "Resellers",
        "",
        &["marco@demo.test"],
        ("Mei Chen", "Channel lead", "mei@atlas.example"),
        ("Joint webinar", 300_000, "USD"),
        ("Intro call notes", 10),
    ),
    (
        "kai@acme.test",
        "Acme Ventures Network",
        "active",
        "silver",
        "EMEA",
        "Venture studios",
        "https://acmeventures.example",
        &["liam@acme.test"],
        ("Rosa Diaz", "Partner manager", "rosa@acmeventures.example"),
        ("Studio pilot", 800_000, "GBP"),
        ("Quarterly review deck", -1),
    ),
];

/// Seeds the demo alliances of the members in `users` (by email) of `tenant_id`.
pub async fn seed(
    store: &Store,
    ids: &SnowflakeGenerator,
    tenant_id: TenantId,
    users: &HashMap<String, User>,
) -> Result<(), StoreError> {
    let id_of = |e: &str| users.get(e).map(|u| UserId::from(u.id));
    for (owner, name, status, tier, region, industry, website, members, contact, opp, task) in
        ALLIANCES
    {
        let Some(owner) = id_of(owner) else {
            continue;
        };
        let members: Vec<UserId> = members.iter().filter_map(|m| id_of(m)).collect();
        let id = ids.next_id().0 as i64;
        let f = AllianceFields {
            name: (*name).into(),
            owner_id: owner,
            tier: (*tier).into(),
            region: (*region).into(),
            industry: (*industry).into(),
            website: (*website).into(),
            notes: String::new(),
        };
        let entry = |verb: &'static str, summary: String| NewAllianceActivity {
            id: ids.next_id().0 as i64,
            alliance_id: id,
            actor: Some(owner),
            kind: "system",
            verb,
            summary,
            data: serde_json::json!({}),
        };
        let made = store
            .insert_alliance(
                tenant_id,
                id,
                &f,
                status,
                None,
                &members,
                owner,
                &entry("alliance.created", format!("Created {name}")),
            )
            .await;
        match made {
            Ok(_) => {}
            Err(StoreError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        let now = time::OffsetDateTime::now_utc();
        let c = AllianceContactRow {
            id: ids.next_id().0 as i64,
            alliance_id: id,
            name: contact.0.into(),
            role: contact.1.into(),
            email: contact.2.into(),
            phone: String::new(),
            created_at: now,
            updated_at: now,
        };
        store
            .upsert_alliance_contact(
                tenant_id,
                &c,
                &entry("contact.saved", format!("Saved contact {}", contact.0)),
            )
            .await?;
        let o = AllianceOpportunityRow {
            id: ids.next_id().0 as i64,
            alliance_id: id,
            title: opp.0.into(),
            kind: "deal".into(),
            stage: "proposal".into(),
            value_minor: opp.1,
            currency: opp.2.into(),
            expected_close: Some(now.date() + time::Duration::days(30)),
            owner_id: owner,
            partner_id: None,
            won_partner: None,
            deal_recorded: false,
            created_by: owner,
            created_at: now,
            updated_at: now,
        };
        store
            .insert_alliance_opportunity(
                tenant_id,
                &o,
                &entry("opportunity.created", format!("New opportunity {}", opp.0)),
            )
            .await?;
        let t = AllianceTaskRow {
            id: ids.next_id().0 as i64,
            alliance_id: id,
            title: task.0.into(),
            due_on: Some(now.date() + time::Duration::days(task.1)),
            status: "open".into(),
            assignee_id: members.first().copied(),
            created_by: owner,
            created_at: now,
            updated_at: now,
        };
        store
            .insert_alliance_task(
                tenant_id,
                &t,
                &entry("task.created", format!("New task {}", task.0)),
            )
            .await?;
    }
    Ok(())
}
