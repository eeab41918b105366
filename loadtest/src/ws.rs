//! A lean WebSocket client for measuring: a plain HTTP/1.1 upgrade, then
//! frames parsed in place from one read buffer, so one `read` syscall can
//! yield hundreds of deliveries without an allocation per frame.
//!
//! Only what a gateway client needs: unfragmented text/binary frames, close,
//! ping (answered) and pong. Outgoing frames are masked as RFC 6455 requires.

use anyhow::{bail, Context, Result};
use bytes::{Buf, BytesMut};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpSocket;

/// WebSocket opcodes used here.
pub mod opcode {
    /// Text frame (JSON encoding).
    pub const TEXT: u8 = 0x1;
    /// Binary frame (MessagePack encoding).
    pub const BINARY: u8 = 0x2;
    /// Close frame; its payload starts with the close code.
    pub const CLOSE: u8 = 0x8;
    /// Ping; answered with a pong.
    pub const PING: u8 = 0x9;
    /// Pong.
    pub const PONG: u8 = 0xA;
}

/// Largest incoming frame accepted (READY of a big tenant can be large).
const MAX_FRAME: usize = 32 << 20;
/// Initial read buffer per connection; grows only for larger frames.
const READ_BUF: usize = 8 << 10;

/// Reading half: owns the socket's read side and the buffer frames are parsed from.
#[derive(Debug)]
pub struct WsReader {
    rd: OwnedReadHalf,
    buf: BytesMut,
    /// Bytes at the front of `buf` already handed out as frames.
    consumed: usize,
}

/// Writing half: masks and writes whole frames.
#[derive(Debug)]
pub struct WsWriter {
    wr: OwnedWriteHalf,
    mask_state: u32,
    scratch: Vec<u8>,
}

/// One incoming frame borrowed from the reader's buffer.
#[derive(Debug)]
pub struct Frame<'a> {
    /// The WebSocket opcode ([`opcode`]).
    pub opcode: u8,
    /// The unmasked payload.
    pub payload: &'a [u8],
}

impl Frame<'_> {
    /// The close code of a close frame (`None` without one).
    pub fn close_code(&self) -> Option<u16> {
        (self.opcode == opcode::CLOSE && self.payload.len() >= 2)
            .then(|| u16::from_be_bytes([self.payload[0], self.payload[1]]))
    }
}

