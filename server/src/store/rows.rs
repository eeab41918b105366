//! Row types shared by several store files, and their conversion to wire shapes.

use crate::ids::{TenantId, UserId};
use arena_protocol::model::{Role, User};
use sqlx::FromRow;
use time::OffsetDateTime;

/// A tenant: the unit of isolation.
#[derive(Debug, Clone, FromRow)]
pub struct TenantRow {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
}

/// A member of a tenant.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub tenant_id: TenantId,
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub tier: Option<String>,
    pub password_hash: Option<String>,
    pub muted_until: Option<OffsetDateTime>,
    /// The moderator's reason for the timeout (NULL when none was given or
    /// it was lifted).
    #[sqlx(default)]
    pub muted_reason: Option<String>,
    /// The member's token epoch: access tokens carry it (claim `epoch`) and
    /// are refused once it moved on (kick, logout; role, tier or password
    /// changed by the member upsert).
    pub token_epoch: i64,
    /// Deactivated by staff: cannot sign in, every token refused.
    pub deactivated: bool,
    /// Two-factor login (TOTP) is on: login asks for a code.
    pub mfa_enabled: bool,
}

impl UserRow {
    /// The wire `User`; an unknown role string (impossible under the CHECK) reads as partner.
    pub fn to_user(&self) -> User {
        User {
            id: self.id.snowflake(),
            display_name: self.display_name.clone(),
            role: Role::parse(&self.role).unwrap_or(Role::Partner),
            tier: self.tier.clone(),
        }
    }
}

/// Formats a timestamp as RFC 3339 UTC with millisecond precision.
pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}
