//! Incoming webhooks end to end: Discord and Slack bodies posted by tools
//! reach connected clients in #system-status as the webhook's bot; wrong
//! tokens post nothing; each webhook is rate limited. (Stripe: stripe.rs.)

#![allow(clippy::unwrap_used)]

mod common;

use arena_protocol::model::{Message, Role};
use arena_protocol::{Encoding, Event, Snowflake};
use common::*;
use serde_json::{json, Value};

/// Creates a webhook in `channel` as `email`: (status, body).
async fn create_as(s: &TestServer, email: &str, channel: Snowflake, name: &str) -> (u16, Value) {
    let token = s.demo_token(email).await;
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{channel}/webhooks")))
        .bearer_auth(&token)
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A webhook in #system-status made by staff; returns its `url`.
async fn webhook(s: &TestServer, channel: Snowflake, name: &str) -> String {
    let (status, body) = create_as(s, STAFF, channel, name).await;
    assert_eq!(status, 201, "{body}");
    let url = body["url"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!(
            "/api/v1/webhooks/{}/{}",
            body["id"].as_str().unwrap(),
            body["token"].as_str().unwrap()
        )
    );
    url
}

/// Posts `body` to a webhook path (no Authorization): (status, body text).
async fn execute(s: &TestServer, path: &str, body: &Value) -> (u16, String) {
    let r = s.http().post(s.url(path)).json(body).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_body_reaches_system_status_as_the_webhooks_bot() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "Uptime Kuma").await;

    let discord = json!({
        "content": "🔴 api is DOWN",
        "username": "Kuma", "avatar_url": "https://example.test/kuma.png", "tts": false,
        "embeds": [{"title": "api.example.test", "url": "https://status.example.test/1",
                    "description": "Connection refused", "color": 15158332,
                    "fields": [{"name": "Since", "value": "12:03 UTC", "inline": true},
                               {"name": "Region", "value": "eu-west"}]}]
    });
    let (status, text) = execute(&s, &url, &discord).await;
    assert_eq!(status, 204, "{text}");
    assert!(text.is_empty());

    let m = next_create(&mut ana).await;
    assert_eq!(m.channel_id, status_ch);
    assert_eq!(
        m.content,
        "🔴 api is DOWN\n\napi.example.test (https://status.example.test/1)\nConnection refused\nSince: 12:03 UTC\nRegion: eu-west"
    );
    // Authored by the webhook's own bot member, under the webhook's name.
    assert_eq!(m.author.display_name, "Uptime Kuma");
    assert_eq!(m.author.role, Role::Bot);

    // Staff see it listed (without a token); the creation is audited.
    let staff = s.demo_token(STAFF).await;
    let list: Value = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{status_ch}/webhooks")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let hooks = list["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["name"], "Uptime Kuma");
    assert_eq!(hooks[0]["bot_id"], m.author.id.to_string());
    assert!(hooks[0].get("token").is_none());
    let audit: Value = s
        .http()
        .get(s.url("/api/v1/audit-log"))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        audit["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "webhook.create" && e["target"] == hooks[0]["id"]),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_body_posts_its_blocks_and_text() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::MsgPack).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "Alertmanager").await;

    // Block Kit: the top-level text is Slack's notification fallback.
    let slack = json!({
        "text": "Disk almost full on db-1",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Disk almost full"}},
            {"type": "divider"},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*db-1* at 97% — <https://grafana.example.test/d/1|dashboard>"},
             "fields": [{"type": "mrkdwn", "text": "*Severity:* high"}]}
        ]
    });
    let (status, text) = execute(&s, &url, &slack).await;
    assert_eq!(status, 204, "{text}");
    let m = next_create(&mut ana).await;
    assert_eq!(m.channel_id, status_ch);
    assert_eq!(
        m.content,
        "Disk almost full\n*db-1* at 97% — dashboard (https://grafana.example.test/d/1)\n*Severity:* high"
    );
    assert_eq!(m.author.display_name, "Alertmanager");

    // Plain `text`, as the simplest Slack integrations send it.
    let (status, _) = execute(&s, &url, &json!({"text": "Backup done &amp; verified"})).await;
    assert_eq!(status, 204);
    assert_eq!(
        next_create(&mut ana).await.content,
        "Backup done & verified"
    );

    // Slack's legacy form encoding: payload=<json>.
    let r = s
        .http()
        .post(s.url(&url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("payload=%7B%22text%22%3A%22from%20a%20form%22%7D")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(next_create(&mut ana).await.content, "from a form");

    // Nothing to show: 400, nothing posted.
    let (status, text) = execute(&s, &url, &json!({"blocks": [{"type": "divider"}]})).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("bad_request"), "{text}");
    assert_no_event(&mut ana, "an empty webhook body", |e| {
        matches!(e, Event::MessageCreate(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_true_answers_with_the_message() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "n8n").await;

    let r = s
        .http()
        .post(s.url(&format!("{url}?wait=true")))
        .json(&json!({"content": "workflow finished"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let answered: Message = r.json().await.unwrap();
    assert_eq!(answered.content, "workflow finished");
    assert_eq!(answered.channel_id, status_ch);
    assert!(
        answered.channel_seq > 0,
        "the answer is the committed message"
    );

    let m = next_create(&mut ana).await;
    assert_eq!(m.id, answered.id);
    assert_eq!(m.channel_seq, answered.channel_seq);

    // History shows it as the webhook's bot too.
    let history: Value = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{status_ch}/messages?limit=1")))
        .bearer_auth(s.demo_token(ANA).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["messages"][0]["id"], answered.id.to_string());
    assert_eq!(history["messages"][0]["author"]["display_name"], "n8n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_or_id_answers_401_and_posts_nothing() {
    let (_db, s) = setup().await;
    let (mut ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "grafana").await;
    let (base, token) = url.rsplit_once('/').unwrap();
    let id = base.rsplit_once('/').unwrap().1;
    let body = json!({"content": "should not appear"});

    let wrong_token = format!("{base}/{}", "0".repeat(token.len()));
    let other = webhook(&s, status_ch, "other").await;
    let other_token = other.rsplit_once('/').unwrap().1;
    for path in [
        wrong_token,
        format!("{base}/"),
        format!("/api/v1/webhooks/1/{token}"),
        format!("/api/v1/webhooks/not-an-id/{token}"),
        // Another webhook's token does not open this one.
        format!("/api/v1/webhooks/{id}/{other_token}"),
    ] {
        let (status, text) = execute(&s, &path, &body).await;
        if path.ends_with('/') {
            // No token segment at all: no such route.
            assert!(status == 404 || status == 405, "{path}: {status}");
        } else {
            assert_eq!(status, 401, "{path}: {text}");
            assert!(text.contains("unauthorized"), "{text}");
        }
    }
    assert_no_event(&mut ana, "a webhook post with a wrong token", |e| {
        matches!(e, Event::MessageCreate(_))
    })
    .await;

    // A deleted webhook's token stops working; deleting is staff only and audited.
    let delete = |who: &'static str| {
        let s = &s;
        async move {
            s.http()
                .delete(s.url(&format!("/api/v1/webhooks/{id}")))
                .bearer_auth(s.demo_token(who).await)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(delete(ANA).await, 403);
    assert_eq!(delete(STAFF).await, 204);
    assert_eq!(delete(STAFF).await, 404);
    let (status, _) = execute(&s, &url, &body).await;
    assert_eq!(status, 401);
    assert_no_event(&mut ana, "a deleted webhook", |e| {
        matches!(e, Event::MessageCreate(_))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_webhook_is_rate_limited() {
    let (_db, s) = setup().await;
    let (_ana, ready) = s.login_ws(ANA, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let url = webhook(&s, status_ch, "noisy").await;
    let quiet = webhook(&s, status_ch, "quiet").await;

    // The burst is 10; the eleventh at once is refused with a wait.
    for i in 0..10 {
        let (status, text) = execute(&s, &url, &json!({"content": format!("alert {i}")})).await;
        assert_eq!(status, 204, "post {i}: {text}");
    }
    let r = s
        .http()
        .post(s.url(&url))
        .json(&json!({"content": "one too many"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "rate_limited");
    let wait = e["error"]["retry_after_ms"].as_u64().unwrap();
    assert!(
        wait > 0 && wait <= 2_001,
        "30 a minute: one every 2 s, got {wait}"
    );

    // Another webhook has its own budget.
    let (status, _) = execute(&s, &quiet, &json!({"content": "still fine"})).await;
    assert_eq!(status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_staff_create_webhooks_and_only_where_messages_go() {
    let (_db, s) = setup().await;
    let (_staff_ws, ready) = s.login_ws(STAFF, Encoding::Json).await;
    let status_ch = channel(&ready, "system-status").id;
    let (tid, ..) = s.member("demo", STAFF).await;

    let (status, body) = create_as(&s, ANA, status_ch, "mine").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");

    // A panel takes no messages; an unknown channel does not exist.
    let panel = channel_id(&s, tid, "commissions");
    let (status, body) = create_as(&s, STAFF, panel, "panel-hook").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = create_as(&s, STAFF, Snowflake(42), "nowhere").await;
    assert_eq!(status, 404);
    // A bad name.
    let (status, _) = create_as(&s, STAFF, status_ch, "   ").await;
    assert_eq!(status, 400);
    // Another tenant's staff cannot see, so cannot use, this channel.
    let (status, _) = create_as(&s, ZOE, status_ch, "x").await;
    assert!(status == 403 || status == 404, "{status}");
    // Without a token.
    let r = s
        .http()
        .post(s.url(&format!("/api/v1/channels/{status_ch}/webhooks")))
        .json(&json!({"name": "anon"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Partners cannot list them either.
    let r = s
        .http()
        .get(s.url(&format!("/api/v1/channels/{status_ch}/webhooks")))
        .bearer_auth(s.demo_token(ANA).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_routes_are_in_the_openapi_document() {
    let (_db, s) = setup().await;
    let doc: Value = s
        .http()
        .get(s.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/v1/channels/{id}/webhooks", "post"),
        ("/api/v1/channels/{id}/webhooks", "get"),
        ("/api/v1/webhooks/{webhook_id}", "delete"),
        ("/api/v1/webhooks/{webhook_id}/{token}", "post"),
        ("/api/v1/integrations/stripe/webhook", "post"),
        ("/api/v1/revenue/payout-accounts/{user_id}", "put"),
        ("/api/v1/revenue/payout-accounts/{user_id}", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
}
