//! Demo clients and opportunities of the client-exchange domain for ana and
//! ben (`arena seed-demo`); idempotent: a client their roster already has
//! by name, and an opportunity its client already has by title, is skipped.

use crate::ids::{TenantId, UserId};
use crate::store::{ClientFields, NewOpportunity, Store, StoreError};
use arena_protocol::model::User;
use arena_protocol::SnowflakeGenerator;
use std::collections::HashMap;

/// (owner email, name, industry, status, stage, value minor, currency, next step,
/// opportunities: (title, stage, amount minor)).
type DemoClient = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, i64)],
);

const CLIENTS: &[DemoClient] = &[
    (
        "ana@demo.test",
        "Harbor Gym",
        "Fitness",
        "active",
        "live",
        1_250_000,
        "USD",
        "Quarterly review on the 3rd",
        &[
            ("Second location rollout", "proposal", 480_000),
            ("Member app add-on", "prospect", 120_000),
        ],
    ),
    (
        "ana@demo.test",
        "Brightline Dental",
        "Dental",
        "active",
        "onboarding",
        960_000,
        "USD",
        "Send the onboarding checklist",
        &[("Three-clinic package", "negotiation", 750_000)],
    ),
    (
        "ana@demo.test",
        "Café Lumen",
        "Hospitality",
        "paused",
        "lead",
        180_000,
        "EUR",
        "Follow up after the summer",
        &[("Loyalty pilot", "lost", 90_000)],
    ),
    (
        "ben@demo.test",
        "Northwind Realty",
        "Real estate",
        "active",
        "live",
        2_100_000,
        "USD",
        "Demo the listing widget",
        &[("Agent seats expansion", "qualified", 640_000)],
    ),
    (
        "ben@demo.test",
        "Maple Learning",
        "Education",
        "active",
        "lead",
        400_000,
        "CAD",
        "Intro call with the principal",
        &[("Campus pilot", "prospect", 300_000)],
    ),
];

/// Seeds the demo clients of the members in `users` (by email) of `tenant_id`.
pub async fn seed(
    store: &Store,
    ids: &SnowflakeGenerator,
    tenant_id: TenantId,
    users: &HashMap<String, User>,
) -> Result<(), StoreError> {
    for (email, name, industry, status, stage, value, currency, next, opps) in CLIENTS {
        let Some(owner) = users.get(*email) else {
            continue;
        };
        let owner = UserId::from(owner.id);
        let f = ClientFields {
            name: (*name).into(),
            industry: (*industry).into(),
            status: (*status).into(),
            stage: (*stage).into(),
            value_minor: *value,
            currency: (*currency).into(),
            next_step: (*next).into(),
        };
        let Some(client) = store
            .insert_client_if_absent(tenant_id, ids.next_id().0 as i64, owner, &f)
            .await?
        else {
            continue;
        };
        for (title, stage, amount) in opps.iter() {
            let o = NewOpportunity {
                id: ids.next_id().0 as i64,
                client_id: client.id,
                title: (*title).into(),
                stage,
                amount_minor: *amount,
                currency: (*currency).into(),
                created_by: owner,
            };
            store.insert_opportunity(tenant_id, &o, None, true).await?;
        }
    }
    Ok(())
}
