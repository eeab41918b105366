//! `GET /api/openapi.json`: the HTTP API described with utoipa from the handlers themselves.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The OpenAPI document of the HTTP routes (the gateway is docs/protocol.md).
#[derive(OpenApi)]
#[openapi(
    info(title = "Arena HTTP API", description = "See docs/protocol.md §7. Errors: HTTP status plus {\"error\": {code, message}}."),
    paths(
        super::auth::login, super::auth::refresh, super::auth::logout, super::channels::list, super::channels::history,
        super::channels::create, super::channels::edit, super::channels::delete, super::audit::list,
        super::people::search, super::people::settings, super::people::update_settings,
        super::health::healthz, super::health::readyz, super::health::metrics,
        super::bots::create, super::bots::list, super::bots::revoke, super::bots::rotate,
        super::revenue::deal_win, super::revenue::approve, super::revenue::payout, super::revenue::reverse,
        super::revenue::verify, super::revenue::set_goal, super::revenue::set_tier,
        super::subscriptions::create, super::subscriptions::list, super::subscriptions::disable,
        super::subscriptions::deliveries,
        super::webhooks::create, super::webhooks::list, super::webhooks::delete, super::webhooks::execute,
        super::stripe::webhook, super::stripe::link_account, super::stripe::get_account,
    ),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The whole document: [`ApiDoc`] plus each route file's own part (a file
/// with `routes()` declares its paths in its `Api`).
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        super::account::Api::openapi(),
        super::members::Api::openapi(),
        super::mfa::Api::openapi(),
        super::activation::Api::openapi(),
        super::activity::Api::openapi(),
        super::files::Api::openapi(),
        super::clients::Api::openapi(),
        super::alliances::Api::openapi(),
        super::alliance_records::Api::openapi(),
        super::support::Api::openapi(),
        super::growth::Api::openapi(),
        super::activity::Api::openapi(),
        super::enablement::Api::openapi(),
        super::insights::Api::openapi(),
        super::plans::Api::openapi(),
        super::invites::Api::openapi(),
        super::password_reset::Api::openapi(),
        super::tenants::Api::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

/// Serves the document.
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
