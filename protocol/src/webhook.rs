//! Incoming-webhook bodies (PROTOCOL.md §7) as tools that post to Discord or
//! Slack send them, accepted unchanged and rendered to one plain-text message:
//!
//! - Discord (<https://discord.com/developers/docs/resources/webhook#execute-webhook>):
//!   `content`, then each of `embeds` as its author, title (with its `url`),
//!   description, `fields` as `name: value` lines and footer.
//! - Slack (<https://api.slack.com/messaging/webhooks>, Block Kit): `blocks` of
//!   type `header`, `section` (its `text` and `fields`) and `context`; as in
//!   Slack, top-level `text` is shown only when no block has text (with
//!   blocks it is the notification fallback); then legacy `attachments`
//!   (pretext, title, text, fields as `title: value`, footer), which alerting
//!   tools such as Alertmanager and Grafana still send. Slack's mrkdwn links
//!   and escapes become plain text.
//!
//! Unknown fields are ignored (`tts`, `allowed_mentions`, `icon_emoji` …);
//! `username` and `avatar_url` are accepted and not shown (the webhook's bot
//! member is the author).

use serde::Deserialize;

/// Discord's and Slack's incoming-webhook fields in one body; every field is
/// optional and `null` reads as absent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IncomingBody {
    /// Discord: the message text.
    pub content: Option<String>,
    /// Discord: the name to show instead of the webhook's (not shown: see the module doc).
    pub username: Option<String>,
    /// Discord: the avatar to show (not shown).
    pub avatar_url: Option<String>,
    /// Discord: up to 10 rich embeds.
    pub embeds: Option<Vec<Embed>>,
    /// Slack: the message text (mrkdwn), or the fallback when `blocks` have text.
    pub text: Option<String>,
    /// Slack: Block Kit blocks.
    pub blocks: Option<Vec<Block>>,
    /// Slack: legacy attachments.
    pub attachments: Option<Vec<Attachment>>,
}

/// A Discord embed (the parts rendered; `color` and the rest are ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Embed {
    pub title: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    /// Accepted in any form and not rendered.
    pub color: Option<serde_json::Value>,
    pub fields: Option<Vec<EmbedField>>,
    pub author: Option<Named>,
    pub footer: Option<Footer>,
}

/// A Discord embed field: rendered as `name: value`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmbedField {
    pub name: Option<String>,
    pub value: Option<String>,
}

/// A Discord embed author.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Named {
    pub name: Option<String>,
}

/// A Discord embed footer or a Slack attachment footer's text.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Footer {
    pub text: Option<String>,
}

/// A Slack block; `type` decides which parts are read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Block {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<TextObject>,
    pub fields: Option<Vec<TextObject>>,
    /// `context` elements: those with text are rendered.
    pub elements: Option<Vec<TextObject>>,
}

/// A Slack text object: `{type: "plain_text" | "mrkdwn", text}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TextObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
}

/// A Slack legacy attachment.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Attachment {
    pub fallback: Option<String>,
    pub pretext: Option<String>,
    pub title: Option<String>,
    pub title_link: Option<String>,
    pub text: Option<String>,
    pub fields: Option<Vec<AttachmentField>>,
    pub footer: Option<String>,
}

/// A Slack attachment field: rendered as `title: value`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttachmentField {
    pub title: Option<String>,
    pub value: Option<String>,
}

/// The trimmed text if it has any.
fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// `label (url)`, or whichever of the two exists.
fn linked(label: Option<&str>, url: Option<&str>) -> Option<String> {
    match (label, url) {
        (Some(l), Some(u)) => Some(format!("{l} ({u})")),
        (Some(l), None) => Some(l.to_owned()),
        (None, Some(u)) => Some(u.to_owned()),
        (None, None) => None,
    }
}

/// `name: value`, or whichever of the two exists.
fn pair(name: Option<&str>, value: Option<&str>) -> Option<String> {
    match (name, value) {
        (Some(n), Some(v)) => Some(format!("{n}: {v}")),
        (Some(x), None) | (None, Some(x)) => Some(x.to_owned()),
        (None, None) => None,
    }
}

