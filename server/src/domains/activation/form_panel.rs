//! The `activation.forms` panel (#onboarding-forms): for a partner their
//! application (a form while none is pending), the agreement to accept, and
//! their compliance documents with an upload form; for staff every
//! application with review/approve buttons and a decision form, and the
//! newest documents.

use super::application::Status;
use super::forms::{MAX_COMPANY, MAX_PITCH, MAX_REASON, MAX_WEBSITE};
use super::panels::activity;
use super::views::OnboardingView;
use super::{read, Activation};
use crate::ids::UserId;
use crate::store::{rfc3339, StoreError};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Applications and documents listed for staff.
const LISTED: i64 = 200;

fn status_label(s: Option<&str>) -> &'static str {
    s.and_then(Status::parse)
        .map_or("Not submitted", Status::label)
}

/// The document kinds as select options.
fn kind_options(a: &Activation) -> Vec<Value> {
    a.cfg()
        .document
        .iter()
        .map(|d| json!({ "value": d.kind, "label": d.label }))
        .collect()
}

fn kind_label<'a>(a: &'a Activation, kind: &'a str) -> &'a str {
    a.cfg()
        .document_kind(kind)
        .map_or(kind, |d| d.label.as_str())
}

/// The application form, prefilled from a rejected application.
fn application_form(v: &OnboardingView) -> Value {
    let prior = v.application.as_ref();
    let field = |name: &str,
                 label: &str,
                 input: &str,
                 required: bool,
                 max: usize,
                 value: Option<&String>| {
        let mut f = json!({ "name": name, "label": label, "input": input, "required": required, "max_length": max });
        if let Some(x) = value.filter(|x| !x.is_empty()) {
            f["value"] = json!(x);
        }
        f
    };
    json!({
        "type": "form", "id": "application", "title": "Your application",
        "action": "submit_application", "submit": "Submit application",
        "fields": [
            field("company", "Company", "text", true, MAX_COMPANY, prior.map(|p| &p.company)),
            field("website", "Website", "text", false, MAX_WEBSITE, prior.map(|p| &p.website)),
            field("pitch", "Who you sell to, and how", "textarea", true, MAX_PITCH, prior.map(|p| &p.pitch)),
        ]
    })
}

/// A partner's forms.
pub(super) async fn partner(a: &Activation, partner: UserId) -> Result<Value, StoreError> {
    let v = match read::partner(a, partner).await {
        Ok(v) => v,
        Err(StoreError::NotFound) => {
            return Ok(json!({ "title": "Onboarding forms", "blocks": [
                { "type": "text", "text": "Applications and agreements are kept for partners." },
            ]}))
        }
        Err(e) => return Err(e),
    };
    let app = v.application.as_ref();
    let status = app.map(|x| x.status.as_str());
    let agreement = if v.agreement.accepted {
        format!("Accepted {}", v.agreement.current_version)
    } else {
        "Not accepted".into()
    };
    let mut blocks = vec![json!({ "type": "figures", "items": [
        { "label": "Application", "value": status_label(status) },
        { "label": "Agreement", "value": agreement },
        { "label": "Documents", "value": v.documents.len() },
    ]})];
    match app {
        Some(x) if x.status == "rejected" => {
            blocks.push(json!({ "type": "text", "text": format!(
                "Your application was rejected: {}. Update it and submit it again below.", x.reason) }));
            blocks.push(application_form(&v));
        }
        Some(x) => {
            let mut rows = vec![
                json!(["Status", status_label(status)]),
                json!(["Company", x.company]),
                json!(["Website", x.website]),
                json!(["Who you sell to", x.pitch]),
                json!(["Submitted", x.submitted_at]),
            ];
            if !x.reason.is_empty() {
                rows.push(json!(["Staff note", x.reason]));
            }
            blocks.push(json!({ "type": "table", "columns": ["Application", ""], "rows": rows }));
        }
        None => blocks.push(application_form(&v)),
    }
    let ag = &v.agreement;
    if ag.accepted {
        blocks.push(json!({ "type": "text", "text": format!(
            "You accepted the {} on {}.", ag.title, ag.accepted_at.clone().unwrap_or_default()) }));
    } else {
        blocks.push(json!({ "type": "actions", "items": [{
            "label": format!("Accept the {}", ag.title), "action": "accept_agreement",
            "params": { "version": ag.current_version }, "style": "primary",
            "confirm": format!("I have read and accept the {}.", ag.title),
        }]}));
    }
    if !a.cfg().document.is_empty() {
        blocks.push(json!({
            "type": "form", "id": "document", "title": "Add a compliance document",
            "action": "attach_document", "submit": "Add document",
            "fields": [
                { "name": "kind", "label": "Document", "input": "select", "required": true, "options": kind_options(a) },
                { "name": "file", "label": "File", "input": "file", "required": true },
            ]
        }));
    }
    let rows: Vec<Value> = v
        .documents
        .iter()
        .map(|d| {
            json!([
                kind_label(a, &d.kind),
                d.file_name.clone().unwrap_or_default(),
                d.created_at
            ])
        })
        .collect();
    blocks.push(json!({ "type": "table", "columns": ["Document", "File", "Added"], "rows": rows }));
    blocks.push(activity(a, Some(partner)).await?);
    Ok(json!({ "title": "Your application", "blocks": blocks }))
}

