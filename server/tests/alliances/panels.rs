//! The alliance panels over the gateway: `panel.get` for a partner and for
//! staff, `panel.action` from the directory, and PANEL_UPDATE reaching the
//! owner (staff), the alliance's partner and every staff viewer, never
//! another partner.

use crate::common::*;
use crate::helpers::*;
use arena_protocol::{Encoding, ErrorCode, Event};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panels_answer_partner_and_staff_and_a_status_change_reaches_who_may_see_it() {
    let (_db, s) = setup().await;
    let id = alliance(&s, "Lumen Collective", &[ANA]).await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut admin, _) = s.login_ws(ADMIN, Encoding::MsgPack).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let dir = channel(&ready, DIRECTORY).id;
    let ws = channel(&ready, WORKSPACE).id;

    let staff_dir = panel(&mut staff, dir).await;
    let text = staff_dir.to_string();
    for want in [
        "Active alliances",
        "Pipeline value",
        "Commission owed",
        "Overdue tasks",
        "Lumen Collective",
        "Northwind Digital",
        "bulk_status",
        "Hana Ito",
    ] {
        assert!(text.contains(want), "staff directory lacks {want}: {text}");
    }
    panel(&mut admin, dir).await;
    let ana_dir = panel(&mut ana, dir).await;
    assert!(
        ana_dir.to_string().contains("Lumen Collective"),
        "{ana_dir}"
    );
    assert!(
        !ana_dir.to_string().contains("Northwind"),
        "only hers: {ana_dir}"
    );
    let ben_dir = panel(&mut ben, dir).await;
    assert!(!ben_dir.to_string().contains("Lumen"), "{ben_dir}");
    let ana_ws = panel(&mut ana, ws).await;
    let tabs = &ana_ws["data"]["blocks"][0];
    assert_eq!(tabs["type"], "tabs", "{ana_ws}");
    let ids: Vec<&str> = tabs["tabs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["overview", "tasks", "referrals", "documents", "activity"]
    );
    let staff_ws = panel(&mut staff, ws).await;
    assert!(
        staff_ws.to_string().contains("Send the co-marketing brief"),
        "demo tasks: {staff_ws}"
    );
    assert!(
        staff_ws.to_string().contains("overdue"),
        "the demo's late task is flagged"
    );

    // Staff moves it from the directory: owner, partner and every staff viewer follow.
    let ok = staff
        .request(
            "panel.action",
            json!({"channel_id": dir, "action": "set_status",
            "params": {"alliance_id": id, "status": "negotiation"}}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok["alliance"]["status"], "negotiation");
    update_with(&mut ana, dir, "negotiation").await;
    update_with(&mut staff, dir, "negotiation").await;
    update_with(&mut admin, dir, "negotiation").await;
    assert_no_event(
        &mut ben,
        "ben's directory",
        |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == dir),
    )
    .await;

    // A new opportunity reaches the partner's workspace.
    let ok = staff
        .request("panel.action", json!({"channel_id": dir, "action": "add_opportunity",
            "params": {"alliance_id": id, "title": "Spring campaign", "kind": "campaign", "value_minor": 90_000, "currency": "", "expected_close": ""}}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok["opportunity"]["stage"], "prospect");
    update_with(&mut ana, ws, "Spring campaign").await;

    // A partner's refusals: no status moves, no staff actions.
    let e = ana
        .request("panel.action", json!({"channel_id": dir, "action": "set_status", "params": {"alliance_id": id, "status": "closed"}}))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Forbidden);
    // …but she adds her own task from the workspace.
    let ok = ana
        .request("panel.action", json!({"channel_id": ws, "action": "add_task", "params": {"alliance_id": id, "title": "Draft the case study", "due_on": ""}}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ok["task"]["assignee_id"].as_str().map(str::to_owned),
        Some(member_id(&s, ANA).await)
    );
    update_with(&mut staff, ws, "Draft the case study").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_bulk_action_and_import_report_show_in_the_panel() {
    let (_db, s) = setup().await;
    let a = alliance(&s, "Row One", &[]).await;
    let b = alliance(&s, "Row Two", &[]).await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let dir = channel(&ready, DIRECTORY).id;
    panel(&mut staff, dir).await;
    let ok = staff
        .request("panel.action", json!({"channel_id": dir, "action": "bulk_status", "params": {"ids": [a, b, "nope"], "status": "negotiation"}}))
        .await
        .unwrap()
        .unwrap();
    let oks: Vec<bool> = ok["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ok"].as_bool().unwrap())
        .collect();
    assert_eq!(oks, vec![true, true, false]);
    assert_eq!(ok["results"][2]["error"]["code"], "bad_request");

    // The import form: a CSV uploaded as a file, then `import {file}`.
    let token = s.demo_token(STAFF).await;
    let r = s
        .http()
        .post(s.url("/api/v1/files?name=alliances.csv"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("external_id,name\nx-1,Imported Via Panel\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let file: serde_json::Value = r.json().await.unwrap();
    let ok = staff
        .request(
            "panel.action",
            json!({"channel_id": dir, "action": "import", "params": {"file": file["id"]}}),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok["report"]["created"], 1, "{ok}");
    let p = update_with(&mut staff, dir, "Last import").await;
    assert!(p.to_string().contains("Imported Via Panel"), "{p}");
}
