//! Typed ids of the server: a tenant, a member, a channel and a message are
//! all snowflakes, but never interchangeable. On the wire they are
//! [`Snowflake`]s (u64, decimal strings in JSON); in Postgres they are
//! `bigint`. Each type converts to and from both, and binds to sqlx directly
//! (`#[sqlx(transparent)]`), so the store takes and returns typed ids.
//!
//! A wire id above `i64::MAX` cannot name a stored row: it converts to a
//! negative id, which no query finds (`not_found`, never a panic).

use arena_protocol::Snowflake;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, sqlx::Type)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The wire form.
            pub fn snowflake(self) -> Snowflake {
                Snowflake(self.0 as u64)
            }
        }

        impl From<Snowflake> for $name {
            fn from(s: Snowflake) -> Self {
                $name(s.0 as i64)
            }
        }

        impl From<$name> for Snowflake {
            fn from(id: $name) -> Self {
                id.snowflake()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

typed_id!(
    /// A tenant (workspace): the unit of isolation; every table row carries one.
    TenantId
);
typed_id!(
    /// A member of a tenant (partner, staff, admin or bot).
    UserId
);
typed_id!(
    /// A channel of a tenant's registry.
    ChannelId
);
typed_id!(
    /// A message (its snowflake orders it in time).
    MessageId
);
typed_id!(
    /// A support case (#support-cases).
    CaseId
);
typed_id!(
    /// An app plan (#app-plans-library).
    PlanId
);

typed_id!(
    /// A referred lead of a partner (growth hub, #growth-referrals).
    LeadId
);
typed_id!(
    /// A partner's landing page (growth hub, #growth-landing-pages).
    LandingPageId
);
typed_id!(
    /// An outreach campaign (growth hub, #growth-campaigns).
    CampaignId
);
typed_id!(
    /// One scheduled step of a lead's campaign enrollment.
    StepRunId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_round_trip() {
        let c = ChannelId(1_234_567_890_123);
        assert_eq!(ChannelId::from(c.snowflake()), c);
        assert_eq!(Snowflake::from(c), Snowflake(1_234_567_890_123));
        // Out of range on the wire: a negative id that matches no row.
        assert!(MessageId::from(Snowflake(u64::MAX)).0 < 0);
    }
}
