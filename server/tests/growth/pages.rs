//! Landing pages: a submission makes a lead for the page's partner only,
//! visits are counted, and user text is escaped under a CSP without script.

use super::common::*;
use super::helpers::*;
use arena_protocol::Encoding;
use serde_json::{json, Value};

/// Creates a published page as `email` through the panel; answers it.
async fn page(s: &TestServer, email: &str, slug: &str, headline: &str) -> Value {
    let (mut c, ready) = s.login_ws(email, Encoding::Json).await;
    let id = channel(&ready, "growth-landing-pages").id;
    let v = action(
        &mut c,
        id,
        "save_page",
        json!({"slug": slug, "headline": headline, "body": "We help gyms grow.\nAsk me how.",
               "cta": "Book a call", "field_company": true, "published": true}),
    )
    .await
    .unwrap();
    v["page"].clone()
}

async fn lead_names(s: &TestServer, email: &str) -> Vec<String> {
    let (_, v) = get(s, email, "/api/v1/growth/leads?limit=500").await;
    v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_landing_page_submission_creates_a_lead_for_its_partner_only() {
    let (_db, s) = setup().await;
    let ana_page = page(&s, ANA, "ana-spring", "Grow your gym").await;
    assert_eq!(ana_page["fields"], json!(["name", "email", "company"]));
    page(&s, BEN, "ben-spring", "Ben's offer").await;
    // The slug is unique in the workspace.
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let pages = channel(&ready, "growth-landing-pages").id;
    let e = action(
        &mut ana,
        pages,
        "save_page",
        json!({"slug": "ben-spring", "headline": "x", "cta": "y"}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, arena_protocol::ErrorCode::Conflict);

    let browser = visitor();
    let r = browser
        .get(s.url("/p/demo/ana-spring"))
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = browser
        .post(s.url("/p/demo/ana-spring"))
        .form(&[
            ("name", "Lena Park"),
            ("email", "lena@example.com"),
            ("company", "Park Fitness"),
            ("website", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/p/demo/ana-spring?sent=1");
    assert!(lead_names(&s, ANA).await.contains(&"Lena Park".to_owned()));
    assert!(!lead_names(&s, BEN).await.contains(&"Lena Park".to_owned()));
    let (_, v) = get(&s, ANA, "/api/v1/growth/leads?limit=500").await;
    let lena = v["leads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "Lena Park")
        .unwrap()
        .clone();
    assert_eq!(lena["source"], "landing_page");
    assert_eq!(lena["page_id"], ana_page["id"]);
    assert_eq!(lena["company"], "Park Fitness");

    // A filled honeypot is thanked and stores nothing; bad input is a 400 page.
    let r = browser
        .post(s.url("/p/demo/ana-spring"))
        .form(&[
            ("name", "Spam Bot"),
            ("email", "spam@example.com"),
            ("website", "http://spam"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(!lead_names(&s, ANA).await.contains(&"Spam Bot".to_owned()));
    let r = browser
        .post(s.url("/p/demo/ana-spring"))
        .form(&[("name", "No Contact"), ("email", "not-an-address")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    // The panel counts the visit and the submission.
    let v = action(
        &mut ana,
        pages,
        "view_page",
        json!({"page_id": ana_page["id"]}),
    )
    .await
    .unwrap();
    assert_eq!(v["page"]["visits"], 1);
    assert_eq!(v["page"]["submissions"], 1);

    // Sharing posts the link and its figures in #landing-pages as Arena.
    action(
        &mut ana,
        pages,
        "share_page",
        json!({"page_id": ana_page["id"]}),
    )
    .await
    .unwrap();
    let share = channel(&ready, "landing-pages").id;
    let (status, h) = get(
        &s,
        ANA,
        &format!("/api/v1/channels/{share}/messages?limit=5"),
    )
    .await;
    assert_eq!(status, 200, "{h}");
    let posted = h["messages"][0]["content"].as_str().unwrap();
    assert!(
        posted.contains("/p/demo/ana-spring") && posted.contains("1 visits"),
        "{posted}"
    );
    assert_eq!(h["messages"][0]["author"]["display_name"], "Arena", "{h}");

    // Ben neither opens nor edits ana's page.
    let (mut ben, _) = s.login_ws(BEN, Encoding::Json).await;
    let e = action(
        &mut ben,
        pages,
        "view_page",
        json!({"page_id": ana_page["id"]}),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, arena_protocol::ErrorCode::NotFound);
    let e = action(&mut ben, pages, "save_page",
        json!({"page_id": ana_page["id"], "slug": "ana-spring", "headline": "Mine now", "cta": "Go", "published": true}))
        .await
        .unwrap_err();
    assert_eq!(e.code, arena_protocol::ErrorCode::NotFound);

    // Unknown and unpublished pages are 404.
    assert_eq!(
        browser
            .get(s.url("/p/demo/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        browser
            .get(s.url("/p/acme/ana-spring"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    action(&mut ana, pages, "save_page",
        json!({"page_id": ana_page["id"], "slug": "ana-spring", "headline": "Grow your gym", "cta": "Book", "published": false}))
        .await
        .unwrap();
    assert_eq!(
        browser
            .get(s.url("/p/demo/ana-spring"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let r = browser
        .post(s.url("/p/demo/ana-spring"))
        .form(&[("name", "Late Visitor"), ("email", "late@example.com")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_text_on_a_landing_page_is_escaped_under_a_csp_without_script() {
    let (_db, s) = setup().await;
    page(&s, ANA, "ana-xss", "<script>alert('x')</script> Offer").await;
    let r = visitor()
        .get(s.url("/p/demo/ana-xss"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let body = r.text().await.unwrap();
    assert!(body.contains("&lt;script&gt;"), "{body}");
    assert!(!body.contains("<script"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_submits_a_bounded_number_of_times() {
    let (_db, s) = setup().await;
    page(&s, ANA, "ana-limit", "Limited offer").await;
    let browser = visitor();
    let submit = |from: &'static str, i: usize| {
        let email = format!("person{i}@example.com");
        browser
            .post(s.url("/p/demo/ana-limit"))
            .header("x-forwarded-for", from)
            .form(&[("name", "Repeat Visitor".to_owned()), ("email", email)])
            .send()
    };
    for i in 0..5 {
        assert_eq!(submit("203.0.113.77", i).await.unwrap().status(), 303);
    }
    assert_eq!(submit("203.0.113.77", 5).await.unwrap().status(), 429);
    assert_eq!(submit("203.0.113.78", 6).await.unwrap().status(), 303);
}
