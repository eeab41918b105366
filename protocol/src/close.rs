//! Gateway close codes (PROTOCOL.md §5), modelled on Discord's 4000-range codes.

/// Why the server closed a gateway connection. The numeric value is the
/// WebSocket close code; `reason()` is the short text sent with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum CloseCode {
    /// 4000: something went wrong on our side; reconnect.
    UnknownError = 4000,
    /// 4001: an opcode the server does not accept from clients.
    UnknownOpcode = 4001,
    /// 4002: the frame did not decode (bad JSON/MessagePack, wrong shape, wrong frame type).
    DecodeError = 4002,
    /// 4003: a frame other than HEARTBEAT before IDENTIFY, or no IDENTIFY within 10 s.
    NotAuthenticated = 4003,
    /// 4004: the token in IDENTIFY/RESUME was rejected.
    AuthenticationFailed = 4004,
    /// 4005: a second IDENTIFY on an identified session.
    AlreadyAuthenticated = 4005,
    /// 4007: RESUME with a sequence the session never sent.
    InvalidSeq = 4007,
    /// 4008: the client sent frames faster than its budget.
    RateLimited = 4008,
    /// 4009: no heartbeat for 1.5 intervals (Discord close code 4009).
    SessionTimedOut = 4009,
    /// 4010: the session's outbound queue was full (slow consumer).
    SlowConsumer = 4010,
    /// 4011: a frame or message above the configured maximum size.
    FrameTooLarge = 4011,
    /// 4012: unknown `v` or `encoding` (normally refused with HTTP 400 before the upgrade).
    InvalidVersion = 4012,
    /// 4013: the Origin header is not allowed.
    ForbiddenOrigin = 4013,
    /// 4014: staff kicked the user, or a newer session replaced this one.
    SessionReplaced = 4014,
    /// 4015: the member opened more sessions than `sessions_per_user`; their
    /// oldest was closed (not resumable). Do not reconnect on your own: that
    /// would close another of the member's sessions.
    TooManySessions = 4015,
}

impl CloseCode {
    /// The WebSocket close code.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// The close reason text.
    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::UnknownError => "unknown error",
            CloseCode::UnknownOpcode => "unknown opcode",
            CloseCode::DecodeError => "decode error",
            CloseCode::NotAuthenticated => "not authenticated",
            CloseCode::AuthenticationFailed => "authentication failed",
            CloseCode::AlreadyAuthenticated => "already authenticated",
            CloseCode::InvalidSeq => "invalid seq",
            CloseCode::RateLimited => "rate limited",
            CloseCode::SessionTimedOut => "session timed out",
            CloseCode::SlowConsumer => "slow consumer",
            CloseCode::FrameTooLarge => "frame too large",
            CloseCode::InvalidVersion => "invalid api version or encoding",
            CloseCode::ForbiddenOrigin => "forbidden origin",
            CloseCode::SessionReplaced => "session replaced",
            CloseCode::TooManySessions => "too many sessions",
        }
    }

    /// Maps a received close code back; `None` for codes outside the table.
    pub fn from_code(code: u16) -> Option<CloseCode> {
        use CloseCode::*;
        [
            UnknownError,
            UnknownOpcode,
            DecodeError,
            NotAuthenticated,
            AuthenticationFailed,
            AlreadyAuthenticated,
            InvalidSeq,
            RateLimited,
            SessionTimedOut,
            SlowConsumer,
            FrameTooLarge,
            InvalidVersion,
            ForbiddenOrigin,
            SessionReplaced,
            TooManySessions,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}
