//! Gateway sessions on the lean client: open (HELLO), IDENTIFY → READY,
//! RESUME, requests, heartbeats; the server's close as a typed error
//! ([`Closed`]); and the load marker publishers put in message content.
//!
//! The handshake rules come from [`arena_protocol::handshake`] and the
//! byte-level peeks that avoid a full decode on the hot path from
//! [`arena_protocol::peek`]; this module only reads the socket.

use crate::sys::SourceAddrs;
use crate::ws::{self, opcode, Frame, WsReader, WsWriter};
use anyhow::{Context, Result};
use arena_protocol::event::Ready;
use arena_protocol::frame::{op, Identify, PresenceUpdate, Resume};
use arena_protocol::handshake::{self, Step};
use arena_protocol::model::RequestedStatus;
use arena_protocol::peek::{peek_op, peek_t};
use arena_protocol::request::Request;
use arena_protocol::{ClientFrame, CloseCode, Encoding, ServerFrame};
use memchr::memmem;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

/// Where and how sessions connect.
#[derive(Debug)]
pub struct Target {
    /// The server's address (loopback only).
    pub addr: SocketAddr,
    /// The `Host` header of the upgrade request.
    pub host: String,
    /// `encoding=` of the gateway URL.
    pub encoding: Encoding,
    /// Source addresses the client sockets bind to, round-robin.
    pub sources: SourceAddrs,
}

impl Target {
    fn path(&self) -> String {
        format!("/gateway?v=1&encoding={}", self.encoding.as_str())
    }
}

/// An open gateway connection after HELLO.
#[derive(Debug)]
pub struct Session {
    /// Reading half with its frame buffer.
    pub rd: WsReader,
    /// Writing half (masks frames).
    pub wr: WsWriter,
    /// The session's wire encoding.
    pub enc: Encoding,
    /// HELLO's heartbeat interval.
    pub heartbeat: Duration,
    /// `s` of the last dispatch this session consumed through [`Session::identify`] (READY's).
    pub last_s: u64,
}

/// The server closed the connection: the code of its close frame (`None` when
/// the frame carried none). The error that [`Session`] calls return when a
/// close frame arrives; find it in an `anyhow::Error` with `downcast_ref`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    /// The WebSocket close code (4000–4015 for the gateway's own).
    pub code: Option<u16>,
}

impl Closed {
    /// The close of a frame with [`opcode::CLOSE`].
    pub fn of(f: &Frame<'_>) -> Closed {
        Closed {
            code: f.close_code(),
        }
    }

    /// The gateway close code; `None` for other codes (e.g. 1000) and for none.
    pub fn gateway_code(self) -> Option<CloseCode> {
        self.code.and_then(CloseCode::from_code)
    }

    /// Whether `e` (or an error it wraps) is a close with the gateway code `code`.
    pub fn is(e: &anyhow::Error, code: CloseCode) -> bool {
        e.downcast_ref::<Closed>()
            .is_some_and(|c| c.gateway_code() == Some(code))
    }
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code, self.gateway_code()) {
            (Some(n), Some(c)) => write!(f, "closed by the server with {n} ({})", c.reason()),
            (Some(n), None) => write!(f, "closed by the server with {n}"),
            (None, _) => write!(f, "closed by the server without a code"),
        }
    }
}

impl std::error::Error for Closed {}

/// The WebSocket opcode a frame of `enc` travels in.
fn ws_op(enc: Encoding) -> u8 {
    match enc {
        Encoding::Json => opcode::TEXT,
        Encoding::MsgPack => opcode::BINARY,
    }
}

