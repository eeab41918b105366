//! Receiving on a [`GatewayClient`]: what the reader task hands to the handle
//! ([`Incoming`]), the calls that take dispatches and the close from it
//! ([`GatewayClient::next_event`], [`GatewayClient::wait_for`],
//! [`GatewayClient::closed`]), and setting aside what a call did not wait for
//! (dispatches into the bounded local buffer, RECONNECT as a flag, the close
//! code for later calls).

use super::{ClientError, GatewayClient};
use crate::event::Event;
use crate::frame::ServerFrame;
use std::time::Duration;
use tokio::time::{timeout_at, Instant};

/// What the reader task hands to the client handle, in arrival order.
#[derive(Debug)]
pub(super) enum Incoming {
    /// A DISPATCH, INVALID_SESSION or RECONNECT; the reader handles every other frame itself.
    Frame(ServerFrame),
    /// A frame that did not decode; the connection stays open.
    DecodeError(String),
    /// The connection ended; the close code if the server sent one. Always the last item.
    Closed(Option<u16>),
}

impl GatewayClient {
    /// The next DISPATCH `(s, event)`, buffered ones first.
    /// Errors: `Timeout` if none within `timeout`, `Closed(code)` once the
    /// connection ended and every buffered dispatch was handed out, `Decode`
    /// if the server sent an undecodable frame.
    pub async fn next_event(&mut self, timeout: Duration) -> Result<(u64, Event), ClientError> {
        if let Some((s, ev)) = self.buffered.pop_front() {
            self.last_seq = s;
            return Ok((s, ev));
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.recv_until(deadline).await? {
                Incoming::Frame(ServerFrame::Dispatch { s, event }) => {
                    self.last_seq = s;
                    return Ok((s, event));
                }
                Incoming::Frame(ServerFrame::InvalidSession(i)) => {
                    return Err(ClientError::Protocol(format!(
                        "INVALID_SESSION (resumable: {})",
                        i.resumable
                    )))
                }
                Incoming::Frame(ServerFrame::Reconnect) => self.reconnect_requested = true,
                // The reader forwards no other frames.
                Incoming::Frame(_) => {}
                Incoming::DecodeError(e) => return Err(ClientError::Decode(e)),
                Incoming::Closed(code) => return Err(ClientError::Closed(code)),
            }
        }
    }

    /// The first dispatch within `timeout` whose event satisfies `pred`; the
    /// dispatches before it are consumed and discarded. Errors as `next_event`.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        mut pred: impl FnMut(&Event) -> bool,
    ) -> Result<(u64, Event), ClientError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (s, ev) = self.next_event(left).await?;
            if pred(&ev) {
                return Ok((s, ev));
            }
        }
    }

    /// Waits up to `timeout` for the server to close the connection and returns
    /// its close code (`None` if the TCP stream ended without a close frame).
    /// Dispatches received meanwhile are discarded. Errors: `Timeout`.
    pub async fn closed(&mut self, timeout: Duration) -> Result<Option<u16>, ClientError> {
        self.buffered.clear();
        if let Some(code) = self.closed {
            return Ok(code);
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.recv_until(deadline).await {
                Ok(Incoming::Frame(ServerFrame::Reconnect)) => self.reconnect_requested = true,
                Ok(Incoming::Closed(code)) => return Ok(code),
                Ok(_) => continue,
                Err(ClientError::Closed(code)) => return Ok(code),
                Err(e) => return Err(e),
            }
        }
    }

    /// Next item from the reader before `deadline`. `Closed` once the reader ended.
    pub(super) async fn recv_until(&mut self, deadline: Instant) -> Result<Incoming, ClientError> {
        if let Some(code) = self.closed {
            return Err(ClientError::Closed(code));
        }
        match timeout_at(deadline, self.incoming.recv()).await {
            Err(_) => Err(ClientError::Timeout),
            Ok(None) => {
                self.closed = Some(None);
                Err(ClientError::Closed(None))
            }
            Ok(Some(Incoming::Closed(code))) => {
                self.closed = Some(code);
                Ok(Incoming::Closed(code))
            }
            Ok(Some(inc)) => Ok(inc),
        }
    }

    /// Keeps what a call did not wait for: dispatches go to the local buffer,
    /// a close is remembered, a decode error is returned.
    pub(super) fn set_aside(&mut self, inc: Incoming) -> Result<(), ClientError> {
        match inc {
            Incoming::Frame(ServerFrame::Dispatch { s, event }) => {
                if self.buffered.len() >= self.event_buffer {
                    return Err(ClientError::Protocol(format!(
                        "{} dispatches unread while waiting; read events or raise event_buffer",
                        self.buffered.len()
                    )));
                }
                self.buffered.push_back((s, event));
                Ok(())
            }
            Incoming::Frame(ServerFrame::Reconnect) => {
                self.reconnect_requested = true;
                Ok(())
            }
            Incoming::Frame(ServerFrame::InvalidSession(i)) => Err(ClientError::Protocol(format!(
                "unexpected INVALID_SESSION (resumable: {})",
                i.resumable
            ))),
            // The reader forwards no other frames.
            Incoming::Frame(_) => Ok(()),
            Incoming::DecodeError(e) => Err(ClientError::Decode(e)),
            Incoming::Closed(code) => {
                self.closed = Some(code);
                Err(ClientError::Closed(code))
            }
        }
    }

    /// After a pending response was dropped by the reader: the close code it reports.
    pub(super) async fn wait_closed_code(&mut self) -> Option<u16> {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            match self.recv_until(deadline).await {
                Ok(Incoming::Frame(ServerFrame::Dispatch { s, event })) => {
                    if self.buffered.len() < self.event_buffer {
                        self.buffered.push_back((s, event));
                    }
                }
                // A RECONNECT just before the close is why it closed: keep it.
                Ok(Incoming::Frame(ServerFrame::Reconnect)) => self.reconnect_requested = true,
                Ok(_) => {}
                Err(ClientError::Closed(code)) => return code,
                Err(_) => return None,
            }
        }
    }
}
