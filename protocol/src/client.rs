//! An async gateway client (PROTOCOL.md §1–6) over tokio-tungstenite, used by
//! the server's integration tests, bots and the load generator.
//!
//! One connection runs three tasks (client/tasks.rs):
//! - a **reader** that owns the stream half, decodes every [`ServerFrame`],
//!   routes RESPONSE frames by request id to the waiting call, answers a
//!   server HEARTBEAT request at once, records the last `s` and the close code,
//!   and pushes everything else into a bounded queue ([`ClientOptions::event_buffer`]);
//! - a **writer** that owns the sink, fed by a bounded queue of messages;
//! - a **heartbeat** task (when [`ClientOptions::auto_heartbeat`]) that sends
//!   op 1 every `heartbeat_interval_ms` of HELLO.
//!
//! The [`GatewayClient`] handle is used from one task (`&mut self`). Dispatches
//! that arrive while a call waits for something else (a RESPONSE, READY,
//! RESUMED) are kept in a bounded local buffer and returned by
//! [`GatewayClient::next_event`] later, never dropped silently (client/inbox.rs).
//! What HELLO, READY and RESUMED mean is decided by [`crate::handshake`].

mod inbox;
mod tasks;

use crate::error::{ErrorBody, ErrorCode};
use crate::event::{Event, Ready, Resumed};
use crate::frame::{ClientFrame, Encoding, Hello, Identify, Resume, ServerFrame};
use crate::handshake::{self, HandshakeError, ResumeAnswer, Step};
use crate::request::{Request, Response};
use futures_util::StreamExt;
use inbox::Incoming;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::{timeout_at, Instant};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WsCloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long [`GatewayClient::connect`] waits for HELLO.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(5);
/// How long [`GatewayClient::request`] waits for the matching RESPONSE.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`GatewayClient::identify`] and [`GatewayClient::resume`] wait for READY / RESUMED.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Capacity of the writer's queue, in messages.
const WRITE_QUEUE: usize = 256;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connection settings for [`GatewayClient::connect`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// `encoding=json` (text frames) or `encoding=msgpack` (binary frames). Default JSON.
    pub encoding: Encoding,
    /// Send op 1 every `heartbeat_interval_ms` of HELLO. Default true; tests of
    /// the 4009 timeout turn it off.
    pub auto_heartbeat: bool,
    /// Capacity, in frames, of the bounded queue between the reader task and
    /// this handle (and of the local buffer of dispatches set aside while a call
    /// waits). When both are full the reader stops reading, so the server sees
    /// a slow consumer. Default 1024.
    pub event_buffer: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            encoding: Encoding::Json,
            auto_heartbeat: true,
            event_buffer: 1024,
        }
    }
}

/// Why a client call failed. Request-level errors (`ok: false`) are not
/// `ClientError`s: they come back as the inner `Err(ErrorBody)` of [`GatewayClient::request`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// Connecting or writing failed (DNS, TCP, WebSocket handshake, socket error).
    #[error("i/o error: {0}")]
    Io(String),
    /// Nothing expected arrived in time.
    #[error("timed out")]
    Timeout,
    /// The connection is closed; the WebSocket close code when the server sent one.
    #[error("connection closed (code {0:?})")]
    Closed(Option<u16>),
    /// The server sent a frame this client could not decode.
    #[error("decode error: {0}")]
    Decode(String),
    /// The server broke the expected flow (e.g. no HELLO first, INVALID_SESSION on IDENTIFY,
    /// or the local event buffer overflowed).
    #[error("protocol error: {0}")]
    Protocol(String),
}

impl From<HandshakeError> for ClientError {
    fn from(e: HandshakeError) -> Self {
        match e {
            HandshakeError::Decode(m) => ClientError::Decode(m),
            other => ClientError::Protocol(other.to_string()),
        }
    }
}

/// The result of [`GatewayClient::resume`].
#[derive(Debug, Clone, PartialEq)]
pub enum ResumeOutcome {
    /// RESUMED arrived; `replayed` are the dispatches `(s, event)` received before it, in order.
    Resumed {
        /// RESUMED's `d`.
        resumed: Resumed,
        /// The replayed dispatches `(s, event)`, in order.
        replayed: Vec<(u64, Event)>,
    },
    /// INVALID_SESSION: IDENTIFY again (on a new connection when `resumable` is false).
    Invalid {
        /// INVALID_SESSION's `resumable` flag.
        resumable: bool,
    },
}