impl Session {
    /// Connects and waits up to 10 s for HELLO.
    /// Errors: connect/upgrade failures, [`Closed`] (in context), another frame first, timeout.
    pub async fn open(t: &Target) -> Result<Session> {
        let (mut rd, wr) = ws::connect(t.sources.next(), t.addr, &t.host, &t.path()).await?;
        let hello = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let f = rd.next_frame().await?;
                match f.opcode {
                    opcode::TEXT | opcode::BINARY => {
                        return Ok::<_, anyhow::Error>(handshake::hello(t.encoding, f.payload)?)
                    }
                    opcode::CLOSE => {
                        return Err(anyhow::Error::new(Closed::of(&f)).context("before HELLO"))
                    }
                    _ => continue,
                }
            }
        })
        .await
        .context("no HELLO within 10 s")??;
        let heartbeat = Duration::from_millis(u64::from(hello.heartbeat_interval_ms.max(100)));
        Ok(Session {
            rd,
            wr,
            enc: t.encoding,
            heartbeat,
            last_s: 0,
        })
    }

    /// Encodes and sends one client frame.
    pub async fn send(&mut self, f: &ClientFrame) -> Result<()> {
        let bytes = f.encode(self.enc).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.wr.send(ws_op(self.enc), &bytes).await
    }

    /// Sends IDENTIFY (presence invisible unless `visible`) and waits up to 30 s for READY.
    /// Dispatches before READY are skipped without decoding them.
    /// Errors: [`Closed`] (in context), INVALID_SESSION, timeout.
    pub async fn identify(
        &mut self,
        token: &str,
        channels: Option<Vec<arena_protocol::Snowflake>>,
        visible: bool,
    ) -> Result<Box<Ready>> {
        let status = if visible {
            RequestedStatus::Online
        } else {
            RequestedStatus::Invisible
        };
        let id = Identify {
            token: token.to_owned(),
            presence: Some(PresenceUpdate { status }),
            channels,
        };
        self.send(&ClientFrame::Identify(Box::new(id))).await?;
        let enc = self.enc;
        let (ready, s) = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let f = self.rd.next_frame().await?;
                match f.opcode {
                    opcode::CLOSE => {
                        return Err(anyhow::Error::new(Closed::of(&f)).context("on IDENTIFY"))
                    }
                    // Only READY and INVALID_SESSION can end the wait: decode just those.
                    opcode::TEXT | opcode::BINARY
                        if peek_t(enc, f.payload) == Some(b"READY".as_slice())
                            || peek_op(enc, f.payload) == Some(op::INVALID_SESSION) =>
                    {
                        let frame = ServerFrame::decode(enc, f.payload)?;
                        if let Step::Done((s, ready)) = handshake::after_identify(frame)? {
                            return Ok((ready, s));
                        }
                    }
                    _ => {}
                }
            }
        })
        .await
        .context("no READY within 30 s")??;
        self.last_s = s;
        Ok(ready)
    }

    /// Sends RESUME; the caller reads the replay and RESUMED itself.
    pub async fn send_resume(&mut self, r: Resume) -> Result<()> {
        self.send(&ClientFrame::Resume(Box::new(r))).await
    }

    /// Queues a REQUEST frame without flushing (see [`WsWriter::flush`]).
    pub fn push_request(&mut self, id: &str, method: &str, params: Value) -> Result<()> {
        let f = ClientFrame::Request(Box::new(Request {
            id: id.to_owned(),
            method: method.to_owned(),
            params,
        }));
        let bytes = f.encode(self.enc).map_err(|e| anyhow::anyhow!("{e}"))?;
        self.wr.push(ws_op(self.enc), &bytes);
        Ok(())
    }

    /// Sends a heartbeat with the last `s` seen.
    pub async fn heartbeat(&mut self, last_s: u64) -> Result<()> {
        self.send(&ClientFrame::Heartbeat((last_s > 0).then_some(last_s)))
            .await
    }
}

/// The load marker a publisher puts in `content`: `lt:<unix_nanos>:<publisher>:<n>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Unix nanoseconds when the publisher sent the request.
    pub sent_ns: u64,
    /// Index of the publishing session.
    pub publisher: u32,
    /// The publisher's message number, from 0.
    pub n: u64,
}

impl Mark {
    /// The content string carrying this mark.
    pub fn content(&self) -> String {
        format!("lt:{}:{}:{}", self.sent_ns, self.publisher, self.n)
    }
}

/// Finds and parses the load marker anywhere in a frame.
pub fn find_mark(p: &[u8]) -> Option<Mark> {
    static F: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    let f = F.get_or_init(|| memmem::Finder::new(b"lt:"));
    let i = f.find(p)?;
    let mut rest = &p[i + 3..];
    // One number, then skip it and the separator after it.
    let mut next = || -> Option<u64> {
        let end = rest
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let v = parse_u64(&rest[..end])?;
        rest = rest.get(end + 1..).unwrap_or_default();
        Some(v)
    };
    let sent_ns = next()?;
    let publisher = u32::try_from(next()?).ok()?;
    let n = next()?;
    Some(Mark {
        sent_ns,
        publisher,
        n,
    })
}

