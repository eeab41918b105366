//! Every app-plans panel answers `panel.get` with a real panel for a
//! partner and for staff; the staff template forms work; the demo data is
//! there; every route is in the OpenAPI document.

use super::common::*;
use super::helpers::*;
use arena_protocol::{Encoding, ErrorCode};
use serde_json::{json, Value};

fn blocks_of<'a>(p: &'a Value, t: &str) -> Vec<&'a Value> {
    p["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == t)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_panel_is_real_for_a_partner_and_for_staff() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    let create = channel(&ready, "app-plans-create").id;
    let library = channel(&ready, "app-plans-library").id;
    let templates = channel(&ready, "app-plans-templates").id;

    // The wizard: three steps over the form's fields, a template select.
    let p = panel(&mut ana, create).await;
    assert_eq!(p["data"]["title"], "Build an app plan", "{p}");
    let form = blocks_of(&p, "form")[0];
    assert_eq!(form["action"], "create_plan");
    let steps = form["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3, "{form}");
    let names: Vec<&str> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for step in steps {
        for f in step["fields"].as_array().unwrap() {
            assert!(names.contains(&f.as_str().unwrap()), "{f} is a field");
        }
    }
    assert!(
        names.contains(&"feature_loyalty") && names.contains(&"logo"),
        "{names:?}"
    );
    let logo = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "logo")
        .unwrap();
    assert_eq!(logo["input"], "file");
    assert!(
        form.to_string().contains("\"value\":\"restaurant\""),
        "{form}"
    );
    // The demo draft is in ana's latest plans.
    assert!(p.to_string().contains("Luna Trattoria app plan"), "{p}");
    let types = block_types(&p);
    assert!(
        types.contains(&"table".to_owned()) && types.contains(&"activity".to_owned()),
        "{types:?}"
    );
    let p = panel(&mut staff, create).await;
    assert_eq!(p["data"]["title"], "App plans in progress", "{p}");
    assert!(block_types(&p).contains(&"figures".to_owned()));

    // The library: ana's own draft expanded with an edit form; ben's approved plan is not hers.
    let p = panel(&mut ana, library).await;
    assert_eq!(p["data"]["title"], "Your app plans", "{p}");
    for t in ["figures", "table", "list", "form", "actions", "activity"] {
        assert!(block_types(&p).iter().any(|x| x == t), "{t} in {p}");
    }
    assert!(!p.to_string().contains("Harbor Gym app plan"), "{p}");
    let staff_lib = panel(&mut staff, library).await;
    assert_eq!(staff_lib["data"]["title"], "App plan reviews");
    let text = staff_lib.to_string();
    assert!(
        text.contains("Harbor Gym app plan") && text.contains("Luna Trattoria app plan"),
        "{text}"
    );
    // A submission reaches staff live, with a decision form.
    let (_, list) = get(&s, ANA, "/api/v1/app-plans").await;
    let id = list["plans"][0]["id"].as_str().unwrap().to_owned();
    action(&mut ana, library, "submit", json!({"plan_id": id}))
        .await
        .unwrap();
    // The actor answers after rebuilding the panels the change touched.
    let p = panel(&mut staff, library).await;
    assert!(
        p.to_string().contains(&format!("decide-{id}")),
        "a decision form: {p}"
    );
    let v = action(
        &mut staff,
        library,
        "decide",
        json!({"plan_id": id, "decision": "request_changes", "note": "More detail"}),
    )
    .await
    .unwrap();
    assert_eq!(v["plan"]["status"], "changes_requested");
    let e = action(&mut ana, library, "approve", json!({"plan_id": id}))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);

    // Templates: partners read (table and previews), staff keep them.
    let p = panel(&mut ana, templates).await;
    assert_eq!(p["data"]["title"], "Plan templates");
    assert_eq!(
        blocks_of(&p, "table")[0]["rows"].as_array().unwrap().len(),
        5,
        "{p}"
    );
    assert!(
        p.to_string().contains("{{client.name}}"),
        "previews show the placeholders: {p}"
    );
    assert!(blocks_of(&p, "form").is_empty(), "read-only for partners");
    let e = action(
        &mut ana,
        templates,
        "create_template",
        json!({"key": "x1", "name": "X", "vertical": "Y", "sections": "## A\nb"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    let p = panel(&mut staff, templates).await;
    assert!(block_types(&p).contains(&"figures".to_owned()));
    let v = action(&mut staff, templates, "create_template",
        json!({"key": "hotel", "name": "Hotel", "vertical": "Hospitality", "description": "",
               "sections": "## Welcome [narrative]\n{{client.name}} welcomes guests.\n\n## Features\n{{features}}\n"})).await.unwrap();
    assert_eq!(v["template"]["sections"][0]["narrative"], true);
    let e = action(
        &mut staff,
        templates,
        "create_template",
        json!({"key": "hotel", "name": "Hotel", "vertical": "H", "sections": "## A\nb"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict);
    action(
        &mut staff,
        templates,
        "view_template",
        json!({"key": "hotel"}),
    )
    .await
    .unwrap();
    let p = panel(&mut staff, templates).await;
    assert!(p.to_string().contains("edit-template-hotel"), "{p}");
    let v = action(
        &mut staff,
        templates,
        "edit_template",
        json!({"key": "hotel", "name": "Hotel and B&B", "vertical": "Hospitality",
               "sections": "## Welcome\nHello"}),
    )
    .await
    .unwrap();
    assert_eq!(v["template"]["name"], "Hotel and B&B");
    let p = panel(&mut ana, create).await;
    assert!(
        p.to_string().contains("Hotel and B&B"),
        "the wizard offers it: {p}"
    );
    action(
        &mut staff,
        templates,
        "retire_template",
        json!({"key": "hotel"}),
    )
    .await
    .unwrap();
    let p = panel(&mut ana, create).await;
    assert!(!p.to_string().contains("Hotel and B&B"), "retired: {p}");
    let (_, all) = get(&s, STAFF, "/api/v1/app-plans/templates?retired=true").await;
    assert_eq!(all["templates"].as_array().unwrap().len(), 6, "{all}");
    let (_, offered) = get(&s, ANA, "/api/v1/app-plans/templates?retired=true").await;
    assert_eq!(
        offered["templates"].as_array().unwrap().len(),
        5,
        "{offered}"
    );
    assert_eq!(
        get(&s, ANA, "/api/v1/app-plans/templates/hotel").await.0,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_a_draft_and_an_approved_plan_and_the_routes_are_documented() {
    let (_db, s) = setup().await;
    let (_, ana) = get(&s, ANA, "/api/v1/app-plans").await;
    assert_eq!(ana["plans"][0]["title"], "Luna Trattoria app plan", "{ana}");
    assert_eq!(ana["plans"][0]["status"], "draft");
    let (_, ben) = get(&s, BEN, "/api/v1/app-plans?status=approved").await;
    assert_eq!(ben["plans"][0]["title"], "Harbor Gym app plan", "{ben}");
    assert_eq!(ben["plans"][0]["submissions"], 1);
    let doc: Value = s
        .http()
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/app-plans",
        "/api/v1/app-plans/{id}",
        "/api/v1/app-plans/{id}/submit",
        "/api/v1/app-plans/{id}/decision",
        "/api/v1/app-plans/{id}/markdown",
        "/api/v1/app-plans/templates",
        "/api/v1/app-plans/templates/{key}",
        "/api/v1/app-plans/templates/{key}/retire",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} in the OpenAPI document"
        );
    }
    assert!(doc["paths"]["/api/v1/app-plans/{id}"]["patch"].is_object());
    assert!(doc["paths"]["/api/v1/app-plans/templates/{key}"]["put"].is_object());
}
