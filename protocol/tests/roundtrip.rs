//! Every frame of PROTOCOL.md round-trips in JSON and MessagePack; ids are
//! decimal strings in both; MessagePack uses named fields; the encode-once
//! dispatch prefix produces exactly what `ServerFrame::encode` does.

mod common;

use arena_protocol::frame::{Hello, Identify, InvalidSession, PresenceUpdate, Resume};
use arena_protocol::model::RequestedStatus;
use arena_protocol::request::{
    ChannelAck, ChannelEvents, ChannelHistory, ChannelPatch, ChannelRef, Empty, EventsResult,
    HistoryResult, MemberList, MessageCreate, MessageEdit, MessageRef, Method, ModerationKick,
    ModerationTimeout, PanelAction, PanelResult, PresenceList, ReactionParams, Request, Response,
};
use arena_protocol::{ClientFrame, DispatchPrefix, Encoding, ErrorBody, ErrorCode, ServerFrame};
use common::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Debug;

const BOTH: [Encoding; 2] = [Encoding::Json, Encoding::MsgPack];

/// The frame's bytes as a JSON value, whichever the encoding.
fn as_json(enc: Encoding, bytes: &[u8]) -> Value {
    match enc {
        Encoding::Json => serde_json::from_slice(bytes).expect("valid JSON"),
        Encoding::MsgPack => rmp_serde::from_slice(bytes).expect("valid MessagePack"),
    }
}

/// Every key named `id` or ending in `_id`/`_ids` holds a decimal string (or null),
/// and so do the id lists `unrecovered` and IDENTIFY's `channels`.
fn assert_ids_are_strings(v: &Value, path: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                // session_id and node_id are opaque strings; REQUEST/RESPONSE `id` is the client's.
                let opaque =
                    k == "session_id" || k == "node_id" || (p == "$.d.id" && request_like(v, path));
                if !opaque && (k == "id" || k.ends_with("_id")) {
                    assert!(
                        x.is_null()
                            || x.as_str().is_some_and(
                                |s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
                            ),
                        "{p} must be a decimal string, got {x}"
                    );
                }
                if k == "unrecovered"
                    || (k == "channels"
                        && x.as_array()
                            .is_some_and(|a| a.iter().all(|e| !e.is_object())))
                {
                    for e in x.as_array().expect("array") {
                        assert!(
                            e.as_str().is_some_and(|s| s.parse::<u64>().is_ok()),
                            "{p}[] must be decimal strings, got {e}"
                        );
                    }
                }
                assert_ids_are_strings(x, &p);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| assert_ids_are_strings(x, path)),
        _ => {}
    }
}

/// At the top of a REQUEST or RESPONSE `d` (op 8 / 12), where `id` is the client's own string.
fn request_like(d: &Value, path: &str) -> bool {
    path == "$.d" && (d.get("method").is_some() || d.get("ok").is_some())
}

/// The MessagePack frame is a map with string keys all the way down wherever the JSON has an object.
fn assert_named_fields(bytes: &[u8]) {
    fn walk(v: &rmpv::Value) {
        match v {
            rmpv::Value::Map(m) => m.iter().for_each(|(k, x)| {
                assert!(k.is_str(), "map key {k} must be a string");
                walk(x)
            }),
            rmpv::Value::Array(a) => a.iter().for_each(walk),
            rmpv::Value::Binary(_) | rmpv::Value::Ext(..) => {
                panic!("no binary or ext values on the wire")
            }
            _ => {}
        }
    }
    let v = rmpv::decode::read_value(&mut &bytes[..]).expect("MessagePack value");
    let m = v.as_map().expect("envelope is a map");
    let keys: Vec<&str> = m.iter().filter_map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["op", "t", "d", "s"], "envelope field order");
    walk(&v);
}

fn check_server(frame: ServerFrame) {
    let mut views = Vec::new();
    for enc in BOTH {
        let bytes = frame.encode(enc).expect("encode");
        let back = ServerFrame::decode(enc, &bytes)
            .unwrap_or_else(|e| panic!("{enc:?} decode of {frame:?}: {e}"));
        assert_eq!(back, frame, "{enc:?} round trip");
        if enc == Encoding::MsgPack {
            assert_named_fields(&bytes);
        }
        let v = as_json(enc, &bytes);
        assert_ids_are_strings(&v, "$");
        views.push(v);
    }
    assert_eq!(
        views[0], views[1],
        "JSON and MessagePack carry the same structure"
    );
}

