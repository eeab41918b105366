//! Gateway sessions on the lean client: open (HELLO), IDENTIFY → READY,
//! RESUME, requests, heartbeats, and byte-level peeks at frames (opcode, `t`,
//! `s`, `channel_seq`, the load marker) that avoid a full decode on the hot path.
//!
//! The peeks rely on the envelope order `op, t, d, s` that Arena and the
//! reference server both encode (docs/protocol.md, Arena extensions); anything
//! that does not match is treated as "not a delivery" and decoded fully when it matters.

use crate::sys::SourceAddrs;
use crate::ws::{self, opcode, WsReader, WsWriter};
use anyhow::{bail, Context, Result};
use arena_protocol::event::Ready;
use arena_protocol::frame::{Hello, Identify, PresenceUpdate, Resume};
use arena_protocol::model::RequestedStatus;
use arena_protocol::request::Request;
use arena_protocol::{ClientFrame, Encoding, Event, ServerFrame};
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

/// The WebSocket opcode a frame of `enc` travels in.
fn ws_op(enc: Encoding) -> u8 {
    match enc {
        Encoding::Json => opcode::TEXT,
        Encoding::MsgPack => opcode::BINARY,
    }
}

impl Session {
    /// Connects and waits up to 10 s for HELLO.
    pub async fn open(t: &Target) -> Result<Session> {
        let (mut rd, wr) = ws::connect(t.sources.next(), t.addr, &t.host, &t.path()).await?;
        let hello: Hello = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let f = rd.next_frame().await?;
                match f.opcode {
                    opcode::TEXT | opcode::BINARY => {
                        match ServerFrame::decode(t.encoding, f.payload)? {
                            ServerFrame::Hello(h) => return Ok::<_, anyhow::Error>(h),
                            other => bail!("expected HELLO, got {other:?}"),
                        }
                    }
                    opcode::CLOSE => bail!("closed before HELLO: {:?}", f.close_code()),
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
    /// Dispatches before READY are skipped. Errors: a close (with its code) or timeout.
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
                    opcode::CLOSE => bail!("closed on IDENTIFY with {:?}", f.close_code()),
                    opcode::TEXT | opcode::BINARY
                        if peek_t(enc, f.payload) == Some(b"READY".as_slice()) =>
                    {
                        if let ServerFrame::Dispatch {
                            event: Event::Ready(r),
                            s,
                        } = ServerFrame::decode(enc, f.payload)?
                        {
                            return Ok((r, s));
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

/// The op of a server frame, read from its first bytes (`{"op":N` / map `op` N).
pub fn peek_op(enc: Encoding, p: &[u8]) -> Option<u8> {
    match enc {
        Encoding::Json => {
            let rest = p.strip_prefix(b"{\"op\":")?;
            let end = rest.iter().position(|b| !b.is_ascii_digit())?;
            std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
        }
        Encoding::MsgPack => {
            let rest = p.strip_prefix(b"\x84\xa2op")?;
            let b = *rest.first()?;
            (b < 0x80).then_some(b)
        }
    }
}

/// The `t` of a DISPATCH frame without decoding it (None for other frames).
pub fn peek_t(enc: Encoding, p: &[u8]) -> Option<&[u8]> {
    match enc {
        Encoding::Json => {
            let rest = p.strip_prefix(b"{\"op\":0,\"t\":\"")?;
            let end = memchr::memchr(b'"', rest)?;
            Some(&rest[..end])
        }
        Encoding::MsgPack => {
            let rest = p.strip_prefix(b"\x84\xa2op\x00\xa1t")?;
            let h = *rest.first()?;
            let (len, off) = match h {
                0xa0..=0xbf => ((h & 0x1f) as usize, 1),
                0xd9 => (*rest.get(1)? as usize, 2),
                _ => return None,
            };
            rest.get(off..off + len)
        }
    }
}

/// Reads a MessagePack unsigned integer at the start of `b`.
fn mp_uint(b: &[u8]) -> Option<u64> {
    let h = *b.first()?;
    Some(match h {
        0x00..=0x7f => u64::from(h),
        0xcc => u64::from(*b.get(1)?),
        0xcd => u64::from(u16::from_be_bytes(b.get(1..3)?.try_into().ok()?)),
        0xce => u64::from(u32::from_be_bytes(b.get(1..5)?.try_into().ok()?)),
        0xcf => u64::from_be_bytes(b.get(1..9)?.try_into().ok()?),
        _ => return None,
    })
}

fn ascii_u64(b: &[u8]) -> Option<u64> {
    let end = b
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(b.len());
    if end == 0 {
        return None;
    }
    std::str::from_utf8(&b[..end]).ok()?.parse().ok()
}

/// The `s` of a DISPATCH frame: the last field of the envelope.
pub fn peek_s(enc: Encoding, p: &[u8]) -> Option<u64> {
    match enc {
        Encoding::Json => {
            let body = p.strip_suffix(b"}")?;
            let start = body.iter().rposition(|b| !b.is_ascii_digit())? + 1;
            if !body[..start].ends_with(b"\"s\":") {
                return None;
            }
            ascii_u64(&body[start..])
        }
        Encoding::MsgPack => {
            // `\xa1s` then a uint of 1, 2, 3, 5 or 9 bytes at the very end.
            for w in [1usize, 2, 3, 5, 9] {
                if p.len() >= w + 2 && &p[p.len() - w - 2..p.len() - w] == b"\xa1s" {
                    if let Some(v) = mp_uint(&p[p.len() - w..]) {
                        return Some(v);
                    }
                }
            }
            None
        }
    }
}

/// The first `channel_seq` in a frame (the event's own for MESSAGE_CREATE).
pub fn peek_channel_seq(enc: Encoding, p: &[u8]) -> Option<u64> {
    static JSON: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    static MP: OnceLock<memmem::Finder<'static>> = OnceLock::new();
    match enc {
        Encoding::Json => {
            let f = JSON.get_or_init(|| memmem::Finder::new(b"\"channel_seq\":"));
            let i = f.find(p)?;
            ascii_u64(&p[i + 14..])
        }
        Encoding::MsgPack => {
            let f = MP.get_or_init(|| memmem::Finder::new(b"\xabchannel_seq"));
            let i = f.find(p)?;
            mp_uint(&p[i + 12..])
        }
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
    let mut next = || -> Option<u64> {
        let v = ascii_u64(rest)?;
        let end = rest
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(rest.len());
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

/// Whether a RESPONSE frame says `ok: true` (byte search; Arena and the reference encode `id, ok` first).
pub fn response_ok(enc: Encoding, p: &[u8]) -> bool {
    match enc {
        Encoding::Json => memmem::find(p, b"\"ok\":true").is_some(),
        Encoding::MsgPack => memmem::find(p, b"\xa2ok\xc3").is_some(),
    }
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

/// The request id of a RESPONSE frame: the first `id` in it (Arena and the
/// reference encode `d` as `{id, ok, …}` right after `t`).
pub fn peek_response_id(enc: Encoding, p: &[u8]) -> Option<&[u8]> {
    match enc {
        Encoding::Json => {
            let i = memmem::find(p, b"\"id\":\"")? + 6;
            let end = memchr::memchr(b'"', &p[i..])?;
            Some(&p[i..i + end])
        }
        Encoding::MsgPack => {
            let i = memmem::find(p, b"\xa2id")? + 3;
            let h = *p.get(i)?;
            let (len, off) = match h {
                0xa0..=0xbf => ((h & 0x1f) as usize, 1),
                0xd9 => (*p.get(i + 1)? as usize, 2),
                _ => return None,
            };
            p.get(i + off..i + off + len)
        }
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
    use arena_protocol::Snowflake;

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
        };
        ServerFrame::Dispatch {
            s,
            event: Event::MessageCreate(Box::new(m)),
        }
        .encode(enc)
        .unwrap_or_default()
    }

    #[test]
    fn peeks_agree_with_the_codec() {
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
}
