//! Property tests: decoding never panics on arbitrary input in either
//! encoding, and generated valid frames round-trip.

mod common;

use arena_protocol::event::{MessageDelete, ReactionEvent, TypingStart};
use arena_protocol::frame::{Hello, Identify, Resume};
use arena_protocol::model::{Message, User};
use arena_protocol::request::{Request, Response};
use arena_protocol::{
    ClientFrame, DispatchPrefix, Encoding, ErrorBody, ErrorCode, Event, ServerFrame, Snowflake,
};
use proptest::prelude::*;
use serde_json::{json, Value};

const BOTH: [Encoding; 2] = [Encoding::Json, Encoding::MsgPack];

/// JSON values without floats (floats need not round-trip bit-exactly through text).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Envelope-shaped values: a real opcode or not, a known event name or not, any `d`.
fn envelope_like() -> impl Strategy<Value = Value> {
    let t = prop_oneof![
        Just(Value::Null),
        prop::sample::select(vec![
            "READY",
            "RESUMED",
            "MESSAGE_CREATE",
            "MESSAGE_UPDATE",
            "MESSAGE_DELETE",
            "REACTION_ADD",
            "REACTION_REMOVE",
            "TYPING_START",
            "PRESENCE_UPDATE",
            "CHANNEL_UPDATE",
            "PANEL_UPDATE",
            "MEMBER_UPDATE",
            "NOPE",
        ])
        .prop_map(|s| json!(s)),
        json_value(),
    ];
    let op = prop_oneof![(0u64..=13).prop_map(|n| json!(n)), json_value()];
    let s = prop_oneof![
        Just(Value::Null),
        any::<u64>().prop_map(|n| json!(n)),
        json_value()
    ];
    (op, t, json_value(), s, any::<u8>()).prop_map(|(op, t, d, s, drop)| {
        let mut m = serde_json::Map::new();
        // Randomly leave fields out to exercise defaults.
        if drop & 1 == 0 {
            m.insert("op".into(), op);
        }
        if drop & 2 == 0 {
            m.insert("t".into(), t);
        }
        if drop & 4 == 0 {
            m.insert("d".into(), d);
        }
        if drop & 8 == 0 {
            m.insert("s".into(), s);
        }
        Value::Object(m)
    })
}

fn to_bytes(enc: Encoding, v: &Value) -> Vec<u8> {
    match enc {
        Encoding::Json => serde_json::to_vec(v).unwrap_or_default(),
        Encoding::MsgPack => rmp_serde::to_vec_named(v).unwrap_or_default(),
    }
}

fn snowflake() -> impl Strategy<Value = Snowflake> {
    any::<u64>().prop_map(Snowflake)
}

fn user() -> impl Strategy<Value = User> {
    (snowflake(), ".{0,20}", prop::option::of("[a-z]{1,8}")).prop_map(|(id, display_name, tier)| {
        User {
            id,
            display_name,
            role: arena_protocol::model::Role::Partner,
            tier,
        }
    })
}

fn message() -> impl Strategy<Value = Message> {
    (
        snowflake(),
        snowflake(),
        any::<u64>(),
        user(),
        ".{0,200}",
        prop::option::of(snowflake()),
        any::<bool>(),
    )
        .prop_map(
            |(id, channel_id, channel_seq, author, content, reply_to, pinned)| Message {
                id,
                channel_id,
                channel_seq,
                author,
                content,
                card: None,
                reply_to,
                nonce: None,
                created_at: "2026-11-22T03:04:05Z".into(),
                edited_at: None,
                pinned,
                reactions: vec![],
                mentions: Vec::new(),
            },
        )
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        message().prop_map(|m| Event::MessageCreate(Box::new(m))),
        message().prop_map(|m| Event::MessageUpdate(Box::new(m))),
        (snowflake(), snowflake(), any::<u64>()).prop_map(|(id, channel_id, channel_seq)| {
            Event::MessageDelete(MessageDelete {
                id,
                channel_id,
                channel_seq,
            })
        }),
        (
            snowflake(),
            snowflake(),
            snowflake(),
            ".{1,8}",
            any::<u64>()
        )
            .prop_map(|(m, c, u, emoji, seq)| {
                Event::ReactionAdd(ReactionEvent {
                    message_id: m,
                    channel_id: c,
                    user_id: u,
                    emoji,
                    channel_seq: seq,
                })
            }),
        (snowflake(), snowflake(), ".{0,30}").prop_map(|(channel_id, user_id, at)| {
            Event::TypingStart(TypingStart {
                channel_id,
                user_id,
                at,
            })
        }),
    ]
}

