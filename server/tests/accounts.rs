//! Account administration and the member's own account (issue 13), on a
//! real server and Postgres: the members directory (staff see everything,
//! partners the public part when the tenant allows it), deactivation closes
//! sessions at once and refuses login, a tier change by staff takes
//! channels from an open session before its next event, role changes are
//! admins' alone, and a display name change reaches others as
//! MEMBER_UPDATE and the DM channels that carry it.

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::{Encoding, Event};
use common::*;
use serde_json::{json, Value};

async fn patch_member(s: &TestServer, who: &str, id: i64, body: Value) -> (u16, Value) {
    s.api(
        reqwest::Method::PATCH,
        who,
        &format!("/api/v1/members/{id}"),
        Some(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_shows_staff_everything_and_partners_the_public_part() {
    let (_db, s) = setup().await;
    let (st, page) = s
        .api(reqwest::Method::GET, STAFF, "/api/v1/members?limit=2", None)
        .await;
    assert_eq!(st, 200, "{page}");
    let first = page["members"].as_array().unwrap();
    assert_eq!(first.len(), 2);
    assert!(first[0]["email"].is_string(), "staff see emails");
    let next = page["next"].as_str().expect("a next page").to_owned();
    let (_, page2) = s
        .api(
            reqwest::Method::GET,
            STAFF,
            &format!("/api/v1/members?limit=2&after={next}"),
            None,
        )
        .await;
    let second = page2["members"].as_array().unwrap();
    assert!(!second.is_empty());
    assert!(
        second.iter().all(|m| !first.contains(m)),
        "pages do not overlap"
    );

    let (_, found) = s
        .api(
            reqwest::Method::GET,
            STAFF,
            "/api/v1/members?q=carter&role=partner",
            None,
        )
        .await;
    let names: Vec<&str> = found["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ben Carter"]);
    let (_, silver) = s
        .api(
            reqwest::Method::GET,
            STAFF,
            "/api/v1/members?tier=silver",
            None,
        )
        .await;
    assert!(silver["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["tier"] == "silver"));

    let (st, public) = s
        .api(reqwest::Method::GET, ANA, "/api/v1/members?q=carter", None)
        .await;
    assert_eq!(st, 200);
    let ben = &public["members"][0];
    assert_eq!(ben["display_name"], "Ben Carter");
    assert!(
        ben.get("email").is_none() && ben.get("last_seen_at").is_none(),
        "{ben}"
    );

    // The admin closes the directory to partners.
    let (st, _) = s
        .api(
            reqwest::Method::PATCH,
            STAFF,
            "/api/v1/tenant/settings",
            Some(json!({"partner_directory": false})),
        )
        .await;
    assert_eq!(st, 403, "admins only");
    let (st, set) = s
        .api(
            reqwest::Method::PATCH,
            ADMIN,
            "/api/v1/tenant/settings",
            Some(json!({"partner_directory": false})),
        )
        .await;
    assert_eq!((st, set["partner_directory"].as_bool()), (200, Some(false)));
    let (st, _) = s
        .api(reqwest::Method::GET, ANA, "/api/v1/members", None)
        .await;
    assert_eq!(st, 403);
    // Another tenant's staff never see demo's members.
    let (_, acme) = s
        .api(reqwest::Method::GET, ZOE, "/api/v1/members?q=carter", None)
        .await;
    assert!(
        acme["members"].as_array().is_none_or(|m| m.is_empty()),
        "{acme}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deactivation_closes_sessions_at_once_and_refuses_login() {
    let (_db, s) = setup().await;
    let (tenant, ben_id, ..) = s.member("demo", BEN).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let (mut ana, _) = s.login_ws(ANA, Encoding::MsgPack).await;
    let ben_token = s.demo_token(BEN).await;

    let (st, _) = patch_member(&s, ANA, ben_id, json!({"deactivated": true})).await;
    assert_eq!(st, 403, "partners do not administer");
    let (st, m) = patch_member(&s, STAFF, ben_id, json!({"deactivated": true})).await;
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["deactivated"], true);
    assert_eq!(
        ben.closed(WAIT).await.unwrap(),
        Some(4004),
        "closed at once"
    );
    ana.wait_for(WAIT, |e| matches!(e, Event::MemberUpdate(u) if u.user_id.0 as i64 == ben_id && u.deactivated == Some(true)))
        .await
        .unwrap();
    let r = s.login("demo", BEN, PASSWORD).await;
    assert_eq!(r.status().as_u16(), 403);
    let r = s
        .http()
        .get(s.url("/api/v1/me"))
        .bearer_auth(&ben_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401, "old tokens are refused");
    // member.list leaves him out; the staff directory still has him.
    let (_, deact) = s
        .api(
            reqwest::Method::GET,
            STAFF,
            "/api/v1/members?status=deactivated",
            None,
        )
        .await;
    assert_eq!(deact["members"][0]["id"], ben_id.to_string());
    let (_, audit) = s
        .api(reqwest::Method::GET, STAFF, "/api/v1/audit-log", None)
        .await;
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "member.deactivated"),
        "{audit}"
    );

    let (st, _) = patch_member(&s, STAFF, ben_id, json!({"deactivated": false})).await;
    assert_eq!(st, 200);
    assert_eq!(s.login("demo", BEN, PASSWORD).await.status().as_u16(), 200);
    let _ = tenant;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tier_change_by_staff_reaches_the_open_session_before_its_next_event() {
    let (_db, s) = setup().await;
    let (tenant, ben_id, _, tier) = s.member("demo", BEN).await;
    assert_eq!(tier.as_deref(), Some("silver"));
    let beta = channel_id(&s, tenant, "beta-features");
    let (st, m) = patch_member(&s, STAFF, ben_id, json!({"tier": "gold"})).await;
    assert_eq!((st, m["tier"].as_str()), (200, Some("gold")), "{m}");
    let (mut ben, ready) = s.login_ws(BEN, Encoding::MsgPack).await;
    assert!(
        ready.channels.iter().any(|c| c.id == beta),
        "gold reads #beta-features"
    );

    let (st, _) = patch_member(&s, STAFF, ben_id, json!({"tier": "silver"})).await;
    assert_eq!(st, 200);
    ben.wait_for(
        WAIT,
        |e| matches!(e, Event::ChannelDelete(d) if d.id == beta),
    )
    .await
    .unwrap();
    // Nothing of #beta-features after it.
    let (mut staff, _) = s.login_ws(STAFF, Encoding::Json).await;
    post(&mut staff, beta, "gold news").await;
    assert_no_event(&mut ben, "after the demotion", |e| {
        e.channel_id() == Some(beta)
    })
    .await;
    let (st, _) = patch_member(&s, STAFF, ben_id, json!({"tier": "diamond"})).await;
    assert_eq!(st, 400, "unknown tier");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_changed_by_admins_only_and_never_of_oneself() {
    let (_db, s) = setup().await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let (_, staff_id, ..) = s.member("demo", STAFF).await;
    let (_, admin_id, ..) = s.member("demo", ADMIN).await;
    assert_eq!(
        patch_member(&s, STAFF, ben_id, json!({"role": "staff"}))
            .await
            .0,
        403
    );
    assert_eq!(
        patch_member(&s, STAFF, admin_id, json!({"deactivated": true}))
            .await
            .0,
        403
    );
    assert_eq!(
        patch_member(&s, ADMIN, admin_id, json!({"role": "partner"}))
            .await
            .0,
        403
    );
    assert_eq!(
        patch_member(&s, ADMIN, ben_id, json!({"role": "bot"}))
            .await
            .0,
        400
    );

    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let (st, m) = patch_member(&s, ADMIN, ben_id, json!({"role": "staff"})).await;
    assert_eq!((st, m["role"].as_str()), (200, Some("staff")), "{m}");
    ben.wait_for(
        WAIT,
        |e| matches!(e, Event::MemberUpdate(u) if u.role.as_deref() == Some("staff")),
    )
    .await
    .unwrap();
    // His next REST call acts as staff.
    let (st, _) = s
        .api(reqwest::Method::GET, BEN, "/api/v1/audit-log", None)
        .await;
    assert_eq!(st, 200);
    assert_eq!(
        patch_member(
            &s,
            ADMIN,
            staff_id,
            json!({"role": "partner", "tier": "bronze"})
        )
        .await
        .0,
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_edit_reaches_others_and_bad_fields_are_refused() {
    let (_db, s) = setup().await;
    let (_, ana_id, ..) = s.member("demo", ANA).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let ana_snow = arena_protocol::Snowflake(ana_id as u64);
    let dm: arena_protocol::model::Channel = ben
        .call("dm.open", json!({ "user_id": ana_snow }))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dm.name, "Ana Ortiz");
    let (st, me) = s.api(reqwest::Method::PATCH, ANA, "/api/v1/me",
        Some(json!({"display_name": "Ana O.", "bio": "Partner since 2021", "timezone": "Europe/Madrid"}))).await;
    assert_eq!(st, 200, "{me}");
    assert_eq!(
        (me["display_name"].as_str(), me["timezone"].as_str()),
        (Some("Ana O."), Some("Europe/Madrid"))
    );
    ben.wait_for(WAIT, |e| {
        matches!(e, Event::MemberUpdate(u)
        if u.user_id.0 as i64 == ana_id && u.display_name.as_deref() == Some("Ana O."))
    })
    .await
    .unwrap();
    // The DM is named anew for Ben.
    let (_, ready) = s.login_ws(BEN, Encoding::MsgPack).await;
    let renamed = ready.channels.iter().find(|c| c.id == dm.id).unwrap();
    assert_eq!(renamed.name, "Ana O.");
    for bad in [
        json!({"display_name": ""}),
        json!({"timezone": "Mars/Olympus"}),
        json!({"bio": "x".repeat(191)}),
        json!({"display_name": "a\u{0}b"}),
        json!({"email": "x@y"}),
    ] {
        let (st, _) = s
            .api(reqwest::Method::PATCH, ANA, "/api/v1/me", Some(bad.clone()))
            .await;
        assert_eq!(st, 400, "{bad}");
    }
    let (_, me) = s.api(reqwest::Method::GET, ANA, "/api/v1/me", None).await;
    assert_eq!(me["bio"], "Partner since 2021");

    // Avatar: a PNG is kept and served to other members; text is refused.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";
    let r = s
        .http()
        .put(s.url("/api/v1/me/avatar"))
        .bearer_auth(s.demo_token(ANA).await)
        .body(png.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/members/{ana_id}/avatar")))
        .bearer_auth(s.demo_token(BEN).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), png.as_slice());
    let r = s
        .http()
        .put(s.url("/api/v1/me/avatar"))
        .bearer_auth(s.demo_token(ANA).await)
        .body("<svg onload=alert(1)>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_revoke_a_members_sessions() {
    let (_db, s) = setup().await;
    let (_, ben_id, ..) = s.member("demo", BEN).await;
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let (st, _) = s
        .api(
            reqwest::Method::POST,
            STAFF,
            &format!("/api/v1/members/{ben_id}/revoke-sessions"),
            None,
        )
        .await;
    assert_eq!(st, 204);
    assert_eq!(ben.closed(WAIT).await.unwrap(), Some(4004));
    assert_eq!(
        s.login("demo", BEN, PASSWORD).await.status().as_u16(),
        200,
        "he may sign in again"
    );
}