fn check_client(frame: ClientFrame) {
    let mut views = Vec::new();
    for enc in BOTH {
        let bytes = frame.encode(enc).expect("encode");
        let back = ClientFrame::decode(enc, &bytes)
            .unwrap_or_else(|e| panic!("{enc:?} decode of {frame:?}: {e}"));
        assert_eq!(back, frame, "{enc:?} round trip");
        if enc == Encoding::MsgPack {
            assert_named_fields(&bytes);
        }
        let v = as_json(enc, &bytes);
        assert_ids_are_strings(&v, "$");
        views.push(v);
    }
    assert_eq!(views[0], views[1]);
}

#[test]
fn client_ops_round_trip() {
    check_client(ClientFrame::Heartbeat(None));
    check_client(ClientFrame::Heartbeat(Some(1234)));
    check_client(ClientFrame::Heartbeat(Some(u64::MAX)));
    check_client(ClientFrame::Identify(Box::new(Identify {
        token: "eyJhbGciOiJIUzI1NiJ9.e30.sig".into(),
        presence: Some(PresenceUpdate {
            status: RequestedStatus::Idle,
        }),
        channels: Some(vec![id(10), id(11)]),
    })));
    check_client(ClientFrame::Identify(Box::new(Identify {
        token: "t".into(),
        presence: None,
        channels: None,
    })));
    for status in [
        RequestedStatus::Online,
        RequestedStatus::Idle,
        RequestedStatus::Dnd,
        RequestedStatus::Invisible,
    ] {
        check_client(ClientFrame::PresenceUpdate(PresenceUpdate { status }));
    }
    check_client(ClientFrame::Resume(Box::new(Resume {
        token: "tok".into(),
        session_id: "s-7f3a9c".into(),
        seq: 17,
        cursors: Some([(id(10), 41), (id(11), 0)].into_iter().collect()),
    })));
    check_client(ClientFrame::Resume(Box::new(Resume {
        token: "tok".into(),
        session_id: "s".into(),
        seq: 0,
        cursors: None,
    })));
}

#[test]
fn resume_cursors_are_keyed_by_decimal_strings() {
    let f = ClientFrame::Resume(Box::new(Resume {
        token: "tok".into(),
        session_id: "s".into(),
        seq: 3,
        cursors: Some([(id(10), 41)].into_iter().collect()),
    }));
    for enc in BOTH {
        let v = as_json(enc, &f.encode(enc).expect("encode"));
        assert_eq!(v["d"]["cursors"][id(10).to_string()], json!(41));
    }
}

#[test]
fn server_ops_round_trip() {
    check_server(ServerFrame::Heartbeat);
    check_server(ServerFrame::Reconnect);
    check_server(ServerFrame::HeartbeatAck);
    check_server(ServerFrame::InvalidSession(InvalidSession {
        resumable: true,
    }));
    check_server(ServerFrame::InvalidSession(InvalidSession {
        resumable: false,
    }));
    check_server(ServerFrame::Hello(Hello {
        heartbeat_interval_ms: 41_250,
        node_id: "node-1".into(),
    }));
    check_server(ServerFrame::Response(Box::new(Response::ok(
        "r1".into(),
        json!({}),
    ))));
    check_server(ServerFrame::Response(Box::new(Response::err(
        "r2".into(),
        ErrorBody::retry(ErrorCode::SlowMode, "slow mode is on", 2500),
    ))));
    for code in [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::RateLimited,
        ErrorCode::TooLarge,
        ErrorCode::Conflict,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
    ] {
        check_server(ServerFrame::Response(Box::new(Response::err(
            "r".into(),
            ErrorBody::new(code, "no"),
        ))));
    }
}

#[test]
fn null_fields_are_explicit_in_control_frames() {
    for enc in BOTH {
        let v = as_json(enc, &ServerFrame::HeartbeatAck.encode(enc).expect("encode"));
        assert_eq!(v, json!({"op": 11, "t": null, "d": null, "s": null}));
        let v = as_json(
            enc,
            &ClientFrame::Heartbeat(None).encode(enc).expect("encode"),
        );
        assert_eq!(v, json!({"op": 1, "t": null, "d": null, "s": null}));
    }
}

#[test]
fn every_event_round_trips() {
    for (i, event) in all_events().into_iter().enumerate() {
        check_server(ServerFrame::Dispatch {
            s: i as u64 + 1,
            event,
        });
    }
}

#[test]
fn event_names_match_protocol() {
    let names: Vec<&str> = all_events().iter().map(|e| e.name()).collect();
    for n in [
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
    ] {
        assert!(names.contains(&n), "{n} covered");
    }
}

#[test]
fn channel_update_is_the_channel_plus_channel_seq() {
    let ev = all_events()
        .into_iter()
        .find(|e| e.name() == "CHANNEL_UPDATE")
        .expect("present");
    let v = as_json(
        Encoding::Json,
        &ServerFrame::Dispatch { s: 1, event: ev }
            .encode(Encoding::Json)
            .expect("enc"),
    );
    let mut expected = serde_json::to_value(channel()).expect("channel");
    expected["channel_seq"] = json!(47);
    assert_eq!(v["d"], expected);
}

