//! The gateway side of a test: typed clients (connect, IDENTIFY, READY),
//! lookups in READY and the registry, posting, waiting for events (or for
//! their absence), and raw WebSockets for frames the typed client cannot
//! produce, including a stalled peer that stops reading.

use super::{TestServer, QUIET, WAIT};
use arena_protocol::client::{ClientOptions, GatewayClient};
use arena_protocol::event::Ready;
use arena_protocol::frame::Identify;
use arena_protocol::model::Channel;
use arena_protocol::{Encoding, Event, Snowflake};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;

impl TestServer {
    /// Connects (HELLO received), not identified.
    pub async fn connect(&self, enc: Encoding) -> GatewayClient {
        self.connect_opts(ClientOptions {
            encoding: enc,
            ..ClientOptions::default()
        })
        .await
    }

    pub async fn connect_opts(&self, opts: ClientOptions) -> GatewayClient {
        GatewayClient::connect(&self.ws, opts)
            .await
            .expect("gateway connect")
    }

    /// Connects and IDENTIFYs `email` (its tenant from the domain); returns the client and READY.
    pub async fn login_ws(&self, email: &str, enc: Encoding) -> (GatewayClient, Ready) {
        let token = self.demo_token(email).await;
        let mut c = self.connect(enc).await;
        let ready = c
            .identify(identify(&token))
            .await
            .expect("IDENTIFY → READY");
        (c, *ready)
    }

    /// Raw WebSocket (no HELLO handling) to `/gateway?{query}`.
    pub async fn raw_ws(
        &self,
        query: &str,
    ) -> Result<RawWs, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/gateway?{query}", self.ws);
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
        Ok(RawWs { ws })
    }
}

/// IDENTIFY for every readable channel.
pub fn identify(token: &str) -> Identify {
    Identify {
        token: token.to_owned(),
        presence: None,
        channels: None,
    }
}

/// The channel with this key in READY.
pub fn channel<'a>(ready: &'a Ready, key: &str) -> &'a Channel {
    ready
        .channels
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("#{key} not in READY of {}", ready.user.display_name))
}

/// The id of `#key` in the tenant `slug`, straight from the registry (also
/// for channels the member may not read).
pub fn channel_id(server: &TestServer, tenant_id: i64, key: &str) -> Snowflake {
    let reg = server
        .state
        .registry
        .tenant(arena_server::ids::TenantId(tenant_id));
    let c = reg
        .channels
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("#{key} not in the registry"));
    c.id.snowflake()
}

/// Sends `message.create` and returns the committed message (panics on an error).
pub async fn post(
    c: &mut GatewayClient,
    channel: Snowflake,
    content: &str,
) -> arena_protocol::model::Message {
    c.call(
        "message.create",
        serde_json::json!({"channel_id": channel.to_string(), "content": content}),
    )
    .await
    .expect("message.create transport")
    .unwrap_or_else(|e| panic!("message.create refused: {e:?}"))
}

/// The next MESSAGE_CREATE (skipping other dispatches such as presence).
pub async fn next_create(c: &mut GatewayClient) -> arena_protocol::model::Message {
    match c
        .wait_for(WAIT, |e| matches!(e, Event::MessageCreate(_)))
        .await
    {
        Ok((_, Event::MessageCreate(m))) => *m,
        other => panic!("expected MESSAGE_CREATE, got {other:?}"),
    }
}

/// Asserts that nothing satisfying `pred` arrives within [`QUIET`].
pub async fn assert_no_event(
    c: &mut GatewayClient,
    what: &str,
    mut pred: impl FnMut(&Event) -> bool,
) {
    let deadline = tokio::time::Instant::now() + QUIET;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return;
        }
        match c.next_event(left).await {
            Ok((_, e)) if pred(&e) => panic!("{what}: unexpected dispatch {e:?}"),
            Ok(_) => {}
            Err(arena_protocol::client::ClientError::Timeout) => return,
            Err(e) => panic!("{what}: connection failed while waiting: {e:?}"),
        }
    }
}

/// A raw WebSocket for frames the typed client cannot produce.
pub struct RawWs {
    pub ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>,
}

/// What a raw read produced.
#[derive(Debug, PartialEq)]
pub enum RawFrame {
    Text(String),
    Binary(Vec<u8>),
    /// The server's close code (`None`: closed without a close frame).
    Closed(Option<u16>),
}

impl RawWs {
    pub async fn send_text(&mut self, s: &str) {
        self.ws
            .send(WsMessage::text(s.to_owned()))
            .await
            .expect("raw send");
    }

    pub async fn send_binary(&mut self, b: Vec<u8>) {
        self.ws.send(WsMessage::binary(b)).await.expect("raw send");
    }

    /// The next data frame or the close (pings skipped); panics after [`WAIT`].
    pub async fn next(&mut self) -> RawFrame {
        loop {
            let m = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("raw ws: nothing within the timeout");
            match m {
                None | Some(Err(_)) => return RawFrame::Closed(None),
                Some(Ok(WsMessage::Text(t))) => return RawFrame::Text(t.as_str().to_owned()),
                Some(Ok(WsMessage::Binary(b))) => return RawFrame::Binary(b.to_vec()),
                Some(Ok(WsMessage::Close(cf))) => {
                    return RawFrame::Closed(cf.map(|c| u16::from(c.code)))
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Reads until the close; its code.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            if let RawFrame::Closed(c) = self.next().await {
                return c;
            }
        }
    }
}

/// A JSON gateway socket with a 4 KiB receive buffer, identified as `email`;
/// returns it and the session id. Tests then stop reading it (a stalled peer).
pub async fn stalled_client(
    s: &TestServer,
    email: &str,
) -> (tokio_tungstenite::WebSocketStream<TcpStream>, String) {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let stream = sock.connect(s.addr).await.unwrap();
    let url = format!("{}/gateway?v=1&encoding=json", s.ws);
    let (mut ws, _) = tokio_tungstenite::client_async(url.as_str(), stream)
        .await
        .unwrap();
    let hello = ws.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("\"op\":10"));
    let token = s.demo_token(email).await;
    ws.send(WsMessage::text(
        serde_json::json!({"op": 2, "d": {"token": token}}).to_string(),
    ))
    .await
    .unwrap();
    loop {
        let m = tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        if v["t"] == "READY" {
            return (ws, v["d"]["session_id"].as_str().unwrap().to_owned());
        }
    }
}