/// Connects from `src` (a loopback source address) to `dst`, performs the
/// upgrade for `path_and_query`, and returns the two halves.
/// Errors: TCP errors, a non-101 answer (its status line is in the message).
pub async fn connect(
    src: SocketAddr,
    dst: SocketAddr,
    host: &str,
    path_and_query: &str,
) -> Result<(WsReader, WsWriter)> {
    let sock = if dst.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    if dst.is_ipv4() && src.is_ipv4() {
        sock.bind(src).with_context(|| format!("bind {src}"))?;
    }
    let stream = sock
        .connect(dst)
        .await
        .with_context(|| format!("connect {dst}"))?;
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let req = format!(
        "GET {path_and_query} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    wr.write_all(req.as_bytes()).await?;
    let mut reader = WsReader {
        rd,
        buf: BytesMut::with_capacity(READ_BUF),
        consumed: 0,
    };
    let header_end = loop {
        if let Some(i) = memchr::memmem::find(&reader.buf, b"\r\n\r\n") {
            break i + 4;
        }
        if reader.buf.len() > 16 << 10 {
            bail!("upgrade answer too long");
        }
        if reader.rd.read_buf(&mut reader.buf).await? == 0 {
            bail!("connection closed during the upgrade");
        }
    };
    let head = String::from_utf8_lossy(&reader.buf[..header_end]).into_owned();
    let status = head.lines().next().unwrap_or_default();
    if !status.starts_with("HTTP/1.1 101") {
        bail!("upgrade refused: {status}");
    }
    reader.buf.advance(header_end);
    let seed = (src.port() as u32) << 16 ^ dst.port() as u32 ^ 0x9e37_79b9;
    Ok((
        reader,
        WsWriter {
            wr,
            mask_state: seed | 1,
            scratch: Vec::with_capacity(256),
        },
    ))
}

impl WsReader {
    /// The next complete frame already in the buffer, if any (no I/O).
    /// Errors: a fragmented, masked or oversized frame.
    pub fn next_buffered(&mut self) -> Result<Option<Frame<'_>>> {
        let b = &self.buf[self.consumed..];
        if b.len() < 2 {
            return Ok(None);
        }
        let fin = b[0] & 0x80 != 0;
        let op = b[0] & 0x0f;
        if b[1] & 0x80 != 0 {
            bail!("server frames must not be masked");
        }
        let (len, hdr) = match b[1] & 0x7f {
            126 => {
                if b.len() < 4 {
                    return Ok(None);
                }
                (u16::from_be_bytes([b[2], b[3]]) as usize, 4)
            }
            127 => {
                if b.len() < 10 {
                    return Ok(None);
                }
                let mut n = [0u8; 8];
                n.copy_from_slice(&b[2..10]);
                (u64::from_be_bytes(n) as usize, 10)
            }
            n => (n as usize, 2),
        };
        if len > MAX_FRAME {
            bail!("frame of {len} bytes is above the {MAX_FRAME} limit");
        }
        if !fin || op == 0 {
            bail!("fragmented frames are not supported");
        }
        if b.len() < hdr + len {
            return Ok(None);
        }
        let start = self.consumed + hdr;
        self.consumed = start + len;
        Ok(Some(Frame {
            opcode: op,
            payload: &self.buf[start..start + len],
        }))
    }

    /// Reads more bytes from the socket (after dropping consumed frames).
    /// Returns false at end of stream.
    pub async fn fill(&mut self) -> Result<bool> {
        if self.consumed > 0 {
            self.buf.advance(self.consumed);
            self.consumed = 0;
        }
        if self.buf.capacity() - self.buf.len() < 1024 {
            self.buf.reserve(READ_BUF);
        }
        Ok(self.rd.read_buf(&mut self.buf).await? > 0)
    }

    /// The next frame, reading as needed. Errors: end of stream, I/O, bad frame.
    pub async fn next_frame(&mut self) -> Result<Frame<'_>> {
        loop {
            // Probe first without holding the borrow across the read.
            let before = self.consumed;
            if self.next_buffered()?.is_some() {
                self.consumed = before;
                break;
            }
            if !self.fill().await? {
                bail!("connection closed");
            }
        }
        self.next_buffered()?.context("frame vanished")
    }
}

impl WsWriter {
    fn next_mask(&mut self) -> [u8; 4] {
        // xorshift32: masking only needs to be unpredictable to proxies, not secure.
        let mut x = self.mask_state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.mask_state = x;
        x.to_le_bytes()
    }

    /// Appends one masked frame to the internal scratch buffer (see [`WsWriter::flush`]).
    pub fn push(&mut self, op: u8, payload: &[u8]) {
        let mask = self.next_mask();
        let out = &mut self.scratch;
        out.push(0x80 | op);
        match payload.len() {
            n if n < 126 => out.push(0x80 | n as u8),
            n if n <= 0xffff => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
    }

    /// Writes every pushed frame in one call.
    pub async fn flush(&mut self) -> Result<()> {
        if !self.scratch.is_empty() {
            self.wr.write_all(&self.scratch).await?;
            self.scratch.clear();
        }
        Ok(())
    }

    /// Writes one frame now.
    pub async fn send(&mut self, op: u8, payload: &[u8]) -> Result<()> {
        self.push(op, payload);
        self.flush().await
    }

    /// Sends a close frame with `code` (best effort) and shuts the write side.
    pub async fn close(&mut self, code: u16) {
        let _ = self.send(opcode::CLOSE, &code.to_be_bytes()).await;
        let _ = self.wr.shutdown().await;
    }
}
