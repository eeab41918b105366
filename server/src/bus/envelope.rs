//! The envelope of an event on the Redis bus ([`super::redis`]): the
//! publishing process's origin id, the [`Audience`], and the event as its
//! `t` and `d` (the wire's JSON shape of `d`), MessagePack-encoded; or, with
//! `c`, a [`Control`] instead of an event.

use super::{Audience, Control, Projection};
use crate::ids::{ChannelId, TenantId, UserId};
use arena_protocol::Event;
use serde::{Deserialize, Serialize};

/// What goes over Redis: who sent it, where it goes, and the event as its
/// `t` and `d` (the same JSON shape as on the wire), MessagePack-encoded.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The publishing process's origin id (echoes are ignored by it).
    o: u64,
    /// The audience.
    a: WireAudience,
    /// The event's name (`MESSAGE_CREATE` …).
    t: String,
    /// The event's data.
    d: serde_json::Value,
    /// A control instead of an event (then `t` is empty and `d` null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<WireControl>,
}

/// [`Control`] on the bus (ids as their i64, the close code as its number).
#[derive(Debug, Serialize, Deserialize)]
enum WireControl {
    CloseSessions(i64, i64, u16),
    MuteChanged(i64, i64),
    ChannelOpened(i64, i64, i64, i64),
}

/// What arrived: an event for an audience, or a control.
#[derive(Debug, PartialEq)]
pub(super) enum Received {
    Event(Audience, Event),
    Control(Control),
}

/// [`Audience`] on the bus (ids as their i64).
#[derive(Debug, Serialize, Deserialize)]
enum WireAudience {
    Channel(i64, i64),
    Tenant(i64),
    Panel(i64, i64, WireProjection),
}

/// [`Projection`] on the bus.
#[derive(Debug, Serialize, Deserialize)]
enum WireProjection {
    Everyone,
    Program,
    Partner(i64),
}

impl From<Audience> for WireAudience {
    fn from(a: Audience) -> Self {
        match a {
            Audience::Channel {
                tenant_id,
                channel_id,
            } => WireAudience::Channel(tenant_id.0, channel_id.0),
            Audience::Tenant(t) => WireAudience::Tenant(t.0),
            Audience::Panel {
                tenant_id,
                channel_id,
                projection,
            } => WireAudience::Panel(
                tenant_id.0,
                channel_id.0,
                match projection {
                    Projection::Everyone => WireProjection::Everyone,
                    Projection::Program => WireProjection::Program,
                    Projection::Partner(u) => WireProjection::Partner(u.0),
                },
            ),
        }
    }
}

impl From<WireAudience> for Audience {
    fn from(a: WireAudience) -> Self {
        match a {
            WireAudience::Channel(t, c) => Audience::Channel {
                tenant_id: TenantId(t),
                channel_id: ChannelId(c),
            },
            WireAudience::Tenant(t) => Audience::Tenant(TenantId(t)),
            WireAudience::Panel(t, c, p) => Audience::Panel {
                tenant_id: TenantId(t),
                channel_id: ChannelId(c),
                projection: match p {
                    WireProjection::Everyone => Projection::Everyone,
                    WireProjection::Program => Projection::Program,
                    WireProjection::Partner(u) => Projection::Partner(UserId(u)),
                },
            },
        }
    }
}

/// The tenant an audience belongs to (its bus topic).
pub(super) fn tenant_of(a: &Audience) -> TenantId {
    match a {
        Audience::Channel { tenant_id, .. } | Audience::Panel { tenant_id, .. } => *tenant_id,
        Audience::Tenant(t) => *t,
    }
}

/// Encodes an event for the bus; `None` (logged) if its data does not serialize.
pub(super) fn encode(origin: u64, audience: Audience, event: &Event) -> Option<Vec<u8>> {
    let d = match event.serialize_data(serde_json::value::Serializer) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, event = event.name(), "bus: event data does not serialize");
            return None;
        }
    };
    let env = Envelope {
        o: origin,
        a: audience.into(),
        t: event.name().to_owned(),
        d,
        c: None,
    };
    to_bytes(&env)
}

