//! Every frame of PROTOCOL.md round-trips in JSON and MessagePack; ids are
//! decimal strings in both; MessagePack uses named fields; the encode-once
//! dispatch prefix produces exactly what `ServerFrame::encode` does.
//! (REQUEST methods and their results: tests/requests.rs.)

mod common;

use arena_protocol::frame::{Hello, Identify, InvalidSession, PresenceUpdate, Resume};
use arena_protocol::model::RequestedStatus;
use arena_protocol::request::Response;
use arena_protocol::{ClientFrame, DispatchPrefix, Encoding, ErrorBody, ErrorCode, ServerFrame};
use common::wire::*;
use common::*;
use serde_json::json;

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
        panels: None,
    })));
    check_client(ClientFrame::Resume(Box::new(Resume {
        token: "tok".into(),
        session_id: "s".into(),
        seq: 0,
        cursors: None,
        panels: None,
    })));
}

#[test]
fn resume_cursors_are_keyed_by_decimal_strings() {
    let f = ClientFrame::Resume(Box::new(Resume {
        token: "tok".into(),
        session_id: "s".into(),
        seq: 3,
        cursors: Some([(id(10), 41)].into_iter().collect()),
        panels: None,
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