fn client_frame() -> impl Strategy<Value = ClientFrame> {
    prop_oneof![
        prop::option::of(any::<u64>()).prop_map(ClientFrame::Heartbeat),
        (
            ".{0,64}",
            prop::option::of(prop::collection::vec(snowflake(), 0..5))
        )
            .prop_map(|(token, channels)| {
                ClientFrame::Identify(Box::new(Identify {
                    token,
                    presence: None,
                    channels,
                }))
            }),
        (
            ".{0,64}",
            ".{0,16}",
            any::<u64>(),
            prop::option::of(prop::collection::hash_map(snowflake(), any::<u64>(), 0..4))
        )
            .prop_map(|(token, session_id, seq, cursors)| {
                ClientFrame::Resume(Box::new(Resume {
                    token,
                    session_id,
                    seq,
                    cursors,
                    panels: None,
                }))
            }),
        (".{0,16}", "[a-z.]{1,20}", json_value()).prop_map(|(id, method, params)| {
            ClientFrame::Request(Box::new(Request { id, method, params }))
        }),
    ]
}

fn server_frame() -> impl Strategy<Value = ServerFrame> {
    prop_oneof![
        (any::<u64>(), event()).prop_map(|(s, event)| ServerFrame::Dispatch { s, event }),
        Just(ServerFrame::Heartbeat),
        Just(ServerFrame::HeartbeatAck),
        Just(ServerFrame::Reconnect),
        (any::<u32>(), ".{0,16}").prop_map(|(heartbeat_interval_ms, node_id)| ServerFrame::Hello(
            Hello {
                heartbeat_interval_ms,
                node_id
            }
        )),
        // `result: null` decodes as an absent result (the same thing on the wire), so it is not generated.
        (
            ".{0,16}",
            json_value().prop_filter("non-null result", |v| !v.is_null())
        )
            .prop_map(|(id, result)| ServerFrame::Response(Box::new(Response::ok(id, result)))),
        (".{0,16}", ".{0,40}", prop::option::of(any::<u64>())).prop_map(
            |(id, message, retry_after_ms)| {
                ServerFrame::Response(Box::new(Response::err(
                    id,
                    ErrorBody {
                        code: ErrorCode::RateLimited,
                        message,
                        retry_after_ms,
                    },
                )))
            }
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for enc in BOTH {
            let _ = ClientFrame::decode(enc, &bytes);
            let _ = ServerFrame::decode(enc, &bytes);
        }
    }

    #[test]
    fn decoding_arbitrary_structures_never_panics(v in prop_oneof![json_value(), envelope_like()]) {
        for enc in BOTH {
            let bytes = to_bytes(enc, &v);
            let _ = ClientFrame::decode(enc, &bytes);
            let _ = ServerFrame::decode(enc, &bytes);
            // Truncations of a well-formed structure, too.
            for cut in [bytes.len() / 2, bytes.len().saturating_sub(1)] {
                let _ = ClientFrame::decode(enc, &bytes[..cut]);
                let _ = ServerFrame::decode(enc, &bytes[..cut]);
            }
        }
    }

    #[test]
    fn client_frames_round_trip(f in client_frame()) {
        for enc in BOTH {
            let bytes = f.encode(enc).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = ClientFrame::decode(enc, &bytes).map_err(|e| TestCaseError::fail(format!("{enc:?}: {e}")))?;
            prop_assert_eq!(&back, &f);
        }
    }

    #[test]
    fn server_frames_round_trip(f in server_frame()) {
        for enc in BOTH {
            let bytes = f.encode(enc).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = ServerFrame::decode(enc, &bytes).map_err(|e| TestCaseError::fail(format!("{enc:?}: {e}")))?;
            prop_assert_eq!(&back, &f);
        }
    }

    #[test]
    fn prefix_equals_encode(s in any::<u64>(), ev in event()) {
        for enc in BOTH {
            let prefix = DispatchPrefix::encode(enc, &ev).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut out = Vec::new();
            prefix.finish_into(s, &mut out);
            let full = ServerFrame::Dispatch { s, event: ev.clone() }.encode(enc).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(out, full);
        }
    }
}

#[test]
fn wrong_encoding_and_truncation_are_errors_not_panics() {
    let f = ServerFrame::Dispatch {
        s: 9,
        event: common::all_events().remove(3),
    };
    let json = f.encode(Encoding::Json).unwrap_or_default();
    let mp = f.encode(Encoding::MsgPack).unwrap_or_default();
    assert!(ServerFrame::decode(Encoding::MsgPack, &json).is_err());
    assert!(ServerFrame::decode(Encoding::Json, &mp).is_err());
    for cut in 0..mp.len() {
        assert!(ServerFrame::decode(Encoding::MsgPack, &mp[..cut]).is_err());
    }
    for cut in 0..json.len() {
        assert!(ServerFrame::decode(Encoding::Json, &json[..cut]).is_err());
    }
}

#[test]
fn server_opcodes_are_unknown_to_client_decoding() {
    for op in [0u8, 7, 9, 10, 11, 12, 4, 5, 13, 255] {
        for enc in BOTH {
            let bytes = to_bytes(enc, &json!({"op": op, "d": null}));
            assert!(
                matches!(ClientFrame::decode(enc, &bytes), Err(arena_protocol::DecodeError::UnknownOpcode(o)) if o == op),
                "op {op} {enc:?}"
            );
        }
    }
}
