//! The HTTP API (PROTOCOL.md §7) and the web client's static files.

pub mod account;
pub mod activation;
pub mod activity;
pub mod alliance_records;
pub mod alliances;
pub mod audit;
pub mod auth;
pub mod bots;
pub mod channels;
pub mod clients;
pub mod enablement;
pub mod extract;
pub mod files;
pub mod growth;
mod growth_html;
pub mod health;
pub mod insights;
pub mod invites;
pub mod limits;
pub mod members;
pub mod mfa;
pub mod openapi;
pub mod password_reset;
pub mod people;
pub mod plans;
pub mod public_growth;
pub mod revenue;
pub mod stripe;
pub mod subscriptions;
pub mod support;
pub mod tenants;
pub mod timeout;
pub mod webhooks;

use crate::state::AppState;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Content-Security-Policy for the web client: same-origin scripts; API and
/// gateway on this origin and on the configured ones only (issue 12 item
/// 12): `connect-src` lists `'self'` and, for `public_url` and each of
/// `allowed_origins`, the origin and its WebSocket twin (`https://h` →
/// `wss://h`, `http://h` → `ws://h`; CSP Level 3 §6.7.2.8 lets `'self'`
/// match same-host `ws:`/`wss:`, older browsers need them spelled out).
pub fn csp(cfg: &crate::config::Config) -> String {
    let mut connect = vec!["'self'".to_owned()];
    for o in cfg.gateway_origins() {
        let ws = o
            .strip_prefix("https://")
            .map(|h| format!("wss://{h}"))
            .or_else(|| o.strip_prefix("http://").map(|h| format!("ws://{h}")));
        connect.push(o);
        connect.extend(ws);
    }
    connect.dedup();
    format!(
        "default-src 'self'; connect-src {}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        connect.join(" ")
    )
}

/// The router of the separate metrics listener (`metrics_addr`): only
/// `GET /metrics`, without a token.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(health::metrics_open))
        .with_state(state)
}

/// The whole router: API, gateway, health, metrics, then the web client.
pub fn router(state: AppState) -> Router {
    // Requests per client address: the API and the public growth pages.
    let per_ip = axum::middleware::from_fn_with_state(
        std::sync::Arc::new(limits::IpLimiter::new(
            state.cfg.http_requests_per_minute_per_ip,
            state.cfg.trusted_proxies.clone(),
        )),
        limits::per_ip,
    );
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/audit-log", get(audit::list))
        .route("/search", get(people::search))
        .route(
            "/me/settings",
            get(people::settings).patch(people::update_settings),
        )
        .route("/bots", get(bots::list).post(bots::create))
        .route("/revenue/deal-wins", post(revenue::deal_win))
        .route("/revenue/commissions/approve", post(revenue::approve))
        .route("/revenue/payouts", post(revenue::payout))
        .route("/revenue/deals/{deal_id}/reverse", post(revenue::reverse))
        .route("/revenue/ledger/verify", get(revenue::verify))
        .route("/revenue/goals", axum::routing::put(revenue::set_goal))
        .route(
            "/revenue/tiers/{partner_id}",
            axum::routing::put(revenue::set_tier),
        )
        .route(
            "/webhook-subscriptions",
            get(subscriptions::list).post(subscriptions::create),
        )
        .route(
            "/webhook-subscriptions/{id}",
            axum::routing::delete(subscriptions::disable),
        )
        .route(
            "/webhook-subscriptions/{id}/deliveries",
            get(subscriptions::deliveries),
        )
        .route(
            "/revenue/payout-accounts/{user_id}",
            get(stripe::get_account).put(stripe::link_account),
        )
        .route("/integrations/stripe/webhook", post(stripe::webhook))
        .route(
            "/channels/{id}/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/webhooks/{webhook_id}",
            axum::routing::delete(webhooks::delete),
        )
        .route("/webhooks/{webhook_id}/{token}", post(webhooks::execute))
        .route(
            "/bots/tokens/{token_id}",
            axum::routing::delete(bots::revoke),
        )
        .route("/bots/tokens/{token_id}/rotate", post(bots::rotate))
        .route("/channels", get(channels::list))
        .route(
            "/channels/{id}/messages",
            get(channels::history).post(channels::create),
        )
        .route(
            "/channels/{id}/messages/{message_id}",
            axum::routing::patch(channels::edit).delete(channels::delete),
        )
        // Each domain's routes: one `routes()` per file.
        .merge(account::routes())
        .merge(members::routes())
        .merge(mfa::routes())
        .merge(activity::routes())
        .merge(clients::routes())
        .merge(alliances::routes())
        .merge(alliance_records::routes())
        .merge(activation::routes())
        .merge(support::routes())
        .merge(enablement::routes())
        .merge(growth::routes())
        .merge(insights::routes())
        .merge(plans::routes())
        .merge(invites::routes())
        .merge(password_reset::routes())
        .merge(tenants::routes())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(256 * 1024))
        // Uploads have their own limit (outside the API's 256 KiB).
        .merge(files::routes(state.cfg.max_upload_bytes))
        .merge(alliances::import_routes())
        .layer(axum::middleware::from_fn_with_state(
            std::time::Duration::from_millis(state.cfg.request_timeout_ms),
            timeout::request_timeout,
        ))
        .layer(per_ip.clone());
    let csp = HeaderValue::from_str(&csp(&state.cfg))
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    let web_dir = state.cfg.web_dir.clone();
    let index = web_dir.join("index.html");
    // The build writes .br/.gz next to each asset; hashed /assets/* never change.
    let assets = ServeDir::new(web_dir.join("assets"))
        .precompressed_br()
        .precompressed_gzip();
    let assets = tower::ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .service(assets);
    let web = ServeDir::new(&web_dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(index)
                .precompressed_br()
                .precompressed_gzip(),
        );
    Router::new()
        .nest("/api/v1", api)
        .route("/gateway", get(crate::gateway::upgrade))
        .route("/api/openapi.json", get(openapi::openapi))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        // Public growth pages: referral redirects, QR codes, landing pages.
        .merge(public_growth::routes().layer(per_ip))
        .nest_service("/assets", assets)
        .fallback_service(web)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
