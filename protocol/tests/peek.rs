//! The byte-level peeks (`arena_protocol::peek`) agree with the codec in JSON
//! and MessagePack: on dispatches finished from a [`DispatchPrefix`] and
//! encoded by `ServerFrame::encode`, on control frames and responses, at the
//! edges of every integer width, and they answer `None` for missing fields.

mod common;

use arena_protocol::frame::{op, Hello, InvalidSession};
use arena_protocol::model::Message;
use arena_protocol::peek::{
    peek_channel_seq, peek_op, peek_response_id, peek_s, peek_t, response_ok,
};
use arena_protocol::request::Response;
use arena_protocol::{DispatchPrefix, Encoding, ErrorBody, ErrorCode, Event, ServerFrame};
use common::wire::BOTH;
use common::*;
use serde_json::json;

/// Sequence numbers at the edges of every JSON digit count and MessagePack uint width.
const EDGES: [u64; 12] = [
    0,
    1,
    127,
    128,
    255,
    256,
    65_535,
    65_536,
    u32::MAX as u64,
    u32::MAX as u64 + 1,
    9_007_199_254_740_993,
    u64::MAX,
];

/// The same dispatch from the fan-out path and from the plain encoder.
fn dispatch_frames(enc: Encoding, s: u64, event: &Event) -> [Vec<u8>; 2] {
    let mut fanned = Vec::new();
    DispatchPrefix::encode(enc, event)
        .expect("prefix")
        .finish_into(s, &mut fanned);
    let plain = ServerFrame::Dispatch {
        s,
        event: event.clone(),
    }
    .encode(enc)
    .expect("encode");
    [fanned, plain]
}

fn message_with_seq(channel_seq: u64) -> Event {
    Event::MessageCreate(Box::new(Message {
        channel_seq,
        ..message()
    }))
}

#[test]
fn dispatch_peeks_agree_with_the_codec_for_every_event() {
    for enc in BOTH {
        for event in all_events() {
            for s in EDGES {
                for f in dispatch_frames(enc, s, &event) {
                    let what = format!("{enc:?} {} s={s}", event.name());
                    assert_eq!(peek_op(enc, &f), Some(op::DISPATCH), "{what}");
                    assert_eq!(peek_t(enc, &f), Some(event.name().as_bytes()), "{what}");
                    assert_eq!(peek_s(enc, &f), Some(s), "{what}");
                    assert_eq!(peek_channel_seq(enc, &f), event.channel_seq(), "{what}");
                }
            }
        }
    }
}

#[test]
fn channel_seq_is_read_in_every_width() {
    for enc in BOTH {
        for seq in EDGES {
            for f in dispatch_frames(enc, 7, &message_with_seq(seq)) {
                assert_eq!(peek_channel_seq(enc, &f), Some(seq), "{enc:?} {seq}");
                assert_eq!(peek_s(enc, &f), Some(7), "{enc:?} {seq}");
            }
        }
    }
}

#[test]
fn user_text_does_not_fool_the_peeks() {
    for enc in BOTH {
        let event = Event::MessageCreate(Box::new(Message {
            channel_seq: 12,
            content: "\"channel_seq\":99 \"s\":5} «channel_seq\u{7f} \"id\":\"x\"".into(),
            ..message()
        }));
        for f in dispatch_frames(enc, 3, &event) {
            assert_eq!(peek_channel_seq(enc, &f), Some(12), "{enc:?}");
            assert_eq!(peek_s(enc, &f), Some(3), "{enc:?}");
            assert_eq!(peek_t(enc, &f), Some(b"MESSAGE_CREATE".as_slice()));
        }
    }
}

#[test]
fn control_frames_have_an_op_and_nothing_else() {
    for enc in BOTH {
        let frames = [
            (ServerFrame::Heartbeat, op::HEARTBEAT),
            (ServerFrame::Reconnect, op::RECONNECT),
            (
                ServerFrame::InvalidSession(InvalidSession { resumable: true }),
                op::INVALID_SESSION,
            ),
            (
                ServerFrame::Hello(Hello {
                    heartbeat_interval_ms: 41_250,
                    node_id: "node-1".into(),
                }),
                op::HELLO,
            ),
            (ServerFrame::HeartbeatAck, op::HEARTBEAT_ACK),
        ];
        for (frame, opcode) in frames {
            let f = frame.encode(enc).expect("encode");
            assert_eq!(peek_op(enc, &f), Some(opcode), "{enc:?} {frame:?}");
            assert_eq!(peek_t(enc, &f), None, "{enc:?} {frame:?}");
            assert_eq!(peek_s(enc, &f), None, "{enc:?} {frame:?}");
            assert_eq!(peek_channel_seq(enc, &f), None, "{enc:?} {frame:?}");
            assert_eq!(peek_response_id(enc, &f), None, "{enc:?} {frame:?}");
            assert!(!response_ok(enc, &f), "{enc:?} {frame:?}");
        }
    }
}

