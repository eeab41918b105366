//! The envelope `{op, d, s, t}` (PROTOCOL.md §1–2), opcodes, and the two codecs:
//! JSON in text frames, MessagePack with named fields in binary frames.
//!
//! Decoding goes through a codec-neutral [`serde_json::Value`] for `d`, so both
//! encodings share one set of typed rules. Dispatches are encoded once per
//! encoding as a [`DispatchPrefix`] (see [`crate::dispatch`]); each session
//! appends only its own `s`.

pub use crate::dispatch::DispatchPrefix;
use crate::event::Event;
use crate::model::RequestedStatus;
use crate::request::{Cursors, Request, Response};
use crate::Snowflake;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Opcodes of PROTOCOL.md §2.
pub mod op {
    pub const DISPATCH: u8 = 0;
    pub const HEARTBEAT: u8 = 1;
    pub const IDENTIFY: u8 = 2;
    pub const PRESENCE_UPDATE: u8 = 3;
    pub const RESUME: u8 = 6;
    pub const RECONNECT: u8 = 7;
    pub const REQUEST: u8 = 8;
    pub const INVALID_SESSION: u8 = 9;
    pub const HELLO: u8 = 10;
    pub const HEARTBEAT_ACK: u8 = 11;
    pub const RESPONSE: u8 = 12;
}

/// The wire encoding chosen in the upgrade URL (`encoding=json|msgpack`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 JSON in text frames.
    Json,
    /// MessagePack maps in binary frames.
    MsgPack,
}

impl Encoding {
    /// Parses the `encoding` query value.
    pub fn parse(s: &str) -> Option<Encoding> {
        match s {
            "json" => Some(Encoding::Json),
            "msgpack" => Some(Encoding::MsgPack),
            _ => None,
        }
    }

    /// The query spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Json => "json",
            Encoding::MsgPack => "msgpack",
        }
    }
}

/// Why a frame could not be decoded. Maps to close 4001 or 4002.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// Not valid JSON / MessagePack, not an envelope, or a `d` of the wrong shape (close 4002).
    #[error("decode error: {0}")]
    Malformed(String),
    /// An opcode the receiver does not accept (close 4001).
    #[error("unknown opcode {0}")]
    UnknownOpcode(u8),
}

/// Encoding failed; only possible for values that cannot be represented (never for our types).
#[derive(Debug, thiserror::Error)]
#[error("encode error: {0}")]
pub struct EncodeError(pub String);

/// `d` of IDENTIFY.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identify {
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<PresenceUpdate>,
    /// Channels to subscribe to; `None` = every channel the user may read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<Snowflake>>,
}

/// `d` of PRESENCE_UPDATE (op 3) and IDENTIFY `presence`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PresenceUpdate {
    pub status: RequestedStatus,
}

/// `d` of RESUME.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    pub token: String,
    pub session_id: String,
    /// Last `s` the client saw.
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursors: Option<Cursors>,
    /// Arena extension: the panel versions the client holds, by channel id
    /// (at most [`MAX_RESUME_PANELS`] are looked at); each panel whose
    /// version moved meanwhile is sent again as PANEL_UPDATE after RESUMED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panels: Option<std::collections::HashMap<Snowflake, u64>>,
}

/// Most panel versions of one RESUME the server checks.
pub const MAX_RESUME_PANELS: usize = 64;

/// `d` of HELLO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub heartbeat_interval_ms: u32,
    pub node_id: String,
}

/// `d` of INVALID_SESSION.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InvalidSession {
    pub resumable: bool,
}

/// A frame a client sends.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    /// op 1 with the last `s` seen.
    Heartbeat(Option<u64>),
    Identify(Box<Identify>),
    PresenceUpdate(PresenceUpdate),
    Resume(Box<Resume>),
    Request(Box<Request>),
}

/// A frame the server sends.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerFrame {
    Dispatch {
        s: u64,
        event: Event,
    },
    /// op 1 S→C: the server asks for a heartbeat now.
    Heartbeat,
    Reconnect,
    InvalidSession(InvalidSession),
    Hello(Hello),
    HeartbeatAck,
    Response(Box<Response>),
}