/// Slack mrkdwn to plain text: `<url|label>` → `label (url)`, `<url>` → url,
/// `<!here>` → `@here`, `<@U1>` → `@U1`, `<#C1|general>` → `#general`, and the
/// three escapes Slack documents (`&amp;`, `&lt;`, `&gt;`;
/// <https://api.slack.com/reference/surfaces/formatting#escaping>).
pub fn slack_plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inner = &after[..close];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l)),
            None => (inner, None),
        };
        if let Some(special) = target.strip_prefix('!') {
            // <!here>, <!channel>, <!subteam^ID|@team>, <!date^…|fallback>
            match label {
                Some(l) => out.push_str(l),
                None => {
                    out.push('@');
                    out.push_str(special);
                }
            }
        } else if let Some(id) = target
            .strip_prefix('@')
            .or_else(|| target.strip_prefix('#'))
        {
            out.push_str(&target[..1]);
            out.push_str(label.map_or(id, |l| l.trim_start_matches(['@', '#'])));
        } else {
            out.push_str(&linked(label, Some(target)).unwrap_or_default());
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A Slack text object as plain text (mrkdwn converted, plain text as is).
fn slack_text(t: &TextObject) -> Option<String> {
    let s = some(&t.text)?;
    Some(if t.kind == "plain_text" {
        s.to_owned()
    } else {
        slack_plain(s)
    })
}

fn render_blocks(blocks: &[Block]) -> Vec<String> {
    let mut lines = Vec::new();
    for b in blocks {
        match b.kind.as_str() {
            "header" | "section" => {
                lines.extend(b.text.as_ref().and_then(slack_text));
                for f in b.fields.iter().flatten() {
                    lines.extend(slack_text(f));
                }
            }
            "context" => {
                let parts: Vec<String> =
                    b.elements.iter().flatten().filter_map(slack_text).collect();
                if !parts.is_empty() {
                    lines.push(parts.join(" "));
                }
            }
            // divider, image, actions, rich_text …: nothing in plain text.
            _ => {}
        }
    }
    lines
}

fn render_attachment(a: &Attachment) -> Vec<String> {
    let mut lines = Vec::new();
    lines.extend(some(&a.pretext).map(slack_plain));
    lines.extend(linked(
        some(&a.title).map(slack_plain).as_deref(),
        some(&a.title_link),
    ));
    lines.extend(some(&a.text).map(slack_plain));
    for f in a.fields.iter().flatten() {
        lines.extend(pair(
            some(&f.title).map(slack_plain).as_deref(),
            some(&f.value).map(slack_plain).as_deref(),
        ));
    }
    lines.extend(some(&a.footer).map(slack_plain));
    if lines.is_empty() {
        lines.extend(some(&a.fallback).map(slack_plain));
    }
    lines
}

fn render_embed(e: &Embed) -> Vec<String> {
    let mut lines = Vec::new();
    lines.extend(
        e.author
            .as_ref()
            .and_then(|a| some(&a.name))
            .map(str::to_owned),
    );
    lines.extend(linked(some(&e.title), some(&e.url)));
    lines.extend(some(&e.description).map(str::to_owned));
    for f in e.fields.iter().flatten() {
        lines.extend(pair(some(&f.name), some(&f.value)));
    }
    lines.extend(
        e.footer
            .as_ref()
            .and_then(|f| some(&f.text))
            .map(str::to_owned),
    );
    lines
}

/// The body as one plain-text message of at most `max_chars` characters
/// (longer text is cut and ends with `…`), control characters other than
/// newline and tab removed (Postgres text takes no NUL). Empty when the body
/// has nothing to show: the caller answers 400, as Discord does for an empty
/// message.
pub fn render(body: &IncomingBody, max_chars: usize) -> String {
    let mut sections: Vec<String> = Vec::new();
    sections.extend(some(&body.content).map(str::to_owned));
    let blocks = render_blocks(body.blocks.as_deref().unwrap_or_default());
    if blocks.is_empty() {
        sections.extend(some(&body.text).map(slack_plain));
    } else {
        sections.push(blocks.join("\n"));
    }
    for a in body.attachments.iter().flatten() {
        let lines = render_attachment(a);
        if !lines.is_empty() {
            sections.push(lines.join("\n"));
        }
    }
    for e in body.embeds.iter().flatten() {
        let lines = render_embed(e);
        if !lines.is_empty() {
            sections.push(lines.join("\n"));
        }
    }
    let text: String = sections
        .join("\n\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    cap(text.trim(), max_chars)
}

/// `s` cut to `max_chars` characters, the last being `…` when cut.
fn cap(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max_chars.saturating_sub(1)).collect();
    if max_chars > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: serde_json::Value) -> IncomingBody {
        serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn discord_content_and_embeds() {
        let b = body(serde_json::json!({
            "content": "Deploy finished", "username": "ci", "avatar_url": "https://x/y.png", "tts": false,
            "embeds": [{"title": "build 42", "url": "https://ci/42", "description": "all green", "color": 3066993,
                        "fields": [{"name": "branch", "value": "main", "inline": true}, {"name": "took", "value": "3m"}],
                        "footer": {"text": "ci-bot"}}]
        }));
        assert_eq!(
            render(&b, 4000),
            "Deploy finished\n\nbuild 42 (https://ci/42)\nall green\nbranch: main\ntook: 3m\nci-bot"
        );
    }

    #[test]
    fn slack_blocks_hide_the_fallback_text() {
        let b = body(serde_json::json!({
            "text": "fallback",
            "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "Disk full"}},
                {"type": "divider"},
                {"type": "section", "text": {"type": "mrkdwn", "text": "*db-1* at 97% <https://grafana/d/1|dashboard> &amp; rising"},
                 "fields": [{"type": "mrkdwn", "text": "*Severity:* high"}]},
                {"type": "context", "elements": [{"type": "image", "image_url": "x"}, {"type": "mrkdwn", "text": "<!here>"}]}
            ]
        }));
        assert_eq!(
            render(&b, 4000),
            "Disk full\n*db-1* at 97% dashboard (https://grafana/d/1) & rising\n*Severity:* high\n@here"
        );
    }

    #[test]
    fn slack_text_alone_and_attachments() {
        let b = body(serde_json::json!({"text": "Hello <@U123> in <#C1|ops>: a &lt; b"}));
        assert_eq!(render(&b, 4000), "Hello @U123 in #ops: a < b");
        let b = body(serde_json::json!({
            "text": "[FIRING:1] HighLatency",
            "attachments": [{"title": "HighLatency", "title_link": "https://am/1", "text": "p99 > 2s",
                             "fields": [{"title": "severity", "value": "page", "short": true}], "fallback": "x"}]
        }));
        assert_eq!(
            render(&b, 4000),
            "[FIRING:1] HighLatency\n\nHighLatency (https://am/1)\np99 > 2s\nseverity: page"
        );
    }

    #[test]
    fn empty_bodies_render_empty_and_nulls_are_absent() {
        assert_eq!(render(&body(serde_json::json!({})), 4000), "");
        let b = body(
            serde_json::json!({"content": null, "embeds": null, "text": "  ", "blocks": [{"type": "divider"}]}),
        );
        assert_eq!(render(&b, 4000), "");
        assert!(
            serde_json::from_value::<IncomingBody>(serde_json::json!({"embeds": "x"})).is_err()
        );
    }

    #[test]
    fn long_text_is_capped_and_control_characters_go() {
        let b = body(serde_json::json!({"content": format!("a\u{0}b{}", "é".repeat(5000))}));
        let s = render(&b, 4000);
        assert_eq!(s.chars().count(), 4000);
        assert!(s.starts_with("abé"));
        assert!(s.ends_with('…'));
        assert_eq!(cap("abc", 3), "abc");
        assert_eq!(cap("abcd", 0), "");
    }

    #[test]
    fn unclosed_angle_brackets_stay() {
        assert_eq!(slack_plain("1 < 2 and <http://x"), "1 < 2 and <http://x");
        assert_eq!(
            slack_plain("<!subteam^S1|@oncall> <http://a>"),
            "@oncall http://a"
        );
    }
}