/// Every application and the newest documents, for staff.
pub(super) async fn program(a: &Activation) -> Result<Value, StoreError> {
    let (s, t) = (&a.store, a.tenant_id);
    let names: HashMap<UserId, String> = s
        .fetch_partners(t, super::checklist::MAX_PARTNERS)
        .await?
        .into_iter()
        .map(|p| (p.id, p.display_name))
        .collect();
    let name = |id: &UserId| names.get(id).cloned().unwrap_or_default();
    let apps = s.fetch_applications(t, LISTED).await?;
    let count = |st: &str| apps.iter().filter(|x| x.status == st).count();
    let accepted = s
        .fetch_agreements(t, None, &a.cfg().agreement_version)
        .await?
        .len();
    let mut rows = Vec::new();
    let mut row_actions = Vec::new();
    let mut open = Vec::new();
    for x in &apps {
        let who = name(&x.partner_id);
        let pid = x.partner_id.to_string();
        rows.push(json!([
            who,
            x.company,
            status_label(Some(x.status.as_str())),
            rfc3339(x.submitted_at),
            x.reason
        ]));
        row_actions.push(match x.status.as_str() {
            "submitted" => {
                json!([{ "label": "Review", "action": "review", "params": { "partner_id": pid } }])
            }
            "under_review" => json!([
                { "label": "Approve", "action": "decide", "style": "primary",
                  "params": { "partner_id": pid, "status": "approved" },
                  "confirm": format!("Approve {who}'s application?") },
            ]),
            _ => json!([]),
        });
        if x.status == "under_review" || x.status == "submitted" {
            open.push(json!({ "value": pid, "label": format!("{who} ({})", x.company) }));
        }
    }
    let mut blocks = vec![
        json!({ "type": "figures", "items": [
            { "label": "Submitted", "value": count("submitted") },
            { "label": "Under review", "value": count("under_review") },
            { "label": "Approved", "value": count("approved") },
            { "label": "Rejected", "value": count("rejected") },
            { "label": format!("Agreement {} accepted", a.cfg().agreement_version), "value": accepted },
        ]}),
        json!({ "type": "table", "columns": ["Partner", "Company", "Status", "Submitted", "Reason"],
                "rows": rows, "row_actions": row_actions, "filter": true }),
    ];
    if !open.is_empty() {
        blocks.push(json!({
            "type": "form", "id": "decision", "title": "Decide an application",
            "action": "decide", "submit": "Record decision",
            "fields": [
                { "name": "partner_id", "label": "Application", "input": "select", "required": true, "options": open },
                { "name": "status", "label": "Decision", "input": "select", "required": true, "options": [
                    { "value": "under_review", "label": "Under review" },
                    { "value": "approved", "label": "Approve" },
                    { "value": "rejected", "label": "Reject" },
                ]},
                { "name": "reason", "label": "Reason (required to reject)", "input": "textarea", "max_length": MAX_REASON },
            ]
        }));
    }
    let docs = s.fetch_documents(t, None, LISTED).await?;
    let doc_rows: Vec<Value> = docs
        .iter()
        .map(|d| {
            json!([
                name(&d.partner_id),
                kind_label(a, &d.kind),
                d.file_name.clone().unwrap_or_default(),
                d.file_id.to_string(),
                rfc3339(d.created_at)
            ])
        })
        .collect();
    blocks.push(json!({ "type": "table", "columns": ["Partner", "Document", "File", "File id", "Added"], "rows": doc_rows, "filter": true }));
    blocks.push(activity(a, None).await?);
    Ok(json!({ "title": "Applications and documents", "blocks": blocks }))
}
