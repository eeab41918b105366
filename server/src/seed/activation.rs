//! Demo onboarding records (activation domain), called from `seed_demo`:
//! the seeded partners count as welcomed (their welcome is part of the
//! seeded history), and in the `demo` workspace a few partners are at
//! different steps: Priya finished, Jordan under review, Lena submitted,
//! Marco rejected; Ana, Ben and Tomás have not started. Idempotent: the
//! records are written only while the workspace has no application.

use crate::domains::activation::config::Auto;
use crate::domains::activation::NAME;
use crate::domains::revenue::Program;
use crate::ids::{TenantId, UserId};
use crate::store::{NewActivity, NewApplication, Store, StoreError};
use arena_protocol::SnowflakeGenerator;

/// Marks `partners` (all of the tenant's when `None`) as welcomed.
pub async fn welcomed(
    store: &Store,
    tenant_id: TenantId,
    partners: Option<&[UserId]>,
) -> Result<(), StoreError> {
    store
        .insert_welcomes_for_partners(tenant_id, partners)
        .await
}

/// One seeded step of a partner.
enum Step {
    Apply(&'static str, &'static str),
    Decide(&'static str, &'static str, &'static str),
    Agree,
    Tick(&'static str),
    Fact(Auto),
}

/// Seeds the demo tenant's onboarding records; `members` are the seeded
/// members (the seeded partners are marked welcomed in every tenant).
pub async fn seed(
    store: &Store,
    ids: &SnowflakeGenerator,
    program: &Program,
    tenant_id: TenantId,
    slug: &str,
    members: &[UserId],
) -> Result<(), StoreError> {
    welcomed(store, tenant_id, Some(members)).await?;
    if slug != "demo" || !store.fetch_applications(tenant_id, 1).await?.is_empty() {
        return Ok(());
    }
    use Step::*;
    let plan: [(&str, Vec<Step>); 4] = [
        (
            "priya@demo.test",
            vec![
                Apply(
                    "Nair Digital",
                    "Mid-market retailers in the UK, through a 6-person agency.",
                ),
                Decide("submitted", "under_review", ""),
                Decide("under_review", "approved", "Strong retail pipeline."),
                Agree,
                Tick("profile"),
                Tick("first-client"),
                Fact(Auto::PayoutAccountActive),
                Fact(Auto::CourseCompleted),
                Fact(Auto::IntroductionPosted),
            ],
        ),
        (
            "jordan@demo.test",
            vec![
                Apply(
                    "Lee Growth Partners",
                    "Fitness studios on the US west coast.",
                ),
                Decide("submitted", "under_review", ""),
                Agree,
                Tick("profile"),
            ],
        ),
        (
            "lena@demo.test",
            vec![
                Apply(
                    "Fischer Consulting",
                    "Dental practices in Germany and Austria.",
                ),
                Tick("profile"),
            ],
        ),
        (
            "marco@demo.test",
            vec![
                Apply("Rossi", "Everyone."),
                Decide("submitted", "under_review", ""),
                Decide(
                    "under_review",
                    "rejected",
                    "Please name the markets and client types you sell to.",
                ),
            ],
        ),
    ];
    let staff = store
        .fetch_user_by_email(tenant_id, "staff@demo.test")
        .await?
        .id;
    let cfg = &program.onboarding;
    for (email, steps) in plan {
        let p = store.fetch_user_by_email(tenant_id, email).await?.id;
        for step in steps {
            let id = ids.next_id().0 as i64;
            let act =
                |actor: Option<UserId>, verb: &'static str, summary: &'static str| NewActivity {
                    id,
                    partner: p,
                    actor,
                    domain: NAME,
                    verb,
                    summary,
                    data: serde_json::json!({ "seeded": true }),
                };
            match step {
                Apply(company, pitch) => {
                    let a = NewApplication {
                        company: company.into(),
                        website: String::new(),
                        pitch: pitch.into(),
                    };
                    let activity = act(Some(p), "application.submitted", "Application submitted");
                    store
                        .update_application_submit(tenant_id, p, None, &a, &activity)
                        .await?;
                }
                Decide(from, to, reason) => {
                    let verb = match to {
                        "approved" => "application.approved",
                        "rejected" => "application.rejected",
                        _ => "application.under_review",
                    };
                    let activity = act(Some(staff), verb, "Application moved by staff");
                    store
                        .update_application_status(tenant_id, p, from, to, reason, staff, &activity)
                        .await?;
                }
                Agree => {
                    let activity = act(
                        Some(p),
                        "agreement.accepted",
                        "Accepted the partner agreement",
                    );
                    store
                        .insert_agreement(tenant_id, p, &cfg.agreement_version, &activity)
                        .await?;
                }
                Tick(key) if cfg.item(key).is_some() => {
                    let activity = act(Some(p), "checklist.ticked", "Ticked an item");
                    store
                        .update_tick(tenant_id, p, key, true, "partner", &activity)
                        .await?;
                }
                Fact(auto) => {
                    if let Some(item) = cfg.item_for(auto) {
                        let activity = act(None, "checklist.ticked", "Ticked by a fact");
                        store
                            .update_tick(tenant_id, p, &item.key, true, "signal", &activity)
                            .await?;
                    }
                }
                Tick(_) => {}
            }
        }
    }
    Ok(())
}
