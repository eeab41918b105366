//! The client's half of opening a gateway session (docs/protocol.md §2): HELLO
//! comes first; IDENTIFY is answered by READY; RESUME is answered by the
//! replayed dispatches and then RESUMED, or by INVALID_SESSION.
//!
//! No I/O and no timers: [`crate::client::GatewayClient`] and the load
//! generator's lean client read their own sockets and keep their own
//! deadlines, and ask this module what each frame means for the handshake.

use crate::event::{Event, Ready, Resumed};
use crate::frame::{Encoding, Hello, ServerFrame};

/// Why a handshake failed on a frame the server sent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HandshakeError {
    /// The frame did not decode (the decoder's message).
    #[error("{0}")]
    Decode(String),
    /// The first frame of the connection was not HELLO; this one came instead.
    #[error("expected HELLO first, got {0:?}")]
    NotHello(Box<ServerFrame>),
    /// The server answered IDENTIFY with INVALID_SESSION.
    #[error("INVALID_SESSION (resumable: {resumable}) on IDENTIFY")]
    InvalidSession {
        /// INVALID_SESSION's `resumable` flag.
        resumable: bool,
    },
}

/// Where a handshake stands after one more frame from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Step<T> {
    /// The answer arrived; the handshake is done.
    Done(T),
    /// Not the answer: keep waiting. The frame is handed back to be kept or
    /// dropped: a dispatch sent before the answer (after RESUME, a replayed
    /// one) or a control frame such as RECONNECT.
    Wait(ServerFrame),
}

/// The server's answer to RESUME.
#[derive(Debug, Clone, PartialEq)]
pub enum ResumeAnswer {
    /// RESUMED: the replay is complete and the session is live again.
    Resumed {
        /// RESUMED's own sequence number.
        s: u64,
        /// RESUMED's `d`: how many dispatches were replayed, which channels were not.
        resumed: Resumed,
    },
    /// INVALID_SESSION: IDENTIFY again (on a new connection when `resumable` is false).
    Invalid {
        /// INVALID_SESSION's `resumable` flag.
        resumable: bool,
    },
}

/// Decodes the first frame of a connection, which must be HELLO.
///
/// Errors: [`HandshakeError::Decode`] when it does not decode,
/// [`HandshakeError::NotHello`] for any other frame.
pub fn hello(enc: Encoding, bytes: &[u8]) -> Result<Hello, HandshakeError> {
    match ServerFrame::decode(enc, bytes) {
        Ok(ServerFrame::Hello(h)) => Ok(h),
        Ok(other) => Err(HandshakeError::NotHello(Box::new(other))),
        Err(e) => Err(HandshakeError::Decode(e.to_string())),
    }
}

/// Reads one frame received after IDENTIFY: READY is the answer (`Done((s,
/// ready))`, `s` being READY's sequence number); anything else but
/// INVALID_SESSION is handed back to wait on.
///
/// Errors: [`HandshakeError::InvalidSession`] for INVALID_SESSION.
pub fn after_identify(frame: ServerFrame) -> Result<Step<(u64, Box<Ready>)>, HandshakeError> {
    match frame {
        ServerFrame::Dispatch {
            s,
            event: Event::Ready(ready),
        } => Ok(Step::Done((s, ready))),
        ServerFrame::InvalidSession(i) => Err(HandshakeError::InvalidSession {
            resumable: i.resumable,
        }),
        other => Ok(Step::Wait(other)),
    }
}

/// Reads one frame received after RESUME: RESUMED or INVALID_SESSION is the
/// answer; every other frame, including the replayed dispatches that come
/// before RESUMED, is handed back.
pub fn after_resume(frame: ServerFrame) -> Step<ResumeAnswer> {
    match frame {
        ServerFrame::Dispatch {
            s,
            event: Event::Resumed(resumed),
        } => Step::Done(ResumeAnswer::Resumed { s, resumed }),
        ServerFrame::InvalidSession(i) => Step::Done(ResumeAnswer::Invalid {
            resumable: i.resumable,
        }),
        other => Step::Wait(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::InvalidSession;

    fn resumed() -> Event {
        Event::Resumed(Resumed {
            replayed: 2,
            unrecovered: vec![],
        })
    }

    #[test]
    fn hello_must_come_first() {
        for enc in [Encoding::Json, Encoding::MsgPack] {
            let h = Hello {
                heartbeat_interval_ms: 41_250,
                node_id: "n".into(),
            };
            let bytes = ServerFrame::Hello(h.clone()).encode(enc).expect("encode");
            assert_eq!(hello(enc, &bytes), Ok(h));
            let ack = ServerFrame::HeartbeatAck.encode(enc).expect("encode");
            assert_eq!(
                hello(enc, &ack),
                Err(HandshakeError::NotHello(Box::new(
                    ServerFrame::HeartbeatAck
                )))
            );
            assert!(matches!(
                hello(enc, b"\x01garbage"),
                Err(HandshakeError::Decode(_))
            ));
        }
    }

    #[test]
    fn identify_waits_for_ready_and_fails_on_invalid_session() {
        let early = ServerFrame::Dispatch {
            s: 1,
            event: resumed(),
        };
        assert_eq!(after_identify(early.clone()), Ok(Step::Wait(early)));
        assert_eq!(
            after_identify(ServerFrame::Reconnect),
            Ok(Step::Wait(ServerFrame::Reconnect))
        );
        assert_eq!(
            after_identify(ServerFrame::InvalidSession(InvalidSession {
                resumable: true
            })),
            Err(HandshakeError::InvalidSession { resumable: true })
        );
    }

    #[test]
    fn resume_hands_back_the_replay_then_ends() {
        let replayed = ServerFrame::Dispatch {
            s: 5,
            event: Event::TypingStart(crate::event::TypingStart {
                channel_id: crate::Snowflake(1),
                user_id: crate::Snowflake(2),
                at: "2026-01-01T00:00:00Z".into(),
            }),
        };
        assert_eq!(after_resume(replayed.clone()), Step::Wait(replayed));
        assert_eq!(
            after_resume(ServerFrame::Dispatch {
                s: 6,
                event: resumed()
            }),
            Step::Done(ResumeAnswer::Resumed {
                s: 6,
                resumed: Resumed {
                    replayed: 2,
                    unrecovered: vec![]
                }
            })
        );
        assert_eq!(
            after_resume(ServerFrame::InvalidSession(InvalidSession {
                resumable: false
            })),
            Step::Done(ResumeAnswer::Invalid { resumable: false })
        );
    }
}
