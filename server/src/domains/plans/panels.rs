//! The #app-plans-create (`app-plans.create`) and #app-plans-templates
//! (`app-plans.templates`) panels per projection; the library is in
//! [`super::panels_library`]. `panel.get` takes no parameters, so the
//! layout is fixed and bounded:
//!
//! - Create, a partner: the plan wizard (a `form` with three `steps`:
//!   client and goals, branding, features), their five latest plans
//!   (`table`, open and export buttons) and their app-plans activity.
//!   Staff: figures of plans by status and writer, the twenty latest plans
//!   of every partner, the program's activity.
//! - Templates, a partner: the offered templates (`table`) and a text
//!   preview of each. Staff: figures, every template with edit and
//!   retire/restore buttons, the "add a template" form, and the edit form
//!   with a preview of the template last opened (`view_template`).

use super::render::FEATURES;
use super::templates::{sections_text, MAX_TEMPLATES};
use super::Plans;
use crate::bus::Projection;
use crate::ids::UserId;
use crate::store::{rfc3339, PlanRow, PlanTemplateRow, StoreError};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Activity entries shown.
const ACTIVITY: i64 = 20;
/// Characters of a section body in a template preview.
const PREVIEW_CHARS: usize = 400;
/// Templates previewed on a partner's templates panel.
const PREVIEWS: usize = 20;
/// The tones offered in the wizard.
pub const TONES: [&str; 5] = ["friendly", "professional", "premium", "playful", "calm"];

/// Builds panel `kind` in `projection`; `None` for a kind without a builder.
pub(super) async fn build(
    s: &Plans,
    kind: &str,
    projection: Projection,
) -> Result<Option<Value>, StoreError> {
    let partner = match projection {
        Projection::Partner(p) => Some(p),
        Projection::Program | Projection::Everyone => None,
    };
    let names = names(s).await?;
    Ok(Some(match kind {
        super::CREATE_PANEL => create(s, partner, &names).await?,
        super::LIBRARY_PANEL => super::panels_library::build(s, partner, &names).await?,
        super::TEMPLATES_PANEL => match partner {
            Some(_) => templates_partner(s).await?,
            None => templates_staff(s).await?,
        },
        _ => return Ok(None),
    }))
}

async fn names(s: &Plans) -> Result<BTreeMap<UserId, String>, StoreError> {
    Ok(s.store()
        .fetch_members(s.tenant_id)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// The activity block: one partner's app-plans entries or the program's.
pub(super) async fn activity(
    s: &Plans,
    partner: Option<UserId>,
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let rows = s
        .store()
        .fetch_activity(s.tenant_id, partner, Some(super::NAME), None, ACTIVITY)
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id.to_string(),
                "actor": r.actor_id.and_then(|a| names.get(&a).cloned()),
                "summary": r.summary,
                "created_at": rfc3339(r.created_at),
            })
        })
        .collect();
    Ok(json!({ "type": "activity", "items": items }))
}

/// How the narrative of `p` stands, for people.
pub(super) fn narrative_label(p: &PlanRow) -> String {
    match p.narrative.as_str() {
        "writing" => "writing…".into(),
        "written" => "written by the assistant".into(),
        "failed" => format!(
            "assistant failed ({}); template text kept",
            p.narrative_note.as_deref().unwrap_or("unknown reason")
        ),
        _ => "template text".into(),
    }
}

/// `status` as people read it.
pub(super) fn status_label(status: &str) -> &str {
    super::status::Status::parse(status).map_or(status, |s| s.label())
}

fn wizard(templates: &[PlanTemplateRow]) -> Value {
    let options: Vec<Value> = templates
        .iter()
        .map(|t| json!({ "value": t.key, "label": format!("{} ({})", t.name, t.vertical) }))
        .collect();
    let tones: Vec<Value> = TONES
        .iter()
        .map(|t| json!({ "value": t, "label": t }))
        .collect();
    let mut fields = vec![
        json!({ "name": "client_name", "label": "Client name", "input": "text", "required": true, "max_length": super::input::MAX_CLIENT }),
        json!({ "name": "template", "label": "Vertical (template)", "input": "select", "required": true, "options": options,
                "value": templates.first().map(|t| t.key.clone()).unwrap_or_default() }),
        json!({ "name": "goals", "label": "What should the app achieve?", "input": "textarea", "required": true, "max_length": super::input::MAX_GOALS }),
        json!({ "name": "audience", "label": "Who will use it?", "input": "textarea", "max_length": super::input::MAX_AUDIENCE }),
        json!({ "name": "logo", "label": "Logo (optional)", "input": "file" }),
        json!({ "name": "colors", "label": "Brand colours", "input": "text", "max_length": super::input::MAX_COLORS }),
        json!({ "name": "tone", "label": "Tone of voice", "input": "select", "options": tones, "value": "friendly" }),
    ];
    let mut feature_names = Vec::new();
    for (k, label) in FEATURES {
        let name = format!("feature_{k}");
        fields.push(json!({ "name": name, "label": label, "input": "checkbox", "value": false }));
        feature_names.push(Value::String(name));
    }
    fields.push(json!({ "name": "features_other", "label": "Anything else?", "input": "textarea", "max_length": super::input::MAX_FEATURES_OTHER }));
    feature_names.push(json!("features_other"));
    json!({
        "type": "form", "id": "new-plan", "title": "New app plan", "action": "create_plan", "submit": "Create draft plan",
        "fields": fields,
        "steps": [
            { "title": "Client and goals", "fields": ["client_name", "template", "goals", "audience"] },
            { "title": "Branding", "fields": ["logo", "colors", "tone"] },
            { "title": "Features", "fields": feature_names },
        ],
    })
}

