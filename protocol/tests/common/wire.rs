//! Checks of encoded frames shared by the codec tests: a frame round-trips
//! in both encodings, both carry the same structure, ids are decimal strings,
//! and MessagePack uses named fields in the envelope order `op, t, d, s`.

use arena_protocol::{ClientFrame, Encoding, ServerFrame};
use serde_json::Value;

/// Both wire encodings, JSON first.
pub const BOTH: [Encoding; 2] = [Encoding::Json, Encoding::MsgPack];

/// The frame's bytes as a JSON value, whichever the encoding.
pub fn as_json(enc: Encoding, bytes: &[u8]) -> Value {
    match enc {
        Encoding::Json => serde_json::from_slice(bytes).expect("valid JSON"),
        Encoding::MsgPack => rmp_serde::from_slice(bytes).expect("valid MessagePack"),
    }
}

/// Every key named `id` or ending in `_id`/`_ids` holds a decimal string (or null),
/// and so do the id lists `unrecovered` and IDENTIFY's `channels`.
pub fn assert_ids_are_strings(v: &Value, path: &str) {
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
pub fn assert_named_fields(bytes: &[u8]) {
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

pub fn check_server(frame: ServerFrame) {
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

pub fn check_client(frame: ClientFrame) {
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