/// The envelope with `d` left generic, as decoded before the opcode is known.
#[derive(Debug, Deserialize)]
struct RawEnvelope {
    op: u8,
    #[serde(default)]
    d: Value,
    #[serde(default)]
    s: Option<u64>,
    #[serde(default)]
    t: Option<String>,
}

/// The envelope as encoded; field order op, t, d, s matches [`DispatchPrefix`].
#[derive(Serialize)]
struct OutEnvelope<'a, D: Serialize> {
    op: u8,
    t: Option<&'a str>,
    d: D,
    s: Option<u64>,
}

/// Deepest nesting of arrays and maps a frame may have, in either encoding:
/// serde_json's fixed recursion limit (128), which MessagePack decoding
/// also gets (rmp-serde's own default is 1,024; issue 12 item 12). A deeper
/// frame is [`DecodeError::Malformed`] (close 4002).
pub const MAX_DEPTH: usize = 128;

fn decode_raw(enc: Encoding, bytes: &[u8]) -> Result<RawEnvelope, DecodeError> {
    match enc {
        Encoding::Json => {
            serde_json::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))
        }
        Encoding::MsgPack => {
            let mut de = rmp_serde::Deserializer::from_read_ref(bytes);
            de.set_max_depth(MAX_DEPTH);
            RawEnvelope::deserialize(&mut de).map_err(|e| DecodeError::Malformed(e.to_string()))
        }
    }
}

fn typed<T: serde::de::DeserializeOwned>(op: u8, d: Value) -> Result<T, DecodeError> {
    serde_json::from_value(d).map_err(|e| DecodeError::Malformed(format!("op {op}: {e}")))
}

fn encode_value<T: Serialize>(enc: Encoding, v: &T) -> Result<Vec<u8>, EncodeError> {
    match enc {
        Encoding::Json => serde_json::to_vec(v).map_err(|e| EncodeError(e.to_string())),
        Encoding::MsgPack => rmp_serde::to_vec_named(v).map_err(|e| EncodeError(e.to_string())),
    }
}

/// Bytes `v` takes encoded in `enc` (MessagePack with named fields), counted
/// without keeping them: how the server pages a reply by bytes.
pub fn encoded_len<T: Serialize>(enc: Encoding, v: &T) -> Result<usize, EncodeError> {
    let mut n = Counter(0);
    match enc {
        Encoding::Json => serde_json::to_writer(&mut n, v).map_err(|e| EncodeError(e.to_string())),
        Encoding::MsgPack => {
            rmp_serde::encode::write_named(&mut n, v).map_err(|e| EncodeError(e.to_string()))
        }
    }?;
    Ok(n.0)
}

/// An `io::Write` that only counts.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ClientFrame {
    /// Decodes one client frame. Unknown opcodes (including server-only ones) → [`DecodeError::UnknownOpcode`].
    pub fn decode(enc: Encoding, bytes: &[u8]) -> Result<ClientFrame, DecodeError> {
        let raw = decode_raw(enc, bytes)?;
        Ok(match raw.op {
            op::HEARTBEAT => ClientFrame::Heartbeat(typed(raw.op, raw.d)?),
            op::IDENTIFY => ClientFrame::Identify(Box::new(typed(raw.op, raw.d)?)),
            op::PRESENCE_UPDATE => ClientFrame::PresenceUpdate(typed(raw.op, raw.d)?),
            op::RESUME => ClientFrame::Resume(Box::new(typed(raw.op, raw.d)?)),
            op::REQUEST => ClientFrame::Request(Box::new(typed(raw.op, raw.d)?)),
            other => return Err(DecodeError::UnknownOpcode(other)),
        })
    }

    /// The opcode of this frame.
    pub fn op(&self) -> u8 {
        match self {
            ClientFrame::Heartbeat(_) => op::HEARTBEAT,
            ClientFrame::Identify(_) => op::IDENTIFY,
            ClientFrame::PresenceUpdate(_) => op::PRESENCE_UPDATE,
            ClientFrame::Resume(_) => op::RESUME,
            ClientFrame::Request(_) => op::REQUEST,
        }
    }

    /// Encodes this frame as a client would send it.
    pub fn encode(&self, enc: Encoding) -> Result<Vec<u8>, EncodeError> {
        let op = self.op();
        match self {
            ClientFrame::Heartbeat(d) => encode_value(
                enc,
                &OutEnvelope {
                    op,
                    t: None,
                    d,
                    s: None,
                },
            ),
            ClientFrame::Identify(d) => encode_value(
                enc,
                &OutEnvelope {
                    op,
                    t: None,
                    d,
                    s: None,
                },
            ),
            ClientFrame::PresenceUpdate(d) => encode_value(
                enc,
                &OutEnvelope {
                    op,
                    t: None,
                    d,
                    s: None,
                },
            ),
            ClientFrame::Resume(d) => encode_value(
                enc,
                &OutEnvelope {
                    op,
                    t: None,
                    d,
                    s: None,
                },
            ),
            ClientFrame::Request(d) => encode_value(
                enc,
                &OutEnvelope {
                    op,
                    t: None,
                    d,
                    s: None,
                },
            ),
        }
    }
}

