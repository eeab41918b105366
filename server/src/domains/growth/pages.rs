//! Landing pages: a partner creates and edits their pages (slug unique in
//! the workspace), shares one in #landing-pages, and a visitor's contact
//! form submission becomes a referral lead of the page's partner.

use super::commands::{LeadInput, PageInput};
use super::input::{self, bad, MAX_LONG, MAX_SHORT};
use super::referrals::{activity, clean, insert_lead};
use super::{sees_all, Growth, SHARE_CHANNEL};
use crate::error::store_error;
use crate::ids::{LandingPageId, UserId};
use crate::registry::Actor;
use crate::store::{LeadRow, PageContent, PageRow, StoreError};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode};
use serde_json::json;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Submissions one address may make in a workspace per [`SUBMIT_WINDOW`].
pub const SUBMITS_PER_WINDOW: u32 = 5;
/// The window of [`SUBMITS_PER_WINDOW`].
pub const SUBMIT_WINDOW: Duration = Duration::from_secs(10 * 60);
/// Addresses remembered at most (then the oldest windows are forgotten).
const SUBMITTERS: usize = 10_000;

/// Landing-page submissions per visitor (a salted address hash) in the
/// current window: the actor's view state, bounded, lost on restart.
#[derive(Debug, Default)]
pub struct Submissions(HashMap<String, (Instant, u32)>);

impl Submissions {
    /// Counts a submission of `visitor` at `now`; false when over the limit.
    pub fn admit(&mut self, visitor: &str, now: Instant) -> bool {
        if self.0.len() >= SUBMITTERS && !self.0.contains_key(visitor) {
            self.0
                .retain(|_, (start, _)| now.duration_since(*start) < SUBMIT_WINDOW);
            if self.0.len() >= SUBMITTERS {
                self.0.clear();
            }
        }
        let e = self.0.entry(visitor.to_owned()).or_insert((now, 0));
        if now.duration_since(e.0) >= SUBMIT_WINDOW {
            *e = (now, 0);
        }
        e.1 += 1;
        e.1 <= SUBMITS_PER_WINDOW
    }
}

/// The contact form fields a page may ask for, in form order.
pub const FIELDS: [&str; 5] = ["name", "email", "phone", "company", "message"];
/// Most pages one partner holds.
pub const MAX_PAGES: i64 = 20;
/// Longest call-to-action label, characters.
pub const MAX_CTA: usize = 40;

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

/// The form fields chosen, in [`FIELDS`] order; `name` and `email` always.
pub fn fields(chosen: &[String]) -> Result<Vec<String>, ErrorBody> {
    for f in chosen {
        if !FIELDS.contains(&f.trim()) {
            return Err(bad(format!(
                "fields: {f:?} is not one of {}",
                FIELDS.join(", ")
            )));
        }
    }
    Ok(FIELDS
        .iter()
        .filter(|f| matches!(**f, "name" | "email") || chosen.iter().any(|c| c.trim() == **f))
        .map(|f| (*f).to_owned())
        .collect())
}

/// The page if `by` may see it; `not_found` otherwise.
pub async fn visible(g: &Growth, by: &Actor, id: LandingPageId) -> Result<PageRow, ErrorBody> {
    match g.store.fetch_growth_page(g.tenant_id, id).await {
        Ok(p) if sees_all(by) || p.partner_id == by.user_id => Ok(p),
        Ok(_) | Err(StoreError::NotFound) => {
            Err(err(ErrorCode::NotFound, format!("no landing page {id}")))
        }
        Err(e) => Err(store_error(e)),
    }
}

