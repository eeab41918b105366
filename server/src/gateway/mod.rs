//! The WebSocket gateway (PROTOCOL.md §1–6): the upgrade ([`upgrade`]), one
//! connection ([`connection`]: handshake phase, then the read loop) and its
//! writer task ([`writer`]), decoding of what arrives ([`incoming`]),
//! IDENTIFY/RESUME ([`handshake`]) and a resume's streamed log replay
//! ([`replay`]), a session's life on this node
//! ([`sessions`]) and REQUEST routing ([`requests`]). A session's data and
//! sequencing rules are [`crate::session`].

pub mod connection;
pub mod handshake;
pub mod incoming;
pub mod loader;
pub mod replay;
pub mod requests;
pub mod sessions;
pub mod writer;

use crate::state::AppState;
use arena_protocol::Encoding;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;

/// tungstenite's read buffer per socket, bytes. It is allocated at the
/// upgrade and zero-filled up to its capacity before every read, so all of
/// it is resident for every idle session (issue 14: ≤ 8 KiB per idle
/// session). Client frames are small (a heartbeat is ~30 bytes, a request a
/// few hundred); a larger frame grows the buffer to its length
/// (`max_frame_bytes` caps it), and a burst takes a few more reads.
pub const READ_BUFFER: usize = 256;

/// Query of `GET /gateway?v=1&encoding=json|msgpack`.
#[derive(Debug, Deserialize)]
pub struct GatewayQuery {
    #[serde(default)]
    v: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

/// Upgrades to a gateway connection. Before the upgrade: an `Origin` that
/// is neither same-host nor configured is HTTP 403 `forbidden`
/// ([`crate::net::origin`]; close code 4013's case, refused before any
/// WebSocket exists); unknown `v` or `encoding` is HTTP 400 (PROTOCOL.md §1). The WebSocket is configured small:
/// a 4 KiB read buffer (tungstenite's default is 128 KiB per connection), a
/// write buffer bounded by one `max_server_frame_bytes` frame, and a maximum
/// size of a client frame/message, `max_frame_bytes` (above: close 4011).
pub async fn upgrade(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    if !crate::net::origin::allowed(&headers, &state.cfg.gateway_origins()) {
        metrics::counter!("arena_forbidden_origins_total").increment(1);
        return crate::error::ApiError::new(
            arena_protocol::ErrorCode::Forbidden,
            "this Origin may not open the gateway (allowed_origins)",
        )
        .into_response();
    }
    let q = GatewayQuery {
        v: q.get("v").cloned(),
        encoding: q.get("encoding").cloned(),
    };
    if q.v.as_deref() != Some("1") {
        return crate::error::ApiError::new(
            arena_protocol::ErrorCode::BadRequest,
            "unsupported gateway version: use v=1",
        )
        .into_response();
    }
    let Some(enc) = q.encoding.as_deref().and_then(Encoding::parse) else {
        return crate::error::ApiError::new(
            arena_protocol::ErrorCode::BadRequest,
            "encoding must be json or msgpack",
        )
        .into_response();
    };
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => return e.into_response(),
    };
    let max_in = state.cfg.max_frame_bytes;
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(writer::WRITE_BUFFER)
        // Room for one frame of the largest size the server writes beyond the
        // batching buffer, so every frame it builds is writable (issue 12
        // item 1); a stalled peer backs up into the bounded session queue
        // (then 4010), not into this buffer.
        .max_write_buffer_size(writer::write_buffer_cap(state.cfg.max_server_frame_bytes))
        .max_frame_size(max_in)
        .max_message_size(max_in)
        .on_upgrade(move |socket| connection::serve(socket, state, enc))
        .into_response()
}
