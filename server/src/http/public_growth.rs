//! The growth hub's public routes (no authentication):
//!
//! - `GET /r/{code}`: 302 to the code's target (or the program's
//!   `referral_target`) with `ref=CODE` appended; counts the click unless the
//!   User-Agent is a bot's or the same address was counted on the code
//!   within the click window. Unknown code: a 404 page.
//! - `GET /r/{code}/qr.svg`: the QR code (SVG) of the full referral URL
//!   (`public_url` + `/r/{code}`).
//! - `GET /p/{tenant}/{slug}`: a published landing page, server-rendered,
//!   with a strict CSP (no script); counts the visit like a click.
//!   `?sent=1` shows the thank-you view.
//! - `POST /p/{tenant}/{slug}`: its contact form (urlencoded, at most
//!   [`FORM_LIMIT`] bytes): a lead of the page's partner, then 303 to the
//!   thank-you view. A filled honeypot is answered the same way and stores
//!   nothing; more than 5 submissions from one address in 10 minutes are
//!   429. Unpublished or unknown pages: 404.

use super::extract::Peer;
use super::growth_html as page_html;
use crate::domains::growth::commands::{Command, LeadInput};
use crate::domains::growth::{config::valid_target, visitor};
use crate::ids::TenantId;
use crate::state::AppState;
use crate::store::{PageRow, StoreError};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;

/// Largest landing-page form body, bytes.
pub const FORM_LIMIT: usize = 16 * 1024;

/// The public routes, at the root.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/r/{code}", get(redirect))
        .route("/r/{code}/qr.svg", get(qr))
        .route("/p/{tenant}/{slug}", get(landing).post(submit))
        .layer(axum::extract::DefaultBodyLimit::max(FORM_LIMIT))
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&page_html::csp()) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn not_found(what: &str) -> Response {
    html(StatusCode::NOT_FOUND, page_html::not_found(what))
}

fn unavailable() -> Response {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        page_html::not_found("This page is unavailable right now; try again in a minute."),
    )
}