/// A connected gateway session. See the module docs for the task layout.
pub struct GatewayClient {
    encoding: Encoding,
    hello: Hello,
    /// Bounded queue into the writer task.
    out: mpsc::Sender<Message>,
    /// Bounded queue from the reader task.
    incoming: mpsc::Receiver<Incoming>,
    /// Dispatches set aside while a call waited for something else; at most `event_buffer`.
    buffered: VecDeque<(u64, Event)>,
    event_buffer: usize,
    pending: tasks::Pending,
    /// Last `s` the reader saw (sent in heartbeats).
    seen_seq: Arc<AtomicU64>,
    /// Last `s` handed to the caller (what [`GatewayClient::last_seq`] reports).
    last_seq: u64,
    session_id: Option<String>,
    /// `Some(code)` once the reader reported the end of the connection.
    closed: Option<Option<u16>>,
    /// The server sent RECONNECT (op 7).
    reconnect_requested: bool,
    next_request: u64,
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
    heartbeat: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayClient")
            .field("encoding", &self.encoding)
            .field("session_id", &self.session_id)
            .field("last_seq", &self.last_seq)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

fn io(e: impl std::fmt::Display) -> ClientError {
    ClientError::Io(e.to_string())
}

/// Encodes a client frame as the WebSocket message of `enc` (text for JSON, binary for MessagePack).
pub fn encode_message(enc: Encoding, f: &ClientFrame) -> Result<Message, ClientError> {
    let bytes = f
        .encode(enc)
        .map_err(|e| ClientError::Protocol(e.to_string()))?;
    Ok(match enc {
        Encoding::Json => Message::text(
            String::from_utf8(bytes).map_err(|e| ClientError::Protocol(e.to_string()))?,
        ),
        Encoding::MsgPack => Message::binary(bytes),
    })
}

/// The gateway URL for a base like `ws://127.0.0.1:8080` (a trailing `/` is ignored).
pub fn gateway_url(base_ws_url: &str, enc: Encoding) -> String {
    format!(
        "{}/gateway?v=1&encoding={}",
        base_ws_url.trim_end_matches('/'),
        enc.as_str()
    )
}

impl GatewayClient {
    /// Connects to `{base_ws_url}/gateway?v=1&encoding=…` and waits up to
    /// [`HELLO_TIMEOUT`] for HELLO, which must be the first frame.
    ///
    /// Errors: [`ClientError::Io`] when the TCP or WebSocket handshake fails
    /// (an HTTP 400 for a bad `encoding` shows up here), `Timeout` without HELLO,
    /// `Closed` if the server closes first, `Protocol` if another frame comes first.
    pub async fn connect(
        base_ws_url: &str,
        opts: ClientOptions,
    ) -> Result<GatewayClient, ClientError> {
        let url = gateway_url(base_ws_url, opts.encoding);
        let (ws, _resp) = tokio::time::timeout(
            HELLO_TIMEOUT,
            tokio_tungstenite::connect_async(url.as_str()),
        )
        .await
        .map_err(|_| ClientError::Timeout)?
        .map_err(io)?;
        let (sink, mut stream) = ws.split();
        let deadline = Instant::now() + HELLO_TIMEOUT;
        let hello = loop {
            let msg = match timeout_at(deadline, stream.next()).await {
                Err(_) => return Err(ClientError::Timeout),
                Ok(None) => return Err(ClientError::Closed(None)),
                Ok(Some(Err(e))) => return Err(io(e)),
                Ok(Some(Ok(m))) => m,
            };
            let bytes = match &msg {
                Message::Text(t) => t.as_bytes(),
                Message::Binary(b) => b.as_ref(),
                Message::Close(cf) => {
                    return Err(ClientError::Closed(cf.as_ref().map(|c| u16::from(c.code))))
                }
                _ => continue,
            };
            break handshake::hello(opts.encoding, bytes)?;
        };

        let event_buffer = opts.event_buffer.max(1);
        let (out_tx, out_rx) = mpsc::channel(WRITE_QUEUE);
        let (in_tx, in_rx) = mpsc::channel(event_buffer);
        let pending: tasks::Pending = Arc::default();
        let seen_seq = Arc::new(AtomicU64::new(0));
        let writer = tokio::spawn(tasks::write_loop(sink, out_rx));
        let reader = tokio::spawn(tasks::read_loop(
            stream,
            opts.encoding,
            in_tx,
            out_tx.clone(),
            pending.clone(),
            seen_seq.clone(),
        ));
        let heartbeat = opts.auto_heartbeat.then(|| {
            let every = Duration::from_millis(u64::from(hello.heartbeat_interval_ms.max(1)));
            tokio::spawn(tasks::heartbeat_loop(
                every,
                opts.encoding,
                out_tx.clone(),
                seen_seq.clone(),
            ))
        });
        Ok(GatewayClient {
            encoding: opts.encoding,
            hello,
            out: out_tx,
            incoming: in_rx,
            buffered: VecDeque::new(),
            event_buffer,
            pending,
            seen_seq,
            last_seq: 0,
            session_id: None,
            closed: None,
            reconnect_requested: false,
            next_request: 1,
            reader,
            writer,
            heartbeat,
        })
    }

