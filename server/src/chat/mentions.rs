//! Mentions: `<@user_id>` in content (Discord's syntax) names members. A
//! message stores the members it mentions (PROTOCOL.md §3 `mentions`) and
//! READY counts, per channel, the unread ones that mention the reader.
//!
//! Only members of the tenant who may read the channel count as mentioned:
//! an id of another tenant, an unknown id, or a member the channel is hidden
//! from is left as plain text, so a mention never tells anyone about a
//! channel they cannot see.

use super::Chat;
use crate::error::store_error;
use crate::registry::{Actor, ChannelInfo};
use arena_protocol::model::Role;
use arena_protocol::{ErrorBody, ErrorCode, Snowflake};

/// Most distinct members one message may mention (a mass-mention guard;
/// Discord's anti-spam acts on the same pattern).
pub const MAX_MENTIONS: usize = 25;

/// The distinct ids written `<@id>` in `content`, in order of first
/// mention (`<@!id>`, Discord's older nickname form, counts too).
/// `bad_request` past [`MAX_MENTIONS`].
pub fn parse(content: &str) -> Result<Vec<i64>, ErrorBody> {
    let mut out: Vec<i64> = Vec::new();
    let mut rest = content;
    while let Some(at) = rest.find("<@") {
        rest = &rest[at + 2..];
        let body = rest.strip_prefix('!').unwrap_or(rest);
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || body.as_bytes().get(digits) != Some(&b'>') {
            continue;
        }
        let Ok(id) = body[..digits].parse::<i64>() else {
            continue;
        };
        if !out.contains(&id) {
            if out.len() == MAX_MENTIONS {
                return Err(ErrorBody::new(
                    ErrorCode::BadRequest,
                    format!("a message may mention at most {MAX_MENTIONS} members"),
                ));
            }
            out.push(id);
        }
    }
    Ok(out)
}

impl Chat {
    /// The members `content` mentions who belong to `actor`'s tenant and
    /// may read `channel` (one query, only when the content names any).
    pub(super) async fn mentions(
        &self,
        actor: &Actor,
        channel: &ChannelInfo,
        content: &str,
    ) -> Result<Vec<Snowflake>, ErrorBody> {
        let ids = parse(content)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self
            .store
            .fetch_users_by_ids(actor.tenant_id, &ids)
            .await
            .map_err(store_error)?;
        Ok(ids
            .into_iter()
            .filter(|id| {
                rows.iter().any(|u| {
                    u.id.0 == *id && {
                        let role = Role::parse(&u.role).unwrap_or(Role::Partner);
                        let member = Actor::member(actor.tenant_id, u.id, role, u.tier.clone());
                        channel.can_read(&member)
                    }
                })
            })
            .map(|id| Snowflake(id as u64))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_parsed_in_order_once() {
        assert_eq!(
            parse("hi <@12> and <@!34>, <@12> again").unwrap(),
            vec![12, 34]
        );
        assert_eq!(
            parse("<@> <@x> <@12 <12> @12 <@-5>").unwrap(),
            Vec::<i64>::new()
        );
        assert_eq!(parse("<@99999999999999999999>").unwrap(), Vec::<i64>::new());
        assert_eq!(parse("<<@7>>").unwrap(), vec![7]);
    }

    #[test]
    fn too_many_mentions_are_refused() {
        let many: String = (1..=MAX_MENTIONS as i64 + 1)
            .map(|i| format!("<@{i}> "))
            .collect();
        assert_eq!(parse(&many).unwrap_err().code, ErrorCode::BadRequest);
        let ok: String = (1..=MAX_MENTIONS as i64)
            .map(|i| format!("<@{i}><@{i}>"))
            .collect();
        assert_eq!(parse(&ok).unwrap().len(), MAX_MENTIONS);
    }
}