/// The error code of a failed RESPONSE (full decode; the rare path).
pub fn response_error(enc: Encoding, p: &[u8]) -> String {
    match ServerFrame::decode(enc, p) {
        Ok(ServerFrame::Response(r)) => r
            .error
            .map(|e| format!("{:?}", e.code))
            .unwrap_or_else(|| "unknown".into()),
        Ok(other) => format!("not a response: {other:?}"),
        Err(e) => format!("undecodable: {e}"),
    }
}

/// Parses the decimal digits of `b` (the whole slice).
pub fn parse_u64(b: &[u8]) -> Option<u64> {
    std::str::from_utf8(b).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arena_protocol::model::{Message, Role, User};
    use arena_protocol::peek::{peek_channel_seq, peek_s, response_ok};
    use arena_protocol::{Event, Snowflake};

    fn frame(enc: Encoding, s: u64) -> Vec<u8> {
        let m = Message {
            id: Snowflake(1 << 40),
            channel_id: Snowflake(7),
            channel_seq: 300,
            author: User {
                id: Snowflake(3),
                display_name: "u".into(),
                role: Role::Partner,
                tier: None,
            },
            content: Mark {
                sent_ns: 1_700_000_000_123_456_789,
                publisher: 3,
                n: 42,
            }
            .content(),
            card: None,
            reply_to: None,
            nonce: None,
            created_at: "2026-11-22T00:00:00Z".into(),
            edited_at: None,
            pinned: false,
            reactions: vec![],
            mentions: Vec::new(),
        };
        ServerFrame::Dispatch {
            s,
            event: Event::MessageCreate(Box::new(m)),
        }
        .encode(enc)
        .unwrap_or_default()
    }

    #[test]
    fn marks_and_peeks_read_load_frames() {
        for enc in [Encoding::Json, Encoding::MsgPack] {
            for s in [1u64, 127, 128, 300, 70_000, 5_000_000_000] {
                let f = frame(enc, s);
                assert_eq!(peek_op(enc, &f), Some(0));
                assert_eq!(peek_t(enc, &f), Some(b"MESSAGE_CREATE".as_slice()));
                assert_eq!(peek_s(enc, &f), Some(s), "{enc:?} {s}");
                assert_eq!(peek_channel_seq(enc, &f), Some(300));
                assert_eq!(
                    find_mark(&f),
                    Some(Mark {
                        sent_ns: 1_700_000_000_123_456_789,
                        publisher: 3,
                        n: 42
                    })
                );
            }
            let ack = ServerFrame::HeartbeatAck.encode(enc).unwrap_or_default();
            assert_eq!(peek_op(enc, &ack), Some(11));
            assert_eq!(peek_t(enc, &ack), None);
            let ok = ServerFrame::Response(Box::new(arena_protocol::request::Response::ok(
                "1".into(),
                Value::Null,
            )))
            .encode(enc)
            .unwrap_or_default();
            assert!(response_ok(enc, &ok));
        }
    }

    #[test]
    fn closes_carry_their_code() {
        let retry = anyhow::Error::new(Closed { code: Some(4000) }).context("on IDENTIFY");
        assert!(Closed::is(&retry, CloseCode::UnknownError));
        assert!(!Closed::is(&retry, CloseCode::AuthenticationFailed));
        assert_eq!(
            format!("{retry:#}"),
            "on IDENTIFY: closed by the server with 4000 (unknown error)"
        );
        let normal = Closed { code: Some(1000) };
        assert_eq!(normal.gateway_code(), None);
        assert_eq!(normal.to_string(), "closed by the server with 1000");
        assert!(!Closed::is(
            &anyhow::anyhow!("Some(4000)"),
            CloseCode::UnknownError
        ));
        assert_eq!(
            Closed { code: None }.to_string(),
            "closed by the server without a code"
        );
    }
}
