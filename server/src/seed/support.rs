//! Demo support cases for the `demo` workspace: ana has an open case with a
//! staff reply and an internal note, ben a resolved one. Written once: a
//! workspace that already has cases is left alone (idempotent on rerun).

use crate::ids::{CaseId, UserId};
use crate::store::{NewActivity, NewCase, NewCaseEntry, Store, StoreError};
use arena_protocol::SnowflakeGenerator;
use serde_json::json;

/// Seeds the demo cases unless the `demo` workspace has cases already.
pub async fn seed(store: &Store, ids: &SnowflakeGenerator) -> Result<(), StoreError> {
    let tenant = match store.fetch_tenant_by_slug("demo").await {
        Ok(t) => t.id,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    if !store.fetch_cases(tenant, None, None, 1).await?.is_empty() {
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
    let id = |ids: &SnowflakeGenerator| ids.next_id().0 as i64;
    let open = |case: CaseId, author: UserId, subject: &'static str| NewActivity {
        id: id(ids),
        partner: author,
        actor: Some(author),
        domain: "support",
        verb: "case.opened",
        summary: subject,
        data: json!({ "case_id": case.to_string() }),
    };

    let a = CaseId(id(ids));
    let subject = "October payout report is missing";
    let body = "The payouts page shows September as the latest report. Could you check October?";
    store
        .insert_case(
            tenant,
            &NewCase {
                id: a,
                author_id: ana,
                subject,
                body,
                priority: "normal",
            },
            &[],
            &open(
                a,
                ana,
                "Opened case “October payout report is missing” (normal)",
            ),
        )
        .await?;
    let reply = NewCaseEntry {
        id: id(ids),
        case_id: a,
        author_id: staff,
        kind: "reply",
        internal: false,
        status: None,
        body: "Thanks Ana, finance is regenerating it; expect it by Friday.",
    };
    let replied = NewActivity {
        id: id(ids),
        partner: ana,
        actor: Some(staff),
        domain: "support",
        verb: "case.replied",
        summary: "Reply on “October payout report is missing”",
        data: json!({ "case_id": a.to_string() }),
    };
    store
        .insert_case_entry(tenant, &reply, &[], Some(&replied))
        .await?;
    let note = NewCaseEntry {
        id: id(ids),
        internal: true,
        body: "Export job failed on the 1st; rerun scheduled.",
        ..reply
    };
    store.insert_case_entry(tenant, &note, &[], None).await?;

    let b = CaseId(id(ids));
    store
        .insert_case(
            tenant,
            &NewCase {
                id: b,
                author_id: ben,
                subject: "How do I co-brand a one-pager?",
                body: "Where do I find the co-branding templates for silver partners?",
                priority: "low",
            },
            &[],
            &open(b, ben, "Opened case “How do I co-brand a one-pager?” (low)"),
        )
        .await?;
    for (from, to) in [("open", "pending"), ("pending", "resolved")] {
        let e = NewCaseEntry {
            id: id(ids),
            case_id: b,
            author_id: staff,
            kind: "status",
            internal: false,
            status: Some(to),
            body: if to == "resolved" {
                "Templates are in #enablement-curriculum."
            } else {
                ""
            },
        };
        let summary = format!("“How do I co-brand a one-pager?”: {from} → {to}");
        let act = NewActivity {
            id: id(ids),
            partner: ben,
            actor: Some(staff),
            domain: "support",
            verb: "case.status_changed",
            summary: &summary,
            data: json!({ "case_id": b.to_string(), "from": from, "to": to }),
        };
        store.update_case_status(tenant, from, &e, &act).await?;
    }
    Ok(())
}