    /// The HELLO this connection opened with.
    pub fn hello(&self) -> &Hello {
        &self.hello
    }

    /// The encoding chosen at connect time.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The session id from READY; `None` before [`GatewayClient::identify`] succeeded.
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// The `s` of the last dispatch handed to the caller (by `next_event`,
    /// `wait_for`, `identify` or `resume`); 0 before any. Use it in RESUME.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The highest `s` the reader task has received, including dispatches not yet handed out.
    pub fn seen_seq(&self) -> u64 {
        self.seen_seq.load(Ordering::Relaxed)
    }

    /// True once the server sent RECONNECT (op 7).
    pub fn reconnect_requested(&self) -> bool {
        self.reconnect_requested
    }

    /// Sends IDENTIFY and waits up to [`HANDSHAKE_TIMEOUT`] for READY.
    ///
    /// Errors: `Closed(code)` if the server closes instead (e.g. 4004 for a bad
    /// token), `Protocol` on INVALID_SESSION, `Timeout`.
    pub async fn identify(&mut self, d: Identify) -> Result<Box<Ready>, ClientError> {
        self.send(&ClientFrame::Identify(Box::new(d))).await?;
        let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
        loop {
            match self.recv_until(deadline).await? {
                Incoming::Frame(f) => match handshake::after_identify(f)? {
                    Step::Done((s, ready)) => {
                        self.last_seq = s;
                        self.session_id = Some(ready.session_id.clone());
                        return Ok(ready);
                    }
                    Step::Wait(f) => self.set_aside(Incoming::Frame(f))?,
                },
                other => self.set_aside(other)?,
            }
        }
    }

    /// Sends RESUME and waits up to [`HANDSHAKE_TIMEOUT`] for RESUMED or
    /// INVALID_SESSION, collecting the replayed dispatches in between.
    ///
    /// Errors: `Closed(code)` if the server closes (e.g. 4004, 4007), `Timeout`.
    pub async fn resume(&mut self, d: Resume) -> Result<ResumeOutcome, ClientError> {
        let session_id = d.session_id.clone();
        self.send(&ClientFrame::Resume(Box::new(d))).await?;
        let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
        let mut replayed = Vec::new();
        loop {
            let f = match self.recv_until(deadline).await? {
                Incoming::Frame(f) => f,
                other => {
                    self.set_aside(other)?;
                    continue;
                }
            };
            match handshake::after_resume(f) {
                Step::Done(ResumeAnswer::Resumed { s, resumed }) => {
                    self.last_seq = s;
                    self.session_id = Some(session_id);
                    return Ok(ResumeOutcome::Resumed { resumed, replayed });
                }
                Step::Done(ResumeAnswer::Invalid { resumable }) => {
                    return Ok(ResumeOutcome::Invalid { resumable })
                }
                Step::Wait(ServerFrame::Dispatch { s, event }) => {
                    self.last_seq = s;
                    replayed.push((s, event));
                }
                Step::Wait(f) => self.set_aside(Incoming::Frame(f))?,
            }
        }
    }