fn plan_buttons(p: &PlanRow) -> Value {
    let id = p.id.to_string();
    json!([
        { "label": "Open", "action": "view_plan", "params": { "plan_id": id } },
        { "label": "Export", "action": "export", "params": { "plan_id": id } },
    ])
}

async fn create(
    s: &Plans,
    partner: Option<UserId>,
    names: &BTreeMap<UserId, String>,
) -> Result<Value, StoreError> {
    let limit = if partner.is_some() { 5 } else { 20 };
    let plans = s
        .store()
        .fetch_plans(s.tenant_id, partner, None, false, limit)
        .await?;
    let name = |u: UserId| {
        names
            .get(&u)
            .cloned()
            .unwrap_or_else(|| "a former member".into())
    };
    let mut blocks = Vec::new();
    match partner {
        Some(_) => {
            let templates = s
                .store()
                .fetch_plan_templates(s.tenant_id, false, MAX_TEMPLATES)
                .await?;
            blocks.push(json!({ "type": "text", "text":
                "Answer three steps (client and goals, branding, features) and get a draft plan from the template of the client's vertical. The same answers always give the same draft; when an assistant is configured it then rewrites the narrative sections (the plan shows \"writing…\" meanwhile). Edit and submit it in #app-plans-library." }));
            if templates.is_empty() {
                blocks.push(json!({ "type": "text", "text": "No templates are offered right now; staff keep them in #app-plans-templates." }));
            } else {
                blocks.push(wizard(&templates));
            }
        }
        None => {
            let counts = s.store().fetch_plan_counts(s.tenant_id, None).await?;
            let n = |st: &str| {
                counts
                    .iter()
                    .filter(|(x, _)| x == st)
                    .map(|(_, n)| *n)
                    .sum::<i64>()
            };
            let writing = s.store().fetch_plans_writing(s.tenant_id, 100).await?.len();
            blocks.push(json!({ "type": "figures", "items": [
                { "label": "Drafts", "value": n("draft") },
                { "label": "Writing", "value": writing },
                { "label": "Awaiting review", "value": n("submitted") },
                { "label": "Changes requested", "value": n("changes_requested") },
                { "label": "Approved", "value": n("approved") },
            ]}));
            blocks.push(json!({ "type": "text", "text":
                "Partners build plans here with the wizard; review submitted plans in #app-plans-library and keep the templates in #app-plans-templates. The latest plans of every partner:" }));
        }
    }
    let mut rows = Vec::new();
    let mut actions = Vec::new();
    for p in &plans {
        let mut row = vec![json!(p.title)];
        if partner.is_none() {
            row.push(json!(name(p.partner_id)));
        }
        row.extend([
            json!(p.template_name),
            json!(status_label(&p.status)),
            json!(narrative_label(p)),
            json!(rfc3339(p.updated_at)),
        ]);
        rows.push(Value::Array(row));
        actions.push(plan_buttons(p));
    }
    let mut columns = vec!["Plan"];
    if partner.is_none() {
        columns.push("Partner");
    }
    columns.extend(["Template", "Status", "Narrative", "Updated"]);
    if plans.is_empty() {
        blocks.push(json!({ "type": "text", "text": "No plans yet." }));
    } else {
        blocks.push(
            json!({ "type": "table", "columns": columns, "rows": rows, "row_actions": actions }),
        );
    }
    blocks.push(activity(s, partner, names).await?);
    let title = if partner.is_some() {
        "Build an app plan"
    } else {
        "App plans in progress"
    };
    Ok(json!({ "title": title, "blocks": blocks }))
}

fn preview(t: &PlanTemplateRow) -> Value {
    let mut text = format!("{} ({}): {}\n", t.name, t.vertical, t.description);
    for sec in &t.sections.0 {
        let mark = if sec.narrative { " [narrative]" } else { "" };
        text.push_str(&format!(
            "\n{}{mark}\n{}\n",
            sec.title,
            super::render::bounded(&sec.body, PREVIEW_CHARS)
        ));
    }
    json!({ "type": "text", "text": text })
}

fn template_row(t: &PlanTemplateRow) -> Vec<Value> {
    vec![
        json!(t.name),
        json!(t.vertical),
        json!(t.sections.0.len()),
        json!(t.sections.0.iter().filter(|x| x.narrative).count()),
        json!(t.description),
    ]
}

