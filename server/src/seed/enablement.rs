//! Example courses of the demo workspace (published, keyed by slug so a
//! rerun leaves them as they are).

use crate::ids::TenantId;
use crate::store::{NewCourse, NewModule, Store, StoreError};
use arena_protocol::SnowflakeGenerator;

/// (slug, title, summary, pass mark, modules as (title, body)).
type Example = (
    &'static str,
    &'static str,
    &'static str,
    Option<i32>,
    &'static [(&'static str, &'static str)],
);

const COURSES: &[Example] = &[
    (
        "partner-foundations",
        "Partner foundations",
        "How the program works: tiers, commissions, payouts and where to find help.",
        None,
        &[
            (
                "The partner program in ten minutes",
                "Tiers, commission rates and how deals are recorded.",
            ),
            (
                "Commissions and payouts",
                "Pending, approved and paid: what each status means and when money moves.",
            ),
            (
                "Getting help",
                "Support cases, #ask-the-experts and your partner manager.",
            ),
        ],
    ),
    (
        "discovery-calls",
        "Running a discovery call",
        "Qualify a prospect in thirty minutes and leave with a next step.",
        Some(80),
        &[
            (
                "Before the call",
                "Research the client, pick the client type and open its SOP board.",
            ),
            (
                "Questions that qualify",
                "Budget, authority, need and timing without sounding like a form.",
            ),
            (
                "Closing the call",
                "Agree on a next step and a date before you hang up.",
            ),
        ],
    ),
    (
        "objection-handling",
        "Handling objections",
        "The five objections partners hear most and the answers that work.",
        None,
        &[
            (
                "Price",
                "Anchor on the cost of the problem, not the price of the product.",
            ),
            ("Timing", "Find the event that makes now the right time."),
        ],
    ),
];

/// Creates the example courses of `tenant_id` that do not exist yet.
pub async fn seed(
    store: &Store,
    ids: &SnowflakeGenerator,
    tenant_id: TenantId,
) -> Result<(), StoreError> {
    for (slug, title, summary, pass_mark, modules) in COURSES {
        let course = NewCourse {
            id: ids.next_id().0 as i64,
            slug: Some((*slug).to_owned()),
            title: (*title).to_owned(),
            summary: (*summary).to_owned(),
            pass_mark: *pass_mark,
            status: "published",
            created_by: None,
            modules: modules
                .iter()
                .map(|(t, b)| NewModule {
                    id: ids.next_id().0 as i64,
                    title: (*t).to_owned(),
                    body: (*b).to_owned(),
                })
                .collect(),
        };
        store.insert_course(tenant_id, &course).await?;
    }
    Ok(())
}
