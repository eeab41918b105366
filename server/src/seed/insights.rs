//! Demo insights for the `demo` workspace: a week of daily KPI snapshots
//! (computed from the seeded records, as the midnight job would have) and
//! one running opt-in experiment. Idempotent: days already snapshotted and
//! a workspace that has experiments are left alone.

use crate::domains::insights::{clock, kpis, rules::Variant};
use crate::store::{NewExperiment, Store, StoreError};
use arena_protocol::SnowflakeGenerator;
use time::OffsetDateTime;

/// Days of snapshot history seeded (the days before today).
const DAYS: i64 = 7;

/// Seeds the snapshot history and the demo experiment.
pub async fn seed(
    store: &Store,
    ids: &SnowflakeGenerator,
    registry: &crate::registry::Registry,
) -> Result<(), StoreError> {
    let tenant = match store.fetch_tenant_by_slug("demo").await {
        Ok(t) => t.id,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    let tz = clock::zone_or_utc(&store.fetch_timezone(tenant).await?);
    let today = clock::local_day(OffsetDateTime::now_utc(), &tz);
    for back in (1..=DAYS).rev() {
        let day = today - time::Duration::days(back);
        if store.fetch_snapshot(tenant, day).await?.is_some() {
            continue;
        }
        let (from, to) = clock::day_bounds(day, &tz);
        let (program, shared) = kpis::snapshot_pair(store, registry, tenant, from, to).await?;
        store
            .upsert_snapshot(
                tenant,
                day,
                &program,
                &shared,
                to + time::Duration::seconds(5),
                None,
            )
            .await?;
    }
    if !store.fetch_experiments(tenant, None, 1).await?.is_empty() {
        return Ok(());
    }
    let staff = store
        .fetch_user_by_email(tenant, "staff@demo.test")
        .await?
        .id;
    let variants = vec![
        Variant {
            name: "Control".into(),
            weight: 50,
        },
        Variant {
            name: "Guided path".into(),
            weight: 50,
        },
    ];
    let e = store
        .insert_experiment(
            tenant,
            &NewExperiment {
                id: ids.next_id().0 as i64,
                name: "Guided onboarding path",
                hypothesis:
                    "A guided course path makes partners complete their first course sooner.",
                metric: "course_completed",
                channel_key: None,
                assignment: "opt_in",
                variants: serde_json::to_value(&variants)
                    .map_err(|e| StoreError::Other(e.to_string()))?,
                created_by: staff,
            },
        )
        .await?;
    store
        .update_experiment_status(tenant, e.id, "draft", "running", None)
        .await?;
    Ok(())
}