    /// Sends REQUEST `{id, method, params}` with a fresh id and waits up to
    /// [`REQUEST_TIMEOUT`] for the RESPONSE with that id. Dispatches that
    /// arrive meanwhile are kept for `next_event`.
    ///
    /// Returns `Ok(Ok(result))` for `ok: true`, `Ok(Err(error))` for `ok: false`.
    /// Errors: `Timeout`, `Closed(code)`, `Io`, `Protocol` when more than
    /// `event_buffer` dispatches pile up unread while waiting.
    pub async fn request(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<Result<Value, ErrorBody>, ClientError> {
        let id = format!("r{}", self.next_request);
        self.next_request += 1;
        let (tx, mut rx) = oneshot::channel();
        tasks::lock(&self.pending).insert(id.clone(), tx);
        let frame = ClientFrame::Request(Box::new(Request {
            id: id.clone(),
            method: method.to_owned(),
            params,
        }));
        if let Err(e) = self.send(&frame).await {
            tasks::lock(&self.pending).remove(&id);
            return Err(e);
        }
        let deadline = Instant::now() + REQUEST_TIMEOUT;
        let outcome = loop {
            if let Some(code) = self.closed {
                break Err(ClientError::Closed(code));
            }
            tokio::select! {
                biased;
                resp = &mut rx => break match resp {
                    Ok(r) => Ok(response_result(r)),
                    // The reader dropped the sender: the connection ended.
                    Err(_) => Err(ClientError::Closed(self.wait_closed_code().await)),
                },
                inc = timeout_at(deadline, self.incoming.recv()) => match inc {
                    Err(_) => break Err(ClientError::Timeout),
                    Ok(None) => break Err(ClientError::Closed(self.closed.flatten())),
                    Ok(Some(inc)) => {
                        if let Err(e) = self.set_aside(inc) {
                            break Err(e);
                        }
                    }
                },
            }
        };
        if outcome.is_err() {
            tasks::lock(&self.pending).remove(&id);
        }
        outcome
    }

    /// [`GatewayClient::request`] with the result deserialized into `T`
    /// (`Decode` error if it does not fit).
    pub async fn call<T: DeserializeOwned>(
        &mut self,
        method: &str,
        params: Value,
    ) -> Result<Result<T, ErrorBody>, ClientError> {
        match self.request(method, params).await? {
            Ok(v) => serde_json::from_value(v)
                .map(Ok)
                .map_err(|e| ClientError::Decode(format!("{method} result: {e}"))),
            Err(e) => Ok(Err(e)),
        }
    }

    /// Encodes and queues one frame for the writer task.
    /// Errors: `Closed` if the writer is gone.
    pub async fn send(&mut self, f: &ClientFrame) -> Result<(), ClientError> {
        let msg = encode_message(self.encoding, f)?;
        self.send_raw(msg).await
    }

    /// Queues any WebSocket message as is (tests send malformed frames with it).
    /// Errors: `Closed` if the writer is gone.
    pub async fn send_raw(&mut self, msg: Message) -> Result<(), ClientError> {
        self.out
            .send(msg)
            .await
            .map_err(|_| ClientError::Closed(self.closed.flatten()))
    }

    /// Closes the connection with 1000 (normal) and stops the tasks; waits at
    /// most a second for the close frame to be written.
    pub async fn close(mut self) {
        if let Some(h) = self.heartbeat.take() {
            h.abort();
        }
        let frame = CloseFrame {
            code: WsCloseCode::Normal,
            reason: "bye".into(),
        };
        if self.out.send(Message::Close(Some(frame))).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(1), &mut self.writer).await;
        }
    }
}

impl Drop for GatewayClient {
    fn drop(&mut self) {
        self.reader.abort();
        self.writer.abort();
        if let Some(h) = &self.heartbeat {
            h.abort();
        }
    }
}

fn response_result(r: Response) -> Result<Value, ErrorBody> {
    if r.ok {
        Ok(r.result.unwrap_or(Value::Null))
    } else {
        Err(r
            .error
            .unwrap_or_else(|| ErrorBody::new(ErrorCode::Internal, "ok:false without error")))
    }
}
