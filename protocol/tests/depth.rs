//! Nesting depth: a MessagePack frame is held to the same depth as a JSON
//! one (serde_json's 128), so neither encoding lets a client make the
//! decoder recurse deeper (issue 12 item 12).

use arena_protocol::frame::MAX_DEPTH;
use arena_protocol::{ClientFrame, DecodeError, Encoding};
use serde_json::{json, Value};

/// A REQUEST whose `params` is `depth` arrays, one inside the other.
fn nested_request(depth: usize) -> Value {
    let mut v = Value::Null;
    for _ in 0..depth {
        v = Value::Array(vec![v]);
    }
    json!({"op": 8, "d": {"id": "1", "method": "message.create", "params": v}})
}

fn decode(enc: Encoding, frame: &Value) -> Result<ClientFrame, DecodeError> {
    let bytes = match enc {
        Encoding::Json => serde_json::to_vec(frame).expect("json"),
        Encoding::MsgPack => rmp_serde::to_vec_named(frame).expect("msgpack"),
    };
    ClientFrame::decode(enc, &bytes)
}

#[test]
fn both_encodings_refuse_the_same_depth() {
    for enc in [Encoding::Json, Encoding::MsgPack] {
        let shallow = nested_request(MAX_DEPTH - 8);
        assert!(
            matches!(decode(enc, &shallow), Ok(ClientFrame::Request(_))),
            "{enc:?}: {} levels decode",
            MAX_DEPTH - 8
        );
        for depth in [MAX_DEPTH + 1, 1000] {
            assert!(
                matches!(
                    decode(enc, &nested_request(depth)),
                    Err(DecodeError::Malformed(_))
                ),
                "{enc:?}: {depth} levels are refused"
            );
        }
    }
}