/// A code as typed in a URL: short and URL-safe, else not a code.
fn plausible_code(code: &str) -> bool {
    (4..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Counts a hit of this request's visitor (unless a bot); true when counted.
async fn count(
    state: &AppState,
    tenant: TenantId,
    kind: &str,
    subject: i64,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> bool {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    if visitor::is_bot(ua) {
        return false;
    }
    let ip = crate::client_ip::client_ip(peer, headers, &state.cfg.trusted_proxies);
    let hash = visitor::hash(state.cfg.jwt_secret.as_bytes(), tenant.0, ip);
    let window = 60
        * i64::from(
            state
                .domains
                .growth()
                .context()
                .program
                .growth
                .click_window_minutes,
        );
    match state
        .store
        .update_growth_hit(tenant, kind, subject, &hash, window)
        .await
    {
        Ok(counted) => counted,
        Err(e) => {
            tracing::warn!(error = %e, "counting a growth {kind}");
            false
        }
    }
}

fn touched(state: &AppState, tenant: TenantId, partner: crate::ids::UserId) {
    // Best effort: a full mailbox leaves the figures for the next refresh.
    let _ = state
        .domains
        .growth()
        .command(tenant, Command::Touched { partner });
}

/// `GET /r/{code}`.
pub async fn redirect(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Response {
    if !plausible_code(&code) {
        return not_found("This referral link does not exist.");
    }
    let row = match state.store.fetch_growth_code_by_code(&code).await {
        Ok(r) => r,
        Err(StoreError::NotFound) => return not_found("This referral link does not exist."),
        Err(_) => return unavailable(),
    };
    let program = &state.domains.growth().context().program.growth;
    let target = row
        .target
        .as_deref()
        .filter(|t| valid_target(t))
        .unwrap_or(&program.referral_target);
    let sep = if target.contains('?') { '&' } else { '?' };
    let location = format!("{target}{sep}ref={}", row.code);
    if count(&state, row.tenant_id, "click", row.id, peer, &headers).await {
        touched(&state, row.tenant_id, row.partner_id);
    }
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(_) => not_found("This referral link has no valid target."),
    }
}

/// `GET /r/{code}/qr.svg`.
pub async fn qr(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    if !plausible_code(&code) {
        return not_found("This referral link does not exist.");
    }
    match state.store.fetch_growth_code_by_code(&code).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return not_found("This referral link does not exist."),
        Err(_) => return unavailable(),
    }
    let url = format!("{}/r/{code}", state.cfg.public_base());
    let Ok(qr) = qrcode::QrCode::new(url.as_bytes()) else {
        return unavailable();
    };
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let mut r = (StatusCode::OK, svg).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    // An SVG opened directly must not run anything either.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    r
}

/// The published page `slug` of workspace `tenant`, with its partner's name.
async fn published(
    state: &AppState,
    tenant: &str,
    slug: &str,
) -> Result<(TenantId, PageRow, String), Response> {
    let gone = || not_found("This page does not exist.");
    if tenant.len() > 64 || slug.len() > 64 {
        return Err(gone());
    }
    let t = match state.store.fetch_tenant_by_slug(tenant).await {
        Ok(t) => t,
        Err(StoreError::NotFound) => return Err(gone()),
        Err(_) => return Err(unavailable()),
    };
    let p = match state.store.fetch_growth_page_by_slug(t.id, slug).await {
        Ok(p) if p.published => p,
        Ok(_) | Err(StoreError::NotFound) => return Err(gone()),
        Err(_) => return Err(unavailable()),
    };
    let partner = match state.store.fetch_user(t.id, p.partner_id).await {
        Ok(u) => u.display_name,
        Err(_) => return Err(unavailable()),
    };
    Ok((t.id, p, partner))
}

/// `?sent=1` after a submission.
#[derive(Debug, serde::Deserialize)]
pub struct Sent {
    #[serde(default)]
    sent: Option<String>,
}

/// `GET /p/{tenant}/{slug}`.
pub async fn landing(
    State(state): State<AppState>,
    Path((tenant, slug)): Path<(String, String)>,
    Query(q): Query<Sent>,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Response {
    let (tid, page, partner) = match published(&state, &tenant, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if q.sent.is_some() {
        return html(StatusCode::OK, page_html::thanks(&page, &partner));
    }
    if count(&state, tid, "visit", page.id.0, peer, &headers).await {
        touched(&state, tid, page.partner_id);
    }
    html(StatusCode::OK, page_html::page(&page, &partner, None, &[]))
}

/// `POST /p/{tenant}/{slug}`.
pub async fn submit(
    State(state): State<AppState>,
    Path((tenant, slug)): Path<(String, String)>,
    Peer(peer): Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (tid, page, partner) = match published(&state, &tenant, &slug).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let thanks = || {
        let mut r = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("/p/{tenant}/{slug}?sent=1")) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    };
    let values: Vec<(String, String)> = form_urlencoded::parse(&body)
        .take(16)
        .map(|(k, v)| (k.into_owned(), v.chars().take(4000).collect()))
        .collect();
    let get = |k: &str| {
        values
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if !get(page_html::HONEYPOT).is_empty() {
        return thanks();
    }
    let lead = LeadInput {
        name: get("name"),
        email: get("email"),
        phone: get("phone"),
        company: get("company"),
        note: get("message"),
    };
    let visitor = visitor::hash(
        state.cfg.jwt_secret.as_bytes(),
        tid.0,
        crate::client_ip::client_ip(peer, &headers, &state.cfg.trusted_proxies),
    );
    let asked = state
        .domains
        .growth()
        .ask(tid, |reply| Command::PageLead {
            page: Box::new(page.clone()),
            visitor,
            lead,
            reply,
        })
        .await;
    match asked {
        Ok(_) => thanks(),
        Err(e) if e.code == arena_protocol::ErrorCode::BadRequest => html(
            StatusCode::BAD_REQUEST,
            page_html::page(&page, &partner, Some(&e.message), &values),
        ),
        Err(e) if e.code == arena_protocol::ErrorCode::RateLimited => html(
            StatusCode::TOO_MANY_REQUESTS,
            page_html::page(&page, &partner, Some(&e.message), &values),
        ),
        Err(_) => unavailable(),
    }
}
