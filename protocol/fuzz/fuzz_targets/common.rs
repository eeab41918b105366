// What the gateway does with one inbound frame's bytes: the peeks of the
// fast path, the full decode, and for a request the method and its
// params. None of it may panic, whatever the bytes.
use arena_protocol::peek;
use arena_protocol::request::Method;
use arena_protocol::{ClientFrame, Encoding, ServerFrame};

pub fn one_frame(enc: Encoding, data: &[u8]) {
    let _ = peek::peek_op(enc, data);
    let _ = peek::peek_t(enc, data);
    let _ = peek::peek_s(enc, data);
    let _ = peek::peek_channel_seq(enc, data);
    let _ = peek::peek_response_id(enc, data);
    let _ = peek::response_ok(enc, data);
    let _ = ServerFrame::decode(enc, data);
    if let Ok(ClientFrame::Request(r)) = ClientFrame::decode(enc, data) {
        let _ = Method::parse(&r.method, r.params.clone());
    }
}