#[test]
fn responses_give_their_id_and_ok() {
    let long_id = "1".repeat(40);
    for enc in BOTH {
        for id in ["1", "r42", "1700000000123456789", long_id.as_str()] {
            let ok = ServerFrame::Response(Box::new(Response::ok(
                id.into(),
                serde_json::to_value(message()).expect("message"),
            )))
            .encode(enc)
            .expect("encode");
            assert_eq!(peek_op(enc, &ok), Some(op::RESPONSE));
            assert_eq!(peek_response_id(enc, &ok), Some(id.as_bytes()), "{enc:?}");
            assert!(response_ok(enc, &ok), "{enc:?}");
            assert_eq!(peek_t(enc, &ok), None);
            assert_eq!(peek_s(enc, &ok), None);

            let err = ServerFrame::Response(Box::new(Response::err(
                id.into(),
                ErrorBody::retry(ErrorCode::RateLimited, "\"ok\":true", 250),
            )))
            .encode(enc)
            .expect("encode");
            assert_eq!(peek_op(enc, &err), Some(op::RESPONSE));
            assert_eq!(peek_response_id(enc, &err), Some(id.as_bytes()), "{enc:?}");
            assert!(!response_ok(enc, &err), "{enc:?}");
        }
    }
}

#[test]
fn missing_or_cut_fields_are_none() {
    for enc in BOTH {
        assert_eq!(peek_op(enc, b""), None);
        assert_eq!(peek_t(enc, b""), None);
        assert_eq!(peek_s(enc, b""), None);
        assert_eq!(peek_channel_seq(enc, b""), None);
        assert_eq!(peek_response_id(enc, b""), None);
        // Every cut of a dispatch is missing its `s`, and no peek panics on it.
        for f in dispatch_frames(enc, 300, &message_with_seq(70_000)) {
            for cut in 0..f.len() {
                let p = &f[..cut];
                assert_eq!(peek_s(enc, p), None, "{enc:?} cut at {cut}");
                let _ = (peek_op(enc, p), peek_t(enc, p), peek_channel_seq(enc, p));
            }
        }
    }
    // Envelopes of another shape: no `op` first, `op` but no `t`, a 3-entry map.
    assert_eq!(peek_op(Encoding::Json, b"{\"t\":null,\"op\":0}"), None);
    assert_eq!(peek_t(Encoding::Json, b"{\"op\":0,\"d\":{},\"s\":1}"), None);
    assert_eq!(peek_s(Encoding::Json, b"{\"op\":0,\"d\":{},\"s\":}"), None);
    assert_eq!(
        peek_channel_seq(Encoding::Json, b"{\"channel_seq\":null}"),
        None
    );
    let three = rmp_serde::to_vec_named(&json!({"op": 0, "t": "READY", "s": 1})).expect("mp");
    assert_eq!(peek_op(Encoding::MsgPack, &three), None);
    assert_eq!(peek_t(Encoding::MsgPack, &three), None);
}

#[test]
fn long_event_names_use_str8_in_msgpack() {
    let name = "X".repeat(40);
    let mut f = Vec::new();
    rmp::encode::write_map_len(&mut f, 4).expect("vec");
    rmp::encode::write_str(&mut f, "op").expect("vec");
    rmp::encode::write_uint(&mut f, 0).expect("vec");
    rmp::encode::write_str(&mut f, "t").expect("vec");
    rmp::encode::write_str(&mut f, &name).expect("vec");
    rmp::encode::write_str(&mut f, "d").expect("vec");
    rmp::encode::write_nil(&mut f).expect("vec");
    rmp::encode::write_str(&mut f, "s").expect("vec");
    rmp::encode::write_uint(&mut f, 1 << 40).expect("vec");
    assert_eq!(peek_t(Encoding::MsgPack, &f), Some(name.as_bytes()));
    assert_eq!(peek_s(Encoding::MsgPack, &f), Some(1 << 40));
}