/// Creates (partners) or edits (the page's partner, or staff) a page.
pub async fn save(
    g: &Growth,
    by: &Actor,
    id: Option<LandingPageId>,
    p: PageInput,
) -> Result<PageRow, ErrorBody> {
    if by.bot.is_some() {
        return Err(err(ErrorCode::Forbidden, "bots do not edit landing pages"));
    }
    let (id, partner, verb) = match id {
        Some(id) => {
            let page = visible(g, by, id).await?;
            (id, page.partner_id, "landing_page.updated")
        }
        None => {
            if by.role != Role::Partner {
                return Err(err(
                    ErrorCode::Forbidden,
                    "partners create their landing pages",
                ));
            }
            let held = g
                .store
                .fetch_growth_pages(g.tenant_id, Some(by.user_id), MAX_PAGES)
                .await
                .map_err(store_error)?;
            if held.len() as i64 >= MAX_PAGES {
                return Err(err(
                    ErrorCode::Conflict,
                    format!("a partner holds at most {MAX_PAGES} pages"),
                ));
            }
            (
                LandingPageId(g.next_id()),
                by.user_id,
                "landing_page.created",
            )
        }
    };
    let slug = input::slug(&p.slug)?;
    let headline = input::text("headline", &p.headline, 1, MAX_SHORT, false)?;
    let body = input::text("body", &p.body, 0, MAX_LONG, true)?;
    let cta = input::text("cta", &p.cta, 1, MAX_CTA, false)?;
    let fields = fields(&p.fields)?;
    let content = PageContent {
        slug: &slug,
        headline: &headline,
        body: &body,
        cta: &cta,
        fields: &fields,
        published: p.published,
    };
    let summary = format!(
        "Landing page /{slug} {}",
        if verb.ends_with("created") {
            "created"
        } else {
            "updated"
        }
    );
    let a = activity(
        g,
        partner,
        Some(by.user_id),
        verb,
        &summary,
        json!({ "page_id": id.to_string(), "published": p.published }),
    );
    g.store
        .upsert_growth_page(g.tenant_id, id, partner, &content, &a)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => err(
                ErrorCode::Conflict,
                format!("the slug {slug:?} is taken in this workspace"),
            ),
            other => store_error(other),
        })
}

/// The public path of a page.
pub fn path(tenant_slug: &str, page_slug: &str) -> String {
    format!("/p/{tenant_slug}/{page_slug}")
}

/// Conversion rate in percent with one decimal (submissions per visit).
pub fn conversion(p: &PageRow) -> f64 {
    if p.visits == 0 {
        0.0
    } else {
        ((p.submissions as f64) * 1000.0 / (p.visits as f64)).round() / 10.0
    }
}

/// Posts the page's link and figures in #landing-pages (the page's partner).
pub async fn share(g: &Growth, by: &Actor, id: LandingPageId) -> Result<PageRow, ErrorBody> {
    let page = visible(g, by, id).await?;
    if page.partner_id != by.user_id {
        return Err(err(ErrorCode::Forbidden, "partners share their own pages"));
    }
    if !page.published {
        return Err(err(
            ErrorCode::Conflict,
            "the page is unpublished; publish it before sharing",
        ));
    }
    let tenant = g
        .store
        .fetch_tenant(g.tenant_id)
        .await
        .map_err(store_error)?;
    let partner = g
        .store
        .fetch_user(g.tenant_id, page.partner_id)
        .await
        .map_err(store_error)?;
    let content = format!(
        "{} shared a landing page: “{}” {} ({} visits, {} submissions, {}% conversion)",
        partner.display_name,
        page.headline,
        path(&tenant.slug, &page.slug),
        page.visits,
        page.submissions,
        conversion(&page)
    );
    g.ctx
        .post_as_system(g.tenant_id, SHARE_CHANNEL, content, None)
        .await?;
    Ok(page)
}

/// A visitor's submission of `page`'s form: a lead of the page's partner
/// only (the fields the page does not ask for are ignored).
pub async fn page_lead(g: &Growth, page: &PageRow, l: LeadInput) -> Result<LeadRow, ErrorBody> {
    if !page.published {
        return Err(err(ErrorCode::NotFound, "no such page"));
    }
    let asks = |f: &str| page.fields.iter().any(|x| x == f);
    let l = LeadInput {
        name: l.name,
        email: l.email,
        phone: if asks("phone") {
            l.phone
        } else {
            String::new()
        },
        company: if asks("company") {
            l.company
        } else {
            String::new()
        },
        note: if asks("message") {
            l.note
        } else {
            String::new()
        },
    };
    let l = clean(l)?;
    let partner: UserId = page.partner_id;
    insert_lead(g, partner, None, "landing_page", Some(page.id), &l).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_submits_a_bounded_number_of_times_per_window() {
        let mut s = Submissions::default();
        let t = Instant::now();
        for _ in 0..SUBMITS_PER_WINDOW {
            assert!(s.admit("a", t));
        }
        assert!(!s.admit("a", t));
        assert!(s.admit("b", t));
        assert!(s.admit("a", t + SUBMIT_WINDOW));
    }

    #[test]
    fn fields_keep_form_order_and_always_ask_name_and_email() {
        let f = fields(&["message".into(), "phone".into()]).expect("valid");
        assert_eq!(f, ["name", "email", "phone", "message"]);
        assert!(fields(&["age".into()]).is_err());
    }
}
