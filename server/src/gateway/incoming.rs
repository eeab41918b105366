//! What one received WebSocket message means to the gateway: a client frame,
//! a reason to close (with its code, PROTOCOL.md §5), the end, or nothing.

use arena_protocol::{ClientFrame, CloseCode, DecodeError, Encoding};
use axum::extract::ws::Message;

/// One received WebSocket message, decoded.
pub enum Incoming {
    Frame(ClientFrame),
    /// Close the session with this code (4002 decode error, 4011 too large …).
    Close(CloseCode),
    /// The peer closed or the socket failed.
    Gone,
    /// Ping/pong: nothing to do.
    Skip,
}

/// Decodes a message in the connection's encoding: a text frame on a
/// MessagePack connection (or binary on JSON) is a decode error, 4002.
pub fn decode(enc: Encoding, msg: Result<Message, axum::Error>) -> Incoming {
    let msg = match msg {
        Ok(m) => m,
        Err(e) => {
            let too_large = e
                .into_inner()
                .downcast::<tokio_tungstenite::tungstenite::Error>()
                .is_ok_and(|e| matches!(*e, tokio_tungstenite::tungstenite::Error::Capacity(_)));
            return if too_large {
                Incoming::Close(CloseCode::FrameTooLarge)
            } else {
                Incoming::Gone
            };
        }
    };
    let bytes: &[u8] = match (&msg, enc) {
        (Message::Text(t), Encoding::Json) => t.as_bytes(),
        (Message::Binary(b), Encoding::MsgPack) => b,
        (Message::Text(_) | Message::Binary(_), _) => {
            return Incoming::Close(CloseCode::DecodeError)
        }
        (Message::Close(_), _) => return Incoming::Gone,
        (Message::Ping(_) | Message::Pong(_), _) => return Incoming::Skip,
    };
    match ClientFrame::decode(enc, bytes) {
        Ok(f) => Incoming::Frame(f),
        Err(DecodeError::UnknownOpcode(_)) => Incoming::Close(CloseCode::UnknownOpcode),
        Err(DecodeError::Malformed(_)) => Incoming::Close(CloseCode::DecodeError),
    }
}