/// Sends `params` through a REQUEST frame in both encodings, parses it back with
/// [`Method::parse`], and returns the parsed method for comparison.
fn request_round_trip<P: Serialize>(method: &str, params: &P) -> Method {
    let params = serde_json::to_value(params).expect("params");
    let frame = ClientFrame::Request(Box::new(Request {
        id: "42".into(),
        method: method.into(),
        params,
    }));
    check_client(frame.clone());
    let mut parsed = Vec::new();
    for enc in BOTH {
        let ClientFrame::Request(r) =
            ClientFrame::decode(enc, &frame.encode(enc).expect("enc")).expect("dec")
        else {
            panic!("not a request")
        };
        parsed.push(Method::parse(&r.method, r.params).unwrap_or_else(|e| panic!("{method}: {e}")));
    }
    assert_eq!(parsed[0], parsed[1]);
    parsed.remove(0)
}

/// Sends `result` through a RESPONSE frame in both encodings and decodes it as `T` again.
fn result_round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(result: T) {
    let frame = ServerFrame::Response(Box::new(Response::ok(
        "42".into(),
        serde_json::to_value(&result).expect("v"),
    )));
    check_server(frame.clone());
    for enc in BOTH {
        let ServerFrame::Response(r) =
            ServerFrame::decode(enc, &frame.encode(enc).expect("enc")).expect("dec")
        else {
            panic!("not a response")
        };
        let back: T = serde_json::from_value(r.result.expect("result")).expect("typed result");
        assert_eq!(back, result);
    }
}

#[test]
fn every_request_and_result_round_trips() {
    let create = MessageCreate {
        channel_id: id(10),
        content: "hello".into(),
        card: message().card,
        reply_to: Some(id(98)),
        nonce: Some("n1".into()),
    };
    assert_eq!(
        request_round_trip("message.create", &create),
        Method::MessageCreate(create)
    );
    result_round_trip(message());

    let edit = MessageEdit {
        message_id: id(100),
        content: "edited".into(),
    };
    assert_eq!(
        request_round_trip("message.edit", &edit),
        Method::MessageEdit(edit)
    );
    result_round_trip(plain_message());

    let r = MessageRef {
        message_id: id(100),
    };
    assert_eq!(
        request_round_trip("message.delete", &r),
        Method::MessageDelete(r.clone())
    );
    assert_eq!(
        request_round_trip("message.pin", &r),
        Method::MessagePin(r.clone())
    );
    assert_eq!(
        request_round_trip("message.unpin", &r),
        Method::MessageUnpin(r)
    );
    result_round_trip(Empty {});

    let re = ReactionParams {
        message_id: id(100),
        emoji: "🎉".into(),
    };
    assert_eq!(
        request_round_trip("reaction.add", &re),
        Method::ReactionAdd(re.clone())
    );
    assert_eq!(
        request_round_trip("reaction.remove", &re),
        Method::ReactionRemove(re)
    );

    let c = ChannelRef { channel_id: id(10) };
    assert_eq!(
        request_round_trip("typing.start", &c),
        Method::TypingStart(c.clone())
    );
    assert_eq!(request_round_trip("panel.get", &c), Method::PanelGet(c));
    result_round_trip(PanelResult { panel: panel() });

    let h = ChannelHistory {
        channel_id: id(10),
        before: Some(id(100)),
        after: None,
        limit: Some(50),
    };
    assert_eq!(
        request_round_trip("channel.history", &h),
        Method::ChannelHistory(h)
    );
    let h = ChannelHistory {
        channel_id: id(10),
        before: None,
        after: Some(id(1)),
        limit: None,
    };
    assert_eq!(
        request_round_trip("channel.history", &h),
        Method::ChannelHistory(h)
    );
    result_round_trip(HistoryResult {
        messages: vec![message(), plain_message()],
    });

    let ev = ChannelEvents {
        channel_id: id(10),
        after_seq: 40,
        limit: Some(1000),
    };
    assert_eq!(
        request_round_trip("channel.events", &ev),
        Method::ChannelEvents(ev)
    );
    result_round_trip(EventsResult {
        events: all_events()
            .into_iter()
            .filter(|e| e.channel_seq().is_some())
            .map(|e| {
                let mut buf = Vec::new();
                e.serialize_data(&mut serde_json::Serializer::new(&mut buf))
                    .expect("ser");
                arena_protocol::event::LoggedEvent {
                    t: e.name().into(),
                    d: serde_json::from_slice(&buf).expect("json"),
                }
            })
            .collect(),
        last_seq: 47,
    });

    let ack = ChannelAck {
        channel_id: id(10),
        message_id: id(100),
    };
    assert_eq!(
        request_round_trip("channel.ack", &ack),
        Method::ChannelAck(ack)
    );

    let pa = PanelAction {
        channel_id: id(11),
        action: "refresh".into(),
        params: json!({"period": "Q4"}),
    };
    assert_eq!(
        request_round_trip("panel.action", &pa),
        Method::PanelAction(pa)
    );

    assert_eq!(
        request_round_trip("presence.list", &Empty {}),
        Method::PresenceList
    );
    result_round_trip(PresenceList {
        presences: vec![presence()],
    });

    assert_eq!(
        request_round_trip("member.list", &Empty {}),
        Method::MemberList
    );
    result_round_trip(MemberList {
        members: vec![user(), staff()],
    });

    let patch = ChannelPatch {
        channel_id: id(10),
        slow_mode_s: Some(30),
        locked: Some(true),
        topic: Some("t".into()),
    };
    assert_eq!(
        request_round_trip("channel.update", &patch),
        Method::ChannelUpdate(patch)
    );
    result_round_trip(channel());

    let to = ModerationTimeout {
        user_id: id(1),
        minutes: 10,
        reason: "spam".into(),
    };
    assert_eq!(
        request_round_trip("moderation.timeout", &to),
        Method::ModerationTimeout(to)
    );
    result_round_trip(json!({"muted_until": "2026-11-22T04:00:00Z"}));

    let kick = ModerationKick {
        user_id: id(1),
        reason: "abuse".into(),
    };
    assert_eq!(
        request_round_trip("moderation.kick", &kick),
        Method::ModerationKick(kick)
    );
}

