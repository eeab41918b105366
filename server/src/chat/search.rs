//! `search` (PROTOCOL.md §4) and `GET /api/v1/search`: full-text search over
//! the messages the caller may read. The channels searched are those the
//! registry lets the caller read (chat, announcement, feed and their own
//! DMs), so a hit can never come from a hidden channel, a DM of others or
//! another tenant; a `channel_id` the caller cannot read is `not_found`,
//! as everywhere.

use super::{err, Chat};
use crate::error::store_error;
use crate::ids::{ChannelId, MessageId, UserId};
use crate::registry::Actor;
use crate::store::SearchQuery;
use arena_protocol::model::ChannelKind;
use arena_protocol::request::{Search, SearchHit, SearchResult};
use arena_protocol::{ErrorBody, ErrorCode};

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Hits per page when `limit` is not given, and the most it may ask for.
pub const DEFAULT_HITS: u32 = 25;
pub const MAX_HITS: u32 = 50;

impl Chat {
    /// Searches what `actor` may read, newest first. Errors: `bad_request`
    /// for an empty or over-long query or a `limit` outside 1..50,
    /// `not_found` for a channel the caller cannot read, `unavailable` when
    /// Postgres is away.
    pub async fn search(&self, actor: &Actor, p: Search) -> Result<SearchResult, ErrorBody> {
        let text = p.query.trim();
        crate::text::check("query", text)?;
        if text.is_empty() {
            return Err(err(ErrorCode::BadRequest, "query is empty"));
        }
        if text.chars().count() > MAX_QUERY_CHARS {
            return Err(err(
                ErrorCode::BadRequest,
                format!("query is longer than {MAX_QUERY_CHARS} characters"),
            ));
        }
        let limit = p.limit.unwrap_or(DEFAULT_HITS);
        if !(1..=MAX_HITS).contains(&limit) {
            return Err(err(
                ErrorCode::BadRequest,
                format!("limit must be 1..{MAX_HITS}"),
            ));
        }
        let channels: Vec<ChannelId> = match p.channel_id {
            Some(c) => vec![self.registry.readable(actor, c)?.id],
            None => self
                .registry
                .tenant(actor.tenant_id)
                .channels
                .iter()
                .filter(|c| c.kind != ChannelKind::Panel && c.can_read(actor))
                .map(|c| c.id)
                .collect(),
        };
        let hits = self
            .store
            .fetch_search(
                actor.tenant_id,
                &SearchQuery {
                    text,
                    channels: &channels,
                    author: p.author_id.map(UserId::from),
                    before: p.before.map(MessageId::from),
                    after: p.after.map(MessageId::from),
                    limit: i64::from(limit) + 1,
                },
            )
            .await
            .map_err(store_error)?;
        let mut hits = hits;
        let has_more = hits.len() > limit as usize;
        hits.truncate(limit as usize);
        Ok(SearchResult {
            hits: hits
                .into_iter()
                .map(|(message, highlight)| SearchHit { message, highlight })
                .collect(),
            has_more,
        })
    }
}