impl ServerFrame {
    /// Decodes one server frame (used by clients and tests).
    pub fn decode(enc: Encoding, bytes: &[u8]) -> Result<ServerFrame, DecodeError> {
        let raw = decode_raw(enc, bytes)?;
        Ok(match raw.op {
            op::DISPATCH => {
                let s = raw
                    .s
                    .ok_or_else(|| DecodeError::Malformed("dispatch without s".into()))?;
                let t = raw
                    .t
                    .ok_or_else(|| DecodeError::Malformed("dispatch without t".into()))?;
                let event = Event::from_parts(&t, raw.d)
                    .map_err(|e| DecodeError::Malformed(e.to_string()))?;
                ServerFrame::Dispatch { s, event }
            }
            op::HEARTBEAT => ServerFrame::Heartbeat,
            op::RECONNECT => ServerFrame::Reconnect,
            op::INVALID_SESSION => ServerFrame::InvalidSession(typed(raw.op, raw.d)?),
            op::HELLO => ServerFrame::Hello(typed(raw.op, raw.d)?),
            op::HEARTBEAT_ACK => ServerFrame::HeartbeatAck,
            op::RESPONSE => ServerFrame::Response(Box::new(typed(raw.op, raw.d)?)),
            other => return Err(DecodeError::UnknownOpcode(other)),
        })
    }

    /// Encodes this frame. Dispatches on the fan-out path use [`DispatchPrefix`] instead.
    pub fn encode(&self, enc: Encoding) -> Result<Vec<u8>, EncodeError> {
        let none: Option<()> = None;
        match self {
            ServerFrame::Dispatch { s, event } => {
                let prefix = DispatchPrefix::encode(enc, event)?;
                let mut out = Vec::with_capacity(prefix.len() + 12);
                prefix.finish_into(*s, &mut out);
                Ok(out)
            }
            ServerFrame::Heartbeat => encode_value(
                enc,
                &OutEnvelope {
                    op: op::HEARTBEAT,
                    t: None,
                    d: none,
                    s: None,
                },
            ),
            ServerFrame::Reconnect => encode_value(
                enc,
                &OutEnvelope {
                    op: op::RECONNECT,
                    t: None,
                    d: none,
                    s: None,
                },
            ),
            ServerFrame::InvalidSession(d) => encode_value(
                enc,
                &OutEnvelope {
                    op: op::INVALID_SESSION,
                    t: None,
                    d,
                    s: None,
                },
            ),
            ServerFrame::Hello(d) => encode_value(
                enc,
                &OutEnvelope {
                    op: op::HELLO,
                    t: None,
                    d,
                    s: None,
                },
            ),
            ServerFrame::HeartbeatAck => encode_value(
                enc,
                &OutEnvelope {
                    op: op::HEARTBEAT_ACK,
                    t: None,
                    d: none,
                    s: None,
                },
            ),
            ServerFrame::Response(d) => encode_value(
                enc,
                &OutEnvelope {
                    op: op::RESPONSE,
                    t: None,
                    d,
                    s: None,
                },
            ),
        }
    }
}
