//! Server-rendered HTML of the public growth pages (landing pages, their
//! thank-you view, and not-found pages) with `maud`: every piece of user
//! text is escaped by the template engine. No script at all; one inline
//! stylesheet allowed by its hash in the page's own Content-Security-Policy.

use crate::store::PageRow;
use base64::Engine;
use maud::{html, Markup, DOCTYPE};
use sha2::Digest;
use std::sync::LazyLock;

/// The pages' only stylesheet (inline, allowed by hash).
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d2330;line-height:1.5}\
h1{font-size:1.8rem;margin-bottom:.5rem}p.body{white-space:pre-wrap}form{display:grid;gap:.75rem;margin-top:1.5rem}\
label{display:grid;gap:.25rem;font-weight:600}input,textarea{font:inherit;padding:.5rem;border:1px solid #b8bfcc;border-radius:6px}\
button{font:inherit;font-weight:600;padding:.6rem 1rem;border:0;border-radius:6px;background:#2f5bea;color:#fff;cursor:pointer}\
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}.error{color:#a1262a;font-weight:600}.muted{color:#5b6475;font-size:.9rem}";

/// `'sha256-…'` of [`STYLE`].
static STYLE_HASH: LazyLock<String> = LazyLock::new(|| {
    let digest = sha2::Sha256::digest(STYLE.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// The Content-Security-Policy of every public growth page: nothing but
/// the page's own stylesheet, same-origin images and form posts; no script.
pub fn csp() -> String {
    format!(
        "default-src 'none'; script-src 'none'; style-src {}; img-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'",
        *STYLE_HASH
    )
}

/// The honeypot field's name: hidden from people, filled in by bots.
pub const HONEYPOT: &str = "website";

fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                style { (maud::PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
}

fn label(field: &str) -> &'static str {
    match field {
        "name" => "Your name",
        "email" => "Email",
        "phone" => "Phone",
        "company" => "Company",
        _ => "Message",
    }
}

/// A landing page with its contact form; `error` above the form when a
/// submission was refused (the visitor's values are kept).
pub fn page(
    p: &PageRow,
    partner: &str,
    error: Option<&str>,
    values: &[(String, String)],
) -> String {
    let value = |f: &str| {
        values
            .iter()
            .find(|(k, _)| k == f)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    layout(
        &p.headline,
        html! {
            main {
                h1 { (p.headline) }
                @if !p.body.is_empty() { p.body { (p.body) } }
                form method="post" {
                    @if let Some(e) = error { p.error { (e) } }
                    @for f in &p.fields {
                        label {
                            (label(f))
                            @if f == "message" {
                                textarea name=(f) rows="4" maxlength="4000" { (value(f)) }
                            } @else {
                                input name=(f) maxlength="254" value=(value(f))
                                    type=(match f.as_str() { "email" => "email", "phone" => "tel", _ => "text" })
                                    required[f == "name" || f == "email"];
                            }
                        }
                    }
                    div.hp aria-hidden="true" {
                        label { "Leave this empty" input name=(HONEYPOT) tabindex="-1" autocomplete="off"; }
                    }
                    button type="submit" { (p.cta) }
                }
                p.muted { "Presented by " (partner) "." }
            }
        },
    )
    .into_string()
}

/// The view after a submission.
pub fn thanks(p: &PageRow, partner: &str) -> String {
    layout(
        &p.headline,
        html! {
            main {
                h1 { "Thank you!" }
                p { (partner) " will be in touch soon." }
            }
        },
    )
    .into_string()
}

/// A not-found page.
pub fn not_found(what: &str) -> String {
    layout(
        "Not found",
        html! { main { h1 { "Not found" } p { (what) } } },
    )
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_no_script_and_the_style_by_hash() {
        let c = csp();
        assert!(c.contains("default-src 'none'"));
        assert!(c.contains("script-src 'none'"));
        assert!(!c.contains("unsafe-inline"));
        assert!(c.contains("'sha256-"));
        assert!(not_found("<b>").contains("&lt;b&gt;"));
    }
}
