//! The alliance page and inline edits in #alliance-directory, and the last
//! import's report across a restart: one staff viewer's open alliance
//! changes only their projection; the page's actions reach the partner
//! live; the timeline pages; an owner cannot inline-edit another owner's
//! alliance; the import report and the open page are read back from
//! Postgres after a restart.

use crate::common::*;
use crate::helpers::*;
use arena_protocol::client::GatewayClient;
use arena_protocol::{Encoding, ErrorCode, Event, Snowflake};
use serde_json::{json, Value};

/// `panel.action` on the directory: the answer or the error's code.
async fn act(
    c: &mut GatewayClient,
    dir: Snowflake,
    action: &str,
    params: Value,
) -> Result<Value, ErrorCode> {
    c.request(
        "panel.action",
        json!({"channel_id": dir, "action": action, "params": params}),
    )
    .await
    .unwrap()
    .map_err(|e| e.code)
}

/// The ids of a panel's `page_timeline` entries.
fn timeline_ids(p: &Value) -> Vec<String> {
    p["data"]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == "page_timeline")
        .map(|b| {
            b["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_alliance_page_is_the_viewers_own_and_its_actions_reach_the_partner() {
    let (_db, s) = setup().await;
    add_staff(&s).await;
    let id = alliance(&s, "Lumen Collective", &[ANA]).await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut sam, _) = s.login_ws(SAM, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let dir = channel(&ready, DIRECTORY).id;
    panel(&mut staff, dir).await;
    panel(&mut sam, dir).await;
    panel(&mut ana, dir).await;

    // Staff opens it: only staff's directory shows the page.
    let ok = act(&mut staff, dir, "open_alliance", json!({"alliance_id": id}))
        .await
        .unwrap();
    assert_eq!(ok["open"], json!(id));
    let p = update_with(&mut staff, dir, "Alliance page: Lumen Collective").await;
    assert!(p.to_string().contains("page_add_opportunity"), "{p}");
    // (SAM may still get the creation's rebuild, never one with the page.)
    while let Ok((_, Event::PanelUpdate(u))) = sam
        .wait_for(
            QUIET,
            |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == dir),
        )
        .await
    {
        let v = serde_json::to_value(u.panel).unwrap().to_string();
        assert!(!v.contains("Alliance page"), "sam's directory: {v}");
    }
    let sams = panel(&mut sam, dir).await;
    assert!(!sams.to_string().contains("Alliance page"), "{sams}");

    // A partner's view stays their own alliance; an unknown alliance is not found.
    assert_eq!(
        act(&mut ana, dir, "open_alliance", json!({"alliance_id": id})).await,
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        act(
            &mut staff,
            dir,
            "open_alliance",
            json!({"alliance_id": "123"})
        )
        .await,
        Err(ErrorCode::NotFound)
    );

    // The page's forms: an opportunity and a status change with a reason.
    let ok = act(
        &mut staff,
        dir,
        "add_opportunity",
        json!({"alliance_id": id,
        "title": "Page campaign", "kind": "campaign", "value_minor": 50_000, "expected_close": ""}),
    )
    .await
    .unwrap();
    let opp = ok["opportunity"]["id"].as_str().unwrap().to_owned();
    let p = update_with(&mut staff, dir, "Page campaign").await;
    assert!(p.to_string().contains("Alliance page"), "still open: {p}");
    update_with(&mut ana, dir, "Page campaign").await;
    update_with(&mut sam, dir, "Page campaign").await;
    act(
        &mut staff,
        dir,
        "move_opportunity",
        json!({"id": opp, "to": "proposal"}),
    )
    .await
    .unwrap();
    act(
        &mut staff,
        dir,
        "set_status",
        json!({"alliance_id": id, "status": "negotiation", "reason": "kick-off call"}),
    )
    .await
    .unwrap();
    update_with(&mut ana, dir, "negotiation").await;
    let v = verbs(&s, &id).await;
    assert_eq!(v[0], "alliance.status_changed", "{v:?}");

    // The timeline pages: ten entries, then the older ones.
    for i in 0..10 {
        act(
            &mut staff,
            dir,
            "log",
            json!({"alliance_id": id, "kind": "note", "summary": format!("note {i}")}),
        )
        .await
        .unwrap();
    }
    let p = update_with(&mut staff, dir, "note 9").await;
    let first = timeline_ids(&p);
    assert_eq!(first.len(), 10, "{p}");
    assert!(p.to_string().contains("Older entries"), "{p}");
    let last = first.last().unwrap().clone();
    act(&mut staff, dir, "timeline_page", json!({"before": last}))
        .await
        .unwrap();
    let p = update_with(&mut staff, dir, "Newest entries").await;
    let older = timeline_ids(&p);
    assert!(!older.is_empty() && older.len() <= 10, "{p}");
    assert!(
        older.iter().all(|o| !first.contains(o)),
        "{older:?} vs {first:?}"
    );

    // Closing it: the directory without the page.
    act(&mut staff, dir, "close_alliance", json!({}))
        .await
        .unwrap();
    loop {
        let (_, e) = staff
            .wait_for(
                WAIT,
                |e| matches!(e, Event::PanelUpdate(u) if u.channel_id == dir),
            )
            .await
            .unwrap();
        let Event::PanelUpdate(u) = e else {
            unreachable!()
        };
        if !serde_json::to_value(u.panel)
            .unwrap()
            .to_string()
            .contains("Alliance page")
        {
            break;
        }
    }
    assert_eq!(
        act(&mut staff, dir, "timeline_page", json!({})).await,
        Err(ErrorCode::BadRequest)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_edits_follow_the_owner_rule_and_write_the_timeline() {
    let (_db, s) = setup().await;
    add_staff(&s).await;
    let id = alliance(&s, "Cobalt Partners", &[ANA]).await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let (mut sam, _) = s.login_ws(SAM, Encoding::Json).await;
    let (mut admin, _) = s.login_ws(ADMIN, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let dir = channel(&ready, DIRECTORY).id;
    let p = panel(&mut staff, dir).await;
    assert!(
        p.to_string().contains("edit_field"),
        "the table offers inline edits: {p}"
    );
    panel(&mut ana, dir).await;

    // SAM owns nothing here: refused, nothing written.
    let before = verbs(&s, &id).await.len();
    assert_eq!(
        act(
            &mut sam,
            dir,
            "edit_field",
            json!({"alliance_id": id, "field": "tier", "value": "platinum"})
        )
        .await,
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        act(
            &mut ana,
            dir,
            "edit_field",
            json!({"alliance_id": id, "field": "tier", "value": "platinum"})
        )
        .await,
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(verbs(&s, &id).await.len(), before);

    // The owner edits; the partner's panel follows; one timeline entry.
    let ok = act(
        &mut staff,
        dir,
        "edit_field",
        json!({"alliance_id": id, "field": "tier", "value": "platinum"}),
    )
    .await
    .unwrap();
    assert_eq!(ok["alliance"]["tier"], "platinum");
    update_with(&mut ana, dir, "platinum").await;
    let v = verbs(&s, &id).await;
    assert_eq!(v.len(), before + 1);
    assert_eq!(v[0], "alliance.updated");

    // Fields are validated like PATCH; only the inline ones are taken.
    assert_eq!(
        act(
            &mut staff,
            dir,
            "edit_field",
            json!({"alliance_id": id, "field": "name", "value": "X"})
        )
        .await,
        Err(ErrorCode::BadRequest)
    );
    assert_eq!(
        act(
            &mut staff,
            dir,
            "edit_field",
            json!({"alliance_id": id, "field": "region", "value": "x".repeat(500)})
        )
        .await,
        Err(ErrorCode::BadRequest)
    );
    assert_eq!(
        act(
            &mut staff,
            dir,
            "edit_field",
            json!({"alliance_id": id, "field": "owner_id", "value": member_id(&s, ANA).await})
        )
        .await,
        Err(ErrorCode::BadRequest),
        "a partner cannot own an alliance"
    );

    // An admin edits anyone's; handing it to SAM leaves staff read-only.
    let sam_id = member_id(&s, SAM).await;
    act(
        &mut admin,
        dir,
        "edit_field",
        json!({"alliance_id": id, "field": "owner_id", "value": sam_id}),
    )
    .await
    .unwrap();
    assert_eq!(
        act(
            &mut staff,
            dir,
            "edit_field",
            json!({"alliance_id": id, "field": "region", "value": "APAC"})
        )
        .await,
        Err(ErrorCode::Forbidden)
    );
    let ok = act(
        &mut sam,
        dir,
        "edit_field",
        json!({"alliance_id": id, "field": "region", "value": "APAC"}),
    )
    .await
    .unwrap();
    assert_eq!(ok["alliance"]["region"], "APAC");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_import_report_and_the_open_page_survive_a_restart() {
    let (_db, s) = setup().await;
    let (status, r) = import(&s, STAFF, "external_id,name\nkeep-1,Kept Report Co\n").await;
    assert_eq!(status, 200, "{r}");
    let id = alliance(&s, "Kept Page Co", &[]).await;
    {
        let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
        let dir = channel(&ready, DIRECTORY).id;
        act(&mut staff, dir, "open_alliance", json!({"alliance_id": id}))
            .await
            .unwrap();
    }
    let s = s.restart().await;
    let (mut staff, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let dir = channel(&ready, DIRECTORY).id;
    let p = panel(&mut staff, dir).await.to_string();
    assert!(p.contains("Last import by"), "{p}");
    assert!(p.contains("keep-1"), "{p}");
    assert!(
        p.contains("Alliance page: Kept Page Co"),
        "the open page is kept: {p}"
    );
    let (mut ana, _) = s.login_ws(ANA, Encoding::Json).await;
    let p = panel(&mut ana, dir).await.to_string();
    assert!(!p.contains("keep-1"), "partners do not see the report: {p}");
}