async fn templates_partner(s: &Plans) -> Result<Value, StoreError> {
    let list = s
        .store()
        .fetch_plan_templates(s.tenant_id, false, MAX_TEMPLATES)
        .await?;
    let rows: Vec<Value> = list.iter().map(|t| Value::Array(template_row(t))).collect();
    let mut blocks = vec![
        json!({ "type": "text", "text": "The curated templates the wizard in #app-plans-create fills from your answers. Sections marked [narrative] may be rewritten by the assistant; {{placeholders}} are replaced by your answers." }),
        json!({ "type": "table", "columns": ["Template", "Vertical", "Sections", "Narrative sections", "Description"], "rows": rows, "filter": true }),
    ];
    blocks.extend(list.iter().take(PREVIEWS).map(preview));
    Ok(json!({ "title": "Plan templates", "blocks": blocks }))
}

const EXAMPLE_SECTIONS: &str = "## Overview [narrative]\n{{client.name}} wants an app. Goals: {{goals}}\n\n## Features\n{{features}}\n\n## Branding\nColours: {{brand.colors}}. Tone: {{brand.tone}}. Logo: {{brand.logo}}\n";

fn template_fields(t: Option<&PlanTemplateRow>) -> Vec<Value> {
    let v = |f: fn(&PlanTemplateRow) -> String| t.map(f).unwrap_or_default();
    let mut fields = Vec::new();
    if t.is_none() {
        fields.push(json!({ "name": "key", "label": "Key (a-z, 0-9, -)", "input": "text", "required": true, "max_length": 40 }));
    }
    fields.extend([
        json!({ "name": "name", "label": "Name", "input": "text", "required": true, "max_length": super::templates::MAX_NAME, "value": v(|t| t.name.clone()) }),
        json!({ "name": "vertical", "label": "Vertical", "input": "text", "required": true, "max_length": super::templates::MAX_VERTICAL, "value": v(|t| t.vertical.clone()) }),
        json!({ "name": "description", "label": "Description", "input": "textarea", "max_length": super::templates::MAX_DESCRIPTION, "value": v(|t| t.description.clone()) }),
        json!({ "name": "sections", "label": "Sections (\"## Title\" lines, [narrative] to let the assistant rewrite)", "input": "textarea", "required": true,
                "value": t.map_or_else(|| EXAMPLE_SECTIONS.to_owned(), |t| sections_text(&t.sections.0)) }),
    ]);
    fields
}

async fn templates_staff(s: &Plans) -> Result<Value, StoreError> {
    let list = s
        .store()
        .fetch_plan_templates(s.tenant_id, true, MAX_TEMPLATES)
        .await?;
    let retired = list.iter().filter(|t| t.retired_at.is_some()).count();
    let mut rows = Vec::new();
    let mut actions = Vec::new();
    for t in &list {
        let mut row = template_row(t);
        row.push(json!(if t.retired_at.is_some() {
            "retired"
        } else {
            "offered"
        }));
        row.push(json!(if t.created_by.is_none() {
            "curated"
        } else {
            "staff"
        }));
        rows.push(Value::Array(row));
        let (label, action) = if t.retired_at.is_some() {
            ("Restore", "restore_template")
        } else {
            ("Retire", "retire_template")
        };
        actions.push(json!([
            { "label": "Edit", "action": "view_template", "params": { "key": t.key } },
            { "label": label, "action": action, "params": { "key": t.key } },
        ]));
    }
    let mut blocks = vec![
        json!({ "type": "figures", "items": [
            { "label": "Offered", "value": list.len() - retired },
            { "label": "Retired", "value": retired },
        ]}),
        json!({ "type": "table", "columns": ["Template", "Vertical", "Sections", "Narrative sections", "Description", "State", "Origin"],
                "rows": rows, "row_actions": actions, "filter": true }),
        json!({ "type": "text", "text": "Placeholders: {{client.name}}, {{client.vertical}}, {{template.name}}, {{goals}}, {{audience}}, {{brand.colors}}, {{brand.tone}}, {{brand.logo}}, {{features}}, {{features.list}}, {{features.other}}; an unknown one stays visible in the plan. Plans already made keep their text when a template changes." }),
    ];
    let focused = s
        .template_focus
        .as_deref()
        .and_then(|k| list.iter().find(|t| t.key == k));
    if let Some(t) = focused {
        blocks.push(json!({
            "type": "form", "id": format!("edit-template-{}", t.key), "title": format!("Edit the {} template", t.name),
            "action": "edit_template", "submit": "Save template", "params": { "key": t.key }, "fields": template_fields(Some(t)),
        }));
        blocks.push(preview(t));
    }
    blocks.push(json!({
        "type": "form", "id": "new-template", "title": "Add a template", "action": "create_template", "submit": "Add template",
        "fields": template_fields(None),
    }));
    Ok(json!({ "title": "Plan templates", "blocks": blocks }))
}