#[test]
fn unknown_method_and_bad_params_are_bad_request() {
    let e = Method::parse("message.nuke", json!({})).expect_err("unknown");
    assert_eq!(e.code, ErrorCode::BadRequest);
    let e =
        Method::parse("message.create", json!({"channel_id": "x", "content": 1})).expect_err("bad");
    assert_eq!(e.code, ErrorCode::BadRequest);
    let e = Method::parse(
        "message.create",
        json!({"channel_id": "1", "content": "a", "extra": 1}),
    )
    .expect_err("unk");
    assert_eq!(e.code, ErrorCode::BadRequest);
}

#[test]
fn dispatch_prefix_matches_full_encode() {
    for enc in BOTH {
        for event in all_events() {
            let prefix = DispatchPrefix::encode(enc, &event).expect("prefix");
            assert_eq!(prefix.encoding(), enc);
            assert!(!prefix.is_empty());
            for s in [
                1,
                127,
                128,
                255,
                256,
                65_535,
                65_536,
                u32::MAX as u64,
                u32::MAX as u64 + 1,
                u64::MAX,
            ] {
                let mut out = Vec::new();
                prefix.finish_into(s, &mut out);
                let full = ServerFrame::Dispatch {
                    s,
                    event: event.clone(),
                }
                .encode(enc)
                .expect("encode");
                assert_eq!(out, full, "{enc:?} s={s}");
            }
        }
    }
}

#[test]
fn shared_prefix_yields_distinct_valid_frames() {
    for enc in BOTH {
        let event = arena_protocol::Event::MessageCreate(Box::new(message()));
        let prefix = DispatchPrefix::encode(enc, &event).expect("prefix");
        let shared = prefix.clone();
        let mut frames = Vec::new();
        for s in 1..=300u64 {
            let mut out = Vec::new();
            // Alternate between the original and a clone: both share the same bytes.
            if s % 2 == 0 { &prefix } else { &shared }.finish_into(s, &mut out);
            match ServerFrame::decode(enc, &out).expect("valid frame") {
                ServerFrame::Dispatch { s: got, event: e } => {
                    assert_eq!(got, s);
                    assert_eq!(e, event);
                }
                other => panic!("not a dispatch: {other:?}"),
            }
            frames.push(out);
        }
        frames.sort();
        frames.dedup();
        assert_eq!(frames.len(), 300, "every s gives a distinct frame");
    }
}

#[test]
fn json_is_text_and_ids_survive_js_precision() {
    let bytes = ServerFrame::Dispatch {
        s: 1,
        event: arena_protocol::Event::MessageCreate(Box::new(message())),
    }
    .encode(Encoding::Json)
    .expect("encode");
    let text = std::str::from_utf8(&bytes).expect("utf-8");
    assert!(text.contains(&format!("\"id\":\"{}\"", id(100))));
    assert!(text.starts_with("{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"d\":"));
    assert!(text.ends_with(",\"s\":1}"));
}
