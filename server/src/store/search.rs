//! Full-text search over messages: the generated `messages.search`
//! tsvector (English stemming, GIN index; migration 0021) matched with
//! `websearch_to_tsquery` (quotes, `or`, `-word`, as web search boxes take).

use super::messages::{MessageRow, MESSAGE_SELECT};
use super::{Store, StoreError};
use crate::ids::{ChannelId, MessageId, TenantId, UserId};
use arena_protocol::model::Message;

/// What one search asks for; the caller decides which channels it may see.
#[derive(Debug, Clone)]
pub struct SearchQuery<'a> {
    /// The words, in web search syntax.
    pub text: &'a str,
    /// Channels to look in: only ones the caller may read.
    pub channels: &'a [ChannelId],
    pub author: Option<UserId>,
    /// Message ids, exclusive bounds.
    pub before: Option<MessageId>,
    pub after: Option<MessageId>,
    pub limit: i64,
}

#[derive(sqlx::FromRow)]
struct HitRow {
    #[sqlx(flatten)]
    message: MessageRow,
    highlight: String,
}

impl Store {
    /// Live messages of `q.channels` matching `q.text`, newest first, each
    /// with a highlight: up to two fragments of its content, HTML-escaped,
    /// the matched words between `<mark>` and `</mark>`.
    pub async fn fetch_search(
        &self,
        tenant_id: TenantId,
        q: &SearchQuery<'_>,
    ) -> Result<Vec<(Message, String)>, StoreError> {
        let mut tx = self.tenant_tx(tenant_id).await?;
        let select = MESSAGE_SELECT.replacen(
            "SELECT ",
            "SELECT ts_headline('english',
                    replace(replace(replace(m.content, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
                    websearch_to_tsquery('english', $3),
                    'StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MaxWords=24, MinWords=8, FragmentDelimiter=\" … \"')
                    AS highlight, ",
            1,
        );
        let sql = format!(
            "{select}
             WHERE m.tenant_id = $1 AND m.channel_id = ANY($2) AND m.deleted_at IS NULL
               AND m.search @@ websearch_to_tsquery('english', $3)
               AND ($4::bigint IS NULL OR m.author_id = $4)
               AND ($5::bigint IS NULL OR m.id < $5)
               AND ($6::bigint IS NULL OR m.id > $6)
             ORDER BY m.id DESC LIMIT $7"
        );
        let rows: Vec<HitRow> = sqlx::query_as(&sql)
            .bind(tenant_id)
            .bind(q.channels)
            .bind(q.text)
            .bind(q.author)
            .bind(q.before)
            .bind(q.after)
            .bind(q.limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.message.into_message(), r.highlight))
            .collect())
    }
}