/// Encodes a control for the bus; `None` (logged) if it does not encode.
pub(super) fn encode_control(origin: u64, control: Control) -> Option<Vec<u8>> {
    let c = match control {
        Control::CloseSessions {
            tenant_id,
            user_id,
            code,
        } => WireControl::CloseSessions(tenant_id.0, user_id.0, code.code()),
        Control::MuteChanged { tenant_id, user_id } => {
            WireControl::MuteChanged(tenant_id.0, user_id.0)
        }
        Control::ChannelOpened {
            tenant_id,
            channel_id,
            members: [a, b],
        } => WireControl::ChannelOpened(tenant_id.0, channel_id.0, a.0, b.0),
    };
    to_bytes(&Envelope {
        o: origin,
        a: Audience::Tenant(control.tenant()).into(),
        t: String::new(),
        d: serde_json::Value::Null,
        c: Some(c),
    })
}

fn to_bytes(env: &Envelope) -> Option<Vec<u8>> {
    match rmp_serde::to_vec(env) {
        Ok(b) => Some(b),
        Err(e) => {
            tracing::error!(error = %e, t = env.t, "bus: envelope does not encode");
            None
        }
    }
}

/// Decodes an envelope: its origin and what it carries; an error names what is wrong.
pub(super) fn decode(bytes: &[u8]) -> Result<(u64, Received), String> {
    let env: Envelope = rmp_serde::from_slice(bytes).map_err(|e| e.to_string())?;
    let received = match env.c {
        Some(WireControl::CloseSessions(t, u, code)) => Received::Control(Control::CloseSessions {
            tenant_id: TenantId(t),
            user_id: UserId(u),
            code: arena_protocol::CloseCode::from_code(code)
                .ok_or_else(|| format!("unknown close code {code}"))?,
        }),
        Some(WireControl::MuteChanged(t, u)) => Received::Control(Control::MuteChanged {
            tenant_id: TenantId(t),
            user_id: UserId(u),
        }),
        Some(WireControl::ChannelOpened(t, c, a, b)) => Received::Control(Control::ChannelOpened {
            tenant_id: TenantId(t),
            channel_id: ChannelId(c),
            members: [UserId(a), UserId(b)],
        }),
        None => Received::Event(
            env.a.into(),
            Event::from_parts(&env.t, env.d).map_err(|e| e.to_string())?,
        ),
    };
    Ok((env.o, received))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_protocol::event::TypingStart;
    use arena_protocol::Snowflake;

    #[test]
    fn an_envelope_round_trips_with_its_origin_and_audience() {
        let event = Event::TypingStart(TypingStart {
            channel_id: Snowflake(7),
            user_id: Snowflake(u64::from(u32::MAX) + 9),
            at: "2026-01-01T00:00:00Z".into(),
        });
        for audience in [
            Audience::Channel {
                tenant_id: TenantId(1),
                channel_id: ChannelId(7),
            },
            Audience::Tenant(TenantId(1)),
            Audience::Panel {
                tenant_id: TenantId(1),
                channel_id: ChannelId(7),
                projection: Projection::Partner(UserId(42)),
            },
            Audience::Panel {
                tenant_id: TenantId(1),
                channel_id: ChannelId(7),
                projection: Projection::Program,
            },
        ] {
            let bytes = encode(99, audience, &event).expect("encodes");
            let (origin, r) = decode(&bytes).expect("decodes");
            assert_eq!((origin, r), (99, Received::Event(audience, event.clone())));
            assert_eq!(tenant_of(&audience), TenantId(1));
        }
        assert!(decode(b"not msgpack").is_err());
    }

    #[test]
    fn a_control_round_trips() {
        for control in [
            Control::CloseSessions {
                tenant_id: TenantId(3),
                user_id: UserId(4),
                code: arena_protocol::CloseCode::SessionReplaced,
            },
            Control::MuteChanged {
                tenant_id: TenantId(3),
                user_id: UserId(5),
            },
            Control::ChannelOpened {
                tenant_id: TenantId(3),
                channel_id: ChannelId(9),
                members: [UserId(5), UserId(6)],
            },
        ] {
            let bytes = encode_control(7, control).expect("encodes");
            assert_eq!(
                decode(&bytes).expect("decodes"),
                (7, Received::Control(control))
            );
        }
    }
}
